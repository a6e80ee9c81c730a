"""The Python IDX reader against the shared fixtures, plus round trips and CLI behaviour."""

from __future__ import annotations

import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pybridge import errors, files, idx
from tests.conftest import FIXTURES, read_tsv

MANIFEST = read_tsv(FIXTURES / "manifest.tsv")
DATASETS = read_tsv(FIXTURES / "datasets.tsv")


def test_fixture_manifests_are_present_and_cover_every_reason():
    reasons = {row[1] for row in MANIFEST} | {row[2] for row in DATASETS}
    assert reasons >= {r.name for r in errors.IdxReason} - {"IO"} | {"OK"}


@pytest.mark.parametrize(("name", "reason", "type_name", "shape", "sha256"), MANIFEST, ids=[r[0] for r in MANIFEST])
def test_fixture_verdicts(name, reason, type_name, shape, sha256):
    path = FIXTURES / name
    if reason == "OK":
        array = idx.read_idx(path)
        assert array.header.type.name.lower() == type_name
        assert str(list(array.header.shape)) == shape
        assert array.sha256 == sha256
        assert array.data.shape == array.header.shape
    else:
        with pytest.raises(errors.IdxError) as caught:
            idx.read_idx(path)
        assert caught.value.reason is errors.IdxReason[reason]
        assert name in str(caught.value) and "expected" in str(caught.value)


@pytest.mark.parametrize(("images", "labels", "reason"), DATASETS, ids=[f"{r[0]}+{r[1]}" for r in DATASETS])
def test_dataset_verdicts(images, labels, reason):
    if reason == "OK":
        ds = idx.load_dataset(FIXTURES / images, FIXTURES / labels)
        assert ds.count == 4
        assert ds.class_counts() == [1, 1, 1, 0, 0, 0, 0, 1, 0, 0]
    else:
        with pytest.raises(errors.IdxError) as caught:
            idx.load_dataset(FIXTURES / images, FIXTURES / labels)
        assert caught.value.reason is errors.IdxReason[reason]


def test_fixtures_are_reproducible_from_their_generator(tmp_path):
    from tests.data import make_idx_fixtures

    make_idx_fixtures.main(tmp_path)
    committed = sorted(p.name for p in FIXTURES.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


@pytest.mark.parametrize("name", ["claims_4e9_bytes.idx", "claims_1e9_gzip.gz", "overflow_dims.idx"])
def test_lying_headers_are_refused_before_allocation(name):
    tracemalloc.start()
    try:
        with pytest.raises(errors.IdxError) as caught:
            idx.read_idx(FIXTURES / name)
        assert caught.value.reason is errors.IdxReason.TOO_LARGE
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_missing_file_and_directory_are_io_errors(tmp_path):
    with pytest.raises(errors.IdxError, match=r"missing\.idx") as missing:
        idx.read_idx(tmp_path / "missing.idx")
    assert missing.value.reason is errors.IdxReason.IO
    with pytest.raises(errors.IdxError) as directory:
        idx.read_idx(tmp_path)
    assert directory.value.reason is errors.IdxReason.IO


def test_data_is_read_only_and_native_order():
    array = idx.read_idx(FIXTURES / "ok_int.idx")
    assert array.data.dtype.isnative
    assert not array.data.flags.writeable
    assert array.data.tolist() == [-(2**31), -1, 0, 65538, 2**31 - 1]


def test_read_header_matches_full_read():
    for name in ("ok_gzip.idx.gz", "ok_double.idx"):
        assert idx.read_header(FIXTURES / name) == idx.read_idx(FIXTURES / name).header


DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@settings(max_examples=60, deadline=None)
@given(
    array=st.sampled_from(DTYPES).flatmap(
        lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    ),
    compress=st.booleans(),
)
def test_round_trip_preserves_every_bit(tmp_path_factory, array, compress):
    path = tmp_path_factory.mktemp("rt") / "a.idx"
    idx.write_idx(path, array, compress=compress)
    back = idx.read_idx(path)
    assert back.header.gzip == compress
    assert back.data.dtype == array.dtype.newbyteorder("=")
    assert back.data.tobytes() == np.ascontiguousarray(array).tobytes()


def test_write_is_atomic_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "x.idx"
    idx.write_idx(path, np.arange(3, dtype=np.uint8))

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(idx.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        idx.write_idx(path, np.arange(5, dtype=np.uint8))
    assert idx.read_idx(path).data.tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["x.idx"]


def test_write_refuses_unstorable_arrays(tmp_path):
    with pytest.raises(errors.UsageError, match="uint64"):
        idx.write_idx(tmp_path / "a.idx", np.arange(3, dtype=np.uint64))
    with pytest.raises(errors.UsageError, match="non-empty"):
        idx.write_idx(tmp_path / "a.idx", np.zeros((2, 0), dtype=np.uint8))


def test_cli_prints_one_line_per_file(capsys):
    assert idx.main([str(FIXTURES / "ok_gzip.idx.gz"), str(FIXTURES / "ok_byte.idx")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{FIXTURES / 'ok_gzip.idx.gz'}: ubyte [3, 28, 28] gzip count=3 sha256=")
    assert lines[1].startswith(f"{FIXTURES / 'ok_byte.idx'}: byte [5] count=5 sha256=")


@pytest.mark.parametrize(("name", "reason"), [(r[0], r[1]) for r in MANIFEST if r[1] != "OK"])
def test_cli_bad_file_gives_one_error_line_and_exit_2(capsys, name, reason):
    assert idx.main([str(FIXTURES / name)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"error: {FIXTURES / name}: {reason}: expected")


def test_cli_json(capsys):
    import json

    assert idx.main(["--json", str(FIXTURES / "ok_short.idx")]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["type"] == "short" and info["shape"] == [2, 2] and info["gzip"] is False and info["count"] == 2


def _traced_peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("compress", [False, True])
def test_multibyte_read_holds_one_copy_of_the_data(tmp_path, compress):
    # 8 MB of doubles: the reader may hold the output and its 1 MiB chunk buffers, not a second copy.
    array = np.arange(2**20, dtype=np.float64)
    path = idx.write_idx(tmp_path / "d.idx", array, compress=compress)
    peak = _traced_peak(lambda: idx.read_idx(path))
    assert peak < 1.5 * array.nbytes, f"peak {peak} bytes for {array.nbytes} bytes of data"


def test_gzip_is_refused_as_it_streams_not_after_reading_the_whole_file(tmp_path):
    # A valid member start (a header claiming 1 KB), then 256 MiB of sparse zeros that are not deflate data.
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    start = deflate.compress(bytes([0, 0, 0x08, 1]) + (1024).to_bytes(4, "big")) + deflate.flush(zlib.Z_SYNC_FLUSH)
    path = tmp_path / "sparse.gz"
    with open(path, "wb") as f:
        f.write(start)
        f.truncate(256 * 2**20)

    def read():
        with pytest.raises(errors.IdxError) as caught:
            idx.read_idx(path)
        assert caught.value.reason is errors.IdxReason.CORRUPT_GZIP

    assert _traced_peak(read) < 4 * 2**20


@pytest.mark.parametrize("dtype", DTYPES)
def test_gzip_data_spanning_many_stream_chunks(tmp_path, dtype):
    # Random bytes do not compress, so both the input and the output cross several chunk boundaries.
    raw = np.random.default_rng(7).integers(0, 256, 3 * 2**20 + 13, dtype=np.uint8)
    array = raw[: raw.size // np.dtype(dtype).itemsize * np.dtype(dtype).itemsize].view(dtype)
    path = idx.write_idx(tmp_path / "big.gz", array, compress=True)
    assert idx.read_idx(path).data.tobytes() == array.tobytes()
    with open(path, "ab") as f:
        f.write(b"\x00" * 200_000)  # more than one input chunk after the member
    with pytest.raises(errors.IdxError, match="found 200000 bytes more") as caught:
        idx.read_idx(path)
    assert caught.value.reason is errors.IdxReason.TRAILING_DATA


def test_read_header_of_gzip_applies_the_ratio_bound_like_the_java_reader():
    with pytest.raises(errors.IdxError) as caught:
        idx.read_header(FIXTURES / "claims_1e9_gzip.gz")
    assert caught.value.reason is errors.IdxReason.TOO_LARGE


def test_write_removes_stale_temporaries_of_that_file_only(tmp_path):
    import os

    stale = tmp_path / ".x.idx.ab_12cd3.tmp"  # left by a writer killed with -9
    young = tmp_path / ".x.idx.young123.tmp"
    other = tmp_path / ".y.idx.ab_12cd3.tmp"
    for path in (stale, young, other):
        path.write_bytes(b"partial")
    for path in (stale, other):
        os.utime(path, (1e9, 1e9))
    idx.write_idx(tmp_path / "x.idx", np.arange(3, dtype=np.uint8))
    assert not stale.exists() and young.exists() and other.exists()


def test_a_temporary_file_stays_locked_until_it_has_its_final_name(tmp_path, monkeypatch):
    # A cleaner running at the worst moment (just before the rename, the file already old) must leave it alone.
    monkeypatch.setattr(files, "STALE_TEMP_SECONDS", 0)
    real_replace = idx.os.replace
    seen = []

    def replace_after_cleaning(src, dst):
        seen.append(files.remove_stale_temps(tmp_path, ["x.idx"]))
        real_replace(src, dst)

    monkeypatch.setattr(idx.os, "replace", replace_after_cleaning)
    idx.write_idx(tmp_path / "x.idx", np.arange(3, dtype=np.uint8))
    assert seen == [[]]
    assert idx.read_idx(tmp_path / "x.idx").data.tolist() == [0, 1, 2]
