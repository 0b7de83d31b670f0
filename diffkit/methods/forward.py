"""``forward-mode``: the graph evaluated on dual numbers.  One pass per input
direction: seed ``ẋᵢ = 1`` for one variable, read ``ḟ`` at every output (a column
of the Jacobian).  Exact to rounding; n variables cost n passes."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from diffkit.methods.base import MethodResult, Problem
from diffkit.values.dual import Dual, arithmetic, kth_tangent, nested_seed
from diffkit.values.overloading import new_level

ID = "forward-mode"


#: from this many variables on, first derivatives carry many directions in one pass
#: (vector mode): each variable's tangent is a one-hot array of at most BATCH entries
BATCH_FROM = 64
BATCH = 256


def run(problem: Problem) -> MethodResult:
    if problem.order == 1 and len(problem.variables) >= BATCH_FROM:
        return _vector_mode(problem)
    m, counter = problem.counting()
    rows: list[dict[str, float]] = [{} for _ in problem.output_values]
    k = problem.order
    started = time.perf_counter()
    for done, name in enumerate(problem.variables):  # one pass: a column of every output
        problem.project(started, done, ID)
        seeded = dict(problem.point)
        seeded[name], levels = nested_seed(problem.point[name], k)
        with arithmetic(m):
            values = problem.run(seeded, m)
        for row, y in zip(rows, values, strict=True):
            row[name] = innermost_tangent(y, levels)
    return MethodResult.measured(
        ID,
        rows,
        counter,
        len(problem.variables),
        notes=["one pass per variable" + (" (a column of the Jacobian each)" if len(rows) > 1 else "")
               + ("" if k == 1 else f"; nested dual numbers x + ε₁ + … + ε{_subscript(k)}: 2^{k} times the "
                  "work of one dual pass (Taylor arithmetic would cost O(k²))")],
    )


def _subscript(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _vector_mode(problem: Problem) -> MethodResult:
    """Many directions per pass: the variables of a batch carry one-hot tangent
    arrays, so one evaluation gives a block of Jacobian columns (the same arithmetic
    as a pass per variable, done by numpy on arrays: ops count every entry)."""
    m, counter = problem.counting()
    names = problem.variables
    rows: list[dict[str, float]] = [{} for _ in problem.output_values]
    passes = 0
    started = time.perf_counter()
    for first in range(0, len(names), BATCH):
        problem.project(started, first, ID)
        batch = names[first:first + BATCH]
        seeded: dict[str, Any] = dict(problem.point)
        for j, name in enumerate(batch):
            direction = np.zeros(len(batch))
            direction[j] = 1.0
            seeded[name] = Dual(problem.point[name], direction)
        with arithmetic(m):
            values = problem.run(seeded, m)
        passes += 1
        for row, y in zip(rows, values, strict=True):
            tangent = np.broadcast_to(y.tangent if isinstance(y, Dual) else 0.0, (len(batch),))
            row.update(zip(batch, map(float, tangent), strict=True))
    return MethodResult.measured(
        ID, rows, counter, len(names),
        notes=[(f"{len(names):,} directions, one per variable, carried {BATCH} at a time in "
               f"{passes} vectorized passes")])


def innermost_tangent(y: Any, levels: list[int]) -> float:
    """The k-fold tangent of f(seed) as a float (its primal if a Dual is left)."""
    y = kth_tangent(y, levels)
    return float(y.primal if isinstance(y, Dual) else y)


def hessian(problem: Problem) -> MethodResult:
    """Forward-over-forward: inputs x + δᵢε₁ + δⱼε₂ on nested duals give ∂²f/∂xᵢ∂xⱼ in
    one pass each, n(n+1)/2 passes for the whole (symmetric) matrix."""
    m, counter = problem.counting()
    names = problem.variables
    matrix = [[0.0] * len(names) for _ in names]
    passes = 0
    for i, a in enumerate(names):
        for j in range(i, len(names)):
            b = names[j]
            levels = [new_level(), new_level()]
            seeded: dict[str, Any] = {}
            for name, x in problem.point.items():
                seeded[name] = Dual(Dual(x, 1.0 if name == a else 0.0, levels[0]),
                                    1.0 if name == b else 0.0, levels[1])
            with arithmetic(m):
                y = problem.run(seeded, m)[0]
            passes += 1
            matrix[i][j] = matrix[j][i] = innermost_tangent(y, levels)
    rows = [dict(zip(names, row, strict=True)) for row in matrix]
    return MethodResult.measured(ID, rows, counter, passes,
                                 notes=[f"forward-over-forward: {passes} passes, one per pair"])
