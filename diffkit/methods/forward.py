"""``forward-mode``: the graph evaluated on dual numbers.  One pass per input
direction: seed ``ẋᵢ = 1`` for one variable, read ``ḟ`` at the output.  Exact to
rounding; a gradient of n variables costs n passes."""

from __future__ import annotations

from diffkit.dual import Dual
from diffkit.evaluate import evaluate

from .base import MethodResult, Problem

ID = "forward-mode"


def run(problem: Problem) -> MethodResult:
    problem.require_first_order(ID, "second derivatives by forward mode need Taylor arithmetic (not built yet)")
    m, counter = problem.counting()
    out = problem.graph.outputs[0]
    gradient = {}
    for name in problem.variables:
        seeded = dict(problem.point)
        seeded[name] = Dual(problem.point[name], 1.0)
        y = evaluate(problem.graph, seeded, m)[out]
        gradient[name] = float(y.tangent) if isinstance(y, Dual) else 0.0
    return MethodResult.measured(
        ID,
        gradient,
        counter,
        len(problem.variables),
        notes=["one pass per variable"],
    )
