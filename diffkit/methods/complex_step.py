"""``complex-step``: f'(x) = Im f(x + ih) / h for an analytic f.

No subtraction, so no cancellation: h can be tiny (default 1e-20·max(|x|, 1e-100))
and the result is exact to rounding.  One complex evaluation per variable.  Needs a
complex-analytic graph: ``abs``, ``sign``, ``max`` and ``min`` are refused with a
message rather than given a wrong number."""

from __future__ import annotations

import numpy as np

from diffkit.errors import NotAnalyticError
from diffkit.evaluate import evaluate
from diffkit.primitives import PRIMITIVES

from .base import MethodResult, Problem

ID = "complex-step"


def run(problem: Problem) -> MethodResult:
    refused = sorted({n.op for n in problem.graph.nodes if n.op in PRIMITIVES and not PRIMITIVES[n.op].analytic})
    if refused:
        raise NotAnalyticError(
            f"the complex step needs an analytic function, and {', '.join(refused)} "
            "is not: use another method"
        )
    m, counter = problem.counting()
    out = problem.graph.outputs[0]
    gradient, steps = {}, {}
    for name, x in problem.point.items():
        h = problem.step or 1e-20 * max(abs(x), 1e-100)
        point = dict(problem.point)
        point[name] = complex(x, h)
        y = evaluate(problem.graph, point, m)[out]
        gradient[name] = float(np.imag(y)) / h
        steps[name] = h
    return MethodResult.measured(
        ID,
        gradient,
        counter,
        len(problem.variables),
        step=steps,
        notes=[f"step h = {', '.join(f'{v:.3g}' for v in steps.values())} (imaginary)"],
    )
