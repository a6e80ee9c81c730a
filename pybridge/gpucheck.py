"""The GPU check: CUDA against the CPU, in Python and in the JVM, over every shipped model, with TF32 and in strict
float32, each table printed (what `make gpu-check` runs after installing the GPU builds).

    python -m pybridge.gpucheck [--models PATH...] [--limit N] [--report DIR]

Stops first, in one line and exit 2, where no NVIDIA GPU is listed by ``nvidia-smi -L``: nothing else would run
on CUDA there. Each mode runs in its own process, because NVIDIA's libraries read ``NVIDIA_TF32_OVERRIDE`` (how
the strict mode turns TF32 off in the JVM, whose library has no TF32 option) once, when they start.
Exit codes: the worst of the two comparisons (0 both passed, 1 a check failed, 2 bad usage or input).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# CPU first: every CUDA run is compared with it (jvm-ort on the CPU is bit-identical to it, docs/parity.md).
RUNTIMES = "python-ort,python-ort:cuda,jvm-ort,jvm-ort:cuda"
MODES = {"tf32": [], "strict-fp32": ["--strict-fp32"]}


def gpus() -> tuple[list[str], str]:
    """The GPUs ``nvidia-smi -L`` lists, and what was found when it lists none."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return [], "no nvidia-smi on PATH (no NVIDIA driver)"
    try:
        done = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"nvidia-smi failing: {exc}"
    listed = [line for line in done.stdout.splitlines() if line.startswith("GPU ")]
    if not listed:
        said = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[0]
        return [], f"nvidia-smi listing none ({said})"
    return listed, ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pybridge.gpucheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", help="default: the shipped models")
    parser.add_argument("--limit", help="the first N test images only")
    parser.add_argument("--report", type=Path, help="write each mode's HTML report and JSON under DIR/MODE")
    args = parser.parse_args(argv)
    listed, found = gpus()
    if not listed:
        print(
            f"error: gpu-check: UNSUPPORTED: expected an NVIDIA GPU that `nvidia-smi -L` lists, found {found}",
            file=sys.stderr,
        )
        return 2
    print("\n".join(listed), flush=True)
    worst = 0
    for mode, flags in MODES.items():
        command = [sys.executable, "-m", "pybridge.compare", "--runtimes", RUNTIMES, *flags]
        if args.models:
            command += ["--models", *args.models]
        if args.limit:
            command += ["--limit", args.limit]
        if args.report:
            command += ["--report", str(args.report / mode), "--json", str(args.report / mode / "parity.json")]
        env = {**os.environ, "ORT_DISABLE_TELEMETRY": "1"}
        if flags:
            env["NVIDIA_TF32_OVERRIDE"] = "0"
        print(f"\n== {mode}: {' '.join(command[1:])}", flush=True)
        code = subprocess.run(command, env=env, check=False).returncode
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
