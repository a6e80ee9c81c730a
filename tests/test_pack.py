"""``data pack`` in Python and Java's ``pack``: a generated folder of users' images -> identical IDX files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pybridge import compare, data, idx, pack
from tests.conftest import ROOT, TEST_MODELS

sys.path.insert(0, str(ROOT / "tests" / "data"))
from make_digit_folder import CORRUPT, write_folder

COUNT = 300
IMAGES_DIR = ROOT / "tests" / "data" / "images"


@pytest.fixture(scope="module")
def folder(tmp_path_factory, mnist_dir) -> tuple[Path, list[tuple[str, int]]]:
    root = tmp_path_factory.mktemp("digits") / "mine"
    return root, write_folder(root, COUNT)


def _java_pack(jar: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["java", "-jar", str(jar), "pack", *args], capture_output=True, text=True)


def test_default_refuses_the_corrupt_file_and_writes_nothing(folder, tmp_path, capsys):
    source, _ = folder
    assert data.main(["pack", str(source), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"refused: {CORRUPT}: TRUNCATED: expected the IDAT chunk's data and CRC" in err
    assert f"error: {source}: 1 of {COUNT + 1} files refused, nothing written" in err
    assert not (tmp_path / "out").exists()


def test_skip_packs_the_rest_sorted_and_deterministic(folder, tmp_path, capsys):
    source, written = folder
    for run in ("a", "b"):
        assert data.main(["pack", str(source), "--out", str(tmp_path / run), "--on-error", "skip"]) == 0
    out = capsys.readouterr().out
    assert f"skipped: {CORRUPT}: TRUNCATED:" in out and f"packed {COUNT} samples from {COUNT} files (1 skipped)" in out
    for name in (pack.IMAGES, pack.LABELS):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    packed = data.load("t10k", tmp_path / "a")
    in_order = sorted(written, key=lambda w: w[0].encode())
    assert packed.labels.data.tolist() == [label for _, label in in_order]
    assert packed.images.header.shape == (COUNT, 28, 28)
    record = json.loads((tmp_path / "a" / pack.PROVENANCE).read_text())
    assert [f["file"] for f in record["files"]] == [name for name, _ in in_order]
    assert record["skipped"][0]["file"] == CORRUPT and record["skipped"][0]["reason"] == "TRUNCATED"
    assert record["mode"] == "mnist" and record["count"] == COUNT and len(record["files"][0]["sha256"]) == 64
    test_set = data.load_test_set(tmp_path / "a")
    assert test_set.packed == str(source) and test_set.title == "packed" and not test_set.card_data


def test_csv_with_segmented_strips_and_a_wrong_count(tmp_path, capsys):
    for name in ("strip-17.png", "strip-2024.png", "digit-000-black-on-white.png"):
        shutil.copy(IMAGES_DIR / name, tmp_path / name)
    listing = tmp_path / "labels.csv"
    listing.write_text("file,label\nstrip-2024.png,2024\r\nstrip-17.png,17\ndigit-000-black-on-white.png,75\n")
    out = tmp_path / "out"
    assert data.main(["pack", str(listing), "--out", str(out), "--segment", "--on-error", "skip"]) == 0
    assert "skipped: digit-000-black-on-white.png: LABEL_MISMATCH: expected 2 digits for label 75, found 1" in (
        capsys.readouterr().out
    )
    assert data.load("t10k", out).labels.data.tolist() == [1, 7, 2, 0, 2, 4]  # strip-17 sorts first
    # Without --segment a number is not a label.
    assert data.main(["pack", str(listing), "--out", str(out)]) == 2
    assert "expected a label of one digit 0-9 (a number needs --segment), found '2024'" in capsys.readouterr().err


def test_a_source_that_is_not_label_folders_is_bad_usage(tmp_path, capsys):
    (tmp_path / "src" / "seven").mkdir(parents=True)
    assert data.main(["pack", str(tmp_path / "src"), "--out", str(tmp_path / "out")]) == 2
    assert "expected a label of one digit 0-9" in capsys.readouterr().err
    assert data.main(["pack", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2


def test_gzip_member_is_zlib_level_6_with_mtime_0():
    payload = bytes(range(256)) * 100
    member = idx.gzip_member(payload)
    import gzip

    assert member == gzip.compress(payload, compresslevel=6, mtime=0) and gzip.decompress(member) == payload


def test_java_pack_is_byte_identical_and_compare_runs_on_it(folder, jar, jvm, tmp_path, capsys):
    source, _ = folder
    py, java = tmp_path / "py", tmp_path / "java"
    assert data.main(["pack", str(source), "--out", str(py), "--on-error", "skip"]) == 0
    refused = _java_pack(jar, str(source), "--out", str(java))
    assert refused.returncode == 2 and f"refused: {CORRUPT}: TRUNCATED:" in refused.stderr
    assert not java.exists()
    done = _java_pack(jar, str(source), "--out", str(java), "--on-error", "skip")
    assert done.returncode == 0, done.stderr
    assert f"skipped: {CORRUPT}: TRUNCATED:" in done.stdout
    for name in (pack.IMAGES, pack.LABELS):
        assert (py / name).read_bytes() == (java / name).read_bytes(), name
    py_record, java_record = (json.loads((d / pack.PROVENANCE).read_text()) for d in (py, java))
    for key in ("count", "outputs", "files", "skipped"):
        assert py_record[key] == java_record[key], key
    capsys.readouterr()

    report = tmp_path / "compare.json"
    assert compare.main(["--data", str(java), "--models", str(TEST_MODELS / "linear.onnx"), "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert f"test set: {java}: your images, packed from {source} ({COUNT} samples, 1 files skipped" in out
    assert "not on this packed one" in out
    row = next(line for line in out.splitlines() if line.startswith("linear"))
    result = json.loads(report.read_text())
    accuracy = result["models"][0]["accuracy"]
    assert accuracy["python-ort"] == accuracy["jvm-ort"] and 0.5 < accuracy["python-ort"] < 1.0
    assert f"{accuracy['python-ort']:.2%} / {accuracy['jvm-ort']:.2%}" in row and "PASS" in row
    assert result["data"]["packed_from"] == str(source)
    labels = data.load("t10k", java).labels.data
    assert np.bincount(labels, minlength=10).sum() == COUNT

    # Java's evaluate takes the packed files as they are, and scores them as Python did.
    files = ["--images", str(java / pack.IMAGES), "--labels", str(java / pack.LABELS)]
    model = ["--model", str(TEST_MODELS / "linear.onnx")]
    scored = subprocess.run(["java", "-jar", str(jar), "evaluate", *model, *files], capture_output=True, text=True)
    correct = round(accuracy["jvm-ort"] * COUNT)
    assert scored.returncode == 0 and f"({correct}/{COUNT})" in scored.stdout, scored.stdout + scored.stderr


def test_bench_pack_prints_both_figures(capsys):
    from pybridge import bench_pack

    assert bench_pack.main(["--count", "3", "--predict", "1"]) == 0
    out = capsys.readouterr().out
    assert "python pack" in out and "python predict singly" in out and "faster than predicting one by one" in out
