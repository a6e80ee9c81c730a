"""The public entry points and the integer steps 4 to 9 of docs/preprocessing.md: the twin of Java's ``Preprocessor``.

Decoding is Pillow's (``decoder``); everything after it (polarity, contrast, components, the area filter,
centring) is integer arithmetic written out here and in the modules it calls and, step for step, in the Java
package ``io.github.digitbridge.image``, so both give the same bytes for the same decoded pixels.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pybridge.errors import ImageError, ImageReason
from pybridge.image import area_filter, components, containers, decoder
from pybridge.image.constants import (
    BOX,
    CENTRE,
    INK_THRESHOLD,
    MARK_HEIGHT_RATIO,
    MAX_FILE_BYTES,
    MAX_INK_RUNS,
    MIN_CONTRAST,
    SEGMENT_INK_THRESHOLD,
    SIZE,
    SPECK_RATIO,
)
from pybridge.image.digit_image import Box, DigitImage, Polarity
from pybridge.image.image_format import sniff
from pybridge.image.image_header import Header
from pybridge.image.segmentation import Segmentation


class Mode(enum.Enum):
    """What ``preprocess`` does after decoding."""

    MNIST = "mnist"  # polarity, contrast, crop to the ink, 20 px box, centre of mass in 28x28
    RAW = "raw"  # only resize the whole grayscale image to 28x28 (the tutorial's load_image, with the area filter)


def preprocess(source: str | Path | bytes, mode: Mode = Mode.MNIST, *, name: str | Path | None = None) -> DigitImage:
    """One image -> one 28x28 model input.

    Args:
        source: a file path, or the file's bytes.
        mode: ``Mode.MNIST`` (the digit, as MNIST draws digits) or ``Mode.RAW`` (only resized).
        name: how errors name the source (default: the path, or ``<N bytes>``).

    Raises:
        ImageError: with an ``ImageReason``; NO_INK means no digit was found (mnist mode only).
    """
    data, label = _load(source, name)
    header, gray = decode_gray(data, label)
    if mode is Mode.RAW:
        out = area_filter.area_resize(gray, SIZE, SIZE)
        out.flags.writeable = False
        whole = Box(0, 0, header.width, header.height)
        return DigitImage(out, mode, header, Polarity.NOT_TESTED, 0, 255, whole, (SIZE, SIZE), (0, 0))
    norm = _normalize(header, gray, label)
    kept, _ = _keep(_ink_components(norm.values, label, INK_THRESHOLD))
    box, crop = _crop(norm.values, kept, INK_THRESHOLD)
    return _place(norm, box, crop)


def segment(source: str | Path | bytes, *, name: str | Path | None = None) -> Segmentation:
    """A line of digits -> one 28x28 input per digit, left to right (mnist mode for each).

    Components of faint ink (8-connected, ``SEGMENT_INK_THRESHOLD``) are taken left to right; one whose columns
    overlap the previous group's by at least half the narrower width joins it (dots, broken strokes), specks and
    marks are dropped. Each digit is then read as an image of its own: stretched to its own brightest pixel, then
    steps 6 to 9.

    Raises:
        ImageError: as ``preprocess``.
    """
    data, label = _load(source, name)
    header, gray = decode_gray(data, label)
    norm = _normalize(header, gray, label)
    kept, specks = _keep(_ink_components(norm.values, label, SEGMENT_INK_THRESHOLD))
    groups: list[list[components.Component]] = []
    extent = (0, 0)
    for c in sorted(kept, key=lambda c: (c.x0, c.first)):
        if groups:
            overlap = min(extent[1], c.x1) - max(extent[0], c.x0) + 1
            narrower = min(extent[1] - extent[0] + 1, c.x1 - c.x0 + 1)
            if overlap > 0 and 2 * overlap >= narrower:
                groups[-1].append(c)
                extent = (min(extent[0], c.x0), max(extent[1], c.x1))
                continue
        groups.append([c])
        extent = (c.x0, c.x1)
    heights = [max(c.y1 for c in g) - min(c.y0 for c in g) + 1 for g in groups]
    tallest = max(heights)
    digits = [g for g, hg in zip(groups, heights, strict=True) if hg * MARK_HEIGHT_RATIO >= tallest]
    result = tuple(_alone(norm, g, label) for g in digits)
    return Segmentation(result, specks, len(groups) - len(digits))


def decode_gray(data: bytes, name: str | Path = "<bytes>") -> tuple[Header, np.ndarray]:
    """Decode an image and turn it into 8-bit gray: alpha composited on white, then integer luma.

    Returns:
        The header and a uint8 [height, width] array.

    Raises:
        ImageError: any reason but IO and NO_INK.
    """
    container = containers.walk(data, name)
    return container.header, decoder.gray(data, name, container)


def read_header(data: bytes, name: str | Path = "<bytes>") -> Header:
    """Check the container's structure (without decoding pixels) and return its format and size.

    Raises:
        ImageError: EMPTY_FILE, NOT_AN_IMAGE, TRUNCATED, CORRUPT, TOO_LARGE or UNSUPPORTED.
    """
    return containers.walk(data, name).header


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, after the checks that need no decoding (empty, signature, file size).

    Never more than ``MAX_FILE_BYTES`` + 1 bytes are read: a device or pipe reports no size (``/dev/zero``, a
    process substitution), so its bytes are counted as they come instead.

    Raises:
        ImageError: IO, EMPTY_FILE, NOT_AN_IMAGE or TOO_LARGE.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            sniff(head, path)
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise ImageError(
                    ImageReason.TOO_LARGE, path, f"expected a file of at most {MAX_FILE_BYTES} bytes, found {size}"
                )
            data = head + f.read(MAX_FILE_BYTES + 1 - len(head))
            if len(data) > MAX_FILE_BYTES:
                raise ImageError(
                    ImageReason.TOO_LARGE, path, f"expected a file of at most {MAX_FILE_BYTES} bytes, found more"
                )
            return data
    except IsADirectoryError as exc:
        raise ImageError(ImageReason.IO, path, "expected a file, found a directory") from exc
    except OSError as exc:
        raise ImageError(ImageReason.IO, path, f"expected a readable file, found: {exc.strerror or exc}") from exc


def _load(source: str | Path | bytes, name: str | Path | None) -> tuple[bytes, str | Path]:
    """The bytes and the name errors give them; bytes in memory get the checks ``read_bytes`` makes of a file."""
    if isinstance(source, bytes | bytearray):
        label = name if name is not None else f"<{len(source)} bytes>"
        data = bytes(source)
        sniff(data, label)
        if len(data) > MAX_FILE_BYTES:
            raise ImageError(
                ImageReason.TOO_LARGE, label, f"expected at most {MAX_FILE_BYTES} bytes, found {len(data)}"
            )
        return data, label
    return read_bytes(source), (name if name is not None else source)


# ---- the integer steps (docs/preprocessing.md, steps 4 to 9) -------------------------------------------------


@dataclass(frozen=True)
class _Normalized:
    header: Header
    values: np.ndarray  # uint8 [h, w]: stretched, light on dark
    polarity: Polarity
    background: int
    ink_max: int


def _normalize(header: Header, gray: np.ndarray, name: str | Path) -> _Normalized:
    border_median = _lower_median(_border(gray))
    # Inverted when the border's median is brighter than the mean of the whole image (exact integer test).
    inverted = border_median * gray.size > int(gray.sum(dtype=np.int64))
    v = 255 - gray if inverted else gray
    background = _lower_median(_border(v))
    ink_max = int(v.max())
    if ink_max - background < MIN_CONTRAST:
        raise ImageError(ImageReason.NO_INK, name, _no_ink(inverted, background, ink_max - background))
    span = ink_max - background
    d = v.astype(np.int32) - background
    stretched = np.where(d > 0, (d * 255 + span // 2) // span, 0).astype(np.uint8)
    polarity = Polarity.DARK_ON_LIGHT if inverted else Polarity.LIGHT_ON_DARK
    return _Normalized(header, stretched, polarity, background, ink_max)


def _no_ink(inverted: bool, background: int, contrast: int) -> str:
    """The NO_INK detail in the user's own grey levels: the page as drawn, and how far its strokes stand out."""
    # Worded on the image as the user drew it, not on the inverted values the test works on: a pen on paper
    # reads "darker", chalk on a board "lighter". Only a uniform image has no contrast at all.
    page = 255 - background if inverted else background
    if contrast == 0:
        return (
            f"no digit found: expected strokes at least {MIN_CONTRAST} grey levels darker or lighter than the page, "
            f"found a blank page (every pixel grey level {page}; 0 is black, 255 white)"
        )
    direction, extreme = ("darker", "darkest") if inverted else ("lighter", "lightest")
    return (
        f"no digit found: expected strokes at least {MIN_CONTRAST} grey levels {direction} than the page, "
        f"found a page of grey level {page} (0 is black, 255 white) whose {extreme} pixel is only {contrast} "
        f"levels {direction}"
    )


def _border(gray: np.ndarray) -> np.ndarray:
    h, w = gray.shape
    if h <= 2 or w <= 2:
        return gray.ravel()
    return np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])


def _lower_median(values: np.ndarray) -> int:
    counts = np.cumsum(np.bincount(values.ravel(), minlength=256))
    return int(np.searchsorted(counts, (values.size - 1) // 2 + 1))


def _ink_components(values: np.ndarray, name: str | Path, threshold: int) -> list[components.Component]:
    """The components of the ink, after checking the number of runs that would form them (MAX_INK_RUNS)."""
    mask = values >= threshold
    runs = components.count_runs(mask)
    if runs > MAX_INK_RUNS:
        raise ImageError(
            ImageReason.TOO_LARGE,
            name,
            f"expected at most {MAX_INK_RUNS} ink runs (row stretches of ink), found {runs}: too many separate "
            "marks to be digits",
        )
    return components.find(mask)


def _keep(comps: list[components.Component]) -> tuple[list[components.Component], int]:
    largest = max(c.area for c in comps)
    kept = [c for c in comps if c.area * SPECK_RATIO >= largest]
    return kept, len(comps) - len(kept)


def _crop(values: np.ndarray, group: list[components.Component], threshold: int) -> tuple[Box, np.ndarray]:
    """The group's bounding box and the values in it, with ink (at ``threshold``) not the group's set to 0."""
    x0, y0 = min(c.x0 for c in group), min(c.y0 for c in group)
    x1, y1 = max(c.x1 for c in group), max(c.y1 for c in group)
    crop = values[y0 : y1 + 1, x0 : x1 + 1].copy()
    # Ink in the box that is not the group's belongs to other components (specks, other digits) and is cleared.
    # Found from the group's own runs, not by visiting the others: the work is the box and the group, so a line
    # of many digits costs the sum of their boxes, not digits x components.
    own = np.zeros(crop.shape, bool)
    for c in group:
        for y, s, e in c.runs:
            own[y - y0, s - x0 : e - x0] = True
    crop[(crop >= threshold) & ~own] = 0
    return Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1), crop


def _alone(norm: _Normalized, group: list[components.Component], name: str | Path) -> DigitImage:
    """One segmented digit read as an image of its own: re-stretched to its brightest pixel, then steps 6 to 9."""
    outer, crop = _crop(norm.values, group, SEGMENT_INK_THRESHOLD)
    # A digit drawn fainter than the line's boldest (a thinner or blurrier stroke) would otherwise lose the
    # strokes below INK_THRESHOLD and reach the model dimmer than a single image of it: stretched again so its
    # own brightest pixel is 255, as it would be alone. The peak is at least SEGMENT_INK_THRESHOLD (the group's
    # own ink) and only the group's ink reaches it (the others' is cleared), so no value exceeds 255.
    peak = int(crop.max())
    crop = ((crop.astype(np.int32) * 255 + peak // 2) // peak).astype(np.uint8)
    kept, _ = _keep(_ink_components(crop, name, INK_THRESHOLD))
    inner, crop = _crop(crop, kept, INK_THRESHOLD)
    return _place(norm, Box(outer.x + inner.x, outer.y + inner.y, inner.width, inner.height), crop)


def _place(norm: _Normalized, box: Box, crop: np.ndarray) -> DigitImage:
    """Scale the crop (uint8 [box.height, box.width]) into the 20 px box and centre it by mass in 28x28."""
    w, h = box.width, box.height
    if w >= h:
        sw, sh = BOX, max(1, (2 * BOX * h + w) // (2 * w))
    else:
        sw, sh = max(1, (2 * BOX * w + h) // (2 * h)), BOX
    small = area_filter.area_resize(crop, sw, sh).astype(np.int64)
    total = int(small.sum())
    if total == 0:
        ox, oy = (SIZE - sw) // 2, (SIZE - sh) // 2
    else:
        sx = int((small.sum(axis=0) * np.arange(sw)).sum())
        sy = int((small.sum(axis=1) * np.arange(sh)).sum())
        # round half up of CENTRE - (centre of mass), then kept inside the field
        ox = min(max((2 * CENTRE * total + total - 2 * sx) // (2 * total), 0), SIZE - sw)
        oy = min(max((2 * CENTRE * total + total - 2 * sy) // (2 * total), 0), SIZE - sh)
    out = np.zeros((SIZE, SIZE), np.uint8)
    out[oy : oy + sh, ox : ox + sw] = small
    out.flags.writeable = False
    return DigitImage(
        out, Mode.MNIST, norm.header, norm.polarity, norm.background, norm.ink_max, box, (sw, sh), (ox, oy)
    )
