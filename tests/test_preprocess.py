"""The image preprocessing of docs/preprocessing.md: its steps, the golden corpus, the Java twin, the accuracy."""

from __future__ import annotations

import contextlib
import io
import os
import struct
import threading
import zlib
from pathlib import Path

import jpype
import numpy as np
import pytest
from PIL import Image

from pybridge import data, errors, idx
from pybridge import image as pp
from pybridge.contract import to_input
from pybridge.image import components, preprocessor
from pybridge.runtimes.python_ort import PythonOrtRuntime
from tests.conftest import ROOT, read_tsv
from tests.data import make_image_corpus as corpus

IMAGES = ROOT / "tests" / "data" / "images"
MANIFEST = read_tsv(IMAGES / "manifest.tsv")
DIGITS = [r for r in MANIFEST if r[1] == "digit"]
STRIPS = [r for r in MANIFEST if r[1] == "strip"]
BAD = [r for r in MANIFEST if r[1] == "error"]
DEEPER_CNN = ROOT / "models" / "deeper_cnn.onnx"
ACCURACY_TARGET = 0.98
JPEG_BOUND = 0  # largest |Java - Python| of a decoded JPEG gray value (docs/preprocessing.md, "JPEG")


def rows(span: str) -> slice:
    first, end = (int(v) for v in span.split(":"))
    return slice(first, end)


@pytest.fixture(scope="module")
def expected() -> tuple[np.ndarray, np.ndarray]:
    return idx.read_idx(IMAGES / "expected-mnist.idx").data, idx.read_idx(IMAGES / "expected-raw.idx").data


def png(gray: np.ndarray, **save) -> bytes:
    out = io.BytesIO()
    Image.fromarray(gray.astype(np.uint8)).save(out, "PNG", **save)
    return out.getvalue()


def canvas(w: int, h: int, paper: int, ink: int, *rects: tuple[int, int, int, int]) -> np.ndarray:
    a = np.full((h, w), paper, np.uint8)
    for x, y, rw, rh in rects:
        a[y : y + rh, x : x + rw] = ink
    return a


def chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def claiming_png(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def reason_of(source, **kwargs) -> errors.ImageReason:
    with pytest.raises(errors.ImageError) as caught:
        pp.preprocess(source, **kwargs)
    return caught.value.reason


# ---- the steps ------------------------------------------------------------------------------------------------


def test_the_constants_are_the_specifications():
    """docs/preprocessing.md's table of constants, value by value (2^N written as a power)."""
    from pybridge.image import constants

    table = (ROOT / "docs" / "preprocessing.md").read_text().split("## Constants", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            value = cells[1].split()[0]
            base, _, power = value.partition("^")
            found[cells[0].strip("`")] = int(base) ** int(power) if power else int(value)
    assert len(found) == 11
    assert found == {name: getattr(constants, name) for name in found}


def test_luma_weights_and_compositing_on_white():
    rgba = np.array([[[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [0, 0, 0, 0], [0, 0, 0, 128]]], np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgba).save(out, "PNG")
    _, gray = pp.decode_gray(out.getvalue())
    assert gray.tolist() == [[76, 150, 29, 255, 127]]  # the same values as the Java test


def test_area_filter_matches_the_worked_example_and_brute_force():
    assert pp.area_resize(np.array([[0, 100, 255]], np.uint8), 2, 1).tolist() == [[33, 203]]
    assert pp.area_resize(np.array([[1, 2], [3, 4]], np.uint8), 1, 1).tolist() == [[3]]  # 2.5 rounds half up
    rng = np.random.default_rng(0)
    for _ in range(200):
        h, w, oh, ow = (int(v) for v in rng.integers(1, 40, 4))
        values = rng.integers(0, 256, (h, w), dtype=np.uint8)
        wy = np.maximum(
            np.minimum((np.arange(oh)[:, None] + 1) * h, (np.arange(h) + 1) * oh)
            - np.maximum(np.arange(oh)[:, None] * h, np.arange(h) * oh),
            0,
        )
        wx = np.maximum(
            np.minimum((np.arange(ow)[:, None] + 1) * w, (np.arange(w) + 1) * ow)
            - np.maximum(np.arange(ow)[:, None] * w, np.arange(w) * ow),
            0,
        )
        sums = wy @ values.astype(np.int64) @ wx.T
        assert np.array_equal(pp.area_resize(values, ow, oh), (2 * sums + w * h) // (2 * w * h))


def test_a_square_is_scaled_to_20_and_centred_by_mass_at_14():
    d = pp.preprocess(png(canvas(100, 80, 255, 0, (10, 30, 40, 40))))
    assert d.polarity is pp.Polarity.DARK_ON_LIGHT
    assert d.box == pp.Box(10, 30, 40, 40) and d.scaled == (20, 20) and d.offset == (5, 5)
    assert d.pixels[5:25, 5:25].min() == 255 and d.pixels.sum() == 255 * 400


def test_aspect_ratio_is_kept():
    d = pp.preprocess(png(canvas(60, 60, 0, 255, (25, 10, 10, 40))))
    assert d.polarity is pp.Polarity.LIGHT_ON_DARK and d.scaled == (5, 20)


def test_both_polarities_and_a_pencil_drawing_give_the_same_input():
    strokes = ((8, 5, 4, 30), (8, 5, 18, 4), (22, 5, 4, 16))
    dark = pp.preprocess(png(canvas(40, 44, 255, 0, *strokes)))
    light = pp.preprocess(png(canvas(40, 44, 0, 255, *strokes)))
    pencil = pp.preprocess(png(canvas(40, 44, 190, 90, *strokes)))
    assert np.array_equal(dark.pixels, light.pixels) and np.array_equal(dark.pixels, pencil.pixels)
    assert (pencil.background, pencil.ink_max) == (65, 165)


def test_specks_are_dropped_from_the_box():
    bar = (20, 10, 6, 40)
    clean = pp.preprocess(png(canvas(64, 64, 255, 0, bar)))
    specked = pp.preprocess(png(canvas(64, 64, 255, 0, bar, (2, 2, 1, 1), (60, 60, 2, 2))))
    assert clean.box == specked.box and np.array_equal(clean.pixels, specked.pixels)


def test_raw_mode_only_resizes():
    raw = pp.preprocess(png(canvas(56, 28, 255, 0, (0, 0, 28, 28))), pp.Mode.RAW)
    assert raw.polarity is pp.Polarity.NOT_TESTED
    assert raw.pixels[:, :14].max() == 0 and raw.pixels[:, 14:].min() == 255


def test_segmentation_orders_merges_and_drops():
    line = canvas(
        200,
        60,
        255,
        0,
        (150, 10, 8, 40),
        (10, 10, 8, 40),
        (80, 20, 8, 30),
        (80, 10, 8, 6),
        (110, 33, 20, 4),
        (190, 2, 1, 1),
    )
    seg = pp.segment(png(line))
    assert [d.box for d in seg.digits] == [pp.Box(10, 10, 8, 40), pp.Box(80, 10, 8, 40), pp.Box(150, 10, 8, 40)]
    assert (seg.marks, seg.specks) == (1, 1)


def test_components_are_eight_connected():
    mask = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0], [1, 1, 0]], bool)
    found = components.find(mask)
    assert [(c.x0, c.y0, c.x1, c.y1, c.area) for c in found] == [(0, 0, 2, 2, 3), (0, 4, 1, 4, 2)]


# ---- refusals -------------------------------------------------------------------------------------------------


def test_bad_bytes_are_refused_with_their_reason():
    good = png(canvas(30, 30, 255, 0, (10, 5, 8, 20)))
    flipped = bytearray(good)
    flipped[40] ^= 1
    assert reason_of(b"") is errors.ImageReason.EMPTY_FILE
    assert reason_of(b"GIF90a not really") is errors.ImageReason.NOT_AN_IMAGE
    assert reason_of(good[:-1]) is errors.ImageReason.TRUNCATED
    assert reason_of(good[:20]) is errors.ImageReason.TRUNCATED
    assert reason_of(bytes(flipped)) is errors.ImageReason.CORRUPT
    assert reason_of(png(canvas(30, 30, 128, 128))) is errors.ImageReason.NO_INK
    assert reason_of(png(canvas(30, 30, 255, 230, (5, 5, 5, 5)))) is errors.ImageReason.NO_INK


def test_the_pixel_limit_is_checked_from_the_header_before_decoding():
    assert pp.read_header(claiming_png(4096, 4096)).width == 4096  # exactly MAX_PIXELS passes the header check
    assert reason_of(claiming_png(4096, 4096)) is errors.ImageReason.CORRUPT  # (its one-row data does not decode)
    assert reason_of(claiming_png(4096, 4097)) is errors.ImageReason.TOO_LARGE
    with pytest.raises(errors.ImageError, match="50000 x 50000"):
        pp.read_header(claiming_png(50000, 50000), "x.png")
    assert reason_of(claiming_png(0, 10)) is errors.ImageReason.CORRUPT


def test_a_bmp_claiming_more_palette_colours_than_its_depth_allows_is_corrupt():
    out = io.BytesIO()
    Image.fromarray(canvas(30, 30, 255, 0, (10, 5, 8, 20))).save(out, "BMP")  # 8-bit, 256 colours
    bmp = bytearray(out.getvalue())
    struct.pack_into("<I", bmp, 46, 257)
    with pytest.raises(errors.ImageError, match="at most 256 palette colours, found 257"):
        pp.read_header(bytes(bmp))
    struct.pack_into("<I", bmp, 46, 256)
    assert pp.preprocess(bytes(bmp)).box == pp.Box(10, 5, 8, 20)


def test_unreadable_files_are_io_errors(tmp_path):
    assert reason_of(tmp_path / "missing.png") is errors.ImageReason.IO
    assert reason_of(tmp_path) is errors.ImageReason.IO
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(errors.ImageError) as caught:
        pp.segment(tmp_path / "empty.png")
    assert caught.value.reason is errors.ImageReason.EMPTY_FILE
    assert str(caught.value).startswith(f"{tmp_path / 'empty.png'}: EMPTY_FILE: expected")


def specks(w: int, h: int) -> bytes:
    """A white page with a black pixel at every other row and column: (w // 2) x (h // 2) one-pixel components."""
    page = np.full((h, w), 255, np.uint8)
    page[::2, ::2] = 0
    return png(page)


def test_too_many_ink_runs_are_refused_before_components_are_formed():
    page = specks(600, 600)  # 90,000 runs, each a component: quadratic work for segmentation without the limit
    for read in (pp.preprocess, pp.segment):
        with pytest.raises(errors.ImageError, match=r"TOO_LARGE: expected at most 65536 ink runs .*, found 90000"):
            read(page, name="specks.png")


def test_the_ink_run_limit_is_inclusive(monkeypatch):
    monkeypatch.setattr(preprocessor, "MAX_INK_RUNS", 100)  # where the limit is read
    assert len(pp.segment(specks(20, 20)).digits) == 10  # 100 runs: read (10 columns of specks)
    assert reason_of(specks(22, 20)) is errors.ImageReason.TOO_LARGE  # 110


def test_other_ink_inside_a_digits_box_is_cleared_and_its_own_kept():
    # a stroke with a hole holding a speck; faint pixels (below the ink threshold) are kept as they are
    page = canvas(40, 40, 255, 0, (10, 5, 20, 30))
    page[10:30, 15:25] = 255
    page[20, 20] = 0  # a speck inside the box
    page[12, 16] = 200  # faint: not ink, kept
    d = pp.preprocess(png(page))
    reference = canvas(40, 40, 255, 0, (10, 5, 20, 30))
    reference[10:30, 15:25] = 255
    reference[12, 16] = 200
    assert np.array_equal(d.pixels, pp.preprocess(png(reference)).pixels)


def ancillary_png(kind: bytes, payload: bytes) -> bytes:
    """A drawn digit with one extra chunk before its image data."""
    good = png(canvas(30, 30, 255, 0, (10, 5, 8, 20)))
    return good[:33] + chunk(kind, payload) + good[33:]


def inflating_to(size: int) -> bytes:
    """zlib data that inflates to ``size`` zero bytes, made a mebibyte at a time."""
    z, block = zlib.compressobj(9), bytes(1 << 20)
    return b"".join(z.compress(block[: min(len(block), size - at)]) for at in range(0, size, len(block))) + z.flush()


def compressed_chunks() -> dict[str, bytes]:
    bomb = inflating_to(8 << 20)  # 8 MiB: above Pillow's 1 MiB limit for text and ICC chunks
    return {
        "zTXt": ancillary_png(b"zTXt", b"Comment\0\0" + bomb),
        "iTXt": ancillary_png(b"iTXt", b"Comment\0\1\0\0\0" + bomb),
        "iCCP": ancillary_png(b"iCCP", b"profile\0\0" + bomb),
        "tEXt": ancillary_png(b"tEXt", b"Comment\0" + bytes(2 << 20)),
        "unknown": ancillary_png(b"abCd", bytes(1000)),
    }


def test_text_and_icc_chunks_are_not_inflated():
    plain = pp.preprocess(png(canvas(30, 30, 255, 0, (10, 5, 8, 20))))
    for kind, payload in compressed_chunks().items():
        assert np.array_equal(pp.preprocess(payload, name=kind).pixels, plain.pixels), kind


def test_damaged_ancillary_chunks_are_still_corrupt():
    payload = bytearray(ancillary_png(b"zTXt", b"Comment\0\0" + zlib.compress(b"hello")))
    payload[45] ^= 1  # inside the chunk: its CRC no longer matches
    assert reason_of(bytes(payload)) is errors.ImageReason.CORRUPT


def test_dev_zero_and_other_sizeless_files_are_read_with_a_bound(tmp_path, monkeypatch):
    if Path("/dev/zero").exists():
        assert reason_of("/dev/zero") is errors.ImageReason.NOT_AN_IMAGE  # it reports size 0, yet its bytes never end
    monkeypatch.setattr(preprocessor, "MAX_FILE_BYTES", 1 << 16)  # where the limit is read
    fifo = tmp_path / "endless.png"
    os.mkfifo(fifo)

    def endless() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as out:
            out.write(b"\x89PNG\r\n\x1a\n")
            while True:
                out.write(bytes(1 << 16))

    writer = threading.Thread(target=endless, daemon=True)
    writer.start()
    with pytest.raises(errors.ImageError, match=r"TOO_LARGE: expected a file of at most 65536 bytes, found more"):
        pp.preprocess(fifo)
    writer.join(5)


# ---- the golden corpus ----------------------------------------------------------------------------------------


def test_the_corpus_is_small_and_covers_every_reason():
    assert sum(p.stat().st_size for p in IMAGES.iterdir()) < 2_000_000
    assert len(DIGITS) >= 150 and len(STRIPS) >= 5
    assert {r[2] for r in BAD} == {r.value for r in errors.ImageReason} - {"IO"}
    assert {p.suffix for p in IMAGES.glob("digit-*")} == {".png", ".bmp", ".gif", ".jpg"}


@pytest.mark.parametrize("row", DIGITS + STRIPS, ids=[r[0] for r in DIGITS + STRIPS])
def test_python_still_makes_the_stored_arrays(row, expected):
    mnist, raw = expected
    path = IMAGES / row[0]
    found = [pp.preprocess(path).pixels] if row[1] == "digit" else [d.pixels for d in pp.segment(path).digits]
    assert np.array_equal(np.stack(found), mnist[rows(row[3])])
    assert np.array_equal(pp.preprocess(path, pp.Mode.RAW).pixels, raw[int(row[4])])
    if row[1] == "strip":
        assert len(found) == len(row[2])


@pytest.mark.parametrize("row", BAD, ids=[r[0] for r in BAD])
def test_python_refuses_the_bad_inputs(row):
    with pytest.raises(errors.ImageError) as caught:
        pp.preprocess(IMAGES / row[0])
    assert caught.value.reason.value == row[2]
    assert str(caught.value).startswith(f"{IMAGES / row[0]}: {row[2]}: ") and "expected" in caught.value.detail


def test_rerendered_digits_resemble_the_originals():
    """Model-independent: the preprocessed re-rendering correlates with the MNIST image it was drawn from."""
    mnist = idx.read_idx(IMAGES / "expected-mnist.idx").data
    originals = data.load("t10k").images.data
    correlations = []
    for row in DIGITS:
        index = int(row[6].split("#")[1].split(",")[0])
        a, b = mnist[rows(row[3])][0].ravel().astype(float), originals[index].ravel().astype(float)
        correlations.append(np.corrcoef(a, b)[0, 1])
    assert np.median(correlations) >= 0.9 and np.mean(np.array(correlations) >= 0.8) >= 0.9


# ---- the Java twin --------------------------------------------------------------------------------------------


def java_image(jvm):
    return jpype.JClass("io.github.digitbridge.image.Preprocessor"), jpype.JClass("java.nio.file.Path")


def java_pixels(jvm, digit) -> np.ndarray:
    return jvm.view(digit.buffer()).view(np.uint8).reshape(28, 28)


@pytest.mark.parametrize("row", DIGITS + STRIPS, ids=[r[0] for r in DIGITS + STRIPS])
def test_java_makes_identical_arrays(jvm, row):
    pre, path = java_image(jvm)
    file = IMAGES / row[0]
    if row[1] == "digit":
        java = [java_pixels(jvm, pre.preprocess(path.of(str(file)), pre.Mode.MNIST))]
        python = [pp.preprocess(file)]
    else:
        java = [java_pixels(jvm, d) for d in pre.segment(path.of(str(file))).digits()]
        python = list(pp.segment(file).digits)
    assert len(java) == len(python)
    for j, p in zip(java, python, strict=True):
        assert np.array_equal(j, p.pixels), f"{np.count_nonzero(j != p.pixels)} pixels differ"
    raw = java_pixels(jvm, pre.preprocess(path.of(str(file)), pre.Mode.RAW))
    assert np.array_equal(raw, pp.preprocess(file, pp.Mode.RAW).pixels)


@pytest.mark.parametrize("row", BAD, ids=[r[0] for r in BAD])
def test_java_refuses_with_the_same_reason_and_detail(jvm, row):
    pre, path = java_image(jvm)
    with pytest.raises(jpype.JException) as caught:
        pre.preprocess(path.of(str(IMAGES / row[0])), pre.Mode.MNIST)
    java = caught.value
    assert str(java.reason().name()) == row[2]
    with pytest.raises(errors.ImageError) as python:
        pp.preprocess(IMAGES / row[0])
    if row[2] != "CORRUPT":  # a decoder's failure is described in the decoder's own words
        assert str(java.getMessage()) == str(python.value)


def test_java_metadata_matches(jvm):
    pre, path = java_image(jvm)
    for row in DIGITS[::9]:
        file = IMAGES / row[0]
        assert jvm.describe_digit(pre.preprocess(path.of(str(file)), pre.Mode.MNIST)) == pp.preprocess(file).describe()


def java_refusal(jvm, payload: bytes, name: str, segment: bool = False) -> str:
    pre = jpype.JClass("io.github.digitbridge.image.Preprocessor")
    with pytest.raises(jpype.JException) as caught:
        pre.segment(payload, name) if segment else pre.preprocess(payload, name, pre.Mode.MNIST)
    return str(caught.value.getMessage())


def python_refusal(payload: bytes, name: str, segment: bool = False) -> str:
    with pytest.raises(errors.ImageError) as caught:
        pp.segment(payload, name=name) if segment else pp.preprocess(payload, name=name)
    return str(caught.value)


def test_twins_refuse_too_many_ink_runs_alike(jvm):
    page = specks(600, 600)
    for segment in (False, True):
        assert java_refusal(jvm, page, "specks.png", segment) == python_refusal(page, "specks.png", segment)


def test_twins_refuse_sides_of_2_to_the_32_alike(jvm):
    """4294967295 x 4294967295 overflows a signed 64-bit product: still TOO_LARGE, with the exact product."""
    for w, h in ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 1), (0x80000000, 0x80000000)):
        payload = claiming_png(w, h)
        message = python_refusal(payload, "claims.png")
        assert f": TOO_LARGE: expected at most 16777216 pixels, found {w} x {h} = {w * h}" in message
        assert java_refusal(jvm, payload, "claims.png") == message


def test_twins_read_pngs_with_large_text_and_icc_chunks_alike(jvm):
    for kind, payload in compressed_chunks().items():
        assert outcome(jvm, payload, kind) == python_outcome(payload, kind), kind
        assert outcome(jvm, payload, kind)[0] == "OK", kind


def test_twins_refuse_an_ico_and_dev_zero_alike(jvm):
    pre, path = java_image(jvm)
    ico = b"\0\0\1\0\1\0\x10\x10" + bytes(40)  # an ICO file starts with two zero bytes, like IDX
    assert java_refusal(jvm, ico, "icon.ico") == python_refusal(ico, "icon.ico")
    if Path("/dev/zero").exists():
        with pytest.raises(jpype.JException) as caught:
            pre.preprocess(path.of("/dev/zero"), pre.Mode.MNIST)
        with pytest.raises(errors.ImageError) as python:
            pp.preprocess("/dev/zero")
        assert str(caught.value.getMessage()) == str(python.value)
        assert python.value.reason is errors.ImageReason.NOT_AN_IMAGE


def jpeg_sweep() -> list[tuple[str, bytes]]:
    """JPEGs over quality, chroma subsampling, progressive coding, gray and colour: the measured bound's sample."""
    images = data.load("t10k").images.data
    rng = np.random.default_rng(11)
    out, k = [], 3000
    for quality in (30, 50, 75, 90, 95, 100):
        for subsampling in (0, 1, 2):
            for progressive in (False, True):
                for mode in ("L", "RGB"):
                    if mode == "L" and subsampling:
                        continue
                    ink = tuple(int(v) for v in rng.integers(0, 120, 3))
                    paper = tuple(int(v) for v in rng.integers(150, 256, 3))
                    noise = float(rng.choice([0.0, 8.0, 20.0]))
                    style = corpus.Style("sweep", "jpeg", mode, int(rng.integers(20, 160)), ink, paper, noise=noise)
                    buf = io.BytesIO()
                    corpus.render(images[k], style, rng).save(
                        buf, "JPEG", quality=quality, subsampling=subsampling, progressive=progressive
                    )
                    out.append((f"q{quality}-s{subsampling}-p{int(progressive)}-{mode}", buf.getvalue()))
                    k += 1
    return out


def test_jpeg_decodes_within_the_stated_bound(jvm):
    pre = jpype.JClass("io.github.digitbridge.image.Preprocessor")
    worst, differing, total = 0, 0, 0
    for name, payload in jpeg_sweep():
        java = pre.decodeGray(payload, name)
        _, python = pp.decode_gray(payload, name)
        found = np.frombuffer(bytes(java.values()), np.uint8).reshape(python.shape)
        diff = np.abs(found.astype(int) - python)
        worst, differing, total = (
            max(worst, int(diff.max())),
            differing + int(np.count_nonzero(diff)),
            total + diff.size,
        )
    assert worst <= JPEG_BOUND, f"{differing} of {total} decoded JPEG values differ, by up to {worst}"


def outcome(jvm, payload: bytes, name: str) -> tuple[str, bytes]:
    """("OK", pixels) or ("ERR", reason) of the Java twin on bytes, in mnist mode."""
    pre = jpype.JClass("io.github.digitbridge.image.Preprocessor")
    try:
        return "OK", java_pixels(jvm, pre.preprocess(payload, name, pre.Mode.MNIST)).tobytes()
    except jpype.JException as exc:
        return "ERR", str(exc.reason().name())


def python_outcome(payload: bytes, name: str) -> tuple[str, bytes]:
    try:
        return "OK", pp.preprocess(payload, name=name).pixels.tobytes()
    except errors.ImageError as exc:
        return "ERR", exc.reason.value


def test_twins_agree_on_damaged_files(jvm):
    """Truncated, overwritten, spliced copies of corpus images: the same reason or the same bytes, never a crash."""
    rng = np.random.default_rng(20260601)
    sources = [IMAGES / r[0] for r in DIGITS if not r[0].endswith(".png")] + [IMAGES / r[0] for r in STRIPS]
    outcomes = {}
    for k in range(300):
        payload = bytearray(sources[rng.integers(len(sources))].read_bytes())
        kind = k % 4
        if kind == 0:
            payload = payload[: rng.integers(1, len(payload))]
        elif kind == 1:
            for _ in range(rng.integers(1, 4)):
                payload[rng.integers(len(payload))] = rng.integers(256)
        elif kind == 2:
            at = rng.integers(8, len(payload))
            payload[at : at + 16] = rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
        else:
            at = rng.integers(len(payload) // 2, len(payload))
            del payload[at : at + rng.integers(1, 50)]
        found = python_outcome(bytes(payload), f"damaged-{k}")
        assert outcome(jvm, bytes(payload), f"damaged-{k}") == found, f"damaged-{k} (kind {kind})"
        key = "OK" if found[0] == "OK" else str(found[1])
        outcomes[key] = outcomes.get(key, 0) + 1
    assert {"OK", "TRUNCATED", "CORRUPT"} <= set(outcomes)


def gif_with_small_table(rng: np.random.Generator, table_bits: int, transparency: int | None) -> bytes:
    """A GIF whose pixel indices (and transparent index) run past its colour table of 2 << table_bits entries."""
    index = np.zeros((40, 40), np.uint8)
    index[8:32, 15:25] = rng.integers(0, 256, (24, 10))
    im = Image.frombytes("P", (40, 40), index.tobytes())
    im.putpalette([255, 255, 255] + [int(v) for v in rng.integers(0, 256, 765)])
    out = io.BytesIO()
    im.save(out, "GIF", optimize=False, **({} if transparency is None else {"transparency": transparency}))
    gif = bytearray(out.getvalue())
    gif[10] = (gif[10] & ~7) | table_bits
    del gif[13 + 3 * (2 << table_bits) : 13 + 768]
    return bytes(gif)


def test_twins_agree_on_gif_indices_past_the_colour_table(jvm):
    pre = jpype.JClass("io.github.digitbridge.image.Preprocessor")
    rng = np.random.default_rng(4)
    for table_bits in range(8):
        for transparency in (None, 0, 1, 2, 5, 12, 17, 200, 255):
            gif = gif_with_small_table(rng, table_bits, transparency)
            _, python = pp.decode_gray(gif)
            java = np.frombuffer(bytes(pre.decodeGray(gif, "gif").values()), np.uint8).reshape(python.shape)
            assert np.array_equal(java, python), (table_bits, transparency)


def bmp_of_random_pixels(rng: np.random.Generator, bits: int, compression: int = 0, masks: tuple = ()) -> bytes:
    """A 37 x 23 BMP of random pixel bytes in a layout Pillow does not write (16- and 32-bit, bit fields)."""
    w, h = 37, 23
    pixels = rng.integers(0, 256, (w * bits + 31) // 32 * 4 * h, dtype=np.uint8).tobytes()
    dib = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bits, compression, len(pixels), 2835, 2835, 0, 0)
    extra = b"".join(struct.pack("<I", m) for m in masks)
    offset = 14 + len(dib) + len(extra)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + dib + extra + pixels


@pytest.mark.parametrize(
    ("bits", "compression", "masks"),
    [
        (16, 0, ()),
        (32, 0, ()),
        (16, 3, (0xF800, 0x07E0, 0x001F)),
        (16, 3, (0x7C00, 0x03E0, 0x001F)),
        (32, 3, (0xFF0000, 0x00FF00, 0x0000FF)),
    ],
)
def test_twins_agree_on_bmp_layouts(jvm, bits, compression, masks):
    payload = bmp_of_random_pixels(np.random.default_rng(bits + compression), bits, compression, masks)
    _, python = pp.decode_gray(payload)
    java = jpype.JClass("io.github.digitbridge.image.Preprocessor").decodeGray(payload, "bmp")
    assert np.array_equal(np.frombuffer(bytes(java.values()), np.uint8).reshape(python.shape), python)


# ---- accuracy -------------------------------------------------------------------------------------------------


def deeper_cnn():
    if not DEEPER_CNN.exists():
        pytest.skip(f"{DEEPER_CNN.relative_to(ROOT)} is not trained yet (make models): the accuracy needs it")
    return PythonOrtRuntime(threads=1, device="cpu").open(DEEPER_CNN)


def accuracy(pixels: list[np.ndarray], labels: list[int]) -> float:
    predicted = deeper_cnn().predict(to_input(np.stack(pixels))).argmax(axis=1)
    return float(np.mean(predicted == np.array(labels)))


def test_corpus_digits_are_read_by_deeper_cnn(expected):
    mnist, _ = expected
    found = accuracy([mnist[rows(r[3])][0] for r in DIGITS], [int(r[2]) for r in DIGITS])
    assert found >= ACCURACY_TARGET


@pytest.mark.slow
def test_two_thousand_rerendered_test_digits_are_read_by_deeper_cnn():
    """The target: >= 98% on MNIST test digits re-rendered in every corpus style (about 30 s)."""
    test = data.load("t10k")
    rng = np.random.default_rng(2026)
    styles = corpus.STYLES + corpus.JPEG_STYLES
    pixels, labels = [], []
    for k, i in enumerate(range(5000, 7000)):
        style = styles[k % len(styles)]
        pixels.append(pp.preprocess(corpus.encode(corpus.render(test.images.data[i], style, rng), style)).pixels)
        labels.append(int(test.labels.data[i]))
    found = accuracy(pixels, labels)
    print(f"deeper_cnn on 2000 re-rendered MNIST test digits: {found:.2%}")
    assert found >= ACCURACY_TARGET


def test_strips_read_as_their_numbers(expected):
    model = deeper_cnn()
    mnist, _ = expected
    for row in STRIPS:
        probabilities = model.predict(to_input(mnist[rows(row[3])]))
        assert "".join(str(v) for v in probabilities.argmax(axis=1)) == row[2], row[0]
