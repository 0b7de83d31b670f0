"""``compiled``: the derivative program written from the graph (source transformation),
then run.  Its op count is the lines the program executes; compile time and run time
are reported apart (a compiled program is written once and run many times)."""

from __future__ import annotations

import time

import numpy as np

from diffkit.ir.compiled import compile_graph
from diffkit.ir.counting import OpCounter
from diffkit.ir.graph import build_graph
from diffkit.methods.base import MethodResult, Problem
from diffkit.support.errors import EvaluationError, UnsupportedError
from diffkit.support.formatting import counted, seconds

ID = "compiled"


def graph_of(problem: Problem):
    """The formula's graph: the text's, or the one a Python function traces to."""
    if hasattr(problem, "record"):
        if problem.expression is None:
            raise UnsupportedError(
                f"f does not trace to one formula ({problem.trace_error}); the compiled "
                "method needs one — reverse-mode follows f's branches at each point")
        return build_graph(problem.expressions)
    return problem.graph


def run(problem: Problem) -> MethodResult:
    if problem.order > 1:
        raise UnsupportedError("the compiled method writes first-derivative programs only")
    started = time.perf_counter()
    graph = graph_of(problem)
    read = set(graph.variables)  # an entry f's formula does not read has slope 0
    program = compile_graph(graph, mode="reverse", wrt=[n for n in problem.variables if n in read])
    took = time.perf_counter() - started
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        result = program(*[problem.point[n] for n in program.parameters])  # positional: fast
    ran = time.perf_counter() - started
    rows = [result] if program.outputs == 1 else list(result)
    table = []
    for row in rows:
        found = dict(zip(program.variables, row, strict=True))
        values = {n: float(found.get(n, 0.0)) for n in problem.variables}
        bad = [n for n, v in values.items() if not np.isfinite(v)]
        if bad:
            raise EvaluationError(f"the compiled derivative is not finite for {', '.join(bad)}: "
                                  "the derivative does not exist here")
        table.append(values)
    counter = OpCounter()
    counter.add("program lines", program.ops)
    return MethodResult.measured(
        ID, table, counter, 1,
        notes=[(f"{counted(program.ops, 'line')} of numpy; "
                f"compiled in {seconds(took)}, "
               f"ran in {seconds(ran)}")],
        extra={"compile_seconds": took, "run_seconds": ran})
