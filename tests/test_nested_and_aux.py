"""Nested differentiation (each call its own level, as JAX and autograd tag them),
``has_aux``, and the numpy layer's "right or refuse" promises.  Exact values come
from SymPy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import diffkit as dk

x_, y_ = sp.symbols("x y", real=True)


def test_no_perturbation_confusion():
    """d/dx [x · d/dy (x + y)] = 1 (the classic example of Siskind & Pearlmutter): an
    inner derivative must not see the outer one's perturbation of x."""
    f = lambda x: x * dk.derivative(lambda y: x + y, 1.0)
    assert dk.derivative(f, 1.0) == 1.0
    g = lambda x: x * dk.gradient(lambda y: x + y, 1.0)
    assert dk.gradient(g, 1.0) == 1.0
    assert dk.derivative(g, 1.0) == 1.0
    assert dk.gradient(f, 1.0) == 1.0


def test_derivative_of_derivative_and_gradient_of_gradient():
    exact = float(sp.diff(sp.sin(x_) * x_ ** 3, x_, 2).subs(x_, 0.7))
    inner = lambda x: dk.derivative(lambda t: dk.sin(t) * t ** 3, x)
    assert dk.derivative(inner, 0.7) == pytest.approx(exact, rel=1e-14)
    assert dk.gradient(inner, 0.7) == pytest.approx(exact, rel=1e-14)
    w = np.array([0.3, -1.2, 2.0])
    grad_of_first = lambda v: dk.gradient(lambda u: np.sum(u ** 3) * u[0], v)[0]
    # ∂/∂u0 (u0·Σu³) = Σu³ + 3u0³; its gradient: (12·u0², 3u1², 3u2²)
    np.testing.assert_allclose(dk.gradient(grad_of_first, w),
                               [12 * w[0] ** 2, 3 * w[1] ** 2, 3 * w[2] ** 2], rtol=1e-14)


def test_hessian_vector_products_by_jvp_of_gradient_and_jacobian_of_gradient():
    f = lambda v: np.sum(np.sin(v) * v[0]) + v[1] * v[2] ** 2
    w = np.array([0.4, -0.8, 1.3])
    syms = sp.symbols("a b c", real=True)
    expr = sum(sp.sin(s) * syms[0] for s in syms) + syms[1] * syms[2] ** 2
    exact = np.array(sp.hessian(expr, syms).subs(dict(zip(syms, w, strict=True))), dtype=float)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(dk.jvp(lambda z: dk.gradient(f, z), w, v).result, exact @ v, rtol=1e-13)
    np.testing.assert_allclose(dk.jacobian(lambda z: dk.gradient(f, z), w), exact, rtol=1e-13)
    np.testing.assert_allclose(dk.hessian(f, w), exact, rtol=1e-13)


def test_has_aux_returns_the_auxiliary_values_as_plain_numbers():
    w = np.array([1.0, 2.0])
    grad, aux = dk.gradient(lambda v: (np.sum(v ** 2), {"pred": 2 * v, "n": 3}), w, has_aux=True)
    np.testing.assert_array_equal(grad, [2.0, 4.0])
    assert type(aux["pred"]) is np.ndarray
    np.testing.assert_array_equal(aux["pred"], [2.0, 4.0])
    assert aux["n"] == 3
    with pytest.raises(dk.DiffkitError, match="pair"):
        dk.gradient(lambda v: np.sum(v), w, has_aux=True)


def test_a_correct_gradient_is_not_called_wrong_through_a_squeeze():
    """check_gradient once called a right gradient WRONG: np.squeeze of a scalar came
    back as an object array that was taken for a constant."""
    check = dk.check_gradient(lambda x: np.squeeze(np.sum(x ** 2)), lambda x: 2 * x,
                              np.array([0.5, -1.0, 2.0]))
    assert check.ok


def test_vjp_through_roll_and_cumsum_is_not_zero():
    x = np.array([0.5, -1.0, 2.0])
    u = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(dk.gradient(lambda v: np.roll(v, 1), x, cotangent=u), np.roll(u, -1))
    np.testing.assert_allclose(dk.gradient(lambda v: np.cumsum(v), x, cotangent=u), [6.0, 5.0, 3.0])


def test_equality_compares_values_so_the_right_branch_is_taken():
    f = lambda x: x ** 2 if x == 1.0 else 3 * x
    assert dk.derivative(f, 1.0) == 2.0
    assert dk.gradient(f, 1.0) == 2.0
    assert dk.derivative(f, 2.0) == 3.0


def test_numpy_without_a_rule_is_refused_by_name():
    with pytest.raises(dk.UnsupportedError, match=r"numpy\.linalg\.svd is not differentiable"):
        dk.gradient(lambda x: np.sum(np.linalg.svd(x.reshape(2, 2))[1]), np.arange(4.0))
    with pytest.raises(dk.UnsupportedError, match=r"numpy\.linalg\.qr"):
        dk.gradient(lambda x: np.sum(np.linalg.qr(x.reshape(2, 2))[1]), np.arange(4.0))
    with pytest.raises(dk.UnsupportedError, match=r"numpy\.pad .*computes new values"):
        dk.gradient(lambda x: np.sum(np.pad(x, 1, constant_values=5.0)), np.arange(1.0, 4.0))


def test_prod_refuses_a_zero_entry_rather_than_dividing_by_it():
    with pytest.raises(dk.DiffkitError, match="prod"):
        dk.gradient(lambda x: np.prod(x), np.array([1.0, 0.0, 2.0]))


def test_a_value_kept_from_an_earlier_call_is_refused():
    kept = []
    dk.gradient(lambda x: kept.append(x) or x * 2.0, 1.0)
    with pytest.raises(dk.DiffkitError, match="earlier call"):
        dk.gradient(lambda x: x * kept[0], 1.0)


def test_a_hessian_inside_a_gradient_and_derivatives_three_deep():
    # ∂/∂z (∂²/∂z₁² Σz⁴) = ∂/∂z 12 z₁² = (0, 24 z₁)
    np.testing.assert_allclose(
        dk.gradient(lambda z: dk.hessian(lambda v: np.sum(v ** 4), z)[1, 1], np.array([1.0, 2.0])),
        [0.0, 48.0], rtol=1e-14)
    # d/dt of (d/ds of (d²/dr² r⁵ at s)) at t = 2: 60 t² = 240
    third = dk.derivative(lambda t: dk.derivative(
        lambda s: dk.derivative(lambda r: r ** 5, s, order=2), t), 2.0)
    assert third == pytest.approx(float(sp.diff(x_ ** 5, x_, 3).subs(x_, 2)), rel=1e-14)


def test_a_bad_axis_is_numpys_error_not_a_silent_other_axis():
    for f in (lambda v: np.sum(v, axis=5), lambda v: np.sum(np.cumsum(v, axis=3)),
              lambda v: np.max(v, axis=-2), lambda v: np.sum(np.transpose(v.reshape(3, 1), (0, 2)))):
        with pytest.raises(dk.EvaluationError, match=r"AxisError|axes don't match"):
            dk.gradient(f, np.ones(3))


def test_round_and_fix_have_slope_zero():
    x = np.array([0.52, -1.37, 2.01])
    np.testing.assert_array_equal(dk.gradient(lambda v: np.sum(np.round(v * 3.3, 1) + v), x), [1.0] * 3)
    np.testing.assert_array_equal(dk.gradient(lambda v: np.sum(np.fix(v) * v), x), np.fix(x))


def test_a_pair_without_has_aux_is_a_clear_refusal_not_a_numpy_error():
    for aux in ({"a": 1}, "text", np.ones(3)):
        with pytest.raises(dk.DiffkitError, match="has_aux=True"):
            dk.gradient(lambda v, aux=aux: (np.sum(v ** 2), aux), np.array([0.5, -1.0, 2.0]))
