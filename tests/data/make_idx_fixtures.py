"""Write the tiny IDX fixtures that both the Python and the Java test suites read.

Run from the repository root: ``python tests/data/make_idx_fixtures.py``. It rewrites
``tests/data/idx/`` (files plus two manifests) deterministically: gzip members carry mtime 0, so a re-run
produces identical bytes and ``git diff`` stays empty.

The generator writes the IDX bytes itself with ``struct`` rather than through ``pybridge.idx``: the
fixtures are the reference that the readers are judged against, so they must not depend on them.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "idx"

TYPE_CODES = {"ubyte": 0x08, "byte": 0x09, "short": 0x0B, "int": 0x0C, "float": 0x0D, "double": 0x0E}
BIG_ENDIAN = {"ubyte": ">u1", "byte": ">i1", "short": ">i2", "int": ">i4", "float": ">f4", "double": ">f8"}


def header(type_code: int, dims: list[int], magic: bytes = b"\x00\x00") -> bytes:
    return magic + bytes([type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)


def idx_bytes(values: np.ndarray, type_name: str) -> bytes:
    return header(TYPE_CODES[type_name], list(values.shape)) + values.astype(BIG_ENDIAN[type_name]).tobytes()


def checksum(values: np.ndarray, type_name: str) -> str:
    little = BIG_ENDIAN[type_name].replace(">", "<")
    return hashlib.sha256(values.astype(little).tobytes()).hexdigest()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def main(out: Path = OUT) -> None:
    """Rewrite every fixture and both manifests in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    rng = np.random.default_rng(20261121)
    files: list[tuple[str, bytes, str, str, str, str]] = []

    def good(name: str, values: np.ndarray, type_name: str, wrap=lambda b: b) -> None:
        shape = "[" + ", ".join(str(s) for s in values.shape) + "]"
        files.append((name, wrap(idx_bytes(values, type_name)), "OK", type_name, shape, checksum(values, type_name)))

    def bad(name: str, data: bytes, reason: str) -> None:
        files.append((name, data, reason, "-", "-", "-"))

    # Valid files: every element type, extreme values, gzip detected by content rather than by name.
    good("ok_ubyte_labels.idx", np.array([0, 1, 2, 9, 255], dtype=np.uint8), "ubyte")
    good("ok_ubyte_3d.idx", rng.integers(0, 256, (2, 3, 4), dtype=np.uint8), "ubyte")
    good("ok_byte.idx", np.array([-128, -1, 0, 1, 127], dtype=np.int8), "byte")
    good("ok_short.idx", np.array([[-32768, -2], [258, 32767]], dtype=np.int16), "short")
    good("ok_int.idx", np.array([-(2**31), -1, 0, 65536 + 2, 2**31 - 1], dtype=np.int32), "int")
    good("ok_float.idx", np.array([-1.5, -0.0, 0.0, 3.25e-38, 3.4e38, np.inf], dtype=np.float32), "float")
    good("ok_double.idx", np.array([[-1e300, 5e-324], [np.pi, -np.inf]], dtype=np.float64), "double")
    ok_gzip = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    good("ok_gzip.idx.gz", ok_gzip, "ubyte", gz)
    good("ok_gzip_without_suffix.idx", ok_gzip, "ubyte", gz)
    good("ok_plain_named.gz", np.arange(7, dtype=np.int16) - 3, "short")
    good("ok_gzip_int.gz", np.array([[1, -2, 3], [-4, 5, -6]], dtype=np.int32), "int", gz)

    # Header problems.
    bad("empty.idx", b"", "TRUNCATED_HEADER")
    bad("three_bytes.idx", b"\x00\x00\x08", "TRUNCATED_HEADER")
    bad("dims_cut.idx", header(0x08, [2, 3, 4])[:10], "TRUNCATED_HEADER")
    bad("bad_magic.idx", header(0x08, [3], magic=b"\x01\x00") + b"\x01\x02\x03", "BAD_MAGIC")
    bad("text_file.idx", b"label,image\n1,2\n", "BAD_MAGIC")
    bad("unknown_type.idx", header(0x0A, [3]) + b"\x01\x02\x03", "UNKNOWN_TYPE")
    bad("zero_ndim.idx", header(0x08, []) + b"\x07", "BAD_DIMENSIONS")
    bad("nine_dims.idx", header(0x08, [1] * 9) + b"\x07", "BAD_DIMENSIONS")
    bad("zero_dim.idx", header(0x08, [2, 0, 3]), "BAD_DIMENSIONS")

    # Sizes: impossible claims are refused before allocation; wrong lengths are exact errors.
    bad("claims_4e9_bytes.idx", header(0x08, [4_000_000_000]) + b"\x00" * 16, "TOO_LARGE")
    bad("overflow_dims.idx", header(0x0E, [0xFFFFFFFF] * 4) + b"\x00" * 16, "TOO_LARGE")
    bad("claims_1e9_gzip.gz", gz(header(0x08, [1_000_000_000]) + b"\x00" * 64), "TOO_LARGE")
    # The limit itself, 2^31 - 1 bytes, is allowed (so only the missing data refuses these); one byte more is not.
    bad("claims_limit.idx", header(0x08, [2**31 - 1]), "TRUNCATED_DATA")
    bad("claims_largest_doubles.idx", header(0x0E, [2**28 - 1]) + b"\x00" * 8, "TRUNCATED_DATA")
    bad("claims_limit_plus_one.idx", header(0x0B, [2**30]), "TOO_LARGE")
    bad("too_little.idx", header(0x08, [10]) + bytes(range(5)), "TRUNCATED_DATA")
    bad("no_data.idx", header(0x0C, [3]), "TRUNCATED_DATA")
    bad("too_much.idx", header(0x08, [4]) + bytes(range(5)), "TRAILING_DATA")
    bad("short_missing_half.idx", header(0x0B, [2]) + b"\x00\x01\x00", "TRUNCATED_DATA")
    bad("gzip_too_little.gz", gz(header(0x08, [2, 28, 28]) + b"\x01" * 700), "TRUNCATED_DATA")
    bad("gzip_too_much.gz", gz(header(0x08, [3]) + b"\x01\x02\x03\x04"), "TRAILING_DATA")

    # gzip damage.
    whole = gz(idx_bytes(rng.integers(0, 256, (4, 28, 28), dtype=np.uint8), "ubyte"))
    bad("gzip_cut.gz", whole[: len(whole) // 2], "CORRUPT_GZIP")
    bad("gzip_magic_only.gz", b"\x1f\x8b", "CORRUPT_GZIP")
    crc_broken = bytearray(whole)
    crc_broken[-8] ^= 0xFF
    bad("gzip_bad_crc.gz", bytes(crc_broken), "CORRUPT_GZIP")
    body_broken = bytearray(whole)
    body_broken[12] ^= 0xFF
    body_broken[13] ^= 0xFF
    bad("gzip_bad_deflate.gz", bytes(body_broken), "CORRUPT_GZIP")
    bad("gzip_garbage_after.gz", whole + b"junk", "TRAILING_DATA")
    bad("gzip_two_members.gz", whole + whole, "TRAILING_DATA")

    for name, data, *_ in files:
        (out / name).write_bytes(data)
    with (out / "manifest.tsv").open("w") as f:
        f.write("# file\treason\ttype\tshape\tsha256\n")
        for name, _, reason, type_name, shape, digest in files:
            f.write(f"{name}\t{reason}\t{type_name}\t{shape}\t{digest}\n")

    # Datasets: an image file and a label file judged together.
    images = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    pieces = {
        "ds_images.idx": idx_bytes(images, "ubyte"),
        "ds_labels.idx": idx_bytes(np.array([7, 2, 1, 0], dtype=np.uint8), "ubyte"),
        "ds_labels_three.idx": idx_bytes(np.array([7, 2, 1], dtype=np.uint8), "ubyte"),
        "ds_labels_ten.idx": idx_bytes(np.array([7, 2, 10, 0], dtype=np.uint8), "ubyte"),
        "ds_labels_int.idx": idx_bytes(np.array([7, 2, 1, 0], dtype=np.int32), "int"),
        "ds_images_27.idx": idx_bytes(images[:, :, :27], "ubyte"),
        "ds_images_flat.idx": idx_bytes(images.reshape(4, 784), "ubyte"),
    }
    for name, data in pieces.items():
        (out / name).write_bytes(data)
    datasets = [
        ("ds_images.idx", "ds_labels.idx", "OK"),
        ("ds_images.idx", "ds_labels_three.idx", "COUNT_MISMATCH"),
        ("ds_images.idx", "ds_labels_ten.idx", "LABEL_RANGE"),
        ("ds_images.idx", "ds_labels_int.idx", "WRONG_SHAPE"),
        ("ds_images_27.idx", "ds_labels.idx", "WRONG_SHAPE"),
        ("ds_images_flat.idx", "ds_labels.idx", "WRONG_SHAPE"),
        ("ds_labels.idx", "ds_labels.idx", "WRONG_SHAPE"),
        ("ds_images.idx", "too_little.idx", "TRUNCATED_DATA"),
    ]
    with (out / "datasets.tsv").open("w") as f:
        f.write("# images\tlabels\treason\n")
        for row in datasets:
            f.write("\t".join(row) + "\n")
    print(f"wrote {len(files) + len(pieces)} fixtures and 2 manifests to {out}")


if __name__ == "__main__":
    main()
