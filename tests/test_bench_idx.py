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


def test_java_reader_is_paired_with_numpy_in_one_run(tmp_path, capsys):
    import numpy as np

    from pybridge import idx

    path = tmp_path / "images.idx"
    idx.write_idx(path, np.arange(6 * 28 * 28, dtype=np.uint8).reshape(6, 28, 28))
    interval = bench_idx.java_raw_paired(path, rounds=5, warmup=0)
    out = capsys.readouterr().out
    assert interval.n == 5
    assert len(re.findall(r"round +\d/5: java 2 reads .* numpy.fromfile 2 reads .* ratio ", out)) == 5
    assert re.search(r"target 4, Java IdxReader.read / numpy.fromfile \(raw\): .* target <= 1.5: ", out)
