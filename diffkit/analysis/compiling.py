"""``diffkit.compile``: expression text, a SymPy expression or a Python function that
traces to one formula, as a derivative program (``compiled.compile_graph``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np  # noqa: F401  (the docstring example)
import sympy as sp

from diffkit.analysis.compare import sympy_label
from diffkit.inputs.arguments import Arguments
from diffkit.inputs.parse import parse_function
from diffkit.ir.compiled import compile_graph
from diffkit.ir.graph import Graph, build_graph
from diffkit.ir.program import Compiled
from diffkit.methods.compiled import graph_of
from diffkit.methods.python_function import FunctionProblem
from diffkit.support.budget import bounded
from diffkit.support.errors import UnsupportedError
from diffkit.values.overloading import Symbolic, plain


@bounded
def compile_derivative(f: Any, wrt: list[str] | str | None = None, mode: str = "reverse",
                       at: Any = None) -> Compiled:
    """The derivative program of ``f`` — expression text, a SymPy expression, or a Python
    function that traces to one formula — by ``mode`` "reverse" or "forward", for the
    variables ``wrt`` (all by default).  A Python function of arrays needs ``at`` (an
    example point: the arrays' shapes); one that branches on a value is refused, with
    the reason.  Published as ``diffkit.compile``.

    >>> program = compile_derivative(lambda x, y: x * y + np.sin(x))
    >>> [float(v) for v in program(0.0, 2.0)]   # (y + cos x, x)
    [3.0, 0.0]
    """
    if isinstance(wrt, str):
        wrt = [wrt]
    arguments = None
    if callable(f) and not isinstance(f, str | sp.Basic):
        graph, label, arguments = _traced(f, at)
    else:
        parsed = parse_function(f)
        graph = build_graph(parsed.outputs)
        label = f if isinstance(f, str) else sympy_label(f, graph)
    program = compile_graph(graph, mode=mode, wrt=wrt, label=" ".join(str(label).split()))
    if arguments is not None and wrt is None:
        program.arguments = arguments  # called as f is: arrays in, the gradient's shapes out
    return program


def _traced(f: Callable[..., Any], at: Any) -> tuple[Graph, str, Arguments | None]:
    """The graph of the formula a Python function traces to (and, given ``at``, its
    arguments)."""
    if at is not None:
        problem = FunctionProblem.of(f, at)
        return graph_of(problem), problem.name, problem.arguments
    code = getattr(f, "__code__", None)
    if code is None:
        raise UnsupportedError("give at= (an example point) to compile this function")
    names = list(code.co_varnames[: code.co_argcount])
    try:
        out = f(*[Symbolic(sp.Symbol(n, real=True)) for n in names])
    except TypeError as err:
        if "truth value" in str(err) or "cannot determine" in str(err):
            raise UnsupportedError("f branches on a value, which one formula cannot follow; "
                                   "use reverse mode (diffkit.gradient)") from None
        raise UnsupportedError(f"f did not run on symbols ({err}); give at= for arrays") from None
    exprs = [plain(v) for v in (out if isinstance(out, list | tuple) else [out])]
    exprs = [sp.Float(e) if isinstance(e, int | float) else e for e in exprs]
    return build_graph(exprs), f"{getattr(f, '__name__', 'f')}({', '.join(names)})", None
