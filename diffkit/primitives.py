"""THE primitive table: each primitive's value and local partial derivatives, side by side.

Every way of differentiating reads this one table.  An entry holds

- ``value(m, *args)``: the primitive computed with backend ``m`` (see ``backends``);
- ``partials``: one rule per argument, ``rule(m, *args, y) -> ∂y/∂arg`` where ``y`` is
  the already computed output.  Forward mode computes ``ẏ = Σ ∂y/∂xᵢ · ẋᵢ`` and
  reverse mode ``x̄ᵢ += ȳ · ∂y/∂xᵢ`` from the same rules.  A rule may return the
  markers ``ONE``, ``MINUS_ONE`` or ``ZERO`` so that no multiplication by a constant
  is executed (or counted) where none is needed;
- ``analytic``: whether the complex step may use it;
- ``domain``: where it is defined on the reals, with the text a user sees otherwise;
- ``kink``: where it is not differentiable (a corner, or an infinite slope), and the
  ``convention``: what happens there, e.g. the subgradient every method uses;
- ``directional``: the one-sided rule at a kink, ``rule(m, primals, tangents) -> ẏ``
  for a step in the direction of the tangents (``|ẋ|`` for abs at 0).  Forward mode
  with these rules gives the exact left and right derivatives;
- ``jvp`` and ``vjp``: for array primitives whose partials are not elementwise
  (``matmul``, ``sum``, ``softmax``, …), one rule per argument that applies the
  Jacobian to a tangent, ``rule(m, *args, y, ẋ) -> ẏ`` part, or its transpose to an
  adjoint, ``rule(m, *args, y, ȳ) -> x̄`` part (``None``: no contribution).  For every
  other primitive both come from ``partials``, with numpy's broadcasting undone in
  the adjoint (``tangent_term``, ``adjoint_term``);
- ``constants``: the positions of arguments that are constants of the operation and
  never differentiated (the integer exponent of ``powi``);
- ``examples``: argument tuples in the entry's domain at which the table test checks
  its rules (``tests/test_primitive_table.py``); a scalar entry without examples is
  checked on a fixed grid of points its domain admits, an array entry must give them.

The array and machine-learning rows live in ``array_primitives`` (imported with the
package, so the table is whole wherever it is read).  Adding a primitive is one
``_define`` call here (plus the backends' function of the
same name); every interpreter, the op counter and the complex step pick it up.

>>> float(PRIMITIVES["sin"].partials[0](NUMPY, 0.0, 0.0))  # d/dx sin(x) at 0
1.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .backends import NUMPY  # noqa: F401  (used in the docstring example)
from .errors import NoDerivativeError


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ONE = _Marker("ONE")
MINUS_ONE = _Marker("MINUS_ONE")
ZERO = _Marker("ZERO")


@dataclass(frozen=True)
class Primitive:
    name: str
    arity: int
    value: Callable[..., Any]
    partials: tuple[Callable[..., Any], ...]
    analytic: bool = True
    domain: Callable[..., Any] | None = None
    domain_text: str = ""
    kink: Callable[..., Any] | None = None
    convention: str = ""
    directional: Callable[..., Any] | None = None
    jvp: tuple[Callable[..., Any], ...] | None = None
    vjp: tuple[Callable[..., Any], ...] | None = None
    constants: tuple[int, ...] = ()
    examples: tuple[tuple[Any, ...], ...] = ()


PRIMITIVES: dict[str, Primitive] = {}


def _define(name: str, value, partials, **kw) -> None:
    PRIMITIVES[name] = Primitive(name, len(partials), value, tuple(partials), **kw)


def tangent_term(prim: Primitive, k: int, m: Any, args: Any, y: Any, tangent: Any) -> Any:
    """Argument k's part of the output's tangent, ∂y/∂xₖ · ẋₖ (None where it is zero)."""
    if prim.jvp is not None:
        return prim.jvp[k](m, *args, y, tangent)
    partial = prim.partials[k](m, *args, y)
    return None if partial is ZERO else scale(m, partial, tangent)


def adjoint_term(prim: Primitive, k: int, m: Any, args: Any, y: Any, y_bar: Any) -> Any:
    """Argument k's part of its adjoint, x̄ₖ += ȳ · ∂y/∂xₖ, summed back to xₖ's shape
    where numpy broadcast xₖ (None where it is zero)."""
    if prim.vjp is not None:
        return prim.vjp[k](m, *args, y, y_bar)
    partial = prim.partials[k](m, *args, y)
    if partial is ZERO:
        return None
    return unbroadcast(m, scale(m, partial, y_bar), shape_of(args[k]))


def shape_of(v: Any) -> tuple[int, ...]:
    """The array shape of a number (``()``), an array, a Dual or a recorded value."""
    return getattr(v, "shape", ())


def unbroadcast(m: Any, g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes numpy broadcast an argument of ``shape`` along."""
    g_shape = shape_of(g)
    if g_shape == shape:
        return g
    extra = len(g_shape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g_shape[extra + i] != 1)
    if axes:
        g = m.sum(g, axes)
    return m.reshape(g, shape) if shape_of(g) != shape else g


def _no_slope(what: str):
    """A directional rule for a point with an infinite slope or a jump."""

    def rule(m, primals, tangents):
        if all(t == 0 for t in tangents):
            return 0
        raise NoDerivativeError(what)

    return rule


def scale(m, partial, tangent):
    """``partial · tangent``, executing no multiplication for the markers."""
    if partial is ONE:
        return tangent
    if partial is MINUS_ONE:
        return m.neg(tangent)
    return m.mul(partial, tangent)


# --- arithmetic -------------------------------------------------------------------
_define("add", lambda m, a, b: m.add(a, b), [lambda m, a, b, y: ONE, lambda m, a, b, y: ONE])
_define("sub", lambda m, a, b: m.sub(a, b), [lambda m, a, b, y: ONE, lambda m, a, b, y: MINUS_ONE])
_define("mul", lambda m, a, b: m.mul(a, b), [lambda m, a, b, y: b, lambda m, a, b, y: a])
_define(
    "div",
    lambda m, a, b: m.div(a, b),
    [lambda m, a, b, y: m.div(1.0, b), lambda m, a, b, y: m.neg(m.div(y, b))],
    domain=lambda a, b: b != 0,
    domain_text="division by zero",
)
_define("neg", lambda m, x: m.neg(x), [lambda m, x, y: MINUS_ONE])
_define("square", lambda m, x: m.square(x), [lambda m, x, y: m.mul(2.0, x)])
_define(
    "powi",  # x**n for a constant integer n >= 3 (the graph writes x**2 as square)
    lambda m, x, n: m.powi(x, n),
    [
        lambda m, x, n, y: m.mul(n, m.square(x) if n == 3 else m.powi(x, n - 1)),
        lambda m, x, n, y: ZERO,
    ],
    constants=(1,),
    examples=((0.7, 3), (-1.3, 4), (2.1, 5), (-0.4, 7)),
)
_define(
    "pow",  # a**b in general: a constant or variable exponent
    lambda m, a, b: m.pow(a, b),
    [
        lambda m, a, b, y: m.mul(b, m.pow(a, m.sub(b, 1.0))),
        lambda m, a, b, y: m.mul(y, m.log(a)),
    ],
    domain=lambda a, b: (a > 0) | ((a == 0) & (b > 0)),
    domain_text="a power a**b with a non-integer exponent needs a > 0",
    kink=lambda a, b: a == 0,
    convention="a**b is not differentiable at a = 0 for a non-integer exponent",
    directional=_no_slope("a**b is not differentiable at a = 0"),
)
_define(
    "sqrt",
    lambda m, x: m.sqrt(x),
    [lambda m, x, y: m.div(0.5, y)],
    domain=lambda x: x >= 0,
    domain_text="sqrt needs x >= 0",
    kink=lambda x: x == 0,
    convention="the slope of sqrt is infinite at 0",
    directional=_no_slope("sqrt has an infinite slope at 0"),
)

# --- exponential and logarithm ---------------------------------------------------------
_define("exp", lambda m, x: m.exp(x), [lambda m, x, y: y])
_define(
    "log",
    lambda m, x: m.log(x),
    [lambda m, x, y: m.div(1.0, x)],
    domain=lambda x: x > 0,
    domain_text="log needs x > 0",
)

# --- trigonometric and hyperbolic ---------------------------------------------------------
_define("sin", lambda m, x: m.sin(x), [lambda m, x, y: m.cos(x)])
_define("cos", lambda m, x: m.cos(x), [lambda m, x, y: m.neg(m.sin(x))])
_define("tan", lambda m, x: m.tan(x), [lambda m, x, y: m.add(1.0, m.square(y))])
_define(
    "asin",
    lambda m, x: m.asin(x),
    [lambda m, x, y: m.div(1.0, m.sqrt(m.sub(1.0, m.square(x))))],
    domain=lambda x: (x >= -1) & (x <= 1),
    domain_text="asin needs -1 <= x <= 1",
    kink=lambda x: (x == -1) | (x == 1),
    convention="the slope of asin is infinite at -1 and 1",
    directional=_no_slope("asin has an infinite slope at -1 and 1"),
)
_define(
    "acos",
    lambda m, x: m.acos(x),
    [lambda m, x, y: m.div(-1.0, m.sqrt(m.sub(1.0, m.square(x))))],
    domain=lambda x: (x >= -1) & (x <= 1),
    domain_text="acos needs -1 <= x <= 1",
    kink=lambda x: (x == -1) | (x == 1),
    convention="the slope of acos is infinite at -1 and 1",
    directional=_no_slope("acos has an infinite slope at -1 and 1"),
)
_define("atan", lambda m, x: m.atan(x), [lambda m, x, y: m.div(1.0, m.add(1.0, m.square(x)))])
_define("sinh", lambda m, x: m.sinh(x), [lambda m, x, y: m.cosh(x)])
_define("cosh", lambda m, x: m.cosh(x), [lambda m, x, y: m.sinh(x)])
_define("tanh", lambda m, x: m.tanh(x), [lambda m, x, y: m.sub(1.0, m.square(y))])
_define(
    "asinh",
    lambda m, x: m.asinh(x),
    [lambda m, x, y: m.div(1.0, m.sqrt(m.add(m.square(x), 1.0)))],
)
_define(
    "acosh",
    lambda m, x: m.acosh(x),
    [lambda m, x, y: m.div(1.0, m.sqrt(m.sub(m.square(x), 1.0)))],
    domain=lambda x: x >= 1,
    domain_text="acosh needs x >= 1",
    kink=lambda x: x == 1,
    convention="the slope of acosh is infinite at 1",
    directional=_no_slope("acosh has an infinite slope at 1"),
)
_define(
    "atanh",
    lambda m, x: m.atanh(x),
    [lambda m, x, y: m.div(1.0, m.sub(1.0, m.square(x)))],
    domain=lambda x: (x > -1) & (x < 1),
    domain_text="atanh needs -1 < x < 1",
)

# --- kinks: not complex-analytic, not differentiable everywhere ---------------------------
_define(
    "abs",
    lambda m, x: m.abs(x),
    [lambda m, x, y: m.sign(x)],
    analytic=False,
    kink=lambda x: x == 0,
    convention="abs'(0) = 0 (the subgradient sign(0), as PyTorch uses)",
    directional=lambda m, p, t: m.abs(t[0]),
)
_define(
    "sign",
    lambda m, x: m.sign(x),
    [lambda m, x, y: ZERO],
    analytic=False,
    kink=lambda x: x == 0,
    convention="sign'(0) = 0 (sign jumps at 0)",
    directional=_no_slope("sign jumps at 0"),
)
_define(
    "max",
    lambda m, a, b: m.max(a, b),
    [
        lambda m, a, b, y: m.heaviside(m.sub(a, b)),
        lambda m, a, b, y: m.heaviside(m.sub(b, a)),
    ],
    analytic=False,
    kink=lambda a, b: a == b,
    convention="at a tie max(a, b) gives 1/2 to each argument (SymPy's Heaviside(0))",
    directional=lambda m, p, t: m.max(t[0], t[1]),
)
_define(
    "min",
    lambda m, a, b: m.min(a, b),
    [
        lambda m, a, b, y: m.heaviside(m.sub(b, a)),
        lambda m, a, b, y: m.heaviside(m.sub(a, b)),
    ],
    analytic=False,
    kink=lambda a, b: a == b,
    convention="at a tie min(a, b) gives 1/2 to each argument (SymPy's Heaviside(0))",
    directional=lambda m, p, t: m.min(t[0], t[1]),
)
_define(
    "heaviside",  # appears in symbolic derivatives of max and min
    lambda m, x: m.heaviside(x),
    [lambda m, x, y: ZERO],
    analytic=False,
    kink=lambda x: x == 0,
    convention="Heaviside(0) = 1/2 and its slope is taken as 0",
    directional=_no_slope("Heaviside jumps at 0"),
)
_define(
    "dirac",  # appears in the symbolic derivative of sign and Heaviside
    lambda m, x: m.dirac(x),
    [lambda m, x, y: ZERO],
    analytic=False,
    domain=lambda x: x != 0,
    domain_text="DiracDelta(0) is not a number: the derivative does not exist here",
)

