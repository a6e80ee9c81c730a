"""ONNX Runtime's Python API, on the CPU or, asked for by name, on CUDA (never a silent fallback to the CPU).

The one place in pybridge that talks to onnxruntime: sessions made on the model's checked bytes
(``modelfile``), the session's interface held to the contract, runs in batches with ORT's failures as
``ORT_ERROR``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pybridge import errors, modelfile

try:
    import onnxruntime as ort
except ImportError as missing:  # ONNX Runtime comes by an extra (cpu or gpu), so it can be absent
    raise errors.UsageError(
        errors.UsageReason.UNSUPPORTED,
        "onnxruntime: UNSUPPORTED: expected ONNX Runtime installed (pip install 'digitbridge[cpu]', or "
        f"'digitbridge[gpu]' for CUDA; `make venv` in a checkout), found none ({missing})",
    ) from missing
from pybridge.runtimes.base import DEFAULT_BATCH, OPTIMIZATION_LEVEL, Runtime, TensorModel, checked_optimization

CUDA = "CUDAExecutionProvider"
_ORT_LEVELS = {
    "NONE": "ORT_DISABLE_ALL",
    "BASIC": "ORT_ENABLE_BASIC",
    "EXTENDED": "ORT_ENABLE_EXTENDED",
    "ALL": "ORT_ENABLE_ALL",
}


class PythonOrtRuntime(Runtime):
    """ONNX Runtime in this process.

    Args:
        threads: intra-op threads (inter-op stays 1: the graphs are sequential).
        batch: images per ``run`` call.
        strict_fp32: on CUDA, turn TF32 tensor-core math off so results are true float32.
        device: "auto" (CUDA if available), "cpu", or "cuda" (refused unless a session really runs on CUDA).
        optimization: the graph optimisation level, by the Java library's names (``OPTIMIZATION_LEVELS``).

    Raises:
        UsageError: an unknown device, or ``UNSUPPORTED``: CUDA asked for where ONNX Runtime has none (here, or
            from ``load`` when a session falls back to the CPU).
    """

    name = "python-ort"

    def __init__(
        self,
        *,
        threads: int = 1,
        batch: int = DEFAULT_BATCH,
        strict_fp32: bool = False,
        device: str = "auto",
        optimization: str = OPTIMIZATION_LEVEL,
    ):
        self.optimization = checked_optimization(optimization)
        if device not in ("auto", "cpu", "cuda"):
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT, f"expected device auto, cpu or cuda, found {device!r}"
            )
        available = ort.get_available_providers()
        if device == "cuda" and CUDA not in available:
            raise errors.UsageError(
                errors.UsageReason.UNSUPPORTED,
                f"python-ort:cuda: UNSUPPORTED: expected ONNX Runtime with the CUDA execution provider "
                f"(onnxruntime-gpu, installed by `make venv GPU=1`), found onnxruntime {ort.__version__} offering "
                f"only {', '.join(available)}",
            )
        self.device = device
        self.use_cuda = device != "cpu" and CUDA in available
        self.threads, self.batch, self.strict_fp32 = threads, batch, strict_fp32

    def load(self, model: Path | bytes | modelfile.ModelFile, contract: dict | None = None) -> OrtModel:
        """A session on the model's checked bytes; with ``contract``, its interface checked too.

        Raises:
            ModelError: the file fails ``modelfile``'s checks or ONNX Runtime cannot load it, or
                ``CONTRACT_MISMATCH``.
        """
        checked = modelfile.of(model)
        options = ort.SessionOptions()
        options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, _ORT_LEVELS[self.optimization])
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        for key, value in checked.session_config().items():
            options.add_session_config_entry(key, value)
        providers: list = ["CPUExecutionProvider"]
        if self.use_cuda:
            providers.insert(0, (CUDA, {"use_tf32": "0" if self.strict_fp32 else "1"}))
            # A CUDA provider that cannot start logs its own multi-line warning and falls back to the CPU; we
            # say so in one line below instead.
            options.log_severity_level = 3
            ort.set_default_logger_severity(3)
        try:
            session = ort.InferenceSession(checked.data, options, providers=providers)
        except Exception as exc:  # ORT raises its own Fail/InvalidGraph/... types; one message for all
            detail = f"expected an ONNX model that ONNX Runtime can load, found: {_one_line(exc)}"
            raise errors.ModelError(errors.ModelReason.MODEL_INVALID, checked.subject, detail) from exc
        if self.device == "cuda" and session.get_providers()[0] != CUDA:
            raise errors.UsageError(
                errors.UsageReason.UNSUPPORTED,
                f"python-ort:cuda: UNSUPPORTED: expected a CUDA session for {checked.subject}, found ONNX Runtime "
                "falling back to the CPU (no usable NVIDIA GPU, driver, or CUDA/cuDNN libraries; `make gpu-check` "
                "says which)",
            )
        if contract is not None:
            check_session(session, contract, checked.subject)
        return OrtModel(self, session, checked.subject)


class OrtModel(TensorModel):
    """A model in an ONNX Runtime session."""

    def __init__(self, runtime: PythonOrtRuntime, session: ort.InferenceSession, subject: str):
        self._settings, self.session, self.subject = runtime, session, subject
        self.runtime = runtime.name

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for ``x`` in batches of the runtime's size.

        Raises:
            ModelError: ``ORT_ERROR`` naming the model when ONNX Runtime fails.
        """
        name = self.session.get_inputs()[0].name
        classes = self.session.get_outputs()[0].shape[-1]
        out = np.empty((len(x), classes if isinstance(classes, int) else 0), dtype=np.float32)
        batch = self._settings.batch
        for start in range(0, len(x), batch):
            rows = x[start : start + batch]
            try:
                chunk = self.session.run(None, {name: rows})[0]
            except Exception as exc:  # ORT's exception types vary by failure; the message says what went wrong
                detail = f"expected ONNX Runtime to run images {start}.., found: {_one_line(exc)}"
                raise errors.ModelError(errors.ModelReason.ORT_ERROR, self.subject, detail) from exc
            if chunk.shape != (len(rows), out.shape[1]):
                detail = (
                    f"expected probabilities [{len(rows)}, {out.shape[1]}] for images {start}.., found {chunk.shape}"
                )
                raise errors.ModelError(errors.ModelReason.ORT_ERROR, self.subject, detail)
            out[start : start + len(rows)] = chunk
        return out

    @property
    def provider(self) -> str:
        return self.session.get_providers()[0]

    @property
    def details(self) -> dict:
        details = {
            "threads": self._settings.threads,
            "batch": self._settings.batch,
            "onnxruntime": ort.__version__,
            "optimization_level": self._settings.optimization,
        }
        if self.provider == CUDA:
            details.update(cuda_details(not self._settings.strict_fp32))
        return details


def cuda_details(tf32: bool) -> dict:
    """The TF32 policy and the CUDA and cuDNN versions this onnxruntime-gpu build was made for."""
    from onnxruntime.capi import build_and_package_info as build

    return {
        "tf32": tf32,
        "cuda": getattr(build, "cuda_version", None) or "unknown",
        "cudnn": getattr(build, "cudnn_version", None) or "unknown",
    }


def check_session(session: ort.InferenceSession, contract: dict, subject: object) -> None:
    """Refuse an ONNX Runtime session unless its one input and one output are the contract's.

    Raises:
        ModelError: ``CONTRACT_MISMATCH``, naming both sides as Java's DigitClassifier does.
    """
    for role, declared, nodes in (
        ("input", contract["input"], session.get_inputs()),
        ("output", contract["output"], session.get_outputs()),
    ):
        expected = f"{declared['name']} {declared['dtype']} [{', '.join(str(d) for d in declared['shape'])}]"
        found = [_session_tensor(node) for node in nodes]
        if found != [expected]:
            raise errors.ModelError(
                errors.ModelReason.CONTRACT_MISMATCH,
                subject,
                f"expected the {role} [{expected}] as the contract declares it, found [{', '.join(found)}] "
                "in the session",
            )


def _session_tensor(node) -> str:
    kind = str(node.type)
    dtype = {"tensor(float)": "float32", "tensor(double)": "float64"}.get(kind, kind.removeprefix("tensor(")[:-1])
    dims = ["?" if d is None or d == "" else str(d) for d in (node.shape or [])]
    return f"{node.name} {dtype} [{', '.join(dims)}]"


def _one_line(exc: Exception) -> str:
    """ONNX Runtime's messages can span lines; ours are one line."""
    return " ".join(str(exc).split()) or type(exc).__name__
