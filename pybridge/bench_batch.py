"""Throughput and peak memory by batch size, in both runtimes: the figures the default batch is chosen from.

    python -m pybridge.bench_batch [--models deeper_cnn best] [--batches 8 16 32 64 128 256] [--limit 1024]
                                   [--rounds 5] [--data DIR] [--jar JAR] [--json FILE]

Every measurement is a new process, as a user's run is: Python ONNX Runtime (this package's runtime, reading the
first ``--limit`` test images and classifying them from uint8 pixels) and the Java CLI's ``evaluate`` on the same
images written as an IDX pair, for its peak memory, beside the CLI's ``bench-infer`` (one cold run from uint8
pixels, no warm-up, as ``evaluate`` does it) for its images/s: ``evaluate`` prints no timing, and its wall time
less a one-image run's was too noisy to use under load. A round runs every model at every batch in both runtimes,
the runtimes taking turns and the batch order reversed every other round, so a change of load hits every batch
alike. Both sides' images/s are timed inside their process, from the first prediction to the last (the model
already open). Peak RSS is the whole process's (``ru_maxrss``). Each figure is the median of the rounds with its
95% interval (``pybridge.benchstats``); the load average is printed with them. The choice: the batch whose worst
throughput (over runtimes and models, relative to that pair's best batch) is highest; within 2% of it, the one
with the smallest peak RSS. Exit code 0 (a benchmark measures), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pybridge import benchstats, cli, data, errors, idx
from pybridge.runtimes.jvm import BUILD_COMMAND, JAR

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (8, 16, 32, 64, 128, 256)
MODELS = ("deeper_cnn", "best")
TIE = 0.02  # throughputs within 2% of the best choice are not told apart on this machine


def child(model: Path, images: Path, batch: int) -> None:
    """The Python side of one measurement: open, classify every image, print the seconds the classifying took."""
    from pybridge.runtimes.python_ort import PythonOrtRuntime

    pixels = idx.read_idx(images).data
    with PythonOrtRuntime(threads=1, batch=batch, device="cpu").open(model) as opened:
        start = time.perf_counter()
        opened.predict_pixels(pixels)
        print(time.perf_counter() - start)


def python_run(model: Path, images: Path, batch: int) -> tuple[float, float, float]:
    """Seconds, peak RSS (MB) and load average of one Python process."""

    load = os.getloadavg()[0]
    process = subprocess.Popen(
        [sys.executable, "-m", "pybridge.bench_batch", "--child", str(model), str(images), str(batch)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise errors.UsageError(errors.UsageReason.BAD_INPUT, f"expected the Python run of {model} to succeed")
    return float(out), usage.ru_maxrss / 1024, load


def jvm_run(
    java: list[str], model: Path, images: Path, labels: Path, batch: int, count: int
) -> tuple[float, float, float]:
    """Seconds (``bench-infer``'s cold run from uint8 pixels), ``evaluate``'s peak RSS (MB) and the load average."""
    m, b = ["--model", str(model)], ["--batch", str(batch)]
    evaluate = [*java, "evaluate", *m, "--images", str(images), "--labels", str(labels), *b]
    timed = benchstats.run_timed(evaluate)
    bench = [*java, "bench-infer", *m, "--images", str(images), *b, "--repeat", "1", "--warmup", "0", "--json"]
    done = subprocess.run(bench, capture_output=True, text=True)
    if timed.returncode != 0 or done.returncode != 0:
        raise errors.UsageError(errors.UsageReason.BAD_INPUT, f"expected the JVM runs of {model} to succeed")
    return count / json.loads(done.stdout)["uint8_images_per_s"], timed.peak_kb / 1024, timed.load


def summary_rows(rows: list[dict], count: int) -> dict[tuple[str, str, int], dict]:
    """Per (model, runtime, batch): images/s and peak MB as median intervals over the rounds."""
    out = {}
    for key in {(r["model"], r["runtime"], r["batch"]) for r in rows}:
        mine = [r for r in rows if (r["model"], r["runtime"], r["batch"]) == key]
        out[key] = {
            "images_per_s": benchstats.median_interval([count / r["seconds"] for r in mine]),
            "peak_mb": benchstats.median_interval([r["peak_mb"] for r in mine]),
        }
    return out


def choose(table: dict[tuple[str, str, int], dict], batches: Sequence[int]) -> tuple[int, dict[int, float]]:
    """The batch whose worst relative throughput is highest, the smallest peak RSS breaking near-ties; and every
    batch's worst relative throughput."""
    pairs = {(m, rt) for m, rt, _ in table}
    best = {p: max(table[(*p, b)]["images_per_s"].median for b in batches) for p in pairs}
    worst = {b: min(table[(*p, b)]["images_per_s"].median / best[p] for p in pairs) for b in batches}
    top = max(worst.values())
    near = [b for b in batches if worst[b] >= top - TIE]

    def memory(b: int) -> float:
        return max(table[(*p, b)]["peak_mb"].median for p in pairs)

    return min(near, key=memory), worst


def run(args: argparse.Namespace) -> int:
    for name in ("limit", "rounds"):
        if getattr(args, name) < 1:
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT, f"expected --{name} >= 1, found {getattr(args, name)}"
            )
    if any(b < 1 for b in args.batches):
        raise errors.UsageError(errors.UsageReason.BAD_ARGUMENT, f"expected batches >= 1, found {args.batches}")
    if not args.jar.exists():
        raise errors.UsageError(
            errors.UsageReason.MISSING_FILE,
            f"expected the CLI jar at {args.jar}, found no file; build it with `{BUILD_COMMAND}`",
        )
    folder = args.data or data.default_dir()
    models = [ROOT / "models" / f"{m}.onnx" if "/" not in m else Path(m) for m in args.models]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        images, labels = Path(tmp) / "images.idx", Path(tmp) / "labels.idx"
        pixels = idx.read_idx(folder / data.FILES["t10k-images"]).data[: args.limit]
        truth = idx.read_idx(folder / data.FILES["t10k-labels"]).data[: args.limit]
        count = len(pixels)
        idx.write_idx(images, pixels)
        idx.write_idx(labels, truth)
        java = ["java", "-jar", str(args.jar)]
        for r in range(args.rounds):
            batches = list(args.batches) if r % 2 == 0 else list(reversed(args.batches))
            for model in models:
                for i, batch in enumerate(batches):
                    sides = ("python", "jvm") if (r + i) % 2 == 0 else ("jvm", "python")
                    for side in sides:
                        if side == "python":
                            seconds, peak, load = python_run(model, images, batch)
                        else:
                            seconds, peak, load = jvm_run(java, model, images, labels, batch, count)
                        row = {"round": r, "model": model.stem, "runtime": side, "batch": batch}
                        rows.append({**row, "seconds": seconds, "peak_mb": peak, "load": load})
            print(f"round {r + 1}/{args.rounds} done; load {rows[-1]['load']:.2f}", flush=True)
    table = summary_rows(rows, count)
    loads = [r["load"] for r in rows]
    print(
        f"{count} test images, 1 intra-op thread, {args.rounds} rounds; load average (1 min) {min(loads):.2f} to "
        f"{max(loads):.2f}, median {statistics.median(loads):.2f}"
    )
    print("images/s and peak RSS (MB): median [95% interval] over the rounds")
    print(f"  {'model':11} {'runtime':7} {'batch':>5}  {'images/s':>24}  {'peak RSS MB':>22}")
    for model in models:
        for side in ("python", "jvm"):
            for batch in args.batches:
                cell = table[(model.stem, side, batch)]
                print(
                    f"  {model.stem:11} {side:7} {batch:5}  {cell['images_per_s'].text(4):>24}  "
                    f"{cell['peak_mb'].text(4):>22}"
                )
    chosen, worst = choose(table, args.batches)
    print(
        "worst throughput relative to each (model, runtime)'s best batch: "
        + ", ".join(f"{b}: {worst[b]:.3f}" for b in args.batches)
    )
    print(f"chosen default batch: {chosen} (highest worst-case throughput; within {TIE:.0%}, the least memory)")
    if args.json:
        record = {
            "count": count,
            "rounds": rows,
            "summary": [
                {"model": m, "runtime": rt, "batch": b, **{k: vars(v) for k, v in cell.items()}}
                for (m, rt, b), cell in sorted(table.items())
            ],
            "chosen": chosen,
        }
        args.json.write_text(json.dumps(record, indent=2) + "\n")
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.bench_batch") -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        child(Path(argv[1]), Path(argv[2]), int(argv[3]))
        return 0
    parser = cli.parser(prog, __doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), help="names in models/ or paths")
    parser.add_argument("--batches", nargs="+", type=int, default=list(BATCHES))
    parser.add_argument("--limit", type=int, default=1024, help="the first N test images (default 1024)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--data", type=Path, help="MNIST directory (default: the fetch cache)")
    parser.add_argument("--jar", type=Path, default=JAR)
    parser.add_argument("--json", type=Path, help="also write every run and the summary here")
    return cli.run(run, cli.finish(parser, argv))


if __name__ == "__main__":
    sys.exit(main())
