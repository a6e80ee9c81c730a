"""Where the Java side comes from: checkout or installed layout, third-party jars fetched once and verified by
SHA-256 (from a Maven repository made in a tmp dir, reached through file:// URLs), and the JDK lookup."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pybridge import compare, errors, javadeps
from pybridge.runtimes import jvm

ROOT = Path(__file__).resolve().parents[1]
UNREACHABLE = "http://127.0.0.1:9/nothing-listens-here"


def _artifact(group: str, name: str, version: str, payload: bytes) -> javadeps.Artifact:
    return javadeps.Artifact(group, name, version, hashlib.sha256(payload).hexdigest())


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A Maven repository of two small fake jars, pinned by their hashes in place of the real artifacts."""
    payloads = {"alpha": b"alpha jar bytes", "beta": b"beta jar bytes" * 1000}
    artifacts = tuple(_artifact("org.example", name, "1.0", data) for name, data in payloads.items())
    root = tmp_path / "m2"
    for artifact, data in zip(artifacts, payloads.values(), strict=True):
        target = root / "org" / "example" / artifact.name / "1.0" / artifact.file
        target.parent.mkdir(parents=True)
        target.write_bytes(data)
    monkeypatch.setattr(javadeps, "ARTIFACTS", artifacts)
    monkeypatch.delenv(javadeps.LOCAL_JARS_ENV, raising=False)
    monkeypatch.delenv(javadeps.MAVEN_REPO_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return root


def test_the_pins_are_the_versions_the_build_uses():
    properties = dict(
        line.split("=", 1) for line in (ROOT / "gradle.properties").read_text().splitlines() if "=" in line
    )
    versions = {a.name: a.version for a in javadeps.ARTIFACTS}
    assert versions["onnxruntime"] == properties["ortVersion"]
    assert versions["jackson-databind"] == versions["jackson-core"] == properties["jacksonVersion"]
    assert properties["jacksonVersion"].startswith(versions["jackson-annotations"])
    assert versions["picocli"] == properties["picocliVersion"]
    assert all(len(a.sha256) == 64 for a in javadeps.ARTIFACTS)


def test_maven_url_follows_the_repository_layout():
    artifact = javadeps.ARTIFACTS[0]
    assert artifact.url("https://repo.example/maven2/") == (
        "https://repo.example/maven2/com/microsoft/onnxruntime/onnxruntime/1.28.0/onnxruntime-1.28.0.jar"
    )


def test_jars_are_fetched_once_into_the_user_cache_then_used_offline(repo, monkeypatch):
    monkeypatch.setenv(javadeps.MAVEN_REPO_ENV, repo.as_uri())
    jars = javadeps.third_party_jars()
    assert [j.parent for j in jars] == [javadeps.cache_dir()] * 2
    assert [javadeps.sha256(j) for j in jars] == [a.sha256 for a in javadeps.ARTIFACTS]

    monkeypatch.setenv(javadeps.MAVEN_REPO_ENV, UNREACHABLE)
    assert javadeps.third_party_jars() == jars


def test_a_damaged_cached_jar_is_fetched_again(repo):
    jars = javadeps.third_party_jars(base=repo.as_uri())
    jars[1].write_bytes(b"truncated")
    assert javadeps.third_party_jars(base=repo.as_uri()) == jars
    assert javadeps.sha256(jars[1]) == javadeps.ARTIFACTS[1].sha256


def test_a_download_that_does_not_match_its_pin_is_never_kept(repo):
    bad = repo / "org" / "example" / "beta" / "1.0" / "beta-1.0.jar"
    bad.write_bytes(b"someone else's jar")
    with pytest.raises(errors.BridgeError) as caught:
        javadeps.third_party_jars(base=repo.as_uri())
    assert caught.value.reason is errors.BridgeReason.JAR_MISSING
    message = str(caught.value)
    assert "beta-1.0.jar" in message and "alpha-1.0.jar" not in message
    assert f"expected SHA-256 {javadeps.ARTIFACTS[1].sha256}, found {hashlib.sha256(bad.read_bytes()).hexdigest()}" in (
        message
    )
    assert not (javadeps.cache_dir() / "beta-1.0.jar").exists()
    assert sorted(p.name for p in javadeps.cache_dir().iterdir()) == [".fetch.lock", "alpha-1.0.jar"]


def test_without_network_one_error_names_every_jar_and_where_to_put_it(repo):
    with pytest.raises(errors.BridgeError) as caught:
        javadeps.third_party_jars(base=UNREACHABLE)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        f"{javadeps.cache_dir()}: JAR_MISSING: expected alpha-1.0.jar, beta-1.0.jar from {UNREACHABLE}, found every "
        "download failing: "
    )
    assert f"put these jars (Maven Central's) in {javadeps.cache_dir()}" in message
    assert javadeps.LOCAL_JARS_ENV in message and javadeps.MAVEN_REPO_ENV in message


def test_concurrent_fetches_leave_one_verified_copy_and_no_temporary_files(repo):
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: javadeps.third_party_jars(base=repo.as_uri()), range(4)))
    assert all(r == results[0] for r in results)
    assert sorted(p.name for p in javadeps.cache_dir().iterdir()) == [".fetch.lock", "alpha-1.0.jar", "beta-1.0.jar"]


def test_a_local_folder_of_jars_is_used_in_place_and_still_verified(repo, tmp_path, monkeypatch):
    folder = tmp_path / "jars"
    folder.mkdir()
    for jar in repo.rglob("*.jar"):
        (folder / jar.name).write_bytes(jar.read_bytes())
    monkeypatch.setenv(javadeps.LOCAL_JARS_ENV, str(folder))
    monkeypatch.setenv(javadeps.MAVEN_REPO_ENV, UNREACHABLE)
    assert javadeps.third_party_jars() == [folder / "alpha-1.0.jar", folder / "beta-1.0.jar"]
    assert not javadeps.cache_dir().exists()

    (folder / "alpha-1.0.jar").write_bytes(b"other")
    with pytest.raises(errors.BridgeError, match=r"jars: JAR_MISSING: expected alpha-1\.0\.jar \(SHA-256 "):
        javadeps.third_party_jars()


def test_the_layout_is_chosen_by_where_the_package_runs(repo, tmp_path, monkeypatch):
    assert javadeps.in_checkout(ROOT)
    assert not javadeps.in_checkout(tmp_path)
    assert jvm.our_classpath(build=False) == [jvm.JAR]
    assert javadeps.models_dir() == Path("models")
    assert compare.parse_args([], "compare").models == [Path("models")]

    bundle = tmp_path / "site-packages" / "pybridge" / "_bundle"
    (bundle / "java").mkdir(parents=True)
    for name in javadeps.OWN_JARS:
        (bundle / "java" / name).write_bytes(b"ours")
    monkeypatch.setattr(javadeps, "ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(javadeps, "BUNDLE", bundle)
    monkeypatch.setenv(javadeps.MAVEN_REPO_ENV, repo.as_uri())
    assert not javadeps.in_checkout()
    assert jvm.our_classpath() == [bundle / "java" / n for n in javadeps.OWN_JARS] + [
        javadeps.cache_dir() / a.file for a in javadeps.ARTIFACTS
    ]
    assert jvm.own_jar() == bundle / "java" / "digitbridge-0.1.0.jar"
    assert javadeps.models_dir() == bundle / "models"
    assert compare.parse_args([], "compare").models == [bundle / "models"]


def test_an_installed_package_without_its_jars_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(javadeps, "BUNDLE", tmp_path / "_bundle")
    with pytest.raises(errors.BridgeError, match=r"_bundle/java: JAR_MISSING: expected the packaged jars"):
        javadeps.installed_classpath()


def _fake_jdk(home: Path, version: str) -> Path:
    (home / "bin").mkdir(parents=True)
    (home / "release").write_text(f'IMPLEMENTOR="Example"\nJAVA_VERSION="{version}"\n')
    java = home / "bin" / "java"
    java.write_text("#!/bin/sh\nexit 1\n")
    java.chmod(0o755)
    return java


def test_java_home_comes_first(tmp_path):
    _fake_jdk(tmp_path / "jdk21", "21.0.4")
    path_jdk = _fake_jdk(tmp_path / "jdk25", "25")
    jdk = javadeps.find_jdk({"JAVA_HOME": str(tmp_path / "jdk21"), "PATH": str(path_jdk.parent)})
    assert (jdk.home, jdk.version, jdk.origin) == (tmp_path / "jdk21", 21, "JAVA_HOME")
    assert jdk.libjvm == tmp_path / "jdk21" / "lib" / "server" / "libjvm.so"


def test_then_the_java_on_path_through_its_symlinks(tmp_path):
    java = _fake_jdk(tmp_path / "jdk17", "17.0.15")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").symlink_to(java)
    jdk = javadeps.find_jdk({"PATH": str(tmp_path / "bin")})
    assert (jdk.home, jdk.version, jdk.origin) == (tmp_path / "jdk17", 17, "PATH")


@pytest.mark.parametrize(("version", "found"), [("11.0.2", "found Java 11"), ("1.8.0_392", "found Java 8")])
def test_a_jdk_older_than_17_is_refused_in_one_line(tmp_path, version, found):
    _fake_jdk(tmp_path / "old", version)
    with pytest.raises(errors.BridgeError) as caught:
        javadeps.find_jdk({"JAVA_HOME": str(tmp_path / "old")})
    assert caught.value.reason is errors.BridgeReason.JDK_UNUSABLE
    assert str(caught.value) == (
        f"{tmp_path / 'old'}: JDK_UNUSABLE: expected a JDK 17 or newer (from JAVA_HOME), {found}"
    )


def test_no_jdk_at_all_is_one_line(tmp_path):
    with pytest.raises(errors.BridgeError) as caught:
        javadeps.find_jdk({"PATH": str(tmp_path)})
    assert str(caught.value).startswith("java: JDK_UNUSABLE: expected a JDK 17 or newer in $JAVA_HOME or on PATH")
    assert "\n" not in str(caught.value)


def test_java_home_that_is_not_a_jdk(tmp_path):
    with pytest.raises(errors.BridgeError, match=r"JDK_UNUSABLE: .*found no JDK there"):
        javadeps.find_jdk({"JAVA_HOME": str(tmp_path)})


def test_this_machine_jdk_is_found_as_the_bridge_starts_it():
    jdk = javadeps.find_jdk()
    assert jdk.version >= 17 and jdk.libjvm.is_file()
    assert os.access(jdk.java, os.X_OK)
