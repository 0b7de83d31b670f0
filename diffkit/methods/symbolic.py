"""``symbolic``: the derivative as a SymPy formula, then its graph evaluated in float64.

The formula is built by differentiating diffkit's own shared graph with SymPy values
(reverse accumulation: each shared subexpression once; ``sympy.diff`` is the tests'
cross-check).  Exact as a formula, but the formula can swell: the result reports its
size as printed (tree), as a graph with identical parts shared, and after ``sympy.cse``
where that is affordable.  Fails when SymPy runs over the symbolic time budget, or
where the derivative cannot be evaluated (``sqrt`` at 0).

An exact formula evaluated in float64 can still be wrong: ``sin(x)/x`` at 1e-8 has
f′ = cos(x)/x − sin(x)/x², two terms of 10⁸ that cancel to −3.3e-9.  So the formula
is evaluated a second time at 50 digits (not counted in the row's ops), and the row
says how many digits float64 lost; past half of them it is flagged unreliable.

>>> from diffkit.methods.base import Problem
>>> print(run(Problem.of_text("sin(x)/x", "1e-8")).notes[0])
unreliable: exact formula, but its float64 evaluation lost ... digits to cancellation (at 50 digits: -3.3333333333333e-9)
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from diffkit.ir.evaluate import evaluate
from diffkit.ir.graph import Graph
from diffkit.methods.base import (
    OK,
    UNRELIABLE,
    MethodResult,
    Problem,
    Symbolic,
    rows_of,
)
from diffkit.numerics.differences import EPS
from diffkit.support.errors import EvaluationError
from diffkit.support.formatting import counted
from diffkit.table.backends import MPMATH, NUMPY

ID = "symbolic"

#: the formula is checked at 50 digits up to this many graph nodes
CHECK_MAX_NODES = 20_000
#: digits of float64's ~16 lost before a note says so, and before the row is unreliable
NOTE_DIGITS, UNRELIABLE_DIGITS = 3, 8


def _evaluated(problem: Problem, formulas: Symbolic, what: str) -> MethodResult:
    """Evaluate the formulas' graph (row by row: output or variable, then variable)."""
    _, graph, size = formulas
    problem.run(problem.point, NUMPY)  # f' means nothing where f is undefined
    m, counter = problem.counting()
    try:
        values = evaluate(graph, problem.point, m)
    except EvaluationError as err:
        raise EvaluationError(f"the {what} cannot be evaluated here: {err.message}") from None
    computed = [float(np.real(values[o])) for o in graph.outputs]
    rows = rows_of(computed, problem.variables)
    lost, exact = _digits_lost(graph, problem.point, computed)
    notes = [_size_note(size)]
    if lost >= NOTE_DIGITS:
        flag = "unreliable: " if lost >= UNRELIABLE_DIGITS else ""
        notes.insert(0, f"{flag}exact formula, but its float64 evaluation lost {lost} digits to "
                        f"cancellation (at 50 digits: {mpmath.nstr(exact, 14)})")
    return MethodResult.measured(ID, rows, counter, 1, notes=notes, extra={"expression_ops": size},
                                 status=UNRELIABLE if lost >= UNRELIABLE_DIGITS else OK)


def _digits_lost(graph: Graph, point: dict[str, float], computed: list[float]) -> tuple[int, object]:
    """How many decimal digits the float64 evaluation lost, at worst over the outputs
    (log10 of its relative error over ε, from the same graph at 50 digits), and the
    50-digit value of that output.  (0, None) where the check cannot run."""
    if len(graph.nodes) > CHECK_MAX_NODES:
        return 0, None
    try:
        with mpmath.workdps(50):
            values = evaluate(graph, {k: mpmath.mpf(v) for k, v in point.items()}, MPMATH)
            exact = [mpmath.re(values[o]) for o in graph.outputs]
    except (EvaluationError, ArithmeticError, ValueError, TypeError):
        return 0, None
    worst, at = 0, None
    for value, reference in zip(computed, exact, strict=True):
        if not math.isfinite(value) or reference == 0:
            continue
        relative = float(abs((mpmath.mpf(value) - reference) / reference))
        lost = min(16, math.floor(math.log10(relative / EPS))) if relative > EPS else 0
        if lost > worst:
            worst, at = lost, reference
    return worst, at


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
