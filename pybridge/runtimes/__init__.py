"""The runtimes a model runs in, behind one interface (``base.Runtime`` and ``base.Model``).

``python-ort`` (``python_ort``): ONNX Runtime's Python API; ``jvm-ort`` (``jvm``): the Java library through
JPype; ``keras`` (``keras``): the Keras original a model was exported from. ``create`` makes one by name and
imports only what that one needs (the JVM starts when a ``jvm-ort`` runtime is made, TensorFlow loads when a
Keras model is opened).
"""

from __future__ import annotations

from pybridge import errors
from pybridge.runtimes.base import DEFAULT_BATCH, Runtime

NAMES = ("python-ort", "jvm-ort", "keras")


def create(
    name: str, *, threads: int = 1, batch: int | None = None, strict_fp32: bool = False, device: str = "auto"
) -> Runtime:
    """The runtime called ``name`` with these settings (each runtime takes the ones that apply to it).

    Args:
        batch: images per call; None: ``DEFAULT_BATCH``, or in the JVM the Java library's default.
        strict_fp32, device: Python ONNX Runtime on CUDA only.

    Raises:
        UsageError: an unknown name, or a device the runtime cannot give.
    """
    if name == "python-ort":
        from pybridge.runtimes.python_ort import PythonOrtRuntime

        return PythonOrtRuntime(threads=threads, batch=batch or DEFAULT_BATCH, strict_fp32=strict_fp32, device=device)
    if name == "jvm-ort":
        from pybridge.runtimes.jvm import JvmRuntime

        return JvmRuntime(threads=threads, batch=batch)
    if name == "keras":
        from pybridge.runtimes.keras import KerasRuntime

        return KerasRuntime(batch=batch or DEFAULT_BATCH)
    raise errors.UsageError(f"unknown runtime {name!r}; expected some of {', '.join(NAMES)}")
