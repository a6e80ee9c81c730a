"""Write the small ONNX models that the Java tests load (and the Python bridge tests may load too).

Run from the repository root: ``python tests/data/make_test_models.py [--mnist DIR]``. It rewrites
``tests/data/models/`` deterministically (same library versions, same bytes). It needs only numpy, onnx and
onnxruntime, and the MNIST files (default: ``pybridge.data.default_dir()``, i.e. ``$DIGITBRIDGE_MNIST_DIR`` or the
fetch cache); without them it fails, because the golden pairs and the card are computed on the real test set.

The models:

- ``linear.onnx``: ``image`` float32 [N, 28, 28, 1] -> Reshape [N, 784] -> MatMul -> Add -> Softmax ->
  ``probabilities`` [N, 10], with the contract of docs/model-contract.md. The weights are a nearest-class-mean
  classifier computed from the training set (no randomness, no BLAS: plain sums), scaled so the probabilities
  are not all saturated. ``linear.json`` is its card (``test_accuracy`` and ``flops_per_image`` as the zoo cards
  have them), measured here with Python ONNX Runtime on CPU, the same runtime the golden pairs come from.
- ``linear_altered.onnx``: the same contract, one bias changed afterwards: the golden check must refuse it.
- ``no_contract.onnx``: the linear graph without metadata.
- ``bad_contract.onnx``: a contract that is not JSON.
- ``wrong_input_shape.onnx``: the graph takes [N, 784] while its contract says [N, 28, 28, 1].
- ``wrong_input_name.onnx``: the graph input is ``pixels`` while its contract says ``image``.
- ``corrupt.onnx``: the first half of ``linear.onnx``, as a truncated download would leave it.
- ``external.onnx``: ``linear.onnx`` with its weights stored as external data in ``external.weights`` beside it:
  both runtimes must load it from its own folder, wherever the process runs.
- ``external_escape.onnx``, ``external_absolute.onnx``, ``external_cwd.onnx``: the graph (no contract) with its
  weights' location ``../make_test_models.py`` (outside the folder), ``/etc/passwd`` (absolute) and
  ``build.gradle`` (not in the folder, but in the working directory of both test suites: the repository root
  and java/): all refused as ``EXTERNAL_DATA`` before ONNX Runtime reads a byte of them.

The generator reads MNIST with its own few lines of numpy rather than through ``pybridge``'s IDX reader: the test
models are reference data for the readers' tests, so they must not depend on the readers.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from pybridge import contract as model_contract
from pybridge.data import FILES, default_dir

OUT = Path(__file__).resolve().parent / "models"

CONTRACT_KEY = model_contract.KEY
OPSET = 17
IR_VERSION = 8  # the IR version of opset 17; newer IRs than the runtime knows would be refused
INPUT_NAME = model_contract.INPUT_NAME
OUTPUT_NAME = model_contract.OUTPUT_NAME
PIXELS = model_contract.SIDE**2
CLASSES = model_contract.CLASSES
GOLDEN_COUNT = model_contract.GOLDEN_COUNT
GOLDEN_ATOL = model_contract.GOLDEN_ATOL
LOGIT_SCALE = 0.25  # keeps the softmax away from exact 0/1 so the golden check compares real fractions
ALTERED_CLASS = 3
ALTERED_DELTA = 0.5


def read_idx_ubyte(path: Path) -> tuple[np.ndarray, str]:
    """A ubyte IDX file (gzip or plain) as an array, with the MD5 of its uncompressed bytes."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:3] != b"\x00\x00\x08":
        sys.exit(f"error: {path}: expected a ubyte IDX file")
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        sys.exit(f"error: {path}: expected {int(np.prod(dims))} data bytes, found {data.size}")
    return data.reshape(dims), hashlib.md5(raw).hexdigest()


def load_mnist(directory: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    missing = [name for name in FILES.values() if not (directory / name).is_file()]
    if missing:
        sys.exit(f"error: MNIST files missing from {directory}: {missing}; run `python -m pybridge.data fetch`")
    arrays, md5 = {}, {}
    for key, name in FILES.items():
        arrays[key], md5[key] = read_idx_ubyte(directory / name)
    return arrays, md5


def class_mean_weights(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-class-mean as a linear layer: argmin |x - m_c|^2 = argmax x.m_c - |m_c|^2 / 2."""
    x = images.reshape(len(images), PIXELS).astype(np.float64) / 255.0
    means = np.stack([x[labels == c].mean(axis=0) for c in range(CLASSES)])  # [10, 784]
    weights = (LOGIT_SCALE * means.T).astype(np.float32)  # [784, 10]
    bias = (LOGIT_SCALE * -0.5 * np.sum(means * means, axis=1)).astype(np.float32)
    return weights, bias


def graph_proto(weights: np.ndarray, bias: np.ndarray, *, input_name: str, flat_input: bool) -> onnx.ModelProto:
    input_shape = ["N", PIXELS] if flat_input else ["N", 28, 28, 1]
    nodes = [
        helper.make_node("Reshape", [input_name, "flat_shape"], ["flat"], name="flatten"),
        helper.make_node("MatMul", ["flat", "weights"], ["logits_raw"], name="dense"),
        helper.make_node("Add", ["logits_raw", "bias"], ["logits"], name="dense_bias"),
        helper.make_node("Softmax", ["logits"], [OUTPUT_NAME], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "linear",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", CLASSES])],
        initializer=[
            numpy_helper.from_array(np.array([-1, PIXELS], dtype=np.int64), "flat_shape"),
            numpy_helper.from_array(weights, "weights"),
            numpy_helper.from_array(bias, "bias"),
        ],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="digitbridge tests/data/make_test_models.py",
        ir_version=IR_VERSION,
    )
    onnx.checker.check_model(model)
    return model


def with_contract(model: onnx.ModelProto, contract_text: str) -> bytes:
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    helper.set_model_props(copy, {CONTRACT_KEY: contract_text})
    return copy.SerializeToString()


def with_external_weights(model: onnx.ModelProto, location: str) -> tuple[bytes, bytes]:
    """The model with its ``weights`` initializer moved to external data at ``location``, and that data."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    tensor = next(t for t in copy.graph.initializer if t.name == "weights")
    data = numpy_helper.to_array(tensor).astype("<f4").tobytes()
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(len(data)))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return copy.SerializeToString(), data


def ort_probabilities(model_bytes: bytes, x: np.ndarray) -> np.ndarray:
    """Python ONNX Runtime on CPU with its default options (graph optimisation level ALL)."""
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: x})[0]


def versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
    }


def contract(name: str, golden_u8: np.ndarray, golden_probs: np.ndarray, md5: dict, accuracy: float) -> dict:
    return model_contract.build(
        name=name,
        opset=OPSET,
        versions=versions(),
        golden_u8=golden_u8,
        golden_probs=golden_probs,
        golden_source=f"onnxruntime {ort.__version__} (Python, CPU)",
        extra={
            "dataset": {"name": "mnist", "uncompressed_md5": md5},
            "training": {"method": "nearest class mean on all 60000 training images", "logit_scale": LOGIT_SCALE},
            "command": "python tests/data/make_test_models.py",
            "test_accuracy": accuracy,
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/data/make_test_models.py", description=__doc__.split("\n")[0])
    mnist = default_dir()
    parser.add_argument("--mnist", type=Path, default=mnist, help=f"MNIST directory (default {mnist})")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    data, md5 = load_mnist(args.mnist)
    weights, bias = class_mean_weights(data["train-images"], data["train-labels"])
    graph = graph_proto(weights, bias, input_name=INPUT_NAME, flat_input=False)
    x_test = model_contract.to_input(data["t10k-images"])
    y_test = data["t10k-labels"]

    bare = graph.SerializeToString()
    probs = ort_probabilities(bare, x_test)
    correct = int(np.sum(probs.argmax(axis=1) == y_test))
    accuracy = float(np.mean(probs.argmax(axis=1) == y_test))  # how training/train.py computes a card's figure
    golden_u8 = data["t10k-images"][:GOLDEN_COUNT]
    golden = probs[:GOLDEN_COUNT]
    if not np.array_equal(ort_probabilities(bare, model_contract.to_input(golden_u8)), golden):
        sys.exit("error: Python ONNX Runtime gives other bits for 8 images alone than within the 10k batch")
    text = json.dumps(contract("linear", golden_u8, golden, md5, accuracy), sort_keys=True)

    altered_bias = bias.copy()
    altered_bias[ALTERED_CLASS] += np.float32(ALTERED_DELTA)
    altered = graph_proto(weights, altered_bias, input_name=INPUT_NAME, flat_input=False).SerializeToString()
    drift = float(np.max(np.abs(ort_probabilities(altered, model_contract.to_input(golden_u8)) - golden)))
    if drift <= GOLDEN_ATOL:
        sys.exit(f"error: the altered bias moves the golden probabilities by only {drift:g}; raise ALTERED_DELTA")

    linear = with_contract(graph, text)
    outputs = {
        "linear.onnx": linear,
        "linear_altered.onnx": with_contract(onnx.load_from_string(altered), text),
        "no_contract.onnx": bare,
        "bad_contract.onnx": with_contract(graph, text[: len(text) // 2]),
        "wrong_input_shape.onnx": with_contract(
            graph_proto(weights, bias, input_name=INPUT_NAME, flat_input=True), text
        ),
        "wrong_input_name.onnx": with_contract(graph_proto(weights, bias, input_name="pixels", flat_input=False), text),
        "corrupt.onnx": linear[: len(linear) // 2],
    }
    external, weights_data = with_external_weights(onnx.load_from_string(linear), "external.weights")
    outputs["external.onnx"] = external
    for name, location in (("escape", "../make_test_models.py"), ("absolute", "/etc/passwd"), ("cwd", "build.gradle")):
        outputs[f"external_{name}.onnx"] = with_external_weights(graph, location)[0]
    card = {
        "name": "linear",
        "onnx_file": "linear.onnx",
        "onnx_sha256": hashlib.sha256(linear).hexdigest(),
        "parameters": int(weights.size + bias.size),
        "flops_per_image": 2 * PIXELS * CLASSES,  # multiply-adds x 2 of the dense layer, as the zoo cards count
        "test_accuracy": accuracy,
        "test_correct": correct,
        "test_accuracy_measured_by": f"onnxruntime {ort.__version__} CPU on {len(x_test)} test images",
        "command": "python tests/data/make_test_models.py",
        "versions": versions(),
        "opset": OPSET,
    }

    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.onnx"):
        old.unlink()
    for name, payload in outputs.items():
        (args.out / name).write_bytes(payload)
    (args.out / "external.weights").write_bytes(weights_data)
    (args.out / "linear.json").write_text(json.dumps(card, indent=2) + "\n")
    sizes = ", ".join(f"{name} {len(payload) // 1024} KiB" for name, payload in outputs.items())
    print(f"wrote {args.out}: {sizes}; linear test accuracy {accuracy:.2%} ({correct}/{len(x_test)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
