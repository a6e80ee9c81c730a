"""Process start to answer: the Java CLI against Python's ``predict`` on one image, and ``evaluate``'s fixed cost.

    python -m pybridge.bench_start [--model models/best.onnx] [--image PNG] [--rounds 12] [--jvm launcher|java-jar]
        [--jar JAR] [--java-option OPT]... [--json FILE]

The JVM command is ``tools/digitbridge-java``, the launcher the README tells Java users to run the CLI with (the
class-data sharing archive ``make cds`` builds, and C1 only), or with ``--jvm java-jar`` ``java [OPT...] -jar
JAR``. Each round runs ``JVM predict --model M IMAGE`` and ``python -m pybridge.predict --model M IMAGE`` as
new processes, one after the other, swapping which goes first every round (ABAB), and gives one JVM/Python ratio
of wall times; then ``JVM evaluate`` on a one-image IDX pair, whose wall time is the fixed cost every
``evaluate`` pays (start, native library, model, contract, golden check) before its images. Every round records
both sides' CPU time and the load average before it. Targets: the median ratio <= 0.8 and the median fixed cost
<= 0.15 s, each judged on its 95% interval (``pybridge.benchstats``): "missed" only when the whole interval is
beyond the target. Then ``--trace-runs`` more one-image ``evaluate`` runs with the library's start-up trace on
(``-Ddigitbridge.trace=true`` through ``JAVA_TOOL_OPTIONS``) print where the fixed cost goes: when each phase
ended, after the process was started, and on which thread. Exit code 0 whatever the verdicts (a benchmark
measures; it does not gate); 2 bad usage.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pybridge import benchstats, cli, errors, idx
from pybridge.runtimes.jvm import BUILD_COMMAND, JAR

ROOT = Path(__file__).resolve().parents[1]
PREDICT_TARGET = 0.8  # JVM wall / Python wall, one image
EVALUATE_FIXED_TARGET = 0.15  # seconds
DEFAULT_IMAGE = ROOT / "tests" / "data" / "images" / "digit-030-mnist-polarity.png"
LAUNCHER = ROOT / "tools" / "digitbridge-java"  # how the README tells Java users to run the CLI
CDS_ARCHIVE = JAR.with_suffix(".jsa")  # `make cds`; the launcher uses it when it is newer than the jar
TRACE_PROPERTY = "-Ddigitbridge.trace=true"  # io.github.digitbridge.StartupTrace
TRACE_PREFIX = "digitbridge-trace"


def one_image_dataset(folder: Path, image: Path | None = None) -> tuple[Path, Path]:
    """A one-image IDX pair (a plain 28x28 digit and its label) for timing ``evaluate`` with no images to speak of."""
    pixels = np.zeros((1, 28, 28), dtype=np.uint8)
    pixels[0, 6:22, 12:16] = 255  # a one
    images, labels = folder / "one-images.idx", folder / "one-labels.idx"
    idx.write_idx(images, pixels)
    idx.write_idx(labels, np.array([1], dtype=np.uint8))
    return images, labels


def parse_trace(stderr: str, started_ns: int) -> dict[str, tuple[float, str]]:
    """Each traced phase's first end, in seconds after ``started_ns`` (``time.monotonic_ns()`` just before the
    process was started: the clock Java's ``System.nanoTime()`` reads on Linux), and the thread it ended on."""
    phases: dict[str, tuple[float, str]] = {}
    for line in stderr.splitlines():
        words = line.split()
        if len(words) == 4 and words[0] == TRACE_PREFIX and words[3].isdigit():
            phases.setdefault(words[1], ((int(words[3]) - started_ns) / 1e9, words[2]))
    return phases


def run_traced(command: Sequence[str]) -> tuple[dict[str, tuple[float, str]], float]:
    """One run of ``command`` with the start-up trace on: its phases (``parse_trace``) and its end, in seconds after
    it was started. The trace is asked for through ``JAVA_TOOL_OPTIONS``, which the launcher passes on unchanged."""
    options = f"{os.environ.get('JAVA_TOOL_OPTIONS', '')} {TRACE_PROPERTY}".strip()
    started = time.monotonic_ns()
    process = subprocess.run(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "JAVA_TOOL_OPTIONS": options},
    )  # fmt: skip
    ended = (time.monotonic_ns() - started) / 1e9
    if process.returncode != 0:
        raise errors.UsageError(
            errors.UsageReason.BAD_INPUT,
            f"expected exit 0 from {' '.join(command)} with the trace on, found {process.returncode}",
        )
    return parse_trace(process.stderr, started), ended


def trace_lines(runs: Sequence[tuple[dict[str, tuple[float, str]], float]]) -> list[str]:
    """Where the time goes: each phase's median end [interval] in ms after the start, with the thread it ended on
    most often, earliest first, then the process's end."""
    ends: dict[str, list[float]] = collections.defaultdict(list)
    threads: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for phases, _ in runs:
        for phase, (at, thread) in phases.items():
            ends[phase].append(at * 1e3)
            threads[phase][thread] += 1
    rows = [(benchstats.median_interval(v), phase, threads[phase].most_common(1)[0][0]) for phase, v in ends.items()]
    rows.append((benchstats.median_interval([end * 1e3 for _, end in runs]), "process end", "-"))
    rows.sort(key=lambda row: row[0].median)
    return [f"  {i.median:6.1f} [{i.low:6.1f}, {i.high:6.1f}] ms  {phase:18} {thread}" for i, phase, thread in rows]


def jvm_command(args: argparse.Namespace) -> tuple[list[str], str]:
    """The command that starts the CLI, and a line that says what it is (with the launcher: whether its class-data
    sharing archive is there and newer than the jar, without which it runs as plain ``java -jar`` with C1 only)."""
    if args.jvm == "java-jar":
        command = ["java", *args.java_option, "-jar", str(args.jar)]
        return command, f"JVM command: {' '.join(command)}"
    if args.java_option or args.jar.resolve() != JAR.resolve():
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"expected --java-option and --jar only with --jvm java-jar, found them with the launcher {LAUNCHER}, "
            f"which runs {JAR} with its own options",
        )
    fresh = CDS_ARCHIVE.exists() and CDS_ARCHIVE.stat().st_mtime >= JAR.stat().st_mtime
    archive = "with its class-data sharing archive" if fresh else "WITHOUT a class-data sharing archive (`make cds`)"
    return [str(LAUNCHER)], f"JVM command: {LAUNCHER.relative_to(ROOT)} ({archive})"


def run(args: argparse.Namespace) -> int:
    if not args.jar.exists():
        raise errors.UsageError(
            errors.UsageReason.MISSING_FILE,
            f"{args.jar}: expected the CLI jar, found no file; build it with `{BUILD_COMMAND}`",
        )
    java, described = jvm_command(args)
    print(described, flush=True)
    jvm_predict = [*java, "predict", "--model", str(args.model), str(args.image)]
    py_predict = [sys.executable, "-m", "pybridge.predict", "--model", str(args.model), str(args.image)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        images, labels = one_image_dataset(Path(tmp))
        jvm_evaluate = [*java, "evaluate", "--model", str(args.model), "--images", str(images), "--labels", str(labels)]
        for command in (jvm_predict, py_predict, jvm_evaluate):  # warm the page cache and the native library cache
            first = benchstats.run_timed(command, cwd=ROOT)
            if first.returncode != 0:
                raise errors.UsageError(
                    errors.UsageReason.BAD_INPUT, f"expected exit 0 from {' '.join(command)}, found {first.returncode}"
                )
        for r in range(args.rounds):
            order = (jvm_predict, py_predict) if r % 2 else (py_predict, jvm_predict)
            timed = {id(c): benchstats.run_timed(c, cwd=ROOT) for c in order}
            jv, py = timed[id(jvm_predict)], timed[id(py_predict)]
            ev = benchstats.run_timed(jvm_evaluate, cwd=ROOT)
            rows.append(
                {"round": r, "jvm_first": bool(r % 2), "jvm": vars(jv), "python": vars(py), "evaluate": vars(ev)}
            )
            print(
                f"round {r + 1:2}/{args.rounds}: predict jvm {jv.wall:.3f} s (cpu {jv.cpu:.3f}) python {py.wall:.3f} s "
                f"(cpu {py.cpu:.3f}) ratio {jv.wall / py.wall:.2f}; evaluate(1 image) {ev.wall:.3f} s; "
                f"load {jv.load:.2f}",
                flush=True,
            )
        traced = [run_traced(jvm_evaluate) for _ in range(args.trace_runs)]
    ratio = benchstats.median_interval([r["jvm"]["wall"] / r["python"]["wall"] for r in rows])
    cpu_ratio = benchstats.median_interval([r["jvm"]["cpu"] / r["python"]["cpu"] for r in rows])
    fixed = benchstats.median_interval([r["evaluate"]["wall"] for r in rows])
    jvm_wall = benchstats.median_interval([r["jvm"]["wall"] for r in rows])
    py_wall = benchstats.median_interval([r["python"]["wall"] for r in rows])
    loads = [r["jvm"]["load"] for r in rows]
    print(f"predict one image: jvm {jvm_wall.text()} s, python {py_wall.text()} s; CPU-time ratio {cpu_ratio.text()}")
    print(f"load average (1 min) over the rounds: {min(loads):.2f} to {max(loads):.2f}")
    print(benchstats.target_line("target 1a, JVM/Python predict start-to-answer", ratio, PREDICT_TARGET, at_most=True))
    print(
        benchstats.target_line("target 1b, evaluate fixed cost", fixed, EVALUATE_FIXED_TARGET, at_most=True, unit=" s")
    )
    if traced:
        print(f"where evaluate's fixed cost goes ({len(traced)} runs with the start-up trace; when each phase ended, "
              "after the process was started, median [interval]; the thread it ended on):")  # fmt: skip
        print("\n".join(trace_lines(traced)))
    memory = None
    if args.compare_memory:
        models = sorted((ROOT / "models").glob("*.onnx"))
        every, peaks = compare_memory(models, args.compare_limit)
        worst = max(peaks, key=peaks.get)
        ratio_mem = every / peaks[worst]
        memory = {"every_model_mb": every, "one_model_mb": peaks, "ratio": ratio_mem}
        print(
            f"compare peak RSS: {len(models)} models {every:.0f} MB; alone, the largest is {worst} "
            f"{peaks[worst]:.0f} MB (every model alone: {min(peaks.values()):.0f}-{max(peaks.values()):.0f} MB), "
            f"on {args.compare_limit} images"
        )
        verdict = "met" if ratio_mem <= COMPARE_MEMORY_TARGET else "missed"
        print(f"target 2, compare peak RSS every model / one model: {ratio_mem:.2f} (one run each); "
              f"target <= {COMPARE_MEMORY_TARGET}: {verdict}")  # fmt: skip
    if args.json:
        summary = {
            "jvm_command": java,
            "compare_memory": memory,
            "predict_ratio": vars(ratio),
            "predict_cpu_ratio": vars(cpu_ratio),
            "evaluate_fixed_seconds": vars(fixed),
            "evaluate_traces": [{"phases": phases, "end": end} for phases, end in traced],
            "rounds": rows,
        }
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0


COMPARE_MEMORY_TARGET = 1.3  # compare's peak RSS over every model / over its most demanding model alone


def compare_memory(models: list[Path], limit: int) -> tuple[float, dict[str, float]]:
    """Peak RSS (MB) of ``compare`` over every model against the largest peak of ``compare`` over one model: that one
    run holds the data, the runtimes and one model's working set, so a ratio near 1 means memory stays flat in the
    number of models. Each model alone is run once; the runs are deterministic enough in memory for one each."""
    base = [sys.executable, "-m", "pybridge.compare", "--limit", str(limit), "--models"]
    peaks = {m.stem: benchstats.run_timed([*base, str(m)], cwd=ROOT).peak_kb / 1024 for m in models}
    every = benchstats.run_timed([*base, *map(str, models)], cwd=ROOT).peak_kb / 1024
    return every, peaks


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.bench_start") -> int:
    parser = cli.parser(prog, __doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "best.onnx")
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument("--rounds", type=int, default=12, help="paired rounds (default 12)")
    parser.add_argument(
        "--jvm",
        choices=("launcher", "java-jar"),
        default="launcher",
        help="the JVM command: tools/digitbridge-java (default) or java [--java-option...] -jar JAR",
    )
    parser.add_argument("--jar", type=Path, default=JAR, help="the CLI jar, with --jvm java-jar")
    parser.add_argument(
        "--java-option", action="append", default=[], help="an option for java, with --jvm java-jar (repeatable)"
    )
    parser.add_argument(
        "--compare-memory", action="store_true", help="also: compare's peak RSS over every model against one model"
    )
    parser.add_argument("--compare-limit", type=int, default=10000, help="images per compare run (default 10000)")
    parser.add_argument(
        "--trace-runs", type=int, default=12, help="evaluate runs with the start-up trace after the rounds (default 12)"
    )
    parser.add_argument("--json", type=Path, help="also write every round and the summary here")
    return cli.run(run, cli.finish(parser, argv))


if __name__ == "__main__":
    sys.exit(main())
