"""The training-time reference: the Keras original an ONNX file was exported from (needs the train extra).

``training.train`` writes ``<name>.keras`` beside ``<name>.onnx`` and its SHA-256 into the card ``<name>.json``;
the shipped models carry theirs in a checkout. The original is used only when its bytes match the card, so a Keras file
that changed, or one from another training run, is never taken for the reference. The wheel does not carry the
originals: TensorFlow is not one of its dependencies.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from pybridge import contract as model_contract
from pybridge import errors
from pybridge.runtimes.base import KERAS_BATCH, Runtime, TensorModel

CARD_KEY = "keras_sha256"
# Keras (TensorFlow's kernels) against ONNX Runtime: the export gate's budget (training.export.GATE_ATOL, kept equal
# by a test). KERAS_MEASURED: the largest |diff| measured between them over the 10k test images (docs/parity.md).
KERAS_ATOL = 1e-5
KERAS_MEASURED = 1.97e-6
KERAS_BASIS = (
    "Keras vs ONNX Runtime: other kernels, other rounding; the export gate's budget, "
    f"{KERAS_ATOL / KERAS_MEASURED:.0f}x the largest |diff| measured ({KERAS_MEASURED:.3g} over the 10k test "
    "images, docs/parity.md)"
)


def original_path(model: Path) -> Path:
    """Where the Keras original of ``model`` lives: beside it, with the same name."""
    return model.with_suffix(".keras")


def verified_original(model: Path) -> Path:
    """The Keras original of ``model``, checked against the SHA-256 its card records.

    Raises:
        UsageError: ``MISSING_FILE``: no original beside the model, or no card to check it with.
        ModelError: ``CARD_INVALID``: the card records no (well-formed) ``keras_sha256``.
        DataError: ``CHECKSUM``: the original's bytes are not the ones the card records.
    """
    path, card_path = original_path(model), model.with_suffix(".json")
    if not path.is_file():
        raise errors.UsageError(
            errors.UsageReason.MISSING_FILE,
            f"{path}: {errors.UsageReason.MISSING_FILE.value}: expected the Keras original of {model.name} beside "
            "it, found none (`python -m training.train` writes one beside the model it exports; the wheel has none)",
        )
    if not card_path.is_file():
        raise errors.UsageError(
            errors.UsageReason.MISSING_FILE,
            f"{card_path}: {errors.UsageReason.MISSING_FILE.value}: expected the model card that records the SHA-256 "
            f"of {path.name}, found none",
        )
    recorded = model_contract.read_card(card_path).get(CARD_KEY)
    if not isinstance(recorded, str) or not re.fullmatch(r"[0-9a-f]{64}", recorded):
        found = "none" if recorded is None else repr(recorded)
        raise errors.ModelError(
            errors.ModelReason.CARD_INVALID,
            card_path,
            f"expected 64 lower-case hex digits at {CARD_KEY} (the SHA-256 of {path.name}), found {found}",
        )
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != recorded:
        raise errors.DataError(
            errors.DataReason.CHECKSUM,
            f"{path}: {errors.DataReason.CHECKSUM.value}: expected sha256 {recorded} (its card's {CARD_KEY}), "
            f"found {actual}",
        )
    return path


class KerasRuntime(Runtime):
    """Keras (TensorFlow imported only when a model is opened).

    Args:
        batch: images per ``predict`` step.
    """

    name = "keras"

    def __init__(self, *, batch: int = KERAS_BATCH):
        self.batch = batch

    def load(self, model: Path, contract: dict | None = None) -> KerasModel:
        """The verified Keras original of ``model`` (its interface is Keras's own: ``contract`` is not checked).

        Raises:
            UsageError, ModelError, DataError: as ``verified_original``.
        """
        path = verified_original(Path(model))
        import keras  # deferred: TensorFlow is an optional, heavy dependency

        return KerasModel(keras.models.load_model(path), str(model), self.batch)


class KerasModel(TensorModel):
    """A loaded Keras model."""

    runtime = KerasRuntime.name

    def __init__(self, net, subject: str, batch: int):
        self.net, self.subject, self.batch = net, subject, batch

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.net.predict(x, batch_size=self.batch, verbose=0).astype(np.float32)

    @property
    def provider(self) -> str:
        import keras

        return f"keras {keras.__version__} ({keras.backend.backend()})"

    @property
    def details(self) -> dict:
        # Its pairs with any other runtime are held to the export gate's budget, not to bit identity.
        return {"batch": self.batch, "pair_budget": {"atol": KERAS_ATOL, "basis": KERAS_BASIS}}
