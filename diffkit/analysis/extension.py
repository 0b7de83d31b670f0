"""Removable singularities: where f is 0/0 but has a continuous extension.

``sin(x)/x`` cannot be evaluated at 0 — every method fails there, and rightly: f is
0/0.  But a calculus student expects f′(0) = 0, the derivative of the continuous
extension (sin(x)/x with f(0) = 1).  When f of one variable cannot be evaluated at
the point, SymPy's ``limit`` is asked, within a time budget, for the two-sided limits
of f and of f′ there; when both are finite, the comparison reports them as the
extension's value and derivative (the reference), and every row still says that f
itself is 0/0 at the point.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> continuous_extension(sp.sin(x) / x, "x", 0.0, seconds=5)
Extension(value=1.0, derivative=0.0, text_value='1', text_derivative='0')
>>> continuous_extension(1 / x, "x", 0.0, seconds=5) is None   # a pole, not removable
True
>>> continuous_extension(sp.exp(x), "x", 1000.0, seconds=5) is None   # defined: overflow
True
"""

from __future__ import annotations

import math
from typing import NamedTuple

import sympy as sp

from diffkit.support.budget import time_budget
from diffkit.support.errors import DiffkitError

#: the method the reference names when it is the extension's derivative
SYMPY_LIMIT = "sympy.limit (continuous extension)"


class Extension(NamedTuple):
    """The continuous extension at the point: its value and derivative (floats and
    SymPy's exact text)."""

    value: float
    derivative: float
    text_value: str
    text_derivative: str


def continuous_extension(expr: sp.Expr, name: str, at: float, seconds: float) -> Extension | None:
    """The limits of f and f′ at ``at`` (from both sides) when both are finite real
    numbers; None when they are not, or when SymPy cannot tell within ``seconds``."""
    symbols = [s for s in expr.free_symbols if s.name == name]
    if len(symbols) != 1 or len(expr.free_symbols) != 1:
        return None
    x = symbols[0]
    point = sp.Rational(at)  # the float64 point, exactly
    try:
        with time_budget(seconds, "the continuous extension's limits"):
            if expr.subs(x, point).is_finite:  # defined there: a float64 problem, not 0/0
                return None
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


def _finite(v: sp.Expr) -> bool:
    return bool(v.is_real) and bool(v.is_finite)
