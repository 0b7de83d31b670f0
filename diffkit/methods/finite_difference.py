"""Finite differences: the derivative from values of f alone.

- ``fd-forward``  (f(x+h) − f(x)) / h, error O(h), default h = √ε·max(1, |x|)
- ``fd-backward`` (f(x) − f(x−h)) / h, error O(h), default h = √ε·max(1, |x|)
- ``fd-central``  (f(x+h) − f(x−h)) / 2h, error O(h²), default h = ∛ε·max(1, |x|)
- ``fd-richardson`` central differences at h, h/2, h/4, ... combined by Richardson
  extrapolation, stopping when its error estimate stops improving; the estimate is
  returned with the value.

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

from diffkit.backends import MPMATH
from diffkit.counting import CountingBackend, OpCounter
from diffkit.errors import EvaluationError
from diffkit.stencils import Stencil, stencil

from .base import OK, MethodResult, Problem
from .base import UNRELIABLE as UNRELIABLE_STATUS

EPS = float(np.finfo(float).eps)

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
RICHARDSON = "fd-richardson"


def default_step(rule: Stencil, x: float) -> float:
    """ε^(1/(p+d))·max(1, |x|): where truncation and round-off balance for unit scales."""
    return EPS ** (1 / (rule.accuracy + rule.derivative)) * max(1.0, abs(x))


def auto_step(problem: Problem, name: str, rule: Stencil) -> float:
    """The step that minimises the rule's error model for this f at this point:
    h* = (d·B / (p·A))^(1/(p+d)) with A = |c·f^(d+p)(x)| (the exact derivative, from
    nested dual numbers on the graph) and B = δ·|f(x)|·Σ|wᵢ| (δ = the noise level,
    at least ε).
    Where f^(d+p) is 0 or unknown, the default step scaled to the noise level."""
    x = problem.point[name]
    p, d = rule.accuracy, rule.derivative
    delta = max(EPS, problem.noise or 0.0)
    high = problem.higher_derivative(name, d + p)
    if not high or not math.isfinite(high):
        return default_step(rule, x) * (delta / EPS) ** (1 / (p + d))
    a = abs(float(rule.truncation_constant) * high)
    b = delta * max(abs(problem.value), 1e-300) * float(rule.roundoff_factor)
    if a == 0 or not math.isfinite(d * b / (p * a)):  # the model's terms under- or overflow
        return default_step(rule, x) * (delta / EPS) ** (1 / (p + d))
    h = (d * b / (p * a)) ** (1 / (p + d))
    return max(h, 16 * EPS * max(abs(x), 1e-300))


def representable_step(x: float, h: float) -> float:
    """The step the computer really takes from x: ``(x + h) − x``."""
    taken = (x + h) - x
    if taken == 0:
        raise EvaluationError(f"the step {h:g} is too small to change x = {x:g} in float64")
    return taken


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


def combine(m: Any, rule: Stencil, values: dict[int, Any], h: float) -> Any:
    """Σ wᵢ f(x + oᵢh) / hᵈ, written as a person would: integer weights over a common
    denominator, so that (f(x+h) − f(x−h)) / 2h costs one sub and one div."""
    denominator = math.lcm(*[w.denominator for w in rule.weights])
    terms = sorted(
        ((int(w * denominator), o) for o, w in zip(rule.offsets, rule.weights, strict=True) if w),
        key=lambda t: -t[0],
    )
    acc = None
    for n, o in terms:
        v = values[o] if abs(n) == 1 else m.mul(float(abs(n)), values[o])
        if acc is None:
            acc = v if n > 0 else m.neg(v)
        else:
            acc = m.add(acc, v) if n > 0 else m.sub(acc, v)
    return m.div(acc, denominator * h**rule.derivative)


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
            at = {o: output[where[("", 0) if o == 0 else (name, o)]]
                  for o, w in zip(rule.offsets, rule.weights, strict=True) if w}
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
        notes=[f"step h = {_steps_text(steps)}" + (how if auto or problem.accuracy else "")],
    )


def _stencil_points(problem: Problem, rule: Stencil, steps: dict[str, float]):
    """The points a stencil needs for every variable (f(x) itself once), and where
    each (variable, offset) sits in that list."""
    moves: list[tuple[str, float]] = []
    where: dict[tuple[str, int], int] = {}
    for name, x in problem.point.items():
        for o, w in zip(rule.offsets, rule.weights, strict=True):
            if not w:
                continue
            key = ("", 0) if o == 0 else (name, o)
            if key not in where:
                where[key] = len(moves)
                moves.append((name, x + o * steps[name]))
    return moves, where


def _steps_text(steps: dict[str, float]) -> str:
    if len(steps) == 1:
        return f"{next(iter(steps.values())):.3g}"
    if len(steps) > 4:  # many variables: the range (each step is in the JSON's "step")
        return f"{min(steps.values()):.3g} … {max(steps.values()):.3g} ({len(steps)} variables)"
    return ", ".join(f"{k}: {v:.3g}" for k, v in steps.items())


class _Table:
    """One variable's Richardson table: central differences at h0/2^k, extrapolated.

    A central difference has an error series in even powers of h, so each column
    cancels one more: T[k][j] = T[k][j-1] +
    (T[k][j-1] − T[k-1][j-1]) / (4^j − 1)."""

    def __init__(self, x: float, h0: float, scale: float, rule: Stencil) -> None:
        self.x, self.h0, self.h = x, h0, h0
        self.derivative = rule.derivative
        # round-off in a row: eps·|f|·Σ|w|/h^d (Σ|w| = 1 for f', 4 for f'')
        self.noise = EPS * scale * float(rule.roundoff_factor)
        self.previous: list[Any] = []
        self.best: Any = None
        self.best_error = math.inf
        self.done = False

    def roundoff(self, h: float) -> float:
        return self.noise / h**self.derivative

    def add_row(self, m: Any, central: Any) -> None:
        row = [central]
        k = len(self.previous)
        roundoff = self.roundoff(self.h)
        for j in range(1, k + 1):
            improved = m.add(row[j - 1], m.div(m.sub(row[j - 1], self.previous[j - 1]), 4.0**j - 1))
            row.append(improved)
            error = max(abs(improved - row[j - 1]), abs(improved - self.previous[j - 1]), roundoff)
            if error <= self.best_error:
                self.best, self.best_error = improved, error
        if k > 1 and abs(row[k] - self.previous[k - 1]) >= 2 * self.best_error:
            self.done = True  # round-off has taken over: the table stops improving
        self.previous = row
        self.h /= 2
        if self.best is not None and self.roundoff(self.h) >= self.best_error:
            self.done = True  # the next row's round-off alone would exceed the best error

    def result(self) -> tuple[float, float]:
        if self.best is None:
            return float(self.previous[0]), math.inf
        return float(self.best), float(self.best_error)


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
    offsets = [o for o, w in zip(rule.offsets, rule.weights, strict=True) if w and o]
    m, counter = problem.counting()
    n_out = len(problem.output_values)
    tables: dict[str, list[_Table]] = {}  # per variable, one table per output
    evaluations = 0
    centre: list[Any] = [None] * n_out
    if any(o == 0 and w for o, w in zip(rule.offsets, rule.weights, strict=True)):
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
        tables[name] = [_Table(x, h, abs(v), rule) for v in problem.output_values]
        for k, t in enumerate(tables[name]):
            t.add_row(m, combine(m, rule, row_values(first, k, 0), h))
    for _level in range(1, levels):
        active = [(name, ts) for name, ts in tables.items() if not all(t.done for t in ts)]
        if not active:
            break
        moves = []
        for name, ts in active:
            h = representable_step(ts[0].x, ts[0].h)
            for t in ts:
                t.h = h
            moves += [(name, ts[0].x + o * h) for o in offsets]
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
    notes = [f"error estimate ±{estimate:.2g}; first step h = {_steps_text(steps)}"]
    scale = max(abs(v) for row in rows for v in row.values())
    unreliable = not estimate <= UNRELIABLE * max(scale, 1e-300)
    if unreliable:
        notes.insert(0, f"unreliable: the error estimate ±{estimate:.2g} is more than "
                        f"{UNRELIABLE:g} of the value")
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


EXTENDED = "fd-extended"
EXTENDED_DIGITS = 50


def run_extended(problem: Problem) -> MethodResult:
    """``fd-extended``: (f(x+h) − f(x−h)) / 2h with f evaluated through the same graph
    in 50-digit arithmetic (mpmath), and h = 1e-20·max(|x|, 1e-100).  Round-off is
    then ~1e-50/h and truncation ~|f'''|h²/6: both far below float64's resolution on
    every case, the badly scaled ones included.  Costs two high-precision evaluations
    per variable; fails where x ± h leaves the domain or at a kink."""
    import mpmath


    counter = OpCounter()
    m = CountingBackend(MPMATH, counter)
    outputs = range(len(problem.output_values))
    rows: list[dict[str, float]] = [{} for _ in outputs]
    steps = {}
    rule = stencil(problem.order, 2)
    digits = EXTENDED_DIGITS + 20 * (problem.order - 1)
    points = [o for o, w in zip(rule.offsets, rule.weights, strict=True) if w]
    evaluations = 0
    with mpmath.workdps(digits):
        base = {k: mpmath.mpf(v) for k, v in problem.point.items()}
        centre = problem.run(base, m) if 0 in points else None
        evaluations += centre is not None
        started = time.perf_counter()
        for done, name in enumerate(problem.point):
            problem.project(started, done, EXTENDED)
            scale = max(abs(base[name]), mpmath.mpf(1e-100))
            # round-off 10^-digits/h^k against truncation h^2: balance at h^(k+2)
            h = mpmath.mpf(10) ** (-digits / (problem.order + 2)) * scale
            values = {}
            for o in points:
                if o == 0:
                    values[0] = centre
                    continue
                moved = dict(base)
                moved[name] = base[name] + o * h
                values[o] = problem.run(moved, m)
                evaluations += 1
            for k, out in enumerate(outputs):
                rows[k][name] = float(combine(m, rule, {o: v[out] for o, v in values.items()}, h))
            steps[name] = float(h)
    return MethodResult.measured(
        EXTENDED,
        rows,
        counter,
        evaluations,
        step=steps,
        notes=[f"{digits}-digit arithmetic; step h = {_steps_text(steps)}"],
    )


def hessian_central(problem: Problem) -> MethodResult:
    """Central second differences: (f(x+hᵢ) − 2f(x) + f(x−hᵢ))/hᵢ² on the diagonal and
    (f(x+hᵢ+hⱼ) − f(x+hᵢ−hⱼ) − f(x−hᵢ+hⱼ) + f(x−hᵢ−hⱼ))/(4hᵢhⱼ) off it, with
    h = ε^(1/4)·max(1, |x|); every point in one vectorized evaluation."""
    m, counter = problem.counting()
    names = problem.variables
    steps = {n: representable_step(x, EPS**0.25 * max(1.0, abs(x))) for n, x in problem.point.items()}
    points: list[dict[str, float]] = [dict(problem.point)]
    index: dict[tuple, int] = {}

    def at(shift: dict[str, int]) -> int:
        key = tuple(sorted(shift.items()))
        if key not in index:
            p = dict(problem.point)
            for n, s in shift.items():
                p[n] = problem.point[n] + s * steps[n]
            index[key] = len(points)
            points.append(p)
        return index[key]

    plan = {}
    for i, a in enumerate(names):
        for j in range(i, len(names)):
            b = names[j]
            if a == b:
                plan[(a, b)] = (at({a: 1}), at({a: -1}))
            else:
                plan[(a, b)] = tuple(at({a: sa, b: sb}) for sa, sb in ((1, 1), (1, -1), (-1, 1), (-1, -1)))
    inputs = {n: np.array([p[n] for p in points]) for n in problem.point}
    values = problem.values_at(inputs, m)[0]
    matrix = {}
    for (a, b), idx in plan.items():
        if a == b:
            num = m.add(m.sub(values[idx[0]], m.mul(2.0, values[0])), values[idx[1]])
            matrix[a, b] = float(m.div(num, steps[a] ** 2))
        else:
            num = m.add(m.sub(m.sub(values[idx[0]], values[idx[1]]), values[idx[2]]), values[idx[3]])
            matrix[a, b] = matrix[b, a] = float(m.div(num, 4 * steps[a] * steps[b]))
    rows = [{b: matrix[a, b] for b in names} for a in names]
    return MethodResult.measured("fd-central", rows, counter, len(points),
                                 step=steps, notes=[f"step h = {_steps_text(steps)}"])
