"""What every pybridge command line shares: its parser's common options and the one place errors end a command.

Each command module keeps ``main(argv, prog) -> int`` (so tests call it, and ``digitbridge COMMAND`` passes its
own ``prog``) and builds its parser with ``parser``; ``finish`` adds the options every command ends with and
parses; ``run`` calls the command's body and turns a ``DigitBridgeError`` into one ``error:`` line on stderr
and the error's exit code (2 bad usage or input, 1 a check failed). Argparse's own usage errors exit 2 too.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

from pybridge import errors

Args = TypeVar("Args")  # the parsed command line: a Namespace, or a command's own type; has a `debug` attribute


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The parser of one command; add its own arguments, then call ``finish``."""
    return argparse.ArgumentParser(prog=prog, description=description)


def finish(
    command: argparse.ArgumentParser, argv: Sequence[str] | None, *, json: str | None = None
) -> argparse.Namespace:
    """Add the shared options (``--json`` as a flag where ``json`` gives its help, and ``--debug``) and parse.

    Commands whose ``--json`` takes a file, or stands elsewhere in their usage line, add it themselves. Exits 2
    (argparse) on a malformed command line.
    """
    add_shared_options(command, json=json)
    return command.parse_args(argv)


def add_shared_options(command: argparse.ArgumentParser, *, json: str | None = None) -> None:
    """``finish``'s options, for parsers it does not parse itself (sub-commands)."""
    if json is not None:
        command.add_argument("--json", action="store_true", help=json)
    command.add_argument("--debug", action="store_true", help="show tracebacks")


def run(body: Callable[[Args], int], args: Args) -> int:
    """``body(args)``, or, when it raises a ``DigitBridgeError``, that error reported and its exit code."""
    try:
        return body(args)
    except errors.DigitBridgeError as exc:
        return report(exc, args.debug)  # type: ignore[attr-defined]


def report(exc: errors.DigitBridgeError, debug: bool = False) -> int:
    """Print the one ``error:`` line for ``exc`` (after its traceback with ``debug``); return its exit code."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"error: {exc}", file=sys.stderr)
    return exc.exit_code
