"""The container walks of docs/preprocessing.md, step 1: the twin of Java's ``Containers``.

The structure of a PNG, JPEG, GIF or BMP is checked from its bytes before anything is decoded, so that a truncated
or lying file gets the same reason code here and in Java whatever the decoders would make of it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from pybridge.image.constants import MAX_PIXELS
from pybridge.image.digit_image import Box
from pybridge.image.errors import ImageError, Reason
from pybridge.image.image_format import Format, sniff
from pybridge.image.image_header import Header


@dataclass(frozen=True)
class Container:
    """What the walk found: the header, and what decoding needs from the structure."""

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
                self.name, Reason.TRUNCATED, f"expected {what} ({count} bytes at byte {pos}), found {found} bytes"
            )

    def u8(self, pos: int, what: str) -> int:
        self.need(pos, 1, what)
        return self.data[pos]

    def fail(self, reason: Reason, detail: str) -> ImageError:
        return ImageError(self.name, reason, detail)


def _check_size(walk: _Walk, fmt: Format, width: int, height: int) -> Header:
    if width < 1 or height < 1:
        raise walk.fail(Reason.CORRUPT, f"expected a {fmt.value} of at least 1 x 1 pixels, found {width} x {height}")
    if width * height > MAX_PIXELS:
        raise walk.fail(
            Reason.TOO_LARGE,
            f"expected at most {MAX_PIXELS} pixels, found {width} x {height} = {width * height}",
        )
    return Header(fmt, width, height)


# The chunks the decoders see. Every other chunk is checked (length, CRC) and dropped: text and ICC profiles are
# ignored anyway (docs/preprocessing.md, step 2), and a compressed one (zTXt, iTXt, iCCP) would otherwise be
# inflated by the decoders without bound (javax.imageio) or refused at a limit of their own (Pillow).
_PNG_DECODED = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def _walk_png(w: _Walk) -> Container:
    data, pos, header, idat = w.data, 8, None, False
    dropped: list[tuple[int, int]] = []  # (start, end) of the chunks the decoder will not see
    while True:
        w.need(pos, 8, "a chunk header (the file ends before IEND)")
        length, kind = struct.unpack_from(">I4s", data, pos)
        name = kind.decode("latin-1")
        if length > 0x7FFFFFFF:
            raise w.fail(Reason.CORRUPT, f"expected a chunk length below 2^31, found {length} for {name!r}")
        w.need(pos + 8, length + 4, f"the {name} chunk's data and CRC")
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        if zlib.crc32(memoryview(data)[pos + 4 : pos + 8 + length]) != crc:
            raise w.fail(
                Reason.CORRUPT, f"expected the CRC of the {name} chunk at byte {pos} to match, found it does not"
            )
        if header is None:
            if kind != b"IHDR" or length != 13:
                raise w.fail(Reason.CORRUPT, f"expected IHDR of 13 bytes first, found {name!r} of {length} bytes")
            width, height = struct.unpack_from(">II", data, pos + 8)
            header = _check_size(w, Format.PNG, width, height)
        elif kind == b"IDAT":
            idat = True
        elif kind == b"IEND":
            if not idat:
                raise w.fail(Reason.CORRUPT, "expected an IDAT chunk before IEND, found none")
            return Container(header, decoded=_without(data, dropped, pos + 12) if dropped else None)
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


def _walk_jpeg(w: _Walk) -> Container:
    data, pos, header, scanned = w.data, 2, None, False
    while True:
        if w.u8(pos, "a marker") != 0xFF:
            raise w.fail(Reason.CORRUPT, f"expected a marker (FF) at byte {pos}, found {data[pos]:02X}")
        while w.u8(pos, "a marker") == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            if not scanned:
                raise w.fail(Reason.CORRUPT, "expected a scan (SOS) before the end of image, found none")
            return Container(header, None)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            continue
        if marker == 0x00 or marker == 0xD8:
            raise w.fail(Reason.CORRUPT, f"expected a segment marker at byte {pos - 1}, found FF {marker:02X}")
        w.need(pos, 2, f"the length of segment FF {marker:02X}")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise w.fail(Reason.CORRUPT, f"expected a segment length of at least 2, found {length}")
        w.need(pos, length, f"segment FF {marker:02X}")
        if marker in _SOF_ALL and header is None:
            if length < 8:
                raise w.fail(Reason.CORRUPT, f"expected a frame header of at least 8 bytes, found {length}")
            precision, height, width, components = struct.unpack_from(">BHHB", data, pos + 2)
            if height == 0:
                raise w.fail(Reason.UNSUPPORTED, "expected the height in the frame header, found 0 (DNL marker)")
            header = _check_size(w, Format.JPEG, width, height)
            if marker not in _SOF_SUPPORTED:
                raise w.fail(
                    Reason.UNSUPPORTED,
                    f"expected a baseline, extended or progressive Huffman JPEG, found frame type FF {marker:02X}",
                )
            if precision != 8 or components not in (1, 3):
                raise w.fail(
                    Reason.UNSUPPORTED,
                    f"expected 8-bit samples with 1 or 3 components, found {precision}-bit, {components} components",
                )
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data follows, up to the next marker that is not RSTn
            if header is None:
                raise w.fail(Reason.CORRUPT, "expected a frame header (SOF) before the first scan, found none")
            scanned = True
            while True:
                ff = data.find(b"\xff", pos)
                if ff < 0 or ff + 1 >= len(data):
                    raise w.fail(Reason.TRUNCATED, "expected the end-of-image marker (FF D9), found the file ends")
                following = data[ff + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos = ff + 2
                elif following == 0xFF:
                    pos = ff + 1
                else:
                    pos = ff
                    break


def _walk_gif(w: _Walk) -> Container:
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
                raise w.fail(Reason.CORRUPT, f"expected a first frame of at least 1 x 1 pixels, found {fw} x {fh}")
            if fw * fh > MAX_PIXELS:
                raise w.fail(Reason.TOO_LARGE, f"expected at most {MAX_PIXELS} pixels, found a {fw} x {fh} first frame")
            pos += 10
            if fpacked & 0x80:
                pos += 3 << ((fpacked & 7) + 1)
                w.need(0, pos, "the local colour table")
            elif not has_palette:
                raise w.fail(Reason.UNSUPPORTED, "expected a global or local colour table, found neither")
            code_size = w.u8(pos, "the LZW minimum code size")
            _, stream = _sub_blocks(w, pos + 1)
            _check_lzw(w, stream, code_size, fw * fh)
            table = 2 << ((fpacked if fpacked & 0x80 else packed) & 7)
            return Container(header, Box(left, top, fw, fh), table)
        elif block == 0x3B:
            raise w.fail(Reason.CORRUPT, "expected an image before the GIF trailer, found none")
        else:
            raise w.fail(Reason.CORRUPT, f"expected a GIF block (21, 2C or 3B) at byte {pos}, found {block:02X}")


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
        raise w.fail(Reason.CORRUPT, f"expected an LZW minimum code size of 2 to 8, found {code_size}")
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
                Reason.CORRUPT,
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
        raise w.fail(Reason.CORRUPT, f"expected {pixels} pixels from the LZW data, found {produced}")


_BMP_HEADERS = (12, 40, 52, 56, 108, 124)
_BMP_KINDS = {0: (1, 4, 8, 16, 24, 32), 1: (8,), 2: (4,), 3: (16, 32)}


def _walk_bmp(w: _Walk) -> Container:
    data = w.data
    w.need(0, 18, "the BMP file header and DIB header size")
    (offset,) = struct.unpack_from("<I", data, 10)
    (dib,) = struct.unpack_from("<I", data, 14)
    if dib not in _BMP_HEADERS:
        raise w.fail(Reason.UNSUPPORTED, f"expected a DIB header of {list(_BMP_HEADERS)} bytes, found {dib}")
    w.need(14, dib, "the DIB header")
    if dib == 12:
        width, height, _, bits = struct.unpack_from("<HHHH", data, 18)
        compression = 0
    else:
        width, height, _, bits, compression = struct.unpack_from("<iiHHI", data, 18)
    if compression in (1, 2) and height < 0:
        raise w.fail(Reason.CORRUPT, "expected a bottom-up (positive height) RLE bitmap, found a negative height")
    header = _check_size(w, Format.BMP, width, abs(height))
    if bits not in _BMP_KINDS.get(compression, ()):
        raise w.fail(
            Reason.UNSUPPORTED,
            f"expected an uncompressed, RLE or bit-field bitmap of a usual depth, found compression {compression} "
            f"with {bits} bits per pixel",
        )
    if dib >= 40 and bits <= 8:
        (colours,) = struct.unpack_from("<I", data, 46)
        if colours > 1 << bits:
            raise w.fail(Reason.CORRUPT, f"expected at most {1 << bits} palette colours, found {colours}")
    if offset < 14 + dib:
        raise w.fail(Reason.CORRUPT, f"expected the pixel data after byte {14 + dib}, found offset {offset}")
    if compression in (0, 3):
        stride = (width * bits + 31) // 32 * 4
        w.need(offset, stride * abs(height), "the pixel rows")
    else:
        (size_image,) = struct.unpack_from("<I", data, 34)
        w.need(offset, max(1, size_image), "the compressed pixel data")
    return Container(header, None)


_WALKS = {Format.PNG: _walk_png, Format.JPEG: _walk_jpeg, Format.GIF: _walk_gif, Format.BMP: _walk_bmp}


def walk(data: bytes, name: str | Path) -> Container:
    """Check the container's structure from its bytes (no pixel is decoded).

    Raises:
        ImageError: EMPTY_FILE, NOT_AN_IMAGE, TRUNCATED, CORRUPT, TOO_LARGE or UNSUPPORTED.
    """
    return _WALKS[sniff(data, name)](_Walk(data, name))
