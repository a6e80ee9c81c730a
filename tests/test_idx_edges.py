"""The IDX reader at its limits, every refusal asserted as its whole line (docs/idx-format.md).

Files are made in the test: headers that claim a size without the data behind it, and gzip members built
byte by byte (a cut trailer, a second member, a ratio at its bound).
"""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import pytest

from pybridge import errors, idx
from pybridge.errors import IdxReason


def header(code: int, *dims: int) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def write(tmp_path, payload: bytes, name="f.idx"):
    path = tmp_path / name
    path.write_bytes(payload)
    return path


def refused(path, reason: str, *, header_only=False) -> str:
    with pytest.raises(errors.IdxError) as caught:
        (idx.read_header if header_only else idx.read_idx)(path)
    assert caught.value.reason is IdxReason[reason], caught.value
    assert str(caught.value) == f"{path}: {reason}: {caught.value.detail}"
    return caught.value.detail


def raw_member(payload: bytes) -> tuple[bytes, bytes, bytes]:
    """A gzip member as (header, deflate body, trailer)."""
    member = idx.gzip_member(payload)
    return member[:10], member[10:-8], member[-8:]


# ---- dimensions ---------------------------------------------------------------------------------------------


def test_an_8_dimensional_file_is_read_in_both_forms(tmp_path):
    array = np.arange(2 * 3 * 1 * 1 * 2 * 1 * 1 * 2, dtype=np.int16).reshape(2, 3, 1, 1, 2, 1, 1, 2) - 7
    for compress in (False, True):
        path = idx.write_idx(tmp_path / f"eight{compress}.idx", array, compress=compress)
        read = idx.read_idx(path)
        assert read.header.shape == (2, 3, 1, 1, 2, 1, 1, 2) and read.header.type is idx.IdxType.SHORT
        assert read.header.data_offset == 4 + 32 and read.header.count == 2 and read.header.gzip is compress
        assert (read.data == array).all()
        assert idx.read_header(path) == read.header


@pytest.mark.parametrize("ndim", [0, 9])
def test_0_or_9_dimensions_are_refused(tmp_path, ndim):
    path = write(tmp_path, header(8, *([1] * ndim)) + b"\0")
    assert refused(path, "BAD_DIMENSIONS") == f"expected 1 to 8 dimensions, found {ndim}"


def test_a_zero_dimension_is_refused(tmp_path):
    path = write(tmp_path, header(8, 3, 0, 2))
    assert refused(path, "BAD_DIMENSIONS") == "expected every dimension to be at least 1, found shape [3, 0, 2]"


# ---- the header's own checks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "reason", "detail"),
    [
        (b"", "TRUNCATED_HEADER", "expected a 4-byte IDX magic number, found 0 bytes"),
        (b"\0\0\x08", "TRUNCATED_HEADER", "expected a 4-byte IDX magic number, found 3 bytes"),
        (b"\0\x01\x08\x01" + bytes(5), "BAD_MAGIC", "expected the magic number to start with 00 00, found 00 01"),
        (b"\x01\0\x08\x01" + bytes(5), "BAD_MAGIC", "expected the magic number to start with 00 00, found 01 00"),
        (
            b"\0\0\x0a\x01" + bytes(5),
            "UNKNOWN_TYPE",
            "expected a type code in [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E], found 0x0A",
        ),
        (b"\0\0\x08\x02" + bytes(7), "TRUNCATED_HEADER", "expected 8 bytes of dimension sizes, found 7"),
        (header(8, 2, 2) + bytes(3), "TRUNCATED_DATA", "expected 4 bytes of data, found 3"),
        (header(8, 2, 2) + bytes(5), "TRAILING_DATA", "expected 4 bytes of data, found 5"),
        (header(0x0E, 3) + bytes(23), "TRUNCATED_DATA", "expected 24 bytes of data, found 23"),
    ],
)
def test_each_header_refusal_is_its_whole_line(tmp_path, payload, reason, detail):
    path = write(tmp_path, payload)
    assert refused(path, reason) == detail
    assert refused(path, reason, header_only=True) == detail
    gz = write(tmp_path, idx.gzip_member(payload), "f.gz")
    if reason not in ("TRUNCATED_DATA", "TRAILING_DATA"):  # gzip says these in its own words (below)
        assert refused(gz, reason) == detail


def test_the_data_limit_is_2_to_the_31_minus_1_bytes(tmp_path):
    at_limit = write(tmp_path, header(8, 2**31 - 1))  # a lie only the length check catches
    assert refused(at_limit, "TRUNCATED_DATA") == "expected 2147483647 bytes of data, found 0"
    over = write(tmp_path, header(8, 2**15, 2**16), "over.idx")
    assert refused(over, "TOO_LARGE") == (
        "expected at most 2147483647 bytes of data, header claims 2147483648 ([32768, 65536])"
    )
    doubles = write(tmp_path, header(0x0E, 2**28), "doubles.idx")  # 2^28 elements of 8 bytes
    assert refused(doubles, "TOO_LARGE", header_only=True) == (
        "expected at most 2147483647 bytes of data, header claims 2147483648 ([268435456])"
    )


# ---- gzip ---------------------------------------------------------------------------------------------------


def test_a_gzip_whose_data_is_complete_but_whose_trailer_is_cut_is_corrupt(tmp_path):
    head, body, trailer = raw_member(header(8, 4) + b"\1\2\3\4")
    for cut in (0, 4, 7):
        path = write(tmp_path, head + body + trailer[:cut], f"cut{cut}.gz")
        assert refused(path, "CORRUPT_GZIP") == "expected the gzip end marker and trailer after the data, found none"


def test_a_gzip_with_a_wrong_crc_is_corrupt(tmp_path):
    head, body, trailer = raw_member(header(8, 4) + b"\1\2\3\4")
    path = write(tmp_path, head + body + bytes([trailer[0] ^ 1]) + trailer[1:], "crc.gz")
    assert refused(path, "CORRUPT_GZIP").startswith("expected a valid gzip stream, found: ")


def test_bytes_after_the_gzip_member_are_trailing_data(tmp_path):
    member = idx.gzip_member(header(8, 4) + b"\1\2\3\4")
    assert refused(write(tmp_path, member + b"\0\0\0", "tail.gz"), "TRAILING_DATA") == (
        "expected the file to end with its gzip member, found 3 bytes more"
    )
    assert refused(write(tmp_path, member + member, "two.gz"), "TRAILING_DATA") == (
        f"expected the file to end with its gzip member, found {len(member)} bytes more"
    )


def test_gzip_data_short_long_or_cut(tmp_path):
    short = write(tmp_path, idx.gzip_member(header(8, 4) + b"\1\2\3"), "short.gz")
    assert refused(short, "TRUNCATED_DATA") == "expected 4 bytes of data, found 3"
    long = write(tmp_path, idx.gzip_member(header(8, 4) + b"\1\2\3\4\5\6"), "long.gz")
    assert refused(long, "TRAILING_DATA") == "expected 4 bytes of data, found at least 5"
    head, body, _ = raw_member(header(8, 4000) + bytes(range(256)) * 16)
    cut = write(tmp_path, head + body[: len(body) // 2], "cut.gz")
    detail = refused(cut, "CORRUPT_GZIP")
    assert detail.startswith("expected 4000 bytes of data, found the gzip stream cut short after ")


def test_a_gzip_header_inside_a_short_or_a_cut_member(tmp_path):
    complete = write(tmp_path, idx.gzip_member(b"\0\0\x08\x02\0\0\0\1"), "short.gz")
    assert refused(complete, "TRUNCATED_HEADER") == "expected 8 bytes of dimension sizes, found 4"
    head, body, _ = raw_member(header(8, 2, 2) + bytes(4))
    cut = write(tmp_path, head + body[:3], "cut.gz")
    detail = refused(cut, "CORRUPT_GZIP", header_only=True)
    assert detail.startswith("expected a complete gzip stream, found it cut short (expected ")


def test_the_deflate_ratio_bound_is_1032_times_the_file(tmp_path):
    payload = header(8, 1)  # a header and no data: the claim is what is bounded
    size = len(idx.gzip_member(payload))
    at_bound = write(tmp_path, idx.gzip_member(header(8, 1032 * size)), "at.gz")
    assert refused(at_bound, "TRUNCATED_DATA", header_only=False).startswith(f"expected {1032 * size} bytes")
    over = write(tmp_path, idx.gzip_member(header(8, 1032 * size + 1)), "over.gz")
    assert refused(over, "TOO_LARGE", header_only=True) == (
        f"expected at most {1032 * size} bytes of data from {size} compressed bytes, header claims "
        f"{1032 * size + 1} ([{1032 * size + 1}])"
    )


def test_gzip_is_detected_by_content_not_name(tmp_path):
    path = write(tmp_path, idx.gzip_member(header(8, 2) + b"\x07\x09"), "plain-name.idx")
    read = idx.read_idx(path)
    assert read.header.gzip and read.data.tolist() == [7, 9]
    assert not idx.read_idx(write(tmp_path, header(8, 1) + b"\5", "f.gz")).header.gzip


def test_a_long_gzip_reads_across_stream_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(idx._GzipStream, "IN_CHUNK", 7)
    monkeypatch.setattr(idx._GzipStream, "OUT_CHUNK", 5)
    data = (np.arange(1000) % 251).astype(np.uint8)
    path = idx.write_idx(tmp_path / "chunks.gz", data, compress=True)
    assert (idx.read_idx(path).data == data).all()
    assert refused(write(tmp_path, path.read_bytes() + b"\0", "more.gz"), "TRAILING_DATA") == (
        "expected the file to end with its gzip member, found 1 bytes more"
    )


# ---- types, checksums and the summary -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "code"),
    [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)],
)
def test_each_type_is_stored_big_endian_and_read_back_native(tmp_path, dtype, code):
    array = np.array([[1, 2, 3], [4, 5, 127]], dtype=dtype)
    path = idx.write_idx(tmp_path / "t.idx", array)
    raw = path.read_bytes()
    assert raw[:12] == bytes([0, 0, code, 2, 0, 0, 0, 2, 0, 0, 0, 3])
    assert raw[12:] == array.astype(np.dtype(dtype).newbyteorder(">")).tobytes()
    read = idx.read_idx(path)
    assert read.data.dtype == np.dtype(dtype) and read.data.dtype.isnative and (read.data == array).all()
    assert not read.data.flags.writeable
    assert read.header.data_bytes == 6 * np.dtype(dtype).itemsize
    assert (
        read.sha256
        == __import__("hashlib").sha256(array.astype(np.dtype(dtype).newbyteorder("<")).tobytes()).hexdigest()
    )
    assert idx.IdxType.from_code(code).native == np.dtype(dtype)


def test_describe_and_the_summary_line(tmp_path):
    path = idx.write_idx(tmp_path / "d.idx", np.array([[1, 2]], dtype=np.uint8), compress=True)
    info = idx.read_idx(path).describe()
    sha = "a12871fee210fb8619291eaea194581cbd2531e4b23759d225f6806923f63222"
    assert info == {"file": str(path), "type": "ubyte", "shape": [1, 2], "gzip": True, "count": 1, "sha256": sha}
    assert idx.summary_line(info) == f"{path}: ubyte [1, 2] gzip count=1 sha256={sha}"
    info["gzip"] = False
    assert idx.summary_line(info) == f"{path}: ubyte [1, 2] count=1 sha256={sha}"


def test_the_command_prints_each_file_and_stops_at_a_bad_one(tmp_path, capsys):
    good = idx.write_idx(tmp_path / "g.idx", np.array([3], dtype=np.int32))
    assert idx.main([str(good)]) == 0
    assert capsys.readouterr().out == idx.summary_line(idx.read_idx(good).describe()) + "\n"
    assert idx.main(["--json", str(good)]) == 0
    assert json.loads(capsys.readouterr().out) == idx.read_idx(good).describe()
    bad = write(tmp_path, b"\1\0\x08\x01", "bad.idx")
    assert idx.main([str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == idx.summary_line(idx.read_idx(good).describe()) + "\n"
    assert f"{bad}: BAD_MAGIC: expected the magic number to start with 00 00, found 01 00" in captured.err


# ---- writing ------------------------------------------------------------------------------------------------


def test_the_gzip_member_is_fixed_header_raw_deflate_crc_and_size():
    payload = bytes(range(200)) * 3
    member = idx.gzip_member(payload)
    assert member[:10] == bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])
    assert zlib.decompress(member[10:-8], -15) == payload
    assert member[-8:] == struct.pack("<II", zlib.crc32(payload), 600)
    deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert member[10:-8] == deflater.compress(payload) + deflater.flush()


@pytest.mark.parametrize(
    ("array", "detail"),
    [
        (np.zeros((), np.uint8), "IDX needs 1 to 8 non-empty dimensions, found shape ()"),
        (
            np.zeros((1,) * 9, np.uint8),
            "IDX needs 1 to 8 non-empty dimensions, found shape (1, 1, 1, 1, 1, 1, 1, 1, 1)",
        ),
        (np.zeros((2, 0), np.uint8), "IDX needs 1 to 8 non-empty dimensions, found shape (2, 0)"),
        (
            np.zeros(2, np.uint16),
            "IDX cannot store dtype uint16; expected one of uint8, int8, int16, int32, float32, float64",
        ),
        (
            np.zeros(2, np.int64),
            "IDX cannot store dtype int64; expected one of uint8, int8, int16, int32, float32, float64",
        ),
    ],
)
def test_unstorable_arrays_are_refused_in_full(tmp_path, array, detail):
    with pytest.raises(errors.UsageError) as caught:
        idx.write_idx(tmp_path / "x.idx", array)
    assert caught.value.reason is errors.UsageReason.BAD_ARGUMENT and str(caught.value) == detail
    assert not (tmp_path / "x.idx").exists()


def test_eight_dimensions_can_be_written_and_a_bool_cannot(tmp_path):
    idx.write_idx(tmp_path / "e.idx", np.zeros((1,) * 8, np.float32))
    with pytest.raises(errors.UsageError):
        idx.write_idx(tmp_path / "b.idx", np.zeros(2, bool))


# ---- datasets -----------------------------------------------------------------------------------------------


def pair(tmp_path, images, labels):
    return idx.write_idx(tmp_path / "i.idx", images), idx.write_idx(tmp_path / "l.idx", labels)


def dataset_refusal(tmp_path, images, labels, reason, **kw) -> str:
    i, lab = pair(tmp_path, images, labels)
    with pytest.raises(errors.IdxError) as caught:
        idx.load_dataset(i, lab, **kw)
    assert caught.value.reason is IdxReason[reason]
    return str(caught.value)


def test_a_dataset_is_images_and_labels_that_match(tmp_path):
    images, labels = np.zeros((5, 2, 2), np.uint8), np.array([0, 1, 1, 3, 3], np.uint8)
    data = idx.load_dataset(*pair(tmp_path, images, labels), side=2, num_classes=4)
    assert data.count == 5 and data.class_counts(4) == [1, 2, 0, 2]
    assert data.class_counts(5) == [1, 2, 0, 2, 0]
    assert idx.Dataset(data.images, data.labels).class_counts() == [1, 2, 0, 2, 0, 0, 0, 0, 0, 0]


def test_each_dataset_refusal_is_its_whole_line(tmp_path):
    i, lab = tmp_path / "i.idx", tmp_path / "l.idx"
    ok_images, ok_labels = np.zeros((3, 2, 2), np.uint8), np.array([0, 1, 2], np.uint8)
    assert dataset_refusal(tmp_path, ok_images.astype(np.int8), ok_labels, "WRONG_SHAPE", side=2) == (
        f"{i}: WRONG_SHAPE: expected images of type ubyte and shape [N, 2, 2], found byte [3, 2, 2]"
    )
    assert dataset_refusal(tmp_path, np.zeros((3, 2, 3), np.uint8), ok_labels, "WRONG_SHAPE", side=2) == (
        f"{i}: WRONG_SHAPE: expected images of type ubyte and shape [N, 2, 2], found ubyte [3, 2, 3]"
    )
    assert dataset_refusal(tmp_path, ok_images, ok_labels.astype(np.int32), "WRONG_SHAPE", side=2) == (
        f"{lab}: WRONG_SHAPE: expected labels of type ubyte and shape [N], found int [3]"
    )
    assert dataset_refusal(tmp_path, ok_images, ok_labels.reshape(3, 1), "WRONG_SHAPE", side=2) == (
        f"{lab}: WRONG_SHAPE: expected labels of type ubyte and shape [N], found ubyte [3, 1]"
    )
    assert dataset_refusal(tmp_path, ok_images, ok_labels[:2], "COUNT_MISMATCH", side=2) == (
        f"{lab}: COUNT_MISMATCH: expected 3 labels (as many as images in i.idx), found 2"
    )
    assert dataset_refusal(
        tmp_path, ok_images, np.array([3, 9, 2], np.uint8), "LABEL_RANGE", side=2, num_classes=3
    ) == (f"{lab}: LABEL_RANGE: expected labels in 0..2, found 3 at index 0 (2 labels out of range)")
    assert dataset_refusal(tmp_path, ok_images, np.array([0, 1, 10], np.uint8), "LABEL_RANGE", side=2) == (
        f"{lab}: LABEL_RANGE: expected labels in 0..9, found 10 at index 2 (1 labels out of range)"
    )


def test_a_missing_file_is_an_io_error_in_full(tmp_path):
    missing = tmp_path / "none.idx"
    assert refused(missing, "IO") == "cannot open: No such file or directory"
    assert refused(tmp_path, "IO", header_only=True).startswith("cannot ")


def test_a_read_that_fails_after_open_is_an_io_error_in_full(tmp_path, monkeypatch):
    path = idx.write_idx(tmp_path / "r.idx", np.array([1, 2], np.uint8))

    def failing(error):
        def first_read(_f):
            raise error

        return first_read

    monkeypatch.setattr(idx, "_is_gzip", failing(OSError(5, "Input/output error")))
    assert refused(path, "IO") == "cannot read: Input/output error"
    assert refused(path, "IO", header_only=True) == "cannot read: Input/output error"
    monkeypatch.setattr(idx, "_is_gzip", failing(OSError("no details")))  # no strerror: the error itself
    assert refused(path, "IO") == "cannot read: no details"
    assert refused(path, "IO", header_only=True) == "cannot read: no details"


def test_a_plain_file_that_shrinks_while_it_is_read_is_truncated(tmp_path):
    path = write(tmp_path, header(8, 8) + bytes(6), "s.idx")
    # The size as it was when the header was checked (all 8 bytes there): two bytes more than there are now.
    with open(path, "rb") as f, pytest.raises(errors.IdxError) as caught:
        idx._read_plain(path, f, path.stat().st_size + 2)
    assert str(caught.value) == f"{path}: TRUNCATED_DATA: expected 8 bytes of data, read 6"


def test_a_header_and_an_array_are_values(tmp_path):
    import dataclasses

    read = idx.read_idx(idx.write_idx(tmp_path / "v.idx", np.array([1, 2], np.uint8)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.header.gzip = True  # what a reader reported cannot change after the checks
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.data = np.zeros(2, np.uint8)
    assert read.header == idx.IdxHeader(idx.IdxType.UBYTE, (2,), False)


def test_the_gzip_member_is_deflate_level_6_exactly():
    # Random bytes from a 4-letter alphabet: levels 5, 6 and 7 give three different streams for these.
    payload = np.random.default_rng(0).integers(0, 4, 20000, dtype=np.uint8).tobytes()
    body = idx.gzip_member(payload)[10:-8]
    streams = {}
    for level in (5, 6, 7):
        deflater = zlib.compressobj(level, zlib.DEFLATED, -15)
        streams[level] = deflater.compress(payload) + deflater.flush()
    assert len(set(streams.values())) == 3 and body == streams[6]


def test_a_dataset_is_a_value(tmp_path):
    import dataclasses

    images = idx.write_idx(tmp_path / "i.idx", np.zeros((1, 2, 2), np.uint8))
    labels = idx.write_idx(tmp_path / "l.idx", np.zeros(1, np.uint8))
    data = idx.load_dataset(images, labels, side=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.labels = data.images


def test_the_command_names_itself_and_says_what_it_does(capsys):
    with pytest.raises(SystemExit) as caught:
        idx.main(["--help"])
    assert caught.value.code == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith("usage: python -m pybridge.idx [-h] [--json] [--debug] FILE [FILE ...]\n\n")
    assert "\nCheck IDX files and print their header and checksum.\n" in help_text
    assert "  --json      one JSON object per file\n" in help_text


def test_python_m_pybridge_idx_runs_the_command(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = idx.write_idx(tmp_path / "m.idx", np.array([4], np.uint8))
    done = subprocess.run(
        [sys.executable, "-m", "pybridge.idx", str(path)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, idx.summary_line(idx.read_idx(path).describe()) + "\n")
