"""What the command line reads and writes, and how it ends: the expression from text,
a file or stdin; pictures to exactly the path named; one ``Error:`` line and an exit
code under every stream condition."""

from __future__ import annotations

import contextlib
import os
import stat
import sys

import click

from diffkit import DEFAULT_LIMITS
from diffkit.cli import render

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class InputError(click.ClickException):
    """A one-line ``Error: ...`` and exit code 2 (click's UsageError prints four lines)."""

    exit_code = EXIT_INPUT


def read_expression(argument: str) -> str:
    """EXPRESSION as typed, or read from ``@FILE`` or ``-`` (standard input).

    A file or stdin may spread the expression over several lines: line breaks count
    as spaces.  At most ``Limits.max_length`` characters are read, so a huge file is
    refused without being loaded.
    """
    if argument != "-" and not argument.startswith("@"):
        return argument
    limit = DEFAULT_LIMITS.max_length
    if argument == "-":
        where = "standard input"
        if sys.stdin is None:
            raise InputError("standard input is closed; nothing to read the expression from")
        try:
            text = sys.stdin.read(limit + 1)
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read standard input: {err}") from None
    else:
        path = argument[1:]
        where = path
        if not path:
            raise InputError("'@' needs a file name, as in @expr.txt")
        if os.path.exists(path) and not os.path.isdir(path) and not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(f"cannot read {path}: not a regular file (a FIFO or a device "
                             "could block or never end); use - to read standard input")
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(limit + 1)
        except FileNotFoundError:
            raise InputError(f"cannot read {path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"cannot read {path}: it is a directory") from None
        except UnicodeDecodeError:
            raise InputError(f"cannot read {path}: it is not UTF-8 text") from None
        except OSError as err:
            raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    if len(text) > limit:
        raise InputError(
            f"the expression in {where} has more than {limit:,} characters; the limit is "
            f"{limit:,} (see Limits.max_length)"
        )
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


#: the picture formats --plot writes, by file extension
PLOT_FORMATS = ("png", "svg", "pdf")


def save_figure(draw, path: str) -> None:
    """Write the figure ``draw()`` returns to exactly ``path``, in the format its
    extension names; anything else is one ``Error:`` line (exit 2)."""
    if not path:
        raise InputError("--plot needs a file name, such as sweep.png")
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension not in PLOT_FORMATS:
        raise InputError(f"--plot {path}: the file name must end in "
                         f"{', '.join('.' + f for f in PLOT_FORMATS)} (the format comes from it)")
    figure = draw()
    try:
        with open(path, "wb") as handle:
            figure.savefig(handle, format=extension, dpi=130)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot write {path}: {getattr(err, 'strerror', None) or err}") from None


class Interrupted(BaseException):
    """Ctrl-C, raised past click (which would turn it into a two-line 'Aborted')."""


def interrupted(signum, frame) -> None:
    raise Interrupted


def error(message: str) -> None:
    """One ``Error:`` line on stderr: user text in it is escaped, so it stays one line
    and cannot send control sequences to the terminal."""
    if sys.stderr is not None:
        with contextlib.suppress(OSError):
            print(f"Error: {render.terminal_safe(message)}", file=sys.stderr, flush=True)


def silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush cannot fail."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
