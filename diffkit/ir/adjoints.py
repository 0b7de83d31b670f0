"""The adjoint sweep: the graph run backwards, ``x̄ᵢ += ȳ · ∂y/∂xᵢ``, every node's
adjoint from one pass.  The one reverse loop over the graph: reverse mode, symbolic
differentiation (on SymPy values), ``vjp`` of an expression, a Python function's
tape (``Tape.backward``) and the traces read it.

>>> import sympy as sp
>>> from diffkit.table.backends import NUMPY
>>> from diffkit.ir.evaluate import evaluate
>>> from diffkit.ir.graph import build_graph
>>> x, y = sp.symbols("x y", real=True)
>>> g = build_graph(x * y + x)
>>> values = evaluate(g, {"x": 2.0, "y": 5.0}, NUMPY)
>>> bar = adjoints(g, values, NUMPY, g.outputs[0])
>>> [float(bar[i]) for i, n in enumerate(g.nodes) if n.op == "var"]
[6.0, 2.0]
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from diffkit.ir.graph import Graph
from diffkit.table.arrays import add_at
from diffkit.table.backends import NUMPY
from diffkit.table.primitives import (
    FRESH_REFERENCES,
    LISTED_REFERENCES,
    PRIMITIVES,
    adjoint_term,
    elidable,
    own_float_array,
)

_GETITEM = PRIMITIVES["getitem"]


def adjoints(graph: Graph, values: list[Any], m: Any, output: int | dict[int, Any],
             seed: Any = 1.0, keep: set[int] | None = None,
             local: dict[int, list[tuple[int, Any]]] | None = None) -> list[Any]:
    """The adjoint sweep: ∂output/∂node for every node (``None`` where it is zero).
    ``output`` may also map several output nodes to their seeds (a cotangent ū): the
    sweep then gives ūᵀJ in one pass.  With ``keep`` (the nodes whose adjoints the
    caller reads: a gradient's inputs), every other adjoint is let go as soon as the
    sweep has passed it on — on arrays of 10⁶ entries, memory reused is time saved.
    ``local`` holds partials already taken as numbers (a tape of Python floats takes
    them as it records, ``Tape.record``): for those nodes a number adjoint is passed
    on as ``x̄ += ȳ · ∂y/∂x`` in float arithmetic, without the rules."""
    nodes = graph.nodes
    adjoint: list[Any] = [None] * len(nodes)
    seeds = output if isinstance(output, dict) else {output: seed}
    for node_id, value in seeds.items():
        adjoint[node_id] = value if adjoint[node_id] is None else m.add(adjoint[node_id], value)
    owned: set[int] = set()  # adjoints in a buffer of the sweep's own: added into in place
    for i in range(max(seeds), -1, -1):
        y_bar = adjoint[i]
        if y_bar is None:
            continue
        if local and (type(y_bar) is float or type(y_bar) is np.float64):
            pairs = local.get(i)
            if pairs is not None:
                for j, p in pairs:
                    a = adjoint[j]
                    adjoint[j] = y_bar * p if a is None else a + y_bar * p
                continue
        node = nodes[i]
        if node.op in ("var", "const"):
            continue
        prim = PRIMITIVES[node.op]
        args = [values[j] for j in node.args]
        scattered = prim is _GETITEM and m is NUMPY and nodes[node.args[0]].op != "const" \
            and _scatter_into(adjoint, owned, node.args[0], args, y_bar)
        # ȳ's array is spent after this node if nothing else holds it (not kept, not
        # passed on whole to another node): then it may take the node's contribution,
        # if there is one only (with two, the first may be ȳ itself)
        spent = keep is not None and LISTED_REFERENCES is not None and i not in keep \
            and own_float_array(y_bar) and sys.getrefcount(y_bar) <= LISTED_REFERENCES \
            and sum(nodes[j].op != "const" for j in node.args) == 1
        for k, j in enumerate(node.args):
            if scattered or nodes[j].op == "const":
                continue
            contribution = adjoint_term(prim, k, m, args, values[i], y_bar, spent)
            if contribution is None:
                continue
            before = adjoint[j]
            if before is None:
                adjoint[j] = contribution
                owned.discard(j)
            elif j in owned and elidable(before, contribution):
                np.add(before, contribution, out=before)  # a buffer of the sweep's own
            elif FRESH_REFERENCES is not None and elidable(contribution, before) \
                    and sys.getrefcount(contribution) <= FRESH_REFERENCES:
                # the rule's new array, held by nothing else: the sum goes into it
                adjoint[j] = np.add(contribution, before, out=contribution)
                owned.add(j)
            else:
                adjoint[j] = m.add(before, contribution)
                owned.discard(j)
        # let go of the last contribution: a reference left here would make the next
        # node's ȳ look shared (the counts above)
        contribution = before = None
        if keep is not None and i not in keep:
            adjoint[i] = None
    return adjoint


def _scatter_into(adjoint: list[Any], owned: set[int], j: int, args: list[Any], y_bar: Any) -> bool:
    """x[index]'s adjoint added into x's in place: slicing a parameter vector into
    pieces (W₁, b₁, …) then costs the pieces' sizes, not a full-size array per piece.
    Plain float64 arrays only (the table's rule, ``scatter``, handles the rest)."""
    x, index = args
    if not (isinstance(x, np.ndarray) and isinstance(y_bar, np.ndarray | float)):
        return False
    if adjoint[j] is not None and not isinstance(adjoint[j], np.ndarray | float):
        return False  # an outer derivative's value (gradient of a gradient): the rule
    if j not in owned:
        buffer = np.zeros(x.shape) if adjoint[j] is None else np.array(adjoint[j], dtype=float)
        if buffer.shape != x.shape:
            return False
        adjoint[j] = buffer
        owned.add(j)
    add_at(adjoint[j], index, y_bar)
    return True
