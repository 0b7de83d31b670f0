"""Hostile input through the command line: one `Error:` line, exit code 2, no
traceback, nothing run; numerical edge cases answered per method; budgets hold."""

import os
import time

import mpmath
import pytest
import sympy as sp
from cli_runner import diffkit_cli
from hostile_corpus import BAD_POINTS, REFUSALS

import diffkit
from diffkit.cli.main import main


def run_cli(capsys, args):
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    return done.value.code, out, err


@pytest.mark.parametrize(("text", "phrase"), REFUSALS, ids=[repr(t[:30]) for t, _ in REFUSALS])
def test_every_hostile_expression_is_one_error_line_with_exit_code_2(capsys, text, phrase):
    code, out, err = run_cli(capsys, ["compare", text, "--at", "1"])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("Error: ")
    assert phrase in err


@pytest.mark.parametrize(("args", "phrase"), BAD_POINTS, ids=[" ".join(a) for a, _ in BAD_POINTS])
def test_every_bad_point_is_one_error_line_with_exit_code_2(capsys, args, phrase):
    code, out, err = run_cli(capsys, ["compare", *args])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("Error: ")
    assert phrase in err


def test_a_million_term_expression_is_refused_before_parsing(capsys):
    code, _, err = run_cli(capsys, ["compare", "+".join(["x"] * 1_000_000), "--at", "1"])
    assert code == 2
    assert "the limit is 10,000" in err


def test_code_injection_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    attempts = [
        f"__import__('os').system('touch {marker}')",
        f"exec(\"open('{marker}', 'w')\")",
        f"().__class__.__base__.__subclasses__()[0]('{marker}')",
        "lambda: __import__('os').system('touch " + str(marker) + "')",
    ]
    for attempt in attempts:
        done = diffkit_cli("compare", attempt, "--at", "1")
        assert done.returncode == 2
        assert done.stderr.startswith("Error: ")
        assert "Traceback" not in done.stderr
    assert not marker.exists()


def test_expressions_from_a_file_and_from_stdin_obey_the_same_limits(tmp_path):
    path = tmp_path / "expr.txt"
    path.write_text("x**2 +\n sin(x)\n")
    done = diffkit_cli("compare", f"@{path}", "--at", "1",
                           "--method", "reverse-mode", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert '"reverse-mode"' in done.stdout
    big = tmp_path / "big.txt"
    big.write_text("x+" * 100_000 + "x")
    for args, stdin in ([f"@{big}"], None), (["-"], "x+" * 100_000 + "x"), (["-"], "2x"):
        done = diffkit_cli("compare", *args, "--at", "1", input=stdin)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1
    missing = diffkit_cli("compare", "@/no/such/file", "--at", "1")
    assert missing.returncode == 2
    assert "no such file" in missing.stderr


def test_an_internal_error_is_exit_code_1_with_a_request_to_report(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(diffkit, "compare", broken)
    code, _, err = run_cli(capsys, ["compare", "x", "--at", "1"])
    assert code == 1
    assert err.count("\n") == 1
    assert "please report" in err
    assert "Traceback" not in err
    code, _, err = run_cli(capsys, ["--debug", "compare", "x", "--at", "1"])
    assert code == 1
    assert "Traceback" in err
    assert "RuntimeError: boom" in err


# --- numerical edge cases -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at", "phrase"),
    [
        ("log(x)", -1, "log needs x > 0"),
        ("sqrt(x)", -4, "sqrt needs x >= 0"),
        ("asin(x)", 2, "asin needs -1 <= x <= 1"),
        ("acosh(x)", 0.5, "acosh needs x >= 1"),
        ("atanh(x)", 1, "atanh needs -1 < x < 1"),
        ("1/x", 0, "division by zero"),
        ("exp(x)", 1000, "overflows double precision"),
        ("x**(1/3)", -8, "needs a > 0"),
    ],
)
def test_a_point_outside_the_domain_is_an_error_in_every_row(text, at, phrase):
    c = diffkit.compare(text, at=at)
    assert c.value is None
    assert c.reference is None
    for r in c.results:
        assert r.derivative is None
        assert phrase in r.error


def test_a_step_that_leaves_the_domain_is_that_methods_error_only():
    c = diffkit.compare("log(x)", at=1e-9)
    assert "log needs x > 0" in c.result("fd-central").error
    assert c.result("forward-mode").rel_error <= 1e-15
    assert c.result("complex-step").rel_error <= 1e-15


@pytest.mark.parametrize(
    ("text", "at", "left", "right"),
    [
        ("abs(x)", 0, -1.0, 1.0),
        ("max(x, 0)", 0, 0.0, 1.0),
        ("min(x, 0)", 0, 1.0, 0.0),
        ("abs(x - 1) + 3*x", 1, 2.0, 4.0),
        ("max(x, 2*x - 1)", 1, 1.0, 2.0),
        ("abs(sin(x))", 0, -1.0, 1.0),
        ("sign(x)", 0, None, None),
        ("sqrt(x)", 0, None, None),
        # through an infinite-slope point with a zero incoming tangent (∞·0)
        ("acos(cos(x))", 0, -1.0, 1.0),
        ("sqrt(1-cos(x))", 0, -(0.5**0.5), 0.5**0.5),
        ("acos(1-x**2)", 0, -(2**0.5), 2**0.5),
        ("sqrt(x**2+x**4)", 0, -1.0, 1.0),
    ],
)
def test_at_a_kink_every_method_says_no_derivative_and_the_one_sided_ones_are_exact(
    text, at, left, right
):
    c = diffkit.compare(text, at=at)
    assert c.reference is None
    assert c.reference_error == "not differentiable at this point"
    (got_left, got_right), = c.one_sided.values()
    assert (got_left, got_right) == (pytest.approx(left, rel=1e-15) if left is not None else None,
                                     pytest.approx(right, rel=1e-15) if right is not None else None)
    assert c.not_differentiable
    for r in c.results:
        if r.error is None:
            assert r.notes[0].startswith("no derivative here")
            assert r.abs_error is None
    assert "not differentiable" in str(c)


def test_forward_and_backward_differences_approach_the_one_sided_derivatives():
    c = diffkit.compare("abs(x)", at=0)
    assert c.result("fd-forward").derivative["x"] == pytest.approx(1.0)
    assert c.result("fd-backward").derivative["x"] == pytest.approx(-1.0)
    assert c.result("forward-mode").derivative["x"] == 0.0  # abs'(0) = 0, the convention


def test_the_one_sided_derivatives_of_a_python_function_at_a_kink():
    c = diffkit.compare(lambda x: abs(x - 1) + 3 * x, at=1.0)
    assert c.reference_error == "not differentiable at this point"
    assert c.one_sided == {"x": (2.0, 4.0)}


def test_a_kink_with_equal_one_sided_derivatives_is_differentiable():
    c = diffkit.compare("x*abs(x)", at=0)
    assert c.reference == {"x": 0.0}
    assert c.one_sided is None
    assert "differentiable here" in c.not_differentiable[0]


def test_complex_step_refuses_non_analytic_functions_in_its_row_only():
    c = diffkit.compare("max(x, 0) + abs(x)", at=1.5)
    assert "analytic" in c.result("complex-step").error
    assert c.result("reverse-mode").derivative == {"x": 2.0}


# --- budgets -----------------------------------------------------------------------------


def logistic(depth: int) -> sp.Expr:
    x = sp.Symbol("x", real=True)
    e = x
    for _ in range(depth):
        e = 4 * e * (1 - e)
    return e


def test_symbolic_over_budget_reports_it_and_every_other_method_answers(monkeypatch):
    """SymPy is made to take a minute (not left to the machine's speed or SymPy's warm
    caches): the symbolic row and sympy.diff run over their budgets, the reference
    falls back to high-precision differences, and every other method answers."""
    import diffkit.analysis.reference
    import diffkit.methods.base

    def a_minute(*args, **kwargs):
        time.sleep(60)

    monkeypatch.setattr(diffkit.methods.base, "differentiate", a_minute)
    monkeypatch.setattr(diffkit.analysis.reference.sp, "diff", a_minute)
    monkeypatch.setattr(diffkit.analysis.reference, "_local_partials", a_minute)  # node by node
    limits = diffkit.Limits(symbolic_seconds=0.2)
    started = time.monotonic()
    c = diffkit.compare(logistic(12), at=0.3, limits=limits)
    assert time.monotonic() - started < 30
    assert "budget" in c.result("symbolic").error
    assert c.reference_method == "high-precision differences"
    assert "over its budget" in c.reference_detail
    # the exact derivative at 0.3 by the chain rule in 60-digit arithmetic, independently
    with mpmath.workdps(60):
        v, d = mpmath.mpf(0.3), mpmath.mpf(1)
        for _ in range(12):
            v, d = 4 * v * (1 - v), d * (4 - 8 * v)
        assert c.reference["x"] == pytest.approx(float(d), rel=1e-15)
    for method in ("forward-mode", "reverse-mode", "complex-step"):
        assert c.result(method).rel_error < 1e-9, method


def test_the_parse_budget_stops_slow_parses():
    limits = diffkit.Limits(parse_seconds=1e-6, max_operators=10**6, max_length=10**7)
    if os.name != "posix":
        pytest.skip("the wall-clock budget uses SIGALRM")
    with pytest.raises(diffkit.ParseError, match="budget"):
        diffkit.parse("+".join(f"x{i}" for i in range(1500)), limits)


def test_integer_constants_beyond_64_bits_evaluate_as_floats():
    # found by the fuzz tests: 2**64 once reached numpy as a Python int (object dtype)
    c = diffkit.compare("(2^64)^x", at=0.5)
    with mpmath.workdps(40):
        exact = mpmath.mpf(2) ** 32 * 64 * mpmath.log(2)
    assert c.result("reverse-mode").derivative["x"] == pytest.approx(float(exact), rel=1e-14)


def test_a_method_over_its_budget_says_so_and_the_others_answer():
    text = "+".join(f"sin(x{i})*x{i + 1}" for i in range(150))
    at = {f"x{i}": 0.1 * (i % 7) for i in range(151)}
    c = diffkit.compare(text, at, methods=["fd-richardson", "reverse-mode"],
                        limits=diffkit.Limits(method_seconds=0.2))
    assert "budget" in c.result("fd-richardson").error
    assert c.result("reverse-mode").rel_error < 1e-15
