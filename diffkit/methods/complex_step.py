"""``complex-step``: f'(x) = Im f(x + ih) / h for an analytic f.

No subtraction, so no cancellation: h can be tiny (default 1e-20·max(|x|, 1e-100))
and the result is exact to rounding.  One complex evaluation per variable.  Needs a
complex-analytic graph: ``abs``, ``sign``, ``max`` and ``min`` are refused with a
message rather than given a wrong number."""

from __future__ import annotations

import numpy as np

from diffkit.errors import NotAnalyticError
from diffkit.primitives import PRIMITIVES

from .base import MethodResult, Problem
from .finite_difference import f_at

ID = "complex-step"


def run(problem: Problem) -> MethodResult:
    refused = sorted({n.op for n in problem.graph.nodes if n.op in PRIMITIVES and not PRIMITIVES[n.op].analytic})
    if refused:
        raise NotAnalyticError(
            f"the complex step needs an analytic function, and {', '.join(refused)} "
            "is not: use another method"
        )
    m, counter = problem.counting()
    steps = {name: problem.step or 1e-20 * max(abs(x), 1e-100) for name, x in problem.point.items()}
    values = f_at(problem, m, [(name, complex(x, steps[name])) for name, x in problem.point.items()])
    gradient = {name: float(np.imag(v)) / steps[name] for name, v in zip(problem.point, values, strict=True)}
    return MethodResult.measured(
        ID,
        gradient,
        counter,
        len(problem.variables),
        step=steps,
        notes=[f"step h = {', '.join(f'{v:.3g}' for v in steps.values())} (imaginary)"],
    )
