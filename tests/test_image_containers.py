"""The container walks of docs/preprocessing.md, step 1, branch by branch: every refusal as its whole line.

Each file is built here byte by byte (PNG chunks, JPEG segments, GIF blocks with LZW codes, BMP headers), just
valid or just broken, so each check is pinned where it decides; the golden corpus's bad files are pinned in full too.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib

import pytest

from pybridge import errors
from pybridge import image as pp
from pybridge.image import containers
from pybridge.image.digit_image import Box
from tests.conftest import ROOT

IMAGES = ROOT / "tests" / "data" / "images"

# ---- builders -------------------------------------------------------------------------------------------------

SIG = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, payload: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + payload) if crc is None else crc
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def ihdr(w: int, h: int, crc: int | None = None) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0), crc)


IDAT = chunk(b"IDAT", zlib.compress(b"\0\0"))
IEND = chunk(b"IEND", b"")


def png(*chunks: bytes) -> bytes:
    return SIG + b"".join(chunks)


SOI, EOI = b"\xff\xd8", b"\xff\xd9"


def seg(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def sof(marker=0xC0, precision=8, h=2, w=3, comps=1) -> bytes:
    return seg(marker, struct.pack(">BHHB", precision, h, w, comps) + b"\x01\x11\x00" * comps)


SOS = seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")


def gif(w=4, h=2, packed=0x80, table=b"\0\0\0\xff\xff\xff", blocks=b"") -> bytes:
    return b"GIF89a" + struct.pack("<HHBBB", w, h, packed, 0, 0) + table + blocks


def descriptor(left=0, top=0, w=4, h=2, packed=0) -> bytes:
    return b"\x2c" + struct.pack("<HHHHB", left, top, w, h, packed)


def lzw(codes: list[int], size: int = 2) -> bytes:
    """The codes packed least significant bit first, the width growing as a decoder's table does."""
    clear, end = 1 << size, (1 << size) + 1
    width, next_code, previous = size + 1, clear + 2, -1
    bits = count = 0
    out = bytearray()
    for code in codes:
        bits |= code << count
        count += width
        while count >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            count -= 8
        if code == clear:
            width, next_code, previous = size + 1, clear + 2, -1
            continue
        if code == end:
            break
        if previous >= 0 and next_code < 4096:
            next_code += 1
            if next_code == 1 << width and width < 12:
                width += 1
        previous = code
    if count:
        out.append(bits & 0xFF)
    return bytes(out)


def sub_blocks(data: bytes) -> bytes:
    return b"".join(bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255)) + b"\0"


def frame(codes: list[int], size: int = 2, table: bytes = b"", **kw) -> bytes:
    return descriptor(**kw) + table + bytes([size]) + sub_blocks(lzw(codes, size))


PIXELS_8 = [4, 0, 1, 0, 1, 0, 1, 0, 1, 5]  # clear, eight one-pixel codes, end: a 4 x 2 frame


def bmp(w=2, h=2, bits=24, compression=0, dib=40, offset=None, colours=0, size_image=0, rows=None) -> bytes:
    if dib == 12:
        info = struct.pack("<IHHHH", 12, w, h, 1, bits)
    else:
        info = struct.pack("<IiiHHIIiiII", dib, w, h, 1, bits, compression, size_image, 0, 0, colours, 0)
        info += bytes(dib - 40)
    stride = (abs(w) * bits + 31) // 32 * 4
    data = bytes(stride * abs(h)) if rows is None else rows
    start = 14 + dib if offset is None else offset
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(data), 0, 0, start) + info + data


# ---- the walks' verdicts --------------------------------------------------------------------------------------

ACCEPTED = {
    "png": (png(ihdr(3, 2), IDAT, IEND), "PNG", 3, 2),
    "png of 4096 x 4096 (the pixel limit)": (png(ihdr(4096, 4096), IDAT, IEND), "PNG", 4096, 4096),
    "png of 1 x 1": (png(ihdr(1, 1), IDAT, IEND), "PNG", 1, 1),
    "jpeg": (SOI + sof() + SOS + b"\x12\x34" + EOI, "JPEG", 3, 2),
    "jpeg with fill bytes": (SOI + b"\xff\xff\xff" + sof()[1:] + SOS + b"\x12" + EOI, "JPEG", 3, 2),
    "jpeg with RST0 and TEM": (SOI + b"\xff\xd0\xff\x01" + sof() + SOS + b"\x12" + EOI, "JPEG", 3, 2),
    "jpeg, extended sequential": (SOI + sof(0xC1) + SOS + b"\x01" + EOI, "JPEG", 3, 2),
    "jpeg, progressive in colour": (SOI + sof(0xC2, comps=3) + SOS + b"\x01" + EOI, "JPEG", 3, 2),
    "jpeg of 1 x 1": (SOI + sof(h=1, w=1) + SOS + b"\x01" + EOI, "JPEG", 1, 1),
    "jpeg of 4096 x 4096": (SOI + sof(h=4096, w=4096) + SOS + EOI, "JPEG", 4096, 4096),
    # stuffed FF 00, a restart marker and fill bytes inside the entropy-coded data
    "jpeg scan data": (SOI + sof() + SOS + b"\x12\xff\x00\x34\xff\xd3\x56\xff\xff\xd9", "JPEG", 3, 2),
    # the first and the last restart marker; a stuffed byte right before the end; a fill byte before a stuffed one
    "jpeg scan data with RST0 and RST7": (SOI + sof() + SOS + b"\x12\xff\xd0\x34\xff\xd7\x56" + EOI, "JPEG", 3, 2),
    "jpeg scan data ending in a stuffed byte": (SOI + sof() + SOS + b"\x12\xff\x00" + EOI, "JPEG", 3, 2),
    "jpeg scan data with FF FF 00": (SOI + sof() + SOS + b"\x12\xff\xff\x00\x34" + EOI, "JPEG", 3, 2),
    "jpeg with RST7 between segments": (SOI + b"\xff\xd7" + sof() + SOS + b"\x12" + EOI, "JPEG", 3, 2),
    "jpeg with an empty comment (length 2)": (SOI + seg(0xFE, b"") + sof() + SOS + b"\x12" + EOI, "JPEG", 3, 2),
    "jpeg whose second frame header is not read": (SOI + sof() + sof(0xC3, h=9, w=9) + SOS + EOI, "JPEG", 3, 2),
    "jpeg of two scans": (SOI + sof() + SOS + b"\x01" + seg(0xC4, b"\x00") + SOS + b"\x02" + EOI, "JPEG", 3, 2),
    "gif": (gif(blocks=frame(PIXELS_8) + b";"), "GIF", 4, 2),
    "gif87a": (b"GIF87a" + gif(blocks=frame(PIXELS_8) + b";")[6:], "GIF", 4, 2),
    "gif after an extension": (
        gif(blocks=b"\x21\xf9" + sub_blocks(b"\x00\x00\x00\x00") + frame(PIXELS_8) + b";"),
        "GIF",
        4,
        2,
    ),
    "gif whose LZW data has no end code": (gif(blocks=frame(PIXELS_8[:-1])), "GIF", 4, 2),
    # decoders stop at the frame's last pixel, so an undefined code after it (15: the next is 13) is never read
    "gif whose LZW data goes on past the frame": (gif(blocks=frame([*PIXELS_8[:-1], 15, 5]) + b";"), "GIF", 4, 2),
    # 4200 one-pixel codes: the code table fills up at 4096 entries and the walk stops adding to it
    "gif whose LZW table fills up": (
        gif(w=4200, h=1, blocks=frame([4] + [i % 2 for i in range(4200)] + [5], w=4200, h=1) + b";"),
        "GIF",
        4200,
        1,
    ),
    # 3 does not fit in 12 bits with the next code's low bit: a walk that widened its codes past 12 bits stops here
    "gif whose LZW table fills up and 12-bit codes follow": (
        gif(w=4200, h=1, blocks=frame([4] + [3] * 4200 + [5], w=4200, h=1) + b";"),
        "GIF",
        4200,
        1,
    ),
    # Decoders start with an empty table when the first code is not a clear code; so does the walk: its next code
    # is 6 and its codes widen to 4 bits after the third (a table that starts elsewhere, or grows from the first
    # code on, widens at another code and reads an undefined one).
    "gif whose LZW data starts without a clear code": (
        gif(packed=0x81, table=bytes(12), blocks=frame([0, 0, 1, 1, 3, 0, 0, 0, 5]) + b";"),
        "GIF",
        4,
        2,
    ),
    "gif with table-size bits but no global table": (
        gif(packed=0x01, table=b"", blocks=frame(PIXELS_8, packed=0x80, table=bytes(6)) + b";"),
        "GIF",
        4,
        2,
    ),
    "gif of 1 x 1": (gif(w=1, h=1, blocks=frame([4, 0, 5], w=1, h=1)), "GIF", 1, 1),
    "gif frame with table-size bits but no local table": (gif(blocks=frame(PIXELS_8, packed=0x01) + b";"), "GIF", 4, 2),
    "bmp": (bmp(), "BMP", 2, 2),
    "bmp top-down": (bmp(h=-2), "BMP", 2, 2),
    "bmp with a core header": (bmp(dib=12), "BMP", 2, 2),
    "bmp with a v2 header": (bmp(dib=52), "BMP", 2, 2),
    "bmp with a v3 header": (bmp(dib=56), "BMP", 2, 2),
    "bmp with a v4 header": (bmp(dib=108), "BMP", 2, 2),
    "bmp with a v5 header": (bmp(dib=124), "BMP", 2, 2),
    "bmp RLE4": (bmp(bits=4, compression=2, rows=b"\0\1", size_image=2), "BMP", 2, 2),
    "bmp RLE8 whose data size is not given": (bmp(bits=8, compression=1, rows=b"\0"), "BMP", 2, 2),
    "bmp bit fields": (bmp(bits=16, compression=3), "BMP", 2, 2),
    "bmp bit fields of 32 bits": (bmp(bits=32, compression=3), "BMP", 2, 2),
    "bmp of 16 bits": (bmp(bits=16), "BMP", 2, 2),
    "bmp of 32 bits": (bmp(bits=32), "BMP", 2, 2),
    "bmp of 1 bit": (bmp(bits=1, colours=2), "BMP", 2, 2),
    "bmp of 4 bits": (bmp(bits=4, colours=16), "BMP", 2, 2),
    "bmp of 256 colours in 8 bits": (bmp(bits=8, colours=256), "BMP", 2, 2),
    "bmp of 24 bits: the colour count is not checked": (bmp(colours=300), "BMP", 2, 2),
    "bmp of 24 bits with a colour count past 2^24": (bmp(colours=1 << 25), "BMP", 2, 2),
    "bmp of 1 x 1": (bmp(w=1, h=1), "BMP", 1, 1),
}


@pytest.mark.parametrize(("data", "fmt", "width", "height"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_containers_and_their_size(data, fmt, width, height):
    assert pp.read_header(data) == pp.Header(pp.Format[fmt], width, height)


REFUSED = {
    # PNG
    "png signature only": (
        SIG,
        "TRUNCATED: expected a chunk header (the file ends before IEND) (8 bytes at byte 8), found 0 bytes",
    ),
    "png without IEND": (
        png(ihdr(3, 2), IDAT),
        "TRUNCATED: expected a chunk header (the file ends before IEND) (8 bytes at byte 55), found 0 bytes",
    ),
    "png chunk of 2^31 bytes": (
        SIG + struct.pack(">I", 1 << 31) + b"IHDR",
        "CORRUPT: expected a chunk length below 2^31, found 2147483648 for 'IHDR'",
    ),
    "png chunk of 2^31 - 1 bytes": (
        SIG + struct.pack(">I", (1 << 31) - 1) + b"IHDR",
        "TRUNCATED: expected the IHDR chunk's data and CRC (2147483651 bytes at byte 16), found 0 bytes",
    ),
    "png chunk cut": (
        png(ihdr(3, 2), IDAT)[:-3],
        "TRUNCATED: expected the IDAT chunk's data and CRC (14 bytes at byte 41), found 11 bytes",
    ),
    "png CRC": (
        png(ihdr(3, 2, crc=1), IDAT, IEND),
        "CORRUPT: expected the CRC of the IHDR chunk at byte 8 to match, found it does not",
    ),
    "png CRC of a later chunk": (
        png(ihdr(3, 2), chunk(b"IDAT", b"x", crc=0), IEND),
        "CORRUPT: expected the CRC of the IDAT chunk at byte 33 to match, found it does not",
    ),
    "png IDAT first": (png(IDAT, IEND), "CORRUPT: expected IHDR of 13 bytes first, found 'IDAT' of 10 bytes"),
    "png IHDR of 12 bytes": (
        png(chunk(b"IHDR", bytes(12)), IDAT, IEND),
        "CORRUPT: expected IHDR of 13 bytes first, found 'IHDR' of 12 bytes",
    ),
    "png width 0": (png(ihdr(0, 5), IDAT, IEND), "CORRUPT: expected a PNG of at least 1 x 1 pixels, found 0 x 5"),
    "png height 0": (png(ihdr(5, 0), IDAT, IEND), "CORRUPT: expected a PNG of at least 1 x 1 pixels, found 5 x 0"),
    "png over the pixel limit": (
        png(ihdr(4097, 4096), IDAT, IEND),
        "TOO_LARGE: expected at most 16777216 pixels, found 4097 x 4096 = 16781312",
    ),
    "png without IDAT": (png(ihdr(3, 2), IEND), "CORRUPT: expected an IDAT chunk before IEND, found none"),
    # JPEG
    "jpeg ending in a fill byte": (SOI + b"\xff", "TRUNCATED: expected a marker (1 bytes at byte 3), found 0 bytes"),
    "jpeg ending after a segment": (
        SOI + seg(0xE0, b"ab"),
        "TRUNCATED: expected a marker (1 bytes at byte 8), found 0 bytes",
    ),
    "jpeg without FF before a marker": (
        SOI + seg(0xE0, b"ab") + b"\x00",
        "CORRUPT: expected a marker (FF) at byte 8, found 00",
    ),
    "jpeg marker FF 00": (SOI + b"\xff\x00", "CORRUPT: expected a segment marker at byte 3, found FF 00"),
    "jpeg second SOI": (SOI + b"\xff\xd8", "CORRUPT: expected a segment marker at byte 3, found FF D8"),
    "jpeg segment length 1": (SOI + b"\xff\xe0\x00\x01", "CORRUPT: expected a segment length of at least 2, found 1"),
    # 8 bytes is a whole frame header of no component: long enough, and then refused for its components
    "jpeg frame header of 8 bytes": (
        SOI + sof(comps=0) + SOS + EOI,
        "UNSUPPORTED: expected 8-bit samples with 1 or 3 components, found 8-bit, 0 components",
    ),
    "jpeg segment length cut": (
        SOI + b"\xff\xe0\x00",
        "TRUNCATED: expected the length of segment FF E0 (2 bytes at byte 4), found 1 bytes",
    ),
    "jpeg segment cut": (
        SOI + b"\xff\xe0\x00\x10abc",
        "TRUNCATED: expected segment FF E0 (16 bytes at byte 4), found 5 bytes",
    ),
    "jpeg frame header of 6 bytes": (
        SOI + seg(0xC0, b"\x08\x00\x02\x00") + SOS + EOI,
        "CORRUPT: expected a frame header of at least 8 bytes, found 6",
    ),
    "jpeg height 0": (
        SOI + sof(h=0) + SOS + EOI,
        "UNSUPPORTED: expected the height in the frame header, found 0 (DNL marker)",
    ),
    "jpeg width 0": (SOI + sof(w=0) + SOS + EOI, "CORRUPT: expected a JPEG of at least 1 x 1 pixels, found 0 x 2"),
    "jpeg over the pixel limit": (
        SOI + sof(h=4096, w=4097) + SOS + EOI,
        "TOO_LARGE: expected at most 16777216 pixels, found 4097 x 4096 = 16781312",
    ),
    "jpeg lossless": (
        SOI + sof(0xC3) + SOS + EOI,
        "UNSUPPORTED: expected a baseline, extended or progressive Huffman JPEG, found frame type FF C3",
    ),
    "jpeg arithmetic": (
        SOI + sof(0xCF) + SOS + EOI,
        "UNSUPPORTED: expected a baseline, extended or progressive Huffman JPEG, found frame type FF CF",
    ),
    "jpeg 12-bit": (
        SOI + sof(precision=12) + SOS + EOI,
        "UNSUPPORTED: expected 8-bit samples with 1 or 3 components, found 12-bit, 1 components",
    ),
    "jpeg of 2 components": (
        SOI + sof(comps=2) + SOS + EOI,
        "UNSUPPORTED: expected 8-bit samples with 1 or 3 components, found 8-bit, 2 components",
    ),
    "jpeg scan first": (
        SOI + SOS + EOI,
        "CORRUPT: expected a frame header (SOF) before the first scan, found none",
    ),
    "jpeg without a scan": (SOI + sof() + EOI, "CORRUPT: expected a scan (SOS) before the end of image, found none"),
    "jpeg scan ending in FF": (
        SOI + sof() + SOS + b"\x12\xff",
        "TRUNCATED: expected the end-of-image marker (FF D9), found the file ends",
    ),
    "jpeg scan without a marker after it": (
        SOI + sof() + SOS + b"\x12\x13",
        "TRUNCATED: expected the end-of-image marker (FF D9), found the file ends",
    ),
    # RSTn are D0 to D7 only: a D8 (SOI) in the scan data ends the scan and is no segment
    "jpeg SOI in its scan data": (
        SOI + sof() + SOS + b"\x12\xff\xd8\x34" + EOI,
        "CORRUPT: expected a segment marker at byte 27, found FF D8",
    ),
    # GIF
    "gif screen cut": (
        b"GIF89a\x04\x00",
        "TRUNCATED: expected the logical screen descriptor (7 bytes at byte 6), found 2 bytes",
    ),
    "gif global table cut": (
        gif(packed=0x81, table=bytes(6)),
        "TRUNCATED: expected the global colour table (25 bytes at byte 0), found 19 bytes",
    ),
    "gif without an image": (
        gif(),
        "TRUNCATED: expected a block (the file ends before the first image) (1 bytes at byte 19), found 0 bytes",
    ),
    "gif trailer first": (gif(blocks=b";"), "CORRUPT: expected an image before the GIF trailer, found none"),
    "gif unknown block": (gif(blocks=b"\x99"), "CORRUPT: expected a GIF block (21, 2C or 3B) at byte 19, found 99"),
    "gif extension cut": (
        gif(blocks=b"\x21\xf9\x04\x00"),
        "TRUNCATED: expected a data sub-block (4 bytes at byte 22), found 1 bytes",
    ),
    "gif cut before a sub-block's size": (
        gif(blocks=descriptor() + b"\x02"),
        "TRUNCATED: expected a data sub-block (1 bytes at byte 30), found 0 bytes",
    ),
    "gif descriptor cut": (
        gif(blocks=b"\x2c\x00\x00"),
        "TRUNCATED: expected the image descriptor (9 bytes at byte 20), found 2 bytes",
    ),
    "gif frame width 0": (
        gif(blocks=frame(PIXELS_8, w=0)),
        "CORRUPT: expected a first frame of at least 1 x 1 pixels, found 0 x 2",
    ),
    "gif frame height 0": (
        gif(blocks=frame(PIXELS_8, h=0)),
        "CORRUPT: expected a first frame of at least 1 x 1 pixels, found 4 x 0",
    ),
    "gif frame over the pixel limit": (
        gif(w=1, h=1, blocks=frame(PIXELS_8, w=4097, h=4096)),
        "TOO_LARGE: expected at most 16777216 pixels, found a 4097 x 4096 first frame",
    ),
    "gif frame at the pixel limit, without its data": (
        gif(w=1, h=1, blocks=descriptor(w=4096, h=4096) + b"\x08" + sub_blocks(b"") + b";"),
        "CORRUPT: expected 16777216 pixels from the LZW data, found 0",
    ),
    "gif screen width 0": (
        gif(w=0, blocks=frame(PIXELS_8)),
        "CORRUPT: expected a GIF of at least 1 x 1 pixels, found 0 x 2",
    ),
    "gif without a colour table": (
        gif(packed=0, table=b"", blocks=frame(PIXELS_8)),
        "UNSUPPORTED: expected a global or local colour table, found neither",
    ),
    "gif local table cut": (
        gif(packed=0, table=b"", blocks=descriptor(packed=0x81) + bytes(5)),
        "TRUNCATED: expected the local colour table (35 bytes at byte 0), found 28 bytes",
    ),
    "gif LZW code size 1": (
        gif(blocks=frame(PIXELS_8)[:10] + b"\x01" + frame(PIXELS_8)[11:]),
        "CORRUPT: expected an LZW minimum code size of 2 to 8, found 1",
    ),
    "gif LZW code size 9": (
        gif(blocks=frame(PIXELS_8)[:10] + b"\x09" + frame(PIXELS_8)[11:]),
        "CORRUPT: expected an LZW minimum code size of 2 to 8, found 9",
    ),
    "gif LZW code past the table": (
        gif(blocks=frame([4, 0, 7, 5])),
        "CORRUPT: expected LZW codes defined so far (below 6), found 7 after 1 pixels",
    ),
    "gif LZW first code the next one": (
        gif(blocks=frame([4, 6, 5])),
        "CORRUPT: expected LZW codes defined so far (below 6), found 6 after 0 pixels",
    ),
    "gif LZW code past the table after a second clear": (
        gif(blocks=frame([4, 0, 4, 7, 5])),
        "CORRUPT: expected LZW codes defined so far (below 6), found 7 after 1 pixels",
    ),
    # 1, then code 6 twice: "1 1" (the code being defined, 2 pixels), then the same (2): 5 of 8 pixels
    "gif LZW short after KwKwK codes": (
        gif(blocks=frame([4, 1, 6, 6, 5])),
        "CORRUPT: expected 8 pixels from the LZW data, found 5",
    ),
    "gif LZW end code early": (gif(blocks=frame([4, 0, 5])), "CORRUPT: expected 8 pixels from the LZW data, found 1"),
    "gif ending before the LZW code size": (
        gif(blocks=descriptor()),
        "TRUNCATED: expected the LZW minimum code size (1 bytes at byte 29), found 0 bytes",
    ),
    # BMP
    "bmp header cut": (
        b"BM" + bytes(10),
        "TRUNCATED: expected the BMP file header and DIB header size (18 bytes at byte 0), found 12 bytes",
    ),
    "bmp DIB header of 20 bytes": (
        bmp()[:14] + struct.pack("<I", 20) + bytes(40),
        "UNSUPPORTED: expected a DIB header of [12, 40, 52, 56, 108, 124] bytes, found 20",
    ),
    "bmp DIB header cut": (bmp()[:30], "TRUNCATED: expected the DIB header (40 bytes at byte 14), found 16 bytes"),
    "bmp RLE top-down": (
        bmp(bits=8, compression=1, h=-2, rows=b"\0\1"),
        "CORRUPT: expected a bottom-up (positive height) RLE bitmap, found a negative height",
    ),
    "bmp RLE4 top-down": (
        bmp(bits=4, compression=2, h=-2, rows=b"\0\1"),
        "CORRUPT: expected a bottom-up (positive height) RLE bitmap, found a negative height",
    ),
    "bmp of 7 bits": (
        bmp(bits=7),
        "UNSUPPORTED: expected an uncompressed, RLE or bit-field bitmap of a usual depth, found compression 0 with 7 "
        "bits per pixel",
    ),
    "bmp RLE8 of 4 bits": (
        bmp(bits=4, compression=1),
        "UNSUPPORTED: expected an uncompressed, RLE or bit-field bitmap of a usual depth, found compression 1 with 4 "
        "bits per pixel",
    ),
    "bmp RLE4 of 8 bits": (
        bmp(bits=8, compression=2),
        "UNSUPPORTED: expected an uncompressed, RLE or bit-field bitmap of a usual depth, found compression 2 with 8 "
        "bits per pixel",
    ),
    "bmp bit fields of 24 bits": (
        bmp(bits=24, compression=3),
        "UNSUPPORTED: expected an uncompressed, RLE or bit-field bitmap of a usual depth, found compression 3 with "
        "24 bits per pixel",
    ),
    "bmp compression 5": (
        bmp(bits=24, compression=5),
        "UNSUPPORTED: expected an uncompressed, RLE or bit-field bitmap of a usual depth, found compression 5 with "
        "24 bits per pixel",
    ),
    "bmp of 257 colours in 8 bits": (
        bmp(bits=8, colours=257),
        "CORRUPT: expected at most 256 palette colours, found 257",
    ),
    "bmp of 3 colours in 1 bit": (bmp(bits=1, colours=3), "CORRUPT: expected at most 2 palette colours, found 3"),
    "bmp pixel data inside the header": (
        bmp(offset=53),
        "CORRUPT: expected the pixel data after byte 54, found offset 53",
    ),
    "bmp rows cut": (bmp(w=3)[:-1], "TRUNCATED: expected the pixel rows (24 bytes at byte 54), found 23 bytes"),
    "bmp bit-field rows cut": (
        bmp(w=3, bits=16, compression=3)[:-1],
        "TRUNCATED: expected the pixel rows (16 bytes at byte 54), found 15 bytes",
    ),
    "bmp top-down rows cut": (
        bmp(w=3, h=-2)[:-1],
        "TRUNCATED: expected the pixel rows (24 bytes at byte 54), found 23 bytes",
    ),
    "bmp RLE without data": (
        bmp(bits=8, compression=1, rows=b""),
        "TRUNCATED: expected the compressed pixel data (1 bytes at byte 54), found 0 bytes",
    ),
    "bmp RLE data cut": (
        bmp(bits=8, compression=1, rows=bytes(9), size_image=10),
        "TRUNCATED: expected the compressed pixel data (10 bytes at byte 54), found 9 bytes",
    ),
    "bmp RLE of height 0": (
        bmp(bits=8, compression=1, h=0, rows=b"\0"),
        "CORRUPT: expected a BMP of at least 1 x 1 pixels, found 2 x 0",
    ),
    "bmp width 0": (bmp(w=0), "CORRUPT: expected a BMP of at least 1 x 1 pixels, found 0 x 2"),
    "bmp over the pixel limit": (
        bmp(w=4097, h=4096, rows=b""),
        "TOO_LARGE: expected at most 16777216 pixels, found 4097 x 4096 = 16781312",
    ),
    # the signature
    "empty": (b"", "EMPTY_FILE: expected an image, found an empty file (0 bytes)"),
    "FF D8 without FF": (
        b"\xff\xd8\x00",
        "NOT_AN_IMAGE: expected a PNG, JPEG, GIF or BMP signature, found bytes ff d8 00",
    ),
    "GIF88a": (
        b"GIF88a\x01\x00\x01\x00\x80",
        "NOT_AN_IMAGE: expected a PNG, JPEG, GIF or BMP signature, found bytes 47 49 46 38 38 61 01 00",
    ),
}


@pytest.mark.parametrize(("data", "line"), REFUSED.values(), ids=REFUSED.keys())
def test_each_refusal_is_its_whole_line(data, line):
    with pytest.raises(errors.ImageError) as caught:
        pp.read_header(data, "x.img")
    assert str(caught.value) == f"x.img: {line}"
    assert caught.value.reason is errors.ImageReason[line.split(":")[0]]


# ---- what the walks hand the decoder ----------------------------------------------------------------------------


def test_a_gif_walk_gives_the_first_frame_and_its_table():
    shifted = containers.walk(gif(w=9, h=7, blocks=frame(PIXELS_8, left=3, top=2) + b";"), "g")
    assert shifted.frame == Box(3, 2, 4, 2) and shifted.table == 2 and shifted.decoded is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        shifted.table = 4
    big_global = containers.walk(gif(packed=0x82, table=bytes(24), blocks=frame(PIXELS_8)), "g")
    assert big_global.table == 8
    local = frame(PIXELS_8, packed=0x81, table=bytes(12))  # a local table of 4 wins over the global one of 2
    assert containers.walk(gif(blocks=local), "g").table == 4
    assert containers.walk(gif(packed=0, table=b"", blocks=local), "g").table == 4
    # table-size bits without the local-table flag: the global table's size counts
    assert containers.walk(gif(blocks=frame(PIXELS_8, packed=0x01)), "g").table == 2


def test_png_chunks_the_decoder_does_not_need_are_dropped():
    text, unknown = chunk(b"tEXt", b"a\0b"), chunk(b"zzZz", b"x")
    palette, alpha = chunk(b"PLTE", bytes(6)), chunk(b"tRNS", b"\0")
    dropped = containers.walk(png(ihdr(3, 2), text, IDAT, unknown, IEND, b"after"), "p")
    assert dropped.header == pp.Header(pp.Format.PNG, 3, 2) and dropped.frame is None and dropped.table == 0
    assert dropped.decoded == png(ihdr(3, 2), IDAT, IEND)
    # A second IHDR is the decoder's to judge: kept, where the text chunk beside it is dropped.
    again = containers.walk(png(ihdr(3, 2), text, ihdr(5, 5), IDAT, IEND), "p")
    assert again.header.width == 3 and again.decoded == png(ihdr(3, 2), ihdr(5, 5), IDAT, IEND)
    kept = png(ihdr(3, 2), palette, alpha, IDAT, IDAT, IEND)
    assert containers.walk(kept, "p").decoded is None
    assert containers.walk(kept + b"after", "p").decoded is None  # nothing dropped: the decoder reads the file


# ---- the golden corpus's bad files, in full ---------------------------------------------------------------------

BAD_LINES = {
    "bad-not-an-image.png": "NOT_AN_IMAGE: expected a PNG, JPEG, GIF or BMP signature, found bytes 64 69 67 69 74 2c "
    "6c 61",
    "bad-empty.png": "EMPTY_FILE: expected an image, found an empty file (0 bytes)",
    "bad-truncated.png": "TRUNCATED: expected the IDAT chunk's data and CRC (1223 bytes at byte 41), found 597 bytes",
    "bad-truncated.jpg": "TRUNCATED: expected the end-of-image marker (FF D9), found the file ends",
    "bad-truncated.gif": "TRUNCATED: expected a data sub-block (255 bytes at byte 329), found 225 bytes",
    "bad-truncated.bmp": "TRUNCATED: expected the pixel rows (8568 bytes at byte 54), found 8518 bytes",
    "bad-bad-crc.png": "CORRUPT: expected the CRC of the IDAT chunk at byte 33 to match, found it does not",
    "bad-garbage-idat.png": "CORRUPT: expected PNG data the decoder accepts, found: broken data stream when reading "
    "image file",
    "bad-lzw-code.gif": "CORRUPT: expected LZW codes defined so far (below 1096), found 1844 after 21778 pixels",
    "bad-lzw-short.gif": "CORRUPT: expected 21868 pixels from the LZW data, found 21779",
    "bad-no-ink.png": "NO_INK: no digit found: expected strokes at least 32 grey levels darker or lighter than the "
    "page, found a blank page (every pixel grey level 255; 0 is black, 255 white)",
    "bad-faint.png": "NO_INK: no digit found: expected strokes at least 32 grey levels darker than the page, found a "
    "page of grey level 250 (0 is black, 255 white) whose darkest pixel is only 14 levels darker",
    "bad-enormous.png": "TOO_LARGE: expected at most 16777216 pixels, found 50000 x 50000 = 2500000000",
    "bad-enormous.gif": "TOO_LARGE: expected at most 16777216 pixels, found 60000 x 60000 = 3600000000",
    "bad-enormous.bmp": "TOO_LARGE: expected at most 16777216 pixels, found 50000 x 50000 = 2500000000",
    "bad-cmyk.jpg": "UNSUPPORTED: expected 8-bit samples with 1 or 3 components, found 8-bit, 4 components",
}


@pytest.mark.parametrize(("name", "line"), BAD_LINES.items(), ids=BAD_LINES.keys())
def test_the_corpus_bad_files_are_refused_in_full(name, line):
    with pytest.raises(errors.ImageError) as caught:
        pp.preprocess(IMAGES / name)
    assert str(caught.value) == f"{IMAGES / name}: {line}"


# ---- the decoder's own refusals -----------------------------------------------------------------------------------


def test_a_pillow_mode_outside_gray_palette_and_rgb_is_unsupported_in_full():
    from PIL import Image

    from pybridge.image import decoder

    for mode in ("CMYK", "F", "YCbCr"):
        with pytest.raises(errors.ImageError) as caught:
            decoder._to_rgba(Image.new(mode, (2, 1)), "m.img")
        assert (
            str(caught.value) == f"m.img: UNSUPPORTED: expected a gray, palette or RGB image, found Pillow mode {mode}"
        )
    assert decoder._to_rgba(Image.new("LA", (2, 1), (9, 200)), "m.img").tolist() == [[[9, 9, 9, 200]] * 2]


def test_sixteen_bit_gray_keeps_the_most_significant_byte_in_every_pillow_mode():
    from PIL import Image

    from pybridge.image import decoder

    for mode in ("I;16", "I;16B", "I;16L", "I"):
        im = Image.new(mode, (2, 1))
        im.putdata([0x12FF, 0xFE01])
        assert decoder._to_rgba(im, "m.img").tolist() == [[[0x12] * 3 + [255], [0xFE] * 3 + [255]]], mode


def test_a_gif_whose_table_is_the_gray_ramp_is_read_by_index():
    import io

    from PIL import Image

    im = Image.new("L", (4, 1))
    im.putdata([0, 5, 200, 255])
    out = io.BytesIO()
    im.save(out, "GIF", optimize=False)  # all 256 entries of the ramp: Pillow opens it as mode L, not P
    assert Image.open(io.BytesIO(out.getvalue())).mode == "L"
    assert pp.decode_gray(out.getvalue())[1].tolist() == [[0, 5, 200, 255]]


def test_a_decoder_that_disagrees_with_the_walk_on_the_size_is_corrupt_in_full():
    from pybridge.image import decoder

    data = SIG + ihdr(3, 2) + chunk(b"IDAT", zlib.compress(bytes(8))) + IEND  # 3 x 2 gray, each row a filter byte
    assert decoder.gray(data, "d.png", containers.walk(data, "d.png")).shape == (2, 3)
    claimed = containers.Container(pp.Header(pp.Format.PNG, 2, 3))
    with pytest.raises(errors.ImageError) as caught:
        decoder.gray(data, "d.png", claimed)
    assert str(caught.value) == "d.png: CORRUPT: expected 2 x 3 pixels, the decoder gave 3 x 2"


@pytest.mark.parametrize("marker", [0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF])
def test_every_other_frame_type_is_a_frame_header_and_unsupported(marker):
    with pytest.raises(errors.ImageError) as caught:
        pp.read_header(SOI + sof(marker) + SOS + EOI, "f.jpg")
    assert str(caught.value) == (
        "f.jpg: UNSUPPORTED: expected a baseline, extended or progressive Huffman JPEG, found frame type "
        f"FF {marker:02X}"
    )


@pytest.mark.parametrize("marker", [0xC4, 0xC8, 0xCC])  # DHT, JPG and DAC sit among the frame types but are not
def test_tables_between_the_frame_types_are_not_frame_headers(marker):
    with pytest.raises(errors.ImageError) as caught:
        pp.read_header(SOI + seg(marker, bytes(8)) + SOS + EOI, "t.jpg")
    assert str(caught.value) == "t.jpg: CORRUPT: expected a frame header (SOF) before the first scan, found none"


def test_luma_rounds_half_up_at_exactly_half():
    import io

    from PIL import Image

    # Colours whose 299 r + 587 g + 114 b is 1000 k + 500 (rounds up) and 1000 k + 499 (rounds down).
    half, below = (
        next((r, g, 0) for r in range(256) for g in range(256) if (299 * r + 587 * g) % 1000 == rest)
        for rest in (500, 499)
    )
    for rgb in (half, below):
        out = io.BytesIO()
        Image.new("RGB", (1, 1), rgb).save(out, "PNG")
        luma = 299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2]
        assert pp.decode_gray(out.getvalue())[1].tolist() == [[(luma + 500) // 1000]]


def test_a_gif_of_four_colours_keeps_every_index():
    import io

    from PIL import Image

    im = Image.new("P", (4, 1))
    im.putpalette([0, 0, 0, 255, 255, 255, 100, 100, 100, 200, 200, 200])
    im.putdata([0, 1, 2, 3])
    out = io.BytesIO()
    im.save(out, "GIF", optimize=False)
    assert containers.walk(out.getvalue(), "g").table == 4
    assert pp.decode_gray(out.getvalue())[1].tolist() == [[0, 255, 100, 200]]


def test_every_pillow_mode_of_gray_palette_and_rgb_is_decoded():
    from PIL import Image

    from pybridge.image import decoder

    for mode in ("1", "L", "LA", "P", "PA", "RGB", "RGBA"):
        assert decoder._to_rgba(Image.new(mode, (2, 1)), "m.img").shape == (1, 2, 4), mode


def test_alpha_over_white_rounds_half_up_at_exactly_half():
    import io

    from PIL import Image

    # gray 1 at alpha 127 is (1 * 127 + 255 * 128 + 127) // 255 = 32894 // 255 = 128; one more (a rounding a half
    # higher) would make it 129
    out = io.BytesIO()
    Image.new("LA", (1, 1), (1, 127)).save(out, "PNG")
    assert pp.decode_gray(out.getvalue())[1].tolist() == [[128]]


@pytest.mark.parametrize(("entries", "size", "gray"), [(2, 2, 200), (4, 3, 200), (16, 5, 200), (8, 4, 0)])
def test_a_gif_index_past_its_table_keeps_the_low_bits_of_the_smallest_raster(entries, size, gray):
    # Every pixel is index entries + 1: javax.imageio keeps its low bits in a raster of 1, 2, 4 or 8 bits that
    # holds the table, which makes it index 1 (gray 200); in the 4-bit raster of an 8-entry table, 9 stays 9: an
    # entry past the table, opaque black.
    table = bytes(3) + bytes([200] * 3) + bytes([100] * 3 * (entries - 2))
    codes = [1 << size] + [entries + 1] * 8 + [(1 << size) + 1]
    data = gif(packed=0x80 | (entries.bit_length() - 2), table=table, blocks=frame(codes, size=size) + b";")
    assert containers.walk(data, "g").table == entries
    assert pp.decode_gray(data)[1].tolist() == [[gray] * 4] * 2


def test_a_gif_transparent_index_past_the_raster_means_its_last_entry():
    # A 2-entry table (a 1-bit raster) whose transparent index is 3: entry 1 is the transparent one, on white.
    control = b"\x21\xf9\x04" + bytes([0x01, 0, 0, 3]) + b"\x00"
    data = gif(table=bytes(3) + bytes([200] * 3), blocks=control + frame(PIXELS_8) + b";")
    assert pp.decode_gray(data)[1].tolist() == [[0, 255, 0, 255]] * 2
