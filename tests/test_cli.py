"""The command-line plumbing (pybridge.cli) and the exit codes and messages of the error types."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybridge import cli, errors

# ---- the error types ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "exit_code"),
    [
        (errors.IdxError(errors.IdxReason.BAD_MAGIC, "f.idx", "d"), 2),
        (errors.ImageError(errors.ImageReason.NO_INK, "f.png", "d"), 2),
        (errors.ModelError(errors.ModelReason.CONTRACT_MISMATCH, "m.onnx", "d"), 2),
        (errors.ModelError(errors.ModelReason.GOLDEN_MISMATCH, "m.onnx", "d"), 1),
        (errors.DataError(errors.DataReason.CHECKSUM, "d"), 1),
        (errors.UsageError(errors.UsageReason.BAD_ARGUMENT, "d"), 2),
        (errors.BridgeError(errors.BridgeReason.JAR_MISSING, "d"), 1),
        (errors.BridgeError(errors.BridgeReason.JVM_REFUSED, "d"), 2),
    ],
    ids=lambda v: f"{type(v).__name__}.{v.reason.name}" if isinstance(v, errors.DigitBridgeError) else str(v),
)
def test_exit_codes_follow_the_type_and_reason(error, exit_code):
    assert error.exit_code == exit_code


def test_subject_errors_read_subject_reason_detail():
    error = errors.ModelError(errors.ModelReason.IO, "m.onnx", "expected a file, found none")
    assert str(error) == "m.onnx: IO: expected a file, found none"
    assert (error.subject, error.detail) == ("m.onnx", "expected a file, found none")
    assert errors.IdxError(errors.IdxReason.IO, "./a//b.idx", "d").subject == Path("a/b.idx")


def test_a_reason_of_another_area_is_refused():
    with pytest.raises(TypeError, match="IdxError needs a IdxReason"):
        errors.IdxError(errors.ModelReason.IO, "f.idx", "d")


# ---- the shared option handling and error reporting ----------------------------------------------------------


def _command(argv: list[str], body) -> int:
    parser = cli.parser("prog", "a command")
    return cli.run(body, cli.finish(parser, argv, json="as JSON"))


def test_an_error_is_one_line_and_its_exit_code(capsys):
    def body(args):
        raise errors.ModelError(errors.ModelReason.GOLDEN_MISMATCH, "m.onnx", "expected 0, found 1")

    assert _command([], body) == 1
    assert capsys.readouterr().err == "error: m.onnx: GOLDEN_MISMATCH: expected 0, found 1\n"


def test_debug_adds_the_traceback_before_the_same_line_and_exit_code(capsys):
    def body(args):
        raise errors.UsageError(errors.UsageReason.BAD_ARGUMENT, "expected --n >= 1, found 0")

    assert _command(["--debug"], body) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):\n") and "in body\n" in err
    assert err.endswith("\nerror: expected --n >= 1, found 0\n")


def test_shared_options_are_parsed_and_bugs_are_not_swallowed():
    assert _command(["--json"], lambda args: 7 if args.json and not args.debug else 0) == 7
    with pytest.raises(ZeroDivisionError):
        _command([], lambda args: 1 // 0)
