"""Shared paths for the test suite. Missing prerequisites fail loudly: nothing is skipped silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybridge import data
from pybridge.runtimes.jvm import JAR

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "idx"


def read_tsv(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text().splitlines() if line and not line.startswith("#")]


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    directory = data.default_dir()
    if not all((directory / name).exists() for name in data.FILES.values()):
        pytest.fail(f"MNIST is not in {directory}: run `make data` (python -m pybridge.data fetch) first")
    return directory


@pytest.fixture(scope="session")
def jar() -> Path:
    if not JAR.exists():
        pytest.fail(f"{JAR} is missing: build it with `make jar` (tools/java-build.sh jar)")
    return JAR


TEST_MODELS = ROOT / "tests" / "data" / "models"


@pytest.fixture(scope="session")
def jvm(jar):
    """The one JVM of the test session (a JVM cannot be restarted in a process)."""
    from pybridge.runtimes import jvm as bridge

    bridge.start_jvm(build=False)
    return bridge
