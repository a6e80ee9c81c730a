"""``python -m pybridge.predict``: output, --segment, --json, bad input, both runtimes and their agreement."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from pybridge import errors, predict
from tests import hostile
from tests.conftest import JAR, ROOT, TEST_MODELS, read_tsv

IMAGES = ROOT / "tests" / "data" / "images"
MANIFEST = read_tsv(IMAGES / "manifest.tsv")
BAD = [r for r in MANIFEST if r[1] == "error"]
STRIPS = [r for r in MANIFEST if r[1] == "strip"]
LINEAR = str(TEST_MODELS / "linear.onnx")
DEEPER_CNN = ROOT / "models" / "deeper_cnn.onnx"
DIGIT = str(IMAGES / "digit-000-black-on-white.png")
TOP3 = r" p=[01]\.\d{6} top-3: \d [01]\.\d{6}, \d [01]\.\d{6}, \d [01]\.\d{6}"


def run(capsys, *args: str) -> tuple[int, list[str], list[str]]:
    status = predict.main(["--model", LINEAR, *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


def test_one_image_one_line(capsys):
    status, out, err = run(capsys, DIGIT)
    assert status == 0 and err == []
    assert len(out) == 1 and re.fullmatch(re.escape(DIGIT) + r": \d" + TOP3, out[0])


def test_segment_prints_the_number_and_each_digit(capsys):
    strip = str(IMAGES / "strip-12-34-dash.png")
    status, out, _ = run(capsys, "--segment", strip)
    assert status == 0
    assert re.fullmatch(re.escape(strip) + r": number \d{4} \(4 digits; 1 mark ignored\)", out[0])
    assert [line.split(":")[0] for line in out[1:]] == [f"{strip}[{i}]" for i in range(4)]


def test_json_carries_each_digits_preprocessing(capsys):
    status, out, _ = run(capsys, "--json", "--segment", "--top", "2", str(IMAGES / "strip-17.png"))
    assert status == 0
    record = json.loads(out[0])
    assert record["runtime"] == "python-ort" and record["segment"] is True and len(record["number"]) == 2
    assert [len(d["top"]) for d in record["digits"]] == [2, 2]
    assert record["digits"][0]["preprocessing"]["polarity"] == "dark-on-light"


def test_every_bad_input_gets_one_error_line_and_the_rest_is_read(capsys):
    files = [DIGIT, *(str(IMAGES / r[0]) for r in BAD), str(IMAGES / "digit-001-black-on-white.png")]
    status, out, err = run(capsys, *files)
    assert status == 2
    assert len(err) == len(BAD)
    for line, row in zip(err, BAD, strict=True):
        assert line.startswith(f"error: {IMAGES / row[0]}: {row[2]}: ")
    assert len(out) == 3 and out[-1] == f"{len(files)} images: 2 read, {len(BAD)} refused"


def test_json_reports_refusals_as_records_too(capsys):
    status, out, err = run(capsys, "--json", str(IMAGES / "bad-no-ink.png"))
    assert status == 2 and len(err) == 1
    assert json.loads(out[0])["error"]["reason"] == "NO_INK"


def test_a_missing_model_is_one_line_and_exit_2(capsys, tmp_path):
    assert predict.main(["--model", str(tmp_path / "none.onnx"), DIGIT]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "none.onnx" in err[0]


@pytest.mark.parametrize("runtime", ["python-ort", "jvm-ort"])
def test_a_model_failing_its_golden_check_exits_1(jvm, capsys, runtime):
    altered = str(TEST_MODELS / "linear_altered.onnx")
    assert predict.main(["--model", altered, "--runtimes", runtime, DIGIT]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "GOLDEN_MISMATCH" in err[0]


@pytest.mark.parametrize(
    "args",
    [
        ["--runtimes", "keras", DIGIT],
        ["--runtimes", "python-ort,python-ort", DIGIT],
        ["--segment", "--mode", "raw", DIGIT],
    ],
)
def test_usage_errors_exit_2(args, capsys):
    with pytest.raises(SystemExit) as caught:
        predict.main(["--model", LINEAR, *args])
    assert caught.value.code == 2


def test_agreement_detects_every_kind_of_difference():
    probabilities = np.array([[0.1] * 9 + [0.1]], np.float32)
    probabilities[0, 3] = 0.5
    pixels = np.zeros((1, 28, 28), np.uint8)
    ref = predict.Reading("a", pixels, ({},), probabilities)
    assert predict.compare(ref, replace(ref, runtime="b")).passed
    other_pixels = pixels.copy()
    other_pixels[0, 3, 4] = 1
    assert predict.compare(ref, replace(ref, pixels=other_pixels)).differing_pixels == 1
    assert not predict.compare(ref, replace(ref, probabilities=probabilities + 1e-5)).passed
    error = errors.ImageError(errors.ImageReason.NO_INK, "f", "none")
    assert not predict.compare(ref, predict.Reading("b", error=error)).passed
    refused = predict.Reading("a", error=error)
    assert predict.compare(refused, predict.Reading("b", error=error)).passed
    corrupt = errors.ImageError(errors.ImageReason.CORRUPT, "f", "x")
    assert not predict.compare(refused, predict.Reading("b", error=corrupt)).passed


# ---- both runtimes --------------------------------------------------------------------------------------------


def test_both_runtimes_agree_on_digits_strips_and_refusals(jvm, capsys):
    jpeg = next(r[0] for r in MANIFEST if r[0].endswith("white-on-black.jpg"))
    files = [DIGIT, str(IMAGES / jpeg), str(IMAGES / "bad-truncated.gif")]
    status, out, err = run(capsys, "--runtimes", "python-ort,jvm-ort", *files)
    assert status == 2  # one refused image; the runtimes agree on all three
    assert sum("python-ort and jvm-ort agree: identical 28x28 pixels" in line for line in out) == 2
    assert any(line.endswith("agree: both refuse it (TRUNCATED)") for line in out)
    assert out[-1] == "3 images: 2 read, 1 refused; python-ort and jvm-ort agree on 3/3"
    assert len(err) == 1


def test_both_runtimes_agree_on_every_strip_in_json(jvm, capsys):
    status, out, _ = run(
        capsys, "--json", "--segment", "--runtimes", "jvm-ort,python-ort", *(str(IMAGES / r[0]) for r in STRIPS)
    )
    assert status == 0
    for line, row in zip(out, STRIPS, strict=True):
        record = json.loads(line)
        assert record["runtime"] == "jvm-ort" and len(record["digits"]) == len(row[2])
        assert record["agreement"]["python-ort"]["passed"] is True
        assert record["others"]["python-ort"]["number"] == record["number"]
        assert [d["preprocessing"] for d in record["others"]["python-ort"]["digits"]] == [
            d["preprocessing"] for d in record["digits"]
        ]


def test_a_disagreement_exits_1(jvm, capsys, monkeypatch):
    original = predict.read

    def tampered(model, file, mode, segment):
        reading = original(model, file, mode, segment)
        if model.runtime != "jvm-ort":
            return reading
        pixels = reading.pixels.copy()
        pixels[0, 0, 0] ^= 1
        return replace(reading, pixels=pixels)

    monkeypatch.setattr(predict, "read", tampered)
    status, out, _ = run(capsys, "--runtimes", "python-ort,jvm-ort", DIGIT)
    assert status == 1
    assert any("DISAGREE: 1 pixels differ" in line for line in out)


def test_the_java_cli_prints_what_the_python_cli_prints(capsys):
    strip = str(IMAGES / "strip-2024.png")
    java = subprocess.run(
        ["java", "-jar", str(JAR), "predict", "--model", LINEAR, "--json", "--segment", strip],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert java.returncode == 0, java.stderr
    status, out, _ = run(capsys, "--json", "--segment", strip)
    assert status == 0
    j, p = json.loads(java.stdout), json.loads(out[0])
    assert j["number"] == p["number"] and j["specks"] == p["specks"] and j["marks"] == p["marks"]
    assert [d["preprocessing"] for d in j["digits"]] == [d["preprocessing"] for d in p["digits"]]
    assert [[t["label"] for t in d["top"]] for d in j["digits"]] == [
        [t["label"] for t in d["top"]] for d in p["digits"]
    ]


def test_the_java_cli_refuses_bad_images_with_one_line_each():
    files = [str(IMAGES / r[0]) for r in BAD]
    java = subprocess.run(
        ["java", "-jar", str(JAR), "predict", "--model", LINEAR, *files], capture_output=True, text=True, timeout=120
    )
    assert java.returncode == 2 and java.stdout == ""
    lines = java.stderr.splitlines()
    assert [line.split(": ")[:3] for line in lines] == [["error", f, r[2]] for f, r in zip(files, BAD, strict=True)]


def test_deeper_cnn_reads_the_strips_as_their_numbers(capsys):
    if not DEEPER_CNN.exists():
        pytest.skip(f"{DEEPER_CNN.relative_to(ROOT)} is not trained yet (make models): the numbers need it")
    status = predict.main(["--segment", "--json", "--model", str(DEEPER_CNN), *(str(IMAGES / r[0]) for r in STRIPS)])
    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert [json.loads(line)["number"] for line in out] == [r[2] for r in STRIPS]


@pytest.mark.slow
def test_a_bridge_run_with_hundreds_of_files_and_a_long_command_line(tmp_path):
    # Each image under its own long name: 300 paths make a command line of over 30 KB. ONNX Runtime 1.29.0 in
    # the JVM killed the whole Python process here (SIGSEGV, no traceback) before printing anything.
    digits = sorted(IMAGES.glob("digit-*.png"))
    files = []
    for i in range(300):
        link = tmp_path / f"user-drawing-number-{i:04d}-from-the-long-command-line-test.png"
        link.symlink_to(digits[i % len(digits)])
        files.append(str(link))
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    done = subprocess.run(
        [sys.executable, "-m", "pybridge.predict", "--model", LINEAR, "--runtimes", "python-ort,jvm-ort", *files],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert sum(len(a) + 1 for a in files) > 30_000
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[-1] == "300 images: 300 read, 0 refused; python-ort and jvm-ort agree on 300/300"
    assert lines[-2].startswith(files[-1] + ": python-ort and jvm-ort agree")


@pytest.mark.parametrize(("make", "status", "reason"), hostile.MODELS.values(), ids=hostile.MODELS.keys())
def test_a_hostile_model_is_one_error_line_without_traceback(tmp_path, capsys, make, status, reason):
    model = make(tmp_path / "model.onnx")
    assert predict.main(["--model", str(model), DIGIT]) == status
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {model}: {reason}: ") and "expected" in err, err


def _gray_png(path, paper: int, ink: int) -> str:
    from PIL import Image

    a = np.full((30, 30), paper, np.uint8)
    a[10:20, 12:16] = ink
    Image.fromarray(a).save(path)
    return str(path)


def test_no_ink_says_what_was_measured_in_the_users_grey_levels_in_both_clis(tmp_path, capsys):
    files = [
        _gray_png(tmp_path / "blank.png", 255, 255),
        _gray_png(tmp_path / "faint-pencil.png", 255, 230),  # black-on-white drawn too lightly
        _gray_png(tmp_path / "faint-chalk.png", 5, 19),  # light on dark
    ]
    status, _, err = run(capsys, *files)
    assert status == 2
    assert err == [
        f"error: {files[0]}: NO_INK: no digit found: expected strokes at least 32 grey levels darker or lighter than "
        "the page, found a blank page (every pixel grey level 255; 0 is black, 255 white)",
        f"error: {files[1]}: NO_INK: no digit found: expected strokes at least 32 grey levels darker than the page, "
        "found a page of grey level 255 (0 is black, 255 white) whose darkest pixel is only 25 levels darker",
        f"error: {files[2]}: NO_INK: no digit found: expected strokes at least 32 grey levels lighter than the page, "
        "found a page of grey level 5 (0 is black, 255 white) whose lightest pixel is only 14 levels lighter",
    ]
    java = subprocess.run(
        ["java", "-jar", str(JAR), "predict", "--model", LINEAR, *files], capture_output=True, text=True, timeout=120
    )
    assert java.returncode == 2 and java.stderr.splitlines() == err


def test_a_strip_read_without_segment_says_how_many_digits_and_suggests_segment(capsys):
    strip = str(IMAGES / "strip-2024.png")
    status, out, _ = run(capsys, strip, DIGIT)
    assert status == 0
    assert out[0].endswith("; 4 digits found, read here as one: add --segment to read the number")
    assert "digits found" not in out[1]
    status, out, _ = run(capsys, "--json", strip, DIGIT)
    strip_record, digit_record = (json.loads(line) for line in out)
    assert strip_record["digits_found"] == 4 and "--segment" in strip_record["hint"]
    assert digit_record["digits_found"] == 1 and "hint" not in digit_record


def test_a_low_confidence_answer_is_flagged_in_the_line_and_the_json(capsys):
    unsure = str(IMAGES / "digit-001-black-on-white.png")  # the linear model: p = 0.30
    status, out, _ = run(capsys, unsure, DIGIT)
    assert status == 0
    assert out[0].endswith(" (low confidence: p < 0.8)") and float(out[0].split("p=")[1][:8]) < predict.LOW_CONFIDENCE
    assert "low confidence" not in out[1]
    _, out, _ = run(capsys, "--json", unsure, DIGIT)
    assert [json.loads(line)["digits"][0]["low_confidence"] for line in out] == [True, False]


def test_the_java_cli_words_the_several_digits_hint_and_low_confidence_as_python_does(capsys):
    files = [str(IMAGES / "strip-2024.png"), str(IMAGES / "digit-001-black-on-white.png"), DIGIT]
    for extra in ([], ["--json"]):
        java = subprocess.run(
            ["java", "-jar", str(JAR), "predict", "--model", LINEAR, *extra, *files],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert java.returncode == 0, java.stderr
        status, out, _ = run(capsys, *extra, *files)
        assert status == 0
        if extra:
            assert [json.loads(line) for line in java.stdout.splitlines()] == [
                {**json.loads(line), "runtime": "jvm-ort"} for line in out
            ]
        else:
            assert java.stdout.splitlines() == out[:-1]  # all but Python's summary line
            assert "digits found" in out[0] and "low confidence" in out[1] and "low confidence" not in out[2]


def test_the_java_cli_defaults_to_the_python_default_model(tmp_path):
    help_text = subprocess.run(
        ["java", "-jar", str(JAR), "predict", "--help"], capture_output=True, text=True, timeout=120
    ).stdout
    assert str(predict.DEFAULT_MODEL) in help_text and "[--model=FILE]" in help_text
    # Run where no models/ folder exists: the default is resolved against the working directory in both CLIs.
    java = subprocess.run(
        ["java", "-jar", str(JAR), "predict", DIGIT], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    python = subprocess.run(
        [sys.executable, "-m", "pybridge.predict", DIGIT],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert java.returncode == python.returncode == 2
    assert (
        java.stderr
        == python.stderr
        == (
            f"error: {predict.DEFAULT_MODEL}: IO: expected an ONNX model, found no such file under the working "
            f"directory {tmp_path} (run from the repository root, or pass --model)\n"
        )
    )
    if DEEPER_CNN.exists():  # and from the repository root both read it
        java = subprocess.run(
            ["java", "-jar", str(JAR), "predict", DIGIT], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert java.returncode == 0 and java.stdout == "".join(f"{line}\n" for line in _python_default(DIGIT))


def _python_default(*files: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pybridge.predict", *files], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()
