"""Ship a model's Keras original that training left elsewhere: beside its ONNX file, hash in the card.

    python -m training.originals NAME KERAS_FILE [--out models]

For a model exported before ``training.train`` kept originals beside the ONNX file (it then left them in the
user cache, ``~/.cache/digitbridge/keras/<name>-<onnx sha256 prefix>.keras``). The file is adopted only if it
is the original of ``<out>/<name>.onnx``: on the 10k test images its probabilities must pass the export gate
against the ONNX file (every argmax equal, max |diff| within ``training.export.GATE_ATOL``). It is then written
as ``train`` writes one (architecture and weights, no optimizer state, reloaded and checked bit for bit), and
the card gains ``keras_file`` and ``keras_sha256``; nothing else in the card changes.
Exit codes: 0 adopted; 1 not the original of that ONNX file (nothing written); 2 bad usage or data.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pybridge import cli, data, errors
from pybridge.files import atomic_write


def main(argv: Sequence[str] | None = None, prog: str = "python -m training.originals") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Ship a model's Keras original beside its ONNX file.")
    parser.add_argument("name", metavar="NAME", help="the model (its <out>/NAME.onnx and card NAME.json)")
    parser.add_argument("keras_file", type=Path, metavar="KERAS_FILE", help="the Keras model it was exported from")
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument("--data", type=Path, help="dataset directory (default: the fetch location)")
    args = parser.parse_args(argv)
    onnx_path, card_path = args.out / f"{args.name}.onnx", args.out / f"{args.name}.json"
    for path in (onnx_path, card_path, args.keras_file):
        if not path.is_file():
            print(f"error: {path}: MISSING_FILE: expected a file, found none", file=sys.stderr)
            return 2
    try:
        test = data.load("t10k", args.data)
    except errors.IdxError as exc:
        return cli.report(exc)
    import keras  # TensorFlow only once there is work for it

    from training import export, fit, train

    x_test, _ = fit.arrays(test)
    model = keras.models.load_model(args.keras_file)
    keras_probs = model.predict(x_test, batch_size=1000, verbose=0)
    gate = export.gate(onnx_path.read_bytes(), x_test, keras_probs)
    if not gate.passed:
        print(f"error: {args.keras_file}: not the original of {onnx_path}: {gate.describe()}", file=sys.stderr)
        return 1
    keras_path = args.out / f"{args.name}.keras"
    try:
        keras_bytes = train.save_keras(model, keras_path, x_test, keras_probs)
    except train.KerasSaveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    card = {}
    for key, value in json.loads(card_path.read_text()).items():
        card[key] = value
        if key == "onnx_sha256":  # where train puts them
            card.update(keras_file=keras_path.name, keras_sha256=export.sha256(keras_bytes))
    atomic_write(card_path, (json.dumps(card, indent=2) + "\n").encode())
    print(f"{args.name}: {args.keras_file} is the original of {onnx_path} ({gate.describe()}); wrote {keras_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
