"""Runtime specs (``name[:provider][@version]``, ``saved:FILE``), explicit devices, and each pair's budget."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pybridge import compare, errors
from pybridge.runtimes import python_ort, spec
from pybridge.runtimes.base import RunOutput
from tests.conftest import ROOT, TEST_MODELS


@pytest.mark.parametrize(
    ("text", "kind", "provider", "version"),
    [
        ("python-ort", "python-ort", "cpu", None),
        ("python-ort:cuda", "python-ort", "cuda", None),
        ("jvm-ort:cpu", "jvm-ort", "cpu", None),
        ("python-ort@1.27.0", "python-ort", "cpu", "1.27.0"),
        ("jvm-ort:cuda@1.29.0", "jvm-ort", "cuda", "1.29.0"),
        ("keras", "keras", None, None),
    ],
)
def test_good_specs(text, kind, provider, version):
    parsed = spec.parse(text)
    assert (parsed.text, parsed.kind, parsed.provider, parsed.version) == (text, kind, provider, version)


def test_saved_spec_takes_everything_after_the_prefix_as_its_file():
    parsed = spec.parse("saved:runs/gpu:box@2.npz")
    assert parsed.kind == "saved" and str(parsed.path) == "runs/gpu:box@2.npz" and parsed.provider is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("tflite", "an unknown runtime 'tflite'"),
        ("python-ort:gpu", "an unknown provider 'gpu'"),
        ("python-ort:", "an unknown provider ''"),
        ("python-ort@1.2", "a version '1.2' that is not X.Y.Z"),
        ("python-ort@latest", "a version 'latest' that is not X.Y.Z"),
        ("keras:cuda", "a provider or version on keras"),
        ("keras@3.15.1", "a provider or version on keras"),
        ("saved:", "no file after 'saved:'"),
        ("saved", "'saved' without ':FILE'"),
        ("Python-ORT", "an unknown runtime"),
    ],
)
def test_bad_specs_are_one_usage_line(text, found):
    with pytest.raises(errors.UsageError) as caught:
        spec.parse(text)
    message = str(caught.value)
    assert caught.value.reason is errors.UsageReason.BAD_ARGUMENT and caught.value.exit_code == 2
    assert message.startswith(f"runtime {text!r}: BAD_ARGUMENT: expected name[:cpu|cuda]") and found in message
    assert "\n" not in message


def test_the_same_runtime_twice_is_refused():
    with pytest.raises(errors.UsageError, match="expected each runtime once, found 'python-ort' and 'python-ort:cpu'"):
        spec.parse_list("python-ort,python-ort:cpu")
    assert [s.text for s in spec.parse_list("python-ort, python-ort:cuda")] == ["python-ort", "python-ort:cuda"]


@pytest.mark.parametrize("runtimes", ["python-ort:gpu,jvm-ort", "python-ort", "jvm-ort,jvm-ort", "saved:,python-ort"])
def test_compare_refuses_bad_runtimes_with_exit_2_and_one_line(runtimes, capsys):
    assert compare.main(["--models", str(TEST_MODELS / "linear.onnx"), "--runtimes", runtimes]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith("error: ")


def _compare_in_a_process(*runtimes: str, extra: tuple = ()) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pybridge.compare", "--models", str(TEST_MODELS / "linear.onnx"), "--limit", "10"]
    return subprocess.run(
        [*command, "--runtimes", ",".join(runtimes), *extra], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("cuda", ["python-ort:cuda", "jvm-ort:cuda"])
def test_cuda_where_there_is_none_is_one_line_and_exit_2(cuda, jar):
    done = _compare_in_a_process("python-ort", cuda)
    lines = [line for line in done.stderr.splitlines() if not line.startswith("progress: ")]
    assert done.returncode == 2 and done.stdout == ""
    assert lines == [lines[0]] and lines[0].startswith(f"error: {cuda}: UNSUPPORTED: expected ")
    assert "Traceback" not in done.stderr and "CUDAExecutionProvider" not in done.stderr.replace("found", "")


def test_a_cuda_session_falling_back_to_the_cpu_is_refused(monkeypatch):
    # onnxruntime-gpu installed but no usable GPU: ONNX Runtime offers CUDA, then quietly makes a CPU session.
    monkeypatch.setattr(
        python_ort.ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    real = python_ort.ort.InferenceSession

    def cpu_session(data, options, providers):
        return real(data, options, providers=["CPUExecutionProvider"])

    monkeypatch.setattr(python_ort.ort, "InferenceSession", cpu_session)
    runtime = python_ort.PythonOrtRuntime(device="cuda")
    with pytest.raises(errors.UsageError) as caught:
        runtime.load(TEST_MODELS / "linear.onnx")
    assert caught.value.reason is errors.UsageReason.UNSUPPORTED
    assert str(caught.value).startswith("python-ort:cuda: UNSUPPORTED: expected a CUDA session for ")
    assert "falling back to the CPU" in str(caught.value)


def test_strict_fp32_on_the_cpu_is_stated(jvm, mnist_dir, capsys):
    args = ["--models", str(TEST_MODELS / "linear.onnx"), "--data", str(mnist_dir), "--limit", "50"]
    assert compare.main([*args, "--strict-fp32"]) == 0
    out = capsys.readouterr().out
    assert "note: --strict-fp32: no runtime runs on CUDA" in out
    assert "  python-ort: CPUExecutionProvider, ONNX Runtime 1.28.0" in out
    assert "  jvm-ort: CPUExecutionProvider, ONNX Runtime 1.28.0" in out
    assert "jvm-ort vs python-ort: atol 1e-06 + rtol 0: same ONNX Runtime build" in out
    assert compare.strict_fp32_note([spec.parse("python-ort:cuda")], True) is None


def _run(provider="CPUExecutionProvider", **details) -> RunOutput:
    return RunOutput("r", np.zeros((1, 10), np.float32), "h", provider, {}, details)


HERE = {"cpu": "X", "cpu_flags_sha256": "f"}


def test_each_pair_gets_a_budget_with_its_reason():
    ort128 = _run(onnxruntime="1.28.0", optimization_level="ALL")
    same = compare.pair_budget(ort128, ort128, None, 0.0, HERE)
    assert same.atol == compare.CPU_ATOL and same.basis.startswith("same ONNX Runtime build (1.28.0")
    other = compare.pair_budget(ort128, _run(onnxruntime="1.32.0", optimization_level="ALL"), None, 0.0, HERE)
    assert other.atol == compare.VERSION_ATOL and other.basis.startswith("ONNX Runtime 1.28.0 vs 1.32.0: measured (")
    basic = compare.pair_budget(ort128, _run(onnxruntime="1.28.0", optimization_level="BASIC"), None, 0.0, HERE)
    assert basic.atol == compare.KERNELS_ATOL == 1e-5 and basic.basis.startswith(
        "optimisation ALL vs BASIC: measured ("
    )
    elsewhere = _run(onnxruntime="1.28.0", optimization_level="ALL", machine={"cpu": "Y", "cpu_flags_sha256": "g"})
    assert compare.pair_budget(ort128, elsewhere, None, 0.0, HERE).basis.startswith("another CPU: measured")
    assert compare.pair_budget(ort128, elsewhere, None, 0.0, HERE).atol == compare.KERNELS_ATOL
    tf32 = compare.pair_budget(ort128, _run("CUDAExecutionProvider", tf32=True), None, 0.0, HERE)
    assert tf32.atol == 2e-3 and "derived: TF32 rounds" in tf32.basis
    strict = compare.pair_budget(_run("CUDAExecutionProvider", tf32=False), ort128, None, 0.0, HERE)
    assert strict.atol == 1e-5 and "not yet measured on a GPU" in strict.basis
    stated = _run("keras", pair_budget={"atol": 1e-5, "basis": "the export gate's budget"})
    assert compare.pair_budget(ort128, stated, None, 0.0, HERE) == compare.Tolerance(
        1e-5, 0.0, "the export gate's budget"
    )
    given = compare.pair_budget(ort128, stated, 0.5, 0.1, HERE)
    assert (given.atol, given.rtol, given.basis) == (0.5, 0.1, "given on the command line")
