"""Users' own labelled digit images -> an MNIST-format test split (the Python twin of Java's ``pack``).

``python -m pybridge.data pack SOURCE --out OUTDIR [--segment] [--on-error fail|skip] [--prefix NAME |
--test-percent N]`` (also ``digitbridge data pack``). SOURCE is a folder with one sub-folder per label (``0/`` ...
``9/``), a CSV file of ``file,label`` rows, or a JSON file (``.json``) holding a list of ``{"file": ..., "label":
...}`` objects (paths relative to the list's folder). Every image goes through ``pybridge.image`` in mnist mode
(with ``--segment``: a strip, one sample per digit of its label). OUTDIR receives ``t10k-images-idx3-ubyte.gz``
and ``t10k-labels-idx1-ubyte.gz`` (the names ``compare --data`` and ``data.load`` read; ``--prefix`` renames
them), or with ``--test-percent`` the four-file layout (``train-*`` and ``t10k-*``, split per label), and
``PACK.json``, the provenance. The rules, which Java's ``pack`` follows to the byte, are in docs/idx-format.md,
"Packing images".
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pybridge import errors, idx
from pybridge import image as pp
from pybridge.files import atomic_write

TEST_PREFIX = "t10k"
TRAIN_PREFIX = "train"
IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"
PROVENANCE = "PACK.json"
FORMAT = "digitbridge-pack 1"
ON_ERROR = ("fail", "skip")
LABEL_MISMATCH = "LABEL_MISMATCH"  # a --segment strip holds another number of digits than its label has
# A prefix is one file-name part: no separators, no leading dot (hidden files, "..").
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def images_name(prefix: str) -> str:
    return f"{prefix}-images-idx3-ubyte.gz"


def labels_name(prefix: str) -> str:
    return f"{prefix}-labels-idx1-ubyte.gz"


def in_test_split(rank: int, percent: int) -> bool:
    """Whether the ``rank``-th packed file (from 0) of a label goes to the test split at ``percent`` per cent.

    Integer steps, not random draws: every label gets its share (1 file in 5 at 20%), the choice is the same in
    Java, and adding files to one label moves no file of another.
    """
    return (rank + 1) * percent // 100 > rank * percent // 100


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
    outputs: tuple[str, ...]


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
    if source.is_file() and source.name.endswith(".json"):
        return source.parent, _order(_json_entries(source, segment))
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
    raise _bad_source(f"{source}: expected a folder of label folders, a CSV or a JSON list, found nothing there")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    twice = next((k for k in keys if keys.count(k) > 1), None)
    if twice is not None:
        raise ValueError(f"the key {twice!r} twice in one object")  # Java's reader refuses it too
    return dict(pairs)


def _kind(value: object) -> str:
    kinds = {dict: "an object", str: "a string", bool: "true or false", type(None): "null"}
    return kinds.get(type(value), "a number")


JSON_LIST = "a JSON list of {file, label} objects"


def _json_entries(source: Path, segment: bool) -> list[Entry]:
    try:
        items = json.loads(source.read_text(encoding="utf-8"), object_pairs_hook=_unique_keys)
    except ValueError as exc:
        raise _bad_source(f"{source}: expected {JSON_LIST}, found invalid JSON ({exc})") from None
    if not isinstance(items, list):
        raise _bad_source(f"{source}: expected {JSON_LIST}, found {_kind(items)}")
    entries, seen = [], set()
    for number, item in enumerate(items, 1):
        where = f"{source}: item {number}"
        if not isinstance(item, dict) or not isinstance(item.get("file"), str) or not item["file"]:
            raise _bad_source(f'{where}: expected an object with a file name in "file", found {json.dumps(item)}')
        label = item.get("label")
        # A label is text ("0042" keeps its zeros) or a whole number; true is not 1, 7.0 is not 7.
        if isinstance(label, int) and not isinstance(label, bool):
            label = str(label)
        if not isinstance(label, str):
            raise _bad_source(f"{where}: expected a label as a string or a whole number, found {json.dumps(label)}")
        _check_label(where, label, segment)
        if item["file"] in seen:
            raise _bad_source(f"{where}: {item['file']!r} is listed twice")
        seen.add(item["file"])
        entries.append(Entry(item["file"], label))
    return entries


def _versions() -> dict:
    import PIL

    return {
        "tool": "pybridge",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pillow": PIL.__version__,
    }


def pack(
    source: Path,
    out: Path,
    *,
    segment: bool = False,
    on_error: str = "fail",
    prefix: str = TEST_PREFIX,
    test_percent: int | None = None,
) -> Packed:
    """Pack ``source`` into ``out`` (created if missing); every file atomically, PACK.json last.

    Args:
        source: a folder of label folders, a CSV file of ``file,label`` rows or a JSON list (``.json``).
        out: the output folder.
        segment: each image is a strip whose label is the number it shows: one sample per digit.
        on_error: ``fail``: any refused image stops the pack before anything is written, after one
            ``refused: <file>: <REASON>: <detail>`` line per refused image on stderr; ``skip``: refused images
            are left out and listed in PACK.json (and in ``Packed.skipped``).
        prefix: the two files' names start with it (``t10k``: what ``compare --data`` reads).
        test_percent: write the four-file layout instead: this share of each label's files (see
            ``in_test_split``) in ``t10k-*``, the rest in ``train-*``; not with another ``prefix``.

    Raises:
        UsageError: a bad source (see ``collect``) or option, a refused image with ``on_error="fail"``, no image
            left, or a split left empty.
    """
    if on_error not in ON_ERROR:
        raise _bad_source(f"expected --on-error fail or skip, found {on_error!r}")
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise _bad_source(f"expected --prefix of letters, digits, '.', '_' or '-' (not first), found {prefix!r}")
    if test_percent is not None:
        if prefix != TEST_PREFIX:
            raise _bad_source("expected --prefix or --test-percent, found both: the four files are train-* and t10k-*")
        if not 1 <= test_percent <= 99:
            raise _bad_source(f"expected --test-percent between 1 and 99, found {test_percent}")
    base, entries = collect(source, segment)
    prefixes = (TRAIN_PREFIX, TEST_PREFIX) if test_percent is not None else (prefix,)
    pixels: dict[str, list[np.ndarray]] = {p: [] for p in prefixes}
    labels: dict[str, list[int]] = {p: [] for p in prefixes}
    ranks: dict[str, int] = {}
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
        split = prefix
        if test_percent is not None:
            rank = ranks.get(entry.label, 0)
            ranks[entry.label] = rank + 1
            split = TEST_PREFIX if in_test_split(rank, test_percent) else TRAIN_PREFIX
            record["split"] = split
        pixels[split] += [d.pixels for d in digits]
        labels[split] += [int(c) for c in entry.label]
        files.append(record)
    if skipped and on_error == "fail":
        for s in skipped:
            print(f"refused: {s['file']}: {s['reason']}: {s['detail']}", file=sys.stderr)
        raise _bad_source(
            f"{source}: {len(skipped)} of {len(entries)} files refused, nothing written; "
            "fix or remove them, or pass --on-error skip"
        )
    count = sum(len(v) for v in labels.values())
    if not count:
        raise _bad_source(f"{source}: expected at least one image that packs, found {len(entries)} files, none usable")
    empty = [p for p in prefixes if not labels[p]]
    if empty:
        raise _bad_source(
            f"{source}: expected samples in both splits at --test-percent {test_percent}, found none for {empty[0]} "
            f"({len(files)} files packed); change the percentage or add images"
        )
    out.mkdir(parents=True, exist_ok=True)
    outputs = {}
    for p in prefixes:
        for name, array in (
            (images_name(p), np.stack(pixels[p])),
            (labels_name(p), np.array(labels[p], np.uint8)),
        ):
            idx.write_idx(out / name, array, compress=True)
            outputs[name] = hashlib.sha256((out / name).read_bytes()).hexdigest()
    provenance = {
        "format": FORMAT,
        "source": str(source),
        "mode": pp.Mode.MNIST.value,
        "segment": segment,
        "on_error": on_error,
        "test_percent": test_percent,
        "versions": _versions(),
        "count": count,
        "counts": {p: len(labels[p]) for p in prefixes},
        "outputs": outputs,
        "files": files,
        "skipped": skipped,
    }
    atomic_write(out / PROVENANCE, (json.dumps(provenance, indent=2) + "\n").encode())
    return Packed(count, files, skipped, provenance, (*outputs, PROVENANCE))


def read_provenance(directory: Path) -> dict | None:
    """``directory``'s PACK.json, or None when there is none or it is not a pack record."""
    try:
        record = json.loads((directory / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None
