"""The arithmetic every primitive is written against: one namespace per number type,
generated from the table.

A backend has one function per primitive name (``add``, ``sin``, ...) — the table
entry's ``impl`` for its number type — plus ``const`` (turn an exact SymPy constant
into the backend's number type).  The
primitive table calls ``m.sin(x)`` and never cares whether ``x`` is a float, a complex
number, a numpy array or an mpmath number: that is what lets one table drive the
plain evaluator, the complex step, forward and reverse mode and the 50-digit reference.

>>> float(NUMPY.log1p(1.0)), MPMATH.log1p(1).__class__.__name__
(0.6931471805599453, 'mpf')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from diffkit.support.errors import UnsupportedError
from diffkit.table import (  # noqa: F401  (the whole table)
    arrays,
    learning,
    linalg,
    reductions,
    scalar,
)
from diffkit.table.primitives import PRIMITIVES, version


class Backend:
    """One number type's namespace: ``m.sin`` is the table entry's ``impl[name]``,
    adapted once (and cached until the table changes) by ``adapt(name, fn, entry)``."""

    def __init__(self, name: str, const: Callable[[Any], Any],
                 adapt: Callable[[str, Callable[..., Any], Any], Callable[..., Any]],
                 fallback: str | None = None, **extra: Callable[..., Any]) -> None:
        self.name = name
        self.const = const
        self._adapt = adapt
        self._fallback = fallback  # the number type whose impl serves an entry without one
        self._extra = extra
        self._version = -1

    def __getattr__(self, op: str) -> Callable[..., Any]:
        if op.startswith("_"):
            raise AttributeError(op)
        if self._version != version():  # the table changed: drop what was cached
            for cached in [k for k in self.__dict__ if not k.startswith("_")
                           and k not in ("name", "const")]:
                del self.__dict__[cached]
            self.__dict__["_version"] = version()
        if op in self._extra:
            fn = self._extra[op]
        else:
            entry = PRIMITIVES.get(op)
            if entry is None:
                raise AttributeError(f"the {self.name} backend has no operation {op!r}")
            fn = entry.impl.get(self.name) or entry.impl.get(self._fallback)
            # no impl for this number type: e.g. eigenvectors on SymPy symbols
            fn = _missing(op, self.name) if fn is None else self._adapt(op, fn, entry)
        self.__dict__[op] = fn
        return fn


def _missing(op: str, backend: str) -> Callable[..., Any]:
    def refuse(*args: Any) -> Any:
        raise UnsupportedError(f"{op} has no {backend} form in diffkit yet")
    return refuse


def lifted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` for plain numbers and arrays; a value that differentiates itself (a Dual,
    a recorded value) gets the primitive applied through the table instead, so rules
    written with ``m.sum``, ``m.sigmoid``, … compose (forward over reverse)."""

    def op(*args: Any) -> Any:
        for a in args:
            apply = getattr(a, "_diffkit_apply", None)
            if apply is not None:
                return apply(name, args)
        return fn(*args)

    op.__name__ = name
    return op


def _numpy_adapt(name: str, fn: Callable[..., Any], entry: Any) -> Callable[..., Any]:
    # numpy's protocol hands a ufunc (np.sin, np.matmul) to a differentiating value's
    # __array_ufunc__; every other function needs lifting
    return fn if isinstance(fn, np.ufunc) else lifted(name, fn)


def _np_const(value: sp.Expr) -> float:
    # always a float: a Python int such as 2**64 would make numpy fall back to objects
    if not isinstance(value, sp.Basic):  # a constant a Python function recorded
        return value.value
    return float(value)


NUMPY = Backend("float64", _np_const, _numpy_adapt)
"""float64, complex128 and numpy arrays of either (elementwise)."""


def _float_adapt(name: str, fn: Callable[..., Any], entry: Any) -> Callable[..., Any]:
    on_arrays = _numpy_adapt(name, entry.impl["float64"], entry)
    if fn is entry.impl["float64"]:  # no Python-float impl: numpy's, on the numbers
        return on_arrays

    def op(*args: Any) -> Any:
        try:
            return fn(*args)
        except (ArithmeticError, ValueError):  # math.log(-1.0), 1.0 / 0.0, math.exp(1e3)
            with np.errstate(all="ignore"):
                y = on_arrays(*args)  # numpy's answer: nan or inf, as on arrays
            # as a Python float, so that what follows stays off numpy (and its warnings)
            return float(y) if type(y) is np.float64 else y

    op.__name__ = name
    return op


FLOAT = Backend("float", _np_const, _float_adapt, fallback="float64")
"""Python floats, fast: an entry's ``"float"`` impl (``operator.mul``, ``math.sin``)
where it has one, numpy's otherwise.  Where the Python function refuses (a domain
error, an overflow, a division by zero) numpy's value answers instead, so a number
here is the number numpy gives on an array of one entry: nan and inf included.
Only plain floats reach it (the reverse tape's and dual numbers' scalar paths)."""


def _elementwise(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A scalar function (mpmath's, SymPy's) applied to each entry of an object array."""
    ufunc = None

    def op(*args: Any) -> Any:
        nonlocal ufunc
        if any(isinstance(a, np.ndarray) for a in args):
            ufunc = ufunc or np.frompyfunc(fn, len(args), 1)
            return ufunc(*args)
        return fn(*args)

    return op


def _objects_adapt(name: str, fn: Callable[..., Any], entry: Any) -> Callable[..., Any]:
    return _elementwise(fn) if entry.elementwise else fn


def _mp_const(value: sp.Expr) -> mpmath.mpf:
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    return mpmath.mpf(sp.Float(value.evalf(mpmath.mp.dps + 10), mpmath.mp.dps + 10))


MPMATH = Backend("mpmath", _mp_const, _objects_adapt)
"""Arbitrary precision at ``mpmath.mp.dps`` digits (the reference); object arrays of
mpmath numbers entry by entry, numpy for the rest."""


def _exact(v: Any) -> Any:
    """Python numbers become exact SymPy numbers (0.5 → 1/2): the partial rules are
    written with float literals, and a SymPy derivative should not show 1.0/x."""
    if isinstance(v, float):
        return sp.Rational(v)
    if isinstance(v, int):
        return sp.Integer(v)
    return v


def _symbolic_adapt(name: str, fn: Callable[..., Any], entry: Any) -> Callable[..., Any]:
    if not entry.elementwise:
        return fn

    def exact(*args: Any) -> Any:
        return fn(*[_exact(a) for a in args])

    return _elementwise(exact)


SYMPY = Backend("sympy", lambda value: value, _symbolic_adapt)
"""SymPy expressions: the graph run on symbols builds formulas (symbolic
differentiation on diffkit's own shared graph)."""
