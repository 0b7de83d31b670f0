"""The ``diffkit`` command group.  Each command is a small function whose docstring is
its help; the library does the work and raises ``DiffkitError`` on bad input, which
becomes exactly one ``Error: ...`` line on stderr and exit code 2."""

from __future__ import annotations

import signal
import sys
import textwrap
import threading
import traceback
import warnings

import click

import diffkit
from diffkit import DiffkitError
from diffkit.cli import render
from diffkit.cli.streams import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    InputError,
    Interrupted,
    error,
    interrupted,
    read_expression,
    save_figure,
    silence_stdout,
)
from diffkit.methods import METHODS
from diffkit.table.vocabulary import functions

FORMATS = {"table": None, "json": render.to_json, "csv": render.to_csv,
           "markdown": render.to_markdown}


@click.group()
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
      diffkit sweep "sin(x)*exp(x)" --at 1 --plot sweep.png
      diffkit trace "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5 --mode reverse
      diffkit graph "log(x1) + x1*x2 - sin(x2)"
      diffkit scaling --family rosenbrock --n 10 --n 100 --n 1000

    Exit codes: 0 ok, 2 bad input, 1 internal error (please report it).
    """
    ctx.obj = {"debug": debug}


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("expression")
@click.option("--at", "at", multiple=True, metavar="NAME=VALUE",
              help="The point: 2 for one variable, or x1=2 (repeat --at, or x1=2,x2=5).")
@click.option("--method", "methods", multiple=True, type=click.Choice(list(METHODS)),
              help="Run only these methods (repeatable).")
@click.option("--step", default=None, metavar="H|auto",
              help="Step for fd-forward/-backward/-central and complex-step (the first step "
                   "of fd-richardson), or 'auto' to choose each rule's step from f.  "
                   "[default: the textbook step scaled to x, see README]")
@click.option("--noise", default=None, metavar="DELTA|auto",
              help="Relative noise level of f (e.g. 1e-10), or 'auto' to estimate it from a "
                   "difference table; automatic steps grow with it (so it implies --step "
                   "auto; with a fixed --step it is refused).")
@click.option("--accuracy", type=click.IntRange(1, 12), default=None, metavar="P",
              help="Accuracy order of the forward/backward/central rules (central: even).")
@click.option("--order", type=click.IntRange(1, 4), default=1, show_default=True,
              help="1: the gradient (or Jacobian); 2–4: pure higher derivatives.")
@click.option("--hessian", is_flag=True,
              help="The full Hessian, by symbolic, fd-central, forward-over-forward and "
                   "forward-over-reverse.")
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)),
              default="table", show_default=True, help="How to print the comparison.")
def compare(expression: str, at: tuple[str, ...], methods: tuple[str, ...],
            step: str | None, noise: str | None, accuracy: int | None, order: int,
            hessian: bool, output_format: str) -> None:
    """Compare every method's derivative of EXPRESSION at a point.

    EXPRESSION uses numbers, variables, + - * / ** (or ^), parentheses, pi, e and
    the functions of diffkit's primitive table:

    FUNCTIONS

    It is parsed by a whitelist, never evaluated as Python.  Write
    @FILE to read it from a file, or - to read standard input (line breaks count
    as spaces).

    \b
    Examples:
      diffkit compare "4*x**3+x**2+3" --at 2
      diffkit compare "x1*exp(x2)" --at x1=1,x2=0 --method reverse-mode
      diffkit compare "-x^2 + 1" --at 3
      diffkit compare "sin(x)" --at 1 --method fd-central --step 1e-4
      diffkit compare @expr.txt --at x=0.5
      diffkit compare "x1*exp(x2) + x2**3" --at x1=1 --at x2=2 --hessian
    """
    if not at:
        raise InputError("no point given: add --at, e.g. --at 2 or --at x=2")
    text = read_expression(expression)
    comparison = diffkit.compare(text, list(at), methods or None, step=_number_or_auto(step, "--step"),
                                 noise=_number_or_auto(noise, "--noise"), accuracy=accuracy,
                                 order=order, hessian=hessian)
    writer = FORMATS[output_format]
    if writer is None:
        render.print_table(comparison)
    else:
        click.echo(writer(comparison), nl=False)


def _function_names() -> str:
    """The functions text may call, from the table, wrapped for the help screen."""
    names = sorted(name for name in functions() if name.islower())
    return "\n    ".join(textwrap.wrap(" ".join(names), 76))


compare.help = (compare.help or "").replace("FUNCTIONS", _function_names())


def _number_or_auto(text: str | None, option: str) -> float | str | None:
    if text is None or text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{option} takes a number or 'auto', not '{text[:40]}'") from None


@cli.command()
@click.argument("expression")
@click.option("--at", "at", multiple=True, metavar="NAME=VALUE",
              help="The point: 2 for one variable, or x1=2 (repeat --at, or x1=2,x2=5).")
@click.option("--wrt", default=None, metavar="NAME",
              help="The variable to sweep, when there are several.")
@click.option("--order", type=click.IntRange(1, 2), default=1, show_default=True,
              help="Derivative order: 1 or 2.")
@click.option("--scheme", "schemes", multiple=True, metavar="ID",
              help="Only these schemes (repeatable): fd-forward, fd-backward, fd-central, "
                   "fd-central-4, fd-central-6, complex-step.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, writable=True),
              default=None, help="Write the log-log plot to this file (PNG, SVG or PDF).")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="How to print the sweep.")
def sweep(expression: str, at: tuple[str, ...], wrt: str | None, order: int,
          schemes: tuple[str, ...], plot_path: str | None, output_format: str) -> None:
    """Error against step size for each finite-difference scheme and the complex step.

    Measures |error| at 80 steps from 1e-16 to 1 against the 50-digit reference, and
    fits each scheme's error model (truncation A·h^p, round-off B/h^d) to predict the
    best step.  With --plot, draws it on log-log axes.

    \b
    Examples:
      diffkit sweep "sin(x)*exp(x)" --at 1 --plot figures/sweep-sin-exp.png
      diffkit sweep "sin(x)*exp(x)" --at 1 --order 2 --format json
      diffkit sweep "x*y^2" --at x=1,y=2 --wrt y --scheme fd-central
    """
    if not at:
        raise InputError("no point given: add --at, e.g. --at 2 or --at x=2")
    result = diffkit.sweep(read_expression(expression), list(at), schemes=list(schemes) or None,
                           order=order, wrt=wrt)
    if plot_path is not None:
        save_figure(result.plot, plot_path)
    if output_format == "json":
        click.echo(render.to_json(result), nl=False)
    elif output_format == "csv":
        click.echo(render.sweep_to_csv(result), nl=False)
    else:
        render.print_sweep_table(result)
        if plot_path:
            click.echo(f"plot written to {plot_path}")


@cli.command()
@click.argument("expression")
@click.option("--at", "at", multiple=True, metavar="NAME=VALUE",
              help="The point: 2 for one variable, or x1=2 (repeat --at, or x1=2,x2=5).")
@click.option("--mode", type=click.Choice(["forward", "reverse"]), default="reverse",
              show_default=True, help="Tangent trace (forward) or adjoint trace (reverse).")
@click.option("--wrt", default=None, metavar="NAME",
              help="Forward mode: the variable whose tangent is seeded with 1.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]),
              default="table", show_default=True, help="How to print the trace.")
def trace(expression: str, at: tuple[str, ...], mode: str, wrt: str | None,
          output_format: str) -> None:
    """Print the evaluation trace: every intermediate variable with its value, then
    the tangent (forward) or adjoint (reverse) of each, with the local partials.

    \b
    Examples:
      diffkit trace "log(x1) + x1*x2 - sin(x2)" --at x1=2 --at x2=5 --mode reverse
      diffkit trace "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5 --mode forward --wrt x1
    """
    if not at:
        raise InputError("no point given: add --at, e.g. --at 2 or --at x=2")
    result = diffkit.trace(read_expression(expression), list(at), mode=mode, wrt=wrt)
    click.echo(render.to_json(result) if output_format == "json" else str(result))


@cli.command()
@click.argument("expression")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, writable=True),
              default=None, help="Write the DOT text here (default: standard output).")
@click.option("--png", "png", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also draw it as a PNG (with Graphviz's `dot` if it is installed, else "
                   "with matplotlib).")
def graph(expression: str, output: str | None, png: str | None) -> None:
    """Write the computation graph of EXPRESSION as Graphviz DOT.

    \b
    Examples:
      diffkit graph "log(x1) + x1*x2 - sin(x2)"
      diffkit graph "sin(x)*exp(x)" -o graph.dot --png graph.png
    """
    for option, path in (("-o", output), ("--png", png)):
        if path is not None and not path:
            raise InputError(f"{option} needs a file name")
    text = read_expression(expression)
    dot = diffkit.to_dot(text)
    if output is not None:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(dot)
        except OSError as err:
            raise InputError(f"cannot write {output}: {err.strerror or err}") from None
    else:
        click.echo(dot, nl=False)
    if png:
        _draw_png(text, dot, png)


def _draw_png(expression: str, dot: str, png: str) -> None:
    """The graph as a PNG: Graphviz's ``dot`` when it is installed, else matplotlib."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is not None:
        done = subprocess.run([program, "-Tpng", "-o", png], input=dot, text=True,
                              capture_output=True, check=False)
        if done.returncode != 0:
            raise InputError(f"dot could not draw the graph: {done.stderr.strip()[:200]}")
        return
    figure = diffkit.draw_graph(expression)
    try:
        figure.savefig(png, dpi=120, bbox_inches="tight")
    except OSError as err:
        raise InputError(f"cannot write {png}: {err.strerror or err}") from None


@cli.command()
@click.argument("expression")
@click.option("--mode", type=click.Choice(["reverse", "forward"]), default="reverse",
              show_default=True, help="Adjoints (one sweep per output) or tangents (one pass "
                                      "per variable).")
@click.option("--wrt", "wrt", multiple=True, metavar="NAME",
              help="Differentiate only with respect to NAME (repeatable).  [default: all]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the program to this file instead of standard output.")
def codegen(expression: str, mode: str, wrt: tuple[str, ...], output: str | None) -> None:
    """Print the derivative program of EXPRESSION as Python source (numpy only).

    The primitive table's rules, applied to names instead of numbers, write one line per
    operation: shared subexpressions once, constants folded, unused lines dropped.  The
    program runs on its own: `gradient(x, y)` takes numbers or arrays of points.

    \b
    Examples:
      diffkit codegen "log(x1) + x1*x2 - sin(x2)"
      diffkit codegen "x*sin(x)*exp(-x**2)" --mode forward -o dfdx.py
    """
    if output is not None and not output:
        raise InputError("-o needs a file name")
    program = diffkit.compile(read_expression(expression), wrt=list(wrt) or None, mode=mode)
    if output is None:
        click.echo(program.source, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(program.source)
    except OSError as err:
        raise InputError(f"cannot write {output}: {err.strerror or err}") from None


@cli.command()
@click.option("--family", required=True, metavar="NAME",
              help="sum-of-squares, rosenbrock, logistic, product or dense-layer.")
@click.option("--n", "sizes", multiple=True, type=click.IntRange(1, None), required=True,
              help="A size to run (repeatable): variables, nesting depth or factors.")
@click.option("--method", "methods", multiple=True, type=click.Choice(list(METHODS)),
              help="Only these methods (repeatable).  [default: all]")
@click.option("--budget", type=click.FloatRange(min=0.01, max=3600), default=30.0, show_default=True,
              help="Seconds a method may take at one size; one projected to take longer is "
                   "skipped there.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write ops against n on log-log axes to this file.")
@click.option("--hessian", is_flag=True,
              help="Full Hessians instead of gradients, with their cost in gradient-equivalents.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="How to print the report.")
def scaling(family: str, sizes: tuple[int, ...], methods: tuple[str, ...], budget: float,
            plot_path: str | None, hessian: bool, output_format: str) -> None:
    """How each method's cost grows with the size of the problem.

    \b
    Examples:
      diffkit scaling --family rosenbrock --n 10 --n 100 --n 1000 --plot figures/scaling.png
      diffkit scaling --family logistic --n 4 --n 8 --n 14 --method symbolic --method reverse-mode
    """
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("starting") as status:
        report = diffkit.scaling(family, sizes, list(methods) or None, budget=budget,
                                 progress=lambda text: status.update(text), hessian=hessian)
    if plot_path is not None:
        save_figure(report.plot, plot_path)
    if output_format == "json":
        click.echo(render.to_json(report), nl=False)
    else:
        render.print_scaling_table(report)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``diffkit`` console script and ``python -m diffkit``.

    Exit codes hold under every stream condition: a reader that closes the pipe early
    (``| head``) ends the output quietly (0); a closed or full standard output is one
    ``Error:`` line (2); Ctrl-C is one line and 130.
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupted) if on_main_thread else None
    try:
        if sys.stdout is None:
            raise InputError("standard output is closed; nowhere to print the result")
        with warnings.catch_warnings():  # diffkit checks its numbers; numpy's asides
            warnings.simplefilter("ignore")  # would break the one-line contract
            code = cli.main(args, prog_name="diffkit", standalone_mode=False)
        sys.stdout.flush()
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.exceptions.Abort:
        error("aborted")
        code = EXIT_INPUT
    except click.ClickException as err:
        # click's own usage errors (a bad option, a missing argument) and ours: one line
        error(err.format_message())
        code = EXIT_INPUT
    except DiffkitError as err:  # bad input the library found, from any command
        error(err.message)
        code = EXIT_INPUT
    except (KeyboardInterrupt, Interrupted):
        error("interrupted")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as Unix tools do
        silence_stdout()
        code = EXIT_OK
    except OSError as err:  # writing the output failed (a full disk, a closed stream)
        silence_stdout()
        error(f"cannot write the output: {err.strerror or err}")
        code = EXIT_INPUT
    except Exception as err:  # noqa: BLE001  (an internal error: one line, or --debug)
        if debug:
            traceback.print_exc()
        error(f"internal error ({type(err).__name__}: {err}); please report it "
               "with the command you ran (add --debug for the traceback)")
        code = EXIT_INTERNAL
    if on_main_thread:
        signal.signal(signal.SIGINT, previous)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


