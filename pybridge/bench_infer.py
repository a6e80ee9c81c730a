"""Inference throughput of the same model in Python ONNX Runtime and in the JVM, measured in paired rounds.

    python -m pybridge.bench_infer --model M [--batch 256] [--threads 1] [--limit 2560] [--rounds 40]
                                   [--repeat 1] [--peak-size 1024] [--data DIR] [--jar JAR] [--json FILE]

The JVM side is its own process, as a Java application would be: ``java -jar JAR bench-infer --paired``, which
loads and warms up the model, then runs one round each time we ask. The two sides take turns (python then jvm,
then jvm then python, ...) so they never share the cores, and each round gives one JVM/Python ratio from the two
sides' medians of ``--repeat`` runs over the first ``--limit`` test images. The load of a shared machine changes
by more than the difference measured here, even between runs a second apart; short runs in many rounds let both
sides see the same load often, so the figure to read is the median of the per-round ratios (target >= 0.97 for
inference only). Also printed: each side's median images/s (inference only, from the float32 tensor; and from
uint8 pixels, including the /255 decode), the ratio of the two sides' fastest rounds (load only ever adds time),
and each side's GFLOP/s as a fraction of the peak measured here, in the same rounds: ONNX Runtime's own
``--peak-size``^3 fp32 MatMul (a one-node graph) with the same thread count, after the two sides of each round.
A nominal clock says nothing about the sustained one (turbo, load), so no peak is computed from /proc/cpuinfo.
Every round records the load average and both sides' CPU time. The verdict comes from ``pybridge.benchstats``:
the median ratio's 95% interval, "missed" only when the whole interval is below the target (exit 1), "unclear"
when it straddles it (exit 0).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from pybridge import benchstats, cli, data, errors, files, idx
from pybridge.contract import to_input
from pybridge.runtimes.jvm import BUILD_COMMAND, JAR
from pybridge.runtimes.python_ort import PythonOrtRuntime

TARGET = 0.97
# ONNX Runtime's pool threads spin for a while after a run before they sleep; a pause between the sides keeps
# one side's spinning threads off the cores the other side is being timed on.
SETTLE_S = 0.2
KINDS = ("float32", "uint8")  # inference only; from uint8 pixels


@dataclass(frozen=True)
class Round:
    """One round: each side's median milliseconds over the whole image set, per kind of run; and, when measured,
    the peak GFLOP/s measured right after the two sides, the 1-minute load average before the round and each
    side's CPU seconds over the round."""

    python_ms: dict[str, float]
    jvm_ms: dict[str, float]
    jvm_first: bool
    peak_gflops: float | None = None
    load: float | None = None
    python_cpu_s: float | None = None
    jvm_cpu_s: float | None = None

    def ratio(self, kind: str) -> float:
        """JVM images/s over Python images/s."""
        return self.python_ms[kind] / self.jvm_ms[kind]


class PeakMatmul:
    """The fp32 peak measured on this machine: ONNX Runtime's own MatMul of two ``size`` x ``size`` matrices, a
    one-node graph, with the threads the benchmark gives the models. A context manager."""

    def __init__(self, size: int, threads: int, warmup: int = 2):
        import onnxruntime as ort
        from onnx import TensorProto, helper

        shape = [size, size]
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["a", "b"], ["c"])],
            "peak",
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n in ("a", "b")],
            [helper.make_tensor_value_info("c", TensorProto.FLOAT, shape)],
        )
        # IR 8 with opset 13: what every ONNX Runtime we support loads, whatever the onnx package writes by default.
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            model.SerializeToString(),
            options,
            providers=["CPUExecutionProvider"],
        )
        rng = np.random.default_rng(0)
        self.feeds = {n: rng.standard_normal(shape, dtype=np.float32) for n in ("a", "b")}
        self.flops = 2 * size**3
        self.size = size
        for _ in range(warmup):
            self.session.run(None, self.feeds)

    def __enter__(self) -> PeakMatmul:
        return self

    def __exit__(self, *exc) -> None:
        del self.session

    def gflops(self, repeat: int = 3) -> float:
        """The median GFLOP/s of ``repeat`` MatMuls."""
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            self.session.run(None, self.feeds)
            times.append(time.perf_counter() - start)
        return self.flops / statistics.median(times) / 1e9


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) another process has used so far, from /proc (clock-tick resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PythonRounds:
    """Rounds of Python ONNX Runtime with the JVM's settings: same batch, intra-op threads and optimisation level;
    a context manager that closes the model on exit."""

    def __init__(self, model: Path, pixels: np.ndarray, batch: int, threads: int, warmup: int):
        self.model = PythonOrtRuntime(threads=threads, batch=batch, device="cpu").open(model)
        self.pixels = pixels
        self.x = to_input(pixels)
        for _ in range(warmup):
            self._run("uint8")
            self._run("float32")

    def __enter__(self) -> PythonRounds:
        return self

    def __exit__(self, *exc) -> None:
        self.model.close()

    def _run(self, kind: str) -> None:
        # The uint8 kind decodes here, as the JVM's does in its predict call.
        self.model.predict(self.x if kind == "float32" else to_input(self.pixels))

    def round(self, repeat: int) -> dict[str, float]:
        """``repeat`` runs of each kind, alternating as the JVM does; their median milliseconds."""
        times: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for _ in range(repeat):
            for kind in ("uint8", "float32"):
                start = time.perf_counter()
                self._run(kind)
                times[kind].append((time.perf_counter() - start) * 1000)
        return {kind: statistics.median(ts) for kind, ts in times.items()}


class JvmProcess:
    """``bench-infer --paired`` in a JVM of its own (not the bridge's: a Java application's process); a context
    manager that ends the process on exit."""

    def __init__(
        self, jar: Path, model: Path, images: Path, *, batch: int, threads: int, limit: int, repeat: int, warmup: int
    ):
        if not jar.exists():
            raise errors.UsageError(
                errors.UsageReason.MISSING_FILE,
                f"expected the CLI jar at {jar}, found no file; build it with `{BUILD_COMMAND}`",
            )
        cmd = ["java", "-jar", str(jar), "bench-infer", "--paired", "--model", str(model), "--images", str(images)]
        cmd += ["--batch", str(batch), "--threads", str(threads), "--limit", str(limit)]
        cmd += ["--repeat", str(repeat), "--warmup", str(warmup)]
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.ready = self._line()

    def __enter__(self) -> JvmProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _line(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            err = self.process.stderr.read().strip().splitlines()
            self.close()
            rc = self.process.returncode
            # The JVM CLI's exit codes mean what ours mean: 2 it refused its input, anything else a failure.
            raise errors.BridgeError(
                errors.BridgeReason.JVM_REFUSED if rc == 2 else errors.BridgeReason.JVM_FAILED,
                f"expected the JVM's bench-infer to answer, found exit code {rc}: {err[0] if err else 'no message'}",
            )
        return json.loads(line)

    def round(self) -> dict[str, float]:
        self.process.stdin.write("round\n")
        self.process.stdin.flush()
        answer = self._line()
        return {kind: answer[f"{kind}_ms"] for kind in KINDS}

    def close(self) -> None:
        """Ends the JVM (end of input ends its loop) and closes the pipes; safe to call twice."""
        self.process.stdin.close()
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()


def paired_rounds(
    python_round: Callable[[], dict[str, float]],
    jvm_round: Callable[[], dict[str, float]],
    rounds: int,
    *,
    peak: Callable[[], float] | None = None,
    jvm_pid: int | None = None,
) -> list[Round]:
    """Runs the two sides in turn, swapping which goes first every round; with ``peak``, measures it after the two
    sides of every round; records the load average and each side's CPU time (the JVM's from /proc when
    ``jvm_pid`` is given)."""

    def settled(side: Callable[[], dict[str, float]], pid: int | None) -> tuple[dict[str, float], float | None]:
        time.sleep(SETTLE_S)
        before = benchstats.self_cpu() if pid is None else process_cpu_s(pid)
        result = side()
        return result, (benchstats.self_cpu() if pid is None else process_cpu_s(pid)) - before

    out = []
    for r in range(rounds):
        jvm_first = r % 2 == 1
        load = os.getloadavg()[0]
        if jvm_first:
            jv, jv_cpu = settled(jvm_round, jvm_pid)
            py, py_cpu = settled(python_round, None)
        else:
            py, py_cpu = settled(python_round, None)
            jv, jv_cpu = settled(jvm_round, jvm_pid)
        if peak is not None:
            time.sleep(SETTLE_S)
        measured = peak() if peak is not None else None
        out.append(Round(py, jv, jvm_first, measured, load, py_cpu, jv_cpu if jvm_pid is not None else None))
    return out


def summarise(results: list[Round], count: int) -> dict[str, dict[str, float]]:
    """Per kind: each side's median images/s and the median, min and max of the per-round ratios."""
    summary = {}
    for kind in KINDS:
        ratios = [r.ratio(kind) for r in results]
        summary[kind] = {
            "python_images_per_s": statistics.median(count / (r.python_ms[kind] / 1000) for r in results),
            "jvm_images_per_s": statistics.median(count / (r.jvm_ms[kind] / 1000) for r in results),
            "ratio_median": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            # Load only ever adds time, so the two fastest rounds are another estimate of the undisturbed ratio.
            "ratio_fastest": min(r.python_ms[kind] for r in results) / min(r.jvm_ms[kind] for r in results),
            "ratio_interval": vars(benchstats.median_interval(ratios)),
        }
    return summary


def peak_fractions(results: list[Round], count: int, flops: int) -> dict[str, benchstats.Interval]:
    """Per side, the model's GFLOP/s over the peak measured in the same round (inference only): median and
    interval; and the peak itself. Rounds without a measured peak are left out."""
    rounds = [r for r in results if r.peak_gflops]
    if not rounds:
        return {}

    def gflops(ms: float) -> float:
        return count * flops / (ms / 1000) / 1e9

    return {
        "peak_gflops": benchstats.median_interval([r.peak_gflops for r in rounds]),
        "python_gflops": benchstats.median_interval([gflops(r.python_ms["float32"]) for r in rounds]),
        "jvm_gflops": benchstats.median_interval([gflops(r.jvm_ms["float32"]) for r in rounds]),
        "python_fraction": benchstats.median_interval([gflops(r.python_ms["float32"]) / r.peak_gflops for r in rounds]),
        "jvm_fraction": benchstats.median_interval([gflops(r.jvm_ms["float32"]) / r.peak_gflops for r in rounds]),
    }


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.bench_infer") -> int:
    parser = cli.parser(prog, __doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--limit", type=int, default=2560, help="images per run: the first N test images (default 2560, ten batches)"
    )
    parser.add_argument("--rounds", type=int, default=40, help="paired rounds (default 40)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind per side and round (default 1)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up runs of each kind per side (default 2)")
    parser.add_argument(
        "--peak-size", type=int, default=1024, help="N of the N^3 MatMul that measures the peak (default 1024; 0: none)"
    )
    parser.add_argument("--data", type=Path, help="MNIST directory (default: the fetch cache)")
    parser.add_argument("--jar", type=Path, default=JAR)
    parser.add_argument("--json", type=Path, help="also write the settings, every round and the summary here")
    return cli.run(run, cli.finish(parser, argv))


def run(args: argparse.Namespace) -> int:
    for name in ("batch", "threads", "limit", "rounds", "repeat"):
        if getattr(args, name) < 1:
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT, f"expected --{name} >= 1, found {getattr(args, name)}"
            )
    for name in ("warmup", "peak_size"):
        if getattr(args, name) < 0:
            option = "--" + name.replace("_", "-")
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT, f"expected {option} >= 0, found {getattr(args, name)}"
            )
    images = (args.data or data.default_dir()) / data.FILES["t10k-images"]
    pixels = idx.read_idx(images).data[: args.limit]
    card = args.model.with_suffix(".json")
    flops = json.loads(card.read_text()).get("flops_per_image") if card.exists() else None
    peak = PeakMatmul(args.peak_size, args.threads) if args.peak_size else None
    python = PythonRounds(args.model, pixels, args.batch, args.threads, args.warmup)
    jvm_side = JvmProcess(
        args.jar,
        args.model,
        images,
        batch=args.batch,
        threads=args.threads,
        limit=len(pixels),
        repeat=args.repeat,
        warmup=args.warmup,
    )
    with python, jvm_side as jvm:
        results = paired_rounds(
            lambda: python.round(args.repeat),
            jvm.round,
            args.rounds,
            peak=peak.gflops if peak else None,
            jvm_pid=jvm.process.pid,
        )
    count = len(pixels)
    summary = summarise(results, count)

    runs = "one run of each kind" if args.repeat == 1 else f"the median of {args.repeat} runs of each kind"
    print(
        f"{args.model.name}: {count} images, batch {args.batch}, {args.threads} thread(s); {args.rounds} paired "
        f"rounds of {runs} a side, sides taking turns"
    )
    print(f"  {'':18} {'python img/s':>12} {'jvm img/s':>10}   jvm/python per round: median [min .. max]; fastest")
    for kind, label in (("float32", "inference only"), ("uint8", "from uint8 pixels")):
        s = summary[kind]
        print(
            f"  {label:18} {s['python_images_per_s']:12.0f} {s['jvm_images_per_s']:10.0f}   "
            f"{s['ratio_median']:.3f} [{s['ratio_min']:.3f} .. {s['ratio_max']:.3f}]; {s['ratio_fastest']:.3f}"
        )
    fractions = peak_fractions(results, count, flops) if flops else {}
    if flops:
        print(f"  model: {flops} FLOPs/image (from its card); GFLOP/s, median [95% interval] over the rounds:")
    if fractions:
        print(
            f"  peak measured here: ONNX Runtime MatMul {args.peak_size}^3 fp32, {args.threads} thread(s), after "
            f"each round: {fractions['peak_gflops'].text()} GFLOP/s"
        )
        for side in ("python", "jvm"):
            print(
                f"  {side:6} inference: {fractions[side + '_gflops'].text()} GFLOP/s = "
                f"{fractions[side + '_fraction'].text()} of the measured peak (per round, same-round peak)"
            )
    loads = [r.load for r in results]
    py_cpu = statistics.median(r.python_cpu_s for r in results)
    jv_cpu = statistics.median(r.jvm_cpu_s for r in results)
    print(
        f"  load average (1 min) over the rounds: {min(loads):.2f} to {max(loads):.2f}; CPU seconds per round "
        f"(median): python {py_cpu:.3f}, jvm {jv_cpu:.3f}"
    )
    ratio = benchstats.median_interval([r.ratio("float32") for r in results])
    verdict = benchstats.verdict(ratio, TARGET, at_most=False)
    print("  " + benchstats.target_line("jvm/python images/s, inference only", ratio, TARGET, at_most=False))
    if args.json:
        record = {
            "model": str(args.model),
            "count": count,
            "batch": args.batch,
            "threads": args.threads,
            "repeat": args.repeat,
            "warmup": args.warmup,
            "flops_per_image": flops,
            "jvm": jvm.ready,
            "rounds": [asdict(r) for r in results],
            "summary": summary,
            "peak": {k: vars(v) for k, v in fractions.items()},
            "peak_size": args.peak_size,
            "target": TARGET,
            "verdict": verdict,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        files.atomic_write(args.json, (json.dumps(record, indent=2) + "\n").encode())
    return 1 if verdict == "missed" else 0


if __name__ == "__main__":
    sys.exit(main())
