"""The scalar paths: a Python f of plain floats, differentiated without numpy.

``gradient`` records a scalar f on a tape that takes each operation's partials as
numbers while it records (``Tape.local``), and ``derivative`` pushes dual numbers of
Python floats; both compute on the ``FLOAT`` backend (``math``, operators), which
hands a domain error or an overflow to numpy so that a nan or an inf is the one
numpy gives.  Checked here against SymPy's derivatives at 30 digits, against numpy
at hostile points, and for what the user sees when the value is not finite.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

import diffkit as dk
from diffkit.inputs.arguments import Arguments
from diffkit.ir.recording import record_run
from diffkit.support.errors import DiffkitError, EvaluationError
from diffkit.support.limits import Limits
from diffkit.table.backends import FLOAT, NUMPY
from diffkit.table.primitives import PRIMITIVES

X = sp.Symbol("x", real=True)

#: (a Python f, the same f in SymPy, points inside its domain)
FUNCTIONS = [
    (lambda x: 4 * x ** 3 + x ** 2 + 3, 4 * X**3 + X**2 + 3, (2.0, -1.3, 0.0)),
    (lambda x: np.sin(x) * np.exp(-x ** 2) + np.log(1 + x ** 2),
     sp.sin(X) * sp.exp(-X**2) + sp.log(1 + X**2), (0.3, -2.1, 1.7)),
    (lambda x: np.sqrt(x) / (1.0 + np.tanh(x)) - x ** 0.5 * np.arctan(x),
     sp.sqrt(X) / (1 + sp.tanh(X)) - X**sp.Rational(1, 2) * sp.atan(X), (0.4, 2.5)),
    (lambda x: np.arcsin(x / 2) ** 3 + np.arccos(x / 3) - np.arctanh(x / 4),
     sp.asin(X / 2)**3 + sp.acos(X / 3) - sp.atanh(X / 4), (0.5, -1.1)),
    (lambda x: np.log1p(x * x) * np.expm1(x) + np.log2(3 + x) - np.log10(5 + x) / x,
     sp.log(1 + X**2) * (sp.exp(X) - 1) + sp.log(3 + X, 2) - sp.log(5 + X, 10) / X, (0.7, -1.9)),
    (lambda x: np.hypot(x, 2.0 * x + 1) + np.arctan2(x, 1.5 - x) + np.exp2(x) * np.cosh(x),
     sp.sqrt(X**2 + (2 * X + 1)**2) + sp.atan2(X, sp.Rational(3, 2) - X) + 2**X * sp.cosh(X),
     (0.2, -0.8)),
    (lambda x: dk.erf(x) * np.sinh(x) - np.arcsinh(x) + np.arccosh(2 + x * x) + abs(x - 3),
     sp.erf(X) * sp.sinh(X) - sp.asinh(X) + sp.acosh(2 + X**2) + sp.Abs(X - 3), (0.6, -1.4)),
    (lambda x: (x ** 2 - 1) / (x ** 4 + 1) - 1.0 / x + np.tan(x) ** 5 - (-x) ** 3,
     (X**2 - 1) / (X**4 + 1) - 1 / X + sp.tan(X)**5 - (-X)**3, (0.9, -0.35)),
]


def _exact(expr: sp.Expr, x: float, order: int = 1) -> float:
    return float(sp.diff(expr, X, order).subs(X, sp.Float(x, 40)).evalf(30))


@pytest.mark.parametrize("case", range(len(FUNCTIONS)))
def test_scalar_gradients_and_derivatives_match_sympy(case):
    f, expr, points = FUNCTIONS[case]
    for x in points:
        exact = _exact(expr, x)
        assert dk.gradient(f, x) == pytest.approx(exact, rel=1e-13, abs=1e-14), (case, x)
        assert dk.derivative(f, x) == pytest.approx(exact, rel=1e-13, abs=1e-14), (case, x)
        for order in (2, 3):
            assert dk.derivative(f, x, order=order) == pytest.approx(
                _exact(expr, x, order), rel=1e-11, abs=1e-12), (case, x, order)


@pytest.mark.parametrize("case", range(len(FUNCTIONS)))
def test_a_scalar_f_is_recorded_with_its_partials_as_numbers(case):
    """Every operation of these f takes the float path: partials as numbers, nothing
    left for the rules in the sweep (so nothing reaches numpy)."""
    f, _, points = FUNCTIONS[case]
    args = Arguments.of(f, points[0])
    tape, _, out = record_run(f, args)
    ops = [i for i, n in enumerate(tape.nodes) if n.op not in ("var", "const")]
    assert ops
    assert tape.general == 0
    assert sorted(tape.local) == ops
    assert type(out.value) is float


def test_floats_and_arrays_mix_on_one_tape():
    """A scalar f that makes an array on the way: the float operations keep their
    numbers, the array ones take the rules, and the sweep joins them."""
    f = lambda x: np.sum((x * np.array([1.0, 2.0, 3.0])) ** 2) * np.sin(x) + x ** 3
    x = 0.7
    exact = 14 * (2 * x * math.sin(x) + x * x * math.cos(x)) + 3 * x * x
    assert dk.gradient(f, x) == pytest.approx(exact, rel=1e-14)
    args = Arguments.of(f, x)
    tape, _, _ = record_run(f, args)
    assert tape.local
    assert tape.general


def test_nested_gradients_of_a_scalar_f():
    """The inner gradient records on outer values (not floats): the general way."""
    d2 = dk.gradient(lambda x: dk.gradient(lambda y: y ** 3 * np.sin(y), x), 1.2)
    exact = _exact(X**3 * sp.sin(X), 1.2, 2)
    assert d2 == pytest.approx(exact, rel=1e-13)
    assert dk.derivative(lambda x: dk.gradient(lambda y: y ** 4, x), 2.0) == pytest.approx(48.0)


HOSTILE = (0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, 710.0, -745.5, 1e308, -1e308, 5e-324,
           math.inf, -math.inf, math.nan)


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items() if "float" in p.impl))
def test_on_python_floats_every_entry_gives_numpys_number(name):
    """Where ``math`` refuses (log(−1), exp(1000), 1/0), numpy's nan or inf answers; and
    elsewhere the two agree to a few units in the last place.  No warning escapes."""
    prim = PRIMITIVES[name]
    points = HOSTILE if prim.arity == 1 else HOSTILE[:10]
    for args in itertools.product(points, repeat=prim.arity):
        if prim.constants:  # powi: an integer exponent
            args = (args[0], 3) if prim.arity == 2 else args
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ours = prim.value(FLOAT, *args)
        assert type(ours) is float, (name, args, type(ours))  # what follows stays off numpy
        with np.errstate(all="ignore"):
            theirs = prim.value(NUMPY, *args)
        if math.isnan(theirs) or math.isinf(theirs):
            assert (math.isnan(ours) and math.isnan(theirs)) or ours == theirs, (name, args, ours)
        else:
            assert ours == pytest.approx(float(theirs), rel=4e-16, abs=1e-300), (name, args)


def test_what_a_user_sees_where_the_scalar_f_is_not_finite():
    cases = [
        (lambda x: np.log(x), -1.0, "f is not finite: log is undefined here"),
        (lambda x: 1 / x, 0.0, "f is not finite: div is undefined here"),
        (lambda x: np.exp(x) * 2.0, 800.0, "f is not finite: exp overflows"),
        (lambda x: x ** 0.5, -1.0, "f is not finite: pow is undefined here"),
        (lambda x: np.sqrt(x), 0.0, "the gradient is not finite: the slope of sqrt is infinite at 0"),
        (lambda x: np.arcsin(x), 1.0, "the gradient is not finite: the slope of asin is infinite"),
        (lambda x: np.exp(-1 / x ** 2), 0.0, "the gradient is not finite: div is undefined here"),
        # numpy's -inf for log(0) meets 0.0 * -inf: Python floats, no warning on the way
        (lambda x: 0.0 ** x, 2.0, "the gradient is not finite: a**b is not differentiable at a = 0"),
    ]
    for f, x, message in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no RuntimeWarning from numpy on the way
            with pytest.raises(EvaluationError, match=re.escape(message)):
                dk.gradient(f, x)


def test_an_array_gradient_whose_slope_is_infinite_says_where():
    with pytest.raises(EvaluationError, match="the slope of sqrt is infinite at 0"):
        dk.gradient(lambda x: np.sum(np.sqrt(x)), np.array([0.0, 1.0]))


def test_the_float_path_keeps_float64_semantics_for_integers_and_big_numbers():
    # a Python int exponent and int constants keep exact float results
    assert dk.gradient(lambda x: 3 * x ** 4 - 2 * x, 1.5) == pytest.approx(12 * 1.5 ** 3 - 2)
    # an overflow of x**n is numpy's inf (Python would raise OverflowError)
    with pytest.raises(EvaluationError, match="not finite"):
        dk.gradient(lambda x: x ** 400, 10.0)
    # a power of a negative base: nan as numpy gives (Python would give a complex number)
    with np.errstate(invalid="ignore"):
        assert math.isnan(FLOAT.pow(-8.0, 1 / 3))
        assert math.isnan(float(np.power(-8.0, 1 / 3)))
    with mpmath.workdps(30):
        exact = float(mpmath.diff(lambda t: mpmath.cbrt(t) * t, 8))
    assert dk.derivative(lambda x: np.cbrt(x) * x, 8.0) == pytest.approx(exact, rel=1e-14)


def test_a_run_that_writes_too_much_on_the_tape_is_refused_by_its_limit():
    """A long scalar loop is fast on the float path; what bounds its memory is the
    tape's named limit, not the clock."""

    def long_run(x):
        for _ in range(400):
            x = x * 1.001 + 0.5
        return x

    small = Limits(max_tape_entries=500)
    with pytest.raises(DiffkitError, match=r"Limits\.max_tape_entries"):
        dk.compare(long_run, at=0.3, methods=["reverse-mode"], limits=small)
    args = Arguments.of(long_run, 0.3)
    with pytest.raises(DiffkitError, match="more than 500 operations"):
        record_run(long_run, args, limits=small)
    assert record_run(long_run, args)[2].value == pytest.approx(long_run(0.3))  # the default fits
