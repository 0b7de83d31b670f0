"""The ``diffkit`` command group.  Each command is a small function whose docstring is
its help; the library does the work and raises ``DiffkitError`` on bad input, which
becomes exactly one ``Error: ...`` line on stderr and exit code 2."""

from __future__ import annotations

import sys
import traceback

import click

import diffkit
from diffkit import DiffkitError
from diffkit.methods import METHODS

from . import render

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


class InputError(click.ClickException):
    """A one-line ``Error: ...`` and exit code 2 (click's UsageError prints four lines)."""

    exit_code = EXIT_INPUT


FORMATS = {"table": None, "json": render.to_json, "csv": render.to_csv,
           "markdown": render.to_markdown}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(diffkit.__version__, "--version", "-V", prog_name="diffkit")
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Differentiate one expression four ways and compare them side by side:
    symbolically (SymPy), by finite differences, by forward-mode dual numbers and
    by reverse-mode autodiff.

    \b
    Examples:
      diffkit compare "4*x**3+x**2+3" --at 2
      diffkit compare "log(x1) + x1*x2 - sin(x2)" --at x1=2 --at x2=5
      diffkit compare "sin(x)*exp(x)" --at 1 --format json

    Exit codes: 0 ok, 2 bad input, 1 internal error (please report it).
    """
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("expression")
@click.option("--at", "at", multiple=True, metavar="NAME=VALUE",
              help="The point: 2 for one variable, or x1=2 (repeat --at, or x1=2,x2=5).")
@click.option("--method", "-m", "methods", multiple=True, metavar="ID",
              help=f"Run only these methods (repeatable): {', '.join(METHODS)}.")
@click.option("--step", type=str, default=None, metavar="H",
              help="Step for fd-forward/-backward/-central and complex-step; the first "
                   "step of fd-richardson.  [default: scaled to x, see README]")
@click.option("--format", "-f", "output_format", type=str, default="table",
              show_default=True, help="table, json, csv or markdown.")
def compare(expression: str, at: tuple[str, ...], methods: tuple[str, ...],
            step: str | None, output_format: str) -> None:
    """Compare every method's derivative of EXPRESSION at a point.

    EXPRESSION uses numbers, variables, + - * / ** (or ^), parentheses, pi, e and
    sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh exp log sqrt abs
    sign max min.  It is parsed by a whitelist, never evaluated as Python.

    \b
    Examples:
      diffkit compare "4*x**3+x**2+3" --at 2
      diffkit compare "x1*exp(x2)" --at x1=1,x2=0 --method reverse-mode
      diffkit compare "sin(x)" --at 1 --method fd-central --step 1e-4
    """
    if output_format not in FORMATS:
        raise InputError(f"unknown format '{output_format}'; choose table, json, csv or markdown")
    if not at:
        raise InputError("no point given: add --at, e.g. --at 2 or --at x=2")
    step_value = None
    if step is not None:
        try:
            step_value = float(step)
        except ValueError:
            raise InputError(f"--step '{step}' is not a number") from None
    try:
        comparison = diffkit.compare(expression, list(at), methods or None, step=step_value)
    except DiffkitError as err:
        raise InputError(err.message) from None
    writer = FORMATS[output_format]
    if writer is None:
        render.print_table(comparison)
    else:
        click.echo(writer(comparison), nl=False)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``diffkit`` console script and ``python -m diffkit``."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = cli.main(args, prog_name="diffkit", standalone_mode=False)
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.exceptions.Abort:
        click.echo("Error: aborted", err=True)
        code = EXIT_INPUT
    except click.ClickException as err:
        # click's own usage errors (a bad option, a missing argument) and ours: one line
        click.echo(f"Error: {err.format_message()}", err=True)
        code = EXIT_INPUT
    except Exception as err:  # noqa: BLE001  (an internal error: one line, or --debug)
        if debug:
            traceback.print_exc()
        click.echo(
            f"Error: internal error ({type(err).__name__}: {err}); please report it "
            "with the command you ran (add --debug for the traceback)",
            err=True,
        )
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else EXIT_OK)
