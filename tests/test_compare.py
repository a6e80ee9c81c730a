"""`python -m pybridge.compare`: its checks, exit codes, JSON and report."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from pybridge import compare, data, idx
from pybridge.contract import to_input
from pybridge.runtimes.base import RunOutput
from pybridge.runtimes.python_ort import PythonOrtRuntime
from tests import hostile
from tests.conftest import ROOT, TEST_MODELS


def test_parity_passes_bit_identical_with_json_and_report(jvm, mnist_dir, tmp_path, capsys):
    args = [
        "--models",
        str(TEST_MODELS / "linear.onnx"),
        "--data",
        str(mnist_dir),
        "--json",
        str(tmp_path / "parity.json"),
        "--report",
        str(tmp_path / "report"),
    ]
    assert compare.main(args) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "overhead ratio" in out and "jvm-ort inference" in out
    result = json.loads((tmp_path / "parity.json").read_text())
    model = result["models"][0]
    assert result["passed"] and model["passed"] and model["failures"] == []
    assert model["pairs"][0]["bit_identical_values"] == 1.0 and model["pairs"][0]["max_abs"] == 0.0
    assert model["accuracy"] == {"python-ort": 0.8203, "jvm-ort": 0.8203} and model["card_accuracy"] == 0.8203
    assert len(set(model["input_sha256"].values())) == 1
    assert result["data"]["canonical"] is True and result["data"]["images"] == 10000
    assert result["overhead_ratio"] > 1.0 and result["inference_seconds"] > 0
    page = (tmp_path / "report" / "index.html").read_text()
    assert "Confusion matrix: python-ort = jvm-ort (identical)" in page and "<svg" in page and "PASS" in page


def test_noncanonical_test_set_is_reported_and_not_held_to_the_card(jvm, mnist_dir, tmp_path, capsys):
    # 100 flipped pixels and one changed label: still a valid test set, but not the one the card was scored on.
    folder = tmp_path / "data"
    folder.mkdir()
    test = data.load("t10k", mnist_dir)
    pixels, labels = test.images.data.copy(), test.labels.data.copy()
    pixels.reshape(-1)[::78_401][:100] ^= 0xFF
    labels[0] = (labels[0] + 1) % 10
    idx.write_idx(folder / data.FILES["t10k-images"], pixels, compress=True)
    idx.write_idx(folder / data.FILES["t10k-labels"], labels, compress=True)
    args = ["--models", str(TEST_MODELS / "linear.onnx"), "--data", str(folder), "--json", str(tmp_path / "p.json")]
    assert compare.main([*args, "--report", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert f"test set: {folder}: NOT the canonical MNIST test set (t10k-images: expected md5" in out
    assert "(e) not checked" in out
    result = json.loads((tmp_path / "p.json").read_text())
    assert result["data"]["canonical"] is False and result["data"]["directory"] == str(folder)
    assert result["data"]["uncompressed_md5"]["t10k-labels"] != data.MNIST_MD5["t10k-labels"]
    assert result["models"][0]["accuracy"]["python-ort"] != result["models"][0]["card_accuracy"]
    assert "NOT the canonical MNIST test set" in (tmp_path / "report" / "index.html").read_text()


def test_altered_model_fails_its_golden_pairs_with_exit_1(jvm, mnist_dir, tmp_path, capsys):
    args = [
        "--models",
        str(TEST_MODELS / "linear_altered.onnx"),
        "--data",
        str(mnist_dir),
        "--json",
        str(tmp_path / "parity.json"),
    ]
    assert compare.main(args) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "(b) golden pairs fail in python-ort" in out and "(b) golden pairs fail in jvm-ort" in out
    assert json.loads((tmp_path / "parity.json").read_text())["passed"] is False


def test_model_without_contract_or_corrupt_is_bad_input_exit_2(jvm, mnist_dir, capsys):
    assert compare.main(["--models", str(TEST_MODELS / "no_contract.onnx"), "--data", str(mnist_dir)]) == 2
    assert "expected a 'digitbridge.contract' entry" in capsys.readouterr().err
    assert compare.main(["--models", str(TEST_MODELS / "corrupt.onnx"), "--data", str(mnist_dir)]) == 2
    out, err = capsys.readouterr()
    assert _errors(err) == [err.splitlines()[-1]] and err.splitlines()[-1].startswith("error: ")
    assert "ERROR (MODEL_INVALID)" in out  # nothing compared: exit 2, but the model still has its row


def _errors(err: str) -> list[str]:
    """stderr without the progress lines."""
    return [line for line in err.splitlines() if not line.startswith("progress: ")]


def test_bad_usage_is_exit_2(tmp_path, capsys):
    assert compare.main(["--runtimes", "python-ort"]) == 2  # one runtime compares with nothing
    assert compare.main(["--models", str(tmp_path / "missing.onnx")]) == 2
    assert compare.main(["--models", str(tmp_path)]) == 2  # a folder without models
    assert compare.main(["--models", str(TEST_MODELS / "linear.onnx"), "--runtimes", "python-ort,tflite"]) == 2


class TamperedRuntime(PythonOrtRuntime):
    """Python ONNX Runtime, but fed one changed pixel: the input-hash check must notice."""

    name = "tampered"

    def read_images(self, images, limit=None):
        pixels = idx.read_idx(images).data[:limit].copy()
        pixels[3, 14, 14] ^= 0x40
        return to_input(pixels)


def test_a_different_input_on_one_side_is_caught(mnist_dir):
    images, labels = mnist_dir / data.FILES["t10k-images"], data.load("t10k", mnist_dir).labels.data
    measured = compare.measure(TEST_MODELS / "linear.onnx", images, [PythonOrtRuntime(), TamperedRuntime()], limit=100)
    result = compare.judge(measured, labels[:100], compare.Tolerance(1e-6, 0.0, "test"))
    assert not result.passed
    assert result.failures[0].startswith("(a) input tensors differ")
    assert result.pairs[0].bit_identical_images == pytest.approx(0.99)


def test_the_test_set_is_read_once_for_every_model(mnist_dir, tmp_path, monkeypatch, capsys):
    reads = []

    class Counted(PythonOrtRuntime):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def read_images(self, images, limit=None):
            reads.append(self.name)
            return super().read_images(images, limit)

    for copy in ("a", "b", "c"):
        shutil.copy(TEST_MODELS / "linear.onnx", tmp_path / f"{copy}.onnx")
    monkeypatch.setattr(compare, "make_runner", lambda spec, args: Counted(spec.text))
    args = ["--models", str(tmp_path), "--data", str(mnist_dir), "--limit", "50", "--runtimes", "python-ort,jvm-ort"]
    assert compare.main(args) == 0
    assert reads == ["python-ort", "jvm-ort"]
    assert "python-ort read" in capsys.readouterr().out


def test_pair_statistics_on_known_differences():
    a = np.array([[0.7, 0.3], [0.5, 0.5]], dtype=np.float32)
    b = a.copy()
    b[1] = [0.5 - 2e-6, 0.5 + 2e-6]  # flips the argmax of a tie
    ref = RunOutput("ref", a, "h", "CPU", {})
    other = RunOutput("other", b, "h", "CPU", {})
    stats = compare.pair_stats(ref, other, compare.Tolerance(1e-6, 0.0, "t"))
    assert stats.bit_identical_images == 0.5 and stats.bit_identical_values == 0.5
    assert stats.smallest_passing_atol == pytest.approx(2e-6, rel=0.1)
    assert not stats.within_tolerance and stats.argmax_agreement == 1 and stats.disagreeing_images == [1]


def _measure_and_judge(model, mnist_dir, runner_list):
    images, labels = mnist_dir / data.FILES["t10k-images"], data.load("t10k", mnist_dir).labels.data
    measured = compare.measure(model, images, runner_list, limit=2000)
    return compare.judge(measured, labels[:2000], compare.Tolerance(1e-5, 0.0, "test")), measured


SHIPPED = sorted((ROOT / "models").glob("*.onnx"))


@pytest.mark.parametrize("model", SHIPPED, ids=[m.stem for m in SHIPPED])
def test_shipped_models_are_bit_identical_in_both_runtimes(jvm, mnist_dir, model):
    start = time.perf_counter()
    result, _ = _measure_and_judge(model, mnist_dir, [PythonOrtRuntime(), jvm.JvmRuntime()])
    assert result.passed, result.failures
    assert result.pairs[0].bit_identical_values == 1.0, f"{model.name} after {time.perf_counter() - start:.1f} s"


def _with_card(text: str):
    def make(path):
        shutil.copyfile(TEST_MODELS / "linear.onnx", path)
        path.with_suffix(".json").write_text(text)
        return path

    return make


HOSTILE = {
    **hostile.MODELS,
    "card {": (_with_card("{"), 2, "CARD_INVALID"),
    "card []": (_with_card("[]"), 2, "CARD_INVALID"),
    "card test_accuracy a string": (_with_card('{"test_accuracy": "0.82"}'), 2, "CARD_INVALID"),
}


@pytest.mark.parametrize(("make", "status", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_model_or_card_is_refused_without_traceback(jvm, mnist_dir, tmp_path, capsys, make, status, reason):
    model = make(tmp_path / "model.onnx")
    assert compare.main(["--models", str(model), "--data", str(mnist_dir), "--limit", "10"]) == status
    out, err = capsys.readouterr()
    if status == 1:  # a failed check is reported in the table, not as an error
        assert _errors(err) == [] and "(b) golden pairs fail in python-ort: max |diff| nan" in out
    else:
        assert len(_errors(err)) == 1 and _errors(err)[0].startswith(f"error: {tmp_path / 'model'}."), err
        assert f": {reason}: " in err and "expected" in err, err


# --- the command line a user meets -----------------------------------------------------------------------------


def _linear(mnist_dir, *more):
    return ["--models", str(TEST_MODELS / "linear.onnx"), "--data", str(mnist_dir), *more]


def _report_is_a_file(tmp_path):
    (tmp_path / "README.md").write_text("keep me\n")
    return ["--report", str(tmp_path / "README.md")]


def _index_is_a_folder(tmp_path):
    (tmp_path / "report" / "index.html").mkdir(parents=True)
    return ["--report", str(tmp_path / "report")]


def _report_under_a_file(tmp_path):
    (tmp_path / "file").write_text("")
    return ["--report", str(tmp_path / "file" / "report")]


DESTINATIONS = {
    "json in a missing folder": (lambda tmp: ["--json", str(tmp / "missing" / "x.json")], "no folder"),
    "json is a folder": (lambda tmp: ["--json", str(tmp)], "a folder"),
    "report is a file": (_report_is_a_file, "a file"),
    "report index.html is a folder": (_index_is_a_folder, "index.html in it is a folder"),
    "report under a file": (_report_under_a_file, "a file at"),
}


@pytest.mark.parametrize(("make", "found"), DESTINATIONS.values(), ids=DESTINATIONS.keys())
def test_an_unwritable_destination_is_refused_before_anything_runs(mnist_dir, tmp_path, capsys, make, found):
    assert compare.main(_linear(mnist_dir, *make(tmp_path))) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err  # not even a progress line: nothing ran
    assert err.startswith("error: ") and ": expected a f" in err and f"found {found}" in err, err
    assert not (tmp_path / "README.md").exists() or (tmp_path / "README.md").read_text() == "keep me\n"


def test_json_dash_is_stdout_and_a_symlink_is_never_replaced(jvm, mnist_dir, tmp_path, capsys):
    assert compare.main(_linear(mnist_dir, "--limit", "10", "--json", "-")) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["models"][0]["passed"] and "PASS" in err  # stdout is the JSON alone
    device, regular = tmp_path / "stdout", tmp_path / "link"
    device.symlink_to("/dev/null")  # as /dev/stdout is a symlink to a device
    (tmp_path / "real.json").write_text("old")
    regular.symlink_to(tmp_path / "real.json")
    for link in (device, regular):
        assert compare.main(_linear(mnist_dir, "--limit", "10", "--json", str(link))) == 0
    assert device.is_symlink() and device.resolve() == Path("/dev/null") and Path("/dev/null").is_char_device()
    assert regular.is_symlink() and json.loads((tmp_path / "real.json").read_text())["passed"]


def test_one_unusable_model_among_several_gets_an_error_row_and_exit_1(jvm, mnist_dir, tmp_path, capsys):
    args = ["--models", str(TEST_MODELS / "linear.onnx"), str(TEST_MODELS / "corrupt.onnx"), "--data", str(mnist_dir)]
    args += ["--limit", "20", "--json", str(tmp_path / "report" / "p.json"), "--report", str(tmp_path / "report")]
    assert compare.main(args) == 1
    out, err = capsys.readouterr()
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("linear ", "corrupt "))}
    assert rows["linear"].endswith("PASS") and rows["corrupt"].endswith("ERROR (MODEL_INVALID)")
    assert "  corrupt: " in out and "MODEL_INVALID: expected an ONNX protobuf" in out
    assert len(_errors(err)) == 1 and "progress: starting the JVM for jvm-ort" in err
    result = json.loads((tmp_path / "report" / "p.json").read_text())
    assert result["passed"] is False and result["exit_code"] == 1
    assert [m["model"] for m in result["models"]] == ["linear", "corrupt"] and result["models"][1]["error"] is True
    assert result["models"][1]["reason"] == "MODEL_INVALID"
    page = (tmp_path / "report" / "index.html").read_text()
    assert "corrupt.onnx: <span class=fail>ERROR</span>" in page and "Confusion matrix" in page
    assert "could not be compared: " in page  # its row in the summary says why


def test_models_sharing_a_name_are_told_apart(jvm, mnist_dir, tmp_path, capsys):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copyfile(TEST_MODELS / "linear.onnx", tmp_path / folder / "linear.onnx")
    args = ["--models", str(tmp_path / "a"), str(tmp_path / "b"), "--data", str(mnist_dir), "--limit", "10"]
    assert compare.main(args) == 0
    out = capsys.readouterr().out
    assert f"\n{tmp_path / 'a' / 'linear'} " in out and f"\n{tmp_path / 'b' / 'linear'} " in out


@pytest.mark.skipif(not data.FASHION_SYSTEM_DIR.is_dir(), reason="Fashion-MNIST is not installed")
@pytest.mark.parametrize("how", [["--data", str(data.FASHION_SYSTEM_DIR)], ["--dataset", "fashion"]])
def test_another_dataset_is_named_and_reported_not_held_to_the_mnist_card(jvm, tmp_path, capsys, how):
    args = ["--models", str(TEST_MODELS / "linear.onnx"), *how, "--json", str(tmp_path / "p.json")]
    assert compare.main(args) == 0  # bit-identical runtimes; the MNIST card says nothing about Fashion-MNIST
    out = capsys.readouterr().out
    assert f"test set: {data.FASHION_SYSTEM_DIR}: canonical Fashion-MNIST test set (MD5 verified)" in out
    assert "(e) not checked" in out and "accuracy (python-ort / jvm-ort) " in out
    result = json.loads((tmp_path / "p.json").read_text())
    assert result["data"]["dataset"] == "Fashion-MNIST" and not result["models"][0]["card_checked"]


def test_a_subset_is_said_to_be_one_and_not_judged_as_a_whole(jvm, mnist_dir, capsys):
    assert compare.main(_linear(mnist_dir, "--limit", "50")) == 0
    out = capsys.readouterr().out
    assert "(e) not checked: accuracy is on the first 50 of 10000 images" in out
    assert "accuracy on 50 images (python-ort / jvm-ort) " in out and "card" not in out.split("\n")[2]
    assert "not judged: on 50 of 10000 images" in out and "target <= 1.5:" not in out
    timing = out[out.index("\ntime:") :].splitlines()
    assert max(map(len, timing)) <= 120 and any(line.strip().startswith("jvm-ort inference") for line in timing)


def test_the_whole_set_shows_the_card_and_the_overhead_verdict(jvm, mnist_dir, capsys):
    assert compare.main(_linear(mnist_dir)) == 0
    out = capsys.readouterr().out
    assert "accuracy (python-ort / jvm-ort / card)" in out and "82.03% / 82.03% / 82.03%" in out
    assert "(target <= 1.5: " in out and "(e) not checked" not in out


@pytest.mark.parametrize(
    "bad",
    [
        *(["--atol", v] for v in ("-1", "nan", "inf")),
        *(["--rtol", v] for v in ("-0.1", "nan")),
        *([option, "0"] for option in ("--batch", "--threads", "--limit")),
        ["--limit", "x"],
        ["--dataset", "cifar"],
    ],
    ids=" ".join,
)
def test_a_bad_value_is_a_usage_error(tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as refused:
        compare.main(["--models", str(tmp_path / "missing.onnx"), *bad])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {bad[0]}: " in err and ("expected a " in err or "invalid choice" in err), err


def test_outside_the_repository_the_hint_names_the_working_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert compare.main([]) == 2
    err = capsys.readouterr().err
    assert f"relative to the working directory {tmp_path}" in err and str(ROOT / "models") in err
    assert "make models" not in err and len(err.splitlines()) == 1
    assert compare.main(["--models", str(TEST_MODELS), "--json", "out/p.json"]) == 2
    err = capsys.readouterr().err
    assert f"found no folder {tmp_path / 'out'} (relative to the working directory {tmp_path})" in err
    assert "models are in" not in err


def test_help_states_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        compare.main(["--help"])
    assert "exit codes: 0 every model passed; 1 a check failed" in " ".join(capsys.readouterr().out.split())
