"""Directional derivatives in one pass each: ``jvp`` (forward mode) and ``vjp``
(reverse mode).

``jvp(f, x, v)`` is J·v: one forward pass with the tangent seeded to v.  ``vjp(f, x, u)``
is uᵀ·J: one adjoint sweep with the outputs' adjoints seeded to u.  Forward mode gets a
whole Jacobian from n of the first, reverse mode from m of the second; for a gradient
(m = 1) one vjp is enough — which is why backpropagation is reverse mode.

>>> d = jvp("x1*x2, x1 + x2", at={"x1": 2, "x2": 3}, v={"x1": 1, "x2": 1})
>>> d.result, d.passes
([5.0, 2.0], 1)
>>> vjp("x1*x2, x1 + x2", at={"x1": 2, "x2": 3}, u=[1, -1]).result
{'x1': 2.0, 'x2': 1.0}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from diffkit.analysis import autodiff
from diffkit.inputs.arguments import is_function
from diffkit.inputs.point import PointLike
from diffkit.ir.adjoints import adjoints
from diffkit.ir.counting import CountingBackend, OpCounter
from diffkit.ir.evaluate import evaluate
from diffkit.methods.base import Problem
from diffkit.support.budget import bounded
from diffkit.support.errors import DiffkitError
from diffkit.support.formatting import strict
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.table.backends import NUMPY
from diffkit.values.dual import Dual, arithmetic


@dataclass
class Directional:
    """A jvp (a list, one entry per output) or a vjp (a {variable: value} dict), with
    f's value, the measured ops and the passes it took."""

    result: list[float] | dict[str, float] | Any  # an array (or tuple, dict) for a function
    value: list[float]
    ops: int
    passes: int

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        if isinstance(result, np.ndarray):
            result = result.tolist()
        return strict({"result": result, "value": self.value, "ops": self.ops, "passes": self.passes})

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The result as an array: ``np.allclose(vjp(...), expected)`` works."""
        r = self.result
        values = list(r.values()) if isinstance(r, dict) else r
        return np.asarray(values, dtype=dtype)


def _given(positional: Any, keyword: Any, what: str) -> Any:
    if (positional is None) == (keyword is None):
        raise DiffkitError(f"give {what} once (positionally or by keyword)")
    return positional if keyword is None else keyword


def _counting():

    counter = OpCounter()
    return CountingBackend(NUMPY, counter), counter


def _problem(expression: str | sp.Expr, at: PointLike, limits: Limits) -> Problem:
    return Problem.of_text(expression, at, limits)


def _vector(given: Mapping[str, float] | Sequence[float], names: list[str], what: str) -> list[float]:
    if isinstance(given, Mapping):
        unknown = set(given) - set(names)
        if unknown:
            raise DiffkitError(f"{what} names {', '.join(sorted(unknown))}, which f does not have")
        return [float(given.get(n, 0.0)) for n in names]
    values = [float(v) for v in given]
    if len(values) != len(names):
        raise DiffkitError(f"{what} has {len(values)} entries; f needs {len(names)}")
    return values


@bounded
def jvp(expression: str | sp.Expr | Callable[..., Any], at: Any,
        v: Mapping[str, float] | Sequence[float] | Any = None, *, tangent: Any = None,
        limits: Limits = DEFAULT_LIMITS) -> Directional:
    """J·v in one forward pass; ``v`` (or ``tangent=``) maps variables to tangents (or
    lists them in the sorted order of the variables).  For a Python function, the
    tangent has the structure of ``at`` and the result the shape of f's output."""
    v = _given(v, tangent, "the tangent v")
    if is_function(expression):
        m, counter = _counting()
        with arithmetic(m):
            result, value = autodiff.forward_pass(expression, at, v)
        return Directional(result=result, value=np.ravel(value).tolist(), ops=counter.total,
                           passes=1)
    problem = _problem(expression, at, limits)
    direction = _vector(v, problem.variables, "the tangent v")
    m, counter = problem.counting()
    seeded = {name: Dual(x, t) for (name, x), t in zip(problem.point.items(), direction, strict=True)}
    values = evaluate(problem.graph, seeded, m)
    outs = [values[o] for o in problem.graph.outputs]
    return Directional(
        result=[float(y.tangent) if isinstance(y, Dual) else 0.0 for y in outs],
        value=[float(y.primal) if isinstance(y, Dual) else float(y) for y in outs],
        ops=counter.total, passes=1,
    )


@bounded
def vjp(expression: str | sp.Expr | Callable[..., Any], at: Any,
        u: Sequence[float] | float | Any = None, *, cotangent: Any = None,
        limits: Limits = DEFAULT_LIMITS) -> Directional:
    """uᵀ·J in one forward and one adjoint sweep; ``u`` (or ``cotangent=``) has one
    entry per output.  For a Python function it has the shape of f's output (PyTorch's
    ``y.backward(gradient=u)``), and the result the structure of ``at``."""
    u = _given(u, cotangent, "the cotangent u")
    if is_function(expression):
        m, counter = _counting()
        result, value, _ = autodiff.reverse_pass(expression, at, u, m)
        return Directional(result=result, value=np.ravel(value).tolist(), ops=counter.total,
                           passes=1)
    problem = _problem(expression, at, limits)
    outputs = problem.graph.outputs
    cotangent = [float(u)] if isinstance(u, int | float) else [float(c) for c in u]
    if len(cotangent) != len(outputs):
        raise DiffkitError(f"the cotangent u has {len(cotangent)} entries; f has {len(outputs)} outputs")
    m, counter = problem.counting()
    values = evaluate(problem.graph, problem.point, m)
    seeds: dict[int, Any] = {}
    for o, c in zip(outputs, cotangent, strict=True):
        seeds[o] = c if o not in seeds else m.add(seeds[o], c)
    adjoint = adjoints(problem.graph, values, m, seeds)
    var_node = {n.name: i for i, n in enumerate(problem.graph.nodes) if n.op == "var"}
    result = {name: 0.0 if var_node.get(name) is None or adjoint[var_node[name]] is None
              else float(adjoint[var_node[name]]) for name in problem.variables}
    return Directional(result=result, value=[float(values[o]) for o in outputs],
                       ops=counter.total, passes=1)
