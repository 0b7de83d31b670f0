"""Steps chosen from f, noise levels, accuracy orders and Richardson's honesty."""

import numpy as np
import pytest

import diffkit
from diffkit.numerics.noise import estimate_noise


def hashed_noise(x):
    """A deterministic stand-in for solver noise in [-1, 1), decorrelated between floats."""
    return (np.sin(np.asarray(x, float) * 1e9 + 12345.678) * 43758.5453) % 1 * 2 - 1


@pytest.mark.parametrize("delta", [1e-12, 1e-10, 1e-8, 1e-6])
def test_the_difference_table_recovers_the_noise_level(delta):
    sigma, _ = estimate_noise(lambda x: np.exp(x) * (1 + delta * hashed_noise(x)), 1.0)
    # uniform noise in [-1, 1) has standard deviation 1/sqrt(3)
    expected = np.exp(1.0) * delta / np.sqrt(3)
    assert expected / 3 < sigma < expected * 3


def test_a_smooth_function_shows_only_rounding_noise():
    sigma, _ = estimate_noise(np.exp, 1.0)
    assert sigma < 1e-14


@pytest.mark.parametrize(
    ("text", "at"),
    [("exp(x)", 30), ("sin(1000*x)", 1), ("tanh(1e8*x)", 1e-8), ("sin(x)", 1e8),
     ("1/(x-1.0001)", 1), ("log(x)", 1e-8)],
)
def test_automatic_steps_rescue_badly_scaled_functions(text, at):
    default = diffkit.compare(text, at, methods=["fd-central"]).result("fd-central")
    auto = diffkit.compare(text, at, methods=["fd-central"], step="auto").result("fd-central")
    assert auto.rel_error < 1e-8
    assert default.error is not None or default.rel_error > 10 * auto.rel_error
    assert "chosen from f" in auto.notes[0]


def test_the_automatic_central_step_is_within_10x_of_the_best_in_the_sweep():
    for text, at in [("sin(x)*exp(x)", 1), ("atan(x)", 0.5), ("exp(2*x**3+4)", 0.5)]:
        step = diffkit.compare(text, at, methods=["fd-central"], step="auto").result("fd-central").step["x"]
        best = diffkit.sweep(text, at, schemes=["fd-central"]).robust_best["fd-central"]
        assert best["step"] / 10 < step < best["step"] * 10


def test_a_known_noise_level_makes_the_steps_larger():
    quiet = diffkit.compare("exp(x)", 1, methods=["fd-central"], step="auto").result("fd-central")
    noisy = diffkit.compare("exp(x)", 1, methods=["fd-central"], step="auto", noise=1e-8).result("fd-central")
    assert noisy.step["x"] == pytest.approx(quiet.step["x"] * (1e-8 / np.finfo(float).eps) ** (1 / 3), rel=1e-6)


def test_noise_auto_is_reported():
    c = diffkit.compare("sin(1000*x)", 1, methods=["fd-central"], step="auto", noise="auto")
    assert "noise estimated" in c.noise
    assert c.result("fd-central").rel_error < 1e-8


def test_accuracy_orders_of_the_difference_rules():
    c = diffkit.compare("sin(x)", 1, methods=["fd-central", "fd-forward"], accuracy=4)
    assert c.result("fd-central").rel_error < 1e-12
    assert c.result("fd-central").evaluations == 4
    assert c.result("fd-forward").evaluations == 5
    odd = diffkit.compare("sin(x)", 1, methods=["fd-central"], accuracy=3)
    assert "even" in odd.result("fd-central").error


@pytest.mark.parametrize(
    ("text", "at"),
    [("sin(x)", 1), ("exp(x)", 30), ("sin(1000*x)", 1), ("tanh(1e8*x)", 1e-8), ("sin(x)", 1e8),
     ("1/(x-1.0001)", 1), ("sqrt(x)", 1e-6), ("log(x)", 1e-8), ("5*x/sin(x)", 1.2)],
)
def test_richardsons_error_estimate_covers_the_true_error(text, at):
    r = diffkit.compare(text, at, methods=["fd-richardson"]).result("fd-richardson")
    assert r.abs_error <= r.error_estimate
    assert r.rel_error < 1e-10


def test_second_derivatives_by_every_method_that_computes_them():
    import mpmath

    c = diffkit.compare("x**4*sin(x)", at=1.3, order=2)
    with mpmath.workdps(40):
        x = mpmath.mpf(1.3)
        exact = 12 * x**2 * mpmath.sin(x) + 8 * x**3 * mpmath.cos(x) - x**4 * mpmath.sin(x)
    assert c.reference["x"] == pytest.approx(float(exact), rel=1e-15)
    bounds = {"symbolic": 1e-14, "fd-extended": 1e-14, "fd-richardson": 1e-10,
              "fd-central": 1e-6, "complex-step": 1e-6, "fd-forward": 1e-3, "fd-backward": 1e-3,
              "forward-mode": 1e-14, "reverse-mode": 1e-14}
    for method, bound in bounds.items():
        assert c.result(method).rel_error < bound, method
    assert c.to_dict()["order"] == 2


def test_pure_second_partials_of_two_variables():
    c = diffkit.compare("x1**2*exp(x2)", at="x1=1,x2=0.5", order=2, methods=["symbolic", "fd-richardson"])
    assert c.reference["x1"] == pytest.approx(2 * np.exp(0.5), rel=1e-15)
    assert c.reference["x2"] == pytest.approx(np.exp(0.5), rel=1e-15)
    assert c.result("fd-richardson").rel_error < 1e-10


def test_richardson_second_derivative_estimate_covers_its_error():
    for text, at in [("sin(1000*x)", 1), ("tanh(1e8*x)", 1e-8), ("x**4*sin(x)", 1), ("exp(x)", 30)]:
        r = diffkit.compare(text, at, methods=["fd-richardson"], order=2).result("fd-richardson")
        assert r.abs_error <= r.error_estimate, text


@pytest.mark.parametrize(
    ("text", "at"),
    [("x**4*sin(x)", 1.3), ("exp(sin(x))*log(1+x**2)", 0.7), ("atan(x)/(1+x**2)", -0.4),
     ("sqrt(1+x**2)*cos(3*x)", 0.2)],
)
@pytest.mark.parametrize("order", [3, 4])
def test_third_and_fourth_derivatives_of_products_and_compositions(text, at, order):
    import mpmath
    import sympy as sp

    x = sp.Symbol("x", real=True)
    expr = diffkit.parse(text)
    with mpmath.workdps(40):
        exact = float(sp.diff(expr, x, order).evalf(40, subs={x: sp.Float(at, 40)}))
    c = diffkit.compare(text, at, order=order)
    assert c.reference["x"] == pytest.approx(exact, rel=1e-14)
    bounds = {"symbolic": 1e-13, "forward-mode": 1e-12, "reverse-mode": 1e-12,
              "fd-extended": 1e-13, "fd-richardson": 1e-7}
    for method, bound in bounds.items():
        assert c.result(method).rel_error < bound, (method, c.result(method).rel_error)
    assert "first and second" in c.result("complex-step").error


def test_higher_orders_cost_more_passes_of_dual_numbers_not_more_passes():
    c = diffkit.compare("x1*exp(x2)", at="x1=1,x2=0.5", order=2, methods=["forward-mode", "reverse-mode"])
    assert c.result("forward-mode").evaluations == 2
    assert c.result("reverse-mode").evaluations == 2
    assert c.reference == {"x1": 0.0, "x2": pytest.approx(np.exp(0.5))}


def test_the_step_model_counts_the_rounding_of_the_argument():
    """sin(10000·x) rounds 10000·x before sin reads it: each value of f carries an
    error of about ε·|x·f′| ≈ 2e-12, not ε·|f| ≈ 7e-17.  A model without it picks
    central steps ~30 times too small (error ~4e-3); with it, the automatic step's
    error is within a small factor of the best any step reaches (~1e-5, the exact
    derivative 10⁴·cos(10⁴) from mpmath)."""
    import mpmath

    exact = float(10**4 * mpmath.cos(10**4))
    auto = diffkit.compare("sin(10000*x)", 1, methods=["fd-central"], step="auto")
    row = auto.result("fd-central")
    assert row.step["x"] > 5e-9
    assert abs(row.derivative["x"] - exact) < 2e-4


def test_the_sweeps_error_model_lies_on_the_measured_errors():
    """Notebook 02's picture: on sin(10000·x) at 1 the dashed model curve follows the
    data (within a decade in the median), it is not three decades below it."""
    s = diffkit.sweep("sin(10000*x)", at=1)
    for scheme in ("fd-forward", "fd-central", "fd-central-4"):
        measured, model = s.errors[scheme], s.model_error(scheme, s.steps)
        kept = np.isfinite(measured) & (s.steps > 1e-13) & (s.steps < 1e-3)
        assert abs(np.median(np.log10(measured[kept] / model[kept]))) < 1, scheme


def test_an_unreliable_richardson_row_gives_its_estimate_once():
    """Noise of 1e-9 on sin: the table cannot get below it; the row is flagged with
    its estimate in the flag, not repeated in a second note."""
    def noisy(x):
        return np.sin(x) + 1e-9 * np.sin(1e9 * x + 123.4)  # a wiggle no step resolves

    row = diffkit.compare(noisy, at=1.0, methods=["fd-richardson"]).result("fd-richardson")
    assert row.status == "unreliable"
    assert " ".join(row.notes).count("±") == 1


def test_nested_dual_numbers_are_written_with_subscripts():
    row = diffkit.compare("sin(x)", at=1.0, order=3, methods=["forward-mode"]).result("forward-mode")
    assert "x + ε₁ + … + ε₃" in row.notes[0]
