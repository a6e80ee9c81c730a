"""Strict IDX reader and writer (the Python twin of the Java reader; spec: docs/idx-format.md).

``python -m pybridge.idx [--json] FILE...`` prints each file's header summary and checksum, or one error line
and exit code 2.
"""

from __future__ import annotations

import argparse
import enum
import hashlib
import json
import os
import struct
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pybridge import cli, errors
from pybridge.errors import IdxError, IdxReason
from pybridge.files import atomic_write

GZIP_MAGIC = b"\x1f\x8b"
MAX_DIMS = 8
MAX_DATA_BYTES = 2**31 - 1  # Java's buffer limit; both readers refuse past it so they agree on every file.
MAX_DEFLATE_RATIO = 1032  # deflate never expands input by more than this, so larger claims are lies.


class IdxType(enum.Enum):
    """The six IDX element types, keyed by their type byte."""

    UBYTE = (0x08, "u1")
    BYTE = (0x09, "i1")
    SHORT = (0x0B, "i2")
    INT = (0x0C, "i4")
    FLOAT = (0x0D, "f4")
    DOUBLE = (0x0E, "f8")

    def __init__(self, code: int, kind: str):
        self.code = code
        self.big_endian = np.dtype(">" + kind)
        self.native = np.dtype("=" + kind)

    @property
    def size(self) -> int:
        return self.native.itemsize

    @classmethod
    def from_code(cls, code: int) -> IdxType | None:
        return next((t for t in cls if t.code == code), None)

    @classmethod
    def from_dtype(cls, dtype: np.dtype) -> IdxType:
        for t in cls:
            if t.native.kind == dtype.kind and t.native.itemsize == dtype.itemsize:
                return t
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"IDX cannot store dtype {dtype}; expected one of uint8, int8, int16, int32, float32, float64",
        )


@dataclass(frozen=True)
class IdxHeader:
    """What the first bytes of an IDX file say."""

    type: IdxType
    shape: tuple[int, ...]
    gzip: bool

    @property
    def count(self) -> int:
        return self.shape[0]

    @property
    def data_offset(self) -> int:
        return 4 + 4 * len(self.shape)

    @property
    def data_bytes(self) -> int:
        return int(np.prod(self.shape, dtype=object)) * self.type.size


@dataclass(frozen=True)
class IdxArray:
    """A decoded IDX file: its header and its elements as a read-only, native-order array."""

    path: Path
    header: IdxHeader
    data: np.ndarray

    @property
    def sha256(self) -> str:
        """SHA-256 of the elements in little-endian order (the checksum both readers report)."""
        little = self.data.astype(self.header.type.native.newbyteorder("<"), copy=False)
        return hashlib.sha256(np.ascontiguousarray(little).data).hexdigest()

    def describe(self) -> dict:
        return {
            "file": str(self.path),
            "type": self.header.type.name.lower(),
            "shape": list(self.header.shape),
            "gzip": self.header.gzip,
            "count": self.header.count,
            "sha256": self.sha256,
        }


def _parse_header(
    path: Path, take: Callable[[int], bytes], gzip: bool, on_short: Callable[[Path, str], IdxError]
) -> IdxHeader:
    """Parse magic, type and dimensions from ``take(n)``, which returns at most n bytes; ``on_short(path, detail)``
    is the error for a header cut short."""
    first = take(4)
    if len(first) < 4:
        raise on_short(path, f"expected a 4-byte IDX magic number, found {len(first)} bytes")
    if first[:2] != b"\x00\x00":
        raise IdxError(
            IdxReason.BAD_MAGIC, path, f"expected the magic number to start with 00 00, found {first[:2].hex(' ')}"
        )
    idx_type = IdxType.from_code(first[2])
    if idx_type is None:
        known = ", ".join(f"0x{t.code:02X}" for t in IdxType)
        raise IdxError(IdxReason.UNKNOWN_TYPE, path, f"expected a type code in [{known}], found 0x{first[2]:02X}")
    ndim = first[3]
    if not 1 <= ndim <= MAX_DIMS:
        raise IdxError(IdxReason.BAD_DIMENSIONS, path, f"expected 1 to {MAX_DIMS} dimensions, found {ndim}")
    raw_dims = take(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise on_short(path, f"expected {4 * ndim} bytes of dimension sizes, found {len(raw_dims)}")
    shape = struct.unpack(f">{ndim}I", raw_dims)
    if 0 in shape:
        raise IdxError(
            IdxReason.BAD_DIMENSIONS, path, f"expected every dimension to be at least 1, found shape {list(shape)}"
        )
    header = IdxHeader(idx_type, shape, gzip)
    if header.data_bytes > MAX_DATA_BYTES:
        raise IdxError(
            IdxReason.TOO_LARGE,
            path,
            f"expected at most {MAX_DATA_BYTES} bytes of data, header claims {header.data_bytes} ({list(shape)})",
        )
    return header


def _open(path: Path):
    try:
        return open(path, "rb")
    except OSError as exc:
        raise IdxError(IdxReason.IO, path, f"cannot open: {exc.strerror or exc}") from exc


def _is_gzip(f) -> bool:
    magic = f.read(2)
    f.seek(0)
    return magic == GZIP_MAGIC


def read_header(path: str | Path) -> IdxHeader:
    """Read and check only the header of an IDX file (plain or gzip).

    For a plain file this includes the exact-length check (TRUNCATED_DATA, TRAILING_DATA); for gzip, whose
    data length is only known after decompressing it, the header and the TOO_LARGE bound.

    Raises:
        IdxError: its ``reason`` names the check, see docs/idx-format.md.
    """
    path = Path(path)
    with _open(path) as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if not _is_gzip(f):
                return _plain_header(path, f, size)
            return _gzip_header(path, _GzipStream(path, f, size))
        except OSError as exc:
            raise IdxError(IdxReason.IO, path, f"cannot read: {exc.strerror or exc}") from exc


def read_idx(path: str | Path) -> IdxArray:
    """Read and check a whole IDX file; gzip is detected by content.

    Memory: the output array plus about a megabyte, for plain and gzip files alike (docs/idx-format.md).

    Returns:
        IdxArray whose ``data`` has the header's shape, native byte order and is read-only.

    Raises:
        IdxError: its ``reason`` names the check (see docs/idx-format.md); never MemoryError for a lying header.
    """
    path = Path(path)
    with _open(path) as f:
        try:
            size = os.fstat(f.fileno()).st_size
            header, buffer = _read_gzip(path, f, size) if _is_gzip(f) else _read_plain(path, f, size)
        except OSError as exc:
            raise IdxError(IdxReason.IO, path, f"cannot read: {exc.strerror or exc}") from exc
    data = buffer.view(header.type.big_endian)
    if not data.dtype.isnative:
        # In place: a converted copy would double the peak memory of multi-byte files.
        data.byteswap(inplace=True)
        data = data.view(header.type.native)
    data = data.reshape(header.shape)
    data.flags.writeable = False
    return IdxArray(path, header, data)


def _truncated_header(path: Path, detail: str) -> IdxError:
    return IdxError(IdxReason.TRUNCATED_HEADER, path, detail)


def _plain_header(path: Path, f, size: int) -> IdxHeader:
    header = _parse_header(path, f.read, False, _truncated_header)
    found = size - header.data_offset
    if found < header.data_bytes:
        raise IdxError(IdxReason.TRUNCATED_DATA, path, f"expected {header.data_bytes} bytes of data, found {found}")
    if found > header.data_bytes:
        raise IdxError(IdxReason.TRAILING_DATA, path, f"expected {header.data_bytes} bytes of data, found {found}")
    return header


def _read_plain(path: Path, f, size: int) -> tuple[IdxHeader, np.ndarray]:
    header = _plain_header(path, f, size)
    # np.empty rather than bytearray: no zero-fill, and numpy asks for huge pages on large buffers.
    buffer = np.empty(header.data_bytes, dtype=np.uint8)
    got = f.readinto(buffer)
    if got != header.data_bytes:  # the file shrank while we read it
        raise IdxError(IdxReason.TRUNCATED_DATA, path, f"expected {header.data_bytes} bytes of data, read {got}")
    return header, buffer


class _GzipStream:
    """The decompressed bytes of the single gzip member a file must be, produced a chunk at a time.

    zlib with wbits=31 parses exactly one member and checks its CRC-32 and length at the trailer. Input is
    read and output produced in small chunks, so a gzip file never costs more memory than the bytes it is
    asked for plus these two chunks, however large it is or claims to be.
    """

    IN_CHUNK = 1 << 16
    OUT_CHUNK = 1 << 20

    def __init__(self, path: Path, f, size: int):
        self.path = path
        self.size = size
        self._file = f
        self._inflater = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._file_done = False

    @property
    def ended(self) -> bool:
        """Whether the member's end marker and a valid trailer have been read."""
        return self._inflater.eof

    def _next(self, limit: int) -> bytes:
        """Up to ``limit`` decompressed bytes; empty only when the member or the file has ended."""
        try:
            while not self._inflater.eof:
                if not self._pending and not self._file_done:
                    self._pending = self._file.read(self.IN_CHUNK)
                    self._file_done = not self._pending
                # Called with no input too once the file is done: zlib may still hold output.
                out = self._inflater.decompress(self._pending, limit)
                # At the member's end zlib puts the bytes after it in unused_data and leaves them in
                # unconsumed_tail too; counted once, in bytes_after_member.
                self._pending = b"" if self._inflater.eof else self._inflater.unconsumed_tail
                if out:
                    return out
                if self._file_done and not self._pending:
                    return b""
        except zlib.error as exc:
            raise IdxError(IdxReason.CORRUPT_GZIP, self.path, f"expected a valid gzip stream, found: {exc}") from exc
        return b""

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` as far as the member goes; return the number of bytes written."""
        filled = 0
        while filled < len(view):
            chunk = self._next(min(len(view) - filled, self.OUT_CHUNK))
            if not chunk:
                break
            view[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
        return filled

    def read(self, n: int) -> bytes:
        buffer = bytearray(n)
        return bytes(buffer[: self.readinto(memoryview(buffer))])

    def bytes_after_member(self) -> int:
        """How many file bytes follow the member; call once it has ended."""
        return len(self._inflater.unused_data) + len(self._pending) + (self.size - self._file.tell())


def _gzip_header(path: Path, stream: _GzipStream) -> IdxHeader:
    def short_header(p: Path, message: str) -> IdxError:
        # A complete gzip member with too little inside is a short header; a stream cut short is corrupt.
        return (
            IdxError(IdxReason.TRUNCATED_HEADER, p, message)
            if stream.ended
            else IdxError(IdxReason.CORRUPT_GZIP, p, f"expected a complete gzip stream, found it cut short ({message})")
        )

    header = _parse_header(path, stream.read, True, short_header)
    bound = MAX_DEFLATE_RATIO * stream.size
    if header.data_bytes > bound:
        raise IdxError(
            IdxReason.TOO_LARGE,
            path,
            f"expected at most {bound} bytes of data from {stream.size} compressed bytes, header claims "
            f"{header.data_bytes} ({list(header.shape)})",
        )
    return header


def _read_gzip(path: Path, f, size: int) -> tuple[IdxHeader, np.ndarray]:
    stream = _GzipStream(path, f, size)
    header = _gzip_header(path, stream)
    # Untouched pages of an empty array cost nothing, so a header that lies within the ratio bound costs
    # only the bytes its stream really holds.
    buffer = np.empty(header.data_bytes, dtype=np.uint8)
    got = stream.readinto(memoryview(buffer))
    if got < header.data_bytes:
        if stream.ended:
            raise IdxError(IdxReason.TRUNCATED_DATA, path, f"expected {header.data_bytes} bytes of data, found {got}")
        raise IdxError(
            IdxReason.CORRUPT_GZIP,
            path,
            f"expected {header.data_bytes} bytes of data, found the gzip stream cut short after {got}",
        )
    # One byte more is proof enough; decompressing the rest could take 1032 times the file size.
    if stream.read(1):
        raise IdxError(
            IdxReason.TRAILING_DATA,
            path,
            f"expected {header.data_bytes} bytes of data, found at least {header.data_bytes + 1}",
        )
    if not stream.ended:
        raise IdxError(
            IdxReason.CORRUPT_GZIP, path, "expected the gzip end marker and trailer after the data, found none"
        )
    extra = stream.bytes_after_member()
    if extra:
        raise IdxError(
            IdxReason.TRAILING_DATA, path, f"expected the file to end with its gzip member, found {extra} bytes more"
        )
    return header, buffer


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool = False) -> Path:
    """Write ``array`` as an IDX file atomically (temporary file, then rename).

    Args:
        path: destination; its parent must exist.
        array: 1 to 8 dimensions, each at least 1, of uint8/int8/int16/int32/float32/float64.
        compress: gzip the file (mtime 0, so equal arrays give equal bytes).

    Raises:
        UsageError: the array cannot be stored as IDX.
    """
    path = Path(path)
    array = np.asarray(array)
    idx_type = IdxType.from_dtype(array.dtype)
    if not 1 <= array.ndim <= MAX_DIMS or 0 in array.shape:
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"IDX needs 1 to {MAX_DIMS} non-empty dimensions, found shape {array.shape}",
        )
    payload = (
        bytes([0, 0, idx_type.code, array.ndim])
        + struct.pack(f">{array.ndim}I", *array.shape)
        + np.ascontiguousarray(array, dtype=idx_type.big_endian).tobytes()
    )
    atomic_write(path, gzip_member(payload) if compress else payload)
    return path


# The member header as zlib writes it with mtime 0 (no name, XFL 0, OS 3): spelled out so that Java's writer,
# which builds the member from a raw deflate stream, gives the same bytes (docs/idx-format.md, "Writing").
GZIP_HEADER = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])


def gzip_member(payload: bytes) -> bytes:
    """``payload`` as one gzip member: fixed header, zlib level-6 raw deflate, CRC-32 and size (little-endian)."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflater.compress(payload) + deflater.flush()
    return GZIP_HEADER + body + struct.pack("<II", zlib.crc32(payload), len(payload) & 0xFFFFFFFF)


@dataclass(frozen=True)
class Dataset:
    """An image file and its label file, checked together."""

    images: IdxArray
    labels: IdxArray

    @property
    def count(self) -> int:
        return self.images.header.count

    def class_counts(self, num_classes: int = 10) -> list[int]:
        return np.bincount(self.labels.data, minlength=num_classes).tolist()


def load_dataset(images: str | Path, labels: str | Path, *, side: int = 28, num_classes: int = 10) -> Dataset:
    """Read an image file and a label file and check they form a dataset (docs/idx-format.md).

    Raises:
        IdxError: either file fails its own checks, or WRONG_SHAPE / COUNT_MISMATCH / LABEL_RANGE.
    """
    image_file, label_file = read_idx(images), read_idx(labels)
    if image_file.header.type is not IdxType.UBYTE or image_file.header.shape[1:] != (side, side):
        raise IdxError(
            IdxReason.WRONG_SHAPE,
            image_file.path,
            f"expected images of type ubyte and shape [N, {side}, {side}], found "
            f"{image_file.header.type.name.lower()} {list(image_file.header.shape)}",
        )
    if label_file.header.type is not IdxType.UBYTE or len(label_file.header.shape) != 1:
        raise IdxError(
            IdxReason.WRONG_SHAPE,
            label_file.path,
            f"expected labels of type ubyte and shape [N], found "
            f"{label_file.header.type.name.lower()} {list(label_file.header.shape)}",
        )
    if image_file.header.count != label_file.header.count:
        raise IdxError(
            IdxReason.COUNT_MISMATCH,
            label_file.path,
            f"expected {image_file.header.count} labels (as many as images in {image_file.path.name}), "
            f"found {label_file.header.count}",
        )
    bad = np.flatnonzero(label_file.data >= num_classes)
    if bad.size:
        raise IdxError(
            IdxReason.LABEL_RANGE,
            label_file.path,
            f"expected labels in 0..{num_classes - 1}, found {label_file.data[bad[0]]} at index {bad[0]} "
            f"({bad.size} labels out of range)",
        )
    return Dataset(image_file, label_file)


def summary_line(info: dict) -> str:
    shape = ", ".join(str(s) for s in info["shape"])
    gz = " gzip" if info["gzip"] else ""
    return f"{info['file']}: {info['type']} [{shape}]{gz} count={info['count']} sha256={info['sha256']}"


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.idx") -> int:
    """Print the header summary and checksum of each IDX file; exit 2 on the first bad one."""
    command = cli.parser(prog, "Check IDX files and print their header and checksum.")
    command.add_argument("files", nargs="+", metavar="FILE")
    return cli.run(_print_infos, cli.finish(command, argv, json="one JSON object per file"))


def _print_infos(args: argparse.Namespace) -> int:
    for name in args.files:
        info = read_idx(name).describe()
        print(json.dumps(info) if args.json else summary_line(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
