"""Source transformation: derivative programs compiled from the graph.

The table's rules run on a code-emitting backend — the same partials forward and
reverse mode apply to numbers, applied to names — and each operation becomes one line
of straight-line numpy source: ``_v3 = np.cos(x)``.  Shared subexpressions are
emitted once (every line is remembered by what it computes), constants are folded,
and adjoints that are never needed are never written.  The op count is exact by
construction: the lines.  The program takes numbers or arrays of points (one call
evaluates the gradient at 10⁶ points) and needs nothing but numpy.  A value no later
line reads is deleted there: on arrays of points, temporaries kept to the end cost more
in fresh memory than the arithmetic (the 10⁶-point gradient ran 1.4× the hand-written
numpy derivative with them, 1.0–1.1× without: ``python benchmarks/speed_targets.py``).

>>> program = compile_graph(build_graph(parse("x*sin(x)")), mode="reverse", label="x*sin(x)")
>>> print(program.source)
import numpy as np
<BLANKLINE>
<BLANKLINE>
def gradient(x):
    # ∂f/∂x of f = x*sin(x)
    # by reverse mode: source transformation by diffkit; del frees a value no
    # later line reads
    # primal
    _v1 = np.sin(x)  # sin(x)
    # adjoints
    _v2 = np.cos(x)
    _v3 = _v2 * x
    del _v2
    _v4 = _v1 + _v3
    del _v1, _v3
    return _shaped((x,), (_v4,))
<BLANKLINE>
<BLANKLINE>
def _shaped(inputs, values):
    # numbers for numbers; for arrays of points, every entry in their common shape
    if all(isinstance(v, float) for v in inputs):
        return tuple(float(v) for v in values)
    shape = np.broadcast_shapes(*[np.shape(v) for v in inputs])
    return tuple(v if np.shape(v) == shape else v + np.zeros(shape) for v in values)
<BLANKLINE>
>>> float(program(2.0)[0])  # ∂f/∂x = sin 2 + 2 cos 2
0.07700375373...
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from diffkit.inputs.parse import parse  # noqa: F401  (the docstring example)
from diffkit.ir.adjoints import adjoints
from diffkit.ir.evaluate import evaluate
from diffkit.ir.graph import Graph, build_graph  # noqa: F401  (build_graph: the docstring example)
from diffkit.ir.program import Compiled, load
from diffkit.support.errors import UnsupportedError
from diffkit.table.backends import NUMPY, lifted
from diffkit.table.primitives import PRIMITIVES
from diffkit.values.dual import Dual, arithmetic


def _template(op: str) -> str:
    """How the table's entry ``op`` is written in numpy source: its ``source``, or a
    numpy ufunc's own name."""
    entry = PRIMITIVES.get(op)
    if entry is not None and entry.source:
        return entry.source
    fn = None if entry is None else entry.impl.get("float64")
    if isinstance(fn, np.ufunc):
        return f"np.{fn.__name__}(" + ", ".join(f"{{{k}}}" for k in range(fn.nin)) + ")"
    raise UnsupportedError(f"the compiled method has no numpy source for {op} yet; "
                           "use reverse-mode")


class Name:
    """A value of the program being written: the name of the line that holds it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class Emitter:
    """A backend whose operations write lines of source instead of computing: constant
    arguments are folded, and a line already written is reused (common subexpressions)."""

    name = "float64"  # its constants are float64 numbers

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []  # (name, expression)
        self.reads: dict[str, list[str]] = {}  # the names each line reads
        self.negated: dict[str, Name] = {}  # a line "-a": what it negates
        self.comments: dict[str, str] = {}
        self.seen: dict[str, Name] = {}

    def const(self, value: Any) -> float:
        return float(value) if isinstance(value, sp.Basic) else float(value.value)

    def __getattr__(self, op: str) -> Callable[..., Any]:
        if op.startswith("_"):
            raise AttributeError(op)
        template = _template(op)

        def emit(*args: Any) -> Any:
            if all(not isinstance(a, Name) for a in args):  # constants: fold them
                return float(getattr(NUMPY, op)(*args))
            names = [a for a in args if isinstance(a, Name)]
            constants = [float(a) for a in args if not isinstance(a, Name)]
            if op == "mul" and len(names) == 1 and constants in ([1.0], [-1.0]):
                return names[0] if constants[0] == 1.0 else self.neg(names[0])  # exact
            if op == "add" and len(names) == 1 and constants == [0.0]:
                return names[0]  # x + 0 = x exactly
            if op in ("add", "sub") and isinstance(args[1], Name) and args[1].text in self.negated:
                # a + (−b) is a − b, a − (−b) is a + b: exactly, and one line fewer
                flipped = "sub" if op == "add" else "add"
                return getattr(self, flipped)(args[0], self.negated[args[1].text])
            if op == "add" and isinstance(args[0], Name) and args[0].text in self.negated:
                return self.sub(args[1], self.negated[args[0].text])
            text = template.format(*[_render(a) for a in args])
            found = self.seen.get(text)
            if found is None:
                found = self.seen[text] = Name(f"_v{len(self.lines) + 1}")
                self.lines.append((found.text, text))
                self.reads[found.text] = [a.text for a in args if isinstance(a, Name)]
                if op == "neg":
                    self.negated[found.text] = args[0]
            return found

        wrapped = lifted(op, emit)  # a Dual (forward mode) applies the table itself
        setattr(self, op, wrapped)
        return wrapped

    def raw(self, text: str, reads: list[str]) -> Name:
        """A line written as it is (a domain test, a guarded result), shared like any."""
        found = self.seen.get(text)
        if found is None:
            found = self.seen[text] = Name(f"_v{len(self.lines) + 1}")
            self.lines.append((found.text, text))
            self.reads[found.text] = reads
        return found

    def note(self, name: Any, comment: str) -> None:
        if isinstance(name, Name) and name.text not in self.comments:
            self.comments[name.text] = comment


class _Condition:
    """A table entry's ``domain`` test applied to names: ``x > 0`` as source text (the
    tests use comparisons, ``&`` and ``|`` only)."""

    def __init__(self, text: str, reads: list[str]) -> None:
        self.text, self.reads = text, reads

    def _compare(self, op: str, other: Any) -> _Condition:
        reads = self.reads + (other.reads if isinstance(other, _Condition) else [])
        return _Condition(f"({self.text} {op} {_text(other)})", reads)

    def _combine(self, op: str, other: Any) -> Any:
        if isinstance(other, bool | np.bool_):  # a test on constants: decided already
            return (self if other else False) if op == "&" else (True if other else self)
        return _Condition(f"({self.text} {op} {other.text})", self.reads + other.reads)

    def __mod__(self, other): return _Condition(f"({self.text} % {_text(other)})", self.reads)
    def __gt__(self, other): return self._compare(">", other)
    def __ge__(self, other): return self._compare(">=", other)
    def __lt__(self, other): return self._compare("<", other)
    def __le__(self, other): return self._compare("<=", other)
    def __eq__(self, other): return self._compare("==", other)
    def __ne__(self, other): return self._compare("!=", other)
    def __and__(self, other): return self._combine("&", other)
    def __or__(self, other): return self._combine("|", other)
    __rand__, __ror__ = __and__, __or__
    __hash__ = None


def _text(v: Any) -> str:
    return v.text if isinstance(v, _Condition | Name) else _render(v)


def _guards(graph: Graph, values: list[Any], m: Emitter) -> Name | None:
    """One line that is true where every operation of f is defined (each entry's
    ``domain`` test on its arguments), or None where no operation has a domain.  The
    derivative program returns nan outside it: a derivative line such as log's 1/x
    stays finite at x = -1, and f's own value, which no derivative reads, is not
    computed at all."""
    tests: list[Name] = []
    for i, node in enumerate(graph.nodes):
        prim = PRIMITIVES.get(node.op)
        if prim is None or prim.domain is None:
            continue
        args = [_Condition(values[j].text, [values[j].text]) if isinstance(values[j], Name)
                else values[j] for j in node.args]
        test = prim.domain(*args)
        if isinstance(test, _Condition):
            tests.append(m.raw(test.text, test.reads))
            m.note(tests[-1], prim.domain_text or f"where {prim.name} is defined")
        elif not np.all(test):
            raise UnsupportedError(f"f is undefined everywhere: {prim.domain_text} "
                                   f"({_describe(graph, i, values)})")
    if not tests:
        return None
    ok = tests[0]
    for test in tests[1:]:
        ok = m.raw(f"{ok.text} & {test.text}", [ok.text, test.text])
    return ok


def _render(v: Any) -> str:
    if isinstance(v, Name):
        return v.text
    number = float(v)
    if number.is_integer() and abs(number) < 1e15:
        text = f"{int(number)}.0"
    else:
        text = repr(number)
    return f"({text})" if number < 0 or not math.isfinite(number) else text


def _parameter(name: str) -> str:
    """A variable's name as the program's parameter (renamed if it would clash)."""
    if name.isidentifier() and not keyword.iskeyword(name) and name not in ("np",) \
            and not name.startswith("_"):
        return name
    return "arg_" + "".join(c if c.isalnum() else "_" for c in name)


def compile_graph(graph: Graph, mode: str = "reverse", wrt: list[str] | None = None,
                  label: str = "f") -> Compiled:
    """The gradient (one row per output) of ``graph`` as a numpy program, by reverse
    mode (one adjoint sweep per output) or forward mode (one tangent pass per variable)."""
    if mode not in ("reverse", "forward"):
        raise UnsupportedError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    if not graph.variables:
        raise UnsupportedError("f has no variables: there is nothing to differentiate")
    names = graph.variables if wrt is None else list(wrt)
    unknown = sorted(set(names) - set(graph.variables))
    if unknown:
        raise UnsupportedError(f"f has no variable {', '.join(unknown)}")
    for node in graph.nodes:
        if node.op not in ("var", "const"):
            _template(node.op)  # refuse early, by name
    m = Emitter()
    params = {n: _parameter(n) for n in graph.variables}
    inputs = {n: Name(p) for n, p in params.items()}
    values = evaluate(graph, inputs, m, check=False)
    for i, node in enumerate(graph.nodes):
        if node.op not in ("var", "const"):
            m.note(values[i], _describe(graph, i, values))
    defined = _guards(graph, values, m)
    primal_lines = len(m.lines)
    var_node = {n.name: i for i, n in enumerate(graph.nodes) if n.op == "var"}
    rows: list[list[Any]] = []
    if mode == "reverse":
        for out in graph.outputs:
            adjoint = adjoints(graph, values, m, out)
            rows.append([adjoint[var_node[n]] if n in var_node else None for n in names])
    else:
        columns = []
        for name in names:
            seeded = {n: Dual(v, 1.0) if n == name else v for n, v in inputs.items()}
            with arithmetic(m):
                tangents = evaluate(graph, seeded, m, check=False)
            columns.append([t.tangent if isinstance(t, Dual) else 0.0
                            for t in (tangents[o] for o in graph.outputs)])
        rows = [list(r) for r in zip(*columns, strict=True)] if columns else [[] for _ in graph.outputs]
    derivative_lines = len(m.lines)
    if defined is not None:  # nan where f is undefined
        rows = [[m.raw(f"np.where({defined.text}, {_render(0.0 if v is None else v)}, np.nan)",
                       [defined.text] + ([v.text] if isinstance(v, Name) else []))
                 for v in row] for row in rows]
    live = _live(m, [v for row in rows for v in row])
    sections = [(0, "primal"), (primal_lines, "adjoints" if mode == "reverse" else "tangents"),
                (derivative_lines, "nan where f is undefined")]
    source = _source(m, sections, rows, live, names, params, mode, label, graph)
    return Compiled(source=source, ops=len(live), mode=mode, variables=names, parameters=params,
                    outputs=len(graph.outputs), function=load(source, "gradient"))


def _describe(graph: Graph, i: int, values: list[Any]) -> str:
    """A line's comment: the graph node it computes, as ``op(arguments)``."""
    node = graph.nodes[i]
    return f"{node.op}({', '.join(_render(values[j]) for j in node.args)})"


def _source(m: Emitter, sections: list[tuple[int, str]], rows: list[list[Any]], live: set[str],
            names: list[str], params: dict[str, str], mode: str, label: str,
            graph: Graph) -> str:
    signature = ", ".join(params[n] for n in graph.variables)
    what = ", ".join(f"∂f/∂{n}" for n in names) if len(names) <= 4 else \
        f"∂f/∂{names[0]} … ∂f/∂{names[-1]} ({len(names)} variables)"
    label = label if len(label) <= 60 else label[:57] + "..."
    lines = ["import numpy as np", "", "", f"def gradient({signature}):",
             f"    # {what} of f = {label}",
             f"    # by {mode} mode: source transformation by diffkit; del frees a value no",
             "    # later line reads"]
    kept = [(k, name, text) for k, (name, text) in enumerate(m.lines) if name in live]
    renamed = {name: f"_v{i + 1}" for i, (_, name, _) in enumerate(kept)}

    def rename(text: str) -> str:
        return re.sub(r"_v\d+", lambda hit: renamed.get(hit.group(0), hit.group(0)), text)

    # a value no later line reads is deleted there: on arrays of 10⁶ points, temporaries
    # kept to the end cost more in fresh memory than the arithmetic does
    returned = {v.text for row in rows for v in row if isinstance(v, Name)}
    last_read: dict[str, int] = {}
    for position, (_, name, _) in enumerate(kept):
        for read in m.reads.get(name, []):
            last_read[read] = position
    freed: dict[int, list[str]] = {}
    for read, position in last_read.items():
        if read in renamed and read not in returned:
            freed.setdefault(position, []).append(renamed[read])
    part = ""
    for position, (k, name, text) in enumerate(kept):
        heading = [title for start, title in sections if k >= start][-1]
        if heading != part:
            lines.append(f"    # {heading}")
            part = heading
        comment = m.comments.get(name)
        lines.append(f"    {renamed[name]} = {rename(text)}"
                     + (f"  # {rename(comment)}" if comment else ""))
        if position in freed:
            lines.append(f"    del {', '.join(sorted(freed[position], key=lambda n: int(n[2:])))}")
    inputs = "(" + ", ".join(params[n] for n in graph.variables) + ("," if len(graph.variables) == 1 else "") + ")"

    def values(row: list[Any]) -> str:
        texts = [rename(_render(0.0 if v is None else v)) for v in row]
        return "(" + ", ".join(texts) + ("," if len(texts) == 1 else "") + ")"

    if len(rows) == 1:  # a scalar f: its gradient, one entry per variable
        lines.append(f"    return _shaped({inputs}, {values(rows[0])})")
    else:  # a vector f: one row per output
        lines.append(f"    inputs = {inputs}")
        lines.append("    return (" + ", ".join(f"_shaped(inputs, {values(r)})" for r in rows) + ")")
    lines += ["", "", "def _shaped(inputs, values):",
              "    # numbers for numbers; for arrays of points, every entry in their common shape",
              "    if all(isinstance(v, float) for v in inputs):",
              "        return tuple(float(v) for v in values)",
              "    shape = np.broadcast_shapes(*[np.shape(v) for v in inputs])",
              "    return tuple(v if np.shape(v) == shape else v + np.zeros(shape) for v in values)"]
    return "\n".join(lines) + "\n"


def _live(m: Emitter, results: list[Any]) -> set[str]:
    """The lines the results need (f's own value, if no derivative reads it, is dead)."""
    live: set[str] = set()
    todo = [v.text for v in results if isinstance(v, Name)]
    while todo:
        name = todo.pop()
        if name in live or name not in m.reads:
            continue
        live.add(name)
        todo.extend(m.reads[name])
    return live
