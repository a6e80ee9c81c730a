"""Runs saved to a file and compared later, maybe on another machine (Polygraphy's saved run results, for us).

``python -m pybridge.compare --runtimes python-ort:cuda --save-run gpu-box.npz`` writes, for every model, what
one runtime produced over the test set; ``--runtimes jvm-ort,saved:gpu-box.npz`` compares it with a live run as
with any runtime. A saved run stands in for its runtime only where it was made on the very model file (SHA-256)
and the very input tensor (SHA-256 of the float32 tensor, so also the same image count) of the live run:
anything else is refused as ``NOT_COMPARABLE`` before a figure is computed.

The file is a NumPy ``.npz`` (a zip of ``.npy`` arrays, read with ``allow_pickle=False``): ``meta``, the UTF-8
JSON below as uint8, and one float32 [images, classes] array per model::

    {"format": "digitbridge-saved-run", "version": 1, "runtime": "python-ort:cuda", "created": "...",
     "machine": {...}, "images": 10000, "data": {...},
     "models": [{"name", "model_sha256", "input_sha256", "provider", "details", "golden_max_diff", "array"}]}
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pybridge import errors, files
from pybridge.runtimes.base import Phases, RunOutput, Runtime, tensor_sha256

FORMAT = "digitbridge-saved-run"
VERSION = 1
META = "meta"
MAX_META_BYTES = 1 << 20
MAX_ARRAY_BYTES = 1 << 28  # 256 MB: a million images of 64 classes; a bigger member is not one of ours
MAX_CLASSES = 4096
_SHA256 = re.compile(r"[0-9a-f]{64}")


def machine() -> dict:
    """What identifies the machine a run was made on: same version on another CPU may round differently, since
    ONNX Runtime picks its kernels by the CPU's instruction sets."""
    cpu, flags = "unknown", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and cpu == "unknown":
                cpu = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = " ".join(sorted(value.split()))
    except OSError:
        pass
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu": cpu or platform.processor() or "unknown",
        "cpu_flags_sha256": hashlib.sha256(flags.encode()).hexdigest(),
        "python": platform.python_version(),
    }


def model_sha256(model: Path) -> str:
    return hashlib.sha256(Path(model).read_bytes()).hexdigest()


@dataclass(frozen=True)
class SavedModelRun:
    """One model's outputs in a saved run."""

    name: str
    model_sha256: str
    input_sha256: str
    provider: str
    details: dict
    golden_max_diff: float | None
    probabilities: np.ndarray


@dataclass(frozen=True)
class SavedRun:
    path: Path
    runtime: str
    created: str
    machine: dict
    images: int
    data: dict
    models: tuple[SavedModelRun, ...]

    def for_model(self, sha256: str) -> SavedModelRun | None:
        return next((m for m in self.models if m.model_sha256 == sha256), None)


def write(path: Path, runtime: str, runs: list[tuple[Path, str, RunOutput]], images: int, data: dict) -> None:
    """Write ``runs`` (model file, its name, what ``runtime`` produced) as one saved run, atomically."""
    arrays: dict[str, np.ndarray] = {}
    models = []
    for number, (model, name, out) in enumerate(runs):
        key = f"probabilities_{number}"
        arrays[key] = np.ascontiguousarray(out.probabilities, dtype="<f4")
        models.append(
            {
                "name": name,
                "model_sha256": model_sha256(model),
                "input_sha256": out.input_sha256,
                "provider": out.provider,
                "details": out.details,
                "golden_max_diff": out.golden_max_diff,
                "array": key,
            }
        )
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "runtime": runtime,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "images": images,
        "data": data,
        "models": models,
    }
    arrays[META] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    files.atomic_write(Path(path), buffer.getvalue())


def _corrupt(path: Path, found: str) -> errors.UsageError:
    return errors.UsageError(
        errors.UsageReason.CORRUPT_FILE,
        f"{path}: CORRUPT_FILE: expected a saved run (`python -m pybridge.compare --save-run`), found {found}",
    )


def _field(where: dict, key: str, kind: type | tuple, path: Path, context: str = ""):
    value = where.get(key) if isinstance(where, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _corrupt(path, f"{context}{key!r} missing or not {getattr(kind, '__name__', kind)}")
    return value


def load(path: Path) -> SavedRun:
    """A saved run, every part checked before it is used.

    Raises:
        UsageError: ``MISSING_FILE``; ``CORRUPT_FILE``: not a zip of ``.npy`` arrays, a pickled array, a member
            too large, metadata that is not our JSON, or arrays of another shape or type than it declares.
    """
    path = Path(path)
    if not path.is_file():
        raise errors.UsageError(
            errors.UsageReason.MISSING_FILE, f"{path}: MISSING_FILE: expected a saved run, found no such file"
        )
    with path.open("rb") as head:
        if head.read(4) != b"PK\x03\x04":  # np.load would take anything else for a .npy or a pickle
            raise _corrupt(path, "no zip archive (a .npz is one)")
    try:
        # Opened here, not by np.load: it leaks its own file handle when the zip is corrupt.
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as npz:
            sizes = {info.filename.removesuffix(".npy"): info.file_size for info in npz.zip.infolist()}
            if META not in sizes:
                raise _corrupt(path, f"no {META!r} array (members: {', '.join(sorted(sizes)) or 'none'})")
            if sizes[META] > MAX_META_BYTES:
                raise _corrupt(path, f"a {META!r} member of {sizes[META]} bytes")
            raw = npz[META]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise _corrupt(path, f"{META!r} as {raw.dtype} {raw.shape}, not uint8 [n]")
            meta = json.loads(raw.tobytes().decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise _corrupt(path, "metadata of another format")
            if meta.get("version") != VERSION:
                raise _corrupt(path, f"format version {meta.get('version')!r}, this code reads {VERSION}")
            images = _field(meta, "images", int, path)
            entries = _field(meta, "models", list, path)
            models = []
            for number, entry in enumerate(entries):
                where = f"models[{number}]: "
                key = _field(entry, "array", str, path, where)
                digests = [_field(entry, k, str, path, where) for k in ("model_sha256", "input_sha256")]
                if not all(_SHA256.fullmatch(d) for d in digests):
                    raise _corrupt(path, f"{where}a SHA-256 that is not 64 hex digits")
                if key not in sizes or key == META:
                    raise _corrupt(path, f"{where}no array {key!r}")
                if sizes[key] > MAX_ARRAY_BYTES:
                    raise _corrupt(path, f"{where}an array of {sizes[key]} bytes")
                probabilities = npz[key]
                if (
                    probabilities.dtype != np.dtype("<f4")
                    or probabilities.ndim != 2
                    or probabilities.shape[0] != images
                    or not 1 <= probabilities.shape[1] <= MAX_CLASSES
                ):
                    raise _corrupt(
                        path,
                        f"{where}{key!r} as {probabilities.dtype} {list(probabilities.shape)}, "
                        f"not float32 [{images}, classes]",
                    )
                golden = entry.get("golden_max_diff")
                if golden is not None and not isinstance(golden, int | float):
                    raise _corrupt(path, f"{where}'golden_max_diff' not a number")
                models.append(
                    SavedModelRun(
                        name=_field(entry, "name", str, path, where),
                        model_sha256=digests[0],
                        input_sha256=digests[1],
                        provider=_field(entry, "provider", str, path, where),
                        details=_field(entry, "details", dict, path, where),
                        golden_max_diff=None if golden is None else float(golden),
                        probabilities=probabilities,
                    )
                )
            return SavedRun(
                path=path,
                runtime=_field(meta, "runtime", str, path),
                created=_field(meta, "created", str, path),
                machine=_field(meta, "machine", dict, path),
                images=images,
                data=meta.get("data") if isinstance(meta.get("data"), dict) else {},
                models=tuple(models),
            )
    except errors.UsageError:
        raise
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        # np.load's own messages for a truncated zip, a bad .npy header or a pickled array; JSON errors are
        # ValueErrors too.
        raise _corrupt(path, f"{type(exc).__name__}: {' '.join(str(exc).split())}") from exc


class SavedRuntime(Runtime):
    """A saved run as a runtime: it reads the live images only to hash them, and answers from the file.

    Raises:
        UsageError: the file cannot be read (``load``).
    """

    name = "saved"

    def __init__(self, path: Path):
        self.saved = load(path)
        self._live: tuple | None = None  # ((images, limit), count, digest): the live input, hashed once

    def load(self, model: Path, contract: dict | None = None):
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT, f"{self.name}: a saved run answers for the test set it was made on only"
        )

    def read_images(self, images: Path, limit: int | None = None) -> None:
        """Nothing: this runtime's outputs come from a file, and it hashes the live input itself."""
        return None

    def run(
        self, model: Path, images: Path, limit: int | None = None, contract: dict | None = None, *, read=None
    ) -> RunOutput:
        """The saved outputs for ``model``, once its file and the live input match the saved ones.

        Raises:
            UsageError: ``NOT_COMPARABLE``: no run of this model file in the saved run, or one on other input.
        """
        phases = Phases()
        saved = self.saved
        with phases("read"):
            digest = model_sha256(model)
            found = saved.for_model(digest)
            if found is None:
                made = ", ".join(f"{m.name} ({m.model_sha256[:12]})" for m in saved.models) or "none"
                raise errors.UsageError(
                    errors.UsageReason.NOT_COMPARABLE,
                    f"{saved.path}: NOT_COMPARABLE: expected a run of {model} (SHA-256 {digest[:12]}), found runs "
                    f"of {made} only",
                )
            if self._live is None or self._live[0] != (images, limit):
                tensor = super().read_images(images, limit)
                with phases("hash"):
                    self._live = ((images, limit), len(tensor), tensor_sha256(tensor))
            _, count, live = self._live
        if count != saved.images or live != found.input_sha256:
            raise errors.UsageError(
                errors.UsageReason.NOT_COMPARABLE,
                f"{saved.path}: NOT_COMPARABLE: expected a run of {model.name} on the live input ({count} "
                f"images, SHA-256 {live[:12]}), found one on other input ({saved.images} images, SHA-256 "
                f"{found.input_sha256[:12]}, from {saved.data.get('directory', 'an unrecorded folder')})",
            )
        details = {
            **found.details,
            "saved_run": str(saved.path),
            "saved_runtime": saved.runtime,
            "saved_created": saved.created,
            "machine": saved.machine,
        }
        return RunOutput(
            self.name, found.probabilities, found.input_sha256, found.provider, phases.seconds, details,
            found.golden_max_diff,
        )  # fmt: skip
