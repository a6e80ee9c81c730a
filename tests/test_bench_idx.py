"""The benchmark command runs and reports both ratios (the figures themselves are not asserted here)."""

from __future__ import annotations

import re

from pybridge import bench_idx


def test_benchmark_prints_both_ratios(mnist_dir, capsys):
    code = bench_idx.main(["--dir", str(mnist_dir), "--repeat", "1"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert len(re.findall(r"ratio \d+\.\d\d \(target <= ", out)) == 2


def test_memory_benchmark_prints_the_peak_of_each_reader(capsys):
    code = bench_idx.main(["--memory", "--elements", str(1 << 20)])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert len(re.findall(r"python (plain|gzip ): peak RSS +\d+\.\d MB, above idle .* x data \(target <= ", out)) == 2
