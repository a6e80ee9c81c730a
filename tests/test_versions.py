"""Other ONNX Runtime versions: the lock pip's report becomes, the jar's verification, the child's command line.

The real set-up (a venv from PyPI, a jar from Maven Central) needs network and minutes: `make drift` runs it.
"""

from __future__ import annotations

import hashlib
import sys
import urllib.error
from pathlib import Path

import pytest

from pybridge import errors
from pybridge.runtimes import spec, versions


def test_the_lock_lists_every_resolved_wheel_with_its_sha256():
    report = {
        "install": [
            {"metadata": {"name": "onnxruntime", "version": "1.32.0"}, "download_info": {"archive_info": {
                "hash": "sha256=aa", "hashes": {"sha256": "aa"}}}},
            {"metadata": {"name": "numpy", "version": "2.4.6"}, "download_info": {"archive_info": {
                "hash": "sha256=bb"}}},
        ]
    }  # fmt: skip
    assert versions.lock_lines(report) == ["numpy==2.4.6 --hash=sha256:bb", "onnxruntime==1.32.0 --hash=sha256:aa"]
    report["install"][1]["download_info"] = {"url": "file:///somewhere"}
    with pytest.raises(errors.UsageError, match="numpy: UNSUPPORTED: expected a SHA-256 for every wheel"):
        versions.lock_lines(report)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "digitbridge" / "ort"


def _serve(monkeypatch, files: dict[str, bytes]) -> list[str]:
    asked = []

    def download(url):
        asked.append(url)
        if url not in files:
            raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)
        return files[url]

    monkeypatch.setattr(versions, "_download", download)
    return asked


def test_a_pinned_jar_is_kept_only_when_its_sha256_matches(cache, monkeypatch):
    url = versions.jar_url("1.29.0")
    _serve(monkeypatch, {url: b"not the real jar"})
    with pytest.raises(errors.UsageError) as caught:
        versions.ort_jar("1.29.0")
    assert str(caught.value).startswith(f"jvm-ort@1.29.0: UNSUPPORTED: expected {url} with SHA-256 5933bbc0")
    assert not (cache / "onnxruntime-1.29.0.jar").exists()


def test_an_unpinned_jar_is_checked_against_the_published_sha1_and_its_sha256_recorded(cache, monkeypatch):
    payload = b"a jar"
    url = versions.jar_url("9.9.9")
    asked = _serve(monkeypatch, {url: payload, url + ".sha1": hashlib.sha1(payload).hexdigest().encode() + b"  x"})
    jar = versions.ort_jar("9.9.9")
    assert jar.read_bytes() == payload and asked == [url, url + ".sha1"]
    assert (cache / "onnxruntime-9.9.9.jar.sha256").read_text().strip() == hashlib.sha256(payload).hexdigest()
    assert versions.ort_jar("9.9.9") == jar and len(asked) == 2  # cached: nothing fetched again
    jar.write_bytes(b"changed in the cache")
    _serve(monkeypatch, {url: payload, url + ".sha1": b"0" * 40})
    with pytest.raises(errors.UsageError, match="with Maven Central's SHA-1 0000"):
        versions.ort_jar("9.9.9")


def test_a_version_that_is_not_published_is_one_line(cache, monkeypatch):
    _serve(monkeypatch, {})
    with pytest.raises(errors.UsageError) as caught:
        versions.ort_jar("1.27.0")
    assert (
        str(caught.value)
        == f"jvm-ort@1.27.0: UNSUPPORTED: expected {versions.jar_url('1.27.0')} to download, found HTTP 404 Not Found"
    )


def test_the_child_saves_one_runtime_over_the_same_models_and_images():
    command = versions.child_command(
        spec.parse("jvm-ort@1.29.0"), Path(sys.executable), [Path("models/mlp.onnx")], Path("/tmp/x.npz"),
        {"data": Path("/d"), "limit": 5, "batch": None, "optimization": "ALL"},
    )  # fmt: skip
    assert command[1:] == [
        "-m", "pybridge.compare", "--runtimes", "jvm-ort:cpu", "--save-run", "/tmp/x.npz",
        "--models", "models/mlp.onnx", "--data", "/d", "--limit", "5", "--optimization", "ALL",
    ]  # fmt: skip
    assert versions.CHILD_ENV == {"ORT_DISABLE_TELEMETRY": "1"}


def test_cuda_with_another_version_is_refused():
    with pytest.raises(errors.UsageError, match=r"^python-ort:cuda@1\.32\.0: UNSUPPORTED: expected another ONNX"):
        versions.VersionedRuntime(spec.parse("python-ort:cuda@1.32.0"))


def test_our_own_version_runs_in_this_process():
    from pybridge import runtimes
    from pybridge.runtimes.python_ort import PythonOrtRuntime

    assert isinstance(runtimes.create("python-ort@1.28.0"), PythonOrtRuntime)
    assert versions.local_version("jvm-ort") == "1.28.0"
