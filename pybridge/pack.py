"""Users' own labelled digit images -> an MNIST-format test split (the Python twin of Java's ``pack``).

``python -m pybridge.data pack SOURCE --out OUTDIR [--segment] [--on-error fail|skip]`` (also ``digitbridge data
pack``). SOURCE is a folder with one sub-folder per label (``0/`` ... ``9/``), or a CSV file of ``file,label``
rows (paths relative to the CSV's folder). Every image goes through ``pybridge.image`` in mnist mode (with
``--segment``: a strip, one sample per digit of its label). OUTDIR receives ``t10k-images-idx3-ubyte.gz``,
``t10k-labels-idx1-ubyte.gz`` (the names ``compare --data`` and ``data.load`` read) and ``PACK.json``, the
provenance. The rules, which Java's ``pack`` follows to the byte, are in docs/idx-format.md, "Packing images".
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pybridge import errors, idx
from pybridge import image as pp
from pybridge.files import atomic_write

IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"
PROVENANCE = "PACK.json"
FORMAT = "digitbridge-pack 1"
ON_ERROR = ("fail", "skip")
LABEL_MISMATCH = "LABEL_MISMATCH"  # a --segment strip holds another number of digits than its label has


@dataclass(frozen=True)
class Entry:
    """One source image: its path relative to the source (``/``-separated) and its label (digits)."""

    file: str
    label: str


@dataclass(frozen=True)
class Packed:
    """What ``pack`` wrote: the samples' count, every file's record, the refused files and the provenance."""

    count: int
    files: list[dict]
    skipped: list[dict]
    provenance: dict


def _bad_source(detail: str) -> errors.UsageError:
    return errors.UsageError(errors.UsageReason.BAD_ARGUMENT, detail)


def _check_label(where: str, label: str, segment: bool) -> None:
    ok = label.isascii() and label.isdigit() and (segment or len(label) == 1)
    if not ok:
        expected = "a number" if segment else "one digit 0-9 (a number needs --segment)"
        raise _bad_source(f"{where}: expected a label of {expected}, found {label!r}")


def _order(entries: list[Entry]) -> list[Entry]:
    # UTF-8 byte order is code point order, which Java gets the same way: the order is part of the output bytes.
    return sorted(entries, key=lambda e: e.file.encode())


def collect(source: Path, segment: bool = False) -> tuple[Path, list[Entry]]:
    """The images of ``source`` (a label folder tree or a CSV file) in packing order, and their base folder.

    Raises:
        UsageError: the source is missing or unreadable, or holds an entry that is neither a label folder nor an
            image in one, a label that is not a digit (a number with ``segment``), a CSV row without a label, or
            a duplicate.
    """
    try:
        return _collect(source, segment)
    except (OSError, UnicodeError) as exc:
        raise _bad_source(f"{source}: cannot read: {exc}") from exc


def _listing(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:  # closed even when a bad entry ends the walk
        return list(entries)


def _collect(source: Path, segment: bool) -> tuple[Path, list[Entry]]:
    if source.is_dir():
        entries = []
        for top in _listing(source):
            if top.name.startswith("."):
                continue  # .DS_Store, editors' files: not the user's data
            if not top.is_dir():
                raise _bad_source(f"{source}: expected only label folders (0/ ... 9/), found the file {top.name!r}")
            _check_label(f"{source}/{top.name}", top.name, segment)
            for item in _listing(Path(top.path)):
                if item.name.startswith("."):
                    continue
                if not item.is_file():
                    raise _bad_source(f"{source}/{top.name}: expected image files only, found {item.name!r}")
                entries.append(Entry(f"{top.name}/{item.name}", top.name))
        return source, _order(entries)
    if source.is_file():
        base = source.parent
        entries, seen = [], set()
        # Only \n ends a row (and a \r before it is dropped): Java's pack splits the same way.
        for number, row in enumerate(source.read_text(encoding="utf-8").split("\n"), 1):
            line = row.removesuffix("\r")
            if not line.strip() or (number == 1 and line.strip() == "file,label"):
                continue
            # The label is after the last comma, so file names may hold commas; no quoting.
            file, comma, label = line.rpartition(",")
            if not comma or not file:
                raise _bad_source(f"{source}:{number}: expected file,label, found {line!r}")
            label = label.strip()
            _check_label(f"{source}:{number}", label, segment)
            if file in seen:
                raise _bad_source(f"{source}:{number}: {file!r} is listed twice")
            seen.add(file)
            entries.append(Entry(file, label))
        return base, _order(entries)
    raise _bad_source(f"{source}: expected a folder of label folders or a CSV file, found nothing there")


def _versions() -> dict:
    import PIL

    return {
        "tool": "pybridge",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pillow": PIL.__version__,
    }


def pack(source: Path, out: Path, *, segment: bool = False, on_error: str = "fail") -> Packed:
    """Pack ``source`` into ``out`` (created if missing); every file atomically, PACK.json last.

    Args:
        source: a folder of label folders, or a CSV file of ``file,label`` rows.
        out: the output folder.
        segment: each image is a strip whose label is the number it shows: one sample per digit.
        on_error: ``fail``: any refused image stops the pack before anything is written, after one
            ``refused: <file>: <REASON>: <detail>`` line per refused image on stderr; ``skip``: refused images
            are left out and listed in PACK.json (and in ``Packed.skipped``).

    Raises:
        UsageError: a bad source (see ``collect``), a refused image with ``on_error="fail"``, or no image left.
    """
    if on_error not in ON_ERROR:
        raise _bad_source(f"expected --on-error fail or skip, found {on_error!r}")
    base, entries = collect(source, segment)
    pixels: list[np.ndarray] = []
    labels: list[int] = []
    files: list[dict] = []
    skipped: list[dict] = []
    for entry in entries:
        try:
            data = pp.read_bytes(base / entry.file)
        except errors.ImageError as exc:
            skipped.append({"file": entry.file, "label": entry.label, "reason": exc.reason.name, "detail": exc.detail})
            continue
        record = {"file": entry.file, "label": entry.label, "sha256": hashlib.sha256(data).hexdigest()}
        try:
            digits = pp.segment(data, name=entry.file).digits if segment else (pp.preprocess(data, name=entry.file),)
        except errors.ImageError as exc:
            skipped.append({**record, "reason": exc.reason.name, "detail": exc.detail})
            continue
        if len(digits) != len(entry.label):
            detail = f"expected {len(entry.label)} digits for label {entry.label}, found {len(digits)}"
            skipped.append({**record, "reason": LABEL_MISMATCH, "detail": detail})
            continue
        pixels += [d.pixels for d in digits]
        labels += [int(c) for c in entry.label]
        files.append(record)
    if skipped and on_error == "fail":
        for s in skipped:
            print(f"refused: {s['file']}: {s['reason']}: {s['detail']}", file=sys.stderr)
        raise _bad_source(
            f"{source}: {len(skipped)} of {len(entries)} files refused, nothing written; "
            "fix or remove them, or pass --on-error skip"
        )
    if not pixels:
        raise _bad_source(f"{source}: expected at least one image that packs, found {len(entries)} files, none usable")
    out.mkdir(parents=True, exist_ok=True)
    idx.write_idx(out / IMAGES, np.stack(pixels), compress=True)
    idx.write_idx(out / LABELS, np.array(labels, np.uint8), compress=True)
    provenance = {
        "format": FORMAT,
        "source": str(source),
        "mode": pp.Mode.MNIST.value,
        "segment": segment,
        "on_error": on_error,
        "versions": _versions(),
        "count": len(labels),
        "outputs": {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in (IMAGES, LABELS)},
        "files": files,
        "skipped": skipped,
    }
    atomic_write(out / PROVENANCE, (json.dumps(provenance, indent=2) + "\n").encode())
    return Packed(len(labels), files, skipped, provenance)


def read_provenance(directory: Path) -> dict | None:
    """``directory``'s PACK.json, or None when there is none or it is not a pack record."""
    try:
        record = json.loads((directory / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None
