"""Time and peak memory of both image commands on hostile inputs (the limits of docs/preprocessing.md).

    python -m pybridge.bench_images [--jar JAR] [--model MODEL] [--only NAME[,NAME...]]

Writes each input to a temporary directory (nothing large is kept), then runs ``python -m pybridge.predict`` and
``java -jar JAR predict`` on it, one process per run, and prints per command the wall time, the peak resident
memory of the process (``ru_maxrss``), the exit code and the first error line. The inputs:

- ``specks-1024``, ``specks-4096``: a white page with a black pixel at every other row and column (262,144 and
  4,194,304 one-pixel components), with ``--segment``: above MAX_INK_RUNS, refused TOO_LARGE.
- ``specks-512``: 65,536 components, exactly MAX_INK_RUNS: read, with ``--segment`` (the worst accepted case).
- ``ztxt-1gib``, ``iccp-1gib``: a drawn digit with a zTXt (or iCCP) chunk that inflates to 1 GiB (about 1 MB).
- ``claims-2^32``: a PNG header claiming 4294967295 x 4294967295.
- ``dev-zero``: ``/dev/zero``, which reports size 0 and never ends.
"""

from __future__ import annotations

import argparse
import io
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from pybridge.runtimes import jvm

DEFAULT_MODEL = Path("models/deeper_cnn.onnx")


def _png(gray: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(gray).save(out, "PNG", optimize=True)
    return out.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def specks(side: int) -> bytes:
    page = np.full((side, side), 255, np.uint8)
    page[::2, ::2] = 0
    return _png(page)


def digit_with(kind: bytes, prefix: bytes, inflated: int) -> bytes:
    """A drawn digit with a chunk whose zlib data inflates to ``inflated`` zero bytes."""
    page = np.full((60, 60), 255, np.uint8)
    page[10:50, 25:33] = 0
    good = _png(page)
    z, block = zlib.compressobj(9), bytes(1 << 20)
    bomb = b"".join(z.compress(block) for _ in range(inflated // len(block))) + z.flush()
    return good[:33] + _chunk(kind, prefix + bomb) + good[33:]


def claims(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0")) + _chunk(b"IEND", b"")


CASES: dict[str, tuple[Callable[[], bytes] | None, bool]] = {  # name: (bytes, or None for /dev/zero; --segment)
    "specks-512": (lambda: specks(512), True),
    "specks-1024": (lambda: specks(1024), True),
    "specks-4096": (lambda: specks(4096), True),
    "ztxt-1gib": (lambda: digit_with(b"zTXt", b"Comment\0\0", 1 << 30), False),
    "iccp-1gib": (lambda: digit_with(b"iCCP", b"profile\0\0", 1 << 30), False),
    "claims-2^32": (lambda: claims(0xFFFFFFFF, 0xFFFFFFFF), False),
    "dev-zero": (None, False),
}


def measure(command: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB, exit code and the first stderr line of one process."""
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    first = next((line for line in err.splitlines() if line.startswith("error:")), err.strip()[:120])
    return seconds, usage.ru_maxrss / 1024, proc.returncode, first


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pybridge.bench_images", description=__doc__.splitlines()[0])
    parser.add_argument("--jar", type=Path, default=jvm.JAR, help=f"the fat jar (default {jvm.JAR})")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help=f"ONNX model (default {DEFAULT_MODEL})")
    parser.add_argument("--only", default="", help=f"comma-separated, from {', '.join(CASES)}")
    args = parser.parse_args(argv)
    chosen = [c for c in args.only.split(",") if c] or list(CASES)
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        parser.error(f"expected cases from {', '.join(CASES)}, found {', '.join(unknown)}")
    print(f"{'case':<12} {'bytes':>9}  {'command':<7} {'seconds':>8} {'peak MB':>8} exit  first error line")
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            make, segment = CASES[name]
            if make is None:
                if not Path("/dev/zero").exists():
                    continue
                file, size = "/dev/zero", 0
            else:
                payload = make()
                file, size = str(Path(tmp) / f"{name}.png"), len(payload)
                Path(file).write_bytes(payload)
            flags = ["--model", str(args.model)] + (["--segment"] if segment else [])
            commands = {
                "python": [sys.executable, "-m", "pybridge.predict", *flags, file],
                "java": ["java", "-jar", str(args.jar), "predict", *flags, file],
            }
            for label, command in commands.items():
                seconds, peak, code, first = measure(command)
                print(f"{name:<12} {size:>9}  {label:<7} {seconds:>8.2f} {peak:>8.0f} {code:>4}  {first[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
