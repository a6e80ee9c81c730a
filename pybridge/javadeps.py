"""Where the Java side comes from: the repository's build outputs in a checkout, or, in an installed package, our
own jars and models packaged with it plus the third-party jars fetched once from Maven Central into the user
cache, each checked against a SHA-256 pinned here. Also finds the JDK that JPype starts.

Which layout applies is decided once, by ``in_checkout``: the package's parent folder holds this repository's
build files. Installed, nothing is ever built or read from the working directory.

Environment:
    DIGITBRIDGE_MAVEN_REPO   base URL of a Maven repository (default Maven Central; ``file:///...`` works, e.g.
                             ``file://$HOME/.m2/repository``).
    DIGITBRIDGE_JAVA_DEPS    a folder holding the third-party jars under their file names: used instead of any
                             download (they are still checked against their pins).
    XDG_CACHE_HOME           the user cache (default ``~/.cache``); jars go to ``digitbridge/java`` in it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pybridge import errors
from pybridge.files import atomic_write, cache_root

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = Path(__file__).resolve().parent / "_bundle"
MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
MAVEN_REPO_ENV = "DIGITBRIDGE_MAVEN_REPO"
LOCAL_JARS_ENV = "DIGITBRIDGE_JAVA_DEPS"
MIN_JAVA = 17
CLI_MAIN = "io.github.digitbridge.cli.Main"
FETCH_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Artifact:
    """One third-party jar on Maven Central, pinned by the SHA-256 of the file Gradle resolved for this build."""

    group: str
    name: str
    version: str
    sha256: str

    @property
    def file(self) -> str:
        return f"{self.name}-{self.version}.jar"

    def url(self, base: str) -> str:
        return f"{base.rstrip('/')}/{self.group.replace('.', '/')}/{self.name}/{self.version}/{self.file}"


# The versions of gradle.properties (ortVersion, jacksonVersion, picocliVersion) and what they pull in: Jackson's
# annotations are versioned without a patch number since 2.20. The CLI needs picocli; the library does not.
ARTIFACTS = (
    Artifact(
        "com.microsoft.onnxruntime",
        "onnxruntime",
        "1.28.0",
        "3a9dc00bed7ee467ded8a257f99fc216570d385f8b06053570d33e9b5d7c7a37",
    ),
    Artifact(
        "com.fasterxml.jackson.core",
        "jackson-databind",
        "2.23.0",
        "abd1edd2736c764da03fe6cb7a9de70d48dd0a198aed131604c564bff62f9cc1",
    ),
    Artifact(
        "com.fasterxml.jackson.core",
        "jackson-core",
        "2.23.0",
        "449798beb4c4ec26de9cc25b39ca2198036883fb905ca968cbef7136d19a25d9",
    ),
    Artifact(
        "com.fasterxml.jackson.core",
        "jackson-annotations",
        "2.23",
        "e5b60c3088e0887b290ff9226394354589a1dad583743944b7f5538661056b4c",
    ),
    Artifact("info.picocli", "picocli", "4.7.7", "f86e30fffd10d2b13b8caa8d4b237a7ee61f2ffccf5b1941de718b765d235bf8"),
)
# Our own jars, packaged in the wheel (``make wheel`` copies them from the Gradle build).
OWN_JARS = ("digitbridge-0.1.0.jar", "digitbridge-cli-0.1.0.jar")


def in_checkout(root: Path | None = None) -> bool:
    """True when the package runs from this repository's checkout (its build files beside the package)."""
    root = ROOT if root is None else root
    return (root / "settings.gradle").is_file() and (root / "cli" / "build.gradle").is_file()


def models_dir() -> Path:
    """The shipped models: the working directory's ``models`` in a checkout (as always), else the packaged ones."""
    return Path("models") if in_checkout() else BUNDLE / "models"


def cache_dir() -> Path:
    return cache_root() / "java"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _fetch(artifact: Artifact, base: str, target: Path) -> str | None:
    """Download ``artifact`` to ``target`` if its bytes match the pin; else why not (None when done)."""
    try:
        with urllib.request.urlopen(artifact.url(base), timeout=FETCH_TIMEOUT_SECONDS) as response:
            payload = response.read()
    except (urllib.error.URLError, OSError) as exc:
        return str(getattr(exc, "reason", exc))
    found = hashlib.sha256(payload).hexdigest()
    if found != artifact.sha256:
        return f"expected SHA-256 {artifact.sha256}, found {found}"
    atomic_write(target, payload)
    return None


def third_party_jars(*, base: str | None = None, local: str | None = None, cache: Path | None = None) -> list[Path]:
    """The third-party jars, each verified against its pin: from ``$DIGITBRIDGE_JAVA_DEPS`` when set, else from
    the user cache, fetched into it first where missing or not matching.

    Two processes fetching at once are safe: an exclusive lock on the cache serialises them, and each file
    appears under its name only whole and verified (``atomic_write``).

    Raises:
        BridgeError: ``JAR_MISSING``, naming every jar that could not be had, where it was looked for, and where
            to put it.
    """
    local = local if local is not None else os.environ.get(LOCAL_JARS_ENV)
    if local:
        folder = Path(local)
        bad = [a for a in ARTIFACTS if not (folder / a.file).is_file() or sha256(folder / a.file) != a.sha256]
        if bad:
            raise errors.BridgeError(
                errors.BridgeReason.JAR_MISSING,
                f"{folder}: {errors.BridgeReason.JAR_MISSING.name}: expected "
                + ", ".join(f"{a.file} (SHA-256 {a.sha256})" for a in bad)
                + f" (from ${LOCAL_JARS_ENV}), found them missing or different",
            )
        return [folder / a.file for a in ARTIFACTS]
    base = base or os.environ.get(MAVEN_REPO_ENV) or MAVEN_CENTRAL
    cache = cache or cache_dir()
    jars = [cache / a.file for a in ARTIFACTS]
    if all(j.is_file() and sha256(j) == a.sha256 for j, a in zip(jars, ARTIFACTS, strict=True)):
        return jars
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".fetch.lock").open("w") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # another process may have fetched them while we waited
        problems = []
        for jar, artifact in zip(jars, ARTIFACTS, strict=True):
            if jar.is_file() and sha256(jar) == artifact.sha256:
                continue
            problem = _fetch(artifact, base, jar)
            if problem:
                problems.append((artifact, problem))
    if problems:
        causes = {why for _, why in problems}
        found = (
            f"every download failing: {causes.pop()}"
            if len(causes) == 1 and len(problems) > 1
            else "; ".join(f"{a.url(base)}: {why}" for a, why in problems)
        )
        raise errors.BridgeError(
            errors.BridgeReason.JAR_MISSING,
            f"{cache}: {errors.BridgeReason.JAR_MISSING.name}: expected "
            + ", ".join(a.file for a, _ in problems)
            + f" from {base}, found {found}. Without network, put these jars (Maven Central's) in {cache}, or set "
            f"${LOCAL_JARS_ENV} to a folder of them, or ${MAVEN_REPO_ENV} to a reachable Maven repository "
            "(file:///... works)",
        )
    return jars


def installed_classpath() -> list[Path]:
    """The classpath of an installed package: our packaged jars, then the verified third-party ones."""
    own = [BUNDLE / "java" / name for name in OWN_JARS]
    missing = [str(j) for j in own if not j.is_file()]
    if missing:
        raise errors.BridgeError(
            errors.BridgeReason.JAR_MISSING,
            f"{BUNDLE / 'java'}: {errors.BridgeReason.JAR_MISSING.name}: expected the packaged jars "
            f"{', '.join(OWN_JARS)}, found {', '.join(missing)} missing (reinstall the package, built with `make "
            "wheel`)",
        )
    return own + third_party_jars()


# --- the JDK ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Jdk:
    home: Path
    version: int
    origin: str  # "JAVA_HOME" or "PATH"

    @property
    def libjvm(self) -> Path:
        return self.home / "lib" / "server" / "libjvm.so"

    @property
    def java(self) -> Path:
        return self.home / "bin" / "java"


def java_major(version: str) -> int:
    """The feature release of a Java version string: "17.0.15" is 17, "1.8.0_392" is 8, "25" is 25."""
    parts = re.findall(r"\d+", version)
    if not parts:
        raise ValueError(version)
    return int(parts[1]) if parts[0] == "1" and len(parts) > 1 else int(parts[0])


def _version_of(home: Path) -> int | None:
    release = home / "release"
    if release.is_file():
        found = re.search(r'^JAVA_VERSION="([^"]+)"', release.read_text(errors="replace"), re.MULTILINE)
        if found:
            return java_major(found.group(1))
    java = home / "bin" / "java"
    if java.is_file():
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False)
        found = re.search(r'version "([^"]+)"', done.stderr)
        if found:
            return java_major(found.group(1))
    return None


def find_jdk(environ: dict[str, str] | None = None) -> Jdk:
    """The JDK users expect: ``$JAVA_HOME`` when set, else the ``java`` on ``PATH``; version 17 or newer.

    Raises:
        BridgeError: ``JDK_UNUSABLE``, in one line: none found, or older than 17.
    """
    environ = os.environ if environ is None else environ
    reason = errors.BridgeReason.JDK_UNUSABLE
    if environ.get("JAVA_HOME"):
        home, origin = Path(environ["JAVA_HOME"]), "JAVA_HOME"
    else:
        java = shutil.which("java", path=environ.get("PATH", os.defpath))
        if java is None:
            raise errors.BridgeError(
                reason,
                f"java: {reason.name}: expected a JDK {MIN_JAVA} or newer in $JAVA_HOME or on PATH, found neither "
                "(install one, e.g. `apt-get install openjdk-17-jdk-headless`, or set JAVA_HOME)",
            )
        home, origin = Path(java).resolve().parents[1], "PATH"
    version = _version_of(home)
    if version is None:
        raise errors.BridgeError(
            reason, f"{home}: {reason.name}: expected a JDK {MIN_JAVA} or newer (from {origin}), found no JDK there"
        )
    if version < MIN_JAVA:
        raise errors.BridgeError(
            reason, f"{home}: {reason.name}: expected a JDK {MIN_JAVA} or newer (from {origin}), found Java {version}"
        )
    return Jdk(home, version, origin)
