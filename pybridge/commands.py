"""``digitbridge COMMAND [ARGS...]``: the Python command lines under one name (the ``digitbridge`` script).

Commands that the Java CLI (``java -jar digitbridge-all.jar COMMAND``) also has carry its names; the rest are
Python's own. Each command is its module's ``main(argv, prog)``, the same function ``python -m pybridge.X``
runs, so both give the same output and exit codes. Modules are imported only when their command runs: the
list below costs no numpy, ONNX Runtime or JVM start.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import NamedTuple

PROG = "digitbridge"


class Command(NamedTuple):
    module: str
    summary: str


COMMANDS = {
    # The Java CLI's names.
    "idx-info": Command("pybridge.idx", "check IDX files and print type, shape, gzip, count and sha256 of each"),
    "predict": Command("pybridge.predict", "read the digit (--segment: the number) in images; --runtimes adds the JVM"),
    "bench-idx": Command("pybridge.bench_idx", "time the IDX reader against numpy and zlib (--memory: peak memory)"),
    "bench-infer": Command("pybridge.bench_infer", "inference throughput in Python and in the JVM, in paired rounds"),
    # Python's own.
    "compare": Command("pybridge.compare", "per-image parity of the JVM and Python runtimes for every shipped model"),
    "data": Command("pybridge.data", "fetch MNIST verified, adopt IDX files, pack your labelled images, summarise"),
    "soak": Command("pybridge.soak", "the bridge and a classifier under sustained load, resident memory watched"),
    "bench-pack": Command("pybridge.bench_pack", "time data pack on N images against predicting them one by one"),
    "bench-images": Command("pybridge.bench_images", "time and peak memory of both predict commands on hostile images"),
}
EXIT_CODES = "exit codes: 0 ok, 1 check failed, 2 bad usage or input; --debug (after COMMAND) adds tracebacks"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``argv[0]``'s command with the rest of ``argv``; return its exit code (2 for an unknown command)."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] in (["-h"], ["--help"]):
        print(help_text())
        return 0
    if not words or words[0] not in COMMANDS:
        problem = "expected a command" if not words else f"unknown command {words[0]!r}"
        print(f"usage: {PROG} {{{'|'.join(COMMANDS)}}} ARGS... ({problem}; --help lists the commands)", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[words[0]].module)
    return module.main(words[1:], prog=f"{PROG} {words[0]}")


def help_text() -> str:
    """``digitbridge --help``: one line per command, then the exit codes."""
    width = max(map(len, COMMANDS))
    lines = [f"usage: {PROG} COMMAND [ARGS...]; {PROG} COMMAND --help describes one", "", "commands:"]
    lines += [f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()]
    return "\n".join([*lines, "", EXIT_CODES])
