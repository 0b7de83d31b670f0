"""Recording a Python function on a tape and sweeping it back: what reverse mode on
a Python function is made of, shared by ``gradient``, ``jacobian``, ``hessian``, the
``reverse-mode`` method and the traces.

>>> import numpy as np
>>> from diffkit.inputs.arguments import Arguments
>>> f = lambda x: x[0] * x[1]
>>> args = Arguments.of(f, np.array([2.0, 5.0]))
>>> tape, inputs, out = record_run(f, args)
>>> input_adjoints(tape, inputs, out, 1.0, args)[0]
array([5., 2.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from diffkit.inputs.arguments import Arguments, run_user
from diffkit.ir.adjoints import adjoints
from diffkit.ir.evaluate import evaluate
from diffkit.ir.graph import Graph, Node
from diffkit.ir.tape import Constant, Tape, Tracked
from diffkit.support.errors import DiffkitError, EvaluationError
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.table.backends import NUMPY
from diffkit.table.primitives import PRIMITIVES
from diffkit.values.dual import Dual, arithmetic, tangent_at
from diffkit.values.overloading import Differentiable, new_level, primal_value


def record_run(f: Callable[..., Any], args: Arguments, values: list[Any] | None = None,
               m: Any = NUMPY, lean: bool = False, limits: Limits = DEFAULT_LIMITS):
    """One run of f on tracked inputs (``args``' values, or ``values``): the tape, the
    inputs and the output.  Every recording of a Python function goes through here.
    ``lean``: keep only what the backward sweep reads (``Tape.lean``)."""
    values = values or args.values
    # Python floats are computed without numpy (Tape.record): its warnings need
    # silencing only around what reaches numpy, not around the whole run
    quiet = not all(type(v) is float for v in values)
    tape = Tape(m, quiet, lean, limits)
    inputs = [tape.input(v, n) for v, n in zip(values, args.names, strict=True)]
    try:
        return tape, inputs, run_user(f, args, inputs, quiet=quiet)
    finally:
        tape.recording = False


def tracked_value(v: Any) -> Any:
    """The value behind a recorded one (or the value itself)."""
    return v.value if isinstance(v, Tracked) else v


def input_adjoints(tape: Tape, inputs: list[Tracked], out: Any, seed: Any, args: Arguments) -> list[Any]:
    """The inputs' adjoints after one backward sweep (zeros where f ignores one)."""
    keep = {x.index for x in inputs}
    adjoint = tape.backward(out, seed, keep) if isinstance(out, Tracked) else [None] * len(tape)
    result = []
    for x, v in zip(inputs, args.values, strict=True):
        a = adjoint[x.index]
        if type(a) is np.ndarray and a.dtype == object and type(v) is np.ndarray \
                and v.dtype != object:
            # numbers in, recorded values out: diffkit lost track somewhere (its bug)
            raise RuntimeError("diffkit's gradient holds recorded values instead of "
                               "numbers: an internal error, please report it with f")
        if type(a) is float and type(v) is float:
            result.append(a)  # a scalar f of numbers
        elif type(a) is np.ndarray and type(v) is np.ndarray and a.shape == v.shape:
            result.append(a if a.flags.writeable else a.copy())  # the common case (a
            # sum's adjoint is a read-only view of one number until something is added)
        elif a is None:
            result.append(np.zeros_like(v) if type(v) is np.ndarray else 0.0)
        elif isinstance(a, Differentiable):  # a Dual, or an outer gradient's value
            result.append(a)
        elif type(v) is np.ndarray:
            result.append(np.array(np.broadcast_to(a, v.shape), dtype=float))
        else:
            result.append(float(a))
    return result


def scalar_seed(value: Any, cotangent: Any) -> Any:
    if cotangent is None and isinstance(value, float):
        return 1.0
    shape = np.shape(value)
    if cotangent is None:
        if shape != ():
            raise DiffkitError(
                f"f returns an array of shape {shape}, not a number: a gradient needs a "
                "scalar f; give cotangent=... for ūᵀJ (vjp) or use jacobian")
        return 1.0
    seed = np.asarray(cotangent, dtype=float)
    if seed.shape != shape:
        raise DiffkitError(f"the cotangent has shape {seed.shape}; f returns shape {shape}")
    return seed if shape else float(seed)


def hessian_matrix(f: Callable[..., Any], args: Arguments, m: Any = NUMPY) -> np.ndarray:
    """The n × n Hessian over every scalar entry of a Python function's arguments: f is
    recorded once, and the recorded graph (its branches taken at this point) goes
    through ``forward_over_reverse``."""
    tape, _, out = record_run(f, args, m=m)
    scalar_seed(primal_value(out), None)  # a scalar f only
    if not isinstance(out, Tracked):  # f ignores its arguments
        return np.zeros((args.size, args.size))
    graph, values = tape.graph_and_values([out])
    at = {node.name: values[i] for i, node in enumerate(graph.nodes) if node.op == "var"}
    return forward_over_reverse(_with_options(graph), {
        n: at.get(n, v) for n, v in zip(args.names, args.values, strict=True)}, m)


def _with_options(graph: Graph) -> Graph:
    """A recorded graph with the options it left out (``sum``'s ``axis=None``) put back
    as constants, so that the graph can run again with every rule's arguments."""
    nodes: list[Node] = []
    where: dict[int, int] = {}
    for i, node in enumerate(graph.nodes):
        arity = PRIMITIVES[node.op].arity if node.op not in ("var", "const") else 0
        args = [where[j] for j in node.args]
        while len(args) < arity:
            args.append(len(nodes))
            nodes.append(Node("const", value=Constant(None)))
        where[i] = len(nodes)
        nodes.append(Node(node.op, tuple(args), node.name, node.value))
    return Graph(nodes, [where[o] for o in graph.outputs])


def forward_over_reverse(graph: Graph, inputs: dict[str, Any], m: Any = NUMPY) -> np.ndarray:
    """The Hessian of the graph's first output over every scalar entry of ``inputs``
    (numbers or arrays, in their order): for entry i the graph runs on dual numbers
    seeded along it, and one adjoint sweep gives the adjoints' tangents — column i (a
    Hessian-vector product).  The one forward-over-reverse of diffkit: the reverse-mode
    row, ``diffkit.hessian`` and recorded Python functions all use it."""
    var_node = {n.name: i for i, n in enumerate(graph.nodes) if n.op == "var"}
    sizes = [int(np.size(v)) for v in inputs.values()]
    n = sum(sizes)
    columns = []
    for i in range(n):
        seeded, offset, level = {}, 0, new_level()
        for (name, v), size in zip(inputs.items(), sizes, strict=True):
            if offset <= i < offset + size:
                direction = np.zeros(size)
                direction[i - offset] = 1.0
                seeded[name] = Dual(v, direction.reshape(np.shape(v)) if np.ndim(v) else 1.0, level)
            else:
                seeded[name] = v
            offset += size
        with arithmetic(m):
            values = evaluate(graph, seeded, m)
            adjoint = adjoints(graph, values, m, graph.outputs[0])
        parts = []
        for name, v in inputs.items():
            a = adjoint[var_node[name]] if name in var_node else None
            tangent = tangent_at(a, level)
            parts.append(np.ravel(np.broadcast_to(tangent, np.shape(v))))
        columns.append(np.concatenate(parts) if parts else np.zeros(0))
    if any(isinstance(c, Differentiable) for c in columns):  # inside an outer derivative
        h = np.stack(columns).T
    else:
        h = np.array(columns, dtype=float).T if columns else np.zeros((0, 0))
    if not np.all(np.isfinite(h)):
        raise EvaluationError("the Hessian is not finite here")
    return h
