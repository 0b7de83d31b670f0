"""``diffkit.sin``, ``diffkit.sum``, ``diffkit.softmax``, …: functions to write f with.

Each is one primitive of the table, so the same function works on every kind of value
a method runs f on: floats and numpy arrays (plain numpy), Duals (forward mode),
recorded values (reverse mode), SymPy symbols (symbolic) and mpmath numbers (the
reference).  numpy's own ``np.sin``, ``+``, ``@`` work too; the functions here add
what numpy has no ufunc for (``sum``, ``softmax``, ``cross_entropy``, …).

>>> import numpy as np
>>> float(sum(np.array([1.0, 2.0]) ** 2))
5.0
>>> print(sin(sp.Symbol("x")) * 2)
2*sin(x)
>>> round(float(cross_entropy(np.log([0.1, 0.9]), 1)), 4)   # −log 0.9
0.1054
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import sympy as sp  # noqa: F401  (used in the docstring example)

from .errors import DiffkitError
from .overloading import call, primal_value


def _elementwise(name: str, primitive: str, doc: str):
    def fn(x: Any) -> Any:
        return call(primitive, _array(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _array(x: Any) -> Any:
    """Lists become float arrays; numbers, arrays and differentiating values pass."""
    return np.asarray(x, dtype=float) if isinstance(x, list | tuple) else x


sin = _elementwise("sin", "sin", "sin(x), elementwise.")
cos = _elementwise("cos", "cos", "cos(x), elementwise.")
tan = _elementwise("tan", "tan", "tan(x), elementwise.")
arcsin = _elementwise("arcsin", "asin", "arcsin(x), elementwise; defined on [-1, 1].")
arccos = _elementwise("arccos", "acos", "arccos(x), elementwise; defined on [-1, 1].")
arctan = _elementwise("arctan", "atan", "arctan(x), elementwise.")
sinh = _elementwise("sinh", "sinh", "sinh(x), elementwise.")
cosh = _elementwise("cosh", "cosh", "cosh(x), elementwise.")
tanh = _elementwise("tanh", "tanh", "tanh(x), elementwise: the classic activation.")
exp = _elementwise("exp", "exp", "eˣ, elementwise.")
log = _elementwise("log", "log", "The natural logarithm, elementwise; needs x > 0.")
sqrt = _elementwise("sqrt", "sqrt", "√x, elementwise; needs x ≥ 0 (infinite slope at 0).")
abs = _elementwise("abs", "abs", "|x|, elementwise; abs'(0) = 0 by convention.")
sign = _elementwise("sign", "sign", "The sign of x (−1, 0 or 1), elementwise; slope 0.")
sigmoid = _elementwise(
    "sigmoid", "sigmoid",
    "σ(x) = 1 / (1 + e⁻ˣ), elementwise, without overflow at large |x|; σ' = σ(x)σ(−x).")
relu = _elementwise(
    "relu", "relu", "max(x, 0), elementwise; relu'(0) = 0 (PyTorch's convention).")
softplus = _elementwise(
    "softplus", "softplus",
    "log(1 + eˣ), elementwise, computed without overflow; its slope is σ(x).")
stop_gradient = _elementwise(
    "stop_gradient", "stop_gradient",
    "x itself, with no derivative flowing through it (PyTorch's ``detach``):\n"
    "``sum(stop_gradient(x * x) * x)`` has gradient ``x * x``.")


def maximum(a: Any, b: Any) -> Any:
    """The larger of a and b, elementwise; at a tie each gets half of the slope."""
    return call("max", _array(a), _array(b))


def minimum(a: Any, b: Any) -> Any:
    """The smaller of a and b, elementwise; at a tie each gets half of the slope."""
    return call("min", _array(a), _array(b))


def sum(x: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """The sum of the entries (along ``axis``, or all of them)."""
    return call("sum", _array(x), axis)


def mean(x: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """The mean of the entries (along ``axis``, or all of them)."""
    return call("mean", _array(x), axis)


def matmul(a: Any, b: Any) -> Any:
    """a @ b, with numpy's rules for vectors and stacks of matrices."""
    return call("matmul", _array(a), _array(b))


def dot(a: Any, b: Any) -> Any:
    """The dot product of vectors, or the matrix product (``np.dot`` for 1-D and 2-D)."""
    a, b = _array(a), _array(b)
    if builtins.max(np.ndim(primal_value(a)), np.ndim(primal_value(b))) > 2:
        raise DiffkitError("dot takes vectors and matrices; use matmul for stacks of matrices")
    if np.ndim(primal_value(a)) == 0 or np.ndim(primal_value(b)) == 0:
        return call("mul", a, b)
    return call("matmul", a, b)


def norm(x: Any) -> Any:
    """The Euclidean norm of all the entries; at the zero vector its subgradient 0."""
    return call("norm", _array(x))


def reshape(x: Any, shape: tuple[int, ...]) -> Any:
    """The same entries in a new shape."""
    return call("reshape", _array(x), tuple(shape) if not isinstance(shape, int) else shape)


def stack(values: Any) -> Any:
    """The values (numbers or arrays of one shape) as one array along a new first axis;
    derivatives flow through.  A list or tuple that f returns is stacked like this."""
    values = list(values)
    if not values:
        raise DiffkitError("stack needs at least one value")
    return call("stack", *values)


def logsumexp(z: Any) -> Any:
    """log Σ exp(z) along the last axis, without overflow (``logsumexp([1000, 0])`` is
    1000); its gradient is ``softmax(z)``."""
    return call("logsumexp", _array(z))


def softmax(z: Any) -> Any:
    """exp(z) / Σ exp(z) along the last axis, without overflow: probabilities."""
    return call("softmax", _array(z))


def log_softmax(z: Any) -> Any:
    """z − logsumexp(z) along the last axis: log-probabilities, without overflow."""
    return call("log_softmax", _array(z))


def cross_entropy(logits: Any, target: Any) -> Any:
    """−Σ p·log softmax(logits): the classification loss, from logits (not
    probabilities).  ``target`` is a class index (an integer array for a batch of rows)
    or a probability vector (matrix); a batch's loss is the mean over its rows, as
    PyTorch's ``cross_entropy`` does.  Stable at any logits: ``cross_entropy([1000,
    -1000], 1)`` is 2000, not ``nan``.

    The predicted probabilities [0.1, 0.9] are the logits log([0.1, 0.9]); against
    class 1 the loss is −log 0.9 = 0.1054, against class 0 it is −log 0.1 = 2.3026.
    """
    logits = _array(logits)
    shape = np.shape(primal_value(logits))
    if len(shape) not in (1, 2) or shape[-1] == 0:
        raise DiffkitError(f"cross_entropy takes a vector of logits or a matrix (a row per "
                           f"example), not shape {shape}")
    return call("cross_entropy", logits, _target(target, shape))


def _target(target: Any, shape: tuple[int, ...]) -> Any:
    """A class index (or a batch of them) as one-hot rows; probabilities as they are."""
    plain = primal_value(target)
    if np.issubdtype(np.asarray(plain).dtype, np.integer):
        index = np.asarray(plain)
        classes = shape[-1]
        if index.shape != shape[:-1]:
            raise DiffkitError(f"cross_entropy: {index.size} class indices for "
                               f"{1 if len(shape) == 1 else shape[0]} rows of logits")
        if np.any((index < 0) | (index >= classes)):
            raise DiffkitError(f"cross_entropy: a class index must be 0 … {classes - 1} "
                               f"for {classes} logits, not {index.ravel().tolist()}")
        return np.eye(classes)[index]
    if isinstance(target, list | tuple):
        target = np.asarray(target, dtype=float)
    if np.shape(primal_value(target)) != shape:
        raise DiffkitError(f"cross_entropy: the target probabilities have shape "
                           f"{np.shape(plain)}, the logits {shape}")
    return target


__all__ = [
    "abs", "arccos", "arcsin", "arctan", "cos", "cosh", "cross_entropy", "dot", "exp",
    "log", "log_softmax", "logsumexp", "matmul", "maximum", "mean", "minimum", "norm",
    "relu", "reshape", "sigmoid", "sign", "sin", "sinh", "softmax", "softplus", "sqrt",
    "stack", "stop_gradient", "sum", "tan", "tanh",
]
