"""The pure numerics of derivatives from values of f: steps, a stencil applied, the
error model and its best step, the complex step and Richardson extrapolation.  One
home for each: the difference methods, ``fd-richardson``, ``complex-step``, the
automatic step and ``sweep`` all call these (nothing here knows about graphs).

The error model of a stencil of accuracy p for the d-th derivative at x, step h:

    E(h) ≈ A·hᵖ + B/hᵈ,   A = |c·f^(d+p)(x)|,   B = e·Σ|wᵢ|

c is the stencil's truncation constant, wᵢ its weights and e the error of one
float64 value of f.  e is not ε·|f|: every operation of f rounds, and the rounding
of an intermediate vᵢ reaches f magnified by its adjoint, so e ≈ ε·Σᵢ|v̄ᵢ·vᵢ| over
f's operations (``rounding_error``, from one adjoint sweep).  For sin(10000·x) the
product 10000·x rounds by ε·10⁴ and cos multiplies it: e ≈ ε·(|f| + |x·f′|).  For
sin(x) at 10⁸ the argument is exact and e ≈ ε·|f|.  The model's minimum is at
h* = (d·B / (p·A))^(1/(p+d)).

For sin(10000·x) at x = 1 the argument's rounding is what sets the best step of
central differences; with ε·|f| alone the model would pick a step 30 times too small:

>>> import math
>>> from diffkit.numerics.stencils import stencil
>>> f, f1, f3 = math.sin(1e4), 1e4 * math.cos(1e4), -1e12 * math.cos(1e4)   # f, f′, f‴ at 1
>>> f"{optimal_step(error_model(stencil(1, 2), f3, EPS * (abs(f) + abs(f1)))):.1e}"
'1.9e-08'
>>> f"{optimal_step(error_model(stencil(1, 2), f3, EPS * abs(f))):.1e}"
'6.0e-10'
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from diffkit.numerics.stencils import Stencil
from diffkit.support.errors import EvaluationError

EPS = float(np.finfo(float).eps)

#: the default imaginary step of the complex step for f′ (relative to |x|)
COMPLEX_STEP = 1e-20
#: the smallest normal double: a step below it keeps only some of its digits
TINY = float(np.finfo(float).tiny)


def default_step(rule: Stencil, x: float) -> float:
    """ε^(1/(p+d))·max(1, |x|): where truncation and round-off balance for unit scales."""
    return EPS ** (1 / (rule.accuracy + rule.derivative)) * max(1.0, abs(x))


def complex_default_step(order: int, x: float) -> float:
    """The complex step's default for f′: 1e-20·min(|x|, 1) — no subtraction, so no
    cancellation, and the imaginary part is never rounded against x, so h need not grow
    with |x| (1e-20·|x| was 100 at x = 1e22: sin there gave 7e40).  Below 1, h shrinks
    with |x|, far below it (a step past a singularity at 0 is no derivative: a floor
    of 1e-120 gave log′(1e-300) = 1.6e120); the smallest normal number where 1e-20·|x|
    would be subnormal, while that is still 1e-7 of |x| or less (the truncation error is
    about (h/|x|)² relative, below ε), and 1e-20 for x that is as good as 0 (the
    complex-step row then says the step may have crossed a singularity at 0).
    For f″, ε^(1/4)·max(1, |x|): 2(f − Re f(x+ih))/h² subtracts again."""
    if order != 1:
        return EPS ** 0.25 * max(1.0, abs(x))
    if x == 0 or abs(x) >= 1:
        return COMPLEX_STEP
    if COMPLEX_STEP * abs(x) >= TINY:
        return COMPLEX_STEP * abs(x)
    if 1e-7 * abs(x) >= TINY:
        return TINY  # the smallest normal step, still far below |x|
    return COMPLEX_STEP  # x is as good as 0: no normal step is far below it (flagged)


def representable_step(x: float, h: float) -> float:
    """The step the computer really takes from x: ``(x + h) − x``."""
    taken = (x + h) - x
    if taken == 0:
        raise EvaluationError(f"the step {h:g} is too small to change x = {x:g} in float64")
    return taken


def combine(m: Any, rule: Stencil, values: dict[int, Any], h: Any) -> Any:
    """Σ wᵢ f(x + oᵢh) / hᵈ with backend ``m``, written as a person would: integer
    weights over a common denominator, so that (f(x+h) − f(x−h)) / 2h costs one sub
    and one div.  ``values`` maps each offset to f there (numbers, or arrays of many
    steps at once)."""
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


def complex_step(f_of_z: Any, h: Any, value: Any, order: int) -> Any:
    """The complex step's estimate from f(x + ih): Im f / h for f′, and
    2·(f(x) − Re f) / h² for f″ (numbers or arrays of steps)."""
    if order == 1:
        return np.imag(f_of_z) / h
    return 2 * (value - np.real(f_of_z)) / h**2


def rounding_error(values: list[Any], adjoint: list[Any], operations: list[int]) -> float:
    """ε·Σᵢ|v̄ᵢ·vᵢ| over the operation nodes ``operations``: the first-order bound on
    the rounding error of f's float64 value, from the nodes' values and adjoints."""
    total = 0.0
    for i in operations:
        if adjoint[i] is not None:
            total += float(np.sum(np.abs(np.asarray(adjoint[i]) * np.asarray(values[i]))))
    return EPS * total


def error_model(rule: Stencil, high: float, value_error: float) -> tuple[float, int, float, int]:
    """(A, p, B, d) of E(h) ≈ A·hᵖ + B/hᵈ for ``rule`` (see the module's text):
    ``high`` is f^(d+p)(x), ``value_error`` the error of one value of f."""
    a = abs(float(rule.truncation_constant) * high)
    return a, rule.accuracy, value_error * float(rule.roundoff_factor), rule.derivative


def complex_step_model(order: int, high: float, derivative: float,
                       value_error: float) -> tuple[float, int, float, int]:
    """The complex step's model: for f′, Im f(x+ih)/h = f′ − h²f‴/6 + … has no
    subtraction, so A·h² above a floor ε·|f′|; for f″, 2(f − Re f(x+ih))/h² =
    f″ − h²f⁗/12 + … subtracts again, so B/h² like a difference rule."""
    if order == 1:
        return abs(high) / 6, 2, EPS * abs(derivative), 0
    return abs(high) / 12, 2, 2 * value_error, 2


def optimal_step(model: tuple[float, int, float, int] | None) -> float | None:
    """The step that minimises A·hᵖ + B/hᵈ (for a floor, d = 0: the largest step
    still at the floor); None where the model has no minimum."""
    if model is None:
        return None
    a, p, b, d = model
    if a == 0 or b == 0 or not math.isfinite(a) or not math.isfinite(b):
        return None
    if d == 0:
        return math.sqrt(b / a) if p == 2 else (b / a) ** (1 / p)
    h = (d * b / (p * a)) ** (1 / (p + d))
    return h if math.isfinite(h) and h > 0 else None


class RichardsonTable:
    """Richardson extrapolation of central differences at h, h/2, h/4, …, one row at
    a time, with an error estimate that includes the round-off floor.

    A central difference has an error series in even powers of h, so each column
    cancels one more: T[k][j] = T[k][j−1] + (T[k][j−1] − T[k−1][j−1]) / (4ʲ − 1).
    ``done`` turns true when the table stops improving (round-off has taken over).

    >>> import math
    >>> from diffkit.table.backends import NUMPY
    >>> from diffkit.numerics.stencils import stencil
    >>> table = RichardsonTable(0.1, stencil(1, 2), scale=1.0)
    >>> while not table.done:
    ...     table.add_row(NUMPY, (math.sin(1 + table.h) - math.sin(1 - table.h)) / (2 * table.h))
    >>> value, error = table.result()
    >>> abs(value - math.cos(1)) < 1e-14, error < 1e-13
    (True, True)
    """

    def __init__(self, h0: float, rule: Stencil, scale: float) -> None:
        self.h0 = self.h = h0
        self.derivative = rule.derivative
        # round-off in a row: ε·|f|·Σ|w|/hᵈ (Σ|w| = 1 for f′, 4 for f″)
        self.noise = EPS * scale * float(rule.roundoff_factor)
        self.previous: list[Any] = []
        self.best: Any = None
        self.best_error = math.inf
        self.done = False

    def roundoff(self, h: float) -> float:
        return self.noise / h**self.derivative

    def add_row(self, m: Any, central: Any) -> None:
        """The central difference at the current step ``h``; the step then halves."""
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
        """(the best extrapolated value, its error estimate)."""
        if self.best is None:
            return float(self.previous[0]), math.inf
        return float(self.best), float(self.best_error)
