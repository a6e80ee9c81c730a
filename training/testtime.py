"""Test-time variants built into a model: it reads each digit in a few forms and answers with their mean.

    python -m training.testtime --model NAME [--out models] [--data DIR]

Users' strokes run from a hairline to a marker, and after preprocessing a digit's stroke width in the 28x28 frame
still varies several-fold. A model can read the digit as drawn and in other forms and average the probabilities:
``half_dilated`` is the mean of the image and its 3x3 grey dilation (strokes half a pixel wider on each side, in
grey), ``dilated`` the dilation itself, ``eroded`` the 3x3 grey erosion. The variants are Keras layers around the
trained network (a 3x3 max-pool with stride 1; the same pool on the negated image for the erosion), so the Keras
original, the ONNX file and both runtimes run one graph, and the export gate compares Keras with ONNX Runtime as
for any model. A recipe names its variants (``Recipe.test_time``); ``training.train`` wraps the network after
training.

This command does the same without training: it reads ``<out>/<name>.keras`` (checked against its card), takes
the trained network out of an earlier wrapper if there is one, wraps it with the recipe's variants, exports it
through the gate and writes the original beside it; the card's hashes, test accuracy, gate, FLOPs and
``test_time`` are updated, its training fields (seed, history, time) kept: the weights are the trained ones.
Exit codes: 0 exported and target met; 1 exported but the target was missed, or the gate failed, or the Keras
file did not reload to the same predictions; 2 bad usage or data.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pybridge import cli, data, errors

VARIANTS = ("as_drawn", "half_dilated", "dilated", "eroded")


def _variant(name: str, image):
    from keras import layers

    def pool(x):
        return layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)

    if name == "as_drawn":
        return image
    if name == "dilated":
        return pool(image)
    if name == "half_dilated":
        return layers.Average(name=f"{name}_mean")([image, pool(image)])
    if name == "eroded":
        # min over the 3x3 neighbourhood = -max(-x); the pool's padding is never taken, so edges stay as they are.
        negated = layers.Rescaling(-1.0, name=f"{name}_negate")(image)
        return layers.Rescaling(-1.0, name=f"{name}_back")(pool(negated))
    raise ValueError(f"{name}: expected one of {', '.join(VARIANTS)}")


def wrap(net, variants: Sequence[str]):
    """``net`` reading every variant of its input, the probabilities averaged; the outer model takes its name."""
    import keras
    from keras import layers

    from training.models import INPUT_SHAPE

    image = keras.Input(INPUT_SHAPE, name="image")
    outputs = [net(_variant(v, image)) for v in variants]
    mean = layers.Average(name="mean_of_variants")(outputs) if len(outputs) > 1 else outputs[0]
    return keras.Model(image, mean, name=f"{net.name}_test_time")


def trained_network(model):
    """The trained network inside a wrapper made by ``wrap``, or ``model`` itself if it is not one."""
    import keras

    inner = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return inner[0] if len(inner) == 1 and model.name.endswith("_test_time") else model


def card_entry(variants: Sequence[str], name: str) -> dict:
    return {
        "variants": list(variants),
        "combine": "mean of the variants' probabilities",
        "command": f"python -m training.testtime --model {name} --out models",
    }


def main(argv: Sequence[str] | None = None, prog: str = "python -m training.testtime") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Re-export a trained model with its test-time variants.")
    parser.add_argument("--model", required=True, help="the model (its <out>/NAME.keras, NAME.onnx and NAME.json)")
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument("--data", type=Path, help="dataset directory (default: the fetch location)")
    args = parser.parse_args(argv)
    onnx_path = args.out / f"{args.model}.onnx"
    card_path = onnx_path.with_suffix(".json")
    try:
        from pybridge.runtimes.keras import verified_original

        keras_path = verified_original(onnx_path)
        test = data.load("t10k", args.data)
    except (errors.IdxError, errors.UsageError, errors.ModelError, errors.DataError) as exc:
        return cli.report(exc)
    import keras  # TensorFlow only once there is work for it
    import numpy as np

    from training import export, fit, train
    from training.models import RECIPES

    recipe = RECIPES.get(args.model)
    if recipe is None or not recipe.test_time:
        print(
            f"error: --model: BAD_ARGUMENT: expected a recipe with test-time variants, found {args.model}",
            file=sys.stderr,
        )
        return 2
    card = json.loads(card_path.read_text())
    net = trained_network(keras.models.load_model(keras_path))
    model = wrap(net, recipe.test_time)
    x_test, y_test = fit.arrays(test)
    keras_probs = model.predict(x_test, batch_size=1000, verbose=0)
    keras_acc = float(np.mean(keras_probs.argmax(1) == y_test))
    test_time = card_entry(recipe.test_time, recipe.name)
    dataset = {"name": "mnist", "uncompressed_md5": data.MNIST_MD5}
    extra = {
        "dataset": dataset,
        "training": card["training"],
        "test_accuracy": keras_acc,
        "command": card["command"],
        "test_time": test_time,
    }
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
        keras_bytes = train.save_keras(model, keras_path, x_test, keras_probs)
    except (export.ExportGateError, train.KerasSaveError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    card.update(
        train.measured(
            recipe, net, onnx_path=onnx_path, model_bytes=model_bytes, keras_bytes=keras_bytes, x_test=x_test,
            y_test=y_test, keras_acc=keras_acc, gate=gate, contract=contract,
        ),
        test_time=test_time,
    )  # fmt: skip
    what = f"{recipe.name}: {' + '.join(recipe.test_time)}"
    print(f"{what}: export gate passed: {gate.describe()}")
    return train.write_card(card, card_path, what, onnx_path, keras_path)


if __name__ == "__main__":
    sys.exit(main())
