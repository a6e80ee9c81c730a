"""The user-drawing evaluation set (training.userset), its scoring, the cards' columns, and robust's augmentation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pybridge import data
from training import cards, userset


def _files(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def drawn(tmp_path_factory, mnist_dir):
    root = tmp_path_factory.mktemp("userset")
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        userset.generate(root / name, seed=seed, singles=6, strips=2, mnist=mnist_dir)
    return root


def test_the_same_seed_draws_the_same_bytes(drawn):
    a, b = _files(drawn / "a"), _files(drawn / "b")
    assert a.keys() == b.keys()
    assert {"USERSET.json", "strips/labels.csv", "singles-idx/PACK.json", "strips-idx/PACK.json"} <= a.keys()
    # The packs' provenance names the folder they were packed from; everything else is the same.
    provenance = {k for k in a if k.endswith("PACK.json")}
    assert [k for k in a.keys() - provenance if a[k] != b[k]] == []
    for k in provenance:
        pa, pb = json.loads(a[k]), json.loads(b[k])
        assert pa.pop("source") != pb.pop("source") and pa == pb


def test_another_seed_draws_other_images(drawn):
    a, c = _files(drawn / "a"), _files(drawn / "c")
    assert a["USERSET.json"] != c["USERSET.json"]


def test_only_test_digits_are_drawn_each_once_with_their_labels(drawn, mnist_dir):
    record = json.loads((drawn / "a" / "USERSET.json").read_text())
    labels = data.load("t10k", mnist_dir).labels.data
    used = []
    for s in record["singles"]:
        assert (drawn / "a" / s["file"]).exists()
        assert s["file"].split("/")[1] == str(s["label"])
        if "mnist_test_index" in s:
            assert labels[s["mnist_test_index"]] == s["label"]
            used.append(s["mnist_test_index"])
    for s in record["strips"]:
        assert 2 <= len(s["label"]) <= 6
        ks = s.get("mnist_test_indices", [])
        assert "".join(str(labels[k]) for k in ks) in ("", s["label"])
        used.extend(ks)
    assert len(used) == len(set(used))


@pytest.fixture(scope="module")
def development(drawn, mnist_dir):
    # The same seed as the excluded set: without the exclusion it would draw exactly the same digits.
    excluded = userset.read_record(drawn / "a")
    root = drawn / "dev"
    for name in ("d", "e"):
        userset.generate(root / name, seed=5, singles=6, strips=2, mnist=mnist_dir, exclude=[excluded])
    return root


def test_a_development_set_draws_none_of_the_excluded_sets_digits(drawn, development):
    evaluation = userset.used_digits(userset.read_record(drawn / "a"))
    record = userset.read_record(development / "d")
    dev = userset.used_digits(record)
    assert evaluation and dev and not evaluation & dev
    assert record["excludes"] == [
        {"seed": 5, "counts": {"singles": 6, "strips": 2}, "mnist_test_digits": len(evaluation)}
    ]


def test_a_second_development_set_draws_none_of_either_sets_digits(drawn, development, mnist_dir):
    sets = [userset.read_record(drawn / "a"), userset.read_record(development / "d")]
    second = userset.generate(drawn / "dev2", seed=5, singles=6, strips=2, mnist=mnist_dir, exclude=sets)
    assert not userset.used_digits(second) & (userset.used_digits(sets[0]) | userset.used_digits(sets[1]))
    assert [e["seed"] for e in second["excludes"]] == [5, 5]


def test_a_development_set_is_deterministic(development):
    d, e = _files(development / "d"), _files(development / "e")
    provenance = {k for k in d if k.endswith("PACK.json")}
    assert d.keys() == e.keys() and [k for k in d.keys() - provenance if d[k] != e[k]] == []


def test_the_command_refuses_the_excluded_sets_seed_and_a_folder_without_a_set(drawn, tmp_path, capsys):
    out = str(tmp_path / "dev")
    assert userset.main(["--out", out, "--seed", "5", "--exclude", str(drawn / "a")]) == 2
    assert "expected a seed other than the excluded set's, found 5 for both" in capsys.readouterr().err
    assert userset.main(["--out", out, "--seed", "7", "--exclude", str(tmp_path)]) == 2
    assert "found no USERSET.json" in capsys.readouterr().err
    assert not (tmp_path / "dev").exists()


def test_scoring_counts_singles_strips_and_the_low_confidence_split():
    # Rows 0-3 are singles (labels 1, 2, 3, 4); rows 4-6 the digits of strip "12" (rows 4, 5) and "3" (row 6).
    probs = np.full((7, 10), 0.01, np.float32)
    for row, (label, p) in enumerate([(1, 0.9), (2, 0.5), (5, 0.9), (4, 0.55), (1, 0.9), (7, 0.9), (3, 0.9)]):
        probs[row, label] = p
    strips = [("12", [4, 5]), ("3", [6]), ("45", None)]
    figures = userset.score(probs, np.array([1, 2, 3, 4]), strips)
    assert figures["singles"] == 0.75
    assert figures["strips"] == pytest.approx(1 / 3)
    assert figures["strips_segmented_wrongly"] == 1
    low = figures["low_confidence"]
    assert low["flagged"] == 0.5
    assert low["error_rate_flagged"] == 0.0
    assert low["error_rate_unflagged"] == 0.5
    assert low["errors_flagged"] == 0.0


def test_the_cards_table_shows_the_user_drawing_figures(tmp_path):
    card = {
        "test_accuracy": 0.99,
        "target_accuracy": 0.98,
        "target_met": True,
        "cv": None,
        "parameters": 1000,
        "flops_per_image": 2e6,
        "training_seconds": 60,
    }
    (tmp_path / "mlp.json").write_text(json.dumps({**card, "user_drawings": {"singles": 0.9512, "strips": 0.8}}))
    (tmp_path / "best.json").write_text(json.dumps(card))
    rows = {line.split(" | ")[0].lstrip("| "): line for line in cards.table(tmp_path).splitlines()}
    assert "| user drawings: singles | strips |" in rows["model"]
    assert "| 95.12% | 80.00% |" in rows["mlp"]
    assert "| not scored | not scored |" in rows["best"]
    assert rows["robust"].startswith("| robust | not trained yet |")


def test_robust_augmentation_is_seeded_and_stays_in_range(mnist_dir):
    tf = pytest.importorskip("tensorflow")
    from training import fit

    x, _ = fit.arrays(data.load("t10k", mnist_dir), 32)
    seed = tf.constant([7, 1], tf.int64)
    a = fit.robust_augment_batch(tf.constant(x), seed).numpy()
    b = fit.robust_augment_batch(tf.constant(x), seed).numpy()
    c = fit.robust_augment_batch(tf.constant(x), seed + 1).numpy()
    assert a.shape == x.shape and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1
    # Every image keeps some ink, even the faint ones.
    assert (a.reshape(len(a), -1).max(1) > 0.1).all()


def test_pen_redraw_keeps_the_digit_and_sets_its_stroke_width(mnist_dir):
    pytest.importorskip("tensorflow")
    from training import fit

    digits = data.load("t10k", mnist_dir).images.data[:8]
    thin = np.stack([fit.pen_redraw(d, 0.5) for d in digits])
    thick = np.stack([fit.pen_redraw(d, 4.0) for d in digits])
    assert thin.dtype == np.uint8 and thin.shape == digits.shape
    assert (thin.reshape(8, -1).max(1) == 255).all() and (thick.reshape(8, -1).max(1) == 255).all()
    # A wider pen lays down more ink; both stay on the digit (the ink's centre moves by under two pixels).
    assert (thick.reshape(8, -1).sum(1) > 2 * thin.reshape(8, -1).sum(1)).all()
    for a, b in ((digits, thin), (digits, thick)):
        ca = np.array([np.argwhere(x > 0).mean(0) for x in a])
        cb = np.array([np.argwhere(x > 0).mean(0) for x in b])
        assert np.abs(ca - cb).max() < 2
    blank = np.zeros((28, 28), np.uint8)
    assert fit.pen_redraw(blank, 2.0) is blank


def test_pen_redrawn_set_is_seeded(mnist_dir):
    pytest.importorskip("tensorflow")
    from training import fit

    digits = data.load("t10k", mnist_dir).images.data[:16]
    a, b = fit.pen_redrawn(digits, 3, processes=1), fit.pen_redrawn(digits, 3, processes=1)
    c = fit.pen_redrawn(digits, 4, processes=1)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    # Widths span hairline to marker: the ink per digit varies widely within one set.
    ink = (a > 127).reshape(16, -1).sum(1)
    assert ink.max() > 3 * ink.min()


def test_the_report_reads_the_user_drawing_figures_from_the_card(tmp_path):
    from pybridge import report

    (tmp_path / "m.json").write_text(json.dumps({"name": "m", "user_drawings": {"singles": 0.9, "strips": 0.8}}))
    (tmp_path / "n.json").write_text(json.dumps({"name": "n"}))
    assert report._card_user_drawings(tmp_path / "m.onnx") == {"singles": 0.9, "strips": 0.8}
    assert report._card_user_drawings(tmp_path / "n.onnx") is None
    assert report._card_user_drawings(tmp_path / "missing.onnx") is None
