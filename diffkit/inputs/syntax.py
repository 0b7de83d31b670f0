"""The whitelist walk over Python's syntax tree: numbers, names, ``+ - * / **``, unary
signs and calls of known functions become SymPy objects, each constant with a float64
shadow computed before SymPy folds it; anything else is refused with its column."""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from diffkit.support.errors import ParseError
from diffkit.support.limits import Limits
from diffkit.table.vocabulary import CONSTANTS, RESERVED, Function, clip, functions


@dataclass
class _Built:
    """A built subexpression: a SymPy object, or a pending sum/product of one chain.

    Chains (``a + b - c + ...``) are collected in a list and turned into one n-ary
    ``Add``/``Mul`` when a parent needs them: pairwise building is quadratic.
    """

    expr: sp.Expr | None = None
    shadow: float | None = None  # float64 value when the subtree is constant
    terms: list[sp.Expr] | None = None
    factors: list[sp.Expr] | None = None
    chain_op: type | None = field(default=None)

    def sympy(self) -> sp.Expr:
        if self.terms is not None:
            self.expr, self.terms = sp.Add(*self.terms), None
        elif self.factors is not None:
            self.expr, self.factors = sp.Mul(*self.factors), None
        return self.expr


_REFUSED = {
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "indexing ('[...]') is not allowed",
    ast.Lambda: "'lambda' is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.Compare: "comparisons are not allowed: give an expression, not a condition",
    ast.BoolOp: "'and'/'or' are not allowed",
    ast.IfExp: "'if ... else' is not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "a tuple is not allowed (a stray comma?)",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.Slice: "slices are not allowed",
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_OPS = {
    ast.FloorDiv: "'//' (floor division) is not supported",
    ast.Mod: "'%' (remainder) is not supported",
    ast.MatMult: "'@' (matrix product) is not supported",
    ast.BitXor: "'^' in this position is not supported",
    ast.BitAnd: "'&' is not supported",
    ast.BitOr: "'|' is not supported",
    ast.LShift: "'<<' is not supported",
    ast.RShift: "'>>' is not supported",
    ast.Invert: "'~' is not supported",
    ast.Not: "'not' is not allowed",
}


class Builder:
    def __init__(self, limits: Limits, columns: list[int]) -> None:
        self.limits = limits
        self.columns = columns
        self.count = 0
        self.symbols: dict[str, sp.Symbol] = {}
        #: subexpressions as written whose domain SymPy's evaluation may remove
        #: (``sqrt(x)*sqrt(x)`` becomes ``x``): unevaluated, one per division, power
        #: and domain-restricted call on a variable
        self.guards: list[sp.Expr] = []
        #: where each call and operation was written (its first column): traces and
        #: graphs number the operations in the order the user wrote them
        self.written: dict[sp.Expr, int] = {}

    def col(self, node: ast.AST) -> int | None:
        offset = getattr(node, "col_offset", None)
        if offset is None or not self.columns:
            return None
        return self.columns[min(offset, len(self.columns) - 1)]

    def fail(self, message: str, node: ast.AST) -> None:
        raise ParseError(message, self.col(node))

    # -- the walk ---------------------------------------------------------
    def build(self, body: ast.AST) -> sp.Expr:
        built: dict[int, _Built] = {}
        operations: list[tuple[_Built, int]] = []
        stack: list[tuple[ast.AST, int, bool]] = [(body, 0, False)]
        count = self.count
        while stack:
            node, depth, children_done = stack.pop()
            if not children_done:
                count += 1
                if count > self.limits.max_nodes:
                    self.fail(
                        f"more than {self.limits.max_nodes} syntax nodes; the limit is "
                        f"{self.limits.max_nodes}",
                        node,
                    )
                if depth > self.limits.max_depth:
                    self.fail(f"nested more than {self.limits.max_depth} deep", node)
                stack.append((node, depth, True))
                for child, child_depth in reversed(self.children(node, depth)):
                    stack.append((child, child_depth, False))
            else:
                made = built[id(node)] = self.combine(node, built)
                if isinstance(node, ast.Call | ast.BinOp | ast.UnaryOp):
                    operations.append((made, node.col_offset))
        self.count = count  # the node limit holds across the components of a vector
        result = built[id(body)].sympy()
        for made, column in operations:  # a chain (a + b − c) has its SymPy form by now
            if made.expr is not None:
                self.written.setdefault(made.expr, column)
        return result

    def children(self, node: ast.AST, depth: int) -> list[tuple[ast.AST, int]]:
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                self.fail(_REFUSED_OPS.get(type(node.op), "operator not supported"), node)
            same_chain = _chain_kind(node) is not None and _chain_kind(
                node.left
            ) == _chain_kind(node)
            return [(node.left, depth if same_chain else depth + 1), (node.right, depth + 1)]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.UAdd | ast.USub):
                self.fail(_REFUSED_OPS.get(type(node.op), "operator not supported"), node)
            return [(node.operand, depth + 1)]
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                self.fail("only a function name can be called, as in sin(x)", node)
            name = node.func.id
            if name not in functions():
                self.fail(
                    f"unknown function '{clip(name)}'; known functions: "
                    + ", ".join(sorted({k for k in functions() if k.islower()})),
                    node,
                )
            if node.keywords:
                self.fail("keyword arguments are not allowed", node)
            for arg in node.args:
                if isinstance(arg, ast.Starred):
                    self.fail("'*' unpacking is not allowed", arg)
            spec = functions()[name]
            n = len(node.args)
            if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
                self.fail(_arity_message(name, spec, n), node)
            return [(arg, depth + 1) for arg in node.args]
        if isinstance(node, ast.Name | ast.Constant):
            return []
        self.fail(
            _REFUSED.get(type(node), f"'{type(node).__name__}' is not allowed"), node
        )
        return []  # unreachable

    def combine(self, node: ast.AST, built: dict[int, _Built]) -> _Built:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            operand = built.pop(id(node.operand))
            if isinstance(node.op, ast.UAdd):
                return operand
            shadow = None if operand.shadow is None else -operand.shadow
            return _Built(expr=-operand.sympy(), shadow=shadow)
        if isinstance(node, ast.Call):
            args = [built.pop(id(a)) for a in node.args]
            return self.call(node, args)
        left = built.pop(id(node.left))
        right = built.pop(id(node.right))
        return self.binop(node, left, right)

    # -- leaves ------------------------------------------------------------
    def constant(self, node: ast.Constant) -> _Built:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            self.fail(f"'{value}' is not allowed", node)
        if isinstance(value, complex):
            self.fail("complex numbers are not supported", node)
        if isinstance(value, int):
            return _Built(expr=sp.Integer(value), shadow=float(value))
        if isinstance(value, float):
            if not math.isfinite(value):
                self.fail("number is too large for a double", node)
            return _Built(expr=sp.Float(value), shadow=value)
        self.fail("only numbers, names and operators are allowed", node)
        raise AssertionError  # unreachable

    def name(self, node: ast.Name) -> _Built:
        name = node.id
        if name in CONSTANTS:
            expr, shadow = CONSTANTS[name]
            return _Built(expr=expr, shadow=shadow)
        if name in functions():
            self.fail(f"'{name}' is a function: write {name}(...)", node)
        if name in RESERVED:
            self.fail(f"'{name}' is reserved: {RESERVED[name]}", node)
        symbol = self.symbols.get(name)
        if symbol is None:
            symbol = self.symbols[name] = sp.Symbol(name, real=True)
        return _Built(expr=symbol)

    # -- operations ----------------------------------------------------------
    def checked(self, value: float, node: ast.AST) -> float:
        if math.isnan(value):
            self.fail("a constant here is not a real number", node)
        if math.isinf(value):
            self.fail("a constant here overflows double precision", node)
        return value

    def shadow_of(self, fn: Callable[..., float], args: list[float], node: ast.AST, what: str) -> float:
        try:
            value = fn(*args)
        except ZeroDivisionError:
            self.fail("division by zero", node)
        except OverflowError:
            self.fail("a constant here overflows double precision", node)
        except (ValueError, TypeError):
            self.fail(f"{what} is outside the function's domain (not a real number)", node)
        if isinstance(value, complex):
            self.fail("a constant here is not a real number", node)
        return self.checked(float(value), node)

    def binop(self, node: ast.BinOp, left: _Built, right: _Built) -> _Built:
        op = type(node.op)
        both = left.shadow is not None and right.shadow is not None
        if op is ast.Pow:
            return self.power(node, left, right)
        if op is ast.Div and right.shadow == 0.0:
            self.fail("division by zero", node.right)
        if op in (ast.Add, ast.Sub):
            shadow = None
            if both:
                shadow = self.checked(
                    left.shadow + right.shadow if op is ast.Add else left.shadow - right.shadow,
                    node,
                )
            terms = left.terms if left.terms is not None else [left.sympy()]
            r = right.sympy()
            terms.append(r if op is ast.Add else -r)
            return self.check_exact(_Built(terms=terms, shadow=shadow), node)
        # Mult, Div
        shadow = None
        if both:
            shadow = self.checked(
                left.shadow * right.shadow if op is ast.Mult else left.shadow / right.shadow,
                node,
            )
        factors = left.factors if left.factors is not None else [left.sympy()]
        r = right.sympy()
        if op is ast.Div:
            if r == 0:
                self.fail("division by zero", node.right)
            if right.shadow is None:
                self.guards.append(sp.Pow(r, -1, evaluate=False))
            r = sp.Pow(r, -1)
        factors.append(r)
        return self.check_exact(_Built(factors=factors, shadow=shadow), node)

    def power(self, node: ast.BinOp, base: _Built, exponent: _Built) -> _Built:
        limit = self.limits.max_exponent
        if exponent.shadow is not None and abs(exponent.shadow) > limit:
            self.fail(
                f"exponent {_fmt(exponent.shadow)} is too large; the limit is "
                f"{limit} in absolute value",
                node,
            )
        b, e = base.sympy(), exponent.sympy()
        shadow = None
        if base.shadow is not None and exponent.shadow is not None:
            if base.shadow == 0 and exponent.shadow < 0:
                self.fail("division by zero (0 to a negative power)", node)
            shadow = self.shadow_of(math.pow, [base.shadow, exponent.shadow], node, "power")
            if b.is_Rational and e.is_Integer:
                bits = abs(int(e)) * max(int(b.p).bit_length(), int(b.q).bit_length())
                if bits > self.limits.max_const_bits:
                    self.fail(
                        f"constant too large: about {bits} bits; the limit is "
                        f"{self.limits.max_const_bits}",
                        node,
                    )
        if base.shadow is None and not (e.is_Integer and e >= 0):
            self.guards.append(sp.Pow(b, e, evaluate=False))
        return self.check_exact(_Built(expr=sp.Pow(b, e), shadow=shadow), node)

    def call(self, node: ast.Call, args: list[_Built]) -> _Built:
        name = node.func.id  # type: ignore[attr-defined]
        spec = functions()[name]
        shadow = None
        if all(a.shadow is not None for a in args):
            shadow = self.shadow_of(spec.shadow, [a.shadow for a in args], node, f"{name}(...)")
            if name == "log" and len(args) == 2 and args[1].shadow == 1.0:
                self.fail("log base 1 divides by zero", node)
        elif name == "log" and len(args) == 2:
            a, b = args
            if a.shadow is not None and a.shadow <= 0:
                self.fail("log of a number <= 0 is not a real number", node)
            if b.shadow is not None and (b.shadow <= 0 or b.shadow == 1):
                self.fail("the base of a logarithm must be positive and not 1", node)
        expr = spec.build(*[a.sympy() for a in args])
        if spec.guarded and any(a.shadow is None for a in args):
            # the call as written (log's first argument only: its base is a constant)
            kept = args[:1] if spec.min_args != spec.max_args else args
            self.guards.append(spec.build(*[a.sympy() for a in kept], evaluate=False))
        return self.check_exact(_Built(expr=expr, shadow=shadow), node)

    def check_exact(self, built: _Built, node: ast.AST) -> _Built:
        """Refuse exact constants beyond ``max_const_bits`` once SymPy has folded them."""
        expr = built.expr
        if expr is not None and expr.is_Rational:
            bits = max(int(expr.p).bit_length(), int(expr.q).bit_length())
            if bits > self.limits.max_const_bits:
                self.fail(
                    f"constant too large: {bits} bits; the limit is "
                    f"{self.limits.max_const_bits}",
                    node,
                )
        return built


def _chain_kind(node: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add | ast.Sub):
            return "sum"
        if isinstance(node.op, ast.Mult | ast.Div):
            return "product"
    return None


def _arity_message(name: str, spec: Function, n: int) -> str:
    if spec.max_args is None:
        wanted = f"{spec.min_args} or more arguments"
    elif spec.min_args == spec.max_args:
        wanted = f"{spec.min_args} argument" + ("s" if spec.min_args > 1 else "")
    else:
        wanted = f"{spec.min_args} or {spec.max_args} arguments"
    return f"{name}() takes {wanted}, got {n}"


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e18 else f"{v:g}"


def syntax_message(err: SyntaxError, source: str, columns: list[int]) -> ParseError:
    offset = (err.offset or 1) - 1
    col = columns[min(offset, len(columns) - 1)] if columns else None
    at_end = not source[offset:].strip()
    msg = (err.msg or "invalid syntax").split(".")[0]
    if "forgot a comma" in (err.msg or ""):
        return ParseError("two terms side by side: is a '*' missing?", col)
    if at_end or "never closed" in msg or "unexpected EOF" in msg:
        return ParseError("the expression ends too early: something is missing at the end", col)
    near = source[offset:].split(" ")[0] or source[offset : offset + 1]
    return ParseError(f"syntax error near '{clip(near)}'", col)
