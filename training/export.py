"""ONNX export with an embedded model contract, guarded by a gate that compares ONNX Runtime with Keras.

The exported graph has one input, ``image`` float32 [N, 28, 28, 1], and one output, ``probabilities``
float32 [N, 10]; ``N`` is a named symbolic batch dimension. The contract (JSON in the ONNX ``metadata_props``
under ``CONTRACT_KEY``) says how to prepare pixels, what the classes are, which data and settings made the
model, and carries golden pairs (uint8 images and the probabilities Keras gave them) that any runtime can
re-check when it loads the model.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
import tf2onnx

from pybridge import contract as model_contract
from pybridge.files import atomic_write
from training.models import INPUT_SHAPE

OPSET = 17
CONTRACT_KEY = model_contract.KEY
INPUT_NAME = model_contract.INPUT_NAME
OUTPUT_NAME = model_contract.OUTPUT_NAME
BATCH_DIM = model_contract.BATCH_DIM
GATE_ATOL = 1e-5


class ExportGateError(Exception):
    """ONNX Runtime's outputs on the test set differ from Keras's beyond the gate; nothing was written."""


@dataclass(frozen=True)
class GateResult:
    images: int
    argmax_agreement: float
    max_abs_diff: float

    @property
    def passed(self) -> bool:
        return self.argmax_agreement == 1.0 and self.max_abs_diff <= GATE_ATOL

    def card_entry(self) -> dict:
        """The model card's ``export_gate``."""
        return {"argmax_agreement": self.argmax_agreement, "max_abs_diff": self.max_abs_diff, "atol": GATE_ATOL}

    def describe(self) -> str:
        return (
            f"argmax agreement {self.argmax_agreement:.4%} over {self.images} images (need 100%), "
            f"max |p_onnx - p_keras| {self.max_abs_diff:.3g} (need <= {GATE_ATOL:g})"
        )


def to_onnx(model) -> onnx.ModelProto:
    """Convert a Keras model through a traced tf.function (``from_keras`` breaks on Keras 3)."""
    spec = (tf.TensorSpec((None, *INPUT_SHAPE), tf.float32, name=INPUT_NAME),)

    @tf.function(input_signature=spec)
    def serve(image):
        return {OUTPUT_NAME: model(image, training=False)}

    proto, _ = tf2onnx.convert.from_function(serve, input_signature=spec, opset=OPSET)
    for value in (*proto.graph.input, *proto.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = BATCH_DIM
    names = ([i.name for i in proto.graph.input], [o.name for o in proto.graph.output])
    if names != ([INPUT_NAME], [OUTPUT_NAME]):
        raise ExportGateError(f"expected input [{INPUT_NAME}] and output [{OUTPUT_NAME}], found {names}")
    return proto


def onnx_probabilities(model_bytes: bytes, x: np.ndarray, batch: int = 1000) -> np.ndarray:
    """Run the ONNX graph with ONNX Runtime on CPU, in batches."""
    options = ort.SessionOptions()
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    return np.concatenate([session.run(None, {INPUT_NAME: x[i : i + batch]})[0] for i in range(0, len(x), batch)])


def gate(model_bytes: bytes, x: np.ndarray, keras_probs: np.ndarray) -> GateResult:
    """Compare ONNX Runtime with Keras on ``x``: the numbers the export gate judges."""
    onnx_probs = onnx_probabilities(model_bytes, x)
    agreement = float(np.mean(onnx_probs.argmax(1) == keras_probs.argmax(1)))
    return GateResult(len(x), agreement, float(np.max(np.abs(onnx_probs - keras_probs))))


def library_versions() -> dict[str, str]:
    import keras

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "tf2onnx": tf2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
    }


def build_contract(*, name: str, images_u8: np.ndarray, keras_probs: np.ndarray, extra: dict) -> dict:
    """The contract embedded in the model. ``images_u8``/``keras_probs`` supply the golden pairs."""
    return model_contract.build(
        name=name,
        opset=OPSET,
        versions=library_versions(),
        golden_u8=images_u8,
        golden_probs=keras_probs,
        golden_source="keras",
        extra=extra,
    )


def export(
    model,
    path: Path,
    *,
    name: str,
    x_test: np.ndarray,
    keras_probs: np.ndarray,
    images_test_u8: np.ndarray,
    extra: dict,
) -> tuple[bytes, GateResult, dict]:
    """Export ``model`` to ``path`` with its contract, if and only if the gate passes on the whole test set.

    Args:
        x_test: float32 [N, 28, 28, 1] test inputs (pixel / 255); keras_probs: ``model``'s probabilities for them
            (the caller has them already for its accuracy); images_test_u8: the same images as uint8.
        extra: contract entries from the caller (dataset, training settings, test accuracy, ...).

    Raises:
        ExportGateError: with the measured numbers; ``path`` is left untouched.
    """
    proto = to_onnx(model)
    result = gate(proto.SerializeToString(), x_test, keras_probs)
    if not result.passed:
        raise ExportGateError(f"{name}: export gate failed: {result.describe()}")
    contract = build_contract(name=name, images_u8=images_test_u8, keras_probs=keras_probs, extra=extra)
    contract["export_gate"] = {
        "images": result.images,
        "argmax_agreement": result.argmax_agreement,
        "max_abs_diff": result.max_abs_diff,
        "atol": GATE_ATOL,
    }
    onnx.helper.set_model_props(proto, {CONTRACT_KEY: json.dumps(contract, sort_keys=True)})
    proto.producer_name = "digitbridge training.export"
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    atomic_write(Path(path), data)
    return data, result, contract


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
