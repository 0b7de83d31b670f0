"""The parser accepts the documented grammar and refuses everything else in one line."""

import time

import pytest
import sympy as sp

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


REFUSALS = [
    ("__import__('os').getpid()", "'__import__' is not a valid variable name"),
    ("os.system('ls')", "attribute access"),
    ("__import__", "not a valid variable name"),
    ("x.__class__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "not allowed"),
    ("(lambda: 1)()", "'lambda' is not allowed"),
    ("[i for i in x]", "'['"),
    ("sum(x)", "unknown function 'sum'"),
    ("eval(x)", "unknown function 'eval'"),
    ("exec(x)", "unknown function 'exec'"),
    ("getattr(x, y)", "unknown function 'getattr'"),
    ("factorial(10**9)", "unknown function 'factorial'"),
    ("x[0]", "'['"),
    ("sin(x=1)", "'='"),
    ("sin(*x)", "unpacking"),
    ("'x'", "quotes"),
    ('f"{x}"', "quotes"),
    ("x if y else z", "'if' is not allowed"),
    ("(y := 3)", "':'"),
    ("x == 1", "'='"),
    ("x > 0", "comparisons"),
    ("x and y", "'and' is not allowed"),
    ("not x", "'not' is not allowed"),
    ("~x", "'~'"),
    ("x % 2", "'%'"),
    ("x @ y", "'@'"),
    ("x; y", "';'"),
    ("x // 2", "'//'"),
    ("x, y", "tuple"),
    ("True", "'True' is not allowed"),
    ("None", "'None' is not allowed"),
    ("1j*x", "complex numbers"),
    ("I*x", "complex numbers"),
    ("_x + 1", "not a valid variable name"),
    ("9**9**9**9", "exponent"),
    ("2**10**10", "exponent"),
    ("x**(10**10)", "exponent"),
    ("x**(10**100)", "exponent 1e+100 is too large"),
    ("2**100000", "exponent"),
    ("(2**1000)**1000", "overflows double precision"),
    ("10**1000*10**1000", "overflows double precision"),
    ("x + exp(1000)", "overflows double precision"),
    ("exp(exp(exp(10*e))) + 1", "overflows double precision"),
    ("sqrt(-1)*x", "not a real number"),
    ("log(-2) + x", "not a real number"),
    ("(-8)^(1/3)*x", "not a real number"),
    ("1" * 5000, "integer literal has 5000 digits"),
    ("12345678901234567890*x", "integer literal has 20 digits"),
    ("1e309*x", "too large for a double"),
    ("(" * 5000 + "x" + ")" * 5000, "the limit is 10,000"),
    ("(" * 100 + "x" + ")" * 100, "nested more than 64"),
    ("-" * 1000 + "x", "nested more than 64"),
    ("x**" * 100 + "x", "nested more than 64"),
    ("sin(" * 70 + "x" + ")" * 70, "nested more than 64"),
    ("x" * 2_000_000, "the limit is 10,000"),
    ("x+" * 2500 + "x", "operators"),
    (" " * 20_000, "the limit is 10,000"),
    ("x" * 40, "the limit is 32"),
    ("", "empty expression"),
    ("   ", "empty expression"),
    ("(x + 1", "unbalanced '('"),
    ("x + 1)", "unbalanced ')'"),
    ("x +", "ends with '+'"),
    ("* x", "starts with '*'"),
    ("sin x", "write sin(...)"),
    ("x y", "side by side"),
    ("2x", "write 2*x"),
    ("2(x+1)", "missing '*'"),
    ("1e-3x", "write 1e-3*x"),
    ("(x+1)(x-1)", "missing '*'"),
    ("sin", "'sin' is a function"),
    ("x / 0", "division by zero"),
    ("0/0 + x", "division by zero"),
    ("x/(1-1)", "division by zero"),
    ("log(0) + x", "domain"),
    ("sin(x, y)", "sin() takes 1 argument, got 2"),
    ("log()", "log() takes 1 or 2 arguments, got 0"),
    ("max(x)", "max() takes 2 or more arguments, got 1"),
    ("foo(x)", "unknown function 'foo'"),
    ("x × 2", "type *"),
    ("x − 1", "type -"),
    ("x²", "type **2"),
    ("２*x", "type '2'"),
    ("ｘ + 1", "type 'x'"),
    ("𝑥 + 1", "type 'x'"),
    ("ﬁ + 1", "type 'fi'"),
    ("х + 1", "CYRILLIC SMALL LETTER HA"),
    ("π*x", "type pi"),
    ("x\u200b+1", "U+200B"),
    ("x\x00", "U+0000"),
    ("x\n+1", "line break"),
    ("log(x, 1)", "base"),
]


@pytest.mark.parametrize(("text", "phrase"), REFUSALS, ids=[repr(t[:30]) for t, _ in REFUSALS])
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
