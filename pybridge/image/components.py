"""docs/preprocessing.md, step 6: 8-connected components of the ink (the twin of Java's ``Components``).

Found from horizontal runs with union-find and listed by their first pixel in row-major order, as in Java.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(eq=False, slots=True)  # identity, not field equality; slots: there may be MAX_INK_RUNS of them
class Component:
    """One component: its first pixel, bounding box, area and runs."""

    first: tuple[int, int]  # (y, x) of its first pixel in row-major order
    x0: int
    y0: int
    x1: int  # inclusive
    y1: int  # inclusive
    area: int
    runs: list[tuple[int, int, int]]  # (y, start, end exclusive)


def count_runs(mask: np.ndarray) -> int:
    """The runs (row stretches of ink) of a boolean image: what ``find`` would work through, counted first."""
    return int(np.count_nonzero(mask[:, 0])) + int(np.count_nonzero(mask[:, 1:] & ~mask[:, :-1]))


def find(mask: np.ndarray) -> list[Component]:
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
    found: dict[int, Component] = {}
    for i in range(n):
        y, s, e = int(ys[i]), int(starts[i]), int(ends[i])
        c = found.get(find(i))
        if c is None:
            found[find(i)] = Component((y, s), s, y, e - 1, y, e - s, [(y, s, e)])
        else:
            c.x0, c.x1, c.y1 = min(c.x0, s), max(c.x1, e - 1), y
            c.area += e - s
            c.runs.append((y, s, e))
    return list(found.values())  # roots are each component's first run, visited in row-major order
