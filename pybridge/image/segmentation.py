"""The digits of one line and what was set aside (docs/preprocessing.md, "Segmentation").

The twin of Java's ``Segmentation``; as there, the grouping itself is the preprocessor's ``segment``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pybridge.image.digit_image import DigitImage


@dataclass(frozen=True)
class Segmentation:
    """The digits of one line, left to right, and the marks set aside.

    Attributes:
        digits: one ``DigitImage`` per digit, left to right.
        specks: components dropped as specks (area x 25 < the largest area).
        marks: groups dropped as marks (dots, dashes: less than half the tallest group's height).
    """

    digits: tuple[DigitImage, ...]
    specks: int
    marks: int
