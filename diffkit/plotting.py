"""matplotlib figures.  matplotlib is imported inside these functions only, and never
``pyplot``: figures are built from ``matplotlib.figure.Figure`` (no global state, no
GUI backend), which notebooks display and ``savefig`` writes."""

from __future__ import annotations

from typing import Any

import numpy as np

#: one colour per scheme, the same in every figure
COLOURS = {
    "fd-forward": "#1f77b4", "fd-backward": "#17becf", "fd-central": "#d62728",
    "fd-central-4": "#ff7f0e", "fd-central-6": "#9467bd", "complex-step": "#2ca02c",
}


def _new_axes(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def plot_sweep(sweep: Any, ax: Any = None) -> Any:
    """|error| against h on log-log axes: measured (solid), model (dashed), the
    predicted optimal step (a ring on the model), and ε·|exact| (dotted)."""
    fig, ax = _new_axes(ax, (8.0, 4.8))
    hs = sweep.steps
    fine = np.logspace(np.log10(hs.min()), np.log10(hs.max()), 400)
    for scheme, errors in sweep.errors.items():
        if scheme in sweep.refused:
            continue
        colour = COLOURS.get(scheme)
        ax.loglog(hs, errors, "-", color=colour, lw=1.6, label=scheme)
        model = sweep.model_error(scheme, fine)
        if model is not None:
            ax.loglog(fine, model, "--", color=colour, lw=0.9, alpha=0.8)
        h_star = sweep.optimal_step.get(scheme)
        if h_star is not None and hs.min() <= h_star <= hs.max():
            ax.loglog([h_star], sweep.model_error(scheme, np.array([h_star])), "o",
                      mfc="none", mec=colour, ms=8)
    eps_line = np.finfo(float).eps * max(abs(sweep.exact), 1e-300)
    ax.axhline(eps_line, color="0.4", ls=":", lw=1)
    ax.annotate("ε·|exact|", (hs.min(), eps_line), xytext=(2, 3), textcoords="offset points",
                fontsize=8, color="0.3")
    ax.plot([], [], "k--", lw=0.9, label="model A·hᵖ + B/hᵈ")
    ax.plot([], [], "ko", mfc="none", label="predicted optimal h")
    what = "f'" if sweep.order == 1 else "f''"
    ax.set_xlabel("step size h (units of x)")
    ax.set_ylabel(f"|error| of {what} (absolute)")
    ax.set_title(f"{what} of {sweep.expression} at {sweep.variable} = {sweep.point[sweep.variable]:g}")
    finite = np.concatenate([e[np.isfinite(e)] for e in sweep.errors.values()] + [[eps_line]])
    ax.set_ylim(max(finite.min() / 10, 1e-20), min(finite.max() * 10, 1e10))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9, frameon=False)
    return fig


def plot_scaling(report: Any, ax: Any = None) -> Any:
    """Measured ops against n on log-log axes, one line per method, with f's own ops
    dashed: reverse mode runs parallel to f, forward mode and differences a slope
    steeper."""
    fig, ax = _new_axes(ax, (7.5, 4.6))
    methods = list(dict.fromkeys(r["method"] for r in report.rows))
    for method in methods:
        points = [(r["n"], r["ops"]) for r in report.rows if r["method"] == method and r["ops"]]
        if points:
            ns, ops = zip(*points, strict=True)
            ax.loglog(ns, ops, "o-", lw=1.6, ms=4, label=method)
    f_points = sorted({(r["n"], r["function_ops"]) for r in report.rows})
    if f_points:
        ns, ops = zip(*f_points, strict=True)
        ax.loglog(ns, ops, "k--", lw=1, label="one evaluation of f")
    from .scaling import FAMILIES

    ax.set_xlabel(f"n ({FAMILIES[report.family][1]})")
    ax.set_ylabel("primitive operations (measured)")
    ax.set_title(f"cost of the derivative: {report.family}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9, frameon=False)
    return fig
