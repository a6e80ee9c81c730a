"""The HTML parity report: one self-contained page (images inline) per comparison run.

Per model: the figures of every check, a confusion matrix per runtime, a histogram of the per-value
probability differences, and a gallery of every disagreeing or fragile image with its label and each
runtime's top-3.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image

from pybridge import data, files
from pybridge.runtimes.base import RunOutput

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222} h1{font-size:1.5em} h2{margin-top:2em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
.cm td{text-align:right}
.pass{color:#14702a;font-weight:bold} .fail{color:#b00020;font-weight:bold}
.cm td{width:2.6em} .gallery{display:flex;flex-wrap:wrap;gap:12px} .card{border:1px solid #ccc;padding:6px;
font-size:.8em} .card img{image-rendering:pixelated;display:block} .bar{fill:#4a7fb0}
"""


def _png(pixels: np.ndarray, scale: int = 3) -> str:
    image = Image.fromarray(pixels).resize((pixels.shape[1] * scale, pixels.shape[0] * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def confusion(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    matrix = np.zeros((10, 10), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def _confusion_html(name: str, matrix: np.ndarray) -> str:
    peak = max(int(matrix.max()), 1)
    rows = ["<tr><th>label \\ predicted</th>" + "".join(f"<th>{c}</th>" for c in range(10)) + "</tr>"]
    for label in range(10):
        cells = []
        for c in range(10):
            v = int(matrix[label, c])
            shade = 255 - int(180 * math.sqrt(v / peak)) if v else 255
            color = f"rgb({shade},{shade},255)" if label == c else (f"rgb(255,{shade},{shade})" if v else "#fff")
            cells.append(f'<td style="background:{color}">{v}</td>')
        rows.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    return f"<h3>Confusion matrix: {html.escape(name)}</h3><table class='cm'>{''.join(rows)}</table>"


def _histogram_svg(diffs: np.ndarray) -> str:
    """Counts of |difference| per power of ten, with exact zeros in their own bar."""
    zeros = int(np.count_nonzero(diffs == 0))
    nonzero = diffs[diffs > 0]
    edges = list(range(-12, 1))
    counts = [zeros] + [int(np.count_nonzero((nonzero >= 10.0**e) & (nonzero < 10.0 ** (e + 1)))) for e in edges]
    counts[1] += int(np.count_nonzero(nonzero < 1e-12))
    labels = ["0"] + [f"1e{e}" for e in edges]
    width, height, bar = 40 * len(counts), 180, 32
    peak = max(max(counts), 1)
    parts = []
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        h = 0 if count == 0 else max(2, int(140 * math.log10(count + 1) / math.log10(peak + 1)))
        x = i * 40 + 4
        parts.append(f'<rect class="bar" x="{x}" y="{150 - h}" width="{bar}" height="{h}"/>')
        parts.append(f'<text x="{x}" y="165" font-size="9">{label}</text>')
        parts.append(f'<text x="{x}" y="{146 - h}" font-size="9">{count}</text>')
    caption = "values per |p_other - p_reference| decade (log-scaled bars; first bar: bit-identical)"
    return (
        f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}'
        f'<text x="4" y="178" font-size="10">{caption}</text></svg>'
    )


def _gallery(result, pixels: np.ndarray) -> str:
    if not result.fragile:
        return "<p>No disagreeing or fragile images.</p>"
    cards = []
    for item in result.fragile:
        lines = "".join(
            f"<div>{html.escape(name)}: " + ", ".join(f"{c} ({p:.4f})" for c, p in top3) + "</div>"
            for name, top3 in item["top3"].items()
        )
        cards.append(
            f'<div class="card"><img src="{_png(pixels[item["index"]])}" alt="test image {item["index"]}">'
            f"<div>#{item['index']} label {item['label']}</div>{lines}</div>"
        )
    return f'<div class="gallery">{"".join(cards)}</div>'


def _model_section(
    result, outputs: dict[str, RunOutput], labels: np.ndarray, pixels: np.ndarray, canonical: bool
) -> str:
    verdict = '<span class="pass">PASS</span>' if result.passed else '<span class="fail">FAIL</span>'
    rows = [
        f"<tr><th>tolerance</th><td>atol {result.tolerance.atol:g}, rtol {result.tolerance.rtol:g} "
        f"({html.escape(result.tolerance.basis)})</td></tr>"
    ]
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
        unchecked = "" if canonical else " (not compared: this is not the canonical test set it was measured on)"
        rows.append(f"<tr><th>model card accuracy</th><td>{result.card_accuracy:.4%}{unchecked}</td></tr>")
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
            f"<h3>Differences: {html.escape(p.other)} vs {html.escape(p.reference)}</h3>" + _histogram_svg(diffs)
        )
    failures = "".join(f"<li>{html.escape(f)}</li>" for f in result.failures)
    matrices_by_runtime = {n: confusion(labels, o.probabilities.argmax(1)) for n, o in outputs.items()}
    first = next(iter(matrices_by_runtime.values()))
    if all(np.array_equal(m, first) for m in matrices_by_runtime.values()):
        matrices = _confusion_html(" = ".join(matrices_by_runtime) + " (identical)", first)
    else:
        matrices = "".join(_confusion_html(n, m) for n, m in matrices_by_runtime.items())
    return (
        f"<h2>{html.escape(result.model)} {verdict}</h2>"
        + (f"<ul class='fail'>{failures}</ul>" if failures else "")
        + f"<table>{''.join(rows)}</table>{''.join(sections)}{matrices}"
        + f"<h3>Disagreeing or fragile images ({result.fragile_count})</h3>"
        + _gallery(result, pixels)
    )


def write_report(folder: Path, results: list, outputs: dict[str, dict[str, RunOutput]], test_set: data.TestSet) -> Path:
    """Write ``folder/index.html`` for a comparison run over ``test_set``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    pixels, all_labels = test_set.dataset.images.data, test_set.dataset.labels.data
    body = []
    for result in results:
        if result.model not in outputs:  # a model that could not be compared: its reason, nothing to draw
            failure = html.escape("; ".join(result.failures))
            body.append(f"<h2>{html.escape(result.model)}: <span class=fail>ERROR</span></h2><p>{failure}</p>")
            continue
        runs = outputs[result.model]
        n = len(next(iter(runs.values())).probabilities)
        body.append(_model_section(result, runs, all_labels[:n], pixels, test_set.canonical))
    overall = all(r.passed for r in results)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>digitbridge parity report</title>"
        f"<style>{STYLE}</style></head><body><h1>JVM vs Python parity: "
        f"{'<span class=pass>PASS</span>' if overall else '<span class=fail>FAIL</span>'}</h1>"
        f"<p>{len(results)} model(s) on the test set in {html.escape(test_set.describe())}.</p>"
        + "".join(body)
        + "</body></html>"
    )
    path = folder / "index.html"
    files.atomic_write(path, page.encode())
    return path
