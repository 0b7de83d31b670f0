"""What every method receives (a ``Problem``) and returns (a ``MethodResult``)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from diffkit.inputs.parse import parse_function
from diffkit.inputs.point import PointLike, point_from
from diffkit.ir.adjoints import adjoints
from diffkit.ir.counting import CountingBackend, OpCounter
from diffkit.ir.evaluate import along, consumers, downstream, evaluate
from diffkit.ir.graph import Graph, build_graph
from diffkit.numerics.differences import EPS, rounding_error
from diffkit.support.budget import time_budget
from diffkit.support.errors import BudgetExceeded, DiffkitError, EvaluationError
from diffkit.support.formatting import strict
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.table.backends import NUMPY, SYMPY
from diffkit.values.dual import Dual, kth_tangent, nested_seed

#: sympy.cse is skipped above this many graph ops (it can take minutes on swollen
#: derivatives: ``diffkit scaling --family logistic`` shows the swell)
CSE_MAX_OPS = 2_000
#: ... and above this many ops as printed: sympy.cse walks the tree
CSE_MAX_TREE_OPS = 20_000


class Symbolic(NamedTuple):
    """SymPy's derivatives, the graph that evaluates them, and their sizes in ops:
    ``tree`` as printed, ``graph`` with identical parts shared, ``cse`` after
    ``sympy.cse`` (None where skipped)."""

    derivatives: list[sp.Expr]
    graph: Graph
    size: dict[str, int | None]


def _raise_or_return(result: Symbolic | Exception) -> Symbolic:
    """A cached computation kept its failure, so every reader sees the same one."""
    if isinstance(result, Exception):
        raise result
    return result


def rows_of(flat: list[Any], variables: list[str]) -> list[dict[str, Any]]:
    """Values listed row by row (output, then variable) as one {variable: value} per row."""
    n = len(variables)
    return [dict(zip(variables, flat[i : i + n], strict=True)) for i in range(0, len(flat), n)]


def _ops(graph: Graph) -> int:
    return graph.op_count


#: operations whose partials are constants: their adjoint rules read no value
_LINEAR = {"add", "sub", "neg"}


def _values_needed(graph: Graph) -> list[int]:
    """The nodes whose values an adjoint sweep reads: the arguments (and results) of
    every non-linear operation, and what those are computed from.  A sum of n terms
    then never builds its n partial sums in SymPy (each a copy of the last: O(n²))."""
    needed = [False] * len(graph.nodes)
    for i in range(len(graph.nodes) - 1, -1, -1):
        node = graph.nodes[i]
        if node.op not in _LINEAR and node.op not in ("var", "const"):
            needed[i] = True
        if needed[i]:
            for a in node.args:
                needed[a] = True
    return [i for i, n in enumerate(needed) if n]


def differentiate(expression: sp.Expr, variables: list[str], order: int = 1) -> list[sp.Expr]:
    """∂ᵒʳᵈᵉʳf/∂vᵒʳᵈᵉʳ for each variable, as SymPy formulas built by reverse
    accumulation on diffkit's graph with SymPy values: every shared subexpression is
    differentiated once, so the work grows with the graph, not with the printed tree
    (``sympy.diff`` walks the tree: 15 s on the logistic map at depth 14, where this
    takes milliseconds).  The tests check it against ``sympy.diff``."""

    symbols = {s.name: s for s in expression.free_symbols}

    def gradient(expr: sp.Expr) -> dict[str, sp.Expr]:
        """One adjoint sweep: every partial of ``expr`` at once."""
        graph = build_graph(expr)
        values = evaluate(graph, symbols, SYMPY, check=False, only=_values_needed(graph))
        adjoint = adjoints(graph, values, SYMPY, graph.outputs[0], sp.S.One)
        found = {n.name: adjoint[i] for i, n in enumerate(graph.nodes) if n.op == "var"}
        return {v: sp.S.Zero if found.get(v) is None else found[v] for v in variables}

    first = gradient(expression)
    current = [first[v] for v in variables]
    for _ in range(order - 1):  # pure higher partials: differentiate each again in its variable
        current = [gradient(d)[v] for d, v in zip(current, variables, strict=True)]
    return current


@dataclass
class Problem:
    """One expression at one point, prepared once and shared by every method."""

    expression: sp.Expr
    graph: Graph
    point: dict[str, float]
    step: float | str | None = None  # None: the textbook default; "auto": from f
    limits: Limits = DEFAULT_LIMITS
    noise: float | None = None  # relative noise level of f, if the user knows it
    accuracy: int | None = None  # accuracy order of the difference rules (None: textbook)
    order: int = 1  # the derivative: 1 (gradient) or 2 (pure second partials)
    outputs: list[sp.Expr] | None = None  # a vector-valued f: its components (graph outputs)

    @classmethod
    def of_text(cls, expression: Any, at: PointLike, limits: Limits = DEFAULT_LIMITS,
                **fields: Any) -> Problem:
        """f from expression text (or SymPy) at ``at``: its graph keeps the domain of
        every subexpression as written (``parse.Parsed``), a comma list is a vector f."""
        parsed = parse_function(expression, limits)
        exprs = parsed.outputs
        return cls(exprs[0], build_graph(exprs, guards=parsed.guards),
                   point_from(at, parsed.variables), limits=limits,
                   outputs=exprs if len(exprs) > 1 else None, **fields)

    @property
    def expressions(self) -> list[sp.Expr]:
        """f's components: one for a scalar f."""
        return self.outputs if self.outputs else [self.expression]

    def run(self, inputs: dict[str, Any], m: Any, check: bool = True) -> list[Any]:
        """f's outputs for one value per variable — floats, complex numbers, arrays of
        points, Duals or mpmath numbers — computed with backend ``m``."""

        values = evaluate(self.graph, inputs, m, check=check)
        return [values[o] for o in self.graph.outputs]

    def values_of_nodes(self, inputs: dict[str, Any], m: Any) -> list[Any] | None:
        """Every node's value at ``inputs`` (for ``run_moved``); None where f is not its
        graph (a Python function runs itself at each point)."""
        return evaluate(self.graph, inputs, m)

    def run_moved(self, at: list[Any], name: str, value: Any, m: Any) -> list[Any]:
        """f's outputs with the variable ``name`` moved to ``value``, every other node
        keeping its value in ``at`` (an evaluation of the whole graph): only what
        depends on ``name`` is computed again — a difference per variable then costs
        that variable's share of the graph, not all of it."""
        if name not in self._downstream:
            self._downstream[name] = downstream(self.graph, name, self._consumers)
        values = evaluate(self.graph, {name: value}, m, only=self._downstream[name], given=at)
        return [values[o] for o in self.graph.outputs]

    @cached_property
    def _downstream(self) -> dict[str, list[int]]:
        return {}

    @cached_property
    def _consumers(self) -> list[list[int]]:
        return consumers(self.graph)

    def values_at(self, points: dict[str, np.ndarray], m: Any) -> np.ndarray:
        """f at many points (one array of values per variable) as an array of shape
        (outputs, points): one vectorized evaluation of the graph (callers chunk the
        points, ``finite_difference.f_at``)."""
        k = len(next(iter(points.values())))
        return np.array([np.broadcast_to(y, (k,)) for y in self.run(points, m)])

    def along(self, name: str):
        """f as a numpy function of one variable, the others held at the point (nan
        outside the domain): what sweeps and the noise probe evaluate."""

        return along(self.graph, self.point, name)

    @cached_property
    def output_values(self) -> list[float]:
        """f's components at the point, in float64."""
        return [float(np.real(y)) for y in self.run(self.point, NUMPY)]

    @property
    def value(self) -> float:
        """f at the point (its first component for a vector f), in float64."""
        return self.output_values[0]

    @cached_property
    def rounding_error(self) -> float:
        """The rounding error of f's float64 value at the point (its first component),
        ε·Σ|v̄ᵢ·vᵢ| over the graph's operations (``numerics.rounding_error``): the
        roundings of intermediates as they reach f.  At least ε·|f|."""
        floor = EPS * abs(self.value)
        try:
            values = self.graph_values
            adjoint = adjoints(self.graph, values, NUMPY, self.graph.outputs[0])
        except (DiffkitError, TypeError, ValueError, ArithmeticError):
            return floor
        operations = [i for i, n in enumerate(self.graph.nodes) if n.op not in ("var", "const")]
        with np.errstate(all="ignore"):
            error = rounding_error(values, adjoint, operations)
        return max(error, floor) if math.isfinite(error) else floor

    @cached_property
    def graph_values(self) -> list[Any]:
        """Every node's float64 value at the point."""
        return evaluate(self.graph, self.point, NUMPY)

    def higher_derivative(self, name: str, order: int) -> float | None:
        """∂ᵏf/∂nameᵏ at the point in float64, from forward mode on nested dual
        numbers (x + ε₁ + … + εₖ; 2ᵏ times the work of one evaluation, no SymPy), or
        None where it is not a finite number.  Step selection reads its magnitude;
        these operations are not counted in any method's ops."""
        key = (name, order)
        cache = self.__dict__.setdefault("_higher", {})
        if key not in cache:
            seed, levels = nested_seed(self.point[name], order)
            inputs: dict[str, Any] = dict(self.point)
            inputs[name] = seed
            try:
                y = self.run(inputs, NUMPY)[0]
            except (EvaluationError, TypeError):  # a domain edge, or a kink's heaviside
                cache[key] = None
                return None
            y = kth_tangent(y, levels)
            value = float(y.primal if isinstance(y, Dual) else y)
            cache[key] = value if math.isfinite(value) else None
        return cache[key]

    @property
    def variables(self) -> list[str]:
        return list(self.point)

    @cached_property
    def _symbolic(self) -> Symbolic | Exception:
        try:
            with time_budget(self.limits.symbolic_seconds, "symbolic differentiation"):
                derivatives = [  # row by row: output i, then each variable
                    d for e in self.expressions
                    for d in differentiate(e, self.variables, self.order)
                ]
                shared = build_graph(derivatives)
                size = {"tree": shared.tree_op_count, "graph": shared.op_count, "cse": None}
                if shared.op_count > CSE_MAX_OPS or shared.tree_op_count > CSE_MAX_TREE_OPS:
                    return Symbolic(derivatives, shared, size)
                reduced = build_graph(derivatives, cse=True)
                size["cse"] = reduced.op_count
                return Symbolic(derivatives, min(reduced, shared, key=_ops), size)
        except Exception as err:  # noqa: BLE001  (kept: the reference sees it too)
            return err

    @cached_property
    def _symbolic_hessian(self) -> Symbolic | Exception:
        try:
            with time_budget(self.limits.symbolic_seconds, "the symbolic Hessian"):
                gradient = differentiate(self.expression, self.variables, 1)
                entries = [h for g in gradient for h in differentiate(g, self.variables, 1)]
                graph = build_graph(entries)
                size = {"tree": graph.tree_op_count, "graph": graph.op_count, "cse": None}
                return Symbolic(entries, graph, size)
        except Exception as err:  # noqa: BLE001  (kept: the reference sees it too)
            return err

    def symbolic_hessian(self) -> Symbolic:
        """The Hessian's n² formulas (row by row) and one graph to evaluate them."""
        return _raise_or_return(self._symbolic_hessian)

    def symbolic(self) -> Symbolic:
        """SymPy's derivative per variable and one graph to evaluate them all (after
        CSE), under the symbolic time budget; computed once and shared by the
        ``symbolic`` method and the reference."""
        return _raise_or_return(self._symbolic)

    def project(self, started: float, done: int, method: str) -> None:
        """Refuse early, with a projection, when a pass per variable would outrun the
        method's budget (``Limits.method_seconds``): ``done`` of the variables took
        the time since ``started``."""
        total = len(self.point)
        elapsed = time.perf_counter() - started
        if done >= 2 and done < total and elapsed > 0.05:
            projected = elapsed / done * total
            if projected > self.limits.method_seconds:
                raise BudgetExceeded(
                    f"{method} would take about {projected:,.0f} s for {total:,} variables "
                    f"(a pass each), over its {self.limits.method_seconds:.3g} s budget")

    def counting(self) -> tuple[CountingBackend, OpCounter]:
        counter = OpCounter()
        return CountingBackend(NUMPY, counter), counter


#: the statuses a row can have
OK, UNRELIABLE, NO_DERIVATIVE, FAILED = "ok", "unreliable", "no derivative here", "failed"


@dataclass
class MethodResult:
    """One row of the comparison."""

    method: str
    derivative: dict[str, float] | None = None
    abs_error: float | None = None
    rel_error: float | None = None
    ops: int | None = None
    evaluations: int | None = None
    seconds: float | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    ops_by_operation: dict[str, int] = field(default_factory=dict)
    step: dict[str, float] | None = None
    error_estimate: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    jacobian: list[list[float]] | None = None  # rows: outputs, columns: variables
    variables: list[str] = field(default_factory=list)
    hessian: list[list[float]] | None = None  # with compare(..., hessian=True)
    #: ``ok``; ``unreliable`` (answered, but its own check doubts the number); ``no
    #: derivative here`` (answered at a point where f has none); ``failed`` (``error``)
    status: str = "ok"

    def __post_init__(self) -> None:
        if self.error is not None:
            self.status = FAILED

    @classmethod
    def measured(
        cls, method: str, rows: dict[str, float] | list[dict[str, float]], counter: OpCounter,
        evaluations: int, **fields: Any,
    ) -> MethodResult:
        """A successful row: the gradient (or one gradient per output of a vector f),
        and the ops the counter saw executed."""
        rows = [rows] if isinstance(rows, dict) else rows
        return cls(method, derivative=rows[0] if len(rows) == 1 else None,
                   jacobian=[list(r.values()) for r in rows], variables=list(rows[0]),
                   ops=counter.total,
                   evaluations=evaluations, ops_by_operation=dict(counter.by_operation), **fields)

    def rows(self) -> list[dict[str, float]] | None:
        """The derivative as one {variable: value} per output (None if it failed)."""
        if self.derivative is not None:
            return [self.derivative]
        matrix = self.jacobian if self.jacobian is not None else self.hessian
        return None if matrix is None else [dict(zip(self.variables, r, strict=True))
                                            for r in matrix]

    def to_dict(self) -> dict[str, Any]:
        return strict({
            "method": self.method,
            "derivative": self.derivative,
            "jacobian": self.jacobian,
            "hessian": self.hessian,
            "abs_error": self.abs_error,
            "rel_error": self.rel_error,
            "ops": self.ops,
            "evaluations": self.evaluations,
            "seconds": self.seconds,
            "error": self.error,
            "status": self.status,
            "notes": list(self.notes),
            "ops_by_operation": dict(self.ops_by_operation),
            "step": self.step,
            "error_estimate": self.error_estimate,
            **self.extra,
        })
