"""Benchmark of the IDX readers on the real 47 MB MNIST training images.

    python -m pybridge.bench_idx [--dir DIR] [--repeat N] [--jar JAR] [--rounds N]

Prints medians over N runs and two ratios measured in this run: the strict reader on the uncompressed file
against ``numpy.fromfile`` (target <= 2.0) and on the gzip file against plain zlib decompression of the same
bytes (target <= 1.3). With ``--jar`` it also runs the Java reader's own benchmark on both files, and the Java
reader against ``numpy.fromfile`` on the uncompressed file in one process (the Java reader through JPype, in this
process's JVM): ``--rounds`` paired rounds of two reads a side (A B B A, A swapping every round), one Java/numpy
ratio of wall times per round, judged on the median's 95% interval (target <= 1.5; ``pybridge.benchstats``). The Java
side's direct buffers are freed by a garbage collection between rounds, outside the timing, as numpy frees its
arrays when they go out of scope.
The machine is shared and noisy, so only medians and ratios are worth quoting.

    python -m pybridge.bench_idx --memory [--elements N] [--jar JAR]

measures memory instead: it writes N float64 zeros (default 2^26, 512 MiB) as a sparse plain file and as a
gzip file in a temporary folder, reads each in a fresh process and prints the peak resident set size above
that of an idle interpreter, against the data size (target <= 1.1: the output plus small buffers, see
docs/idx-format.md). With ``--jar`` it prints the JVM's peak for the same files too (not held to a target:
the JVM's own footprint is part of it). ``--elements 268435455`` is the largest double file the limit allows.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pybridge import benchstats, cli, data, errors, idx

TARGETS = {"raw": 2.0, "gzip": 1.3}
JAVA_RAW_TARGET = 1.5  # Java IdxReader.read / numpy.fromfile, the uncompressed training images
MEMORY_TARGET = 1.1
MEMORY_ELEMENTS = 1 << 26


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm the page cache and the allocator
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def java_raw_paired(raw_path: Path, rounds: int, warmup: int = 3) -> benchstats.Interval:
    """Java ``IdxReader.read`` against ``numpy.fromfile`` on ``raw_path``, in ``rounds`` ABAB rounds in this process;
    prints every round (both times, both sides' CPU time, the load average) and the target line."""
    import jpype

    from pybridge.runtimes import jvm

    jvm.start_jvm(build=False)
    reader = jpype.JClass(f"{jvm.PACKAGE}.idx.IdxReader")
    system = jpype.JClass("java.lang.System")
    java_path = jpype.JClass("java.nio.file.Path").of(str(raw_path))

    def java_side() -> None:
        reader.read(java_path).data().get(0)

    def numpy_side() -> None:
        np.fromfile(raw_path, dtype=np.uint8)

    # The same bytes, checked once before any timing: the data is the file's tail after its header.
    pixels = jvm.view(reader.read(java_path).data()).view(np.uint8)
    if not np.array_equal(pixels, np.fromfile(raw_path, dtype=np.uint8)[-pixels.size :]):
        raise errors.UsageError(
            errors.UsageReason.BAD_INPUT, f"{raw_path}: the Java reader's bytes differ from numpy's"
        )
    del pixels
    for _ in range(warmup):
        java_side()
        numpy_side()
    system.gc()

    def timed(side: Callable[[], None]) -> tuple[float, float]:
        cpu, start = benchstats.self_cpu(), time.perf_counter()
        side()
        return time.perf_counter() - start, benchstats.self_cpu() - cpu

    ratios, cpu_ratios, loads = [], [], []
    for r in range(rounds):
        load = os.getloadavg()[0]
        # Each round runs the sides A B B A, A swapping every round: the first read after a collection is slower
        # (the allocator maps fresh memory), and this way each side is first and last equally often.
        first, second = (java_side, numpy_side) if r % 2 else (numpy_side, java_side)
        times = {first: [], second: []}
        for side in (first, second, second, first):
            times[side].append(timed(side))
            system.gc()  # frees the Java side's direct buffer now, as numpy's array was freed on return
        jw, jc = (sum(t[i] for t in times[java_side]) for i in (0, 1))
        nw, nc = (sum(t[i] for t in times[numpy_side]) for i in (0, 1))
        ratios.append(jw / nw)
        cpu_ratios.append(jc / nc if nc else float("inf"))
        loads.append(load)
        print(
            f"  round {r + 1:2}/{rounds}: java 2 reads {jw * 1e3:6.1f} ms (cpu {jc * 1e3:6.1f}) numpy.fromfile "
            f"2 reads {nw * 1e3:6.1f} ms (cpu {nc * 1e3:6.1f}) ratio {jw / nw:.2f}; load {load:.2f}",
            flush=True,
        )
    interval = benchstats.median_interval(ratios)
    print(
        f"  load average (1 min) over the rounds: {min(loads):.2f} to {max(loads):.2f}; CPU-time ratio "
        f"{benchstats.median_interval(cpu_ratios).text()}"
    )
    print(
        "  "
        + benchstats.target_line(
            "target 4, Java IdxReader.read / numpy.fromfile (raw)", interval, JAVA_RAW_TARGET, at_most=True
        )
    )
    return interval


def _zlib_baseline(path: Path) -> bytes:
    return zlib.decompress(path.read_bytes(), wbits=31)


def write_zero_doubles(folder: Path, elements: int) -> tuple[Path, Path]:
    """Write ``elements`` float64 zeros as IDX twice: a sparse plain file and a gzip file, both streamed."""
    header = bytes([0, 0, 0x0E, 1]) + struct.pack(">I", elements)
    plain, packed = folder / "zeros.idx", folder / "zeros.idx.gz"
    with open(plain, "wb") as f:
        f.write(header)
        f.truncate(len(header) + 8 * elements)
    zeros = bytes(1 << 24)
    deflate = zlib.compressobj(1, zlib.DEFLATED, 31)
    with open(packed, "wb") as f:
        f.write(deflate.compress(header))
        left = 8 * elements
        while left:
            step = min(left, len(zeros))
            f.write(deflate.compress(zeros if step == len(zeros) else zeros[:step]))
            left -= step
        f.write(deflate.flush())
    return plain, packed


# Runs a command and prints the peak resident set size of that command alone, in KiB (Linux ru_maxrss).
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_rss_mb(cmd: list[str]) -> float:
    """Peak RSS of ``cmd`` run in a fresh process, in MB; raises if it fails."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run([sys.executable, "-c", _PEAK_RSS, *cmd], capture_output=True, text=True, env=env, check=True)
    code, kib = out.stdout.split()
    if code != "0":
        raise RuntimeError(f"{' '.join(cmd)} exited with {code}")
    return int(kib) * 1024 / 1e6


def memory_benchmark(elements: int, jar: Path | None) -> bool:
    """Print each reader's peak memory on a plain and a gzip file of ``elements`` doubles; True if in target."""
    data_mb = 8 * elements / 1e6
    python = [sys.executable, "-c"]
    idle = peak_rss_mb([*python, "import numpy; from pybridge import idx"])
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        files = dict(zip(("plain", "gzip"), write_zero_doubles(Path(tmp), elements), strict=True))
        print(
            f"IDX memory benchmark: double [{elements}] zeros, {data_mb:.1f} MB of data "
            f"(gzip file {files['gzip'].stat().st_size / 1e6:.1f} MB); idle interpreter {idle:.1f} MB"
        )
        for kind, path in files.items():
            peak = peak_rss_mb([*python, f"from pybridge import idx; idx.read_idx({str(path)!r})"])
            ratio = (peak - idle) / data_mb
            ok &= ratio <= MEMORY_TARGET
            print(
                f"  python {kind:5}: peak RSS {peak:8.1f} MB, above idle {peak - idle:8.1f} MB = "
                f"{ratio:.2f} x data (target <= {MEMORY_TARGET})"
            )
        if jar:
            for kind, path in files.items():
                peak = peak_rss_mb(["java", "-jar", str(jar), "idx-info", str(path)])
                print(f"  java   {kind:5}: peak RSS {peak:8.1f} MB (the JVM included; no target)")
    print("memory within target" if ok else "memory over its target")
    return ok


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.bench_idx") -> int:
    parser = cli.parser(prog, "Time the IDX readers against their baselines.")
    parser.add_argument("--dir", type=Path, default=None, help="MNIST directory (default: the fetch location)")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--jar", type=Path, help="also run the Java reader's bench-idx from this fat jar")
    parser.add_argument("--rounds", type=int, default=21, help="paired Java/numpy rounds with --jar (default 21)")
    parser.add_argument("--memory", action="store_true", help="measure peak memory instead of time")
    parser.add_argument("--elements", type=int, default=MEMORY_ELEMENTS, help="doubles in the --memory files")
    args = cli.finish(parser, argv)
    if args.memory and not 1 <= args.elements <= idx.MAX_DATA_BYTES // 8:
        parser.error(f"--elements must be 1 to {idx.MAX_DATA_BYTES // 8}")
    return cli.run(_benchmark, args)


def _benchmark(args: argparse.Namespace) -> int:
    if args.memory:
        return 0 if memory_benchmark(args.elements, args.jar) else 1
    gz_path = (args.dir or data.default_dir()) / data.FILES["train-images"]
    if not gz_path.exists():
        raise errors.UsageError(
            errors.UsageReason.MISSING_FILE, f"{gz_path}: missing; run `python -m pybridge.data fetch`"
        )
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
            print(f"Java IdxReader.read against numpy.fromfile on {raw_path.name}, {args.rounds} paired rounds:")
            java_raw_paired(raw_path, args.rounds)
    print("all ratios within target" if ok else "a ratio is over its target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
