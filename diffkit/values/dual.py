"""Dual numbers ``a + b·ε`` with ``ε² = 0``: forward-mode differentiation by arithmetic.

``f(Dual(x, 1)).tangent`` is ``f'(x)``: every operation carries the derivative along
by the chain rule.  The rules come from the primitive table (``primitives.py``), the
same rules reverse mode uses.  Both parts may be numpy arrays, and numpy's functions
work on Duals:

>>> import numpy as np
>>> y = Dual(2.0, 1.0) ** 3 + np.sin(Dual(0.0, 1.0))
>>> y
Dual(8.0, 13.0)
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import numpy as np

from diffkit.table.backends import FLOAT, NUMPY
from diffkit.table.primitives import PRIMITIVES, Primitive, as_number, tangent_term
from diffkit.values.overloading import Differentiable, new_level


class Dual(Differentiable):
    """A number (or array) with a primal value and a tangent (the derivative it carries)."""

    __slots__ = ("level", "primal", "tangent")

    def __init__(self, primal: Any, tangent: Any = 0.0, level: int = 0) -> None:
        self.primal = primal
        self.tangent = tangent
        self.level = level  # 0: a method's own seeds; a fresh level for each nested call

    def __repr__(self) -> str:
        return f"Dual({_short(self.primal)}, {_short(self.tangent)})"

    @property
    def _diffkit_rank(self) -> int:
        return 4 * self.level + 1  # a tape of the same level outranks it (4·level + 2)

    @property
    def _diffkit_value(self) -> Any:
        return self.primal

    def _diffkit_apply(self, name: str, args: Any) -> Any:
        return apply(PRIMITIVES[name], _BACKEND.get(), args)


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


def apply(prim: Primitive, m: Any, args: Any) -> Any:
    """Apply a primitive with backend ``m``; Dual arguments carry their tangents.

    This is the whole of forward mode: the primal is the primitive's value, the tangent
    ``Σ ∂y/∂xᵢ · ẋᵢ`` over the arguments that are Duals, each partial from the table.
    """
    if m is NUMPY and prim.jvp is None:
        on_floats = _on_floats(prim, args)
        if on_floats is not None:
            return on_floats
    level = -1
    for a in args:
        if isinstance(a, Dual) and a.level > level:
            level = a.level
    if level < 0:
        return prim.value(m, *args)
    # a Dual of a lower level (an outer derivative's) is a constant here
    mine = [isinstance(a, Dual) and a.level == level for a in args]
    primals = [a.primal if own else a for a, own in zip(args, mine, strict=True)]
    y = prim.value(m, *primals)
    tangent = None
    for k, arg in enumerate(args):
        if not mine[k]:
            continue
        term = tangent_term(prim, k, m, primals, y, arg.tangent)
        if term is not None:
            tangent = term if tangent is None else m.add(tangent, term)
    return Dual(y, 0.0 if tangent is None else tangent, level)


def _on_floats(prim: Primitive, args: Any) -> Dual | None:
    """``apply`` where every primal and tangent is a Python number and the Duals share
    one level (a scalar f's forward mode): the value and the table's partials on the
    ``FLOAT`` backend, ẏ = Σ ∂y/∂xᵢ · ẋᵢ in float arithmetic.  None where that does
    not hold, or where the value is not a plain float (a nan from numpy)."""
    level, primals = -1, []
    for a in args:
        kind = type(a)
        if kind is Dual:
            if type(a.primal) is not float or type(a.tangent) is not float \
                    or (level >= 0 and a.level != level):
                return None
            level = a.level
            primals.append(a.primal)
        elif kind is float or kind is int:
            primals.append(a)
        else:
            return None
    if level < 0:  # no Dual: a plain value, computed the general way
        return None
    y = prim.value(FLOAT, *primals)
    if type(y) is not float:
        return None
    tangent = 0.0
    for k, a in enumerate(args):
        if type(a) is Dual:
            p = as_number(prim.partials[k](FLOAT, *primals, y))
            if p is not None:
                tangent += p * a.tangent
    return Dual(y, tangent, level)


def nested_seed(x: Any, k: int) -> tuple[Any, list[int]]:
    """x + ε₁ + … + εₖ as k nested Duals, each ε a fresh level: the k-th tangent of
    f(seed) is f⁽ᵏ⁾(x) (``kth_tangent``).  The one nested-dual helper: derivatives of
    order k, the methods' higher orders and step selection all use it."""
    levels: list[int] = []
    seed = x
    for _ in range(k):
        levels.append(new_level())
        seed = Dual(seed, 1.0, levels[-1])
    return seed, levels


def kth_tangent(y: Any, levels: list[int], shape: tuple[int, ...] = ()) -> Any:
    """The tangent along every level of ``nested_seed`` (0 where f ignores the seed)."""
    for level in reversed(levels):
        y = tangent_at(y, level, shape)
    return y


def tangent_at(y: Any, level: int, shape: tuple[int, ...] = ()) -> Any:
    """The tangent of level ``level`` that ``y`` carries (zero if f ignored the seed)."""
    if isinstance(y, Dual) and y.level == level:
        return y.tangent
    return np.zeros(shape) if shape else 0.0


def primal_at(y: Any, level: int) -> Any:
    """``y`` without the Dual of level ``level`` (outer levels' values stay)."""
    return y.primal if isinstance(y, Dual) and y.level == level else y


def _short(v: Any) -> str:
    """A part of a Dual as a plain number prints (``8.0``, not ``np.float64(8.0)``)."""
    return repr(float(v)) if isinstance(v, np.floating | float) else repr(v)
