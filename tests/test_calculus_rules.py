"""Every method against derivatives worked out by hand (evaluated with mpmath at 40
digits), one calculus rule at a time."""

import mpmath
import pytest

import diffkit
from diffkit.methods import REGISTRY

#: digits for the hand-derived derivatives (a context in each test: never a global)
DIGITS = 40

# (expression, point, hand-derived derivative as a function of an mpf x)
RULES = {
    "power": ("x**5", 1.3, lambda x: 5 * x**4),
    "negative power": ("x**-3", 0.7, lambda x: -3 / x**4),
    "fractional power": ("x**(1/3)", 2.5, lambda x: mpmath.mpf(1) / 3 * x ** (mpmath.mpf(-2) / 3)),
    "sqrt": ("sqrt(x)", 2.0, lambda x: 1 / (2 * mpmath.sqrt(x))),
    "polynomial": ("4*x**3+x**2+3", 2.0, lambda x: 12 * x**2 + 2 * x),
    "product": ("x**2*sin(x)", 0.9, lambda x: 2 * x * mpmath.sin(x) + x**2 * mpmath.cos(x)),
    "quotient": ("sin(x)/(1+x**2)", 0.4,
                 lambda x: (mpmath.cos(x) * (1 + x**2) - 2 * x * mpmath.sin(x)) / (1 + x**2) ** 2),
    "chain": ("sin(x**2)", 1.1, lambda x: 2 * x * mpmath.cos(x**2)),
    "chain of three": ("exp(sin(3*x))", 0.3,
                       lambda x: mpmath.exp(mpmath.sin(3 * x)) * mpmath.cos(3 * x) * 3),
    "exp": ("exp(2*x)", 0.5, lambda x: 2 * mpmath.exp(2 * x)),
    "log": ("log(x)", 3.0, lambda x: 1 / x),
    "log base 2": ("log(x, 2)", 3.0, lambda x: 1 / (x * mpmath.log(2))),
    "general power": ("x**x", 1.7, lambda x: x**x * (mpmath.log(x) + 1)),
    "exponential base": ("2**x", 0.6, lambda x: 2**x * mpmath.log(2)),
    "sin": ("sin(x)", 1.0, mpmath.cos),
    "cos": ("cos(x)", 1.0, lambda x: -mpmath.sin(x)),
    "tan": ("tan(x)", 0.8, lambda x: 1 / mpmath.cos(x) ** 2),
    "asin": ("asin(x)", 0.3, lambda x: 1 / mpmath.sqrt(1 - x**2)),
    "acos": ("acos(x)", 0.3, lambda x: -1 / mpmath.sqrt(1 - x**2)),
    "atan": ("atan(x)", 0.5, lambda x: 1 / (1 + x**2)),
    "sinh": ("sinh(x)", 0.7, mpmath.cosh),
    "cosh": ("cosh(x)", 0.7, mpmath.sinh),
    "tanh": ("tanh(x)", 0.8, lambda x: 1 - mpmath.tanh(x) ** 2),
    "asinh": ("asinh(x)", 0.7, lambda x: 1 / mpmath.sqrt(x**2 + 1)),
    "acosh": ("acosh(x)", 1.7, lambda x: 1 / mpmath.sqrt(x**2 - 1)),
    "atanh": ("atanh(x)", 0.4, lambda x: 1 / (1 - x**2)),
    "abs away from 0": ("abs(x)", -1.5, lambda x: mpmath.mpf(-1)),
    "max away from a tie": ("max(x, 2*x - 1)", 3.0, lambda x: mpmath.mpf(2)),
    # a float exponent that is an integer: real at a negative base, as in numpy
    "float square at a negative x": ("x**2.0", -1.5, lambda x: 2 * x),
    "float powers at a negative x": ("x**3.0 + x**0.0", -2.0, lambda x: 3 * x**2),
}

# How close each method must come, relative: what it registered (exact methods to a
# few ulp, difference formulas to their textbook floors).
TOLERANCE = {m.id: m.tolerance for m in REGISTRY.values()}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_method_matches_the_hand_derived_derivative(rule):
    text, at, derivative = RULES[rule]
    comparison = diffkit.compare(text, at=at)
    with mpmath.workdps(DIGITS):
        exact = derivative(mpmath.mpf(at))
        assert comparison.reference["x"] == pytest.approx(float(exact), rel=1e-15)
        for result in comparison.results:
            if result.error and result.method == "complex-step" and rule.startswith(("abs", "max")):
                assert "analytic" in result.error
                continue
            assert result.error is None, (result.method, result.error)
            got = result.derivative["x"]
            rel = abs(mpmath.mpf(got) - exact) / abs(exact)
            assert rel <= TOLERANCE[result.method], (result.method, got, float(exact))
            assert result.rel_error == pytest.approx(float(rel), rel=1e-6, abs=1e-300)


def test_a_negative_base_with_a_variable_exponent_has_no_complex_step():
    # (-2)**(2 + ih): the imaginary part is the rounding of e^(2πi), ~1e-15, not h·f'
    comparison = diffkit.compare("x**y", at="x=-2,y=2")
    assert "a**b with a < 0 is real only at integer b" in comparison.result("complex-step").error
    assert "real only at integer b" not in (diffkit.compare("x**y", at="x=2,y=2")
                                            .result("complex-step").error or "")


def test_reverse_mode_matches_symbolic_on_a_two_variable_gradient():
    c = diffkit.compare("log(x1) + x1*x2 - sin(x2)", at={"x1": 2, "x2": 5})
    with mpmath.workdps(DIGITS):
        exact = {"x1": 1 / mpmath.mpf(2) + 5, "x2": 2 - mpmath.cos(5)}
    for method in ("symbolic", "forward-mode", "reverse-mode", "complex-step"):
        got = c.result(method).derivative
        for name, value in exact.items():
            assert got[name] == pytest.approx(float(value), rel=1e-15)


def test_forward_mode_needs_a_pass_per_variable_and_reverse_mode_one():
    c = diffkit.compare("x1*x2*x3 + sin(x4)", at="x1=1,x2=2,x3=3,x4=4")
    assert c.result("forward-mode").evaluations == 4
    assert c.result("reverse-mode").evaluations == 1
    assert c.result("fd-central").evaluations == 8
    assert c.result("fd-forward").evaluations == 5
    assert c.result("reverse-mode").ops < c.result("forward-mode").ops


def test_the_symbolic_row_says_when_float64_cancelled_its_exact_formula():
    """sin(x)/x at 1e-8: f′ = cos(x)/x − sin(x)/x² = −3.33e-9 (mpmath), and the two
    terms of 10⁸ cancel in float64 to a wrong sign.  The row is flagged and says so;
    where float64 keeps its digits (sin at 1) it says nothing."""
    import mpmath

    c = diffkit.compare("sin(x)/x", at=1e-8, methods=["symbolic"])
    row = c.result("symbolic")
    exact = float(mpmath.diff(lambda t: mpmath.sin(t) / t, mpmath.mpf("1e-8")))
    assert abs(c.reference["x"] - exact) < 1e-20
    assert row.status == "unreliable"
    assert "float64 evaluation lost" in row.notes[0]
    assert "cancellation" in row.notes[0]
    calm = diffkit.compare("sin(x)", at=1.0, methods=["symbolic"]).result("symbolic")
    assert calm.status == "ok"
    assert "lost" not in " ".join(calm.notes)


def test_fd_extended_flags_a_singularity_within_a_few_steps():
    """tan at the float nearest π/2 (6e-17 from the pole): 50 digits cannot save a step
    of 3e-17; the estimates at h and 2h disagree and the row says so.  Away from the
    pole the row stays ok and right to rounding."""
    import math

    row = diffkit.compare("tan(x)", at=math.pi / 2, methods=["fd-extended"]).result("fd-extended")
    assert row.status == "unreliable"
    assert "singular" in row.notes[0]
    calm = diffkit.compare("tan(x)", at=1.0, methods=["fd-extended"]).result("fd-extended")
    assert calm.status == "ok"
    assert abs(calm.derivative["x"] - 1 / math.cos(1.0) ** 2) < 1e-14


@pytest.mark.parametrize(("text", "value", "slope"), [
    ("sin(x)/x", 1, 0),
    ("(exp(x) - 1)/x", 1, mpmath.mpf(1) / 2),
    ("(1 - cos(x))/x**2", mpmath.mpf(1) / 2, 0),
    ("x/x", 1, 0),  # SymPy writes it as 1; as written it is still 0/0 at 0
])
def test_a_removable_singularity_reports_the_continuous_extension(text, value, slope):
    """f is 0/0 at 0: every row says f is undefined there, and the reference is the
    continuous extension's derivative (the known limits: the Taylor series' first
    coefficients, 1 − x²/6, 1 + x/2, 1/2 − x²/24)."""
    c = diffkit.compare(text, at=0)
    assert c.extension is not None
    assert c.extension.value == pytest.approx(float(value), abs=1e-15)
    assert c.reference["x"] == pytest.approx(float(slope), abs=1e-15)
    for row in c.results:
        assert row.status == "failed"
        assert "undefined at this point" in row.error
        assert "removable singularity" in row.error


@pytest.mark.parametrize(("text", "at"), [
    ("1/x", 0),  # a pole
    ("sqrt(x)/sqrt(x)", 0),  # undefined left of 0: no two-sided extension
    ("sin(1/x)*x/x", 0),  # no limit
    ("exp(x)", 1000),  # defined there: float64 overflows, it is not a singularity
])
def test_only_a_removable_singularity_is_extended(text, at):
    c = diffkit.compare(text, at=at)
    assert c.extension is None
    assert c.reference is None


def test_the_two_tie_conventions_are_named_where_they_apply():
    """relu′(0) = 0 (PyTorch's convention); max(x, 0) splits a tie, 1/2 to each side
    (SymPy's Heaviside(0)); the note says where max's kink is in words, not "at 0, 0"."""
    at_max = diffkit.compare("max(x, 0)", at=0)
    at_relu = diffkit.compare("relu(x)", at=0)
    assert at_max.result("forward-mode").derivative["x"] == 0.5
    assert at_relu.result("forward-mode").derivative["x"] == 0.0
    assert at_max.not_differentiable == [
        ("max is not differentiable where its arguments tie (here both are 0); at a tie "
        "max(a, b) gives 1/2 to each argument (SymPy's Heaviside(0))")]
    assert "relu'(0) = 0" in at_relu.not_differentiable[0]


@pytest.mark.parametrize(("text", "at", "derivative"), [
    ("sin(x)", 1e22, lambda x: mpmath.cos(x)),  # 1e-20·|x| = 100 stepped off the real line
    ("log(x)", 1e-290, lambda x: 1 / x),  # a floor of 1e-120 stepped across 0
    ("sqrt(x)", 1e-295, lambda x: 1 / (2 * mpmath.sqrt(x))),  # 1e-20·|x| would be subnormal
    ("log(x)", 1e-300, lambda x: 1 / x),  # the smallest normal step, 2.2e-8 of x
])
def test_the_complex_step_stays_small_beside_x_at_either_end(text, at, derivative):
    with mpmath.workdps(DIGITS):
        exact = derivative(mpmath.mpf(at))
    row = diffkit.compare(text, at=at, methods=["complex-step"]).result("complex-step")
    assert row.error is None
    assert row.derivative["x"] == pytest.approx(float(exact), rel=1e-12)
    tiny = diffkit.compare("log(x)", at=1e-305, methods=["complex-step"]).result("complex-step")
    assert tiny.status == "unreliable"
    assert "closer to 0 than any normal step" in tiny.notes[0]


def test_a_row_far_from_the_reference_says_so():
    # tanh'(20) = sech²(20) ≈ 1.7e-17, but the table's 1 − tanh² is 0 in float64: the
    # exact methods keep their 0, and now say that float64 lost the digits
    comparison = diffkit.compare("tanh(x)", at=20)
    with mpmath.workdps(DIGITS):
        exact = float(1 / mpmath.cosh(20) ** 2)
    assert comparison.reference["x"] == pytest.approx(exact, rel=1e-15)
    for method in ("forward-mode", "reverse-mode", "compiled"):
        row = comparison.result(method)
        assert row.derivative["x"] == 0.0
        assert row.status == "unreliable"
        assert row.notes[0].startswith("unreliable: 100% off the 50-digit reference: float64 rounding")
    # a textbook forward difference steps 1.5e-8 past x = 1e-300: log' there is 1e300
    row = diffkit.compare("log(x)", at=1e-300, methods=["fd-forward"]).result("fd-forward")
    assert row.status == "unreliable"
    assert "do not resolve the slope" in row.notes[0]
    # where every row is right, none says so
    assert {r.status for r in diffkit.compare("4*x**3+x**2+3", at=2).results} == {"ok"}
