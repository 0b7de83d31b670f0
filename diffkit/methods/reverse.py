"""``reverse-mode``: one forward sweep records every node's value, then one adjoint
sweep runs the graph backwards, ``x̄ᵢ += ȳ · ∂y/∂xᵢ``, and returns the whole gradient
(for a vector f, one adjoint sweep per output: a row of the Jacobian each).
The cost is a small multiple of one evaluation of f, whatever the number of
variables (the cheap-gradient principle)."""

from __future__ import annotations

from typing import Any

import numpy as np

from diffkit.ir.adjoints import adjoints
from diffkit.ir.evaluate import evaluate, is_finite
from diffkit.ir.recording import forward_over_reverse, hessian_matrix, input_adjoints
from diffkit.methods.base import MethodResult, Problem
from diffkit.methods.forward import innermost_tangent
from diffkit.support.errors import EvaluationError
from diffkit.values.dual import arithmetic, nested_seed

ID = "reverse-mode"


def run(problem: Problem) -> MethodResult:
    if hasattr(problem, "record"):
        return _run_function(problem)
    if problem.order > 1:
        return _forward_over_reverse(problem)
    m, counter = problem.counting()
    graph = problem.graph
    values = evaluate(graph, problem.point, m)
    forward_ops = counter.total
    var_node = {n.name: i for i, n in enumerate(graph.nodes) if n.op == "var"}
    rows: list[dict[str, float]] = []
    for out in graph.outputs:  # one adjoint sweep gives the row of one output
        adjoint = adjoints(graph, values, m, out)
        row = {}
        for name in problem.variables:
            a = adjoint[var_node[name]] if name in var_node else None
            row[name] = 0.0 if a is None else float(a)
            if not is_finite(row[name]):
                raise EvaluationError(
                    f"the adjoint of {name} is not finite: the derivative does not exist here")
        rows.append(row)
    sweeps = "one pass" if len(rows) == 1 else f"{len(rows)} adjoint sweeps, one per output"
    return MethodResult.measured(
        ID,
        rows,
        counter,
        len(rows),
        notes=[(f"{sweeps}: {forward_ops} {'op' if forward_ops == 1 else 'ops'} forward + "
               f"{counter.total - forward_ops} adjoint")],
        extra={"sweep_ops": {"forward": forward_ops, "adjoint": counter.total - forward_ops}},
    )


def _forward_over_reverse(problem: Problem) -> MethodResult:
    """∂ᵏf/∂xᵢᵏ: the forward and adjoint sweeps run on dual numbers nested k − 1 deep
    and seeded on xᵢ, so the adjoint x̄ᵢ = ∂f/∂xᵢ carries its own derivatives along xᵢ;
    one such pass per variable (for k = 2, a Hessian-vector product each)."""


    m, counter = problem.counting()
    graph = problem.graph
    var_node = {n.name: i for i, n in enumerate(graph.nodes) if n.op == "var"}
    k = problem.order
    rows: list[dict[str, float]] = [{} for _ in graph.outputs]
    for name in problem.variables:
        seeded = dict(problem.point)
        seeded[name], levels = nested_seed(problem.point[name], k - 1)
        with arithmetic(m):
            values = evaluate(graph, seeded, m)
            for row, out in zip(rows, graph.outputs, strict=True):
                adjoint = adjoints(graph, values, m, out)
                a = adjoint[var_node[name]] if name in var_node else None
                row[name] = 0.0 if a is None else innermost_tangent(a, levels)
    return MethodResult.measured(
        ID, rows, counter, len(problem.variables) * len(rows),
        notes=[f"forward-over-reverse: one pass per variable on dual numbers nested {k - 1} deep"],
    )


def _function_rows(problem: Any, tape: Any, inputs: list[Any], out: Any, seeds: list[Any]
                   ) -> list[dict[str, float]]:
    """One backward sweep per seed over a recorded run of a Python function: each
    gives a row {entry: adjoint} (an entry of an array argument is a variable)."""

    rows = []
    for seed in seeds:
        row: dict[str, float] = {}
        grads = input_adjoints(tape, inputs, out, seed, problem.arguments)
        for k, g in enumerate(grads):
            row.update(zip(problem.arguments.entry_names(k), map(float, np.ravel(g)), strict=True))
        rows.append(row)
    return rows


def _run_function(problem: Any) -> MethodResult:
    """Reverse mode on a Python function: f runs once on values that record a tape,
    then one backward sweep per output entry."""
    if problem.order > 1:
        raise EvaluationError("for a Python function reverse mode gives first derivatives "
                              "(and the Hessian); forward mode gives higher ones")
    m, counter = problem.counting()
    tape, inputs, out = problem.record(m)
    forward_ops = counter.total
    value = np.asarray(getattr(out, "value", out))
    seeds: list[Any] = [1.0] if value.ndim == 0 else [
        _one_hot(value.shape, k) for k in range(value.size)]
    rows = _function_rows(problem, tape, inputs, out, seeds)
    for row in rows:
        for name, v in row.items():
            if not is_finite(v):
                raise EvaluationError(f"the adjoint of {name} is not finite: the derivative "
                                      "does not exist here")
    sweeps = "one pass" if len(rows) == 1 else f"{len(rows)} adjoint sweeps, one per output"
    return MethodResult.measured(
        ID, rows, counter, len(rows),
        notes=[(f"{sweeps} over the {len(tape) - len(inputs)} operations f recorded: {forward_ops} ops "
               f"forward + {counter.total - forward_ops} adjoint")],
        extra={"sweep_ops": {"forward": forward_ops, "adjoint": counter.total - forward_ops}},
    )


def _one_hot(shape: tuple[int, ...], k: int) -> np.ndarray:
    """The seed of output entry k: 1 there, 0 elsewhere (one small array, not a row of
    an identity matrix that would keep the whole n×n matrix alive)."""
    seed = np.zeros(shape)
    seed.flat[k] = 1.0
    return seed


def hessian(problem: Problem) -> MethodResult:
    """Forward-over-reverse: with xᵢ seeded as a dual number, one forward and one
    adjoint sweep give the whole column ∂(∇f)/∂xᵢ (a Hessian-vector product): n passes."""

    if hasattr(problem, "record"):
        return _function_hessian(problem)

    m, counter = problem.counting()
    names = problem.variables
    matrix = forward_over_reverse(problem.graph, dict(problem.point), m)
    order = list(problem.point)
    rows = [dict(zip(names, [float(matrix[order.index(a), order.index(b)]) for b in names], strict=True))
            for a in names]
    return MethodResult.measured(ID, rows, counter, len(names),
                                 notes=[f"forward-over-reverse: {len(names)} passes, a column each"])


def _function_hessian(problem: Any) -> MethodResult:
    """Forward over reverse for a Python function: the tape is recorded on Duals seeded
    along one entry, and its backward sweep gives that entry's column."""

    m, counter = problem.counting()
    names = problem.variables
    matrix = hessian_matrix(problem.function, problem.arguments, m)
    rows = [dict(zip(names, map(float, row), strict=True)) for row in matrix]
    return MethodResult.measured(ID, rows, counter, len(names),
                                 notes=[f"forward-over-reverse: {len(names)} passes, a column each"])
