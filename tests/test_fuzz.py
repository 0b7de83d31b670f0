"""Fuzzing: whatever text or expression comes in, only a clean result or a
``DiffkitError`` comes out — never another exception, and no row that reports an
internal error.  2,600 examples in all."""

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffkit
from diffkit import DiffkitError, parse

FAST = settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parses_or_refuses(text: str) -> None:
    try:
        result = parse(text)
    except DiffkitError as err:
        message = str(err)
    else:
        assert isinstance(result, sp.Expr)
        return
    assert message
    assert "\n" not in message


@FAST
@given(st.text(max_size=60))
def test_random_unicode_text(text):
    parses_or_refuses(text)


ALPHABET = "xyz012345689.eE+-*/^()[], _'\"=<>!@%&|~;:#\\$?`\t\nπ×−²ｘх"


@FAST
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_random_expression_like_text(text):
    parses_or_refuses(text)


leaf = st.one_of(
    st.sampled_from(["x", "y", "e", "E", "pi", "I", "_x", "__import__", "sin", "True", "oo"]),
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=False).map(repr),
    st.sampled_from(["1e309", "1j", "0", "0.0", "1e-320", "2.5e+2"]),
)
OPERATORS = ["+", "-", "*", "/", "**", "^", "//", "%", "@", "<", "==", " and ", " if ", ", ", ".", " "]
FUNCTIONS = ["sin", "log", "exp", "sqrt", "max", "abs", "asin", "atanh", "acosh", "foo", "eval", ""]
syntax = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(st.sampled_from(["-", "+", "not ", "~", "*"]), inner).map(lambda t: t[0] + t[1]),
        inner.map(lambda s: f"[{s}]"),
        inner.map(lambda s: f"{s}.__class__"),
    ),
    max_leaves=15,
)


@FAST
@given(syntax)
def test_random_syntax_trees_with_allowed_and_forbidden_pieces(text):
    parses_or_refuses(text)


valid_leaf = st.one_of(
    st.sampled_from(["x", "y", "e", "pi", "2", "0.5", "1e-3", "1e3", "0"]),
    st.integers(-1000, 1000).map(str),
)
valid = st.recursive(
    valid_leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        st.tuples(
            st.sampled_from(["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                             "asinh", "acosh", "atanh", "exp", "log", "sqrt", "abs", "sign"]),
            inner,
        ).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["max", "min", "log"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
    ),
    max_leaves=8,
)
points = st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, -3.5, 1e-9, 1e8, 700.0])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid, points, points)
def test_random_valid_expressions_compare_cleanly(text, px, py):
    try:
        expr = parse(text)
    except DiffkitError:
        return
    point = {s.name: (px if s.name == "x" else py) for s in expr.free_symbols}
    try:
        comparison = diffkit.compare(text, at=point or {"x": px})
    except DiffkitError:
        return
    for r in comparison.results:
        assert (r.derivative is None) != (r.error is None), r
        assert not (r.error or "").startswith("internal error"), (text, point, r.error)
    assert isinstance(comparison.to_dict(), dict)
