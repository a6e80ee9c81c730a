"""Write an example "your own digits" folder: MNIST test digits drawn as users' images, one sub-folder per label.

    python tests/data/make_digit_folder.py OUTDIR [--count N]

Run from the repository root (needs MNIST in ~/.cache/digitbridge/mnist, numpy and Pillow). It writes
``OUTDIR/0/`` ... ``OUTDIR/9/`` with N images (default 300) rendered by the image corpus's styles as PNG, JPEG
and BMP at several sizes and both polarities, plus one corrupt PNG (``3/corrupt.png``, cut short), deterministically
(fixed seed). The tests pack such a folder in a temporary directory; the README's walk-through uses it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_image_corpus import ROOT, SEED, STYLES, encode, render

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from pybridge import data

FORMATS = ("png", "jpeg", "bmp")
CORRUPT = "3/corrupt.png"


def write_folder(out: Path, count: int = 300) -> list[tuple[str, int]]:
    """Write the folder; return (relative file, label) of every good image, in the order written."""
    styles = [s for s in STYLES if s.fmt in FORMATS and s.gif_offset is None]
    test = data.load("t10k")
    rng = np.random.default_rng(SEED)
    written = []
    total = test.count  # past it, the digits come round again in other styles
    for i in range(count):
        label = int(test.labels.data[i % total])
        style = styles[i % len(styles)]
        name = f"{label}/{i:05d}-{style.name}.{'jpg' if style.fmt == 'jpeg' else style.fmt}"
        (out / str(label)).mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(encode(render(test.images.data[i % total], style, rng), style))
        written.append((name, label))
    good_png = encode(render(test.images.data[count % total], styles[0], rng), styles[0])
    (out / "3").mkdir(parents=True, exist_ok=True)
    (out / CORRUPT).write_bytes(good_png[: len(good_png) // 2])
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    written = write_folder(args.out, args.count)
    print(f"wrote {len(written)} images and {CORRUPT} (corrupt) under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
