"""Why an image was refused (docs/preprocessing.md, "Errors"): the twin of Java's ``ImageException``."""

from __future__ import annotations

import enum
from pathlib import Path

from pybridge.errors import DataError


class Reason(enum.Enum):
    """Why an image was refused; the same codes as the Java ``ImageException.Reason``, checked in this order."""

    IO = "IO"
    EMPTY_FILE = "EMPTY_FILE"
    NOT_AN_IMAGE = "NOT_AN_IMAGE"
    TRUNCATED = "TRUNCATED"
    CORRUPT = "CORRUPT"
    TOO_LARGE = "TOO_LARGE"
    UNSUPPORTED = "UNSUPPORTED"
    NO_INK = "NO_INK"


class ImageError(DataError):
    """An image file that cannot be turned into a digit.

    Attributes:
        reason: a ``Reason``.
        path: the file as the caller named it (or ``<N bytes>`` for bytes in memory).
        detail: what was expected and what was found.
    """

    exit_code = 2  # a refused image is bad input

    def __init__(self, path: str | Path, reason: Reason, detail: str):
        self.path, self.reason, self.detail = str(path), reason, detail
        super().__init__(f"{self.path}: {reason.value}: {detail}")
