"""Finite differences: the derivative from values of f alone.

- ``fd-forward``  (f(x+h) − f(x)) / h, error O(h), default h = √ε·max(1, |x|)
- ``fd-backward`` (f(x) − f(x−h)) / h, error O(h), default h = √ε·max(1, |x|)
- ``fd-central``  (f(x+h) − f(x−h)) / 2h, error O(h²), default h = ∛ε·max(1, |x|)
- ``fd-richardson`` central differences at h, h/2, h/4, ... combined by Richardson
  extrapolation, stopping when its error estimate stops improving; the estimate is
  returned with the value.

Why those steps: a difference rule of order p has truncation error ≈ C·hᵖ and
round-off error ≈ ε·|f|/h; their sum is smallest near h ≈ ε^(1/(p+1)), i.e. √ε for
p = 1 and ∛ε for p = 2 (times the scale of x).  Every step is made exactly
representable first (``h = (x + h) − x``) so that the division uses the step that
was really taken.  They fail when f does not vary on the scale max(1, |x|), next to
a domain edge (a step that leaves the domain is an error), and at kinks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from diffkit.errors import EvaluationError
from diffkit.evaluate import evaluate

from .base import MethodResult, Problem

EPS = float(np.finfo(float).eps)

#: scheme id → (offset of the low point, offset of the high point, default step scale)
SCHEMES = {
    "fd-forward": (0, 1, math.sqrt(EPS)),
    "fd-backward": (-1, 0, math.sqrt(EPS)),
    "fd-central": (-1, 1, EPS ** (1 / 3)),
}
RICHARDSON = "fd-richardson"


def representable_step(x: float, h: float) -> float:
    """The step the computer really takes from x: ``(x + h) − x``."""
    taken = (x + h) - x
    if taken == 0:
        raise EvaluationError(f"the step {h:g} is too small to change x = {x:g} in float64")
    return taken


class _Function:
    """f at points that differ from the problem's point in one variable; counts
    evaluations and caches f(x) itself."""

    def __init__(self, problem: Problem, m: Any) -> None:
        self.problem, self.m = problem, m
        self.evaluations = 0
        self._at_point: float | None = None

    def __call__(self, name: str, x: float) -> float:
        if x == self.problem.point[name] and self._at_point is not None:
            return self._at_point
        point = dict(self.problem.point)
        point[name] = x
        self.evaluations += 1
        value = evaluate(self.problem.graph, point, self.m)[self.problem.graph.outputs[0]]
        if x == self.problem.point[name]:
            self._at_point = value
        return value


def run_scheme(problem: Problem, method: str) -> MethodResult:
    low, high, scale = SCHEMES[method]
    m, counter = problem.counting()
    f = _Function(problem, m)
    gradient, steps = {}, {}
    for name, x in problem.point.items():
        h = representable_step(x, problem.step or scale * max(1.0, abs(x)))
        x_lo, x_hi = x + low * h, x + high * h
        gradient[name] = float(m.div(m.sub(f(name, x_hi), f(name, x_lo)), x_hi - x_lo))
        steps[name] = h
    return MethodResult.measured(
        method,
        gradient,
        counter,
        f.evaluations,
        step=steps,
        notes=[f"step h = {_steps_text(steps)}"],
    )


def _steps_text(steps: dict[str, float]) -> str:
    if len(steps) == 1:
        return f"{next(iter(steps.values())):.3g}"
    return ", ".join(f"{k}: {v:.3g}" for k, v in steps.items())


def _richardson_one(f: _Function, m: Any, name: str, x: float, h0: float, levels: int = 10):
    """Central differences at h0/2^k, extrapolated; returns (value, error estimate)."""
    previous: list[Any] = []
    best, best_error = None, math.inf
    h = h0
    for k in range(levels):
        h = representable_step(x, h)
        row = [m.div(m.sub(f(name, x + h), f(name, x - h)), 2 * h)]
        for j in range(1, k + 1):
            factor = 4.0**j
            improved = m.add(row[j - 1], m.div(m.sub(row[j - 1], previous[j - 1]), factor - 1))
            row.append(improved)
            error = max(abs(improved - row[j - 1]), abs(improved - previous[j - 1]))
            if error <= best_error:
                best, best_error = improved, error
        if k > 0 and abs(row[k] - previous[k - 1]) >= 2 * best_error:
            break  # round-off has taken over: the table stops improving
        previous = row
        h = h / 2
    if best is None:
        best, best_error = previous[0], math.inf
    return float(best), float(best_error)


def run_richardson(problem: Problem) -> MethodResult:
    m, counter = problem.counting()
    f = _Function(problem, m)
    gradient, steps, estimates = {}, {}, []
    for name, x in problem.point.items():
        h0 = problem.step or 0.1 * max(1.0, abs(x))
        for _attempt in range(6):  # a first step that leaves the domain: try smaller
            try:
                value, estimate = _richardson_one(f, m, name, x, h0)
                break
            except EvaluationError:
                if problem.step or _attempt == 5:
                    raise
                h0 /= 8
        gradient[name], steps[name] = value, h0
        estimates.append(estimate)
    estimate = max(estimates)
    return MethodResult.measured(
        RICHARDSON,
        gradient,
        counter,
        f.evaluations,
        step=steps,
        error_estimate=estimate,
        notes=[f"error estimate ±{estimate:.2g}; first step h = {_steps_text(steps)}"],
    )
