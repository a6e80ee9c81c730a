"""The default batch is one figure in both languages (chosen by `python -m pybridge.bench_batch`, README)."""

from __future__ import annotations

import jpype

from pybridge import runtimes
from pybridge.runtimes import jvm


def test_python_and_java_default_to_the_same_measured_batch(jar):
    jvm.start_jvm(build=False)
    java_default = int(jpype.JClass(f"{jvm.PACKAGE}.model.ClassifierOptions").DEFAULT_BATCH_SIZE)
    assert runtimes.DEFAULT_BATCH == java_default == 16
    assert runtimes.create("python-ort").batch == 16


def test_the_jvm_run_reports_the_batch_in_effect(jar):
    from tests.conftest import TEST_MODELS

    for asked, shown in ((None, 16), (64, 64)):
        with runtimes.create("jvm-ort", batch=asked).load(TEST_MODELS / "linear.onnx") as model:
            assert model.details["batch"] == shown
