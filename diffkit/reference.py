"""The reference: the exact derivative at the exact float64 point, to 50 digits.

SymPy's derivative is turned into a graph and evaluated with mpmath at 50 significant
digits and again at 70; the two must agree to 45 digits or the reference says how many
it can vouch for.  The point is the float64 value the numeric methods used, read
exactly (every double is a binary fraction), so an error column can reach the last
unit in the last place.  Never ``evalf(subs=...)``: it walks the expression tree and
takes seconds to minutes on derivatives that have swollen.

When SymPy runs over its time budget, the reference falls back to forward mode over
mpmath numbers (Duals with 50-digit parts), which needs no symbolic derivative.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from .backends import MPMATH
from .budget import time_budget
from .dual import Dual, arithmetic
from .errors import BudgetExceeded, UnsupportedError
from .evaluate import evaluate
from .graph import Graph, build_graph
from .methods.base import Problem, rows_of

DIGITS = 50
CONFIRM_DIGITS = 70


@dataclass
class Reference:
    rows: list[dict[str, mpmath.mpf]]  # one gradient per output (one for a scalar f)
    how: str
    digits: int  # significant digits the two precisions agree on (capped at DIGITS)

    @property
    def gradient(self) -> dict[str, mpmath.mpf]:
        return self.rows[0]


def _symbolic_values(graph: Graph, point: dict[str, float], dps: int) -> list[mpmath.mpf]:
    with mpmath.workdps(dps):
        inputs = {k: mpmath.mpf(v) for k, v in point.items()}
        values = evaluate(graph, inputs, MPMATH)
        return [+values[o] for o in graph.outputs]


def _forward_values(problem: Problem, dps: int) -> list[mpmath.mpf]:
    """Row by row (output, then variable), like the symbolic graph's outputs."""
    with mpmath.workdps(dps), arithmetic(MPMATH):
        columns = []
        for name in problem.variables:
            inputs = {k: mpmath.mpf(v) for k, v in problem.point.items()}
            inputs[name] = Dual(inputs[name], mpmath.mpf(1))
            values = problem.run(inputs, MPMATH)
            columns.append([+y.tangent if isinstance(y, Dual) else mpmath.mpf(0) for y in values])
        n_out = len(columns[0])
        return [columns[j][i] for i in range(n_out) for j in range(len(columns))]


def _agreement(a: list[mpmath.mpf], b: list[mpmath.mpf]) -> int:
    digits = DIGITS
    with mpmath.workdps(CONFIRM_DIGITS):
        for u, v in zip(a, b, strict=True):
            diff = abs(u - v)
            if diff == 0:
                continue
            scale = max(abs(v), mpmath.mpf(10) ** -300)
            digits = min(digits, max(0, int(-mpmath.log10(diff / scale))))
    return digits


def derivative_value(expr: sp.Expr, name: str, point: dict[str, float], order: int,
                     dps: int = DIGITS) -> mpmath.mpf:
    """∂ᵏexpr/∂nameᵏ at the point, evaluated through its graph at ``dps`` digits."""
    symbol = next(s for s in expr.free_symbols if s.name == name)
    graph = build_graph(sp.diff(expr, symbol, order))
    with mpmath.workdps(dps):
        inputs = {k: mpmath.mpf(v) for k, v in point.items()}
        return +evaluate(graph, inputs, MPMATH)[graph.outputs[0]]


def reference(problem: Problem, hessian: bool = False) -> Reference:
    """The high-precision gradient (or Jacobian, or with ``hessian`` the Hessian) at
    ``problem.point``; raises ``DiffkitError``."""
    what = "Hessian" if hessian else "derivative"
    try:
        graph = (problem.symbolic_hessian() if hessian else problem.symbolic()).graph
        how = f"symbolic {what} in mpmath at {DIGITS} digits, confirmed at {CONFIRM_DIGITS}"
        with time_budget(problem.limits.symbolic_seconds, "the reference"):
            low = _symbolic_values(graph, problem.point, DIGITS)
            high = _symbolic_values(graph, problem.point, CONFIRM_DIGITS)
    except (BudgetExceeded, UnsupportedError) as err:
        untraceable = isinstance(err, UnsupportedError) and problem.expression is None
        if problem.order != 1 or hessian or not (isinstance(err, BudgetExceeded) or untraceable):
            raise
        why = "f has no formula" if untraceable else "the symbolic derivative was over budget"
        how = (f"forward mode over mpmath at {DIGITS} digits, confirmed at "
               f"{CONFIRM_DIGITS} ({why})")
        with time_budget(problem.limits.symbolic_seconds, "the reference"):
            low = _forward_values(problem, DIGITS)
            high = _forward_values(problem, CONFIRM_DIGITS)
    return Reference(rows_of(high, problem.variables), how, _agreement(low, high))
