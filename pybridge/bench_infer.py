"""Inference throughput of the same model in Python ONNX Runtime and in the JVM, measured in one run.

    python -m pybridge.bench_infer --model M [--batch 256] [--threads 1] [--repeat 5] [--data DIR] [--jar JAR]

Both sides run the 10k MNIST test images with the same batch size, thread count and optimisation level, one
after the other so they never share the cores. Prints each side's median images/s (inference only, from the
float32 tensor; and from uint8 pixels, including the /255 decode), the JVM/Python ratio (target >= 0.97) and
the achieved GFLOP/s as a fraction of this CPU's estimated single-precision peak.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pybridge import data, idx
from pybridge.jvm import JAR
from pybridge.runners import PythonOrtRunner, to_input

TARGET = 0.97


def peak_gflops_per_core() -> tuple[float, str]:
    """Estimated fp32 peak of one core: clock x FMA lanes x 2 FMA units x 2 flops (an upper bound)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = set(re.search(r"^flags\s*:(.*)$", info, re.M).group(1).split()) if "flags" in info else set()
    mhz = [float(m) for m in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M)]
    ghz = max(mhz) / 1000 if mhz else 2.0
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    return ghz * lanes * 2 * 2, f"{ghz:.2f} GHz x {lanes} fp32 lanes x 2 FMA units x 2 flops"


def python_rates(model: Path, pixels: np.ndarray, batch: int, threads: int, repeat: int) -> dict[str, float]:
    runner = PythonOrtRunner(threads=threads, batch=batch, device="cpu")
    session = runner.session(model)
    x = to_input(pixels)
    runner.infer(session, x[: batch * 2])  # warm-up

    def median(fn) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    return {
        "inference": len(x) / median(lambda: runner.infer(session, x)),
        "from_uint8": len(x) / median(lambda: runner.infer(session, to_input(pixels))),
    }


def java_rates(jar: Path, model: Path, images: Path, batch: int, threads: int, repeat: int) -> dict[str, float]:
    cmd = [
        "java",
        "-jar",
        str(jar),
        "bench-infer",
        "--model",
        str(model),
        "--images",
        str(images),
        "--batch",
        str(batch),
        "--threads",
        str(threads),
        "--repeat",
        str(repeat),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench-infer failed ({done.returncode}): {done.stderr.strip()}")
    rates = dict(re.findall(r"^from (uint8|float32) .*= (\d+) images/s", done.stdout, re.M))
    return {"inference": float(rates["float32"]), "from_uint8": float(rates["uint8"])}


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.bench_infer") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--jar", type=Path, default=JAR)
    args = parser.parse_args(argv)
    images = (args.data or data.default_dir()) / data.FILES["t10k-images"]
    pixels = idx.read_idx(images).data
    card = args.model.with_suffix(".json")
    flops = json.loads(card.read_text()).get("flops_per_image") if card.exists() else None
    # Alternate the two sides so slow drift of the shared machine hits both alike.
    py = python_rates(args.model, pixels, args.batch, args.threads, args.repeat)
    jv = java_rates(args.jar, args.model, images, args.batch, args.threads, args.repeat)
    py2 = python_rates(args.model, pixels, args.batch, args.threads, args.repeat)
    py = {k: statistics.median([py[k], py2[k]]) for k in py}
    peak, how = peak_gflops_per_core()
    print(f"{args.model.name}: 10000 images, batch {args.batch}, {args.threads} thread(s), median of {args.repeat}")
    ok = True
    for key, label in (("inference", "inference only"), ("from_uint8", "from uint8 pixels")):
        ratio = jv[key] / py[key]
        ok &= key != "inference" or ratio >= TARGET
        line = f"  {label:18} python {py[key]:9.0f} img/s   jvm {jv[key]:9.0f} img/s   jvm/python {ratio:.2f}"
        if flops:
            gflops = jv[key] * flops / 1e9
            line += f"   jvm {gflops:.1f} GFLOP/s = {gflops / (peak * args.threads):.0%} of peak"
        print(line)
    print(f"  peak estimate per core: {peak:.0f} GFLOP/s ({how})")
    print(f"  target: jvm/python >= {TARGET} for inference only -> {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
