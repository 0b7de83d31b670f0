"""The arithmetic every primitive is written against: one namespace per number type.

A backend is an object with one function per primitive name (``add``, ``sin``, ...)
plus ``const`` (turn an exact SymPy constant into the backend's number type).  The
primitive table calls ``m.sin(x)`` and never cares whether ``x`` is a float, a complex
number, a numpy array or an mpmath number: that is what lets one table drive the
plain evaluator, the complex step, forward and reverse mode and the 50-digit reference.
"""

from __future__ import annotations

import operator
from types import SimpleNamespace

import mpmath
import numpy as np
import sympy as sp

#: Every operation a backend provides; the op counter counts exactly these.
OPERATIONS = ["add", "sub", "mul", "div", "neg", "square", "powi", "pow", "sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "abs", "sign", "max", "min", "heaviside", "dirac",
              # arrays and machine learning (array_primitives.py)
              "sum", "matmul", "reshape", "transpose", "getitem", "scatter", "sigmoid", "softplus", "relu", "logsumexp",
              "stack"]

#: the array operations that only move data: the op counter counts them as free
DATA_MOVEMENT = {"reshape", "transpose", "getitem", "stack"}


def lifted(name: str, fn):
    """``fn`` for plain numbers and arrays; a value that differentiates itself (a Dual,
    a recorded value) gets the primitive applied through the table instead, so rules
    written with ``m.sum``, ``m.sigmoid``, … compose (forward over reverse)."""

    def op(*args):
        for a in args:
            apply = getattr(a, "_diffkit_apply", None)
            if apply is not None:
                return apply(name, args)
        return fn(*args)

    op.__name__ = name
    return op


def _np_logsumexp(z):
    """log Σ exp(z) over the last axis without overflow: the largest term factored out."""
    z = np.asarray(z)
    top = np.max(z, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.log(np.sum(np.exp(z - top), axis=-1)) + top[..., 0]


def _np_sigmoid(x):
    """1 / (1 + e⁻ˣ) without overflow: e^−|x| is never above 1."""
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _scatter(values, shape, index):
    """An array of zeros of ``shape`` with ``values`` added at ``index`` (the adjoint of
    indexing; repeated indices add up)."""
    if hasattr(values, "primal"):  # a Dual: scatter is linear, so part by part
        return type(values)(_scatter(values.primal, shape, index), _scatter(values.tangent, shape, index))
    values = np.asarray(values)
    out = np.zeros(shape, dtype=np.result_type(values, float))
    if basic_index(index):  # a slice or integers: no repeats, plain assignment is enough
        out[index] = values
    else:  # fancy indexing may repeat an index: the repeats add up
        np.add.at(out, index, values)
    return out


def basic_index(index) -> bool:
    """Whether numpy indexing with ``index`` is basic (slices, integers): no repeats."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, slice | int | np.integer) or p is None or p is Ellipsis
               for p in parts)


def _elementwise(fn):
    """A scalar function (mpmath's, SymPy's) applied to each entry of an object array."""
    ufunc = None

    def op(*args):
        nonlocal ufunc
        if any(isinstance(a, np.ndarray) for a in args):
            ufunc = ufunc or np.frompyfunc(fn, len(args), 1)
            return ufunc(*args)
        return fn(*args)

    return op


def _swap_last(x):
    return np.swapaxes(x, -1, -2) if np.ndim(x) >= 2 else x


def _array_ops(exp, log):
    """The array operations every backend shares (numpy works on object arrays too)."""
    return {
        "sum": lambda x, axis=None: np.sum(x, axis=axis),
        "matmul": np.matmul,
        "reshape": np.reshape,
        "transpose": _swap_last,
        "getitem": lambda x, index: x[index],
        "scatter": _scatter,
        "logsumexp": lambda z: log(np.sum(exp(np.asarray(z)), axis=-1)),
        "stack": lambda *xs: np.array(xs, dtype=object),
    }


def _np_const(value: sp.Expr) -> float:
    # always a float: a Python int such as 2**64 would make numpy fall back to objects
    if not isinstance(value, sp.Basic):  # a constant a Python function recorded
        return value.value
    return float(value)


NUMPY = SimpleNamespace(
    name="float64",
    const=_np_const,
    add=np.add, sub=np.subtract, mul=np.multiply, div=np.divide, neg=np.negative,
    square=np.square, powi=np.power, pow=np.power, sqrt=np.sqrt, exp=np.exp,
    log=np.log, sin=np.sin, cos=np.cos, tan=np.tan, asin=np.arcsin, acos=np.arccos,
    atan=np.arctan, sinh=np.sinh, cosh=np.cosh, tanh=np.tanh, asinh=np.arcsinh,
    acosh=np.arccosh, atanh=np.arctanh, abs=np.abs, sign=np.sign,
    max=np.maximum, min=np.minimum,
    heaviside=lambda x: np.heaviside(x, 0.5),
    dirac=lambda x: np.zeros_like(x),
    # numpy's protocols hand these to a Dual's methods and __array_ufunc__ ...
    sum=lambda x, axis=None: (np.add.reduce(x, axis=axis) if type(x) is np.ndarray
                              else np.sum(x, axis=axis)),  # np.sum's own overhead is ~3 µs
    matmul=np.matmul,
    reshape=np.reshape,
    getitem=lambda x, index: x[index],
    # ... and these need lifting
    transpose=lifted("transpose", _swap_last),
    scatter=_scatter,
    sigmoid=lifted("sigmoid", _np_sigmoid),
    softplus=lifted("softplus", lambda x: np.logaddexp(0.0, x)),
    relu=lifted("relu", lambda x: np.maximum(x, 0.0)),
    logsumexp=lifted("logsumexp", _np_logsumexp),
    stack=lifted("stack", lambda *xs: np.stack(xs)),
)
"""float64, complex128 and numpy arrays of either (elementwise)."""


def _mp_const(value: sp.Expr) -> mpmath.mpf:
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    return mpmath.mpf(sp.Float(value.evalf(mpmath.mp.dps + 10), mpmath.mp.dps + 10))


def _mp_heaviside(x):
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else mpmath.mpf(0.5)


MPMATH = SimpleNamespace(
    name="mpmath",
    const=_mp_const,
    add=operator.add, sub=operator.sub, mul=operator.mul, div=operator.truediv,
    neg=operator.neg, square=lambda x: x * x, powi=lambda x, n: x ** int(n),
    pow=mpmath.power, sqrt=mpmath.sqrt, exp=mpmath.exp, log=mpmath.log,
    sin=mpmath.sin, cos=mpmath.cos, tan=mpmath.tan, asin=mpmath.asin,
    acos=mpmath.acos, atan=mpmath.atan, sinh=mpmath.sinh, cosh=mpmath.cosh,
    tanh=mpmath.tanh, asinh=mpmath.asinh, acosh=mpmath.acosh, atanh=mpmath.atanh,
    abs=abs, sign=mpmath.sign, max=max, min=min,
    heaviside=_mp_heaviside, dirac=lambda x: mpmath.mpf(0),
)
# object arrays of mpmath numbers: scalar functions entry by entry, numpy for the rest
for _name in OPERATIONS[4:29]:
    setattr(MPMATH, _name, _elementwise(getattr(MPMATH, _name)))
for _name, _fn in _array_ops(MPMATH.exp, MPMATH.log).items():
    setattr(MPMATH, _name, _fn)
MPMATH.sigmoid = _elementwise(lambda x: 1 / (1 + mpmath.exp(-x)))
MPMATH.softplus = _elementwise(lambda x: mpmath.log1p(mpmath.exp(x)))
MPMATH.relu = _elementwise(lambda x: max(x, mpmath.mpf(0)))
"""Arbitrary precision at ``mpmath.mp.dps`` digits (the reference)."""


def _exact(v):
    """Python numbers become exact SymPy numbers (0.5 → 1/2): the partial rules are
    written with float literals, and a SymPy derivative should not show 1.0/x."""
    if isinstance(v, float):
        return sp.Rational(v)
    if isinstance(v, int):
        return sp.Integer(v)
    return v


def _symbolic(fn):
    return lambda *args: fn(*[_exact(a) for a in args])


SYMPY = SimpleNamespace(
    name="sympy",
    const=lambda value: value,
    **{
        name: _symbolic(fn)
        for name, fn in {
            "add": operator.add, "sub": operator.sub, "mul": operator.mul,
            "div": operator.truediv, "neg": operator.neg, "square": lambda x: x**2,
            "powi": lambda x, n: x ** sp.Integer(int(n)), "pow": lambda a, b: a**b,
            "sqrt": sp.sqrt, "exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos,
            "tan": sp.tan, "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
            "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "asinh": sp.asinh,
            "acosh": sp.acosh, "atanh": sp.atanh, "abs": sp.Abs, "sign": sp.sign,
            "max": sp.Max, "min": sp.Min, "heaviside": sp.Heaviside, "dirac": sp.DiracDelta,
        }.items()
    },
)
"""SymPy expressions: the graph run on symbols builds formulas (symbolic
differentiation on diffkit's own shared graph)."""
for _name in OPERATIONS[4:29]:
    setattr(SYMPY, _name, _elementwise(getattr(SYMPY, _name)))
for _name, _fn in _array_ops(SYMPY.exp, SYMPY.log).items():
    setattr(SYMPY, _name, _fn)
SYMPY.sigmoid = _elementwise(lambda x: 1 / (1 + sp.exp(-x)))
SYMPY.softplus = _elementwise(lambda x: sp.log(1 + sp.exp(x)))
SYMPY.relu = _elementwise(lambda x: sp.Max(x, 0))
