"""f's one-sided partial derivatives at a point, from high-precision one-sided
differences of its values (none of diffkit's rules): what ``compare`` shows at a kink,
where the two sides differ and no method's single number can be the derivative.

>>> from diffkit.methods.python_function import problem_of
>>> one_sided(problem_of("abs(x)", 0.0))
{'x': (-1.0, 1.0)}
"""

from __future__ import annotations

import math

import mpmath

from diffkit.analysis.reference import (
    DIGITS,
    GUARD_DIGITS,
    agreement,
    stencil_estimate,
    step_unit,
)
from diffkit.methods.base import Problem
from diffkit.numerics.stencils import stencil
from diffkit.support.budget import time_budget
from diffkit.support.errors import EvaluationError

#: one-sided slopes: a 4th-order one-sided difference at steps s·10^-e for these e
ONE_SIDED_EXPONENTS = (20, 30, 40)
#: the digits two successive one-sided estimates must agree on
ONE_SIDED_DIGITS = 20


def _one_sided_slope(problem: Problem, name: str, direction: int) -> float | None:
    """The derivative of f along ``name`` from one side (direction +1: the right,
    −1: the left), or None where it is not a finite number (a jump, an infinite
    slope, a side outside the domain)."""
    rule = stencil(1, 4, "forward")
    x = problem.point[name]
    magnitude = math.ceil(math.log10(max(abs(x), 1.0)))
    previous = None
    for exponent in ONE_SIDED_EXPONENTS:
        dps = DIGITS + GUARD_DIGITS + exponent + magnitude
        with mpmath.workdps(dps):
            h = direction * mpmath.mpf(step_unit(x)) * mpmath.mpf(10) ** -exponent
            try:
                estimates, roundoff = stencil_estimate(problem, {name: rule}, {name: h}, dps)
            except EvaluationError:
                return None
            estimate = estimates[0]
            if abs(estimate) <= roundoff:
                estimate = mpmath.mpf(0)
            if previous is not None and agreement(
                    [previous[0]], [estimate], floor=previous[1] + roundoff) >= ONE_SIDED_DIGITS:
                return float(estimate)
            previous = (estimate, roundoff)
    return None


def one_sided(problem: Problem) -> dict[str, tuple[float | None, float | None]]:
    """``{name: (left, right)}``: f's one-sided partial derivatives at the point, from
    high-precision one-sided differences of its values (none of diffkit's rules), each
    None where it does not exist as a finite number."""
    with time_budget(problem.limits.method_seconds, "the one-sided derivatives"):
        return {name: (_one_sided_slope(problem, name, -1), _one_sided_slope(problem, name, +1))
                for name in problem.variables}
