"""The batch benchmark's arithmetic: its table and its choice (timings themselves are not a test)."""

from __future__ import annotations

import pytest

from pybridge import bench_batch


def rows(figures):
    return [
        {"model": m, "runtime": rt, "batch": b, "seconds": 100 / speed, "peak_mb": mb, "round": 0, "load": 1.0}
        for (m, rt, b), (speed, mb) in figures.items()
    ]


def test_the_choice_is_the_best_worst_case_throughput():
    table = bench_batch.summary_rows(
        rows(
            {
                ("a", "python", 8): (90, 100),
                ("a", "python", 32): (100, 110),
                ("a", "python", 256): (95, 200),
                ("a", "jvm", 8): (100, 120),
                ("a", "jvm", 32): (97, 130),
                ("a", "jvm", 256): (80, 300),
            }
        ),
        count=100,
    )
    chosen, worst = bench_batch.choose(table, [8, 32, 256])
    assert worst == pytest.approx({8: 0.9, 32: 0.97, 256: 0.8})
    assert chosen == 32


def test_near_ties_go_to_the_batch_with_the_least_memory():
    table = bench_batch.summary_rows(
        rows({("a", "python", 8): (99, 100), ("a", "python", 64): (100, 150), ("a", "python", 256): (100, 400)}),
        count=100,
    )
    assert bench_batch.choose(table, [8, 64, 256])[0] == 8


@pytest.mark.parametrize("option", ["--rounds", "--limit"])
def test_counts_below_one_are_usage_errors(option, capsys):
    assert bench_batch.main([option, "0"]) == 2
    assert capsys.readouterr().err.strip() == f"error: expected {option} >= 1, found 0"
