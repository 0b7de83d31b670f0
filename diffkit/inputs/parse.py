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
diffkit.support.errors.ParseError: missing '*' in '2x': write 2*x (column 1)
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from diffkit.inputs.scan import check_tokens, rewrite_caret, tokenize
from diffkit.inputs.syntax import Builder, syntax_message
from diffkit.support.budget import time_budget
from diffkit.support.errors import BudgetExceeded, ParseError
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.table.vocabulary import clip


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
    #: the column where each call and operation was written (text input only)
    written: dict[sp.Expr, int] = field(default_factory=dict)

    @property
    def variables(self) -> list[str]:
        """Every variable written, also one that SymPy's evaluation cancelled."""
        return variables_of(self.outputs + self.guards)


def parse_function(text: Any, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """``parse_outputs`` with the domain guards of what was written (none for SymPy
    input: SymPy has already evaluated it)."""
    if not isinstance(text, str):
        return Parsed(parse_outputs(text, limits), [])
    exprs, guards, written = _parse_text(text, limits, vector=True, with_guards=True)
    present: set[sp.Basic] = set()
    for e in exprs:
        present.update(sp.preorder_traversal(e))
    kept = list(dict.fromkeys(g for g in guards if g not in present))
    return Parsed(exprs, kept, written)


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
    tokens = tokenize(stripped, limits)
    for tok in tokens:
        tok.column += lead
    check_tokens(tokens, text, limits)
    source, columns = rewrite_caret(tokens)
    try:
        with time_budget(limits.parse_seconds, "parsing the expression"):
            try:
                tree = ast.parse(source, mode="eval")
            except SyntaxError as err:
                raise syntax_message(err, source, columns) from None
            except (RecursionError, MemoryError):
                raise ParseError("the expression is nested too deeply") from None
            builder = Builder(limits, columns)
            parts = tree.body.elts if vector and isinstance(tree.body, ast.Tuple) else [tree.body]
            exprs = [builder.build(part) for part in parts]
    except BudgetExceeded as err:
        raise ParseError(f"{err.message} (see Limits.parse_seconds)") from None
    except RecursionError:
        raise ParseError("the expression is nested too deeply for SymPy") from None
    except (TypeError, ValueError, ArithmeticError) as err:
        # SymPy refuses some combinations itself, e.g. max() of a possibly complex value
        raise ParseError(f"SymPy cannot build this expression: {clip(str(err), 80)}") from None
    for expr in exprs:
        if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise ParseError("the expression divides by zero or is not finite")
        if expr.has(sp.I):
            raise ParseError("the expression is not real (complex numbers are not supported)")
        _check_folded_constants(expr)
    return (exprs, builder.guards, builder.written) if with_guards else exprs


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
            raise ParseError(f"the constant {clip(str(number), 30)} (folded from the "
                             "expression) overflows double precision")
        if value == 0 and not number.is_zero:  # (SymPy's Float 0.0 != Integer 0)
            raise ParseError(f"the constant {clip(str(number), 30)} (folded from the "
                             "expression) underflows double precision to 0")


def variables_of(expr: sp.Expr | list[sp.Expr]) -> list[str]:
    """The sorted names of the free variables of ``expr`` (or of several)."""
    exprs = expr if isinstance(expr, list) else [expr]
    return sorted({s.name for e in exprs for s in e.free_symbols})
