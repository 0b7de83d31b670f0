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


def _as_python(expr):
    """The SymPy tree as a Python function of x (an array) and y (a number), written
    with diffkit's functions and numpy operators, the way a user would write it."""
    import functools

    import numpy as np

    functions = {sp.sin: diffkit.sin, sp.cos: diffkit.cos, sp.atan: diffkit.arctan,
                 sp.tanh: diffkit.tanh, sp.exp: diffkit.exp, sp.log: diffkit.log,
                 sp.asinh: np.arcsinh}

    def build(e):
        if e == x:
            return lambda xv, yv: xv
        if e == y:
            return lambda xv, yv: yv
        if e.is_Number:
            return lambda xv, yv, c=float(e): c
        if e.is_Add or e.is_Mul:
            parts = [build(a) for a in e.args]
            join = (lambda a, b: a + b) if e.is_Add else (lambda a, b: a * b)
            return lambda xv, yv: functools.reduce(join, [p(xv, yv) for p in parts])
        if e.is_Pow:
            base, power = build(e.base), e.exp
            if power == sp.Rational(1, 2):
                return lambda xv, yv: diffkit.sqrt(base(xv, yv))
            if power == sp.Rational(-1, 2):
                return lambda xv, yv: 1.0 / diffkit.sqrt(base(xv, yv))
            if not power.is_Integer:  # (y**2 + 1)**(3/2): a real power of a positive base
                return lambda xv, yv, p=float(power): base(xv, yv) ** p
            return lambda xv, yv, n=int(power): base(xv, yv) ** n
        inner = build(e.args[0])
        return lambda xv, yv, fn=functions[e.func]: fn(inner(xv, yv))

    return build(expr)


@settings(max_examples=100, deadline=None)
@given(expressions, points, points, points)
def test_recorded_reverse_mode_on_arrays_agrees_with_sympy(expr, p0, p1, py):
    """A Python function over an array x (broadcast against a number y): the gradient
    of Σ f(xᵢ, y) is ∂f/∂x at each xᵢ and Σ ∂f/∂y."""
    import numpy as np

    f = _as_python(expr)
    xs = np.array([p0, p1])
    gx, gy = diffkit.gradient(lambda xv, yv: diffkit.sum(f(xv, yv) + 0.0 * xv), at=(xs, py))
    with mpmath.workdps(50):
        for k, xk in enumerate(xs):
            subs = {x: sp.Float(xk, 50), y: sp.Float(py, 50)}
            exact = mpmath.mpf(sp.Float(sp.diff(expr, x).evalf(50, subs=subs), 50))
            assert abs(mpmath.mpf(gx[k]) - exact) <= 1e-12 * max(abs(exact), 1)
        exact_y = sum(mpmath.mpf(sp.Float(sp.diff(expr, y).evalf(50, subs={x: sp.Float(v, 50), y: sp.Float(py, 50)}), 50))
                      for v in xs)
        assert abs(mpmath.mpf(gy) - exact_y) <= 1e-12 * max(abs(exact_y), 1)
