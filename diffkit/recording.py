"""Recording a Python function on a tape and sweeping it back: what reverse mode on
a Python function is made of, shared by ``gradient``, ``jacobian``, ``hessian``, the
``reverse-mode`` method and the traces.

>>> import numpy as np
>>> from diffkit.arguments import Arguments
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

from .arguments import Arguments, run_user
from .backends import NUMPY
from .dual import Dual, arithmetic
from .errors import DiffkitError, EvaluationError
from .overloading import Differentiable, primal_value
from .tape import Tape, Tracked


def record_run(f: Callable[..., Any], args: Arguments, values: list[Any] | None = None,
               m: Any = NUMPY):
    """One run of f on tracked inputs (``args``' values, or ``values``): the tape, the
    inputs and the output.  Every recording of a Python function goes through here."""
    tape = Tape(m)
    inputs = [tape.input(v, n) for v, n in zip(values or args.values, args.names, strict=True)]
    try:
        return tape, inputs, run_user(f, args, inputs)
    finally:
        tape.recording = False


def tracked_value(v: Any) -> Any:
    """The value behind a recorded one (or the value itself)."""
    return v.value if isinstance(v, Tracked) else v


def input_adjoints(tape: Tape, inputs: list[Tracked], out: Any, seed: Any, args: Arguments) -> list[Any]:
    """The inputs' adjoints after one backward sweep (zeros where f ignores one)."""
    adjoint = tape.backward(out, seed) if isinstance(out, Tracked) else [None] * len(tape)
    result = []
    for x, v in zip(inputs, args.values, strict=True):
        a = adjoint[x.index]
        if type(a) is np.ndarray and type(v) is np.ndarray and a.shape == v.shape:
            result.append(a)  # the common case
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
    """The n × n Hessian over every scalar entry of the arguments, forward over reverse:
    for entry i, f runs on dual numbers seeded along it while the tape records, and one
    backward sweep gives the adjoints' tangents — column i."""
    n = args.size
    columns = []
    for i in range(n):
        direction = np.zeros(n)
        direction[i] = 1.0
        seeded, offset = [], 0
        for v in args.values:
            size = int(np.size(v))
            part = direction[offset:offset + size]
            seeded.append(Dual(v, part.reshape(np.shape(v)) if np.ndim(v) else float(part[0])))
            offset += size
        with arithmetic(m):
            tape, inputs, out = record_run(f, args, seeded, m)
            scalar_seed(primal_value(out), None)  # a scalar f only
            grads = input_adjoints(tape, inputs, out, 1.0, args)
        columns.append(np.concatenate([
            np.ravel(g.tangent if isinstance(g, Dual) else np.zeros(np.shape(v)))
            for g, v in zip(grads, args.values, strict=True)]))
    h = np.array(columns, dtype=float).T
    if not np.all(np.isfinite(h)):
        raise EvaluationError("the Hessian is not finite here")
    return h
