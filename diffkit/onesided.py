"""Left and right derivatives at a point where f is not differentiable.

Forward mode with one change: where a primitive sits at its kink (``abs`` at 0, a
tie in ``max``), its one-sided ``directional`` rule from the primitive table replaces
its partials.  Seeding ``ẋ = +1`` then gives the right derivative f'(x+), and
``ẋ = -1`` gives −f'(x−).  Piecewise-smooth functions obey the chain rule for such
directional derivatives, so the result is exact (computed at 50 digits).

>>> import sympy as sp
>>> from diffkit.graph import build_graph
>>> x = sp.Symbol("x", real=True)
>>> one_sided(build_graph(sp.Abs(x) + 2*x), {"x": 0.0})
{'x': (1.0, 3.0)}
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from .backends import MPMATH
from .dual import Dual, apply
from .errors import EvaluationError
from .evaluate import evaluate
from .graph import Graph


def _kink_aware_apply(prim, m, args):
    if prim.directional is not None and any(isinstance(a, Dual) for a in args):
        primals = [a.primal if isinstance(a, Dual) else a for a in args]
        if np.all(prim.kink(*primals)):
            tangents = [a.tangent if isinstance(a, Dual) else 0 for a in args]
            return Dual(prim.value(m, *primals), prim.directional(m, primals, tangents))
    return apply(prim, m, args)


def _directional(graph: Graph, point: dict[str, float], name: str, direction: int) -> Any:
    inputs: dict[str, Any] = {k: mpmath.mpf(v) for k, v in point.items()}
    inputs[name] = Dual(inputs[name], mpmath.mpf(direction))
    try:
        y = evaluate(graph, inputs, MPMATH, apply_rule=_kink_aware_apply)[graph.outputs[0]]
    except EvaluationError:  # a jump, an infinite slope, a side outside the domain
        return None
    return y.tangent if isinstance(y, Dual) else mpmath.mpf(0)


def one_sided(graph: Graph, point: dict[str, float]) -> dict[str, tuple[float | None, float | None]]:
    """``{name: (left, right)}``: the one-sided partial derivatives, ``None`` where one
    does not exist as a finite number (a jump, an infinite slope, or outside the domain)."""
    sides: dict[str, tuple[float | None, float | None]] = {}
    with mpmath.workdps(50):
        for name in point:
            right = _directional(graph, point, name, +1)
            left = _directional(graph, point, name, -1)
            sides[name] = (None if left is None else float(-left),
                           None if right is None else float(right))
    return sides
