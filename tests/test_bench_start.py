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


def test_a_trace_keeps_each_phase_first_end_and_its_thread():
    started = 1_000_000_000
    stderr = "\n".join(
        [
            "Picked up JAVA_TOOL_OPTIONS: -Ddigitbridge.trace=true",
            f"digitbridge-trace main main {started + 50_000_000}",
            f"digitbridge-trace environment-ready digitbridge-native-load {started + 120_000_000}",
            f"digitbridge-trace environment-ready digitbridge-open-model {started + 150_000_000}",
            "digitbridge-trace broken line",
            f"error: not a trace line {started}",
        ]
    )
    assert bench_start.parse_trace(stderr, started) == {
        "main": (0.05, "main"),
        "environment-ready": (0.12, "digitbridge-native-load"),
    }


def test_trace_lines_put_the_phases_in_time_order_with_the_process_end_last():
    runs = [
        ({"main": (0.05, "main"), "golden-checked": (0.16, "open")}, 0.19),
        ({"main": (0.06, "main"), "golden-checked": (0.15, "open")}, 0.20),
        ({"main": (0.07, "main"), "golden-checked": (0.17, "other")}, 0.21),
    ]
    lines = bench_start.trace_lines(runs)
    assert [line.split()[-2] for line in lines] == ["main", "golden-checked", "end"]
    assert lines[0].split()[0] == "60.0" and lines[1].split()[0] == "160.0" and lines[2].split()[0] == "200.0"
    assert lines[1].endswith("open")


def test_evaluate_traces_every_phase_of_its_start_in_order(jar, tmp_path):
    images, labels = bench_start.one_image_dataset(tmp_path)
    phases, end = bench_start.run_traced(
        ["java", "-jar", str(jar), "evaluate", "--model", "models/mlp.onnx", "--images", str(images),
         "--labels", str(labels)]
    )  # fmt: skip
    at = {phase: when for phase, (when, _) in phases.items()}
    assert set(at) == {
        "main", "library-verified", "runtime-loaded", "environment-ready", "parsed", "model-read",
        "contract-parsed", "session-created", "golden-checked", "exit",
    }  # fmt: skip
    chains = [
        ["main", "parsed", "exit"],
        ["main", "library-verified", "runtime-loaded", "environment-ready", "session-created"],
        ["main", "model-read", "contract-parsed", "session-created", "golden-checked", "exit"],
    ]
    for chain in chains:
        assert [at[p] for p in chain] == sorted(at[p] for p in chain), (chain, at)
    assert at["main"] > 0 and at["exit"] < end
    assert phases["main"][1] == "main" and phases["model-read"][1] == "digitbridge-read-ahead"
