"""The model contract (docs/model-contract.md): its one builder and its readers, free of TensorFlow.

``training.export`` builds it for the zoo, ``tests/data/make_test_models.py`` for the test models, and the
runtimes (pybridge.runtimes) read it back; all go through this module so the format is written down once.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from pybridge import errors, modelfile

KEY = "digitbridge.contract"  # the ONNX metadata_props key
FORMAT = "digitbridge-contract/1"
INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
BATCH_DIM = "N"
SIDE = 28
CLASSES = 10
GOLDEN_COUNT = 8
GOLDEN_ATOL = 1e-5
# The bounds every contract is held to, the same in Java's ModelContract (docs/model-contract.md, "Validation").
MAX_SIDE = 1024
MAX_CLASSES = 1000
MAX_GOLDEN = 64
MAX_ATOL = 1e-3  # a contract cannot excuse an altered model by claiming a loose tolerance
MAX_JSON_DEPTH = 64
PIXEL_SCALE = "value / 255 as float32"


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
            "pixel_scale": PIXEL_SCALE,
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
    """The golden pairs of a validated contract as uint8 images [n, H, W] and float32 probabilities [n, classes]."""
    golden = contract["golden"]
    height, width = contract["preprocessing"]["size"]
    pixels = np.asarray(golden["images_uint8"], dtype=np.uint8).reshape(-1, height, width)
    return pixels, np.asarray(golden["probabilities"], dtype=np.float32)


def read(model: Path | bytes | modelfile.ModelFile) -> dict:
    """The contract embedded in a model's ONNX metadata, validated (``validate``); no ONNX Runtime session needed.

    Raises:
        ModelError: the model file cannot be read or walked (``modelfile.load``). ContractError:
            ``CONTRACT_MISSING`` or ``CONTRACT_INVALID``.
    """
    checked = modelfile.of(model)
    if checked.contract is None:
        raise errors.model_error(
            checked.subject, "CONTRACT_MISSING", f"expected a '{KEY}' entry in the ONNX metadata, found none"
        )
    try:
        return validate(parse_json(checked.contract))
    except DocumentError as exc:
        raise errors.model_error(checked.subject, "CONTRACT_INVALID", f"contract {KEY}: {exc}") from None


def read_card(path: Path) -> dict:
    """A model card (the ``<name>.json`` beside a model), validated as Java's ModelCard reads it.

    Raises:
        ModelError: ``IO`` (unreadable), ``TOO_LARGE`` or ``CARD_INVALID``.
    """
    try:
        with Path(path).open("rb") as f:
            text = f.read(modelfile.MAX_CONTRACT_BYTES + 1)
    except OSError as exc:
        raise errors.model_error(path, "IO", f"expected a readable model card, found: {exc}") from exc
    if len(text) > modelfile.MAX_CONTRACT_BYTES:
        raise errors.model_error(
            path, "TOO_LARGE", f"expected a card of at most {modelfile.MAX_CONTRACT_BYTES} bytes, found more"
        )
    try:
        card = _object(parse_json(text), "")
        _optional(card, "name", "", _string)
        _optional(card, "test_accuracy", "", lambda v, p: _bounded(_number(v, p), p, 0, 1, "a fraction"))
        _optional(card, "flops_per_image", "", lambda v, p: _bounded(_whole(v, p), p, 0, 2**63 - 1, "a count"))
        sha = _optional(card, "onnx_sha256", "", _string)
        if sha is not None and not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise DocumentError(f"expected 64 lower-case hex digits at onnx_sha256, found {_describe(sha)}")
    except DocumentError as exc:
        raise errors.model_error(path, "CARD_INVALID", str(exc)) from None
    return card


# ---- validation: the rules of docs/model-contract.md, twin of Java's ModelContract.parse ----------------------


class DocumentError(Exception):
    """A JSON document that breaks a rule; the message says where, what was expected and what was found."""


def parse_json(text: bytes) -> object:
    """UTF-8 JSON of at most ``MAX_JSON_DEPTH`` levels of nesting (NaN and Infinity read as Python's json does)."""
    try:
        value = json.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DocumentError(f"expected UTF-8 text, found an invalid byte at offset {exc.start}") from None
    except RecursionError:
        raise DocumentError(f"expected at most {MAX_JSON_DEPTH} levels of nesting, found more") from None
    except json.JSONDecodeError as exc:
        raise DocumentError(f"expected JSON, found: {exc.msg} at offset {exc.pos}") from None
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise DocumentError(f"expected at most {MAX_JSON_DEPTH} levels of nesting, found more")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return value


def validate(doc: object) -> dict:
    """Check a parsed contract against every rule a runtime relies on; return it unchanged.

    Raises:
        DocumentError: the first rule broken, naming the key (``golden.atol``) and what it held.
    """
    root = _object(doc, "")
    fmt = _string(_get(root, "format", ""), "format")
    if fmt != FORMAT:
        raise DocumentError(f'expected format "{FORMAT}", found "{fmt}"')
    _string(_get(root, "name", ""), "name")
    pre = _object(_get(root, "preprocessing", ""), "preprocessing")
    for key, expected in (("source_dtype", "uint8"), ("pixel_scale", PIXEL_SCALE), ("layout", "NHWC")):
        found = _string(_get(pre, key, "preprocessing"), f"preprocessing.{key}")
        if found != expected:
            raise DocumentError(
                f'expected preprocessing.{key} "{expected}" (the only one this runtime implements), found "{found}"'
            )
    _optional(pre, "polarity", "preprocessing", _string)
    size = _array(_get(pre, "size", "preprocessing"), "preprocessing.size")
    if len(size) != 2:
        raise DocumentError(f"expected preprocessing.size [H, W], found {len(size)} items")
    height, width = (
        _bounded(_whole(v, f"preprocessing.size[{i}]"), f"preprocessing.size[{i}]", 1, MAX_SIDE, "a size")
        for i, v in enumerate(size)
    )
    inp = _tensor(_get(root, "input", ""), "input")
    out = _tensor(_get(root, "output", ""), "output")
    if inp[1:] != [str(height), str(width), "1"] or not _symbolic(inp[0]):
        raise DocumentError(f"expected input.shape [N, {height}, {width}, 1], found {_shape_text(inp)}")
    if len(out) != 2 or not _symbolic(out[0]) or _symbolic(out[1]):
        raise DocumentError(f"expected output.shape [N, classes], found {_shape_text(out)}")
    classes = _bounded(int(out[1]), "output.shape[1]", 1, MAX_CLASSES, "a class count")
    labels = _array(_get(root, "labels", ""), "labels")
    for i, label in enumerate(labels):
        _string(label, f"labels[{i}]")
    if len(labels) != classes:
        raise DocumentError(f"expected {classes} labels (output.shape), found {len(labels)}")
    _golden(_object(_get(root, "golden", ""), "golden"), height * width, classes)
    _optional(root, "test_accuracy", "", lambda v, p: _bounded(_number(v, p), p, 0, 1, "a fraction"))
    return root


def _golden(golden: dict, pixels: int, classes: int) -> None:
    atol = _number(_get(golden, "atol", "golden"), "golden.atol")
    if not (0 < atol <= MAX_ATOL):  # also false for NaN
        raise DocumentError(f"expected golden.atol > 0 and <= {MAX_ATOL:g}, found {_describe(atol)}")
    _optional(golden, "source", "golden", _string)
    images = _array(_get(golden, "images_uint8", "golden"), "golden.images_uint8")
    probs = _array(_get(golden, "probabilities", "golden"), "golden.probabilities")
    if not 1 <= len(images) <= MAX_GOLDEN:
        raise DocumentError(f"expected 1 to {MAX_GOLDEN} golden images, found {len(images)}")
    if len(probs) != len(images):
        raise DocumentError(f"expected one golden.probabilities row per image ({len(images)}), found {len(probs)}")
    for i, image in enumerate(images):
        path = f"golden.images_uint8[{i}]"
        if len(_array(image, path)) != pixels:
            raise DocumentError(f"expected {pixels} pixels per golden image, found {len(image)} at {path}")
        for p, v in enumerate(image):
            _bounded(_whole(v, f"{path}[{p}]"), f"{path}[{p}]", 0, 255, "a uint8 pixel")
    for i, row in enumerate(probs):
        path = f"golden.probabilities[{i}]"
        if len(_array(row, path)) != classes:
            raise DocumentError(f"expected {classes} golden probabilities per image, found {len(row)} at {path}")
        for c, v in enumerate(row):
            if not math.isfinite(_number(v, f"{path}[{c}]")):
                raise DocumentError(f"expected a finite number at {path}[{c}], found {_describe(v)}")


def _tensor(node: object, path: str) -> list[str]:
    """A tensor's shape as text: fixed sizes as digits, symbolic dimensions by their name."""
    tensor = _object(node, path)
    name = _string(_get(tensor, "name", path), f"{path}.name")
    if not name:
        raise DocumentError(f"expected a non-empty {path}.name, found an empty string")
    dtype = _string(_get(tensor, "dtype", path), f"{path}.dtype")
    if dtype != "float32":
        raise DocumentError(f"expected float32 tensors, found {dtype} at {path}.dtype")
    shape = []
    for i, dim in enumerate(_array(_get(tensor, "shape", path), f"{path}.shape")):
        where = f"{path}.shape[{i}]"
        if isinstance(dim, str):
            if not _symbolic(dim):
                raise DocumentError(f"expected a size or a dimension name at {where}, found {_describe(dim)}")
            shape.append(dim)
        else:
            shape.append(str(_bounded(_whole(dim, where), where, 1, 2**31 - 1, "a size")))
    return shape


def _symbolic(dim: str) -> bool:
    return bool(dim) and not dim[0].isdigit() and dim[0] != "-"


def _shape_text(shape: list[str]) -> str:
    return "[" + ", ".join(shape) + "]"


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'the string "{value[:40] + "..." if len(value) > 40 else value}"'
    if isinstance(value, (int, float)):
        return f"the number {json.dumps(value)}"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return "an object"


def _wrong(expected: str, value: object, path: str) -> DocumentError:
    return DocumentError(f"expected {expected} at {path or 'the document'}, found {_describe(value)}")


def _get(obj: dict, key: str, path: str) -> object:
    value = obj.get(key)
    if value is None:
        raise DocumentError(f'expected a key "{key}" in {path or "the document"}')
    return value


def _optional(obj: dict, key: str, path: str, check):
    value = obj.get(key)
    return None if value is None else check(value, f"{path}.{key}" if path else key)


def _object(value: object, path: str) -> dict:
    if not isinstance(value, dict):
        raise _wrong("an object", value, path)
    return value


def _array(value: object, path: str) -> list:
    if not isinstance(value, list):
        raise _wrong("an array", value, path)
    return value


def _string(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise _wrong("a string", value, path)
    return value


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong("a number", value, path)
    return value


def _whole(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong("a whole number", value, path)
    return value


def _bounded(value, path: str, low, high, what: str):
    if not low <= value <= high:  # false for NaN too
        raise DocumentError(f"expected {what} from {low} to {high} at {path}, found {_describe(value)}")
    return value
