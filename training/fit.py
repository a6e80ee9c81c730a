"""Seeded training of a recipe: data scaling, augmentation and the fit loop shared by cv.py and train.py."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

# Quiet TensorFlow's start-up chatter; real warnings still come through at level 1.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import keras
import tensorflow as tf

from pybridge.contract import to_input
from training.models import Recipe

# Augmentation for `best`: small rotations, shifts and zooms keep a digit a digit.
ROTATION_DEGREES = 10.0
SHIFT = 0.1  # fraction of the image side
ZOOM = 0.1  # scale factor range 1 +- ZOOM


def arrays(dataset, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs and int64 labels of a ``pybridge.idx.Dataset``, optionally only its first ``limit`` images."""
    return to_input(dataset.images.data[:limit]), dataset.labels.data[:limit].astype(np.int64)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and TensorFlow and ask TensorFlow for deterministic kernels.

    With op determinism on, the same seed, data, thread count and library versions give the same weights on
    CPU; what TensorFlow cannot make deterministic raises instead of varying silently.
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


@dataclass(frozen=True)
class FitResult:
    model: keras.Model
    history: dict[str, list[float]]
    seconds: float


def augment_batch(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Rotate, zoom and shift each image of a batch by its own random amounts, in one resampling pass.

    One projective-transform op per batch instead of a chain of Keras preprocessing layers: on two CPU
    cores the chain cost nearly as much as the training step itself. ``seed`` is a stateless seed pair, so
    a run is reproducible.
    """
    n = tf.shape(images)[0]
    angle = tf.random.stateless_uniform([n], seed, -ROTATION_DEGREES, ROTATION_DEGREES) * (np.pi / 180)
    scale = tf.random.stateless_uniform([n], seed + 1, 1 - ZOOM, 1 + ZOOM)
    shift = tf.random.stateless_uniform([n, 2], seed + 2, -SHIFT * 28, SHIFT * 28)
    centre = 13.5
    # Maps each output pixel back to the input pixel it samples: inverse rotation and zoom about the centre.
    a0, a1 = tf.cos(angle) / scale, -tf.sin(angle) / scale
    b0, b1 = tf.sin(angle) / scale, tf.cos(angle) / scale
    a2 = centre - a0 * centre - a1 * centre - shift[:, 0]
    b2 = centre - b0 * centre - b1 * centre - shift[:, 1]
    zeros = tf.zeros_like(angle)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.shape(images)[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )


# Augmentation for `robust`: what users' drawings look like once preprocessing has made them 28x28. Strokes from a
# hairline (a faint one-pixel line: a thin pen on a large canvas, averaged down) to a marker, soft edges of blurry
# photos, other handwriting (elastic distortion, shear, aspect) and the slant of italic fonts.
ROBUST_FRACTION = 0.6  # of each batch; the rest get `best`'s augmentation only, so MNIST itself stays in view
ROBUST_ROTATION_DEGREES = 12.0
ROBUST_SHEAR = 0.25  # x shift per row, fraction of a pixel
ROBUST_ASPECT = 0.2  # width scale range 1 +- ASPECT, relative to the height's
ELASTIC_PIXELS = 2.0  # largest displacement of the smooth random field
FAINT_FRACTION = 0.3  # of the robust images, scaled down in intensity like a thin stroke averaged into 28x28
FAINT_GAIN = 0.15  # the faintest such image's brightest pixel, relative to 1


# Before augmentation, PEN_FRACTION of robust's training digits are taken from a copy of the training set redrawn
# along each digit's centre line with a round pen (one random width per digit): a pen stroke is as wide at every
# point and ends round, which no morphology of MNIST's own strokes gives. Widths are in pixels of the 28x28 frame:
# from a quarter pixel (a hairline on a large canvas, averaged down and stretched back by preprocessing) to about a
# quarter of the 20-pixel digit height (a marker).
PEN_FRACTION = 0.25
PEN_WIDTHS = (0.25, 5.6)
PEN_OVERSAMPLE = 4  # drawn at 4x and averaged down, as a large canvas is by preprocessing


def pen_redraw(digit: np.ndarray, pen: float) -> np.ndarray:
    """One uint8 28x28 digit redrawn along its centre line with a round pen ``pen`` pixels wide, brightest 255.

    The centre line is the user-drawing set's (``training.userset``); a digit without one comes back unchanged.
    """
    from PIL import Image, ImageDraw

    from training import userset

    k = PEN_OVERSAMPLE
    segments = userset.skeleton_segments(digit) * k
    if len(segments) == 0:
        return digit
    canvas = Image.new("L", (28 * k, 28 * k), 0)
    draw = ImageDraw.Draw(canvas)
    width, r = max(1, round(pen * k)), pen * k / 2
    for (ya, xa), (yb, xb) in segments:
        draw.line([(xa, ya), (xb, yb)], fill=255, width=width)
        if width > 2:
            draw.ellipse([xa - r, ya - r, xa + r, ya + r], fill=255)
    small = np.asarray(canvas, np.float64).reshape(28, k, 28, k).mean(axis=(1, 3))
    return np.round(255 * small / small.max()).astype(np.uint8)


def _pen_chunk(job: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    digits, pens = job
    return np.stack([pen_redraw(d, p) for d, p in zip(digits, pens, strict=True)])


def pen_redrawn(digits: np.ndarray, seed: int, processes: int = 2) -> np.ndarray:
    """Every uint8 digit [n, 28, 28] redrawn with a pen of its own log-uniform random width (seeded)."""
    from multiprocessing import get_context

    rng = np.random.default_rng(seed)
    pens = np.exp(rng.uniform(np.log(PEN_WIDTHS[0]), np.log(PEN_WIDTHS[1]), len(digits)))
    jobs = [(digits[i : i + 2000], pens[i : i + 2000]) for i in range(0, len(digits), 2000)]
    if processes <= 1 or len(jobs) == 1:
        return np.concatenate([_pen_chunk(j) for j in jobs])
    # Spawned, not forked: this process already runs TensorFlow's threads.
    with get_context("spawn").Pool(processes) as pool:
        return np.concatenate(pool.map(_pen_chunk, jobs))


def _sample(images: tf.Tensor, ys: tf.Tensor, xs: tf.Tensor) -> tf.Tensor:
    """Bilinear samples of ``images`` [n, 28, 28, 1] at source coordinates ``ys``, ``xs`` [n, 28, 28]; 0 outside."""
    n = tf.shape(images)[0]
    side = images.shape[1]
    flat = tf.reshape(images, [n, side * side])
    y0, x0 = tf.floor(ys), tf.floor(xs)
    wy, wx = ys - y0, xs - x0

    def tap(yy: tf.Tensor, xx: tf.Tensor) -> tf.Tensor:
        inside = tf.cast((yy >= 0) & (yy <= side - 1) & (xx >= 0) & (xx <= side - 1), images.dtype)
        index = tf.cast(tf.clip_by_value(yy, 0, side - 1) * side + tf.clip_by_value(xx, 0, side - 1), tf.int32)
        values = tf.gather(flat, tf.reshape(index, [n, -1]), batch_dims=1)
        return tf.reshape(values, [n, side, side]) * inside

    out = (
        tap(y0, x0) * (1 - wy) * (1 - wx)
        + tap(y0, x0 + 1) * (1 - wy) * wx
        + tap(y0 + 1, x0) * wy * (1 - wx)
        + tap(y0 + 1, x0 + 1) * wy * wx
    )
    return out[..., None]


def _gaussian3(images: tf.Tensor) -> tf.Tensor:
    k = np.array([0.25, 0.5, 0.25], np.float32)
    kernel = tf.constant(np.outer(k, k)[:, :, None, None])
    return tf.nn.conv2d(images, kernel, strides=1, padding="SAME")


def robust_augment_batch(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """``best``'s augmentation for part of the batch; for the rest, users' conditions, all vectorised per batch.

    Geometry (rotation, zoom, aspect, shear, shift and a smooth elastic field) in one bilinear resampling, then
    stroke width (towards a 3x3 erosion or the bright core of the stroke for thin pens, towards one or two 3x3
    dilations for markers), blur, a stretch back to a brightest pixel of 1 (as preprocessing stretches) and, for
    some, a lower intensity (a thin stroke averaged into the 20-pixel box).
    """
    n = tf.shape(images)[0]
    side = images.shape[1]

    def uniform(shape: list, k: int, low: float, high: float) -> tf.Tensor:
        return tf.random.stateless_uniform(shape, seed + k, low, high)

    angle = uniform([n], 10, -ROBUST_ROTATION_DEGREES, ROBUST_ROTATION_DEGREES) * (np.pi / 180)
    zoom = uniform([n], 11, 1 - ZOOM, 1 + ZOOM)
    aspect = uniform([n], 12, 1 - ROBUST_ASPECT, 1 + ROBUST_ASPECT)
    shear = uniform([n], 13, -ROBUST_SHEAR, ROBUST_SHEAR)
    shift = uniform([n, 2], 14, -SHIFT * side, SHIFT * side)
    field = tf.image.resize(uniform([n, 4, 4, 2], 15, -1.0, 1.0), [side, side], method="bicubic")
    field = field * uniform([n, 1, 1, 1], 16, 0.0, ELASTIC_PIXELS)
    centre = (side - 1) / 2
    grid = tf.range(side, dtype=tf.float32) - centre
    yo = tf.broadcast_to(grid[None, :, None], [n, side, side]) - shift[:, 1, None, None]
    xo = tf.broadcast_to(grid[None, None, :], [n, side, side]) - shift[:, 0, None, None]
    cos, sin = tf.cos(angle)[:, None, None], tf.sin(angle)[:, None, None]
    sy, sx = zoom[:, None, None], (zoom * aspect)[:, None, None]
    # Output -> source: undo the zoom and aspect, then the rotation, then the shear.
    ys = (cos * yo - sin * xo) / sy
    xs = (sin * yo + cos * xo) / sx
    xs = xs + shear[:, None, None] * ys
    x = _sample(images, ys + centre + field[..., 0], xs + centre + field[..., 1])

    pool = lambda t: tf.nn.max_pool2d(t, 3, 1, "SAME")  # noqa: E731
    width = uniform([n, 1, 1, 1], 17, -1.0, 1.6)  # <0 thinner, 0..1 one dilation, above 1 part of a second
    dilated = pool(x)
    thick = x + tf.minimum(width, 1.0) * (dilated - x) + tf.maximum(width - 1.0, 0.0) * (pool(dilated) - dilated)
    eroded = -pool(-x)
    core = tf.nn.relu(x - 0.6) / 0.4
    thin = tf.where(uniform([n, 1, 1, 1], 18, 0, 1) < 0.5, eroded, core)
    thin = x + tf.minimum(-width, 1.0) * (thin - x)
    x = tf.where(width >= 0, thick, thin)
    x = x + uniform([n, 1, 1, 1], 19, 0.0, 1.0) ** 2 * (_gaussian3(_gaussian3(x)) - x)
    x = x / tf.maximum(tf.reduce_max(x, axis=[1, 2, 3], keepdims=True), 1e-3)
    faint = uniform([n, 1, 1, 1], 20, 0, 1) < FAINT_FRACTION
    x = tf.where(faint, x * uniform([n, 1, 1, 1], 21, FAINT_GAIN, 1.0), x)
    # Pixel values are whole grey levels after preprocessing.
    x = tf.round(tf.clip_by_value(x, 0.0, 1.0) * 255) / 255
    chosen = uniform([n, 1, 1, 1], 22, 0, 1) < ROBUST_FRACTION
    return tf.where(chosen, x, augment_batch(images, seed))


def _pick_pen(original: tf.Tensor, pen: tf.Tensor, step: tf.Tensor, seed: int) -> tf.Tensor:
    """Each image of a batch or its pen-redrawn copy, PEN_FRACTION of them the copy (seeded per step)."""
    choose = tf.random.stateless_uniform(
        [tf.shape(original)[0], 1, 1, 1], tf.stack([tf.constant(seed, tf.int64) + 30, step])
    )
    return tf.where(choose < PEN_FRACTION, pen, original)


def fit(
    recipe: Recipe,
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    verbose: int = 2,
) -> FitResult:
    """Build a fresh model from ``recipe`` and train it on ``x`` (float32 NHWC) and ``y`` (int labels).

    Args:
        seed: seeds initial weights, shuffling and augmentation.
        validation: evaluated after every epoch (the held-out fold in CV); not used for training.
        verbose: Keras verbosity; 2 prints one line per epoch.
    """
    import time

    seed_everything(seed)
    model = recipe.build()
    callbacks = [keras.callbacks.LearningRateScheduler(recipe.lr_schedule)] if recipe.lr_schedule else []
    start = time.perf_counter()
    if recipe.augment or recipe.steps:
        # repeat() before batch(): batches run across epoch boundaries, the shuffle still differs every pass,
        # and the step counter zipped in after it gives every batch its own augmentation seed.
        if recipe.augmentation == "robust":
            # Each image travels with its pen-redrawn copy; which one a batch uses is drawn per image below.
            pens = to_input(pen_redrawn(np.round(x[..., 0] * 255).astype(np.uint8), seed))
            data = tf.data.Dataset.from_tensor_slices(((x, pens), y))
        else:
            data = tf.data.Dataset.from_tensor_slices((x, y))
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True).repeat().batch(recipe.batch_size)
        if recipe.augment:
            steps = tf.data.Dataset.counter()
            robust = recipe.augmentation == "robust"
            augmenter = robust_augment_batch if robust else augment_batch

            def augmented(images, step: tf.Tensor) -> tf.Tensor:
                images = _pick_pen(*images, step, seed) if robust else images
                return augmenter(images, tf.stack([tf.constant(seed, tf.int64), step]))

            data = tf.data.Dataset.zip(data, steps).map(lambda batch, step: (augmented(batch[0], step), batch[1]))
        history = model.fit(
            data.prefetch(2),
            epochs=recipe.epochs,
            steps_per_epoch=recipe.steps or -(-len(x) // recipe.batch_size),
            shuffle=False,  # the dataset shuffles itself
            validation_data=validation,
            callbacks=callbacks,
            verbose=verbose,
        )
    else:
        history = model.fit(
            x,
            y,
            batch_size=recipe.batch_size,
            epochs=recipe.epochs,
            shuffle=True,
            validation_data=validation,
            callbacks=callbacks,
            verbose=verbose,
        )
    return FitResult(
        model, {k: [float(v) for v in vs] for k, vs in history.history.items()}, time.perf_counter() - start
    )
