"""Per-image parity between ONNX Runtime in the JVM and in Python, for every shipped model.

    python -m pybridge.compare [--models PATH...] [--data DIR] [--runtimes SPEC,SPEC...] [--save-run FILE.npz]
                               [--atol A] [--rtol R] [--batch N] [--threads T] [--limit N]
                               [--dataset mnist|fashion] [--json FILE|-] [--report DIR] [--strict-fp32] [--debug]

A runtime SPEC is ``name[:cpu|cuda][@X.Y.Z]`` (python-ort, jvm-ort, keras) or ``saved:FILE`` (a run written
with ``--save-run``); see pybridge/runtimes/spec.py. With ``--save-run`` one runtime runs and its outputs are
written, nothing is compared.

For each model: (a) every runtime's input tensor hash must match; (b) the model's golden pairs must hold in
every runtime; (c) argmax agreement per image; (d) probability differences (max/mean abs and rel, fraction
bit-identical, the smallest atol that would pass); (e) accuracy per runtime against the labels, and against the
model card only on the whole canonical MNIST test set the cards were scored on (the test set is named by its
MD5s: canonical MNIST, canonical Fashion-MNIST, or not canonical; other data and ``--limit`` subsets are
reported, not held to the card); (f) fragile images, whose top-2 margin is below the tolerance.
Each pair of runtimes has its own budget and the reason for it (``pair_budget``; docs/parity.md).
Exit codes: 0 every model passes; 1 a check failed (including the golden pairs), or a model could not be
compared while others were (its row says ERROR and why); 2 bad usage or input and nothing was compared (the
command line, a --json or --report destination, the data, every model unusable, a provider this machine does not
have, or a saved run of other models or input). Destinations are checked
before anything runs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import stat
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pybridge import cli, data, errors, files, javadeps, runtimes
from pybridge import contract as model_contract
from pybridge.runtimes import keras as keras_runtime
from pybridge.runtimes import saved
from pybridge.runtimes import spec as runtime_spec
from pybridge.runtimes.base import OPTIMIZATION_LEVEL, OPTIMIZATION_LEVELS, RunOutput, Runtime

CPU_ATOL = 1e-6  # fallback budget CPU vs CPU; with matching ORT versions we expect exact equality
GPU_ATOL = {"tf32": 2e-3, "strict": 1e-5}  # CUDA vs CPU, see docs/parity.md
# Measured over the shipped models and the whole test set (docs/parity.md). Another ONNX Runtime version: 1.26.0,
# 1.29.0, 1.30.0 and 1.32.0 gave 1.28.0's bits exactly, so the same guard as for one build. Another optimisation
# level: up to 1.43e-6 (deeper_cnn, ALL against EXTENDED, BASIC or DISABLED), so the golden pairs' 1e-5, which
# leaves 7x room. Another CPU picks other kernels, which changes rounding as the level does: the same budget.
VERSION_ATOL = 1e-6
MEASURED_VERSIONS = "1.26.0, 1.29.0, 1.30.0 and 1.32.0 gave 1.28.0's bits on every shipped model, x86-64 CPU"
KERNELS_ATOL = 1e-5
MEASURED_LEVELS = "optimisation levels differ by up to 1.43e-6 on the shipped models"
# Keras (TensorFlow's kernels) vs ONNX Runtime: the export gate's budget, which the Keras runtime states for its
# pairs (pybridge.runtimes.keras; a test keeps it equal to training.export.GATE_ATOL).
KERAS_ATOL = keras_runtime.KERAS_ATOL
KERAS_MEASURED = keras_runtime.KERAS_MEASURED


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
    budget: Tolerance | None = None  # the pair's own budget and why (None: the comparison's one)

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
        budget=tol,
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
    card_checked: bool = False  # check (e) was made: the whole test set the card was measured on

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


def measure(
    model: Path, images: Path, runners: list[Runtime], limit: int | None = None, inputs: dict | None = None
) -> Measurement:
    """Check the golden pairs in every runtime, then run every runtime over the images.

    ``inputs``: each runtime's ``read_images(images, limit)`` by runtime name (``read_inputs``), read once for
    every model; without it each runtime reads the file itself.
    """
    contract = model_contract.read(model)
    inputs = inputs or {}
    outputs = {r.name: r.run(model, images, limit, contract, read=inputs.get(r.name)) for r in runners}
    return Measurement(model, float(contract["golden"]["atol"]), outputs)


def read_inputs(runners: list[Runtime], images: Path, limit: int | None, clock: dict[str, float]) -> dict:
    """Each runtime's images, read and converted once for all models; the time goes to ``<runtime> read``."""
    inputs = {}
    for r in runners:
        t = time.perf_counter()
        inputs[r.name] = r.read_images(images, limit)
        clock[f"{r.name} read"] = time.perf_counter() - t
    return inputs


def judge(
    m: Measurement,
    labels: np.ndarray,
    tol: Tolerance,
    *,
    canonical_data: bool = True,
    model_name: str | None = None,
    budgets: dict[str, Tolerance] | None = None,
) -> ModelComparison:
    """Checks (a)-(f) on a measurement; ``labels`` must be cut to the images that ran.

    ``canonical_data``: the labels are canonical MNIST's, the data the cards' accuracy was measured on;
    otherwise check (e) against the card is not made. ``model_name``: the model's name in the results (default: the
    file's stem). ``budgets``: each other runtime's budget against the reference (default: ``tol`` for all); the
    fragile images are judged by the largest.
    """
    outputs = m.outputs
    names = list(outputs)
    ref = outputs[names[0]]
    budgets = budgets or {}
    pairs = [pair_stats(ref, outputs[n], budgets.get(n, tol)) for n in names[1:]]
    tol = max((p.budget for p in pairs), key=lambda b: b.atol, default=tol)
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
                f"atol {p.budget.atol:g} + rtol {p.budget.rtol:g} ({p.budget.basis})"
            )
    card_data = canonical_data and len(labels) == 10000
    card_checked = card_accuracy is not None and card_data
    if card_checked:
        for name, out in outputs.items():
            if out.provider == "CPUExecutionProvider" and accuracy[name] != card_accuracy:
                failures.append(f"(e) {name} accuracy {accuracy[name]:.4%} differs from the card's {card_accuracy:.4%}")
    runs = {n: {"provider": o.provider, "seconds": o.seconds, **o.details} for n, o in outputs.items()}
    return ModelComparison(
        model=model_name or m.model.stem,
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
        card_checked=card_checked,
    )


# --- tolerance policy ----------------------------------------------------------------------------------------


TF32_BASIS = (
    "derived: TF32 rounds the inputs of every matmul and convolution to 10 mantissa bits (relative error up to "
    "2^-11, about 4.9e-4) and the errors of a layer's products add up; 2e-3 in probability"
)


def pair_budget(ref: RunOutput, other: RunOutput, atol: float | None, rtol: float, here: dict) -> Tolerance:
    """The budget of one pair of runs and why (docs/parity.md), in this order: ``--atol`` given; a budget a
    runtime states for itself (``details["pair_budget"]``: ``{"atol", "basis"}``, e.g. Keras against ONNX
    Runtime; the larger of the two); CUDA on either side (TF32 derived, strict float32 stated); the same ONNX
    Runtime build on the same machine (bit-identical expected); another version, optimisation level or CPU
    (measured). ``here``: this machine (``saved.machine()``), for runs saved elsewhere.
    """
    if atol is not None:
        return Tolerance(atol, rtol, "given on the command line")
    stated = [o.details["pair_budget"] for o in (ref, other) if isinstance(o.details.get("pair_budget"), dict)]
    if stated:
        chosen = max(stated, key=lambda b: float(b["atol"]))
        return Tolerance(float(chosen["atol"]), rtol, str(chosen["basis"]))
    cuda = [o.provider == "CUDAExecutionProvider" for o in (ref, other)]
    if any(cuda):
        versus = _describe(other if cuda[0] else ref)
        if any(o.details.get("tf32", True) for o, on in zip((ref, other), cuda, strict=True) if on):
            return Tolerance(GPU_ATOL["tf32"], rtol, f"CUDA with TF32 vs {versus}: {TF32_BASIS}")
        return Tolerance(
            GPU_ATOL["strict"], rtol, f"CUDA in strict float32 vs {versus}: other kernels and summation order; "
            "stated, not yet measured on a GPU (docs/parity.md)",
        )  # fmt: skip
    builds = [_build(o, here) for o in (ref, other)]
    if None in builds:
        return Tolerance(CPU_ATOL, rtol, "no stated budget for this pair: the CPU-vs-CPU one")
    (a_ver, a_opt, a_machine), (b_ver, b_opt, b_machine) = builds
    if builds[0] == builds[1]:
        return Tolerance(
            CPU_ATOL, rtol, f"same ONNX Runtime build ({a_ver}, CPU, optimisation {a_opt}, one machine): "
            "bit-identical expected",
        )  # fmt: skip
    differs = [
        what
        for what, same in (
            (f"ONNX Runtime {a_ver} vs {b_ver}", a_ver == b_ver),
            (f"optimisation {a_opt} vs {b_opt}", a_opt == b_opt),
            ("another CPU", a_machine == b_machine),
        )
        if not same
    ]
    if a_opt == b_opt and a_machine == b_machine:
        return Tolerance(VERSION_ATOL, rtol, f"{differs[0]}: measured ({MEASURED_VERSIONS}; docs/parity.md)")
    return Tolerance(KERNELS_ATOL, rtol, f"{', '.join(differs)}: measured ({MEASURED_LEVELS}; docs/parity.md)")


def _build(out: RunOutput, here: dict) -> tuple | None:
    """An ONNX Runtime CPU run's version, optimisation level and machine; None for anything else."""
    details = out.details
    if out.provider != "CPUExecutionProvider" or "onnxruntime" not in details:
        return None
    where = details.get("machine") or here
    return (
        details["onnxruntime"],
        details.get("optimization_level"),
        (where.get("cpu"), where.get("cpu_flags_sha256")),
    )


def _describe(out: RunOutput) -> str:
    return {"CPUExecutionProvider": "the CPU", "CUDAExecutionProvider": "CUDA"}.get(out.provider, out.provider)


# --- output --------------------------------------------------------------------------------------------------


@dataclass
class Unusable:
    """A model that could not be compared (unreadable, no usable contract, a runtime refused it): its row says why."""

    model: str
    path: str
    reason: str
    message: str
    exit_code: int

    passed = False

    @property
    def failures(self) -> list[str]:
        return [self.message]

    @property
    def runs(self) -> dict:
        return {}  # no runtime ran it to the end

    @property
    def pairs(self) -> tuple:
        return ()

    @property
    def accuracy(self) -> dict:
        return {}

    def to_json(self) -> dict:
        return {**asdict(self), "passed": False, "error": True}


Result = ModelComparison | Unusable


def table(results: list[Result], runtime_names: Sequence[str], *, with_card: bool = True, images: int = 0) -> str:
    """One row per model; the accuracy column names its runtimes, and the card only when it was compared."""
    accuracy_head = "accuracy" + (f" on {images} images" if images else "")
    accuracy_head += f" ({' / '.join([*runtime_names, 'card'] if with_card else runtime_names)})"
    rows = []
    for r in results:
        if isinstance(r, Unusable):
            rows.append((r.model, "-", "-", "-", "-", "-", "-", "-", f"ERROR ({r.reason})"))
            continue
        inputs = "same" if len(set(r.input_sha256.values())) == 1 else "DIFF"
        golden = "ok" if all(d <= r.golden_atol for d in r.golden_max_diff.values()) else "FAIL"
        agree = min((p.argmax_agreement for p in r.pairs), default=0)
        n = r.pairs[0].images if r.pairs else 0
        max_abs = max((p.max_abs for p in r.pairs), default=0.0)
        bits = min((p.bit_identical_values for p in r.pairs), default=1.0)
        accs = [f"{r.accuracy[name]:.2%}" for name in runtime_names]
        if with_card:
            accs.append(f"{r.card_accuracy:.2%}" if r.card_accuracy is not None else "-")
        rows.append(
            (r.model, inputs, golden, f"{agree}/{n}", f"{max_abs:.2g}", f"{bits:.2%}", " / ".join(accs),
             str(r.fragile_count), "PASS" if r.passed else "FAIL")
        )  # fmt: skip
    width = max([16, *(len(row[0]) for row in rows)])
    acc_width = max([len(accuracy_head), *(len(row[6]) for row in rows)])
    head = (
        f"{'model':{width}} {'input':6} {'golden':7} {'argmax agree':>13} {'max|dp|':>9} {'bit-identical':>13} "
        f"{accuracy_head:>{acc_width}} {'fragile':>7}  result"
    )
    lines = [head, "-" * len(head)]
    for model, inputs, golden, agree, max_abs, bits, accs, fragile, result in rows:
        lines.append(
            f"{model:{width}} {inputs:6} {golden:7} {agree:>13} {max_abs:>9} {bits:>13} {accs:>{acc_width}} "
            f"{fragile:>7}  {result}"
        )
    return "\n".join(lines)


def timings(clock: dict[str, float], wall: float, inference: float, overhead: str, note: str = "") -> str:
    """The time breakdown as a block, one phase a line, and the overhead ratio (with ``note`` below it)."""
    rows = [*clock.items(), ("wall", wall), ("pure inference", inference)]
    width = max(len(name) for name, _ in rows)
    lines = ["time:"] + [f"  {name:{width}} {seconds:8.2f} s" for name, seconds in rows]
    lines.append(f"  {'overhead ratio':{width}} {overhead}")
    return "\n".join([*lines, f"    {note}"] if note else lines)


OVERHEAD_TARGET = 1.5  # wall time over pure inference time, on the whole test set


# --- command line --------------------------------------------------------------------------------------------

RUNTIMES = ("python-ort", "jvm-ort", "keras")
ROOT = Path(__file__).resolve().parents[1]
STDOUT = Path("-")

EXIT_CODES = (
    "exit codes: 0 every model passed; 1 a check failed, or a model could not be compared while others were "
    "(its row says ERROR and why); 2 bad usage or input, and nothing was compared (the command line, a "
    "destination, the data, or every model unusable)"
)


def make_runner(spec: runtime_spec.RuntimeSpec | str, args: argparse.Namespace) -> Runtime:
    return runtimes.create(
        spec, threads=args.threads, batch=args.batch, strict_fp32=args.strict_fp32, optimization=args.optimization
    )


# Errors that concern the whole command, not one model: a provider this machine lacks, a saved run that cannot
# stand in for the live one. They end the command with their one line rather than mark each model's row.
WHOLE_COMMAND = (
    errors.UsageReason.UNSUPPORTED,
    errors.UsageReason.NOT_COMPARABLE,
    errors.UsageReason.CORRUPT_FILE,
)


def runtime_specs(args: argparse.Namespace) -> list[runtime_spec.RuntimeSpec]:
    """``--runtimes`` parsed: at least two, or exactly one (not a saved run) with ``--save-run``.

    Raises:
        UsageError: ``BAD_ARGUMENT`` in one line.
    """
    if args.save_run is None:
        return runtime_spec.parse_list(args.runtimes)
    specs = runtime_spec.parse_list(args.runtimes, least=1)
    if len(specs) != 1 or specs[0].kind == "saved":
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"--save-run: BAD_ARGUMENT: expected one live runtime to save, found {[s.text for s in specs]}",
        )
    given = [option for option, value in (("--json", args.json), ("--report", args.report)) if value is not None]
    if given:  # nothing is compared, so there would be nothing to write: refused rather than ignored
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            "--save-run: BAD_ARGUMENT: expected neither --json nor --report (saving compares nothing, so neither "
            f"would have anything to say), found {' and '.join(given)}",
        )
    return specs


def strict_fp32_note(specs: list[runtime_spec.RuntimeSpec], strict_fp32: bool) -> str | None:
    """What ``--strict-fp32`` did, when it did nothing: CPU runs are always strict float32."""
    if strict_fp32 and not any(s.cuda for s in specs):
        return "--strict-fp32: no runtime runs on CUDA, and the CPU computes in strict float32 anyway: no effect"
    return None


def runtime_line(name: str, out: RunOutput) -> str:
    """One runtime as the table's legend gives it: provider, TF32, CUDA/cuDNN, ONNX Runtime, where it ran."""
    d = out.details
    parts = [out.provider]
    if out.provider == "CUDAExecutionProvider":
        parts.append("TF32 on" if d.get("tf32", True) else "strict float32 (TF32 off)")
        parts.append(f"CUDA {d.get('cuda', 'unknown')}, cuDNN {d.get('cudnn', 'unknown')}")
    if "onnxruntime" in d:
        parts.append(f"ONNX Runtime {d['onnxruntime']}, optimisation {d.get('optimization_level', '?')}")
    if "saved_run" in d:
        machine = d.get("machine", {})
        parts.append(f"saved by {d.get('saved_runtime')} on {machine.get('hostname', '?')} at {d.get('saved_created')}")
    return f"  {name}: {', '.join(parts)}"


def _relative_hint(path: Path) -> str:
    """Where a relative path was looked for: a wrong working directory is the usual cause of a missing one."""
    return "" if path.is_absolute() else f" (relative to the working directory {Path.cwd()})"


def _missing_model_hint(path: Path) -> str:
    if path.is_absolute():
        return ""
    return (
        f" (relative to the working directory {Path.cwd()}; the repository's models are in {ROOT / 'models'}: "
        "run from the repository root, or pass --models with a path)"
    )


def find_models(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob("*.onnx"))
        elif path.suffix == ".onnx" and path.exists():
            found.append(path)
        elif path.exists():
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT,
                f"{path}: expected an .onnx file or a folder of them, found another file",
            )
        else:
            raise errors.UsageError(
                errors.UsageReason.MISSING_FILE,
                f"{path}: expected an .onnx file or a folder of them, found no such path{_missing_model_hint(path)}",
            )
    if not found:
        shipped = any(p.resolve() == ROOT / "models" for p in paths)
        raise errors.UsageError(
            errors.UsageReason.MISSING_FILE,
            f"expected at least one .onnx model in {', '.join(map(str, paths))}, found none"
            + (" (train them with `make models`)" if shipped else ""),
        )
    return found


def _names(models: list[Path]) -> list[str]:
    """Each model's name in the table: its stem, or its path where two models share a stem."""
    stems = [m.stem for m in models]
    return [str(m.with_suffix("")) if stems.count(m.stem) > 1 else m.stem for m in models]


def _destination_error(path: Path, option: str, found: str) -> errors.UsageError:
    return errors.UsageError(errors.UsageReason.BAD_ARGUMENT, f"{path}: expected {option}, found {found}")


def _writable_folder(folder: Path, path: Path, option: str) -> None:
    """``folder`` (where ``path`` will be made) must exist, or be made by mkdir -p, and take new files."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise _destination_error(path, option, f"a file at {existing}, where a folder must be")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _destination_error(path, option, f"no permission to create files in {existing}")


def check_destinations(args: argparse.Namespace) -> None:
    """Refuse, before anything runs, a ``--json`` or ``--report`` that could not be written.

    ``--json``: ``-`` (stdout), a regular file, a new file in an existing folder (or in the ``--report``
    folder, made first), or something written in place such as a device or a pipe (``/dev/stdout``); never a
    folder. ``--report``: a folder, existing or to be made with its parents, whose ``index.html`` is not a folder.
    """
    if args.report is not None:
        option = "a folder for --report"
        if args.report.exists() and not args.report.is_dir():
            raise _destination_error(args.report, option, "a file")
        if (args.report / "index.html").is_dir():
            raise _destination_error(args.report, option, "index.html in it is a folder")
        _writable_folder(args.report, args.report, option)
    if args.json is None or args.json == STDOUT:
        return
    option = "a file for --json"
    target = Path(os.path.realpath(args.json))  # through symlinks: the file they point at is what gets replaced
    if args.json.is_dir():
        raise _destination_error(args.json, option, "a folder")
    if args.json.exists():
        if not os.access(args.json, os.W_OK):
            raise _destination_error(args.json, option, "a file without write permission")
        if not stat.S_ISREG(args.json.stat().st_mode):
            return  # a device or pipe: written in place
    elif args.report is not None and target.parent == Path(os.path.realpath(args.report)):
        return  # the report folder is made before the JSON is written
    elif not target.parent.is_dir():
        raise _destination_error(args.json, option, f"no folder {target.parent}{_relative_hint(args.json)}")
    _writable_folder(target.parent, args.json, option)


def write_json(path: Path, payload: bytes) -> None:
    """``-``: stdout; a regular or new file: replaced atomically; anything else (``/dev/stdout``, a pipe):
    written in place, since renaming over it would replace the device or symlink with a file."""
    if path == STDOUT:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    elif path.exists() and not stat.S_ISREG(path.stat().st_mode):
        with path.open("wb") as out:
            out.write(payload)
    else:
        files.atomic_write(Path(os.path.realpath(path)), payload)


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0 or value == float("inf"):  # NaN compares false: refused with the negatives
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, found {text!r}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {text!r}")
    return value


def _is_stdout(path: Path) -> bool:
    """True when ``path`` is this process's standard output (``/dev/stdout``, ``/proc/self/fd/1``)."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # no such path, or stdout is no file
        return False


def parse_args(argv: Sequence[str] | None, prog: str) -> argparse.Namespace:
    parser = cli.parser(prog, __doc__.split("\n\n")[0])
    parser.epilog = EXIT_CODES
    parser.add_argument(
        "--models",
        nargs="+",
        type=Path,
        default=[javadeps.models_dir()],
        help=f"files or folders (default {javadeps.models_dir()}: the shipped models)",
    )
    parser.add_argument("--dataset", choices=list(data.DATASETS), default="mnist", help="default: mnist")
    parser.add_argument("--data", type=Path, help="test set directory (default: the --dataset's usual place)")
    parser.add_argument(
        "--runtimes",
        default="python-ort,jvm-ort",
        help="comma-separated specs name[:cpu|cuda][@X.Y.Z] (python-ort, jvm-ort, keras) or saved:FILE",
    )
    parser.add_argument("--save-run", type=Path, help="run the one --runtimes and write its outputs to FILE.npz")
    parser.add_argument("--atol", type=_non_negative, help="absolute tolerance (default: by provider, docs/parity.md)")
    parser.add_argument("--rtol", type=_non_negative, default=0.0)
    parser.add_argument(
        "--batch",
        type=_positive,
        help=f"images per call (default: each runtime's; ONNX Runtime's both sides {runtimes.DEFAULT_BATCH})",
    )
    parser.add_argument("--threads", type=_positive, default=1, help="intra-op threads per runtime")
    parser.add_argument(
        "--limit", type=_positive, help="the first N test images only (accuracy then not held to the card)"
    )
    parser.add_argument("--json", type=Path, help="write every figure to this file (- for stdout)")
    parser.add_argument("--report", type=Path, help="write an HTML report into this folder")
    parser.add_argument("--strict-fp32", action="store_true", help="CUDA without TF32 (no effect on the CPU)")
    parser.add_argument(
        "--optimization",
        choices=OPTIMIZATION_LEVELS,
        default=OPTIMIZATION_LEVEL,
        help=f"ONNX Runtime's graph optimisation level in every ONNX Runtime runtime (default {OPTIMIZATION_LEVEL})",
    )
    return cli.finish(parser, argv)


def _progress(message: str) -> None:
    print(f"progress: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    # With --json - (or /dev/stdout), stdout carries the JSON alone and the human summary moves to stderr.
    json_to_stdout = args.json is not None and (args.json == STDOUT or _is_stdout(args.json))
    out = sys.stderr if json_to_stdout else sys.stdout
    specs = runtime_specs(args)
    args.runtimes = [s.text for s in specs]
    check_destinations(args)
    if args.save_run is not None:
        _writable_folder(args.save_run.parent, args.save_run, "a file for --save-run")
    clock: dict[str, float] = {}
    start = time.perf_counter()
    models = find_models(args.models)
    t = time.perf_counter()
    _progress(f"checking the test set in {args.data or data.default_dir(args.dataset)}")
    test_set = data.load_test_set(args.data, args.dataset)
    images = test_set.directory / data.FILES["t10k-images"]
    labels = test_set.dataset.labels.data
    count = test_set.dataset.count
    subset = args.limit is not None and args.limit < count
    clock["data check"] = time.perf_counter() - t
    t = time.perf_counter()
    if any(s.kind == "jvm-ort" and s.version is None for s in specs):
        _progress("starting the JVM for jvm-ort")
    runners = [make_runner(s, args) for s in specs]
    jvm = any(s.kind == "jvm-ort" and s.version is None for s in specs)
    clock["runtime start (JVM)" if jvm else "runtime start"] = time.perf_counter() - t
    for runner in runners:
        if hasattr(runner, "prepare"):  # another ONNX Runtime version: it runs in its own process now
            t = time.perf_counter()
            runner.prepare(models, test_set.directory, args.dataset, args.limit)
            clock[f"{runner.name} (own process)"] = time.perf_counter() - t
    if args.save_run is not None:
        return save_run(args, models, images, test_set, runners[0])
    inputs = read_inputs(runners, images, args.limit, clock)
    results: list[Result] = []
    all_outputs = {}
    here = saved.machine()
    for number, (model, name) in enumerate(zip(models, _names(models), strict=True), 1):
        slow = " (keras: loading TensorFlow and the Keras original)" if any(s.kind == "keras" for s in specs) else ""
        _progress(f"model {number}/{len(models)} {name}: {', '.join(args.runtimes)}{slow}")
        try:
            measured = measure(model, images, runners, args.limit, inputs)
        except errors.DigitBridgeError as exc:
            if exc.reason in WHOLE_COMMAND:
                raise
            code = cli.report(exc, args.debug)  # its error line now, and its row in the table
            results.append(Unusable(name, str(model), getattr(exc.reason, "value", str(exc.reason)), str(exc), code))
            continue
        outputs = measured.outputs
        # The budgets depend on the providers and versions that actually ran, so they are chosen after running.
        ref, *others = outputs.values()
        budgets = {o.runtime: pair_budget(ref, o, args.atol, args.rtol, here) for o in others}
        # judge uses the largest pair budget; this one only when a single runtime ran (no pair to budget).
        tol = Tolerance(CPU_ATOL if args.atol is None else args.atol, args.rtol, "one runtime: the CPU-vs-CPU budget")
        t = time.perf_counter()
        results.append(
            judge(
                measured, labels[: args.limit], tol, canonical_data=test_set.card_data, model_name=name,
                budgets=budgets,
            )
        )  # fmt: skip
        clock["comparison"] = clock.get("comparison", 0.0) + time.perf_counter() - t
        all_outputs[str(model)] = outputs  # by path: models in different folders may share a file name
        for runtime, output in outputs.items():
            for phase, seconds in output.seconds.items():
                clock[f"{runtime} {phase}"] = clock.get(f"{runtime} {phase}", 0.0) + seconds
    wall = time.perf_counter() - start
    compared = [r for r in results if isinstance(r, ModelComparison)]
    if compared:
        status = 0 if all(r.passed for r in results) else 1
    else:
        status = 2 if all(r.exit_code == 2 for r in results) else 1

    shown = min(args.limit or count, count)
    print(f"test set: {test_set.describe()}", file=out)
    if not test_set.card_data:
        print(
            f"  (e) not checked: the model cards' accuracy was measured on the canonical MNIST test set, "
            f"not on this {'' if test_set.canonical or test_set.packed else 'non-canonical '}{test_set.title} one",
            file=out,
        )
    elif subset:
        print(
            f"  (e) not checked: accuracy is on the first {shown} of {count} images; the cards' is on all {count}",
            file=out,
        )
    note = strict_fp32_note(specs, args.strict_fp32)
    if note:
        print(f"note: {note}", file=out)
    first = next(iter(all_outputs.values()), {})
    if first:
        print("runtimes:", file=out)
        for name, output in first.items():
            print(runtime_line(name, output), file=out)
    print(
        table(results, args.runtimes, with_card=test_set.card_data and not subset, images=shown if subset else 0),
        file=out,
    )
    if any(r.pairs for r in compared):
        print(budget_block(compared), file=out)
    for r in results:
        for failure in r.failures:
            print(f"  {r.model}: {failure}", file=out)
    inference = sum(v for k, v in clock.items() if k.endswith(" inference"))
    ratio = wall / inference if inference > 0 else None
    note = ""
    if ratio is None:
        overhead = "-"
        note = "no inference ran"
    elif subset:
        overhead = f"{ratio:8.2f}"
        note = (
            f"not judged: on {shown} of {count} images fixed start-up costs dominate; "
            f"the target <= {OVERHEAD_TARGET} is for the whole test set"
        )
    else:
        verdict = "met" if ratio <= OVERHEAD_TARGET else "NOT met"
        overhead = f"{ratio:8.2f}   (target <= {OVERHEAD_TARGET}: {verdict})"
    print("\n" + timings(clock, wall, inference, overhead, note), file=out)
    if args.report:
        from pybridge.report import RunInfo, write_report

        t = time.perf_counter()
        # The report's run metadata (command line, versions, commit) and the timings printed above.
        info = RunInfo.collect(args, clock=clock, wall=wall, inference=inference)
        page = write_report(args.report, results, all_outputs, test_set, info)
        print(f"report: {page} ({time.perf_counter() - t:.2f} s)", file=out)
    if args.json:
        summary = {
            "passed": status == 0,
            "exit_code": status,
            "limit": args.limit,
            "images": shown,
            "wall_seconds": wall,
            "inference_seconds": inference,
            "overhead_ratio": ratio,
            "overhead_judged": ratio is not None and not subset,
            "time": clock,
            "data": test_set.to_json(),
            "machine": here,
            "notes": [note] if note else [],
            "models": [r.to_json() for r in results],
        }
        write_json(STDOUT if json_to_stdout else args.json, (json.dumps(summary, indent=2) + "\n").encode())
    return status


def budget_block(compared: list[ModelComparison]) -> str:
    """Each pair's budget, why, and the largest difference it met over the models."""
    lines = ["budgets (per pair; docs/parity.md):"]
    seen: dict[tuple, list[PairStats]] = {}
    for r in compared:
        for p in r.pairs:
            seen.setdefault((p.other, p.reference, p.budget), []).append(p)
    for (other, reference, budget), pairs in seen.items():
        worst = max(p.max_abs for p in pairs)
        bits = min(p.bit_identical_values for p in pairs)
        lines.append(
            f"  {other} vs {reference}: atol {budget.atol:g} + rtol {budget.rtol:g}: {budget.basis}; "
            f"met max |diff| {worst:.3g}, {bits:.2%} bit-identical over {len(pairs)} model{'s' * (len(pairs) > 1)}"
        )
    return "\n".join(lines)


def save_run(args: argparse.Namespace, models: list[Path], images: Path, test_set, runner: Runtime) -> int:
    """``--save-run``: the one runtime over every model, written to one file; exit 0 when all were saved."""
    runs = []
    status = 0
    for number, (model, name) in enumerate(zip(models, _names(models), strict=True), 1):
        _progress(f"model {number}/{len(models)} {name}: {runner.name}, saving")
        try:
            contract = model_contract.read(model)
            runs.append((model, name, runner.run(model, images, args.limit, contract)))
        except errors.DigitBridgeError as exc:
            if exc.reason in WHOLE_COMMAND:
                raise
            status = max(status, cli.report(exc, args.debug))
    if not runs:
        return status or 2
    count = len(runs[0][2].probabilities)
    saved.write(args.save_run, runner.name, runs, count, test_set.to_json())
    print(f"saved: {args.save_run}: {runner.name} on {len(runs)} model(s), {count} images")
    return status


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.compare") -> int:
    """Command line entry point; returns the exit code (see ``EXIT_CODES``)."""
    return cli.run(run, parse_args(argv, prog))


if __name__ == "__main__":
    sys.exit(main())
