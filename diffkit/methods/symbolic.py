"""``symbolic``: SymPy differentiates the expression; its derivative's graph (after
common-subexpression elimination) is then evaluated in float64.  Exact as a formula,
but the formula can swell: the result reports the derivative's size as printed
(tree), as a graph with identical parts shared, and after ``sympy.cse``.
Fails when SymPy runs over the symbolic time budget."""

from __future__ import annotations

import numpy as np

from diffkit.backends import NUMPY
from diffkit.errors import EvaluationError
from diffkit.evaluate import evaluate

from .base import MethodResult, Problem

ID = "symbolic"


def run(problem: Problem) -> MethodResult:
    _, graph, size = problem.symbolic()
    evaluate(problem.graph, problem.point, NUMPY)  # f' means nothing where f is undefined
    m, counter = problem.counting()
    try:
        values = evaluate(graph, problem.point, m)
    except EvaluationError as err:
        raise EvaluationError(f"the derivative cannot be evaluated here: {err.message}") from None
    n = len(problem.variables)
    flat = [float(np.real(values[o])) for o in graph.outputs]
    rows = [dict(zip(problem.variables, flat[i : i + n], strict=True))
            for i in range(0, len(flat), n)]
    return MethodResult.measured(
        ID,
        rows,
        counter,
        1,
        notes=[_size_note(size)],
        extra={
            "expression_ops": size,
        },
    )


def _size_note(size: dict[str, int | None]) -> str:
    note = f"the derivative has {size['tree']:,} ops as printed, {size['graph']:,} as a shared graph"
    if size["cse"] is not None:
        note += f", {size['cse']} after CSE"
    return note


def hessian(problem: Problem) -> MethodResult:
    """The symbolic Hessian: the gradient's formulas differentiated again (each by one
    adjoint sweep on diffkit's graph), evaluated as one shared graph."""
    _, graph, size = problem.symbolic_hessian()
    m, counter = problem.counting()
    try:
        values = evaluate(graph, problem.point, m)
    except EvaluationError as err:
        raise EvaluationError(f"the Hessian cannot be evaluated here: {err.message}") from None
    n = len(problem.variables)
    flat = [float(np.real(values[o])) for o in graph.outputs]
    rows = [dict(zip(problem.variables, flat[i : i + n], strict=True)) for i in range(0, n * n, n)]
    return MethodResult.measured(ID, rows, counter, 1, notes=[_size_note(size)],
                                 extra={"expression_ops": size})
