"""A model file before ONNX Runtime sees it: its size limit, its contract text and its external data.

The twin of Java's ``io.github.digitbridge.model.ModelFile``; both follow docs/model-contract.md ("Loading a
model"). The file is read once, at most ``MAX_MODEL_BYTES``, and its protobuf is walked here rather than by the
onnx package (not a runtime dependency) for two things: the contract entry of ``metadata_props``, bounded before
it is decoded, and every tensor stored as external data, whose ``location`` must name a regular file inside the
model's own folder. ONNX Runtime then loads the very bytes that were checked, told that folder as its base:
given bytes alone it would look for external data relative to the process's working directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pybridge import errors

MAX_MODEL_BYTES = 256 * 2**20  # the .onnx file; the zoo's largest is 3.4 MB
MAX_CONTRACT_BYTES = 2**20  # the contract's UTF-8 text (about 40 KB in practice); model cards too
MAX_MESSAGE_DEPTH = 64  # nested protobuf messages (a subgraph costs three levels)
CONTRACT_KEY = "digitbridge.contract"
# Tells ONNX Runtime where external data lives when the model is given as bytes.
EXTERNAL_FOLDER_CONFIG = "session.model_external_initializers_file_folder_path"
EXTERNAL_KEYS = frozenset({"location", "offset", "length", "checksum"})

# Which fields hold which messages, for the messages on the way to a tensor (onnx.proto field numbers).
_MODEL, _GRAPH, _NODE, _ATTRIBUTE, _TENSOR, _SPARSE, _TRAINING, _FUNCTION, _ENTRY = range(9)
_CHILDREN = {
    _MODEL: {7: _GRAPH, 14: _ENTRY, 20: _TRAINING, 25: _FUNCTION},
    _GRAPH: {1: _NODE, 5: _TENSOR, 15: _SPARSE},
    _NODE: {5: _ATTRIBUTE},
    _ATTRIBUTE: {5: _TENSOR, 6: _GRAPH, 10: _TENSOR, 11: _GRAPH, 22: _SPARSE, 23: _SPARSE},
    _SPARSE: {1: _TENSOR, 2: _TENSOR},
    _TRAINING: {1: _GRAPH, 2: _GRAPH},
    _FUNCTION: {7: _NODE, 11: _ATTRIBUTE},
}
_TENSOR_EXTERNAL_DATA, _TENSOR_DATA_LOCATION, _EXTERNAL = 13, 14, 1


@dataclass(frozen=True)
class ModelFile:
    """A model's checked bytes.

    Attributes:
        subject: the path as given, or ``<N bytes>``; errors name it.
        data: the file's bytes, what ONNX Runtime is given.
        folder: the folder external data is read from (None for bytes: they may have none).
        contract: the contract's raw UTF-8 text, or None if the model has no contract entry.
        external: the external data locations, checked.
    """

    subject: str
    data: bytes
    folder: Path | None
    contract: bytes | None
    external: tuple[str, ...]

    def session_config(self) -> dict[str, str]:
        """The ONNX Runtime session config entries that loading ``data`` needs."""
        return {EXTERNAL_FOLDER_CONFIG: str(self.folder)} if self.folder is not None else {}


def load(path: Path | str) -> ModelFile:
    """Read and check a model file.

    Raises:
        ModelError: ``IO`` (missing, unreadable), ``TOO_LARGE``, ``MODEL_INVALID`` (not an ONNX protobuf),
            ``EXTERNAL_DATA`` (external data outside the model's folder), ``CONTRACT_INVALID`` (a contract
            entry over the limit or given twice).
    """
    path = Path(path)
    subject = str(path)
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            # The size is checked before reading, and the read bounded too: the file may be growing.
            data = f.read(MAX_MODEL_BYTES + 1) if size <= MAX_MODEL_BYTES else b""
    except FileNotFoundError:
        raise errors.ModelError(errors.ModelReason.IO, subject, "expected an ONNX file, found no such file") from None
    except IsADirectoryError:
        raise errors.ModelError(errors.ModelReason.IO, subject, "expected an ONNX file, found a directory") from None
    except OSError as exc:
        raise errors.ModelError(errors.ModelReason.IO, subject, f"expected a readable ONNX file, found: {exc}") from exc
    if size > MAX_MODEL_BYTES or len(data) > MAX_MODEL_BYTES:
        size = max(size, len(data))
        raise errors.ModelError(
            errors.ModelReason.TOO_LARGE, subject, f"expected at most {MAX_MODEL_BYTES} bytes, found {size}"
        )
    return _check(data, subject, path.absolute().parent)


def from_bytes(data: bytes, subject: str | None = None) -> ModelFile:
    """Check a model given as bytes: it has no folder, so external data is refused.

    Raises:
        ModelError: as ``load``.
    """
    subject = subject or f"<{len(data)} bytes>"
    if len(data) > MAX_MODEL_BYTES:
        raise errors.ModelError(
            errors.ModelReason.TOO_LARGE, subject, f"expected at most {MAX_MODEL_BYTES} bytes, found {len(data)}"
        )
    return _check(bytes(data), subject, None)


def of(model: Path | str | bytes | ModelFile) -> ModelFile:
    """``model`` checked: a path is ``load``-ed, bytes go through ``from_bytes``, a ModelFile is returned as it is.

    Raises:
        ModelError: as ``load``.
    """
    if isinstance(model, ModelFile):
        return model
    return from_bytes(model) if isinstance(model, bytes) else load(model)


def _check(data: bytes, subject: str, folder: Path | None) -> ModelFile:
    walk = _Walk(data, subject)
    walk.message(_MODEL, 0, len(data), 0)
    for location, entries in walk.external:
        check_location(location, entries, subject, folder)
    return ModelFile(subject, data, folder, walk.contract, tuple(loc for loc, _ in walk.external))


def check_location(location: str, entries: dict[str, str], subject: str, folder: Path | None) -> None:
    """Refuse an external data entry unless it names a regular file inside ``folder`` (after symlinks).

    Raises:
        ModelError: ``EXTERNAL_DATA``.
    """

    def refuse(detail: str) -> errors.ModelError:
        return errors.ModelError(errors.ModelReason.EXTERNAL_DATA, subject, detail)

    unknown = sorted(set(entries) - EXTERNAL_KEYS)
    if unknown:
        raise refuse(f"expected external data keys from {sorted(EXTERNAL_KEYS)}, found {unknown}")
    if folder is None:
        raise refuse(f"expected no external data in a model given as bytes, found location {location!r}")
    parts = re.split(r"[/\\]", location)
    if not location or "\0" in location or location.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", location):
        raise refuse(f"expected a relative path inside the model's folder, found location {location!r}")
    if ".." in parts:
        raise refuse(f"expected a path without '..' inside the model's folder, found location {location!r}")
    for key in ("offset", "length"):
        if key in entries and not re.fullmatch(r"[0-9]{1,18}", entries[key]):
            raise refuse(f"expected a whole number as {key}, found {entries[key]!r} for location {location!r}")
    base = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(base, *parts))
    if os.path.commonpath([base, target]) != base:
        raise refuse(f"expected a file inside the model's folder {folder}, found location {location!r} leading out")
    if not os.path.isfile(target):
        raise refuse(f"expected a regular file {location!r} in the model's folder {folder}, found none")
    size = os.path.getsize(target)
    end = int(entries.get("offset", "0")) + int(entries.get("length", "0"))
    if end > size:
        raise refuse(f"expected at least {end} bytes in {location!r}, found {size}")


class _Walk:
    """A protobuf walk over the messages that can hold tensors; fields of other messages are skipped whole."""

    def __init__(self, data: bytes, subject: str):
        self.data, self.subject = data, subject
        self.contract: bytes | None = None
        self.external: list[tuple[str, dict[str, str]]] = []

    def invalid(self, detail: str) -> errors.ModelError:
        return errors.ModelError(
            errors.ModelReason.MODEL_INVALID, self.subject, f"expected an ONNX protobuf, found {detail}"
        )

    def varint(self, pos: int, end: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            if pos >= end or shift > 63:
                raise self.invalid(f"a malformed varint at offset {pos}")
            byte = self.data[pos]
            value |= (byte & 0x7F) << shift
            pos, shift = pos + 1, shift + 7
            if byte < 0x80:
                return value, pos

    def fields(self, start: int, end: int):
        """(field number, wire type, value or (start, end) of a length-delimited field) for each field."""
        pos = start
        while pos < end:
            key, pos = self.varint(pos, end)
            number, wire = key >> 3, key & 7
            if number == 0:
                raise self.invalid(f"field number 0 at offset {pos}")
            if wire == 0:
                value, pos = self.varint(pos, end)
                yield number, wire, value
            elif wire == 2:
                length, pos = self.varint(pos, end)
                if length > end - pos:
                    raise self.invalid(f"a field of {length} bytes at offset {pos} with {end - pos} left")
                yield number, wire, (pos, pos + length)
                pos += length
            elif wire in (1, 5):
                pos += 8 if wire == 1 else 4
                if pos > end:
                    raise self.invalid(f"a truncated fixed-size field before offset {end}")
            else:
                raise self.invalid(f"wire type {wire} at offset {pos}")

    def message(self, kind: int, start: int, end: int, depth: int) -> None:
        if depth > MAX_MESSAGE_DEPTH:
            raise self.invalid(f"more than {MAX_MESSAGE_DEPTH} levels of nested messages")
        if kind == _TENSOR:
            return self.tensor(start, end)
        children = _CHILDREN[kind]
        for number, wire, value in self.fields(start, end):
            child = children.get(number)
            if child is None or wire != 2:
                continue
            if child == _ENTRY:
                self.metadata(*value)
            else:
                self.message(child, *value, depth + 1)

    def entry(self, start: int, end: int) -> tuple[bytes, tuple[int, int]]:
        key, value = b"", (start, start)
        for number, wire, field in self.fields(start, end):
            if wire == 2 and number == 1:
                key = self.data[field[0] : field[1]]
            elif wire == 2 and number == 2:
                value = field
        return key, value

    def metadata(self, start: int, end: int) -> None:
        key, (v0, v1) = self.entry(start, end)
        if key != CONTRACT_KEY.encode():
            return
        if self.contract is not None:
            raise errors.ModelError(
                errors.ModelReason.CONTRACT_INVALID,
                self.subject,
                f"expected one '{CONTRACT_KEY}' entry in the metadata, found two",
            )
        if v1 - v0 > MAX_CONTRACT_BYTES:
            raise errors.ModelError(
                errors.ModelReason.TOO_LARGE,
                self.subject,
                f"expected a contract of at most {MAX_CONTRACT_BYTES} bytes, found {v1 - v0}",
            )
        self.contract = self.data[v0:v1]

    def tensor(self, start: int, end: int) -> None:
        entries: dict[str, str] = {}
        external = False
        for number, wire, value in self.fields(start, end):
            if number == _TENSOR_DATA_LOCATION and wire == 0:
                external = value == _EXTERNAL
            elif number == _TENSOR_EXTERNAL_DATA and wire == 2:
                key, (v0, v1) = self.entry(*value)
                entries[key.decode("utf-8", "replace")] = self.data[v0:v1].decode("utf-8", "replace")
        if external or entries:
            self.external.append((entries.get("location", ""), entries))
