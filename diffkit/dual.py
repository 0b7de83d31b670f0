"""Dual numbers ``a + b·ε`` with ``ε² = 0``: forward-mode differentiation by arithmetic.

``f(Dual(x, 1)).tangent`` is ``f'(x)``: every operation carries the derivative along
by the chain rule.  The rules come from the primitive table (``primitives.py``), the
same rules reverse mode uses.  Both parts may be numpy arrays, and numpy's functions
work on Duals:

>>> import numpy as np
>>> y = Dual(2.0, 1.0) ** 3 + np.sin(Dual(0.0, 1.0))
>>> y.primal, y.tangent
(np.float64(8.0), np.float64(13.0))
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import numpy as np

from .backends import NUMPY
from .primitives import PRIMITIVES, ZERO, Primitive, scale


class Dual:
    """A number with a primal value and a tangent (the derivative it carries)."""

    __slots__ = ("primal", "tangent")
    __array_priority__ = 100  # numpy defers to Dual's operators

    def __init__(self, primal: Any, tangent: Any = 0.0) -> None:
        self.primal = primal
        self.tangent = tangent

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"

    # arithmetic: each operator is one primitive of the table
    def __add__(self, other): return _apply("add", self, other)
    def __radd__(self, other): return _apply("add", other, self)
    def __sub__(self, other): return _apply("sub", self, other)
    def __rsub__(self, other): return _apply("sub", other, self)
    def __mul__(self, other): return _apply("mul", self, other)
    def __rmul__(self, other): return _apply("mul", other, self)
    def __truediv__(self, other): return _apply("div", self, other)
    def __rtruediv__(self, other): return _apply("div", other, self)
    def __neg__(self): return _apply("neg", self)
    def __pos__(self): return self
    def __abs__(self): return _apply("abs", self)

    def __pow__(self, exponent):
        if isinstance(exponent, int | np.integer) and not isinstance(exponent, bool):
            n = int(exponent)
            if n < 0:
                return _apply("div", 1.0, self ** (-n))
            if n == 0:
                return Dual(np.ones_like(self.primal) * 1.0, np.zeros_like(self.tangent) * 1.0)
            if n == 1:
                return self
            return _apply("square", self) if n == 2 else _apply("powi", self, n)
        return _apply("pow", self, exponent)

    def __rpow__(self, base): return _apply("pow", base, self)

    # comparisons look at the primal value (control flow in user code)
    def __lt__(self, other): return self.primal < _primal(other)
    def __le__(self, other): return self.primal <= _primal(other)
    def __gt__(self, other): return self.primal > _primal(other)
    def __ge__(self, other): return self.primal >= _primal(other)

    # elementary functions as methods, so np.sin(Dual) works too
    def sqrt(self): return _apply("sqrt", self)
    def exp(self): return _apply("exp", self)
    def log(self): return _apply("log", self)
    def sin(self): return _apply("sin", self)
    def cos(self): return _apply("cos", self)
    def tan(self): return _apply("tan", self)
    def arcsin(self): return _apply("asin", self)
    def arccos(self): return _apply("acos", self)
    def arctan(self): return _apply("atan", self)
    def sinh(self): return _apply("sinh", self)
    def cosh(self): return _apply("cosh", self)
    def tanh(self): return _apply("tanh", self)
    def arcsinh(self): return _apply("asinh", self)
    def arccosh(self): return _apply("acosh", self)
    def arctanh(self): return _apply("atanh", self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _UFUNCS.get(ufunc.__name__)
        if method != "__call__" or kwargs or name is None:
            return NotImplemented
        if name == "pow":
            return inputs[0] ** inputs[1] if isinstance(inputs[0], Dual) else Dual.__rpow__(inputs[1], inputs[0])
        if name == "heaviside":  # np.heaviside(x, 1/2): the table's Heaviside(0) = 1/2
            return _apply(name, inputs[0])
        return _apply(name, *inputs)


_UFUNCS = {
    "add": "add", "subtract": "sub", "multiply": "mul", "divide": "div",
    "true_divide": "div", "negative": "neg", "square": "square", "power": "pow",
    "sqrt": "sqrt", "exp": "exp", "log": "log", "sin": "sin", "cos": "cos",
    "tan": "tan", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "asinh",
    "arccosh": "acosh", "arctanh": "atanh", "absolute": "abs", "sign": "sign",
    "maximum": "max", "minimum": "min", "heaviside": "heaviside",
}


def _primal(v: Any) -> Any:
    return v.primal if isinstance(v, Dual) else v


#: the backend Dual arithmetic runs on: numpy, unless an interpreter that counts ops
#: (forward mode on nested duals) installs its counting backend with ``arithmetic``
_BACKEND: contextvars.ContextVar[Any] = contextvars.ContextVar("dual_backend", default=NUMPY)


@contextlib.contextmanager
def arithmetic(backend: Any) -> Iterator[None]:
    """Run Dual arithmetic (the parts of nested duals included) on ``backend``."""
    token = _BACKEND.set(backend)
    try:
        yield
    finally:
        _BACKEND.reset(token)


def _apply(name: str, *args: Any) -> Dual:
    return apply(PRIMITIVES[name], _BACKEND.get(), args)


def apply(prim: Primitive, m: Any, args: Any) -> Any:
    """Apply a primitive with backend ``m``; Dual arguments carry their tangents.

    This is the whole of forward mode: the primal is the primitive's value, the tangent
    ``Σ ∂y/∂xᵢ · ẋᵢ`` over the arguments that are Duals, each partial from the table.
    """
    if not any(isinstance(a, Dual) for a in args):
        return prim.value(m, *args)
    primals = [a.primal if isinstance(a, Dual) else a for a in args]
    y = prim.value(m, *primals)
    tangent = None
    for rule, arg in zip(prim.partials, args, strict=True):
        if not isinstance(arg, Dual):
            continue
        partial = rule(m, *primals, y)
        if partial is ZERO:
            continue
        term = scale(m, partial, arg.tangent)
        tangent = term if tangent is None else m.add(tangent, term)
    return Dual(y, 0.0 if tangent is None else tangent)
