"""``digitbridge COMMAND``: the commands, their names, their help, and the same behaviour as ``python -m``."""

from __future__ import annotations

import importlib
import re

import pytest

from pybridge import commands, idx
from tests.conftest import FIXTURES, ROOT

JAVA_CLI = ROOT / "cli" / "src" / "main" / "java" / "io" / "github" / "digitbridge" / "cli"


def test_help_lists_every_command(capsys):
    assert commands.main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^  (\S+)  ", out, re.M)
    assert listed == list(commands.COMMANDS)
    assert "exit codes: 0 ok, 1 check failed, 2 bad usage or input" in out


def test_shared_commands_have_the_java_clis_names():
    sources = "".join(p.read_text() for p in JAVA_CLI.glob("*Command.java"))
    java = set(re.findall(r'@Command\(\s*name = "([a-z-]+)"', sources))
    assert {"idx-info", "predict", "bench-idx", "bench-infer", "info"} <= java  # the regex found the names
    assert set(commands.COMMANDS) & java == {"idx-info", "predict", "bench-idx", "bench-infer"}


# `data` has sub-commands, each with its own options.
COMMAND_LINES = [[name] for name in commands.COMMANDS if name != "data"] + [["data", "fetch"], ["data", "summary"]]


@pytest.mark.parametrize("words", COMMAND_LINES, ids=" ".join)
def test_each_command_has_its_own_help_under_its_name(words, capsys):
    with pytest.raises(SystemExit) as done:
        commands.main([*words, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: digitbridge {' '.join(words)} ") and "--debug" in out
    # The same function `python -m` runs: only the usage lines, which name the program, differ.
    module = importlib.import_module(commands.COMMANDS[words[0]].module)
    with pytest.raises(SystemExit):
        module.main([*words[1:], "--help"])
    python_m = capsys.readouterr().out
    assert python_m.startswith(f"usage: python -m {' '.join([module.__name__, *words[1:]])} ")
    assert python_m.split("\n\n", 1)[1] == out.split("\n\n", 1)[1]


def test_a_command_runs_with_the_output_and_exit_code_of_its_module(capsys):
    files = [str(FIXTURES / "ok_byte.idx"), str(FIXTURES / "bad_magic.idx"), str(FIXTURES / "ok_gzip.idx.gz")]
    assert commands.main(["idx-info", *files]) == 2
    through_digitbridge = capsys.readouterr()
    assert idx.main(files) == 2
    assert capsys.readouterr() == through_digitbridge
    assert through_digitbridge.out.count("\n") == 1 and through_digitbridge.err.startswith("error: ")


@pytest.mark.parametrize(("argv", "problem"), [([], "expected a command"), (["idx"], "unknown command 'idx'")])
def test_no_or_an_unknown_command_is_bad_usage(argv, problem, capsys):
    assert commands.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: digitbridge {idx-info|predict|") and f"({problem}; --help lists" in err
