"""Python functions as f: loops and branches, autograd semantics, every method runs f.

Expected values come from SymPy, mpmath or a derivative worked out by hand, never
from the code under test.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import diffkit as dk
from diffkit.support.errors import DiffkitError, EvaluationError, PointError

#: the methods that follow f's branches at the point (symbolic and compiled need a formula)
NUMERIC = [m for m in dk.METHODS if m not in ("symbolic", "compiled")]


def doubling(a):
    """The issue's control-flow example: a·2ᵏ for the first k with |a·2ᵏ| ≥ 1000,
    times 100 when negative — piecewise linear, so f'(a) = f(a)/a."""
    b = a * 2
    while dk.abs(b) < 1000:
        b = b * 2
    return b if b > 0 else 100 * b


@pytest.mark.parametrize("a", [0.37, -0.37, 3.3, -41.0, 1e-3])
def test_control_flow_derivative_is_f_over_a_by_every_numeric_method(a):
    expected = doubling(a) / a  # exact: a power of two (times 100)
    c = dk.compare(doubling, at=a)
    for method in NUMERIC:
        r = c.result(method)
        assert r.error is None, (method, r.error)
        assert r.derivative["a"] == pytest.approx(expected, rel=1e-6), method
    for method in ("fd-richardson", "fd-extended", "complex-step", "forward-mode", "reverse-mode"):
        assert c.result(method).derivative["a"] == pytest.approx(expected, rel=1e-13), method
    assert c.reference == {"a": expected}


def test_symbolic_row_says_why_a_value_dependent_branch_cannot_be_traced():
    c = dk.compare(doubling, at=0.37)
    assert "branches on a value" in c.result("symbolic").error
    assert c.reference_method == "high-precision differences"


def test_gradient_derivative_and_jvp_of_the_control_flow_function():
    assert dk.gradient(doubling, at=0.37) == 4096.0
    assert dk.derivative(doubling, at=-0.37) == 409600.0
    assert float(np.asarray(dk.jvp(doubling, at=0.37, tangent=2.0))) == 8192.0


def test_gradient_of_squared_error_loss_is_two_xt_residual():
    X, y = np.random.default_rng(0).normal(size=(5, 3)), np.arange(5.0)
    w = np.array([0.5, -1.0, 2.0])
    g = dk.gradient(lambda w: dk.sum((X @ w - y) ** 2), at=w)
    np.testing.assert_allclose(g, 2 * X.T @ (X @ w - y), rtol=1e-13)
    assert g.shape == w.shape


def test_gradient_of_two_dot_x_x():
    np.testing.assert_array_equal(dk.gradient(lambda x: 2 * dk.dot(x, x), at=np.arange(4.0)),
                                  [0.0, 4.0, 8.0, 12.0])


def test_stop_gradient_detaches_its_argument():
    x = np.arange(4.0)
    g = dk.gradient(lambda x: dk.sum(dk.stop_gradient(x * x) * x), at=x)
    np.testing.assert_array_equal(g, x * x)  # d/dx of c·x with c = x² held fixed


def test_vjp_with_a_cotangent_is_the_weighted_sum_of_per_output_gradients():
    x = np.arange(4.0)
    np.testing.assert_array_equal(dk.vjp(lambda x: x * x, at=x, cotangent=np.ones(4)), 2 * x)
    u = np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_array_equal(dk.vjp(lambda x: x * x, at=x, cotangent=u), 2 * x * u)
    np.testing.assert_array_equal(dk.gradient(lambda x: x * x, at=x, cotangent=u), 2 * x * u)


def test_vjp_of_an_expression_still_returns_one_value_per_variable():
    d = dk.vjp("x1*x2, x1 + x2", at={"x1": 2, "x2": 3}, u=[1, -1])
    assert d.result == {"x1": 2.0, "x2": 1.0}  # 1·(3, 2) − 1·(1, 1)


def test_gradient_of_an_array_output_needs_a_cotangent():
    with pytest.raises(DiffkitError, match="cotangent"):
        dk.gradient(lambda x: x * x, at=np.arange(3.0))
    with pytest.raises(DiffkitError, match="shape"):
        dk.vjp(lambda x: x * x, at=np.arange(3.0), cotangent=np.ones(2))


def test_several_arguments_as_a_tuple_or_a_dict():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    ga, gb = dk.gradient(lambda a, b: dk.sum(a * b) + a[0] ** 2, at=(a, b))
    np.testing.assert_array_equal(ga, b + np.array([2 * a[0], 0.0]))
    np.testing.assert_array_equal(gb, a)
    g = dk.gradient(lambda a, b: dk.sum(a * b), at={"a": a, "b": b})
    assert set(g) == {"a", "b"}
    np.testing.assert_array_equal(g["b"], a)


def test_derivatives_of_every_order_match_sympy():
    t = sp.Symbol("t")
    for order in (1, 2, 3, 4):
        exact = float(sp.diff(sp.sin(t) * sp.exp(t), t, order).subs(t, 0.7))
        got = dk.derivative(lambda x: dk.sin(x) * np.exp(x), at=0.7, order=order)
        assert got == pytest.approx(exact, rel=1e-13)


def test_jacobian_is_in_numerator_layout():
    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(dk.jacobian(lambda x: A @ x, at=np.ones(3)), A)  # reverse
    x = np.array([1.0, 2.0])
    J = dk.jacobian(lambda x: dk.reshape(x[:, None] * x[None, :], (4,)), at=x)  # forward
    # ∂(xᵢxⱼ)/∂xₖ = δᵢₖxⱼ + xᵢδⱼₖ
    expected = np.array([[2 * x[0], 0], [x[1], x[0]], [x[1], x[0]], [0, 2 * x[1]]])
    np.testing.assert_array_equal(J, expected)
    assert dk.jacobian(lambda x: x * x, at=3.0) == 6.0


def test_hessian_of_a_function_matches_sympy():
    s = sp.symbols("s0:3")
    f_sym = s[0] ** 3 + s[1] ** 3 + s[2] ** 3 + s[0] * s[1] + sp.sin(s[2]) * s[1]
    x = np.array([0.5, -1.5, 2.0])
    exact = np.array(sp.hessian(f_sym, s).subs(dict(zip(s, x, strict=True))), dtype=float)
    got = dk.hessian(lambda v: dk.sum(v ** 3) + v[0] * v[1] + dk.sin(v[2]) * v[1], at=x)
    np.testing.assert_allclose(got, exact, rtol=1e-13, atol=1e-15)


def test_compare_of_a_loss_agrees_with_the_hand_gradient_in_every_row():
    X, y = np.random.default_rng(1).normal(size=(4, 3)), np.arange(4.0)
    w = np.array([1.0, 0.5, -0.25])
    c = dk.compare(lambda w: dk.sum((X @ w - y) ** 2), at=w)
    expected = 2 * X.T @ (X @ w - y)
    for r in c.results:
        assert r.error is None, (r.method, r.error)
        got = np.array(list(r.derivative.values()))
        tol = 1e-5 if r.method in ("fd-forward", "fd-backward") else 1e-9
        np.testing.assert_allclose(got, expected, rtol=tol, err_msg=r.method)
    assert c.variables == ["w[0]", "w[1]", "w[2]"]
    assert c.reference_method == "sympy.diff"


def test_compare_reports_what_f_raises_in_one_line():
    def broken(x):
        raise ValueError("no such thing")

    with pytest.raises(EvaluationError, match="f raised ValueError: no such thing"):
        dk.compare(broken, at=1.0)


def test_math_functions_on_differentiating_values_give_a_clear_error():
    with pytest.raises(DiffkitError, match=r"math\.sin"):
        dk.gradient(lambda x: math.sin(x), at=1.0)


def test_writing_into_an_array_is_refused_with_what_to_write_instead():
    def into_plain(x):
        y = np.zeros(3)
        y[1] = x[0]  # numpy cannot hold a derivative
        return np.sum(y * x)

    def into_recorded(x):
        y = x * 1.0
        y[0] = 5.0
        return np.sum(y)

    x = np.array([1.0, 2.0, 3.0])
    for method in (dk.gradient, dk.jacobian):
        with pytest.raises(EvaluationError, match=r"y\[i\] = x\[0\].*np\.stack"):
            method(into_plain, x)
        with pytest.raises(DiffkitError, match=r"in place.*build a new array"):
            method(into_recorded, x)


def test_a_branch_on_set_membership_or_a_dict_lookup_follows_the_value():
    # a recorded value hashes as its number does: the branch a plain float takes
    in_set = lambda v: v * 2.0 if v in {2.0, 7.0} else v * 3.0  # slope 2 at 2
    looked_up = lambda v: {2.0: 5.0}.get(v, 1.0) * v  # slope 5 at 2
    for method in (dk.gradient, dk.derivative, dk.jacobian):
        assert float(method(in_set, 2.0)) == 2.0
        assert float(method(looked_up, 2.0)) == 5.0
    with pytest.raises(EvaluationError, match="unhashable"):  # as numpy's arrays are
        dk.gradient(lambda x: {x: 1.0}[x], np.ones(2))


@pytest.mark.parametrize("f", [
    lambda x: x * 2.0 if x == 2.0 else x * 3.0,
    lambda x: x * 3.0 if x != 2.0 else x * 2.0,
    lambda x: x * 2.0 if x in [2.0] else x * 3.0,
    lambda x: x * 2.0 if x in {2.0} else x * 3.0,
    lambda x: {2.0: 5.0}.get(x, 1.0) * x,
], ids=["==", "!=", "in list", "in set", "dict lookup"])
def test_an_equality_or_lookup_on_a_symbol_is_a_branch_not_one_formula(f):
    # on a symbol, x == 2.0 has no answer; SymPy's "not the same tree" took the other
    # branch and made 3x the formula, the reference and the compiled program
    comparison = dk.compare(f, 2.0)
    rows = {r.method: r for r in comparison.results}
    assert "branches on a value" in rows["symbolic"].error
    assert "branches on a value" in rows["compiled"].error
    # f is one value at 2 and another everywhere near it: no derivative, no reference
    assert comparison.reference is None
    assert "f jumps at this point along x" in comparison.reference_error
    with pytest.raises(dk.UnsupportedError, match="branches on a value"):
        dk.compile(f)
    same = lambda x: x * 2.0 if x == x else x * 3.0  # noqa: PLR0124  (always true: one formula)
    assert dk.compile(same)(2.0) == (2.0,)
    # a comparison with what is no number is Python's (False), not an equation
    assert dk.compile(lambda x: x * 2.0 if x == None else x * 3.0)(2.0) == (3.0,)


@pytest.mark.parametrize(("f", "name"), [
    (lambda x: np.real(x) ** 2, "numpy.real"), (lambda x: np.conj(x) * x, "numpy.conjugate"),
])
def test_the_complex_step_refuses_real_and_conj_as_it_refuses_abs(f, name):
    # numpy's real(x + ih)**2 has no imaginary part: the complex step of the f the user
    # wrote is 0, not the 3 that diffkit's real-number rule (the identity) would give
    comparison = dk.compare(f, 1.5)
    row = comparison.result("complex-step")
    assert row.error == f"the complex step needs an analytic function, and {name} is not: use another method"
    assert comparison.result("reverse-mode").derivative == {"x": 3.0}  # 2x at 1.5, by hand


def test_a_dict_point_names_f_arguments_and_a_wrong_name_is_refused_before_f_runs():
    assert dk.gradient(lambda a, b: a * b, {"a": 2.0, "b": 3.0}) == {"a": 3.0, "b": 2.0}
    assert dk.gradient(lambda **kw: kw["a"] * kw["b"], {"a": 2.0, "b": 3.0}) == {"a": 3.0, "b": 2.0}
    with pytest.raises(PointError, match=r"f has no argument a, b \(it takes d\)"):
        dk.gradient(lambda d: d["a"] * d["b"], {"a": 2.0, "b": 3.0})


def test_leaving_the_domain_is_reported_with_the_primitive():
    with pytest.raises(EvaluationError, match="log is undefined"):
        dk.gradient(lambda x: dk.sum(dk.log(x)), at=np.array([1.0, -1.0]))


def test_a_value_kept_from_an_earlier_call_is_refused():
    kept = []

    def leaky(x):
        kept.append(x)
        return x * kept[0]

    dk.gradient(leaky, at=1.0)
    with pytest.raises(DiffkitError, match="earlier call"):
        dk.gradient(leaky, at=2.0)


def test_recorded_graph_traces_like_the_survey_example():
    t = dk.trace(lambda x1, x2: dk.log(x1) + x1 * x2 - dk.sin(x2), at=(2.0, 5.0), mode="reverse")
    assert t.gradient["x1"] == 5.5
    assert t.gradient["x2"] == pytest.approx(float(2 - mpmath.cos(5)), rel=1e-15)
    text = str(dk.record(lambda w: dk.sum(dk.tanh(w) ** 2), at=np.ones(3)))
    assert text.splitlines() == ["v0 = w", "v1 = tanh(v0)", "v2 = v1**2", "v3 = sum(v2)"]


def test_sweep_of_a_python_function_finds_the_central_difference_minimum():
    s = dk.sweep(lambda x: dk.sin(x) * dk.exp(x), at=1.0)
    assert s.exact == pytest.approx(math.exp(1) * (math.sin(1) + math.cos(1)), rel=1e-15)
    assert s.best["fd-central"]["error"] < 1e-10
    assert 1e-7 < s.best["fd-central"]["step"] < 1e-4


def test_numpy_functions_on_recorded_values_become_array_primitives():
    X = np.arange(6.0).reshape(2, 3)
    w = np.array([1.0, -2.0, 0.5])
    g = dk.gradient(lambda w: np.sum(np.dot(X, w) ** 2) + np.mean(w) + np.linalg.norm(w), at=w)
    expected = 2 * X.T @ (X @ w) + 1 / 3 + w / np.sqrt(w @ w)  # by hand
    np.testing.assert_allclose(g, expected, rtol=1e-14)
    graph = str(dk.record(lambda w: np.sum(np.dot(X, w)), at=w))
    assert "matmul(" in graph  # whole arrays, not entry by entry
    assert "sum(" in graph
    # np.where picks the branch per entry (a gather, whole arrays at once)
    np.testing.assert_array_equal(dk.gradient(lambda w: dk.sum(np.where(w > 0, w * w, -w)), at=w),
                                  [2.0, -1.0, 1.0])
    assert "getitem(" in str(dk.record(lambda w: dk.sum(np.where(w > 0, w * w, -w)), at=w))
    # keepdims keeps the reduced axis, as numpy does
    np.testing.assert_array_equal(dk.gradient(lambda w: np.sum(np.sum(w, keepdims=True)), at=w),
                                  [1.0, 1.0, 1.0])
    # a numpy function with no rule is refused by name, never run into a wrong number
    with pytest.raises(DiffkitError, match=r"numpy\.cross is not differentiable in diffkit yet"):
        dk.gradient(lambda w: np.sum(np.cross(w, w)), at=w)


def test_a_list_or_tuple_that_f_returns_is_a_vector_f():
    f = lambda x1, x2: [x1 * x2, x1 + dk.sin(x2)]
    J = np.array([[3.0, 2.0], [1.0, math.cos(3.0)]])  # by hand at (2, 3)
    jx1, jx2 = dk.jacobian(f, at=(2.0, 3.0))
    np.testing.assert_allclose(np.column_stack([jx1, jx2]), J, rtol=1e-15)
    c = dk.compare(f, at=(2.0, 3.0))
    for r in c.results:
        np.testing.assert_allclose(r.jacobian, J, rtol=1e-7, err_msg=r.method)
    np.testing.assert_array_equal(dk.derivative(lambda x: (x ** 2, x ** 3), at=2.0), [4.0, 12.0])
    g = dk.gradient(lambda w: dk.sum(dk.stack([w[0] * w[1], w[1] ** 2])), at=np.array([2.0, 3.0]))
    np.testing.assert_array_equal(g, [3.0, 2.0 + 6.0])


def test_a_bound_method_is_a_function_of_its_arguments():
    class Model:
        scale = 3.0

        def loss(self, w):
            return self.scale * dk.sum(w * w)

    np.testing.assert_array_equal(dk.gradient(Model().loss, at=np.array([1.0, 2.0])), [6.0, 12.0])
    assert dk.compare(Model().loss, at=np.array([1.0, 2.0])).variables == ["w[0]", "w[1]"]


@pytest.mark.parametrize(("f", "message"), [
    (lambda x: None, "returned NoneType"),
    (lambda x: "a", "returned str"),
    (lambda x: {"a": x}, "returned dict"),
    (lambda x: x > 0, "truth value"),
    (lambda x: x * 1j, "complex number"),
    (lambda x: 1 / 0, "f raised ZeroDivisionError"),
    (lambda x: [], "empty list"),
])
def test_what_f_returns_or_raises_is_one_clear_error_everywhere(f, message):
    for call in (lambda: dk.compare(f, at=1.0), lambda: dk.gradient(f, at=1.0),
                 lambda: dk.derivative(f, at=1.0), lambda: dk.jacobian(f, at=1.0),
                 lambda: dk.check_gradient(f, lambda x: 0.0, at=1.0)):
        with pytest.raises(DiffkitError, match=message):
            call()


def test_compare_hessian_of_a_function_of_two_arrays_matches_sympy():
    s = sp.symbols("s0:3")
    f_sym = s[0] ** 2 * s[2] + sp.exp(s[1]) * s[2] + s[0] * s[1] ** 3
    a, b = np.array([0.5, -1.0]), np.array([2.0])
    exact = np.array(sp.hessian(f_sym, s).subs(dict(zip(s, [0.5, -1.0, 2.0], strict=True))),
                     dtype=float)

    def f(a, b):
        return a[0] ** 2 * b[0] + dk.exp(a[1]) * b[0] + a[0] * a[1] ** 3

    c = dk.compare(f, at=(a, b), hessian=True)
    np.testing.assert_allclose(c.reference_hessian, exact, rtol=1e-14)
    for method in ("symbolic", "forward-mode", "reverse-mode"):
        np.testing.assert_allclose(c.result(method).hessian, exact, rtol=1e-13, err_msg=method)
    np.testing.assert_allclose(c.result("fd-central").hessian, exact, rtol=1e-6, atol=1e-7)


def test_a_tangent_that_is_not_finite_is_named_as_the_tangent():
    f = lambda a, b: np.sum(a ** 2 * b)
    with pytest.raises(PointError, match="the tangent for a is not finite"):
        dk.jvp(f, (np.ones(2), np.ones(2)), (np.array([np.nan, 1.0]), np.zeros(2)))
    with pytest.raises(PointError, match="the tangent for x is not finite"):
        dk.jvp(lambda x: x ** 2, 2.0, np.inf)


def test_a_ragged_list_as_the_point_is_refused_in_one_line():
    with pytest.raises(PointError, match="rows of different lengths"):
        dk.gradient(lambda x: np.sum(x ** 2), [[1.0, 2.0], [3.0]])


def test_a_guard_that_keeps_f_continuous_is_no_jump():
    # sin(x)/x guarded at 0 is continuous: the reference's differences answer (sinc′(0) = 0)
    comparison = dk.compare(lambda x: 1.0 if x == 0 else np.sin(x) / x, 0.0)
    assert comparison.reference == {"x": 0.0}
