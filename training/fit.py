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
        data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        data = data.repeat().batch(recipe.batch_size)
        if recipe.augment:
            steps = tf.data.Dataset.counter()
            data = tf.data.Dataset.zip(data, steps).map(
                lambda batch, step: (augment_batch(batch[0], tf.stack([tf.constant(seed, tf.int64), step])), batch[1])
            )
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
