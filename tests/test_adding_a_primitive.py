"""A primitive added through the table's one extension point (``primitives.define``)
works everywhere at once: in expression text, in SymPy input, in Python functions
(``diffkit.<alias>`` and numpy's own ufunc), in every method of a comparison, and in
the table test — with nothing else edited.

The entry is ``deg2rad`` (x·π/180): numpy has it as a ufunc, SymPy does not, so the
entry gets a SymPy head of its own.  Exact values come from SymPy: d/dx sin(deg2rad(x)²)
is cos(·)·2·deg2rad(x)·π/180.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from test_primitive_table import _check_domain, _check_kinks, _check_scalar

import diffkit
from diffkit.methods import METHODS
from diffkit.table.primitives import PRIMITIVES, constant, define, forget

X = 30.0
_x = sp.Symbol("x", real=True)
EXACT = float(sp.diff(sp.sin((_x * sp.pi / 180) ** 2), _x).subs(_x, X))


@pytest.fixture
def deg2rad():
    entry = define(
        "deg2rad",
        impl={"float64": lambda x: x * (np.pi / 180), "mpmath": lambda x: x * mpmath.pi / 180,
              "sympy": lambda x: x * sp.pi / 180},
        partials=[lambda m, x, y: constant(m, sp.pi / 180)],
        text=("deg2rad",), numpy=("deg2rad", "radians"), alias="deg2rad",
        doc="Degrees to radians, elementwise.", source="np.deg2rad({0})")
    yield entry
    forget("deg2rad")


def _every_row_right(comparison) -> None:
    assert comparison.reference == {next(iter(comparison.reference)): pytest.approx(EXACT, rel=1e-14)}
    for row in comparison.results:
        if row.method == "fd-forward" or row.method == "fd-backward":
            tolerance = 1e-6
        else:
            tolerance = 1e-9
        assert row.status == "ok", (row.method, row.error, row.notes)
        (value,) = row.derivative.values()
        assert value == pytest.approx(EXACT, rel=tolerance), row.method


def test_in_expression_text(deg2rad):
    comparison = diffkit.compare("sin(deg2rad(x)**2)", at=X)
    assert [r.method for r in comparison.results] == list(METHODS)
    _every_row_right(comparison)


def test_in_sympy_input(deg2rad):
    head = deg2rad.sympy[0]
    _every_row_right(diffkit.compare(sp.sin(head(_x) ** 2), at=X))


def test_in_python_functions(deg2rad):
    _every_row_right(diffkit.compare(lambda x: diffkit.sin(diffkit.deg2rad(x) ** 2), at=X))
    _every_row_right(diffkit.compare(lambda x: np.sin(np.radians(x) ** 2), at=X))
    assert float(diffkit.derivative(lambda x: np.sin(np.deg2rad(x) ** 2), X)) == pytest.approx(
        EXACT, rel=1e-14)
    grad = diffkit.gradient(lambda v: np.sum(np.deg2rad(v)), np.array([1.0, 2.0]))
    assert np.allclose(grad, np.pi / 180, rtol=1e-15)


def test_in_the_table_test(deg2rad):
    assert _check_scalar(deg2rad) >= 1
    _check_domain(deg2rad)
    _check_kinks(deg2rad)


def test_a_wrong_rule_is_caught_by_the_table_test(deg2rad):
    wrong = define("deg2rad", impl=deg2rad.impl, partials=[lambda m, x, y: constant(m, sp.pi / 181)],
                   text=("deg2rad",))
    with pytest.raises(AssertionError, match="deg2rad"):
        _check_scalar(wrong)


def test_forgotten_it_is_unknown_again():
    assert "deg2rad" not in PRIMITIVES
    with pytest.raises(diffkit.ParseError, match="unknown function 'deg2rad'"):
        diffkit.parse("deg2rad(x)")
    with pytest.raises(AttributeError):
        diffkit.deg2rad  # noqa: B018


def test_a_bug_inside_diffkit_while_f_runs_is_an_internal_error_not_fs_fault():
    """A table entry whose rule names a backend operation that does not exist: the
    Python function is fine, so no row may say "f raised"; each says internal error."""
    define("broken", impl={"float64": np.sin, "mpmath": mpmath.sin, "sympy": sp.sin},
           partials=[lambda m, x, y: m.no_such_operation(x)], alias="broken", text=("broken",))
    try:
        comparison = diffkit.compare(lambda x: diffkit.broken(x) * 2.0, at=0.5,
                                     methods=["forward-mode", "reverse-mode"])
        for row in comparison.results:
            assert row.status == "failed"
            assert "f raised" not in row.error, row.error
            assert "internal error" in row.error, row.error
        with pytest.raises(AttributeError, match="no_such_operation"):
            diffkit.gradient(lambda x: diffkit.broken(x), 0.5)
        # while a mistake in f itself is still f's
        with pytest.raises(diffkit.EvaluationError, match="f raised AttributeError"):
            diffkit.gradient(lambda x: x.no_such_method(), 0.5)
    finally:
        forget("broken")
