"""The model contract (docs/model-contract.md): its one builder and its readers, free of TensorFlow.

``training.export`` builds it for the zoo, ``tests/data/make_test_models.py`` for the test models, and the
runners read it back; all go through this module so the format is written down once.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

from pybridge import errors

KEY = "digitbridge.contract"  # the ONNX metadata_props key
FORMAT = "digitbridge-contract/1"
INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
BATCH_DIM = "N"
SIDE = 28
CLASSES = 10
GOLDEN_COUNT = 8
GOLDEN_ATOL = 1e-5


def build(
    *,
    name: str,
    opset: int,
    versions: dict,
    golden_u8: np.ndarray,
    golden_probs: np.ndarray,
    golden_source: str,
    extra: dict,
) -> dict:
    """A contract whose golden pairs are the first ``GOLDEN_COUNT`` of ``golden_u8``/``golden_probs``."""
    return {
        "format": FORMAT,
        "name": name,
        "input": {"name": INPUT_NAME, "dtype": "float32", "shape": [BATCH_DIM, SIDE, SIDE, 1]},
        "output": {"name": OUTPUT_NAME, "dtype": "float32", "shape": [BATCH_DIM, CLASSES], "activation": "softmax"},
        "preprocessing": {
            "pixel_scale": "value / 255 as float32",
            "layout": "NHWC",
            "polarity": "white digit on black background",
            "size": [SIDE, SIDE],
            "source_dtype": "uint8",
        },
        "labels": [str(d) for d in range(CLASSES)],
        "opset": opset,
        "versions": versions,
        "golden": {
            "source": golden_source,
            "atol": GOLDEN_ATOL,
            "images_uint8": golden_u8[:GOLDEN_COUNT].reshape(-1, SIDE * SIDE).astype(int).tolist(),
            # float32 -> Python float is exact, so the JSON parses back to the very same float32 values.
            "probabilities": golden_probs[:GOLDEN_COUNT].astype(np.float32).astype(float).tolist(),
        },
        **extra,
    }


def to_input(pixels: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] -> float32 [N, 28, 28, 1]: v / 255 in IEEE single precision, as the contract says."""
    return (pixels.astype(np.float32) / np.float32(255.0))[..., None]


def golden_inputs(contract: dict) -> tuple[np.ndarray, np.ndarray]:
    """The golden pairs as uint8 images [n, 28, 28] and their float32 probabilities [n, 10]."""
    golden = contract["golden"]
    pixels = np.asarray(golden["images_uint8"], dtype=np.uint8).reshape(-1, SIDE, SIDE)
    return pixels, np.asarray(golden["probabilities"], dtype=np.float32)


def read(model: Path | bytes) -> dict:
    """The contract embedded in a model's ONNX metadata (read through ONNX Runtime; no onnx package needed).

    Raises:
        ModelError: the model cannot be loaded. ContractError: it carries no parseable contract.
    """
    name = "<model bytes>" if isinstance(model, bytes) else model
    try:
        source = model if isinstance(model, bytes) else str(model)
        options = ort.SessionOptions()
        # Only the metadata is wanted: without the graph rewrites the load takes about half the time.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        meta = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"]).get_modelmeta()
    except Exception as exc:  # ORT's exception types vary by failure; the message says what went wrong
        raise errors.ModelError(f"{name}: expected an ONNX model, ONNX Runtime cannot load it: {exc}") from exc
    raw = meta.custom_metadata_map.get(KEY)
    if raw is None:
        raise errors.ContractError(f"{name}: expected a '{KEY}' entry in the ONNX metadata, found none")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise errors.ContractError(f"{name}: the contract is not valid JSON ({exc})") from exc
