"""The HTML parity report: headline, summary, run metadata, gallery, charts, and how it renders in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from PIL import Image

from pybridge import compare, data, report
from pybridge.runtimes.base import RunOutput
from tests.conftest import TEST_MODELS

CHROMIUM = Path("/usr/bin/chromium")
LIMIT = "200"  # enough images for a gallery and a matrix, few enough to keep each run under a few seconds


# --- helpers -------------------------------------------------------------------------------------------------


def _sections(page: str) -> dict[str, str]:
    """Each model section's html, keyed by the path its heading shows."""
    parts = re.split(r'(?=<h2 id="model-\d+">)', page)[1:]
    found = {}
    for part in parts:
        heading = re.match(r'<h2 id="model-\d+">\d+\. (.*?) <span', part).group(1)
        found[heading] = part
    return found


def _matrix(section: str) -> np.ndarray:
    table = re.search(r"<table class='cm'>(.*?)</table>", section).group(1)
    rows = re.findall(r"<tr><th>\d</th>(.*?)</tr>", table)
    return np.array([[int(v) for v in re.findall(r">(\d+)</td>", row)] for row in rows])


def _summary_models(page: str) -> list[str]:
    summary = re.search(r'<table class="summary">(.*?)</table>', page, re.S).group(1)
    return re.findall(r'<a href="#model-\d+">(.*?)</a>', summary)


def _fake(model: Path, probabilities: dict[str, np.ndarray], golden: float = 0.0) -> compare.Measurement:
    outputs = {
        name: RunOutput(name, p.astype(np.float32), "same", "CPUExecutionProvider", {"inference": 0.1}, {}, golden)
        for name, p in probabilities.items()
    }
    return compare.Measurement(model, 1e-6, outputs)


def _one_hot(predicted: np.ndarray, confidence: float = 0.9) -> np.ndarray:
    p = np.full((len(predicted), 10), (1 - confidence) / 9, dtype=np.float32)
    p[np.arange(len(predicted)), predicted] = confidence
    return p


@pytest.fixture(scope="module")
def test_set(mnist_dir) -> data.TestSet:
    return data.load_test_set(mnist_dir)


def _write(tmp_path, test_set, measurements: list[compare.Measurement], atol: float = 1e-6) -> str:
    labels = test_set.dataset.labels.data
    tol = compare.Tolerance(atol, 0.0, "given on the command line")
    results, outputs = [], {}
    for m in measurements:
        n = len(next(iter(m.outputs.values())).probabilities)
        results.append(compare.judge(m, labels[:n], tol))
        outputs[str(m.model)] = m.outputs
    return report.write_report(tmp_path / "report", results, outputs, test_set).read_text()


# --- the page, from made-up outputs (no JVM) -----------------------------------------------------------------


def test_models_with_the_same_file_name_keep_their_own_matrix(tmp_path, test_set):
    labels = test_set.dataset.labels.data[:100]
    right = _one_hot(labels)
    zeros = _one_hot(np.zeros(100, dtype=np.int64))
    a, b = tmp_path / "a" / "m.onnx", tmp_path / "b" / "m.onnx"
    page = _write(
        tmp_path,
        test_set,
        [_fake(a, {"python-ort": right, "jvm-ort": right}), _fake(b, {"python-ort": zeros, "jvm-ort": zeros})],
    )
    sections = _sections(page)
    assert set(sections) == {report.display_path(str(a)), report.display_path(str(b))}
    assert np.array_equal(_matrix(sections[report.display_path(str(a))]), report.confusion(labels, labels))
    assert np.array_equal(_matrix(sections[report.display_path(str(b))]), report.confusion(labels, 0 * labels))


def test_gallery_shows_mistakes_disagreements_and_near_flips_with_why_and_a_bound(tmp_path, test_set):
    labels = test_set.dataset.labels.data[:100].astype(np.int64)
    python = _one_hot(labels)
    wrong = np.arange(30)  # 30 misclassified by both runtimes: more than one category shows
    python[wrong] = _one_hot((labels[wrong] + 1) % 10)
    jvm = python.copy()
    jvm[50] = _one_hot(np.array([(labels[50] + 2) % 10]), 0.99)[0]  # the one disagreement, the surest mistake
    python[70, labels[70]], python[70, (labels[70] + 3) % 10] = 0.5, 0.4999  # closest to flipping
    jvm[70] = python[70]
    page = _write(tmp_path, test_set, [_fake(tmp_path / "m.onnx", {"python-ort": python, "jvm-ort": jvm})])

    assert f"Misclassified (most confident mistakes first): {report.GALLERY_LIMIT} of 31</h3>" in page
    assert "Runtimes disagree: 1</h3>" in page
    assert f"Closest to flipping (smallest top-2 margin): {report.GALLERY_LIMIT} of 100</h3>" in page
    cards = re.findall(r'<div class="card">.*?shown: (.*?)</div></div>', page)
    assert len(cards) == 3 * report.GALLERY_LIMIT - (report.GALLERY_LIMIT - 1)
    assert cards.count("misclassified by every runtime") == report.GALLERY_LIMIT - 1
    assert "misclassified by jvm-ort" in cards and "the runtimes predict different digits" in cards
    assert cards[report.GALLERY_LIMIT + 1].startswith("top-2 margin 0.0001")
    image_70 = re.search(r'<div class="card"><img[^>]*alt="test image 70, label (\d)">(.*?)</div></div>', page)
    assert f"label {labels[70]}</b>" in image_70.group(2)
    assert "python-ort = jvm-ort: <span>" in image_70.group(2)  # bit-identical here: one line
    image_50 = re.search(r'<div class="card"><img[^>]*alt="test image 50, label (\d)">(.*?)</div></div>', page)
    assert f"python-ort: <span>{labels[50]}</span>" in image_50.group(2)
    assert f'jvm-ort: <span class="wrong">{(labels[50] + 2) % 10}</span> (0.9900)' in image_50.group(2)
    assert '<span class="wrong">' in page  # a wrong prediction is marked


def test_the_headline_tells_a_runtime_disagreement_from_a_changed_file(tmp_path, test_set):
    labels = test_set.dataset.labels.data[:100]
    python = _one_hot(labels)
    jvm = python.copy()
    jvm[5] = _one_hot(np.array([(labels[5] + 1) % 10]))[0]
    model = tmp_path / "models" / "x.onnx"
    page = _write(tmp_path, test_set, [_fake(model, {"python-ort": python, "jvm-ort": jvm})])
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page).group(1)
    assert h1 == (
        f"FAIL: {report.display_path(str(model))} gives different digits in jvm-ort and python-ort for 1 of 100 "
        "images; gives probabilities in jvm-ort that differ from python-ort&#x27;s by up to 0.889, more than the "
        "tolerance (atol 1e-06)"
    )
    changed = _write(tmp_path, test_set, [_fake(model, {"python-ort": python, "jvm-ort": python}, golden=0.5)])
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", changed).group(1)
    assert h1.startswith(f"FAIL: {report.display_path(str(model))} failed its golden check in every runtime: the file")


def test_histogram_labels_are_readable_and_the_tolerance_is_marked(tmp_path, test_set):
    p = _one_hot(test_set.dataset.labels.data[:50])
    q = p.copy()
    q[0, 0] += 3e-7
    page = _write(tmp_path, test_set, [_fake(tmp_path / "m.onnx", {"python-ort": p, "jvm-ort": q})], atol=1e-6)
    svg = re.search(r"<svg.*?</svg>", page).group(0)
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 12
    marker = re.search(r'<line class="tol" x1="([\d.]+)"', svg)
    assert marker and "tolerance atol 1e-06" in svg
    # 1e-6 is the left edge of the "1e-6" bar
    bar = re.search(r'<text x="([\d.]+)" y="\d+" font-size="\d+">1e-6</text>', svg)
    assert abs(float(marker.group(1)) - float(bar.group(1))) < report.HIST_STEP / 2


def test_the_confusion_matrix_diagonal_is_light_enough_for_black_text(tmp_path, test_set):
    labels = test_set.dataset.labels.data[:100]
    page = _write(
        tmp_path, test_set, [_fake(tmp_path / "m.onnx", {"python-ort": _one_hot(labels), "jvm-ort": _one_hot(labels)})]
    )
    table = re.search(r"<table class='cm'>(.*?)</table>", page).group(1)
    for r, g, b in re.findall(r"background:rgb\((\d+),(\d+),(\d+)\)", table):
        luminance = (0.2126 * int(r) + 0.7152 * int(g) + 0.0722 * int(b)) / 255
        assert luminance > 0.6, f"cell rgb({r},{g},{b}) is too dark for black text"


def test_the_run_metadata_names_the_command_commit_and_versions(tmp_path, test_set):
    args = compare.parse_args(["--models", "models", "--limit", "7", "--atol", "0.001"], "x")
    info = report.RunInfo.collect(args, clock={"data check": 0.5}, wall=3.0, inference=1.5)
    assert info.command.startswith("python -m pybridge.compare --models models ")
    assert "--runtimes python-ort,jvm-ort" in info.command and "--limit 7" in info.command
    assert "--debug" not in info.command and info.limit == 7
    assert info.commit and set(info.versions) == {"Python", "numpy", "Java"}


# --- compare writes it, Chromium renders it ------------------------------------------------------------------


def _run_compare(out: Path, mnist_dir: Path, models: list[Path]) -> tuple[int, str, dict]:
    args = ["--models", *map(str, models), "--data", str(mnist_dir), "--limit", LIMIT]
    code = compare.main([*args, "--report", str(out / "report"), "--json", str(out / "parity.json")])
    return code, (out / "report" / "index.html").read_text(), json.loads((out / "parity.json").read_text())


def _screenshot(page: Path, png: Path, profile: Path) -> Image.Image:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        "--window-size=1400,2000",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and png.exists(), f"chromium: {done.returncode}: {done.stderr[-2000:]}"
    return Image.open(png).convert("RGB")


def _assert_not_blank(shot: Image.Image) -> None:
    assert shot.size == (1400, 2000)
    pixels = np.asarray(shot)
    ink = np.mean(np.any(pixels < 200, axis=2))
    assert ink > 0.02, f"only {ink:.2%} of the screenshot is not near-white"
    packed = pixels.astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    assert len(np.unique(packed)) > 50  # text, tables, images and charts: many colours, not one flat fill


@pytest.mark.parametrize("case", ["passing", "failing"])
def test_chromium_renders_the_report_and_its_summary_lists_every_model(jvm, mnist_dir, tmp_path, case):
    models = [TEST_MODELS / "linear.onnx"] + ([TEST_MODELS / "linear_altered.onnx"] if case == "failing" else [])
    code, page, result = _run_compare(tmp_path, mnist_dir, models)
    assert code == (0 if case == "passing" else 1)
    assert _summary_models(page) == [report.display_path(str(m)) for m in models]

    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page).group(1)
    if case == "passing":
        assert h1 == "PASS: the model passes every check; jvm-ort and python-ort agree bit for bit"
    else:
        altered = report.display_path(str(TEST_MODELS / "linear_altered.onnx"))
        assert h1.startswith(f"FAIL: {altered} failed its golden check in every runtime: the file changed after export")
        assert "JVM vs Python parity" not in page
    assert f"--limit {LIMIT}" in page and "overhead ratio" in page and "<th>inference</th>" in page
    assert result["data"]["uncompressed_md5"]["t10k-images"] in page
    assert (
        report.versions()["Java"] in page
        and f"<th>ONNX Runtime in python-ort</th><td>{onnxruntime.__version__}</td>" in page
    )

    shot = _screenshot(tmp_path / "report" / "index.html", tmp_path / f"{case}.png", tmp_path / "profile")
    _assert_not_blank(shot)  # the PNG stays in pytest's tmp_path (the last runs are kept) for a person to look at


def test_same_file_name_in_two_folders_through_compare(jvm, mnist_dir, tmp_path):
    for folder, source in (("a", "linear.onnx"), ("b", "linear_altered.onnx")):
        (tmp_path / folder).mkdir()
        shutil.copy(TEST_MODELS / source, tmp_path / folder / "linear.onnx")
    models = [tmp_path / "a" / "linear.onnx", tmp_path / "b" / "linear.onnx"]
    _, page, result = _run_compare(tmp_path, mnist_dir, models)
    sections = _sections(page)
    assert list(sections) == [report.display_path(str(m)) for m in models]
    for model in result["models"]:
        matrix = _matrix(sections[report.display_path(model["path"])])
        assert np.trace(matrix) / matrix.sum() == model["accuracy"]["python-ort"]
