"""Finalize a zoo model: train on all 60k training images, test on the 10k, export ONNX, write its model card.

    python -m training.train --model NAME [--epochs N] [--seed S] [--out DIR] [--limit N]

The card (``<out>/<name>.json``) is generated here and never edited by hand: architecture, parameters,
FLOPs per image, training time, test accuracy as measured by ONNX Runtime on the exported file, the CV figures
when ``<out>/cv/<name>.json`` exists, the command and seed, and the SHA-256 of the ``.onnx`` and of the Keras
original written beside it (``<out>/<name>.keras``, weights without optimizer state).
Exit codes: 0 exported and target met, 1 exported but the target was missed, or the export gate failed, or the
Keras file did not reload to the same predictions; 2 bad usage or data.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pybridge import cli, data, errors
from pybridge.files import atomic_write

# The names of training.models.RECIPES (a test keeps them equal), so that parsing the command line, and --help,
# need not import Keras and TensorFlow: seconds of start-up and a screenful of their log lines.
MODEL_NAMES = (
    *("mlp", "dense_dropout", "mlp3", "simple_cnn", "baseline_cnn", "baseline_cnn_bn", "deeper_cnn", "best"),
    "robust",
)

DEFAULT_SEED = 20261121
DETERMINISM = (
    "Seeded (Python, numpy, TensorFlow) with tf.config.experimental.enable_op_determinism(): on CPU the same seed, "
    "data, thread count and library versions reproduce the weights. Not covered: other CPUs or oneDNN builds "
    "(different vector kernels may round differently) and other thread counts."
)


def flops_per_image(model) -> int:
    """Multiply-adds x 2 of the conv and dense layers for one image (pooling, BN and activations excluded)."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            _, h, w, c_out = layer.output.shape
            total += 2 * kh * kw * layer.input.shape[-1] * c_out * h * w
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return int(total)


def architecture(model) -> list[dict]:
    return [
        {
            "layer": layer.name,
            "type": type(layer).__name__,
            "output_shape": list(layer.output.shape[1:]),
            "params": int(layer.count_params()),
        }
        for layer in model.layers
    ]


class KerasSaveError(Exception):
    """The Keras file as written does not answer like the trained model; nothing was written."""


def save_keras(model, path: Path, x_test: np.ndarray, keras_probs: np.ndarray) -> bytes:
    """Write the Keras original beside its ONNX file, without optimizer state, and return its bytes.

    A ``.keras`` file keeps whatever the model was compiled with (Keras 3 ignores ``include_optimizer`` for it),
    so the weights go into an uncompiled copy: the file holds architecture and weights only (a third of the
    size for Adam-trained models). It is loaded back and must give bit-identical probabilities on the test set,
    the ones the export gate and the golden pairs were measured with.

    Raises:
        KerasSaveError: the reloaded model answers differently; ``path`` is left untouched.
    """
    import tempfile

    import keras

    clone = type(model).from_config(model.get_config())  # clone_model would copy the compile settings too
    clone.set_weights(model.get_weights())
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        staged = Path(scratch) / path.name  # Keras insists on the .keras suffix
        clone.save(staged)
        reloaded = keras.models.load_model(staged)
        probs = reloaded.predict(x_test, batch_size=1000, verbose=0)
        if not np.array_equal(probs, keras_probs):
            raise KerasSaveError(
                f"{path}: RELOAD_MISMATCH: expected the reloaded model to repeat the trained one's test "
                f"probabilities, found max |diff| {float(np.max(np.abs(probs - keras_probs))):.3g}"
            )
        payload = staged.read_bytes()
    atomic_write(path, payload)
    return payload


def measured(recipe, net, *, onnx_path: Path, model_bytes: bytes, keras_bytes: bytes, x_test, y_test,
             keras_acc: float, gate, contract: dict) -> dict:  # fmt: skip
    """The card's figures for an exported model (``train`` and ``testtime`` alike): both files' hashes, the trained
    network's layers and cost (times its test-time variants), the test accuracy from an independent ONNX Runtime
    run over the file as written, against the recipe's target, and the export gate."""
    from training import export
    from training.models import target_accuracy

    onnx_acc = float(np.mean(export.onnx_probabilities(onnx_path.read_bytes(), x_test).argmax(1) == y_test))
    target = target_accuracy(recipe)
    return {
        "onnx_sha256": export.sha256(model_bytes),
        "keras_sha256": export.sha256(keras_bytes),
        "architecture": architecture(net),
        "flops_per_image": flops_per_image(net) * max(1, len(recipe.test_time)),
        "test_accuracy": onnx_acc,
        "test_accuracy_measured_by": f"onnxruntime {export.ort.__version__} CPU on {len(x_test)} test images",
        "keras_test_accuracy": keras_acc,
        "target_accuracy": round(target, 5),
        "target_met": onnx_acc >= target,
        "export_gate": gate.card_entry(),
        "versions": contract["versions"],
    }


def write_card(card: dict, path: Path, what: str, *written: Path) -> int:
    """Writes the card, says whether the model meets its target, and gives the exit code: 0 met, 1 missed."""
    atomic_write(path, (json.dumps(card, indent=2) + "\n").encode())
    verdict = "meets" if card["target_met"] else "MISSES"
    print(
        f"{what}: ONNX Runtime test accuracy {card['test_accuracy']:.4%} {verdict} the target "
        f"{card['target_accuracy']:.4%}; wrote {', '.join(map(str, written))} and {path}"
    )
    return 0 if card["target_met"] else 1


def main(argv: Sequence[str] | None = None, prog: str = "python -m training.train") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Train a zoo model on all training data and export it.")
    parser.add_argument("--model", required=True, choices=sorted(MODEL_NAMES))
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument("--limit", type=int, help="train on the first N training images only (tests, smoke runs)")
    parser.add_argument("--data", type=Path, help="dataset directory (default: the fetch location)")
    args = parser.parse_args(argv)
    # TensorFlow only once there is work for it (see MODEL_NAMES).
    from training import export, fit, testtime
    from training.models import RECIPES

    recipe = RECIPES[args.model]
    if args.epochs is not None:
        recipe = dataclasses.replace(recipe, epochs=args.epochs)
    try:
        train, test = data.load("train", args.data), data.load("t10k", args.data)
    except errors.IdxError as exc:
        return cli.report(exc)
    x, y = fit.arrays(train, args.limit)
    x_test, y_test = fit.arrays(test)

    print(
        f"{recipe.name}: training on {len(x)} images, {recipe.epochs} epochs, batch {recipe.batch_size}, "
        f"seed {args.seed}",
        flush=True,
    )
    result = fit.fit(recipe, x, y, seed=args.seed)
    # The trained network, or the network reading its test-time variants (training.testtime): what is shipped.
    net = result.model
    model = testtime.wrap(net, recipe.test_time) if recipe.test_time else net
    keras_probs = model.predict(x_test, batch_size=1000, verbose=0)
    keras_acc = float(np.mean(keras_probs.argmax(1) == y_test))
    print(f"{recipe.name}: trained in {result.seconds:.0f} s; Keras test accuracy {keras_acc:.4%}", flush=True)

    command = " ".join(["python -m training.train", *(argv if argv is not None else sys.argv[1:])])
    settings = {
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "steps": recipe.steps,
        "augment": recipe.augment,
        "augmentation": recipe.augmentation if recipe.augment else None,
        "optimizer": net.optimizer.__class__.__name__,
        "seed": args.seed,
        "train_images": len(x),
        "source": recipe.source,
    }
    dataset = {"name": "mnist", "uncompressed_md5": data.MNIST_MD5}
    extra = {"dataset": dataset, "training": settings, "test_accuracy": keras_acc, "command": command}
    if recipe.test_time:
        extra["test_time"] = testtime.card_entry(recipe.test_time, recipe.name)
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / f"{recipe.name}.onnx"
    try:
        model_bytes, gate, contract = export.export(
            model,
            onnx_path,
            name=recipe.name,
            x_test=x_test,
            keras_probs=keras_probs,
            images_test_u8=test.images.data,
            extra=extra,
        )
    except export.ExportGateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{recipe.name}: export gate passed: {gate.describe()}", flush=True)
    cv_file = args.out / "cv" / f"{recipe.name}.json"
    cv = None
    if cv_file.exists():
        cv_data = json.loads(cv_file.read_text())
        cv = {
            "folds": cv_data["folds"],
            "epochs": cv_data["epochs"],
            "mean": cv_data["mean"],
            "std": cv_data["std"],
            "file": str(cv_file),
        }
    keras_path = args.out / f"{recipe.name}.keras"
    try:
        keras_bytes = save_keras(model, keras_path, x_test, keras_probs)
    except KerasSaveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    figures = measured(
        recipe, net, onnx_path=onnx_path, model_bytes=model_bytes, keras_bytes=keras_bytes, x_test=x_test,
        y_test=y_test, keras_acc=keras_acc, gate=gate, contract=contract,
    )  # fmt: skip
    card = {
        "name": recipe.name,
        "onnx_file": onnx_path.name,
        "keras_file": keras_path.name,
        "parameters": int(net.count_params()),
        "training_seconds": round(result.seconds, 1),
        **figures,
        "reference": recipe.reference,
        "cv": cv,
        "training": settings,
        "history": result.history,
        "command": command,
        "seed": args.seed,
        "determinism": DETERMINISM,
        "opset": export.OPSET,
    }
    if recipe.test_time:
        card["test_time"] = extra["test_time"]
    return write_card(card, args.out / f"{recipe.name}.json", recipe.name, onnx_path, keras_path)


if __name__ == "__main__":
    sys.exit(main())
