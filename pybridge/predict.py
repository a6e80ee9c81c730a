"""Read the digits in users' own images: ``python -m pybridge.predict IMG... [--segment] [--runtimes ...]``.

Each image is preprocessed as docs/preprocessing.md says and classified; one line per image (with
``--segment``, one line per line of digits and one per digit) gives the digit, its probability and the top
classes. With ``--runtimes python-ort,jvm-ort`` the JVM preprocesses the same file with the Java twin and runs
the Java ``DigitClassifier``; the command then reports, per image, whether the two 28x28 arrays are identical and
the two runtimes give the same digits with probabilities within 1e-6 (docs/parity.md, CPU vs CPU).

Two warnings ride on the answer (the Java CLI's ``predict`` gives the same, word for word): a digit whose
probability is below ``LOW_CONFIDENCE`` (0.8) is marked ``(low confidence: p < 0.8)`` (``"low_confidence": true``
in JSON), and an image read as one digit in which segmentation finds several says ``N digits found, read here as
one: add --segment to read the number`` (JSON: ``"digits_found"`` and ``"hint"``).

Exit codes: 0 every image read; 1 a check failed (the runtimes disagree, or the model fails its golden check);
2 bad usage, a missing, unloadable or contract-less model, or an image refused (each refused image
gets one ``error: FILE: REASON: detail`` line on stderr and the others are still read). A disagreement (1)
outranks a refused image (2).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pybridge import cli, errors, javadeps, runtimes
from pybridge import contract as model_contract
from pybridge import image as pp
from pybridge.runtimes.base import Model

DEFAULT_MODEL = javadeps.models_dir() / "deeper_cnn.onnx"  # the shipped one, in a checkout or installed
RUNTIMES = ("python-ort", "jvm-ort")
ATOL = 1e-6  # CPU vs CPU with the same ONNX Runtime version: bit-identical expected (docs/parity.md)
# Below this an answer is close to a coin toss. Chosen on the generated user-drawing set (README, "Digits as users
# draw them"): deeper_cnn falls below 0.8 on 8.5% of its 2000 singles and is wrong on 46% of them (1.5% of the
# rest), flagging 74% of its errors (0.6 flagged 58%); best, 4.8%, 48% wrong, 52% of its errors (0.6: 23%). On
# MNIST's test set deeper_cnn falls below 0.8 on 80 of 10,000 images, wrong on 44% of them (0.64% of the rest).
LOW_CONFIDENCE = 0.8
LOW_CONFIDENCE_TEXT = f"(low confidence: p < {LOW_CONFIDENCE:g})"


@dataclass(frozen=True)
class Options:
    """The parsed command line."""

    files: tuple[str, ...]
    model: Path
    segment: bool
    json: bool
    runtimes: tuple[str, ...]
    mode: pp.Mode
    top: int
    threads: int
    debug: bool


@dataclass(frozen=True)
class Reading:
    """What one runtime made of one file: the 28x28 inputs, their metadata and probabilities, or an error."""

    runtime: str
    pixels: np.ndarray = field(default_factory=lambda: np.zeros((0, 28, 28), np.uint8))  # uint8 [n, 28, 28]
    meta: tuple[dict, ...] = ()
    probabilities: np.ndarray = field(default_factory=lambda: np.zeros((0, 10), np.float32))  # float32 [n, 10]
    specks: int = 0
    marks: int = 0
    error: pp.ImageError | None = None

    @property
    def labels(self) -> list[int]:
        return [int(v) for v in self.probabilities.argmax(axis=1)]


@dataclass(frozen=True)
class Agreement:
    """Whether two runtimes read one file the same way."""

    same_outcome: bool  # both read it, or both refused it with the same reason
    differing_pixels: int  # over all digits (-1: different numbers of digits or an outcome differs)
    same_digits: bool
    max_abs_diff: float  # largest |p_other - p_ref|

    @property
    def passed(self) -> bool:
        return self.same_outcome and self.differing_pixels == 0 and self.same_digits and self.max_abs_diff <= ATOL

    def describe(self) -> dict:
        return {
            "passed": self.passed,
            "same_outcome": self.same_outcome,
            "differing_pixels": self.differing_pixels,
            "same_digits": self.same_digits,
            "max_abs_diff": self.max_abs_diff,
            "atol": ATOL,
        }


def compare(ref: Reading, other: Reading) -> Agreement:
    """Compare two runtimes' readings of one file."""
    if ref.error or other.error:
        same = bool(ref.error and other.error and ref.error.reason is other.error.reason)
        return Agreement(same, 0 if same else -1, same, 0.0)
    if ref.pixels.shape != other.pixels.shape:
        return Agreement(False, -1, False, float("inf"))
    diff = float(np.max(np.abs(ref.probabilities - other.probabilities))) if len(ref.probabilities) else 0.0
    return Agreement(True, int(np.count_nonzero(ref.pixels != other.pixels)), ref.labels == other.labels, diff)


# ---- reading a file in one runtime ---------------------------------------------------------------------------


def read(model: Model, file: str, mode: pp.Mode, segment: bool) -> Reading:
    """One file through one runtime: its twin of the preprocessing, then its model; a refusal is a Reading too."""
    try:
        digits = model.preprocess(file, mode, segment)
    except pp.ImageError as exc:
        return Reading(model.runtime, error=exc)
    probabilities = model.predict_pixels(digits.pixels)
    return Reading(model.runtime, digits.pixels, digits.meta, probabilities, digits.specks, digits.marks)


# ---- output ---------------------------------------------------------------------------------------------------


def _top(probabilities: np.ndarray, k: int, labels: list[str]) -> list[tuple[str, float]]:
    order = sorted(range(len(probabilities)), key=lambda c: (-probabilities[c], c))[:k]
    return [(labels[c], float(probabilities[c])) for c in order]


def digit_line(name: str, probabilities: np.ndarray, k: int, labels: list[str]) -> str:
    """``NAME: 7 p=0.998123 top-3: 7 0.998123, 9 0.001012, 2 0.000310`` (the Java CLI's format).

    A probability below ``LOW_CONFIDENCE`` adds `` (low confidence: p < 0.8)``.
    """
    top = _top(probabilities, k, labels)
    ranked = ", ".join(f"{label} {p:.6f}" for label, p in top)
    flag = f" {LOW_CONFIDENCE_TEXT}" if top[0][1] < LOW_CONFIDENCE else ""
    return f"{name}: {top[0][0]} p={top[0][1]:.6f} top-{len(top)}: {ranked}{flag}"


def several_digits_hint(found: int | None) -> str | None:
    """What to tell a user whose image was read as one digit when segmentation finds ``found`` of them."""
    if found is None or found < 2:
        return None
    return f"{found} digits found, read here as one: add --segment to read the number"


def digits_found(file: str, mode: pp.Mode) -> int | None:
    """How many digits segmentation finds in an image read as one digit (None: not an mnist-mode read, or
    segmentation refuses the image), so that a strip read without --segment can say so."""
    if mode is not pp.Mode.MNIST:
        return None
    try:
        return len(pp.segment(file).digits)
    except pp.ImageError:
        return None


def number(reading: Reading, labels: list[str]) -> str:
    return "".join(labels[c] for c in reading.labels)


def human_lines(
    file: str, reading: Reading, segment: bool, k: int, labels: list[str], found: int | None = None
) -> list[str]:
    if not segment:
        hint = several_digits_hint(found)
        return [digit_line(file, reading.probabilities[0], k, labels) + (f"; {hint}" if hint else "")]
    n = len(reading.pixels)
    set_aside = []
    if reading.marks:
        set_aside.append(f"{reading.marks} mark{'s' if reading.marks != 1 else ''} ignored")
    if reading.specks:
        set_aside.append(f"{reading.specks} speck{'s' if reading.specks != 1 else ''} dropped")
    extra = "; " + ", ".join(set_aside) if set_aside else ""
    lines = [f"{file}: number {number(reading, labels)} ({n} digit{'s' if n != 1 else ''}{extra})"]
    lines += [digit_line(f"{file}[{i}]", reading.probabilities[i], k, labels) for i in range(n)]
    return lines


def json_reading(reading: Reading, k: int, labels: list[str]) -> dict:
    if reading.error:
        return {"error": {"reason": reading.error.reason.value, "detail": reading.error.detail}}
    digits = []
    for probabilities, meta in zip(reading.probabilities, reading.meta, strict=True):
        top = _top(probabilities, k, labels)
        digits.append(
            {
                "label": top[0][0],
                "probability": top[0][1],
                "top": [{"label": label, "probability": p} for label, p in top],
                "low_confidence": top[0][1] < LOW_CONFIDENCE,
                "preprocessing": meta,
            }
        )
    return {"number": number(reading, labels), "digits": digits, "specks": reading.specks, "marks": reading.marks}


def agreement_line(file: str, names: tuple[str, str], agreement: Agreement, ref: Reading) -> str:
    a, b = names
    if agreement.passed:
        if ref.error:
            return f"{file}: {a} and {b} agree: both refuse it ({ref.error.reason.value})"
        return (
            f"{file}: {a} and {b} agree: identical 28x28 pixels, same digits, "
            f"max |dp| {agreement.max_abs_diff:.3g} (atol {ATOL:g})"
        )
    problems = []
    if not agreement.same_outcome:
        problems.append("one refuses what the other reads, or they refuse it for different reasons")
    else:
        if agreement.differing_pixels:
            problems.append(f"{agreement.differing_pixels} pixels differ")
        if not agreement.same_digits:
            problems.append("different digits")
        if agreement.max_abs_diff > ATOL:
            problems.append(f"max |dp| {agreement.max_abs_diff:.3g} > atol {ATOL:g}")
    return f"{file}: {a} and {b} DISAGREE: " + "; ".join(problems)


# ---- the command ----------------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None, prog: str) -> Options:
    parser = cli.parser(
        prog, "Read the digit (or, with --segment, the number) in each image; see docs/preprocessing.md."
    )
    parser.add_argument("files", nargs="+", metavar="IMG", help="PNG, JPEG, GIF or BMP files (recognised by content)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help=f"ONNX model (default {DEFAULT_MODEL})")
    parser.add_argument("--segment", action="store_true", help="split a line of digits and print the number")
    # Added here rather than by cli.finish, so the usage line keeps --json where it always stood.
    parser.add_argument("--json", action="store_true", help="one JSON object per image")
    parser.add_argument(
        "--runtimes", default="python-ort", help=f"comma-separated, from {', '.join(RUNTIMES)} (default python-ort)"
    )
    parser.add_argument("--mode", choices=[m.value for m in pp.Mode], default="mnist", help="preprocessing mode")
    parser.add_argument("--top", type=int, default=3, help="how many classes to list (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads (default 1)")
    args = cli.finish(parser, argv)
    chosen = tuple(r.strip() for r in args.runtimes.split(",") if r.strip())
    if not chosen or any(r not in RUNTIMES for r in chosen) or len(set(chosen)) != len(chosen):
        parser.error(f"expected --runtimes from {', '.join(RUNTIMES)}, each once, found {args.runtimes!r}")
    if args.segment and args.mode != "mnist":
        parser.error("--segment preprocesses each digit in mnist mode; it cannot be combined with --mode raw")
    if args.top < 1 or args.threads < 0:
        parser.error("expected --top >= 1 and --threads >= 0")
    return Options(
        tuple(args.files),
        args.model,
        args.segment,
        args.json,
        chosen,
        pp.Mode(args.mode),
        args.top,
        args.threads,
        args.debug,
    )


def missing_model_detail(model: Path) -> str:
    """Why a model is missing, as the Java CLI's predict says it: run elsewhere, a relative path misses."""
    if model.is_absolute():
        return "expected an ONNX model, found no such file (train one with `make models`, or pass --model)"
    return (
        f"expected an ONNX model, found no such file under the working directory {Path.cwd()} "
        "(run from the repository root, or pass --model)"
    )


def read_contract(model: Path) -> dict:
    """The model's contract, read once for every runtime.

    Raises:
        ModelError: the model is missing or cannot be loaded, or it has no usable contract.
    """
    if not model.exists():
        raise errors.ModelError(errors.ModelReason.IO, model, missing_model_detail(model))
    return model_contract.read(model)


def open_model(model: Path, contract: dict, runtime: str, threads: int) -> Model:
    """One runtime with the model loaded and its golden pairs checked (in the JVM by the Java library).

    Raises:
        ModelError: ONNX Runtime cannot load the model, or ``GOLDEN_MISMATCH``: it fails its golden check.
    """
    return runtimes.create(runtime, threads=threads, device="cpu").open(model, contract, check_golden=True)


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.predict") -> int:
    """Read each image; print the digits. Returns 0, 1 (runtimes disagree, golden check) or 2 (bad input)."""
    options = parse(argv, prog)
    # Errors here concern the model: missing or unloadable (2), or failing its golden check (1).
    return cli.run(_open_and_run, options)


def _open_and_run(options: Options) -> int:
    sides: list[Model] = []
    try:
        contract = read_contract(options.model)
        labels = contract["labels"]
        for runtime in options.runtimes:
            sides.append(open_model(options.model, contract, runtime, options.threads))
        return _run(options, sides, labels)
    finally:
        for side in sides:
            side.close()


def _run(options: Options, sides: list[Model], labels: list[str]) -> int:
    refused = disagreed = 0
    for file in options.files:
        readings = [read(side, file, options.mode, options.segment) for side in sides]
        ref = readings[0]
        found = None if options.segment or ref.error else digits_found(file, options.mode)
        agreements = [compare(ref, other) for other in readings[1:]]
        disagreed += any(not a.passed for a in agreements)
        if ref.error:
            refused += 1
            cli.report(ref.error, options.debug)
        if options.json:
            record = {"file": file, "mode": options.mode.value, "segment": options.segment, "runtime": ref.runtime}
            record.update(json_reading(ref, options.top, labels))
            if found is not None:
                record["digits_found"] = found
                if hint := several_digits_hint(found):
                    record["hint"] = hint
            if len(readings) > 1:
                record["others"] = {r.runtime: json_reading(r, options.top, labels) for r in readings[1:]}
                record["agreement"] = {r.runtime: a.describe() for r, a in zip(readings[1:], agreements, strict=True)}
            print(json.dumps(record))
            continue
        if not ref.error:
            print("\n".join(human_lines(file, ref, options.segment, options.top, labels, found)))
        for other, agreement in zip(readings[1:], agreements, strict=True):
            print(agreement_line(file, (ref.runtime, other.runtime), agreement, ref))
    if not options.json and (len(options.files) > 1 or len(sides) > 1):
        summary = f"{len(options.files)} image{'s' if len(options.files) != 1 else ''}: "
        summary += f"{len(options.files) - refused} read, {refused} refused"
        if len(sides) > 1:
            summary += f"; {' and '.join(s.runtime for s in sides)} agree on {len(options.files) - disagreed}"
            summary += f"/{len(options.files)}"
        print(summary)
    if disagreed:
        return 1
    return 2 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
