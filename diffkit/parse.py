"""Expression text → SymPy, through a whitelist. Nothing the user types is ever run.

SymPy's own ``sympify``/``parse_expr`` call Python's ``eval`` on their input, so diffkit
never hands them user text.  Instead:

1. the text is scanned character by character (ASCII only, no quotes, brackets,
   comparisons, ...), with hints for look-alikes (``×`` → ``*``) and for a missing
   ``*`` (``2x`` → ``2*x``); limits on length, depth, operators and literal sizes apply
   before anything else sees the text;
2. ``^`` is rewritten to ``**`` and Python's ``ast.parse`` builds a syntax tree;
3. an iterative walk accepts only numbers, names, ``+ - * / **``, unary signs and calls
   of known functions with positional arguments, and builds SymPy objects bottom-up.
   Every constant subexpression also carries a float64 "shadow" value computed before
   SymPy folds it, so ``exp(exp(exp(10*e)))`` or ``10**1000`` is refused instead of
   hanging SymPy or overflowing every float method later.

>>> parse("4*x^3 + x**2 + 3")
4*x**3 + x**2 + 3
>>> parse("2x")
Traceback (most recent call last):
...
diffkit.errors.ParseError: missing '*' in '2x': write 2*x (column 1)
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .budget import time_budget
from .errors import BudgetExceeded, ParseError
from .limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class _Function:
    build: Callable[..., sp.Expr]
    shadow: Callable[..., float]
    min_args: int
    max_args: int | None  # None: any number from min_args on


def _sign(v: float) -> float:
    return 0.0 if v == 0 else math.copysign(1.0, v)


def _log(v: float, base: float | None = None) -> float:
    if base is None:
        return math.log(v)
    return math.log(v) / math.log(base)


_UNARY = {
    "sin": (sp.sin, math.sin),
    "cos": (sp.cos, math.cos),
    "tan": (sp.tan, math.tan),
    "asin": (sp.asin, math.asin),
    "acos": (sp.acos, math.acos),
    "atan": (sp.atan, math.atan),
    "sinh": (sp.sinh, math.sinh),
    "cosh": (sp.cosh, math.cosh),
    "tanh": (sp.tanh, math.tanh),
    "asinh": (sp.asinh, math.asinh),
    "acosh": (sp.acosh, math.acosh),
    "atanh": (sp.atanh, math.atanh),
    "exp": (sp.exp, math.exp),
    "sqrt": (sp.sqrt, math.sqrt),
    "abs": (sp.Abs, abs),
    "Abs": (sp.Abs, abs),
    "sign": (sp.sign, _sign),
}

#: The functions a user may call, with their argument counts.
FUNCTIONS: dict[str, _Function] = {
    **{name: _Function(b, s, 1, 1) for name, (b, s) in _UNARY.items()},
    "log": _Function(sp.log, _log, 1, 2),
    "max": _Function(sp.Max, max, 2, None),
    "min": _Function(sp.Min, min, 2, None),
    "Max": _Function(sp.Max, max, 2, None),
    "Min": _Function(sp.Min, min, 2, None),
}

#: functions whose domain is not the whole real line: the call as written is kept as a
#: guard where SymPy rewrites it away (``exp(log(x))`` is ``x``, but not at x = -1)
_GUARDED = {"log", "sqrt", "asin", "acos", "acosh", "atanh"}

_CONSTANTS = {"pi": (sp.pi, math.pi), "e": (sp.E, math.e), "E": (sp.E, math.e)}
_RESERVED = {
    "I": "complex numbers are not supported",
    "oo": "infinity is not a value diffkit can differentiate at",
    "zoo": "complex infinity is not supported",
    "nan": "nan is not a number",
    "inf": "infinity is not a value diffkit can differentiate at",
}

_LOOKALIKES = {
    "×": "*", "·": "*", "⋅": "*", "∗": "*", "✕": "*",
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-",
    "÷": "/", "∕": "/", "⁄": "/",
    "²": "**2", "³": "**3", "¹": "**1",
    "π": "pi", "√": "sqrt(...)", "ℯ": "e",
    "\u00a0": "an ordinary space",
}
_QUOTES = "‘’“”«»"

_STRAY = {
    "[": "indexing and lists ('[') are not allowed",
    "]": "indexing and lists (']') are not allowed",
    "{": "braces ('{') are not allowed",
    "}": "braces ('}') are not allowed",
    "'": "quotes (strings) are not allowed",
    '"': "quotes (strings) are not allowed",
    "=": "'=' is not allowed: give an expression, not an equation or keyword "
    "argument (values go in --at / at=)",
    "<": "comparisons ('<') are not allowed",
    ">": "comparisons ('>') are not allowed",
    "!": "'!' is not allowed (no factorials or comparisons)",
    "@": "'@' (matrix product) is not supported",
    "&": "'&' (bitwise and) is not supported",
    "|": "'|' is not supported: write abs(x) for an absolute value",
    "~": "'~' (bitwise not) is not supported",
    "%": "'%' (remainder) is not supported",
    ";": "';' is not allowed: give one expression",
    ":": "':' is not allowed (no slices, lambdas or ':=')",
    "#": "'#' (comment) is not allowed",
    "\\": "'\\' is not allowed",
    "$": "'$' is not allowed",
    "?": "'?' is not allowed",
    "`": "'`' is not allowed",
}

_TOKEN = re.compile(
    r"(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|[-+*/^(),.])"
    r"|(?P<space>[ \t]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)

_NAME_RULE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass
class _Token:
    kind: str
    text: str
    column: int  # 1-based column in the user's text


def _describe_char(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    return f"{code} {name}".strip()


def _check_character(ch: str, column: int) -> None:
    """Refuse a character outside printable ASCII, saying what to type instead."""
    if ch in _STRAY:
        raise ParseError(_STRAY[ch], column)
    if ch in _QUOTES:
        raise ParseError(f"quotes ('{ch}') are not allowed", column)
    if ch in _LOOKALIKES:
        raise ParseError(
            f"character '{ch}' ({_describe_char(ch)}) is not allowed; "
            f"type {_LOOKALIKES[ch]} instead",
            column,
        )
    if ord(ch) < 32 or ord(ch) == 127:
        what = "a line break" if ch in "\n\r" else "a control character"
        raise ParseError(
            f"{what} ({_describe_char(ch) or f'U+{ord(ch):04X}'}) is not allowed; "
            "put the expression on one line",
            column,
        )
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and folded.isascii() and folded.isprintable():
        raise ParseError(
            f"character '{ch}' ({_describe_char(ch)}) is not allowed; "
            f"type '{folded}' instead",
            column,
        )
    if ch.isspace() or unicodedata.category(ch) in {"Cf", "Zs"}:
        raise ParseError(
            f"invisible character ({_describe_char(ch)}) is not allowed; delete it",
            column,
        )
    raise ParseError(
        f"character '{ch}' ({_describe_char(ch)}) is not allowed; use ASCII letters, "
        "digits and + - * / ^ ( ) , .",
        column,
    )


def _tokenize(text: str, limits: Limits) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        tok = _Token(kind, match.group(), match.start() + 1)
        if kind == "space":
            continue
        tokens.append(tok)
    return tokens


def _check_tokens(tokens: list[_Token], text: str, limits: Limits) -> None:
    """Checks that give better messages than Python's parser would."""
    depth = 0
    opened: list[int] = []
    operators = 0
    previous: _Token | None = None
    for tok in tokens:
        kind, t, col = tok.kind, tok.text, tok.column
        if kind == "other":
            _check_character(t, col)
        _check_sequence(previous, tok)
        if kind == "name":
            if keyword.iskeyword(t):
                raise ParseError(f"'{t}' is not allowed (a Python keyword)", col)
            if not _NAME_RULE.match(t):
                raise ParseError(
                    f"'{_clip(t)}' is not a valid variable name: names start with a "
                    "letter and use letters, digits and _",
                    col,
                )
            if len(t) > limits.max_name_length:
                raise ParseError(
                    f"variable name '{_clip(t)}' has {len(t)} characters; the limit "
                    f"is {limits.max_name_length}",
                    col,
                )
        elif kind == "number":
            _check_number(t, col, limits)
        elif t == "(":
            depth += 1
            opened.append(col)
            if depth > limits.max_depth:
                raise ParseError(
                    f"parentheses nested more than {limits.max_depth} deep", col
                )
        elif t == ")":
            if depth == 0:
                raise ParseError("unbalanced ')': it closes nothing", col)
            depth -= 1
            opened.pop()
        elif t == "//":
            raise ParseError("'//' (floor division) is not supported", col)
        elif t == ".":
            if previous is not None and (
                previous.kind == "name" or previous.text == ")"
            ):
                raise ParseError("attribute access ('.') is not allowed", col)
            raise ParseError("a stray '.' (not part of a number)", col)
        if kind == "op" and t in {"+", "-", "*", "/", "^", "**"}:
            operators += 1
            if operators > limits.max_operators:
                raise ParseError(
                    f"more than {limits.max_operators} operators; the limit is "
                    f"{limits.max_operators}",
                    col,
                )
        if previous is not None:
            _check_adjacent(previous, tok, text)
        previous = tok
    if opened:
        raise ParseError("unbalanced '(': it is never closed", opened[-1])
    if previous is not None and previous.text in _NEEDS_RIGHT:
        raise ParseError(
            f"the expression ends with '{previous.text}': something is missing after it",
            previous.column,
        )


_NEEDS_RIGHT = {"+", "-", "*", "/", "^", "**", "(", ","}
_NEEDS_LEFT = {"*", "/", "^", "**", ",", ")"}


def _check_sequence(prev: _Token | None, tok: _Token) -> None:
    """An operator with nothing on its left: ``* x``, ``x + * y``, ``(,``, ``()``."""
    if tok.text not in _NEEDS_LEFT:
        return
    if prev is None:
        raise ParseError(
            f"the expression starts with '{tok.text}': something is missing before it",
            tok.column,
        )
    if prev.text in _NEEDS_RIGHT:
        if prev.text == "(" and tok.text == ")":
            return  # an empty call such as log(): its arity message is clearer
        if prev.text in {"(", ","} and tok.text in {"*", "**"}:
            raise ParseError("'*' unpacking is not allowed", tok.column)
        raise ParseError(
            f"'{tok.text}' cannot follow '{prev.text}': something is missing between them",
            tok.column,
        )


def _check_number(t: str, col: int, limits: Limits) -> None:
    is_int = not any(c in t for c in ".eE")
    if is_int and len(t) > limits.max_int_digits:
        raise ParseError(
            f"integer literal has {len(t)} digits; the limit is "
            f"{limits.max_int_digits} (write a large number as 1e20)",
            col,
        )
    if not is_int:
        if len(t) > limits.max_float_chars:
            raise ParseError(
                f"number literal has {len(t)} characters; the limit is "
                f"{limits.max_float_chars}",
                col,
            )
        if not math.isfinite(float(t)):
            raise ParseError(f"number {t} is too large for a double", col)


def _ends_operand(tok: _Token) -> bool:
    return tok.kind in {"number", "name"} or tok.text == ")"


def _check_adjacent(prev: _Token, tok: _Token, text: str) -> None:
    """Two operands side by side: say which operator is missing."""
    if not _ends_operand(prev):
        return
    starts = tok.kind in {"number", "name"} or tok.text == "("
    if not starts:
        return
    touching = prev.column + len(prev.text) == tok.column
    shown = text[prev.column - 1 : tok.column - 1 + len(tok.text)]
    if prev.kind == "name" and tok.text == "(":
        return  # a call; the walk checks the name
    if prev.kind == "number" and tok.kind == "name" and tok.text in {"j", "J"} and touching:
        raise ParseError("complex numbers are not supported", prev.column)
    if prev.kind == "name" and prev.text in FUNCTIONS:
        raise ParseError(
            f"'{prev.text}' is a function: write {prev.text}(...) with parentheses",
            prev.column,
        )
    if prev.kind == "number" and tok.kind != "number":
        joined = f"{prev.text}*{tok.text}" if tok.kind == "name" else f"{prev.text}*("
        raise ParseError(f"missing '*' in '{_clip(shown)}': write {joined}", prev.column)
    if prev.text == ")":
        raise ParseError(
            f"missing '*' in '{_clip(shown)}': write ')*{tok.text}'", tok.column
        )
    raise ParseError(
        f"two terms side by side in '{_clip(shown)}': is a '*' or another operator "
        "missing?",
        tok.column,
    )


def _clip(s: str, n: int = 30) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _rewrite_caret(tokens: list[_Token]) -> tuple[str, list[int]]:
    """Join tokens into Python source with ``^`` as ``**``; map columns back."""
    parts: list[str] = []
    columns: list[int] = []
    for tok in tokens:
        t = "**" if tok.text == "^" else tok.text
        parts.append(t + " ")
        columns.extend([tok.column] * (len(t) + 1))
    return "".join(parts), columns


# ---------------------------------------------------------------------------
# The walk over Python's syntax tree


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


class _Builder:
    def __init__(self, limits: Limits, columns: list[int]) -> None:
        self.limits = limits
        self.columns = columns
        self.count = 0
        self.symbols: dict[str, sp.Symbol] = {}
        #: subexpressions as written whose domain SymPy's evaluation may remove
        #: (``sqrt(x)*sqrt(x)`` becomes ``x``): unevaluated, one per division, power
        #: and domain-restricted call on a variable
        self.guards: list[sp.Expr] = []

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
                built[id(node)] = self.combine(node, built)
        self.count = count  # the node limit holds across the components of a vector
        return built[id(body)].sympy()

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
            if name not in FUNCTIONS:
                self.fail(
                    f"unknown function '{_clip(name)}'; known functions: "
                    + ", ".join(sorted({k for k in FUNCTIONS if k.islower()})),
                    node,
                )
            if node.keywords:
                self.fail("keyword arguments are not allowed", node)
            for arg in node.args:
                if isinstance(arg, ast.Starred):
                    self.fail("'*' unpacking is not allowed", arg)
            spec = FUNCTIONS[name]
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
        if name in _CONSTANTS:
            expr, shadow = _CONSTANTS[name]
            return _Built(expr=expr, shadow=shadow)
        if name in FUNCTIONS:
            self.fail(f"'{name}' is a function: write {name}(...)", node)
        if name in _RESERVED:
            self.fail(f"'{name}' is reserved: {_RESERVED[name]}", node)
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
        spec = FUNCTIONS[name]
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
        if name in _GUARDED and args[0].shadow is None:
            self.guards.append(spec.build(args[0].sympy(), evaluate=False))
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


def _arity_message(name: str, spec: _Function, n: int) -> str:
    if spec.max_args is None:
        wanted = f"{spec.min_args} or more arguments"
    elif spec.min_args == spec.max_args:
        wanted = f"{spec.min_args} argument" + ("s" if spec.min_args > 1 else "")
    else:
        wanted = f"{spec.min_args} or {spec.max_args} arguments"
    return f"{name}() takes {wanted}, got {n}"


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e18 else f"{v:g}"


def _syntax_message(err: SyntaxError, source: str, columns: list[int]) -> ParseError:
    offset = (err.offset or 1) - 1
    col = columns[min(offset, len(columns) - 1)] if columns else None
    at_end = not source[offset:].strip()
    msg = (err.msg or "invalid syntax").split(".")[0]
    if "forgot a comma" in (err.msg or ""):
        return ParseError("two terms side by side: is a '*' missing?", col)
    if at_end or "never closed" in msg or "unexpected EOF" in msg:
        return ParseError("the expression ends too early: something is missing at the end", col)
    near = source[offset:].split(" ")[0] or source[offset : offset + 1]
    return ParseError(f"syntax error near '{_clip(near)}'", col)


def _from_sympy(expr: sp.Basic) -> sp.Expr:
    """Accept a SymPy expression: every symbol becomes a real symbol of the same name."""
    if not isinstance(expr, sp.Expr):
        raise ParseError(f"expected a SymPy expression, got {type(expr).__name__}")
    swap = {
        s: sp.Symbol(s.name, real=True)
        for s in expr.free_symbols
        if isinstance(s, sp.Symbol) and not s.is_real
    }
    expr = expr.xreplace(swap) if swap else expr
    _check_folded_constants(expr)
    return expr


def parse(text: str | sp.Expr, limits: Limits = DEFAULT_LIMITS) -> sp.Expr:
    """Turn expression text (or a SymPy expression) into a SymPy expression, safely.

    Accepted: numbers, variable names, ``+ - * / **`` and ``^`` (power), unary signs,
    parentheses, ``pi``, ``e``/``E`` and the functions in ``FUNCTIONS``.  Variables are
    real SymPy symbols.  Anything else raises ``ParseError`` with a one-line message
    that names what was refused and where.
    """
    if isinstance(text, sp.Basic):
        return _from_sympy(text)
    return _parse_text(text, limits, vector=False)[0]


@dataclass(frozen=True)
class Parsed:
    """f as the user wrote it: its components, and the subexpressions with a restricted
    domain that SymPy's automatic evaluation rewrote away (``sqrt(x)*sqrt(x)`` is
    ``x`` to SymPy, but undefined at -1).  ``build_graph(outputs, guards=guards)``
    evaluates the guards with f, so f stays undefined wherever what was written is."""

    outputs: list[sp.Expr]
    guards: list[sp.Expr]

    @property
    def variables(self) -> list[str]:
        """Every variable written, also one that SymPy's evaluation cancelled."""
        return variables_of(self.outputs + self.guards)


def parse_function(text: Any, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """``parse_outputs`` with the domain guards of what was written (none for SymPy
    input: SymPy has already evaluated it)."""
    if not isinstance(text, str):
        return Parsed(parse_outputs(text, limits), [])
    exprs, guards = _parse_text(text, limits, vector=True, with_guards=True)
    present: set[sp.Basic] = set()
    for e in exprs:
        present.update(sp.preorder_traversal(e))
    kept = list(dict.fromkeys(g for g in guards if g not in present))
    return Parsed(exprs, kept)


def parse_outputs(text: Any, limits: Limits = DEFAULT_LIMITS) -> list[sp.Expr]:
    """Like ``parse``, but a comma-separated list (``"log(x1*x2)*sin(x2), x1**2"``), or
    a SymPy Matrix, list or tuple, gives a vector-valued function: one expression per
    component."""
    if isinstance(text, sp.MatrixBase):
        return [_from_sympy(e) for e in text]
    if isinstance(text, list | tuple):
        if not text:
            raise ParseError("an empty list of expressions")
        return [parse(e, limits) for e in text]
    if isinstance(text, sp.Basic):
        return [_from_sympy(text)]
    return _parse_text(text, limits, vector=True)


def _parse_text(text: Any, limits: Limits, vector: bool, with_guards: bool = False) -> Any:
    if not isinstance(text, str):
        raise ParseError(
            f"expected expression text or a SymPy expression, got {type(text).__name__}"
        )
    if len(text) > limits.max_length:
        raise ParseError(
            f"the expression has {len(text):,} characters; the limit is "
            f"{limits.max_length:,} (see Limits.max_length)"
        )
    stripped = text.strip(" \t\r\n")
    if not stripped:
        raise ParseError("empty expression: type something like 4*x**3 + x**2 + 3")
    lead = len(text) - len(text.lstrip(" \t\r\n"))
    tokens = _tokenize(stripped, limits)
    for tok in tokens:
        tok.column += lead
    _check_tokens(tokens, text, limits)
    source, columns = _rewrite_caret(tokens)
    try:
        with time_budget(limits.parse_seconds, "parsing the expression"):
            try:
                tree = ast.parse(source, mode="eval")
            except SyntaxError as err:
                raise _syntax_message(err, source, columns) from None
            except (RecursionError, MemoryError):
                raise ParseError("the expression is nested too deeply") from None
            builder = _Builder(limits, columns)
            parts = tree.body.elts if vector and isinstance(tree.body, ast.Tuple) else [tree.body]
            exprs = [builder.build(part) for part in parts]
    except BudgetExceeded as err:
        raise ParseError(f"{err.message} (see Limits.parse_seconds)") from None
    except RecursionError:
        raise ParseError("the expression is nested too deeply for SymPy") from None
    except (TypeError, ValueError, ArithmeticError) as err:
        # SymPy refuses some combinations itself, e.g. max() of a possibly complex value
        raise ParseError(f"SymPy cannot build this expression: {_clip(str(err), 80)}") from None
    for expr in exprs:
        if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise ParseError("the expression divides by zero or is not finite")
        if expr.has(sp.I):
            raise ParseError("the expression is not real (complex numbers are not supported)")
        _check_folded_constants(expr)
    return (exprs, builder.guards) if with_guards else exprs


def _check_folded_constants(expr: sp.Expr) -> None:
    """SymPy folds constants exactly (``x*1e200*1e200`` becomes ``1e400*x``): each one
    must still be a double, or f in float64 would not be the f that was written."""
    for number in expr.atoms(sp.Number):
        if number.is_Rational and max(int(number.p).bit_length(),
                                      int(number.q).bit_length()) > 4096:
            raise ParseError(f"an exact constant of about {int(int(number.p).bit_length() * 0.30103):,}"
                             " digits is too large (the limit is 4,096 bits)")
        try:
            value = float(number)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value) and number.is_finite:
            raise ParseError(f"the constant {_clip(str(number), 30)} (folded from the "
                             "expression) overflows double precision")
        if value == 0 and number != 0:
            raise ParseError(f"the constant {_clip(str(number), 30)} (folded from the "
                             "expression) underflows double precision to 0")


def variables_of(expr: sp.Expr | list[sp.Expr]) -> list[str]:
    """The sorted names of the free variables of ``expr`` (or of several)."""
    exprs = expr if isinstance(expr, list) else [expr]
    return sorted({s.name for e in exprs for s in e.free_symbols})
