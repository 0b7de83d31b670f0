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

from diffkit.support.errors import DiffkitError
from diffkit.table.primitives import PRIMITIVES, generated
from diffkit.values.overloading import call, primal_value


def _elementwise(name: str, primitive: str, doc: str):
    def fn(*args: Any) -> Any:
        return call(primitive, *[_array(a) for a in args])

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = __name__
    return fn


def _array(x: Any) -> Any:
    """Lists become float arrays; numbers, arrays and differentiating values pass."""
    return np.asarray(x, dtype=float) if isinstance(x, list | tuple) else x


@generated
def elementwise_functions() -> dict[str, Any]:
    """``diffkit.<alias>`` for every elementwise entry of the table with an ``alias``
    (``sin``, ``arcsin``, ``erf``, ``relu``, ``maximum``, …), generated from the table."""
    return {entry.alias: _elementwise(entry.alias, entry.name, entry.doc)
            for entry in PRIMITIVES.values() if entry.alias and entry.elementwise}


def __getattr__(name: str) -> Any:
    found = elementwise_functions().get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return found


globals().update(elementwise_functions())


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
    "cross_entropy", "dot", "log_softmax", "logsumexp", "matmul", "mean", "norm",
    "reshape", "softmax", "stack", "sum",
]
__all__.extend(sorted(elementwise_functions()))
