"""The benchmarks' statistics: the median's order-statistics interval and the three-way verdict."""

from __future__ import annotations

import math

import pytest

from pybridge import benchstats


def test_the_interval_uses_the_textbook_order_statistics():
    # n = 10 at 95%: the 2nd and 9th of the sorted samples, coverage 1 - 2 * 11/1024.
    got = benchstats.median_interval([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])
    assert (got.median, got.low, got.high, got.n) == (5.5, 2, 9, 10)
    assert got.confidence == pytest.approx(1 - 2 * 11 / 1024)
    # n = 40: the 14th and 27th (the usual table), whatever the order the rounds came in.
    got = benchstats.median_interval(list(range(40, 0, -1)))
    assert (got.low, got.high) == (14, 27) and got.confidence >= 0.95


def test_the_interval_holds_its_confidence_for_every_size():
    for n in range(6, 80):
        got = benchstats.median_interval(list(range(n)))
        j = int(got.low) + 1  # 1-based rank of the lower end
        assert int(got.high) == n - j  # symmetric
        below = sum(math.comb(n, i) for i in range(j)) / 2**n
        assert below <= 0.025 < below + math.comb(n, j) / 2**n or j == n // 2


def test_too_few_samples_give_the_whole_range_and_say_how_sure_it_is():
    got = benchstats.median_interval([3.0, 1.0, 2.0])
    assert (got.low, got.median, got.high) == (1.0, 2.0, 3.0)
    assert got.confidence == pytest.approx(0.75)
    with pytest.raises(ValueError, match="at least one sample"):
        benchstats.median_interval([])


@pytest.mark.parametrize(
    ("low", "high", "at_most", "expected"),
    [
        (0.5, 0.7, True, "met"),
        (0.7, 0.9, True, "unclear"),  # straddles 0.8: not a miss
        (0.81, 0.9, True, "missed"),
        (1.0, 1.1, False, "met"),
        (0.9, 1.0, False, "unclear"),
        (0.8, 0.96, False, "missed"),
    ],
)
def test_missed_only_when_the_whole_interval_is_beyond_the_target(low, high, at_most, expected):
    interval = benchstats.Interval((low + high) / 2, low, high, 20, 0.95)
    target = 0.8 if at_most else 0.97
    assert benchstats.verdict(interval, target, at_most=at_most) == expected
    assert benchstats.target_line("x", interval, target, at_most=at_most).endswith(expected)


def test_no_verdict_from_too_few_rounds():
    one = benchstats.median_interval([3.0])
    assert benchstats.verdict(one, 0.8, at_most=True) == "unclear (too few rounds)"
    five = benchstats.median_interval([3.0, 3.1, 3.2, 3.3, 3.4])  # the whole range is 94% sure
    assert benchstats.verdict(five, 0.8, at_most=True) == "missed"


def test_a_timed_run_reports_cpu_time_and_load(tmp_path):
    timed = benchstats.run_timed(["python3", "-c", "sum(range(3_000_000))"])
    assert timed.returncode == 0 and timed.cpu > 0 and timed.wall > 0 and timed.load >= 0 and timed.peak_kb > 0
