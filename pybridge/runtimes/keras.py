"""The training-time reference: the Keras model an ONNX file was exported from (needs the train extra).

Only available on a machine that trained the model: ``training.train`` keeps it in the user cache, keyed by the
ONNX file's SHA-256, so an original is only ever compared with the very file made from it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from pybridge import errors
from pybridge.files import keras_cache_path
from pybridge.runtimes.base import DEFAULT_BATCH, Runtime, TensorModel


class KerasRuntime(Runtime):
    """Keras (TensorFlow imported only when a model is opened).

    Args:
        batch: images per ``predict`` step.
    """

    name = "keras"

    def __init__(self, *, batch: int = DEFAULT_BATCH):
        self.batch = batch

    def load(self, model: Path, contract: dict | None = None) -> KerasModel:
        """The Keras original of ``model`` (its interface is Keras's own: ``contract`` is not checked here).

        Raises:
            UsageError: no original of this very file in the cache.
        """
        path = keras_cache_path(model.stem, hashlib.sha256(model.read_bytes()).hexdigest())
        if not path.exists():
            raise errors.UsageError(
                f"{model}: expected its Keras original at {path}, found none (it exists only where "
                "`python -m training.train` made this very file)"
            )
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
        return {"batch": self.batch}
