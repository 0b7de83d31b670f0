"""numpy's functions on values that carry derivatives: each one the table's primitives.

``Differentiable.__array_function__`` looks a numpy function up here; a function
without a rule is refused by name (``UnsupportedError: numpy.X is not differentiable
in diffkit yet``), never run entry by entry into a silently wrong value.  There are
four kinds of rule:

- **primitives**: ``np.sum``, ``np.max``, ``np.cumsum``, ``np.einsum``,
  ``np.linalg.inv``, … call the table's entry (keyword arguments honoured or refused
  by name: ``where=``, ``initial=``, ``keepdims=``, ``ddof=``, ``axis=``);
- **compositions** of primitives: ``np.var``, ``np.std``, ``np.tensordot``,
  ``np.dot`` (N-D as numpy defines it), ``np.outer``, ``np.trace``,
  ``np.linalg.norm(ord, axis)``, ``np.sinc``, …;
- **data movement** (``np.concatenate``, ``np.roll``, ``np.pad``, ``np.where``,
  ``np.sort``, ``np.clip``, ``np.tril``, …): numpy itself runs the function on arrays of
  entry numbers, and the result is one gather from the inputs (``data_movement``) —
  whole arrays at once, with a check that every output entry is a copy of an input
  entry or a zero (a function that computes with the values is refused);
- **on values**: functions whose result has no derivative (``np.argmax``,
  ``np.shape``, ``np.isclose``, ``np.zeros_like``, …) run on the plain numbers.

>>> import numpy as np
>>> from diffkit.analysis.autodiff import gradient
>>> gradient(lambda x: np.sum(np.roll(x, 1) * np.arange(3.0)), np.ones(3))
array([1., 2., 0.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from diffkit.support.errors import DiffkitError, NotAnalyticError, UnsupportedError
from diffkit.table import backends  # noqa: F401  (the whole table)
from diffkit.table.arrays import kept_shape
from diffkit.table.reductions import einsum_spec
from diffkit.values.overloading import (
    ARRAY_FUNCTIONS,
    call,
    primal_value,
    stacked,
)

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def rule(*functions: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the rule of these numpy functions."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for f in functions:
            ARRAY_FUNCTIONS[f] = fn
        return fn

    return register


def value(v: Any) -> Any:
    """A list, tuple or object array of differentiating values as one value."""
    return stacked(v) if isinstance(v, list | tuple | np.ndarray) else v


def _refuse(what: str) -> None:
    raise UnsupportedError(f"{what} is not differentiable in diffkit yet")


def not_on_complex(x: Any, name: str) -> None:
    """Refuse a function that is not analytic (``np.real``, ``np.conj``) on a complex
    value: the complex step's f(x + ih) would run through it as numpy runs it, and
    diffkit's rule for real numbers is not that."""
    if np.iscomplexobj(primal_value(x)):
        raise NotAnalyticError(f"the complex step needs an analytic function, and "
                               f"numpy.{name} is not: use another method")


def in_float64(name: str, dtype: Any) -> None:
    """``dtype=float64`` (what diffkit computes in) changes nothing; another dtype would
    make numpy's f another function (rounded to float32, cut to integers): refused by
    name rather than dropped."""
    if dtype is not None and np.dtype(dtype) != np.float64:
        _refuse(f"numpy.{name}(..., dtype={np.dtype(dtype).name})")


def _no(name: str, **given: Any) -> None:
    """Refuse each keyword argument that was given (not left at its default)."""
    for key, v in given.items():
        if v is not None and v is not False and v is not np._NoValue:
            _refuse(f"numpy.{name}(..., {key}=)")


def _axes(axis: Any, ndim: int) -> tuple[int, ...] | None:
    """``axis`` as non-negative axes, checked as numpy checks them (an AxisError)."""
    if axis is None:
        return None
    return tuple(_axis(a, ndim) for a in (axis if isinstance(axis, tuple) else (axis,)))


def _axis(a: Any, ndim: int) -> int:
    if not -ndim <= int(a) < ndim:
        raise np.exceptions.AxisError(int(a), ndim)
    return int(a) % ndim


def _keep(y: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """A reduction's result with the reduced axes kept (length 1) when asked."""
    if not keepdims:
        return y
    shape = np.shape(primal_value(x))
    return call("reshape", y, kept_shape(shape, _axes(axis, len(shape))))


def _axis_arg(axis: Any, ndim: int) -> Any:
    axes = _axes(axis, ndim)
    return None if axes is None else (axes[0] if len(axes) == 1 else axes)


# --- reductions -----------------------------------------------------------------------------
@rule(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
         where=np._NoValue):
    _no("sum", out=out)
    in_float64("sum", dtype)
    a = value(a)
    if where is not np._NoValue:
        a = call("mul", a, np.asarray(primal_value(where), dtype=float))
    total = _keep(call("sum", a, _axis_arg(axis, np.ndim(primal_value(a)))), a, axis, keepdims)
    return total if initial is np._NoValue else call("add", total, float(initial))


@rule(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, where=np._NoValue):
    _no("mean", out=out)
    in_float64("mean", dtype)
    a = value(a)
    if where is np._NoValue:
        return _keep(call("mean", a, _axis_arg(axis, np.ndim(primal_value(a)))), a, axis,
                     keepdims)
    mask = np.broadcast_to(np.asarray(primal_value(where), dtype=float), np.shape(primal_value(a)))
    count = np.sum(mask, axis=axis, keepdims=keepdims)
    return call("div", _sum(a, axis, keepdims=keepdims, where=mask), count)


def _chooser(name: str):
    def fn(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
        _no(name, out=out, initial=initial, where=where)
        a = value(a)
        return _keep(call(name, a, _axis_arg(axis, np.ndim(primal_value(a)))), a, axis, keepdims)
    return fn


rule(np.max, np.amax)(_chooser("amax"))
rule(np.min, np.amin)(_chooser("amin"))


@rule(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
          where=np._NoValue):
    _no("prod", out=out, where=where)
    in_float64("prod", dtype)
    a = value(a)
    y = _keep(call("prod", a, _axis_arg(axis, np.ndim(primal_value(a)))), a, axis, keepdims)
    return y if initial is np._NoValue else call("mul", y, float(initial))


@rule(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=np._NoValue,
         mean=np._NoValue, correction=np._NoValue):
    _no("var", out=out, where=where, mean=mean)
    in_float64("var", dtype)
    if correction is not np._NoValue:
        ddof = correction
    a = value(a)
    shape = np.shape(primal_value(a))
    centred = call("sub", a, _mean(a, axis, keepdims=True))
    n = np.prod([shape[i] for i in (_axes(axis, len(shape)) or range(len(shape)))])
    if n - ddof <= 0:
        raise DiffkitError(f"numpy.var with ddof={ddof} of {n} entries divides by zero")
    squares = _sum(call("square", centred), axis, keepdims=keepdims)
    return call("div", squares, float(n - ddof))


@rule(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=np._NoValue,
         mean=np._NoValue, correction=np._NoValue):
    return call("sqrt", _var(a, axis, dtype, out, ddof, keepdims, where, mean, correction))


@rule(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    _no("cumsum", out=out)
    in_float64("cumsum", dtype)
    a = value(a)
    return call("cumsum", a, None if axis is None else _axis(axis, np.ndim(primal_value(a))))


@rule(np.cumprod)
def _cumprod(a, axis=None, dtype=None, out=None):
    _no("cumprod", out=out)
    in_float64("cumprod", dtype)
    a = value(a)
    return call("cumprod", a, None if axis is None else _axis(axis, np.ndim(primal_value(a))))


@rule(np.average)
def _average(a, axis=None, weights=None, returned=False, keepdims=False):
    _no("average", returned=returned)
    a = value(a)
    if weights is None:
        return _mean(a, axis, keepdims=keepdims)
    w = value(weights)
    if np.ndim(primal_value(w)) != np.ndim(primal_value(a)):
        _refuse("numpy.average with 1-D weights along an axis")
    return call("div", _sum(call("mul", a, w), axis, keepdims=keepdims),
                _sum(w, axis, keepdims=keepdims))


# --- products and contractions ------------------------------------------------------------
@rule(np.einsum)
def _einsum(subscripts, *operands, out=None, optimize=False, **kw):
    _no("einsum", out=out, **kw)
    if not isinstance(subscripts, str):
        _refuse("numpy.einsum with operand lists instead of a subscripts string")
    operands = [value(o) for o in operands]
    einsum_spec(subscripts, len(operands))  # refuses what diffkit has no rule for
    return call("einsum", subscripts, *operands)


@rule(np.tensordot)
def _tensordot(a, b, axes=2):
    a, b = value(a), value(b)
    na, nb = np.ndim(primal_value(a)), np.ndim(primal_value(b))
    if isinstance(axes, int):
        sum_a, sum_b = list(range(na - axes, na)), list(range(axes))
    else:
        sum_a, sum_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                        [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    sum_a, sum_b = [i % na for i in sum_a], [i % nb for i in sum_b]
    letters_a = list(_LETTERS[:na])
    letters_b = list(_LETTERS[na:na + nb])
    for i, j in zip(sum_a, sum_b, strict=True):
        letters_b[j] = letters_a[i]
    kept = [c for i, c in enumerate(letters_a) if i not in sum_a] + \
           [c for j, c in enumerate(letters_b) if j not in sum_b]
    return call("einsum", f"{''.join(letters_a)},{''.join(letters_b)}->{''.join(kept)}", a, b)


@rule(np.dot)
def _dot(a, b, out=None):
    _no("dot", out=out)
    a, b = value(a), value(b)
    na, nb = np.ndim(primal_value(a)), np.ndim(primal_value(b))
    if na == 0 or nb == 0:
        return call("mul", a, b)
    if na <= 2 and nb <= 2:
        return call("matmul", a, b)
    return _tensordot(a, b, axes=([-1], [max(nb - 2, 0)]))  # numpy: a's last, b's second-to-last


@rule(np.inner)
def _inner(a, b):
    a, b = value(a), value(b)
    if np.ndim(primal_value(a)) == 0 or np.ndim(primal_value(b)) == 0:
        return call("mul", a, b)
    return _tensordot(a, b, axes=([-1], [-1]))


@rule(np.vdot)
def _vdot(a, b):
    return call("sum", call("mul", np.ravel(value(a)), np.ravel(value(b))), None)


@rule(np.outer)
def _outer(a, b, out=None):
    _no("outer", out=out)
    a, b = np.ravel(value(a)), np.ravel(value(b))
    return call("mul", call("reshape", a, (-1, 1)), call("reshape", b, (1, -1)))


@rule(np.kron)
def _kron(a, b):
    a, b = value(a), value(b)
    if np.ndim(primal_value(a)) != np.ndim(primal_value(b)) or np.ndim(primal_value(a)) > 2:
        _refuse("numpy.kron of arrays of different or more than 2 dimensions")
    if np.ndim(primal_value(a)) == 1:
        return np.ravel(_outer(a, b))
    (p, q), (r, s) = np.shape(primal_value(a)), np.shape(primal_value(b))
    return call("reshape", call("einsum", "ij,kl->ikjl", a, b), (p * r, q * s))


@rule(np.matmul)
def _matmul(a, b, out=None, **kw):
    _no("matmul", out=out, **kw)
    return call("matmul", value(a), value(b))


@rule(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no("trace", out=out)
    in_float64("trace", dtype)
    return _sum(np.diagonal(value(a), offset, axis1, axis2), -1)


@rule(np.linalg.multi_dot)
def _multi_dot(arrays, *, out=None):
    _no("linalg.multi_dot", out=out)
    result = value(arrays[0])
    for b in arrays[1:]:
        result = _dot(result, value(b))
    return result


@rule(np.linalg.matrix_power)
def _matrix_power(a, n):
    a = value(a)
    if n < 0:
        a, n = call("inv", a), -n
    result = None
    for _ in range(int(n)):
        result = a if result is None else call("matmul", result, a)
    if result is None:
        return np.broadcast_to(np.eye(np.shape(primal_value(a))[-1]), np.shape(primal_value(a))) * 1.0
    return result


# --- linear algebra ----------------------------------------------------------------------------
rule(np.linalg.inv)(lambda a: call("inv", value(a)))
rule(np.linalg.det)(lambda a: call("det", value(a)))
rule(np.linalg.cholesky)(lambda a, upper=False: (_refuse("numpy.linalg.cholesky(upper=True)")
                                                  if upper else call("cholesky", value(a))))
rule(np.linalg.eigvalsh)(lambda a, UPLO="L": (call("eigvalsh", value(a)) if UPLO == "L" else
                                              _refuse("numpy.linalg.eigvalsh(UPLO='U')")))


@rule(np.linalg.eigh)
def _eigh(a, UPLO="L"):
    if UPLO != "L":
        _refuse("numpy.linalg.eigh(UPLO='U')")
    a = value(a)
    return call("eigvalsh", a), call("eigvecsh", a)


@rule(np.linalg.slogdet)
def _slogdet(a):
    a = value(a)
    sign = np.linalg.slogdet(np.asarray(primal_value(a), dtype=float))[0]
    return sign, call("logabsdet", a)


@rule(np.linalg.solve)
def _solve(a, b):
    a, b = value(a), value(b)
    nb = np.ndim(primal_value(b))
    if nb > 2 or (nb == 2 and np.ndim(primal_value(a)) > 2):
        _refuse("numpy.linalg.solve with stacked right-hand sides")
    return call("solve", a, b)


@rule(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    x = value(x)
    ndim = np.ndim(primal_value(x))
    if axis is None and ord is None:
        y = call("norm", x)
        return _keep(y, x, None, keepdims)
    axes = _axes(axis, ndim) if axis is not None else tuple(range(ndim))
    if len(axes) == 1:
        a = axes[0]
        if ord is None or ord == 2:
            y = call("sqrt", _sum(call("square", x), a))
        elif ord == 1:
            y = _sum(call("abs", x), a)
        elif ord == np.inf:
            y = call("amax", call("abs", x), a)
        elif ord == -np.inf:
            y = call("amin", call("abs", x), a)
        elif ord == 0:
            _refuse("numpy.linalg.norm(ord=0) (a count)")
        else:
            p = float(ord)
            y = call("pow", _sum(call("pow", call("abs", x), p), a), 1.0 / p)
    elif len(axes) == 2:
        if ord in (None, "fro"):
            y = call("sqrt", _sum(call("square", x), axes))
        elif ord in (1, -1):
            sums = _sum(call("abs", x), axes[0], keepdims=True)
            y = call("amax" if ord == 1 else "amin", sums, axes[1])
            y = call("reshape", y, np.shape(np.sum(np.zeros(np.shape(primal_value(x))), axis=axes)))
        elif ord in (np.inf, -np.inf):
            sums = _sum(call("abs", x), axes[1], keepdims=True)
            y = call("amax" if ord == np.inf else "amin", sums, axes[0])
            y = call("reshape", y, np.shape(np.sum(np.zeros(np.shape(primal_value(x))), axis=axes)))
        else:
            _refuse(f"numpy.linalg.norm(ord={ord!r}) of a matrix")
    else:
        _refuse("numpy.linalg.norm over more than two axes")
    return _keep(y, x, axes, keepdims)
