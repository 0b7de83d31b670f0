"""Runs ``diffkit`` command lines for ``test_extremes.py``, each in a forked child
under a memory limit, and reports exit code, output, time and peak memory.

Reads one JSON case a line on stdin: ``{"argv": [...], "stdin": str | null,
"stdout": "pipe" | "closed" | "full", "stdin_closed": bool}``; writes one JSON result a
line.  Importing diffkit once and forking per case makes a case cost milliseconds
instead of a fresh interpreter's second.  The child's address space is capped
(``RLIMIT_AS``), so a command that tries to take more memory fails instead of
swapping, and ``os.wait4`` gives its peak resident memory.

    python tests/extremes_driver.py ADDRESS_SPACE_BYTES SECONDS
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time

import matplotlib

matplotlib.use("Agg")

import diffkit  # noqa: F401  (imported once, before the forks)
from diffkit.cli.main import main


def run_case(case: dict, address_space: int, seconds: int) -> dict:
    out, err, inp = (tempfile.TemporaryFile() for _ in range(3))  # noqa: SIM115  (closed below)
    inp.write((case.get("stdin") or "").encode())
    inp.seek(0)
    started = time.monotonic()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:  # the child: one command line, then exit with its code
        try:
            os.dup2(inp.fileno(), 0)
            os.dup2(err.fileno(), 2)
            if case.get("stdout") == "full":
                full = os.open("/dev/full", os.O_WRONLY)
                os.dup2(full, 1)
            else:
                os.dup2(out.fileno(), 1)
            if case.get("stdout") == "closed":
                os.close(1)
                sys.stdout = None
            if case.get("stdin_closed"):
                os.close(0)
                sys.stdin = None
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
            signal.alarm(seconds)
            main(case["argv"])
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 0
            for stream in (sys.stdout, sys.stderr):
                try:
                    if stream is not None:
                        stream.flush()
                except OSError:
                    pass
            os._exit(code)
        except BaseException:  # noqa: BLE001  (reported as exit 99: main must not leak)
            os._exit(99)
        os._exit(98)  # main returned without exiting
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - started
    out.seek(0)
    err.seek(0)
    result = {
        "exit": os.waitstatus_to_exitcode(status),
        "stdout": out.read().decode("utf-8", "replace"),
        "stderr": err.read().decode("utf-8", "replace"),
        "seconds": elapsed,
        "peak_mb": usage.ru_maxrss / 1024,
    }
    for handle in (out, err, inp):
        handle.close()
    return result


def serve() -> None:
    address_space, seconds = int(sys.argv[1]), int(sys.argv[2])
    for line in sys.stdin:
        result = run_case(json.loads(line), address_space, seconds)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    serve()
