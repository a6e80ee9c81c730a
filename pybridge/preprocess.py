"""Users' own digit images -> 28x28 uint8 MNIST-style inputs (the Python twin; spec: docs/preprocessing.md).

Decoding is Pillow's; everything after it (compositing, grayscale, polarity, contrast, components, the area
filter, centring) is integer arithmetic written out here and, step for step, in the Java package
``io.github.digitbridge.image``, so both give the same bytes for the same decoded pixels.

    >>> digit = preprocess("seven.png")            # Mode.MNIST: the digit, light on dark, 20 px box, centred
    >>> digit.pixels.shape, digit.pixels.dtype
    ((28, 28), dtype('uint8'))
    >>> [d.box for d in segment("2024.png").digits]   # one DigitImage per digit, left to right
"""

from __future__ import annotations

import enum
import io
import os
import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pybridge.errors import ImageError, ImageReason

# ---- the constants of the specification (docs/preprocessing.md, "Constants") ---------------------------------
SIZE = 28  # output side
BOX = 20  # the longer side of the digit after scaling
CENTRE = 14  # where the centre of mass goes (pixel index, both axes), as in MNIST
MAX_PIXELS = 1 << 24  # width x height above this is refused before decoding (16,777,216: 4096 x 4096)
MAX_FILE_BYTES = 1 << 28  # 256 MiB: files larger than this are refused before they are read
MAX_INK_RUNS = 1 << 16  # ink runs (row stretches of ink) above this are refused before components are formed
INK_THRESHOLD = 128  # a pixel is ink when its stretched value is at least this
MIN_CONTRAST = 32  # brightest minus background below this: no digit found
SPECK_RATIO = 25  # a component with area * SPECK_RATIO < the largest component's area is a speck
MARK_HEIGHT_RATIO = 2  # segmentation: a group with height * 2 < the tallest group's height is a mark, not a digit


class Mode(enum.Enum):
    """What ``preprocess`` does after decoding."""

    MNIST = "mnist"  # polarity, contrast, crop to the ink, 20 px box, centre of mass in 28x28
    RAW = "raw"  # only resize the whole grayscale image to 28x28 (the tutorial's load_image, with the area filter)


class Format(enum.Enum):
    """The containers we decode, recognised by their first bytes (never by the file name)."""

    PNG = "PNG"
    JPEG = "JPEG"
    GIF = "GIF"
    BMP = "BMP"


class Polarity(enum.Enum):
    """What the polarity test found."""

    DARK_ON_LIGHT = "dark-on-light"  # inverted
    LIGHT_ON_DARK = "light-on-dark"  # kept
    NOT_TESTED = "not-tested"  # raw mode


@dataclass(frozen=True)
class Header:
    """What the container says before any pixel is decoded."""

    format: Format
    width: int
    height: int


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


# ---- 1. reading the file and walking the container -----------------------------------------------------------


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, after the checks that need no decoding (empty, signature, file size).

    Never more than ``MAX_FILE_BYTES`` + 1 bytes are read: a device or pipe reports no size (``/dev/zero``, a
    process substitution), so its bytes are counted as they come instead.

    Raises:
        ImageError: IO, EMPTY_FILE, NOT_AN_IMAGE or TOO_LARGE.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            sniff(head, path)
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise ImageError(
                    ImageReason.TOO_LARGE, path, f"expected a file of at most {MAX_FILE_BYTES} bytes, found {size}"
                )
            data = head + f.read(MAX_FILE_BYTES + 1 - len(head))
            if len(data) > MAX_FILE_BYTES:
                raise ImageError(
                    ImageReason.TOO_LARGE, path, f"expected a file of at most {MAX_FILE_BYTES} bytes, found more"
                )
            return data
    except IsADirectoryError as exc:
        raise ImageError(ImageReason.IO, path, "expected a file, found a directory") from exc
    except OSError as exc:
        raise ImageError(ImageReason.IO, path, f"expected a readable file, found: {exc.strerror or exc}") from exc


def sniff(data: bytes, name: str | Path = "<bytes>") -> Format:
    """The format from the first bytes.

    Raises:
        ImageError: EMPTY_FILE for no bytes, NOT_AN_IMAGE for any other start.
    """
    if not data:
        raise ImageError(ImageReason.EMPTY_FILE, name, "expected an image, found an empty file (0 bytes)")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Format.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return Format.JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return Format.GIF
    if data.startswith(b"BM"):
        return Format.BMP
    raise ImageError(
        ImageReason.NOT_AN_IMAGE,
        name,
        f"expected a PNG, JPEG, GIF or BMP signature, found bytes {data[:8].hex(' ')}",
    )


@dataclass(frozen=True)
class _Container:
    header: Header
    frame: Box | None = None  # GIF: the first image's rectangle on the logical screen
    table: int = 0  # GIF: entries in the first frame's colour table (local, else global)
    decoded: bytes | None = None  # PNG: what the decoder reads when chunks were dropped (else the file itself)


class _Walk:
    """Bounds-checked reads over the file's bytes: running out is TRUNCATED, naming what was expected."""

    def __init__(self, data: bytes, name: str | Path):
        self.data, self.name = data, name

    def need(self, pos: int, count: int, what: str) -> None:
        if pos + count > len(self.data):
            found = max(0, len(self.data) - pos)
            raise ImageError(
                ImageReason.TRUNCATED, self.name, f"expected {what} ({count} bytes at byte {pos}), found {found} bytes"
            )

    def u8(self, pos: int, what: str) -> int:
        self.need(pos, 1, what)
        return self.data[pos]

    def fail(self, reason: ImageReason, detail: str) -> ImageError:
        return ImageError(reason, self.name, detail)


def _check_size(walk: _Walk, fmt: Format, width: int, height: int) -> Header:
    if width < 1 or height < 1:
        raise walk.fail(
            ImageReason.CORRUPT, f"expected a {fmt.value} of at least 1 x 1 pixels, found {width} x {height}"
        )
    if width * height > MAX_PIXELS:
        raise walk.fail(
            ImageReason.TOO_LARGE,
            f"expected at most {MAX_PIXELS} pixels, found {width} x {height} = {width * height}",
        )
    return Header(fmt, width, height)


# The chunks the decoders see. Every other chunk is checked (length, CRC) and dropped: text and ICC profiles are
# ignored anyway (docs/preprocessing.md, step 2), and a compressed one (zTXt, iTXt, iCCP) would otherwise be
# inflated by the decoders without bound (javax.imageio) or refused at a limit of their own (Pillow).
_PNG_DECODED = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def _walk_png(w: _Walk) -> _Container:
    data, pos, header, idat = w.data, 8, None, False
    dropped: list[tuple[int, int]] = []  # (start, end) of the chunks the decoder will not see
    while True:
        w.need(pos, 8, "a chunk header (the file ends before IEND)")
        length, kind = struct.unpack_from(">I4s", data, pos)
        name = kind.decode("latin-1")
        if length > 0x7FFFFFFF:
            raise w.fail(ImageReason.CORRUPT, f"expected a chunk length below 2^31, found {length} for {name!r}")
        w.need(pos + 8, length + 4, f"the {name} chunk's data and CRC")
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        if zlib.crc32(memoryview(data)[pos + 4 : pos + 8 + length]) != crc:
            raise w.fail(
                ImageReason.CORRUPT, f"expected the CRC of the {name} chunk at byte {pos} to match, found it does not"
            )
        if header is None:
            if kind != b"IHDR" or length != 13:
                raise w.fail(ImageReason.CORRUPT, f"expected IHDR of 13 bytes first, found {name!r} of {length} bytes")
            width, height = struct.unpack_from(">II", data, pos + 8)
            header = _check_size(w, Format.PNG, width, height)
        elif kind == b"IDAT":
            idat = True
        elif kind == b"IEND":
            if not idat:
                raise w.fail(ImageReason.CORRUPT, "expected an IDAT chunk before IEND, found none")
            return _Container(header, decoded=_without(data, dropped, pos + 12) if dropped else None)
        elif kind not in _PNG_DECODED:
            dropped.append((pos, pos + 12 + length))
        pos += 12 + length


def _without(data: bytes, dropped: list[tuple[int, int]], end: int) -> bytes:
    """The bytes up to ``end`` without the dropped ranges."""
    kept, at = [], 0
    for start, stop in dropped:
        kept.append(data[at:start])
        at = stop
    kept.append(data[at:end])
    return b"".join(kept)


_SOF_SUPPORTED = {0xC0: "baseline", 0xC1: "extended sequential", 0xC2: "progressive"}
_SOF_ALL = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _walk_jpeg(w: _Walk) -> _Container:
    data, pos, header, scanned = w.data, 2, None, False
    while True:
        if w.u8(pos, "a marker") != 0xFF:
            raise w.fail(ImageReason.CORRUPT, f"expected a marker (FF) at byte {pos}, found {data[pos]:02X}")
        while w.u8(pos, "a marker") == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            if not scanned:
                raise w.fail(ImageReason.CORRUPT, "expected a scan (SOS) before the end of image, found none")
            return _Container(header, None)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            continue
        if marker == 0x00 or marker == 0xD8:
            raise w.fail(ImageReason.CORRUPT, f"expected a segment marker at byte {pos - 1}, found FF {marker:02X}")
        w.need(pos, 2, f"the length of segment FF {marker:02X}")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise w.fail(ImageReason.CORRUPT, f"expected a segment length of at least 2, found {length}")
        w.need(pos, length, f"segment FF {marker:02X}")
        if marker in _SOF_ALL and header is None:
            if length < 8:
                raise w.fail(ImageReason.CORRUPT, f"expected a frame header of at least 8 bytes, found {length}")
            precision, height, width, components = struct.unpack_from(">BHHB", data, pos + 2)
            if height == 0:
                raise w.fail(ImageReason.UNSUPPORTED, "expected the height in the frame header, found 0 (DNL marker)")
            header = _check_size(w, Format.JPEG, width, height)
            if marker not in _SOF_SUPPORTED:
                raise w.fail(
                    ImageReason.UNSUPPORTED,
                    f"expected a baseline, extended or progressive Huffman JPEG, found frame type FF {marker:02X}",
                )
            if precision != 8 or components not in (1, 3):
                raise w.fail(
                    ImageReason.UNSUPPORTED,
                    f"expected 8-bit samples with 1 or 3 components, found {precision}-bit, {components} components",
                )
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data follows, up to the next marker that is not RSTn
            if header is None:
                raise w.fail(ImageReason.CORRUPT, "expected a frame header (SOF) before the first scan, found none")
            scanned = True
            while True:
                ff = data.find(b"\xff", pos)
                if ff < 0 or ff + 1 >= len(data):
                    raise w.fail(ImageReason.TRUNCATED, "expected the end-of-image marker (FF D9), found the file ends")
                following = data[ff + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos = ff + 2
                elif following == 0xFF:
                    pos = ff + 1
                else:
                    pos = ff
                    break


def _walk_gif(w: _Walk) -> _Container:
    data = w.data
    w.need(6, 7, "the logical screen descriptor")
    width, height, packed = struct.unpack_from("<HHB", data, 6)
    header = _check_size(w, Format.GIF, width, height)
    pos = 13
    has_palette = bool(packed & 0x80)
    if has_palette:
        pos += 3 << ((packed & 7) + 1)
        w.need(0, pos, "the global colour table")
    while True:
        block = w.u8(pos, "a block (the file ends before the first image)")
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(w, pos + 2)
        elif block == 0x2C:  # image descriptor: the first frame
            w.need(pos + 1, 9, "the image descriptor")
            left, top, fw, fh, fpacked = struct.unpack_from("<HHHHB", data, pos + 1)
            if fw < 1 or fh < 1:
                raise w.fail(ImageReason.CORRUPT, f"expected a first frame of at least 1 x 1 pixels, found {fw} x {fh}")
            if fw * fh > MAX_PIXELS:
                raise w.fail(
                    ImageReason.TOO_LARGE, f"expected at most {MAX_PIXELS} pixels, found a {fw} x {fh} first frame"
                )
            pos += 10
            if fpacked & 0x80:
                pos += 3 << ((fpacked & 7) + 1)
                w.need(0, pos, "the local colour table")
            elif not has_palette:
                raise w.fail(ImageReason.UNSUPPORTED, "expected a global or local colour table, found neither")
            code_size = w.u8(pos, "the LZW minimum code size")
            _, stream = _sub_blocks(w, pos + 1)
            _check_lzw(w, stream, code_size, fw * fh)
            table = 2 << ((fpacked if fpacked & 0x80 else packed) & 7)
            return _Container(header, Box(left, top, fw, fh), table)
        elif block == 0x3B:
            raise w.fail(ImageReason.CORRUPT, "expected an image before the GIF trailer, found none")
        else:
            raise w.fail(ImageReason.CORRUPT, f"expected a GIF block (21, 2C or 3B) at byte {pos}, found {block:02X}")


def _skip_sub_blocks(w: _Walk, pos: int) -> int:
    return _sub_blocks(w, pos)[0]


def _sub_blocks(w: _Walk, pos: int) -> tuple[int, bytes]:
    """The position after a run of data sub-blocks, and their data joined."""
    parts = []
    while True:
        size = w.u8(pos, "a data sub-block")
        pos += 1
        if size == 0:
            return pos, b"".join(parts)
        w.need(pos, size, "a data sub-block")
        parts.append(w.data[pos : pos + size])
        pos += size


def _check_lzw(w: _Walk, stream: bytes, code_size: int, pixels: int) -> None:
    """Follow the first frame's LZW codes (lengths only) until they yield `pixels` values; every code must be defined.

    Decoders differ on broken streams (Pillow refuses, javax.imageio fills in), so the walk decides for both.
    """
    if not 2 <= code_size <= 8:
        raise w.fail(ImageReason.CORRUPT, f"expected an LZW minimum code size of 2 to 8, found {code_size}")
    clear, end = 1 << code_size, (1 << code_size) + 1
    lengths = [1] * (clear + 2) + [0] * (4096 - clear - 2)  # the length of each code's string
    width, next_code, previous = code_size + 1, clear + 2, -1
    bits = count = produced = position = 0
    while True:
        while count < width and position < len(stream):
            bits |= stream[position] << count
            count += 8
            position += 1
        if count < width:
            break  # the data ends without an end code
        code = bits & ((1 << width) - 1)
        bits >>= width
        count -= width
        if code == clear:
            width, next_code, previous = code_size + 1, clear + 2, -1
            continue
        if code == end:
            break
        if code < clear or (previous >= 0 and code < next_code):
            length = lengths[code]
        elif previous >= 0 and code == next_code:
            length = lengths[previous] + 1
        else:
            raise w.fail(
                ImageReason.CORRUPT,
                f"expected LZW codes defined so far (below {next_code}), found {code} after {produced} pixels",
            )
        if previous >= 0 and next_code < 4096:
            lengths[next_code] = lengths[previous] + 1
            next_code += 1
            if next_code == 1 << width and width < 12:
                width += 1
        produced += length
        if produced >= pixels:
            return  # the frame is complete: decoders read no further, so neither does the check
        previous = code
    if produced < pixels:
        raise w.fail(ImageReason.CORRUPT, f"expected {pixels} pixels from the LZW data, found {produced}")


_BMP_HEADERS = (12, 40, 52, 56, 108, 124)
_BMP_KINDS = {0: (1, 4, 8, 16, 24, 32), 1: (8,), 2: (4,), 3: (16, 32)}


def _walk_bmp(w: _Walk) -> _Container:
    data = w.data
    w.need(0, 18, "the BMP file header and DIB header size")
    (offset,) = struct.unpack_from("<I", data, 10)
    (dib,) = struct.unpack_from("<I", data, 14)
    if dib not in _BMP_HEADERS:
        raise w.fail(ImageReason.UNSUPPORTED, f"expected a DIB header of {list(_BMP_HEADERS)} bytes, found {dib}")
    w.need(14, dib, "the DIB header")
    if dib == 12:
        width, height, _, bits = struct.unpack_from("<HHHH", data, 18)
        compression = 0
    else:
        width, height, _, bits, compression = struct.unpack_from("<iiHHI", data, 18)
    if compression in (1, 2) and height < 0:
        raise w.fail(ImageReason.CORRUPT, "expected a bottom-up (positive height) RLE bitmap, found a negative height")
    header = _check_size(w, Format.BMP, width, abs(height))
    if bits not in _BMP_KINDS.get(compression, ()):
        raise w.fail(
            ImageReason.UNSUPPORTED,
            f"expected an uncompressed, RLE or bit-field bitmap of a usual depth, found compression {compression} "
            f"with {bits} bits per pixel",
        )
    if dib >= 40 and bits <= 8:
        (colours,) = struct.unpack_from("<I", data, 46)
        if colours > 1 << bits:
            raise w.fail(ImageReason.CORRUPT, f"expected at most {1 << bits} palette colours, found {colours}")
    if offset < 14 + dib:
        raise w.fail(ImageReason.CORRUPT, f"expected the pixel data after byte {14 + dib}, found offset {offset}")
    if compression in (0, 3):
        stride = (width * bits + 31) // 32 * 4
        w.need(offset, stride * abs(height), "the pixel rows")
    else:
        (size_image,) = struct.unpack_from("<I", data, 34)
        w.need(offset, max(1, size_image), "the compressed pixel data")
    return _Container(header, None)


_WALKS = {Format.PNG: _walk_png, Format.JPEG: _walk_jpeg, Format.GIF: _walk_gif, Format.BMP: _walk_bmp}


def read_header(data: bytes, name: str | Path = "<bytes>") -> Header:
    """Check the container's structure (without decoding pixels) and return its format and size.

    Raises:
        ImageError: EMPTY_FILE, NOT_AN_IMAGE, TRUNCATED, CORRUPT, TOO_LARGE or UNSUPPORTED.
    """
    return _container(data, name).header


def _container(data: bytes, name: str | Path) -> _Container:
    return _WALKS[sniff(data, name)](_Walk(data, name))


# ---- 2. decoding to grayscale ---------------------------------------------------------------------------------


def decode_gray(data: bytes, name: str | Path = "<bytes>") -> tuple[Header, np.ndarray]:
    """Decode an image and turn it into 8-bit gray: alpha composited on white, then integer luma.

    Returns:
        The header and a uint8 [height, width] array.

    Raises:
        ImageError: any reason but IO and NO_INK.
    """
    container = _container(data, name)
    header = container.header
    rgba = _decode_rgba(container.decoded or data, name, container)
    if rgba.shape[:2] != (header.height, header.width):
        raise ImageError(
            ImageReason.CORRUPT,
            name,
            f"expected {header.width} x {header.height} pixels, the decoder gave {rgba.shape[1]} x {rgba.shape[0]}",
        )
    gray = np.empty(rgba.shape[:2], np.uint8)
    rows = max(1, _BLOCK_PIXELS // header.width)  # int32 copies of a block, not of a 16-megapixel image
    for top in range(0, header.height, rows):
        block = rgba[top : top + rows].astype(np.int32)
        a = block[..., 3]
        # c' = (c*a + 255*(255-a) + 127) // 255: "over white" with round-half-up; exact for a = 0 and a = 255.
        white = 255 * (255 - a) + 127
        r, g, b = ((block[..., k] * a + white) // 255 for k in range(3))
        gray[top : top + rows] = (299 * r + 587 * g + 114 * b + 500) // 1000
    return header, gray


def _decode_rgba(data: bytes, name: str | Path, container: _Container) -> np.ndarray:
    fmt = container.header.format
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about odd but readable files; the checks above decide
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
        raise ImageError(
            ImageReason.CORRUPT, name, f"expected {fmt.value} data the decoder accepts, found: {exc}"
        ) from exc


def _to_rgba(im: Image.Image, name: str | Path) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit gray: the most significant byte, as Pillow does for 16-bit RGB(A) and as the Java twin does.
        gray = (np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8)
        return np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    if im.mode not in ("1", "L", "LA", "P", "PA", "RGB", "RGBA"):
        raise ImageError(
            ImageReason.UNSUPPORTED, name, f"expected a gray, palette or RGB image, found Pillow mode {im.mode}"
        )
    return np.asarray(im.convert("RGBA"))


def _gif_canvas(im: Image.Image, container: _Container) -> np.ndarray:
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


# ---- 3. the integer steps -------------------------------------------------------------------------------------


def _lower_median(values: np.ndarray) -> int:
    counts = np.cumsum(np.bincount(values.ravel(), minlength=256))
    return int(np.searchsorted(counts, (values.size - 1) // 2 + 1))


def _border(gray: np.ndarray) -> np.ndarray:
    h, w = gray.shape
    if h <= 2 or w <= 2:
        return gray.ravel()
    return np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])


@dataclass(frozen=True)
class _Normalized:
    header: Header
    values: np.ndarray  # uint8 [h, w]: stretched, light on dark
    polarity: Polarity
    background: int
    ink_max: int


def _normalize(header: Header, gray: np.ndarray, name: str | Path) -> _Normalized:
    border_median = _lower_median(_border(gray))
    # Inverted when the border's median is brighter than the mean of the whole image (exact integer test).
    inverted = border_median * gray.size > int(gray.sum(dtype=np.int64))
    v = 255 - gray if inverted else gray
    background = _lower_median(_border(v))
    ink_max = int(v.max())
    if ink_max - background < MIN_CONTRAST:
        raise ImageError(
            ImageReason.NO_INK,
            name,
            f"no digit found: expected ink at least {MIN_CONTRAST} levels brighter than the background "
            f"{background}, found at most {ink_max - background}",
        )
    span = ink_max - background
    d = v.astype(np.int32) - background
    stretched = np.where(d > 0, (d * 255 + span // 2) // span, 0).astype(np.uint8)
    polarity = Polarity.DARK_ON_LIGHT if inverted else Polarity.LIGHT_ON_DARK
    return _Normalized(header, stretched, polarity, background, ink_max)


@dataclass(eq=False, slots=True)  # identity, not field equality; slots: there may be MAX_INK_RUNS of them
class _Component:
    first: tuple[int, int]  # (y, x) of its first pixel in row-major order
    x0: int
    y0: int
    x1: int  # inclusive
    y1: int  # inclusive
    area: int
    runs: list[tuple[int, int, int]]  # (y, start, end exclusive)


def components(mask: np.ndarray) -> list[_Component]:
    """8-connected components of a boolean image, ordered by their first pixel in row-major order."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    ys, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    n = len(ys)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    row_first = np.searchsorted(ys, np.arange(h + 1))
    rows = np.unique(ys)
    for y in rows[1:][np.isin(rows[1:] - 1, rows)].tolist():  # only rows that, like the row above, hold runs
        a, a_end = int(row_first[y - 1]), int(row_first[y])
        b, b_end = int(row_first[y]), int(row_first[y + 1])
        while a < a_end and b < b_end:
            # runs [s, e) touch 8-connectedly across rows when s_a <= e_b and s_b <= e_a
            if starts[a] <= ends[b] and starts[b] <= ends[a]:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
            if ends[a] < ends[b]:
                a += 1
            else:
                b += 1
    found: dict[int, _Component] = {}
    for i in range(n):
        y, s, e = int(ys[i]), int(starts[i]), int(ends[i])
        c = found.get(find(i))
        if c is None:
            found[find(i)] = _Component((y, s), s, y, e - 1, y, e - s, [(y, s, e)])
        else:
            c.x0, c.x1, c.y1 = min(c.x0, s), max(c.x1, e - 1), y
            c.area += e - s
            c.runs.append((y, s, e))
    return list(found.values())  # roots are each component's first run, visited in row-major order


def _ink_components(norm: _Normalized, name: str | Path) -> list[_Component]:
    """The components of the ink, after checking the number of runs that would form them (MAX_INK_RUNS)."""
    mask = norm.values >= INK_THRESHOLD
    runs = int(np.count_nonzero(mask[:, 0])) + int(np.count_nonzero(mask[:, 1:] & ~mask[:, :-1]))
    if runs > MAX_INK_RUNS:
        raise ImageError(
            ImageReason.TOO_LARGE,
            name,
            f"expected at most {MAX_INK_RUNS} ink runs (row stretches of ink), found {runs}: too many separate "
            "marks to be digits",
        )
    return components(mask)


def _keep(comps: list[_Component]) -> tuple[list[_Component], int]:
    largest = max(c.area for c in comps)
    kept = [c for c in comps if c.area * SPECK_RATIO >= largest]
    return kept, len(comps) - len(kept)


def area_resize(values: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    """Resample uint8 [h, w] to [out_h, out_w] by exact area averaging, rounded half up.

    On an axis scaled by w * out_w, output column j covers [j*w, (j+1)*w) and input column c covers
    [c*out_w, (c+1)*out_w); an input column's weight is the integer length of the overlap (rows likewise). The
    weighted sum is divided by w*h once: (2*sum + w*h) // (2*w*h).
    """
    h, w = values.shape
    sums = np.zeros((out_h, out_w), np.int64)
    cuts = np.arange(out_w + 1, dtype=np.int64) * w  # output column boundaries on the scaled axis
    k, frac = cuts // out_w, cuts % out_w
    rows = max(1, min(_BLOCK_ROWS, _BLOCK_PIXELS // w))  # bounds the int64 copies of a large image
    for top in range(0, h, rows):
        block = values[top : top + rows].astype(np.int64)
        # prefix integral of each row at the cuts: out_w * (sum of whole columns before) + frac * the next one
        prefix = np.zeros((len(block), w + 1), np.int64)
        np.cumsum(block, axis=1, out=prefix[:, 1:])
        padded = np.zeros((len(block), w + 1), np.int64)
        padded[:, :w] = block
        at_cuts = out_w * prefix[:, k] + frac * padded[:, k]
        horizontal = np.diff(at_cuts, axis=1)  # [rows, out_w], each at most 255 * w
        sums += _overlaps(h, out_h, top, top + len(block)) @ horizontal
    area = w * h
    return ((2 * sums + area) // (2 * area)).astype(np.uint8)


_BLOCK_ROWS = 1 << 12
_BLOCK_PIXELS = 1 << 20


def _overlaps(n: int, out: int, lo: int, hi: int) -> np.ndarray:
    """Integer overlap of output cells [i*n, (i+1)*n) with input cells c*out.. for c in [lo, hi): [out, hi-lo]."""
    i = np.arange(out, dtype=np.int64)[:, None]
    c = np.arange(lo, hi, dtype=np.int64)[None, :]
    return np.maximum(np.minimum((i + 1) * n, (c + 1) * out) - np.maximum(i * n, c * out), 0)


def _place(norm: _Normalized, box: Box, crop: np.ndarray) -> DigitImage:
    """Scale the crop (uint8 [box.height, box.width]) into the 20 px box and centre it by mass in 28x28."""
    w, h = box.width, box.height
    if w >= h:
        sw, sh = BOX, max(1, (2 * BOX * h + w) // (2 * w))
    else:
        sw, sh = max(1, (2 * BOX * w + h) // (2 * h)), BOX
    small = area_resize(crop, sw, sh).astype(np.int64)
    total = int(small.sum())
    if total == 0:
        ox, oy = (SIZE - sw) // 2, (SIZE - sh) // 2
    else:
        sx = int((small.sum(axis=0) * np.arange(sw)).sum())
        sy = int((small.sum(axis=1) * np.arange(sh)).sum())
        # round half up of CENTRE - (centre of mass), then kept inside the field
        ox = min(max((2 * CENTRE * total + total - 2 * sx) // (2 * total), 0), SIZE - sw)
        oy = min(max((2 * CENTRE * total + total - 2 * sy) // (2 * total), 0), SIZE - sh)
    out = np.zeros((SIZE, SIZE), np.uint8)
    out[oy : oy + sh, ox : ox + sw] = small
    out.flags.writeable = False
    return DigitImage(
        out, Mode.MNIST, norm.header, norm.polarity, norm.background, norm.ink_max, box, (sw, sh), (ox, oy)
    )


def _digit(norm: _Normalized, group: list[_Component]) -> DigitImage:
    x0, y0 = min(c.x0 for c in group), min(c.y0 for c in group)
    x1, y1 = max(c.x1 for c in group), max(c.y1 for c in group)
    crop = norm.values[y0 : y1 + 1, x0 : x1 + 1].copy()
    # Ink in the box that is not the group's belongs to other components (specks, other digits) and is cleared.
    # Found from the group's own runs, not by visiting the others: the work is the box and the group, so a line
    # of many digits costs the sum of their boxes, not digits x components.
    own = np.zeros(crop.shape, bool)
    for c in group:
        for y, s, e in c.runs:
            own[y - y0, s - x0 : e - x0] = True
    crop[(crop >= INK_THRESHOLD) & ~own] = 0
    return _place(norm, Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1), crop)


def _load(source: str | Path | bytes, name: str | Path | None) -> tuple[bytes, str | Path]:
    if isinstance(source, bytes | bytearray):
        label = name if name is not None else f"<{len(source)} bytes>"
        data = bytes(source)
        sniff(data, label)
        if len(data) > MAX_FILE_BYTES:
            raise ImageError(
                ImageReason.TOO_LARGE, label, f"expected at most {MAX_FILE_BYTES} bytes, found {len(data)}"
            )
        return data, label
    return read_bytes(source), (name if name is not None else source)


def preprocess(source: str | Path | bytes, mode: Mode = Mode.MNIST, *, name: str | Path | None = None) -> DigitImage:
    """One image -> one 28x28 model input.

    Args:
        source: a file path, or the file's bytes.
        mode: ``Mode.MNIST`` (the digit, as MNIST draws digits) or ``Mode.RAW`` (only resized).
        name: how errors name the source (default: the path, or ``<N bytes>``).

    Raises:
        ImageError: with an ``ImageReason``; NO_INK means no digit was found (mnist mode only).
    """
    data, label = _load(source, name)
    header, gray = decode_gray(data, label)
    if mode is Mode.RAW:
        out = area_resize(gray, SIZE, SIZE)
        out.flags.writeable = False
        whole = Box(0, 0, header.width, header.height)
        return DigitImage(out, mode, header, Polarity.NOT_TESTED, 0, 255, whole, (SIZE, SIZE), (0, 0))
    norm = _normalize(header, gray, label)
    kept, _ = _keep(_ink_components(norm, label))
    return _digit(norm, kept)


def segment(source: str | Path | bytes, *, name: str | Path | None = None) -> Segmentation:
    """A line of digits -> one 28x28 input per digit, left to right (mnist mode for each).

    Components (8-connected ink) are taken left to right; one whose columns overlap the previous group's by at
    least half the narrower width joins it (dots, broken strokes), specks and marks are dropped.

    Raises:
        ImageError: as ``preprocess``.
    """
    data, label = _load(source, name)
    header, gray = decode_gray(data, label)
    norm = _normalize(header, gray, label)
    kept, specks = _keep(_ink_components(norm, label))
    groups: list[list[_Component]] = []
    extent = (0, 0)
    for c in sorted(kept, key=lambda c: (c.x0, c.first)):
        if groups:
            overlap = min(extent[1], c.x1) - max(extent[0], c.x0) + 1
            narrower = min(extent[1] - extent[0] + 1, c.x1 - c.x0 + 1)
            if overlap > 0 and 2 * overlap >= narrower:
                groups[-1].append(c)
                extent = (min(extent[0], c.x0), max(extent[1], c.x1))
                continue
        groups.append([c])
        extent = (c.x0, c.x1)
    heights = [max(c.y1 for c in g) - min(c.y0 for c in g) + 1 for g in groups]
    tallest = max(heights)
    digits = [g for g, hg in zip(groups, heights, strict=True) if hg * MARK_HEIGHT_RATIO >= tallest]
    result = tuple(_digit(norm, g) for g in digits)
    return Segmentation(result, specks, len(groups) - len(digits))
