"""The statistics every benchmark reports: a median with a distribution-free confidence interval, a verdict that
says "missed" only when the whole interval is on the wrong side of the target, and what the machine was doing
(load average, CPU time) while a round ran.

The interval is the order-statistics interval of the median: for n samples sorted, the j-th and (n+1-j)-th are
the ends, with j the largest for which the binomial(n, 1/2) probability of fewer than j samples below the median
is at most (1 - confidence) / 2. It needs no assumption about the distribution (load makes it skewed, never
normal) and no random resampling, so the same rounds always give the same interval.
"""

from __future__ import annotations

import math
import os
import resource
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95
MIN_CONFIDENCE = 0.9  # below this (fewer than 5 samples) no verdict is given


@dataclass(frozen=True)
class Interval:
    """A median and its confidence interval; ``low``/``high`` are the sample extremes when n is too small."""

    median: float
    low: float
    high: float
    n: int
    confidence: float

    def text(self, digits: int = 3) -> str:
        return f"{self.median:.{digits}g} [{self.low:.{digits}g}, {self.high:.{digits}g}]"


def median_interval(samples: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """The median of ``samples`` and its order-statistics confidence interval (see the module's docstring).

    Raises:
        ValueError: no samples, or a confidence outside (0, 1).
    """
    if not samples:
        raise ValueError("expected at least one sample, found none")
    if not 0 < confidence < 1:
        raise ValueError(f"expected a confidence between 0 and 1, found {confidence}")
    xs = sorted(samples)
    n = len(xs)
    tail = (1 - confidence) / 2
    # j: how many samples may lie outside each end; P(Binomial(n, 1/2) < j) <= tail.
    j, below = 0, 0.0
    while j < n // 2:
        nxt = below + math.comb(n, j) / 2**n
        if nxt > tail:
            break
        below, j = nxt, j + 1
    if j == 0:  # too few samples for this confidence: the whole range, and the lower confidence it has
        return Interval(statistics.median(xs), xs[0], xs[-1], n, 1 - 2 / 2**n)
    return Interval(statistics.median(xs), xs[j - 1], xs[n - j], n, 1 - 2 * below)


def verdict(interval: Interval, target: float, *, at_most: bool) -> str:
    """``met`` when the whole interval is on the target's good side, ``missed`` when the whole interval is beyond
    it, ``unclear`` when the interval straddles the target (more rounds or a quieter machine would decide) or is
    less than ``MIN_CONFIDENCE`` sure.

    ``at_most``: the figure must be <= target (a time or memory ratio); otherwise >= target (a speed ratio).
    """
    if interval.confidence < MIN_CONFIDENCE:
        return "unclear (too few rounds)"
    if at_most:
        met, missed = interval.high <= target, interval.low > target
    else:
        met, missed = interval.low >= target, interval.high < target
    return "met" if met else "missed" if missed else "unclear"


def target_line(name: str, interval: Interval, target: float, *, at_most: bool, unit: str = "") -> str:
    """One line per target, the way every benchmark prints it."""
    sign = "<=" if at_most else ">="
    return (
        f"{name}: {interval.text()}{unit} (median [{interval.confidence:.0%} interval], n={interval.n}); "
        f"target {sign} {target:g}{unit}: {verdict(interval, target, at_most=at_most)}"
    )


@dataclass(frozen=True)
class Timed:
    """One process run: wall seconds, CPU seconds (user + system) and the 1-minute load average before it."""

    wall: float
    cpu: float
    load: float
    returncode: int
    peak_kb: int


def run_timed(command: Sequence[str], **kwargs) -> Timed:
    """Run a command to completion, output discarded, and time it, with the children's CPU time and peak RSS."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Timed(wall, usage.ru_utime + usage.ru_stime, load, process.returncode, usage.ru_maxrss)


def self_cpu() -> float:
    """This process's CPU seconds so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
