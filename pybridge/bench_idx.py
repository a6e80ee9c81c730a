"""Benchmark of the IDX readers on the real 47 MB MNIST training images.

    python -m pybridge.bench_idx [--dir DIR] [--repeat N] [--jar JAR]

Prints medians over N runs and two ratios measured in this run: the strict reader on the uncompressed file
against ``numpy.fromfile`` (target <= 2.0) and on the gzip file against plain zlib decompression of the same
bytes (target <= 1.3). With ``--jar`` it also runs the Java reader's own benchmark on both files.
The machine is shared and noisy, so only medians and ratios are worth quoting.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pybridge import data, idx

TARGETS = {"raw": 2.0, "gzip": 1.3}


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm the page cache and the allocator
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _zlib_baseline(path: Path) -> bytes:
    return zlib.decompress(path.read_bytes(), wbits=31)


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.bench_idx") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Time the IDX readers against their baselines.")
    parser.add_argument("--dir", type=Path, default=None, help="MNIST directory (default: the fetch location)")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--jar", type=Path, help="also run the Java reader's bench-idx from this fat jar")
    args = parser.parse_args(argv)
    gz_path = (args.dir or data.default_dir()) / data.FILES["train-images"]
    if not gz_path.exists():
        print(f"error: {gz_path}: missing; run `python -m pybridge.data fetch`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        raw_path = Path(tmp) / "train-images-idx3-ubyte"
        raw_path.write_bytes(gzip.decompress(gz_path.read_bytes()))
        size_mb = raw_path.stat().st_size / 1e6
        rows = [
            (
                "raw",
                raw_path,
                lambda: idx.read_idx(raw_path),
                lambda: np.fromfile(raw_path, dtype=np.uint8),
                "numpy.fromfile",
            ),
            ("gzip", gz_path, lambda: idx.read_idx(gz_path), lambda: _zlib_baseline(gz_path), "zlib.decompress"),
        ]
        print(f"IDX read benchmark: {raw_path.name} ({size_mb:.1f} MB uncompressed), median of {args.repeat}")
        ok = True
        for kind, _path, ours, baseline, name in rows:
            t_ours, t_base = median_seconds(ours, args.repeat), median_seconds(baseline, args.repeat)
            ratio = t_ours / t_base
            ok &= ratio <= TARGETS[kind]
            print(
                f"  python {kind:4}: reader {t_ours * 1e3:7.1f} ms  {name} {t_base * 1e3:7.1f} ms  "
                f"ratio {ratio:.2f} (target <= {TARGETS[kind]})"
            )
        if args.jar:
            for _kind, path, *_ in rows:
                done = subprocess.run(
                    ["java", "-jar", str(args.jar), "bench-idx", str(path), "--repeat", str(args.repeat)],
                    capture_output=True,
                    text=True,
                )
                print("  java: " + (done.stdout.strip() or done.stderr.strip()).replace("\n", "\n  java: "))
    print("all ratios within target" if ok else "a ratio is over its target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
