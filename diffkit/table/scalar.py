"""The table's scalar rows: arithmetic, the elementary functions and the kinks.

Each row is one ``define`` call (see ``primitives``): its value per number type, one
partial per argument, where it is defined and where it is not differentiable, and
its names in text, SymPy, numpy and ``diffkit``.  The rules are written with the
backend's operations (``m.cos(x)``), so one rule serves floats, complex numbers,
Duals, recorded values, mpmath and SymPy.

>>> from diffkit.table.backends import NUMPY
>>> float(PRIMITIVES["log1p"].partials[0](NUMPY, 1.0, None))   # 1 / (1 + x) at 1
0.5
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from sympy.codegen import cfunctions

from diffkit.support.errors import NoDerivativeError
from diffkit.table.primitives import (
    MINUS_ONE,
    ONE,
    PRIMITIVES,
    ZERO,
    constant,
    define,
    no_slope,
)

_LN2, _LN10 = sp.log(2), sp.log(10)
_TWO_OVER_SQRT_PI = 2 / sp.sqrt(sp.pi)


def _real_or_complex(real: Callable[..., Any], complex_: Callable[..., Any]):
    """numpy's real function, or an analytic continuation for complex arguments (the
    complex step) where numpy has none."""

    def fn(*args: Any) -> Any:
        if any(np.iscomplexobj(a) for a in args):
            return complex_(*args)
        return real(*args)

    fn.__name__ = getattr(real, "__name__", "fn")
    return fn


def _each(fn: Callable[..., Any], out: type) -> Callable[..., Any]:
    """A scalar function of the ``math`` module applied to numbers and arrays."""
    vectorised = np.vectorize(fn, otypes=[out])

    def apply(x: Any) -> Any:
        return vectorised(x) if np.ndim(x) else out(fn(x))

    return apply


_np_erf = _real_or_complex(_each(math.erf, np.float64),
                           _each(lambda z: complex(mpmath.erf(z)), np.complex128))
_np_cbrt = _real_or_complex(  # the real cube root; for the complex step its continuation
    np.cbrt, lambda z: np.where(np.real(z) >= 0, z ** (1 / 3), -((-z) ** (1 / 3))))
_np_hypot = _real_or_complex(np.hypot, lambda a, b: np.sqrt(a * a + b * b))
_np_atan2 = _real_or_complex(  # atan2(y, x) = 2·atan(y / (‖(x, y)‖ + x)), analytic off x ≤ 0
    np.arctan2, lambda y, x: 2 * np.arctan(y / (np.sqrt(x * x + y * y) + x)))


def _py_exp2(x: float) -> float:
    return 2.0 ** x


def _impl(np_fn: Any, mp_fn: Any, sp_fn: Any, py_fn: Any = None) -> dict[str, Any]:
    impl = {"float64": np_fn, "mpmath": mp_fn, "sympy": sp_fn}
    if py_fn is not None:  # Python floats, fast (the ``"float"`` number type)
        impl["float"] = py_fn
    return impl


def _function(name: str, np_fn: Any, mp_fn: Any, sp_fn: Any, *partials: Any,
              numpy: tuple[str, ...] | None = None, text: tuple[str, ...] | None = None,
              alias: str | None = None, doc: str = "", py: Any = None, **kw: Any) -> None:
    """A function text may call by ``name`` and numpy by the same name (by default);
    ``py`` is its value on Python floats (``math.sin``), if the math module has it."""
    define(name, impl=_impl(np_fn, mp_fn, sp_fn, py), partials=list(partials),
           text=(name,) if text is None else text, numpy=(name,) if numpy is None else numpy,
           alias=alias or name, doc=doc, **kw)


# --- arithmetic (written as operators in text; SymPy's Add, Mul and Pow) ----------------
define("add", impl=_impl(np.add, operator.add, operator.add, operator.add),
       source="{0} + {1}",
       partials=[lambda m, a, b, y: ONE, lambda m, a, b, y: ONE], numpy=("add",))
define("sub", impl=_impl(np.subtract, operator.sub, operator.sub, operator.sub),
       source="{0} - {1}",
       partials=[lambda m, a, b, y: ONE, lambda m, a, b, y: MINUS_ONE], numpy=("subtract",))
define("mul", impl=_impl(np.multiply, operator.mul, operator.mul, operator.mul),
       source="{0} * {1}",
       partials=[lambda m, a, b, y: b, lambda m, a, b, y: a], numpy=("multiply",))
define("div", impl=_impl(np.divide, operator.truediv, operator.truediv, operator.truediv),
       source="np.divide({0}, {1})",  # on Python floats too: 1/0 is inf, not an exception
       partials=[lambda m, a, b, y: m.div(1.0, b), lambda m, a, b, y: m.neg(m.div(y, b))],
       domain=lambda a, b: b != 0, domain_text="division by zero",
       numpy=("divide", "true_divide"))
define("neg", impl=_impl(np.negative, operator.neg, operator.neg, operator.neg),
       source="-{0}",
       partials=[lambda m, x, y: MINUS_ONE], numpy=("negative",))
define("square", impl=_impl(np.square, lambda x: x * x, lambda x: x**2, lambda x: x * x),
       source="{0} * {0}",
       partials=[lambda m, x, y: m.mul(2.0, x)], numpy=("square",))
define(  # x**n for a constant integer n >= 3 (the graph writes x**2 as square)
    "powi", impl=_impl(np.power, lambda x, n: x ** int(n), lambda x, n: x ** sp.Integer(int(n)),
                       lambda x, n: x ** int(n)),
    partials=[lambda m, x, n, y: m.mul(n, m.square(x) if n == 3 else m.powi(x, n - 1)),
              lambda m, x, n, y: ZERO],
    constants=(1,), examples=((0.7, 3), (-1.3, 4), (2.1, 5), (-0.4, 7)),
    source="np.power({0}, {1})")  # numpy's overflow (inf), not Python's OverflowError
define(  # a**b in general: a constant or variable exponent
    "pow", impl=_impl(np.power, mpmath.power, lambda a, b: a**b, math.pow),
    partials=[lambda m, a, b, y: m.mul(b, m.pow(a, m.sub(b, 1.0))),
              lambda m, a, b, y: m.mul(y, m.log(a))],
    domain=lambda a, b: (a > 0) | ((a == 0) & (b > 0)) | ((a < 0) & (b % 1 == 0)),
    domain_text="a power a**b with a non-integer exponent needs a > 0",  # x**2.0 at -1 is 1
    kink=lambda a, b: a == 0,
    convention="a**b is not differentiable at a = 0 for a non-integer exponent",
    directional=no_slope("a**b is not differentiable at a = 0"),
    numpy=("power", "float_power"), source="np.power({0}, {1})")  # (-1)**0.5 is nan, not complex

# --- roots, exponentials and logarithms ------------------------------------------------------
_function("sqrt", np.sqrt, mpmath.sqrt, sp.sqrt, lambda m, x, y: m.div(0.5, y),
          sympy=(sp.sqrt,),  # SymPy writes it as x**(1/2): text builds it with sp.sqrt
          domain=lambda x: x >= 0, domain_text="sqrt needs x >= 0",
          kink=lambda x: x == 0, convention="the slope of sqrt is infinite at 0",
          directional=no_slope("sqrt has an infinite slope at 0"),
          doc="√x, elementwise; needs x ≥ 0 (infinite slope at 0).",
          py=math.sqrt)
_function("cbrt", _np_cbrt, lambda x: mpmath.sign(x) * mpmath.cbrt(abs(x)),
          lambda x: sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3),
          lambda m, x, y: m.div(1.0, m.mul(3.0, m.square(y))),
          kink=lambda x: x == 0, convention="the slope of cbrt is infinite at 0",
          directional=no_slope("cbrt has an infinite slope at 0"),
          doc="The real cube root, elementwise (cbrt(−8) = −2); infinite slope at 0.",
          source="np.cbrt({0})")
_function("exp", np.exp, mpmath.exp, sp.exp, lambda m, x, y: y, doc="eˣ, elementwise.",
          py=math.exp)
_function("exp2", np.exp2, lambda x: mpmath.power(2, x), cfunctions.exp2,
          lambda m, x, y: m.mul(y, constant(m, _LN2)), doc="2ˣ, elementwise.",
          py=_py_exp2)
_function("expm1", np.expm1, mpmath.expm1, cfunctions.expm1, lambda m, x, y: m.exp(x),
          doc="eˣ − 1, elementwise, accurate for tiny x.",
          py=math.expm1)
_function("log", np.log, mpmath.log, sp.log, lambda m, x, y: m.div(1.0, x),
          text=("log", "ln"), text_arity=(1, 2),
          domain=lambda x: x > 0, domain_text="log needs x > 0",
          doc="The natural logarithm, elementwise; needs x > 0.  In text ``ln`` is the "
              "same function and ``log(x, b)`` the logarithm to base b.",
          py=math.log)
_function("log2", np.log2, lambda x: mpmath.log(x, 2), cfunctions.log2,
          lambda m, x, y: m.div(1.0, m.mul(x, constant(m, _LN2))),
          domain=lambda x: x > 0, domain_text="log2 needs x > 0",
          doc="The base-2 logarithm, elementwise; needs x > 0.",
          py=math.log2)
_function("log10", np.log10, mpmath.log10, cfunctions.log10,
          lambda m, x, y: m.div(1.0, m.mul(x, constant(m, _LN10))),
          domain=lambda x: x > 0, domain_text="log10 needs x > 0",
          doc="The base-10 logarithm, elementwise; needs x > 0.",
          py=math.log10)
_function("log1p", np.log1p, mpmath.log1p, cfunctions.log1p,
          lambda m, x, y: m.div(1.0, m.add(1.0, x)),
          domain=lambda x: x > -1, domain_text="log1p needs x > -1",
          doc="log(1 + x), elementwise, accurate for tiny x; needs x > −1.",
          py=math.log1p)
_function("erf", _np_erf, mpmath.erf, sp.erf,
          lambda m, x, y: m.mul(constant(m, _TWO_OVER_SQRT_PI), m.exp(m.neg(m.square(x)))), numpy=(),
          doc="The error function 2/√π ∫₀ˣ e^(−t²) dt, elementwise.",
          py=math.erf)

# --- trigonometric and hyperbolic ------------------------------------------------------------
_function("sin", np.sin, mpmath.sin, sp.sin, lambda m, x, y: m.cos(x), doc="sin(x), elementwise.",
          py=math.sin)
_function("cos", np.cos, mpmath.cos, sp.cos, lambda m, x, y: m.neg(m.sin(x)),
          doc="cos(x), elementwise.",
          py=math.cos)
_function("tan", np.tan, mpmath.tan, sp.tan, lambda m, x, y: m.add(1.0, m.square(y)),
          doc="tan(x), elementwise.",
          py=math.tan)
_function("asin", np.arcsin, mpmath.asin, sp.asin,
          lambda m, x, y: m.div(1.0, m.sqrt(m.sub(1.0, m.square(x)))),
          text=("asin", "arcsin"), numpy=("arcsin",), alias="arcsin",
          domain=lambda x: (x >= -1) & (x <= 1), domain_text="asin needs -1 <= x <= 1",
          kink=lambda x: (x == -1) | (x == 1),
          convention="the slope of asin is infinite at -1 and 1",
          directional=no_slope("asin has an infinite slope at -1 and 1"),
          doc="arcsin(x), elementwise; defined on [-1, 1].",
          py=math.asin)
_function("acos", np.arccos, mpmath.acos, sp.acos,
          lambda m, x, y: m.div(-1.0, m.sqrt(m.sub(1.0, m.square(x)))),
          text=("acos", "arccos"), numpy=("arccos",), alias="arccos",
          domain=lambda x: (x >= -1) & (x <= 1), domain_text="acos needs -1 <= x <= 1",
          kink=lambda x: (x == -1) | (x == 1),
          convention="the slope of acos is infinite at -1 and 1",
          directional=no_slope("acos has an infinite slope at -1 and 1"),
          doc="arccos(x), elementwise; defined on [-1, 1].",
          py=math.acos)
_function("atan", np.arctan, mpmath.atan, sp.atan,
          lambda m, x, y: m.div(1.0, m.add(1.0, m.square(x))),
          text=("atan", "arctan"), numpy=("arctan",), alias="arctan",
          doc="arctan(x), elementwise.",
          py=math.atan)


def _atan2_directional(m: Any, primals: Any, tangents: Any) -> Any:
    """On the negative x axis atan2 jumps from π to −π: a step that leaves the axis
    has no slope, one along it has slope 0."""
    if tangents[0] == 0:
        return 0
    raise NoDerivativeError("atan2(y, x) jumps from π to −π across the negative x axis")


_function("atan2", _np_atan2, mpmath.atan2, sp.atan2,
          lambda m, a, b, y: m.div(b, m.add(m.square(a), m.square(b))),
          lambda m, a, b, y: m.neg(m.div(a, m.add(m.square(a), m.square(b)))),
          text=("atan2", "arctan2"), numpy=("arctan2",), alias="arctan2",
          domain=lambda a, b: (a != 0) | (b != 0), domain_text="atan2(0, 0) is undefined",
          kink=lambda a, b: (a == 0) & (b < 0),
          convention="atan2(y, x) jumps from π to −π across the negative x axis",
          directional=_atan2_directional,
          doc="The angle of the point (x, y), atan2(y, x) in (−π, π], elementwise.",
          source="np.arctan2({0}, {1})", py=math.atan2)
_function("hypot", _np_hypot, mpmath.hypot, cfunctions.hypot,
          lambda m, a, b, y: m.div(a, y), lambda m, a, b, y: m.div(b, y),
          kink=lambda a, b: (a == 0) & (b == 0),
          convention="hypot is not differentiable at (0, 0): a cone's tip",
          directional=lambda m, p, t: m.hypot(t[0], t[1]),
          doc="√(a² + b²) without overflow, elementwise.", source="np.hypot({0}, {1})",
          py=math.hypot)
_function("sinh", np.sinh, mpmath.sinh, sp.sinh, lambda m, x, y: m.cosh(x),
          doc="sinh(x), elementwise.",
          py=math.sinh)
_function("cosh", np.cosh, mpmath.cosh, sp.cosh, lambda m, x, y: m.sinh(x),
          doc="cosh(x), elementwise.",
          py=math.cosh)
_function("tanh", np.tanh, mpmath.tanh, sp.tanh, lambda m, x, y: m.sub(1.0, m.square(y)),
          doc="tanh(x), elementwise: the classic activation.",
          py=math.tanh)
_function("asinh", np.arcsinh, mpmath.asinh, sp.asinh,
          lambda m, x, y: m.div(1.0, m.sqrt(m.add(m.square(x), 1.0))),
          text=("asinh", "arcsinh"), numpy=("arcsinh",), alias="arcsinh",
          doc="arcsinh(x), elementwise.",
          py=math.asinh)
_function("acosh", np.arccosh, mpmath.acosh, sp.acosh,
          lambda m, x, y: m.div(1.0, m.sqrt(m.sub(m.square(x), 1.0))),
          text=("acosh", "arccosh"), numpy=("arccosh",), alias="arccosh",
          domain=lambda x: x >= 1, domain_text="acosh needs x >= 1",
          kink=lambda x: x == 1, convention="the slope of acosh is infinite at 1",
          directional=no_slope("acosh has an infinite slope at 1"),
          doc="arccosh(x), elementwise; needs x ≥ 1.",
          py=math.acosh)
_function("atanh", np.arctanh, mpmath.atanh, sp.atanh,
          lambda m, x, y: m.div(1.0, m.sub(1.0, m.square(x))),
          text=("atanh", "arctanh"), numpy=("arctanh",), alias="arctanh",
          domain=lambda x: (x > -1) & (x < 1), domain_text="atanh needs -1 < x < 1",
          doc="arctanh(x), elementwise; needs −1 < x < 1.",
          py=math.atanh)

# --- kinks: not complex-analytic, not differentiable everywhere --------------------------------
_function("abs", np.abs, abs, sp.Abs, lambda m, x, y: m.sign(x),
          text=("abs", "Abs"), numpy=("absolute", "fabs"), analytic=False,
          kink=lambda x: x == 0,
          convention="abs'(0) = 0 (the subgradient sign(0), as PyTorch uses)",
          directional=lambda m, p, t: m.abs(t[0]),
          doc="|x|, elementwise; abs'(0) = 0 by convention.",
          py=abs)
_function("sign", np.sign, mpmath.sign, sp.sign, lambda m, x, y: ZERO, analytic=False,
          kink=lambda x: x == 0, convention="sign'(0) = 0 (sign jumps at 0)",
          directional=no_slope("sign jumps at 0"),
          doc="The sign of x (−1, 0 or 1), elementwise; slope 0.")
_function("max", np.maximum, max, sp.Max,
          lambda m, a, b, y: m.heaviside(m.sub(a, b)),
          lambda m, a, b, y: m.heaviside(m.sub(b, a)),
          text=("max", "Max"), text_arity=(2, None), numpy=("maximum",),
          alias="maximum", analytic=False, kink=lambda a, b: a == b,
          convention="at a tie max(a, b) gives 1/2 to each argument (SymPy's Heaviside(0))",
          directional=lambda m, p, t: m.max(t[0], t[1]),
          doc="The larger of a and b, elementwise; at a tie each gets half of the slope.")
_function("min", np.minimum, min, sp.Min,
          lambda m, a, b, y: m.heaviside(m.sub(b, a)),
          lambda m, a, b, y: m.heaviside(m.sub(a, b)),
          text=("min", "Min"), text_arity=(2, None), numpy=("minimum",),
          alias="minimum", analytic=False, kink=lambda a, b: a == b,
          convention="at a tie min(a, b) gives 1/2 to each argument (SymPy's Heaviside(0))",
          directional=lambda m, p, t: m.min(t[0], t[1]),
          doc="The smaller of a and b, elementwise; at a tie each gets half of the slope.")


def _mp_trunc(x: Any) -> Any:
    return mpmath.floor(x) if x >= 0 else mpmath.ceil(x)


# --- smooth maxima --------------------------------------------------------------------------
def np_logaddexp(a: Any, b: Any, exp: Any = np.exp, log: Any = np.log,
                 ufunc: Any = np.logaddexp) -> Any:
    """numpy's logaddexp; on complex numbers (the complex step, whose f(x + ih) needs
    them) the same sum with the larger real part factored out, as numpy's ufunc takes
    real numbers only."""
    if not (np.iscomplexobj(a) or np.iscomplexobj(b)):
        return ufunc(a, b)
    top = np.maximum(np.real(a), np.real(b))
    return top + log(exp(np.subtract(a, top)) + exp(np.subtract(b, top)))


def _np_logaddexp2(a: Any, b: Any) -> Any:
    return np_logaddexp(a, b, np.exp2, np.log2, np.logaddexp2)


define("logaddexp", impl=_impl(np_logaddexp, lambda a, b: mpmath.log(mpmath.exp(a) + mpmath.exp(b)),
                               lambda a, b: sp.log(sp.exp(a) + sp.exp(b))),
       partials=[lambda m, a, b, y: m.exp(m.sub(a, y)), lambda m, a, b, y: m.exp(m.sub(b, y))],
       text=("logaddexp",), numpy=("logaddexp",), alias="logaddexp",
       source="np.logaddexp({0}, {1})", doc="log(eᵃ + eᵇ), elementwise, without overflow.")
define("logaddexp2", impl=_impl(_np_logaddexp2,
                                lambda a, b: mpmath.log(mpmath.power(2, a) + mpmath.power(2, b), 2),
                                lambda a, b: sp.log(2**a + 2**b) / sp.log(2)),
       partials=[lambda m, a, b, y: m.exp2(m.sub(a, y)), lambda m, a, b, y: m.exp2(m.sub(b, y))],
       numpy=("logaddexp2",), alias="logaddexp2", source="np.logaddexp2({0}, {1})",
       doc="log₂(2ᵃ + 2ᵇ), elementwise, without overflow.")

# --- steps: slope 0, a jump at each step -------------------------------------------------------
_function("floor", np.floor, mpmath.floor, sp.floor, lambda m, x, y: ZERO, analytic=False,
          kink=lambda x: x == np.floor(x), convention="floor jumps at every integer",
          directional=no_slope("floor jumps at every integer"),
          doc="The largest integer ≤ x, elementwise: slope 0, a jump at each integer.")
_function("ceil", np.ceil, mpmath.ceil, sp.ceiling, lambda m, x, y: ZERO, analytic=False,
          kink=lambda x: x == np.floor(x), convention="ceil jumps at every integer",
          directional=no_slope("ceil jumps at every integer"),
          doc="The smallest integer ≥ x, elementwise: slope 0, a jump at each integer.")
define("trunc", impl=_impl(np.trunc, _mp_trunc,
                           lambda x: sp.sign(x) * sp.floor(sp.Abs(x))),
       partials=[lambda m, x, y: ZERO], analytic=False,
       kink=lambda x: (x == np.floor(x)) & (x != 0), convention="trunc jumps at every integer but 0",
       directional=no_slope("trunc jumps at every integer but 0"), numpy=("trunc", "fix"))
define("rint", impl=_impl(np.rint, mpmath.nint, lambda x: sp.floor(x + sp.Rational(1, 2))),
       partials=[lambda m, x, y: ZERO], analytic=False, kink=lambda x: (x - np.floor(x)) == 0.5,
       convention="rint jumps halfway between integers",
       directional=no_slope("rint jumps halfway between integers"), numpy=("rint",),
       examples=((0.3,), (-1.2,), (2.6,)))
def _whole_ratio(a: Any, b: Any, nonzero: bool = False) -> Any:
    """Where a/b is an integer (and, for fmod, not 0): mod's and fmod's jumps."""
    with np.errstate(all="ignore"):
        r = np.divide(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        found = (np.asarray(b) != 0) & (r == np.floor(r))
        return found & (r != 0) if nonzero else found


_function("mod", np.mod, lambda a, b: a - b * mpmath.floor(a / b), sp.Mod,
          lambda m, a, b, y: ONE, lambda m, a, b, y: m.neg(m.floor(m.div(a, b))),
          numpy=("mod", "remainder"), analytic=False,
          domain=lambda a, b: b != 0, domain_text="mod by zero",
          kink=_whole_ratio,
          convention="a mod b jumps where a/b is an integer",
          directional=no_slope("a mod b jumps where a/b is an integer"),
          doc="a − b·floor(a/b), elementwise (numpy's and Python's %): the sign of b.")
define("fmod", impl=_impl(np.fmod, lambda a, b: a - b * _mp_trunc(a / b),
                          lambda a, b: a - b * sp.sign(a / b) * sp.floor(sp.Abs(a / b))),
       partials=[lambda m, a, b, y: ONE, lambda m, a, b, y: m.neg(m.trunc(m.div(a, b)))],
       numpy=("fmod",), analytic=False, domain=lambda a, b: b != 0, domain_text="fmod by zero",
       kink=lambda a, b: _whole_ratio(a, b, nonzero=True),
       convention="fmod(a, b) jumps where a/b is a non-zero integer",
       directional=no_slope("fmod(a, b) jumps where a/b is a non-zero integer"))


def _mp_heaviside(x: Any) -> Any:
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else mpmath.mpf(0.5)


define(  # appears in symbolic derivatives of max and min
    "heaviside", impl=_impl(lambda x: np.heaviside(x, 0.5), _mp_heaviside, sp.Heaviside),
    partials=[lambda m, x, y: ZERO], analytic=False, kink=lambda x: x == 0,
    convention="Heaviside(0) = 1/2 and its slope is taken as 0",
    directional=no_slope("Heaviside jumps at 0"), numpy=("heaviside",),
    source="np.heaviside({0}, 0.5)")
define(  # appears in the symbolic derivative of sign and Heaviside
    "dirac", impl=_impl(np.zeros_like, lambda x: mpmath.mpf(0), sp.DiracDelta),
    partials=[lambda m, x, y: ZERO], analytic=False,
    domain=lambda x: x != 0,
    domain_text="DiracDelta(0) is not a number: the derivative does not exist here",
    source="0.0 * {0}")

__all__ = ["PRIMITIVES"]
