"""How each method's cost grows with the size of the problem.

Built-in families of growing size n; for each n and method, the measured ops, the
passes or evaluations, the time, and for the symbolic method the derivative's size as
printed, as a shared graph and after CSE.  A method whose projected time at the next
n exceeds the budget is skipped there, with a note, instead of running for hours.

>>> report = scaling("sum-of-squares", [10, 100], methods=["reverse-mode"])
>>> [row["ops"] / row["function_ops"] for row in report.rows]
[2.0526315789473686, 2.0050251256281406]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from diffkit.ir.evaluate import evaluate
from diffkit.ir.graph import build_graph
from diffkit.methods import HESSIANS, METHODS, Problem
from diffkit.support import formatting as fmt
from diffkit.support.budget import time_budget
from diffkit.support.errors import DiffkitError
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.support.plotting import plot_scaling


def _sum_of_squares(n: int) -> tuple[sp.Expr, dict[str, float]]:
    x = sp.symbols(f"x0:{n}", real=True)
    return sp.Add(*[xi**2 for xi in x]), _point(x)


def _rosenbrock(n: int) -> tuple[sp.Expr, dict[str, float]]:
    x = sp.symbols(f"x0:{n}", real=True)
    terms = [100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(n - 1)]
    return sp.Add(*terms), _point(x)


def _logistic(n: int) -> tuple[sp.Expr, dict[str, float]]:
    x = sp.Symbol("x", real=True)
    e = x
    for _ in range(n):
        e = 4 * e * (1 - e)
    return e, {"x": 0.3}


def _product(n: int) -> tuple[sp.Expr, dict[str, float]]:
    x = sp.Symbol("x", real=True)
    factors = [sp.sin(i * x + 1) if i % 2 else sp.exp(sp.cos(i * x)) for i in range(1, n + 1)]
    return sp.Mul(*factors), {"x": 0.3}


def _dense_layer(n: int, hidden: int = 4) -> tuple[sp.Expr, dict[str, float]]:
    """Σⱼ tanh(Σᵢ Wⱼᵢ xᵢ + bⱼ), 4 hidden units, fixed small weights."""
    x = sp.symbols(f"x0:{n}", real=True)
    units = []
    for j in range(hidden):
        weights = [sp.Rational(((7 * i + 3 * j) % 11) - 5, 10) for i in range(n)]
        units.append(sp.tanh(sp.Add(*[w * xi for w, xi in zip(weights, x, strict=True)])
                             + sp.Rational(j, 4)))
    return sp.Add(*units), _point(x)


def _point(x: Sequence[sp.Symbol]) -> dict[str, float]:
    return {s.name: 0.5 + 0.01 * (i % 7) for i, s in enumerate(x)}


#: the smallest n at which a family has something to differentiate
SMALLEST = {"rosenbrock": 2}
#: the largest n a family can be built at in a few seconds (SymPy builds the nested
#: logistic map superlinearly: depth 400 takes 1.4 s, 2,000 does not finish)
LARGEST = {"logistic": 200, "product": 2_000, "dense-layer": 1_000}

#: family name → (builder, what n means)
FAMILIES: dict[str, tuple[Callable[[int], tuple[sp.Expr, dict[str, float]]], str]] = {
    "sum-of-squares": (_sum_of_squares, "variables"),
    "rosenbrock": (_rosenbrock, "variables"),
    "logistic": (_logistic, "nesting depth"),
    "product": (_product, "factors"),
    "dense-layer": (_dense_layer, "inputs"),
}


@dataclass
class ScalingReport:
    family: str
    sizes: list[int]
    methods: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    hessian: bool = False

    @property
    def n_means(self) -> str:
        """What n counts in this family: variables, nesting depth, factors, inputs."""
        return FAMILIES[self.family][1]

    def to_dict(self) -> dict[str, Any]:
        return fmt.strict({"family": self.family, "n_means": self.n_means,
                "derivative": "hessian" if self.hessian else "gradient",
                "rows": [dict(r) for r in self.rows]})

    def __str__(self) -> str:
        head = f"{self.family}: ops per method as n ({FAMILIES[self.family][1]}) grows"
        cols = ["n", "method", "ops", "f ops", "ops / f", "evals", "seconds", "note"]
        lines = [head, "  ".join(f"{c:>12}" for c in cols)]
        for r in self.rows:
            ratio = "" if r["ops"] is None else f"{r['ops'] / r['function_ops']:.2f}"
            cells = [r["n"], r["method"], "—" if r["ops"] is None else r["ops"],
                     r["function_ops"], ratio, "—" if r["evaluations"] is None else r["evaluations"],
                     "—" if r["seconds"] is None else f"{r['seconds']:.3g}", r.get("note") or ""]
            lines.append("  ".join(f"{c!s:>12}" for c in cells))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ScalingReport of {self.family}>\n{self}"

    def _repr_html_(self) -> str:
        import html

        cols = ["n", "method", "ops", "f ops", "ops / f", "evals", "seconds", "note"]
        cells, failed = [], set()
        for k, r in enumerate(self.rows):
            ratio = "" if r["ops"] is None else f"{r['ops'] / r['function_ops']:.2f}"
            cells.append([r["n"], r["method"], "—" if r["ops"] is None else r["ops"],
                          r["function_ops"], ratio,
                          "—" if r["evaluations"] is None else r["evaluations"],
                          "—" if r["seconds"] is None else f"{r['seconds']:.3g}",
                          r.get("note") or ""])
            if r["ops"] is None:
                failed.add(k)
        caption = html.escape(f"{self.family}: measured ops per method as n "
                              f"({FAMILIES[self.family][1]}) grows")
        return fmt.html_table(cols, cells, failed=failed, caption=caption,
                              css_class="diffkit-scaling", right={0, 2, 3, 4, 5, 6})

    def to_dataframe(self):
        """The rows as a pandas DataFrame, if pandas is installed."""
        return fmt.to_dataframe([dict(r) for r in self.rows])

    def plot(self, ax: Any = None) -> Any:
        """Ops against n on log-log axes, one line per method; returns the Figure."""

        return plot_scaling(self, ax=ax)


def scaling(
    family: str,
    sizes: Sequence[int],
    methods: Sequence[str] | None = None,
    *,
    budget: float = 30.0,
    progress: Callable[[str], None] | None = None,
    hessian: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> ScalingReport:
    """Run the methods on the family at each size; see the module docstring.  With
    ``hessian``, the methods that compute full Hessians, and each row's cost in
    gradient-equivalents (its ops over one reverse-mode gradient's)."""
    if family not in FAMILIES:
        raise DiffkitError(f"unknown family '{family}'; choose from {', '.join(FAMILIES)}")
    if any(isinstance(n, bool) or not isinstance(n, int | np.integer) for n in sizes):
        raise DiffkitError("sizes must be whole numbers")
    sizes = sorted(dict.fromkeys(int(n) for n in sizes))
    smallest = SMALLEST.get(family, 1)
    cap = limits.max_hessian_size if hessian else limits.max_scaling_size
    largest = min(cap, LARGEST.get(family, cap))
    what = ("scaling.LARGEST" if largest < cap
            else "Limits.max_hessian_size" if hessian else "Limits.max_scaling_size")
    if not sizes or sizes[0] < smallest or sizes[-1] > largest:
        raise DiffkitError(f"sizes for {family}{' Hessians' if hessian else ''} must be whole "
                           f"numbers from {smallest} to {largest:,} ({what})")
    if not (isinstance(budget, int | float) and math.isfinite(budget) and 0 < budget <= 3600):
        raise DiffkitError(f"the budget must be a number of seconds from 0.01 to 3600, "
                           f"not {budget!r}")
    table = HESSIANS if hessian else METHODS
    chosen = list(table) if methods is None else list(dict.fromkeys(methods))
    for m in chosen:
        if m not in table:
            raise DiffkitError(f"unknown method '{m}'; choose from {', '.join(table)}")
    build, _ = FAMILIES[family]
    report = ScalingReport(family, sizes, chosen, hessian=hessian)
    history: dict[str, list[tuple[int, float]]] = {m: [] for m in chosen}
    for n in sizes:
        if progress:
            progress(f"{family}: building n = {n}")
        with time_budget(limits.method_seconds, f"building {family} at n = {n}"):
            expr, point = build(n)
        problem = Problem(expr, build_graph(expr), point)
        m_count, counter = problem.counting()

        evaluate(problem.graph, point, m_count)
        function_ops = counter.total
        gradient_ops = METHODS["reverse-mode"](problem).ops if hessian else None
        for method in chosen:
            row: dict[str, Any] = {"n": n, "method": method, "ops": None,
                                   "function_ops": function_ops, "evaluations": None,
                                   "seconds": None, "note": None}
            projected = _projection(history[method], n)
            if projected is not None and projected > budget:
                row["note"] = f"skipped: projected {projected:.3g} s > budget {budget:g} s"
                report.rows.append(row)
                continue
            if progress:
                progress(f"{family}: n = {n}, {method}")
            started = time.perf_counter()
            try:
                with time_budget(budget, f"{method} at n = {n}"):
                    result = table[method](problem)
            except DiffkitError as err:
                row["note"] = err.message
                report.rows.append(row)
                history[method].append((n, math.inf))
                continue
            seconds = time.perf_counter() - started
            row.update(ops=result.ops, evaluations=result.evaluations, seconds=seconds)
            if gradient_ops:
                row["gradient_equivalents"] = result.ops / gradient_ops
            if "expression_ops" in result.extra:
                row["expression_ops"] = dict(result.extra["expression_ops"])
            report.rows.append(row)
            history[method].append((n, seconds))
    return report


def _projection(history: list[tuple[int, float]], n: int) -> float | None:
    """Time at n extrapolated from the last two sizes (power law), or from the last
    one assuming quadratic growth."""
    if not history:
        return None
    (n1, t1) = history[-1]
    if math.isinf(t1):
        return math.inf
    if len(history) >= 2 and history[-2][1] > 0 and n1 > history[-2][0]:
        n0, t0 = history[-2]
        exponent = max(1.0, math.log(max(t1, 1e-9) / max(t0, 1e-9)) / math.log(n1 / n0))
    else:
        exponent = 2.0
    return t1 * (n / n1) ** exponent
