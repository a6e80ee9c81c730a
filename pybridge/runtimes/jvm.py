"""The JPype bridge and the JVM runtime: one JVM per process, the Java library on its classpath, Java errors as
Python errors, Java's ``DigitClassifier`` behind the ``Runtime`` interface.

In a checkout the classpath is exactly one file, the fat jar the Java build writes to
``cli/build/libs/digitbridge-all.jar``; in an installed package it is the packaged jars plus the verified
third-party ones (``pybridge.javadeps``). The JVM is the JDK of ``$JAVA_HOME``, else of the ``java`` on PATH.
A JVM cannot be restarted in a process, so ``start_jvm`` is idempotent and refuses a JVM someone else started
without our jar. Data crosses without copies where it matters: the Java reader's preprocessed input tensor and
the output probabilities are direct, native-order buffers that numpy views in place.
Java exceptions reach Python without Java stack traces (see ``NO_STACK_TRACES``), which JPype would leak.
"""

from __future__ import annotations

import functools
import gc
import os
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pybridge import errors, javadeps
from pybridge import image as pp
from pybridge.runtimes.base import OPTIMIZATION_LEVEL, Digits, Model, Phases, Runtime, checked_optimization

ROOT = Path(__file__).resolve().parents[2]
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
# JClass rather than `import io.github...`: Python's own `io` module shadows that package name.
PACKAGE = "io.github.digitbridge"
CUDA = "CUDAExecutionProvider"
TF32_OVERRIDE_ENV = "NVIDIA_TF32_OVERRIDE"
# Jars put before ours on the classpath (os.pathsep-separated): another ONNX Runtime version's jar, whose classes
# and native library then win over the ones in our fat jar (pybridge.runtimes.versions sets it for its JVM).
EXTRA_CLASSPATH_ENV = "DIGITBRIDGE_CLASSPATH_FIRST"

_started_here = False


def start_jvm(*, build: bool = True) -> None:
    """Start the JVM with the project's jar on the classpath, once per process.

    Args:
        build: when the jar is missing, build it with ``tools/java-build.sh jar`` (else raise).

    Raises:
        BridgeError: the jar is missing and could not be built (checkout) or fetched (installed), no JDK 17 or
            newer was found, or a JVM without our jar is already running.
    """
    global _started_here
    import jpype

    if jpype.isJVMStarted():
        if not _started_here and str(own_jar()) not in classpath():
            raise errors.BridgeError(
                errors.BridgeReason.FOREIGN_JVM,
                f"a JVM is already running without {own_jar()} on its classpath; a JVM cannot be "
                "restarted in one process, so start it through pybridge.runtimes.jvm.start_jvm first",
            )
        return
    jdk = javadeps.find_jdk()
    jars = our_classpath(build=build)
    # The JVM shares this process's environment. ONNX Runtime 1.29's telemetry crashes the process (SIGSEGV, no
    # traceback) when the command line is long; 1.28 is pinned, and this keeps a jar built with 1.29 safe too.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    first = [j for j in os.environ.get(EXTRA_CLASSPATH_ENV, "").split(os.pathsep) if j]
    jpype.startJVM(str(jdk.libjvm), *jvm_options(), classpath=[*first, *map(str, jars)], convertStrings=False)
    _started_here = True


def our_classpath(*, build: bool = True) -> list[Path]:
    """What ``start_jvm`` puts on the classpath, by where the package runs: in a checkout its fat jar (built when
    missing and ``build`` is set), installed the packaged jars and the verified third-party ones."""
    return [checkout_jar(build=build)] if javadeps.in_checkout() else javadeps.installed_classpath()


def own_jar() -> Path:
    """The jar holding our library's classes: the fat jar in a checkout, the packaged library jar installed."""
    return JAR if javadeps.in_checkout() else javadeps.BUNDLE / "java" / javadeps.OWN_JARS[0]


def checkout_jar(*, build: bool) -> Path:
    """The checkout's fat jar, built with ``tools/java-build.sh jar`` when missing and ``build`` is set.

    Raises:
        BridgeError: the jar is missing and could not be built.
    """
    if not JAR.exists():
        if not build:
            raise errors.BridgeError(
                errors.BridgeReason.JAR_MISSING, f"{JAR} is missing; build it with `{BUILD_COMMAND}` (or `make jar`)"
            )
        done = subprocess.run(["bash", str(ROOT / "tools" / "java-build.sh"), "jar"], cwd=ROOT)
        if done.returncode != 0 or not JAR.exists():
            raise errors.BridgeError(
                errors.BridgeReason.JAR_MISSING,
                f"{JAR} is missing and `{BUILD_COMMAND}` failed (exit {done.returncode})",
            )
    return JAR


def jvm_options() -> tuple[str, ...]:
    """The options ``start_jvm`` gives the JVM: ``JVM_OPTIONS``, plus no Java stack traces unless
    ``$DIGITBRIDGE_JAVA_STACK_TRACES`` is set to a non-empty value other than ``0``."""
    keep = os.environ.get(KEEP_STACK_TRACES_ENV, "") not in ("", "0")
    return JVM_OPTIONS if keep else (*JVM_OPTIONS, NO_STACK_TRACES)


def classpath() -> list[str]:
    """The running JVM's class path entries."""
    import jpype

    return str(jpype.JClass("java.lang.System").getProperty("java.class.path")).split(":")


def java_error(exc: Exception) -> errors.DigitBridgeError:
    """The Python twin of a Java exception, chosen by its class: the same reason code and message.

    Our library's ``IdxException``, ``ModelException`` and ``ImageException`` become the matching pybridge
    errors, ``IllegalStateException`` (a call out of order) a usage error, anything else a ``BridgeError``
    naming the Java class.
    """
    import jpype

    message = str(exc.getMessage()) if hasattr(exc, "getMessage") else str(exc)
    if isinstance(exc, jpype.JClass(f"{PACKAGE}.idx.IdxException")):
        return errors.IdxError(errors.IdxReason[str(exc.reason().name())], str(exc.file()), str(exc.detail()))
    if isinstance(exc, jpype.JClass(f"{PACKAGE}.model.ModelException")):
        reason = str(exc.reason().name())
        if reason == "BAD_INPUT":
            return errors.UsageError(errors.UsageReason.BAD_INPUT, f"{reason}: {message}")
        return errors.ModelError(errors.ModelReason[reason], str(exc.model()), str(exc.detail()))
    if isinstance(exc, jpype.JClass(f"{PACKAGE}.image.ImageException")):
        return errors.ImageError(errors.ImageReason[str(exc.reason().name())], str(exc.subject()), str(exc.detail()))
    java_class = str(exc.getClass().getName()) if hasattr(exc, "getClass") else type(exc).__name__
    if java_class == "java.lang.IllegalStateException":  # exactly: its subclasses are other kinds of failure
        return errors.UsageError(errors.UsageReason.ILLEGAL_STATE, message)
    return errors.BridgeError(errors.BridgeReason.JAVA_ERROR, f"{java_class}: {message}")


@contextmanager
def java_errors():
    """Translate Java exceptions raised inside the block into pybridge errors (``java_error``)."""
    import jpype

    try:
        yield
    except jpype.JException as exc:
        raise java_error(exc) from exc


def view(buffer) -> np.ndarray:
    """A numpy view (no copy) of a direct, native-order Java buffer."""
    return np.asarray(memoryview(buffer))


@dataclass(frozen=True)
class JavaImages:
    """Images as the Java IDX reader returns them: a direct buffer of uint8 pixels, never copied into Python.

    Attributes:
        array: the Java ``IdxArray``.
        count: how many images are used (the file's, or fewer with a limit).
    """

    array: object
    count: int

    @property
    def data(self):
        """The pixels: a direct ``ByteBuffer``."""
        return self.array.data()

    def chunks(self, size: int) -> list:
        """Buffers of ``size`` whole images each, sharing the pixels' memory (a remainder is left out)."""
        per_image = int(np.prod([int(d) for d in self.array.shape()][1:]))
        data = self.array.data()
        return [data.slice(first * per_image, size * per_image) for first in range(0, self.count // size * size, size)]


class JvmRuntime(Runtime):
    """ONNX Runtime through the Java library: the Java IDX reader reads the files, the JVM runs the model.

    Args:
        threads: intra-op threads.
        batch: images per ONNX Runtime call; None: the library's default.

    Raises:
        BridgeError: the JVM cannot be started with our jar (``start_jvm``).
    """

    name = "jvm-ort"

    def __init__(
        self,
        *,
        threads: int = 1,
        batch: int | None = None,
        device: str = "cpu",
        strict_fp32: bool = False,
        optimization: str = OPTIMIZATION_LEVEL,
    ):
        self.optimization = checked_optimization(optimization)
        if device not in ("cpu", "cuda"):
            raise errors.UsageError(errors.UsageReason.BAD_ARGUMENT, f"expected device cpu or cuda, found {device!r}")
        if device == "cuda" and strict_fp32:
            # The Java library asks ONNX Runtime for CUDA with its default options (TF32 allowed); NVIDIA's
            # libraries read this variable when they start, and it turns TF32 off for the whole process.
            os.environ[TF32_OVERRIDE_ENV] = "0"
        start_jvm()
        import jpype

        self._reader = jpype.JClass(f"{PACKAGE}.idx.IdxReader")
        self._classifier = jpype.JClass(f"{PACKAGE}.model.DigitClassifier")
        self._options = jpype.JClass(f"{PACKAGE}.model.ClassifierOptions")
        self._path = jpype.JClass("java.nio.file.Path")
        self.threads, self.batch, self.device, self.strict_fp32 = threads, batch, device, strict_fp32
        if device == "cuda":
            available = [str(p) for p in self._classifier.availableProviders()]
            if "CUDA" not in available:
                raise errors.UsageError(
                    errors.UsageReason.UNSUPPORTED,
                    "jvm-ort:cuda: UNSUPPORTED: expected ONNX Runtime's Java build with the CUDA provider (the "
                    f"onnxruntime_gpu artifact: `make jar GPU=1`), found one offering only {', '.join(available)}",
                )

    def load(self, model: Path, contract: dict | None = None) -> JvmModel:
        """Java's ``DigitClassifier.open``, golden check skipped: it reads the contract from the model and checks
        the session against it itself (``contract`` is not needed).

        Raises:
            ModelError: Java's ``ModelException``, with its reason.
        """
        return self.open(model, contract)

    def open(self, model: Path, contract: dict | None = None, *, check_golden: bool = False) -> JvmModel:
        """As ``load``; with ``check_golden`` the Java library checks the golden pairs as it opens the model (its
        twin of ``Model.check_golden``), so Python does not run them again.

        Raises:
            ModelError: Java's ``ModelException``, with its reason (``GOLDEN_MISMATCH`` with ``check_golden``).
        """
        options = self._options.builder()
        if self.batch is not None:
            options = options.batchSize(self.batch)
        warnings: list[str] = []
        options = (
            options.intraOpThreads(self.threads)
            .optimizationLevel(self._options.OptimizationLevel.valueOf(self.optimization))
            .executionProvider(self._options.ExecutionProvider.valueOf(self.device.upper()))
            .warnings(_collector(warnings))
            .verifyGolden(check_golden)
            .build()
        )
        with java_errors():
            opened = JvmModel(self, self._classifier.open(self._path.of(str(model)), options), str(model))
        if self.device == "cuda" and opened.provider != CUDA:
            opened.close()  # the library fell back to the CPU: here that would be a silent CPU run
            raise errors.UsageError(
                errors.UsageReason.UNSUPPORTED,
                f"jvm-ort:cuda: UNSUPPORTED: expected a CUDA session for {model}, found the Java library falling "
                f"back to the CPU ({'; '.join(warnings) or 'no reason given'})",
            )
        return opened

    def read_images(self, images: Path, limit: int | None = None) -> JavaImages:
        """The images as the Java IDX reader reads them.

        Raises:
            IdxError: Java's ``IdxException`` by its reason.
        """
        with java_errors():
            array = self._reader.read(self._path.of(str(images)))
            count = int(array.shape()[0])
        return JavaImages(array, min(count, limit) if limit else count)


def _collector(lines: list[str]):
    """A Java ``Consumer<String>`` that appends what it is given to ``lines``."""
    return _collector_class()(lines)


@functools.cache
def _collector_class():
    import jpype

    @jpype.JImplements("java.util.function.Consumer")
    class Collect:
        def __init__(self, lines: list[str]):
            self.lines = lines

        @jpype.JOverride
        def accept(self, line):
            self.lines.append(str(line))

    return Collect


class JvmModel(Model):
    """A Java ``DigitClassifier``: closing it frees its session."""

    def __init__(self, runtime: JvmRuntime, classifier, subject: str):
        self._settings, self.classifier, self.subject = runtime, classifier, subject
        self.runtime = runtime.name
        self._closed = False

    def predict_buffer(self, pixels, count: int) -> np.ndarray:
        """Probabilities for ``count`` images in a direct buffer of uint8 pixels, viewed where Java wrote them
        (valid until the next call that reuses the buffer: copy what you keep).

        Raises:
            ModelError: Java's ``ModelException`` by its reason.
        """
        with java_errors():
            predictions = self.classifier.predict(pixels, count)
            return view(predictions.probabilities()).reshape(count, -1)

    def predict_pixels(self, pixels: np.ndarray) -> np.ndarray:
        import jpype

        buffer = jpype.JClass("java.nio.ByteBuffer").allocateDirect(pixels.size)
        view(buffer)[:] = pixels.reshape(-1).view(np.int8)
        return self.predict_buffer(buffer, len(pixels)).copy()

    def preprocess(self, file: str, mode: pp.Mode, segment: bool) -> Digits:
        import jpype

        pre = jpype.JClass(f"{PACKAGE}.image.Preprocessor")
        path = jpype.JClass("java.nio.file.Path").of(file)
        with java_errors():
            if segment:
                seg = pre.segment(path)
                digits, specks, marks = list(seg.digits()), int(seg.specks()), int(seg.marks())
            else:
                digits, specks, marks = [pre.preprocess(path, pre.Mode.valueOf(mode.name))], 0, 0
            java_digits = jpype.JClass("java.util.ArrayList")()
            for d in digits:
                java_digits.add(d)
            batch = jpype.JClass(f"{PACKAGE}.image.DigitImage").batch(java_digits)
        pixels = view(batch).view(np.uint8).reshape(-1, 28, 28).copy()
        return Digits(pixels, tuple(describe_digit(d) for d in digits), specks, marks)

    def predict_images(self, images: JavaImages, phases: Phases) -> tuple[np.ndarray, str]:
        with phases("inference"), java_errors():
            predictions = self.classifier.predict(images.data, images.count)
        with phases("transfer"):
            probabilities = view(predictions.probabilities()).reshape(images.count, -1)
        with phases("hash"), java_errors():
            # Hashed in Java a chunk at a time: a whole decoded copy per model would be a direct buffer that only
            # a garbage collection frees, and the JVM's small heap rarely collects (RSS grew with every model).
            digest = str(self.classifier.preprocessedSha256(images.data, images.count))
        return probabilities, digest

    @property
    def provider(self) -> str:
        provider = str(self.classifier.executionProvider().name())
        return {"CPU": "CPUExecutionProvider", "CUDA": "CUDAExecutionProvider"}.get(provider, provider)

    @property
    def details(self) -> dict:
        import jpype

        details = {
            "threads": self._settings.threads,
            "batch": int(self.classifier.options().batchSize()),  # the one in effect, the library's default too
            "optimization_level": self._settings.optimization,
            "onnxruntime": str(jpype.JClass("ai.onnxruntime.OrtEnvironment").getEnvironment().getVersion()),
        }
        if self.provider == CUDA:
            # ONNX Runtime's Java API reports neither the CUDA nor the cuDNN version it loaded.
            details.update(tf32=not self._settings.strict_fp32, cuda="unknown", cudnn="unknown")
        return details

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.classifier.close()


def describe_digit(d) -> dict:
    """A Java DigitImage's metadata in the shape of ``pp.DigitImage.describe()``."""
    box, header = d.box(), d.header()
    return {
        "mode": str(d.mode().name()).lower(),
        "format": str(header.format().name()),
        "size": [int(header.width()), int(header.height())],
        "polarity": str(d.polarity().text()),
        "background": int(d.background()),
        "ink_max": int(d.inkMax()),
        "box": [int(box.x()), int(box.y()), int(box.width()), int(box.height())],
        "scaled": [int(d.scaledWidth()), int(d.scaledHeight())],
        "offset": [int(d.offsetX()), int(d.offsetY())],
    }


class JvmMemory:
    """The JVM's memory as the soak benchmark watches it: young generation, direct buffers, collections."""

    def __init__(self):
        start_jvm()
        import jpype

        self._jpype = jpype
        self._system = jpype.JClass("java.lang.System")
        management = jpype.JClass("java.lang.management.ManagementFactory")
        self._pools = management.getMemoryPoolMXBeans()
        self._buffers = management.getPlatformMXBeans(jpype.JClass("java.lang.management.BufferPoolMXBean"))

    def fill_young_generation(self) -> None:
        """Allocates garbage the size of the young generation once, so that its pages are resident."""
        young = sum(
            int(pool.getUsage().getCommitted())
            for pool in self._pools
            if "Eden" in str(pool.getName()) or "Survivor" in str(pool.getName())
        )
        megabyte = self._jpype.JArray(self._jpype.JByte)
        for _ in range(young // 2**20 + 1):
            megabyte(2**20)

    def direct_buffer_bytes(self) -> int:
        """Direct buffer memory the JVM holds: live buffers and dead ones a collection has not freed yet."""
        return sum(int(pool.getMemoryUsed()) for pool in self._buffers if str(pool.getName()) == "direct")

    def collect(self) -> None:
        """Python's collector, the JVM's, and Python's again (for what the JVM's collection released)."""
        gc.collect()
        self._system.gc()
        gc.collect()
