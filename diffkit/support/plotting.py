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
        k = list(sweep.errors).index(scheme)
        ax.loglog(hs, errors, color=colour, lw=1.4, label=scheme, marker=MARKERS[k % len(MARKERS)],
                  ms=3.5, mfc="none", markevery=4)
        model = sweep.model_error(scheme, fine)
        if model is not None:
            ax.loglog(fine, model, "--", color=colour, lw=0.9, alpha=0.8)
        h_star = sweep.optimal_step.get(scheme)
        if h_star is not None and hs.min() <= h_star <= hs.max():
            ax.loglog([h_star], sweep.model_error(scheme, np.array([h_star])), "o",
                      mfc="none", mec=colour, ms=8)
    eps_line = np.finfo(float).eps * max(abs(sweep.exact), 1e-300)
    if np.isfinite(eps_line):
        ax.axhline(eps_line, color="0.4", ls=":", lw=1)
        ax.annotate("ε·|exact|", (hs.min(), eps_line), xytext=(2, 3),
                    textcoords="offset points", fontsize=8, color="0.3")
    ax.plot([], [], "k--", lw=0.9, label="model A·hᵖ + B/hᵈ")
    ax.plot([], [], "ko", mfc="none", label="predicted optimal h")
    what = "f'" if sweep.order == 1 else "f''"
    ax.set_xlabel("step size h (units of x)")
    ax.set_ylabel(f"|error| of {what} (absolute)")
    ax.set_title(f"{what} of {sweep.expression} at {sweep.variable} = {sweep.point[sweep.variable]:g}")
    finite = np.concatenate([e[np.isfinite(e) & (e > 0)] for e in sweep.errors.values()]
                            + [[eps_line] if np.isfinite(eps_line) else []])
    if finite.size:
        ax.set_ylim(max(finite.min() / 10, 1e-20), min(finite.max() * 10, 1e10))
    skipped = sum(int(np.sum(~np.isfinite(e))) for e in sweep.errors.values())
    if skipped or not finite.size:  # plots skip non-finite points, and say so
        ax.text(0.01, 0.01, f"{skipped} points not finite (a step left the domain or "
                "overflowed): not drawn", transform=ax.transAxes, fontsize=8, color="0.3")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9, frameon=False)
    return fig


#: each method's own marker and line style, so that lines that coincide (fd-forward
#: and fd-backward cost the same) stay visible
MARKERS = "osD^vP*Xph<>"
LINE_STYLES = ["-", "--", "-.", ":"]


def plot_scaling(report: Any, ax: Any = None) -> Any:
    """Measured ops against n on log-log axes, one line per method (each its own
    marker and line style), with f's own ops in black: reverse mode runs parallel to
    f, forward mode and differences a slope steeper.  A line that stops before the
    largest n ends in a ✗ and says why."""
    fig, ax = _new_axes(ax, (7.5, 4.6))
    methods = list(dict.fromkeys(r["method"] for r in report.rows))
    largest = max(r["n"] for r in report.rows)
    drawn: dict[tuple, str] = {}
    stops: list[str] = []
    for k, method in enumerate(methods):
        rows = [r for r in report.rows if r["method"] == method]
        points = [(r["n"], r["ops"]) for r in rows if r["ops"]]
        twin = drawn.setdefault(tuple(points), method) if points else method
        label = method if twin == method else f"{method} (on {twin}'s line)"
        style = {"marker": MARKERS[k % len(MARKERS)], "ls": LINE_STYLES[k % len(LINE_STYLES)],
                 "lw": 1.4, "ms": 5 + 2 * (k % 3), "mfc": "none", "label": label}
        if not points:
            ax.plot([], [], **style)
            continue
        ns, ops = zip(*points, strict=True)
        line, = ax.loglog(ns, ops, **style)
        if ns[-1] < largest:  # the method stopped: a ✗ there, and why, below the lines
            why = next((r["note"] for r in rows if not r["ops"] and r["note"]), "not run")
            ax.plot([ns[-1]], [ops[-1]], "x", color=line.get_color(), ms=9, mew=2)
            stops.append(f"✗ {method} stops after n = {ns[-1]:,}: {why.removeprefix('skipped: ')}")
    f_points = sorted({(r["n"], r["function_ops"]) for r in report.rows})
    if f_points:
        ns, ops = zip(*f_points, strict=True)
        ax.loglog(ns, ops, "k-", lw=2.2, alpha=0.35, label="one evaluation of f")
    if stops:
        ax.text(0.99, 0.02, "\n".join(stops), transform=ax.transAxes, ha="right", va="bottom",
                fontsize=7, color="0.25")
    ax.set_xlabel(f"n ({report.n_means})")
    ax.set_ylabel("primitive operations (measured)")
    ax.set_title(f"cost of the derivative: {report.family}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9, frameon=False)
    return fig


#: errors of exactly 0 are drawn at this floor (a log axis has no 0)
ERROR_FLOOR = 1e-17


def plot_comparison(comparison: Any, ax: Any = None) -> Any:
    """Horizontal bars, one per method: the relative error against the reference
    (log scale; an exact 0 sits at the floor, hatched) and the operations executed.
    ``ax`` may be a pair of Axes; a failed method has no bars and a ✗ by its name."""
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10.0, 0.45 * len(comparison.results) + 1.6), layout="constrained")
        err_ax, ops_ax = fig.subplots(1, 2, sharey=True)
    else:
        err_ax, ops_ax = ax
        fig = err_ax.figure
    results = comparison.results
    labels = [r.method + (" ✗" if r.error else "") for r in results]
    y = np.arange(len(results))[::-1]
    for yi, r in zip(y, results, strict=True):
        if r.rel_error is not None:
            exact = r.rel_error == 0
            err_ax.barh(yi, max(r.rel_error, ERROR_FLOOR), color="#2ca02c" if exact else "#1f77b4",
                        hatch="//" if exact else None)
        if r.ops is not None and not r.error:
            ops_ax.barh(yi, r.ops, color="#7f7f7f")
    err_ax.set_xscale("log")
    err_ax.set_xlim(ERROR_FLOOR / 3, 10)
    err_ax.set_yticks(y, labels)
    err_ax.set_xlabel(f"relative error (hatched: exactly 0, drawn at {ERROR_FLOOR:g})")
    ops_ax.set_xlabel("operations executed (measured)")
    err_ax.set_title(f"{comparison.expression} at "
                     + ", ".join(f"{k} = {v:g}" for k, v in list(comparison.point.items())[:4]),
                     loc="left", fontsize=10)
    for a in (err_ax, ops_ax):
        a.grid(True, axis="x", alpha=0.3)
    return fig


def plot_trace(trace: Any, ax: Any = None) -> Any:
    """The computation graph of a trace (``plot_graph``) with each node's value and
    its tangent or adjoint under its name."""
    derivative = {r.name: r.derivative for r in trace.derivative_rows}
    mark = "̇" if trace.mode == "forward" else "̄"
    boxes = []
    for row in trace.primal:
        text = f"{row.name} = {row.operation}\n{row.value:.4g}"
        if derivative.get(row.name) is not None:
            text += f"\n{row.name[0]}{mark}{row.name[1:]} = {derivative[row.name]:.4g}"
        boxes.append((row.name, text, row.args))
    return plot_graph(boxes, f"{trace.mode} mode on {trace.expression}", ax)


def plot_graph(boxes: list[tuple[str, str, list[str]]], title: str, ax: Any = None) -> Any:
    """A computation graph drawn with matplotlib (no Graphviz needed): ``boxes`` are
    (name, text, names of its arguments) in evaluation order; inputs (no arguments)
    sit on the left in square boxes, each operation one layer right of its deepest
    argument, and an arrow runs from each argument to its user."""
    fig, ax = _new_axes(ax, (9.0, 4.8))
    depth: dict[str, int] = {}
    for name, _, args in boxes:
        depth[name] = 1 + max((depth[a] for a in args), default=-1)
    layers: dict[int, list[str]] = {}
    for name, _, _ in boxes:
        layers.setdefault(depth[name], []).append(name)
    where = {name: (d, -(k - (len(names) - 1) / 2))
             for d, names in layers.items() for k, name in enumerate(names)}
    for name, _, args in boxes:
        for a in args:
            ax.annotate("", xy=where[name], xytext=where[a], zorder=1,
                        arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 1.2,
                                    "shrinkA": 22, "shrinkB": 22, "mutation_scale": 12})
    for name, text, args in boxes:
        x, y = where[name]
        ax.text(x, y, text, ha="center", va="center", fontsize=8, zorder=2,
                bbox={"boxstyle": "round" if args else "square",
                      "fc": "white" if args else "#e8f0fe", "ec": "#1f77b4"})
    tallest = max(len(v) for v in layers.values())
    ax.set_xlim(-0.6, max(layers) + 0.6)
    ax.set_ylim(-tallest / 2 - 0.3, tallest / 2 + 0.3)
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    return fig


def plot_gradient_check(check: Any, ax: Any = None) -> Any:
    """One bar per component (up to 40): the given gradient's relative error against
    reverse mode, log scale, with the tolerance as a line; wrong components in red."""
    fig, ax = _new_axes(ax, (8.0, 3.6))
    shown = list(range(min(len(check.names), 40)))
    errors = [max(float(check.errors[i]), ERROR_FLOOR) for i in shown]
    colours = ["#b00020" if check.errors[i] > check.rtol else "#2ca02c" for i in shown]
    ax.bar(range(len(shown)), errors, color=colours)
    ax.axhline(check.rtol, color="0.3", ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_xticks(range(len(shown)), [check.names[i] for i in shown], rotation=60, fontsize=8)
    ax.set_ylabel("relative error vs reverse mode")
    ax.set_title("gradient check: " + ("OK" if check.ok else f"{len(check.failed)} wrong"),
                 fontsize=10)
    return fig
