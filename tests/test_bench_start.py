"""bench_start's JVM command: the launcher the README documents by default, plain ``java -jar`` when asked."""

from __future__ import annotations

import argparse

import pytest

from pybridge import bench_start, errors
from pybridge.runtimes.jvm import JAR


def args(**given) -> argparse.Namespace:
    return argparse.Namespace(**({"jvm": "launcher", "jar": JAR, "java_option": []} | given))


def test_the_default_jvm_command_is_the_documented_launcher():
    command, described = bench_start.jvm_command(args())
    assert command == [str(bench_start.LAUNCHER)]
    assert described.startswith("JVM command: tools/digitbridge-java (")


def test_java_jar_takes_the_options_and_the_jar_it_is_given(tmp_path):
    jar = tmp_path / "other.jar"
    command, described = bench_start.jvm_command(args(jvm="java-jar", jar=jar, java_option=["-Xint"]))
    assert command == ["java", "-Xint", "-jar", str(jar)]
    assert described == f"JVM command: java -Xint -jar {jar}"


@pytest.mark.parametrize("given", [{"java_option": ["-Xint"]}, {"jar_name": "other.jar"}])
def test_the_launcher_refuses_options_it_would_not_apply(given, tmp_path):
    extra = {"jar": tmp_path / given.pop("jar_name")} if "jar_name" in given else {}
    with pytest.raises(errors.UsageError, match="only with --jvm java-jar"):
        bench_start.jvm_command(args(**given, **extra))
