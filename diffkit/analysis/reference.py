"""The reference: the exact derivative at the exact float64 point, built without any of
diffkit's derivative rules, so that it cannot share a bug with the methods it grades.

Three ways, tried in this order; ``Reference.method`` names the one that ran:

- ``sympy.diff``: SymPy's own differentiation of f's formula (never diffkit's table of
  partials), evaluated with mpmath at 50 significant digits and again at 70; the two
  must agree, and the digits they agree on are ``Reference.digits``.  Used for text and
  SymPy input, and for a Python function that traces to one formula, while the formula
  is small enough for ``sympy.diff`` (it walks the printed tree) and within the
  symbolic time budget.
- ``sympy.diff node by node``: for a first derivative of a formula too large for that
  (thousands of variables, a swollen tree): ``sympy.diff`` of each graph node's SymPy
  head gives that node's local partials, which are accumulated in reverse at 50 digits
  (and again at 70).  Still SymPy's rules, never diffkit's, and linear in the graph.
- ``high-precision differences``: f's *values* only, on mpmath numbers: an 8th-order
  central difference at steps h = s·10⁻⁷, s·10⁻¹⁴, … (s = min(1, |x|), or 1 at 0),
  with enough digits that round-off stays below 10⁻⁶⁵ of f, until two successive
  steps agree to 50 digits.  Used for a Python function with no formula, and wherever
  the two above are over budget or cannot evaluate.

The point is the float64 value the numeric methods used, read exactly (every double
is a binary fraction), so an error column can reach the last unit in the last place.

>>> import sympy as sp
>>> from diffkit.ir.graph import build_graph
>>> from diffkit.methods.base import Problem
>>> x = sp.Symbol("x", real=True)
>>> f = 4*x**3 + x**2 + 3
>>> ref = reference(Problem(f, build_graph(f), {"x": 2.0}))
>>> ref.method, float(ref.gradient["x"]), ref.digits
('sympy.diff', 52.0, 50)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp

from diffkit.ir.evaluate import evaluate
from diffkit.ir.graph import Graph, build_graph
from diffkit.methods.base import Problem, rows_of
from diffkit.numerics.stencils import Stencil, stencil
from diffkit.support.budget import time_budget
from diffkit.support.errors import (
    BudgetExceeded,
    DiffkitError,
    EvaluationError,
    UnsupportedError,
)
from diffkit.table.backends import MPMATH, SYMPY
from diffkit.table.primitives import PRIMITIVES, elementary

DIGITS = 50
CONFIRM_DIGITS = 70

SYMPY_DIFF = "sympy.diff"
NODE_BY_NODE = "sympy.diff node by node"
DIFFERENCES = "high-precision differences"
#: every way the reference may be computed: none of them reads a derivative rule of
#: diffkit's primitive table
REFERENCE_METHODS = (SYMPY_DIFF, NODE_BY_NODE, DIFFERENCES)

#: ``sympy.diff`` walks the printed tree once per variable, at ~0.2 ms per op (the
#: logistic map: 1 s at 5,000 ops, 5 s at 20,000): above this many (ops as printed) ×
#: (variables) a first derivative goes node by node, a higher one by differences
SYMPY_DIFF_MAX_WORK = 5_000

#: the accuracy order of the high-precision difference stencils
DIFFERENCE_ACCURACY = 8
#: steps s·10^-e for these e, until two successive estimates agree
DIFFERENCE_EXPONENTS = (7, 14, 21, 28, 35)
#: digits kept beyond DIGITS, so round-off stays far below the 50 digits asked for
GUARD_DIGITS = 20
#: fewer agreeing digits than this and the differences refuse to answer
MIN_DIGITS = 30

#: a derivative target: which output, and the variables differentiated in turn
#: (``("x", "x")`` is ∂²/∂x², ``("x", "y")`` the mixed second partial)
Target = tuple[int, tuple[str, ...]]


@dataclass
class Reference:
    """The high-precision derivative: one {variable: value} row per output (or per
    Hessian row), the way it was computed, and the digits it vouches for."""

    rows: list[dict[str, mpmath.mpf]]
    method: str  # one of REFERENCE_METHODS
    how: str  # the same, in a sentence
    digits: int  # significant digits its two computations agree on (at most DIGITS)

    @property
    def gradient(self) -> dict[str, mpmath.mpf]:
        return self.rows[0]


def _targets(problem: Problem, hessian: bool, order: int, names: list[str]) -> list[Target]:
    """Row by row, like the methods' results: output then variable (or Hessian row
    then column)."""
    if hessian:
        return [(0, (a, b)) for a in names for b in names]
    n_out = len(problem.expressions) if problem.expression is not None else len(
        problem.output_values)
    return [(o, (v,) * order) for o in range(n_out) for v in names]


def agreement(a: Sequence[Any], b: Sequence[Any], floor: Any = 0) -> int:
    """Significant digits on which two lists of numbers agree (at most DIGITS);
    differences below ``floor`` (their round-off) count as agreement."""
    digits = DIGITS
    with mpmath.workdps(CONFIRM_DIGITS):
        for u, v in zip(a, b, strict=True):
            diff = abs(mpmath.mpf(u) - mpmath.mpf(v))
            if diff == 0 or diff <= floor:
                continue
            scale = max(abs(mpmath.mpf(v)), mpmath.mpf(10) ** -300)
            digits = min(digits, max(0, int(-mpmath.log10(diff / scale))))
    return digits


# -- sympy.diff of the whole formula ---------------------------------------------------
def _sympy_diff(problem: Problem, targets: list[Target]) -> tuple[list, list]:
    exprs = [elementary(e) for e in problem.expressions]  # relu(x) → Max(x, 0), …
    symbols = {s.name: s for e in exprs for s in e.free_symbols}
    formulas: dict[Target, sp.Expr] = {}
    for o, wrt in targets:
        mirror = (o, tuple(sorted(wrt)))
        if mirror in formulas:  # a mixed partial: symmetric, differentiated once
            formulas[o, wrt] = formulas[mirror]
        elif any(v not in symbols for v in wrt):
            formulas[o, wrt] = sp.S.Zero
        else:
            formulas[o, wrt] = sp.diff(exprs[o], *[symbols[v] for v in wrt])
    graph = build_graph([formulas[t] for t in targets])
    return _evaluate_outputs(graph, problem.point, DIGITS), _evaluate_outputs(
        graph, problem.point, CONFIRM_DIGITS)


def _evaluate_outputs(graph: Graph, point: dict[str, float], dps: int) -> list[mpmath.mpf]:
    with mpmath.workdps(dps):
        inputs = {k: mpmath.mpf(v) for k, v in point.items()}
        values = evaluate(graph, inputs, MPMATH)
        return [+values[o] for o in graph.outputs]


# -- sympy.diff node by node -------------------------------------------------------------
@lru_cache(maxsize=512)
def _local_partials(op: str, consts: tuple[sp.Expr | None, ...]) -> tuple[Graph, ...]:
    """SymPy's partial derivatives of one primitive, by ``sympy.diff`` of its SymPy
    head (constant arguments fixed), each as a small graph of the dummy arguments."""
    dummies = [sp.Symbol(f"a{k}", real=True) for k in range(len(consts))]
    args = [c if c is not None else d for c, d in zip(consts, dummies, strict=True)]
    head = PRIMITIVES[op].value(SYMPY, *args)
    return tuple(
        build_graph(sp.diff(head, d)) if c is None else None
        for c, d in zip(consts, dummies, strict=True)
    )


def _node_by_node(problem: Problem, graph: Graph, targets: list[Target]) -> tuple[list, list]:
    names = list(dict.fromkeys(wrt[0] for _, wrt in targets))

    def sweep(dps: int) -> list[mpmath.mpf]:
        with mpmath.workdps(dps):
            inputs = {k: mpmath.mpf(v) for k, v in problem.point.items()}
            values = evaluate(graph, inputs, MPMATH)
            rows = []
            for out in graph.outputs:
                adjoint: list[Any] = [None] * len(graph.nodes)
                adjoint[out] = mpmath.mpf(1)
                for i in range(len(graph.nodes) - 1, -1, -1):
                    node = graph.nodes[i]
                    if adjoint[i] is None or node.op in ("var", "const"):
                        continue
                    consts = tuple(graph.nodes[j].value if graph.nodes[j].op == "const"
                                   else None for j in node.args)
                    local = {f"a{k}": values[j] for k, j in enumerate(node.args)}
                    for j, partial in zip(node.args, _local_partials(node.op, consts),
                                          strict=True):
                        if partial is None:
                            continue
                        d = evaluate(partial, local, MPMATH)[partial.outputs[0]]
                        term = adjoint[i] * d
                        adjoint[j] = term if adjoint[j] is None else adjoint[j] + term
                found = {n.name: adjoint[i] for i, n in enumerate(graph.nodes) if n.op == "var"}
                rows.append([+found[v] if found.get(v) is not None else mpmath.mpf(0)
                             for v in names])
            return [rows[o][names.index(wrt[0])] for o, wrt in targets]

    return sweep(DIGITS), sweep(CONFIRM_DIGITS)


# -- high-precision differences of f's values --------------------------------------------
def step_unit(x: float) -> float:
    """The unit of the step along a variable at x: min(1, |x|), or 1 at 0."""
    return 1.0 if x == 0 else min(1.0, abs(x))


def _outputs(problem: Problem, inputs: dict[str, Any]) -> list[mpmath.mpf]:
    values = []
    for y in problem.run(inputs, MPMATH):
        if isinstance(y, mpmath.mpc):
            y = y.real if y.imag == 0 else None
        try:
            values.append(mpmath.mpf(y))
        except (TypeError, ValueError):
            raise EvaluationError(
                f"f gave {type(y).__name__} on mpmath numbers, not a real number") from None
    return values


def stencil_estimate(problem: Problem, rules: dict[str, Stencil], steps: dict[str, Any],
                      dps: int) -> tuple[list[mpmath.mpf], mpmath.mpf]:
    """Σ w·f(x + Σᵥ oᵥhᵥ) / Πᵥ hᵥ^dᵥ over the tensor product of one stencil per
    variable, for every output, at ``dps`` digits, and a bound on its round-off.
    Raises ``EvaluationError`` where a point leaves f's domain."""
    grid: list[tuple[mpmath.mpf, dict[str, int]]] = [(mpmath.mpf(1), {})]
    for v, rule in rules.items():
        grid = [(w * mpmath.mpf(c.numerator) / c.denominator, {**at, v: o})
                for w, at in grid for o, c in zip(rule.offsets, rule.weights, strict=True)
                if c != 0]
    base = {k: mpmath.mpf(v) for k, v in problem.point.items()}
    total: list[mpmath.mpf] | None = None
    largest = mpmath.mpf(0)
    for weight, at in grid:
        moved = dict(base)
        for v, o in at.items():
            moved[v] = base[v] + o * steps[v]
        values = _outputs(problem, moved)
        largest = max([largest, *(abs(y) for y in values)])
        terms = [weight * y for y in values]
        total = terms if total is None else [a + b for a, b in zip(total, terms, strict=True)]
    divisor = mpmath.mpf(1)
    for v, rule in rules.items():
        divisor *= steps[v] ** rule.derivative
    roundoff = (largest * sum(abs(w) for w, _ in grid) * mpmath.mpf(10) ** (-dps + 5)
                / abs(divisor))
    return [+t / divisor for t in total], roundoff


def _difference(problem: Problem, wrt: tuple[str, ...], exponent: int,
                rules: dict[int, Stencil]) -> tuple[list[mpmath.mpf], mpmath.mpf]:
    """One estimate of ∂ᵏf/∂wrt for every output, with steps s·10^-exponent: the
    tensor product of the central stencils of each variable's order.  Returns the
    estimates and a bound on their round-off."""
    orders: dict[str, int] = {}
    for v in wrt:
        orders[v] = orders.get(v, 0) + 1
    magnitude = max(math.ceil(math.log10(max(abs(problem.point[v]), 1.0))) for v in orders)
    dps = DIGITS + GUARD_DIGITS + len(wrt) * exponent + magnitude
    with mpmath.workdps(dps):
        steps = {v: mpmath.mpf(step_unit(problem.point[v])) * mpmath.mpf(10) ** -exponent
                 for v in orders}
        return stencil_estimate(problem, {v: rules[k] for v, k in orders.items()}, steps, dps)


def _differences(problem: Problem, targets: list[Target]) -> tuple[list, list, int]:
    """Each target from successively smaller steps until two agree to DIGITS digits."""
    rules = {k: stencil(k, DIFFERENCE_ACCURACY) for k in range(1, 5)}
    by_wrt: dict[tuple[str, ...], list[int]] = {}
    for o, wrt in targets:
        by_wrt.setdefault(tuple(sorted(wrt)), []).append(o)
    found: dict[tuple[str, ...], tuple[list, list, int]] = {}
    for wrt in by_wrt:
        previous, last_error, best = None, None, None
        for exponent in DIFFERENCE_EXPONENTS:
            try:
                estimate, roundoff = _difference(problem, wrt, exponent, rules)
            except EvaluationError as err:  # a step left the domain: try a smaller one
                previous, last_error = None, err
                continue
            if previous is not None:
                digits = agreement(previous[0], estimate, floor=previous[1] + roundoff)
                if best is None or digits > best[2]:
                    best = (previous[0], estimate, digits, roundoff)
                if digits >= DIGITS:
                    break
            previous = (estimate, roundoff)
        if best is None or best[2] < MIN_DIGITS:
            why = f" ({last_error.message})" if last_error is not None else ""
            raise EvaluationError(
                "high-precision differences of f did not settle on a derivative at this "
                f"point{why}; f may not be smooth here, or may round its values to float64")
        _continuous(problem, sorted(set(wrt)))
        low, high, digits, roundoff = best
        # below the round-off of the differences, a derivative is zero
        high = [mpmath.mpf(0) if abs(h) <= roundoff else h for h in high]
        found[wrt] = (low, high, digits)
    low_all, high_all, digits_all = [], [], DIGITS
    for o, wrt in targets:
        low, high, digits = found[tuple(sorted(wrt))]
        low_all.append(low[o])
        high_all.append(high[o])
        digits_all = min(digits_all, digits)
    return low_all, high_all, digits_all


#: the step at which f's value at the point is compared with its neighbours': s·10^-e
JUMP_EXPONENT = 28


def _continuous(problem: Problem, names: list[str]) -> None:
    """f at the point against f a step h = s·10⁻²⁸ away along each variable: central
    differences never evaluate f at the point itself, so a jump there (2x where x == 2,
    3x elsewhere) would pass for the slope of the neighbours.  A change larger than
    10⁻¹⁴ of f does not shrink like h: no derivative here.  Where f is undefined at the
    point, there is nothing to compare (its extension is handled apart)."""
    with mpmath.workdps(DIGITS + GUARD_DIGITS):
        base = {k: mpmath.mpf(v) for k, v in problem.point.items()}
        try:
            here = _outputs(problem, base)
        except EvaluationError:
            return
        for v in names:
            h = mpmath.mpf(step_unit(problem.point[v])) * mpmath.mpf(10) ** -JUMP_EXPONENT
            for sign in (1, -1):
                try:
                    near = _outputs(problem, {**base, v: base[v] + sign * h})
                except EvaluationError:
                    continue
                for a, b in zip(here, near, strict=True):
                    if abs(a - b) > mpmath.mpf(10) ** (-JUMP_EXPONENT // 2) * max(1, abs(a)):
                        raise EvaluationError(
                            f"f jumps at this point along {v}: it is {float(a):.6g} there and "
                            f"{float(b):.6g} a step of {float(h):.0e} away, so it has no "
                            "derivative here")


# -- choosing a way ---------------------------------------------------------------------
def reference(problem: Problem, hessian: bool = False, *, order: int | None = None,
              variables: list[str] | None = None) -> Reference:
    """The high-precision gradient (or Jacobian, or pure derivative of ``order``,
    ``problem.order`` by default, or with ``hessian`` the Hessian) at ``problem.point``,
    with respect to ``variables`` (all of them by default); raises ``DiffkitError``."""
    order = problem.order if order is None else order
    names = problem.variables if variables is None else list(variables)
    targets = _targets(problem, hessian, order, names)
    fell_back = ""
    formula = build_graph(problem.expressions) if problem.expression is not None else None
    # sympy.diff walks the printed tree once per variable
    small = formula is not None and (
        formula.tree_op_count * max(1, len(names)) <= SYMPY_DIFF_MAX_WORK)
    if formula is not None and not small and (hessian or order > 1):
        fell_back = f"; the formula is too large for {SYMPY_DIFF}"
    elif formula is not None:
        way = SYMPY_DIFF if small else NODE_BY_NODE
        try:
            with time_budget(problem.limits.symbolic_seconds, "the reference"):
                low, high = (_sympy_diff(problem, targets) if small
                             else _node_by_node(problem, formula, targets))
            digits = agreement(low, high)
            how = f"{way}, evaluated with mpmath at {DIGITS} digits, confirmed at {CONFIRM_DIGITS}"
            return Reference(rows_of(high, names), way, how, digits)
        except BudgetExceeded:
            fell_back = f"; {way} was over its budget"
        except (UnsupportedError, EvaluationError) as err:
            fell_back = f"; {way} could not answer ({err.message})"
    else:
        fell_back = "; f has no formula"
    with time_budget(problem.limits.method_seconds, "the reference"):
        try:
            low, high, digits = _differences(problem, targets)
        except DiffkitError as err:
            raise EvaluationError(f"no reference{fell_back}, and {err.message}") from None
    how = (f"{DIFFERENCES} of f's values in mpmath (8th-order central differences, two "
           f"steps agreeing){fell_back}")
    return Reference(rows_of(high, names), DIFFERENCES, how, digits)


def derivative_at(problem: Problem, name: str, order: int) -> mpmath.mpf:
    """∂ᵏf/∂nameᵏ at the point to DIGITS digits, by ``reference``."""
    return reference(problem, order=order, variables=[name]).gradient[name]
