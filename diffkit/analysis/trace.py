"""Evaluation traces: the tables that AD textbooks draw by hand.

The primal trace lists the intermediate variables in the survey notation — inputs
v₁₋ₙ … v₀, then v₁, v₂, … in evaluation order — with each operation and value.  The
forward (tangent) trace gives v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ for a seed direction; the reverse
(adjoint) trace runs backwards, v̄ⱼ += v̄ᵢ · ∂vᵢ/∂vⱼ, from v̄ = 1 at the output.  The
local partials ∂vᵢ/∂vⱼ are the primitive table's, evaluated at the point, so every
rule line shows the numbers that are multiplied.  The derivative column itself comes
from the graph's own loops (``evaluate`` on dual numbers, ``adjoints``): a trace prints
what forward and reverse mode compute; it does not compute it a second way.

>>> t = trace("log(x1) + x1*x2 - sin(x2)", at={"x1": 2, "x2": 5}, mode="reverse")
>>> [round(v, 4) for v in t.gradient.values()]
[5.5, 1.7163]
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from diffkit.inputs.arguments import Arguments, is_function
from diffkit.inputs.parse import parse_function
from diffkit.inputs.point import PointLike, choose_variable, point_from
from diffkit.ir.adjoints import adjoints
from diffkit.ir.evaluate import evaluate
from diffkit.ir.graph import Graph, build_graph, format_operation
from diffkit.ir.recording import record_run, tracked_value
from diffkit.ir.tape import Tracked
from diffkit.support import formatting as fmt
from diffkit.support.budget import bounded
from diffkit.support.errors import DiffkitError
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.support.plotting import plot_graph, plot_trace
from diffkit.table.backends import NUMPY
from diffkit.table.primitives import MINUS_ONE, ONE, PRIMITIVES, ZERO
from diffkit.values.dual import Dual, arithmetic, tangent_at
from diffkit.values.overloading import new_level

_SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")


def _v(k: int) -> str:
    return "v" + str(k).translate(_SUBSCRIPT)


@dataclass
class TraceRow:
    name: str  # v₋₁, v₀, v₁, ...
    operation: str  # "x1", "ln v₋₁", "v₋₁ × v₀"
    value: float
    derivative: float | None = None  # tangent (forward) or adjoint (reverse)
    rule: str = ""  # the derivative rule with the local partials' numbers
    args: list[str] = field(default_factory=list)  # the intermediates it reads (names)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "operation": self.operation, "value": self.value,
                "derivative": self.derivative, "rule": self.rule, "args": list(self.args)}


@dataclass
class Trace:
    expression: str
    point: dict[str, float]
    mode: str  # "forward" or "reverse"
    wrt: str | None  # forward: the seeded variable
    primal: list[TraceRow]
    derivative_rows: list[TraceRow]  # tangents in order, or adjoints in reverse order
    gradient: dict[str, float] = field(default_factory=dict)
    value: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        return fmt.strict({"expression": self.expression, "point": dict(self.point), "mode": self.mode,
                "wrt": self.wrt, "value": self.value, "gradient": dict(self.gradient),
                "primal": [r.to_dict() for r in self.primal],
                ("tangent" if self.mode == "forward" else "adjoint"):
                    [r.to_dict() for r in self.derivative_rows]})

    def __str__(self) -> str:
        dot = "̇" if self.mode == "forward" else "̄"
        lines = [f"primal trace of {self.expression}"]
        names = max(_shown_width(r.name) for r in self.primal)
        width = max(_shown_width(r.operation) for r in self.primal)
        for r in self.primal:
            lines.append(f"  {_padded(r.name, names)} = {_padded(r.operation, width)}  = {r.value:.6g}")
        title = (f"tangent trace (seed: ẋ = 1 for {self.wrt}, 0 for the others)"
                 if self.mode == "forward" else "adjoint trace (seed: v̄ = 1 at the output), in reverse order")
        lines += ["", title]
        width = max([_shown_width(r.rule) for r in self.derivative_rows] + [1])
        for r in self.derivative_rows:
            name = _padded(r.name[0] + dot + r.name[1:], names)
            lines.append(f"  {name} = {_padded(r.rule, width)}  = {r.derivative:.6g}")
        result = ", ".join(f"∂f/∂{k} = {v:.10g}" for k, v in self.gradient.items())
        lines += ["", f"f = {self.value:.10g};  {result}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Trace ({self.mode} mode)>\n{self}"

    def _table(self) -> tuple[list[str], list[list[str]]]:
        """Primal and derivative traces side by side: one row per intermediate."""
        rules = {r.name: r for r in self.derivative_rows}
        dot = "̇" if self.mode == "forward" else "̄"
        cols = ["v", "operation", "value", f"v{dot} rule", f"v{dot}"]
        rows = []
        for r in self.primal:
            d = rules.get(r.name)
            rows.append([r.name, r.operation, f"{r.value:.6g}", d.rule if d else "",
                         "" if d is None or d.derivative is None else f"{d.derivative:.6g}"])
        return cols, rows

    def _repr_html_(self) -> str:
        import html

        cols, rows = self._table()
        what = (f"forward mode, seeded on {self.wrt}" if self.mode == "forward"
                else "reverse mode, seeded with v̄ = 1 at the output")
        result = ", ".join(f"∂f/∂{k} = {v:.10g}" for k, v in self.gradient.items())
        return fmt.html_table(cols, rows, css_class="diffkit-trace", right={2, 4}, caption=(
            f"{html.escape(self.expression)} ({html.escape(what)}): f = {self.value:.10g}; "
            f"{html.escape(result)}"))

    def to_dataframe(self):
        """The trace table as a pandas DataFrame, if pandas is installed."""
        cols, rows = self._table()
        return fmt.to_dataframe([dict(zip(cols, r, strict=True)) for r in rows])

    def plot(self, ax: Any = None) -> Any:
        """The computation graph with each node's value and tangent/adjoint; returns
        the matplotlib Figure."""

        return plot_trace(self, ax=ax)


def _shown_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: a combining mark (the bar of v̄, the dot
    of v̇) sits on the letter before it and takes none."""
    return sum(not unicodedata.combining(c) for c in text)


def _padded(text: str, width: int) -> str:
    return text + " " * (width - _shown_width(text))


def _in_survey_order(graph: Graph) -> list[int]:
    """The operations in the order of Baydin et al.'s tables: by level (an operation
    comes one level after its deepest argument), and within a level in the order they
    were written (text) or run (a Python function).  For ln(x1) + x1·x2 − sin(x2):
    v₁ = ln v₋₁, v₂ = v₋₁ × v₀, v₃ = sin v₀, v₄ = v₁ + v₂, v₅ = v₄ − v₃."""
    level: list[int] = []
    for node in graph.nodes:
        own = node.op not in ("var", "const")
        level.append(1 + max((level[a] for a in node.args), default=0) if own else 0)
    ops = [i for i, n in enumerate(graph.nodes) if n.op not in ("var", "const")]
    return sorted(ops, key=lambda i: (level[i], i))


def _inputs(graph: Graph, variables: list[str]) -> list[int]:
    """The graph's variable nodes in the order of ``variables``."""
    return sorted((i for i, n in enumerate(graph.nodes) if n.op == "var"),
                  key=lambda i: variables.index(graph.nodes[i].name))


def _numbering(graph: Graph, variables: list[str]) -> dict[int, str]:
    """Survey names: inputs v₁₋ₙ … v₀ in variable order, then v₁, v₂, … per operation
    (``_in_survey_order``)."""
    names: dict[int, str] = {}
    for i in _inputs(graph, variables):
        names[i] = _v(variables.index(graph.nodes[i].name) + 1 - len(variables))
    for count, i in enumerate(_in_survey_order(graph), 1):
        names[i] = _v(count)
    return names


def _operation(graph: Graph, names: dict[int, str], i: int) -> str:
    node = graph.nodes[i]
    args = [graph.operand(j, names.get(j, "")) for j in node.args]
    return format_operation(node.op, args, pretty=True)


def _partial_text(p: Any) -> str:
    if p is ONE:
        return ""
    if p is MINUS_ONE:
        return "−"
    return f"{float(p):.6g}·"


@bounded
def trace(expression: str | sp.Expr, at: PointLike, mode: str = "forward",
          wrt: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> Trace:
    """The primal trace and the tangent (``mode="forward"``, seeded on ``wrt``) or
    adjoint (``mode="reverse"``) trace of ``expression`` at ``at``."""
    if mode not in ("forward", "reverse"):
        raise DiffkitError(f"mode must be 'forward' or 'reverse', not {mode!r}")
    graph, values, point, variables, label = _recorded(expression, at, limits)
    if mode == "forward":
        wrt = choose_variable(variables, wrt, "forward mode follows one direction")
    names = _numbering(graph, variables)
    ops = _in_survey_order(graph)
    inputs = _inputs(graph, variables)
    primal = [TraceRow(names[i], graph.nodes[i].name, float(values[i])) for i in inputs]
    primal += [TraceRow(names[i], _operation(graph, names, i), float(values[i]),
                        args=[names[j] for j in graph.nodes[i].args if j in names])
               for i in ops]
    out = graph.outputs[0]

    def partials(i: int) -> list[tuple[int, Any]]:
        node = graph.nodes[i]
        prim = PRIMITIVES[node.op]
        args = [values[j] for j in node.args]
        found = []
        with np.errstate(all="ignore"):
            for rule, j in zip(prim.partials, node.args, strict=True):
                if graph.nodes[j].op == "const":
                    continue
                p = rule(NUMPY, *args, values[i])
                if p is not ZERO:
                    found.append((j, p))
        return found

    rows: list[TraceRow] = []
    gradient: dict[str, float] = {}
    if mode == "forward":
        # the numbers: the graph's primal loop on dual numbers (forward mode itself)
        level = new_level()
        seeded = {graph.nodes[i].name: Dual(values[i], 1.0 if graph.nodes[i].name == wrt
                                            else 0.0, level) for i in inputs}
        with arithmetic(NUMPY):
            duals = evaluate(graph, seeded, NUMPY, check=False)
        tangent = [float(tangent_at(d, level)) for d in duals]
        for i in inputs:
            rows.append(TraceRow(names[i], "", float(values[i]), tangent[i],
                                 "1" if tangent[i] else "0"))
        dot = "̇"
        for i in ops:  # the words: each rule with the table's partials at the point
            rule = " + ".join(f"{_partial_text(p)}{names[j][0]}{dot}{names[j][1:]}"
                              for j, p in partials(i)) or "0"
            rows.append(TraceRow(names[i], _operation(graph, names, i), float(values[i]),
                                 tangent[i], rule.replace("+ −", "− ")))
        gradient[wrt] = tangent[out]
    else:
        # the numbers: the graph's one adjoint loop
        adjoint = adjoints(graph, values, NUMPY, out)
        contributions: dict[int, list[str]] = {out: ["1"]}
        bar = "̄"
        for i in reversed(ops):  # the words: who contributes to whom, with which partial
            if adjoint[i] is None:
                continue
            for j, p in partials(i):
                term = f"{names[i][0]}{bar}{names[i][1:]}"
                contributions.setdefault(j, []).append(
                    term if p is ONE else f"−{term}" if p is MINUS_ONE else f"{term}·{float(p):.6g}")
        for i in [*reversed(ops), *reversed(inputs)]:
            if adjoint[i] is not None and i in contributions:
                rule = " + ".join(contributions[i]).replace("+ −", "− ")
                rows.append(TraceRow(names[i], _operation(graph, names, i) if i in ops else "",
                                     float(values[i]), float(adjoint[i]), rule))
        for i in inputs:
            gradient[graph.nodes[i].name] = 0.0 if adjoint[i] is None else float(adjoint[i])
        for name in variables:
            gradient.setdefault(name, 0.0)
    return Trace(
        expression=label,
        point=point, mode=mode, wrt=wrt if mode == "forward" else None,
        primal=primal, derivative_rows=rows, gradient=gradient, value=float(values[out]),
    )


def _recorded(expression: Any, at: Any, limits: Limits):
    """The graph of an expression, or the one a Python function records at ``at``:
    (graph, node values, point, variables, how f is named)."""
    if is_function(expression):
        if at is None:
            raise DiffkitError("a Python function's graph is the one it records at a point: give at=")

        args = Arguments.of(expression, at)
        if any(np.ndim(v) for v in args.values):
            raise DiffkitError("traces show numbers: f's arguments must be numbers here "
                               "(print diffkit.record(f, at) for the graph over arrays)")
        tape, _, out = record_run(expression, args)
        if np.ndim(tracked_value(out)) != 0:
            raise DiffkitError("traces follow a scalar f; this f returns an array "
                               "(print diffkit.record(f, at) for its graph)")
        if not isinstance(out, Tracked):
            raise DiffkitError("f does not depend on its arguments here: there is nothing "
                               "to trace")
        graph, values = tape.graph_and_values([out])
        arrays = sorted({n.op for n in graph.nodes if n.op in PRIMITIVES
                         and PRIMITIVES[n.op].jvp is not None})
        if arrays:
            raise DiffkitError(f"traces show scalar operations, and f used {', '.join(arrays)} "
                               "(print diffkit.record(f, at) for its graph)")
        return graph, values, args.flat_point(), args.names, args.label(expression)
    parsed = parse_function(expression, limits)
    if len(parsed.outputs) > 1:
        raise DiffkitError("a trace follows a scalar f; this f returns several values")
    variables = parsed.variables
    graph = build_graph(parsed.outputs, guards=parsed.guards, written=parsed.written)
    if at is None:
        return graph, None, None, variables, str(expression)
    point = point_from(at, variables)
    return graph, evaluate(graph, point, NUMPY), point, variables, str(expression)


@bounded
def record(f: Any, at: Any, *, limits: Limits = DEFAULT_LIMITS) -> Graph:
    """The graph a Python function records when it runs at ``at`` (the path its
    branches take there): print it, or pass f to ``trace`` and ``to_dot``.

    >>> print(record(lambda x: x * x + 1.0, at=3.0))
    v0 = x
    v1 = v0 * v0
    v2 = 1.0
    v3 = v1 + 1.0
    """

    if not is_function(f):
        raise DiffkitError("record takes a Python function; build_graph takes expressions")
    tape, _, out = record_run(f, Arguments.of(f, at))
    return tape.graph([out])


@bounded
def draw_graph(expression: Any, at: Any = None, *, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The computation graph drawn with matplotlib (the picture ``to_dot`` describes,
    without Graphviz): returns the Figure.  A Python function's graph is the one it
    records at ``at``."""
    graph, _, _, variables, label = _recorded(expression, at, limits)
    names = _numbering(graph, variables)
    inputs = _inputs(graph, variables)
    boxes = [(names[i], f"{names[i]} = {graph.nodes[i].name}", []) for i in inputs]
    boxes += [(names[i], f"{names[i]} = {_operation(graph, names, i)}",
               [names[j] for j in graph.nodes[i].args if j in names])
              for i in _in_survey_order(graph)]
    return plot_graph(boxes, f"the computation graph of {label}")


@bounded
def to_dot(expression: Any, at: Any = None, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """The computation graph in Graphviz DOT: one node per input, constant and
    operation, an edge from each argument to its user, the output doubly circled.
    A Python function's graph is the one it records at ``at``."""
    graph, _, _, variables, _ = _recorded(expression, at, limits)
    names = _numbering(graph, variables)
    lines = ["digraph diffkit {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    inputs = _inputs(graph, variables)
    constants = [i for i, n in enumerate(graph.nodes) if n.op == "const"]
    for i in [*inputs, *constants, *_in_survey_order(graph)]:  # in the trace's order
        node = graph.nodes[i]
        if node.op == "var":
            label, shape = f"{names[i]} = {node.name}", "box"
        elif node.op == "const":
            label, shape = str(node.value), "plaintext"
        else:
            label, shape = f"{names[i]} = {_operation(graph, names, i)}", "ellipse"
        if i in graph.outputs:
            shape = "doublecircle" if shape == "ellipse" else shape
        label = label.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'  n{i} [label="{label}", shape={shape}];')
    for i, node in enumerate(graph.nodes):
        for j in node.args:
            lines.append(f"  n{j} -> n{i};")
    lines.append("}")
    return "\n".join(lines) + "\n"
