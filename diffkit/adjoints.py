"""The adjoint sweep: the graph run backwards, ``x̄ᵢ += ȳ · ∂y/∂xᵢ``, every node's
adjoint from one pass.  The one reverse loop over the graph: reverse mode, symbolic
differentiation (on SymPy values), ``vjp`` of an expression and the traces read it.

>>> import sympy as sp
>>> from diffkit.backends import NUMPY
>>> from diffkit.evaluate import evaluate
>>> from diffkit.graph import build_graph
>>> x, y = sp.symbols("x y", real=True)
>>> g = build_graph(x * y + x)
>>> values = evaluate(g, {"x": 2.0, "y": 5.0}, NUMPY)
>>> bar = adjoints(g, values, NUMPY, g.outputs[0])
>>> [float(bar[i]) for i, n in enumerate(g.nodes) if n.op == "var"]
[6.0, 2.0]
"""

from __future__ import annotations

from typing import Any

from .graph import Graph
from .primitives import PRIMITIVES, adjoint_term


def adjoints(graph: Graph, values: list[Any], m: Any, output: int | dict[int, Any],
             seed: Any = 1.0) -> list[Any]:
    """The adjoint sweep: ∂output/∂node for every node (``None`` where it is zero).
    ``output`` may also map several output nodes to their seeds (a cotangent ū): the
    sweep then gives ūᵀJ in one pass."""
    nodes = graph.nodes
    adjoint: list[Any] = [None] * len(nodes)
    seeds = output if isinstance(output, dict) else {output: seed}
    for node_id, value in seeds.items():
        adjoint[node_id] = value if adjoint[node_id] is None else m.add(adjoint[node_id], value)
    for i in range(max(seeds), -1, -1):
        y_bar = adjoint[i]
        node = nodes[i]
        if y_bar is None or node.op in ("var", "const"):
            continue
        prim = PRIMITIVES[node.op]
        args = [values[j] for j in node.args]
        for k, j in enumerate(node.args):
            if nodes[j].op == "const":
                continue
            contribution = adjoint_term(prim, k, m, args, values[i], y_bar)
            if contribution is not None:
                adjoint[j] = contribution if adjoint[j] is None else m.add(adjoint[j], contribution)
    return adjoint
