"""Test-time variants inside a model (training.testtime): what they compute, re-export, and the shipped robust."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import onnxruntime as ort
import pytest
from scipy import ndimage

from pybridge import contract, data, idx
from pybridge.runtimes.keras import verified_original
from tests.conftest import ROOT

keras = pytest.importorskip("keras")

from training import models, testtime  # noqa: E402  (Keras first: TensorFlow is optional)

MODELS = ROOT / "models"


def _dilated(x: np.ndarray) -> np.ndarray:
    return ndimage.grey_dilation(x, size=(1, 3, 3, 1))


def _onnx(path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {contract.INPUT_NAME: x})[0]


@pytest.fixture(scope="module")
def digits(mnist_dir):
    return contract.to_input(data.load("t10k", mnist_dir).images.data[:64])


@pytest.fixture(scope="module")
def net():
    keras.utils.set_random_seed(3)
    image = keras.Input(models.INPUT_SHAPE, name="image")
    flat = keras.layers.Flatten()(image)
    return keras.Model(image, keras.layers.Dense(10, activation="softmax")(flat), name="tiny")


def test_each_variant_is_the_documented_grey_morphology(net, digits):
    plain = net.predict(digits, verbose=0)
    expected = {
        "half_dilated": (digits + _dilated(digits)) / 2,
        "dilated": _dilated(digits),
        "eroded": ndimage.grey_erosion(digits, size=(1, 3, 3, 1)),
    }
    for name, varied in expected.items():
        wrapped = testtime.wrap(net, ("as_drawn", name))
        mean = (plain + net.predict(varied, verbose=0)) / 2
        np.testing.assert_allclose(wrapped.predict(digits, verbose=0), mean, atol=1e-6, err_msg=name)
    with pytest.raises(ValueError, match="expected one of as_drawn, half_dilated"):
        testtime.wrap(net, ("as_drawn", "blurred"))


def test_a_wrapper_gives_back_its_trained_network(net):
    wrapped = testtime.wrap(net, ("as_drawn", "half_dilated"))
    assert testtime.trained_network(wrapped) is net
    assert testtime.trained_network(net) is net


@pytest.mark.slow
def test_the_command_reexports_the_original_with_its_variants_once(tmp_path, mnist_dir, monkeypatch, capsys):
    # A small test split keeps the export gate quick; mlp3 with variants stands for robust.
    test = data.load("t10k", mnist_dir)
    idx.write_idx(tmp_path / data.FILES["t10k-images"], test.images.data[:300], compress=True)
    idx.write_idx(tmp_path / data.FILES["t10k-labels"], test.labels.data[:300], compress=True)
    for suffix in (".onnx", ".json", ".keras"):
        shutil.copy(MODELS / f"mlp3{suffix}", tmp_path / f"mlp3{suffix}")
    variants = ("as_drawn", "half_dilated")
    monkeypatch.setitem(models.RECIPES, "mlp3", dataclasses.replace(models.RECIPES["mlp3"], test_time=variants))
    before = json.loads((tmp_path / "mlp3.json").read_text())
    x = contract.to_input(test.images.data[:32])
    plain = _onnx(MODELS / "mlp3.onnx", x)
    expected = (plain + _onnx(MODELS / "mlp3.onnx", (x + _dilated(x)) / 2)) / 2

    args = ["--model", "mlp3", "--out", str(tmp_path), "--data", str(tmp_path)]
    for _ in range(2):  # the second run wraps the trained network again, not the wrapper
        assert testtime.main(args) == 0
        np.testing.assert_allclose(_onnx(tmp_path / "mlp3.onnx", x), expected, atol=1e-5)
    assert "as_drawn + half_dilated: ONNX Runtime test accuracy" in capsys.readouterr().out
    card = json.loads((tmp_path / "mlp3.json").read_text())
    assert card["test_time"] == testtime.card_entry(variants, "mlp3")
    assert card["flops_per_image"] == 2 * before["flops_per_image"]
    assert {k: card[k] for k in ("training", "history", "seed", "command")} == {
        k: before[k] for k in ("training", "history", "seed", "command")
    }
    assert verified_original(tmp_path / "mlp3.onnx") == tmp_path / "mlp3.keras"
    assert contract.read((tmp_path / "mlp3.onnx").read_bytes())["test_time"] == card["test_time"]


def test_the_command_refuses_a_model_whose_recipe_names_no_variants(tmp_path, capsys):
    for suffix in (".onnx", ".json", ".keras"):
        shutil.copy(MODELS / f"mlp3{suffix}", tmp_path / f"mlp3{suffix}")
    assert testtime.main(["--model", "mlp3", "--out", str(tmp_path)]) == 2
    assert "expected a recipe with test-time variants, found mlp3" in capsys.readouterr().err


def test_the_shipped_robust_reads_the_digit_as_drawn_and_half_dilated(digits):
    card = json.loads((MODELS / "robust.json").read_text())
    assert card["test_time"]["variants"] == list(models.RECIPES["robust"].test_time) == ["as_drawn", "half_dilated"]
    net = testtime.trained_network(keras.models.load_model(verified_original(MODELS / "robust.onnx")))
    assert net.name == "robust"
    expected = (net.predict(digits, verbose=0) + net.predict((digits + _dilated(digits)) / 2, verbose=0)) / 2
    np.testing.assert_allclose(_onnx(MODELS / "robust.onnx", digits), expected, atol=1e-5)


@pytest.mark.slow
def test_train_ships_the_network_wrapped_with_its_recipes_variants(tmp_path, mnist_dir, monkeypatch, digits):
    from training import train

    variants = ("as_drawn", "half_dilated")
    monkeypatch.setitem(models.RECIPES, "mlp", dataclasses.replace(models.RECIPES["mlp"], test_time=variants))
    args = ["--model", "mlp", "--epochs", "1", "--limit", "500", "--out", str(tmp_path), "--data", str(mnist_dir)]
    assert train.main(args) == 1  # exported; 500 images miss mlp's target
    card = json.loads((tmp_path / "mlp.json").read_text())
    assert card["test_time"] == testtime.card_entry(variants, "mlp")
    assert card["flops_per_image"] == 2 * train.flops_per_image(models.mlp())
    assert [layer["type"] for layer in card["architecture"]] == ["Flatten", "Dense", "Dense"]
    net = testtime.trained_network(keras.models.load_model(verified_original(tmp_path / "mlp.onnx")))
    expected = (net.predict(digits, verbose=0) + net.predict((digits + _dilated(digits)) / 2, verbose=0)) / 2
    np.testing.assert_allclose(_onnx(tmp_path / "mlp.onnx", digits), expected, atol=1e-5)
