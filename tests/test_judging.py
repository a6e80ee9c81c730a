"""compare's judgement without a runtime: tolerances, pair statistics and checks (a)-(f) on made-up outputs.

Every number here is exact in binary, so each boundary (<= against <, |b| against |a|) is pinned.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from pybridge import compare
from pybridge.runtimes.base import RunOutput


def out(name, probs, *, sha="h", provider="CPUExecutionProvider", golden=0.0, seconds=None, details=None):
    return RunOutput(
        name,
        np.asarray(probs, dtype=np.float32),
        sha,
        provider,
        seconds or {"inference": 1.0},
        details or {},
        golden,
    )


def stats(ref, other, atol=0.0, rtol=0.0):
    return compare.pair_stats(out("ref", ref), out("other", other), compare.Tolerance(atol, rtol, "t"))


# ---- Tolerance ------------------------------------------------------------------------------------------------


def test_tolerance_is_atol_plus_rtol_times_the_reference_inclusive():
    tol = compare.Tolerance(0.5, 0.25, "t")
    # |a - b| = 1 and atol + rtol * |b| = 0.5 + 0.25 * 2 = 1: allowed, exactly at the bound.
    assert tol.allows(np.array([3.0, -3.0]), np.array([2.0, -2.0])).tolist() == [True, True]
    assert tol.allows(np.array([3.0625]), np.array([2.0])).tolist() == [False]
    # Relative to b, the reference: with |a| = 2 the bound would be 1 and this would pass.
    assert compare.Tolerance(0.0, 0.5, "t").allows(np.array([2.0]), np.array([1.0])).tolist() == [False]
    assert compare.Tolerance(0.0, 0.5, "t").allows(np.array([1.0]), np.array([2.0])).tolist() == [True]
    assert compare.Tolerance(0.0, 0.0, "t").allows(np.array([1.0]), np.array([1.0])).tolist() == [True]


# ---- pair statistics ------------------------------------------------------------------------------------------


def test_pair_statistics_are_exact():
    ref = [[0.5, 0.25, 0.25], [0.0, 0.75, 0.25], [0.25, 0.5, 0.25]]
    other = [[0.5, 0.25, 0.25], [0.0, 0.5, 0.5], [0.5, 0.25, 0.25]]
    s = stats(ref, other, atol=0.125, rtol=0.25)
    assert (s.reference, s.other, s.images) == ("ref", "other", 3)
    assert s.argmax_agreement == 2 and s.disagreeing_images == [2]
    assert s.max_abs == 0.25 and s.mean_abs == pytest.approx(1.0 / 9.0)
    # rel = |a - b| / max(|a|, |b|): 0.25/0.75, 0.25/0.5, 0.25/0.5, 0.25/0.5; both zero counts as 0.
    assert s.max_rel == 0.5 and s.mean_rel == pytest.approx((1 / 3 + 0.5 + 0.5 + 0.5) / 9)
    assert s.bit_identical_values == pytest.approx(5 / 9) and s.bit_identical_images == pytest.approx(1 / 3)
    # The smallest atol that passes with rtol 0.25: max(|a - b| - 0.25 * |b|) = 0.25 - 0.0625 (ref 0.25 cells).
    assert s.smallest_passing_atol == 0.1875
    assert not s.within_tolerance
    assert stats(ref, other, atol=0.1875, rtol=0.25).within_tolerance


def test_identical_outputs_are_bit_identical_and_pass():
    probs = [[0.0, 1.0], [0.75, 0.25]]
    s = stats(probs, probs)
    assert (s.max_abs, s.mean_abs, s.max_rel, s.mean_rel, s.smallest_passing_atol) == (0.0, 0.0, 0.0, 0.0, 0.0)
    assert (s.bit_identical_values, s.bit_identical_images, s.argmax_agreement) == (1.0, 1.0, 2)
    assert s.within_tolerance and s.passed and s.disagreeing_images == []


def test_negative_zero_is_not_bit_identical_but_within_tolerance():
    s = stats([[0.0, 1.0]], [[-0.0, 1.0]])
    assert s.bit_identical_values == 0.5 and s.bit_identical_images == 0.0
    assert s.max_abs == 0.0 and s.within_tolerance and s.passed


@pytest.mark.parametrize(
    ("agreement", "within", "passed"), [(3, True, True), (2, True, False), (3, False, False), (2, False, False)]
)
def test_a_pair_passes_only_with_full_agreement_within_tolerance(agreement, within, passed):
    pair = compare.PairStats("r", "o", 3, agreement, 0, 0, 0, 0, 1, 1, 0, [], within)
    assert pair.passed is passed
    assert pair.budget is None  # without one of its own, the comparison's budget (the JSON says null)


# ---- judge: checks (a)-(f) ------------------------------------------------------------------------------------

CARD_N = 10000  # the canonical test set's size: check (e) needs all of it


def measurement(tmp_path, outputs, *, golden_atol=1e-5, card=None, name="net"):
    model = tmp_path / f"{name}.onnx"
    if card is not None:
        model.with_suffix(".json").write_text(json.dumps(card))
    return compare.Measurement(model, golden_atol, {o.runtime: o for o in outputs})


def confident(labels, classes=10, top=0.75):
    """One-hot-ish rows: ``top`` on the label, the rest shared, so the top-2 margin is wide."""
    rows = np.full((len(labels), classes), (1 - top) / (classes - 1), dtype=np.float32)
    rows[np.arange(len(labels)), labels] = top
    return rows


def test_a_clean_comparison_passes_and_reports_everything(tmp_path):
    labels = np.array([0, 1, 2, 3])
    probs = confident(labels)
    ref = out("python-ort", probs, sha="s", golden=0.0, seconds={"inference": 2.0}, details={"threads": 1})
    jvm = out("jvm-ort", probs, sha="s", golden=1e-5, seconds={"inference": 3.0})
    tol = compare.Tolerance(1e-6, 0.0, "t")
    result = compare.judge(measurement(tmp_path, [ref, jvm]), labels, tol)
    assert result.passed and result.failures == [] and result.fragile == [] and result.fragile_count == 0
    assert (result.model, result.path, result.tolerance) == ("net", str(tmp_path / "net.onnx"), tol)
    assert result.runs == {
        "python-ort": {"provider": "CPUExecutionProvider", "seconds": {"inference": 2.0}, "threads": 1},
        "jvm-ort": {"provider": "CPUExecutionProvider", "seconds": {"inference": 3.0}},
    }
    assert result.input_sha256 == {"python-ort": "s", "jvm-ort": "s"}
    assert result.golden_max_diff == {"python-ort": 0.0, "jvm-ort": 1e-5} and result.golden_atol == 1e-5
    assert result.accuracy == {"python-ort": 1.0, "jvm-ort": 1.0}
    assert result.card_accuracy is None and not result.card_checked
    assert [(p.reference, p.other, p.passed) for p in result.pairs] == [("python-ort", "jvm-ort", True)]
    named = compare.judge(measurement(tmp_path, [ref, jvm]), labels, tol, model_name="other name")
    assert named.model == "other name"
    payload = result.to_json()
    assert payload["passed"] is True and payload["fragile_count"] == 0 and payload["pairs"][0]["passed"] is True


def test_accuracy_is_per_runtime_against_the_labels(tmp_path):
    labels = np.array([0, 1, 2, 3])
    wrong = confident(np.array([0, 1, 2, 4]))
    result = compare.judge(
        measurement(tmp_path, [out("a", confident(labels)), out("b", wrong)]), labels, compare.Tolerance(1, 0, "t")
    )
    assert result.accuracy == {"a": 1.0, "b": 0.75}


def test_every_failing_check_says_what_failed_in_order(tmp_path):
    labels = np.array([0, 1, 2, 3])
    probs = confident(labels)
    other = probs.copy()
    other[3] = confident(np.array([5]))[0]  # disagrees on image 3
    ref = out("python-ort", probs, sha="aa", golden=0.0)
    jvm = out("jvm-ort", other, sha="bb", golden=2.5e-5)
    result = compare.judge(measurement(tmp_path, [ref, jvm]), labels, compare.Tolerance(0.001, 0.5, "t"))
    assert result.failures == [
        "(a) input tensors differ: {'python-ort': 'aa', 'jvm-ort': 'bb'}",
        "(b) golden pairs fail in jvm-ort: max |diff| 2.5e-05 > atol 1e-05",
        "(c) jvm-ort disagrees with python-ort on 1 images",
        "(d) jvm-ort vs python-ort: max |diff| 0.722 exceeds atol 0.001 + rtol 0.5 (t)",
    ]
    assert not result.passed and result.to_json()["passed"] is False


def test_golden_pairs_pass_at_their_atol_and_fail_on_nan(tmp_path):
    labels = np.array([0])
    probs = confident(labels)
    at_bound = [out("a", probs, golden=1e-5), out("b", probs, golden=0.0)]
    assert compare.judge(measurement(tmp_path, at_bound), labels, compare.Tolerance(0, 0, "t")).failures == []
    nan = [out("a", probs), out("b", probs, golden=float("nan"))]
    assert compare.judge(measurement(tmp_path, nan), labels, compare.Tolerance(0, 0, "t")).failures == [
        "(b) golden pairs fail in b: max |diff| nan > atol 1e-05"
    ]


def test_check_d_uses_the_tolerance_and_c_counts_images(tmp_path):
    labels = np.array([0, 1])
    probs = confident(labels)
    nudged = probs + np.float32(0.0625)
    inside = compare.judge(
        measurement(tmp_path, [out("a", probs), out("b", nudged)]), labels, compare.Tolerance(0.0625, 0.0, "t")
    )
    assert inside.failures == []
    outside = compare.judge(
        measurement(tmp_path, [out("a", probs), out("b", nudged)]), labels, compare.Tolerance(0.03125, 0.0, "t")
    )
    assert outside.failures == ["(d) b vs a: max |diff| 0.0625 exceeds atol 0.03125 + rtol 0 (t)"]
    flipped = confident(np.array([1, 0]))
    both = compare.judge(
        measurement(tmp_path, [out("a", probs), out("b", flipped)]), labels, compare.Tolerance(1.0, 0.0, "t")
    )
    assert both.failures == ["(c) b disagrees with a on 2 images"]


def test_three_runtimes_are_each_paired_with_the_first(tmp_path):
    labels = np.array([0])
    probs = confident(labels)
    result = compare.judge(
        measurement(tmp_path, [out("a", probs), out("b", probs), out("c", probs)]), labels, compare.Tolerance(0, 0, "t")
    )
    assert [(p.reference, p.other) for p in result.pairs] == [("a", "b"), ("a", "c")]


# ---- (e): accuracy against the card, only on the whole canonical test set ---------------------------------------


def card_case(tmp_path, *, accuracy_card, n=CARD_N, provider="CPUExecutionProvider", wrong=0):
    labels = np.arange(n) % 10
    predicted = labels.copy()
    predicted[:wrong] = (predicted[:wrong] + 1) % 10
    outputs = [out("python-ort", confident(predicted)), out("jvm-ort", confident(predicted), provider=provider)]
    return measurement(tmp_path, outputs, card={"test_accuracy": accuracy_card}), labels


def test_check_e_holds_each_cpu_runtime_to_the_card(tmp_path):
    m, labels = card_case(tmp_path, accuracy_card=0.9999, wrong=1)
    result = compare.judge(m, labels, compare.Tolerance(0, 0, "t"))
    assert result.card_checked and result.card_accuracy == 0.9999 and result.passed
    m, labels = card_case(tmp_path, accuracy_card=0.9995, wrong=1)
    result = compare.judge(m, labels, compare.Tolerance(0, 0, "t"))
    assert result.failures == [
        "(e) python-ort accuracy 99.9900% differs from the card's 99.9500%",
        "(e) jvm-ort accuracy 99.9900% differs from the card's 99.9500%",
    ]


def test_check_e_skips_a_gpu_runtime_a_subset_and_other_data(tmp_path):
    m, labels = card_case(tmp_path, accuracy_card=0.5, provider="CUDAExecutionProvider")
    assert compare.judge(m, labels, compare.Tolerance(0, 0, "t")).failures == [
        "(e) python-ort accuracy 100.0000% differs from the card's 50.0000%"
    ]
    m, labels = card_case(tmp_path, accuracy_card=0.5, n=CARD_N - 1)
    subset = compare.judge(m, labels, compare.Tolerance(0, 0, "t"))
    assert subset.passed and not subset.card_checked and subset.card_accuracy == 0.5
    m, labels = card_case(tmp_path, accuracy_card=0.5)
    other = compare.judge(m, labels, compare.Tolerance(0, 0, "t"), canonical_data=False)
    assert other.passed and not other.card_checked


# ---- (f): fragile images --------------------------------------------------------------------------------------


def test_check_f_lists_images_whose_top2_margin_is_below_the_tolerance_or_that_disagree(tmp_path):
    labels = np.array([3, 1, 2, 0])
    ref = np.zeros((4, 10), dtype=np.float32)
    ref[0, [3, 5]] = [0.5, 0.4375]  # margin 0.0625: below atol 0.125, fragile
    ref[1, [1, 4]] = [0.5, 0.375]  # margin 0.125: not below atol, not fragile
    ref[2, [2, 7]] = [0.75, 0.25]
    ref[3, [0, 9]] = [0.75, 0.25]
    other = ref.copy()
    other[2, [2, 7]] = [0.25, 0.75]  # disagrees: fragile whatever its margin
    result = compare.judge(
        measurement(tmp_path, [out("a", ref), out("b", other)]), labels, compare.Tolerance(0.125, 0.0, "t")
    )
    assert result.fragile_count == 2
    assert result.fragile == [
        {
            "index": 0,
            "label": 3,
            "top3": {"a": [[3, 0.5], [5, 0.4375], [0, 0.0]], "b": [[3, 0.5], [5, 0.4375], [0, 0.0]]},
        },
        {
            "index": 2,
            "label": 2,
            "top3": {"a": [[2, 0.75], [7, 0.25], [0, 0.0]], "b": [[7, 0.75], [2, 0.25], [0, 0.0]]},
        },
    ]
    assert result.to_json()["fragile_count"] == 2


def test_check_f_in_the_other_runtime_alone_and_a_tie_with_atol_zero(tmp_path):
    labels = np.array([0, 1])
    ref = np.zeros((2, 10), dtype=np.float32)
    ref[0, [0, 1]] = [0.75, 0.25]
    ref[1, [1, 2]] = [0.5, 0.5]  # a tie: margin 0 is below even atol 0 (1e-12 then)
    other = ref.copy()
    other[0, [0, 1, 2]] = [0.5, 0.25, 0.25]  # only the other runtime's margin is narrow here (0.25 < 0.3)
    zero = compare.judge(measurement(tmp_path, [out("a", ref), out("b", ref)]), labels, compare.Tolerance(0, 0, "t"))
    assert [f["index"] for f in zero.fragile] == [1]
    narrow = compare.judge(
        measurement(tmp_path, [out("a", ref), out("b", other)]), labels, compare.Tolerance(0.3, 0.0, "t")
    )
    assert [f["index"] for f in narrow.fragile] == [0, 1]


# ---- the tolerance policy -------------------------------------------------------------------------------------


def test_every_pair_budget_keeps_the_rtol_asked_for():
    def run(provider="CPUExecutionProvider", **details):
        return RunOutput("r", np.zeros((1, 10), np.float32), "h", provider, {}, details)

    here = {"cpu": "X", "cpu_flags_sha256": "f"}
    ort = run(onnxruntime="1.28.0", optimization_level="ALL")
    pairs = {
        "same build": (ort, ort),
        "other version": (ort, run(onnxruntime="1.32.0", optimization_level="ALL")),
        "other level": (ort, run(onnxruntime="1.28.0", optimization_level="BASIC")),
        "tf32": (run("CUDAExecutionProvider", tf32=True), ort),
        "strict": (ort, run("CUDAExecutionProvider", tf32=False)),
        "stated": (ort, run("keras", pair_budget={"atol": 1e-5, "basis": "b"})),
        "unknown": (run("X"), run("Y")),
    }
    for what, (a, b) in pairs.items():
        assert compare.pair_budget(a, b, None, 0.25, here).rtol == 0.25, what
    assert compare.pair_budget(ort, ort, None, 0.25, here) == compare.Tolerance(
        1e-6, 0.25, "same ONNX Runtime build (1.28.0, CPU, optimisation ALL, one machine): bit-identical expected"
    )
    assert compare.pair_budget(run("X"), run("Y"), None, 0.25, here) == compare.Tolerance(
        1e-6, 0.25, "no stated budget for this pair: the CPU-vs-CPU one"
    )
    given = compare.Tolerance(0.0, 0.125, "given on the command line")
    assert compare.pair_budget(*pairs["tf32"], 0.0, 0.125, here) == given


def test_a_tolerance_is_a_value():
    tol = compare.Tolerance(1e-6, 0.0, "t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tol.atol = 1.0  # a result's stated budget cannot change after judging
    assert {tol, compare.Tolerance(1e-6, 0.0, "t")} == {tol}


def test_check_f_keeps_every_runtimes_fragile_images(tmp_path):
    labels = np.array([0, 0])
    ref = np.zeros((2, 10), dtype=np.float32)
    ref[0, [0, 1]] = [0.5, 0.4375]  # narrow in the reference only
    ref[1, 0] = 1.0
    other = ref.copy()
    other[0, [0, 1]] = [0.75, 0.25]
    result = compare.judge(
        measurement(tmp_path, [out("a", ref), out("b", other)]), labels, compare.Tolerance(0.125, 0.0, "t")
    )
    assert [f["index"] for f in result.fragile] == [0]
    tiny = np.zeros((1, 10), dtype=np.float32)
    tiny[0, 0] = 1.5e-12  # margin 1.5e-12: above the 1e-12 floor, so not fragile with atol 0
    floor = compare.judge(
        measurement(tmp_path, [out("a", tiny), out("b", tiny)]), labels[:1], compare.Tolerance(0.0, 0.0, "t")
    )
    assert floor.fragile == []


def test_each_pair_is_judged_by_its_own_budget_and_fragile_images_by_the_largest(tmp_path):
    labels = np.array([0, 1])
    ref = np.zeros((2, 10), dtype=np.float32)
    ref[0, [0, 1]] = [0.75, 0.25]  # margin 0.5
    ref[1, [1, 2]] = [0.5, 0.375]  # margin 0.125: fragile under a budget of 0.25, not under 0.0625
    outputs = [out("a", ref), out("b", ref + np.float32(0.125)), out("c", ref + np.float32(0.0625))]
    default = compare.Tolerance(0.0625, 0.0, "default")
    loose, tight = compare.Tolerance(0.25, 0.0, "loose"), compare.Tolerance(0.03125, 0.0, "tight")
    result = compare.judge(measurement(tmp_path, outputs), labels, default, budgets={"b": loose, "c": tight})
    assert [(p.other, p.budget, p.within_tolerance) for p in result.pairs] == [("b", loose, True), ("c", tight, False)]
    assert result.failures == ["(d) c vs a: max |diff| 0.0625 exceeds atol 0.03125 + rtol 0 (tight)"]
    assert result.tolerance == loose and [f["index"] for f in result.fragile] == [1]
    # A runtime without a budget of its own is judged by the comparison's.
    partly = compare.judge(measurement(tmp_path, outputs), labels, default, budgets={"b": loose})
    assert [p.budget for p in partly.pairs] == [loose, default] and partly.failures == []
    unbudgeted = compare.judge(measurement(tmp_path, outputs), labels, default)
    assert unbudgeted.tolerance == default and unbudgeted.fragile == []
    assert unbudgeted.failures == ["(d) b vs a: max |diff| 0.125 exceeds atol 0.0625 + rtol 0 (default)"]
    alone = compare.judge(measurement(tmp_path, outputs[:1]), labels, tight)
    assert alone.pairs == [] and alone.tolerance == tight and alone.passed
