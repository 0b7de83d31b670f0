"""Derivatives of Python functions, the way autograd libraries give them.

``gradient`` records one run of f on a tape and sweeps it backwards (reverse mode:
the whole gradient for about the price of a few evaluations); ``derivative`` and
``jvp`` push dual numbers forward; ``jacobian`` picks whichever needs fewer passes;
``hessian`` is forward over reverse.  f is ordinary Python — loops and branches run
at the point — written with numpy or ``diffkit``'s functions.  Expression text works
too.

>>> import numpy as np
>>> gradient(lambda x: 2 * dk.dot(x, x), at=np.arange(4.0))
array([ 0.,  4.,  8., 12.])
>>> derivative(lambda x: x ** 3, at=2.0)
12.0
>>> gradient("x1*x2 + sin(x1)", at={"x1": 0.0, "x2": 3.0})
{'x1': 4.0, 'x2': 0.0}
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from diffkit.inputs.arguments import Arguments, is_function, run_user
from diffkit.ir.recording import (
    hessian_matrix,
    input_adjoints,
    record_run,
    scalar_seed,
    tracked_value,
)
from diffkit.ir.tape import Tracked, all_finite, fail_if_invalid
from diffkit.methods import forward, reverse
from diffkit.methods.base import Problem
from diffkit.support.budget import bounded
from diffkit.support.errors import DiffkitError, EvaluationError, PointError
from diffkit.support.limits import DEFAULT_LIMITS
from diffkit.table.backends import NUMPY
from diffkit.values import functions as dk  # noqa: F401  (used in the docstring example)
from diffkit.values.dual import Dual, kth_tangent, nested_seed, primal_at, tangent_at
from diffkit.values.overloading import Differentiable, call, new_level, primal_value

Function = Callable[..., Any] | str


@bounded
def gradient(f: Function, at: Any, *, cotangent: Any = None, has_aux: bool = False) -> Any:
    """∇f at ``at`` by reverse mode, in the shape of ``at`` (an array for an array, a
    tuple or dict for several arguments).  f must return a number; for an array
    output give ``cotangent`` ū (as PyTorch's ``backward(gradient=ū)``): the result is
    ūᵀJ, the sum of the per-output gradients weighted by ū.  With ``has_aux=True`` f
    returns ``(loss, aux)`` and the result is ``(gradient, aux)``, aux as plain
    numbers (JAX's ``has_aux``)."""
    if not is_function(f):
        if has_aux:
            raise DiffkitError("has_aux needs a Python function that returns (loss, aux)")
        return _expression_rows(f, at, "gradient")
    if has_aux:
        loss, aux = _with_aux(f)
        return reverse_pass(loss, at, cotangent)[0], aux()
    return reverse_pass(f, at, cotangent)[0]


def _with_aux(f: Callable[..., Any]) -> tuple[Callable[..., Any], Callable[[], Any]]:
    """f returning ``(loss, aux)`` as a function returning loss, and aux as plain values."""
    kept: list[Any] = []

    @functools.wraps(f)  # its parameters' names, for the structure of ``at``
    def loss(*args: Any, **kwargs: Any) -> Any:
        out = f(*args, **kwargs)
        if not (isinstance(out, tuple | list) and len(out) == 2):
            raise DiffkitError("with has_aux=True f must return a pair (loss, aux), not "
                               f"{type(out).__name__}")
        kept[:] = [out[1]]
        return out[0]

    return loss, lambda: _plain_tree(kept[0] if kept else None)


def _plain_tree(v: Any) -> Any:
    """aux with every recorded or dual value replaced by its plain number or array."""
    if isinstance(v, dict):
        return {k: _plain_tree(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return type(v)(_plain_tree(x) for x in v)
    if isinstance(v, np.ndarray) and v.dtype == object:
        return np.array([_plain_tree(x) for x in v.ravel()]).reshape(v.shape)
    while isinstance(v, Differentiable):
        v = v._diffkit_value
    return v


def reverse_pass(f: Callable[..., Any], at: Any, cotangent: Any = None, m: Any = NUMPY):
    """One recorded run and one backward sweep: (ūᵀJ or ∇f packed like ``at``, f's
    value, the tape).  Kept lean: at small sizes Python's overhead is the cost, at
    large ones memory (the tape keeps only what the sweep reads, ``Tape.lean``).
    Where f's value or the gradient is not finite, f is recorded once more, keeping
    every value, to say where (so f runs twice on that path)."""
    args = Arguments.of(f, at)
    tape, inputs, out = record_run(f, args, m=m, lean=m is NUMPY)
    value = out.value if type(out) is Tracked else out
    seed = scalar_seed(value, cotangent) if all_finite(value) else None
    grads = input_adjoints(tape, inputs, out, seed, args) if seed is not None else []
    if seed is None or not all(all_finite(g) for g in grads):
        # what went wrong, and where: f recorded again with every value kept
        tape = record_run(f, args, m=m)[0]
        fail_if_invalid(tape, "f", value)
        for g in grads:
            fail_if_invalid(tape, "the gradient", g)
    return args.pack(grads), value, tape


@bounded
def derivative(f: Function, at: Any, order: int = 1) -> Any:
    """dᵏf/dxᵏ of a function of one number, by forward mode on nested dual numbers
    (x + ε₁ + … + εₖ).  f may return an array: its entries' derivatives."""
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 4:
        raise DiffkitError(f"order must be 1, 2, 3 or 4, not {order!r}")
    if not is_function(f):
        return _expression_rows(f, at, "derivative", order=order)
    args = Arguments.of(f, at)
    if args.kind != "one" or np.ndim(args.values[0]) != 0:
        raise DiffkitError("derivative takes f of one number; use gradient or jacobian for "
                           "arrays and several arguments")
    seed, levels = nested_seed(args.values[0], order)  # x + ε₁ + … + εₖ
    y = run_user(f, args, [seed])
    return _checked(kth_tangent(y, levels, np.shape(primal_value(y))), "the derivative")


def _checked(y: Any, what: str) -> Any:
    """A result checked finite: a float or an array, or — inside an outer gradient or
    derivative — the value that carries the outer derivative."""
    if type(y) is float:
        if not math.isfinite(y):
            raise EvaluationError(f"{what} is not finite here")
        return y
    if not np.all(np.isfinite(primal_value(y))):
        raise EvaluationError(f"{what} is not finite here")
    if isinstance(y, Differentiable):
        return y
    y = tracked_value(y)
    return float(y) if np.ndim(y) == 0 else np.asarray(y)


@bounded
def jacobian(f: Function, at: Any) -> Any:
    """∂f/∂x in numerator layout: shape ``f.shape + x.shape`` (a tuple or dict of them
    for several arguments).  Reverse mode, one backward sweep per output entry, when f
    has fewer outputs than inputs; forward mode, one pass per input entry, otherwise."""
    if not is_function(f):
        return _expression_rows(f, at, "jacobian")
    args = Arguments.of(f, at)
    tape, inputs, out = record_run(f, args)
    value = np.asarray(tracked_value(out), dtype=float)
    fail_if_invalid(tape, "f", value)
    entries = value.size * args.size
    if entries > DEFAULT_LIMITS.max_jacobian_entries:
        raise DiffkitError(
            f"the Jacobian would have {value.size:,} × {args.size:,} = {entries:,} entries "
            f"(the limit is {DEFAULT_LIMITS.max_jacobian_entries:,}, Limits."
            "max_jacobian_entries); use jvp or vjp for products with it, or, for an "
            "elementwise f, gradient(lambda x: sum(f(x)), at) for its diagonal")
    if value.size <= args.size:
        rows = []
        for k in range(value.size):
            seed = np.zeros(value.shape)
            seed[np.unravel_index(k, value.shape)] = 1.0
            rows.append(input_adjoints(tape, inputs, out, seed if value.shape else 1.0, args))
        per_argument = [np.array([r[a] for r in rows]).reshape(value.shape + np.shape(v))
                        for a, v in enumerate(args.values)]
    else:
        per_argument = []
        for a, v in enumerate(args.values):
            columns = []
            for k in range(int(np.size(v))):
                direction = np.zeros(np.shape(v))
                direction[np.unravel_index(k, np.shape(v))] = 1.0
                columns.append(np.asarray(forward_pass(f, args.pack(args.values),
                                                      _one_hot(args, a, direction))[0]))
            per_argument.append(np.moveaxis(np.array(columns), 0, -1).reshape(value.shape + np.shape(v)))
    for j in per_argument:
        fail_if_invalid(tape, "the Jacobian", j)
    return args.pack(per_argument)


def _one_hot(args: Arguments, which: int, direction: np.ndarray) -> Any:
    return args.pack([direction if a == which else np.zeros(np.shape(v))
                      for a, v in enumerate(args.values)])


def forward_pass(f: Callable[..., Any], at: Any, tangent: Any) -> tuple[Any, Any]:
    """One run of f on dual numbers whose tangents are ``tangent`` (the structure of
    ``at``): (J·v in the shape of f's output, f's value).  ``jacobian`` and the public
    ``diffkit.jvp`` (``directional``) are made of it."""
    args = Arguments.of(f, at)
    try:
        directions = Arguments.of(f, tangent).values if args.kind != "one" else [tangent]
    except PointError as err:  # checked as a point is: say it is the tangent
        raise PointError(err.message.replace("the value for", "the tangent for")) from None
    seeded, level = [], new_level()
    for v, t, name in zip(args.values, directions, args.names, strict=True):
        t = t if isinstance(t, Differentiable) else np.asarray(t, dtype=float)
        if not np.all(np.isfinite(primal_value(t))):
            raise PointError(f"the tangent for {name} is not finite: give finite numbers")
        if np.shape(primal_value(t)) != np.shape(primal_value(v)):
            raise DiffkitError(f"the tangent for {name} has shape {np.shape(primal_value(t))}; "
                               f"{name} has {np.shape(primal_value(v))}")
        seeded.append(Dual(v, t if np.shape(primal_value(t)) else _number(t), level))
    y = run_user(f, args, seeded)
    value = primal_at(y, level)
    value = value if isinstance(value, Differentiable) else tracked_value(value)
    result = tangent_at(y, level)
    if np.shape(primal_value(result)) != np.shape(primal_value(value)):  # f ignores it somewhere
        result = call("add", result, np.zeros(np.shape(primal_value(value))))
    return _checked(result, "the directional derivative"), value


def _number(t: Any) -> Any:
    return t if isinstance(t, Differentiable) else float(t)


@bounded
def hessian(f: Function, at: Any) -> Any:
    """∇²f of a scalar f of one argument, shape ``x.shape + x.shape``: forward over
    reverse — the tape is recorded on dual numbers seeded along one input entry, and
    its backward sweep gives a whole column (a Hessian-vector product); n passes."""
    if not is_function(f):
        return _expression_rows(f, at, "hessian")
    args = Arguments.of(f, at)
    if args.kind != "one":
        raise DiffkitError("hessian takes f of one argument (a number or an array)")
    shape = np.shape(args.values[0])
    h = hessian_matrix(f, args).reshape(shape + shape)
    return float(h) if h.ndim == 0 else h


def _expression_rows(expression: Any, at: Any, what: str, order: int = 1) -> Any:
    """The same questions about expression text, answered by the comparison's methods."""
    problem = Problem.of_text(expression, at, DEFAULT_LIMITS)
    if what == "derivative":
        problem.order = order
        row = forward.run(problem).rows()[0]
        return next(iter(row.values())) if len(row) == 1 else row
    if what == "hessian":
        return [list(r.values()) for r in reverse.hessian(problem).rows()]
    rows = reverse.run(problem).rows()
    if what == "gradient":
        if len(rows) > 1:
            raise DiffkitError("f has several outputs: a gradient needs a scalar f; use jacobian")
        return rows[0]
    return [list(r.values()) for r in rows]
