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

from .backends import NUMPY
from .overloading import Differentiable
from .primitives import PRIMITIVES, Primitive, tangent_term


class Dual(Differentiable):
    """A number (or array) with a primal value and a tangent (the derivative it carries)."""

    __slots__ = ("primal", "tangent")
    _diffkit_rank = 1

    def __init__(self, primal: Any, tangent: Any = 0.0) -> None:
        self.primal = primal
        self.tangent = tangent

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"

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
    if not any(isinstance(a, Dual) for a in args):
        return prim.value(m, *args)
    primals = [a.primal if isinstance(a, Dual) else a for a in args]
    y = prim.value(m, *primals)
    tangent = None
    for k, arg in enumerate(args):
        if not isinstance(arg, Dual):
            continue
        term = tangent_term(prim, k, m, primals, y, arg.tangent)
        if term is not None:
            tangent = term if tangent is None else m.add(tangent, term)
    return Dual(y, 0.0 if tangent is None else tangent)
