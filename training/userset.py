"""Digits as users draw them: a generated evaluation set, and each model's accuracy on it in its card.

    python -m training.userset --out DIR [--seed S] [--singles N] [--strips N] [--exclude SET ...]
    python -m training.userset --score MODELS_DIR [--set DIR]

``--out`` draws the set, deterministically (the same seed and counts give the same bytes):

- ``singles/<label>/NNNNN.png|jpg``: MNIST *test* digits (never training digits: models are scored on them)
  redrawn as a user would, one condition set per image: pen width from a one-pixel hairline to a marker (the
  digit's skeleton redrawn with a round pen) or the digit's own strokes thinned or thickened (grey morphology),
  digit height 16 to 480 pixels, margins and placement, blur, sensor noise, ink and paper grey levels, dark on
  light or light on dark, PNG or JPEG (quality 30 to 95); and digits typeset in the fonts Debian ships
  (fonts-dejavu, fonts-liberation), in the same conditions.
- ``strips/NNNNN.png|jpg`` with ``strips/labels.csv`` (``file,label``): numbers of 2 to 6 digits, handwritten
  (MNIST test digits not used by the singles) or typeset, with varied spacing, read with the project's
  segmentation (``--segment``). Digits never touch: touching digits are one component, a documented limit.
- ``singles-idx/`` and ``strips-idx/``: the same images packed by ``pybridge.pack`` (as ``python -m pybridge.data
  pack``), the form ``python -m pybridge.compare --data DIR`` reads; ``strips-idx`` holds one sample per digit.
- ``USERSET.json``: the seed, the counts and every image's conditions.

``--exclude SET`` draws a development set: no MNIST test digit that ``SET`` (a drawn set's folder or its
``USERSET.json``) used is drawn again, so choices made on it are not made on the evaluation set. Give it another
seed (``--seed``); every excluded set's seed, counts and digit count are recorded under ``excludes``. It may be
given more than once (a second development set, kept apart from the evaluation set and the first).

``--score`` preprocesses the set with ``pybridge.image`` (the documented preprocessing, as the CLIs do), runs
every ``MODELS_DIR/<name>.onnx`` with ONNX Runtime and writes the figures into ``<name>.json`` under
``user_drawings``: singles read right, strips whose whole number is read right, and how the low-confidence
flag splits the errors. Exit codes: 0 ok, 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from pybridge import cli, data, errors, pack
from pybridge import image as pp
from pybridge.files import atomic_write
from pybridge.predict import LOW_CONFIDENCE

DEFAULT_SEED = 20261130
DEFAULT_SINGLES = 2000
DEFAULT_STRIPS = 500
DEFAULT_SET = Path.home() / ".cache" / "digitbridge" / "userset"
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONT_FRACTION = 0.15  # of the singles and of the strips: typeset digits
MIN_HEIGHT, MAX_HEIGHT = 16, 480  # digit height in pixels
SWEEP = (0.5, 0.6, 0.7, 0.8, 0.9)


def fonts() -> list[Path]:
    """The digit fonts: every DejaVu and Liberation TrueType file but the maths font, in a fixed order."""
    found = sorted(p for d in FONT_DIRS for p in d.glob("*.ttf") if "Math" not in p.name)
    if not found:
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"fonts: expected the TrueType files of fonts-dejavu and fonts-liberation in "
            f"{' and '.join(map(str, FONT_DIRS))}, found none",
        )
    return found


# ---- drawing ------------------------------------------------------------------------------------------------


def _thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a boolean image to one-pixel lines (vectorised sub-iterations)."""
    img = mask.copy()
    while True:
        changed = False
        for step in (0, 1):
            p = np.pad(img, 1)
            n = [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:], p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]
            count = sum(v.astype(np.int8) for v in n)
            transitions = sum((~n[k] & n[(k + 1) % 8]).astype(np.int8) for k in range(8))
            p2, p4, p6, p8 = n[0], n[2], n[4], n[6]
            first = ~(p2 & p4 & p6) & ~(p4 & p6 & p8)
            keep_shape = first if step == 0 else ~(p2 & p4 & p8) & ~(p2 & p6 & p8)
            remove = img & (count >= 2) & (count <= 6) & (transitions == 1) & keep_shape
            if remove.any():
                img[remove] = False
                changed = True
        if not changed:
            return img


def skeleton_segments(digit: np.ndarray) -> np.ndarray:
    """The digit's centre lines as segments [k, 2, 2] (y, x) in the 28x28 frame: thinned at 4x, 8-connected."""
    big = np.asarray(Image.fromarray(digit).resize((112, 112), Image.BICUBIC)) >= 128
    skel = _thin(big)
    ys, xs = np.nonzero(skel)
    segments = []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny < 112) & (nx >= 0) & (nx < 112)
        ok[ok] = skel[ny[ok], nx[ok]]
        segments.append(np.stack([np.stack([ys[ok], xs[ok]], 1), np.stack([ny[ok], nx[ok]], 1)], 1))
    lonely = np.array([[[y, x], [y, x]] for y, x in zip(ys, xs, strict=True)]).reshape(-1, 2, 2)
    return (np.concatenate([*segments, lonely]).astype(np.float64) + 0.5) / 4


def _ink_box(digit: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(digit >= 128)
    return int(ys.min()), int(xs.min()), int(ys.max()) + 1, int(xs.max()) + 1


def _coverage_mnist(digit: np.ndarray, rng: np.random.Generator, height: int) -> tuple[np.ndarray, dict]:
    """Ink coverage (float [h, w] in 0..1) of one MNIST digit drawn ``height`` pixels tall, and how it was drawn."""
    y0, x0, y1, x1 = _ink_box(digit)
    scale = height / (y1 - y0)
    width = max(1, round((x1 - x0) * scale))
    if rng.random() < 0.6:
        # A pen following the digit's centre line: hairline to marker, relative to the digit's height.
        pen = float(np.exp(rng.uniform(np.log(1.0), np.log(max(1.5, 0.28 * height)))))
        pad = int(pen) + 2
        canvas = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
        draw = ImageDraw.Draw(canvas)
        segs = (skeleton_segments(digit) - [y0, x0]) * scale + pad
        r = pen / 2
        for (ya, xa), (yb, xb) in segs:
            draw.line([(xa, ya), (xb, yb)], fill=255, width=max(1, round(pen)))
            if pen > 2:
                draw.ellipse([xa - r, ya - r, xa + r, ya + r], fill=255)
        return np.asarray(canvas, np.float64) / 255, {"stroke": "pen", "stroke_px": round(pen, 2)}
    # The digit's own strokes, scaled, then thinned or thickened by grey morphology.
    crop = Image.fromarray(digit[y0:y1, x0:x1])
    cov = np.asarray(crop.resize((width, height), Image.BICUBIC), np.float64) / 255
    radius = rng.uniform(-0.03, 0.12) * height
    size = 2 * int(abs(radius)) + 1
    if size > 1:
        yy, xx = np.mgrid[-(size // 2) : size // 2 + 1, -(size // 2) : size // 2 + 1]
        disc = yy**2 + xx**2 <= (size // 2) ** 2
        pad = size
        cov = np.pad(cov, pad)
        cov = (ndimage.grey_dilation if radius > 0 else ndimage.grey_erosion)(cov, footprint=disc)
    # MNIST's strokes are about a tenth of the digit's height wide.
    stroke = 0.1 * height + 2 * radius
    return np.clip(cov, 0, 1), {"stroke": "own", "morphology_px": round(radius, 2), "stroke_px": round(stroke, 2)}


def _coverage_text(text: str, font_path: Path, height: int, gaps: Sequence[float]) -> np.ndarray:
    """Ink coverage of ``text`` typeset in ``font_path``, digits ``height`` pixels tall, ``gaps`` x height apart."""
    font = ImageFont.truetype(str(font_path), size=max(8, round(height * 1.4)))
    glyphs = []
    for ch in text:
        left, top, right, bottom = font.getbbox(ch)
        im = Image.new("L", (right - left + 4, bottom - top + 4), 0)
        ImageDraw.Draw(im).text((2 - left, 2 - top), ch, font=font, fill=255)
        glyphs.append(np.asarray(im, np.float64) / 255)
    return _row(glyphs, [g * height for g in gaps], [0.0] * len(glyphs))


def _row(pieces: list[np.ndarray], gaps: Sequence[float], drops: Sequence[float]) -> np.ndarray:
    """Pieces side by side, ``gaps[i]`` pixels before piece i+1, each lowered by ``drops[i]`` pixels."""
    tops = [round(d) for d in drops]
    base = min(tops)
    tops = [t - base for t in tops]
    height = max(t + p.shape[0] for t, p in zip(tops, pieces, strict=True))
    lefts, x = [], 0
    for i, p in enumerate(pieces):
        lefts.append(x)
        x += p.shape[1] + (round(gaps[i]) if i < len(gaps) else 0)
    out = np.zeros((height, x), np.float64)
    for t, lft, p in zip(tops, lefts, pieces, strict=True):
        out[t : t + p.shape[0], lft : lft + p.shape[1]] = np.maximum(out[t : t + p.shape[0], lft : lft + p.shape[1]], p)
    return out


def _finish(cov: np.ndarray, rng: np.random.Generator, height: int, stroke: float) -> tuple[bytes, str, dict]:
    """Put the drawing on a page: margins, blur, grey levels, polarity, noise, a file format. Returns the file.

    Blur is at most the stroke's width: a hairline blurred by many times its width is no longer on the page.
    """
    m = rng.uniform(0.05, 1.2, 4) * height
    top, bottom, left, right = (int(v) + 2 for v in m)
    page = np.pad(cov, ((top, bottom), (left, right)))
    # A landscape canvas now and then, the drawing somewhere in it (a paint program's default page).
    if rng.random() < 0.2 and page.shape[0] * page.shape[1] < 600_000:
        ch, cw = max(page.shape[0], 300), max(page.shape[1], int(page.shape[0] * 4 / 3), 400)
        oy, ox = rng.integers(0, ch - page.shape[0] + 1), rng.integers(0, cw - page.shape[1] + 1)
        big = np.zeros((ch, cw))
        big[oy : oy + page.shape[0], ox : ox + page.shape[1]] = page
        page = big
    blur = float(rng.uniform(0, min(0.05 * height, stroke))) if rng.random() < 0.4 else 0.0
    if blur > 0.3:
        page = ndimage.gaussian_filter(page, blur)
    dark_on_light = rng.random() < 0.75
    paper, ink = float(rng.uniform(170, 255)), float(rng.uniform(0, 80))
    if not dark_on_light:
        paper, ink = float(rng.uniform(0, 60)), float(rng.uniform(180, 255))
    gray = paper + (ink - paper) * page
    noise = float(rng.uniform(0, 10)) if rng.random() < 0.3 else 0.0
    if noise:
        gray = gray + rng.normal(0, noise, gray.shape)
    img = Image.fromarray(np.clip(np.rint(gray), 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    conditions = {
        "page": [img.height, img.width],
        "blur_sigma_px": round(blur, 2),
        "polarity": "dark-on-light" if dark_on_light else "light-on-dark",
        "paper": round(paper),
        "ink": round(ink),
        "noise_sigma": round(noise, 2),
    }
    if rng.random() < 0.4:
        quality = int(rng.integers(30, 96))
        img.save(buf, "JPEG", quality=quality)
        conditions["jpeg_quality"] = quality
        return buf.getvalue(), "jpg", conditions
    img.save(buf, "PNG")
    return buf.getvalue(), "png", conditions


def _height(rng: np.random.Generator) -> int:
    return int(np.exp(rng.uniform(np.log(MIN_HEIGHT), np.log(MAX_HEIGHT))))


def draw_single(digit: np.ndarray, rng: np.random.Generator, font: Path | None, label: int) -> tuple[bytes, str, dict]:
    """One digit as a user's image file: an MNIST digit (uint8 28x28) redrawn, or ``label`` typeset in ``font``."""
    height = _height(rng)
    if font is not None:
        cov, how = _coverage_text(str(label), font, height, []), {"stroke": "font", "font": font.name}
        how["stroke_px"] = 0.1 * height
        if rng.random() < 0.3:
            cov = ndimage.grey_dilation(cov, size=(3, 3)) if rng.random() < 0.5 else ndimage.grey_erosion(cov, (2, 2))
    else:
        cov, how = _coverage_mnist(digit, rng, height)
    file, ext, conditions = _finish(cov, rng, height, how["stroke_px"])
    return file, ext, {"height_px": height, **how, **conditions}


def draw_strip(
    digits: list[np.ndarray], labels: list[int], rng: np.random.Generator, font: Path | None
) -> tuple[bytes, str, dict]:
    """A number: MNIST digits side by side in one hand (one pen), or typeset in ``font``; varied spacing."""
    height = int(np.clip(_height(rng), 24, 240))
    gaps = [float(g) for g in rng.uniform(0.12, 0.9, len(labels) - 1)]
    if font is not None:
        cov = _coverage_text("".join(map(str, labels)), font, height, gaps)
        how = {"stroke": "font", "font": font.name, "stroke_px": 0.1 * height}
    else:
        state = rng.bit_generator.state
        pieces = []
        for d in digits:
            # One writer: every digit of the strip is drawn with the same pen draws (same random stream start).
            rng.bit_generator.state = state
            cov_d, how = _coverage_mnist(d, rng, int(height * rng.uniform(0.85, 1.0)))
            pieces.append(cov_d)
        cov = _row(pieces, [g * height for g in gaps], list(rng.uniform(-0.08, 0.08, len(digits)) * height))
    file, ext, conditions = _finish(cov, rng, height, how["stroke_px"])
    return file, ext, {"height_px": height, "gaps": [round(g, 3) for g in gaps], **how, **conditions}


def used_digits(record: dict) -> set[int]:
    """The MNIST test indices a set's record says it drew (singles and strips)."""
    used = {s["mnist_test_index"] for s in record["singles"] if "mnist_test_index" in s}
    for s in record["strips"]:
        used.update(s.get("mnist_test_indices", []))
    return used


def read_record(where: Path) -> dict:
    """A drawn set's record: ``where`` is the set's folder or its ``USERSET.json``."""
    path = where / "USERSET.json" if where.is_dir() else where
    if not path.is_file():
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"{where}: expected a set drawn by `python -m training.userset --out {where}`, found no USERSET.json",
        )
    return json.loads(path.read_text())


def generate(
    out: Path,
    seed: int = DEFAULT_SEED,
    singles: int = DEFAULT_SINGLES,
    strips: int = DEFAULT_STRIPS,
    mnist: Path | None = None,
    exclude: Sequence[dict] = (),
) -> dict:
    """Draw the set into ``out`` (see the module's docstring) and return its record (``USERSET.json``).

    Args:
        mnist: the MNIST folder (default: the fetch location); only its test split is read.
        exclude: other sets' records: none of the MNIST test digits they drew is drawn here (a development set).
    """
    test = data.load("t10k", mnist)
    images, labels = test.images.data, test.labels.data.astype(int)
    font_files = fonts()
    order = np.random.default_rng([seed, 0]).permutation(len(labels))
    excludes = []
    for other in exclude:
        banned = used_digits(other)
        order = order[~np.isin(order, sorted(banned))]
        excludes.append({"seed": other["seed"], "counts": other["counts"], "mnist_test_digits": len(banned)})
    records = {"singles": [], "strips": []}
    rows = ["file,label"]
    next_digit = 0
    for i in range(singles):
        rng = np.random.default_rng([seed, 1, i])
        k = int(order[next_digit % len(order)])
        next_digit += 1
        font = font_files[rng.integers(len(font_files))] if rng.random() < FONT_FRACTION else None
        label = int(labels[k]) if font is None else int(rng.integers(10))
        file, ext, conditions = _readable(
            lambda rng=rng, k=k, font=font, label=label: draw_single(images[k], rng, font, label)
        )
        name = f"singles/{label}/{i:05d}.{ext}"
        _write(out / name, file)
        source = {"mnist_test_index": k} if font is None else {}
        records["singles"].append({"file": name, "label": label, **source, **conditions})
    for i in range(strips):
        rng = np.random.default_rng([seed, 2, i])
        n = int(rng.integers(2, 7))
        font = font_files[rng.integers(len(font_files))] if rng.random() < FONT_FRACTION else None
        if font is None:
            ks = [int(order[(next_digit + j) % len(order)]) for j in range(n)]
            next_digit += n
            number = [int(labels[k]) for k in ks]
        else:
            ks, number = [], [int(v) for v in rng.integers(0, 10, n)]
        file, ext, conditions = _readable(
            lambda rng=rng, ks=ks, number=number, font=font: draw_strip([images[k] for k in ks], number, rng, font)
        )
        name = f"{i:05d}.{ext}"
        label = "".join(map(str, number))
        _write(out / "strips" / name, file)
        rows.append(f"{name},{label}")
        source = {"mnist_test_indices": ks} if ks else {}
        records["strips"].append({"file": f"strips/{name}", "label": label, **source, **conditions})
    _write(out / "strips" / "labels.csv", ("\n".join(rows) + "\n").encode())
    record = {
        "generator": "python -m training.userset",
        "seed": seed,
        "counts": {"singles": singles, "strips": strips},
        "mnist_test_digits_used": min(next_digit, len(order)),
        **({"excludes": excludes} if excludes else {}),
        **records,
    }
    _write(out / "USERSET.json", (json.dumps(record, indent=1) + "\n").encode())
    pack.pack(out / "singles", out / "singles-idx", on_error="skip")
    pack.pack(out / "strips" / "labels.csv", out / "strips-idx", segment=True, on_error="skip")
    return record


def singles_and_strips(record: dict) -> str:
    return f"{record['counts']['singles']} singles, {record['counts']['strips']} strips"


def _readable(draw) -> tuple[bytes, str, dict]:
    """Draw until the page holds a digit preprocessing can find (NO_INK: a hairline lost in blur or noise).

    Every attempt continues the item's own random stream, so the set stays deterministic.
    """
    for attempt in range(10):
        file, ext, conditions = draw()
        try:
            pp.preprocess(file)
        except pp.ImageError as exc:
            if exc.reason is not pp.ImageReason.NO_INK:
                raise
            continue
        return file, ext, {**conditions, "attempt": attempt}
    raise AssertionError("ten pages in a row without a readable digit")


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, content)


# ---- scoring ------------------------------------------------------------------------------------------------


def inputs(directory: Path) -> tuple[np.ndarray, np.ndarray, list[tuple[str, list[int] | None]]]:
    """The set as model inputs: singles (uint8 [n, 28, 28], labels) and strips (label, segmented rows or None).

    The strips' rows index into one array appended after the singles' rows: ``rows`` covers both.
    """
    record = json.loads((directory / "USERSET.json").read_text())
    rows, single_labels = [], []
    for s in record["singles"]:
        rows.append(np.asarray(pp.preprocess(directory / s["file"]).pixels))
        single_labels.append(s["label"])
    strips = []
    for s in record["strips"]:
        try:
            digits = pp.segment(directory / s["file"]).digits
        except pp.ImageError:
            strips.append((s["label"], None))
            continue
        strips.append((s["label"], list(range(len(rows), len(rows) + len(digits)))))
        rows.extend(np.asarray(d.pixels) for d in digits)
    return np.stack(rows), np.array(single_labels), strips


def score(probs: np.ndarray, single_labels: np.ndarray, strips: list[tuple[str, list[int] | None]]) -> dict:
    """Accuracy of singles and strips, and how the low-confidence flag splits the singles."""
    n = len(single_labels)
    p = probs[:n]
    right = p.argmax(1) == single_labels
    read = [rows is not None and "".join(str(int(probs[r].argmax())) for r in rows) == label for label, rows in strips]
    return {
        "singles": float(right.mean()),
        "strips": float(np.mean(read)) if read else None,
        "singles_count": n,
        "strips_count": len(strips),
        "strips_segmented_wrongly": int(sum(rows is None or len(rows) != len(label) for label, rows in strips)),
        "low_confidence": _flag_split(right, p.max(1), LOW_CONFIDENCE),
        # The same split at other thresholds, to choose the CLIs' threshold from (README).
        "low_confidence_sweep": [_flag_split(right, p.max(1), t) for t in SWEEP],
    }


def _flag_split(right: np.ndarray, top: np.ndarray, threshold: float) -> dict:
    """What flagging predictions whose top probability is below ``threshold`` does on labelled singles."""
    flagged = top < threshold
    return {
        "threshold": threshold,
        "flagged": float(flagged.mean()),
        "error_rate_flagged": float((~right[flagged]).mean()) if flagged.any() else None,
        "error_rate_unflagged": float((~right[~flagged]).mean()) if (~flagged).any() else None,
        "errors_flagged": float(flagged[~right].mean()) if (~right).any() else None,
    }


def score_models(models: Path, directory: Path) -> list[tuple[str, dict]]:
    """Score every ``models/<name>.onnx`` that has a card, and write the figures into the card."""
    import onnxruntime as ort

    from pybridge.contract import to_input

    x_u8, single_labels, strips = inputs(directory)
    x = to_input(x_u8)
    record = json.loads((directory / "USERSET.json").read_text())
    results = []
    for card_path in sorted(models.glob("*.json")):
        onnx_path = card_path.with_suffix(".onnx")
        if not onnx_path.exists():
            continue
        card = json.loads(card_path.read_text())
        session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        probs = np.concatenate([session.run(None, {name: x[i : i + 1000]})[0] for i in range(0, len(x), 1000)])
        figures = score(probs, single_labels, strips)
        figures["set"] = {
            "command": f"python -m training.userset --out DIR --seed {record['seed']}",
            "seed": record["seed"],
            **record["counts"],
        }
        figures["measured_by"] = f"onnxruntime {ort.__version__} CPU on {onnx_path.name}"
        card["user_drawings"] = figures
        atomic_write(card_path, (json.dumps(card, indent=2) + "\n").encode())
        results.append((card["name"], figures))
    return results


def main(argv: Sequence[str] | None = None, prog: str = "python -m training.userset") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Draw the user-drawing evaluation set, or score models.")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", type=Path, help="draw the set into this folder")
    what.add_argument("--score", type=Path, metavar="MODELS_DIR", help="write the set's figures into the cards")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--singles", type=int, default=DEFAULT_SINGLES)
    parser.add_argument("--strips", type=int, default=DEFAULT_STRIPS)
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help=f"the drawn set (default {DEFAULT_SET})")
    parser.add_argument("--data", type=Path, help="MNIST folder (default: the fetch location)")
    parser.add_argument(
        "--exclude",
        type=Path,
        action="append",
        default=[],
        metavar="SET",
        help="draw none of the MNIST test digits this drawn set used (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        if args.out is not None:
            exclude = [read_record(where) for where in args.exclude]
            if args.seed in (other["seed"] for other in exclude):
                raise errors.UsageError(
                    errors.UsageReason.BAD_ARGUMENT,
                    f"--seed: expected a seed other than the excluded set's, found {args.seed} for both",
                )
            record = generate(args.out, args.seed, args.singles, args.strips, args.data, exclude)
            seeds = ", ".join(str(other["seed"]) for other in exclude)
            excluded = f", none of the digits of the sets of seed {seeds}" if exclude else ""
            print(f"{args.out}: {singles_and_strips(record)}, seed {record['seed']}{excluded}")
            return 0
        if not (args.set / "USERSET.json").exists():
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT,
                f"{args.set}: expected a set drawn by `{prog} --out {args.set}`, found no USERSET.json",
            )
        for name, f in score_models(args.score, args.set):
            lc = f["low_confidence"]
            print(
                f"{name}: singles {f['singles']:.2%}, strips {f['strips']:.2%}; flagged p<{lc['threshold']}: "
                f"{lc['flagged']:.1%} of singles, error rate {lc['error_rate_flagged'] or 0:.1%} flagged / "
                f"{lc['error_rate_unflagged'] or 0:.2%} not"
            )
        return 0
    except (errors.IdxError, errors.UsageError) as exc:
        return cli.report(exc)


if __name__ == "__main__":
    sys.exit(main())
