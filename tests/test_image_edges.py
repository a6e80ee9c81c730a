"""Preprocessing at its edges: 1-pixel images, the byte and run limits, specks, segmentation's merging rule,
and the NO_INK and TOO_LARGE lines in full. Images are drawn here with NumPy and written as PNG by Pillow.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from pybridge import errors
from pybridge import image as pp
from pybridge.image import components, preprocessor
from pybridge.image.digit_image import Box, Polarity


def png(gray: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.asarray(gray, np.uint8), "L").save(out, "PNG")
    return out.getvalue()


def refused(source, reason: str, **kw) -> str:
    with pytest.raises(errors.ImageError) as caught:
        pp.preprocess(source, **kw)
    assert caught.value.reason is errors.ImageReason[reason], caught.value
    return str(caught.value)


# ---- the integer helpers --------------------------------------------------------------------------------------


def test_lower_median_and_border():
    assert preprocessor._lower_median(np.array([4, 1, 3, 2], np.uint8)) == 2
    assert preprocessor._lower_median(np.array([9], np.uint8)) == 9
    assert preprocessor._lower_median(np.array([0, 255, 255], np.uint8)) == 255
    grid = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert preprocessor._border(grid).tolist() == [0, 1, 2, 3, 8, 9, 10, 11, 4, 7]
    assert preprocessor._border(grid.reshape(4, 3)).tolist() == [0, 1, 2, 9, 10, 11, 3, 6, 5, 8]
    assert preprocessor._border(grid[:2]).tolist() == list(range(8))  # 2 rows: every pixel is border
    assert preprocessor._border(grid[:, :2]).tolist() == [0, 1, 4, 5, 8, 9]


def test_runs_and_8_connected_components():
    mask = np.array(
        [
            [1, 1, 0, 0, 1],
            [0, 0, 1, 0, 0],
            [0, 0, 0, 0, 1],
            [1, 0, 0, 1, 1],
        ],
        bool,
    )
    assert components.count_runs(mask) == 6
    found = components.find(mask)
    summary = [(c.first, c.x0, c.y0, c.x1, c.y1, c.area, c.runs) for c in found]
    assert summary == [
        ((0, 0), 0, 0, 2, 1, 3, [(0, 0, 2), (1, 2, 3)]),  # diagonal touch joins
        ((0, 4), 4, 0, 4, 0, 1, [(0, 4, 5)]),
        ((2, 4), 3, 2, 4, 3, 3, [(2, 4, 5), (3, 3, 5)]),
        ((3, 0), 0, 3, 0, 3, 1, [(3, 0, 1)]),
    ]
    assert components.count_runs(np.ones((2, 3), bool)) == 2
    assert components.count_runs(np.zeros((2, 3), bool)) == 0


# ---- 1-pixel images ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 9), (9, 1)])
def test_an_image_one_pixel_wide_or_high(shape):
    gray = np.zeros(shape, np.uint8)
    gray.ravel()[3:6] = 200
    digit = pp.preprocess(png(gray))
    assert digit.polarity is Polarity.LIGHT_ON_DARK and digit.background == 0 and digit.ink_max == 200
    long_side = 3
    assert digit.box == (Box(3, 0, long_side, 1) if shape[0] == 1 else Box(0, 3, 1, long_side))
    assert digit.scaled == ((20, 7) if shape[0] == 1 else (7, 20))
    assert digit.offset == ((5, 11) if shape[0] == 1 else (11, 5))  # centre of mass to 14, half up
    assert int(digit.pixels.sum()) == 255 * 20 * 7
    single = np.zeros((1, 1), np.uint8)
    assert refused(png(single), "NO_INK").endswith(
        "no digit found: expected strokes at least 32 grey levels darker or lighter than the page, "
        "found a blank page (every pixel grey level 0; 0 is black, 255 white)"
    )


def test_a_square_digit_fills_the_20_pixel_box():
    gray = np.zeros((10, 10), np.uint8)
    gray[2:8, 2:8] = 255
    digit = pp.preprocess(png(gray))
    assert digit.box == Box(2, 2, 6, 6) and digit.scaled == (20, 20) and digit.offset == (5, 5)
    assert digit.pixels[5:25, 5:25].min() == 255 and int(digit.pixels.sum()) == 255 * 400


def test_a_dark_digit_on_light_paper_is_inverted():
    gray = np.full((9, 9), 230, np.uint8)
    gray[2:7, 4] = 20
    digit = pp.preprocess(png(gray))
    assert digit.polarity is Polarity.DARK_ON_LIGHT and digit.background == 25 and digit.ink_max == 235
    assert digit.box == Box(4, 2, 1, 5) and digit.scaled == (4, 20)


# ---- NO_INK and TOO_LARGE lines ---------------------------------------------------------------------------------


def test_no_ink_lines_in_the_users_grey_levels():
    faint = np.full((8, 8), 200, np.uint8)
    faint[3, 3] = 170  # 30 levels darker: one short of the contrast needed
    assert refused(png(faint), "NO_INK", name="faint.png") == (
        "faint.png: NO_INK: no digit found: expected strokes at least 32 grey levels darker than the page, found a "
        "page of grey level 200 (0 is black, 255 white) whose darkest pixel is only 30 levels darker"
    )
    chalk = np.full((8, 8), 10, np.uint8)
    chalk[3, 3] = 41
    assert refused(png(chalk), "NO_INK", name="chalk.png") == (
        "chalk.png: NO_INK: no digit found: expected strokes at least 32 grey levels lighter than the page, found "
        "a page of grey level 10 (0 is black, 255 white) whose lightest pixel is only 31 levels lighter"
    )
    chalk[3, 3] = 42  # 32 levels: enough
    assert pp.preprocess(png(chalk)).ink_max == 42
    blank = np.full((8, 8), 255, np.uint8)
    assert refused(png(blank), "NO_INK", name="b.png").endswith(
        "found a blank page (every pixel grey level 255; 0 is black, 255 white)"
    )


def test_the_ink_run_limit_is_65536_runs():
    stripes = np.zeros((256, 512), np.uint8)
    stripes[:, ::2] = 255  # 256 runs per row
    assert pp.preprocess(png(stripes)).box == Box(0, 0, 511, 256)  # 65,536 runs: at the limit
    more = np.zeros((257, 512), np.uint8)
    more[:, ::2] = 255
    assert refused(png(more), "TOO_LARGE", name="s.png") == (
        "s.png: TOO_LARGE: expected at most 65536 ink runs (row stretches of ink), found 65792: too many separate "
        "marks to be digits"
    )


def test_bytes_in_memory_are_held_to_the_file_limit(monkeypatch):
    data = png(np.eye(8, dtype=np.uint8) * 255)
    monkeypatch.setattr(preprocessor, "MAX_FILE_BYTES", len(data))
    assert pp.preprocess(data).box == Box(0, 0, 8, 8)
    monkeypatch.setattr(preprocessor, "MAX_FILE_BYTES", len(data) - 1)
    assert refused(data, "TOO_LARGE") == (
        f"<{len(data)} bytes>: TOO_LARGE: expected at most {len(data) - 1} bytes, found {len(data)}"
    )
    assert refused(bytearray(data), "TOO_LARGE", name="n.png").startswith("n.png: TOO_LARGE: ")


def test_a_file_is_held_to_the_limit_by_its_size(tmp_path, monkeypatch):
    data = png(np.eye(8, dtype=np.uint8) * 255)
    path = tmp_path / "d.png"
    path.write_bytes(data)
    monkeypatch.setattr(preprocessor, "MAX_FILE_BYTES", len(data))
    assert preprocessor.read_bytes(path) == data
    monkeypatch.setattr(preprocessor, "MAX_FILE_BYTES", len(data) - 1)
    assert (
        refused(path, "TOO_LARGE")
        == f"{path}: TOO_LARGE: expected a file of at most {len(data) - 1} bytes, found {len(data)}"
    )
    assert refused(tmp_path, "IO") == f"{tmp_path}: IO: expected a file, found a directory"
    assert refused(tmp_path / "none.png", "IO") == (
        f"{tmp_path / 'none.png'}: IO: expected a readable file, found: No such file or directory"
    )


# ---- specks and segmentation ------------------------------------------------------------------------------------


def test_a_component_is_a_speck_below_a_25th_of_the_largest():
    gray = np.zeros((20, 20), np.uint8)
    gray[2:12, 2:12] = 255  # area 100
    gray[15, 15:19] = 255  # area 4: 4 x 25 = 100, kept
    kept = pp.preprocess(png(gray))
    assert kept.box == Box(2, 2, 17, 14)
    gray[15, 18] = 0  # area 3: a speck
    assert pp.preprocess(png(gray)).box == Box(2, 2, 10, 10)
    line = pp.segment(png(gray))
    assert line.specks == 1 and line.marks == 0 and len(line.digits) == 1


def strokes(*columns: tuple[int, int, int, int], shape=(30, 60)) -> bytes:
    """Vertical bars (x0, x1 inclusive, y0, y1 inclusive) of full ink."""
    gray = np.zeros(shape, np.uint8)
    for x0, x1, y0, y1 in columns:
        gray[y0 : y1 + 1, x0 : x1 + 1] = 255
    return png(gray)


def test_segmentation_merges_at_half_the_narrower_width():
    # A 4-wide bar at x 10..13 and a 4-wide bar at x 12..15 below it: overlap 2 = half of 4, merged.
    merged = pp.segment(strokes((10, 13, 2, 10), (12, 15, 14, 22)))
    assert len(merged.digits) == 1 and merged.digits[0].box == Box(10, 2, 6, 21)
    # Shifted one column right: overlap 1 < 2, two digits, left to right.
    apart = pp.segment(strokes((10, 13, 2, 10), (13, 16, 14, 22)))
    assert [d.box for d in apart.digits] == [Box(10, 2, 4, 9), Box(13, 14, 4, 9)]
    # Side by side without overlap.
    two = pp.segment(strokes((30, 33, 2, 20), (10, 13, 2, 20)))
    assert [d.box.x for d in two.digits] == [10, 30] and two.marks == 0


def test_segmentation_takes_half_of_whichever_is_narrower():
    # 2 columns of overlap are half of a 4-wide bar, under or over a 6-wide one: merged either way round; under a
    # 5-wide bar they are less than half: apart.
    wide_first = pp.segment(strokes((10, 15, 2, 10), (14, 17, 14, 22)))
    narrow_first = pp.segment(strokes((10, 13, 2, 10), (12, 17, 14, 22)))
    assert [len(line.digits) for line in (wide_first, narrow_first)] == [1, 1]
    apart = pp.segment(strokes((10, 14, 2, 10), (13, 17, 14, 22)))
    assert [d.box for d in apart.digits] == [Box(10, 2, 5, 9), Box(13, 14, 5, 9)]


def test_segmentation_measures_overlap_against_the_whole_group_so_far():
    # A and B merge into a group 6 wide (x 10..15); C overlaps it by 2 columns, under half of 6: a digit of its own
    # (against B's 4 columns alone it would have been half, and merged).
    line = pp.segment(strokes((10, 13, 2, 8), (12, 15, 11, 17), (14, 21, 20, 28)))
    assert [d.box for d in line.digits] == [Box(10, 2, 6, 16), Box(14, 20, 8, 9)]


def test_segmentation_merges_into_the_groups_extent_not_only_the_last_component():
    # Three components: a wide bar, then two narrow ones under its two ends; both join the wide group.
    line = pp.segment(strokes((10, 29, 2, 4), (10, 13, 8, 20), (26, 29, 8, 20)))
    assert len(line.digits) == 1 and line.digits[0].box == Box(10, 2, 20, 19)


def test_a_group_under_half_the_tallest_is_a_mark():
    line = pp.segment(strokes((10, 13, 2, 21), (30, 33, 2, 11)))  # heights 20 and 10: a digit
    assert len(line.digits) == 2 and line.marks == 0
    dot = pp.segment(strokes((10, 13, 2, 21), (30, 33, 2, 10)))  # height 9 x 2 < 20: a mark
    assert len(dot.digits) == 1 and dot.marks == 1 and dot.digits[0].box == Box(10, 2, 4, 20)
    odd = pp.segment(strokes((10, 13, 2, 22), (30, 33, 2, 11)))  # height 10 x 2 < 21: a mark
    assert len(odd.digits) == 1 and odd.marks == 1


def test_a_digit_box_clears_ink_of_other_digits():
    # An L (x 2..21) and a bar (x 19..30) reaching into its box: overlap 3 < half of 12, two digits, and the
    # bar's ink inside the L's box is not part of the L.
    gray = np.zeros((30, 40), np.uint8)
    gray[2:22, 2:6] = 255
    gray[18:22, 2:22] = 255
    only_l = gray.copy()
    gray[2:13, 19:31] = 255
    line = pp.segment(png(gray))
    assert [d.box for d in line.digits] == [Box(2, 2, 20, 20), Box(19, 2, 12, 11)]
    assert (line.digits[0].pixels == pp.preprocess(png(only_l)).pixels).all()


# ---- segmentation of faint digits and faint strokes -------------------------------------------------------------


def test_a_digit_fainter_than_the_line_is_found_and_read_as_it_would_be_alone():
    # A bold bar and a faint one (stretched to 100 of 255: under INK_THRESHOLD, over SEGMENT_INK_THRESHOLD), as a
    # pencil pressed lighter or a thinner, blurrier stroke draws it.
    gray = np.zeros((30, 40), np.uint8)
    gray[3:25, 5:9] = 255
    gray[3:25, 25:29] = 100
    line = pp.segment(png(gray))
    assert [d.box for d in line.digits] == [Box(5, 3, 4, 22), Box(25, 3, 4, 22)]
    alone = np.zeros((30, 40), np.uint8)
    alone[3:25, 25:29] = 100
    # Stretched to its own brightest pixel: the same input as an image holding only the faint bar.
    assert (line.digits[1].pixels == pp.preprocess(png(alone)).pixels).all()
    assert line.digits[1].pixels.max() == 255


def test_a_stroke_faint_in_the_middle_does_not_split_its_digit():
    # A ring whose top and bottom are faint in the middle columns (a lighter pencil stroke, a JPEG-eaten hairline):
    # at INK_THRESHOLD it is a left and a right arc that share no column; at SEGMENT_INK_THRESHOLD one ring.
    gray = np.zeros((30, 40), np.uint8)
    gray[3:25, 8:30] = 255
    gray[6:22, 11:27] = 0
    gray[3:6, 15:23] = 90
    gray[22:25, 15:23] = 90
    line = pp.segment(png(gray))
    assert len(line.digits) == 1 and line.marks == 0
    assert line.digits[0].box == Box(8, 3, 22, 22)
    assert (line.digits[0].pixels == pp.preprocess(png(gray)).pixels).all()


def test_a_digit_broken_by_a_faint_stretch_is_not_a_mark_and_keeps_its_pieces():
    # A 6-like shape beside a bold bar: a loop, and a stem whose top is bold and whose middle is faint. At
    # INK_THRESHOLD the stem's top is a speck beside the bar and the loop alone is under half the bar's height (a
    # mark). At SEGMENT_INK_THRESHOLD the stem joins the loop: one digit, and read alone the stem's top is no
    # speck beside the loop, so the digit keeps its full height.
    gray = np.zeros((40, 50), np.uint8)
    gray[3:35, 4:14] = 255  # a bar, the line's tallest and largest
    gray[24:35, 20:32] = 255  # the loop
    gray[26:33, 23:29] = 0
    gray[3:7, 20:22] = 255  # the stem's top, bold
    gray[7:24, 20:22] = 110  # the stem's middle, faint
    line = pp.segment(png(gray))
    assert (line.marks, line.specks) == (0, 0)
    assert [d.box for d in line.digits] == [Box(4, 3, 10, 32), Box(20, 3, 12, 32)]


def test_a_lighter_digit_reaches_the_model_as_bright_as_a_single_image_of_it():
    # Both bars are ink at INK_THRESHOLD, but the second is drawn lighter (180): stretched to its own brightest
    # pixel it gives the same input as an image of it alone, not a dimmer one.
    gray = np.zeros((30, 40), np.uint8)
    gray[3:25, 5:9] = 255
    gray[3:25, 25:29] = 180
    gray[10:12, 29:31] = 150  # a notch, so the bar's own levels are not uniform
    alone = gray.copy()
    alone[:, :20] = 0
    line = pp.segment(png(gray))
    assert len(line.digits) == 2 and line.digits[1].pixels.max() == 255
    assert (line.digits[1].pixels == pp.preprocess(png(alone)).pixels).all()


def test_the_area_filter_gives_the_same_bytes_in_blocks_of_rows(monkeypatch):
    from pybridge.image import area_filter

    values = np.random.default_rng(7).integers(0, 256, (37, 23), dtype=np.uint8)
    whole = area_filter.area_resize(values, 9, 5)
    monkeypatch.setattr(area_filter, "_BLOCK_ROWS", 4)  # large images are resized a block of rows at a time
    assert np.array_equal(area_filter.area_resize(values, 9, 5), whole)
    assert np.array_equal(area_filter.area_resize(values, 23, 37), values)  # the identity, across blocks too


def test_a_digit_heavy_at_one_side_is_held_inside_the_field():
    gray = np.zeros((60, 60), np.uint8)
    gray[10, 10:50] = 255  # a thin top stroke and a heavy right one: the centre of mass pulls the digit off the field
    gray[10:50, 44:50] = 255
    assert pp.preprocess(png(gray)).offset == (0, 6)
    assert pp.preprocess(png(gray.T)).offset == (6, 0)
    # mirrored, the mass pulls it off the other side: held at 28 - 20
    assert pp.preprocess(png(gray[:, ::-1])).offset == (8, 6)
    assert pp.preprocess(png(gray.T[::-1])).offset == (6, 8)


def test_a_hairline_is_scaled_to_one_pixel_across():
    line = np.zeros((9, 70), np.uint8)
    line[4, 5:65] = 255  # 60 x 1: (40 * 1 + 60) // 120 = 0 rows, at least 1
    assert (pp.preprocess(png(line)).scaled, pp.preprocess(png(line.T)).scaled) == ((20, 1), (1, 20))


def test_describe_says_what_was_done_in_json_values():
    gray = np.full((9, 9), 230, np.uint8)
    gray[2:7, 4] = 20
    assert pp.preprocess(png(gray)).describe() == {
        "mode": "mnist",
        "format": "PNG",
        "size": [9, 9],
        "polarity": "dark-on-light",
        "background": 25,
        "ink_max": 235,
        "box": [4, 2, 1, 5],
        "scaled": [4, 20],
        "offset": [13, 5],
    }
    assert pp.preprocess(png(255 - gray)).describe()["polarity"] == "light-on-dark"
    assert not pp.preprocess(png(gray)).pixels.flags.writeable
    raw = pp.preprocess(png(gray), pp.Mode.RAW)
    assert not raw.pixels.flags.writeable
    assert raw.describe() == {
        "mode": "raw",
        "format": "PNG",
        "size": [9, 9],
        "polarity": "not-tested",
        "background": 0,
        "ink_max": 255,
        "box": [0, 0, 9, 9],
        "scaled": [28, 28],
        "offset": [0, 0],
    }
    assert (pp.Mode("mnist"), pp.Mode("raw")) == (pp.Mode.MNIST, pp.Mode.RAW)


def test_bytes_without_a_name_are_called_bytes():
    from pybridge.image import image_format

    for read in (image_format.sniff, pp.read_header, pp.decode_gray):
        with pytest.raises(errors.ImageError) as caught:
            read(b"")
        assert str(caught.value) == "<bytes>: EMPTY_FILE: expected an image, found an empty file (0 bytes)", read


def test_results_are_values_nobody_can_change_and_compare_by_identity():
    import dataclasses

    gray = np.zeros((40, 60), np.uint8)
    gray[5:35, 10:14] = gray[5:35, 40:44] = 255
    line = pp.segment(png(gray))
    digit = line.digits[0]
    for value, field in ((line, "marks"), (digit, "box"), (digit.header, "width"), (digit.box, "x")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, 1)
    # Two results of the same image are equal in every field, pixels included, yet not equal as objects: == on
    # them never asks NumPy for the truth value of an array comparison (which would raise).
    again = pp.segment(png(gray)).digits[0]
    assert np.array_equal(digit.pixels, again.pixels) and digit.describe() == again.describe()
    assert digit != again and digit == digit


def test_a_border_median_equal_to_the_mean_keeps_the_image_as_it_is():
    # Border 100 and a mean of exactly 100 (four pixels of 200 and five of 20 inside): not brighter than the mean,
    # so not inverted; the ink is the 200s.
    gray = np.full((5, 5), 100, np.uint8)
    gray[1:4, 1:4] = 20
    gray[1:3, 1:3] = 200
    assert int(gray.sum()) == 100 * gray.size
    digit = pp.preprocess(png(gray))
    assert digit.polarity is Polarity.LIGHT_ON_DARK and digit.box == Box(1, 1, 2, 2)


def test_a_speck_at_exactly_the_ink_threshold_inside_the_box_is_cleared():
    gray = np.zeros((30, 30), np.uint8)
    gray[5:25, 5:9] = 255  # an L
    gray[21:25, 5:20] = 255
    alone = pp.preprocess(png(gray)).pixels
    gray[10, 15] = 128  # stretched to 128 (background 0, brightest 255): ink, a speck, inside the L's box
    assert np.array_equal(pp.preprocess(png(gray)).pixels, alone)


def test_a_segmented_digit_box_leaves_out_its_faint_fringe():
    # Faint at 70: ink for finding the digits of a line, not for the digit itself; its box starts a column right
    # and a row down of the fringe, as preprocess finds it.
    gray = np.zeros((30, 40), np.uint8)
    gray[2:25, 5:10] = 70
    gray[3:25, 6:10] = 255
    line = pp.segment(png(gray))
    assert [d.box for d in line.digits] == [Box(6, 3, 4, 22)] == [pp.preprocess(png(gray)).box]
