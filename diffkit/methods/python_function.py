"""A Python function as a ``Problem``: every method runs the function itself.

Finite differences and the complex step call f on floats and complex numbers, forward
mode on Duals, reverse mode on values that record a tape, fd-extended and the
reference on mpmath numbers; the symbolic method calls f once on SymPy symbols and
then works on the formula that comes out.  A branch or loop that depends on a value
cannot become a formula: the symbolic row then says so, and the reference is then
high-precision differences of f's values on mpmath numbers.

Each scalar entry of an array argument is a variable of its own (``w[0]``, ``w[1]``…),
so the comparison reads as for an expression; ``compare`` keeps to small arrays
(``MAX_ENTRIES``) because forward mode and differences take a pass per entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from diffkit.inputs.arguments import Arguments, is_function, run_user
from diffkit.ir.recording import record_run
from diffkit.ir.tape import Tape, Tracked, fail_if_invalid
from diffkit.methods.base import Problem
from diffkit.support.budget import time_budget
from diffkit.support.errors import (
    DiffkitError,
    UnsupportedError,
)
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.table.backends import NUMPY
from diffkit.values.dual import Dual, arithmetic
from diffkit.values.overloading import Symbolic, plain, primal_value, stacked

#: the most scalar entries ``compare`` differentiates one by one
MAX_ENTRIES = 100


@dataclass
class FunctionProblem(Problem):
    function: Callable[..., Any] | None = None
    arguments: Arguments | None = None
    trace_error: str | None = None  # why f could not run on SymPy symbols
    recorded_values: list[Any] = field(default_factory=list, repr=False)  # the graph's, at the point

    @classmethod
    def of(cls, fn: Callable[..., Any], at: Any, entries: list[str] | None = None,
           **fields: Any) -> FunctionProblem:
        """f at ``at``, its entries the variables (or only ``entries``: the others are
        held at their values, and f is not traced symbolically)."""
        arguments = Arguments.of(fn, at)
        if entries is None and arguments.size > MAX_ENTRIES:
            raise DiffkitError(
                f"compare differentiates entry by entry, and f's arguments have "
                f"{arguments.size:,} entries (at most {MAX_ENTRIES}); use gradient, jacobian "
                "or check_gradient for large arrays")
        flat = arguments.flat_point()
        point = flat if entries is None else {n: flat[n] for n in entries}
        problem = cls(expression=None, graph=None, point=point,
                      function=fn, arguments=arguments, **fields)
        tape, _, out = problem.record(NUMPY)
        problem.graph, problem.recorded_values = tape.graph_and_values([out])
        if entries is None:
            problem.expression, problem.outputs, problem.trace_error = _trace(problem)
        else:
            problem.trace_error = "f was not traced symbolically"
        return problem

    @property
    def graph_values(self) -> list[Any]:
        """Every node's float64 value at the point: the run f recorded."""
        return self.recorded_values

    @property
    def name(self) -> str:
        """How the comparison names f: ``f(a)``, ``<lambda>(x)``."""
        return self.arguments.label(self.function)

    def values_of_nodes(self, inputs: dict[str, Any], m: Any) -> None:
        return None  # f runs itself at every point: its branches may take another path

    def run(self, inputs: dict[str, Any], m: Any, check: bool = True) -> list[Any]:
        values = self.arguments.from_flat(inputs)
        tape = None
        if not any(isinstance(v, Dual) for v in values):  # count plain arithmetic on a tape
            tape = Tape(m, limits=self.limits)
            values = [tape.input(v, n) for v, n in zip(values, self.arguments.names, strict=True)]
        try:
            with arithmetic(m):
                out = run_user(self.function, self.arguments, values, complex_ok=True)
        finally:
            if tape is not None:
                tape.recording = False
        if tape is not None and check:
            fail_if_invalid(tape, "f", out.value if isinstance(out, Tracked) else out)
        return entries(out)

    def values_at(self, points: dict[str, np.ndarray], m: Any) -> np.ndarray:
        """f at each point in turn (a Python function is not vectorized)."""
        k = len(next(iter(points.values())))
        columns = [self.run({n: v[j] for n, v in points.items()}, m) for j in range(k)]
        return np.array(columns).T

    def along(self, name: str):
        def f(values: np.ndarray) -> np.ndarray:
            out = []
            for v in np.ravel(values):  # complex points stay complex (the complex step)
                inputs = dict(self.point)
                inputs[name] = v.item() if isinstance(v, np.generic) else v
                try:
                    out.append(self.run(inputs, NUMPY, check=False)[0])
                except DiffkitError:
                    out.append(np.nan)
            return np.array(out).reshape(np.shape(values))

        return f

    @cached_property
    def _symbolic(self):
        if self.expression is None:
            return UnsupportedError(self.trace_error or "f could not be traced")
        return Problem._symbolic.func(self)

    @cached_property
    def _symbolic_hessian(self):
        if self.expression is None:
            return UnsupportedError(self.trace_error or "f could not be traced")
        return Problem._symbolic_hessian.func(self)

    def record(self, m: Any) -> tuple[Tape, list[Tracked], Any]:
        """One run of f on a tape at the point (reverse mode's forward sweep)."""
        tape, inputs, out = record_run(self.function, self.arguments, m=m, limits=self.limits)
        fail_if_invalid(tape, "f", out.value if isinstance(out, Tracked) else out)
        return tape, inputs, out


def problem_of(f: Any, at: Any, limits: Limits = DEFAULT_LIMITS, **fields: Any) -> Problem:
    """The one place a ``Problem`` is built from what a user gives: expression text,
    a SymPy expression or a Python function, and the point ``at``."""
    if is_function(f):
        return FunctionProblem.of(f, at, limits=limits, **fields)
    return Problem.of_text(f, at, limits, **fields)


def entries(out: Any) -> list[Any]:
    """f's output as a flat list of scalars (a Dual of arrays becomes one Dual per entry)."""
    if isinstance(out, Tracked):
        out = out.value
    if isinstance(out, Dual):
        primals = entries(out.primal)
        tangents = entries(np.broadcast_to(out.tangent, np.shape(primal_value(out)))
                           if not isinstance(out.tangent, Dual) else out.tangent)
        if len(tangents) == 1 and len(primals) > 1:
            tangents = tangents * len(primals)
        return [Dual(p, t, out.level) for p, t in zip(primals, tangents, strict=True)]
    if isinstance(out, np.ndarray):
        return list(out.ravel())
    return [out]


def _trace(problem: FunctionProblem) -> tuple[sp.Expr | None, list[sp.Expr] | None, str | None]:
    """f run on SymPy symbols: its formula (and components), or why there is none."""
    args = problem.arguments
    symbols = {name: Symbolic(sp.Symbol(name, real=True)) for name in problem.point}
    values = args.from_flat(symbols)
    try:
        with time_budget(problem.limits.symbolic_seconds, "tracing f on symbols"):
            out = stacked(args.call(problem.function, values))
    except TypeError as err:
        if "truth value of Relational" in str(err) or "cannot determine truth" in str(err):
            return None, None, ("f branches on a value (an if or while on a comparison), "
                                "which one formula cannot follow")
        return None, None, f"f did not run on SymPy symbols ({type(err).__name__}: {err})"
    except DiffkitError as err:
        return None, None, f"f did not run on SymPy symbols: {err.message}"
    except Exception as err:  # noqa: BLE001  (the user's code)
        return None, None, f"f did not run on SymPy symbols ({type(err).__name__}: {err})"
    exprs = [_expr(v) for v in np.ravel(np.asarray(plain(out), dtype=object))]
    if any(e is None for e in exprs):
        return None, None, "f returned something that is not a number or an array of numbers"
    return exprs[0], (exprs if len(exprs) > 1 else None), None


def _expr(v: Any) -> sp.Expr | None:
    if isinstance(v, sp.Expr):
        return v
    if isinstance(v, int | np.integer) and not isinstance(v, bool):
        return sp.Integer(int(v))
    if isinstance(v, float | np.floating):
        return sp.Float(float(v))
    return None
