"""``python -m training.train --help``: parsing the command line imports neither Keras nor TensorFlow."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import sys
from training import train
try:
    train.main(["--help"])
except SystemExit as exc:
    assert exc.code == 0, exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tf2onnx"))
print("heavy:", heavy)
"""


def test_help_imports_no_tensorflow_and_prints_only_the_help():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("usage: python -m training.train")
    assert done.stdout.splitlines()[-1] == "heavy: []"
