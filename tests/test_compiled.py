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
    program = dk.compile("log(x1) + x1*x2 - sin(x2)")
    assignments = re.findall(r"^    _v\d+ = ", program.source, flags=re.MULTILINE)
    assert program.ops == len(assignments) == 4  # 1/x1 + x2 and x1 - cos(x2); f itself is dead


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
    f′ of sin(x)e^(−x²) + log(1 + x²) has 13 lines, but at most 5 arrays of the
    input's size are alive at once (kept to the end, all 13 would be)."""
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
    assert program.ops == 13
    assert peak <= 6 * x.nbytes
