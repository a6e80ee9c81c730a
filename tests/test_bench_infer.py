"""The paired JVM/Python inference benchmark: its arithmetic, its protocol with the JVM, and its errors.

The figures themselves are not asserted (a shared machine's timings are not a test); the ratios' arithmetic is,
on made-up rounds, and a real run must produce every round and a well-formed record.
"""

from __future__ import annotations

import json
import re

import pytest

from pybridge import bench_infer
from tests.conftest import TEST_MODELS as MODELS


def test_sides_take_turns_and_each_round_pairs_one_run_of_each():
    calls = []

    def side(name, ms):
        def run():
            calls.append(name)
            return {"float32": ms, "uint8": ms * 2}

        return run

    rounds = bench_infer.paired_rounds(side("py", 100.0), side("jvm", 50.0), 4)
    assert calls == ["py", "jvm", "jvm", "py", "py", "jvm", "jvm", "py"]
    assert [r.jvm_first for r in rounds] == [False, True, False, True]
    assert all(r.ratio("float32") == 2.0 and r.ratio("uint8") == 2.0 for r in rounds)


def test_summary_is_the_median_of_per_round_ratios_and_the_fastest_rounds_ratio():
    rounds = [
        bench_infer.Round({"float32": 100.0, "uint8": 100.0}, {"float32": ms, "uint8": 100.0}, False)
        for ms in (50.0, 100.0, 125.0, 400.0, 200.0)
    ]
    summary = bench_infer.summarise(rounds, count=1000)["float32"]
    assert summary["ratio_median"] == pytest.approx(0.8)  # ratios 2, 1, 0.8, 0.25, 0.5
    assert (summary["ratio_min"], summary["ratio_max"]) == (0.25, 2.0)
    assert summary["ratio_fastest"] == pytest.approx(2.0)  # 100 ms vs 50 ms
    assert summary["python_images_per_s"] == pytest.approx(10_000)
    assert summary["jvm_images_per_s"] == pytest.approx(8_000)  # 125 ms is the median


def test_fractions_are_per_round_against_the_peak_measured_in_that_round():
    rounds = [
        bench_infer.Round({"float32": ms, "uint8": 0.0}, {"float32": ms / 2, "uint8": 0.0}, False, peak)
        for ms, peak in ((1000.0, 10.0), (500.0, 40.0), (250.0, 20.0))
    ]
    # 1e9 FLOPs per image x 10 images: python 10, 20, 40 GFLOP/s; the jvm twice that.
    fractions = bench_infer.peak_fractions(rounds, count=10, flops=10**9)
    assert fractions["python_fraction"].median == pytest.approx(1.0)  # 1.0, 0.5, 2.0
    assert fractions["jvm_fraction"].median == pytest.approx(2.0)
    assert fractions["peak_gflops"].median == pytest.approx(20.0)
    assert bench_infer.peak_fractions([bench_infer.Round({}, {}, False)], count=1, flops=1) == {}


def test_a_real_paired_run_prints_and_records_every_round(mnist_dir, jar, tmp_path, capsys):
    record = tmp_path / "bench.json"
    common = ["--model", str(MODELS / "linear.onnx"), "--data", str(mnist_dir), "--jar", str(jar)]
    code = bench_infer.main(
        [*common, "--limit", "512", "--rounds", "3", "--warmup", "1", "--peak-size", "256", "--json", str(record)]
    )
    out = capsys.readouterr().out
    assert code in (0, 1)  # met or missed: timing is not asserted
    assert re.search(r"peak measured here: ONNX Runtime MatMul 256\^3 fp32, 1 thread\(s\), after each round: ", out)
    assert re.search(r"jvm +inference: .* GFLOP/s = .* of the measured peak", out)
    assert re.search(r"load average \(1 min\) over the rounds: .*; CPU seconds per round \(median\): python ", out)
    assert "estimated peak" not in out and "GHz" not in out
    assert "512 images, batch 256, 1 thread(s); 3 paired rounds" in out
    assert re.search(r"inference only +\d+ +\d+ +\d\.\d{3} \[\d\.\d{3} \.\. \d\.\d{3}\]; \d\.\d{3}", out)
    assert "15680 FLOPs/image" in out  # from the card beside the model
    saved = json.loads(record.read_text())
    assert saved["count"] == 512 and len(saved["rounds"]) == 3
    assert saved["jvm"]["ready"] is True and saved["jvm"]["count"] == 512 and saved["jvm"]["batch"] == 256
    assert saved["verdict"].startswith(("met", "missed", "unclear"))
    assert (code == 1) == (saved["verdict"] == "missed")
    assert len(saved["peak"]["peak_gflops"]) and all(r["peak_gflops"] > 0 for r in saved["rounds"])
    assert all(r["load"] is not None and r["jvm_cpu_s"] is not None for r in saved["rounds"])
    assert not list(tmp_path.glob("*.tmp"))


def test_a_model_the_jvm_refuses_is_one_error_line_with_its_exit_code(mnist_dir, jar, capsys):
    common = ["--model", str(MODELS / "no_contract.onnx"), "--data", str(mnist_dir), "--jar", str(jar)]
    code = bench_infer.main([*common, "--limit", "256", "--rounds", "1", "--warmup", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith("error: expected the JVM's bench-infer to answer, found exit code 2: error: ")
    assert "CONTRACT_MISSING" in err[0]


def test_a_missing_jar_is_a_usage_error(mnist_dir, tmp_path, capsys):
    code = bench_infer.main(
        ["--model", str(MODELS / "linear.onnx"), "--data", str(mnist_dir), "--jar", str(tmp_path / "none.jar")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"error: expected the CLI jar at {tmp_path / 'none.jar'}, found no file; build it with "
        "`tools/java-build.sh jar`"
    ]


@pytest.mark.parametrize("option", ["--rounds", "--limit", "--repeat", "--threads"])
def test_counts_below_one_are_usage_errors(option, capsys):
    code = bench_infer.main(["--model", str(MODELS / "linear.onnx"), option, "0"])
    assert code == 2
    assert capsys.readouterr().err.strip() == f"error: expected {option} >= 1, found 0"
