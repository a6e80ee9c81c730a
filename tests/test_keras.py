"""The Keras runtime: the shipped originals, their hashes, TensorFlow loaded only on demand, and its budget.

The one test module that loads TensorFlow (seconds of start-up): the tests that need it come last.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnx
import pytest

from pybridge import compare, data, errors
from pybridge.runtimes import keras as keras_runtime
from pybridge.runtimes.base import RunOutput
from pybridge.runtimes.keras import KerasRuntime
from pybridge.runtimes.python_ort import PythonOrtRuntime
from tests.conftest import ROOT

MODELS = ROOT / "models"
SHIPPED = sorted(p.stem for p in MODELS.glob("*.onnx"))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_model_has_its_verified_keras_original(name):
    model = MODELS / f"{name}.onnx"
    card = json.loads(model.with_suffix(".json").read_text())
    assert keras_runtime.verified_original(model) == MODELS / f"{name}.keras" == MODELS / card["keras_file"]


def _copy(name: str, into: Path, suffixes=(".onnx", ".json", ".keras")) -> Path:
    for suffix in suffixes:
        shutil.copy(MODELS / f"{name}{suffix}", into / f"{name}{suffix}")
    return into / f"{name}.onnx"


def test_a_changed_original_is_refused_with_both_hashes(tmp_path):
    model = _copy("mlp3", tmp_path)
    original = model.with_suffix(".keras")
    payload = bytearray(original.read_bytes())
    payload[-100] ^= 1
    original.write_bytes(bytes(payload))
    with pytest.raises(errors.DataError) as caught:
        KerasRuntime().load(model)
    recorded = json.loads(model.with_suffix(".json").read_text())["keras_sha256"]
    assert caught.value.reason is errors.DataReason.CHECKSUM
    assert str(caught.value) == (
        f"{original}: CHECKSUM: expected sha256 {recorded} (its card's keras_sha256), "
        f"found {hashlib.sha256(payload).hexdigest()}"
    )


def test_a_missing_original_or_card_entry_is_one_clear_line(tmp_path):
    model = _copy("mlp3", tmp_path, (".onnx", ".json"))
    with pytest.raises(errors.UsageError) as caught:
        KerasRuntime().load(model)
    assert caught.value.reason is errors.UsageReason.MISSING_FILE
    assert str(caught.value).startswith(f"{tmp_path / 'mlp3.keras'}: MISSING_FILE: expected the Keras original")
    assert "\n" not in str(caught.value)

    shutil.copy(MODELS / "mlp3.keras", tmp_path)
    card = json.loads(model.with_suffix(".json").read_text())
    del card["keras_sha256"]
    model.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(errors.ModelError) as caught:
        KerasRuntime().load(model)
    assert caught.value.reason is errors.ModelReason.CARD_INVALID
    assert "expected 64 lower-case hex digits at keras_sha256 (the SHA-256 of mlp3.keras), found none" in str(
        caught.value
    )


def test_any_pair_with_keras_gets_the_keras_budget_with_its_reason():
    stated = keras_runtime.KerasModel(None, "m", 64).details
    keras_run = RunOutput("keras", np.zeros((1, 10), np.float32), "h", "keras 3.15.1 (tensorflow)", {}, stated)
    ort = RunOutput("python-ort", np.zeros((1, 10), np.float32), "h", "CPUExecutionProvider", {}, {})
    here = {"cpu": "X", "cpu_flags_sha256": "f"}
    for a, b in ((ort, keras_run), (keras_run, ort)):
        tol = compare.pair_budget(a, b, None, 0.0, here)
        assert (tol.atol, tol.rtol) == (compare.KERAS_ATOL, 0.0) and tol.basis.startswith("Keras vs ONNX Runtime")
        assert f"{compare.KERAS_MEASURED:.3g}" in tol.basis
    assert compare.pair_budget(ort, ort, None, 0.0, here).atol == compare.CPU_ATOL


def test_tensorflow_is_not_imported_unless_keras_is_asked_for(mnist_dir):
    # A fresh interpreter: this module's other tests load TensorFlow into this one.
    script = f"""
import sys
import zipfile
from pybridge import compare
from pybridge.runtimes import create
create("keras")  # making the runtime is not opening a model
args = ["--models", {str(MODELS / "mlp3.onnx")!r}, "--runtimes", "python-ort,jvm-ort", "--limit", "20"]
status = compare.main([*args, "--data", {str(mnist_dir)!r}])
print(status, sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tf2onnx")))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr


# ---- TensorFlow from here on -----------------------------------------------------------------------------------


def test_the_keras_budget_is_the_export_gates():
    from training import export

    assert compare.KERAS_ATOL == export.GATE_ATOL


def test_compare_with_keras_passes_a_shipped_model_within_its_budget(mnist_dir, capsys):
    args = ["--models", str(MODELS / "mlp3.onnx"), "--runtimes", "keras,python-ort", "--limit", "300"]
    assert compare.main([*args, "--data", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    assert f"python-ort vs keras: atol {compare.KERAS_ATOL:g} + rtol 0: Keras vs ONNX Runtime" in out
    assert "PASS" in out


def test_a_perturbed_model_still_fails_with_keras_in_the_runtimes(tmp_path, mnist_dir, capsys):
    model = _copy("mlp3", tmp_path)  # its Keras original and card beside it, as shipped
    graph = onnx.load(model)
    bias = next(t for t in graph.graph.initializer if list(t.dims) == [10])  # the output layer's
    values = onnx.numpy_helper.to_array(bias).copy()
    values[0] += 0.05
    bias.CopyFrom(onnx.numpy_helper.from_array(values, bias.name))
    onnx.save(graph, model)
    args = ["--models", str(model), "--runtimes", "keras,python-ort", "--limit", "300", "--data", str(mnist_dir)]
    assert compare.main(args) == 1
    out = capsys.readouterr().out
    assert "(b) golden pairs fail in python-ort" in out and "(b) golden pairs fail in keras" not in out


def test_train_writes_the_original_beside_the_onnx_file_without_optimizer_state(tmp_path, mnist_dir):
    import h5py

    from training import train

    assert train.main(["--model", "mlp", "--epochs", "1", "--limit", "1000", "--out", str(tmp_path)]) == 1  # target
    card = json.loads((tmp_path / "mlp.json").read_text())
    original = tmp_path / "mlp.keras"
    assert card["keras_file"] == "mlp.keras"
    assert card["keras_sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()
    with zipfile.ZipFile(original) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as weights:
        assert sorted(weights) == ["layers", "vars"]  # no "optimizer" group: no Adam moments

    images, labels = mnist_dir / data.FILES["t10k-images"], data.load("t10k", mnist_dir).labels.data
    measured = compare.measure(tmp_path / "mlp.onnx", images, [PythonOrtRuntime(), KerasRuntime()], limit=2000)
    result = compare.judge(measured, labels[:2000], compare.Tolerance(compare.KERAS_ATOL, 0.0, "test"))
    assert result.pairs[0].argmax_agreement == 2000
    assert result.pairs[0].max_abs <= compare.KERAS_ATOL  # Keras vs ONNX: the export gate's budget, not bit identity
    assert all(d <= 1e-5 for d in result.golden_max_diff.values())


def test_an_original_is_adopted_only_for_the_onnx_file_it_was_exported_from(tmp_path, mnist_dir, capsys):
    from training import originals

    model = _copy("mlp3", tmp_path, suffixes=(".onnx", ".json"))
    card = json.loads(model.with_suffix(".json").read_text())
    bare = {k: v for k, v in card.items() if k not in ("keras_file", "keras_sha256")}
    model.with_suffix(".json").write_text(json.dumps(bare, indent=2) + "\n")

    # Another model's original fails the export gate against this ONNX file: nothing written.
    assert originals.main(["mlp3", str(MODELS / "mlp.keras"), "--out", str(tmp_path)]) == 1
    assert "not the original of" in capsys.readouterr().err
    assert not model.with_suffix(".keras").exists() and "keras_sha256" not in json.loads(
        model.with_suffix(".json").read_text()
    )

    assert originals.main(["mlp3", str(MODELS / "mlp3.keras"), "--out", str(tmp_path)]) == 0
    adopted = json.loads(model.with_suffix(".json").read_text())
    assert adopted["keras_sha256"] == hashlib.sha256(model.with_suffix(".keras").read_bytes()).hexdigest()
    assert list(adopted)[list(adopted).index("onnx_sha256") + 1] == "keras_file"
    assert {k: v for k, v in adopted.items() if k not in ("keras_file", "keras_sha256")} == bare
    assert keras_runtime.verified_original(model) == model.with_suffix(".keras")
