"""The ``diffkit`` command run in this process through click's ``CliRunner`` streams:
the same ``main`` the console script calls (exit codes, one-line errors), without a
new interpreter per call.  A few smoke tests still run the installed script."""

from __future__ import annotations

from dataclasses import dataclass

from click.testing import CliRunner

from diffkit.cli.main import main


@dataclass
class Done:
    """What a run printed and how it ended, like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def diffkit_cli(*args: str, input: str | None = None) -> Done:
    """``diffkit ARGS`` in this process: its exit code, standard output and error."""
    runner = CliRunner(**({} if _separate_stderr() else {"mix_stderr": False}))
    with runner.isolation(input=input) as streams:
        try:
            main(list(args))
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        out, err = streams[0], streams[1]
        return Done(code, out.getvalue().decode(), err.getvalue().decode() if err else "")


def _separate_stderr() -> bool:
    """click 8.2 keeps standard error apart always (and dropped ``mix_stderr``)."""
    import inspect

    return "mix_stderr" not in inspect.signature(CliRunner.__init__).parameters
