"""The table's reductions beyond sum and mean, the running sum, and einsum.

- ``amax``/``amin`` (``np.max``, ``np.min``, ``np.amax``, ``np.amin``): at a tie the
  slope is shared equally among the tied entries — autograd's and JAX's convention
  (PyTorch's ``max(dim)`` gives it all to one);
- ``prod``: its slopes are y/xᵢ, so a zero entry is refused rather than divided by;
- ``cumsum``: its adjoint is the running sum taken backwards;
- ``einsum``: any contraction numpy's ``einsum`` writes with explicit letters (no
  ``...``, no letter repeated within one operand); ``tensordot``, ``dot``, ``inner``,
  ``outer``, ``kron`` and ``trace`` of N-D arrays are written with it.

>>> import numpy as np
>>> from diffkit.table.backends import NUMPY
>>> x = np.array([1.0, 3.0, 3.0])
>>> PRIMITIVES["amax"].vjp[0](NUMPY, x, None, 3.0, 1.0)   # the tie shares the slope
array([0. , 0.5, 0.5])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from diffkit.support.errors import NoDerivativeError, UnsupportedError
from diffkit.table.arrays import _M, _T, _V, _Each, _param, _same, _spread, kept_shape
from diffkit.table.primitives import PRIMITIVES, define, shape_of  # noqa: F401  (PRIMITIVES: docstring)


def _plain(v: Any) -> Any:
    """The numbers behind a differentiating value (ties and zeros are read on these)."""
    while hasattr(v, "_diffkit_value"):
        v = v._diffkit_value
    return v


def _tie_weights(x: Any, y: Any, axis: Any) -> np.ndarray:
    """1/k on each of the k entries equal to the max (min) they were reduced to, else 0."""
    x = np.asarray(_plain(x))
    y = np.reshape(np.asarray(_plain(y)), kept_shape(x.shape, axis))
    hits = (x == y).astype(float)
    return hits / np.sum(hits, axis=axis, keepdims=True)


def _chooser(name: str, fn: Any) -> None:
    define(
        name, impl=_same(lambda x, axis=None: fn(x, axis=axis)),
        partials=[_param, _param],
        jvp=[lambda m, x, axis, y, t: m.sum(m.mul(t, _tie_weights(x, y, axis)), axis), _param],
        vjp=[lambda m, x, axis, y, g: m.mul(_spread(m, g, x, axis), _tie_weights(x, y, axis)),
             _param],
        analytic=False,
        convention=f"at a tie {name}'s slope is shared equally among the tied entries",
        examples=((_M, None), (_M, 0), (_T, (0, 2)), (_V, -1)),
    )


_chooser("amax", np.max)
_chooser("amin", np.min)


def _others(m: Any, x: Any, y: Any, axis: Any) -> Any:
    """∂prod/∂xᵢ = y / xᵢ, refused where an entry is 0."""
    if np.any(np.asarray(_plain(x)) == 0):
        raise NoDerivativeError("prod's slopes y/xᵢ are not computed where an entry is 0: "
                                "diffkit refuses rather than dividing by it")
    kept = m.reshape(y, kept_shape(shape_of(x), axis)) if shape_of(x) else y
    return m.div(m.mul(kept, np.ones(shape_of(x))), x)


define(
    "prod", impl=_same(lambda x, axis=None: np.prod(x, axis=axis)),
    partials=[_param, _param],
    jvp=[lambda m, x, axis, y, t: m.sum(m.mul(t, _others(m, x, y, axis)), axis), _param],
    vjp=[lambda m, x, axis, y, g: m.mul(_spread(m, g, x, axis), _others(m, x, y, axis)), _param],
    examples=((_M, None), (_M, 1), (_V, 0)),
)


def _reversed_along(m: Any, v: Any, axis: int) -> Any:
    index = [slice(None)] * len(shape_of(v))
    index[axis] = slice(None, None, -1)
    return m.getitem(v, tuple(index))


def _cumsum_vjp(m: Any, x: Any, axis: Any, y: Any, g: Any) -> Any:
    if axis is None:  # numpy flattens first
        return m.reshape(_cumsum_vjp(m, m.reshape(x, (-1,)), 0, y, g), shape_of(x))
    backwards = m.cumsum(_reversed_along(m, g, axis), axis)
    return _reversed_along(m, backwards, axis)


define(
    "cumsum", impl=_same(lambda x, axis=None: np.cumsum(x, axis=axis)),
    partials=[_param, _param],
    jvp=[lambda m, x, axis, y, t: m.cumsum(t, axis), _param],
    vjp=[_cumsum_vjp, _param],
    examples=((_V, None), (_M, 0), (_M, 1), (_T, 2)),
)


def _nonzero(x: Any, what: str) -> None:
    if np.any(np.asarray(_plain(x)) == 0):
        raise NoDerivativeError(f"{what}'s slopes divide by the entries: diffkit refuses where "
                                "an entry is 0 rather than dividing by it")


def _cumprod_jvp(m: Any, x: Any, axis: Any, y: Any, t: Any) -> Any:
    _nonzero(x, "cumprod")
    if axis is None:
        x, t = m.reshape(x, (-1,)), m.reshape(t, (-1,))
        axis = 0
    return m.mul(y, m.cumsum(m.div(t, x), axis))


def _cumprod_vjp(m: Any, x: Any, axis: Any, y: Any, g: Any) -> Any:
    _nonzero(x, "cumprod")
    flat = m.reshape(x, (-1,)) if axis is None else x
    along = 0 if axis is None else axis
    backwards = _reversed_along(m, m.cumsum(_reversed_along(m, m.mul(g, y), along), along), along)
    return m.reshape(m.div(backwards, flat), shape_of(x)) if axis is None else m.div(backwards, x)


define(  # the running product (numpy.cumprod); refused where an entry is 0
    "cumprod", impl=_same(lambda x, axis=None: np.cumprod(x, axis=axis)),
    partials=[_param, _param], jvp=[_cumprod_jvp, _param], vjp=[_cumprod_vjp, _param],
    examples=((_V, None), (_M, 0), (_M, 1), (_T + 0.05, 2)),
)


# --- einsum ------------------------------------------------------------------------------
def einsum_spec(subscripts: str, n: int) -> tuple[list[str], str]:
    """The operands' letters and the output's, explicit (numpy's implicit output: the
    letters used once, in alphabetical order); refused where diffkit has no rule."""
    text = subscripts.replace(" ", "")
    inputs, _, output = text.partition("->")
    parts = inputs.split(",")
    if "." in text:
        raise UnsupportedError("numpy.einsum with '...' is not differentiable in diffkit yet")
    if len(parts) != n:
        raise UnsupportedError(f"numpy.einsum: {len(parts)} operand subscripts for {n} operands")
    if "->" not in text:
        letters = "".join(parts)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for part in parts:
        if len(set(part)) != len(part):
            raise UnsupportedError(f"numpy.einsum with a repeated letter in one operand "
                                   f"('{part}', a diagonal) is not differentiable in diffkit yet")
    return parts, output


def _einsum_jvp(k: int):
    def rule(m: Any, subscripts: str, *rest: Any) -> Any:
        ops, t = list(rest[:-2]), rest[-1]
        ops[k] = t
        return m.einsum(subscripts, *ops)
    return rule


def _einsum_vjp(k: int):
    def rule(m: Any, subscripts: str, *rest: Any) -> Any:
        ops, g = list(rest[:-2]), rest[-1]
        parts, output = einsum_spec(subscripts, len(ops))
        others = [(p, o) for j, (p, o) in enumerate(zip(parts, ops, strict=True)) if j != k]
        known = set(output) | {c for p, _ in others for c in p}
        ones = [(c, np.ones(shape_of(ops[k])[parts[k].index(c)]))
                for c in parts[k] if c not in known]  # summed in operand k alone
        spec = ",".join([output, *(p for p, _ in others), *(c for c, _ in ones)])
        return m.einsum(f"{spec}->{parts[k]}", g, *(o for _, o in others),
                        *(o for _, o in ones))
    return rule


define(
    "einsum", arity=0, constants=(0,),
    impl=_same(lambda subscripts, *ops: np.einsum(  # BLAS for large contractions
        subscripts, *ops, optimize=len(ops) > 1 and sum(np.size(o) for o in ops) > 2000)),
    jvp=_Each(lambda k: _param if k == 0 else _einsum_jvp(k - 1)),
    vjp=_Each(lambda k: _param if k == 0 else _einsum_vjp(k - 1)),
    examples=(("ij,j->i", _M, _V), ("ij,kj->ik", _M, _M), ("ijk->ik", _T),
              ("i,j->ij", _V, _V), ("ij,ij", _M, _M)),
)
