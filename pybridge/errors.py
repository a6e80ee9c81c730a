"""Error types shared by the pybridge modules.

Three families, so callers can tell them apart: ``UsageError`` (the caller asked for something impossible),
``DataError`` (a file or download is not what it must be) and its IDX subclasses, which carry the same reason
codes as the Java reader's ``IdxException.Reason`` (see docs/idx-format.md).
"""

from __future__ import annotations

from pathlib import Path


class BridgeError(Exception):
    """Base class of every error this package raises on purpose.

    ``exit_code``: what a CLI exits with when this error ends it: 1 a check failed, 2 bad usage or input.
    """

    exit_code = 1


class UsageError(BridgeError):
    """The caller passed options or arguments that cannot work."""

    exit_code = 2


class DataError(BridgeError):
    """A data file, download or cache entry failed a check (a checksum, a golden pair)."""


class ModelError(DataError):
    """A model file cannot be loaded, carries no contract, or its interface differs from its contract.

    ``reason``: the code shared with the Java ``ModelException.Reason`` (docs/model-contract.md), e.g.
    ``"EXTERNAL_DATA"``; ``model_error`` makes the right subclass for a reason.
    """

    exit_code = 2
    reason = "MODEL_INVALID"

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class ContractError(ModelError):
    """A model loads but carries no usable contract, or its interface differs from the contract."""


class GoldenMismatchError(ContractError):
    """A model's outputs on its contract's golden images differ from the recorded ones: it was altered."""

    exit_code = 1


MODEL_REASONS = (
    "IO",
    "TOO_LARGE",
    "MODEL_INVALID",
    "EXTERNAL_DATA",
    "CONTRACT_MISSING",
    "CONTRACT_INVALID",
    "CONTRACT_MISMATCH",
    "GOLDEN_MISMATCH",
    "CARD_INVALID",
    "BAD_INPUT",
    "ORT_ERROR",
)


def model_error(subject: object, reason: str, detail: str) -> ModelError:
    """The error ``<subject>: <REASON>: <detail>`` of the family its reason belongs to."""
    if reason not in MODEL_REASONS:
        raise ValueError(f"unknown model error reason {reason!r}")
    if reason == "GOLDEN_MISMATCH":
        cls: type[ModelError] = GoldenMismatchError
    elif reason.startswith("CONTRACT"):
        cls = ContractError
    else:
        cls = ModelError
    return cls(f"{subject}: {reason}: {detail}", reason)


class IdxError(DataError):
    """An IDX file (or a pair of them) failed one of the checks of docs/idx-format.md (bad input: exit 2).

    Attributes:
        reason: the reason code shared with the Java reader, e.g. ``"TRUNCATED_DATA"``.
        path: the file the check failed on.
    """

    reason = "IDX"
    exit_code = 2

    def __init__(self, path: str | Path, message: str):
        self.path = Path(path)
        super().__init__(f"{self.path}: {self.reason}: {message}")


class IdxIOError(IdxError):
    """The file cannot be opened or read."""

    reason = "IO"


class TruncatedHeaderError(IdxError):
    """The header ends before its dimension sizes do."""

    reason = "TRUNCATED_HEADER"


class BadMagicError(IdxError):
    """The first two bytes are not zero."""

    reason = "BAD_MAGIC"


class UnknownTypeError(IdxError):
    """The element type code is not one of the six IDX types."""

    reason = "UNKNOWN_TYPE"


class BadDimensionsError(IdxError):
    """No dimensions, more than 8, or a dimension of size 0."""

    reason = "BAD_DIMENSIONS"


class TooLargeError(IdxError):
    """The header claims more data than an honest file of this size can hold."""

    reason = "TOO_LARGE"


class TruncatedDataError(IdxError):
    """Fewer data bytes than the header promises."""

    reason = "TRUNCATED_DATA"


class TrailingDataError(IdxError):
    """More bytes than the header promises."""

    reason = "TRAILING_DATA"


class CorruptGzipError(IdxError):
    """The gzip stream is malformed or cut short."""

    reason = "CORRUPT_GZIP"


class WrongShapeError(IdxError):
    """A dataset file does not have the image or label shape."""

    reason = "WRONG_SHAPE"


class CountMismatchError(IdxError):
    """Image and label files hold different counts."""

    reason = "COUNT_MISMATCH"


class LabelRangeError(IdxError):
    """A label lies outside 0..9."""

    reason = "LABEL_RANGE"


IDX_ERRORS: dict[str, type[IdxError]] = {
    cls.reason: cls
    for cls in (
        IdxIOError,
        TruncatedHeaderError,
        BadMagicError,
        UnknownTypeError,
        BadDimensionsError,
        TooLargeError,
        TruncatedDataError,
        TrailingDataError,
        CorruptGzipError,
        WrongShapeError,
        CountMismatchError,
        LabelRangeError,
    )
}


def report(exc: BridgeError, debug: bool = False) -> int:
    """Print the one ``error:`` line for ``exc`` (or re-raise it with ``debug``) and return its exit code.

    Must be called from inside the ``except`` block that caught ``exc``.
    """
    if debug:
        raise exc
    import sys

    print(f"error: {exc}", file=sys.stderr)
    return exc.exit_code
