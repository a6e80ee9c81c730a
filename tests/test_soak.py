"""The soak benchmark's logic at tiny counts; the figures themselves come from `make soak`, not from here."""

from __future__ import annotations

import json

from pybridge import soak
from tests.conftest import TEST_MODELS


class ScriptedProbe:
    """RSS samples given in advance, so the warm-up rule can be checked without a real process."""

    def __init__(self, rss: list[float]):
        self.rss = list(rss)

    def touch_young_generation(self) -> None:
        pass

    def sample(self) -> soak.Sample:
        return soak.Sample(self.rss.pop(0), 1000, 2.5)


def figure(rss: list[float], calls: list[int], work_problems=()) -> soak.Figure:
    def work(n: int) -> list[str]:
        calls.append(n)
        return list(work_problems)

    probe = ScriptedProbe(rss)
    result = soak.measure("fake", work, 30, block=10, bound=5.0, probe=probe, detail="scripted")
    assert probe.rss == []  # every scripted sample taken, no more
    return result


def test_warm_up_ends_after_two_blocks_in_a_row_grow_rss_by_less_than_one_percent():
    calls: list[int] = []
    result = figure([100.0, 120.0, 130.0, 130.5, 131.0, 131.2, 131.5, 131.4], calls)
    assert calls == [10] * 4 + [10] * 3  # warm-up, then the 30 measured calls in blocks of 10
    assert (result.rss_before_mb, result.rss_after_mb, result.rss_peak_mb) == (131.0, 131.4, 131.5)
    assert (result.warmup_calls, result.calls, result.direct_peak_mb) == (40, 30, 2.5)
    assert result.passed and "RSS +0.3% (bound < 5%) ok: 131.0 -> 131.4 MB (peak 131.5)" in result.line()


def test_a_leak_never_settles_and_misses_the_bound():
    calls: list[int] = []
    warm_up = [100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0]
    result = figure([*warm_up, 180.0, 210.0, 240.0], calls)
    assert len(calls) == soak.MAX_WARMUP_BLOCKS + 3
    assert not result.passed
    assert "RSS +50.0% (bound < 5%) FAILED: 160.0 -> 240.0 MB" in result.line()


def test_a_problem_fails_the_figure_whatever_the_memory():
    result = figure([100.0] * 7, [], work_problems=["2 outputs differ", "2 outputs differ"])
    assert result.growth_percent == 0.0 and not result.passed
    assert result.problems == ("2 outputs differ",)
    assert result.line().endswith("\n          2 outputs differ")


def test_tiny_soak_runs_every_scenario_through_the_bridge(jvm, mnist_dir, capsys):
    argv = ["--model", str(TEST_MODELS / "linear.onnx"), "--dir", str(mnist_dir), "--json"]
    code = soak.main([*argv, "--threads", "2", "--rounds", "1", "--cycles", "1", "--failures", "6"])
    report = json.loads(capsys.readouterr().out)
    assert [f["name"] for f in report["figures"]] == list(soak.SCENARIOS)
    # Memory at these counts is noise, so only what must hold at any count is asserted: outputs bit-identical
    # across threads, every failing call failed with its Python twin, every figure stated with its bound.
    assert all(f["problems"] == [] and f["bound_percent"] == 5.0 for f in report["figures"])
    assert code == (0 if report["passed"] else 1)


def test_bad_counts_are_usage_errors(capsys):
    assert soak.main(["--cycles", "0"]) == 2
    assert "--cycles: expected a count >= 1, found 0" in capsys.readouterr().err
