"""Run every method on one expression at one point and measure each against the reference.

>>> c = compare("4*x**3 + x**2 + 3", at=2)
>>> c.value, c.reference
(39.0, {'x': 52.0})
>>> c.result("reverse-mode").derivative
{'x': 52.0}
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from diffkit.analysis.comparison import Comparison
from diffkit.analysis.extension import SYMPY_LIMIT, continuous_extension
from diffkit.analysis.one_sided import one_sided
from diffkit.analysis.reference import Reference
from diffkit.inputs.point import PointLike
from diffkit.ir.evaluate import evaluate, find_kinks, is_finite
from diffkit.methods import HESSIANS, METHODS, REGISTRY, MethodResult, Problem
from diffkit.methods.base import NO_DERIVATIVE, OK, UNRELIABLE
from diffkit.methods.python_function import FunctionProblem, problem_of
from diffkit.numerics.noise import estimate_noise
from diffkit.support.budget import time_budget
from diffkit.support.errors import DiffkitError
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.table.backends import NUMPY

#: the exact derivative formulas are shown only for f of at most this many operations
#: (unless the symbolic row is asked for): SymPy takes seconds to build larger ones,
#: and they are too long to print anyway
FORMULA_MAX_OPS = 2000
from diffkit.analysis.reference import reference as compute_reference


def sympy_label(expression: Any, graph: Any) -> str:
    """A SymPy expression as a label: printed if it is small (SymPy's printer takes
    seconds on thousands of terms), else described by its size."""
    if graph.tree_op_count <= FORMULA_MAX_OPS:
        return str(expression)
    return (f"a SymPy expression of {graph.tree_op_count:,} operations in "
            f"{len(graph.variables):,} variables")


def internal_error(err: BaseException) -> str:
    """The line a row or the formula shows for a bug in diffkit."""
    return f"internal error ({type(err).__name__}: {err}); please report it"


def _same(left: float | None, right: float | None) -> bool:
    """Whether two one-sided derivatives are the same number (to a few ulp)."""
    return left is not None and right is not None and (
        left == right or abs(left - right) <= 4e-16 * max(abs(left), abs(right)))


def _run(method: str, problem: Problem, hessian: bool = False,
         seconds: float | None = None) -> MethodResult:
    """One row: the method under its budget (``seconds``, at most ``method_seconds``),
    any failure as the row's error."""
    started = time.perf_counter()
    limits = problem.limits
    if seconds is not None and seconds < limits.method_seconds:
        # what is left of the comparison's budget: the method's projections read it too
        problem.limits = dataclasses.replace(limits, method_seconds=seconds)
    try:
        if hessian and method not in HESSIANS:
            raise DiffkitError(f"{method} does not compute Hessians here; "
                               f"{', '.join(HESSIANS)} do")
        table = HESSIANS if hessian else METHODS
        with time_budget(problem.limits.method_seconds, method), np.errstate(all="ignore"):
            result = table[method](problem)
        if result.jacobian is not None and not all(is_finite(v) for r in result.jacobian for v in r):
            result = MethodResult(method, error="the result is not a finite number")
    except DiffkitError as err:
        result = MethodResult(method, error=err.message)
    except RecursionError:
        result = MethodResult(method, error="the expression is nested too deeply for this method")
    except ArithmeticError as err:  # float64 itself gave up: a step or a value out of range
        result = MethodResult(method, error=(
            f"float64 arithmetic failed at this point ({type(err).__name__}: "
            f"{err.args[-1] if err.args else err}); the numbers are out of its range"))
    except Exception as err:  # noqa: BLE001  (a bug in diffkit: report it in its row)
        result = MethodResult(method, error=internal_error(err))
    finally:
        problem.limits = limits
    result.seconds = time.perf_counter() - started
    if hessian and result.jacobian is not None:  # the rows are the Hessian's
        result.hessian, result.jacobian, result.derivative = result.jacobian, None, None
    return result


#: seconds of a comparison's budget kept for the reference after the rows
REFERENCE_RESERVE = 1.5


def _run_all(chosen: list[str], problem: Problem, hessian: bool,
             deadline: float) -> list[MethodResult]:
    """Every chosen method in turn, all before ``deadline``: a row that would start
    after it says so instead of running."""
    total = problem.limits.compare_seconds
    results = []
    for method in chosen:
        left = deadline - time.perf_counter()
        if left < 0.05:
            results.append(MethodResult(method, error=(
                f"not run: the comparison's {total:g} s budget (Limits.compare_seconds) "
                "was spent on the rows above")))
        else:
            results.append(_run(method, problem, hessian, seconds=left))
    return results


def _left(deadline: float) -> float:
    """What the reference may take: the comparison's remaining budget, at least the
    reserve kept for it."""
    return max(REFERENCE_RESERVE, deadline - time.perf_counter())


def _estimate_noise(problem: Problem) -> tuple[float | None, str]:
    """The relative noise level of f, from a difference table along each variable."""

    levels = []
    for name in problem.point:
        sigma, message = estimate_noise(problem.along(name), problem.point[name])
        if sigma is None:
            return None, f"noise not estimated along {name}: {message}"
        levels.append(sigma)
    scale = max(abs(problem.value), 1e-300)
    delta = max(levels) / scale
    return delta, f"noise estimated at {delta:.1e} relative to |f| (difference table, 9 points per variable)"


def _measure(results: list[MethodResult], ref: Reference) -> None:
    """abs_error and rel_error: the largest over every entry of the gradient/Jacobian.
    An error below what the reference vouches for (its digits) is shown as 0: the
    reference cannot tell it from none."""
    nonzero = any(exact != 0 for row in ref.rows for exact in row.values())
    with mpmath.workdps(50):
        resolution = mpmath.mpf(10) ** -ref.digits
        for r in results:
            rows = r.rows()
            if rows is None:
                continue
            abs_errors, rel_errors = [], []
            for row, exact_row in zip(rows, ref.rows, strict=True):
                for name, exact in exact_row.items():
                    err = abs(mpmath.mpf(row[name]) - exact)
                    if err <= resolution * abs(exact):
                        err = mpmath.mpf(0)
                    abs_errors.append(err)
                    rel_errors.append(err / abs(exact) if exact != 0 else err)
            r.abs_error = float(max(abs_errors))
            r.rel_error = float(max(rel_errors))
            _flag_if_off(r, nonzero)


#: how far past its registered accuracy a row may be off the reference before it says so
OFF_BY = 1e4
#: and never before this relative error (the symbolic row's own check flags past 8 digits)
OFF_FLOOR = 1e-8


def _flag_if_off(r: MethodResult, nonzero: bool) -> None:
    """A row that answered ``ok`` but lies far from the 50-digit reference says so:
    exact methods lose digits to float64 (1 − tanh² at 20 is 0; a slope past float64's
    range), a difference with its textbook step can step across a singularity (log at
    1e-300).  Relative to a derivative that is not 0; its error column has the size."""
    method = REGISTRY.get(r.method)
    if method is None or r.status != OK or not nonzero or r.rel_error is None:
        return
    allowed = max(OFF_FLOOR, OFF_BY * method.tolerance)
    if r.rel_error <= allowed:
        return
    why = ("float64 rounding lost these digits (a cancellation, or a number past float64's "
           "range)" if method.tolerance <= 1e-13 else
           "its differences of f do not resolve the slope here (cancellation, or a step "
           "across a feature of f)")
    off = f"{r.rel_error:.0%} off" if r.rel_error >= 0.01 else f"a relative error of {r.rel_error:.1e} against"
    r.status = UNRELIABLE
    r.notes.insert(0, f"unreliable: {off} the 50-digit reference: {why}")


def _extend(comparison: Comparison, problem: Problem, value_error: str, seconds: float) -> None:
    """At a removable singularity (``sin(x)/x`` at 0): the continuous extension's
    derivative becomes the reference, and every row says f itself is undefined here."""
    extension = continuous_extension(problem, seconds)
    if extension is None:
        return
    (name, _), = comparison.point.items()
    comparison.extension = extension
    comparison.reference = {name: extension.derivative}
    comparison.reference_jacobian = [[extension.derivative]]
    comparison.reference_method = SYMPY_LIMIT
    comparison.reference_detail = (
        f"f is undefined here, but its continuous extension has f = {extension.text_value} and "
        f"f' = {extension.text_derivative} (SymPy limits from both sides)")
    comparison.reference_error = None
    for r in comparison.results:
        if r.error is not None:
            r.error = (f"f is undefined at this point ({value_error}): a removable singularity; "
                       f"the continuous extension's f' = {extension.text_derivative}")


def method_ids(methods: Iterable[str] | None) -> list[str]:
    """Validate method ids (all of them, in table order, when ``None``)."""
    if methods is None:
        return list(METHODS)
    chosen = list(dict.fromkeys(methods))
    for m in chosen:
        if m not in METHODS:
            raise DiffkitError(f"unknown method '{m}'; choose from {', '.join(METHODS)}")
    if not chosen:
        raise DiffkitError(f"no method chosen; choose from {', '.join(METHODS)}")
    return chosen


def compare(
    expression: str | sp.Expr | Callable[..., Any],
    at: PointLike,
    methods: Iterable[str] | None = None,
    *,
    step: float | str | None = None,
    noise: float | str | None = None,
    accuracy: int | None = None,
    order: int = 1,
    hessian: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Comparison:
    """Differentiate ``expression`` at ``at`` by every method (or those named).

    ``at`` is a number (one variable), a mapping ``{"x1": 2, "x2": 5}`` or text
    ``"x1=2,x2=5"``.  ``expression`` may also be a Python function: every method then
    runs it (on floats, complex numbers, Duals, a recording tape, SymPy symbols), and
    ``at`` is its argument — a number or a small array — or a tuple or dict of them.  ``step`` overrides the finite-difference and complex steps;
    ``step="auto"`` chooses each difference rule's step from f (its error model).
    ``noise`` is the relative noise level of f (or ``"auto"``: estimated from a
    difference table); the automatic steps grow with it.  ``accuracy`` is the order
    of the forward, backward and central rules (1, 2, 4, ...; central ones even).
    ``order=2`` compares pure second derivatives ∂²f/∂xᵢ² (forward and reverse mode
    say in their rows that they do not compute them yet).
    Bad input raises ``DiffkitError``; a method that cannot answer at this point
    reports its own ``error`` in its row and the other rows still answer.
    """
    chosen = method_ids(methods)
    without_hessian: list[str] = []
    if hessian and methods is None:  # the table shows the methods that compute one
        without_hessian = [m for m in chosen if m not in HESSIANS]
        chosen = [m for m in chosen if m in HESSIANS]
    if step is not None and step != "auto" and not (
        isinstance(step, int | float) and not isinstance(step, bool)
        and np.isfinite(step) and step > 0
    ):
        raise DiffkitError(f"the step must be a positive finite number or 'auto', not {step!r}")
    if noise is not None and noise != "auto" and not (
        isinstance(noise, int | float) and not isinstance(noise, bool)
        and np.isfinite(noise) and 0 <= noise < 1
    ):
        raise DiffkitError(f"the noise level must be a number in [0, 1) or 'auto', not {noise!r}")
    if accuracy is not None and not (isinstance(accuracy, int) and not isinstance(accuracy, bool)
                                     and 1 <= accuracy <= 12):
        raise DiffkitError(f"the accuracy order must be a whole number from 1 to 12, not {accuracy!r}")
    step = float(step) if isinstance(step, int) else step
    if noise is not None and isinstance(step, float):
        raise DiffkitError("a fixed step ignores the noise level: give step='auto' (--step auto) "
                           "with it, or leave the noise out")
    if noise is not None and step is None:
        step = "auto"  # the noise level only shapes automatic steps
    if isinstance(order, bool) or not isinstance(order, int) or order not in (1, 2, 3, 4):
        raise DiffkitError(f"the derivative order must be 1, 2, 3 or 4, not {order!r}")
    if hessian and order != 1:
        raise DiffkitError("--hessian gives all second derivatives; leave --order at 1")
    deadline = time.perf_counter() + limits.compare_seconds
    with time_budget(limits.compare_seconds, "reading f and running it at the point"):
        problem = problem_of(expression, at, limits, step=step, accuracy=accuracy, order=order)
    point = problem.point
    if isinstance(problem, FunctionProblem):
        exprs = problem.expressions if problem.expression is not None else []
        label, vector = problem.name, len(problem.output_values) > 1
    else:
        exprs = problem.expressions
        vector = len(exprs) > 1
        label = expression if isinstance(expression, str) else sympy_label(expression, problem.graph)
    if vector and (order != 1 or hessian):
        raise DiffkitError("second derivatives of a vector-valued expression are not supported yet")
    noise_note = None
    if noise == "auto":
        problem.noise, noise_note = _estimate_noise(problem)
    elif noise is not None:
        problem.noise = float(noise)

    m, counter = problem.counting()
    value, value_error, kinks = None, None, []
    try:
        outputs = [float(np.real(y)) for y in problem.run(point, m)]
        value = outputs if vector else outputs[0]
        values = (problem.recorded_values if isinstance(problem, FunctionProblem)
                  else evaluate(problem.graph, point, NUMPY))
        kinks = find_kinks(problem.graph, values)
    except DiffkitError as err:
        value_error = err.message

    if value_error:
        results = [MethodResult(mid, error=f"f cannot be evaluated here: {value_error}")
                   for mid in chosen]
    else:
        results = _run_all(chosen, problem, hessian, deadline - REFERENCE_RESERVE)

    comparison = Comparison(
        noise=noise_note,
        order=order,
        expression=label,
        sympy_expression=(sp.Matrix(exprs) if vector else exprs[0]) if exprs else None,
        point=point,
        value=value,
        function_ops=counter.total,
        results=results,
        value_error=value_error,
        not_differentiable=[str(k) for k in kinks],
        without_hessian=without_hessian,
    )
    # the formulas, too large to print past FORMULA_MAX_OPS, are built only if shown or asked
    if "symbolic" in chosen or problem.graph.op_count <= FORMULA_MAX_OPS:
        try:
            derivatives = problem.symbolic().derivatives
            if not vector:
                comparison.derivatives = dict(zip(problem.variables, derivatives, strict=True))
            comparison.derivative_ops = problem.symbolic().size["tree"]
        except DiffkitError as err:
            comparison.reference_error = err.message
        except Exception as err:  # noqa: BLE001  (a bug in diffkit: said, not raised, as in a row)
            comparison.reference_error = internal_error(err)
    if value_error:
        comparison.reference_error = f"f cannot be evaluated at this point in float64 ({value_error})"
        if order == 1 and not hessian and not isinstance(problem, FunctionProblem):
            _extend(comparison, problem, value_error, _left(deadline))
        return comparison
    if kinks and (order != 1 or vector):
        comparison.reference_error = "not differentiable at this point"
        return comparison
    if kinks:
        try:
            with time_budget(_left(deadline), "the one-sided derivatives"):
                sides = one_sided(problem)
        except DiffkitError as err:
            comparison.reference_error = f"not differentiable at this point? ({err.message})"
            return comparison
        if any(left is None or not _same(left, right) for left, right in sides.values()):
            comparison.one_sided = sides
            comparison.reference_error = "not differentiable at this point"
            for r in results:
                if r.error is None:
                    r.notes.insert(0, f"no derivative here; the value is {REGISTRY[r.method].at_a_kink}")
                    r.status = NO_DERIVATIVE
            return comparison
        comparison.not_differentiable = [
            f"{k.primitive} has a kink {k.where}, but the one-sided derivatives agree: "
            "f is differentiable here"
            for k in kinks
        ]
    if hessian:
        comparison.order = 2
        try:
            with time_budget(_left(deadline), "the reference"):
                ref = compute_reference(problem, hessian=True)
        except DiffkitError as err:
            comparison.reference_error = err.message
            return comparison
        comparison.reference_hessian = [[float(v) for v in row.values()] for row in ref.rows]
        comparison.reference_method, comparison.reference_digits = ref.method, ref.digits
        comparison.reference_detail = ref.how
        comparison.reference_error = None
        _measure(results, ref)
        return comparison
    try:
        with time_budget(_left(deadline), "the reference"):
            ref = compute_reference(problem)
    except DiffkitError as err:
        comparison.reference_error = err.message
        return comparison
    comparison.reference_jacobian = [[float(v) for v in row.values()] for row in ref.rows]
    comparison.reference = None if vector else {k: float(v) for k, v in ref.gradient.items()}
    comparison.reference_method = ref.method
    comparison.reference_detail = ref.how
    comparison.reference_digits = ref.digits
    comparison.reference_error = None
    _measure(results, ref)
    return comparison
