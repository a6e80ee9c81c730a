"""Mutation testing of digitbridge's core; `make mutation [MODULE=name]` runs it through tools/mutation.sh.

Each module names the code it mutates in both languages and the tests that must catch the mutants:

- Java: PIT (command line) mutates the library's classes and runs the JUnit 5 tests that cover each mutant. All
  selected modules go to one PIT run (one coverage analysis); its mutations.xml is split per module afterwards.
- Python: mutmut 2.5.1's mutation operators (used as a library) make the mutants of each module's files; this tool
  runs them in a copy of pybridge (build/mutation/py-MODULE/work), so the checkout is never left mutated and work
  can go on beside a run. mutmut's own runner is not used: its result cache broke runs after 60-70 mutants, and it
  counted only a test exit status of 1 as a kill. The tests run in a fork server (tools/mutation_fork.py) that has
  the third-party packages and the untouched part of pybridge imported already. A first, traced run of the module's
  tests records which statements of the mutated files each test runs; each mutant then runs, with -x, only the
  tests that ran its statement, fastest first (all of them for a statement that runs at import). Every non-zero
  exit (a failing test, an import error, a crash) and every timeout is a kill, as PIT counts them; a mutant whose
  statement no test runs survives without a run. Tests that start the JVM are left out (they check Java).
- Python tests marked slow are left out too, unless --slow: a survivor has run every test selected for it, and the
  one slow test here (the accuracy over 2000 re-rendered digits, 20-30 s) runs nearly every line of the image
  module, so it added its whole time to nearly every image survivor: most of an hour in all. What it asserts (an
  accuracy of at least 98%) is weaker than what the golden corpus tests on the same code paths assert (each
  preprocessed digit byte for byte). In a 160-mutant sample of the image module run with it, it killed none of
  the survivors it ran on, and every kill came before it (README, "Checking the checks").

A survivor judged equivalent (no test can tell it from the original) is listed in tests/mutation-equivalent.txt as
`KEY :: why`, KEY being the line this tool writes for it in reports/mutation/survivors.txt. The score is
killed / (mutants - equivalent). Exit status 0 when every module run meets its target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tests" / "mutation-equivalent.txt"
REPORTS = ROOT / "reports" / "mutation"
FORK = ROOT / "tools" / "mutation_fork.py"
PACKAGE = "io.github.digitbridge"


@dataclass(frozen=True)
class PyTarget:
    files: tuple[str, ...]
    tests: tuple[str, ...]  # run in this order with -x: the fast, focused file first kills most mutants soonest
    # Only these top-level functions/classes of the files are mutated (all of each file when empty).
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class JavaTarget:
    classes: tuple[str, ...]  # PIT globs, relative to the package
    tests: tuple[str, ...]  # the test classes that may kill them (PIT's targetTests)
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Module:
    name: str
    target: float | None  # None: measured and reported only
    python: PyTarget | None = None
    java: JavaTarget | None = None


MODULES = {
    m.name: m
    for m in [
        Module(
            "contract",
            0.90,
            # test_contract.py's rule cases are all in test_contract_rules.py, in full; its model-file cases are
            # modelfile.py's, and collecting it (ONNX models built at import) would double the time per mutant.
            PyTarget(("pybridge/contract.py",), ("tests/test_contract_rules.py",)),
            JavaTarget(("model.ModelContract*",), ("model.ModelContract*Test",)),
        ),
        Module(
            "compare",
            0.90,
            PyTarget(
                ("pybridge/compare.py",),
                # test_compare.py runs the runtimes end to end; its two unit tests are in test_judging.py's scope.
                ("tests/test_judging.py", "tests/test_runtime_specs.py"),
                only=("Tolerance", "PairStats", "pair_stats", "judge", "pair_budget"),
            ),
        ),
        Module(
            "idx",
            0.90,
            PyTarget(("pybridge/idx.py",), ("tests/test_idx_edges.py", "tests/test_idx.py")),
            JavaTarget(("idx.*",), ("idx.*Test",)),
        ),
        # The runtime layer's own code; the runtimes behind it (ONNX Runtime, the JVM, Keras) are not mutated.
        Module(
            "runtimes",
            None,  # measured and reported, no target yet
            PyTarget(
                ("pybridge/runtimes/base.py", "pybridge/runtimes/spec.py"),
                ("tests/test_runtimes.py", "tests/test_runtime_specs.py"),
            ),
        ),
        Module(
            "image",
            0.85,
            PyTarget(
                ("pybridge/image",),
                ("tests/test_image_containers.py", "tests/test_image_edges.py", "tests/test_preprocess.py"),
            ),
            JavaTarget(("image.*",), ("image.*Test",)),
        ),
        Module(
            "model",
            0.85,
            java=JavaTarget(
                ("model.*",), ("model.*Test", "DigitBridgeExceptionTest"), excluded=("model.ModelContract*",)
            ),
        ),
    ]
}


@dataclass
class Tally:
    module: str
    language: str
    target: float | None
    mutants: int = 0
    killed: int = 0
    survivors: list[tuple[str, str]] = field(default_factory=list)  # (key, where)
    equivalent: int = 0
    seconds: float = 0.0
    reused: int = 0  # Python, --reuse: kills taken from the last run

    @property
    def survived(self) -> int:
        return len(self.survivors)

    @property
    def score(self) -> float:
        counted = self.mutants - self.equivalent
        return self.killed / counted if counted else 1.0

    @property
    def met(self) -> bool:
        return self.target is None or self.score >= self.target


def read_equivalent() -> dict[str, str]:
    equivalent = {}
    for line in EQUIVALENT.read_text().splitlines() if EQUIVALENT.exists() else []:
        if line.strip() and not line.startswith("#"):
            key, _, why = line.partition(" :: ")
            equivalent[key.strip()] = why.strip()
    return equivalent


# --- Python: mutmut's mutations, our runner -------------------------------------------------------------------


def _existing_tests(tests: tuple[str, ...]) -> list[str]:
    return [t for t in tests if (ROOT / t.split("::")[0]).exists()]


def _scratch_copy(work: Path) -> None:
    """A copy of pybridge and tests (the code that is mutated); everything else is linked."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    skip = {"pybridge", "tests", ".git", "build", "reports", ".mutmut-cache"}
    for entry in ROOT.iterdir():
        if entry.name not in skip and not entry.name.startswith(".venv"):
            (work / entry.name).symlink_to(entry)
    ignore = shutil.ignore_patterns("__pycache__", "data")
    shutil.copytree(ROOT / "pybridge", work / "pybridge", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    (work / "tests" / "data").symlink_to(ROOT / "tests" / "data")


def _python_files(files: tuple[str, ...]) -> list[str]:
    """The .py files named, folders expanded."""
    result = []
    for name in files:
        path = ROOT / name
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        result += [str(p.relative_to(ROOT)) for p in found]
    return result


@dataclass(frozen=True)
class PyMutant:
    filename: str
    line_number: int  # 1-based
    original: str  # the line as it was
    mutated: str  # the line as the mutant has it ("?" when the line is gone)
    source: str  # the whole mutated file


def _statement_spans(source: str) -> tuple[dict[int, tuple[int, int]], set[int]]:
    """For each line, the lines of the innermost statement it belongs to (a compound statement's header only),
    and the lines that lie in a function's body (run only when the function is called, not at import)."""
    spans: dict[int, tuple[int, int]] = {}
    in_function: set[int] = set()

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                start = min([child.lineno] + [d.lineno for d in getattr(child, "decorator_list", [])])
                end = child.end_lineno or child.lineno
                body = getattr(child, "body", None)
                if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                    end = max(child.lineno, body[0].lineno - 1)
                for line in range(start, end + 1):
                    spans[line] = (start, end)  # children visit later and are smaller: innermost wins
                    if inside:
                        in_function.add(line)
                visit(child, inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))
            else:
                visit(child, inside)

    visit(ast.parse(source), False)
    return spans, in_function


class _OneMutation:
    """Makes mutmut's mutants of one file from one parse (parso takes most of a second per parse on our loaded
    cores, and mutmut parses again for every mutant): mutmut changes one node of the tree per mutant, in place;
    this remembers that node as it was and puts it back."""

    def __init__(self, source: str, filename: str):
        import mutmut
        import parso

        self.mutmut = mutmut
        self.source = source
        self.filename = filename
        self.tree = parso.parse(source, error_recovery=False)

    def __call__(self, mutation_id) -> str:
        mutmut = self.mutmut
        changed = []

        class Remembering(mutmut.Context):
            def should_mutate(self, node):
                hit = super().should_mutate(node)
                if hit:
                    changed.append((node, getattr(node, "value", None), getattr(node, "children", None)))
                return hit

        parse, mutmut.parse = mutmut.parse, lambda *args, **kwargs: self.tree
        try:
            mutated, count = mutmut.mutate(Remembering(source=self.source, mutation_id=mutation_id))
        finally:
            mutmut.parse = parse
            for node, value, children in changed:
                if children is not None:
                    node.children = children
                else:
                    node.value = value
        assert count == 1 and len(changed) == 1, f"{self.filename}: {count} mutations for {mutation_id}"
        return mutated


def _mutants(work: Path, files: list[str], only: tuple[str, ...]) -> list[PyMutant]:
    import difflib

    from mutmut import Context, list_mutations

    mutants = []
    for name in files:
        source = (work / name).read_text()
        chosen = None
        if only:
            chosen = set()
            for node in ast.parse(source).body:
                if getattr(node, "name", None) in only:
                    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                    chosen |= set(range(start, node.end_lineno + 1))
        lines = source.splitlines()
        one = _OneMutation(source, name)
        for mutation_id in list_mutations(Context(source=source, filename=name)):
            number = mutation_id.line_number + 1
            if chosen is not None and number not in chosen:
                continue
            mutated = one(mutation_id)
            diff = difflib.unified_diff(lines, mutated.splitlines(), lineterm="", n=0)
            added = next((d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")), "?")
            mutants.append(PyMutant(name, number, lines[number - 1], added.strip() or "?", mutated))
    return mutants


def _ask(socket_path: Path, payload: dict) -> int:
    import json
    import socket

    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(socket_path))
    with client:
        client.sendall(json.dumps(payload).encode() + b"\n")
        return int(client.makefile().readline().strip())


def _covering(
    mutant: PyMutant,
    spans: tuple[dict[int, tuple[int, int]], set[int]],
    work: Path,
    by_test: dict[str, dict[Path, set[int]]],
    outside: dict[Path, set[int]],
    every: list[str],
) -> list[str]:
    """The tests that ran the mutated statement, fastest first (every test when it runs at import)."""
    span, in_function = spans
    if mutant.line_number not in span or mutant.line_number not in in_function:
        return every
    start, end = span[mutant.line_number]
    lines = set(range(start, end + 1))
    path = (work / mutant.filename).resolve()
    if lines & outside.get(path, set()):
        return every
    return [t for t in every if lines & by_test.get(t, {}).get(path, set())]


def _identity(mutant: PyMutant) -> str:
    """The mutant and the file it was made from."""
    import hashlib

    return hashlib.sha256(f"{mutant.filename}\0{mutant.line_number}\0".encode() + mutant.source.encode()).hexdigest()


def _killed_last_time(results: Path) -> set[str]:
    """The mutants the last run of this module killed (for --reuse: tests were only added since)."""
    import json

    if not results.exists():
        return set()
    records = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return {r["id"] for r in records if r.get("id") and r.get("killed", r["status"] not in (0, None))}


def run_python(
    module: Module,
    python: str,
    out: Path,
    equivalent: dict[str, str],
    limit: int = 0,
    reuse: bool = False,
    slow: bool = False,
) -> Tally:
    """Every mutant of the module's files, each tested by the tests that ran its statement (measured once, by a
    traced run of the module's tests) with -x, fastest first. A mutant of a statement that runs at import, or
    outside any test, is tested by all of them; one whose statement no test runs survives untested. Tests marked
    slow take part only with ``slow`` (the module docstring says why)."""
    import json

    spec = module.python
    assert spec is not None
    tally = Tally(module.name, "python", module.target)
    base = out / f"py-{module.name}"
    work = base / "work"
    _scratch_copy(work)
    tests = _existing_tests(spec.tests)
    if not tests:  # pytest without a path would run the whole suite per mutant
        sys.exit(f"mutation: {module.name} (python): none of its tests exist: {', '.join(spec.tests)}")
    files = _python_files(spec.files)
    started = time.monotonic()
    mutants = _mutants(work, files, spec.only)
    if limit:  # a smoke run: every n-th mutant
        mutants = mutants[:: max(1, len(mutants) // limit)][:limit]
    print(
        f"mutation: {module.name} (python): {len(mutants)} mutants of {', '.join(spec.files)}"
        f"{' (' + ', '.join(spec.only) + ')' if spec.only else ''}; tests {' '.join(tests)}",
        flush=True,
    )
    socket_path = base / "fork.sock"
    log = base / "server.log"
    pytest_args = ["-q", "-p", "no:cacheprovider"]
    if not slow:  # left out of the trace too, so no mutant selects them (the module docstring says why)
        pytest_args += ["-m", "not slow"]
    # Bytecode checked by the source's hash, never its time stamp: a mutant written within the second of the
    # original, with the same size, must not run the original's bytecode.
    subprocess.run(
        [python, "-m", "compileall", "-q", "--invalidation-mode", "checked-hash", str(work / "pybridge")], check=True
    )
    with log.open("w") as sink:
        server = subprocess.Popen(
            [python, str(FORK), "serve", str(socket_path), str(work), *(str(work / f) for f in files)],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=sink,
        )
        try:
            if server.stdout.readline().strip() != b"ready":
                sys.exit(f"mutation: {module.name} (python): the fork server did not start; see {log}")
            coverage_file = base / "coverage.json"
            traced = [str(work / f) for f in files]
            status = _ask(
                socket_path,
                {"args": pytest_args + tests, "timeout": 3600, "trace": traced, "report": str(coverage_file)},
            )
            coverage = json.loads(coverage_file.read_text()) if coverage_file.exists() else {}
            failed = [t for t, outcome in coverage.get("outcomes", {}).items() if outcome != "passed"]
            if status != 0 or failed:
                sys.exit(
                    f"mutation: {module.name} (python): the tests fail without a mutant (status {status}): "
                    f"{', '.join(failed[:5]) or 'see ' + str(log)}"
                )
            seconds = coverage["seconds"]
            by_test = {
                test: {Path(f).resolve(): set(lines) for f, lines in per_file.items()}
                for test, per_file in coverage["lines"].items()
            }
            outside = by_test.pop("", {})
            every = sorted(seconds, key=lambda t: seconds[t])
            print(
                f"mutation: {module.name} (python): {len(every)} tests, {sum(seconds.values()):.1f} s traced",
                flush=True,
            )
            spans = {name: _statement_spans((work / name).read_text()) for name in files}
            killed_before = _killed_last_time(base / "results.jsonl") if reuse else set()
            results = (base / "results.jsonl").open("w")
            for done, mutant in enumerate(mutants, 1):
                chosen = _covering(mutant, spans[mutant.filename], work, by_test, outside, every)
                began = time.monotonic()
                key = f"py {mutant.filename} | {mutant.original.strip()} | {mutant.mutated}"
                if _identity(mutant) in killed_before:
                    status, killed = "killed last time", True
                    tally.reused += 1
                elif reuse and key in equivalent:  # judged already; only new tests are what a rerun is for
                    status, killed = "listed as equivalent", False
                elif chosen:
                    original = (work / mutant.filename).read_text()
                    (work / mutant.filename).write_text(mutant.source)
                    try:
                        budgets = {t: 5 + 10 * seconds[t] for t in chosen}
                        request = {"args": [*pytest_args, "-x", *chosen], "budgets": budgets}
                        status = _ask(socket_path, {**request, "timeout": 60 + sum(budgets.values())})
                    finally:
                        (work / mutant.filename).write_text(original)
                    killed = status != 0
                else:
                    status, killed = None, False
                record = {
                    "id": _identity(mutant),
                    "file": mutant.filename,
                    "line": mutant.line_number,
                    "original": mutant.original.strip(),
                    "mutated": mutant.mutated,
                    "tests": len(chosen),
                    "status": status,
                    "killed": killed,
                    "seconds": round(time.monotonic() - began, 2),
                }
                results.write(json.dumps(record) + "\n")
                results.flush()
                tally.mutants += 1
                if killed:
                    tally.killed += 1
                else:
                    if key in equivalent:
                        tally.equivalent += 1
                    untested = "" if chosen else " (no test runs this line)"
                    tally.survivors.append((key, f"{mutant.filename}:{mutant.line_number}{untested}"))
                if done % 25 == 0 or done == len(mutants):
                    print(
                        f"mutation: {module.name} (python): {done}/{len(mutants)} run, {tally.killed} killed, "
                        f"{time.monotonic() - started:.0f} s",
                        flush=True,
                    )
            results.close()
        finally:
            with contextlib.suppress(OSError):
                _ask_stop(socket_path)
            server.wait(timeout=60)
    tally.seconds = time.monotonic() - started
    return tally


def _ask_stop(socket_path: Path) -> None:
    import json
    import socket

    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(socket_path))
    with client:
        client.sendall(json.dumps("stop").encode() + b"\n")


# --- Java: PIT ------------------------------------------------------------------------------------------------


def _java_properties(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def _snapshot(classpath: list[str], into: Path) -> list[str]:
    """Copies of the build's class folders, so a rebuild during the run does not change what PIT sees."""
    if into.exists():
        shutil.rmtree(into)
    result = []
    for i, entry in enumerate(classpath):
        path = Path(entry)
        if path.is_dir() and str(path).startswith(str(ROOT)):
            copy = into / f"{i}-{path.name}"
            shutil.copytree(path, copy)
            result.append(str(copy))
        else:
            result.append(entry)
    return result


def _test_properties() -> list[str]:
    mnist = os.environ.get("DIGITBRIDGE_MNIST_DIR", str(Path.home() / ".cache" / "digitbridge" / "mnist"))
    return [
        f"-Ddigitbridge.fixtures.dir={ROOT / 'tests' / 'data' / 'idx'}",
        f"-Ddigitbridge.testmodels.dir={ROOT / 'tests' / 'data' / 'models'}",
        f"-Ddigitbridge.models.dir={ROOT / 'models'}",
        f"-Ddigitbridge.images.dir={ROOT / 'tests' / 'data' / 'images'}",
        f"-Ddigitbridge.mnist.dir={mnist}",
    ]


def _class_names(folders: str) -> set[str]:
    """The top-level classes compiled into these folders (os.pathsep-separated)."""
    names = set()
    for folder in filter(None, folders.split(os.pathsep)):
        for path in Path(folder).rglob("*.class"):
            if "$" not in path.name and path.name != "package-info.class":
                names.add(".".join(path.relative_to(folder).with_suffix("").parts))
    return names


def _glob_matches(glob: str, name: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(name, f"{PACKAGE}.{glob}")


def _java_module(modules: list[Module], mutated_class: str) -> Module | None:
    for module in modules:
        spec = module.java
        if (
            spec
            and any(_glob_matches(g, mutated_class) for g in spec.classes)
            and not any(_glob_matches(g, mutated_class) for g in spec.excluded)
        ):
            return module
    return None


def run_java(modules: list[Module], pit_classpath: str, properties: Path, out: Path, threads: int) -> list[Tally]:
    modules = [m for m in modules if m.java]
    if not modules:
        return []
    props = _java_properties(properties)
    work = out / "java"
    classpath = _snapshot(props["mutation.classpath"].split(os.pathsep), work / "classes")
    target_classes = sorted({f"{PACKAGE}.{g}" for m in modules for g in m.java.classes})
    excluded = sorted({f"{PACKAGE}.{g}" for m in modules for g in m.java.excluded} - set(target_classes))
    # The test classes share the packages of the classes they test: PIT must not mutate them.
    excluded += sorted(f"{name}*" for name in _class_names(props["mutation.testClasses"]))
    main_classes = _class_names(props["mutation.mainClasses"])
    report = work / "report"
    command = [
        "java",
        "-cp",
        pit_classpath,
        "org.pitest.mutationtest.commandline.MutationCoverageReport",
        "--reportDir",
        str(report),
        "--targetClasses",
        ",".join(target_classes),
        "--targetTests",
        ",".join(sorted({f"{PACKAGE}.{g}" for m in modules for g in m.java.tests})),
        "--sourceDirs",
        props["mutation.sources"].replace(os.pathsep, ","),
        "--classPath",
        ",".join(classpath),
        "--outputFormats",
        "XML,HTML",
        "--timestampedReports=false",
        "--threads",
        str(threads),
        "--jvmArgs",
        ",".join(_test_properties()),
    ]
    if excluded:
        command += ["--excludedClasses", ",".join(excluded)]
    names = ", ".join(m.name for m in modules)
    print(f"mutation: {names} (java): PIT on {', '.join(target_classes)}", flush=True)
    log = work / "pit.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w") as sink:
        status = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT).returncode
    if status != 0:
        sys.exit(f"mutation: PIT failed (status {status}); see {log}")
    return java_tallies(modules, report / "mutations.xml", read_equivalent(), time.monotonic() - started, main_classes)


def java_tallies(
    modules: list[Module], xml: Path, equivalent: dict[str, str], seconds: float, main_classes: set[str]
) -> list[Tally]:
    tallies = {m.name: Tally(m.name, "java", m.target, seconds=seconds) for m in modules}
    for mutation in ET.parse(xml).getroot():
        cls = mutation.findtext("mutatedClass")
        if cls.split("$")[0] not in main_classes:
            continue
        module = _java_module(modules, cls)
        if module is None:
            continue
        tally = tallies[module.name]
        tally.mutants += 1
        if mutation.get("detected") == "true":
            tally.killed += 1
            continue
        method = mutation.findtext("mutatedMethod")
        mutator = mutation.findtext("mutator").rsplit(".", 1)[-1]
        description = mutation.findtext("description")
        short = cls.removeprefix(PACKAGE + ".")
        key = f"java {short}.{method} | {mutator} | {description}"
        if key in equivalent:
            tally.equivalent += 1
        where = f"{mutation.findtext('sourceFile')}:{mutation.findtext('lineNumber')} ({mutation.get('status')})"
        tally.survivors.append((key, where))
    return list(tallies.values())


# --- report ---------------------------------------------------------------------------------------------------


def table(tallies: list[Tally]) -> str:
    rows = [("module", "lang", "mutants", "killed", "survived", "equivalent", "score", "target", "wall", "")]
    for t in tallies:
        rows.append(
            (
                t.module,
                t.language,
                str(t.mutants),
                str(t.killed),
                str(t.survived),
                str(t.equivalent),
                f"{t.score:.1%}",
                "-" if t.target is None else f"{t.target:.0%}",
                f"{t.seconds:.0f} s",
                ("" if t.target is None else "met" if t.met else "MISSED")
                + (f" ({t.reused} kills reused)" if t.reused else ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def write_survivors(tallies: list[Tally], equivalent: dict[str, str], path: Path) -> None:
    lines = ["# Surviving mutants: `KEY  @ where`; KEY :: why goes to tests/mutation-equivalent.txt when equivalent."]
    for t in tallies:
        lines.append(f"\n## {t.module} ({t.language}): {t.survived} survived, {t.equivalent} listed as equivalent")
        for key, where in t.survivors:
            mark = "  [equivalent]" if key in equivalent else ""
            lines.append(f"{key}  @ {where}{mark}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(prog="tools/mutation.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", default="all", help=f"all or one of: {', '.join(MODULES)}")
    parser.add_argument("--language", choices=["both", "python", "java"], default="both")
    parser.add_argument("--python", required=True, help="the interpreter the Python tests run with")
    parser.add_argument("--pit-classpath", required=True)
    parser.add_argument("--java-properties", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1, help="PIT's worker threads (mutmut runs beside PIT)")
    parser.add_argument("--limit", type=int, default=0, help="Python: test only this many mutants (a smoke run)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Python: count a mutant the last run killed as killed, and one listed as equivalent as survived, "
        "without running either again (only when tests were only added since; the table says how many kills)",
    )
    parser.add_argument(
        "--slow",
        action="store_true",
        help="Python: run the tests marked slow on the mutants too (about 20 s more per survivor; with --reuse, "
        "re-checks the last run's survivors with them)",
    )
    args = parser.parse_args()
    args.out = args.out.resolve()
    if args.module != "all" and args.module not in MODULES:
        parser.error(f"--module: unknown module: expected all or one of {', '.join(MODULES)}, found {args.module}")
    modules = list(MODULES.values()) if args.module == "all" else [MODULES[args.module]]
    equivalent = read_equivalent()
    started = time.monotonic()

    # PIT in the background (one JVM plus its workers), the Python modules one after the other beside it.
    java: list[Tally] = []
    failed: list[BaseException] = []

    def java_part() -> None:
        try:
            java.extend(run_java(modules, args.pit_classpath, args.java_properties, args.out, args.threads))
        except BaseException as error:  # reported by the main thread
            failed.append(error)

    thread = threading.Thread(target=java_part)
    if args.language in ("both", "java"):
        thread.start()
    python = []
    if args.language in ("both", "python"):
        python = [
            run_python(m, args.python, args.out, equivalent, args.limit, args.reuse, args.slow)
            for m in modules
            if m.python
        ]
    if thread.ident is not None:
        thread.join()
    if failed:
        raise failed[0]
    tallies = sorted(python + java, key=lambda t: (list(MODULES).index(t.module), t.language))
    write_survivors(tallies, equivalent, REPORTS / "survivors.txt")
    summary = table(tallies)
    (REPORTS / "summary.txt").write_text(summary + "\n")
    print(summary)
    print(f"mutation: {time.monotonic() - started:.0f} s; survivors in {(REPORTS / 'survivors.txt').relative_to(ROOT)}")
    return 0 if all(t.met for t in tallies) else 1


if __name__ == "__main__":
    sys.exit(main())
