"""``symbolic``: the derivative as a SymPy formula, then its graph evaluated in float64.

The formula is built by differentiating diffkit's own shared graph with SymPy values
(reverse accumulation: each shared subexpression once; ``sympy.diff`` is the tests'
cross-check).  Exact as a formula, but the formula can swell: the result reports its
size as printed (tree), as a graph with identical parts shared, and after ``sympy.cse``
where that is affordable.  Fails when SymPy runs over the symbolic time budget, or
where the derivative cannot be evaluated (``sqrt`` at 0)."""

from __future__ import annotations

import numpy as np

from diffkit.ir.evaluate import evaluate
from diffkit.methods.base import MethodResult, Problem, Symbolic, rows_of
from diffkit.support.errors import EvaluationError
from diffkit.support.formatting import counted
from diffkit.table.backends import NUMPY

ID = "symbolic"


def _evaluated(problem: Problem, formulas: Symbolic, what: str) -> MethodResult:
    """Evaluate the formulas' graph (row by row: output or variable, then variable)."""
    _, graph, size = formulas
    problem.run(problem.point, NUMPY)  # f' means nothing where f is undefined
    m, counter = problem.counting()
    try:
        values = evaluate(graph, problem.point, m)
    except EvaluationError as err:
        raise EvaluationError(f"the {what} cannot be evaluated here: {err.message}") from None
    rows = rows_of([float(np.real(values[o])) for o in graph.outputs], problem.variables)
    return MethodResult.measured(ID, rows, counter, 1, notes=[_size_note(size)],
                                 extra={"expression_ops": size})


def run(problem: Problem) -> MethodResult:
    return _evaluated(problem, problem.symbolic(), "derivative")


def hessian(problem: Problem) -> MethodResult:
    """The symbolic Hessian: the gradient's formulas differentiated again (each by one
    adjoint sweep on diffkit's graph), evaluated as one shared graph."""
    return _evaluated(problem, problem.symbolic_hessian(), "Hessian")


def _size_note(size: dict[str, int | None]) -> str:
    note = (f"the derivative has {counted(size['tree'], 'op')} as printed, "
            f"{size['graph']:,} as a shared graph")
    if size["cse"] is not None:
        note += f", {size['cse']:,} after CSE"
    return note
