"""Finite differences: the derivative from values of f alone.

- ``fd-forward``  (f(x+h) − f(x)) / h, error O(h), default h = √ε·max(1, |x|)
- ``fd-backward`` (f(x) − f(x−h)) / h, error O(h), default h = √ε·max(1, |x|)
- ``fd-central``  (f(x+h) − f(x−h)) / 2h, error O(h²), default h = ∛ε·max(1, |x|)
- ``fd-extended`` the central difference with f evaluated at 50 digits (mpmath)
- the central-difference Hessian of ``compare(..., hessian=True)``

(``fd-richardson`` builds on these in ``richardson.py``.)

The weights come from ``stencils`` (Fornberg's recurrence).  Why those steps: a rule
of accuracy p for the d-th derivative has truncation error ≈ C·hᵖ and round-off error
≈ ε·|f|/hᵈ; their sum is smallest near h ≈ ε^(1/(p+d)): √ε for forward differences,
∛ε for central ones (times the scale of x).  Every step is made exactly
representable first (``h = (x + h) − x``).  All the points a method needs, for every
variable, are evaluated in one vectorized pass over the graph.  These rules fail when
f does not vary on the scale max(1, |x|), next to a domain edge (a step that leaves
the domain is an error), and at kinks.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from diffkit.ir.counting import CountingBackend, OpCounter
from diffkit.methods.base import OK, UNRELIABLE, MethodResult, Problem
from diffkit.numerics.differences import (
    EPS,
    combine,
    default_step,
    error_model,
    optimal_step,
    representable_step,
)
from diffkit.numerics.stencils import Stencil, stencil
from diffkit.support.errors import EvaluationError
from diffkit.table.backends import MPMATH

#: method id → its textbook stencil
SCHEMES: dict[str, Stencil] = {
    "fd-forward": stencil(1, 1, "forward"),
    "fd-backward": stencil(1, 1, "backward"),
    "fd-central": stencil(1, 2),
}
_KINDS = {"fd-forward": "forward", "fd-backward": "backward", "fd-central": "central"}


def rule_for(method: str, accuracy: int | None, derivative: int = 1) -> Stencil:
    """The method's stencil for the derivative order, at the requested accuracy order
    (the textbook one if None: 1 for one-sided rules, 2 for central ones)."""
    if accuracy is None and derivative == 1:
        return SCHEMES[method]
    if method == "fd-central" and accuracy is not None and accuracy % 2:
        raise EvaluationError(f"central differences have an even accuracy order, not {accuracy}")
    if accuracy is None:
        accuracy = 2 if method == "fd-central" else 1
    return stencil(derivative, accuracy, _KINDS[method])
def auto_step(problem: Problem, name: str, rule: Stencil) -> float:
    """The step that minimises the rule's error model (``numerics.error_model``) for
    this f at this point: f^(d+p) exact from nested dual numbers on the graph, the
    error of one value of f the larger of its rounding (``Problem.rounding_error``)
    and the noise level ``problem.noise`` times |f|.  Where f^(d+p) is 0 or unknown,
    the default step scaled to the noise level."""
    x = problem.point[name]
    p, d = rule.accuracy, rule.derivative
    delta = max(EPS, problem.noise or 0.0)
    high = problem.higher_derivative(name, d + p)
    h = None
    if high and math.isfinite(high):
        value_error = max(problem.rounding_error, delta * abs(problem.value), 1e-300)
        h = optimal_step(error_model(rule, high, value_error))
    if h is None:  # no model here (f^(d+p) = 0, or its terms under- or overflow)
        return default_step(rule, x) * (delta / EPS) ** (1 / (p + d))
    return max(h, 16 * EPS * max(abs(x), 1e-300))


def f_at(problem: Problem, m: Any, moves: list[tuple[str, complex]]) -> np.ndarray:
    """f at len(moves) points, each the problem's point with one variable moved to a
    new (real or complex) value, in one vectorized evaluation of the graph: an array
    of shape (outputs, points)."""
    k = len(moves)
    # every node keeps an array of the points: cap the arrays' total size (~160 MB)
    chunk = max(1, CHUNK_ELEMENTS // max(1, len(problem.graph.nodes) if problem.graph else 1))
    if k > chunk:
        return np.concatenate(
            [f_at(problem, m, moves[i : i + chunk]) for i in range(0, k, chunk)], axis=1)
    kind = complex if any(isinstance(v, complex) for _, v in moves) else float
    inputs = {name: np.full(k, x, dtype=kind) for name, x in problem.point.items()}
    for j, (name, value) in enumerate(moves):
        inputs[name][j] = value
    return problem.values_at(inputs, m)


#: the most array elements one vectorized evaluation may hold across all nodes
CHUNK_ELEMENTS = 20_000_000


def run_scheme(problem: Problem, method: str) -> MethodResult:
    rule = rule_for(method, problem.accuracy, problem.order)
    m, counter = problem.counting()
    auto = problem.step == "auto"
    wanted = {
        name: auto_step(problem, name, rule) if auto else problem.step or default_step(rule, x)
        for name, x in problem.point.items()
    }
    evaluations = 0
    for attempt in range(40):  # an automatic step that leaves the domain is halved
        steps = {name: representable_step(x, wanted[name]) for name, x in problem.point.items()}
        moves, where = _stencil_points(problem, rule, steps)
        evaluations += len(moves)
        try:
            values = f_at(problem, m, moves)
            break
        except EvaluationError:
            if not auto or attempt == 39:
                raise
            wanted = {name: h / 2 for name, h in wanted.items()}
    rows: list[dict[str, float]] = []
    for output in values:  # each output: a row of the Jacobian from the same points
        row = {}
        for name in problem.point:
            at = {o: output[where[("", 0) if o == 0 else (name, o)]] for o in rule.points}
            row[name] = float(combine(m, rule, at, steps[name]))
        rows.append(row)
    how = " (chosen from f" + (f", noise {problem.noise:.1e}" if problem.noise else "") + ")"
    if problem.accuracy is not None:
        how += f"; {len(moves)} points, accuracy O(h^{rule.accuracy})"
    return MethodResult.measured(
        method,
        rows,
        counter,
        evaluations,
        step=steps,
        notes=[f"step h = {steps_text(steps)}" + (how if auto or problem.accuracy else "")],
    )


def _stencil_points(problem: Problem, rule: Stencil, steps: dict[str, float]):
    """The points a stencil needs for every variable (f(x) itself once), and where
    each (variable, offset) sits in that list."""
    moves: list[tuple[str, float]] = []
    where: dict[tuple[str, int], int] = {}
    for name, x in problem.point.items():
        for o in rule.points:
            key = ("", 0) if o == 0 else (name, o)
            if key not in where:
                where[key] = len(moves)
                moves.append((name, x + o * steps[name]))
    return moves, where


def steps_text(steps: dict[str, float]) -> str:
    if len(steps) == 1:
        return f"{next(iter(steps.values())):.3g}"
    if len(steps) > 4:  # many variables: the range (each step is in the JSON's "step")
        return f"{min(steps.values()):.3g} … {max(steps.values()):.3g} ({len(steps)} variables)"
    return ", ".join(f"{k}: {v:.3g}" for k, v in steps.items())


EXTENDED = "fd-extended"
EXTENDED_DIGITS = 50
#: the estimates at h and 2h agree to this fraction, or the row is flagged (their
#: truncation errors are ~1e-34 of the value wherever f is smooth on the scale of h)
EXTENDED_AGREEMENT = 1e-12


def run_extended(problem: Problem) -> MethodResult:
    """``fd-extended``: (f(x+h) − f(x−h)) / 2h with f evaluated through the same graph
    in 50-digit arithmetic (mpmath), and h = 1e-20·max(|x|, 1e-100).  Round-off is
    then ~1e-50/h and truncation ~|f'''|h²/6: both far below float64's resolution on
    every case, the badly scaled ones included — unless f is singular within a few
    steps of x (tan at the float nearest π/2): the estimate is made at 2h and h, and
    when the two disagree the row is flagged unreliable.  Costs four high-precision
    evaluations per variable; fails where x ± h leaves the domain or at a kink."""
    import mpmath


    counter = OpCounter()
    m = CountingBackend(MPMATH, counter)
    outputs = range(len(problem.output_values))
    rows: list[dict[str, float]] = [{} for _ in outputs]
    steps = {}
    disagreements: list[float] = []
    rule = stencil(problem.order, 2)
    digits = EXTENDED_DIGITS + 20 * (problem.order - 1)
    points = rule.points
    evaluations = 0
    with mpmath.workdps(digits):
        base = {k: mpmath.mpf(v) for k, v in problem.point.items()}
        # with several variables, f is evaluated once at the point and each move
        # recomputes only the part of the graph that depends on the moved variable
        at_base = problem.values_of_nodes(base, m) if len(base) > 1 else None
        evaluations += at_base is not None
        centre = None
        if 0 in points:
            centre = [at_base[o] for o in problem.graph.outputs] if at_base else problem.run(base, m)
            evaluations += at_base is None
        started = time.perf_counter()
        for done, name in enumerate(problem.point):
            problem.project(started, done, EXTENDED)
            scale = max(abs(base[name]), mpmath.mpf(1e-100))
            # round-off 10^-digits/h^k against truncation h^2: balance at h^(k+2)
            h = mpmath.mpf(10) ** (-digits / (problem.order + 2)) * scale
            estimates = []
            for step in (h, h / 2):  # twice: a singularity within a few steps shows
                values = {}
                for o in points:
                    if o == 0:
                        values[0] = centre
                        continue
                    moved = base[name] + o * step
                    values[o] = problem.run_moved(at_base, name, moved, m) if at_base \
                        else problem.run({**base, name: moved}, m)
                    evaluations += 1
                estimates.append([combine(m, rule, {o: v[out] for o, v in values.items()}, step)
                                  for out in outputs])
            for k in outputs:
                rows[k][name] = float(estimates[1][k])
                gap = abs(estimates[0][k] - estimates[1][k])
                if gap > EXTENDED_AGREEMENT * abs(estimates[1][k]):
                    disagreements.append(float(gap / abs(estimates[1][k])) if estimates[1][k]
                                         else math.inf)
            steps[name] = float(h / 2)
    notes = [f"{digits}-digit arithmetic; step h = {steps_text(steps)}, checked against 2h"]
    if disagreements:
        notes.insert(0, f"unreliable: the estimates at h and 2h differ by {max(disagreements):.1g} "
                        "of the value: f is singular (or changes fast) within a few steps of x")
    return MethodResult.measured(
        EXTENDED,
        rows,
        counter,
        evaluations,
        step=steps,
        notes=notes,
        status=UNRELIABLE if disagreements else OK,
    )


def hessian_central(problem: Problem) -> MethodResult:
    """Central differences for every second partial, from the stencils: f″'s
    (``stencil(2, 2)``, (f(x+hᵢ) − 2f(x) + f(x−hᵢ))/hᵢ²) on the diagonal, and f′'s
    central stencil along xᵢ then along xⱼ off it ((f(+,+) − f(+,−) − f(−,+) + f(−,−))
    / 4hᵢhⱼ), with h = ε^(1/4)·max(1, |x|); every point in one vectorized evaluation."""
    m, counter = problem.counting()
    names = problem.variables
    second, first = stencil(2, 2), stencil(1, 2)
    steps = {n: representable_step(x, EPS**0.25 * max(1.0, abs(x))) for n, x in problem.point.items()}
    points: list[dict[str, float]] = [dict(problem.point)]
    index: dict[tuple, int] = {(): 0}

    def at(shift: dict[str, int]) -> int:
        key = tuple(sorted((n, s) for n, s in shift.items() if s))
        if key not in index:
            p = dict(problem.point)
            for n, s in key:
                p[n] = problem.point[n] + s * steps[n]
            index[key] = len(points)
            points.append(p)
        return index[key]

    plan = {}
    for i, a in enumerate(names):
        plan[a, a] = {o: at({a: o}) for o in second.points}
        for b in names[i + 1:]:
            plan[a, b] = {(oa, ob): at({a: oa, b: ob}) for oa in first.points for ob in first.points}
    inputs = {n: np.array([p[n] for p in points]) for n in problem.point}
    values = problem.values_at(inputs, m)[0]
    matrix = {}
    for (a, b), where in plan.items():
        if a == b:
            matrix[a, a] = float(combine(m, second, {o: values[k] for o, k in where.items()}, steps[a]))
            continue
        along_a = {ob: combine(m, first, {oa: values[where[oa, ob]] for oa in first.points}, steps[a])
                   for ob in first.points}
        matrix[a, b] = matrix[b, a] = float(combine(m, first, along_a, steps[b]))
    rows = [{b: matrix[a, b] for b in names} for a in names]
    return MethodResult.measured("fd-central", rows, counter, len(points),
                                 step=steps, notes=[f"step h = {steps_text(steps)}"])
