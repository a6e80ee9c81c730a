"""Inference throughput of the same model in Python ONNX Runtime and in the JVM, measured in paired rounds.

    python -m pybridge.bench_infer --model M [--batch 256] [--threads 1] [--limit 2560] [--rounds 40]
                                   [--repeat 1] [--data DIR] [--jar JAR] [--json FILE]

The JVM side is its own process, as a Java application would be: ``java -jar JAR bench-infer --paired``, which
loads and warms up the model, then runs one round each time we ask. The two sides take turns (python then jvm,
then jvm then python, ...) so they never share the cores, and each round gives one JVM/Python ratio from the two
sides' medians of ``--repeat`` runs over the first ``--limit`` test images. The load of a shared machine changes
by more than the difference measured here, even between runs a second apart; short runs in many rounds let both
sides see the same load often, so the figure to read is the median of the per-round ratios (target >= 0.97 for
inference only). Also printed: each side's median images/s (inference only, from the float32 tensor; and from
uint8 pixels, including the /255 decode), the ratio of the two sides' fastest rounds (load only ever adds time),
and the JVM's GFLOP/s as a fraction of this CPU's estimated single-precision peak.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from pybridge import data, errors, files, idx
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
    """One round: each side's median milliseconds over the whole image set, per kind of run."""

    python_ms: dict[str, float]
    jvm_ms: dict[str, float]
    jvm_first: bool

    def ratio(self, kind: str) -> float:
        """JVM images/s over Python images/s."""
        return self.python_ms[kind] / self.jvm_ms[kind]


def peak_gflops_per_core() -> tuple[float, str]:
    """Estimated fp32 peak of one core: clock x FMA lanes x 2 FMA units x 2 flops (an upper bound)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = set(re.search(r"^flags\s*:(.*)$", info, re.M).group(1).split()) if "flags" in info else set()
    mhz = [float(m) for m in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M)]
    ghz = max(mhz) / 1000 if mhz else 2.0
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    return ghz * lanes * 2 * 2, f"{ghz:.2f} GHz x {lanes} fp32 lanes x 2 FMA units x 2 flops"


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
            raise errors.UsageError(f"expected the CLI jar at {jar}, found no file; build it with `{BUILD_COMMAND}`")
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
            failure = errors.BridgeError(
                f"expected the JVM's bench-infer to answer, found exit code {rc}: {err[0] if err else 'no message'}"
            )
            failure.exit_code = rc if rc in (1, 2) else 1  # the JVM CLI's codes mean what ours mean
            raise failure
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
    python_round: Callable[[], dict[str, float]], jvm_round: Callable[[], dict[str, float]], rounds: int
) -> list[Round]:
    """Runs the two sides in turn, swapping which goes first every round."""

    def settled(side: Callable[[], dict[str, float]]) -> dict[str, float]:
        time.sleep(SETTLE_S)
        return side()

    out = []
    for r in range(rounds):
        jvm_first = r % 2 == 1
        if jvm_first:
            jv = settled(jvm_round)
            py = settled(python_round)
        else:
            py = settled(python_round)
            jv = settled(jvm_round)
        out.append(Round(py, jv, jvm_first))
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
        }
    return summary


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.bench_infer") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--limit", type=int, default=2560, help="images per run: the first N test images (default 2560, ten batches)"
    )
    parser.add_argument("--rounds", type=int, default=40, help="paired rounds (default 40)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind per side and round (default 1)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up runs of each kind per side (default 2)")
    parser.add_argument("--data", type=Path, help="MNIST directory (default: the fetch cache)")
    parser.add_argument("--jar", type=Path, default=JAR)
    parser.add_argument("--json", type=Path, help="also write the settings, every round and the summary here")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    try:
        for name in ("batch", "threads", "limit", "rounds", "repeat"):
            if getattr(args, name) < 1:
                raise errors.UsageError(f"expected --{name} >= 1, found {getattr(args, name)}")
        if args.warmup < 0:
            raise errors.UsageError(f"expected --warmup >= 0, found {args.warmup}")
        return run(args)
    except errors.BridgeError as exc:
        return errors.report(exc, args.debug)


def run(args: argparse.Namespace) -> int:
    images = (args.data or data.default_dir()) / data.FILES["t10k-images"]
    pixels = idx.read_idx(images).data[: args.limit]
    card = args.model.with_suffix(".json")
    flops = json.loads(card.read_text()).get("flops_per_image") if card.exists() else None
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
        results = paired_rounds(lambda: python.round(args.repeat), jvm.round, args.rounds)
    count = len(pixels)
    summary = summarise(results, count)
    peak, how = peak_gflops_per_core()

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
    if flops:
        gflops = summary["float32"]["jvm_images_per_s"] * flops / 1e9
        print(
            f"  jvm inference: {flops} FLOPs/image x images/s = {gflops:.1f} GFLOP/s = "
            f"{gflops / (peak * args.threads):.0%} of the estimated peak of {args.threads} core(s)"
        )
    print(f"  peak estimate per core: {peak:.0f} GFLOP/s ({how})")
    ok = summary["float32"]["ratio_median"] >= TARGET
    print(f"  target: median jvm/python >= {TARGET} for inference only -> {'met' if ok else 'MISSED'}")
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
            "target": TARGET,
            "met": ok,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        files.atomic_write(args.json, (json.dumps(record, indent=2) + "\n").encode())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
