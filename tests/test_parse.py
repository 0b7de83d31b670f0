"""The parser accepts the documented grammar and refuses everything else in one line."""

import time

import pytest
import sympy as sp
from hostile_corpus import PARSER_ONLY, REFUSALS

from diffkit import ParseError, parse

x, y, z = sp.symbols("x y z", real=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4*x**3+x**2+3", 4 * x**3 + x**2 + 3),
        ("4*x^3 + x^2 + 3", 4 * x**3 + x**2 + 3),
        ("-x^2", -(x**2)),
        ("2^3^2 * x", 512 * x),
        ("sin(x)*exp(-x^2)/sqrt(1+x^2)", sp.sin(x) * sp.exp(-(x**2)) / sp.sqrt(1 + x**2)),
        ("log(x, 2)", sp.log(x) / sp.log(2)),
        ("abs(x) + Abs(y)", sp.Abs(x) + sp.Abs(y)),
        ("max(x, 0) + Min(x, y, z)", sp.Max(x, 0) + sp.Min(x, y, z)),
        ("sign(x)", sp.sign(x)),
        ("e**x + E*x + pi", sp.exp(x) + sp.E * x + sp.pi),
        ("asin(x)+acos(x)+atan(x)", sp.asin(x) + sp.acos(x) + sp.atan(x)),
        ("sinh(x)+cosh(x)+tanh(x)", sp.sinh(x) + sp.cosh(x) + sp.tanh(x)),
        ("asinh(x)+acosh(x)+atanh(x)", sp.asinh(x) + sp.acosh(x) + sp.atanh(x)),
        ("x - -y", x + y),
        ("x**(10**2)", x**100),
        ("exp(exp(exp(10*x))) + 1", sp.exp(sp.exp(sp.exp(10 * x))) + 1),
    ],
)
def test_parser_builds_the_expression_sympy_would(text, expected):
    assert sp.simplify(parse(text) - expected) == 0


def test_float_literals_keep_their_exact_double():
    assert parse("0.1*x") == sp.Float(0.1) * x
    assert parse("1e-3*x + .5*y - 2.5e+2") == sp.Float(0.001) * x + sp.Float(0.5) * y - sp.Float(250.0)


def test_variables_are_real_symbols_and_sympy_names_are_ordinary_variables():
    expr = parse("Energy*gamma + N + S + beta + E0")
    assert {s.name for s in expr.free_symbols} == {"Energy", "gamma", "N", "S", "beta", "E0"}
    assert all(s.is_real for s in expr.free_symbols)


def test_a_sympy_expression_is_accepted_and_its_symbols_made_real():
    plain = sp.Symbol("x")
    expr = parse(plain**2)
    assert sp.diff(parse(sp.Abs(plain)), sp.Symbol("x", real=True)) == sp.sign(
        sp.Symbol("x", real=True)
    )
    assert expr.free_symbols == {x}


def test_a_thousand_term_sum_parses_quickly():
    started = time.perf_counter()
    expr = parse("+".join(f"x{i}" for i in range(1000)))
    assert len(expr.args) == 1000
    assert time.perf_counter() - started < 5  # generous: the point is "not quadratic"




@pytest.mark.parametrize(("text", "phrase"), REFUSALS + PARSER_ONLY,
                         ids=[repr(t[:30]) for t, _ in REFUSALS + PARSER_ONLY])
def test_parser_refuses_with_a_one_line_message_naming_the_problem(text, phrase):
    with pytest.raises(ParseError) as info:
        parse(text)
    message = str(info.value)
    assert phrase in message
    assert "\n" not in message


def test_refusals_point_at_the_column():
    with pytest.raises(ParseError) as info:
        parse("x + 2y")
    assert info.value.column == 5
