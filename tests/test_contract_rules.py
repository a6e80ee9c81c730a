"""The contract's builder and every validation rule, each refusal asserted as its whole message.

The contract under test is built by ``contract.build`` (what the exporter writes), so the builder and the reader are
held to each other; nothing here needs ONNX or a runtime.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pybridge import contract as model_contract
from pybridge import errors, modelfile

GOLDEN_U8 = (np.arange(10 * 28 * 28) % 256).astype(np.uint8).reshape(10, 28, 28)
GOLDEN_PROBS = np.full((10, 10), 0.1, dtype=np.float32)


def built(**extra) -> dict:
    return model_contract.build(
        name="tiny",
        opset=17,
        versions={"onnx": "1.0"},
        golden_u8=GOLDEN_U8,
        golden_probs=GOLDEN_PROBS,
        golden_source="made up",
        extra=extra,
    )


def test_build_writes_the_documented_contract():
    doc = built(test_accuracy=0.5)
    golden = doc.pop("golden")
    assert doc == {
        "format": "digitbridge-contract/1",
        "name": "tiny",
        "input": {"name": "image", "dtype": "float32", "shape": ["N", 28, 28, 1]},
        "output": {"name": "probabilities", "dtype": "float32", "shape": ["N", 10], "activation": "softmax"},
        "preprocessing": {
            "pixel_scale": "value / 255 as float32",
            "layout": "NHWC",
            "polarity": "white digit on black background",
            "size": [28, 28],
            "source_dtype": "uint8",
        },
        "labels": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        "opset": 17,
        "versions": {"onnx": "1.0"},
        "test_accuracy": 0.5,
    }
    assert golden["source"] == "made up" and golden["atol"] == 1e-5
    assert golden["images_uint8"] == GOLDEN_U8[:8].reshape(8, 784).tolist()  # the first 8 of 10
    assert all(type(v) is int for v in golden["images_uint8"][7])
    assert golden["probabilities"] == [[float(np.float32(0.1))] * 10] * 8
    assert (model_contract.KEY, model_contract.GOLDEN_COUNT) == ("digitbridge.contract", 8)


def test_a_built_contract_round_trips_through_json_and_validation():
    doc = built()
    text = json.dumps(doc).encode()
    assert model_contract.validate(model_contract.parse_json(text)) == doc
    pixels, probs = model_contract.golden_inputs(doc)
    assert pixels.dtype == np.uint8 and pixels.shape == (8, 28, 28) and (pixels == GOLDEN_U8[:8]).all()
    assert probs.dtype == np.float32 and probs.shape == (8, 10) and (probs == GOLDEN_PROBS[:8]).all()


def test_golden_inputs_follow_the_contracts_size():
    doc = built()
    doc["preprocessing"]["size"] = [56, 14]
    pixels, _ = model_contract.golden_inputs(doc)
    assert pixels.shape == (8, 56, 14)


def test_to_input_is_value_over_255_in_float32_with_a_channel():
    pixels = np.array([[[0, 1], [128, 255]]], dtype=np.uint8)
    x = model_contract.to_input(pixels)
    assert x.dtype == np.float32 and x.shape == (1, 2, 2, 1)
    expected = np.array([0, 1, 128, 255], dtype=np.float32) / np.float32(255)
    assert x.ravel().tolist() == expected.tolist() and x[0, 1, 1, 0] == 1.0


def _set(path: str, value):
    def change(doc):
        *parents, last = path.split(".")
        node = doc
        for key in parents:
            node = node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return change


_DELETE = object()

# (how to break a built contract, the whole message of the refusal)
REFUSED = {
    "root an array": (lambda d: [], "expected an object at the document, found an array of 0"),
    "format missing": (_set("format", _DELETE), 'expected a key "format" in the document'),
    "format null": (_set("format", None), 'expected a key "format" in the document'),
    "format 2": (_set("format", "x/2"), 'expected format "digitbridge-contract/1", found "x/2"'),
    "format a number": (_set("format", 1), "expected a string at format, found the number 1"),
    "name a number": (_set("name", 3), "expected a string at name, found the number 3"),
    "name missing": (_set("name", _DELETE), 'expected a key "name" in the document'),
    "preprocessing missing": (_set("preprocessing", _DELETE), 'expected a key "preprocessing" in the document'),
    "pixel scale a number": (
        _set("preprocessing.pixel_scale", 255),
        "expected a string at preprocessing.pixel_scale, found the number 255",
    ),
    "size missing": (_set("preprocessing.size", _DELETE), 'expected a key "size" in preprocessing'),
    "size an object": (_set("preprocessing.size", {}), "expected an array at preprocessing.size, found an object"),
    "input missing": (_set("input", _DELETE), 'expected a key "input" in the document'),
    "output missing": (_set("output", _DELETE), 'expected a key "output" in the document'),
    "labels missing": (_set("labels", _DELETE), 'expected a key "labels" in the document'),
    "golden missing": (_set("golden", _DELETE), 'expected a key "golden" in the document'),
    "preprocessing a string": (
        _set("preprocessing", "s"),
        'expected an object at preprocessing, found the string "s"',
    ),
    "source dtype": (
        _set("preprocessing.source_dtype", "uint16"),
        'expected preprocessing.source_dtype "uint8" (the only one this runtime implements), found "uint16"',
    ),
    "layout": (
        _set("preprocessing.layout", "NCHW"),
        'expected preprocessing.layout "NHWC" (the only one this runtime implements), found "NCHW"',
    ),
    "layout missing": (_set("preprocessing.layout", _DELETE), 'expected a key "layout" in preprocessing'),
    "polarity a number": (
        _set("preprocessing.polarity", 1),
        "expected a string at preprocessing.polarity, found the number 1",
    ),
    "size one item": (_set("preprocessing.size", [28]), "expected preprocessing.size [H, W], found 1 items"),
    "size three items": (_set("preprocessing.size", [28, 28, 1]), "expected preprocessing.size [H, W], found 3 items"),
    "size 0": (
        _set("preprocessing.size", [28, 0]),
        "expected a size from 1 to 1024 at preprocessing.size[1], found the number 0",
    ),
    "size 1025": (
        _set("preprocessing.size", [1025, 28]),
        "expected a size from 1 to 1024 at preprocessing.size[0], found the number 1025",
    ),
    "size a float": (
        _set("preprocessing.size", [28, 28.0]),
        "expected a whole number at preprocessing.size[1], found the number 28.0",
    ),
    "input shape unlike size": (
        _set("preprocessing.size", [28, 27]),
        "expected input.shape [N, 28, 27, 1], found [N, 28, 28, 1]",
    ),
    "input batch a number": (
        _set("input.shape", [2, 28, 28, 1]),
        "expected input.shape [N, 28, 28, 1], found [2, 28, 28, 1]",
    ),
    "input two channels": (
        _set("input.shape", ["N", 28, 28, 2]),
        "expected input.shape [N, 28, 28, 1], found [N, 28, 28, 2]",
    ),
    "input name missing": (_set("input.name", _DELETE), 'expected a key "name" in input'),
    "output name empty": (_set("output.name", ""), "expected a non-empty output.name, found an empty string"),
    "input dtype": (_set("input.dtype", "uint8"), "expected float32 tensors, found uint8 at input.dtype"),
    "output three dims": (_set("output.shape", ["N", 10, 1]), "expected output.shape [N, classes], found [N, 10, 1]"),
    "output batch fixed": (_set("output.shape", [1, 10]), "expected output.shape [N, classes], found [1, 10]"),
    "output classes named": (_set("output.shape", ["N", "C"]), "expected output.shape [N, classes], found [N, C]"),
    "output negative name": (
        _set("output.shape", ["-N", 10]),
        'expected a size or a dimension name at output.shape[0], found the string "-N"',
    ),
    "output empty name": (
        _set("output.shape", ["", 10]),
        'expected a size or a dimension name at output.shape[0], found the string ""',
    ),
    "output size 0": (
        _set("output.shape", ["N", 0]),
        "expected a size from 1 to 2147483647 at output.shape[1], found the number 0",
    ),
    "output size 2^31": (
        _set("output.shape", ["N", 2**31]),
        "expected a size from 1 to 2147483647 at output.shape[1], found the number 2147483648",
    ),
    "classes 1001": (
        _set("output.shape", ["N", 1001]),
        "expected a class count from 1 to 1000 at output.shape[1], found the number 1001",
    ),
    "labels a string": (_set("labels", "0123456789"), 'expected an array at labels, found the string "0123456789"'),
    "label 9 a number": (
        _set("labels", [str(i) for i in range(9)] + [9]),
        "expected a string at labels[9], found the number 9",
    ),
    "11 labels": (_set("labels", [str(i) for i in range(11)]), "expected 10 labels (output.shape), found 11"),
    "golden an array": (_set("golden", []), "expected an object at golden, found an array of 0"),
    "atol missing": (_set("golden.atol", _DELETE), 'expected a key "atol" in golden'),
    "atol true": (_set("golden.atol", True), "expected a number at golden.atol, found true"),
    "atol 0": (_set("golden.atol", 0), "expected golden.atol > 0 and <= 0.001, found the number 0"),
    "images a string": (
        _set("golden.images_uint8", "x"),
        'expected an array at golden.images_uint8, found the string "x"',
    ),
    "probabilities missing": (_set("golden.probabilities", _DELETE), 'expected a key "probabilities" in golden'),
    "a probabilities row short": (
        lambda d: d["golden"].update(probabilities=d["golden"]["probabilities"][:7]),
        "expected one golden.probabilities row per image (8), found 7",
    ),
    "input name a number": (_set("input.name", 1), "expected a string at input.name, found the number 1"),
    "output dtype a number": (_set("output.dtype", 32), "expected a string at output.dtype, found the number 32"),
    "output shape a string": (
        _set("output.shape", "N,10"),
        'expected an array at output.shape, found the string "N,10"',
    ),
    "atol negative": (_set("golden.atol", -1e-5), "expected golden.atol > 0 and <= 0.001, found the number -1e-05"),
    "atol above": (_set("golden.atol", 0.002), "expected golden.atol > 0 and <= 0.001, found the number 0.002"),
    "source a number": (_set("golden.source", 1), "expected a string at golden.source, found the number 1"),
    "images missing": (_set("golden.images_uint8", _DELETE), 'expected a key "images_uint8" in golden'),
    "probabilities an object": (
        _set("golden.probabilities", {}),
        "expected an array at golden.probabilities, found an object",
    ),
    "65 golden images": (
        lambda d: (
            d["golden"].update(
                images_uint8=d["golden"]["images_uint8"] * 9, probabilities=d["golden"]["probabilities"] * 9
            )
            or _trim(d, 65)
        ),
        "expected 1 to 64 golden images, found 65",
    ),
    "golden image not an array": (
        lambda d: d["golden"]["images_uint8"].__setitem__(1, 5),
        "expected an array at golden.images_uint8[1], found the number 5",
    ),
    "golden image long": (
        lambda d: d["golden"]["images_uint8"][3].append(0),
        "expected 784 pixels per golden image, found 785 at golden.images_uint8[3]",
    ),
    "golden pixel -1": (
        lambda d: d["golden"]["images_uint8"][0].__setitem__(783, -1),
        "expected a uint8 pixel from 0 to 255 at golden.images_uint8[0][783], found the number -1",
    ),
    "golden pixel a float": (
        lambda d: d["golden"]["images_uint8"][0].__setitem__(5, 1.5),
        "expected a whole number at golden.images_uint8[0][5], found the number 1.5",
    ),
    "golden row short": (
        lambda d: d["golden"]["probabilities"][7].pop(),
        "expected 10 golden probabilities per image, found 9 at golden.probabilities[7]",
    ),
    "golden row not an array": (
        lambda d: d["golden"]["probabilities"].__setitem__(2, "p"),
        'expected an array at golden.probabilities[2], found the string "p"',
    ),
    "golden probability a string": (
        lambda d: d["golden"]["probabilities"][1].__setitem__(9, "0.1"),
        'expected a number at golden.probabilities[1][9], found the string "0.1"',
    ),
    "golden probability infinite": (
        lambda d: d["golden"]["probabilities"][4].__setitem__(3, float("-inf")),
        "expected a finite number at golden.probabilities[4][3], found the number -Infinity",
    ),
    "test accuracy negative": (
        _set("test_accuracy", -0.5),
        "expected a fraction from 0 to 1 at test_accuracy, found the number -0.5",
    ),
    "test accuracy null is absent": (_set("test_accuracy", None), None),
    "a long name is cut": (
        _set("format", "f" * 41),
        'expected format "digitbridge-contract/1", found "' + "f" * 41 + '"',
    ),
}


def _trim(doc, n):
    doc["golden"]["images_uint8"] = doc["golden"]["images_uint8"][:n]
    doc["golden"]["probabilities"] = doc["golden"]["probabilities"][:n]


@pytest.mark.parametrize(("change", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_each_rule_refuses_with_its_whole_message(change, message):
    doc = json.loads(json.dumps(built()))
    replaced = change(doc)
    if isinstance(replaced, list):
        doc = replaced
    if message is None:
        assert model_contract.validate(doc) is doc
        return
    with pytest.raises(model_contract.DocumentError) as caught:
        model_contract.validate(doc)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        (_set("golden.atol", 0.001), "atol at its bound"),
        (_set("preprocessing.size", [1, 1024]), "sizes at their bounds"),
        (_set("test_accuracy", 1), "accuracy 1"),
        (_set("test_accuracy", 0), "accuracy 0"),
        (_set("preprocessing.polarity", _DELETE), "no polarity"),
        (_set("golden.source", _DELETE), "no source"),
    ],
)
def test_values_at_the_edges_are_accepted(change, accepted):
    doc = json.loads(json.dumps(built()))
    change(doc)
    if doc["preprocessing"]["size"] != [28, 28]:
        h, w = doc["preprocessing"]["size"]
        doc["input"]["shape"] = ["N", h, w, 1]
        doc["golden"]["images_uint8"] = [[0] * (h * w)] * 8
    assert model_contract.validate(doc) is doc, accepted


def test_64_golden_pairs_are_accepted():
    doc = json.loads(json.dumps(built()))
    doc["golden"]["images_uint8"] = doc["golden"]["images_uint8"][:1] * 64
    doc["golden"]["probabilities"] = doc["golden"]["probabilities"][:1] * 64
    assert model_contract.validate(doc) is doc


def test_one_golden_pair_and_a_thousand_classes_are_accepted():
    doc = json.loads(json.dumps(built()))
    doc["output"]["shape"] = ["batch", 1000]
    doc["labels"] = [str(i) for i in range(1000)]
    doc["golden"]["images_uint8"] = doc["golden"]["images_uint8"][:1]
    doc["golden"]["probabilities"] = [[0.0] * 1000]
    doc["input"]["shape"][0] = "batch"
    assert model_contract.validate(doc) is doc


def test_a_class_name_may_start_with_a_letter_but_not_a_digit():
    assert model_contract._symbolic("N") and model_contract._symbolic("n1")
    assert (
        not model_contract._symbolic("1n") and not model_contract._symbolic("") and not model_contract._symbolic("-1")
    )


# ---- parse_json ------------------------------------------------------------------------------------------------


def test_json_errors_say_where():
    with pytest.raises(model_contract.DocumentError) as bad_utf8:
        model_contract.parse_json(b'{"a": "\xff"}')
    assert str(bad_utf8.value) == "expected UTF-8 text, found an invalid byte at offset 7"
    with pytest.raises(model_contract.DocumentError) as bad_json:
        model_contract.parse_json(b'{"a": }')
    assert str(bad_json.value) == "expected JSON, found: Expecting value at offset 6"


def test_nesting_is_allowed_to_64_levels_and_not_one_more():
    assert model_contract.parse_json(b"[" * 65 + b"]" * 65) is not None  # the root and 64 levels under it
    for text in (b"[" * 66 + b"]" * 66, b'{"a":' * 66 + b"1" + b"}" * 66):
        with pytest.raises(model_contract.DocumentError) as caught:
            model_contract.parse_json(text)
        assert str(caught.value) == "expected at most 64 levels of nesting, found more"
    with pytest.raises(model_contract.DocumentError) as deep:
        model_contract.parse_json(b"[" * 100_000 + b"]" * 100_000)
    assert str(deep.value) == "expected at most 64 levels of nesting, found more"


def test_describe_names_each_json_kind():
    describe = model_contract._describe
    assert [describe(v) for v in (None, True, False, "s", 1, 1.5, [1, 2], {})] == [
        "null",
        "true",
        "false",
        'the string "s"',
        "the number 1",
        "the number 1.5",
        "an array of 2",
        "an object",
    ]
    assert describe("x" * 40) == 'the string "' + "x" * 40 + '"'
    assert describe("x" * 41) == 'the string "' + "x" * 40 + '..."'


# ---- read and read_card ----------------------------------------------------------------------------------------


def test_read_names_the_missing_and_the_invalid_contract(tmp_path, monkeypatch):
    class Checked:
        subject = "m.onnx"
        contract = None

    monkeypatch.setattr(modelfile, "of", lambda model: Checked)
    with pytest.raises(errors.ModelError) as missing:
        model_contract.read(b"")
    assert missing.value.reason is errors.ModelReason.CONTRACT_MISSING
    assert str(missing.value) == (
        "m.onnx: CONTRACT_MISSING: expected a 'digitbridge.contract' entry in the ONNX metadata, found none"
    )
    Checked.contract = b'{"format": "x"}'
    with pytest.raises(errors.ModelError) as invalid:
        model_contract.read(b"")
    assert invalid.value.reason is errors.ModelReason.CONTRACT_INVALID
    assert str(invalid.value) == (
        'm.onnx: CONTRACT_INVALID: contract digitbridge.contract: expected format "digitbridge-contract/1", found "x"'
    )
    Checked.contract = json.dumps(built()).encode()
    assert model_contract.read(b"") == built()


def card_error(tmp_path, text: str) -> errors.ModelError:
    card = tmp_path / "m.json"
    card.write_text(text)
    with pytest.raises(errors.ModelError) as caught:
        model_contract.read_card(card)
    return caught.value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "expected an object at the document, found an array of 0"),
        ('{"name": 1}', "expected a string at name, found the number 1"),
        ('{"test_accuracy": -0.01}', "expected a fraction from 0 to 1 at test_accuracy, found the number -0.01"),
        ('{"flops_per_image": 1.5}', "expected a whole number at flops_per_image, found the number 1.5"),
        (
            '{"flops_per_image": 9223372036854775808}',
            "expected a count from 0 to 9223372036854775807 at flops_per_image, found the number 9223372036854775808",
        ),
        ('{"onnx_sha256": 5}', "expected a string at onnx_sha256, found the number 5"),
        (
            '{"onnx_sha256": "' + "A" * 64 + '"}',
            'expected 64 lower-case hex digits at onnx_sha256, found the string "' + "A" * 40 + '..."',
        ),
        (
            '{"onnx_sha256": "' + "a" * 65 + '"}',
            'expected 64 lower-case hex digits at onnx_sha256, found the string "' + "a" * 40 + '..."',
        ),
    ],
)
def test_card_refusals_are_whole_lines(tmp_path, text, message):
    error = card_error(tmp_path, text)
    assert error.reason is errors.ModelReason.CARD_INVALID
    assert str(error) == f"{tmp_path / 'm.json'}: CARD_INVALID: {message}"


def test_a_card_at_its_limits_is_read(tmp_path):
    card = tmp_path / "m.json"
    doc = {"name": "m", "test_accuracy": 1, "flops_per_image": 2**63 - 1, "onnx_sha256": "0f" * 32}
    text = json.dumps(doc)
    card.write_text(text + " " * (modelfile.MAX_CONTRACT_BYTES - len(text)))
    assert model_contract.read_card(card) == doc
    card.write_text(text + " " * (modelfile.MAX_CONTRACT_BYTES - len(text) + 1))
    with pytest.raises(errors.ModelError) as caught:
        model_contract.read_card(card)
    assert caught.value.reason is errors.ModelReason.TOO_LARGE
    assert (
        str(caught.value)
        == f"{card}: TOO_LARGE: expected a card of at most {modelfile.MAX_CONTRACT_BYTES} bytes, found more"
    )


def test_an_unreadable_card_is_io(tmp_path):
    with pytest.raises(errors.ModelError) as caught:
        model_contract.read_card(tmp_path / "none.json")
    assert caught.value.reason is errors.ModelReason.IO
    assert str(caught.value).startswith(f"{tmp_path / 'none.json'}: IO: expected a readable model card, found: ")
