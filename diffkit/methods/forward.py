"""``forward-mode``: the graph evaluated on dual numbers.  One pass per input
direction: seed ``ẋᵢ = 1`` for one variable, read ``ḟ`` at every output (a column
of the Jacobian).  Exact to rounding; n variables cost n passes."""

from __future__ import annotations

from diffkit.dual import Dual
from diffkit.evaluate import evaluate

from .base import MethodResult, Problem

ID = "forward-mode"


def run(problem: Problem) -> MethodResult:
    problem.require_first_order(ID, "second derivatives by forward mode need Taylor arithmetic (not built yet)")
    m, counter = problem.counting()
    outputs = problem.graph.outputs
    rows: list[dict[str, float]] = [{} for _ in outputs]
    for name in problem.variables:  # one pass gives the column of every output
        seeded = dict(problem.point)
        seeded[name] = Dual(problem.point[name], 1.0)
        values = evaluate(problem.graph, seeded, m)
        for row, o in zip(rows, outputs, strict=True):
            row[name] = float(values[o].tangent) if isinstance(values[o], Dual) else 0.0
    return MethodResult.measured(
        ID,
        rows,
        counter,
        len(problem.variables),
        notes=["one pass per variable" + (" (a column of the Jacobian each)" if len(rows) > 1 else "")],
    )
