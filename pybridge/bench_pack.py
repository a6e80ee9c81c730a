"""Time ``data pack`` on N generated images against predicting images one by one through the CLI.

    python -m pybridge.bench_pack [--count N] [--predict K] [--jar JAR] [--json]

Writes an example folder of N images (``tests/data/make_digit_folder.py``) in a temporary directory, packs it
in-process (and with Java's ``pack`` when ``--jar`` is given), then runs the predict command K times, one image
per run, as a user without ``pack`` would, and projects that to N images. Prints measured seconds, images per
second and the ratio; nothing is asserted (timings are figures, not tests).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pybridge import cli, pack

ROOT = Path(__file__).resolve().parent.parent


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return seconds


def measure(count: int, predict: int, jar: Path | None) -> dict:
    """Pack ``count`` generated images (Python, and Java with ``jar``) and predict ``predict`` of them singly."""
    sys.path.insert(0, str(ROOT / "tests" / "data"))
    from make_digit_folder import CORRUPT, write_folder

    with tempfile.TemporaryDirectory(prefix="bench-pack-") as tmp:
        source = Path(tmp) / "digits"
        written = write_folder(source, count)
        (source / CORRUPT).unlink()  # a benchmark of the happy path
        start = time.perf_counter()
        packed = pack.pack(source, Path(tmp) / "py")
        result = {"images": count, "python_pack_seconds": time.perf_counter() - start}
        assert packed.count == count
        if jar is not None:
            out = str(Path(tmp) / "java")
            result["java_pack_seconds"] = _timed(["java", "-jar", str(jar), "pack", str(source), "--out", out])
        picks = [source / name for name, _ in written[:predict]]
        per_python = [_timed([sys.executable, "-m", "pybridge.predict", str(p)]) for p in picks]
        result["python_predict_seconds_each"] = sum(per_python) / len(per_python)
        if jar is not None:
            per_java = [_timed(["java", "-jar", str(jar), "predict", str(p)]) for p in picks]
            result["java_predict_seconds_each"] = sum(per_java) / len(per_java)
    return result


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.bench_pack") -> int:
    """Command line entry point; returns the exit code."""
    parser = cli.parser(prog, __doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="images to generate and pack (default 1000)")
    parser.add_argument("--predict", type=int, default=5, help="single-image predict runs to time (default 5)")
    parser.add_argument("--jar", type=Path, help="the fat jar: also time Java's pack and predict")
    args = cli.finish(parser, argv, json="the figures as JSON")
    if args.count < 1 or not 1 <= args.predict <= args.count:
        parser.error("expected --count >= 1 and 1 <= --predict <= --count")
    return cli.run(_run, args)


def _run(args: argparse.Namespace) -> int:
    r = measure(args.count, args.predict, args.jar)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    n = r["images"]
    print(f"{n} images")
    for side in ("python", "java"):
        if f"{side}_pack_seconds" not in r:
            continue
        packed, each = r[f"{side}_pack_seconds"], r[f"{side}_predict_seconds_each"]
        print(f"  {side:<6} pack            {packed:8.2f} s  ({n / packed:8.1f} images/s)")
        print(
            f"  {side:<6} predict singly  {each * n:8.2f} s  ({1 / each:8.1f} images/s; "
            f"{each:.2f} s per run, {args.predict} runs timed, projected to {n})"
        )
        print(f"  {side:<6} pack is {each * n / packed:.0f}x faster than predicting one by one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
