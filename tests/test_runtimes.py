"""The runtime interface itself: phase timing, the one golden check, the open/close life cycle."""

from __future__ import annotations

import numpy as np
import pytest

from pybridge import contract as model_contract
from pybridge import errors
from pybridge.runtimes import base, create
from tests.conftest import TEST_MODELS

CONTRACT = model_contract.read(TEST_MODELS / "linear.onnx")


class ScriptedModel(base.TensorModel):
    """Answers the contract's golden probabilities, shifted by ``drift``."""

    runtime = "scripted"
    provider = "none"

    def __init__(self, drift: float):
        self.subject, self.drift, self.closed = "scripted.onnx", drift, 0

    def predict(self, x: np.ndarray) -> np.ndarray:
        _, expected = model_contract.golden_inputs(CONTRACT)
        return expected[: len(x)] + np.float32(self.drift)

    def close(self) -> None:
        self.closed += 1


class ScriptedRuntime(base.Runtime):
    name = "scripted"

    def __init__(self, drift: float):
        self.opened: list[ScriptedModel] = []
        self.drift = drift

    def load(self, model, contract=None) -> ScriptedModel:
        self.opened.append(ScriptedModel(self.drift))
        return self.opened[-1]


def test_phases_add_up_per_name_in_the_order_they_first_ran():
    phases = base.Phases()
    for name in ("read", "load", "read"):
        with phases(name):
            pass
    assert list(phases.seconds) == ["read", "load"] and all(v >= 0 for v in phases.seconds.values())


def test_the_golden_check_passes_within_atol_and_measures_the_difference():
    runtime = ScriptedRuntime(drift=1e-6)
    with runtime.open(TEST_MODELS / "linear.onnx", CONTRACT, check_golden=True) as model:
        assert model.golden_max_diff(CONTRACT) == pytest.approx(1e-6, rel=0.1)
    assert runtime.opened[0].closed == 1


@pytest.mark.parametrize("drift", [1e-3, float("nan")])
def test_a_model_failing_its_golden_check_is_closed_and_refused(drift):
    runtime = ScriptedRuntime(drift=drift)
    with pytest.raises(errors.ModelError, match=r"scripted\.onnx: GOLDEN_MISMATCH: expected the golden") as caught:
        runtime.open(TEST_MODELS / "linear.onnx", CONTRACT, check_golden=True)
    assert caught.value.reason is errors.ModelReason.GOLDEN_MISMATCH and caught.value.exit_code == 1
    assert runtime.opened[0].closed == 1


def test_an_unknown_runtime_is_a_usage_error():
    with pytest.raises(
        errors.UsageError,
        match=r"expected name\[:cpu\|cuda\]\[@X\.Y\.Z\] with name python-ort, jvm-ort or keras, "
        r"or saved:FILE, found an unknown runtime 'tflite'",
    ):
        create("tflite")
