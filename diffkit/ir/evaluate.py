"""Run a graph on numbers: floats, complex numbers, numpy arrays, Duals or mpmath.

One loop over the nodes in order.  Each primitive's domain is checked before it is
applied (``log`` of -1 is an error that names the primitive and the value, never a
``nan`` or a complex number passed off as real), and an overflow is reported where it
happens.  Give a ``CountingBackend`` to count the operations as they run.

>>> import sympy as sp
>>> from diffkit.ir.graph import build_graph
>>> from diffkit.table.backends import NUMPY
>>> x = sp.Symbol("x", real=True)
>>> g = build_graph(4*x**3 + x**2 + 3)
>>> float(evaluate(g, {"x": 2.0}, NUMPY)[g.outputs[0]])
39.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from diffkit.ir.graph import Graph
from diffkit.support.errors import EvaluationError, PointError
from diffkit.table.backends import NUMPY
from diffkit.table.primitives import PRIMITIVES
from diffkit.values.dual import Dual, apply


def evaluate(
    graph: Graph,
    inputs: Mapping[str, Any],
    backend: Any,
    *,
    check: bool = True,
    apply_rule: Callable[..., Any] = apply,
    only: Sequence[int] | None = None,
    given: list[Any] | None = None,
) -> list[Any]:
    """Every node's value, in node order.  ``check`` turns the domain and overflow
    checks on (off for sweeps that want ``nan`` where a step leaves the domain);
    ``apply_rule`` applies one primitive (forward mode's ``apply`` by default);
    ``only`` lists the nodes to compute, in order: the others stay ``None``, or keep
    their value in ``given`` (an earlier evaluation: moving one variable recomputes only
    what depends on it, ``downstream``)."""
    values: list[Any] = list(given) if given is not None else [None] * len(graph.nodes)
    nodes = graph.nodes
    with np.errstate(all="ignore"):
        for i in range(len(nodes)) if only is None else only:
            node = nodes[i]
            if node.op == "const":
                values[i] = backend.const(node.value)
            elif node.op == "var":
                try:
                    values[i] = inputs[node.name]
                except KeyError:
                    raise PointError(f"no value given for the variable {node.name}") from None
            else:
                prim = PRIMITIVES[node.op]
                args = [values[j] for j in node.args]
                if check and prim.domain is not None:
                    _check_domain(prim, args)
                try:
                    y = apply_rule(prim, backend, args)
                except ZeroDivisionError:
                    raise EvaluationError(f"division by zero in {prim.name}") from None
                except (ValueError, OverflowError) as err:
                    raise EvaluationError(f"{prim.name}({_fmt_args(args)}): {err}") from None
                if check:
                    _check_finite(prim, args, y)
                values[i] = y
    return values


def consumers(graph: Graph) -> list[list[int]]:
    """For each node, the nodes that read it."""
    users: list[list[int]] = [[] for _ in graph.nodes]
    for i, node in enumerate(graph.nodes):
        for j in node.args:
            users[j].append(i)
    return users


def downstream(graph: Graph, name: str, users: list[list[int]] | None = None) -> list[int]:
    """The nodes whose value depends on the variable ``name`` (the variable included),
    in order: found from the variable through ``consumers`` (``users``), so a move
    costs the size of what it changes, not a pass over the graph."""
    users = consumers(graph) if users is None else users
    found = {i for i, node in enumerate(graph.nodes) if node.op == "var" and node.name == name}
    stack = list(found)
    while stack:
        for k in users[stack.pop()]:
            if k not in found:
                found.add(k)
                stack.append(k)
    return sorted(found)


def along(graph: Graph, point: Mapping[str, float], name: str) -> Callable[[np.ndarray], np.ndarray]:
    """f as a numpy function of one variable, the others held at ``point``: values
    outside the domain come back as nan (sweeps and noise probes want them so)."""

    def f(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values)
        inputs = {k: np.full(values.shape, v, dtype=values.dtype) for k, v in point.items()}
        inputs[name] = values
        with np.errstate(all="ignore"):
            out = evaluate(graph, inputs, NUMPY, check=False)[graph.outputs[0]]
        return np.broadcast_to(out, values.shape)

    return f


def real_part(v: Any) -> Any:
    """The real primal value behind a Dual, a complex number or an array of them."""
    while hasattr(v, "_diffkit_value"):  # a Dual, or an outer derivative's value
        v = v._diffkit_value
    if isinstance(v, mpmath.mpc):
        return v.real
    if np.iscomplexobj(v):
        return np.real(v)
    return v


def is_finite(v: Any) -> bool:
    """Whether a number, an array, a Dual (both parts) or an mpmath number is finite."""
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, np.ndarray) and v.dtype == np.float64:  # a sum is cheaper than a mask
        return math.isfinite(v.sum()) or bool(np.all(np.isfinite(v)))
    if isinstance(v, Dual):
        return is_finite(v.primal) and is_finite(v.tangent)
    if isinstance(v, mpmath.mpf | mpmath.mpc):
        return bool(mpmath.isfinite(v))
    return bool(np.all(np.isfinite(v)))


def _fmt(v: Any) -> str:
    v = real_part(v)
    if np.ndim(v) > 0:
        return "an array"
    return f"{float(v):.6g}"


def _fmt_args(args: list[Any]) -> str:
    return ", ".join(_fmt(a) for a in args)


def _first_bad(ok: Any, args: list[Any]) -> list[Any]:
    """The arguments at the first element where ``ok`` is false (arrays), or the
    arguments themselves (scalars)."""
    if np.ndim(ok) == 0:
        return args
    index = int(np.argmin(np.asarray(ok).ravel()))
    shape = np.shape(ok)
    return [np.broadcast_to(real_part(a), shape).ravel()[index] for a in args]


def _check_domain(prim, args: list[Any]) -> None:
    ok = prim.domain(*[real_part(a) for a in args])
    if not np.all(ok):
        bad = _first_bad(ok, args)
        if prim.name == "div":
            raise EvaluationError(f"division by zero ({_fmt(bad[0])} / 0)")
        raise EvaluationError(f"{prim.name}({_fmt_args(bad)}) is undefined: {prim.domain_text}")


def _finite_mask(v: Any) -> Any:
    if isinstance(v, mpmath.mpf | mpmath.mpc):
        return bool(mpmath.isfinite(v))
    if v is None or isinstance(v, tuple | slice | str):  # an option: an axis, an index
        return True
    return np.isfinite(v)


_PLAIN = (float, np.float64)


def _plainly_finite(y: Any) -> bool:
    """A finite float, a scalar Dual with finite float parts, or a finite mpmath
    number: what nearly every node of an evaluation produces."""
    kind = type(y)
    if kind in _PLAIN:
        return math.isfinite(y)
    if kind is Dual:
        return (type(y.primal) in _PLAIN and type(y.tangent) in _PLAIN
                and math.isfinite(y.primal) and math.isfinite(y.tangent))
    return kind is mpmath.mpf and bool(y._mpf_[1] or not y)


def _check_finite(prim, args: list[Any], y: Any) -> None:
    if _plainly_finite(y):  # the common cases first, without numpy's machinery
        return
    primal = real_part(y.primal if isinstance(y, Dual) else y)
    args_primal = [real_part(a.primal if isinstance(a, Dual) else a) for a in args]
    finite_in = functools.reduce(np.logical_and, [_finite_mask(a) for a in args_primal], True)
    overflow = np.logical_and(np.logical_not(_finite_mask(primal)), finite_in)
    if np.any(overflow):
        bad = _first_bad(np.logical_not(overflow), args_primal)
        raise EvaluationError(f"{prim.name}({_fmt_args(bad)}) overflows double precision")
    if isinstance(y, Dual) and not is_finite(y.tangent) and all(is_finite(a) for a in args):
        raise EvaluationError(
            f"the slope of {prim.name} at {_fmt_args(args_primal)} is infinite: "
            "the derivative is not a finite number here"
        )


@dataclass(frozen=True)
class Kink:
    """A primitive met at a point where it is not differentiable."""

    primitive: str
    args: tuple[str, ...]  # its arguments, formatted
    convention: str  # what the methods do there

    @property
    def where(self) -> str:
        """``at 0``, or for max(a, b) and min(a, b), whose kink is a tie, where it is."""
        if len(self.args) == 2:
            return f"where its arguments tie (here both are {self.args[0]})"
        return f"at {', '.join(self.args)}"

    def __str__(self) -> str:
        return f"{self.primitive} is not differentiable {self.where}; {self.convention}"


def find_kinks(graph: Graph, values: list[Any]) -> list[Kink]:
    """Where an evaluation met a primitive at its kink, each place once."""
    found: dict[Kink, None] = {}
    for node in graph.nodes:
        prim = PRIMITIVES.get(node.op)
        if prim is None or prim.kink is None:
            continue
        args = [values[a] for a in node.args]
        if np.any(prim.kink(*[real_part(a) for a in args])):
            found[Kink(prim.name, tuple(_fmt(a) for a in args), prim.convention)] = None
    return list(found)
