"""SymPy expression → computation graph: primitive nodes in topological order.

SymPy has no subtraction, division or square root: ``x - y`` is ``Add(x, Mul(-1, y))``
and ``sqrt(x)`` is ``Pow(x, 1/2)``.  The graph writes what a person would count:
``sub``, ``div``, ``neg``, ``square``, ``powi`` (integer powers), ``sqrt``; n-ary sums and
products become chains of binary operations as written (from 16 terms on, a balanced
tree of the same operations); every constant subexpression (``log(2)``,
``pi/3``) is one ``const`` node that costs nothing to evaluate.  Nodes are hash-consed,
so a subexpression that occurs twice is computed once, and the walk is iterative, so a
deep expression never meets Python's recursion limit.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> print(build_graph(4*x**3 + x**2 + 3))
v0 = 3
v1 = x
v2 = v1**2
v3 = 4
v4 = v1**3
v5 = 4 * v4
v6 = 3 + v2
v7 = v6 + v5
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sympy as sp

from diffkit.support.errors import UnsupportedError
from diffkit.table import backends  # noqa: F401  (the whole table)
from diffkit.table.primitives import PRIMITIVES, Primitive, generated


@generated
def _heads() -> dict[Any, Primitive]:
    """SymPy head → the table's entry (generated from the entries' ``sympy`` heads)."""
    return {head: entry for entry in PRIMITIVES.values() for head in entry.sympy}


class Node(NamedTuple):
    """One node: a primitive applied to earlier nodes, a variable or a constant.  A
    named tuple: hashable (identical subexpressions are one node) and cheap to make
    (a Python function's tape makes one per operation it runs)."""

    op: str  # a primitive name, "var" or "const"
    args: tuple[int, ...] = ()
    name: str | None = None  # the variable's name
    value: Any = None  # the constant's exact value (SymPy), or a recorded one


@dataclass
class Graph:
    """Nodes in topological order (arguments before their users) and the outputs."""

    nodes: list[Node]
    outputs: list[int]
    _tree_sizes: list[int] | None = field(default=None, repr=False)

    @property
    def variables(self) -> list[str]:
        """Sorted names of the variables the graph reads."""
        return sorted(n.name for n in self.nodes if n.op == "var")

    @property
    def op_count(self) -> int:
        """Primitive operations, each shared subexpression once (the DAG count)."""
        return sum(n.op not in ("var", "const") for n in self.nodes)

    @property
    def tree_op_count(self) -> int:
        """Primitive operations counted as the printed expression shows them: every
        occurrence of a shared subexpression again (what expression swell means)."""
        sizes: list[int] = []
        for node in self.nodes:
            own = 0 if node.op in ("var", "const") else 1
            sizes.append(own + sum(sizes[a] for a in node.args))
        return sum(sizes[o] for o in self.outputs)

    def operand(self, j: int, name: str) -> str:
        """How an argument is written: a constant by its value, else by ``name``."""
        node = self.nodes[j]
        return str(node.value) if node.op == "const" else name

    def describe(self, i: int) -> str:
        node = self.nodes[i]
        if node.op in ("var", "const"):
            return str(node.name if node.op == "var" else node.value)
        return format_operation(node.op, [self.operand(j, f"v{j}") for j in node.args])

    def __str__(self) -> str:
        lines = []
        for i in range(len(self.nodes)):
            lines.append(f"v{i} = {self.describe(i)}")
        return "\n".join(lines)


def format_operation(op: str, args: list[str], pretty: bool = False) -> str:
    """One operation as text: ``v1 * v2`` (or ``v₁ × v₂`` with ``pretty``)."""
    infix = {"add": "+", "sub": "−" if pretty else "-", "mul": "×" if pretty else "*", "div": "/"}
    if op in infix:
        return f"{args[0]} {infix[op]} {args[1]}"
    if op == "neg":
        return f"{'−' if pretty else '-'}{args[0]}"
    if op == "square":
        return f"{args[0]}²" if pretty else f"{args[0]}**2"
    if op in ("powi", "pow"):
        return f"{args[0]}{'^' if pretty else '**'}{args[1]}"
    if pretty and op == "log":
        return f"ln {args[0]}"
    if pretty and len(args) == 1:
        return f"{op} {args[0]}"
    return f"{op}({', '.join(args)})"


class _Builder:
    def __init__(self, written: Mapping[sp.Basic, int] | None = None) -> None:
        self.nodes: list[Node] = []
        self.ids: dict[Node, int] = {}
        self.memo: dict[sp.Basic, int] = {}
        self.written = written
        self.places: dict[sp.Basic, float] = {}

    def place(self, expr: sp.Basic, depth: int = 0) -> float:
        """Where ``expr`` was written: its own column, else its leftmost part's (looked
        for a few levels down: ``-sin(x)`` is where ``sin(x)`` was written)."""
        if expr not in self.places:
            found = self.written.get(expr) if self.written else None
            if found is None and depth < 4:
                found = min((self.place(a, depth + 1) for a in expr.args), default=math.inf)
            self.places[expr] = math.inf if found is None else found
        return self.places[expr]

    def in_written_order(self, items: list[sp.Basic]) -> list[sp.Basic]:
        """``items`` in the order the user wrote them (SymPy sorts the arguments of a
        sum or product its own way), when the columns are known."""
        if not self.written:
            return items
        return sorted(items, key=self.place)

    def add(self, node: Node) -> int:
        found = self.ids.get(node)
        if found is None:
            found = self.ids[node] = len(self.nodes)
            self.nodes.append(node)
        return found

    def const(self, value: sp.Expr) -> int:
        if not value.is_Number:
            numeric = value.evalf(20)
            if not numeric.is_Number or not numeric.is_finite:
                raise UnsupportedError(
                    f"the constant {_clip(value)} is not a finite real number"
                )
        return self.add(Node("const", value=value))

    def is_const(self, i: int) -> bool:
        return self.nodes[i].op == "const"

    def op(self, name: str, *args: int) -> int:
        return self.add(Node(name, tuple(args)))

    def fold(self, name: str, ids: list[int]) -> int:
        """``ids`` combined by the binary ``name``: a left chain, as written, for a few
        terms; from ``BALANCED_FROM`` terms on, pairwise (a balanced tree of the same
        n − 1 operations), so that a change to one term is log₂ n operations from the
        result, not n/2 (fd-extended moves each variable alone), and a long sum rounds
        less."""
        if len(ids) < BALANCED_FROM:
            acc = ids[0]
            for i in ids[1:]:
                acc = self.op(name, acc, i)
            return acc
        level = list(ids)
        while len(level) > 1:
            paired = [self.op(name, level[k], level[k + 1]) for k in range(0, len(level) - 1, 2)]
            level = paired + ([level[-1]] if len(level) % 2 else [])
        return level[0]

    # -- the plan for each SymPy head: which children, and how to combine them ----
    def plan(self, expr: sp.Basic):
        if expr.is_Symbol:
            return [], lambda ids: self.add(Node("var", name=expr.name))
        if expr.is_Number or expr in (sp.pi, sp.E) or expr.is_NumberSymbol:
            if not expr.is_finite or not expr.is_real:
                raise UnsupportedError(f"the expression contains {expr}, which is not a finite real number")
            return [], lambda ids: self.const(expr)
        if expr.is_Add:
            return self.plan_add(expr)
        if expr.is_Mul:
            return self.plan_mul(expr)
        if expr.is_Pow:
            return self.plan_pow(expr)
        head = expr.func
        entry = _heads().get(head)
        if entry is not None:
            args = list(expr.args)
            if entry.text_arity is not None and entry.text_arity[1] is None:  # Max(a, b, c)
                return args, lambda ids: self.fold(entry.name, ids)
            if head is sp.Heaviside and len(args) == 2 and args[1] == sp.S.Half:
                args = args[:1]  # Heaviside(x, 1/2): the table's Heaviside(0) = 1/2
            if len(args) != entry.arity:
                raise UnsupportedError(f"diffkit has no primitive for {_clip(expr)}")
            return args, lambda ids: self.apply(entry.name, expr, ids)
        raise UnsupportedError(f"diffkit has no primitive for {head.__name__} (in {_clip(expr)})")

    def apply(self, name: str, expr: sp.Expr, args: list[int]) -> int:
        if all(self.is_const(a) for a in args):
            return self.const(expr)
        return self.op(name, *args)

    def plan_add(self, expr: sp.Add):
        terms, negative = [], []
        for term in self.in_written_order(list(expr.args)):
            coeff = term.as_coeff_Mul()[0]
            if coeff.is_negative:
                terms.append(-term)
                negative.append(True)
            else:
                terms.append(term)
                negative.append(False)

        def combine(ids: list[int]) -> int:
            if all(self.is_const(i) for i in ids):
                return self.const(expr)
            pos = [i for i, neg in zip(ids, negative, strict=True) if not neg]
            neg = [i for i, n in zip(ids, negative, strict=True) if n]
            acc = self.fold("add", pos) if pos else self.op("neg", neg.pop(0))
            for i in neg:
                acc = self.op("sub", acc, i)
            return acc

        return terms, combine

    def plan_mul(self, expr: sp.Mul):
        coeff, factors = expr.as_coeff_mul()
        numerator: list[sp.Expr] = []
        denominator: list[sp.Expr] = []
        negate = False
        if coeff.is_Rational and coeff != 1:
            p, q = int(coeff.p), int(coeff.q)
            if p == -1:
                negate = True
            elif p != 1:
                numerator.append(sp.Integer(p))
            if q != 1:
                denominator.append(sp.Integer(q))
        elif coeff != 1:
            if coeff == -1:
                negate = True
            else:
                numerator.append(coeff)
        for f in self.in_written_order(list(factors)):
            if f.is_Pow and f.exp.is_Number and f.exp.is_negative:
                denominator.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False))
            else:
                numerator.append(f)
        n_num = len(numerator)

        def combine(ids: list[int]) -> int:
            if all(self.is_const(i) for i in ids):
                return self.const(expr)
            num = self.fold("mul", ids[:n_num]) if n_num else None
            if len(ids) > n_num:
                den = self.fold("mul", ids[n_num:])
                acc = self.op("div", num if num is not None else self.const(sp.S.One), den)
            else:
                acc = num
            return self.op("neg", acc) if negate else acc

        return numerator + denominator, combine

    def plan_pow(self, expr: sp.Pow):
        base, exp = expr.args
        if exp.is_Number:
            if exp.is_negative:
                positive = base if exp == -1 else sp.Pow(base, -exp, evaluate=False)

                def reciprocal(ids: list[int]) -> int:
                    if self.is_const(ids[0]):
                        return self.const(expr)
                    return self.op("div", self.const(sp.S.One), ids[0])

                return [positive], reciprocal
            if exp == sp.S.Half:
                return [base], lambda ids: self.apply("sqrt", expr, ids)
            if exp == 2:
                return [base], lambda ids: self.apply("square", expr, ids)
            if exp.is_Integer:
                return [base], lambda ids: (
                    self.const(expr) if self.is_const(ids[0]) else self.op("powi", ids[0], self.const(exp))
                )

        def general(ids: list[int]) -> int:
            if all(self.is_const(i) for i in ids):
                return self.const(expr)
            return self.op("pow", *ids)

        return [base, exp], general

    def build(self, expr: sp.Basic) -> int:
        stack: list[tuple[sp.Basic, object]] = [(expr, None)]
        while stack:
            e, plan = stack.pop()
            if e in self.memo:
                continue
            if plan is None:
                children, combine = self.plan(e)
                stack.append((e, (children, combine)))
                stack.extend((c, None) for c in reversed(children) if c not in self.memo)
            else:
                children, combine = plan
                self.memo[e] = combine([self.memo[c] for c in children])
        return self.memo[expr]


#: sums and products of at least this many terms are folded pairwise (``_Builder.fold``)
BALANCED_FROM = 16


def _clip(expr: sp.Basic, n: int = 60) -> str:
    s = str(expr)
    return s if len(s) <= n else s[: n - 3] + "..."


def build_graph(exprs: sp.Expr | Sequence[sp.Expr], *, cse: bool = False,
                guards: Sequence[sp.Expr] = (),
                written: Mapping[sp.Basic, int] | None = None) -> Graph:
    """Build one graph for one expression or several (their shared parts once).

    Identical subexpressions always become one node.  ``cse=True`` first runs
    ``sympy.cse``, which also shares parts of n-ary sums and products (``x*y`` in
    ``x*y*z`` and ``x*y*w``); its replacements become ordinary nodes.  ``guards`` are
    evaluated with f but are not outputs: subexpressions as the user wrote them,
    whose domain checks must hold wherever f is evaluated (see ``parse.Parsed``).
    ``written`` (``Parsed.written``) orders the terms of sums and products as the
    user wrote them, so that nodes are made in that order (traces number them so).
    """
    many = isinstance(exprs, Sequence) and not isinstance(exprs, sp.Basic)
    items = [_as_sympy(e) for e in (list(exprs) if many else [exprs])]
    builder = _Builder(written)
    if cse:
        replacements, items = sp.cse(items)
        for symbol, value in replacements:
            builder.memo[symbol] = builder.build(value)
    outputs = [builder.build(e) for e in items]
    kept = [builder.build(g) for g in guards]
    return _pruned(builder.nodes, outputs, kept)


def _pruned(nodes: list[Node], outputs: list[int], guards: Sequence[int] = ()) -> Graph:
    """Drop nodes no output or guard needs (constants folded away), keeping the order."""
    needed = [False] * len(nodes)
    for o in [*outputs, *guards]:
        needed[o] = True
    for i in range(len(nodes) - 1, -1, -1):
        if needed[i]:
            for a in nodes[i].args:
                needed[a] = True
    new_id: dict[int, int] = {}
    kept: list[Node] = []
    for i, node in enumerate(nodes):
        if needed[i]:
            new_id[i] = len(kept)
            kept.append(Node(node.op, tuple(new_id[a] for a in node.args), node.name, node.value))
    return Graph(kept, [new_id[o] for o in outputs])


def _as_sympy(e: sp.Expr | float) -> sp.Expr:
    if isinstance(e, float):
        return sp.Float(e)
    if isinstance(e, int):
        return sp.Integer(e)
    return e
