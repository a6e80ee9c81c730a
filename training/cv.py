"""k-fold cross-validation of a zoo model, the tutorial's method, with learning curves and a box plot.

    python -m training.cv --model NAME [--folds 5] [--epochs 10] [--limit N] [--out DIR] [--seed S]

KFold with shuffling and a fixed random_state (1, as in the tutorial) so every model sees the same folds; a
fresh model per fold; the held-out fold is the validation data after every epoch. Prints each fold's accuracy
and the mean and standard deviation, and writes ``<out>/<name>.json`` (every number),
``<out>/<name>_curves.png`` (loss and accuracy, train blue / validation orange, one line per fold) and
``<out>/<name>_box.png`` (fold accuracies).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on our machines
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold

from pybridge import cli, data, errors
from pybridge.files import atomic_write
from training import fit
from training.models import RECIPES

FOLD_SEED = 1  # the tutorial's random_state: the same folds for every model


def plot_curves(name: str, histories: list[dict], path: Path) -> None:
    fig, (loss_ax, acc_ax) = plt.subplots(2, 1, figsize=(7, 8), sharex=True)
    for i, history in enumerate(histories):
        epochs = range(1, len(history["loss"]) + 1)
        for ax, key, title in (
            (loss_ax, "loss", "Cross-entropy loss"),
            (acc_ax, "accuracy", "Classification accuracy"),
        ):
            ax.plot(epochs, history[key], color="tab:blue", label="train" if i == 0 else None)
            ax.plot(epochs, history[f"val_{key}"], color="tab:orange", label="validation" if i == 0 else None)
            ax.set_title(title)
    acc_ax.set_xlabel("epoch")
    loss_ax.legend()
    fig.suptitle(f"{name}: {len(histories)}-fold learning curves")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_box(name: str, scores: list[float], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(4, 5))
    ax.boxplot([s * 100 for s in scores])
    ax.set_xticks([1], [name])
    ax.set_ylabel("fold accuracy (%)")
    ax.set_title(f"mean {statistics.mean(scores):.3%}, std {statistics.pstdev(scores):.3%}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run(
    name: str, x: np.ndarray, y: np.ndarray, *, folds: int, epochs: int | None, seed: int, out: Path, verbose: int = 2
) -> dict:
    """Cross-validate recipe ``name`` on (x, y); write JSON and both PNGs into ``out``; return the JSON dict."""
    recipe = RECIPES[name]
    if epochs is not None:
        recipe = dataclasses.replace(recipe, epochs=epochs)
    scores, histories = [], []
    splitter = KFold(n_splits=folds, shuffle=True, random_state=FOLD_SEED)
    for fold, (train_idx, val_idx) in enumerate(splitter.split(x), start=1):
        print(f"{name}: fold {fold}/{folds}: training on {len(train_idx)}, validating on {len(val_idx)}", flush=True)
        # A fresh model per fold: reusing one would leak training across folds (the tutorial's old bug).
        result = fit.fit(
            recipe, x[train_idx], y[train_idx], seed=seed + fold, validation=(x[val_idx], y[val_idx]), verbose=verbose
        )
        accuracy = result.history["val_accuracy"][-1]  # the held-out fold, measured after the last epoch
        scores.append(accuracy)
        histories.append(result.history)
        print(f"{name}: fold {fold}/{folds}: accuracy {accuracy:.4%} ({result.seconds:.0f} s)", flush=True)
    mean, std = statistics.mean(scores), statistics.pstdev(scores)
    print(f"{name}: accuracy mean {mean:.3%} std {std:.3%} over {folds} folds", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "model": name,
        "folds": folds,
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "fold_seed": FOLD_SEED,
        "seed": seed,
        "images": len(x),
        "scores": scores,
        "mean": mean,
        "std": std,
        "std_kind": "population (numpy.std, as the tutorial reports)",
        "histories": histories,
        "reference": recipe.reference,
        "curves_png": f"{name}_curves.png",
        "box_png": f"{name}_box.png",
    }
    plot_curves(name, histories, out / report["curves_png"])
    plot_box(name, scores, out / report["box_png"])
    atomic_write(out / f"{name}.json", (json.dumps(report, indent=2) + "\n").encode())
    return report


def main(argv: Sequence[str] | None = None, prog: str = "python -m training.cv") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="k-fold cross-validation of a zoo model.")
    parser.add_argument("--model", required=True, choices=sorted(RECIPES))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's epochs")
    parser.add_argument("--limit", type=int, help="use the first N training images only")
    parser.add_argument("--out", type=Path, default=Path("models/cv"))
    parser.add_argument("--seed", type=int, default=1, help="seeds weights and shuffling (fold k uses seed + k)")
    parser.add_argument("--data", type=Path, help="dataset directory (default: the fetch location)")
    args = parser.parse_args(argv)
    if args.folds < 2:
        print(f"error: expected --folds >= 2, found {args.folds}", file=sys.stderr)
        return 2
    try:
        train = data.load("train", args.data)
    except errors.IdxError as exc:
        return cli.report(exc)
    x, y = fit.arrays(train, args.limit)
    run(args.model, x, y, folds=args.folds, epochs=args.epochs, seed=args.seed, out=args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
