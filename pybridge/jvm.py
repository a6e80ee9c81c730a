"""The JPype bridge: one JVM per process, the Java library on its classpath, Java errors as Python errors.

The classpath is exactly one file, the fat jar the Java build writes to ``cli/build/libs/digitbridge-all.jar``.
A JVM cannot be restarted in a process, so ``start_jvm`` is idempotent and refuses a JVM someone else started
without our jar. Data crosses without copies where it matters: the Java reader's preprocessed input tensor and
the output probabilities are direct, native-order buffers that numpy views in place.
Java exceptions reach Python without Java stack traces (see ``NO_STACK_TRACES``), which JPype would leak.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from pybridge import errors
from pybridge.contract import golden_inputs
from pybridge.runners import OPTIMIZATION_LEVEL, RunOutput

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "cli" / "build" / "libs" / "digitbridge-all.jar"
BUILD_COMMAND = "tools/java-build.sh jar"
# Serial GC: the JVM's allocations here are few and large, and parallel GC threads would compete with the
# inference threads on a 2-core machine. Headless: the library never needs a display.
JVM_OPTIONS = ("-Xmx2g", "-XX:+UseSerialGC", "-Djava.awt.headless=true")
# JPype 1.7.1 turns every Java stack frame of an exception raised into Python into a traceback, a frame and a
# function object that are never freed (about 9 KB per exception with our readers' stack depth; clearing
# __traceback__ or __cause__ in Python does not help: the references are lost inside JPype). Exceptions
# without a stack trace give it nothing to convert, and nothing in this JVM reads Java stack traces: errors
# cross the bridge by class, reason code and message. Setting this variable keeps them, for debugging.
KEEP_STACK_TRACES_ENV = "DIGITBRIDGE_JAVA_STACK_TRACES"
NO_STACK_TRACES = "-XX:-StackTraceInThrowable"

_started_here = False


def start_jvm(*, build: bool = True) -> None:
    """Start the JVM with the project's jar on the classpath, once per process.

    Args:
        build: when the jar is missing, build it with ``tools/java-build.sh jar`` (else raise).

    Raises:
        BridgeError: the jar is missing and could not be built, or a JVM without it is already running.
    """
    global _started_here
    import jpype

    if jpype.isJVMStarted():
        if not _started_here and str(JAR) not in classpath():
            raise errors.BridgeError(
                f"a JVM is already running without {JAR} on its classpath; a JVM cannot be "
                "restarted in one process, so start it through pybridge.jvm.start_jvm first"
            )
        return
    if not JAR.exists():
        if not build:
            raise errors.BridgeError(f"{JAR} is missing; build it with `{BUILD_COMMAND}` (or `make jar`)")
        done = subprocess.run(["bash", str(ROOT / "tools" / "java-build.sh"), "jar"], cwd=ROOT)
        if done.returncode != 0 or not JAR.exists():
            raise errors.BridgeError(f"{JAR} is missing and `{BUILD_COMMAND}` failed (exit {done.returncode})")
    # The JVM shares this process's environment. ONNX Runtime 1.29's telemetry crashes the process (SIGSEGV, no
    # traceback) when the command line is long; 1.28 is pinned, and this keeps a jar built with 1.29 safe too.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    jpype.startJVM(*jvm_options(), classpath=[str(JAR)], convertStrings=False)
    _started_here = True


def jvm_options() -> tuple[str, ...]:
    """The options ``start_jvm`` gives the JVM: ``JVM_OPTIONS``, plus no Java stack traces unless
    ``$DIGITBRIDGE_JAVA_STACK_TRACES`` is set to a non-empty value other than ``0``."""
    keep = os.environ.get(KEEP_STACK_TRACES_ENV, "") not in ("", "0")
    return JVM_OPTIONS if keep else (*JVM_OPTIONS, NO_STACK_TRACES)


def classpath() -> list[str]:
    """The running JVM's class path entries."""
    import jpype

    return str(jpype.JClass("java.lang.System").getProperty("java.class.path")).split(":")


def java_error(exc: Exception) -> errors.BridgeError:
    """The Python error for a Java exception, carrying the Java message (and reason code where there is one)."""
    message = str(exc.getMessage()) if hasattr(exc, "getMessage") else str(exc)
    java_class = str(exc.getClass().getName()) if hasattr(exc, "getClass") else type(exc).__name__
    if java_class.endswith("IdxException"):
        reason = str(exc.reason().name())
        cls = errors.IDX_ERRORS.get(reason, errors.IdxError)
        return cls(str(exc.file()), message.split(": ", 2)[-1])
    if java_class.endswith("ModelException"):
        reason = str(exc.reason().name())
        if reason == "BAD_INPUT":
            return errors.UsageError(f"{reason}: {message}")
        return errors.model_error(str(exc.model()), reason, str(exc.detail()))
    if java_class == "java.lang.IllegalStateException":
        return errors.UsageError(message)
    return errors.BridgeError(f"{java_class}: {message}")


@contextmanager
def java_errors():
    """Translate Java exceptions raised inside the block into pybridge errors."""
    import jpype

    try:
        yield
    except jpype.JException as exc:
        raise java_error(exc) from exc


def view(buffer) -> np.ndarray:
    """A numpy view (no copy) of a direct, native-order Java buffer."""
    return np.asarray(memoryview(buffer))


class JvmOrtRunner:
    """ONNX Runtime through the Java library: the Java IDX reader reads the files, the JVM runs the model."""

    name = "jvm-ort"

    def __init__(self, *, threads: int = 1, batch: int = 256):
        start_jvm()
        import jpype

        # JClass rather than `import io.github...`: Python's own `io` module shadows that package name.
        self._reader = jpype.JClass("io.github.digitbridge.idx.IdxReader")
        self._classifier = jpype.JClass("io.github.digitbridge.model.DigitClassifier")
        self._path = jpype.JClass("java.nio.file.Path")
        self._byte_buffer = jpype.JClass("java.nio.ByteBuffer")
        self.threads, self.batch = threads, batch

    def _open(self, model: Path, *, verify_golden: bool):
        options = (
            self._classifier.Options.builder()
            .batchSize(self.batch)
            .intraOpThreads(self.threads)
            .optimizationLevel(self._classifier.Options.OptimizationLevel.valueOf(OPTIMIZATION_LEVEL))
            .verifyGolden(verify_golden)
            .build()
        )
        return self._classifier.open(self._path.of(str(model)), options)

    def run(self, model: Path, images: Path, limit: int | None = None, contract: dict | None = None) -> RunOutput:
        with java_errors():
            t0 = time.perf_counter()
            array = self._reader.read(self._path.of(str(images)))
            count = int(array.shape()[0])
            count = min(count, limit) if limit else count
            t1 = time.perf_counter()
            classifier = self._open(model, verify_golden=False)  # measured below, so a failure has a number
            try:
                t2 = time.perf_counter()
                golden = self._golden(classifier, contract) if contract else None
                t3 = time.perf_counter()
                predictions = classifier.predict(array.data(), count)
                t4 = time.perf_counter()
                probabilities = view(predictions.probabilities()).reshape(count, -1)
                decoded = view(classifier.preprocess(array.data(), count))
                t5 = time.perf_counter()
                digest = hashlib.sha256(decoded.astype("<f4", copy=False).data).hexdigest()
                t6 = time.perf_counter()
                provider = str(classifier.executionProvider().name())
            finally:
                classifier.close()
        providers = {"CPU": "CPUExecutionProvider", "CUDA": "CUDAExecutionProvider"}
        return RunOutput(
            self.name,
            probabilities,
            digest,
            providers.get(provider, provider),
            {
                "read": t1 - t0,
                "load": t2 - t1,
                "golden": t3 - t2,
                "inference": t4 - t3,
                "transfer": t5 - t4,
                "hash": t6 - t5,
            },
            {
                "threads": self.threads,
                "batch": self.batch,
                "optimization_level": OPTIMIZATION_LEVEL,
                "onnxruntime": str(self._ort_version()),
            },
            golden,
        )

    def _ort_version(self) -> str:
        import jpype

        return str(jpype.JClass("ai.onnxruntime.OrtEnvironment").getEnvironment().getVersion())

    def _golden(self, classifier, contract: dict) -> float:
        pixels, expected = golden_inputs(contract)
        buffer = self._byte_buffer.allocateDirect(pixels.size)
        view(buffer)[:] = pixels.reshape(-1).view(np.int8)
        found = view(classifier.predict(buffer, len(pixels)).probabilities()).reshape(len(pixels), -1)
        return float(np.max(np.abs(found - expected)))

    def golden_max_diff(self, model: Path, contract: dict) -> float:
        with java_errors():
            classifier = self._open(model, verify_golden=False)
            try:
                return self._golden(classifier, contract)
            finally:
                classifier.close()
