"""``fd-richardson``: central differences at h, h/2, h/4, … combined by Richardson
extrapolation, stopping when its error estimate stops improving; the estimate, which
includes the round-off floor, is returned with the value and a large one flags the
row as unreliable.  The first step is fitted to how fast f' changes
(``richardson_start``)."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from diffkit.methods.base import OK, MethodResult, Problem
from diffkit.methods.base import UNRELIABLE as UNRELIABLE_STATUS
from diffkit.methods.finite_difference import f_at, steps_text
from diffkit.numerics.differences import RichardsonTable, combine, representable_step
from diffkit.numerics.stencils import stencil
from diffkit.support.errors import EvaluationError

RICHARDSON = "fd-richardson"


def richardson_start(problem: Problem, name: str, derivative: int = 1,
                     fraction: float = 0.25) -> float:
    """The first step of the Richardson table: a fraction of the length over which the
    derivative changes, L = min over k = 2, 4 of (|f^(d)| / |f^(d+k)|)^(1/k) (values
    from nested dual numbers on the graph; (|f| / |f^(d)|)^(1/d) where those overflow),
    so that the table starts where the central difference is already a fair
    estimate, whatever the scale of f.  0.1*max(1, |x|) where L is unknown."""
    x = problem.point[name]
    low = problem.higher_derivative(name, derivative)
    lengths = []
    for k in (2, 4):  # f^(d+2) alone can vanish at the point by coincidence
        high = problem.higher_derivative(name, derivative + k)
        if low and high and math.isfinite(low) and math.isfinite(high):
            lengths.append((abs(low) / abs(high)) ** (1 / k))
    if not lengths and low and math.isfinite(low):
        try:  # higher derivatives overflow: the length over which f itself changes
            value = abs(problem.value)
        except EvaluationError:
            value = 0.0
        if value:
            lengths.append((value / abs(low)) ** (1 / derivative))
    return fraction * min(lengths) if lengths else 0.1 * max(1.0, abs(x))


def run_richardson(problem: Problem, levels: int = 10, derivative: int | None = None) -> MethodResult:
    """Richardson extrapolation of central differences for the derivative of the
    problem's order (or ``derivative``), with an error estimate that includes the
    round-off floor.  Any order: the central stencil's error series is in even
    powers of h whatever the derivative.  When the estimate is unreliable (the first
    steps straddled a jump or a kink of f) the table restarts from steps a thousand
    times smaller, twice at most, and the best-estimated result is kept."""
    best = _richardson(problem, levels, derivative, 1.0)
    evaluations, ops = best.evaluations, best.ops
    shrink = 1.0
    while best.status == UNRELIABLE_STATUS and not isinstance(problem.step, float) and shrink > 1e-6:
        shrink *= 1e-3
        retry = _richardson(problem, levels, derivative, shrink)
        evaluations += retry.evaluations
        ops += retry.ops
        if retry.error_estimate < best.error_estimate:
            best = retry
            best.notes.append("restarted from smaller steps: the first ones gave an unreliable estimate")
    best.evaluations, best.ops = evaluations, ops
    return best


def _richardson(problem: Problem, levels: int, derivative: int | None, shrink: float) -> MethodResult:
    derivative = problem.order if derivative is None else derivative
    rule = stencil(derivative, 2)
    offsets = [o for o in rule.points if o]
    m, counter = problem.counting()
    n_out = len(problem.output_values)
    tables: dict[str, list[RichardsonTable]] = {}  # per variable, one table per output
    evaluations = 0
    centre: list[Any] = [None] * n_out
    if 0 in rule.points:
        name0, x0 = next(iter(problem.point.items()))
        centre = list(f_at(problem, m, [(name0, x0)])[:, 0])
        evaluations += 1

    def row_values(values: np.ndarray, k: int, start: int) -> dict[int, Any]:
        at = {o: values[k, start + j] for j, o in enumerate(offsets)}
        if centre[k] is not None:
            at[0] = centre[k]
        return at

    user_step = problem.step if isinstance(problem.step, float) else None
    started = time.perf_counter()
    for done, (name, x) in enumerate(problem.point.items()):
        problem.project(started, done, RICHARDSON)
        h = user_step or shrink * richardson_start(problem, name, derivative)
        # a first step that leaves the domain: try smaller ones (not with a user step)
        for attempt in range(12):
            h = representable_step(x, h)
            evaluations += len(offsets)
            try:
                first = f_at(problem, m, [(name, x + o * h) for o in offsets])
                break
            except EvaluationError:
                if user_step or attempt == 11:
                    raise
                h /= 8
        tables[name] = [RichardsonTable(h, rule, abs(v)) for v in problem.output_values]
        for k, t in enumerate(tables[name]):
            t.add_row(m, combine(m, rule, row_values(first, k, 0), h))
    for _level in range(1, levels):
        active = [(name, ts) for name, ts in tables.items() if not all(t.done for t in ts)]
        if not active:
            break
        moves = []
        for name, ts in active:
            x = problem.point[name]
            h = representable_step(x, ts[0].h)
            for t in ts:
                t.h = h
            moves += [(name, x + o * h) for o in offsets]
        values = f_at(problem, m, moves)
        evaluations += len(moves)
        for i, (_, ts) in enumerate(active):
            for k, t in enumerate(ts):
                if not t.done:
                    t.add_row(m, combine(m, rule, row_values(values, k, i * len(offsets)), t.h))
                else:
                    t.h /= 2
    rows: list[dict[str, float]] = [{} for _ in range(n_out)]
    estimates = []
    for name, ts in tables.items():
        for k, t in enumerate(ts):
            rows[k][name], estimate = t.result()
            estimates.append(estimate)
    steps = {name: ts[0].h0 for name, ts in tables.items()}
    estimate = max(estimates)
    scale = max(abs(v) for row in rows for v in row.values())
    unreliable = not estimate <= UNRELIABLE * max(scale, 1e-300)
    if unreliable:
        notes = [(f"unreliable: the error estimate ±{estimate:.2g} is more than {UNRELIABLE:g} "
                 f"of the value"), f"first step h = {steps_text(steps)}"]
    else:
        notes = [f"error estimate ±{estimate:.2g}; first step h = {steps_text(steps)}"]
    return MethodResult.measured(
        RICHARDSON,
        rows,
        counter,
        evaluations,
        step=steps,
        error_estimate=estimate,
        notes=notes,
        status=UNRELIABLE_STATUS if unreliable else OK,
    )


#: an estimate larger than this fraction of the value flags the result as unreliable
UNRELIABLE = 1e-6
