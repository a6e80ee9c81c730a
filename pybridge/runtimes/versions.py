"""Other ONNX Runtime versions, each in its own process: ``python-ort@X.Y.Z`` and ``jvm-ort@X.Y.Z``.

A process holds one ONNX Runtime, so another version runs in a child process that writes a saved run
(``pybridge.runtimes.saved``) over the same models and images; the comparison then reads it like any saved
run, input-hash and model-hash checks included. What the child needs is set up on first use and cached in
``$XDG_CACHE_HOME/digitbridge/ort``:

- ``python-ort@X.Y.Z``: a virtualenv with onnxruntime X.Y.Z from PyPI, plus the numpy and pillow versions this
  process runs. pip resolves once (``--dry-run --report``); the resolved wheels and their SHA-256 go to
  ``requirements.lock`` in the venv, which is then installed with ``--require-hashes``.
- ``jvm-ort@X.Y.Z``: ONNX Runtime's jar X.Y.Z from Maven Central, checked against ``ORT_JARS`` (or, for a
  version not pinned there, against the SHA-1 Maven Central publishes beside it; its SHA-256 is then recorded
  beside the jar), put before our jar on the child JVM's classpath so its classes and native library win.

Every child runs with ``ORT_DISABLE_TELEMETRY=1``: ONNX Runtime 1.29.0's native library crashes when the process's
command line is longer than about 4 KB unless telemetry is off, and a child's lists every model.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

from pybridge import errors, files, javadeps
from pybridge.runtimes import saved
from pybridge.runtimes.base import RunOutput, Runtime
from pybridge.runtimes.spec import RuntimeSpec

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the pybridge package
ORT_GROUP = "com.microsoft.onnxruntime"
# SHA-256 of ONNX Runtime's Java jars on Maven Central, measured when they were first fetched for docs/parity.md.
# Maven Central serves no 1.27.0 jar for the CPU artifact (onnxruntime_gpu has one).
ORT_JARS = {
    "1.26.0": "cf5a48c6f5d07b15f10634b80433ddce8f5892662b1a122bbbc0907f4f442c60",
    "1.28.0": "3a9dc00bed7ee467ded8a257f99fc216570d385f8b06053570d33e9b5d7c7a37",
    "1.29.0": "5933bbc0c6c4d89afc04bf7c11011de23a947509c1352e5bf5936e62a84e4d10",
}
CHILD_ENV = {"ORT_DISABLE_TELEMETRY": "1"}
SETUP_TIMEOUT_SECONDS = 1800


def cache() -> Path:
    return files.cache_root() / "ort"


def local_version(kind: str) -> str:
    """The ONNX Runtime version a runtime of ``kind`` runs in this process, without starting it."""
    if kind == "jvm-ort":
        return next(a.version for a in javadeps.ARTIFACTS if a.name == "onnxruntime")
    try:
        return metadata.version("onnxruntime")
    except metadata.PackageNotFoundError:
        return metadata.version("onnxruntime-gpu")


def _setup_failed(what: str, found: str) -> errors.UsageError:
    return errors.UsageError(errors.UsageReason.UNSUPPORTED, f"{what}: UNSUPPORTED: expected {found}")


def _run(command: list, what: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=SETUP_TIMEOUT_SECONDS, **kwargs
    )
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise _setup_failed(
            what, f"`{' '.join(map(str, command[:4]))} ...` to succeed, found exit {done.returncode}: {last}"
        )
    return done


def lock_lines(report: dict) -> list[str]:
    """``name==version --hash=sha256:...`` for every wheel in a ``pip install --report``.

    Raises:
        UsageError: a wheel without a SHA-256 (pip reports one for everything fetched from an index).
    """
    lines = []
    for item in report.get("install", []):
        meta = item.get("metadata", {})
        archive = item.get("download_info", {}).get("archive_info", {})
        digest = archive.get("hashes", {}).get("sha256") or archive.get("hash", "").removeprefix("sha256=")
        if not digest:
            raise _setup_failed(meta.get("name", "?"), "a SHA-256 for every wheel pip resolved, found none")
        lines.append(f"{meta['name']}=={meta['version']} --hash=sha256:{digest}")
    return sorted(lines, key=str.lower)


def python_env(version: str) -> Path:
    """The cached venv with onnxruntime ``version`` (made on first use); returns its ``python``.

    Raises:
        UsageError: ``UNSUPPORTED``: pip could not resolve or install it (no network, no such version).
    """
    home = cache() / f"python-{version}"
    python = home / "bin" / "python"
    if (home / ".ready").is_file():
        return python
    cache().mkdir(parents=True, exist_ok=True)
    what = f"python-ort@{version}"
    with (cache() / ".setup.lock").open("w") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # another compare may be making the same venv
        if (home / ".ready").is_file():
            return python
        shutil.rmtree(home, ignore_errors=True)
        print(f"progress: {what}: making {home} (once)", file=sys.stderr, flush=True)
        _run([sys.executable, "-m", "venv", home], what)
        pins = [f"onnxruntime=={version}", *(f"{p}=={metadata.version(p)}" for p in ("numpy", "pillow"))]
        report = home / "resolve.json"
        pip = [python, "-m", "pip", "--disable-pip-version-check", "-q"]
        _run([*pip, "install", "--dry-run", "--ignore-installed", "--report", report, *pins], what)
        lock_file = home / "requirements.lock"
        lock_file.write_text("\n".join(lock_lines(json.loads(report.read_text()))) + "\n")
        _run([*pip, "install", "--require-hashes", "--no-deps", "-r", lock_file], what)
        (home / ".ready").write_text(lock_file.read_text())
    return python


def jar_url(version: str, base: str | None = None) -> str:
    base = (base or os.environ.get(javadeps.MAVEN_REPO_ENV) or javadeps.MAVEN_CENTRAL).rstrip("/")
    return f"{base}/{ORT_GROUP.replace('.', '/')}/onnxruntime/{version}/onnxruntime-{version}.jar"


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=javadeps.FETCH_TIMEOUT_SECONDS) as response:
        return response.read()


def ort_jar(version: str) -> Path:
    """ONNX Runtime's Java jar ``version``, verified and cached.

    Raises:
        UsageError: ``UNSUPPORTED``: it cannot be fetched, or its digest is not the pinned (or published) one.
    """
    jar = cache() / f"onnxruntime-{version}.jar"
    recorded = jar.with_suffix(".jar.sha256")
    pinned = ORT_JARS.get(version) or (recorded.read_text().strip() if recorded.is_file() else None)
    if jar.is_file() and pinned and javadeps.sha256(jar) == pinned:
        return jar
    what, url = f"jvm-ort@{version}", jar_url(version)
    print(f"progress: {what}: fetching {url} (once)", file=sys.stderr, flush=True)
    try:
        payload = _download(url)
        published = None if version in ORT_JARS else _download(url + ".sha1").decode().split()[0]
    except (urllib.error.URLError, OSError, IndexError) as exc:
        status = f"HTTP {exc.code} " if isinstance(exc, urllib.error.HTTPError) else ""
        raise _setup_failed(what, f"{url} to download, found {status}{getattr(exc, 'reason', exc)}") from exc
    if version in ORT_JARS:
        found = hashlib.sha256(payload).hexdigest()
        if found != ORT_JARS[version]:
            raise _setup_failed(what, f"{url} with SHA-256 {ORT_JARS[version]}, found {found}")
    elif hashlib.sha1(payload).hexdigest() != published:
        raise _setup_failed(
            what, f"{url} with Maven Central's SHA-1 {published}, found {hashlib.sha1(payload).hexdigest()}"
        )
    cache().mkdir(parents=True, exist_ok=True)
    files.atomic_write(jar, payload)
    files.atomic_write(recorded, (hashlib.sha256(payload).hexdigest() + "\n").encode())
    return jar


def child_command(spec: RuntimeSpec, python: Path, models: list[Path], out: Path, options: dict) -> list[str]:
    """The child's command line: ``compare`` with one runtime, saving its run to ``out``."""
    command = [str(python), "-m", "pybridge.compare", "--runtimes", f"{spec.kind}:{spec.provider}"]
    command += ["--save-run", str(out), "--models", *map(str, models)]
    for option, value in options.items():
        if value is not None:
            command += [f"--{option}", str(value)]
    return command


class VersionedRuntime(Runtime):
    """Another ONNX Runtime version: ``prepare`` runs it in a child process, ``run`` answers from its saved run.

    Raises:
        UsageError: ``UNSUPPORTED``: CUDA with another version (save a run on the GPU machine instead).
    """

    def __init__(
        self, spec: RuntimeSpec, *, threads: int = 1, batch: int | None = None, optimization: str | None = None
    ):
        if spec.cuda:
            raise errors.UsageError(
                errors.UsageReason.UNSUPPORTED,
                f"{spec.text}: UNSUPPORTED: expected another ONNX Runtime version on the CPU, found CUDA asked for "
                "(on the GPU machine, install that version and save a run: `--save-run FILE`, then compare "
                "`saved:FILE`)",
            )
        self.spec, self.threads, self.batch, self.optimization = spec, threads, batch, optimization
        self.name = spec.text
        self._saved: saved.SavedRuntime | None = None

    def prepare(self, models: list[Path], data_dir: Path, dataset: str, limit: int | None) -> None:
        """Set up the version (cached), run it over ``models`` in a child process, and read its saved run.

        Raises:
            UsageError: ``UNSUPPORTED``: the version cannot be set up, or the child failed.
        """
        env = {**os.environ, **CHILD_ENV}
        env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), *filter(None, [env.get("PYTHONPATH")])])
        if self.spec.kind == "python-ort":
            python = python_env(self.spec.version)
        else:
            python = Path(sys.executable)
            from pybridge.runtimes.jvm import EXTRA_CLASSPATH_ENV

            env[EXTRA_CLASSPATH_ENV] = str(ort_jar(self.spec.version))
        options = {
            "data": data_dir,
            "dataset": dataset,
            "limit": limit,
            "threads": self.threads,
            "batch": self.batch,
            "optimization": self.optimization,
        }
        with tempfile.TemporaryDirectory(prefix="digitbridge-version-") as tmp:
            out = Path(tmp) / "run.npz"
            command = child_command(self.spec, python, models, out, options)
            print(f"progress: {self.spec.text}: running in its own process", file=sys.stderr, flush=True)
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0 or not out.is_file():
                errors_only = [ln for ln in done.stderr.splitlines() if not ln.startswith("progress: ")]
                last = errors_only[-1] if errors_only else f"exit {done.returncode}"
                raise _setup_failed(self.spec.text, f"its process to save a run, found exit {done.returncode}: {last}")
            self._saved = saved.SavedRuntime(out)
        found = {m.details.get("onnxruntime") for m in self._saved.saved.models}
        if found != {self.spec.version}:
            raise _setup_failed(self.spec.text, f"ONNX Runtime {self.spec.version} in its process, found {found}")

    def load(self, model: Path, contract: dict | None = None):
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT, f"{self.name}: runs in its own process, over the whole test set only"
        )

    def read_images(self, images: Path, limit: int | None = None) -> None:
        """Nothing: this runtime's outputs come from a file, and it hashes the live input itself."""
        return None

    def run(
        self, model: Path, images: Path, limit: int | None = None, contract: dict | None = None, *, read=None
    ) -> RunOutput:
        if self._saved is None:
            raise errors.UsageError(errors.UsageReason.ILLEGAL_STATE, f"{self.name}: run before prepare")
        out = self._saved.run(model, images, limit, contract)
        details = {k: v for k, v in out.details.items() if k not in ("saved_run", "saved_created", "machine")}
        return RunOutput(self.name, out.probabilities, out.input_sha256, out.provider, out.seconds, details,
                         out.golden_max_diff)  # fmt: skip
