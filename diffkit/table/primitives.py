"""THE primitive table: what a primitive is, and the one way to add one (``define``).

Every way of differentiating reads this one table, and everything that names a
primitive is generated from it: the functions expression text may call
(``vocabulary``), the SymPy heads a formula is read from (``graph``), the arithmetic
of each number type (``backends``), numpy's dispatch on differentiating values
(``overloading``) and ``diffkit.sin`` and friends (``functions``).  An entry holds

- ``impl``: its value per number type, ``{"float64": np.sin, "mpmath": mpmath.sin,
  "sympy": sp.sin}``; the backends are these (``m.sin`` is the entry's ``impl``).
  An optional ``"float"`` impl (``math.sin``) computes plain Python floats fast,
  raising where numpy would give nan or inf (numpy's value then answers);
  A composite entry (``mean``, ``softmax``) gives ``value`` instead, written with
  other primitives;
- ``partials``: one rule per argument, ``rule(m, *args, y) -> ∂y/∂arg`` where ``y`` is
  the already computed output.  Forward mode computes ``ẏ = Σ ∂y/∂xᵢ · ẋᵢ`` and
  reverse mode ``x̄ᵢ += ȳ · ∂y/∂xᵢ`` from the same rules.  A rule may return the
  markers ``ONE``, ``MINUS_ONE`` or ``ZERO`` so that no multiplication by a constant
  is executed (or counted) where none is needed;
- ``jvp`` and ``vjp``: for array primitives whose partials are not elementwise
  (``matmul``, ``sum``, ``softmax``, …), one rule per argument that applies the
  Jacobian to a tangent, ``rule(m, *args, y, ẋ) -> ẏ`` part, or its transpose to an
  adjoint, ``rule(m, *args, y, ȳ) -> x̄`` part (``None``: no contribution);
- ``analytic`` (the complex step may use it), ``domain`` (where it is defined on the
  reals, with ``domain_text``), ``kink`` (where it is not differentiable) with its
  ``convention`` and ``directional`` one-sided rule ``rule(m, primals, tangents)``;
- its names: ``text`` (what expression text may call, ``("log", "ln")``), ``sympy``
  (the SymPy heads that are this primitive; an entry with text names and no SymPy
  head gets one of its own, see ``DiffkitHead``), ``numpy`` (numpy ufuncs,
  functions and ndarray methods that are this primitive), ``alias`` (its name in
  ``diffkit``, ``dk.arcsin``), ``doc``, and ``source`` (how the compiled method writes
  it in numpy, ``"np.hypot({0}, {1})"``; a numpy ufunc's is its own);
- ``constants`` (arguments never differentiated: powi's integer exponent) and
  ``examples`` (points where ``tests/test_primitive_table.py`` checks the rules).

Adding a primitive is one ``define`` call (in ``table/scalar.py`` or
``table/arrays.py``, or from user code): it then works in text, SymPy input, Python
functions, every method and the table test.

>>> from diffkit.table.backends import NUMPY
>>> float(PRIMITIVES["sin"].partials[0](NUMPY, 0.0, 0.0))  # d/dx sin(x) at 0
1.0
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import sympy as sp
from mpmath.libmp import prec_to_dps

from diffkit.support.errors import NoDerivativeError


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
    """One row of the table (see the module's docstring for each field)."""

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
    jvp: Any = None
    vjp: Any = None
    constants: tuple[int, ...] = ()
    examples: tuple[tuple[Any, ...], ...] = ()
    impl: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    text: tuple[str, ...] = ()
    text_arity: tuple[int, int | None] | None = None
    sympy: tuple[Any, ...] = ()
    numpy: tuple[str, ...] = ()
    alias: str | None = None
    doc: str = ""
    moves_data: bool = False  # reshape, indexing, …: the op counter counts them as free
    source: str = ""  # numpy source for the compiled method, "np.cbrt({0})" (a ufunc's: its own)

    @property
    def elementwise(self) -> bool:
        """Whether it applies entry by entry (its partials are elementwise)."""
        return self.jvp is None


PRIMITIVES: dict[str, Primitive] = {}
T = TypeVar("T")
_version = [0]


def version() -> int:
    """Bumped by every ``define``: what is generated from the table is cached per version."""
    return _version[0]


def generated(build: Callable[[], T]) -> Callable[[], T]:
    """``build`` (something made from the table: the parser's names, numpy's dispatch,
    …) run once per table version: a ``define`` makes the next call build it again."""
    kept: dict[int, T] = {}

    @functools.wraps(build)
    def current() -> T:
        found = kept.get(_version[0])
        if found is None:
            kept.clear()
            found = kept[_version[0]] = build()
        return found

    return current


def define(name: str, *, partials: Any = None, value: Callable[..., Any] | None = None,
           impl: Mapping[str, Callable[..., Any]] | None = None, arity: int | None = None,
           **fields: Any) -> Primitive:
    """Add (or replace) the primitive ``name``: the table's one extension point.

    Give ``impl`` (its value per number type) or ``value`` (a composite of other
    primitives), and ``partials`` or ``jvp``/``vjp``; the other fields are
    ``Primitive``'s.  Example, the error function (``table/scalar.py`` has it)::

        define("erf", impl={"float64": ..., "mpmath": mpmath.erf, "sympy": sp.erf},
               partials=[lambda m, x, y: m.mul(1.1283791670955126,
                                               m.exp(m.neg(m.square(x))))],
               text=("erf",), alias="erf", doc="The error function.")
    """
    impl = dict(impl or {})
    if value is None:
        if not impl:
            raise ValueError(f"primitive {name!r}: give its impl (per number type) or value")
        value = _by_name(name)
    rules = partials if partials is not None else fields.get("jvp")
    n = arity if arity is not None else len(rules) if rules is not None else 0
    sympy_heads = tuple(fields.pop("sympy", ()))
    if not sympy_heads and isinstance(impl.get("sympy"), type):
        sympy_heads = (impl["sympy"],)
    for key in ("jvp", "vjp"):
        if fields.get(key) is not None and isinstance(fields[key], list):
            fields[key] = tuple(fields[key])
    prim = Primitive(name, n, value, tuple(partials or ()), impl=impl, **fields)
    if prim.text and not sympy_heads:
        sympy_heads = (_head_class(name, n),)
    prim = Primitive(**{**prim.__dict__, "sympy": sympy_heads})
    PRIMITIVES[name] = prim
    _version[0] += 1
    return prim


def forget(name: str) -> None:
    """Remove the primitive ``name`` that ``define`` added (a notebook's experiment)."""
    del PRIMITIVES[name]
    _version[0] += 1


def _by_name(name: str) -> Callable[..., Any]:
    def value(m: Any, *args: Any) -> Any:
        return getattr(m, name)(*args)

    value.__name__ = name
    return value


class DiffkitHead(sp.Function):
    """The SymPy head of a primitive SymPy has no function for (``relu``, ``sigmoid``):
    it prints as its name; with numbers for arguments, or through ``elementary``, it
    becomes the entry's SymPy value (``relu(x)`` → ``Max(x, 0)``)."""

    primitive: str = ""

    @classmethod
    def eval(cls, *args: Any) -> Any:
        """SymPy's hook for automatic evaluation (its name is SymPy's): ``args`` are SymPy
        objects already built, never text; numbers become the entry's SymPy value."""
        if all(getattr(a, "is_Number", False) for a in args):
            return cls.elementary_of(*args)
        return None

    @classmethod
    def elementary_of(cls, *args: Any) -> Any:
        return PRIMITIVES[cls.primitive].impl["sympy"](*args)

    def _eval_evalf(self, prec: int) -> Any:
        return self.elementary_of(*self.args).evalf(prec_to_dps(prec))

    def _eval_is_extended_real(self) -> bool | None:
        return True if all(a.is_extended_real for a in self.args) else None


def _head_class(name: str, arity: int) -> type:
    return type(name, (DiffkitHead,), {"primitive": name, "nargs": arity})


def elementary(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every ``DiffkitHead`` written out in SymPy's own functions, so that
    ``sympy.diff`` and evaluation need nothing of diffkit's."""
    return expr.replace(lambda e: isinstance(e, DiffkitHead),
                        lambda e: type(e).elementary_of(*e.args))


def tangent_term(prim: Primitive, k: int, m: Any, args: Any, y: Any, tangent: Any) -> Any:
    """Argument k's part of the output's tangent, ∂y/∂xₖ · ẋₖ (None where it is zero)."""
    if prim.jvp is not None:
        return prim.jvp[k](m, *args, y, tangent)
    partial = prim.partials[k](m, *args, y)
    return None if partial is ZERO else scale(m, partial, tangent)


def adjoint_term(prim: Primitive, k: int, m: Any, args: Any, y: Any, y_bar: Any,
                 y_bar_is_spent: bool = False) -> Any:
    """Argument k's part of its adjoint, x̄ₖ += ȳ · ∂y/∂xₖ, summed back to xₖ's shape
    where numpy broadcast xₖ (None where it is zero).  ``y_bar_is_spent``: the caller
    owns ȳ's array and needs it no more (its last use), so the product may go there."""
    if prim.vjp is not None:
        return prim.vjp[k](m, *args, y, y_bar)
    partial = prim.partials[k](m, *args, y)
    if partial is ZERO:
        return None
    if FRESH_REFERENCES is not None and elidable(partial, y_bar) \
            and sys.getrefcount(partial) <= FRESH_REFERENCES:
        # the rule made this array and nothing else holds it: multiply in place
        # (numpy's own temporary elision, one allocation of its size saved)
        return unbroadcast(m, np.multiply(partial, y_bar, out=partial), shape_of(args[k]))
    if y_bar_is_spent and partial is MINUS_ONE:
        return unbroadcast(m, np.negative(y_bar, out=y_bar), shape_of(args[k]))
    if y_bar_is_spent and partial is not ONE and elidable(y_bar, partial):
        return unbroadcast(m, np.multiply(y_bar, partial, out=y_bar), shape_of(args[k]))
    return unbroadcast(m, scale(m, partial, y_bar), shape_of(args[k]))


def _fresh_references() -> int:
    partial = np.empty(1)  # as in adjoint_term: a new array held by one local name
    return sys.getrefcount(partial)


def _held_references() -> int:
    partial = np.empty(1)
    held = [partial]  # noqa: F841  (the second reference is the point)
    return sys.getrefcount(partial)


def _listed_references() -> int:
    adjoints = [np.empty(1)]
    y_bar = adjoints[0]  # as in the adjoint loop: a list's entry, and the loop's local
    return sys.getrefcount(y_bar)


def _listed_and_held_references() -> int:
    adjoints = [np.empty(1)]
    y_bar = adjoints[0]
    held = [y_bar]  # noqa: F841  (the third reference is the point)
    return sys.getrefcount(y_bar)


_COUNTS = hasattr(sys, "getrefcount") and _held_references() > _fresh_references() \
    and _listed_and_held_references() > _listed_references()
#: the references ``sys.getrefcount`` sees for a new array held by one local name
#: (measured here, not assumed: it differs between Python versions); None where the
#: count cannot tell such an array from a shared one, and then nothing is elided
FRESH_REFERENCES = _fresh_references() if _COUNTS else None
#: the same for an array held by one list entry and one local (the adjoint loop's ȳ)
LISTED_REFERENCES = _listed_references() if _COUNTS else None
#: below this many entries a new array costs less than the checks: nothing is elided
ELIDE_MIN_ENTRIES = 4096


def own_float_array(a: Any) -> bool:
    """A large float64 array that owns its writable memory (not a view, not a broadcast):
    what may be written in place once nothing else holds it."""
    return type(a) is np.ndarray and a.size >= ELIDE_MIN_ENTRIES and a.base is None \
        and a.dtype == np.float64 and a.flags.writeable


def elidable(a: Any, other: Any) -> bool:
    """Whether ``a (op) other`` may be written into ``a`` (when only its holder refers to
    it): ``a`` is ``own_float_array`` and the result does not outgrow it."""
    return own_float_array(a) and (type(other) is float or (
        type(other) is np.ndarray and other.dtype == np.float64 and other.shape == a.shape))


def as_number(partial: Any) -> Any:
    """A partial as a number: the markers ``ONE`` and ``MINUS_ONE`` as 1.0 and −1.0,
    ``ZERO`` as None (no contribution), anything else as it is."""
    if partial is ONE:
        return 1.0
    if partial is MINUS_ONE:
        return -1.0
    return None if partial is ZERO else partial


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


def no_slope(what: str) -> Callable[..., Any]:
    """A directional rule for a point with an infinite slope or a jump."""

    def rule(m, primals, tangents):
        if all(t == 0 for t in tangents):
            return 0
        raise NoDerivativeError(what)

    return rule


_FLOATS: dict[sp.Expr, float] = {}


def constant(m: Any, value: sp.Expr) -> Any:
    """An exact constant (``log(2)``, ``2/sqrt(pi)``) in backend ``m``'s number type:
    a float for float64, 50 digits for mpmath, itself for SymPy."""
    if m.name in ("float64", "float"):
        found = _FLOATS.get(value)
        if found is None:
            found = _FLOATS[value] = float(value)
        return found
    return m.const(value)


def scale(m, partial, tangent):
    """``partial · tangent``, executing no multiplication for the markers."""
    if partial is ONE:
        return tangent
    if partial is MINUS_ONE:
        return m.neg(tangent)
    return m.mul(partial, tangent)
