"""Mutation testing of digitbridge's core; `make mutation [MODULE=name]` runs it through tools/mutation.sh.

Each module names the code it mutates in both languages and the tests that must catch the mutants:

- Java: PIT (command line) mutates the library's classes and runs the JUnit 5 tests that cover each mutant. All
  selected modules go to one PIT run (one coverage analysis); its mutations.xml is split per module afterwards.
- Python: mutmut 2.5.1 mutates a copy of pybridge (build/mutation/py-MODULE/work), so the checkout is never left
  mutated and work can go on beside a run. The tests run in a fork server (tools/mutation_fork.py) that has the
  third-party packages imported already. mutmut counts only a test exit status of 1 as a kill; the server's client
  turns every non-zero status into 1, so a mutant that breaks the import or crashes pytest is killed too. A mutant
  that makes the tests time out is counted as killed, as PIT does.

A survivor judged equivalent (no test can tell it from the original) is listed in tests/mutation-equivalent.txt as
`KEY :: why`, KEY being the line this tool writes for it in reports/mutation/survivors.txt. The score is
killed / (mutants - equivalent). Exit status 0 when every module run meets its target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import sqlite3
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
    target: float
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
        Module("runtimes", 0.85, PyTarget(("pybridge/runtimes/base.py",), ("tests/test_runtimes.py",))),
        Module(
            "image",
            0.85,
            PyTarget(("pybridge/image",), ("tests/test_image_edges.py", "tests/test_preprocess.py")),
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
    target: float
    mutants: int = 0
    killed: int = 0
    survivors: list[tuple[str, str]] = field(default_factory=list)  # (key, where)
    equivalent: int = 0
    seconds: float = 0.0

    @property
    def survived(self) -> int:
        return len(self.survivors)

    @property
    def score(self) -> float:
        counted = self.mutants - self.equivalent
        return self.killed / counted if counted else 1.0

    @property
    def met(self) -> bool:
        return self.score >= self.target


def read_equivalent() -> dict[str, str]:
    equivalent = {}
    for line in EQUIVALENT.read_text().splitlines() if EQUIVALENT.exists() else []:
        if line.strip() and not line.startswith("#"):
            key, _, why = line.partition(" :: ")
            equivalent[key.strip()] = why.strip()
    return equivalent


# --- Python: mutmut -------------------------------------------------------------------------------------------


def _existing_tests(tests: tuple[str, ...]) -> list[str]:
    return [t for t in tests if (ROOT / t.split("::")[0]).exists()]


def _scratch_copy(work: Path) -> None:
    """A copy of pybridge and tests (the code mutmut edits and hashes); everything else is linked."""
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


def _patch_for(work: Path, files: tuple[str, ...], only: tuple[str, ...]) -> Path:
    """A unified diff that 'adds' the lines of the chosen definitions, for mutmut's --use-patch-file."""
    chunks = []
    for name in files:
        path = work / name
        lines = path.read_text().splitlines()
        tree = ast.parse(path.read_text())
        chunks.append(f"--- a/{name}\n+++ b/{name}\n")
        for node in tree.body:
            if getattr(node, "name", None) in only:
                start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                body = lines[start - 1 : node.end_lineno]
                chunks.append(f"@@ -0,0 +{start},{len(body)} @@\n" + "".join(f"+{line}\n" for line in body))
    patch = work.parent / "only.patch"
    patch.write_text("".join(chunks))
    return patch


def run_python(module: Module, python: str, out: Path, equivalent: dict[str, str]) -> Tally:
    spec = module.python
    assert spec is not None
    tally = Tally(module.name, "python", module.target)
    work = out / f"py-{module.name}" / "work"
    _scratch_copy(work)
    tests = _existing_tests(spec.tests)
    if not tests:  # pytest without a path would run the whole suite per mutant
        sys.exit(f"mutation: {module.name} (python): none of its tests exist: {', '.join(spec.tests)}")
    socket = out / f"py-{module.name}" / "fork.sock"
    runner = f"{sys.executable} -S {FORK} run {socket} -x -q -p no:cacheprovider {' '.join(tests)}"
    command = [
        str(Path(sys.executable)),
        "-m",
        "mutmut",
        "run",
        "--paths-to-mutate",
        ",".join(spec.files),
        "--tests-dir",
        "tests",
        "--runner",
        runner,
        "--no-progress",
        "--simple-output",
    ]
    if spec.only:
        command += ["--use-patch-file", str(_patch_for(work, spec.files, spec.only))]
    log = out / f"py-{module.name}" / "mutmut.log"
    started = time.monotonic()
    print(f"mutation: {module.name} (python): mutmut on {', '.join(spec.files)} with {' '.join(tests)}", flush=True)
    with log.open("w") as sink:
        server = subprocess.Popen(
            [python, str(FORK), "serve", str(socket), str(work)],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
        try:
            if server.stdout.readline().strip() != "ready":
                sys.exit(f"mutation: {module.name} (python): the fork server did not start; see {log}")
            status = subprocess.run(command, cwd=work, stdout=sink, stderr=subprocess.STDOUT).returncode
        finally:
            subprocess.run([sys.executable, str(FORK), "stop", str(socket)], check=False)
            server.wait(timeout=60)
    tally.seconds = time.monotonic() - started
    if status & 1:
        sys.exit(f"mutation: {module.name} (python): mutmut failed (status {status}); see {log}")
    cache = sqlite3.connect(work / ".mutmut-cache")
    rows = cache.execute(
        "SELECT m.id, m.status, l.line, l.line_number, s.filename FROM Mutant m JOIN Line l ON m.line = l.id"
        ' JOIN SourceFile s ON l.sourcefile = s.id ORDER BY s.filename, l.line_number, m."index"'
    ).fetchall()
    for mutant_id, status, line, number, filename in rows:
        if status == "untested" or status == "skipped":
            continue
        tally.mutants += 1
        if status in ("ok_killed", "bad_timeout", "ok_suspicious"):
            tally.killed += 1
            continue
        shown = subprocess.run(
            [sys.executable, "-m", "mutmut", "show", str(mutant_id)], cwd=work, capture_output=True, text=True
        ).stdout.splitlines()
        mutated = next((s[1:].strip() for s in shown if s.startswith("+") and not s.startswith("+++")), "?")
        key = f"py {filename} | {line.strip()} | {mutated}"
        if key in equivalent:
            tally.equivalent += 1
        tally.survivors.append((key, f"{filename}:{number}"))
    return tally


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
    rows = [("module", "lang", "mutants", "killed", "survived", "equivalent", "score", "target", "")]
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
                f"{t.target:.0%}",
                "met" if t.met else "MISSED",
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
        python = [run_python(m, args.python, args.out, equivalent) for m in modules if m.python]
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
