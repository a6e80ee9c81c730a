"""What every runtime is: open a model, check it, predict batches, say where the time went, close.

A ``Runtime`` holds settings and no model (Polygraphy's runner before activation, DJL's criteria); ``open`` gives
a ``Model`` (DJL's predictor), checked against its contract on the way: its interface by the runtime, its golden
pairs either by ``Model.check_golden`` (the one Python implementation) or, in the JVM, by the Java library. A
``Model`` is a context manager: nothing native stays open after the block.
``Runtime.run`` is the one sequence every runtime follows over an IDX file for ``compare``: read, load, golden,
inference (and whatever a runtime adds), timed phase by phase with ``Phases``.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pybridge import errors, idx
from pybridge import image as pp
from pybridge.contract import golden_inputs, to_input

# The level both ONNX Runtime sides use: graph rewrites can change float rounding, so they must match.
OPTIMIZATION_LEVEL = "ALL"
OPTIMIZATION_LEVELS = ("NONE", "BASIC", "EXTENDED", "ALL")  # the Java library's names, in order
# Images per inference call, the Java library's default too. Chosen by `python -m pybridge.bench_batch`: on a quiet
# machine 16 was the one batch within 2% of the best throughput for deeper_cnn and best in both runtimes in two
# runs, where 64 lost up to 8% and 256 up to 20% and held 51-105 MB more (README).
DEFAULT_BATCH = 16
# Keras keeps the batch its parity figures were measured with: TensorFlow's last bits move with the batch size.
KERAS_BATCH = 256


def checked_optimization(level: str) -> str:
    """``level`` when it is one of ONNX Runtime's graph optimisation levels; else a usage error."""
    if level not in OPTIMIZATION_LEVELS:
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"expected an optimisation level {', '.join(OPTIMIZATION_LEVELS)}, found {level!r}",
        )
    return level


@dataclass(frozen=True)
class RunOutput:
    """What a runtime produced for one model over one image file."""

    runtime: str
    probabilities: np.ndarray  # float32 [N, 10]
    input_sha256: str  # SHA-256 of the float32 NHWC input tensor, little-endian
    provider: str
    seconds: dict[str, float]
    details: dict = field(default_factory=dict)
    golden_max_diff: float | None = None  # measured with the same model when a contract was given


@dataclass(frozen=True)
class Digits:
    """Images preprocessed for a model (docs/preprocessing.md) by one runtime's twin of the preprocessing.

    Attributes:
        pixels: uint8 [n, 28, 28].
        meta: each digit's preprocessing, as ``pp.DigitImage.describe()`` gives it.
        specks, marks: what segmentation set aside (0 without it).
    """

    pixels: np.ndarray
    meta: tuple[dict, ...]
    specks: int = 0
    marks: int = 0


class Phases:
    """Wall time per named phase, in the order the phases first ran: ``with phases("load"): ...``."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def tensor_sha256(x: np.ndarray) -> str:
    """SHA-256 of a tensor as little-endian float32: equal digests, equal model inputs."""
    return hashlib.sha256(np.ascontiguousarray(x, dtype="<f4").data).hexdigest()


class Model(ABC):
    """One model open in one runtime.

    Attributes:
        runtime: the runtime's name (``python-ort``, ``jvm-ort``, ``keras``).
        subject: what errors name: the model's path as given, or ``<N bytes>``.
    """

    runtime: str
    subject: str

    @abstractmethod
    def predict_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Probabilities float32 [n, classes] for uint8 images [n, H, W], decoded as the contract says.

        Raises:
            ModelError: ``ORT_ERROR`` (or the runtime's own failure) naming the model.
        """

    @abstractmethod
    def preprocess(self, file: str, mode: pp.Mode, segment: bool) -> Digits:
        """An image file made into the model's 28x28 digits by this runtime's preprocessing twin.

        Raises:
            ImageError: the file is refused (the same reason in every runtime).
        """

    @abstractmethod
    def predict_images(self, images, phases: Phases) -> tuple[np.ndarray, str]:
        """Probabilities and input digest for what ``Runtime.read_images`` returned; timed from "inference" on."""

    @property
    @abstractmethod
    def provider(self) -> str:
        """The execution provider that runs the model (``CPUExecutionProvider``, ...), or the framework."""

    @property
    def details(self) -> dict:
        """The settings that shaped the run (threads, batch, versions)."""
        return {}

    def golden_max_diff(self, contract: dict) -> float:
        """Max |difference| from the contract's golden probabilities (NaN when the model outputs NaN)."""
        pixels, expected = golden_inputs(contract)
        return float(np.max(np.abs(self.predict_pixels(pixels) - expected)))

    def check_golden(self, contract: dict) -> None:
        """Refuse a model whose golden pairs do not hold.

        Raises:
            ModelError: ``GOLDEN_MISMATCH``: the largest difference exceeds the contract's ``golden.atol`` (or is
                NaN).
        """
        atol = contract["golden"]["atol"]
        worst = self.golden_max_diff(contract)
        if not worst <= atol:  # NaN outputs fail too
            raise errors.ModelError(
                errors.ModelReason.GOLDEN_MISMATCH,
                self.subject,
                f"expected the golden probabilities within {atol:g}, found a difference of {worst:.3g}: "
                "the file changed after export",
            )

    def close(self) -> None:  # noqa: B027 - not abstract: a model that holds nothing native has nothing to do
        """Release what the model holds; safe to call twice."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class TensorModel(Model):
    """A model fed float32 NHWC tensors that Python made (``contract.to_input``) from Python's readers."""

    @abstractmethod
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities float32 [n, classes] for the float32 input tensor [n, H, W, 1]."""

    def predict_pixels(self, pixels: np.ndarray) -> np.ndarray:
        return self.predict(to_input(pixels))

    def preprocess(self, file: str, mode: pp.Mode, segment: bool) -> Digits:
        if segment:
            seg = pp.segment(file)
            digits, specks, marks = seg.digits, seg.specks, seg.marks
        else:
            digits, specks, marks = (pp.preprocess(file, mode),), 0, 0
        return Digits(np.stack([d.pixels for d in digits]), tuple(d.describe() for d in digits), specks, marks)

    def predict_images(self, images: np.ndarray, phases: Phases) -> tuple[np.ndarray, str]:
        with phases("inference"):
            probabilities = self.predict(images)
        with phases("hash"):
            digest = tensor_sha256(images)
        return probabilities, digest


class Runtime(ABC):
    """A way to run models, with its settings; ``open`` loads one and checks it."""

    name: str

    @abstractmethod
    def load(self, model: Path, contract: dict | None = None) -> Model:
        """The model loaded, its interface checked against ``contract`` when one is given.

        Raises:
            ModelError: the model cannot be loaded, or ``CONTRACT_MISMATCH``.
        """

    def open(self, model: Path, contract: dict | None = None, *, check_golden: bool = False) -> Model:
        """The model loaded (``load``) and, with ``check_golden``, refused unless its golden pairs hold.

        Raises:
            ModelError: as ``load``, or ``GOLDEN_MISMATCH`` with ``check_golden``.
        """
        opened = self.load(model, contract)
        if check_golden:
            try:
                opened.check_golden(contract)
            except BaseException:
                opened.close()
                raise
        return opened

    def read_images(self, images: Path, limit: int | None = None):
        """The first ``limit`` images of an IDX file, as this runtime's models take them (here: Python's reader
        and a float32 tensor).

        Raises:
            IdxError: the file fails a check of docs/idx-format.md or does not hold ubyte [N, 28, 28].
        """
        pixels = idx.read_idx(images).data[:limit]
        if pixels.ndim != 3 or pixels.shape[1:] != (28, 28) or pixels.dtype != np.uint8:
            raise errors.IdxError(
                errors.IdxReason.WRONG_SHAPE, images, f"expected ubyte [N, 28, 28], found {pixels.dtype} {pixels.shape}"
            )
        return to_input(pixels)

    def run(
        self, model: Path, images: Path, limit: int | None = None, contract: dict | None = None, *, read=None
    ) -> RunOutput:
        """Probabilities for the first ``limit`` images; with ``contract``, also its golden pairs' max diff.

        ``read``: what ``read_images(images, limit)`` returned, when the caller read the file once for many models
        (then no "read" phase is timed here). The golden difference is measured, not enforced, so that ``compare``
        can report it as a failed check.
        """
        phases = Phases()
        batch = read
        if batch is None:
            with phases("read"):
                batch = self.read_images(images, limit)
        with phases("load"):
            opened = self.load(model, contract)
        with opened:
            with phases("golden"):
                golden = opened.golden_max_diff(contract) if contract else None
            probabilities, digest = opened.predict_images(batch, phases)
            return RunOutput(self.name, probabilities, digest, opened.provider, phases.seconds, opened.details, golden)

    def golden_max_diff(self, model: Path, contract: dict) -> float:
        """Max |difference| from the contract's golden probabilities, on the model opened for it alone."""
        with self.load(model, contract) as opened:
            return opened.golden_max_diff(contract)
