"""Expression text, character by character and token by token, before Python's ``ast``
sees it: ASCII only, with hints for look-alikes (``×`` → ``*``) and a missing ``*``
(``2x``), and the limits on length, operators and literal sizes."""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
from dataclasses import dataclass

from diffkit.support.errors import ParseError
from diffkit.support.limits import Limits
from diffkit.table.vocabulary import clip, functions

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


def tokenize(text: str, limits: Limits) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        tok = _Token(kind, match.group(), match.start() + 1)
        if kind == "space":
            continue
        tokens.append(tok)
    return tokens


def check_tokens(tokens: list[_Token], text: str, limits: Limits) -> None:
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
                    f"'{clip(t)}' is not a valid variable name: names start with a "
                    "letter and use letters, digits and _",
                    col,
                )
            if len(t) > limits.max_name_length:
                raise ParseError(
                    f"variable name '{clip(t)}' has {len(t)} characters; the limit "
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
    if prev.kind == "name" and prev.text in functions():
        raise ParseError(
            f"'{prev.text}' is a function: write {prev.text}(...) with parentheses",
            prev.column,
        )
    if prev.kind == "number" and tok.kind != "number":
        joined = f"{prev.text}*{tok.text}" if tok.kind == "name" else f"{prev.text}*("
        raise ParseError(f"missing '*' in '{clip(shown)}': write {joined}", prev.column)
    if prev.text == ")":
        raise ParseError(
            f"missing '*' in '{clip(shown)}': write ')*{tok.text}'", tok.column
        )
    raise ParseError(
        f"two terms side by side in '{clip(shown)}': is a '*' or another operator "
        "missing?",
        tok.column,
    )



def rewrite_caret(tokens: list[_Token]) -> tuple[str, list[int]]:
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
