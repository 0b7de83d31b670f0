"""``complex-step``: f'(x) = Im f(x + ih) / h for an analytic f (and, for f'',
2·(f(x) − Re f(x + ih)) / h², which has a subtraction again).

No subtraction, so no cancellation: h can be tiny (default 1e-20·min(|x|, 1))
and the result is exact to rounding.  One complex evaluation per variable.  Needs a
complex-analytic graph: ``abs``, ``sign``, ``max`` and ``min`` are refused with a
message rather than given a wrong number."""

from __future__ import annotations

import numpy as np

from diffkit.methods.base import OK, UNRELIABLE, MethodResult, Problem
from diffkit.methods.finite_difference import f_at, steps_text
from diffkit.numerics.differences import TINY, complex_default_step, complex_step
from diffkit.support.errors import EvaluationError, NotAnalyticError
from diffkit.table.primitives import PRIMITIVES

ID = "complex-step"


def _refuse_a_negative_base(problem: Problem) -> None:
    """a**b with a < 0 is real only at integer b: a complex step in b crosses the
    branch cut, and its imaginary part is the rounding of e^(2πi), not f's slope."""
    nodes, values = problem.graph.nodes, None
    for node in nodes:
        if node.op == "pow" and nodes[node.args[1]].op != "const":
            values = problem.graph_values if values is None else values
            if np.any(np.real(values[node.args[0]]) < 0):
                raise NotAnalyticError("the complex step needs an analytic function, and a**b "
                                       "with a < 0 is real only at integer b: use another method")


def run(problem: Problem) -> MethodResult:
    refused = sorted({n.op for n in problem.graph.nodes if n.op in PRIMITIVES and not PRIMITIVES[n.op].analytic})
    if refused:
        raise NotAnalyticError(
            f"the complex step needs an analytic function, and {', '.join(refused)} "
            "is not: use another method"
        )
    _refuse_a_negative_base(problem)
    if problem.order > 2:
        raise NotAnalyticError("the complex step gives first and second derivatives only; "
                               "use another method for higher orders")
    m, counter = problem.counting()
    user = problem.step if isinstance(problem.step, float) else None
    steps = {name: user or complex_default_step(problem.order, x) for name, x in problem.point.items()}
    near_zero = [name for name, x in problem.point.items()
                 if problem.order == 1 and not user and 0 < abs(x) < steps[name]]
    values = f_at(problem, m, [(name, complex(x, steps[name])) for name, x in problem.point.items()])
    lost = [abs(v.imag) for v in np.ravel(values) if 0 < abs(np.imag(v)) < TINY]
    subnormal = (f"Im f(x + ih) = {lost[0]:.3g} is a subnormal number: the step is too small "
                 "to keep float64's precision") if problem.order == 1 and lost else None
    if subnormal and user:
        raise EvaluationError(f"{subnormal} (try the default step)")
    rows = []
    for output, f_x in zip(values, problem.output_values, strict=True):
        rows.append({name: float(complex_step(v, steps[name], f_x, problem.order))
                     for name, v in zip(problem.point, output, strict=True)})
    return MethodResult.measured(
        ID,
        rows,
        counter,
        len(problem.variables),
        step=steps,
        notes=([f"unreliable: {subnormal} (x is tiny)"] if subnormal else [])
        + ([(f"unreliable: {', '.join(near_zero)} is closer to 0 than any normal step far below "
            "it: if f is singular at 0, the step crossed it")] if near_zero else [])
        + [f"step h = {steps_text(steps)} (imaginary)"],
        status=UNRELIABLE if subnormal or near_zero else OK,
    )
