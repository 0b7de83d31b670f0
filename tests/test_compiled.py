"""The compiled method: derivative programs written from the graph.

Random expression trees (hypothesis) are compiled in both modes and checked against
SymPy's derivative at 50 digits and against reverse mode; ``diffkit codegen`` output
runs in a fresh interpreter that imports only numpy; one call takes arrays of points.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import mpmath
import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import given, settings
from test_random_expressions import expressions, points

import diffkit as dk
from diffkit.cli.main import cli

x, y = sp.symbols("x y", real=True)


def _exact(expr, name, at):
    with mpmath.workdps(50):
        d = sp.diff(expr, sp.Symbol(name, real=True))
        value = d.evalf(50, subs={sp.Symbol(k, real=True): sp.Float(v, 50) for k, v in at.items()})
        return float(sp.Float(value, 50))


@settings(max_examples=120, deadline=None)
@given(expressions, points, points)
def test_compiled_programs_agree_with_sympy_and_reverse_mode(expr, px, py):
    if not expr.free_symbols:
        return
    at = {s.name: (px if s == x else py) for s in expr.free_symbols}
    reverse = dk.gradient(str(expr), at=at)
    for mode in ("reverse", "forward"):
        program = dk.compile(expr, mode=mode)
        got = program(**{program.parameters[n]: at[n] for n in program.parameters})
        for name, value in zip(program.variables, got, strict=True):
            exact = _exact(expr, name, at)
            assert abs(float(value) - exact) <= 1e-12 * max(abs(exact), 1), (mode, name)
            assert abs(float(value) - reverse[name]) <= 1e-12 * max(abs(exact), 1), (mode, name)


def test_one_call_takes_arrays_of_points():
    program = dk.compile("sin(x)*exp(-x**2) + log(1 + x**2)")
    points = np.linspace(-3, 3, 10_001)
    (vectorised,) = program(points)
    assert vectorised.shape == points.shape
    exact = sp.lambdify(x, sp.diff(sp.sin(x) * sp.exp(-x**2) + sp.log(1 + x**2), x))(points)
    np.testing.assert_allclose(vectorised, exact, rtol=1e-13, atol=1e-15)
    # a point at a time gives the same numbers
    assert float(program(points[17])[0]) == vectorised[17]


def test_the_op_count_is_the_lines_the_program_executes():
    program = dk.compile("x1*x2 - sin(x2)")
    assignments = re.findall(r"^    _v\d+ = ", program.source, flags=re.MULTILINE)
    assert program.ops == len(assignments) == 2  # x1 - cos(x2); f itself is dead
    program = dk.compile("log(x1) + x1*x2 - sin(x2)")
    assignments = re.findall(r"^    _v\d+ = ", program.source, flags=re.MULTILINE)
    # 1/x1 + x2 and x1 - cos(x2), the test x1 > 0 and a np.where per component: log(x1)
    # is dead, but where it is undefined the derivative is nan, not 1/x1
    assert program.ops == len(assignments) == 7


@pytest.mark.parametrize(("text", "f", "bad", "good"), [
    ("log(x)", np.log, (-1.0,), (2.0,)), ("log1p(x)", np.log1p, (-3.0,), (0.5,)),
    ("acosh(x)", np.arccosh, (-2.0,), (2.0,)), ("atanh(x)", np.arctanh, (2.0,), (0.5,)),
    ("log2(x) + log10(x)", lambda x: np.log2(x) + np.log10(x), (-4.0,), (4.0,)),
    ("y*log(x)", lambda x, y: y * np.log(x), (-1.0, 2.0), (1.5, 2.0)),
    ("asin(x/3)", lambda x: np.arcsin(x / 3), (4.0,), (1.0,)),
    ("x / (x - 1) + sqrt(x)", lambda x: x / (x - 1) + np.sqrt(x), (-0.5,), (2.0,)),
    ("log(sin(x))", lambda x: np.log(np.sin(x)), (4.0,), (1.0,)),
    # Python floats in, numpy's arithmetic inside: no ZeroDivisionError, no complex power
    ("1/x", lambda x: np.divide(1.0, x), (0.0,), (2.0,)),
    ("x**0.5 + x**y", lambda x, y: np.power(x, 0.5) + np.power(x, y), (-1.0, 2.0), (1.0, 2.5)),
])
def test_where_f_is_undefined_the_program_gives_nan_not_a_derivative(text, f, bad, good):
    # f's own value is dead in the program, and 1/x (log's slope) is finite at -1: the
    # domain of every operation is tested instead, numpy's nan where it fails
    with np.errstate(all="ignore"):
        assert not np.isfinite(f(*bad))
        assert np.isfinite(f(*good))
    for mode in ("reverse", "forward"):
        program = dk.compile(text, mode=mode)
        with np.errstate(all="ignore"):
            assert all(np.isnan(v) for v in program(*bad)), (text, mode)
            assert all(np.isfinite(v) for v in program(*good)), (text, mode)
            row = program(*[np.array([b, g]) for b, g in zip(bad, good, strict=True)])
        assert all(np.isnan(v[0]) and np.isfinite(v[1]) for v in row), (text, mode)


def test_codegen_output_runs_in_a_fresh_interpreter_with_only_numpy(tmp_path):
    result = CliRunner().invoke(cli, ["codegen", "x1*exp(x2) + x2**3", "--mode", "forward"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "gradient.py"
    path.write_text(result.output)
    script = textwrap.dedent(f"""
        import runpy, sys
        names = runpy.run_path({str(path)!r})
        print(*[float(v) for v in names["gradient"](1.0, 2.0)])
        assert not [m for m in sys.modules if m.startswith(("diffkit", "sympy"))]
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    d1, d2 = map(float, done.stdout.split())
    assert d1 == pytest.approx(np.exp(2.0), rel=1e-15)  # e^x2
    assert d2 == pytest.approx(np.exp(2.0) + 12.0, rel=1e-15)  # x1 e^x2 + 3 x2²


def test_python_functions_compile_when_they_trace_to_one_formula():
    program = dk.compile(lambda a, b: a * np.sin(b) + dk.relu(a))
    assert [float(v) for v in program(2.0, 0.5)] == pytest.approx([np.sin(0.5) + 1.0, 2 * np.cos(0.5)])
    arrays = dk.compile(lambda w: np.sum(w ** 2) * w[0], at=np.array([1.0, 2.0]))
    assert arrays.variables == ["w[0]", "w[1]"]
    assert [float(v) for v in arrays(1.0, 2.0)] == pytest.approx([5.0 + 2.0, 4.0])
    with pytest.raises(dk.UnsupportedError, match="branches on a value"):
        dk.compile(lambda a: a if a > 0 else -a)
    with pytest.raises(dk.UnsupportedError, match="no numpy source for erf"):
        dk.compile("erf(x)")


def test_the_compiled_row_of_a_comparison():
    comparison = dk.compare("x1*exp(x2) + x2**3", at="x1=1,x2=2")
    row = comparison.result("compiled")
    assert row.status == "ok"
    assert row.derivative == {"x1": pytest.approx(np.exp(2.0), rel=1e-15),
                              "x2": pytest.approx(np.exp(2.0) + 12.0, rel=1e-15)}
    assert row.extra["compile_seconds"] > 0
    assert row.extra["run_seconds"] > 0
    kink = dk.compare("abs(x)", at=0).result("compiled")
    assert kink.derivative == {"x": 0.0}  # the table's abs'(0) = 0, as reverse mode


def test_a_compiled_program_frees_its_temporaries_as_it_goes():
    """On arrays of points the program deletes a value once no later line reads it:
    f′ of sin(x)e^(−x²) + log(1 + x²) has 15 lines (13 of arithmetic, log's domain
    test and the np.where that puts nan where it fails), but at most 6 arrays of the
    input's size are alive at once (kept to the end, all 15 would be)."""
    import tracemalloc

    x = np.linspace(-3, 3, 100_000)
    program = dk.compile("sin(x)*exp(-x**2) + log(1 + x**2)")
    expected = np.cos(x) * np.exp(-x**2) - 2 * x * np.sin(x) * np.exp(-x**2) + 2 * x / (1 + x**2)
    np.testing.assert_allclose(program(x)[0], expected, rtol=1e-13, atol=1e-15)
    tracemalloc.start()
    try:
        program(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert program.ops == 15
    assert peak <= 6 * x.nbytes


def test_a_program_compiled_from_a_function_of_arrays_is_called_as_f_is():
    # 12 entries (names that sort out of order: x[10] before x[2]) and one f does not read
    weights = np.arange(12.0)
    f = lambda x: np.sum(weights * x ** 2)
    x = np.linspace(0.0, 1.0, 12)
    program = dk.compile(f, at=np.ones(12))
    np.testing.assert_allclose(program(x), 2 * weights * x, rtol=1e-15)  # by hand
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(dk.compile(lambda W: np.sum(W ** 3), at=np.ones((2, 2)))(W), 3 * W ** 2)
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ga, gb = dk.compile(lambda a, b: np.sum(a * b), at=(np.ones(2), np.ones(2)))(a, b)
    np.testing.assert_array_equal(ga, b)
    np.testing.assert_array_equal(gb, a)
    rows = dk.compile(lambda x: [x[0] * x[1], x[0] + x[1]], at=np.ones(2))(np.array([2.0, 3.0]))
    np.testing.assert_array_equal(rows[0], [3.0, 2.0])
    np.testing.assert_array_equal(rows[1], [1.0, 1.0])
    # the comparison's compiled row gives 0 for the entry f's formula does not read
    row = dk.compare(f, x).result("compiled")
    assert row.error is None
    assert row.derivative["x[0]"] == 0.0
    assert row.derivative["x[11]"] == pytest.approx(2 * 11 * x[11], rel=1e-15)


def test_a_program_refuses_what_is_not_its_numbers():
    program = dk.compile("x*y")
    assert program(y=2.0, x=3.0) == (2.0, 3.0)
    np.testing.assert_array_equal(program([1.0, 2.0], 3.0)[1], [1.0, 2.0])  # a list is an array
    for args, kwargs, message in [(("a", 2.0), {}, "real numbers"), ((True, 2.0), {}, "real numbers"),
                                  ((2.0,), {}, "takes 2 value"), ((), {"x": 1.0, "z": 2.0}, "no parameter z")]:
        with pytest.raises(dk.DiffkitError, match=message):
            program(*args, **kwargs)
