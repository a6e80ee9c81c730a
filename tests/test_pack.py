"""``data pack`` in Python and Java's ``pack``: a generated folder of users' images -> identical IDX files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pybridge import compare, data, errors, idx, pack
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


def _json_list(folder: Path, path: Path, as_numbers: bool) -> None:
    """The folder's images as a JSON list beside it (paths relative to the list), labels as text or numbers."""
    items = [
        {
            "file": f"{folder.name}/{p.relative_to(folder).as_posix()}",
            "label": int(p.parent.name) if as_numbers else p.parent.name,
            "note": "ignored",
        }
        for p in sorted(folder.glob("*/*"))
    ]
    path.write_text(json.dumps(items))


def test_a_json_list_packs_the_same_bytes_as_the_folder(folder, tmp_path, capsys):
    source, _ = folder
    from_folder, from_json = tmp_path / "folder", tmp_path / "json"
    assert data.main(["pack", str(source), "--out", str(from_folder), "--on-error", "skip"]) == 0
    listing = source.parent / "list.json"
    _json_list(source, listing, as_numbers=True)
    assert data.main(["pack", str(listing), "--out", str(from_json), "--on-error", "skip"]) == 0
    for name in (pack.IMAGES, pack.LABELS):
        assert (from_folder / name).read_bytes() == (from_json / name).read_bytes(), name
    record = json.loads((from_json / pack.PROVENANCE).read_text())
    assert record["files"][0]["file"].startswith(f"{source.name}/0/") and record["files"][0]["label"] == "0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"file": "a.png", "label": 1}', "expected a JSON list of {file, label} objects, found an object"),
        ('[{"file": "a.png", "label": 7.0}]', "item 1: expected a label as a string or a whole number, found 7.0"),
        ('[{"file": "a.png", "label": true}]', "item 1: expected a label as a string or a whole number, found true"),
        ('[{"file": "a.png"}]', "item 1: expected a label as a string or a whole number, found null"),
        (
            '[{"file": "a.png", "label": 12}]',
            "item 1: expected a label of one digit 0-9 (a number needs --segment), found '12'",
        ),
        (
            '[{"file": "a.png", "label": -1}]',
            "item 1: expected a label of one digit 0-9 (a number needs --segment), found '-1'",
        ),
        ('[{"label": 1}]', 'item 1: expected an object with a file name in "file", found {"label": 1}'),
        ('["a.png"]', 'item 1: expected an object with a file name in "file", found "a.png"'),
        ('[{"file": "a.png", "label": 1}, {"file": "a.png", "label": 2}]', "item 2: 'a.png' is listed twice"),
        (
            '[{"file": "a.png", "file": "b.png", "label": 1}]',
            "expected a JSON list of {file, label} objects, found invalid JSON (the key 'file' twice in one object)",
        ),
        ("[{]", "expected a JSON list of {file, label} objects, found invalid JSON"),
    ],
)
def test_a_bad_json_list_is_one_usage_line(tmp_path, capsys, text, message):
    listing = tmp_path / "labels.json"
    listing.write_text(text)
    assert data.main(["pack", str(listing), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"error: {listing}: {message}" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()


def test_in_test_split_takes_each_labels_share_in_even_steps():
    for percent in (1, 10, 20, 33, 50, 99):
        for n in (1, 7, 100, 1003):
            chosen = [rank for rank in range(n) if pack.in_test_split(rank, percent)]
            assert len(chosen) == n * percent // 100, (percent, n)
    assert [r for r in range(10) if pack.in_test_split(r, 20)] == [4, 9]
    assert [r for r in range(4) if pack.in_test_split(r, 50)] == [1, 3]


def test_test_percent_writes_the_four_file_layout_split_per_label(folder, tmp_path, capsys):
    source, written = folder
    out = tmp_path / "out"
    assert data.main(["pack", str(source), "--out", str(out), "--on-error", "skip", "--test-percent", "20"]) == 0
    per_label = [sum(lab == d for _, lab in written) * 20 // 100 for d in range(10)]
    assert f"(train {COUNT - sum(per_label)}, t10k {sum(per_label)})" in capsys.readouterr().out
    train, test = data.load("train", out), data.load("t10k", out)
    record = json.loads((out / pack.PROVENANCE).read_text())
    assert record["counts"] == {"train": train.count, "t10k": test.count} and record["test_percent"] == 20
    assert sorted(record["outputs"]) == sorted(
        [pack.images_name(p) for p in ("train", "t10k")] + [pack.labels_name(p) for p in ("train", "t10k")]
    )
    in_order = sorted(written, key=lambda w: w[0].encode())
    for label in range(10):
        files = [f for f, lab in in_order if lab == label]
        tested = [r["file"] for r in record["files"] if r["split"] == "t10k" and r["label"] == str(label)]
        assert tested == [f for rank, f in enumerate(files) if pack.in_test_split(rank, 20)]
    assert np.bincount(test.labels.data, minlength=10).tolist() == per_label
    # Together the two splits hold exactly the one-split pack's images, each once.
    whole = tmp_path / "whole"
    assert data.main(["pack", str(source), "--out", str(whole), "--on-error", "skip"]) == 0
    one = data.load("t10k", whole).images.data.reshape(len(in_order), -1)
    both = np.concatenate([train.images.data, test.images.data]).reshape(len(in_order), -1)
    assert sorted(map(bytes, one)) == sorted(map(bytes, both))


def test_layout_options_are_checked_before_anything_is_written(folder, tmp_path, capsys):
    source, _ = folder
    out = tmp_path / "out"
    for bad in (["--test-percent", "0"], ["--test-percent", "100"], ["--prefix", "../up"], ["--prefix", ".hidden"]):
        assert data.main(["pack", str(source), "--out", str(out), "--on-error", "skip", *bad]) == 2, bad
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    with pytest.raises(SystemExit):  # argparse: the two layouts exclude each other
        data.main(["pack", str(source), "--out", str(out), "--prefix", "mine", "--test-percent", "20"])
    with pytest.raises(errors.UsageError, match="found both"):
        pack.pack(source, out, prefix="mine", test_percent=20)
    assert not out.exists()
    # Too few images for a split: refused rather than an empty test set.
    few = tmp_path / "few"
    (few / "4").mkdir(parents=True)
    shutil.copy(IMAGES_DIR / "digit-000-black-on-white.png", few / "4" / "a.png")
    assert data.main(["pack", str(few), "--out", str(out), "--test-percent", "20"]) == 2
    assert "expected samples in both splits at --test-percent 20, found none for t10k" in capsys.readouterr().err
    assert not out.exists()


def test_prefix_names_the_two_files(folder, tmp_path, capsys):
    source, _ = folder
    out = tmp_path / "out"
    assert data.main(["pack", str(source), "--out", str(out), "--on-error", "skip", "--prefix", "mine.v2"]) == 0
    assert "mine.v2-images-idx3-ubyte.gz, mine.v2-labels-idx1-ubyte.gz, PACK.json" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "PACK.json",
        "mine.v2-images-idx3-ubyte.gz",
        "mine.v2-labels-idx1-ubyte.gz",
    ]


def test_java_writes_the_same_four_files_and_reads_the_same_json_list(folder, jar, tmp_path):
    source, _ = folder
    listing = source.parent / "list-text.json"
    _json_list(source, listing, as_numbers=False)
    for args, names in (
        ([str(source), "--test-percent", "20"], ["train", "t10k"]),
        ([str(listing), "--prefix", "mine"], ["mine"]),
    ):
        py, java = tmp_path / "py", tmp_path / "java"
        assert data.main(["pack", *args, "--out", str(py), "--on-error", "skip"]) == 0
        done = _java_pack(jar, *args, "--out", str(java), "--on-error", "skip")
        assert done.returncode == 0, done.stderr
        for name in [pack.images_name(n) for n in names] + [pack.labels_name(n) for n in names]:
            assert (py / name).read_bytes() == (java / name).read_bytes(), name
        py_record, java_record = (json.loads((d / pack.PROVENANCE).read_text()) for d in (py, java))
        assert {k: v for k, v in py_record.items() if k != "versions"} == {
            k: v for k, v in java_record.items() if k != "versions"
        }
        shutil.rmtree(py), shutil.rmtree(java)
