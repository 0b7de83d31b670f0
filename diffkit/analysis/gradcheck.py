"""Check a hand-written gradient against reverse mode and Richardson differences.

``check_gradient(f, grad_f, at)`` is what ``torch.autograd.gradcheck`` does, with two
witnesses instead of one and with the numbers shown: every component of the user's
gradient is compared with reverse mode (exact to rounding) and with ``fd-richardson``
(independent of any derivative rule, with its own error estimate).  The report says
whether the gradient passes, which component is worst, and — when the two witnesses
disagree with each other — that f may not be differentiable at the point.

>>> import numpy as np
>>> f = lambda x: np.sum(x ** 3)
>>> check_gradient(f, lambda x: 3 * x ** 2, at=np.array([1.0, 2.0])).ok
True
>>> check_gradient(f, lambda x: 3 * x ** 2 + [0.0, 1.0], at=np.array([1.0, 2.0])).worst
'x[1]'
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from diffkit.analysis.autodiff import reverse_pass
from diffkit.inputs.arguments import Arguments, call_user
from diffkit.ir.evaluate import find_kinks
from diffkit.methods.python_function import FunctionProblem
from diffkit.methods.richardson import run_richardson
from diffkit.support import formatting as fmt
from diffkit.support.budget import bounded
from diffkit.support.errors import DiffkitError
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.support.plotting import plot_gradient_check

#: components checked by differences (each costs ~12 evaluations of f); more are sampled
MAX_DIFFERENCED = 100


@dataclass
class GradientCheck:
    """Per component: the given gradient, reverse mode, fd-richardson (nan where not
    sampled) and the given gradient's relative error against reverse mode."""

    names: list[str]
    given: np.ndarray
    reverse: np.ndarray
    richardson: np.ndarray
    richardson_estimate: np.ndarray
    errors: np.ndarray  # |given − reverse| / scale, per component
    rtol: float
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        """The components whose given value is off by more than ``rtol``."""
        return [n for n, e in zip(self.names, self.errors, strict=True) if not e <= self.rtol]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def worst(self) -> str:
        """The component with the largest error (the first if all are exact)."""
        return self.names[int(np.nanargmax(np.where(np.isnan(self.errors), np.inf, self.errors)))]

    @property
    def method_errors(self) -> dict[str, float]:
        """The given gradient's largest relative error against each witness."""
        scale = _scale(self.reverse)
        checked = ~np.isnan(self.richardson)
        out = {"reverse-mode": float(np.max(self.errors))}
        if checked.any():
            out["fd-richardson"] = float(np.max(
                np.abs(self.given[checked] - self.richardson[checked]) / scale[checked]))
        return out

    def to_dict(self) -> dict[str, Any]:
        return fmt.strict({
            "ok": self.ok, "worst": self.worst, "failed": self.failed, "rtol": self.rtol,
            "method_errors": self.method_errors, "notes": list(self.notes),
            "components": [
                {"name": n, "given": float(g), "reverse-mode": float(r),
                 "fd-richardson": None if np.isnan(d) else float(d),
                 "fd-richardson estimate": None if np.isnan(e) else float(e),
                 "error": float(err), "ok": bool(err <= self.rtol)}
                for n, g, r, d, e, err in zip(self.names, self.given, self.reverse,
                                              self.richardson, self.richardson_estimate,
                                              self.errors, strict=True)
            ],
        })

    def rows(self, limit: int = 20) -> list[dict[str, str]]:
        """The table's cells: the failed components first, in their own order (W1[0,0],
        W1[0,1], …), then the others, largest error first."""
        failed = [i for i in range(len(self.names)) if not self.errors[i] <= self.rtol]
        passed = sorted((i for i in range(len(self.names)) if self.errors[i] <= self.rtol),
                        key=lambda i: -np.nan_to_num(self.errors[i]))
        order = failed + passed
        return [{
            "component": self.names[i],
            "given": fmt.number(self.given[i]),
            "reverse-mode": fmt.number(self.reverse[i]),
            "fd-richardson": "—" if np.isnan(self.richardson[i]) else fmt.number(self.richardson[i]),
            "rel. error": fmt.error(self.errors[i]),
            "status": "ok" if self.errors[i] <= self.rtol else "WRONG",
        } for i in order[:limit]]

    def summary(self) -> str:
        errs = ", ".join(f"{k} {fmt.error(v)}" for k, v in self.method_errors.items())
        if self.ok:
            return (f"gradient OK: all {len(self.names)} components agree with reverse mode "
                    f"within rtol {self.rtol:g} (largest error against {errs})")
        return (f"gradient WRONG in {len(self.failed)} of {len(self.names)} components; worst "
                f"{self.worst}: given {fmt.number(self.given[self.names.index(self.worst)])}, "
                f"reverse mode {fmt.number(self.reverse[self.names.index(self.worst)])} "
                f"(largest error against {errs})")

    def __str__(self) -> str:
        rows = self.rows()
        cols = list(rows[0])
        widths = [max(len(c), *(len(r[c]) for r in rows)) for c in cols]

        def line(cells: list[str]) -> str:
            return "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip()

        body = [line(cols), line(["-" * w for w in widths])] + [line([r[c] for c in cols]) for r in rows]
        more = [f"({len(self.names) - len(rows)} more components, all shown by to_dict())"
                ] if len(self.names) > len(rows) else []
        return "\n".join([self.summary(), *[f"note: {n}" for n in self.notes], "", *body, *more])

    def __repr__(self) -> str:
        return f"<GradientCheck ok={self.ok}>\n{self}"

    def _repr_html_(self) -> str:
        rows = self.rows()
        colour = "#1b5e20" if self.ok else "#b00020"
        caption = f'<b style="color:{colour}">{html.escape(self.summary())}</b>' + "".join(
            f"<br>{html.escape(n)}" for n in self.notes)
        return fmt.html_table(list(rows[0]), [list(r.values()) for r in rows],
                              failed={k for k, r in enumerate(rows) if r["status"] != "ok"},
                              caption=caption, css_class="dk-gradient-check", right={1, 2, 3, 4})

    def to_dataframe(self):
        """Every component (the ``to_dict()`` rows) as a pandas DataFrame, if pandas is
        installed."""
        return fmt.to_dataframe(self.to_dict()["components"])

    def plot(self, ax: Any = None) -> Any:
        """Each component's relative error against reverse mode, with the tolerance;
        returns the matplotlib Figure."""

        return plot_gradient_check(self, ax=ax)


def _scale(reference: np.ndarray) -> np.ndarray:
    """What a component's error is relative to: its own size, but never below a
    thousandth of the gradient's largest component (so zeros can be checked)."""
    floor = max(1e-3 * float(np.max(np.abs(reference), initial=0.0)), 1e-300)
    return np.maximum(np.abs(reference), floor)


def _flatten(args: Arguments, values: Any, what: str) -> np.ndarray:
    """A gradient in the structure of ``at`` as one flat array, its shapes checked."""
    if args.kind == "one":
        parts = [values]
    elif args.kind == "tuple":
        if not isinstance(values, tuple | list) or len(values) != len(args.values):
            raise DiffkitError(f"{what} should return a tuple of {len(args.values)} gradients, "
                               "one per argument")
        parts = list(values)
    else:
        if not isinstance(values, dict) or set(values) != set(args.names):
            raise DiffkitError(f"{what} should return a dict with the keys {', '.join(args.names)}")
        parts = [values[n] for n in args.names]
    flat = []
    for part, v, name in zip(parts, args.values, args.names, strict=True):
        if part is None:
            raise DiffkitError(f"{what} returned None for {name}, not its gradient")
        try:
            array = np.asarray(part, dtype=float)
        except (TypeError, ValueError):
            raise DiffkitError(f"{what} returned something that is not numbers for {name}") from None
        if array.shape != np.shape(v):
            raise DiffkitError(f"{what} returned shape {array.shape} for {name}, "
                               f"which has shape {np.shape(v)}")
        flat.append(array.ravel())
    return np.concatenate(flat)


@bounded
def check_gradient(f: Callable[..., Any], grad_f: Callable[..., Any], at: Any, *,
                   rtol: float = 1e-6, seed: int = 0,
                   limits: Limits = DEFAULT_LIMITS) -> GradientCheck:
    """Compare ``grad_f(at)`` with reverse mode and with ``fd-richardson``, component by
    component.  ``at`` is f's argument (a number, an array, a tuple or dict of them);
    ``grad_f`` takes the same arguments and returns the gradient in the same structure.
    Passes when every component is within ``rtol`` of reverse mode (relative to its own
    size, or to a thousandth of the largest component if that is larger).  Up to
    ``MAX_DIFFERENCED`` components are also differenced (a random sample, fixed by
    ``seed``, beyond that)."""

    args = Arguments.of(f, at)
    exact_struct, _, _ = reverse_pass(f, at)
    reverse = _flatten(args, exact_struct, "reverse mode")
    given = _flatten(args, call_user(grad_f, args, list(args.values), who="grad_f"), "grad_f")
    names = [n for k in range(len(args.values)) for n in args.entry_names(k)]
    notes = []
    chosen = list(range(len(names)))
    if len(names) > MAX_DIFFERENCED:
        chosen = sorted(np.random.default_rng(seed).choice(len(names), MAX_DIFFERENCED,
                                                           replace=False).tolist())
        notes.append(f"fd-richardson checked {MAX_DIFFERENCED} of {len(names)} components "
                     f"(a random sample, seed {seed})")
    richardson = np.full(len(names), np.nan)
    estimate = np.full(len(names), np.nan)
    problem = FunctionProblem.of(f, at, entries=[names[i] for i in chosen], limits=limits)
    notes += [f"{k}: the gradient there is a convention (a subgradient)"
              for k in find_kinks(problem.graph, problem.recorded_values)]
    try:
        result = run_richardson(problem)
        for i in chosen:
            richardson[i] = result.derivative[names[i]]
        estimate[chosen] = result.error_estimate or np.nan
    except DiffkitError as err:
        notes.append(f"fd-richardson could not answer: {err.message}")
    scale = _scale(reverse)
    errors = np.abs(given - reverse) / scale
    witnesses = np.abs(richardson - reverse) / scale
    disagree = [names[i] for i in chosen if witnesses[i] > max(1e-6, 100 * rtol)]
    if disagree:
        notes.append(f"reverse mode and fd-richardson disagree at {', '.join(disagree[:5])}: "
                     "f may not be differentiable here (a kink, a branch), or f is noisy")
    return GradientCheck(names, given, reverse, richardson, estimate, errors, rtol, notes)
