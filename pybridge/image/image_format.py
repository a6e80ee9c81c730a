"""The containers we decode, recognised by their first bytes (docs/preprocessing.md, step 1, checks 2 and 3).

The twin of Java's ``ImageFormat``.
"""

from __future__ import annotations

import enum
from pathlib import Path

from pybridge.image.errors import ImageError, Reason


class Format(enum.Enum):
    """The containers we decode, recognised by their first bytes (never by the file name)."""

    PNG = "PNG"
    JPEG = "JPEG"
    GIF = "GIF"
    BMP = "BMP"


def sniff(data: bytes, name: str | Path = "<bytes>") -> Format:
    """The format from the first bytes.

    Raises:
        ImageError: EMPTY_FILE for no bytes, NOT_AN_IMAGE for any other start.
    """
    if not data:
        raise ImageError(name, Reason.EMPTY_FILE, "expected an image, found an empty file (0 bytes)")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Format.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return Format.JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return Format.GIF
    if data.startswith(b"BM"):
        return Format.BMP
    raise ImageError(
        name,
        Reason.NOT_AN_IMAGE,
        f"expected a PNG, JPEG, GIF or BMP signature, found bytes {data[:8].hex(' ')}",
    )
