"""The grader cannot share a bug with the graded: a wrong rule planted in the table.

Symbolic differentiation, forward mode and reverse mode all read the primitive
table's partials.  If the reference read them too, a wrong rule would make all four
agree and the correct difference rows look wrong.  Here sin' = sin is planted for the
duration of one test: the reference (``sympy.diff``, or high-precision differences)
stays right, the three table-driven rows are marked wrong, the difference rows right,
and the table test itself names the broken entry.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from test_primitive_table import _check_scalar

import diffkit
from diffkit.analysis.reference import REFERENCE_METHODS
from diffkit.table.primitives import PRIMITIVES

TABLE_DRIVEN = ("symbolic", "forward-mode", "reverse-mode")
VALUES_ONLY = ("fd-forward", "fd-backward", "fd-central", "fd-richardson", "fd-extended",
               "complex-step")


@pytest.fixture
def sin_prime_is_sin(monkeypatch):
    wrong = dataclasses.replace(PRIMITIVES["sin"], partials=(lambda m, x, y: m.sin(x),))
    monkeypatch.setitem(PRIMITIVES, "sin", wrong)
    return wrong


def _assert_graded_honestly(c, exact: float) -> None:
    assert c.reference_method in REFERENCE_METHODS
    assert c.reference["x"] == pytest.approx(exact, rel=1e-15)
    for method in TABLE_DRIVEN:
        r = c.result(method)
        assert r.error is None, (method, r.error)
        assert r.rel_error > 0.1, (method, r.rel_error)  # marked wrong
    for method in VALUES_ONLY:
        assert c.result(method).rel_error < 1e-6, method  # marked right


def test_a_planted_wrong_rule_is_caught_for_an_expression(sin_prime_is_sin):
    c = diffkit.compare("sin(x)", at=1)
    assert c.reference_method == "sympy.diff"
    _assert_graded_honestly(c, math.cos(1))
    # what the old reference (diffkit's own symbolic graph) would have said: sin(1),
    # under which the three wrong rows would have scored ~1e-16
    assert c.result("symbolic").derivative["x"] == pytest.approx(math.sin(1), rel=1e-15)


def test_a_planted_wrong_rule_is_caught_for_a_python_function(sin_prime_is_sin):
    def f(x):
        return diffkit.sin(x) * 2 if x > 0 else x  # a branch: no formula, so differences

    c = diffkit.compare(f, at=1.0)
    assert c.reference_method == "high-precision differences"
    assert c.reference["x"] == pytest.approx(2 * math.cos(1), rel=1e-15)
    for method in ("forward-mode", "reverse-mode"):
        assert c.result(method).rel_error > 0.1, method
    for method in VALUES_ONLY:
        assert c.result(method).rel_error < 1e-6, method


def test_a_planted_wrong_rule_is_caught_in_a_wide_formula(sin_prime_is_sin):
    """Over SYMPY_DIFF_MAX_WORK the reference goes node by node: SymPy's rules for
    each node's head, still not the table's."""
    names = [f"x{k}" for k in range(500)]
    text = " + ".join(f"sin({n})" for n in names)
    at = dict.fromkeys(names, 1.0)
    c = diffkit.compare(text, at=at, methods=["reverse-mode", "fd-central"])
    assert c.reference_method == "sympy.diff node by node"
    assert all(v == pytest.approx(math.cos(1), rel=1e-15) for v in c.reference.values())
    assert c.result("reverse-mode").rel_error > 0.1
    assert c.result("fd-central").rel_error < 1e-6


def test_the_table_test_names_the_planted_rule(sin_prime_is_sin):
    with pytest.raises(AssertionError, match="sin"):
        _check_scalar(PRIMITIVES["sin"])


def test_higher_orders_and_hessians_are_graded_independently_too(sin_prime_is_sin):
    c = diffkit.compare("sin(x)", at=0.7, order=2, methods=["symbolic", "fd-central"])
    assert c.reference["x"] == pytest.approx(-math.sin(0.7), rel=1e-14)
    h = diffkit.compare("sin(x)*y", at="x=0.7,y=2", hessian=True,
                        methods=["reverse-mode", "fd-central"])
    assert np.allclose(h.reference_hessian, [[-2 * math.sin(0.7), math.cos(0.7)],
                                             [math.cos(0.7), 0.0]], rtol=1e-14)
    assert h.result("reverse-mode").rel_error > 0.1
    assert h.result("fd-central").rel_error < 1e-5


def test_the_reference_never_names_a_method_that_reads_the_table():
    cases = [("sin(x)*exp(y)", {"x": 0.3, "y": 1.2}), ("abs(x)**3", 0.0)]
    for text, at in cases:
        c = diffkit.compare(text, at=at)
        assert c.reference_method in REFERENCE_METHODS
        assert c.reference_method not in diffkit.METHODS
