"""``reverse-mode``: one forward sweep records every node's value, then one adjoint
sweep runs the graph backwards, ``x̄ᵢ += ȳ · ∂y/∂xᵢ``, and returns the whole gradient.
The cost is a small multiple of one evaluation of f, whatever the number of
variables (the cheap-gradient principle)."""

from __future__ import annotations

from typing import Any

from diffkit.errors import EvaluationError
from diffkit.evaluate import evaluate, is_finite
from diffkit.graph import Graph
from diffkit.primitives import PRIMITIVES, ZERO, scale

from .base import MethodResult, Problem

ID = "reverse-mode"


def adjoints(graph: Graph, values: list[Any], m: Any, output: int, seed: Any = 1.0) -> list[Any]:
    """The adjoint sweep: ∂output/∂node for every node (``None`` where it is zero)."""
    nodes = graph.nodes
    adjoint: list[Any] = [None] * len(nodes)
    adjoint[output] = seed
    for i in range(output, -1, -1):
        y_bar = adjoint[i]
        node = nodes[i]
        if y_bar is None or node.op in ("var", "const"):
            continue
        prim = PRIMITIVES[node.op]
        args = [values[j] for j in node.args]
        for rule, j in zip(prim.partials, node.args, strict=True):
            if nodes[j].op == "const":
                continue
            partial = rule(m, *args, values[i])
            if partial is ZERO:
                continue
            contribution = scale(m, partial, y_bar)
            adjoint[j] = contribution if adjoint[j] is None else m.add(adjoint[j], contribution)
    return adjoint


def run(problem: Problem) -> MethodResult:
    problem.require_first_order(ID, "second derivatives by reverse mode need forward-over-reverse (not built yet)")
    m, counter = problem.counting()
    graph = problem.graph
    values = evaluate(graph, problem.point, m)
    forward_ops = counter.total
    out = graph.outputs[0]
    adjoint = adjoints(graph, values, m, out)
    var_node = {n.name: i for i, n in enumerate(graph.nodes) if n.op == "var"}
    gradient = {}
    for name in problem.variables:
        a = adjoint[var_node[name]] if name in var_node else None
        gradient[name] = 0.0 if a is None else float(a)
        if not is_finite(gradient[name]):
            raise EvaluationError(f"the adjoint of {name} is not finite: the derivative does not exist here")
    return MethodResult.measured(
        ID,
        gradient,
        counter,
        1,
        notes=[f"one pass: {forward_ops} ops forward + {counter.total - forward_ops} adjoint"],
        extra={"sweep_ops": {"forward": forward_ops, "adjoint": counter.total - forward_ops}},
    )
