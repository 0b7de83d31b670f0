"""The primitive table's rows for arrays and machine learning.

The scalar rows (``primitives.py``) give each argument's partial ∂y/∂x, applied
elementwise.  Reductions, matrix products, indexing and the softmax family have
Jacobians that are not diagonal, so their rows give the two products every
interpreter needs instead: ``jvp`` (forward mode, J·ẋ) and ``vjp`` (reverse mode,
ȳᵀJ), one rule per argument, written with the backend's operations so that they run
on floats, Duals, SymPy and mpmath alike.  Arguments that only configure the
operation (an axis, a shape, an index) get ``_param``: they are never differentiated.

>>> import numpy as np
>>> from diffkit.table.backends import NUMPY
>>> X, w = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])
>>> PRIMITIVES["matmul"].vjp[1](NUMPY, X, w, X @ w, np.ones(2))   # Xᵀ·1
array([4., 6.])

Conventions at kinks: ``relu'(0) = 0`` (PyTorch's), and ``norm`` at the zero vector
takes the subgradient 0.  ``logsumexp``, ``softmax``, ``log_softmax`` and
``cross_entropy`` work along the last axis and never overflow: the largest entry is
factored out before ``exp`` (``logsumexp([1000, 0]) = 1000``, not ``inf``).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from diffkit.table.primitives import PRIMITIVES, ZERO, define, shape_of, unbroadcast  # noqa: F401


def _param(*_: Any) -> None:
    """The rule of an argument that is not differentiated (an axis, a shape, an index)."""
    return


_M = np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]])  # the table test's example arguments
_V = np.array([0.5, -1.5, 2.5])
_T = np.arange(24.0).reshape(2, 3, 4) / 10 - 1.1


def _define(name: str, value=None, jvp=None, vjp=None, partials=None, impl=None, **kw) -> None:
    rules = partials if partials is not None else jvp
    define(name, value=value, impl=impl, partials=partials or [_param] * len(rules),
           jvp=jvp, vjp=vjp, **kw)


def _swap_last(x: Any) -> Any:
    return np.swapaxes(x, -1, -2) if np.ndim(x) >= 2 else x


def _np_sum(x: Any, axis: Any = None) -> Any:
    # np.sum's own overhead is ~3 µs: a plain array goes to the ufunc's reduce directly
    return np.add.reduce(x, axis=axis) if type(x) is np.ndarray else np.sum(x, axis=axis)


def _same(fn: Any) -> dict[str, Any]:
    """One function for every number type (numpy runs it on object arrays too)."""
    return {"float64": fn, "mpmath": fn, "sympy": fn}


def _ndim(v: Any) -> int:
    return len(shape_of(v))


def _keep(m: Any, v: Any, z: Any) -> Any:
    """A last-axis reduction ``v`` of ``z`` with the axis put back (length 1)."""
    return m.reshape(v, (*shape_of(v), 1)) if _ndim(z) > 1 else v


def kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """``shape`` after a reduction over ``axis`` (all axes for None) with the reduced
    axes kept, of length 1: what ``keepdims=True`` gives, and what an adjoint is
    reshaped to before it is spread back."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(m: Any, g: Any, x: Any, axis: Any) -> Any:
    """The adjoint of a sum over ``axis``: ``g`` copied back along the summed axes."""
    shape = shape_of(x)
    if axis is None and isinstance(g, float):  # a plain number: a read-only view of it
        return np.broadcast_to(g, shape)  # (no pass over memory; no rule writes into ȳ)
    if axis is None and not shape_of(g):
        return m.mul(g, np.ones(shape))
    return m.mul(m.reshape(g, kept_shape(shape, axis)), np.ones(shape))


def _count(x: Any, axis: Any) -> float:
    shape = shape_of(x)
    if axis is None:
        return float(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return float(np.prod([shape[a] for a in axes]))


# --- reductions and shapes ---------------------------------------------------------------
_define(
    "sum",
    lambda m, x, axis=None: m.sum(x, axis),
    impl={"float64": _np_sum, "mpmath": np.sum, "sympy": np.sum},
    jvp=[lambda m, x, axis, y, t: m.sum(t, axis), _param],
    vjp=[lambda m, x, axis, y, g: _spread(m, g, x, axis), _param],
    examples=((_M, None), (_M, 0), (_M, 1), (_T, (0, 2)), (_V, -1)),
)
_define(
    "mean",
    lambda m, x, axis=None: m.div(m.sum(x, axis), _count(x, axis)),
    jvp=[lambda m, x, axis, y, t: m.div(m.sum(t, axis), _count(x, axis)), _param],
    vjp=[lambda m, x, axis, y, g: _spread(m, m.div(g, _count(x, axis)), x, axis), _param],
    examples=((_M, None), (_M, 0), (_T, (1, 2)), (_V, None)),
)
_define(
    "reshape",
    lambda m, x, shape: m.reshape(x, shape),
    impl=_same(np.reshape), moves_data=True,
    jvp=[lambda m, x, shape, y, t: m.reshape(t, shape), _param],
    vjp=[lambda m, x, shape, y, g: m.reshape(g, shape_of(x)), _param],
    examples=((_M, (3, 2)), (_T, (4, -1)), (_V, (3, 1))),
)
_define(
    "transpose",  # the last two axes swapped (x.T of a matrix)
    lambda m, x: m.transpose(x),
    impl=_same(_swap_last), moves_data=True,
    jvp=[lambda m, x, y, t: m.transpose(t)],
    vjp=[lambda m, x, y, g: m.transpose(g)],
    examples=((_M,), (_T,), (_V,)),
)
_define(
    "getitem",  # x[index]: indexing and slicing
    lambda m, x, index: m.getitem(x, index),
    impl=_same(operator.getitem), moves_data=True,
    jvp=[lambda m, x, index, y, t: m.getitem(t, index), _param],
    vjp=[lambda m, x, index, y, g: m.scatter(g, shape_of(x), index), _param],
    examples=((_V, slice(1, 3)), (_V, np.array([0, 2, 2])), (_M, (1, slice(None))), (_T, (Ellipsis, 1))),
)


class _Each:
    """The rules of a primitive with any number of arguments: ``rules[k]`` is the
    rule for argument k."""

    def __init__(self, rule_for) -> None:
        self.rule_for = rule_for

    def __getitem__(self, k: int):
        return self.rule_for(k)

    def __len__(self) -> int:
        return 0


define(  # x with its axes in the order ``axes`` (x.T, np.transpose, np.moveaxis, …)
    "permute", impl=_same(np.transpose), moves_data=True,
    partials=[_param, _param],
    jvp=[lambda m, x, axes, y, t: m.permute(t, axes), _param],
    vjp=[lambda m, x, axes, y, g: m.permute(g, tuple(np.argsort(axes))), _param],
    examples=((_M, (1, 0)), (_T, (2, 0, 1)), (_T, (1, 2, 0))),
)


def _sizes(xs: Any) -> list[int]:
    return [int(np.prod(shape_of(x))) for x in xs]


def _concat_jvp(k: int):
    def rule(m: Any, *rest: Any) -> Any:
        xs, t = rest[:-2], rest[-1]
        sizes = _sizes(xs)
        start = sum(sizes[:k])
        return m.scatter(m.reshape(t, (-1,)), (sum(sizes),), slice(start, start + sizes[k]))
    return rule


def _concat_vjp(k: int):
    def rule(m: Any, *rest: Any) -> Any:
        xs, g = rest[:-2], rest[-1]
        sizes = _sizes(xs)
        start = sum(sizes[:k])
        return m.reshape(m.getitem(g, slice(start, start + sizes[k])), shape_of(xs[k]))
    return rule


def _np_concat(*xs: Any) -> Any:
    return np.concatenate([np.reshape(x, -1) for x in xs])


define(  # every argument's entries, flattened, one after the other (a gather's source)
    "concat", arity=0, moves_data=True,
    impl={"float64": _np_concat, "mpmath": _np_concat, "sympy": _np_concat},
    jvp=_Each(_concat_jvp), vjp=_Each(_concat_vjp),
    examples=((0.3, _V), (_M, 2.0, _V)),
)


def _scatter(values: Any, shape: tuple[int, ...], index: Any) -> Any:
    """An array of zeros of ``shape`` with ``values`` added at ``index`` (the adjoint of
    indexing; repeated indices add up)."""
    values = np.asarray(values)
    out = np.zeros(shape, dtype=np.result_type(values, float))
    add_at(out, index, values)
    return out


def add_at(out: np.ndarray, index: Any, values: Any) -> None:
    """``out[index] += values`` with repeated indices adding up (numpy's ``add.at``;
    ``bincount`` where it is the same and ten times faster: a gather's adjoint)."""
    if basic_index(index):  # a slice or integers: no repeats, plain addition is enough
        out[index] += values
    elif (out.ndim == 1 and out.dtype == np.float64 and isinstance(index, np.ndarray)
          and index.dtype.kind in "iu"):
        flat = index.ravel()
        if flat.size and flat.min() < 0:  # x[[-1]]: from the end
            flat = np.where(flat < 0, flat + out.shape[0], flat)
        out += np.bincount(flat, weights=np.broadcast_to(values, index.shape).ravel(),
                           minlength=out.shape[0])
    else:
        np.add.at(out, index, values)


def basic_index(index: Any) -> bool:
    """Whether numpy indexing with ``index`` is basic (slices, integers): no repeats."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, slice | int | np.integer) or p is None or p is Ellipsis
               for p in parts)


define(  # zeros of ``shape`` with ``values`` added at ``index``: the adjoint of indexing
    "scatter", impl=_same(_scatter), partials=[_param, _param, _param],
    jvp=[lambda m, v, shape, index, y, t: m.scatter(t, shape, index), _param, _param],
    vjp=[lambda m, v, shape, index, y, g: m.getitem(g, index), _param, _param],
    examples=((_V, (5,), np.array([0, 2, 2])), (_M, (4, 3), slice(1, 3))),
)


def _as_matrices(m: Any, a: Any, b: Any, g: Any) -> tuple[Any, Any, Any]:
    """a, b and ḡ with numpy's vector rules made explicit: a 1-D ``a`` is a row
    (1, k), a 1-D ``b`` a column (k, 1), and ḡ gets the matching axes back."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    if len(a_shape) == 1:
        a = m.reshape(a, (1, a_shape[0]))
        g = m.reshape(g, (*shape_of(g)[:-1], 1, shape_of(g)[-1]) if shape_of(g) else (1, 1))
    if len(b_shape) == 1:
        b = m.reshape(b, (b_shape[0], 1))
        g = m.reshape(g, (*shape_of(g), 1))
    return a, b, g


def _matmul_left(m: Any, a: Any, b: Any, y: Any, g: Any) -> Any:
    """ā = ḡ·bᵀ (stacked dimensions summed back to a's shape)."""
    ranks = (len(shape_of(a)), len(shape_of(b)))
    if ranks == (1, 1):  # a·b, a number
        return m.mul(g, b)
    if ranks == (2, 2):
        return m.matmul(g, m.transpose(b))
    a2, b2, g2 = _as_matrices(m, a, b, g)
    return m.reshape(unbroadcast(m, m.matmul(g2, m.transpose(b2)), shape_of(a2)), shape_of(a))


def _matmul_right(m: Any, a: Any, b: Any, y: Any, g: Any) -> Any:
    """b̄ = aᵀ·ḡ (stacked dimensions summed back to b's shape)."""
    ranks = (len(shape_of(a)), len(shape_of(b)))
    if ranks == (1, 1):
        return m.mul(g, a)
    if ranks == (2, 1):  # X @ w: w̄ = Xᵀḡ, computed as ḡX
        return m.matmul(g, a)
    if ranks == (2, 2):
        return m.matmul(m.transpose(a), g)
    a2, b2, g2 = _as_matrices(m, a, b, g)
    return m.reshape(unbroadcast(m, m.matmul(m.transpose(a2), g2), shape_of(b2)), shape_of(b))


_define(
    "matmul",  # a @ b (also dot of vectors and matrices)
    lambda m, a, b: m.matmul(a, b),
    impl=_same(np.matmul), numpy=("matmul",),
    jvp=[lambda m, a, b, y, t: m.matmul(t, b), lambda m, a, b, y, t: m.matmul(a, t)],
    vjp=[_matmul_left, _matmul_right],
    examples=((_M, _M.T), (_M, _V), (_V, _V), (_M[:, :2].T, _M), (_T.swapaxes(1, 2), _M.T)),
)


def _norm_slope(m: Any, x: Any, y: Any) -> Any:
    """x/‖x‖, or None (the subgradient 0) at the zero vector."""
    return None if _is_zero(y) else m.div(x, y)


def _is_zero(y: Any) -> bool:
    while hasattr(y, "primal"):
        y = y.primal
    try:
        return bool(y == 0)
    except TypeError:
        return False


def _scaled(m: Any, s: Any, g: Any) -> Any:
    return None if s is None else m.mul(g, s)


_define(
    "norm",  # the Euclidean norm of all entries
    lambda m, x: m.sqrt(m.sum(m.square(x))),
    jvp=[lambda m, x, y, t: None if _is_zero(y) else m.div(m.sum(m.mul(x, t)), y)],
    vjp=[lambda m, x, y, g: _scaled(m, _norm_slope(m, x, y), g)],
    kink=lambda x: bool(np.all(np.asarray(x) == 0)),
    convention="norm is not differentiable at the zero vector; its subgradient 0 is used",
    analytic=False,
    examples=((_V,), (_M,)),
)
_define(
    "stop_gradient",  # detach: the value passes, the derivative does not
    lambda m, x: x,
    partials=[lambda m, x, y: ZERO], alias="stop_gradient", source="{0}",
    doc="x itself, with no derivative flowing through it (PyTorch's ``detach``):\n"
        "``sum(stop_gradient(x * x) * x)`` has gradient ``x * x``.",
)

define(  # [a, b, …] as one array along a new first axis
    "stack", arity=0,
    impl={"float64": lambda *xs: np.stack(xs), "mpmath": lambda *xs: np.array(xs, dtype=object),
          "sympy": lambda *xs: np.array(xs, dtype=object)},
    jvp=_Each(lambda k: lambda m, *rest: m.scatter(rest[-1], shape_of(rest[-2]), k)),
    vjp=_Each(lambda k: lambda m, *rest: m.getitem(rest[-1], k)),
    examples=((0.3, -1.2, 2.0), (_V, 2 * _V)), moves_data=True,
)
