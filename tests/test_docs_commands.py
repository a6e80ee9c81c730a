"""The shell commands of README.md, docs/java.md and docs/performance.md name commands, modules, options and files
that exist.

Shell blocks and inline code starting with ``python -m``, ``java -jar .../digitbridge-all.jar``,
``tools/digitbridge-java`` (the CLI's launcher), ``make``, ``mvn``, ``gradle`` or a repository script are read;
each option a Python or Java command uses must appear in that command's own ``--help``, make targets in the
Makefile, the files ``mvn -f`` and ``gradle -p`` name in the repository. Modules that import TensorFlow to start
(training.cv, training.cards) are only checked to exist.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import itertools
import re
import shlex
import subprocess

import pytest

from tests.conftest import JAR, ROOT

DOCS = [ROOT / "README.md", ROOT / "docs" / "java.md", ROOT / "docs" / "performance.md"]
JAR_WORDS = ["java", "-jar", "cli/build/libs/digitbridge-all.jar"]
LAUNCHER = "tools/digitbridge-java"  # the same CLI as JAR_WORDS
HEAVY = {"training.cv", "training.cards"}
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def commands() -> list[tuple[str, str]]:
    """(document name, command line) for every command the documents show."""
    found = []
    for doc in DOCS:
        text = doc.read_text()
        lines = []
        for language, block in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S):
            if language in ("", "sh", "bash"):
                lines += block.replace("\\\n", " ").splitlines()
        lines += re.findall(r"`((?:python -m|java -jar|make) [^`]+)`", text)
        for line in lines:
            line = re.sub(r"\s+#.*$", "", line).strip()
            placeholder = re.match(r"python -m \S*[A-Z]", line)  # python -m pybridge.MODULE
            script = re.match(r"tools/[\w-]+\.sh\b", line)
            if (
                line.startswith(("python -m ", "java -jar ", LAUNCHER + " ", "make ", "mvn ", "gradle "))
                and not placeholder
            ) or script:
                found.append((doc.name, line))
    return found


COMMANDS = commands()


def test_the_documents_show_commands_of_every_kind():
    kinds = {line.split()[0] for _, line in COMMANDS}
    assert {"python", "java", LAUNCHER, "make", "mvn", "gradle", "tools/java-build.sh"} <= kinds
    assert len(COMMANDS) > 20


def _python_help(module: str, words: list[str]) -> str:
    main = importlib.import_module(module).main
    out = io.StringIO()
    first = next((w for w in words if not w.startswith("-")), None)
    for argv in ([first, "--help"], ["--help"]) if first and re.fullmatch(r"[a-z]+", first) else (["--help"],):
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
            main(argv)
        if "usage:" in out.getvalue():
            return out.getvalue()
    return out.getvalue()


_JAVA_HELP: dict[str, str] = {}


def _java_help(command: str) -> str:
    if command not in _JAVA_HELP:
        done = subprocess.run(
            ["java", "-jar", str(JAR), command, "--help"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"the Java CLI has no command {command!r}: {done.stderr}"
        _JAVA_HELP[command] = done.stdout
    return _JAVA_HELP[command]


@pytest.mark.parametrize(("doc", "line"), COMMANDS, ids=[f"{d}: {c[:60]}" for d, c in COMMANDS])
def test_each_command_exists_with_the_options_it_is_shown_with(doc, line):
    words = shlex.split(line.replace("[", " ").replace("]", " ").replace("|", " "), posix=True)
    options = set(OPTION.findall(line))
    if words[:2] == ["python", "-m"]:
        module = words[2]
        assert importlib.util.find_spec(module), f"{doc}: no module {module}"
        if module in HEAVY:
            return
        text = _python_help(module, words[3:])
    elif words[:3] == JAR_WORDS:
        text = _java_help(words[3])
    elif words[0] == LAUNCHER:
        text = _java_help(words[1])
    elif words[0] in ("mvn", "gradle"):
        for flag, path in itertools.pairwise(words):
            if flag in ("-f", "-p"):
                assert (ROOT / path).exists(), f"{doc}: no {path}"
        return
    elif words[0] == "make":
        makefile = (ROOT / "Makefile").read_text()
        for target in words[1:]:
            variable = target.partition("=")[0] if "=" in target else None  # make VAR=value: a variable it reads
            if variable:
                assert re.search(rf"^{variable} \?=", makefile, re.M), f"{doc}: no make variable {variable}"
            else:
                assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"{doc}: no make target {target}"
        return
    else:
        assert (ROOT / words[0]).is_file(), f"{doc}: no script {words[0]}"
        return
    missing = sorted(o for o in options if o not in text)
    assert not missing, f"{doc}: `{line}` uses options its --help does not list: {missing}"


def test_the_readme_runs_python_one_way_stated_once():
    text = (ROOT / "README.md").read_text()
    shown = [line for doc, line in COMMANDS if doc == "README.md" and line.startswith("python")]
    assert shown and all(line.startswith("python -m ") for line in shown)
    assert ".venv/bin/python -m" not in text  # no second way beside `python -m`
    assert text.count(". .venv/bin/activate") == 1  # where `python` is said to be the virtualenv's
