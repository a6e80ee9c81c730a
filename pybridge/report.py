"""The HTML parity report: one self-contained page (images inline) per comparison run.

The page opens with a headline saying in plain words what failed (or that nothing did), a summary table with one
row per model linking to its section, the run's metadata (date, command line, commit, versions, dataset hashes,
``--limit``) and its timings. Per model: the figures of every check, a confusion matrix per runtime, a histogram
of the per-value probability differences with the tolerance marked, and a gallery of the images worth a look:
misclassified, disagreeing between runtimes, and closest to flipping (smallest top-2 margin).

Models are keyed by their path everywhere: two models may share a file name in different folders.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import math
import platform
import shlex
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

from pybridge import data, files
from pybridge.runtimes.base import RunOutput

ROOT = Path(__file__).resolve().parent.parent
GALLERY_LIMIT = 12  # cards per gallery category: enough to see a pattern, few enough to keep the page short
FULL_TEST_SET = 10000

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;font-size:15px} h1{font-size:1.5em}
h2{margin-top:2.5em;border-top:2px solid #ccc;padding-top:.6em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f4f4f4} .pass{color:#14702a;font-weight:bold} .fail{color:#b00020;font-weight:bold}
.headline{font-size:1.1em} .headline li{margin:.3em 0} code{font-size:.95em}
.cm td{text-align:right;width:2.8em;color:#000} .cm th{text-align:center}
.gallery{display:flex;flex-wrap:wrap;gap:12px} .card{border:1px solid #ccc;padding:6px;font-size:13px;width:190px}
.card img{image-rendering:pixelated;display:block;margin-bottom:4px} .card .why{color:#555;font-style:italic}
.card .wrong{color:#b00020;font-weight:bold} .bar{fill:#4a7fb0} .note{color:#555}
"""


# --- run metadata --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """What the report says about the run as a whole, beside the per-model figures.

    Attributes:
        command: the command line with every option as it took effect (defaults included), so it reruns as is.
        limit: ``--limit``, or None for the whole test set.
        clock: seconds per phase, as the console prints them.
        wall, inference: the run's wall time and its pure inference time (their ratio is the overhead ratio).
        written: when the report was written, in UTC.
        commit: ``git describe`` of the checkout, or None outside a git checkout.
        versions: tool name -> version.
    """

    command: str
    limit: int | None
    clock: dict[str, float]
    wall: float
    inference: float
    written: str = ""
    commit: str | None = None
    versions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def collect(cls, args: argparse.Namespace, *, clock: dict[str, float], wall: float, inference: float) -> RunInfo:
        """The metadata of the run ``args`` describes, with the versions and commit of this process and checkout."""
        return cls(
            command=effective_command(args),
            limit=getattr(args, "limit", None),
            clock=dict(clock),
            wall=wall,
            inference=inference,
            written=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            commit=git_commit(ROOT),
            versions=versions(),
        )


def effective_command(args: argparse.Namespace, prog: str = "python -m pybridge.compare") -> str:
    """``prog`` with every option ``args`` holds: False and None are left out, lists of names comma-joined."""
    words: list[str] = []
    for name, value in vars(args).items():
        if value is None or value is False:
            continue
        option = "--" + name.replace("_", "-")
        if value is True:
            words.append(option)
        elif isinstance(value, list | tuple):
            # --runtimes takes one comma-separated word; --models takes one word per path
            if value and all(isinstance(v, str) for v in value):
                words += [option, ",".join(value)]
            else:
                words += [option, *map(str, value)]
        else:
            words += [option, str(value)]
    return " ".join([prog, *map(shlex.quote, words)])


def git_commit(folder: Path) -> str | None:
    """``git describe --always --dirty`` of ``folder``, or None when git or the checkout is not there."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    described = done.stdout.strip()
    return described if done.returncode == 0 and described else None


def versions() -> dict[str, str]:
    """Python and numpy of this process, and the JVM's Java when it runs (each runtime reports its ONNX Runtime)."""
    found = {"Python": platform.python_version(), "numpy": np.__version__}
    found["Java"] = _java_version() or "JVM not started in this run"
    return found


def _java_version() -> str | None:
    try:
        import jpype
    except ImportError:
        return None
    if not jpype.isJVMStarted():
        return None
    system = jpype.JClass("java.lang.System")
    return f"{system.getProperty('java.version')} ({system.getProperty('java.vm.name')})"


# --- what failed, in plain words -----------------------------------------------------------------------------


def what_failed(result) -> list[str]:
    """What failed for ``result`` (a ``compare.ModelComparison``), one plain phrase per failed check; empty when
    it passed. Each phrase reads after the model's path ("models/x.onnx failed its golden check: ...").

    Failures this report does not know are given as they are.
    """
    if result.passed:
        return []
    if not hasattr(result, "input_sha256"):  # compare.Unusable: no runtime ran it to the end
        return [f"could not be compared: {result.message}"]
    said: list[str] = []
    known = ("(a)", "(b)", "(c)", "(d)", "(e)")
    if len(set(result.input_sha256.values())) > 1:
        said.append("was given different input tensors by the runtimes (they read or prepared the images differently)")
    golden = [n for n, d in result.golden_max_diff.items() if not d <= result.golden_atol]
    if golden:
        worst = max(result.golden_max_diff[n] for n in golden)
        figures = f"max |diff| {worst:.3g} > atol {result.golden_atol:g}"
        if len(golden) == len(result.golden_max_diff):
            said.append(
                "failed its golden check in every runtime: the file changed after export "
                f"(its outputs no longer match the ones recorded when it was exported; {figures})"
            )
        else:
            said.append(
                f"failed its golden check in {', '.join(golden)} only: that runtime computes differently from the "
                f"export ({figures})"
            )
    for p in result.pairs:
        if p.argmax_agreement != p.images:
            said.append(
                f"gives different digits in {p.other} and {p.reference} for {p.images - p.argmax_agreement} "
                f"of {p.images} images"
            )
        if not p.within_tolerance:
            said.append(
                f"gives probabilities in {p.other} that differ from {p.reference}'s by up to {p.max_abs:.3g}, more "
                f"than the tolerance (atol {(p.budget or result.tolerance).atol:g})"
            )
    for name, acc in result.accuracy.items():
        if any(f.startswith(f"(e) {name} ") for f in result.failures):
            said.append(f"scores {acc:.2%} in {name}, not the model card's {result.card_accuracy:.2%}")
    said += [f for f in result.failures if not f.startswith(known)]
    return said


# --- pieces of a section -------------------------------------------------------------------------------------


def _png(pixels: np.ndarray, scale: int = 3) -> str:
    image = Image.fromarray(pixels).resize((pixels.shape[1] * scale, pixels.shape[0] * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def confusion(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    matrix = np.zeros((10, 10), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def _blend(weight: float, full: tuple[int, int, int]) -> str:
    """White blended toward ``full`` by ``weight`` in [0, 1]: light enough that black text stays readable."""
    r, g, b = (round(255 - weight * (255 - c)) for c in full)
    return f"rgb({r},{g},{b})"


DIAGONAL_FULL = (120, 190, 230)  # light blue: correct
ERROR_FULL = (250, 140, 110)  # light red: confused


def _confusion_html(title: str, matrix: np.ndarray) -> str:
    peak = max(int(matrix.max()), 1)
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    off_peak = max(int(off.max()), 1)
    rows = ["<tr><th>label \\ predicted</th>" + "".join(f"<th>{c}</th>" for c in range(10)) + "</tr>"]
    for label in range(10):
        cells = []
        for c in range(10):
            v = int(matrix[label, c])
            if label == c:
                color = _blend(math.sqrt(v / peak), DIAGONAL_FULL)
            else:  # scaled to the largest confusion, so rare mistakes still show
                color = _blend(math.sqrt(v / off_peak), ERROR_FULL) if v else "#fff"
            cells.append(f'<td style="background:{color}">{v}</td>')
        rows.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    return f"<h3>Confusion matrix: {html.escape(title)}</h3><table class='cm'>{''.join(rows)}</table>"


HIST_STEP = 56  # px per bar: room for a 13 px "1e-12" label under each
HIST_FONT = 13


def _histogram_svg(diffs: np.ndarray, atol: float) -> str:
    """Counts of |difference| per power of ten, exact zeros in their own bar, with the tolerance ``atol`` marked."""
    zeros = int(np.count_nonzero(diffs == 0))
    nonzero = diffs[diffs > 0]
    edges = list(range(-12, 1))
    counts = [zeros] + [int(np.count_nonzero((nonzero >= 10.0**e) & (nonzero < 10.0 ** (e + 1)))) for e in edges]
    counts[1] += int(np.count_nonzero(nonzero < 1e-12))
    counts[-1] += int(np.count_nonzero(nonzero >= 10.0))
    labels = ["0"] + [f"1e{e}" for e in edges]
    width, height, top, base = HIST_STEP * len(counts) + 10, 250, 40, 190
    peak = max(max(counts), 1)
    parts = []
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        h = 0 if count == 0 else max(2, int((base - top - 20) * math.log10(count + 1) / math.log10(peak + 1)))
        x = i * HIST_STEP + 6
        parts.append(f'<rect class="bar" x="{x}" y="{base - h}" width="{HIST_STEP - 10}" height="{h}"/>')
        parts.append(f'<text x="{x}" y="{base + 18}" font-size="{HIST_FONT}">{label}</text>')
        parts.append(f'<text x="{x}" y="{base - h - 4}" font-size="{HIST_FONT}">{count}</text>')
    # Bar i >= 1 holds [1e(i-13), 1e(i-12)); the marker sits where atol falls on that log axis.
    position = 1 + min(max(math.log10(atol) + 12, 0.0), 13.0) if atol > 0 else 1.0
    mx = round(position * HIST_STEP + 1, 1)
    parts.append(
        f'<line class="tol" x1="{mx}" y1="{top - 8}" x2="{mx}" y2="{base}" stroke="#b00020" '
        'stroke-width="2" stroke-dasharray="5,3"/>'
    )
    anchor = "end" if position > len(counts) / 2 else "start"
    tx = mx - 4 if anchor == "end" else mx + 4
    parts.append(
        f'<text x="{tx}" y="{top - 12}" font-size="{HIST_FONT}" fill="#b00020" text-anchor="{anchor}">'
        f"tolerance atol {atol:g}: differences right of this line fail</text>"
    )
    caption = "values per |p_other - p_reference| decade (log-scaled bars; first bar: bit-identical)"
    return (
        f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}'
        f'<text x="6" y="{base + 44}" font-size="{HIST_FONT}">{caption}</text></svg>'
    )


@dataclass
class _Pick:
    """One gallery category: the images chosen, why each is shown, and how many qualified in all."""

    title: str
    empty: str
    indices: list[int]
    why: dict[int, str]
    total: int


def gallery_picks(outputs: dict[str, RunOutput], labels: np.ndarray, limit: int = GALLERY_LIMIT) -> list[_Pick]:
    """Misclassified images (most confident mistakes first), JVM/Python disagreements, and the images closest to
    flipping (smallest top-2 margin in any runtime), at most ``limit`` of each."""
    predictions = {n: o.probabilities.argmax(1) for n, o in outputs.items()}
    names = list(outputs)
    top = {n: np.sort(o.probabilities, axis=1) for n, o in outputs.items()}

    wrong = np.zeros(len(labels), dtype=bool)
    confidence = np.zeros(len(labels))
    for n in names:
        wrong |= predictions[n] != labels
        confidence = np.maximum(confidence, np.where(predictions[n] != labels, top[n][:, -1], 0.0))
    mistakes = np.flatnonzero(wrong)
    mistakes = mistakes[np.argsort(-confidence[mistakes], kind="stable")]
    misclassified = _Pick(
        "Misclassified (most confident mistakes first)",
        "No image is misclassified.",
        mistakes[:limit].tolist(),
        {int(i): "misclassified by " + _who(i, predictions, labels) for i in mistakes[:limit]},
        int(mistakes.size),
    )

    differs = np.zeros(len(labels), dtype=bool)
    for n in names[1:]:
        differs |= predictions[n] != predictions[names[0]]
    disagreeing = np.flatnonzero(differs)
    disagreements = _Pick(
        "Runtimes disagree",
        "The runtimes predict the same digit for every image.",
        disagreeing[:limit].tolist(),
        {int(i): "the runtimes predict different digits" for i in disagreeing[:limit]},
        int(disagreeing.size),
    )

    margin = np.min(np.stack([top[n][:, -1] - top[n][:, -2] for n in names]), axis=0)
    closest = np.argsort(margin, kind="stable")[:limit]
    near = _Pick(
        "Closest to flipping (smallest top-2 margin)",
        "No images.",
        closest.tolist(),
        {int(i): f"top-2 margin {margin[i]:.3g}" for i in closest},
        len(labels),
    )
    return [misclassified, disagreements, near]


def _who(i: int, predictions: dict[str, np.ndarray], labels: np.ndarray) -> str:
    wrong = [n for n, p in predictions.items() if p[i] != labels[i]]
    return "every runtime" if len(wrong) == len(predictions) else ", ".join(wrong)


def _card(i: int, pixels: np.ndarray, label: int, outputs: dict[str, RunOutput], why: str) -> str:
    """One image: its label, each runtime's two likeliest digits (one line for runtimes that agree bit for bit
    on this image), a wrong prediction marked, and why it is shown."""
    lines: dict[bytes, list[str]] = {}
    for name, out in outputs.items():
        lines.setdefault(out.probabilities[i].tobytes(), []).append(name)
    rendered = []
    for names in lines.values():
        probs = outputs[names[0]].probabilities[i]
        first, second = np.argsort(-probs, kind="stable")[:2]
        mark = ' class="wrong"' if first != label else ""
        rendered.append(
            f"<div>{html.escape(' = '.join(names))}: <span{mark}>{first}</span> ({probs[first]:.4f}), "
            f"then {second} ({probs[second]:.4f})</div>"
        )
    return (
        f'<div class="card"><img src="{_png(pixels[i])}" alt="test image {i}, label {label}">'
        f"<div>image #{i} &middot; <b>label {label}</b></div>{''.join(rendered)}"
        f'<div class="why">shown: {html.escape(why)}</div></div>'
    )


def _gallery(outputs: dict[str, RunOutput], labels: np.ndarray, pixels: np.ndarray) -> str:
    parts = []
    for pick in gallery_picks(outputs, labels):
        shown = f"{len(pick.indices)} of {pick.total}" if pick.total > len(pick.indices) else f"{pick.total}"
        parts.append(f"<h3>{html.escape(pick.title)}: {shown}</h3>")
        if not pick.indices:
            parts.append(f"<p>{html.escape(pick.empty)}</p>")
            continue
        cards = [_card(i, pixels, int(labels[i]), outputs, pick.why[i]) for i in pick.indices]
        parts.append(f'<div class="gallery">{"".join(cards)}</div>')
    return "".join(parts)


# --- the page ------------------------------------------------------------------------------------------------


def display_path(path: str) -> str:
    """``path`` relative to the working directory when it lies inside it: short, and still tells folders apart."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def _anchor(number: int) -> str:
    return f"model-{number}"


def _verdict(passed: bool) -> str:
    return '<span class="pass">PASS</span>' if passed else '<span class="fail">FAIL</span>'


def _card_user_drawings(model: Path) -> dict | None:
    """The card's figures on the generated user-drawing set, if it has been scored (training.userset --score)."""
    from pybridge import contract

    card = model.with_suffix(".json")
    return contract.read_card(card).get("user_drawings") if card.exists() else None


def _model_section(number: int, result, outputs: dict[str, RunOutput], labels: np.ndarray, pixels, card_data) -> str:
    rows = [
        f"<tr><th>file</th><td><code>{html.escape(result.path)}</code></td></tr>",
    ]
    for p in result.pairs:
        budget = p.budget or result.tolerance
        rows.append(
            f"<tr><th>budget {html.escape(p.other)} vs {html.escape(p.reference)}</th><td>atol {budget.atol:g}, "
            f"rtol {budget.rtol:g} ({html.escape(budget.basis)})</td></tr>"
        )
    for name, run in result.runs.items():
        settings = ", ".join(f"{k} {v}" for k, v in run.items() if k not in ("seconds", "provider"))
        timing = ", ".join(f"{k} {v:.2f} s" for k, v in run["seconds"].items())
        rows.append(
            f"<tr><th>{html.escape(name)}</th><td>{html.escape(run['provider'])}; {html.escape(settings)}; "
            f"{html.escape(timing)}</td></tr>"
        )
        rows.append(f"<tr><th>input sha256 ({html.escape(name)})</th><td>{result.input_sha256[name]}</td></tr>")
        rows.append(
            f"<tr><th>golden max |diff| ({html.escape(name)})</th><td>{result.golden_max_diff[name]:.3g} "
            f"(atol {result.golden_atol:g})</td></tr>"
        )
        rows.append(f"<tr><th>accuracy ({html.escape(name)})</th><td>{result.accuracy[name]:.4%}</td></tr>")
    if result.card_accuracy is not None:
        if not card_data:
            unchecked = " (not compared: this is not the canonical test set it was measured on)"
        elif len(labels) != FULL_TEST_SET:
            unchecked = f" (not compared: measured on all {FULL_TEST_SET} images, this run used {len(labels)})"
        else:
            unchecked = ""
        rows.append(f"<tr><th>model card accuracy</th><td>{result.card_accuracy:.4%}{unchecked}</td></tr>")
    user = _card_user_drawings(Path(result.path))
    if user is not None:
        rows.append(
            f"<tr><th>model card: user drawings</th><td>singles {user['singles']:.2%}, strips {user['strips']:.2%} "
            f"({user['singles_count']} and {user['strips_count']} images drawn by python -m training.userset)</td></tr>"
        )
    sections = []
    ref = next(iter(outputs.values()))
    for p in result.pairs:
        rows.append(
            f"<tr><th>{html.escape(p.other)} vs {html.escape(p.reference)}</th><td>argmax {p.argmax_agreement}/"
            f"{p.images}; max abs {p.max_abs:.3g}, mean abs {p.mean_abs:.3g}; max rel {p.max_rel:.3g}, mean rel "
            f"{p.mean_rel:.3g}; bit-identical values {p.bit_identical_values:.4%}, images "
            f"{p.bit_identical_images:.4%}; smallest passing atol {p.smallest_passing_atol:.3g}</td></tr>"
        )
        diffs = np.abs(outputs[p.other].probabilities - ref.probabilities).ravel()
        sections.append(
            f"<h3>Differences: {html.escape(p.other)} vs {html.escape(p.reference)}</h3>"
            + _histogram_svg(diffs, result.tolerance.atol)
        )
    plain = "".join(f"<li>{html.escape(s)}</li>" for s in what_failed(result))
    technical = "".join(f"<li><code>{html.escape(f)}</code></li>" for f in result.failures)
    matrices_by_runtime = {n: confusion(labels, o.probabilities.argmax(1)) for n, o in outputs.items()}
    first = next(iter(matrices_by_runtime.values()))
    if all(np.array_equal(m, first) for m in matrices_by_runtime.values()):
        matrices = _confusion_html(" = ".join(matrices_by_runtime) + " (identical)", first)
    else:
        matrices = "".join(_confusion_html(n, m) for n, m in matrices_by_runtime.items())
    return (
        f'<h2 id="{_anchor(number)}">{number}. {html.escape(display_path(result.path))} {_verdict(result.passed)}</h2>'
        + (f"<ul class='fail'>{plain}</ul><p>Checks that failed:</p><ul>{technical}</ul>" if technical else "")
        + f"<table>{''.join(rows)}</table>{''.join(sections)}{matrices}"
        + _gallery(outputs, labels, pixels)
        + '<p><a href="#summary">back to the summary</a></p>'
    )


def headline(results: list) -> str:
    """The page's first line: which models failed and what failed, in plain words, or that all passed."""
    failed = [r for r in results if not r.passed]
    if not failed:
        pairs = [p for r in results for p in r.pairs]
        how = "bit for bit" if pairs and all(p.bit_identical_values == 1.0 for p in pairs) else "within tolerance"
        runtimes = sorted({n for r in results for n in r.runs})
        which = "the model passes" if len(results) == 1 else f"all {len(results)} models pass"
        return f"PASS: {which} every check; {' and '.join(runtimes)} agree {how}"
    first = failed[0]
    said = f"FAIL: {display_path(first.path)} {'; '.join(what_failed(first))}"
    if len(failed) > 1:
        more = "1 more model" if len(failed) == 2 else f"{len(failed) - 1} more models"
        said += f" (and {more} failed: see the summary)"
    return said


def _summary(results: list) -> str:
    rows = [
        "<tr><th>#</th><th>model</th><th>runtimes</th><th>result</th><th>what failed</th>"
        "<th>argmax agreement</th><th>accuracy</th></tr>"
    ]
    for number, r in enumerate(results, 1):
        failed = "".join(f"<div>{html.escape(s)}</div>" for s in what_failed(r)) or "&mdash;"
        agree = "; ".join(f"{p.argmax_agreement}/{p.images}" for p in r.pairs) or "&mdash;"
        if len(set(r.accuracy.values())) == 1:
            accuracy = f"{next(iter(r.accuracy.values())):.2%} in every runtime"
        else:
            accuracy = "".join(f"<div>{html.escape(n)} {a:.2%}</div>" for n, a in r.accuracy.items()) or "&mdash;"
        rows.append(
            f'<tr><td>{number}</td><td><a href="#{_anchor(number)}">{html.escape(display_path(r.path))}</a></td>'
            f"<td>{html.escape(', '.join(r.runs))}</td><td>{_verdict(r.passed)}</td><td>{failed}</td>"
            f"<td>{agree}</td><td>{accuracy}</td></tr>"
        )
    return f'<h2 id="summary">Summary</h2><table class="summary">{"".join(rows)}</table>'


def _metadata(info: RunInfo | None, test_set: data.TestSet, results: list, images: int) -> str:
    rows: list[tuple[str, str]] = []
    if info is not None:
        rows += [("date", info.written), ("command line", f"<code>{html.escape(info.command)}</code>")]
        rows.append(("git commit", html.escape(info.commit or "not available (not a git checkout)")))
        rows += [(html.escape(k), html.escape(v)) for k, v in info.versions.items()]
    for name, version in sorted({(n, str(r.runs[n].get("onnxruntime"))) for r in results for n in r.runs}):
        rows.append((f"ONNX Runtime in {html.escape(name)}", html.escape(version)))
    rows.append(("dataset", html.escape(test_set.describe())))
    rows += [(f"{html.escape(k)} md5 (uncompressed)", f"<code>{v}</code>") for k, v in test_set.md5.items()]
    limit = info.limit if info is not None else None
    if limit is None:
        rows.append(("--limit", f"none: all {images} images"))
    else:
        rows.append(
            (
                "--limit",
                f"{limit}: the first {images} of {test_set.dataset.count} images; accuracy is this subset's and is not "
                "held to the model card",
            )
        )
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    runtimes = list(dict.fromkeys(n for r in results for n in r.runs))
    return f"<h2>Run</h2><table>{table}</table>" + (_timings(info, runtimes) if info is not None else "")


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 0.1 else f"{value:.2f} s"


def _timings(info: RunInfo, runtimes: list[str]) -> str:
    """Phases per runtime in one row each, then the run-wide phases, the totals and the overhead ratio."""
    per_runtime: dict[str, dict[str, float]] = {n: {} for n in runtimes}
    general: dict[str, float] = {}
    for key, value in info.clock.items():
        owner = next((n for n in runtimes if key.startswith(n + " ")), None)
        if owner is None:
            general[key] = value
        else:
            per_runtime[owner][key[len(owner) + 1 :]] = value
    phases = list(dict.fromkeys(p for seconds in per_runtime.values() for p in seconds))
    rows = ["<tr><th>runtime</th>" + "".join(f"<th>{html.escape(p)}</th>" for p in phases) + "</tr>"]
    for name, seconds in per_runtime.items():
        cells = "".join(f"<td>{_seconds(seconds[p]) if p in seconds else '&mdash;'}</td>" for p in phases)
        rows.append(f"<tr><th>{html.escape(name)}</th>{cells}</tr>")
    ratio = info.wall / info.inference if info.inference > 0 else float("inf")
    note = (
        "; with --limit, start-up and loading outweigh the few images inferred, so the ratio says little"
        if info.limit is not None
        else ""
    )
    totals = [(html.escape(k), _seconds(v)) for k, v in general.items()] + [
        ("wall", _seconds(info.wall)),
        ("pure inference", _seconds(info.inference)),
        ("overhead ratio", f"{ratio:.2f} (wall / inference; target &lt;= 1.5{note})"),
    ]
    return (
        f"<h2>Timings</h2><table>{''.join(rows)}</table>"
        f"<table>{''.join(f'<tr><th>{k}</th><td>{v}</td></tr>' for k, v in totals)}</table>"
    )


def write_report(
    folder: Path,
    results: list,
    outputs: dict[str, dict[str, RunOutput]],
    test_set: data.TestSet,
    info: RunInfo | None = None,
) -> Path:
    """Write ``folder/index.html`` for a comparison run over ``test_set``; return its path.

    Args:
        results: one ``compare.ModelComparison`` per model, in the order they ran.
        outputs: each model's runtime outputs, keyed by the model's path (``result.path``).
        info: the run's metadata and timings; without it the page has no date, command line or timings.
    """
    folder.mkdir(parents=True, exist_ok=True)
    pixels, all_labels = test_set.dataset.images.data, test_set.dataset.labels.data
    body = []
    images = 0
    for number, result in enumerate(results, 1):
        if result.path not in outputs:  # a model that could not be compared: its reason, nothing to draw
            failure = html.escape("; ".join(result.failures))
            body.append(
                f'<h2 id="{_anchor(number)}">{number}. {html.escape(display_path(result.path))}: '
                f"<span class=fail>ERROR</span></h2><p>{failure}</p>"
            )
            continue
        runs = outputs[result.path]
        n = len(next(iter(runs.values())).probabilities)
        images = max(images, n)
        body.append(_model_section(number, result, runs, all_labels[:n], pixels, test_set.card_data))
    overall = all(r.passed for r in results)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>digitbridge parity report: "
        f"{'PASS' if overall else 'FAIL'}</title><style>{STYLE}</style></head><body>"
        f"<h1 class='{'pass' if overall else 'fail'}'>{html.escape(headline(results))}</h1>"
        f"<p>{len(results)} model(s) compared on {images} image(s) of the test set in "
        f"{html.escape(test_set.describe())}.</p>"
        + _summary(results)
        + _metadata(info, test_set, results, images)
        + "".join(body)
        + "</body></html>"
    )
    path = folder / "index.html"
    files.atomic_write(path, page.encode())
    return path
