"""The runtimes a model runs in, behind one interface (``base.Runtime`` and ``base.Model``).

``python-ort`` (``python_ort``): ONNX Runtime's Python API; ``jvm-ort`` (``jvm``): the Java library through
JPype; ``keras`` (``keras``): the Keras original a model was exported from; ``saved:FILE`` (``saved``): a run
written earlier; ``python-ort@X.Y.Z``, ``jvm-ort@X.Y.Z`` (``versions``): another ONNX Runtime version in its own
process. ``spec`` parses the names. ``create`` makes one and imports only what that one needs (the JVM starts
when a ``jvm-ort`` runtime is made, TensorFlow loads when a Keras model is opened).
"""

from __future__ import annotations

from pybridge import errors
from pybridge.runtimes.base import DEFAULT_BATCH, KERAS_BATCH, OPTIMIZATION_LEVEL, Runtime
from pybridge.runtimes.spec import RuntimeSpec, parse

NAMES = ("python-ort", "jvm-ort", "keras")


def create(
    name: str | RuntimeSpec,
    *,
    threads: int = 1,
    batch: int | None = None,
    strict_fp32: bool = False,
    device: str | None = None,
    optimization: str = OPTIMIZATION_LEVEL,
) -> Runtime:
    """The runtime ``name`` (a spec, ``pybridge.runtimes.spec``) names, with these settings (each runtime takes
    the ones that apply to it); its ``name`` is the spec as written.

    Args:
        batch: images per call; None: ``DEFAULT_BATCH``, in the JVM the Java library's default (the same), in Keras
            ``KERAS_BATCH``.
        strict_fp32: CUDA without TF32.
        device: overrides the spec's provider (``auto``: Python ONNX Runtime's CUDA when it has one).
        optimization: ONNX Runtime's graph optimisation level (``base.OPTIMIZATION_LEVELS``).

    Raises:
        UsageError: a malformed spec, a device the runtime cannot give (``UNSUPPORTED``), a saved run that
            cannot be read.
    """
    spec = name if isinstance(name, RuntimeSpec) else parse(name)
    device = device or spec.provider
    if spec.kind == "saved":
        from pybridge.runtimes.saved import SavedRuntime

        runtime: Runtime = SavedRuntime(spec.path)
    elif spec.version is not None and not _is_local(spec):
        from pybridge.runtimes.versions import VersionedRuntime

        runtime = VersionedRuntime(spec, threads=threads, batch=batch, optimization=optimization)
    elif spec.kind == "python-ort":
        from pybridge.runtimes.python_ort import PythonOrtRuntime

        runtime = PythonOrtRuntime(
            threads=threads,
            batch=batch or DEFAULT_BATCH,
            strict_fp32=strict_fp32,
            device=device,
            optimization=optimization,
        )
    elif spec.kind == "jvm-ort":
        from pybridge.runtimes.jvm import JvmRuntime

        runtime = JvmRuntime(
            threads=threads, batch=batch, device=device, strict_fp32=strict_fp32, optimization=optimization
        )
    elif spec.kind == "keras":
        from pybridge.runtimes.keras import KerasRuntime

        runtime = KerasRuntime(batch=batch or KERAS_BATCH)
    else:  # parse() admits no other kind
        raise errors.UsageError(errors.UsageReason.BAD_ARGUMENT, f"unknown runtime {spec.text!r}")
    runtime.name = spec.text
    return runtime


def _is_local(spec: RuntimeSpec) -> bool:
    """A versioned spec naming the very ONNX Runtime this process would run: no other process is needed."""
    from pybridge.runtimes.versions import local_version

    return spec.version == local_version(spec.kind)
