"""What a container says before any pixel is decoded: the twin of Java's ``ImageHeader``."""

from __future__ import annotations

from dataclasses import dataclass

from pybridge.image.image_format import Format


@dataclass(frozen=True)
class Header:
    """What the container says before any pixel is decoded."""

    format: Format
    width: int
    height: int
