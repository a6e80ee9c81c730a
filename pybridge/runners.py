"""Runners: one interface, images in, probabilities out, plus a record of what actually ran.

Each runner reads the IDX images with its own reader, turns them into the model's input tensor as the
contract says (uint8 / 255 as float32, NHWC), runs the model in batches and reports the probabilities, the
SHA-256 of the input tensor it fed the model (so two runtimes can prove they saw the same input), the
execution provider that ran, and where the time went.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import onnxruntime as ort

from pybridge import errors, idx, modelfile
from pybridge.contract import check_session, golden_inputs, to_input
from pybridge.files import keras_cache_path

# The level both ONNX Runtime sides use: graph rewrites can change float rounding, so they must match.
OPTIMIZATION_LEVEL = "ALL"


@dataclass(frozen=True)
class RunOutput:
    """What a runner produced for one model over one image file."""

    runtime: str
    probabilities: np.ndarray  # float32 [N, 10]
    input_sha256: str  # SHA-256 of the float32 NHWC input tensor, little-endian
    provider: str
    seconds: dict[str, float]
    details: dict = field(default_factory=dict)
    golden_max_diff: float | None = None  # measured with the same session when a contract was given


class Runner(Protocol):
    """images -> probabilities, plus a description of what ran."""

    name: str

    def run(self, model: Path, images: Path, limit: int | None = None, contract: dict | None = None) -> RunOutput:
        """Probabilities for the first ``limit`` images; with ``contract``, also its golden pairs' max diff."""
        ...

    def golden_max_diff(self, model: Path, contract: dict) -> float: ...


def tensor_sha256(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x, dtype="<f4").data).hexdigest()


class PythonOrtRunner:
    """ONNX Runtime's Python API: CUDA when onnxruntime-gpu and a GPU are present, else CPU.

    Args:
        threads: intra-op threads (inter-op stays 1: the graphs are sequential).
        batch: images per ``run`` call.
        strict_fp32: on CUDA, turn TF32 tensor-core math off so results are true float32.
        device: "auto" (CUDA if available), "cpu" or "cuda".
    """

    name = "python-ort"

    def __init__(self, *, threads: int = 1, batch: int = 256, strict_fp32: bool = False, device: str = "auto"):
        if device not in ("auto", "cpu", "cuda"):
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT, f"expected device auto, cpu or cuda, found {device!r}"
            )
        available = ort.get_available_providers()
        if device == "cuda" and "CUDAExecutionProvider" not in available:
            raise errors.UsageError(
                errors.UsageReason.UNSUPPORTED, f"CUDA requested but ONNX Runtime offers only {available}"
            )
        self.use_cuda = device != "cpu" and "CUDAExecutionProvider" in available
        self.threads, self.batch, self.strict_fp32 = threads, batch, strict_fp32

    def session(self, model: Path | bytes | modelfile.ModelFile, contract: dict | None = None) -> ort.InferenceSession:
        """A session on the model's checked bytes (``modelfile``); with ``contract``, its interface checked too.

        Raises:
            ModelError: the file fails ``modelfile``'s checks or ONNX Runtime cannot load it, or
                ``CONTRACT_MISMATCH``.
        """
        checked = modelfile.of(model)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        for key, value in checked.session_config().items():
            options.add_session_config_entry(key, value)
        providers: list = ["CPUExecutionProvider"]
        if self.use_cuda:
            providers.insert(0, ("CUDAExecutionProvider", {"use_tf32": "0" if self.strict_fp32 else "1"}))
        try:
            session = ort.InferenceSession(checked.data, options, providers=providers)
        except Exception as exc:  # ORT raises its own Fail/InvalidGraph/... types; one message for all
            detail = f"expected an ONNX model that ONNX Runtime can load, found: {_one_line(exc)}"
            raise errors.ModelError(errors.ModelReason.MODEL_INVALID, checked.subject, detail) from exc
        if contract is not None:
            check_session(session, contract, checked.subject)
        return session

    def infer(self, session: ort.InferenceSession, x: np.ndarray, subject: object = "model") -> np.ndarray:
        """Probabilities for ``x`` in batches.

        Raises:
            ModelError: ``ORT_ERROR`` naming ``subject`` when ONNX Runtime fails.
        """
        name = session.get_inputs()[0].name
        classes = session.get_outputs()[0].shape[-1]
        out = np.empty((len(x), classes if isinstance(classes, int) else 0), dtype=np.float32)
        for start in range(0, len(x), self.batch):
            rows = x[start : start + self.batch]
            try:
                chunk = session.run(None, {name: rows})[0]
            except Exception as exc:  # ORT's exception types vary by failure; the message says what went wrong
                detail = f"expected ONNX Runtime to run images {start}.., found: {_one_line(exc)}"
                raise errors.ModelError(errors.ModelReason.ORT_ERROR, subject, detail) from exc
            if chunk.shape != (len(rows), out.shape[1]):
                detail = (
                    f"expected probabilities [{len(rows)}, {out.shape[1]}] for images {start}.., found {chunk.shape}"
                )
                raise errors.ModelError(errors.ModelReason.ORT_ERROR, subject, detail)
            out[start : start + len(rows)] = chunk
        return out

    def run(self, model: Path, images: Path, limit: int | None = None, contract: dict | None = None) -> RunOutput:
        t0 = time.perf_counter()
        pixels = idx.read_idx(images).data[:limit]
        if pixels.ndim != 3 or pixels.shape[1:] != (28, 28) or pixels.dtype != np.uint8:
            raise errors.IdxError(
                errors.IdxReason.WRONG_SHAPE, images, f"expected ubyte [N, 28, 28], found {pixels.dtype} {pixels.shape}"
            )
        x = to_input(pixels)
        t1 = time.perf_counter()
        session = self.session(model, contract)
        t2 = time.perf_counter()
        golden = self.golden_diff(session, contract, model) if contract else None
        t3 = time.perf_counter()
        probs = self.infer(session, x, model)
        t4 = time.perf_counter()
        digest = tensor_sha256(x)
        t5 = time.perf_counter()
        provider = session.get_providers()[0]
        details = {
            "threads": self.threads,
            "batch": self.batch,
            "onnxruntime": ort.__version__,
            "optimization_level": OPTIMIZATION_LEVEL,
        }
        if provider == "CUDAExecutionProvider":
            details["tf32"] = not self.strict_fp32
        seconds = {"read": t1 - t0, "load": t2 - t1, "golden": t3 - t2, "inference": t4 - t3, "hash": t5 - t4}
        return RunOutput(self.name, probs, digest, provider, seconds, details, golden)

    def golden_diff(self, session: ort.InferenceSession, contract: dict, subject: object = None) -> float:
        """Max |difference| from the contract's golden probabilities, run on an open session (NaN for NaN outputs).

        Raises:
            ModelError: ``ORT_ERROR`` naming ``subject`` (default: the contract's model name).
        """
        pixels, expected = golden_inputs(contract)
        found = self.infer(session, to_input(pixels), subject or contract["name"])
        return float(np.max(np.abs(found - expected)))

    def golden_max_diff(self, model: Path, contract: dict) -> float:
        return self.golden_diff(self.session(model, contract), contract, model)


def _one_line(exc: Exception) -> str:
    """ONNX Runtime's messages can span lines; ours are one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


class KerasRunner:
    """The training-time reference: the Keras model the ONNX file was exported from (needs the train extra).

    Only available on a machine that trained the model: ``training.train`` keeps it in the user cache.
    """

    name = "keras"

    def __init__(self, *, batch: int = 256):
        self.batch = batch

    def _load(self, model: Path):
        path = keras_cache_path(model.stem, hashlib.sha256(model.read_bytes()).hexdigest())
        if not path.exists():
            raise errors.UsageError(
                errors.UsageReason.MISSING_FILE,
                f"{model}: expected its Keras original at {path}, found none (it exists only where "
                "`python -m training.train` made this very file)",
            )
        import keras  # deferred: TensorFlow is an optional, heavy dependency

        return keras.models.load_model(path)

    def run(self, model: Path, images: Path, limit: int | None = None, contract: dict | None = None) -> RunOutput:
        t0 = time.perf_counter()
        x = to_input(idx.read_idx(images).data[:limit])
        t1 = time.perf_counter()
        net = self._load(model)
        t2 = time.perf_counter()
        golden = self._golden(net, contract) if contract else None
        t3 = time.perf_counter()
        probs = net.predict(x, batch_size=self.batch, verbose=0).astype(np.float32)
        t4 = time.perf_counter()
        import keras

        provider = f"keras {keras.__version__} ({keras.backend.backend()})"
        seconds = {"read": t1 - t0, "load": t2 - t1, "golden": t3 - t2, "inference": t4 - t3}
        return RunOutput(self.name, probs, tensor_sha256(x), provider, seconds, {"batch": self.batch}, golden)

    @staticmethod
    def _golden(net, contract: dict) -> float:
        pixels, expected = golden_inputs(contract)
        return float(np.max(np.abs(net.predict(to_input(pixels), verbose=0) - expected)))

    def golden_max_diff(self, model: Path, contract: dict) -> float:
        return self._golden(self._load(model), contract)
