"""Print the shipped models' cards as one Markdown table (what the README shows).

python -m training.cards [--dir models]

The user-drawing columns come from ``python -m training.userset --score models/`` (README, "Digits as users draw
them"); a card without them shows "not scored".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from training import ZOO


def table(directory: Path) -> str:
    rows = [
        "| model | test accuracy (ORT) | target | met | user drawings: singles | strips | CV mean ± std | params "
        "| MFLOPs/image | training time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ZOO:
        path = directory / f"{name}.json"
        if not path.exists():
            rows.append(f"| {name} | not trained yet | | | | | | | | |")
            continue
        card = json.loads(path.read_text())
        cv = card.get("cv")
        cv_text = f"{cv['mean']:.3%} ± {cv['std']:.3%}" if cv else "-"
        user = card.get("user_drawings")
        user_text = f"{user['singles']:.2%} | {user['strips']:.2%}" if user else "not scored | not scored"
        rows.append(
            f"| {name} | {card['test_accuracy']:.2%} | {card['target_accuracy']:.2%} | "
            f"{'yes' if card['target_met'] else 'NO'} | {user_text} | {cv_text} | {card['parameters']:,} | "
            f"{card['flops_per_image'] / 1e6:.2f} | {card['training_seconds'] / 60:.1f} min |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None, prog: str = "python -m training.cards") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Summarise the model cards as a Markdown table.")
    parser.add_argument("--dir", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    print(table(args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
