"""docs/preprocessing.md, steps 2 and 3: Pillow decodes, then 8-bit gray (the twin of Java's ``Decoder``).

Samples are taken as stored (no colour management), composited on white and turned into integer luma; javax.imageio
reads the same samples in the Java twin.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from pybridge.image.constants import BLOCK_PIXELS
from pybridge.image.containers import Container
from pybridge.image.errors import ImageError, Reason
from pybridge.image.image_format import Format


def gray(data: bytes, name: str | Path, container: Container) -> np.ndarray:
    """Decode an image whose container was walked and turn it into 8-bit gray: alpha on white, then integer luma.

    Args:
        data: the file's bytes.
        name: how errors name the image.
        container: what ``containers.walk`` found in ``data``.

    Returns:
        uint8 [height, width].

    Raises:
        ImageError: CORRUPT (the decoder fails or disagrees with the walk on the size) or UNSUPPORTED.
    """
    header = container.header
    rgba = _decode_rgba(container.decoded or data, name, container)
    if rgba.shape[:2] != (header.height, header.width):
        raise ImageError(
            name,
            Reason.CORRUPT,
            f"expected {header.width} x {header.height} pixels, the decoder gave {rgba.shape[1]} x {rgba.shape[0]}",
        )
    out = np.empty(rgba.shape[:2], np.uint8)
    rows = max(1, BLOCK_PIXELS // header.width)  # int32 copies of a block, not of a 16-megapixel image
    for top in range(0, header.height, rows):
        block = rgba[top : top + rows].astype(np.int32)
        a = block[..., 3]
        # c' = (c*a + 255*(255-a) + 127) // 255: "over white" with round-half-up; exact for a = 0 and a = 255.
        white = 255 * (255 - a) + 127
        r, g, b = ((block[..., k] * a + white) // 255 for k in range(3))
        out[top : top + rows] = (299 * r + 587 * g + 114 * b + 500) // 1000
    return out


def _decode_rgba(data: bytes, name: str | Path, container: Container) -> np.ndarray:
    fmt = container.header.format
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about odd but readable files; the walk's checks decide
            with Image.open(io.BytesIO(data), formats=[fmt.value]) as im:
                im.load()
                if fmt is Format.GIF:
                    return _gif_canvas(im, container)
                return _to_rgba(im, name)
    except ImageError:
        raise
    # Pillow's plugins signal bad data with many types (OSError, SyntaxError, ValueError, struct.error, EOFError,
    # IndexError, KeyError, zlib.error...); after the walk has vouched for the structure, any of them means the
    # data is corrupt, and the command must report it, not crash.
    except Exception as exc:
        raise ImageError(name, Reason.CORRUPT, f"expected {fmt.value} data the decoder accepts, found: {exc}") from exc


def _to_rgba(im: Image.Image, name: str | Path) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit gray: the most significant byte, as Pillow does for 16-bit RGB(A) and as the Java twin does.
        gray = (np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8)
        return np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    if im.mode not in ("1", "L", "LA", "P", "PA", "RGB", "RGBA"):
        raise ImageError(
            name, Reason.UNSUPPORTED, f"expected a gray, palette or RGB image, found Pillow mode {im.mode}"
        )
    return np.asarray(im.convert("RGBA"))


def _gif_canvas(im: Image.Image, container: Container) -> np.ndarray:
    """The first frame on a transparent logical screen, clipped to it (docs/preprocessing.md, GIF).

    Indices are looked up here rather than by Pillow, with javax.imageio's rules for indices past the colour table:
    a pixel index keeps the low bits of the smallest 1-, 2-, 4- or 8-bit raster that holds the table, entries past
    the table are opaque black, and a transparent index past the raster's range means its last entry.
    """
    header, frame = container.header, container.frame
    assert frame is not None
    canvas = np.zeros((header.height, header.width, 4), np.uint8)
    x1, y1 = min(frame.x + frame.width, header.width), min(frame.y + frame.height, header.height)
    if frame.x >= x1 or frame.y >= y1:
        return canvas
    bits = next(b for b in (1, 2, 4, 8) if container.table <= 1 << b)
    index = np.asarray(im)[frame.y : y1, frame.x : x1] & ((1 << bits) - 1)
    lut = np.zeros((1 << bits, 4), np.uint8)
    lut[:, 3] = 255
    if im.mode == "P":
        palette = np.array(im.getpalette("RGB") or [], np.uint8).reshape(-1, 3)[: container.table]
    else:  # Pillow reads a GIF whose table is the gray ramp 0, 1, 2, ... as mode L: the index is the gray value
        palette = np.repeat(np.arange(container.table, dtype=np.uint8)[:, None], 3, axis=1)
    n = min(len(palette), 1 << bits)
    lut[:n, :3] = palette[:n]
    transparency = im.info.get("transparency")
    if isinstance(transparency, int):  # an index past the raster's range means its last entry
        lut[min(transparency, (1 << bits) - 1), 3] = 0
    canvas[frame.y : y1, frame.x : x1] = lut[index]
    return canvas
