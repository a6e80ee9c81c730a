"""The model zoo, the CV harness, the export gate and the shipped models (fast: small slices, 1 epoch)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import training
from pybridge import contract as model_contract
from pybridge import data
from pybridge.contract import to_input
from pybridge.runtimes.python_ort import PythonOrtRuntime
from tests.conftest import ROOT
from training import cv, export, fit, models, train

MODELS_DIR = ROOT / "models"
SHIPPED = sorted(p.stem for p in MODELS_DIR.glob("*.onnx"))


def golden_diff(model: bytes | Path, contract: dict) -> float:
    """Python ONNX Runtime on CPU re-running the contract's golden pairs: the max |difference|."""
    return PythonOrtRuntime(device="cpu").golden_max_diff(model, contract)


@pytest.fixture(scope="module")
def slices(mnist_dir):
    tr, te = data.load("train", mnist_dir), data.load("t10k", mnist_dir)
    return (
        to_input(tr.images.data[:2000]),
        tr.labels.data[:2000].astype(np.int64),
        to_input(te.images.data),
        te.labels.data.astype(np.int64),
        te.images.data,
    )


def test_the_keras_free_zoo_list_names_every_recipe_in_order():
    assert tuple(models.RECIPES) == training.ZOO


@pytest.mark.parametrize("name", sorted(models.RECIPES))
def test_every_builder_trains_on_a_small_slice(name, slices):
    x, y, *_ = slices
    recipe = dataclasses.replace(models.RECIPES[name], epochs=1, steps=10 if models.RECIPES[name].steps else None)
    result = fit.fit(recipe, x[:512], y[:512], seed=3, verbose=0)
    assert result.model.input_shape == (None, 28, 28, 1)
    assert result.model.output_shape == (None, 10)
    probs = result.model.predict(x[:4], verbose=0)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    assert np.isfinite(result.history["loss"]).all()


def test_builders_match_the_tutorial_parameter_counts():
    # Counts follow from the tutorials' layer lists (training/models.py); a changed layer changes them.
    counts = {
        name: models.RECIPES[name].build().count_params()
        for name in ("mlp", "dense_dropout", "simple_cnn", "baseline_cnn", "deeper_cnn")
    }
    assert counts == {
        "mlp": 623290,
        "dense_dropout": 718800,
        "simple_cnn": 592074,
        "baseline_cnn": 542230,
        "deeper_cnn": 159254,
    }


def test_same_seed_gives_the_same_weights(slices):
    x, y, *_ = slices
    recipe = dataclasses.replace(models.RECIPES["baseline_cnn"], epochs=1)
    a = fit.fit(recipe, x[:256], y[:256], seed=11, verbose=0).model.get_weights()
    b = fit.fit(recipe, x[:256], y[:256], seed=11, verbose=0).model.get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))


def test_cv_harness_writes_plots_and_json(slices, tmp_path):
    x, y, *_ = slices
    report = cv.run("baseline_cnn", x, y, folds=2, epochs=1, seed=5, out=tmp_path, verbose=0)
    assert len(report["scores"]) == 2 and 0.5 < report["mean"] <= 1.0
    assert report["mean"] == pytest.approx(np.mean(report["scores"]))
    on_disk = json.loads((tmp_path / "baseline_cnn.json").read_text())
    assert on_disk["scores"] == report["scores"] and len(on_disk["histories"][0]["val_accuracy"]) == 1
    for png in ("baseline_cnn_curves.png", "baseline_cnn_box.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tiny_export(slices, tmp_path_factory):
    x, y, x_test, _, u8_test = slices
    recipe = dataclasses.replace(models.RECIPES["simple_cnn"], epochs=1)
    model = fit.fit(recipe, x, y, seed=7, verbose=0).model
    path = tmp_path_factory.mktemp("export") / "tiny.onnx"
    keras_probs = model.predict(x_test, batch_size=1000, verbose=0)
    blob, gate, contract = export.export(
        model,
        path,
        name="tiny",
        x_test=x_test,
        keras_probs=keras_probs,
        images_test_u8=u8_test,
        extra={"test_accuracy": 0.0},
    )
    return path, blob, gate, contract, x_test, keras_probs


def test_export_round_trip_passes_the_gate_and_carries_the_contract(tiny_export):
    import onnx

    path, blob, gate, _, *_ = tiny_export
    assert gate.passed and gate.images == 10000
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["image"]
    assert [o.name for o in proto.graph.output] == ["probabilities"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    read = model_contract.read(path)
    assert read["input"] == {"name": "image", "dtype": "float32", "shape": ["N", 28, 28, 1]}
    assert len(read["golden"]["images_uint8"]) == 8 and len(read["golden"]["images_uint8"][0]) == 784
    assert golden_diff(blob, read) <= read["golden"]["atol"]


def test_an_altered_graph_fails_the_gate(tiny_export):
    import onnx
    from onnx import numpy_helper

    _, blob, _, contract, x_test, keras_probs = tiny_export
    proto = onnx.load_from_string(blob)
    biases = [t for t in proto.graph.initializer if numpy_helper.to_array(t).shape == (10,)]
    changed = numpy_helper.to_array(biases[0]).copy()
    changed[3] += 0.5
    biases[0].CopyFrom(numpy_helper.from_array(changed, biases[0].name))
    altered = proto.SerializeToString()
    result = export.gate(altered, x_test, keras_probs)
    assert not result.passed and result.max_abs_diff > export.GATE_ATOL
    assert golden_diff(altered, contract) > contract["golden"]["atol"]


def test_gate_failure_writes_nothing(slices, tmp_path, monkeypatch):
    x, y, x_test, _, u8_test = slices
    model = fit.fit(dataclasses.replace(models.RECIPES["mlp"], epochs=1), x[:256], y[:256], seed=2, verbose=0).model
    monkeypatch.setattr(export.GateResult, "passed", property(lambda self: False))  # as if ORT had disagreed
    probs = model.predict(x_test, batch_size=1000, verbose=0)
    with pytest.raises(export.ExportGateError, match="argmax agreement"):
        export.export(
            model, tmp_path / "m.onnx", name="m", x_test=x_test, keras_probs=probs, images_test_u8=u8_test, extra={}
        )
    assert list(tmp_path.iterdir()) == []


def test_flops_count_of_deeper_cnn():
    # conv 3x3x1x32 @26x26 + 3x3x32x64 @11x11 + 3x3x64x64 @9x9 + dense (4*4*64)x100 + 100x10, x2
    expected = 2 * (9 * 32 * 676 + 9 * 32 * 64 * 121 + 9 * 64 * 64 * 81 + 1024 * 100 + 100 * 10)
    assert train.flops_per_image(models.deeper_cnn()) == expected


def test_shipped_models_are_listed():
    assert SHIPPED, "models/ ships no .onnx yet"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_matches_its_card(name):
    blob = (MODELS_DIR / f"{name}.onnx").read_bytes()
    card = json.loads((MODELS_DIR / f"{name}.json").read_text())
    assert hashlib.sha256(blob).hexdigest() == card["onnx_sha256"]
    contract = model_contract.read(blob)
    assert contract["name"] == name and contract["training"]["seed"] == card["seed"]
    assert golden_diff(blob, contract) <= contract["golden"]["atol"]


def test_model_cards_are_generated_for_every_model():
    cards = {p.stem for p in MODELS_DIR.glob("*.json")}
    assert set(SHIPPED) <= cards


def test_the_trainers_model_names_are_the_recipes():
    # train.py lists them so that --help need not import Keras.
    assert tuple(models.RECIPES) == train.MODEL_NAMES
