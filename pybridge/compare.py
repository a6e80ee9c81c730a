"""Per-image parity between ONNX Runtime in the JVM and in Python, for every shipped model.

    python -m pybridge.compare [--models PATH...] [--data DIR] [--runtimes python-ort,jvm-ort]
                               [--atol A] [--rtol R] [--batch N] [--threads T] [--limit N]
                               [--json FILE] [--report DIR] [--strict-fp32] [--debug]

For each model: (a) every runtime's input tensor hash must match; (b) the model's golden pairs must hold in
every runtime; (c) argmax agreement per image; (d) probability differences (max/mean abs and rel, fraction
bit-identical, the smallest atol that would pass); (e) accuracy per runtime against the labels and the model
card, only on the whole canonical MNIST test set the cards were scored on (``--data`` is checked against its
MD5s and reported as canonical or not); (f) fragile images, whose top-2 margin is below the tolerance.
Tolerances: docs/parity.md.
Exit codes: 0 every model passes, 1 a parity check failed (including the golden pairs), 2 bad usage or input
(including a model that cannot be loaded or carries no usable contract).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pybridge import cli, data, errors, files, runtimes
from pybridge import contract as model_contract
from pybridge.runtimes.base import RunOutput, Runtime

CPU_ATOL = 1e-6  # fallback budget CPU vs CPU; with matching ORT versions we expect exact equality
GPU_ATOL = {"tf32": 2e-3, "strict": 1e-5}  # CUDA vs CPU, see docs/parity.md


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float
    basis: str

    def allows(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.abs(a - b) <= self.atol + self.rtol * np.abs(b)


@dataclass
class PairStats:
    """One runtime against the reference runtime over every image."""

    reference: str
    other: str
    images: int
    argmax_agreement: int
    max_abs: float
    mean_abs: float
    max_rel: float
    mean_rel: float
    bit_identical_values: float
    bit_identical_images: float
    smallest_passing_atol: float
    disagreeing_images: list[int]
    within_tolerance: bool

    @property
    def passed(self) -> bool:
        return self.argmax_agreement == self.images and self.within_tolerance


def pair_stats(ref: RunOutput, other: RunOutput, tol: Tolerance) -> PairStats:
    a, b = other.probabilities, ref.probabilities
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.finfo(np.float32).tiny)
    rel = diff / scale
    same_bits = a.view(np.uint32) == b.view(np.uint32)
    disagree = np.flatnonzero(a.argmax(1) != b.argmax(1))
    return PairStats(
        reference=ref.runtime,
        other=other.runtime,
        images=len(a),
        argmax_agreement=int(len(a) - disagree.size),
        max_abs=float(diff.max()),
        mean_abs=float(diff.mean()),
        max_rel=float(rel.max()),
        mean_rel=float(rel.mean()),
        bit_identical_values=float(same_bits.mean()),
        bit_identical_images=float(same_bits.all(1).mean()),
        smallest_passing_atol=float(np.max(np.maximum(diff - tol.rtol * np.abs(b), 0.0))),
        disagreeing_images=disagree.tolist(),
        within_tolerance=bool(tol.allows(a, b).all()),
    )


def top_k(probs: np.ndarray, k: int = 3) -> list[list]:
    order = np.argsort(-probs, kind="stable")[:k]
    return [[int(c), float(probs[c])] for c in order]


@dataclass
class ModelComparison:
    model: str
    path: str
    tolerance: Tolerance
    runs: dict[str, dict]
    input_sha256: dict[str, str]
    golden_max_diff: dict[str, float]
    golden_atol: float
    pairs: list[PairStats]
    accuracy: dict[str, float]
    card_accuracy: float | None
    fragile: list[dict]
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def fragile_count(self) -> int:
        return len(self.fragile)

    def to_json(self) -> dict:
        out = asdict(self)
        out["passed"] = self.passed
        out["fragile_count"] = self.fragile_count
        out["pairs"] = [{**asdict(p), "passed": p.passed} for p in self.pairs]
        return out


def _card_accuracy(model: Path) -> float | None:
    card = model.with_suffix(".json")
    return model_contract.read_card(card).get("test_accuracy") if card.exists() else None


@dataclass
class Measurement:
    """What the runtimes produced for one model, before any judgement."""

    model: Path
    golden_atol: float
    outputs: dict[str, RunOutput]

    @property
    def golden_max_diff(self) -> dict[str, float]:
        return {name: out.golden_max_diff for name, out in self.outputs.items()}


def measure(model: Path, images: Path, runners: list[Runtime], limit: int | None = None) -> Measurement:
    """Check the golden pairs in every runtime, then run every runtime over the images."""
    contract = model_contract.read(model)
    outputs = {r.name: r.run(model, images, limit, contract) for r in runners}
    return Measurement(model, float(contract["golden"]["atol"]), outputs)


def judge(m: Measurement, labels: np.ndarray, tol: Tolerance, *, canonical_data: bool = True) -> ModelComparison:
    """Checks (a)-(f) on a measurement; ``labels`` must be cut to the images that ran.

    ``canonical_data``: the labels are canonical MNIST's, the data the cards' accuracy was measured on;
    otherwise check (e) against the card is not made.
    """
    outputs = m.outputs
    names = list(outputs)
    ref = outputs[names[0]]
    pairs = [pair_stats(ref, outputs[n], tol) for n in names[1:]]
    accuracy = {name: float(np.mean(out.probabilities.argmax(1) == labels)) for name, out in outputs.items()}
    card_accuracy = _card_accuracy(m.model)

    fragile_idx: set[int] = set()
    for out in outputs.values():
        top2 = np.sort(out.probabilities, axis=1)[:, -2:]
        fragile_idx |= set(np.flatnonzero(top2[:, 1] - top2[:, 0] < max(tol.atol, 1e-12)).tolist())
    for p in pairs:
        fragile_idx |= set(p.disagreeing_images)
    fragile = [
        {"index": i, "label": int(labels[i]), "top3": {n: top_k(o.probabilities[i]) for n, o in outputs.items()}}
        for i in sorted(fragile_idx)
    ]

    failures = []
    hashes = {n: o.input_sha256 for n, o in outputs.items()}
    if len(set(hashes.values())) != 1:
        failures.append(f"(a) input tensors differ: {hashes}")
    for name, diff in m.golden_max_diff.items():
        if not diff <= m.golden_atol:
            failures.append(f"(b) golden pairs fail in {name}: max |diff| {diff:.3g} > atol {m.golden_atol:g}")
    for p in pairs:
        if p.argmax_agreement != p.images:
            failures.append(f"(c) {p.other} disagrees with {p.reference} on {p.images - p.argmax_agreement} images")
        if not p.within_tolerance:
            failures.append(
                f"(d) {p.other} vs {p.reference}: max |diff| {p.max_abs:.3g} exceeds "
                f"atol {tol.atol:g} + rtol {tol.rtol:g}"
            )
    card_data = canonical_data and len(labels) == 10000
    if card_accuracy is not None and card_data:
        for name, out in outputs.items():
            if out.provider == "CPUExecutionProvider" and accuracy[name] != card_accuracy:
                failures.append(f"(e) {name} accuracy {accuracy[name]:.4%} differs from the card's {card_accuracy:.4%}")
    runs = {n: {"provider": o.provider, "seconds": o.seconds, **o.details} for n, o in outputs.items()}
    return ModelComparison(
        model=m.model.stem,
        path=str(m.model),
        tolerance=tol,
        runs=runs,
        input_sha256=hashes,
        golden_max_diff=m.golden_max_diff,
        golden_atol=m.golden_atol,
        pairs=pairs,
        accuracy=accuracy,
        card_accuracy=card_accuracy,
        fragile=fragile,
        failures=failures,
    )


# --- tolerance policy ----------------------------------------------------------------------------------------


def choose_tolerance(outputs_providers: list[str], atol: float | None, rtol: float, strict_fp32: bool) -> Tolerance:
    """The stated budget for this comparison (docs/parity.md); an explicit --atol always wins."""
    if atol is not None:
        return Tolerance(atol, rtol, "given on the command line")
    if any(p == "CUDAExecutionProvider" for p in outputs_providers):
        mode = "strict" if strict_fp32 else "tf32"
        return Tolerance(GPU_ATOL[mode], rtol, f"CUDA vs CPU budget ({mode})")
    return Tolerance(CPU_ATOL, rtol, "CPU vs CPU with matching ONNX Runtime versions (bit-identical expected)")


# --- output --------------------------------------------------------------------------------------------------


def table(results: list[ModelComparison]) -> str:
    head = (
        f"{'model':16} {'input':6} {'golden':7} {'argmax agree':>13} {'max|dp|':>9} {'bit-identical':>13} "
        f"{'accuracy (runtimes / card)':>30} {'fragile':>7}  result"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        inputs = "same" if len(set(r.input_sha256.values())) == 1 else "DIFF"
        golden = "ok" if all(d <= r.golden_atol for d in r.golden_max_diff.values()) else "FAIL"
        agree = min((p.argmax_agreement for p in r.pairs), default=0)
        n = r.pairs[0].images if r.pairs else 0
        max_abs = max((p.max_abs for p in r.pairs), default=0.0)
        bits = min((p.bit_identical_values for p in r.pairs), default=1.0)
        accs = " / ".join(f"{a:.2%}" for a in r.accuracy.values())
        card = f"{r.card_accuracy:.2%}" if r.card_accuracy is not None else "-"
        lines.append(
            f"{r.model:16} {inputs:6} {golden:7} {f'{agree}/{n}':>13} {max_abs:9.2g} {bits:13.2%} "
            f"{accs + ' / ' + card:>30} {r.fragile_count:7}  {'PASS' if r.passed else 'FAIL'}"
        )
    return "\n".join(lines)


# --- command line --------------------------------------------------------------------------------------------

RUNTIMES = ("python-ort", "jvm-ort", "keras")


def make_runner(name: str, args: argparse.Namespace) -> Runtime:
    return runtimes.create(name, threads=args.threads, batch=args.batch, strict_fp32=args.strict_fp32)


def find_models(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob("*.onnx"))
        elif path.suffix == ".onnx" and path.exists():
            found.append(path)
        else:
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT, f"expected an .onnx file or a folder of them, found {path}"
            )
    if not found:
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"expected at least one .onnx model in {', '.join(map(str, paths))}, found none",
        )
    return found


def parse_args(argv: Sequence[str] | None, prog: str) -> argparse.Namespace:
    parser = cli.parser(prog, __doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", type=Path, default=[Path("models")], help="files or folders")
    parser.add_argument("--data", type=Path, help="MNIST directory (default: fetched into the user cache)")
    parser.add_argument("--runtimes", default="python-ort,jvm-ort", help=f"comma-separated, from {RUNTIMES}")
    parser.add_argument("--atol", type=float, help="absolute tolerance (default: by provider, docs/parity.md)")
    parser.add_argument("--rtol", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads per runtime")
    parser.add_argument("--limit", type=int, help="compare the first N test images only")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--report", type=Path, help="write an HTML report into this folder")
    parser.add_argument("--strict-fp32", action="store_true", help="CUDA without TF32")
    args = cli.finish(parser, argv)
    args.runtimes = [r.strip() for r in args.runtimes.split(",") if r.strip()]
    if len(args.runtimes) < 2 or len(set(args.runtimes)) != len(args.runtimes):
        parser.error(f"expected at least two different runtimes, found {args.runtimes}")
    if args.batch < 1 or args.threads < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--batch, --threads and --limit must be positive")
    return args


def run(args: argparse.Namespace) -> int:
    clock: dict[str, float] = {}
    start = time.perf_counter()
    models = find_models(args.models)
    t = time.perf_counter()
    test_set = data.load_test_set(args.data)
    images = test_set.directory / data.FILES["t10k-images"]
    labels = test_set.dataset.labels.data
    clock["data check"] = time.perf_counter() - t
    t = time.perf_counter()
    runners = [make_runner(name, args) for name in args.runtimes]
    clock["runtime start (JVM)"] = time.perf_counter() - t
    results, all_outputs = [], {}
    for model in models:
        measured = measure(model, images, runners, args.limit)
        outputs = measured.outputs
        # The budget depends on the providers that actually ran, so it is chosen after running.
        tol = choose_tolerance([o.provider for o in outputs.values()], args.atol, args.rtol, args.strict_fp32)
        t = time.perf_counter()
        results.append(judge(measured, labels[: args.limit], tol, canonical_data=test_set.canonical))
        clock["comparison"] = clock.get("comparison", 0.0) + time.perf_counter() - t
        all_outputs[str(model)] = outputs  # by path: models in different folders may share a file name
        for name, out in outputs.items():
            for phase, seconds in out.seconds.items():
                clock[f"{name} {phase}"] = clock.get(f"{name} {phase}", 0.0) + seconds
    wall = time.perf_counter() - start
    print(f"test set: {test_set.describe()}")
    if not test_set.canonical:
        print("  (e) not checked: the model cards' accuracy was measured on the canonical test set")
    print(table(results))
    for r in results:
        for failure in r.failures:
            print(f"  {r.model}: {failure}")
    inference = sum(v for k, v in clock.items() if k.endswith(" inference"))
    print("\ntime: " + ", ".join(f"{k} {v:.2f} s" for k, v in clock.items()))
    print(f"wall {wall:.2f} s; pure inference {inference:.2f} s; overhead ratio {wall / inference:.2f} (target <= 1.5)")
    if args.report:
        from pybridge.report import RunInfo, write_report

        t = time.perf_counter()
        # The report's run metadata (command line, versions, commit) and the timings printed above.
        info = RunInfo.collect(args, clock=clock, wall=wall, inference=inference)
        page = write_report(args.report, results, all_outputs, test_set, info)
        print(f"report: {page} ({time.perf_counter() - t:.2f} s)")
    if args.json:
        summary = {
            "passed": all(r.passed for r in results),
            "wall_seconds": wall,
            "inference_seconds": inference,
            "overhead_ratio": wall / inference,
            "time": clock,
            "data": test_set.to_json(),
            "models": [r.to_json() for r in results],
        }
        files.atomic_write(args.json, (json.dumps(summary, indent=2) + "\n").encode())
    return 0 if all(r.passed for r in results) else 1


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.compare") -> int:
    """Command line entry point; returns the exit code."""
    return cli.run(run, parse_args(argv, prog))


if __name__ == "__main__":
    sys.exit(main())
