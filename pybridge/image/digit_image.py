"""One 28x28 model input and how it was made (docs/preprocessing.md): the twin of Java's ``DigitImage``."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pybridge.image.image_header import Header

if TYPE_CHECKING:  # the preprocessor makes DigitImages, so it imports this module, not the other way round
    from pybridge.image.preprocessor import Mode


class Polarity(enum.Enum):
    """What the polarity test found."""

    DARK_ON_LIGHT = "dark-on-light"  # inverted
    LIGHT_ON_DARK = "light-on-dark"  # kept
    NOT_TESTED = "not-tested"  # raw mode


@dataclass(frozen=True)
class Box:
    """A rectangle: left, top, width, height."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, eq=False)  # arrays have no single truth value; compare .pixels explicitly
class DigitImage:
    """One 28x28 model input and how it was made.

    Attributes:
        pixels: uint8 [28, 28], read-only, light digit on black (raw mode: the image as it is).
        mode: the mode that made it.
        header: format and size of the source image.
        polarity: whether the source was inverted.
        background: the background level after inversion (0..255); raw mode 0.
        ink_max: the brightest level after inversion; raw mode 255.
        box: the digit's bounding box in the source image (raw mode: the whole image).
        scaled: the digit's size after scaling (width, height); raw mode 28x28.
        offset: where its top-left corner went in the 28x28 field; raw mode (0, 0).
    """

    pixels: np.ndarray
    mode: Mode
    header: Header
    polarity: Polarity
    background: int
    ink_max: int
    box: Box
    scaled: tuple[int, int]
    offset: tuple[int, int]

    def describe(self) -> dict:
        """The metadata as JSON-ready values (no pixels)."""
        return {
            "mode": self.mode.value,
            "format": self.header.format.value,
            "size": [self.header.width, self.header.height],
            "polarity": self.polarity.value,
            "background": self.background,
            "ink_max": self.ink_max,
            "box": [self.box.x, self.box.y, self.box.width, self.box.height],
            "scaled": list(self.scaled),
            "offset": list(self.offset),
        }
