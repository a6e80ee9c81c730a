"""Saved runs: written by one process, compared later as a runtime, refused when made on other models or input."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import numpy as np
import pytest

from pybridge import compare, errors
from pybridge.runtimes import saved, versions
from tests.conftest import TEST_MODELS

LINEAR = TEST_MODELS / "linear.onnx"
ALTERED = TEST_MODELS / "linear_altered.onnx"


def _save(tmp_path, mnist_dir, model=LINEAR, limit="300", runtime="python-ort", name="run.npz"):
    file = tmp_path / name
    args = ["--models", str(model), "--data", str(mnist_dir), "--limit", limit, "--runtimes", runtime]
    assert compare.main([*args, "--save-run", str(file)]) == 0
    return file


def test_save_run_says_what_it_wrote(mnist_dir, tmp_path, capsys):
    file = _save(tmp_path, mnist_dir, limit="20")
    assert capsys.readouterr().out == f"saved: {file}: python-ort on 1 model(s), 20 images\n"


def _compare(file, mnist_dir, model=LINEAR, limit="300", *extra):
    args = ["--models", str(model), "--data", str(mnist_dir), "--limit", limit]
    return compare.main([*args, "--runtimes", f"jvm-ort,saved:{file}", *extra])


def test_a_saved_run_compares_with_a_live_jvm_run(jvm, mnist_dir, tmp_path, capsys):
    file = _save(tmp_path, mnist_dir)
    meta = saved.load(file)
    assert meta.runtime == "python-ort" and meta.images == 300 and meta.machine["hostname"]
    assert meta.models[0].model_sha256 == saved.model_sha256(LINEAR) and meta.models[0].details["onnxruntime"]
    assert _compare(file, mnist_dir, LINEAR, "300", "--json", str(tmp_path / "p.json")) == 0
    out = capsys.readouterr().out
    assert f"saved:{file}: CPUExecutionProvider, ONNX Runtime 1.28.0, optimisation ALL, saved by python-ort" in out
    assert f"saved:{file} vs jvm-ort: atol 1e-06 + rtol 0: same ONNX Runtime build" in out
    model = json.loads((tmp_path / "p.json").read_text())["models"][0]
    assert model["passed"] and model["pairs"][0]["bit_identical_values"] == 1.0
    assert model["runs"][f"saved:{file}"]["saved_runtime"] == "python-ort"
    assert model["pairs"][0]["budget"]["basis"].startswith("same ONNX Runtime build")


def test_a_saved_run_of_a_perturbed_model_still_fails_with_exit_1(jvm, mnist_dir, tmp_path, capsys):
    file = _save(tmp_path, mnist_dir, ALTERED, "100")
    assert _compare(file, mnist_dir, ALTERED, "100") == 1
    out = capsys.readouterr().out
    assert f"(b) golden pairs fail in saved:{file}" in out and "(b) golden pairs fail in jvm-ort" in out


def test_a_saved_run_of_another_model_is_refused(jvm, mnist_dir, tmp_path, capsys):
    file = _save(tmp_path, mnist_dir, LINEAR, "100")
    capsys.readouterr()
    assert _compare(file, mnist_dir, ALTERED, "100") == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if not line.startswith("progress: ")]
    assert out == "" and len(lines) == 1
    assert lines[0].startswith(f"error: {file}: NOT_COMPARABLE: expected a run of {ALTERED} (SHA-256 ")
    assert "found runs of linear (" in lines[0]


def test_a_saved_run_on_other_input_is_refused(jvm, mnist_dir, tmp_path, capsys):
    file = _save(tmp_path, mnist_dir, LINEAR, "100")
    capsys.readouterr()
    assert _compare(file, mnist_dir, LINEAR, "99") == 2  # another count
    other = tmp_path / "data"
    shutil.copytree(mnist_dir, other)
    images = other / "t10k-images-idx3-ubyte.gz"
    images.unlink()
    from pybridge import data, idx

    pixels = data.load("t10k", mnist_dir).images.data.copy()
    pixels[5, 10, 10] ^= 0x80  # one pixel of one image
    idx.write_idx(images, pixels, compress=True)
    assert _compare(file, other, LINEAR, "100") == 2
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("progress: ")]
    assert len(err) == 2 and all("NOT_COMPARABLE: expected a run of linear.onnx on the live input" in e for e in err)
    assert "(99 images" in err[0] and "found one on other input (100 images" in err[0]


def test_saving_needs_exactly_one_live_runtime(tmp_path, capsys):
    for runtimes in ("python-ort,jvm-ort", f"saved:{tmp_path / 'x.npz'}"):
        assert compare.main(["--runtimes", runtimes, "--save-run", str(tmp_path / "run.npz")]) == 2
        assert "--save-run: BAD_ARGUMENT: expected one live runtime to save" in capsys.readouterr().err
    assert compare.main(["--runtimes", "python-ort", "--save-run", str(tmp_path / "r.npz"), "--json", "-"]) == 2
    assert capsys.readouterr().err == (
        "error: --save-run: BAD_ARGUMENT: expected neither --json nor --report (saving compares nothing, so neither "
        "would have anything to say), found --json\n"
    )


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _meta(**changes) -> np.ndarray:
    entry = {
        "name": "linear", "model_sha256": "a" * 64, "input_sha256": "b" * 64, "provider": "CPUExecutionProvider",
        "details": {}, "golden_max_diff": 0.0, "array": "probabilities_0",
    }  # fmt: skip
    meta = {
        "format": saved.FORMAT, "version": 1, "runtime": "python-ort", "created": "now", "machine": {},
        "images": 3, "models": [entry],
    }  # fmt: skip
    meta.update(changes)
    return np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


GOOD = np.zeros((3, 10), np.float32)


@pytest.mark.parametrize(
    ("payload", "found"),
    [
        (b"not a zip at all", "no zip archive"),
        (_npz(meta=_meta())[:200], "BadZipFile"),
        (_npz(probabilities_0=GOOD), "no 'meta' array"),
        (_npz(meta=np.array([1.5]), probabilities_0=GOOD), "'meta' as float64"),
        (_npz(meta=np.frombuffer(b"{not json", np.uint8), probabilities_0=GOOD), "JSONDecodeError"),
        (_npz(meta=_meta(format="other"), probabilities_0=GOOD), "metadata of another format"),
        (_npz(meta=_meta(version=2), probabilities_0=GOOD), "format version 2"),
        (_npz(meta=_meta(images="3"), probabilities_0=GOOD), "'images' missing or not int"),
        (_npz(meta=_meta()), "models[0]: no array 'probabilities_0'"),
        (_npz(meta=_meta(), probabilities_0=GOOD.astype(np.float64)), "as float64 [3, 10], not float32 [3, classes]"),
        (_npz(meta=_meta(), probabilities_0=GOOD[:2]), "as float32 [2, 10]"),
        (
            _npz(meta=_meta(), probabilities_0=np.array([object()] * 3)),
            "Object arrays cannot be loaded when allow_pickle=False",
        ),
        (_npz(meta=_meta(models=[{"array": "probabilities_0"}]), probabilities_0=GOOD), "'model_sha256' missing"),
    ],
)
def test_a_corrupt_saved_run_is_one_line(tmp_path, payload, found):
    file = tmp_path / "run.npz"
    file.write_bytes(payload)
    with pytest.raises(errors.UsageError) as caught:
        saved.load(file)
    message = str(caught.value)
    assert caught.value.reason is errors.UsageReason.CORRUPT_FILE and "\n" not in message
    assert message.startswith(f"{file}: CORRUPT_FILE: expected a saved run") and found in message


def test_a_member_declaring_a_huge_size_is_refused_before_it_is_read(tmp_path):
    file = tmp_path / "run.npz"
    file.write_bytes(_npz(meta=_meta(), probabilities_0=GOOD))
    with zipfile.ZipFile(file) as z:
        assert {i.filename for i in z.infolist()} == {"meta.npy", "probabilities_0.npy"}
    saved.load(file)  # valid as written
    original = saved.MAX_ARRAY_BYTES
    try:
        saved.MAX_ARRAY_BYTES = 100
        with pytest.raises(errors.UsageError, match="an array of 248 bytes"):
            saved.load(file)
    finally:
        saved.MAX_ARRAY_BYTES = original


def test_a_missing_saved_run_is_one_line(tmp_path, capsys):
    assert compare.main(["--models", str(LINEAR), "--runtimes", f"python-ort,saved:{tmp_path / 'none.npz'}"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("progress: ")]
    assert err == [f"error: {tmp_path / 'none.npz'}: MISSING_FILE: expected a saved run, found no such file"]


def test_another_version_runs_in_its_own_process_and_a_perturbed_model_still_fails(jvm, mnist_dir, monkeypatch, capsys):
    # The whole versioned path offline: this process's own ONNX Runtime stands in for a cached venv's.
    monkeypatch.setattr(versions, "local_version", lambda kind: "0.0.0")
    monkeypatch.setattr(versions, "python_env", lambda version: __import__("sys").executable)
    args = ["--data", str(mnist_dir), "--limit", "100", "--runtimes", "jvm-ort,python-ort@1.28.0"]
    assert compare.main(["--models", str(LINEAR), *args]) == 0
    out = capsys.readouterr().out
    assert "python-ort@1.28.0: CPUExecutionProvider, ONNX Runtime 1.28.0" in out and "PASS" in out
    assert compare.main(["--models", str(ALTERED), *args]) == 1
    assert "(b) golden pairs fail in python-ort@1.28.0" in capsys.readouterr().out


def test_a_saved_run_at_another_optimisation_level_gets_the_measured_budget(jvm, mnist_dir, tmp_path, capsys):
    file = tmp_path / "none.npz"
    args = ["--models", str(LINEAR), "--data", str(mnist_dir), "--limit", "100"]
    assert compare.main([*args, "--runtimes", "python-ort", "--optimization", "NONE", "--save-run", str(file)]) == 0
    assert saved.load(file).models[0].details["optimization_level"] == "NONE"
    assert compare.main([*args, "--runtimes", f"jvm-ort,saved:{file}"]) == 0
    out = capsys.readouterr().out
    assert f"saved:{file}: CPUExecutionProvider, ONNX Runtime 1.28.0, optimisation NONE, saved by" in out
    assert f"saved:{file} vs jvm-ort: atol 1e-05 + rtol 0: optimisation ALL vs NONE: measured (" in out
