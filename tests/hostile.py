"""Hostile models and contracts, written on the fly from the test model (tests/data/make_test_models.py).

Shared by the tests of the contract rules and of the two commands that load models (predict, compare).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx

from pybridge import contract as model_contract
from tests.conftest import TEST_MODELS
from tests.data import make_test_models as maker

LINEAR = TEST_MODELS / "linear.onnx"
CONTRACT = model_contract.read(LINEAR)


def write_model(path: Path, contract: object | str, graph: onnx.ModelProto | None = None) -> Path:
    """``linear.onnx``'s graph (or ``graph``) with ``contract`` (a document, or text as it is) as its contract."""
    text = contract if isinstance(contract, str) else json.dumps(contract)
    path.write_bytes(maker.with_contract(graph or onnx.load(LINEAR), text))
    return path


def _set(path: str, value):
    def change(doc: dict) -> None:
        *parents, last = path.split(".")
        node = doc
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(last)
        else:
            node[last] = value

    return change


HOSTILE_CONTRACTS = {
    "a number": ("5", "expected an object at the document, found the number 5"),
    "nested 100k deep": ("[" * 100_000 + "]" * 100_000, "levels of nesting"),
    "nested 65 deep": ("[" * 66 + "]" * 66, "levels of nesting"),
    "not UTF-8": ('{"name": "\xff"}'.encode("latin-1"), "expected UTF-8 text"),
    "golden missing": (_set("golden", None), 'expected a key "golden" in the document'),
    "golden empty": (
        lambda d: d["golden"].update(images_uint8=[], probabilities=[]),
        "expected 1 to 64 golden images, found 0",
    ),
    "golden short": (
        lambda d: d["golden"].update(images_uint8=[row[:5] for row in d["golden"]["images_uint8"]]),
        "expected 784 pixels per golden image, found 5 at golden.images_uint8[0]",
    ),
    "golden rows differ": (
        lambda d: d["golden"].update(probabilities=d["golden"]["probabilities"][:3]),
        "expected one golden.probabilities row per image (8), found 3",
    ),
    "golden pixel 256": (
        lambda d: d["golden"]["images_uint8"][2].__setitem__(7, 256),
        "expected a uint8 pixel from 0 to 255 at golden.images_uint8[2][7], found the number 256",
    ),
    "golden probability NaN": (
        lambda d: d["golden"]["probabilities"][0].__setitem__(0, float("nan")),
        "expected a finite number at golden.probabilities[0][0]",
    ),
    "atol a string": (_set("golden.atol", "1e-5"), 'expected a number at golden.atol, found the string "1e-5"'),
    "atol NaN": (_set("golden.atol", float("nan")), "expected golden.atol > 0 and <= 0.001"),
    "atol 1e300": (_set("golden.atol", 1e300), "expected golden.atol > 0 and <= 0.001"),
    "atol 0": (_set("golden.atol", 0), "expected golden.atol > 0 and <= 0.001"),
    "2 labels for 10 classes": (_set("labels", ["0", "1"]), "expected 10 labels (output.shape), found 2"),
    "a label a number": (_set("labels", list(range(10))), "expected a string at labels[0], found the number 0"),
    "classes a digit string": (
        _set("output.shape", ["N", "99999999999"]),
        'expected a size or a dimension name at output.shape[1], found the string "99999999999"',
    ),
    "classes 1001": (_set("output.shape", ["N", 1001]), "expected a class count from 1 to 1000 at output.shape[1]"),
    "size 46341 squared": (
        _set("preprocessing.size", [46341, 46341]),
        "expected a size from 1 to 1024 at preprocessing.size[0], found the number 46341",
    ),
    "size true": (_set("preprocessing.size", [True, 28]), "expected a whole number at preprocessing.size[0]"),
    "input fixed batch": (_set("input.shape", [1, 28, 28, 1]), "expected input.shape [N, 28, 28, 1], found [1,"),
    "input empty name": (_set("input.name", ""), "expected a non-empty input.name"),
    "dtype float16": (_set("output.dtype", "float16"), "expected float32 tensors, found float16 at output.dtype"),
    "pixel scale": (_set("preprocessing.pixel_scale", "value / 127.5 - 1"), 'preprocessing.pixel_scale "value / 255'),
    "format 2": (_set("format", "digitbridge-contract/2"), 'expected format "digitbridge-contract/1"'),
    "test accuracy 99": (_set("test_accuracy", 99), "expected a fraction from 0 to 1 at test_accuracy"),
}


def contract_text(spec) -> str | bytes:
    if isinstance(spec, (str, bytes)):
        return spec
    doc = json.loads(json.dumps(CONTRACT))
    spec(doc)
    return json.dumps(doc)


def failing_graph() -> onnx.ModelProto:
    """The linear graph with a detour through shape [3, -1]: it loads, and fails on a batch of 8 images."""
    model = onnx.load(LINEAR)
    graph = model.graph
    graph.initializer.extend(
        [
            onnx.numpy_helper.from_array(np.array([3, -1], dtype=np.int64), "odd_shape"),
            onnx.numpy_helper.from_array(np.array([-1, 784], dtype=np.int64), "back_shape"),
        ]
    )
    matmul = next(n for n in graph.node if n.op_type == "MatMul")
    matmul.input[0] = "back"
    graph.node.extend(
        [
            onnx.helper.make_node("Reshape", ["flat", "odd_shape"], ["odd"], name="odd"),
            onnx.helper.make_node("Reshape", ["odd", "back_shape"], ["back"], name="back"),
        ]
    )
    nodes = sorted(graph.node, key=lambda n: ["flatten", "odd", "back", "dense", "dense_bias", "softmax"].index(n.name))
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def nan_graph() -> onnx.ModelProto:
    """The linear graph with a NaN bias: every probability is NaN."""
    model = onnx.load(LINEAR)
    bias = next(t for t in model.graph.initializer if t.name == "bias")
    bias.CopyFrom(onnx.numpy_helper.from_array(np.full(10, np.nan, dtype=np.float32), "bias"))
    return model


def _altered_claiming(atol: float):
    def make(path: Path) -> Path:
        doc = json.loads(json.dumps(CONTRACT))
        doc["golden"]["atol"] = atol
        return write_model(path, doc, onnx.load(TEST_MODELS / "linear_altered.onnx"))

    return make


def _fixture(name: str):
    def make(path: Path) -> Path:
        shutil.copyfile(TEST_MODELS / name, path)
        return path

    return make


def _with_contract(case: str):
    return lambda path: write_model(path, contract_text(HOSTILE_CONTRACTS[case][0]))


# What a command must make of each: (how to write it, exit code, the reason in its one error line).
MODELS = {
    "wrong input name": (_fixture("wrong_input_name.onnx"), 2, "CONTRACT_MISMATCH"),
    "wrong input shape": (_fixture("wrong_input_shape.onnx"), 2, "CONTRACT_MISMATCH"),
    "ORT fails at run time": (lambda p: write_model(p, CONTRACT, failing_graph()), 2, "ORT_ERROR"),
    "NaN outputs": (lambda p: write_model(p, CONTRACT, nan_graph()), 1, "GOLDEN_MISMATCH"),
    "altered, claiming atol 1e300": (_altered_claiming(1e300), 2, "CONTRACT_INVALID"),
    "external data escaping": (_fixture("external_escape.onnx"), 2, "EXTERNAL_DATA"),
    "external data in the working directory": (_fixture("external_cwd.onnx"), 2, "EXTERNAL_DATA"),
    **{
        f"contract {case}": (_with_contract(case), 2, "CONTRACT_INVALID")
        for case in (
            "a number",
            "nested 100k deep",
            "golden missing",
            "golden empty",
            "golden short",
            "atol a string",
            "atol NaN",
            "2 labels for 10 classes",
            "classes a digit string",
            "size 46341 squared",
        )
    },
}
