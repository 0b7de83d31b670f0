"""numpy's ufuncs that are not one primitive of the table: ``np.reciprocal`` (a
division), ``np.degrees`` (a product), ``fmax``/``fmin`` (a maximum that ignores NaN),
a ufunc called with keywords, and the ufunc methods (``np.add.reduce``,
``np.multiply.outer``, …).  Looked up by ``Differentiable.__array_ufunc__`` in
``UFUNC_RULES`` by (ufunc name, method); a ufunc without a rule is refused by name.

>>> import numpy as np
>>> from diffkit.analysis.autodiff import gradient
>>> gradient(lambda x: np.sum(np.fmax(x, np.array([np.nan, 1.0]))), np.array([0.5, 3.0]))
array([1., 1.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from diffkit.values.numpy_api import _refuse, in_float64, not_on_complex, value
from diffkit.values.overloading import (
    UFUNC_RULES,
    call,
    numpy_names,
    power,
    primal_value,
)


def _ufunc(names: str, method: str = "__call__"):
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in names.split():
            UFUNC_RULES[name, method] = fn
        return fn
    return register


@_ufunc("reciprocal")
def _reciprocal(ufunc, x, **kw):
    _no_keywords(ufunc, kw)
    return call("div", 1.0, x)


@_ufunc("positive conjugate conj")
def _identity(ufunc, x, **kw):
    _no_keywords(ufunc, kw)
    if ufunc.__name__ != "positive":
        not_on_complex(x, ufunc.__name__)
    return x


@_ufunc("deg2rad radians")
def _radians(ufunc, x, **kw):
    _no_keywords(ufunc, kw)
    return call("mul", x, np.pi / 180)


@_ufunc("rad2deg degrees")
def _degrees(ufunc, x, **kw):
    _no_keywords(ufunc, kw)
    return call("mul", x, 180 / np.pi)


@_ufunc("float_power")
def _float_power(ufunc, a, b, **kw):
    _no_keywords(ufunc, kw)
    return power(a, b)


def _no_keywords(ufunc: Any, kw: dict[str, Any]) -> None:
    kw = dict(kw)
    in_float64(ufunc.__name__, kw.pop("dtype", None))
    if kw.get("out") is None:
        kw.pop("out", None)
    if kw.get("where", True) is True:
        kw.pop("where", None)
    if kw:
        _refuse(f"numpy.{ufunc.__name__}(..., {', '.join(f'{k}=' for k in kw)})")


@_ufunc("*")
def _call_with_keywords(ufunc, *inputs, **kw):
    """A ufunc that is one primitive, called with keywords: harmless ones dropped, the
    rest refused by name; a ufunc whose result is a truth value runs on the numbers."""
    if all(t.endswith("?") for t in ufunc.types):  # greater, isfinite, logical_and, …
        return ufunc(*[primal_value(v) for v in inputs], **kw)
    if ufunc.__name__ not in numpy_names():
        _refuse(f"numpy.{ufunc.__name__}")
    _no_keywords(ufunc, kw)
    return ufunc(*inputs)


@_ufunc("fmax fmin")
def _nan_ignoring(ufunc, a, b, **kw):
    """``np.fmax``/``np.fmin``: the table's max/min where neither argument is NaN;
    where one is, the other (numpy's rule), so the slope goes to the other one."""
    _no_keywords(ufunc, kw)
    a_nan, b_nan = np.isnan(primal_value(a)), np.isnan(primal_value(b))
    if np.any(a_nan) or np.any(b_nan):
        a, b = np.where(a_nan, b, a), np.where(b_nan, a, b)
    return call("max" if ufunc.__name__ == "fmax" else "min", value(a), value(b))


_REDUCE = {"add": np.sum, "multiply": np.prod, "maximum": np.max, "minimum": np.min,
           "fmax": np.max, "fmin": np.min}


@_ufunc("add multiply maximum minimum fmax fmin", "reduce")
def _reduce(ufunc, a, axis=0, dtype=None, out=None, keepdims=False, **kw):
    if out is not None or kw:
        _refuse(f"numpy.{ufunc.__name__}.reduce with out= or {sorted(kw)}")
    in_float64(f"{ufunc.__name__}.reduce", dtype)
    if ufunc.__name__ in ("fmax", "fmin") and np.any(np.isnan(primal_value(a))):
        _refuse(f"numpy.{ufunc.__name__}.reduce over NaN entries (numpy.nan{ufunc.__name__[1:]})")
    return _REDUCE[ufunc.__name__](a, axis=axis, keepdims=keepdims)


@_ufunc("add", "accumulate")
def _accumulate(ufunc, a, axis=0, dtype=None, out=None):
    if out is not None:
        _refuse("numpy.add.accumulate(out=)")
    in_float64("add.accumulate", dtype)
    return np.cumsum(a, axis=axis)


@_ufunc("*", "outer")
def _outer(ufunc, a, b, **kw):
    _no_keywords(ufunc, kw)
    a, b = value(a), value(b)
    na, nb = np.ndim(primal_value(a)), np.ndim(primal_value(b))
    left = call("reshape", a, np.shape(primal_value(a)) + (1,) * nb) if nb else a
    right = call("reshape", b, (1,) * na + np.shape(primal_value(b))) if na else b
    if all(t.endswith("?") for t in ufunc.types):
        return ufunc(primal_value(left), primal_value(right))
    return getattr(np, ufunc.__name__)(left, right)
