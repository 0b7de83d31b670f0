"""Removable singularities: where f is 0/0 but has a continuous extension.

``sin(x)/x`` cannot be evaluated at 0 — every method fails there, and rightly: f is
0/0.  But a calculus student expects f′(0) = 0, the derivative of the continuous
extension (sin(x)/x with f(0) = 1).  When f of one variable cannot be evaluated at
the point, SymPy's ``limit`` is asked, within a time budget, for the two-sided limits
of f and of f′ there; when both are finite, the comparison reports them as the
extension's value and derivative (the reference), and every row still says that f
itself is 0/0 at the point.

Only where f as written is undefined at the point (also in 30-digit arithmetic: an
overflow is not a singularity) and defined on both sides of it (``sqrt(x)/sqrt(x)`` at
0 has no left side).

>>> from diffkit.methods.base import Problem
>>> continuous_extension(Problem.of_text("sin(x)/x", 0), seconds=5)
Extension(value=1.0, derivative=0.0, text_value='1', text_derivative='0')
>>> continuous_extension(Problem.of_text("x/x", 0), seconds=5)   # SymPy wrote it as 1
Extension(value=1.0, derivative=0.0, text_value='1', text_derivative='0')
>>> continuous_extension(Problem.of_text("1/x", 0), seconds=5) is None   # a pole
True
>>> continuous_extension(Problem.of_text("exp(x)", 1000), seconds=5) is None   # overflow
True
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import mpmath
import sympy as sp

from diffkit.methods.base import Problem
from diffkit.support.budget import time_budget
from diffkit.support.errors import DiffkitError
from diffkit.table.backends import MPMATH, NUMPY

#: the method the reference names when it is the extension's derivative
SYMPY_LIMIT = "sympy.limit (continuous extension)"


class Extension(NamedTuple):
    """The continuous extension at the point: its value and derivative (floats and
    SymPy's exact text)."""

    value: float
    derivative: float
    text_value: str
    text_derivative: str


def continuous_extension(problem: Problem, seconds: float) -> Extension | None:
    """The limits of f and f′ at the point of a problem of one variable (from both
    sides) when f is undefined there but not around it, and both limits are finite
    real numbers; None otherwise, or when SymPy cannot tell within ``seconds``."""
    if len(problem.point) != 1 or len(problem.expressions) != 1:
        return None
    (name, at), = problem.point.items()
    expr = problem.expressions[0]
    symbols = [s for s in expr.free_symbols if s.name == name]
    if len(symbols) > 1 or len(expr.free_symbols) > len(symbols):
        return None
    step = 1e-6 * max(1.0, abs(at))
    with mpmath.workdps(30):  # undefined here, exactly: not a float64 overflow
        here = _undefined(problem, {name: mpmath.mpf(at)}, MPMATH)
    if not here or any(_undefined(problem, {name: at + side}, NUMPY) for side in (-step, step)):
        return None
    x = symbols[0] if symbols else sp.Symbol(name, real=True)
    point = sp.Rational(at)  # the float64 point, exactly
    try:
        with time_budget(seconds, "the continuous extension's limits"):
            value = sp.limit(expr, x, point, dir="+-")
            if not _finite(value):
                return None
            slope = sp.limit(sp.diff(expr, x), x, point, dir="+-")
            if not _finite(slope):
                return None
            extension = Extension(float(value), float(slope), str(value), str(slope))
            if not (math.isfinite(extension.value) and math.isfinite(extension.derivative)):
                return None
            return extension
    except (DiffkitError, NotImplementedError, ValueError, TypeError, ArithmeticError,
            RecursionError):
        return None


def _undefined(problem: Problem, point: dict[str, Any], m: Any) -> bool:
    """Whether f as written (its domain guards included) cannot be evaluated at
    ``point`` with backend ``m``."""
    try:
        problem.run(point, m)
    except (DiffkitError, ZeroDivisionError, ValueError, ArithmeticError):
        return True
    return False


def _finite(v: sp.Expr) -> bool:
    return bool(v.is_real) and bool(v.is_finite)
