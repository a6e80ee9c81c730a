"""A fork server that runs pytest once per mutant without paying for Python's start-up each time.

tools/mutation.py starts it with the project's interpreter; on our loaded 2 cores a fresh interpreter importing
NumPy, ONNX and ONNX Runtime before any test runs costs most of the time per mutant. The server imports those
third-party packages once, and the modules of pybridge that do not import the FILEs being mutated; per request it
forks, and the child imports the rest of pybridge (the mutant among them) from source and runs pytest.

    python tools/mutation_fork.py serve SOCKET WORKDIR FILE...   # tools/mutation.py starts and stops it

A request is one JSON line: ``{"args": [pytest arguments], "timeout": seconds, "budgets": {test: seconds},
"trace": [files] or null, "report": path or null}``; the answer is the child's exit status (-9 when the whole run
timed out, 124 when one test overran its budget). With
``trace``, the child records which lines of those files each test ran (and which ran outside any test: at
import or collection) and how long each test took, and writes them as JSON to ``report``.

Tests that need the JVM (the ``jar`` or ``jvm`` fixtures) are never collected here: a JVM start per mutant would
cost more than the rest of the tests, and they check the Java side.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
import traceback

import pytest

# hypothesis is imported here and no plugin is loaded from entry points (its pytest plugin is the only one): as a
# plugin it was imported per run, and pytest rewrote the asserts of all its modules, most of a short run's time.
PRELOAD = ("numpy", "onnx", "onnxruntime", "PIL", "_pytest.assertion.rewrite", "jpype", "hypothesis")
JVM_FIXTURES = {"jar", "jvm"}
OUTSIDE = ""  # the "test" that lines run outside any test are credited to


class NoJvm:
    """Deselects the tests that start the JVM."""

    def pytest_collection_modifyitems(self, config, items):
        kept = [i for i in items if not JVM_FIXTURES & set(getattr(i, "fixturenames", ()))]
        dropped = [i for i in items if i not in kept]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept


class LineTrace:
    """Which lines of the traced files each test runs, and each test's time."""

    def __init__(self, files: list[str]):
        self.files = {os.path.realpath(f) for f in files}
        self.current = OUTSIDE
        self.lines: dict[str, dict[str, set[int]]] = {}
        self.seconds: dict[str, float] = {}
        self.outcomes: dict[str, str] = {}

    def _local(self, frame, event, arg):
        if event == "line":
            per_file = self.lines.setdefault(self.current, {})
            per_file.setdefault(frame.f_code.co_filename, set()).add(frame.f_lineno)
        return self._local

    def _global(self, frame, event, arg):
        return self._local if frame.f_code.co_filename in self.files else None

    def start(self) -> None:
        import threading

        self.files |= {os.path.abspath(f) for f in self.files}
        threading.settrace(self._global)
        sys.settrace(self._global)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.current = item.nodeid
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[item.nodeid] = time.perf_counter() - started
            self.current = OUTSIDE

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.nodeid] = report.outcome

    def write(self, path: str) -> None:
        payload = {
            "lines": {
                test: {name: sorted(lines) for name, lines in per_file.items()} for test, per_file in self.lines.items()
            },
            "seconds": self.seconds,
            "outcomes": self.outcomes,
        }
        with open(path, "w") as sink:
            json.dump(payload, sink)


class TestAlarm:
    """Ends the run (status 124, a kill) when one test takes longer than its budget: a mutant that loops forever
    costs one test's budget, not the whole run's."""

    def __init__(self, budgets: dict[str, float]):
        self.budgets = budgets

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        import signal

        signal.signal(signal.SIGALRM, lambda *_: os._exit(124))
        signal.setitimer(signal.ITIMER_REAL, self.budgets.get(item.nodeid, 60.0))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _child(workdir: str, request: dict) -> int:
    # Only the first (traced) run writes bytecode: pytest's rewritten test modules, which no mutant changes.
    # pybridge's bytecode is compiled beforehand with checked hashes, so a mutated module is compiled afresh.
    sys.dont_write_bytecode = not request.get("trace")
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # pytest's report; errors of this code go to the server's log
    plugins: list[object] = [NoJvm()]
    if request.get("budgets"):
        plugins.append(TestAlarm(request["budgets"]))
    trace = None
    if request.get("trace"):
        trace = LineTrace(request["trace"])
        plugins.append(trace)
        trace.start()
    code = int(pytest.main(request["args"], plugins=plugins))
    if trace is not None:
        sys.settrace(None)
        trace.write(request["report"])
    return code


def _module_imports(workdir: str, package: str = "pybridge") -> dict[str, set[str]]:
    """Each module of the package and the package's modules it may import (anywhere in it, parents included)."""
    import ast
    from pathlib import Path

    root = Path(workdir)
    modules = {}
    for file in sorted((root / package).rglob("*.py")):
        parts = file.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = file
    graph = {}
    for name, file in modules.items():
        is_package = file.name == "__init__.py"
        found = set()
        for node in ast.walk(ast.parse(file.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                targets = [origin] + [f"{origin}.{a.name}" for a in node.names]
            for target in targets:
                while target:
                    if target in modules:
                        found.add(target)
                    target = target.rpartition(".")[0]
        parent = name.rpartition(".")[0]
        while parent:
            found.add(parent)
            parent = parent.rpartition(".")[0]
        found.discard(name)
        graph[name] = found
    return graph


def preloadable(workdir: str, fresh: list[str]) -> list[str]:
    """pybridge's modules that import none of the fresh ones (the files being mutated), directly or not: the
    server imports these once; every child imports the rest, and so the mutant, afresh."""
    import os

    graph = _module_imports(workdir)
    fresh_names = set()
    for file in fresh:
        parts = os.path.relpath(file, workdir)[: -len(".py")].split(os.sep)
        fresh_names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    importers: dict[str, set[str]] = {}
    for name, imported in graph.items():
        for target in imported:
            importers.setdefault(target, set()).add(name)
    tainted, todo = set(), [n for n in fresh_names if n in graph]
    while todo:
        name = todo.pop()
        if name not in tainted:
            tainted.add(name)
            todo += importers.get(name, ())
    return sorted(set(graph) - tainted)


def serve(path: str, workdir: str, fresh: list[str]) -> None:
    import importlib
    import select
    import signal

    from _pytest.config import default_plugins

    sys.path.insert(0, workdir)
    os.chdir(workdir)
    for name in PRELOAD + tuple(f"_pytest.{p}" for p in default_plugins):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    for name in preloadable(workdir, fresh):
        importlib.import_module(name)
    assert not any(m.__file__ in fresh for m in list(sys.modules.values()) if getattr(m, "__file__", None))
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile().readline())
            if request == "stop":
                return
            child = os.fork()
            if child == 0:
                code = 3
                try:
                    code = _child(workdir, request)
                except BaseException:
                    traceback.print_exc()
                finally:
                    os._exit(code)
            deadline = time.monotonic() + float(request.get("timeout", 300))
            status = None
            while status is None:
                pid, raw = os.waitpid(child, os.WNOHANG)
                if pid:
                    status = os.waitstatus_to_exitcode(raw)
                elif time.monotonic() > deadline or select.select([conn], [], [], 0)[0]:
                    os.kill(child, signal.SIGKILL)  # timed out, or the client went away
                    os.waitpid(child, 0)
                    status = -9
                else:
                    time.sleep(0.01)
            with contextlib.suppress(OSError):
                conn.sendall(f"{status}\n".encode())


def request(path: str, payload: object) -> str:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    with client:
        client.sendall(json.dumps(payload).encode() + b"\n")
        return client.makefile().readline().strip()


def main() -> int:
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "serve":
        serve(path, sys.argv[3], [os.path.realpath(f) for f in sys.argv[4:]])
        return 0
    if mode == "stop":
        request(path, "stop")
        return 0
    sys.exit(f"mutation_fork: unknown mode: expected serve or stop, found {mode}")


if __name__ == "__main__":
    sys.exit(main())
