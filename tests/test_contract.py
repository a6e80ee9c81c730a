"""The model file and its contract: external data, size limits, and the contract and card rules.

Hostile models are written on the fly from the test model's graph (tests/data/make_test_models.py); the
external data fixtures in tests/data/models are shared with the Java suite.
"""

from __future__ import annotations

import json
import os

import numpy as np
import onnx
import pytest

from pybridge import contract as model_contract
from pybridge import errors, modelfile
from pybridge.runtimes.python_ort import PythonOrtRuntime
from tests.conftest import ROOT, TEST_MODELS
from tests.hostile import CONTRACT, HOSTILE_CONTRACTS, LINEAR, contract_text, failing_graph, nan_graph, write_model


def refused(model, reason: str) -> errors.ModelError:
    with pytest.raises(errors.ModelError) as caught:
        model_contract.read(model)
    assert caught.value.reason == reason, caught.value
    assert str(caught.value).count(f": {reason}: ") == 1
    return caught.value


# ---- external data ----------------------------------------------------------------------------------------------


def test_external_data_loads_from_the_models_folder_wherever_the_process_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the old loader looked in the working directory
    contract = model_contract.read(TEST_MODELS / "external.onnx")
    with PythonOrtRuntime().open(TEST_MODELS / "external.onnx", contract) as model:
        assert model.golden_max_diff(contract) == 0.0
    assert modelfile.load(TEST_MODELS / "external.onnx").external == ("external.weights",)


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("external_escape.onnx", "expected a path without '..' inside the model's folder"),
        ("external_absolute.onnx", "expected a relative path inside the model's folder"),
        ("external_cwd.onnx", "expected a regular file 'build.gradle' in the model's folder"),
    ],
)
def test_external_data_outside_the_models_folder_is_refused(name, detail):
    assert detail in str(refused(TEST_MODELS / name, "EXTERNAL_DATA"))
    with pytest.raises(errors.ModelError, match="EXTERNAL_DATA"):
        PythonOrtRuntime().open(TEST_MODELS / name)


def test_external_data_through_a_symlink_leading_out_is_refused(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "external.onnx").write_bytes((TEST_MODELS / "external.onnx").read_bytes())
    (tmp_path / "outside.weights").write_bytes((TEST_MODELS / "external.weights").read_bytes())
    os.symlink(tmp_path / "outside.weights", folder / "external.weights")
    assert "leading out" in str(refused(folder / "external.onnx", "EXTERNAL_DATA"))
    (folder / "external.weights").unlink()
    assert "found none" in str(refused(folder / "external.onnx", "EXTERNAL_DATA"))


def test_external_data_shorter_than_its_length_is_refused(tmp_path):
    (tmp_path / "external.onnx").write_bytes((TEST_MODELS / "external.onnx").read_bytes())
    (tmp_path / "external.weights").write_bytes(b"\0" * 100)
    assert "expected at least 31360 bytes" in str(refused(tmp_path / "external.onnx", "EXTERNAL_DATA"))


def test_a_model_given_as_bytes_may_have_no_external_data():
    error = refused((TEST_MODELS / "external.onnx").read_bytes(), "EXTERNAL_DATA")
    assert "expected no external data in a model given as bytes" in str(error)


# ---- sizes and the protobuf walk --------------------------------------------------------------------------------


def test_a_model_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.onnx"
    with big.open("wb") as f:
        f.truncate(modelfile.MAX_MODEL_BYTES + 1)  # sparse: nothing is written or read
    assert f"expected at most {modelfile.MAX_MODEL_BYTES} bytes" in str(refused(big, "TOO_LARGE"))


def test_a_contract_over_the_size_limit_is_refused(tmp_path):
    doc = dict(CONTRACT, padding="x" * modelfile.MAX_CONTRACT_BYTES)
    assert "expected a contract of at most" in str(refused(write_model(tmp_path / "m.onnx", doc), "TOO_LARGE"))


def test_two_contract_entries_are_refused():
    entry = onnx.StringStringEntryProto(key=model_contract.KEY, value="{}").SerializeToString()
    twice = LINEAR.read_bytes() + b"\x72" + bytes([len(entry)]) + entry  # field 14, length-delimited
    assert "found two" in str(refused(twice, "CONTRACT_INVALID"))


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"\x3a\xff", "a malformed varint"),
        (b"\x3a\x05ab", "a field of 5 bytes"),
        (b"\x0b", "wire type 3"),
        (b"\x00", "field number 0"),
    ],
)
def test_a_malformed_protobuf_is_model_invalid(data, detail):
    assert detail in str(refused(data, "MODEL_INVALID"))


def test_deeply_nested_subgraphs_are_refused_without_recursion_error():
    # graph(7) > node(1) > attribute(5) > graph(6) > ... 100 times, written from the inside out.
    inner = b""
    for field in [6, 5, 1] * 100:
        inner = bytes([field << 3 | 2]) + _varint(len(inner)) + inner
    assert "levels of nested messages" in str(refused(b"\x3a" + _varint(len(inner)) + inner, "MODEL_INVALID"))


def _varint(n: int) -> bytes:
    out = b""
    while n >= 0x80:
        out, n = out + bytes([n & 0x7F | 0x80]), n >> 7
    return out + bytes([n])


# ---- the contract's rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "detail"), HOSTILE_CONTRACTS.values(), ids=HOSTILE_CONTRACTS.keys())
def test_hostile_contracts_are_one_contract_invalid_error(spec, detail):
    with pytest.raises(model_contract.DocumentError) as caught:
        model_contract.validate(model_contract.parse_json(_bytes(contract_text(spec))))
    assert detail in str(caught.value)


def _bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


def test_the_contract_error_names_the_model_and_the_reason(tmp_path):
    path = write_model(tmp_path / "m.onnx", contract_text(HOSTILE_CONTRACTS["atol 1e300"][0]))
    error = refused(path, "CONTRACT_INVALID")
    assert str(error).startswith(f"{path}: CONTRACT_INVALID: contract digitbridge.contract: expected golden.atol")


def test_every_shipped_contract_keeps_the_rules():
    for model in [LINEAR, *sorted((ROOT / "models").glob("*.onnx"))]:
        assert model_contract.read(model)["golden"]["atol"] <= model_contract.MAX_ATOL


# ---- model cards ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("{", "at offset 1"),
        ("[]", "expected an object at the document, found an array of 0"),
        ('{"test_accuracy": "0.9"}', 'expected a number at test_accuracy, found the string "0.9"'),
        ('{"test_accuracy": 1.5}', "expected a fraction from 0 to 1 at test_accuracy"),
        ('{"flops_per_image": -1}', "expected a count from 0 to"),
        ('{"onnx_sha256": "abc"}', "expected 64 lower-case hex digits at onnx_sha256"),
    ],
)
def test_bad_cards_are_card_invalid(tmp_path, text, detail):
    card = tmp_path / "m.json"
    card.write_text(text)
    with pytest.raises(errors.ModelError) as caught:
        model_contract.read_card(card)
    assert caught.value.reason == "CARD_INVALID" and detail in str(caught.value)


def test_a_card_over_the_size_limit_is_refused(tmp_path):
    card = tmp_path / "m.json"
    card.write_text(json.dumps({"pad": "x" * modelfile.MAX_CONTRACT_BYTES}))
    with pytest.raises(errors.ModelError, match="TOO_LARGE"):
        model_contract.read_card(card)


def test_the_test_models_card_is_valid():
    assert model_contract.read_card(TEST_MODELS / "linear.json")["test_accuracy"] == pytest.approx(0.8203)


# ---- the session against the contract, and run-time failures ----------------------------------------------------


@pytest.mark.parametrize("name", ["wrong_input_name.onnx", "wrong_input_shape.onnx"])
def test_a_session_unlike_its_contract_is_a_contract_mismatch(name):
    contract = model_contract.read(TEST_MODELS / name)
    with pytest.raises(errors.ContractError) as caught:
        PythonOrtRuntime().open(TEST_MODELS / name, contract)
    assert caught.value.reason == "CONTRACT_MISMATCH"
    assert "expected the input [image float32 [N, 28, 28, 1]] as the contract declares it, found [" in str(caught.value)


def test_an_ort_failure_at_run_time_is_ort_error(tmp_path):
    path = write_model(tmp_path / "m.onnx", CONTRACT, failing_graph())
    model = PythonOrtRuntime().open(path, CONTRACT)
    with pytest.raises(errors.ModelError) as caught:
        model.golden_max_diff(CONTRACT)
    assert caught.value.reason == "ORT_ERROR" and "\n" not in str(caught.value)


def test_nan_outputs_fail_the_golden_check(tmp_path):
    path = write_model(tmp_path / "m.onnx", CONTRACT, nan_graph())
    assert np.isnan(PythonOrtRuntime().golden_max_diff(path, CONTRACT))
