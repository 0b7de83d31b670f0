"""``symbolic``: SymPy differentiates the expression; its derivative's graph is then
evaluated in float64.  Exact as a formula, but the formula can swell: the result
reports the derivative's size as printed (tree) and as evaluated (shared graph).
Fails when SymPy runs over the symbolic time budget."""

from __future__ import annotations

import numpy as np

from diffkit.backends import NUMPY
from diffkit.errors import EvaluationError
from diffkit.evaluate import evaluate

from .base import MethodResult, Problem

ID = "symbolic"


def run(problem: Problem) -> MethodResult:
    derivatives, graph = problem.symbolic()
    evaluate(problem.graph, problem.point, NUMPY)  # f' means nothing where f is undefined
    m, counter = problem.counting()
    try:
        values = evaluate(graph, problem.point, m)
    except EvaluationError as err:
        raise EvaluationError(f"the derivative cannot be evaluated here: {err.message}") from None
    gradient = {
        v: float(np.real(values[o])) for v, o in zip(problem.variables, graph.outputs, strict=True)
    }
    return MethodResult.measured(
        ID,
        gradient,
        counter,
        1,
        notes=[f"f' has {graph.tree_op_count} ops as printed, {graph.op_count} as a graph"],
        extra={
            "expression_ops": {"tree": graph.tree_op_count, "graph": graph.op_count},
            "derivative_expression": {
                v: str(d) for v, d in zip(problem.variables, derivatives, strict=True)
            },
        },
    )
