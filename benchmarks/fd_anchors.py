"""diffkit's finite differences against numdifftools and scipy.differentiate.

The 22 functions of the finite-difference anchor set listed below (14 regular, 5 badly
scaled, 3 hard: the cases numdifftools' and scipy's tests and papers use), first and second derivatives, every method scored against a 50-digit
reference at the same float64 point.  numdifftools and scipy are optional: install them
with ``pip install -e ".[bench]"``; rows for a missing one are left out.

    python benchmarks/fd_anchors.py             # the summary table (about a minute)
    python benchmarks/fd_anchors.py --cases     # and the per-case relative errors

Columns: median relative error on the regular cases; the largest on all cases (finite
results); median function evaluations (points); silent failures: a result wrong by more
than 1e-6 relative that is neither flagged nor covered by the method's own error
estimate; median wall time per call (diffkit's includes building the method's inputs
from the graph, and SymPy's higher derivatives that choose fd-richardson's first step).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import mpmath
import numpy as np
import sympy as sp

import diffkit
from diffkit.analysis.reference import derivative_at
from diffkit.ir.graph import build_graph
from diffkit.methods import METHODS
from diffkit.methods.base import Problem
from diffkit.methods.richardson import run_richardson

CASES = [
    ("4*x**3+x**2+3", 2.0, "regular"), ("exp(x)", 1.0, "regular"), ("sin(x)", 1.0, "regular"),
    ("log(x)", 2.0, "regular"), ("sqrt(x)", 2.0, "regular"), ("atan(x)", 0.5, "regular"),
    ("x**4*sin(x)", 1.0, "regular"), ("exp(x)/(4*x**3)", 1.5, "regular"),
    ("cos(3*x**2)", 0.7, "regular"), ("exp(2*x**3+4)", 0.5, "regular"),
    ("5*x/sin(x)", 1.2, "regular"), ("1/(1+exp(-x))", 0.3, "regular"),
    ("tanh(x)", 0.8, "regular"), ("log(1+exp(x))", 2.0, "regular"),
    ("exp(x)", 30.0, "badly scaled"), ("sin(1000*x)", 1.0, "badly scaled"),
    ("log(x)", 1e-8, "badly scaled"), ("tanh(1e8*x)", 1e-8, "badly scaled"),
    ("sin(x)", 1e8, "badly scaled"), ("sqrt(x)", 1e-6, "hard"),
    ("abs(x)", 0.0, "hard"), ("1/(x-1.0001)", 1.0, "hard"),
]
UNRELIABLE = 1e-6


class Counted:
    """A numpy function of x that counts the points it is evaluated at."""

    def __init__(self, expr: sp.Expr) -> None:
        x = next(iter(expr.free_symbols))
        # benchmark code on the fixed expressions above, never on user text
        self.f = sp.lambdify(x, expr, "numpy")
        self.points = 0

    def __call__(self, x, *args):
        self.points += int(np.size(x))
        return self.f(x)


def diffkit_method(method: str, order: int):
    def run(text: str, x: float) -> dict:
        expr = diffkit.parse(text)
        problem = Problem(expr, build_graph(expr), {"x": x})
        if order == 2:
            r = run_richardson(problem, derivative=2)
        else:
            r = METHODS[method](problem)
        flagged = bool(r.notes and r.notes[0].startswith("unreliable"))
        return {"value": r.derivative["x"], "points": r.evaluations,
                "estimate": r.error_estimate, "flagged": flagged}
    return run


def diffkit_auto_central(text: str, x: float) -> dict:
    expr = diffkit.parse(text)
    problem = Problem(expr, build_graph(expr), {"x": x}, step="auto")
    r = METHODS["fd-central"](problem)
    return {"value": r.derivative["x"], "points": r.evaluations, "estimate": None, "flagged": False}


def numdifftools_method(order: int):
    def run(text: str, x: float) -> dict:
        import numdifftools as nd

        f = Counted(diffkit.parse(text))
        r = nd.Derivative(f, n=order, full_output=True)(x)
        return {"value": float(np.real(r.estimate)), "points": f.points,
                "estimate": float(np.abs(r.error_estimate)), "flagged": False}
    return run


def scipy_method(order: int):
    def run(text: str, x: float) -> dict:
        import scipy.differentiate as sd

        f = Counted(diffkit.parse(text))
        if order == 1:
            r = sd.derivative(f, x)
            return {"value": float(r.df), "points": f.points, "estimate": float(r.error),
                    "flagged": not bool(r.success)}
        r = sd.hessian(lambda xx: f(xx[0]), np.array([x]))
        return {"value": float(r.ddf[0, 0]), "points": f.points,
                "estimate": float(r.error[0, 0]), "flagged": not bool(r.success[0, 0])}
    return run


def methods_for(order: int) -> dict:
    rows = {"diffkit fd-richardson": diffkit_method("fd-richardson", order)}
    if order == 1:
        rows["diffkit fd-central (textbook step)"] = diffkit_method("fd-central", 1)
        rows["diffkit fd-central --step auto"] = diffkit_auto_central
        rows["diffkit complex-step"] = diffkit_method("complex-step", 1)
        rows["diffkit fd-extended"] = diffkit_method("fd-extended", 1)
    try:
        import numdifftools  # noqa: F401

        rows["numdifftools Derivative (default)"] = numdifftools_method(order)
    except ImportError:
        pass
    try:
        import scipy.differentiate  # noqa: F401

        rows["scipy.differentiate (default)"] = scipy_method(order)
    except ImportError:
        pass
    return rows


def exact(text: str, x: float, order: int) -> mpmath.mpf | None:
    if text == "abs(x)":
        return mpmath.mpf(0) if order == 1 else None  # f' scored against the symmetric 0
    expr = diffkit.parse(text)
    return derivative_at(Problem(expr, build_graph(expr), {"x": x}), "x", order)


def score(result: dict, truth: mpmath.mpf) -> tuple[float, bool]:
    with mpmath.workdps(50):
        err = abs(mpmath.mpf(result["value"]) - truth)
        rel = float(err / abs(truth)) if truth != 0 else float(err)
    covered = result["estimate"] is not None and result["estimate"] >= float(err)
    silent = rel > UNRELIABLE and not result["flagged"] and not covered
    return rel, silent


def timed(fn, text: str, x: float, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn(text, x)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def step_table() -> None:
    """fd-central's step against the best step of the sweep (its smoothed optimum)."""
    print("### fd-central: the step it takes against the sweep's best step (regular cases)\n")
    print("| case | textbook step | automatic step | sweep's best step (smoothed) | "
          "textbook / best | automatic / best |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 1.0
    for text, x, kind in CASES:
        if kind != "regular":
            continue
        best = diffkit.sweep(text, x, schemes=["fd-central"]).robust_best["fd-central"]["step"]
        steps = []
        for step in (None, "auto"):
            r = diffkit.compare(text, x, methods=["fd-central"], step=step).result("fd-central")
            steps.append(r.step["x"])
        ratios = [h / best for h in steps]
        worst = max([worst, *[max(q, 1 / q) for q in ratios]])
        print(f"| `{text}` at {x:g} | {steps[0]:.2e} | {steps[1]:.2e} | {best:.2e} | "
              f"{ratios[0]:.2f} | {ratios[1]:.2f} |")
    print(f"\nfurthest from the best step: a factor of {worst:.1f} (bar: 10)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", action="store_true", help="also print every case")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    for order in (1, 2):
        print(f"### {'f′' if order == 1 else 'f″'}\n")
        print("| method | median rel. error (regular) | max rel. error (all, finite) | "
              "median evaluations | silent failures | failed / refused | time per call |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        per_case: dict[str, list[str]] = {}
        for name, fn in methods_for(order).items():
            regular, finite, points, silent, failed, times, cells = [], [], [], 0, 0, [], []
            for text, x, kind in CASES:
                truth = exact(text, x, order)
                if truth is None:
                    cells.append("n/a")
                    continue
                try:
                    result = fn(text, x)
                except diffkit.DiffkitError:
                    failed += 1
                    cells.append("refused")
                    continue
                if not np.isfinite(result["value"]):
                    failed += 1
                    cells.append("nan")
                    continue
                rel, is_silent = score(result, truth)
                silent += is_silent
                finite.append(rel)
                points.append(result["points"])
                if kind == "regular":
                    regular.append(rel)
                    times.append(timed(fn, text, x))
                cells.append(f"{rel:.1e}" + (" (silent)" if is_silent else ""))
            per_case[name] = cells
            print(f"| {name} | {statistics.median(regular):.1e} | {max(finite):.1e} | "
                  f"{statistics.median(points):g} | {silent} | {failed} | "
                  f"{statistics.median(times) * 1e6:.0f} µs |")
        print()
        if args.cases:
            names = list(per_case)
            print("| case | " + " | ".join(names) + " |")
            print("|---|" + "---:|" * len(names))
            for i, (text, x, kind) in enumerate(CASES):
                print(f"| `{text}` at {x:g} ({kind}) | " + " | ".join(per_case[n][i] for n in names) + " |")
            print()
    step_table()


if __name__ == "__main__":
    main()
