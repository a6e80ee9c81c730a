"""The resampling filter of docs/preprocessing.md, step 8: exact area averaging in integers.

The twin of Java's ``AreaFilter``.
"""

from __future__ import annotations

import numpy as np

from pybridge.image.constants import BLOCK_PIXELS


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
    rows = max(1, min(_BLOCK_ROWS, BLOCK_PIXELS // w))  # bounds the int64 copies of a large image
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


def _overlaps(n: int, out: int, lo: int, hi: int) -> np.ndarray:
    """Integer overlap of output cells [i*n, (i+1)*n) with input cells c*out.. for c in [lo, hi): [out, hi-lo]."""
    i = np.arange(out, dtype=np.int64)[:, None]
    c = np.arange(lo, hi, dtype=np.int64)[None, :]
    return np.maximum(np.minimum((i + 1) * n, (c + 1) * out) - np.maximum(i * n, c * out), 0)
