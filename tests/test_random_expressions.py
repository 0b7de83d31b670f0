"""Forward and reverse mode agree with SymPy's derivative on random expression trees.

The trees are built from operations that are smooth and defined on the whole real
line, so any point is fair.  The reference is SymPy's derivative evaluated with
mpmath at 50 digits: independent of the forward and reverse interpreters.
"""

import mpmath
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import diffkit

x, y = sp.symbols("x y", real=True)

leaves = st.sampled_from([x, y, sp.Integer(2), sp.Rational(1, 3), sp.Float(0.75)])
unary = [
    sp.sin, sp.cos, sp.atan, sp.tanh, sp.asinh,
    lambda e: sp.exp(sp.sin(e)),
    lambda e: sp.sqrt(1 + e**2),
    lambda e: sp.log(2 + sp.cos(e)),
    lambda e: e**3,
]
binary = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (1 + b**2),
]

expressions = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(unary), children).map(lambda t: t[0](t[1])),
        st.tuples(st.sampled_from(binary), children, children).map(lambda t: t[0](t[1], t[2])),
    ),
    max_leaves=12,
)
points = st.floats(min_value=-2, max_value=2, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(expressions, points, points)
def test_forward_and_reverse_mode_agree_with_symbolic_to_1e_12(expr, px, py):
    if not expr.free_symbols:
        return
    comparison = diffkit.compare(expr, at={s.name: (px if s == x else py) for s in expr.free_symbols},
                                 methods=["forward-mode", "reverse-mode"])
    point = comparison.point
    with mpmath.workdps(50):
        for name in comparison.variables:
            d = sp.diff(expr, sp.Symbol(name, real=True))
            exact = d.evalf(50, subs={sp.Symbol(k, real=True): sp.Float(v, 50) for k, v in point.items()})
            exact = mpmath.mpf(sp.Float(exact, 50))
            for method in ("forward-mode", "reverse-mode"):
                got = comparison.result(method).derivative[name]
                # relative to |f'|, or to 1 where f' itself is tiny (cancellation)
                assert abs(mpmath.mpf(got) - exact) <= 1e-12 * max(abs(exact), 1), (method, name, got)


@settings(max_examples=100, deadline=None)
@given(expressions, points, points)
def test_differentiating_on_the_graph_agrees_with_sympy_diff(expr, px, py):
    from diffkit.methods.base import differentiate

    names = sorted(s.name for s in expr.free_symbols)
    if not names:
        return
    subs = {x: sp.Float(px, 30), y: sp.Float(py, 30)}
    for order in (1, 2):
        ours = differentiate(expr, names, order)
        for name, d in zip(names, ours, strict=True):
            theirs = sp.diff(expr, sp.Symbol(name, real=True), order)
            a, b = d.evalf(30, subs=subs), theirs.evalf(30, subs=subs)
            # Float coefficients (0.75) are 53-bit in SymPy: the two formulas may round apart
            assert abs(a - b) <= 1e-12 * max(1, abs(b)), (name, order, d, theirs)


def test_the_symbolic_method_differentiates_the_logistic_map_at_depth_14():
    e = x
    for _ in range(14):
        e = 4 * e * (1 - e)
    c = diffkit.compare(e, at=0.3, methods=["symbolic"])
    r = c.result("symbolic")
    assert r.error is None
    assert r.rel_error < 1e-9
    assert r.extra["expression_ops"]["tree"] > 10**8  # the swell, as printed
    assert r.extra["expression_ops"]["graph"] < 2000  # what is evaluated
