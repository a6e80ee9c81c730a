"""A fork server that runs pytest once per mutant without paying for Python's start-up each time.

mutmut starts its test command once per mutant; on our loaded 2 cores a fresh interpreter importing NumPy, ONNX
and ONNX Runtime before any test runs costs most of the ~10 s per mutant. The server imports those third-party
packages once, never pybridge; per request it forks, and the child imports the (mutated) pybridge from source and
runs pytest. The child writes no bytecode, so a mutant made in the same second as the last one, with the same
file size, is never served from a stale .pyc.

    python tools/mutation_fork.py serve SOCKET WORKDIR     # tools/mutation.py starts and stops it
    python -S tools/mutation_fork.py run SOCKET ARGS...    # mutmut's test command: exit 0 pass, 1 anything else

`run` exits 1 for every failure, crash, import error or timeout of the child, so mutmut (which counts only status
1 as a kill) counts each of them as killed.
"""

import contextlib
import json
import os
import socket
import sys

TIMEOUT = 300  # seconds for one mutant's tests; a hung mutant is a killed one
PRELOAD = ("numpy", "onnx", "onnxruntime", "PIL", "pytest", "_pytest.assertion.rewrite", "jpype")


def serve(path: str, workdir: str) -> None:
    import importlib
    import select
    import signal
    import time

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    assert not any(m == "pybridge" or m.startswith("pybridge.") for m in sys.modules), "pybridge was preloaded"
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
                    sys.dont_write_bytecode = True
                    os.chdir(workdir)
                    sys.path.insert(0, workdir)
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, 1)
                    os.dup2(devnull, 2)
                    import pytest

                    code = int(pytest.main(request))
                finally:
                    os._exit(code)
            deadline = time.monotonic() + TIMEOUT
            status = None
            while status is None:
                pid, raw = os.waitpid(child, os.WNOHANG)
                if pid:
                    status = os.waitstatus_to_exitcode(raw)
                elif time.monotonic() > deadline or select.select([conn], [], [], 0)[0]:
                    os.kill(child, signal.SIGKILL)  # timed out, or the client went away (mutmut's own timeout)
                    os.waitpid(child, 0)
                    status = -9
                else:
                    time.sleep(0.02)
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
        serve(path, sys.argv[3])
        return 0
    if mode == "stop":
        request(path, "stop")
        return 0
    status = request(path, sys.argv[3:])
    return 0 if status == "0" else 1


if __name__ == "__main__":
    sys.exit(main())
