"""The GPU check stops at once, in one line and exit 2, where no NVIDIA GPU is listed."""

from __future__ import annotations

import os
import subprocess
import sys

from pybridge import gpucheck
from tests.conftest import ROOT

NO_GPU = "error: gpu-check: UNSUPPORTED: expected an NVIDIA GPU that `nvidia-smi -L` lists, found "


def _fake_smi(folder, output: str, code: int = 0) -> dict:
    smi = folder / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\nprintf '%s' '{output}'\nexit {code}\n")
    smi.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_gpus_reads_nvidia_smi(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert gpucheck.gpus() == ([], "no nvidia-smi on PATH (no NVIDIA driver)")
    monkeypatch.setattr(os, "environ", _fake_smi(tmp_path, "No devices were found", 6))
    assert gpucheck.gpus() == ([], "nvidia-smi listing none (No devices were found)")
    monkeypatch.setattr(os, "environ", _fake_smi(tmp_path, "GPU 0: NVIDIA A10 (UUID: GPU-1)\n"))
    assert gpucheck.gpus() == (["GPU 0: NVIDIA A10 (UUID: GPU-1)"], "")


def test_no_gpu_is_one_line_and_exit_2(tmp_path):
    env = _fake_smi(tmp_path, "No devices were found", 6)
    done = subprocess.run(
        [sys.executable, "-m", "pybridge.gpucheck"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == NO_GPU + "nvidia-smi listing none (No devices were found)\n"


def test_make_gpu_check_stops_before_installing_anything(tmp_path):
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", "PYTHON": sys.executable}
    # Under `make test` this make is a sub-make: its level and flags would come along and change its lines.
    for inherited in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS"):
        env.pop(inherited, None)
    (tmp_path / "nvidia-smi").write_text("#!/bin/sh\nexit 9\n")
    (tmp_path / "nvidia-smi").chmod(0o755)
    done = subprocess.run(["make", "-s", "gpu-check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and done.stdout == ""
    assert lines[0] == NO_GPU + "nvidia-smi listing none (exit 9)" and lines[1].startswith("make: ***")
