"""Write the golden image corpus that the Python and the Java preprocessing tests read (docs/preprocessing.md).

Run from the repository root (needs MNIST in ~/.cache/digitbridge/mnist, numpy and Pillow):

    python tests/data/make_image_corpus.py

It rewrites ``tests/data/images/`` deterministically (fixed seed, fixed encoder settings):

- ``digit-*``: MNIST test digits re-rendered at other sizes, polarities, colours and stroke widths, with alpha,
  noise and margins, as PNG (gray, RGB, RGBA, LA, palette, 16-bit), BMP (24-, 8-, 1-bit), GIF (with and without
  transparency) and a few JPEGs;
- ``strip-*``: lines of several digits for ``--segment``, including a broken stroke, an i-like dot, specks and a
  dash;
- ``bad-*``: inputs that must be refused with a given reason (not an image, empty, truncated, no ink, a header
  claiming 50000 x 50000 pixels, ...);
- ``manifest.tsv``: file, kind, expected label / number / reason, rows of the expected arrays, identity class;
- ``expected-mnist.idx`` / ``expected-raw.idx``: ubyte [N, 28, 28], what ``pybridge.image`` made of each
  file in mnist mode (one row per digit; one per segmented digit for strips) and raw mode. The Java tests
  compare their own output with these bytes: that is the cross-language identity test.

``render`` and ``STYLES`` are also imported by tests/test_preprocess.py to re-render many more test digits in
memory for the accuracy measurement.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pybridge import data, errors, idx  # noqa: E402  (the repository root must be importable first)
from pybridge import image as pp  # noqa: E402

OUT = Path(__file__).resolve().parent / "images"
SEED = 20260601


@dataclass(frozen=True)
class Style:
    """How one MNIST digit is drawn as a user's image.

    Attributes:
        name: short tag used in file names.
        fmt: "png", "bmp", "gif" or "jpeg".
        mode: Pillow mode written ("L", "RGB", "RGBA", "LA", "P", "I;16", "1").
        height: the digit's height in pixels (its MNIST 20-px box scaled to this).
        ink, paper: RGB colours of the digit and the background.
        stroke: 0 as drawn, > 0 thicker (max filter of that size), < 0 thinner (min filter).
        alpha: True: transparent background, the digit in the alpha channel.
        noise: standard deviation of Gaussian noise added to every channel.
        margin: (left, top, right, bottom) as fractions of the digit height.
        quality: JPEG quality.
        trns: PNG: the paper colour made transparent with a tRNS chunk (gray and RGB images).
        gif_offset: GIF: the frame placed at this (left, top) on a logical screen larger by twice as much.
    """

    name: str
    fmt: str
    mode: str
    height: int
    ink: tuple[int, int, int] = (0, 0, 0)
    paper: tuple[int, int, int] = (255, 255, 255)
    stroke: int = 0
    alpha: bool = False
    noise: float = 0.0
    margin: tuple[float, float, float, float] = (0.5, 0.4, 0.5, 0.4)
    quality: int = 90
    trns: bool = False
    gif_offset: tuple[int, int] | None = None


STYLES: tuple[Style, ...] = (
    Style("black-on-white", "png", "L", 56),
    Style("blue-on-yellow", "png", "RGB", 80, ink=(20, 40, 160), paper=(250, 240, 170)),
    Style("alpha", "png", "RGBA", 64, alpha=True),
    Style("mnist-polarity", "png", "L", 100, ink=(255, 255, 255), paper=(0, 0, 0)),
    Style("thick", "png", "L", 120, stroke=9),
    Style("thin", "png", "L", 120, stroke=-5),
    Style("noise", "png", "L", 48, noise=18.0),
    Style("gray-alpha", "png", "LA", 40, ink=(60, 60, 60), alpha=True),
    Style("palette", "png", "P", 72, ink=(150, 0, 0), paper=(230, 230, 255)),
    Style("16bit", "png", "I;16", 36),
    Style("bmp24", "bmp", "RGB", 28, ink=(0, 90, 0), paper=(255, 255, 240), margin=(0.3, 0.2, 0.3, 0.2)),
    Style("bmp8", "bmp", "L", 40),
    Style("bmp1", "bmp", "1", 60),
    Style("gif", "gif", "P", 64, ink=(30, 30, 30), paper=(245, 245, 245)),
    Style("gif-transparent", "gif", "P", 56, alpha=True),
    Style("pencil", "png", "L", 50, ink=(110, 110, 110), paper=(200, 200, 200), noise=4.0),
    Style("tiny", "png", "L", 12, margin=(0.3, 0.3, 0.3, 0.3)),
    Style("large", "png", "L", 300, margin=(0.2, 0.1, 0.2, 0.1)),
    Style("off-centre", "png", "L", 44, margin=(3.0, 0.2, 0.3, 2.0)),
    Style("yellow-on-navy", "png", "RGB", 60, ink=(250, 220, 40), paper=(10, 20, 70)),
    Style("gray-trns", "png", "L", 44, ink=(60, 60, 60), paper=(200, 200, 200), trns=True),
    Style("rgb-trns", "png", "RGB", 44, ink=(90, 0, 40), paper=(200, 220, 240), trns=True),
    Style("palette-trns", "png", "P", 44, alpha=True),
    Style("gif-offset", "gif", "P", 40, ink=(0, 0, 0), gif_offset=(25, 12)),
    Style("gif-offset-transparent", "gif", "P", 40, alpha=True, gif_offset=(7, 30)),
)
JPEG_STYLES: tuple[Style, ...] = (
    Style("jpeg-gray", "jpeg", "L", 64),
    Style("jpeg-rgb", "jpeg", "RGB", 72, ink=(40, 20, 120), paper=(255, 250, 235), quality=85),
    Style("jpeg-noise", "jpeg", "L", 48, noise=12.0, quality=80),
    Style("jpeg-white-on-black", "jpeg", "L", 90, ink=(255, 255, 255), paper=(0, 0, 0)),
)
PER_STYLE = 8  # digits per style in the corpus


def _digit_intensity(pixels: np.ndarray, height: int, stroke: int) -> np.ndarray:
    """MNIST's 20x20 box scaled so it is `height` px tall: float intensity 0..1, digit = 1."""
    side = max(1, round(height * 28 / 20))
    big = Image.fromarray(np.asarray(pixels)).resize((side, side), Image.Resampling.BICUBIC)
    if stroke > 0:
        big = big.filter(ImageFilter.MaxFilter(stroke))
    elif stroke < 0:
        big = big.filter(ImageFilter.MinFilter(-stroke))
    return np.asarray(big, dtype=np.float64) / 255.0


def _with_margins(intensity: np.ndarray, height: int, margin: tuple[float, float, float, float]) -> np.ndarray:
    # The scaled 28x28 field has 4/28 of empty border on each side already; margins add to that.
    left, top, right, bottom = (round(m * height) for m in margin)
    return np.pad(intensity, ((top, bottom), (left, right)))


def render(pixels: np.ndarray, style: Style, rng: np.random.Generator) -> Image.Image:
    """One MNIST digit (uint8 [28, 28], white on black) drawn in a style, as the Pillow image to encode."""
    i = _with_margins(_digit_intensity(pixels, style.height, style.stroke), style.height, style.margin)
    ink = np.array(style.ink, np.float64)
    paper = np.array(style.paper, np.float64)
    if style.alpha:
        rgb = np.broadcast_to(ink, (*i.shape, 3)).copy()
        a = i * 255.0
    else:
        rgb = paper * (1 - i[..., None]) + ink * i[..., None]
        a = np.full(i.shape, 255.0)
    if style.noise:
        rgb = rgb + rng.normal(0.0, style.noise, rgb.shape[:2])[..., None]
    rgb8 = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    a8 = np.clip(np.rint(a), 0, 255).astype(np.uint8)
    rgba = Image.fromarray(np.dstack([rgb8, a8]))  # uint8 [h, w, 4]: RGBA
    if style.mode == "RGBA":
        return rgba
    if style.mode == "RGB":
        return rgba.convert("RGB")
    if style.mode == "L":
        return rgba.convert("RGB").convert("L")
    if style.mode == "LA":
        return rgba.convert("LA")
    if style.mode == "1":
        return rgba.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1")
    if style.mode == "I;16":
        gray = np.asarray(rgba.convert("RGB").convert("L"), np.uint16)
        # high byte = the 8-bit gray, low byte random: decoders must keep the high byte, not round
        return Image.fromarray((gray * 256 + rng.integers(0, 256, gray.shape)).astype(np.uint16))  # mode I;16
    if style.mode == "P":
        if style.alpha:  # GIF transparency: one palette entry for the background, the digit in 16 grays
            levels = np.asarray(rgba.convert("RGB").convert("L")) // 16
            index = np.where(a8 < 64, 16, levels).astype(np.uint8)
            im = Image.frombytes("P", (index.shape[1], index.shape[0]), index.tobytes())
            gray = [v for k in range(16) for v in (k * 17,) * 3]
            im.putpalette([*gray, 255, 0, 255])
            im.info["transparency"] = 16
            return im
        return rgba.convert("RGB").quantize(16, dither=Image.Dither.NONE)
    raise ValueError(f"unknown mode {style.mode}")


def encode(im: Image.Image, style: Style) -> bytes:
    out = io.BytesIO()
    if style.fmt == "jpeg":
        im.save(out, "JPEG", quality=style.quality, subsampling=2 if im.mode == "RGB" else 0)
    elif style.fmt == "gif":
        extra = {"transparency": im.info["transparency"]} if "transparency" in im.info else {}
        im.save(out, "GIF", **extra)
        if style.gif_offset:
            return _offset_gif(out.getvalue(), *style.gif_offset)
    elif style.fmt == "png":
        extra = {}
        if style.trns:
            extra["transparency"] = style.paper[0] if im.mode == "L" else style.paper
        im.save(out, "PNG", optimize=False, compress_level=9, **extra)
    else:
        im.save(out, style.fmt.upper())
    return out.getvalue()


def _offset_gif(gif: bytes, left: int, top: int) -> bytes:
    """Move the first frame to (left, top) on a logical screen larger by (2 * left, 2 * top)."""
    out = bytearray(gif)
    width, height, packed = struct.unpack_from("<HHB", out, 6)
    struct.pack_into("<HH", out, 6, width + 2 * left, height + 2 * top)
    pos = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    while out[pos] == 0x21:  # skip extensions up to the image descriptor
        pos += 2
        while out[pos]:
            pos += out[pos] + 1
        pos += 1
    assert out[pos] == 0x2C, "expected the image descriptor"
    struct.pack_into("<HH", out, pos + 1, left, top)
    return bytes(out)


SUFFIX = {"png": "png", "bmp": "bmp", "gif": "gif", "jpeg": "jpg"}


# ---- strips ---------------------------------------------------------------------------------------------------


def _strip(digits: list[np.ndarray], gap: int = 8, height: int = 60, levels: list[float] | None = None) -> np.ndarray:
    """Digits side by side (intensity 0..1, times `levels`), each cropped to its ink columns, `gap` px between."""
    parts = []
    for k, d in enumerate(digits):
        i = _digit_intensity(d, height, 0) * (levels[k] if levels else 1.0)
        cols = np.nonzero(i.max(axis=0) > 0.05 * (levels[k] if levels else 1.0))[0]
        parts.append(i[:, cols[0] : cols[-1] + 1])
        parts.append(np.zeros((i.shape[0], gap)))
    return np.pad(np.hstack(parts[:-1]), ((6, 6), (20, 20)))


def _to_png(intensity: np.ndarray, *, dark_on_light: bool = True) -> bytes:
    v = np.clip(np.rint(intensity * 255), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(255 - v if dark_on_light else v).save(out, "PNG", compress_level=9)
    return out.getvalue()


def strips(pick: dict[int, list[np.ndarray]], rng: np.random.Generator) -> list[tuple[str, str, bytes, str]]:
    """(file name, expected number, bytes, description) of the multi-digit strips."""
    out = []
    out.append(("strip-17.png", "17", _to_png(_strip([pick[1][0], pick[7][0]])), "two digits, the tutorial's '17'"))
    year = _strip([pick[2][0], pick[0][0], pick[2][1], pick[4][0]], gap=12)
    out.append(("strip-2024.png", "2024", _to_png(year), "four digits"))
    # A broken stroke: a 5 whose top bar is cut from its body by a 2-px gap.
    five = _strip([pick[5][0], pick[7][1]], gap=14)
    ink_rows = np.nonzero(five[:, : five.shape[1] // 2].max(axis=1) > 0.05)[0]
    cut = ink_rows[0] + (ink_rows[-1] - ink_rows[0]) // 4
    five[cut : cut + 3, : five.shape[1] // 2] = 0
    out.append(("strip-57-broken.png", "57", _to_png(five), "the 5's top bar cut off by a 3-px gap"))
    # An i-like dot: the 1 is cut into a long stroke and a short piece on top, in the same columns.
    one = _strip([pick[1][1], pick[7][0]], gap=14)
    ink_rows = np.nonzero(one[:, : one.shape[1] // 3].max(axis=1) > 0.05)[0]
    cut = ink_rows[0] + (ink_rows[-1] - ink_rows[0]) // 3
    one[cut : cut + 4, : one.shape[1] // 3] = 0
    out.append(("strip-17-dotted.png", "17", _to_png(one), "the 1 split into a stroke and an i-like dot above it"))
    # Specks: isolated 1-2 px dots around the digits must not become digits.
    specks = _strip([pick[8][0], pick[3][0]], gap=16)
    for _ in range(12):
        y, x = rng.integers(0, specks.shape[0] - 2), rng.integers(0, specks.shape[1] - 2)
        specks[y : y + rng.integers(1, 3), x : x + rng.integers(1, 3)] = 1.0
    out.append(("strip-83-specks.png", "83", _to_png(specks), "twelve 1-2 px specks scattered over the line"))
    # A dash between two pairs: a mark (less than half the digits' height), not a digit.
    left = _strip([pick[1][2], pick[2][0]], gap=10)
    right = _strip([pick[3][0], pick[4][1]], gap=10)
    dash = np.zeros((left.shape[0], 40))
    mid = left.shape[0] // 2
    dash[mid - 3 : mid + 3, 8:32] = 1.0
    out.append(("strip-12-34-dash.png", "1234", _to_png(np.hstack([left, dash, right])), "a dash between 12 and 34"))
    # Light on dark, as a photo negative would be.
    out.append(
        (
            "strip-90-light.png",
            "90",
            _to_png(_strip([pick[9][0], pick[0][1]], gap=10), dark_on_light=False),
            "white digits on black",
        )
    )
    # A faint digit: the 8 drawn at 40% of the 3's ink (a lighter pencil), under INK_THRESHOLD once stretched.
    out.append(
        (
            "strip-38-faint.png",
            "38",
            _to_png(_strip([pick[3][1], pick[8][1]], gap=14, levels=[1.0, 0.4])),
            "the 8 drawn at 40% of the 3's ink",
        )
    )
    # A stroke faint in the middle: the 0's middle third of columns at 40% ink, so at INK_THRESHOLD it is a left
    # and a right arc sharing no column; the 6 beside it sets the line's height.
    ring = _strip([pick[6][1], pick[0][2]], gap=14)
    ink_cols = np.nonzero(ring.max(axis=0) > 0.05)[0]
    gaps = np.nonzero(np.diff(ink_cols) > 1)[0]
    zero = ink_cols[gaps[-1] + 1], ink_cols[-1] + 1
    third = (zero[1] - zero[0]) // 3
    ring[:, zero[0] + third : zero[1] - third] *= 0.4
    out.append(
        ("strip-60-faint-join.png", "60", _to_png(ring), "the 0's top and bottom at 40% ink in its middle third")
    )
    return out


# ---- bad inputs -----------------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _small_png(width: int, height: int, rows: bytes | None = None) -> bytes:
    raw = rows if rows is not None else b"\x00" * (1 + width) * min(height, 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(raw, 9))
        + _png_chunk(b"IEND", b"")
    )


def bad_inputs(
    good_png: bytes, good_jpeg: bytes, good_gif: bytes, good_bmp: bytes
) -> list[tuple[str, str, bytes, str]]:
    """(file name, expected reason, bytes, description) of the inputs that must be refused."""
    blank = io.BytesIO()
    Image.new("L", (64, 48), 255).save(blank, "PNG")
    faint = np.full((48, 48), 250, np.uint8)
    faint[10:38, 20:26] = 236  # a stroke 14 levels darker than the paper: below the 32-level contrast
    faint_png = io.BytesIO()
    Image.fromarray(faint).save(faint_png, "PNG")
    cmyk = io.BytesIO()
    Image.new("CMYK", (16, 16), (0, 0, 0, 255)).save(cmyk, "JPEG")
    bad_crc = bytearray(good_png)
    bad_crc[-20] ^= 0xFF  # inside IDAT's data or CRC: the CRC no longer matches
    gif_huge = bytearray(good_gif)
    gif_huge[6:10] = struct.pack("<HH", 60000, 60000)
    bmp_huge = bytearray(good_bmp)
    bmp_huge[18:26] = struct.pack("<ii", 50000, -50000)
    garbage_idat = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", b"this is not a zlib stream at all")
        + _png_chunk(b"IEND", b"")
    )
    lzw_invalid, lzw_short = _damaged_lzw(good_gif)
    return [
        ("bad-not-an-image.png", "NOT_AN_IMAGE", b"digit,label\n7,7\n", "a CSV file named .png"),
        ("bad-empty.png", "EMPTY_FILE", b"", "zero bytes"),
        ("bad-truncated.png", "TRUNCATED", good_png[: len(good_png) // 2], "a PNG cut in half (no IEND)"),
        ("bad-truncated.jpg", "TRUNCATED", good_jpeg[: len(good_jpeg) * 2 // 3], "a JPEG cut before its EOI"),
        ("bad-truncated.gif", "TRUNCATED", good_gif[: len(good_gif) // 2], "a GIF cut inside its first image"),
        ("bad-truncated.bmp", "TRUNCATED", good_bmp[: len(good_bmp) - 50], "a BMP missing its last rows"),
        ("bad-bad-crc.png", "CORRUPT", bytes(bad_crc), "one byte flipped near the end: a CRC mismatch"),
        ("bad-garbage-idat.png", "CORRUPT", garbage_idat, "complete chunks, but IDAT is not zlib data"),
        ("bad-lzw-code.gif", "CORRUPT", lzw_invalid, "one LZW byte changed: a code not defined yet"),
        ("bad-lzw-short.gif", "CORRUPT", lzw_short, "one LZW byte changed: the end code comes too early"),
        ("bad-no-ink.png", "NO_INK", blank.getvalue(), "a blank white page"),
        ("bad-faint.png", "NO_INK", faint_png.getvalue(), "a stroke only 14 levels darker than the paper"),
        ("bad-enormous.png", "TOO_LARGE", _small_png(50000, 50000), "a 100-byte PNG whose IHDR claims 50000 x 50000"),
        ("bad-enormous.gif", "TOO_LARGE", bytes(gif_huge), "a GIF whose screen claims 60000 x 60000"),
        ("bad-enormous.bmp", "TOO_LARGE", bytes(bmp_huge), "a BMP whose header claims 50000 x 50000"),
        ("bad-cmyk.jpg", "UNSUPPORTED", cmyk.getvalue(), "a CMYK JPEG (4 components)"),
    ]


def _damaged_lzw(gif: bytes) -> tuple[bytes, bytes]:
    """Two one-byte changes to a GIF's LZW data: the first giving an undefined code, the first ending too early."""
    found: dict[str, bytes] = {}
    for at in range(len(gif) - 2, 800, -1):
        for value in (0x00, 0xFF, 0x5A):
            damaged = bytearray(gif)
            damaged[at] = value
            try:
                pp.read_header(bytes(damaged))
            except errors.ImageError as exc:
                kind = "code" if "LZW codes" in exc.detail else "short" if "from the LZW data" in exc.detail else ""
                if kind and kind not in found:
                    found[kind] = bytes(damaged)
        if len(found) == 2:
            return found["code"], found["short"]
    raise SystemExit("could not damage the GIF's LZW data in both ways")


# ---- the corpus -----------------------------------------------------------------------------------------------


def main() -> int:
    test = data.load("t10k")
    images, labels = test.images.data, test.labels.data
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    rows: list[str] = []
    mnist_rows: list[np.ndarray] = []
    raw_rows: list[np.ndarray] = []

    def add(name: str, kind: str, expected: str, payload: bytes, identity: str, description: str) -> None:
        (OUT / name).write_bytes(payload)
        if kind == "error":
            rows.append("\t".join([name, kind, expected, "-", "-", identity, description]))
            return
        if kind == "digit":
            found = [pp.preprocess(payload, name=name).pixels]
        else:
            found = [d.pixels for d in pp.segment(payload, name=name).digits]
        first = len(mnist_rows)
        mnist_rows.extend(found)
        raw_rows.append(pp.preprocess(payload, pp.Mode.RAW, name=name).pixels)
        span = f"{first}:{len(mnist_rows)}"
        rows.append("\t".join([name, kind, expected, span, str(len(raw_rows) - 1), identity, description]))

    index = 0
    for style in STYLES + JPEG_STYLES:
        for _ in range(PER_STYLE if style.fmt != "jpeg" else 2):
            payload = encode(render(images[index], style, rng), style)
            name = f"digit-{index:03d}-{style.name}.{SUFFIX[style.fmt]}"
            identity = "jpeg" if style.fmt == "jpeg" else "exact"
            add(name, "digit", str(labels[index]), payload, identity, f"MNIST test #{index}, {style.name}")
            index += 1
    pick: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    for i in range(index, len(labels)):
        if len(pick[int(labels[i])]) < 3:
            pick[int(labels[i])].append(images[i])
    for name, number, payload, description in strips(pick, rng):
        add(name, "strip", number, payload, "exact", description)
    by_name = {st.name: st for st in STYLES + JPEG_STYLES}
    good = {
        fmt: encode(render(images[0], by_name[name], rng), by_name[name])
        for fmt, name in (("png", "black-on-white"), ("gif", "gif"), ("jpeg", "jpeg-gray"), ("bmp", "bmp24"))
    }
    for name, reason, payload, description in bad_inputs(good["png"], good["jpeg"], good["gif"], good["bmp"]):
        try:
            pp.preprocess(payload, name=name)
        except errors.ImageError as exc:
            if exc.reason.value != reason:
                raise SystemExit(f"{name}: expected {reason}, the Python implementation says {exc}") from exc
        else:
            raise SystemExit(f"{name}: expected {reason}, the Python implementation accepted it")
        add(name, "error", reason, payload, "exact", description)
    idx.write_idx(OUT / "expected-mnist.idx", np.stack(mnist_rows))
    idx.write_idx(OUT / "expected-raw.idx", np.stack(raw_rows))
    header = "# file\tkind\texpected\tmnist_rows\traw_row\tidentity\tdescription"
    (OUT / "manifest.tsv").write_text(header + "\n" + "\n".join(rows) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(rows)} files, {len(mnist_rows)} mnist rows, {len(raw_rows)} raw rows, {total} bytes to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
