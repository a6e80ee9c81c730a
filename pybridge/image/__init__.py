"""Users' own digit images -> 28x28 uint8 MNIST-style inputs (the Python twin; spec: docs/preprocessing.md).

    >>> digit = preprocess("seven.png")            # Mode.MNIST: the digit, light on dark, 20 px box, centred
    >>> digit.pixels.shape, digit.pixels.dtype
    ((28, 28), dtype('uint8'))
    >>> [d.box for d in segment("2024.png").digits]   # one DigitImage per digit, left to right

One module per step, each the twin of one class of the Java package ``io.github.digitbridge.image`` (the table in
docs/preprocessing.md): ``containers`` (step 1), ``decoder`` (steps 2 and 3), ``components`` (step 6),
``area_filter`` (step 8), ``preprocessor`` (the entry points and steps 4 to 9), and the types ``image_format``,
``image_header``, ``digit_image``, ``segmentation``; ``constants`` holds the specification's constants. The error
type, ``ImageError`` with its ``ImageReason`` (the twin of ``ImageException``), lives with the other areas' in
``pybridge.errors`` and is exported here too. The constants exported here are bindings of their own: a test that
lowers a limit patches the module that reads it (``preprocessor``).
"""

from pybridge.errors import ImageError, ImageReason
from pybridge.image.area_filter import area_resize
from pybridge.image.constants import (
    BOX,
    CENTRE,
    INK_THRESHOLD,
    MARK_HEIGHT_RATIO,
    MAX_FILE_BYTES,
    MAX_INK_RUNS,
    MAX_PIXELS,
    MIN_CONTRAST,
    SEGMENT_INK_THRESHOLD,
    SIZE,
    SPECK_RATIO,
)
from pybridge.image.digit_image import Box, DigitImage, Polarity
from pybridge.image.image_format import Format, sniff
from pybridge.image.image_header import Header
from pybridge.image.preprocessor import (
    Mode,
    decode_gray,
    preprocess,
    read_bytes,
    read_header,
    segment,
)
from pybridge.image.segmentation import Segmentation

__all__ = [
    "BOX",
    "CENTRE",
    "INK_THRESHOLD",
    "MARK_HEIGHT_RATIO",
    "MAX_FILE_BYTES",
    "MAX_INK_RUNS",
    "MAX_PIXELS",
    "MIN_CONTRAST",
    "SEGMENT_INK_THRESHOLD",
    "SIZE",
    "SPECK_RATIO",
    "Box",
    "DigitImage",
    "Format",
    "Header",
    "ImageError",
    "ImageReason",
    "Mode",
    "Polarity",
    "Segmentation",
    "area_resize",
    "decode_gray",
    "preprocess",
    "read_bytes",
    "read_header",
    "segment",
    "sniff",
]
