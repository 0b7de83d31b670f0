"""Error against step size: the truncation / round-off trade-off of finite differences.

For each scheme and each step h, the derivative estimate's absolute error against the
50-digit reference.  The whole sweep is one vectorized evaluation of the graph over
every point every scheme needs at every step.  Beside the measured errors, each
scheme gets its error model

    E(h) ≈ A·hᵖ + B/hᵈ,   A = |c·f^(d+p)(x)|,   B = e·Σ|wᵢ|

(c the stencil's truncation constant, p its accuracy, d the derivative order, wᵢ its
weights, e ≈ ε·Σ|v̄ᵢ·vᵢ| the rounding of one value of f — intermediates' roundings as
they reach f, so sin(10000·x) pays for rounding 10000·x), and the step that
minimises it, h* = (d·B / (p·A))^(1/(p+d)) — ``numerics.error_model``, the same model
``--step auto`` minimises.  The complex step has no subtraction for f': its model is
A·h² above a floor of ε·|f'|.

>>> s = sweep("sin(x)", at=1)
>>> s.best["fd-central"]["error"] < 1e-10
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from diffkit.analysis.reference import derivative_at
from diffkit.inputs.point import PointLike, choose_variable
from diffkit.ir.evaluate import evaluate, find_kinks
from diffkit.methods.python_function import FunctionProblem, problem_of
from diffkit.numerics.differences import (
    combine,
    complex_default_step,
    complex_step,
    complex_step_model,
    default_step,
    error_model,
    optimal_step,
)
from diffkit.numerics.stencils import Stencil, stencil
from diffkit.support import formatting as fmt
from diffkit.support.budget import bounded, time_budget
from diffkit.support.errors import DiffkitError
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.support.plotting import plot_sweep
from diffkit.table.backends import NUMPY
from diffkit.table.primitives import PRIMITIVES

COMPLEX_STEP = "complex-step"


def schemes_for(order: int) -> dict[str, Stencil | None]:
    """Scheme id → stencil (``None`` for the complex step), for derivative ``order``."""
    return {
        "fd-forward": stencil(order, 1, "forward"),
        "fd-backward": stencil(order, 1, "backward"),
        "fd-central": stencil(order, 2),
        "fd-central-4": stencil(order, 4),
        "fd-central-6": stencil(order, 6),
        COMPLEX_STEP: None,
    }


@dataclass
class Sweep:
    """Errors of every scheme at every step, with the error model and the best steps."""

    expression: str
    variable: str
    point: dict[str, float]
    order: int
    steps: np.ndarray
    errors: dict[str, np.ndarray]  # absolute errors, nan where not finite or exactly 0
    exact: float
    value: float
    best: dict[str, dict[str, float | None]]
    robust_best: dict[str, dict[str, float | None]]
    optimal_step: dict[str, float | None]
    default_step: dict[str, float]
    default_error: dict[str, float | None]
    model: dict[str, tuple[float, int, float, int] | None] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # scheme → why it was not run

    def model_error(self, scheme: str, steps: np.ndarray) -> np.ndarray | None:
        """The error model A·hᵖ + B/hᵈ (or A·h² with the ε floor for the complex step)."""
        if self.model.get(scheme) is None:
            return None
        a, p, b, d = self.model[scheme]
        return a * steps**p + b / steps**d

    def to_dict(self) -> dict[str, Any]:
        def clean(values: np.ndarray) -> list[float | None]:
            return [None if not np.isfinite(v) or v == 0 else float(v) for v in values]

        return fmt.strict({
            "expression": self.expression,
            "variable": self.variable,
            "point": dict(self.point),
            "order": self.order,
            "exact": self.exact,
            "steps": [float(h) for h in self.steps],
            "errors": {k: clean(v) for k, v in self.errors.items()},
            "error_kind": "absolute",
            "best": self.best,
            "robust_best": self.robust_best,
            "optimal_step": self.optimal_step,
            "default_step": self.default_step,
            "default_error": self.default_error,
            "refused": dict(self.refused),
        })

    def rows(self) -> list[dict[str, Any]]:
        """Per scheme: best error, the step that achieved it, the predicted optimal
        step, the error at the default step, and the optimum of the smoothed curve."""
        return [
            {
                "scheme": k,
                "best error": self.best[k]["error"],
                "at step": self.best[k]["step"],
                "predicted optimal step": self.optimal_step[k],
                "default step": self.default_step[k],
                "error at default step": self.default_error[k],
                "smoothed optimum": self.robust_best[k]["step"],
            }
            for k in self.errors
        ]

    def __str__(self) -> str:
        def g(v: float | None) -> str:
            return "—" if v is None else f"{v:.2e}"

        what = "f'" if self.order == 1 else "f''"
        head = (f"{what} of {self.expression} at {self.variable} = "
                f"{self.point[self.variable]:g}: exact {self.exact!r}; absolute errors")
        cols = ["scheme", "best error", "at step", "predicted optimal step", "default step",
                "error at default step"]
        lines = [head, "", "  ".join(f"{c:>22}" if i else f"{c:<13}" for i, c in enumerate(cols))]
        for row in self.rows():
            cells = [f"{row['scheme']:<13}"] + [f"{g(row[c]):>22}" for c in cols[1:]]
            lines.append("  ".join(cells))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Sweep of {len(self.errors)} schemes over {len(self.steps)} steps>\n{self}"

    def _repr_html_(self) -> str:
        def g(v: float | None) -> str:
            return "—" if v is None else f"{v:.2e}"

        cols = ["scheme", "best error", "at step", "predicted optimal step", "default step",
                "error at default step"]
        rows = self.rows()
        cells = [[r["scheme"]] + [g(r[c]) for c in cols[1:]] for r in rows]
        for k, r in enumerate(rows):
            if r["scheme"] in self.refused:
                cells[k][1] = "refused: " + self.refused[r["scheme"]]
        what = "f'" if self.order == 1 else "f''"
        caption = html.escape(f"{what} of {self.expression} at {self.variable} = "
                              f"{self.point[self.variable]:g}: exact {self.exact!r}; "
                              f"absolute errors over {len(self.steps)} steps "
                              f"({self.steps.min():.0e} … {self.steps.max():.0e})")
        return fmt.html_table(cols, cells, failed={k for k, r in enumerate(rows)
                                                   if r["scheme"] in self.refused},
                              caption=caption, css_class="diffkit-sweep", right={1, 2, 3, 4, 5})

    def to_dataframe(self):
        """One row per step, one column per scheme (absolute errors), if pandas is
        installed."""
        return fmt.to_dataframe([{"step": float(h), **{k: float(v[i]) for k, v in self.errors.items()}}
                                 for i, h in enumerate(self.steps)])

    def plot(self, ax: Any = None) -> Any:
        """A log-log plot of |error| against h with each scheme's model; returns the
        matplotlib Figure (matplotlib is imported only here)."""

        return plot_sweep(self, ax=ax)


@bounded
def sweep(
    expression: str | sp.Expr,
    at: PointLike,
    steps: Any = None,
    schemes: list[str] | None = None,
    order: int = 1,
    *,
    wrt: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Sweep:
    """Measure every scheme's error at every step (default: 80 steps from 1e-16 to 1).

    ``order`` is 1 or 2; ``wrt`` names the variable when there are several.  Errors
    that are exactly 0 or not finite (a step that leaves the domain) are ``nan`` in
    ``errors`` and ``null`` in JSON, so every series is as long as ``steps``.
    """
    if order not in (1, 2):
        raise DiffkitError(f"the sweep covers the first and second derivative, not order {order}")
    problem = problem_of(expression, at, limits)
    point = problem.point
    wrt = choose_variable(problem.variables, wrt, "the sweep follows one variable")
    available = schemes_for(order)
    chosen = list(available) if schemes is None else list(dict.fromkeys(schemes))
    for s in chosen:
        if s not in available:
            raise DiffkitError(f"unknown scheme '{s}'; choose from {', '.join(available)}")
    hs = np.logspace(-16, 0, 80) if steps is None else np.asarray(steps, dtype=float).ravel()
    if hs.size == 0 or not np.all(np.isfinite(hs)) or np.any(hs <= 0):
        raise DiffkitError("the steps must be positive finite numbers")

    graph = problem.graph
    x = point[wrt]
    if len(problem.output_values) > 1:
        raise DiffkitError("the sweep follows a scalar f; this f returns several values")
    value = problem.output_values[0]
    values = (problem.recorded_values if isinstance(problem, FunctionProblem)
              else evaluate(graph, point, NUMPY))
    kinks = find_kinks(graph, values)
    if kinks:
        raise DiffkitError(f"f is not differentiable here ({kinks[0].primitive} {kinks[0].where}): "
                           "a sweep needs a derivative to measure errors against")
    refused: dict[str, str] = {}
    not_analytic = sorted({n.op for n in graph.nodes
                           if n.op in PRIMITIVES and not PRIMITIVES[n.op].analytic})
    if COMPLEX_STEP in chosen and not_analytic:
        refused[COMPLEX_STEP] = (f"the complex step needs an analytic function, and "
                                 f"{', '.join(not_analytic)} is not")
    with time_budget(limits.symbolic_seconds, "the sweep's reference"):
        exact = derivative_at(problem, wrt, order)

    f = problem.along(wrt)

    defaults = {k: default_step(st, x) if st else complex_default_step(order, x)
                for k, st in available.items() if k in chosen}
    errors: dict[str, np.ndarray] = {}
    measured: dict[str, np.ndarray] = {}  # the errors with their exact zeros
    default_error: dict[str, float | None] = {}
    with mpmath.workdps(50):
        for scheme in chosen:
            if scheme in refused:
                errors[scheme] = np.full(len(hs), np.nan)
                default_error[scheme] = None
                continue
            all_steps = np.append(hs, defaults[scheme])
            estimate = _estimate(f, x, all_steps, available[scheme], order, value)
            err = np.array([float(abs(mpmath.mpf(float(e)) - exact)) if np.isfinite(e) else np.nan
                            for e in estimate])
            measured[scheme] = series = err[:-1]
            errors[scheme] = np.where(series == 0, np.nan, series)  # a log scale has no 0
            default_error[scheme] = float(err[-1]) if np.isfinite(err[-1]) else None

    best, robust = {}, {}
    for scheme, err in errors.items():
        series = measured.get(scheme, err)
        if np.all(np.isnan(series)):
            best[scheme] = robust[scheme] = {"step": None, "error": None}
            continue
        zeros = np.flatnonzero(series == 0)  # exact at some steps: the largest of them
        i = int(zeros[-1]) if zeros.size else int(np.nanargmin(series))
        best[scheme] = {"step": float(hs[i]), "error": float(series[i])}
        smooth = _smoothed(err)
        if np.all(np.isnan(smooth)):  # too few steps to smooth over
            robust[scheme] = dict(best[scheme])
            continue
        j = int(np.nanargmin(smooth))
        robust[scheme] = {"step": float(hs[j]), "error": float(10 ** smooth[j])}
    model = _models(problem, wrt, order, value, float(exact), available,
                    [k for k in chosen if k not in refused], limits)
    optimal = {k: optimal_step(model.get(k)) for k in chosen}
    return Sweep(
        expression=(problem.name if isinstance(problem, FunctionProblem)
                    else expression if isinstance(expression, str) else str(expression)),
        variable=wrt, point=point, order=order, steps=hs, errors=errors, exact=float(exact),
        value=value, best=best, robust_best=robust, optimal_step=optimal, default_step=defaults,
        default_error=default_error, model=model, refused=refused,
    )


def _smoothed(errors: np.ndarray, window: int = 7) -> np.ndarray:
    """log10 of the errors averaged over neighbouring steps: round-off makes the raw
    curve jagged, and its lowest point can be a lucky cancellation far from the
    trade-off's real optimum."""
    logs = np.log10(errors)
    half = window // 2
    out = np.full(len(logs), np.nan)
    for i in range(len(logs)):
        part = logs[max(0, i - half) : i + half + 1]
        part = part[np.isfinite(part)]
        if len(part) > half:
            out[i] = part.mean()
    return out


def _estimate(f, x: float, hs: np.ndarray, rule: Stencil | None, order: int,
              value: float) -> np.ndarray:
    """Every step's estimate of the derivative, from one vectorized evaluation."""
    if rule is None:
        return complex_step(f(x + 1j * hs), hs, value, order)
    h = (x + hs) - x  # the steps the computer really takes
    offsets = rule.points
    values = f(np.concatenate([x + o * h for o in offsets])).reshape(len(offsets), len(h))
    with np.errstate(all="ignore"):
        estimate = combine(NUMPY, rule, dict(zip(offsets, values, strict=True)), h)
        return np.where(h > 0, estimate, np.nan)


def _models(problem, wrt, order, value, exact, available, chosen, limits):
    """(A, p, B, d) per scheme (``numerics.error_model``), from the exact higher
    derivatives (None where they are unavailable)."""
    model: dict[str, tuple[float, int, float, int] | None] = {}
    cache: dict[int, float | None] = {}

    def derivative(k: int) -> float | None:
        if k not in cache:
            try:  # float64 is enough for a model of the error's size
                with time_budget(limits.symbolic_seconds, "the error model"):
                    cache[k] = problem.higher_derivative(wrt, k)
            except DiffkitError:
                cache[k] = None
        return cache[k]

    value_error = problem.rounding_error
    for scheme in chosen:
        rule = available[scheme]
        high = derivative(order + 2 if rule is None else rule.derivative + rule.accuracy)
        if high is None:
            model[scheme] = None
        elif rule is None:
            model[scheme] = complex_step_model(order, high, exact, value_error)
        else:
            model[scheme] = error_model(rule, high, value_error)
    return model
