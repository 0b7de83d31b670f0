"""The installed `diffkit` console script: output, JSON contract, one-line errors, exit codes."""

import json
import pathlib
import shutil
import subprocess
import sys

import pytest
from cli_runner import diffkit_cli

from diffkit import METHODS

_BESIDE = pathlib.Path(sys.executable).parent / "diffkit"
DIFFKIT = str(_BESIDE) if _BESIDE.exists() else shutil.which("diffkit")
COMMANDS = [[DIFFKIT]] if DIFFKIT else []
COMMANDS.append([sys.executable, "-m", "diffkit"])


def run(*args, command=None, input=None):
    """The command in this process (click's CliRunner), or as a new process when
    ``command`` names the installed script or ``python -m diffkit``."""
    if command is None:
        return diffkit_cli(*args, input=input)
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=60,
                          check=False, input=input)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[-2:]))
def test_compare_prints_the_table_with_value_and_exact_derivative(command):
    done = run("compare", "4*x**3+x**2+3", "--at", "2", command=command)
    assert done.returncode == 0, done.stderr
    assert "f(2) = 39" in done.stdout
    assert "12*x**2 + 2*x = 52" in done.stdout
    for method in METHODS:
        assert method in done.stdout


def test_console_script_is_installed():
    assert DIFFKIT is not None, "pip install -e . should install the diffkit console script"


def test_json_follows_the_contract():
    done = run("compare", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "--at", "x2=5", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["variables"] == ["x1", "x2"]
    assert data["point"] == {"x1": 2.0, "x2": 5.0}
    assert data["order"] == 1
    assert data["reference"]["x1"] == 5.5
    assert [r["method"] for r in data["results"]] == list(METHODS)
    keys = {"method", "derivative", "abs_error", "rel_error", "ops", "evaluations", "seconds", "error"}
    for r in data["results"]:
        assert keys <= set(r)
        assert r["error"] is None
    assert isinstance(data["function_ops"], int)
    assert data["value"] == pytest.approx(11.652071455223084)


def test_csv_and_markdown_formats():
    done = run("compare", "x^2", "--at", "3", "--format", "csv")
    assert done.returncode == 0
    header, *rows = done.stdout.strip().splitlines()
    assert header.startswith("method,d/dx,abs_error")
    assert len(rows) == len(METHODS)
    done = run("compare", "x^2", "--at", "3", "--format", "markdown", "--method", "reverse-mode")
    assert "| reverse-mode | 6 |" in done.stdout


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["compare", "2x", "--at", "2"], "write 2*x"),
        (["compare", "x", "--at", "abc"], "not a number"),
        (["compare", "x", "--at", "nan"], "nan"),
        (["compare", "x", "--at", "inf"], "infinity"),
        (["compare", "x", "--at", "1e309"], "too large"),
        (["compare", "x", "--at", "y=1"], "no variable 'y'"),
        (["compare", "x*y", "--at", "x=1"], "no value for y"),
        (["compare", "x"], "no point"),
        (["compare"], "Missing argument"),
        (["compare", "x", "--at", "1", "--bogus"], "unexpected extra argument"),
        (["--bogus"], "No such option"),
        (["compare", "x", "--at", "1", "--method", "magic"], "'magic' is not one of"),
        (["compare", "x", "--at", "1", "--format", "xml"], "'xml' is not one of"),
        (["compare", "x", "--at", "1", "--step", "abc"], "takes a number or 'auto'"),
        (["compare", "x", "--at", "1", "--step", "-1"], "positive"),
        (["compare", "__import__('os').system('echo hacked')", "--at", "1"], "not a valid variable name"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_code_2(args, phrase):
    done = run(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: ")
    assert phrase in lines[0]
    assert "Traceback" not in done.stderr


def test_a_method_that_fails_reports_in_its_row_and_the_rest_answer():
    done = run("compare", "abs(x) + x", "--at", "1", "--format", "json")
    data = json.loads(done.stdout)
    rows = {r["method"]: r for r in data["results"]}
    assert "analytic" in rows["complex-step"]["error"]
    assert rows["reverse-mode"]["derivative"] == {"x": 2.0}


def test_help_and_version():
    done = run("--help")
    assert done.returncode == 0
    assert "Examples:" in done.stdout
    done = run("compare", "--help")
    assert done.returncode == 0
    assert "--at" in done.stdout
    assert "diffkit compare" in done.stdout
    done = run("--version")
    assert done.returncode == 0
    assert "0.1.0" in done.stdout


def test_one_op_is_not_one_ops():
    from click.testing import CliRunner

    from diffkit.cli.main import cli

    result = CliRunner().invoke(cli, ["compare", "sin(x)", "--at", "1", "--method", "reverse-mode"])
    assert "(1 op per evaluation)" in result.output
    assert "1 ops" not in result.output


def test_noise_alone_implies_automatic_steps_and_a_fixed_step_refuses_it():
    alone = run("compare", "sin(x)", "--at", "1", "--noise", "1e-10", "--method", "fd-central",
                "--format", "json")
    assert alone.returncode == 0, alone.stderr
    assert "chosen from f, noise 1.0e-10" in alone.stdout
    fixed = run("compare", "sin(x)", "--at", "1", "--noise", "1e-10", "--step", "1e-3")
    assert fixed.returncode == 2
    assert fixed.stderr.startswith("Error: a fixed step ignores the noise level")


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("args", [
    ["log(x1*x2)*sin(x2), x1**2 + 2*x2**2", "--at", "x1=1", "--at", "x2=1"],  # the README's Jacobian
    ["4*x**3+x**2+3", "--at", "2"],
    ["sin(x)/x", "--at", "1e-8"],
])
def test_the_table_fits_the_width_and_never_cuts_a_number_or_a_word(monkeypatch, width, args):
    """At 80, 100 and 120 columns every line fits, every number of every row is
    printed whole (never shrunk to ``1.8…`` or wrapped), and no word of a note is
    broken across lines (``derivativ e``)."""
    import diffkit

    monkeypatch.setenv("COLUMNS", str(width))
    done = run("compare", *args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in done.stdout
    tokens = set(done.stdout.replace("│", " ").replace("┃", " ").split())
    numbers = {t.strip("[],") for t in tokens}
    comparison = diffkit.compare(args[0], at=",".join(args[2::2]))
    for row in comparison.rows():
        for column in ("method", "abs error", "rel error", "ops", "evals"):
            assert row[column] in tokens, (column, row[column])
        # a long Jacobian row may break between its entries, never inside one
        for entry in row["derivative"].replace("[", " ").replace("]", " ").replace(",", " ").split():
            assert entry in numbers, entry
        for word in row["note"].split():  # its words (timings differ between runs)
            if word.strip(";,:()").isalpha() and word.strip(";,:()") not in ("µs", "ms", "s"):
                assert word in tokens, word


@pytest.mark.parametrize("command", ["compare", "sweep", "trace", "graph", "scaling", "codegen"])
def test_each_commands_help_shows_examples_of_that_command(command):
    """`graph --help` once showed a `scaling` example: every example a command's help
    gives is of that command."""
    done = run(command, "--help")
    assert done.returncode == 0, done.stderr
    examples = [line.strip() for line in done.stdout.splitlines()
                if line.strip().startswith("diffkit ")]
    assert examples, done.stdout
    assert all(line.startswith(f"diffkit {command} ") for line in examples), examples
