"""Vector-valued expressions: Jacobians by every method, in numerator layout."""

import json

import mpmath
import pytest
import sympy as sp
from cli_runner import diffkit_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import diffkit

x1, x2, x3 = sp.symbols("x1 x2 x3", real=True)


def sympy_jacobian(exprs, point):
    names = sorted({s.name for e in exprs for s in e.free_symbols})
    symbols = [sp.Symbol(n, real=True) for n in names]
    subs = {s: sp.Float(point[s.name], 40) for s in symbols}
    return [[float(sp.diff(e, s).evalf(40, subs=subs)) for s in symbols] for e in exprs]


def test_the_issue_example_jacobian():
    c = diffkit.compare("log(x1*x2)*sin(x2), x1**2 + 2*x2**2", at={"x1": 1, "x2": 1})
    exact = sympy_jacobian([sp.log(x1 * x2) * sp.sin(x2), x1**2 + 2 * x2**2], {"x1": 1, "x2": 1})
    for row, exact_row in zip(c.reference_jacobian, exact, strict=True):
        assert row == pytest.approx(exact_row, rel=1e-15)
    assert c.value == [0.0, 3.0]
    for r in c.results:
        assert r.error is None, r.method
        assert r.derivative is None  # a vector f has a Jacobian, not a gradient
        assert len(r.jacobian) == 2
        assert len(r.jacobian[0]) == 2
    assert c.result("reverse-mode").rel_error < 1e-15
    assert c.result("forward-mode").rel_error < 1e-15


def test_forward_mode_builds_columns_and_reverse_mode_rows():
    # 1 output, 3 inputs: reverse needs 1 pass, forward 3; 3 outputs, 1 input: the opposite
    wide = diffkit.compare("x1*x2*x3", at="x1=1,x2=2,x3=3", methods=["forward-mode", "reverse-mode"])
    tall = diffkit.compare("sin(x), x**2, exp(x)", at=0.5, methods=["forward-mode", "reverse-mode"])
    assert wide.result("forward-mode").evaluations == 3
    assert wide.result("reverse-mode").evaluations == 1
    assert tall.result("forward-mode").evaluations == 1
    assert tall.result("reverse-mode").evaluations == 3


outputs = st.lists(st.sampled_from([
    sp.sin(x1) * x2, x1**2 + x3, sp.exp(x2 - x3), sp.atan(x1 * x2 * x3), x1 / (1 + x2**2),
    sp.log(2 + sp.cos(x3)) * x1, sp.sqrt(1 + x1**2 + x2**2),
]), min_size=2, max_size=4, unique=True)
coordinates = st.floats(-2, 2, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(outputs, coordinates, coordinates, coordinates)
def test_every_exact_method_matches_sympys_jacobian(exprs, a, b, c):
    point = {"x1": a, "x2": b, "x3": c}
    names = sorted({s.name for e in exprs for s in e.free_symbols})
    comparison = diffkit.compare(sp.Matrix(exprs), at={n: point[n] for n in names},
                                 methods=["symbolic", "forward-mode", "reverse-mode", "complex-step"])
    exact = sympy_jacobian(exprs, point)
    for r in comparison.results:
        assert r.error is None, (r.method, r.error)
        for row, exact_row in zip(r.jacobian, exact, strict=True):
            for got, want in zip(row, exact_row, strict=True):
                assert abs(got - want) <= 1e-12 * max(1, abs(want)), r.method


def test_jacobian_json_and_csv():
    done = diffkit_cli("compare", "x*y, x+y", "--at", "x=1,y=2",
                           "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["reference_jacobian"] == [[2.0, 1.0], [1.0, 1.0]]
    assert data["reference"] is None
    assert all(r["jacobian"] == [[2.0, 1.0], [1.0, 1.0]] for r in data["results"]
               if r["method"] in ("symbolic", "forward-mode", "reverse-mode"))
    csv = diffkit_cli("compare", "x*y, x+y", "--at", "x=1,y=2",
                          "--format", "csv").stdout
    assert csv.splitlines()[0].startswith("method,df1/dx,df1/dy,df2/dx,df2/dy")


def test_scalar_results_keep_their_gradient_and_gain_a_one_row_jacobian():
    c = diffkit.compare("x1*x2", at="x1=2,x2=3", methods=["reverse-mode"])
    r = c.result("reverse-mode")
    assert r.derivative == {"x1": 3.0, "x2": 2.0}
    assert r.jacobian == [[3.0, 2.0]]
    assert c.reference_jacobian == [[3.0, 2.0]]


def test_second_derivatives_of_a_vector_are_refused_for_now():
    with pytest.raises(diffkit.DiffkitError, match="vector"):
        diffkit.compare("x*y, x+y", at="x=1,y=2", order=2)


def test_reference_for_a_jacobian_at_50_digits():
    c = diffkit.compare("exp(x1)*x2, x1 - x2**3", at="x1=0.5,x2=1.5", methods=["symbolic"])
    with mpmath.workdps(40):
        e = mpmath.exp(mpmath.mpf(0.5))
        exact = [[e * 1.5, e], [1, -3 * mpmath.mpf(1.5) ** 2]]
    for row, exact_row in zip(c.reference_jacobian, exact, strict=True):
        assert row == pytest.approx([float(v) for v in exact_row], rel=1e-15)


def test_jvp_is_the_jacobian_times_v_in_one_pass():
    point = {"x1": 0.7, "x2": -1.2, "x3": 0.4}
    exprs = [sp.sin(x1) * x2, sp.exp(x2 - x3), x1**2 + x3]
    v = {"x1": 0.5, "x2": -2.0, "x3": 1.5}
    d = diffkit.jvp(sp.Matrix(exprs), at=point, v=v)
    exact = sympy_jacobian(exprs, point)
    want = [sum(row[j] * v[n] for j, n in enumerate(["x1", "x2", "x3"])) for row in exact]
    assert d.result == pytest.approx(want, rel=1e-14)
    assert d.passes == 1


def test_vjp_is_u_times_the_jacobian_in_one_sweep():
    point = {"x1": 0.7, "x2": -1.2, "x3": 0.4}
    exprs = [sp.sin(x1) * x2, sp.exp(x2 - x3), x1**2 + x3]
    u = [1.0, -0.5, 2.0]
    d = diffkit.vjp(sp.Matrix(exprs), at=point, u=u)
    exact = sympy_jacobian(exprs, point)
    want = {n: sum(u[i] * exact[i][j] for i in range(3)) for j, n in enumerate(["x1", "x2", "x3"])}
    assert d.result == pytest.approx(want, rel=1e-14)
    with pytest.raises(diffkit.DiffkitError, match="cotangent"):
        diffkit.vjp(sp.Matrix(exprs), at=point, u=[1.0])


def test_a_vjp_of_a_scalar_costs_what_one_gradient_costs():
    grad = diffkit.compare("x1*x2*x3", at="x1=1,x2=2,x3=3", methods=["reverse-mode"]).result("reverse-mode")
    d = diffkit.vjp("x1*x2*x3", at="x1=1,x2=2,x3=3", u=1.0)
    assert d.result == {"x1": 6.0, "x2": 3.0, "x3": 2.0}  # (x2*x3, x1*x3, x1*x2) by hand
    assert d.result == grad.derivative
    assert d.ops == grad.ops


hessian_terms = st.lists(st.sampled_from([
    x1 * sp.exp(x2), x2**3, sp.sin(x1 * x3), sp.log(2 + x1**2) * x2, sp.atan(x2 - x3) * x1,
    sp.sqrt(1 + x3**2), x1**2 * x2 * x3,
]), min_size=1, max_size=4, unique=True)


@settings(max_examples=40, deadline=None)
@given(hessian_terms, coordinates, coordinates, coordinates)
def test_hessians_by_every_method_that_computes_them_match_sympys(terms, a, b, c):
    expr = sp.Add(*terms)
    point = {"x1": a, "x2": b, "x3": c}
    names = sorted(s.name for s in expr.free_symbols)
    symbols = [sp.Symbol(n, real=True) for n in names]
    subs = {s: sp.Float(point[s.name], 40) for s in symbols}
    exact = [[float(sp.diff(expr, p, q).evalf(40, subs=subs)) for q in symbols] for p in symbols]
    comparison = diffkit.compare(expr, at={n: point[n] for n in names}, hessian=True,
                                 methods=["symbolic", "forward-mode", "reverse-mode", "fd-central"])
    assert comparison.reference_hessian is not None
    for r in comparison.results:
        assert r.error is None, (r.method, r.error)
        tolerance = 1e-5 if r.method == "fd-central" else 1e-12
        for row, exact_row in zip(r.hessian, exact, strict=True):
            for got, want in zip(row, exact_row, strict=True):
                assert abs(got - want) <= tolerance * max(1, abs(want)), r.method


def test_the_issue_hessian_example_and_its_pass_counts():
    c = diffkit.compare("x1*exp(x2) + x2**3", at="x1=1,x2=2", hessian=True)
    e2 = float(mpmath.exp(2))
    assert c.reference_hessian[0] == pytest.approx([0.0, e2], abs=1e-15)
    assert c.reference_hessian[1] == pytest.approx([e2, e2 + 12], rel=1e-15)
    assert c.result("reverse-mode").evaluations == 2  # n passes of forward-over-reverse
    assert c.result("forward-mode").evaluations == 3  # n(n+1)/2 passes
    assert c.to_dict()["reference_hessian"] == c.reference_hessian
    # the table shows the methods that compute a Hessian, and names the others once
    assert [r.method for r in c.results] == ["symbolic", "fd-central", "forward-mode", "reverse-mode"]
    assert "complex-step" in c.without_hessian
    assert any(line.startswith("not shown: fd-forward") for line in c.summary_lines())
    asked = diffkit.compare("x1*exp(x2) + x2**3", at="x1=1,x2=2", hessian=True,
                            methods=["complex-step"])  # asked for by name: it says why not
    assert "does not compute Hessians" in asked.result("complex-step").error

