"""The model zoo: the four public Keras MNIST tutorials' architectures and settings, and our own ``best``.

Every model takes the same input, ``image``: float32 [N, 28, 28, 1] (pixels / 255, white digit on black), and
ends in a 10-way softmax, so one ONNX contract fits them all; the MLPs flatten inside the graph.

A ``Recipe`` pairs a builder with the training settings its tutorial used (optimiser, batch size, epochs or
steps); ``RECIPES[name]`` is the registry the CV harness and the trainer read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


@dataclass(frozen=True)
class Recipe:
    """A named architecture with its tutorial's training settings.

    Attributes:
        name: registry key, also the model file's stem.
        build: returns a fresh, compiled Keras model.
        epochs: full passes over the training data (ignored when ``steps`` is set).
        batch_size: minibatch size.
        steps: total optimiser steps instead of epochs (mlp3's "1000 iterations of batch 128").
        augment: apply random rotations/shifts/zoom to training batches (``best`` and ``robust``).
        augmentation: which augmentation: "affine" (``best``'s) or "robust" (users' conditions as well).
        test_time: the input variants the shipped model reads and averages (``training.testtime``); none: as drawn.
        source: where the settings come from, for the model card.
        reference: the accuracy figures the source reports, for the model card and the targets.
    """

    name: str
    build: Callable[[], keras.Model]
    epochs: int
    batch_size: int
    steps: int | None = None
    augment: bool = False
    augmentation: str = "affine"
    lr_schedule: Callable[[int, float], float] | None = None
    test_time: tuple[str, ...] = ()
    source: str = ""
    reference: dict = field(default_factory=dict)


def _compile(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> keras.Model:
    # Sparse labels with the matching loss: the same objective as one-hot + categorical cross-entropy.
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _sgd() -> keras.optimizers.Optimizer:
    return keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)


def _input() -> keras.KerasTensor:
    return keras.Input(INPUT_SHAPE, name="image")


def mlp() -> keras.Model:
    """Dense 784 relu (normal init) -> Dense 10 softmax; Adam."""
    model = keras.Sequential(
        [
            _input(),
            layers.Flatten(),
            layers.Dense(784, activation="relu", kernel_initializer="random_normal"),
            layers.Dense(NUM_CLASSES, activation="softmax", kernel_initializer="random_normal"),
        ],
        name="mlp",
    )
    return _compile(model, keras.optimizers.Adam())


def dense_dropout() -> keras.Model:
    """Flatten -> Dense 784 relu -> Dropout 0.5 -> Dense 130 relu -> Dropout 0.5 -> Dense 10 softmax; Adam."""
    model = keras.Sequential(
        [
            _input(),
            layers.Flatten(),
            layers.Dense(784, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(130, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="dense_dropout",
    )
    return _compile(model, keras.optimizers.Adam())


def mlp3() -> keras.Model:
    """784 -> 512 -> 256 -> 128 (relu; the original's layers were linear) -> dropout 0.5 -> 10; Adam lr 1e-4."""
    model = keras.Sequential(
        [
            _input(),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="mlp3",
    )
    return _compile(model, keras.optimizers.Adam(learning_rate=1e-4))


def simple_cnn() -> keras.Model:
    """Conv 32 5x5 relu -> MaxPool 2 -> Dropout 0.2 -> Flatten -> Dense 128 relu -> Dense 10 softmax; Adam."""
    model = keras.Sequential(
        [
            _input(),
            layers.Conv2D(32, 5, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Dropout(0.2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="simple_cnn",
    )
    return _compile(model, keras.optimizers.Adam())


def _baseline(batch_norm: bool) -> list[keras.layers.Layer]:
    def norm() -> list[keras.layers.Layer]:
        return [layers.BatchNormalization()] if batch_norm else []

    return [
        layers.Conv2D(32, 3, activation="relu", kernel_initializer="he_uniform"),
        *norm(),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(100, activation="relu", kernel_initializer="he_uniform"),
        *norm(),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ]


def baseline_cnn() -> keras.Model:
    """Conv 32 3x3 relu he_uniform -> MaxPool -> Flatten -> Dense 100 relu he_uniform -> Dense 10; SGD."""
    return _compile(keras.Sequential([_input(), *_baseline(False)], name="baseline_cnn"), _sgd())


def baseline_cnn_bn() -> keras.Model:
    """The baseline with BatchNormalization after the conv and after Dense 100; SGD."""
    return _compile(keras.Sequential([_input(), *_baseline(True)], name="baseline_cnn_bn"), _sgd())


def deeper_cnn() -> keras.Model:
    """Conv32 -> MaxPool -> Conv64 -> Conv64 -> MaxPool -> Flatten -> Dense 100 -> Dense 10 (relu, he_uniform)."""

    def conv(filters: int) -> keras.layers.Layer:
        return layers.Conv2D(filters, 3, activation="relu", kernel_initializer="he_uniform")

    model = keras.Sequential(
        [
            _input(),
            conv(32),
            layers.MaxPooling2D(2),
            conv(64),
            conv(64),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(100, activation="relu", kernel_initializer="he_uniform"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="deeper_cnn",
    )
    return _compile(model, _sgd())


def best(name: str = "best") -> keras.Model:
    """Our design: small conv blocks with batch normalisation and dropout, trained with augmentation.

    Conv layers carry no bias because the batch normalisation after each one has its own shift.
    """

    def conv_bn(filters: int, size: int) -> list[keras.layers.Layer]:
        return [
            layers.Conv2D(filters, size, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
        ]

    model = keras.Sequential(
        [
            _input(),
            *conv_bn(32, 3),
            *conv_bn(32, 3),
            layers.MaxPooling2D(2),
            layers.Dropout(0.25),
            *conv_bn(64, 3),
            *conv_bn(64, 3),
            layers.MaxPooling2D(2),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(256, use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name=name,
    )
    return _compile(model, keras.optimizers.Adam(learning_rate=1e-3))


def robust() -> keras.Model:
    """``best``'s architecture, trained on digits as users draw them as well as on MNIST's (training.fit)."""
    return best("robust")


def _cosine(epochs: int, peak: float = 1e-3, floor: float = 1e-5) -> Callable[[int, float], float]:
    import math

    def schedule(epoch: int, _lr: float) -> float:
        return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * epoch / epochs))

    return schedule


# What fits the 30-minute budget on our 2 cores: on 2026-11-30 an epoch took 122-154 s and the pen-redrawn copies of
# the training set about 4 minutes (README: the disclosure).
ROBUST_EPOCHS = 11

# 16 epochs reached 99.57% on the test set (README: the disclosure); 20 fit the 30-minute budget on 2 cores.
BEST_EPOCHS = 20

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in [
        Recipe(
            "mlp",
            mlp,
            epochs=10,
            batch_size=200,
            source="SEEDS.md mlp: Adam, 10 epochs, batch 200",
            reference={"test_accuracy": 0.9808, "note": "reported error 1.92% (another run 1.83%)"},
        ),
        Recipe(
            "dense_dropout",
            dense_dropout,
            epochs=10,
            batch_size=50,
            source="SEEDS.md dense_dropout: Adam, 10 epochs, batch 50 (the tutorial held out 20% for validation)",
            reference={"test_accuracy": 0.978},
        ),
        Recipe(
            "mlp3",
            mlp3,
            epochs=1,
            batch_size=128,
            steps=1000,
            source="SEEDS.md mlp3: Adam lr 1e-4, 1000 iterations of batch 128",
            reference={"test_accuracy": 0.92},
        ),
        Recipe(
            "simple_cnn",
            simple_cnn,
            epochs=10,
            batch_size=200,
            source="SEEDS.md simple_cnn: Adam, 10 epochs, batch 200",
            reference={"test_accuracy": 0.99, "note": "reported ~1% error"},
        ),
        Recipe(
            "baseline_cnn",
            baseline_cnn,
            epochs=10,
            batch_size=32,
            source="SEEDS.md baseline_cnn: SGD lr 0.01 momentum 0.9, 10 epochs, batch 32",
            reference={"cv_mean": 0.98677, "cv_std": 0.00107},
        ),
        Recipe(
            "baseline_cnn_bn",
            baseline_cnn_bn,
            epochs=10,
            batch_size=32,
            source="SEEDS.md baseline_cnn_bn: as baseline_cnn",
            reference={"cv_mean": 0.98643},
        ),
        Recipe(
            "deeper_cnn",
            deeper_cnn,
            epochs=10,
            batch_size=32,
            source="SEEDS.md deeper_cnn: SGD lr 0.01 momentum 0.9, 10 epochs, batch 32",
            reference={"cv_mean": 0.99062, "cv_std": 0.00104, "test_accuracy": 0.9909},
        ),
        Recipe(
            "best",
            best,
            epochs=BEST_EPOCHS,
            batch_size=128,
            augment=True,
            lr_schedule=_cosine(BEST_EPOCHS),
            source="ours: batch-normalised conv blocks, dropout, rotation/shift/zoom augmentation, Adam with "
            "cosine learning-rate decay",
            reference={"target": 0.996},
        ),
        Recipe(
            "robust",
            robust,
            epochs=ROBUST_EPOCHS,
            batch_size=128,
            augment=True,
            augmentation="robust",
            lr_schedule=_cosine(ROBUST_EPOCHS),
            # Chosen on a development set drawn apart from the evaluation set (README: "Digits as users draw them").
            test_time=("as_drawn", "half_dilated"),
            source="ours: best's architecture; augmentation for users' drawings (stroke width by 3x3 erosion, "
            "dilation and stroke cores, blur, faint strokes, elastic distortion, shear, aspect) on 60% of each "
            "batch, best's rotation/shift/zoom on the rest; a quarter of the digits redrawn along their centre "
            "lines with a round pen of random width first; Adam with cosine learning-rate decay",
            reference={"target": 0.996},
        ),
    ]
}


def target_accuracy(recipe: Recipe) -> float:
    """The test accuracy a shipped model must reach to count as reproducing its source.

    Mean minus two standard deviations where the tutorial gives a CV spread; otherwise its reported accuracy
    minus 0.25 points (a run-to-run spread we allow for single reported runs); ``best``'s own target as is.
    """
    ref = recipe.reference
    if "cv_std" in ref:
        return ref["cv_mean"] - 2 * ref["cv_std"]
    if "target" in ref:
        return ref["target"]
    return ref.get("test_accuracy", ref.get("cv_mean")) - 0.0025
