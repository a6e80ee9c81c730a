"""Soak benchmark: one process, one JVM, the bridge and a DigitClassifier under sustained load, memory watched.

    python -m pybridge.soak [--model M] [--dir DIR] [--threads 8] [--rounds 12] [--cycles 1000]
                            [--failures 10000] [--bound 5] [--only NAME ...] [--json] [--debug]

Three scenarios, each printed as one figure with its bound:

- ``threads``: N Python threads share one classifier through the bridge, each classifying the MNIST t10k
  images chunk by chunk, round after round; every output must equal, bit for bit, a one-thread reference.
- ``cycles``: the classifier is opened (golden check included) and closed, over and over.
- ``failures``: bridge calls that fail: malformed IDX files read by the Java reader and a file that is not a
  model opened as one, each Java error mapped to its Python twin.

Memory is the process's resident set (Python, the JVM and native libraries together). Each scenario first
fills the JVM's young generation once (so its pages being touched for the first time do not count), then runs
in blocks of a tenth of its count, sampling RSS after each block once Python's and Java's garbage collectors
ran: memory a collector can free is not a leak, and collecting at the same pace throughout keeps what waits
for a collection (the JVM's direct buffers above all) at the same height in warm-up and measured part.
Warm-up ends after at least three blocks, two in a row having grown RSS by less than 1%, or after six; the
figure is the RSS growth over the measured part. Each line also gives the Python objects gained and the most
direct buffer memory the JVM held before a sample's collection.
Exit codes: 0 every figure within its bound, 1 a bound missed or an output differs, 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import enum
import gc
import gzip
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from pybridge import cli, data, errors
from pybridge.runtimes import jvm

SCENARIOS = ("threads", "cycles", "failures")
DEFAULT_MODEL = jvm.ROOT / "models" / "mlp.onnx"
CHUNK = 500  # images per predict call in the threads scenario
# At least three blocks and two settled ones in a row, not one: the JIT compiler's memory comes and goes in
# bursts over the first thousands of calls. A leak never settles, so it ends warm-up after six blocks and
# shows in the measured part.
SETTLED_PERCENT = 1.0
SETTLED_BLOCKS = 2
MIN_WARMUP_BLOCKS = 3
MAX_WARMUP_BLOCKS = 6


class Sample(NamedTuple):
    """Memory at one point, after both garbage collectors ran.

    Attributes:
        rss_mb: resident set size of the process (Python, the JVM and native libraries together).
        objects: Python objects tracked by the garbage collector, samples not counted.
        direct_mb: the JVM's direct buffer memory just before the collection, live or waiting for one.
    """

    rss_mb: float
    objects: int
    direct_mb: float = 0.0


@dataclass(frozen=True)
class Figure:
    """One scenario's outcome: RSS at the end of warm-up and of its measured part, against a bound.

    Attributes:
        name: the scenario.
        calls: bridge calls in the measured part.
        warmup_calls: bridge calls made before it.
        rss_before_mb, rss_after_mb, rss_peak_mb: RSS when the measured part starts, ends, and its highest sample.
        objects_growth: Python objects tracked by the garbage collector, after minus before.
        direct_peak_mb: the most direct buffer memory the JVM held just before a sample's collection (live
            buffers, and dead ones whose native memory only a collection returns).
        bound_percent: the largest RSS growth that passes (exclusive).
        seconds: wall time of warm-up and measured part.
        detail: what was run, in words.
        problems: anything else that failed (outputs that differ, errors of the wrong type).
    """

    name: str
    calls: int
    warmup_calls: int
    rss_before_mb: float
    rss_after_mb: float
    rss_peak_mb: float
    objects_growth: int
    direct_peak_mb: float
    bound_percent: float
    seconds: float
    detail: str
    problems: tuple[str, ...] = field(default=())

    @property
    def growth_percent(self) -> float:
        return (self.rss_after_mb - self.rss_before_mb) / self.rss_before_mb * 100

    @property
    def passed(self) -> bool:
        return self.growth_percent < self.bound_percent and not self.problems

    def line(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        text = (
            f"{self.name:8}  RSS {self.growth_percent:+.1f}% (bound < {self.bound_percent:g}%) {verdict}: "
            f"{self.rss_before_mb:.1f} -> {self.rss_after_mb:.1f} MB (peak {self.rss_peak_mb:.1f}) over "
            f"{self.calls} calls after {self.warmup_calls} warm-up; Python objects {self.objects_growth:+d}, "
            f"JVM direct buffers before gc <= {self.direct_peak_mb:.1f} MB, {self.seconds:.1f} s\n"
            f"          {self.detail}"
        )
        return text + "".join(f"\n          {problem}" for problem in self.problems)

    def to_json(self) -> dict:
        return {**asdict(self), "growth_percent": self.growth_percent, "passed": self.passed}


def rss_mb() -> float:
    """This process's resident set size in MB, from ``/proc/self/status``.

    Raises:
        UsageError: there is no ``/proc`` (the soak measures Linux processes only).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    raise errors.UsageError(
        errors.UsageReason.UNSUPPORTED,
        "soak: expected /proc/self/status (Linux) to read the resident set size, found none",
    )


class Probe:
    """Samples memory after both garbage collectors ran: what they can free is not a leak."""

    def __init__(self):
        self._jvm = jvm.JvmMemory()

    def touch_young_generation(self) -> None:
        """Fills the JVM's young generation with garbage once.

        A collection empties it but leaves its pages resident, so without this a scenario that makes
        little garbage shows the young generation's pages being touched for the first time as growth.
        """
        self._jvm.fill_young_generation()

    def sample(self) -> Sample:
        direct = self._jvm.direct_buffer_bytes()
        self._jvm.collect()
        objects = sum(type(o) is not Sample for o in gc.get_objects())
        return Sample(rss_mb(), objects, direct / 2**20)


def measure(
    name: str,
    work: Callable[[int], list[str]],
    calls: int,
    *,
    bound: float,
    probe,
    detail: str,
    unit: int = 1,
    block: int | None = None,
) -> Figure:
    """Warms ``work`` up until RSS settles, then runs it ``calls`` times and returns the figure.

    Warm-up and measured part run in blocks of the same size with a sample (and so both collectors) after each,
    so memory waiting for a collection peaks at the same height in both and only what survives one adds up.

    Args:
        work: ``work(n)`` makes n calls and returns the problems it saw (empty when all went as expected).
        block: calls per block; by default a tenth of ``calls``.
        probe: has ``touch_young_generation()`` and ``sample() -> Sample``.
        unit: bridge calls per unit of ``work`` (the threads scenario counts rounds of many calls).
    """
    block = block or max(1, calls // 10)
    start = time.perf_counter()
    problems: list[str] = []
    samples: list[Sample] = []
    measured: list[Sample] = []
    probe.touch_young_generation()
    samples.append(probe.sample())
    settled = 0
    while (settled < SETTLED_BLOCKS or len(samples) <= MIN_WARMUP_BLOCKS) and len(samples) <= MAX_WARMUP_BLOCKS:
        problems += work(block)
        samples.append(probe.sample())
        grew = samples[-1].rss_mb >= samples[-2].rss_mb * (1 + SETTLED_PERCENT / 100)
        settled = 0 if grew else settled + 1
    warm = (len(samples) - 1) * block
    base = samples[-1]
    measured.append(base)
    for done in range(0, calls, block):
        problems += work(min(block, calls - done))
        measured.append(probe.sample())
    last = measured[-1]
    return Figure(
        name,
        calls * unit,
        warm * unit,
        base.rss_mb,
        last.rss_mb,
        max(s.rss_mb for s in measured),
        last.objects - base.objects,
        max(s.direct_mb for s in samples + measured),
        bound,
        time.perf_counter() - start,
        detail,
        tuple(dict.fromkeys(problems)),  # each distinct problem once, in order
    )


class Soak:
    """The scenarios, sharing one JVM and one set of Java classes."""

    def __init__(self, model: Path, images: Path):
        # One intra-op thread and the library's default batch: outputs are deterministic.
        self.runtime = jvm.JvmRuntime()
        self.model, self.images = model, images

    def open(self) -> jvm.JvmModel:
        return self.runtime.open(self.model, check_golden=True)

    def threads(self, threads: int, rounds: int, bound: float, probe) -> Figure:
        # Slices share the image buffer; predict reads from a buffer's position without moving it, so
        # threads can share them.
        chunks = self.runtime.read_images(self.images).chunks(CHUNK)
        count = len(chunks) * CHUNK
        with self.open() as classifier:
            reference = [classifier.predict_buffer(chunk, CHUNK).copy() for chunk in chunks]

            def rounds_on(thread: int, n: int) -> int:
                differ = 0
                for _ in range(n):
                    for j in range(len(chunks)):
                        i = (j + thread) % len(chunks)  # threads start on different chunks
                        found = classifier.predict_buffer(chunks[i], CHUNK)
                        differ += not np.array_equal(found.view(np.uint32), reference[i].view(np.uint32))
                return differ

            # One pool for the whole run: each thread attaches to the JVM once, as a server's would.
            with ThreadPoolExecutor(max_workers=threads) as pool:

                def work(n: int) -> list[str]:
                    differ = sum(f.result() for f in [pool.submit(rounds_on, t, n) for t in range(threads)])
                    if differ:
                        return [f"{differ} outputs differ from the one-thread reference"]
                    return []

                return measure(
                    "threads",
                    work,
                    rounds,
                    bound=bound,
                    probe=probe,
                    detail=(
                        f"{threads} threads x {rounds} rounds of {count} images in calls of {CHUNK}, "
                        "outputs compared bit for bit with one thread's"
                    ),
                    unit=threads * len(chunks),
                )

    def cycles(self, cycles: int, bound: float, probe) -> Figure:
        def work(n: int) -> list[str]:
            for _ in range(n):
                self.open().close()
            return []

        return measure(
            "cycles",
            work,
            cycles,
            bound=bound,
            probe=probe,
            detail=f"open (golden check on) and close {self.model.name}",
        )

    def failures(self, failures: int, bound: float, probe) -> Figure:
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            calls = self._failing_calls(Path(tmp))

            def work(n: int) -> list[str]:
                problems = []
                for i in range(n):
                    label, call, expected = calls[i % len(calls)]
                    try:
                        call()
                        problems.append(f"{label}: expected {_name(expected)}, found no error")
                    except errors.DigitBridgeError as exc:
                        if exc.reason is not expected:
                            problems.append(f"{label}: expected {_name(expected)}, found {_name(exc.reason)}")
                return problems

            return measure(
                "failures",
                work,
                failures,
                bound=bound,
                probe=probe,
                detail="failing calls in turn: " + ", ".join(label for label, _, _ in calls),
            )

    def _failing_calls(self, tmp: Path) -> list[tuple[str, Callable[[], object], enum.Enum]]:
        """Malformed inputs written on the spot, each with the bridge call that must fail and its error's reason."""
        header = bytes([0, 0, 8, 1, 0, 0, 0, 4])  # ubyte, one dimension of 4
        damaged_gzip = bytearray(gzip.compress(header + bytes(4)))
        damaged_gzip[-8] ^= 0xFF  # the CRC-32 of the trailer
        files = {
            "bad_magic.idx": (bytes([1]) + header[1:] + bytes(4), errors.IdxReason.BAD_MAGIC),
            "truncated.idx": (header + bytes(3), errors.IdxReason.TRUNCATED_DATA),
            "trailing.idx": (header + bytes(5), errors.IdxReason.TRAILING_DATA),
            "bad_crc.idx.gz": (bytes(damaged_gzip), errors.IdxReason.CORRUPT_GZIP),
        }
        calls = []
        for name, (content, error) in files.items():
            (tmp / name).write_bytes(content)
            calls.append((f"read {name}", self._read_call(tmp / name), error))
        calls.append(("read missing.idx", self._read_call(tmp / "missing.idx"), errors.IdxReason.IO))
        not_a_model = tmp / "not_a_model.onnx"
        not_a_model.write_bytes(b"this is not an ONNX model\n" * 4)
        calls.append(
            (
                "open not_a_model.onnx",
                lambda: self.runtime.open(not_a_model, check_golden=True),
                errors.ModelReason.MODEL_INVALID,
            )
        )
        return calls

    def _read_call(self, file: Path) -> Callable[[], object]:
        return lambda: self.runtime.read_images(file)


def _name(reason: enum.Enum) -> str:
    return f"{type(reason).__name__}.{reason.name}"


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.soak") -> int:
    parser = cli.parser(prog, __doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="default: models/mlp.onnx")
    parser.add_argument("--dir", type=Path, default=None, help="MNIST directory (default: the fetch location)")
    parser.add_argument("--threads", type=int, default=8, help="threads sharing the classifier (default 8)")
    parser.add_argument("--rounds", type=int, default=12, help="rounds over t10k per thread, measured (default 12)")
    parser.add_argument("--cycles", type=int, default=1000, help="open/close cycles, measured (default 1000)")
    parser.add_argument("--failures", type=int, default=10000, help="failing calls, measured (default 10000)")
    parser.add_argument("--bound", type=float, default=5.0, help="largest RSS growth in %% that passes (default 5)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=SCENARIOS, help="scenarios to run")
    return cli.run(run, cli.finish(parser, argv, json="print the figures as JSON"))


def run(args: argparse.Namespace) -> int:
    for option in ("threads", "rounds", "cycles", "failures"):
        if getattr(args, option) < 1:
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT, f"--{option}: expected a count >= 1, found {getattr(args, option)}"
            )
    images = (args.dir or data.default_dir()) / data.FILES["t10k-images"]
    for path in (args.model, images):
        if not path.is_file():
            raise errors.UsageError(
                errors.UsageReason.MISSING_FILE,
                f"{path}: expected a file, found none (models: `make models`, MNIST: `make data`)",
            )
    soak = Soak(args.model, images)
    probe = Probe()
    if not args.json:
        traces = "kept" if jvm.NO_STACK_TRACES not in jvm.jvm_options() else "off"
        print(f"soak: {args.model}, {images.name}, Java stack traces {traces}, RSS sampled after gc in both runtimes")
    figures = []
    for name in args.only:
        if name == "threads":
            figure = soak.threads(args.threads, args.rounds, args.bound, probe)
        elif name == "cycles":
            figure = soak.cycles(args.cycles, args.bound, probe)
        else:
            figure = soak.failures(args.failures, args.bound, probe)
        figures.append(figure)
        if not args.json:
            print("  " + figure.line(), flush=True)
    passed = all(figure.passed for figure in figures)
    if args.json:
        print(json.dumps({"passed": passed, "figures": [f.to_json() for f in figures]}, indent=2))
    else:
        print("every figure within its bound" if passed else "a figure missed its bound")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
