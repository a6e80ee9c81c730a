"""The JPype bridge: JVM start, zero-copy views, Java errors as Python errors, the JVM runner."""

from __future__ import annotations

import gc
import hashlib

import jpype
import numpy as np
import pytest

from pybridge import contract as model_contract
from pybridge import data, errors, idx
from pybridge import image as pp
from pybridge.runtimes.python_ort import PythonOrtRuntime
from tests.conftest import FIXTURES, JAR, ROOT, TEST_MODELS


def test_start_jvm_is_idempotent_and_uses_the_one_jar(jvm):
    jvm.start_jvm()
    jvm.start_jvm(build=False)
    assert [p for p in jvm.classpath() if not p.endswith("org.jpype.jar")] == [str(JAR)]


def test_views_share_memory_with_java_direct_buffers(jvm):
    buffer = (
        jpype.JClass("java.nio.ByteBuffer").allocateDirect(40).order(jpype.JClass("java.nio.ByteOrder").nativeOrder())
    )
    floats = buffer.asFloatBuffer()
    view = jvm.view(floats)
    assert view.dtype == np.float32 and view.shape == (10,)
    floats.put(3, jpype.JFloat(2.5))
    assert view[3] == 2.5  # written by Java, seen by numpy: the same memory, no copy


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("too_much.idx", errors.TrailingDataError),
        ("gzip_bad_crc.gz", errors.CorruptGzipError),
        ("bad_magic.idx", errors.BadMagicError),
    ],
)
def test_java_idx_errors_become_the_matching_python_errors(jvm, name, error):
    reader = jpype.JClass("io.github.digitbridge.idx.IdxReader")
    with pytest.raises(error) as caught, jvm.java_errors():
        reader.read(jpype.JClass("java.nio.file.Path").of(str(FIXTURES / name)))
    assert name in str(caught.value) and "expected" in str(caught.value)


def test_java_image_errors_become_python_image_errors_by_class(jvm):
    pre, path = jpype.JClass("io.github.digitbridge.image.Preprocessor"), jpype.JClass("java.nio.file.Path")
    file = ROOT / "tests" / "data" / "images" / "bad-empty.png"
    with pytest.raises(pp.ImageError) as caught, jvm.java_errors():
        pre.preprocess(path.of(str(file)), pre.Mode.MNIST)
    with pytest.raises(pp.ImageError) as python:
        pp.preprocess(file)
    assert caught.value.reason is python.value.reason and caught.value.path == str(file)


def test_java_exceptions_leave_no_python_objects_behind(jvm):
    # JPype keeps the Python frames it makes from Java stack frames alive forever (about 18 objects for
    # this read's stack); the bridge's JVM makes exceptions without stack traces so there are none to keep.
    reader, path = jpype.JClass("io.github.digitbridge.idx.IdxReader"), jpype.JClass("java.nio.file.Path")
    bad = path.of(str(FIXTURES / "bad_magic.idx"))

    def fail(times: int) -> None:
        for _ in range(times):
            with pytest.raises(errors.BadMagicError), jvm.java_errors():
                reader.read(bad)

    fail(20)  # JPype's caches of classes and methods fill on the first calls
    gc.collect()
    before = len(gc.get_objects())
    fail(200)
    gc.collect()
    assert len(gc.get_objects()) - before < 100


def test_stack_traces_are_kept_only_on_request(jvm, monkeypatch):
    monkeypatch.delenv(jvm.KEEP_STACK_TRACES_ENV, raising=False)
    assert jvm.NO_STACK_TRACES in jvm.jvm_options()
    monkeypatch.setenv(jvm.KEEP_STACK_TRACES_ENV, "0")
    assert jvm.NO_STACK_TRACES in jvm.jvm_options()
    monkeypatch.setenv(jvm.KEEP_STACK_TRACES_ENV, "1")
    assert jvm.jvm_options() == jvm.JVM_OPTIONS


@pytest.mark.parametrize(
    ("model", "error", "reason"),
    [
        ("corrupt.onnx", errors.ModelError, "MODEL_INVALID"),
        ("no_contract.onnx", errors.ContractError, "CONTRACT_MISSING"),
        ("wrong_input_shape.onnx", errors.ContractError, "CONTRACT_MISMATCH"),
        ("linear_altered.onnx", errors.GoldenMismatchError, "GOLDEN_MISMATCH"),
    ],
)
def test_java_model_errors_carry_their_reason_and_message(jvm, model, error, reason):
    runtime = jvm.JvmRuntime()
    with pytest.raises(error, match=reason):
        runtime.open(TEST_MODELS / model, check_golden=True)


def test_jvm_and_python_runners_agree_bit_for_bit(jvm, mnist_dir):
    images = mnist_dir / data.FILES["t10k-images"]
    java = jvm.JvmRuntime(batch=64).run(TEST_MODELS / "linear.onnx", images)
    python = PythonOrtRuntime(batch=1000).run(TEST_MODELS / "linear.onnx", images)
    assert java.input_sha256 == python.input_sha256
    assert java.provider == python.provider == "CPUExecutionProvider"
    assert java.probabilities.dtype == np.float32 and java.probabilities.shape == (10000, 10)
    assert np.array_equal(java.probabilities.view(np.uint32), python.probabilities.view(np.uint32))


def test_jvm_input_hash_is_the_hash_of_the_decoded_pixels(jvm, mnist_dir):
    images = mnist_dir / data.FILES["t10k-images"]
    java = jvm.JvmRuntime().run(TEST_MODELS / "linear.onnx", images, limit=100)
    pixels = idx.read_idx(images).data[:100]
    expected = hashlib.sha256((pixels.astype(np.float32) / np.float32(255)).astype("<f4").tobytes()).hexdigest()
    assert java.input_sha256 == expected and java.probabilities.shape == (100, 10)


def test_golden_differences_are_measured_in_both_runtimes(jvm):
    contract = model_contract.read(TEST_MODELS / "linear.onnx")
    java, python = jvm.JvmRuntime(), PythonOrtRuntime()
    assert java.golden_max_diff(TEST_MODELS / "linear.onnx", contract) == 0.0
    assert python.golden_max_diff(TEST_MODELS / "linear.onnx", contract) == 0.0
    altered = TEST_MODELS / "linear_altered.onnx"
    assert java.golden_max_diff(altered, contract) > contract["golden"]["atol"]
    assert python.golden_max_diff(altered, contract) > contract["golden"]["atol"]
