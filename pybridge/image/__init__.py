"""Users' own digit images -> 28x28 uint8 MNIST-style inputs (the Python twin; spec: docs/preprocessing.md)."""

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
    SIZE,
    SPECK_RATIO,
)
from pybridge.image.digit_image import Box, DigitImage, Polarity
from pybridge.image.errors import ImageError, Reason
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
    "SIZE",
    "SPECK_RATIO",
    "Box",
    "DigitImage",
    "Format",
    "Header",
    "ImageError",
    "Mode",
    "Polarity",
    "Reason",
    "Segmentation",
    "area_resize",
    "decode_gray",
    "preprocess",
    "read_bytes",
    "read_header",
    "segment",
    "sniff",
]
