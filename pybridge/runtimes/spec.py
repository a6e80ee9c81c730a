"""What a runtime is called on the command line: ``name[:provider][@version]``, or ``saved:FILE``.

    python-ort               ONNX Runtime in this process, on the CPU
    python-ort:cuda          the same on CUDA (refused where ONNX Runtime has no working CUDA provider)
    jvm-ort:cpu              the Java library through JPype
    python-ort@1.32.0        another ONNX Runtime version, in its own process (pybridge.runtimes.versions)
    saved:gpu-box.npz        a run saved earlier, maybe on another machine (pybridge.runtimes.saved)

The provider defaults to ``cpu``; a version equal to the one this process runs is that runtime itself. ``keras``
takes neither: it runs where TensorFlow runs. Everything after ``saved:`` is the file, so a path may hold ``:``
or ``@``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pybridge import errors

KINDS = ("python-ort", "jvm-ort", "keras", "saved")
PROVIDERS = ("cpu", "cuda")
# Execution provider names as ONNX Runtime reports them, by the short name a spec uses.
ORT_PROVIDER = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}
_SPEC = re.compile(r"(?P<kind>[a-z-]+)(?::(?P<provider>[^@]*))?(?:@(?P<version>.*))?")
_VERSION = re.compile(r"\d+\.\d+\.\d+")
SYNTAX = "name[:cpu|cuda][@X.Y.Z] with name python-ort, jvm-ort or keras, or saved:FILE"


@dataclass(frozen=True)
class RuntimeSpec:
    """One runtime as asked for.

    Attributes:
        text: as written on the command line (the runtime's name in tables, JSON and reports).
        kind: ``python-ort``, ``jvm-ort``, ``keras`` or ``saved``.
        provider: ``cpu`` or ``cuda`` (``keras`` and ``saved``: None, the run says what it used).
        version: the ONNX Runtime version asked for, or None for the one this process has.
        path: the saved run's file (``saved`` only).
    """

    text: str
    kind: str
    provider: str | None = None
    version: str | None = None
    path: Path | None = None

    @property
    def key(self) -> tuple:
        """What makes two specs the same runtime (``python-ort`` and ``python-ort:cpu`` are)."""
        return (self.kind, self.provider, self.version, self.path and str(self.path.resolve()))

    @property
    def cuda(self) -> bool:
        return self.provider == "cuda"


def _bad(text: str, found: str) -> errors.UsageError:
    return errors.UsageError(
        errors.UsageReason.BAD_ARGUMENT, f"runtime {text!r}: BAD_ARGUMENT: expected {SYNTAX}, found {found}"
    )


def parse(text: str) -> RuntimeSpec:
    """The spec ``text`` names.

    Raises:
        UsageError: ``BAD_ARGUMENT`` in one line: an unknown name or provider, a malformed version, a provider or
            version on a runtime that takes none, or ``saved:`` without a file.
    """
    if text.startswith("saved:"):
        file = text.removeprefix("saved:")
        if not file:
            raise _bad(text, "no file after 'saved:'")
        return RuntimeSpec(text, "saved", path=Path(file))
    match = _SPEC.fullmatch(text)
    if not match or match["kind"] not in KINDS:
        kind = match["kind"] if match else text
        raise _bad(text, f"an unknown runtime {kind!r}")
    kind, provider, version = match["kind"], match["provider"], match["version"]
    if kind == "saved":
        raise _bad(text, "'saved' without ':FILE'")
    if kind == "keras" and (provider is not None or version is not None):
        raise _bad(text, "a provider or version on keras, which runs where TensorFlow runs")
    if provider is not None and provider not in PROVIDERS:
        raise _bad(text, f"an unknown provider {provider!r}")
    if version is not None and not _VERSION.fullmatch(version):
        raise _bad(text, f"a version {version!r} that is not X.Y.Z")
    if kind != "keras" and provider is None:
        provider = "cpu"
    return RuntimeSpec(text, kind, provider, version)


def parse_list(text: str, *, least: int = 2) -> list[RuntimeSpec]:
    """A comma-separated list of specs, each runtime once, at least ``least`` of them.

    Raises:
        UsageError: ``BAD_ARGUMENT``: a bad spec (``parse``), too few, or one runtime twice.
    """
    specs = [parse(part.strip()) for part in text.split(",") if part.strip()]
    if len(specs) < least:
        raise errors.UsageError(
            errors.UsageReason.BAD_ARGUMENT,
            f"--runtimes: BAD_ARGUMENT: expected at least {least} different runtime{'s' if least > 1 else ''}, "
            f"found {[s.text for s in specs]}",
        )
    seen: dict[tuple, str] = {}
    for spec in specs:
        if spec.key in seen:
            raise errors.UsageError(
                errors.UsageReason.BAD_ARGUMENT,
                f"--runtimes: BAD_ARGUMENT: expected each runtime once, found {seen[spec.key]!r} and {spec.text!r}",
            )
        seen[spec.key] = spec.text
    return specs
