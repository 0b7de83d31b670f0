"""Operator overloading shared by the values that differentiate themselves.

A ``Dual`` (forward mode) and a ``Tracked`` value (reverse mode, recorded on a tape)
behave like numbers and numpy arrays: ``x * y``, ``x ** 3``, ``X @ w``, ``w[1:]``,
``w.sum()``, ``np.sin(x)``.  Every one of those is a primitive of the table, applied
by ``call``, which also serves ``diffkit.sin`` and friends: it hands the operation to
the argument that differentiates (a tape outranks a Dual, so reverse over forward
works) and otherwise computes the plain value with the backend the arguments need —
numpy for floats and arrays, SymPy for symbols, mpmath for mpmath numbers.

>>> float(call("mul", 3.0, 4.0))
12.0
"""

from __future__ import annotations

import itertools
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from diffkit.support.errors import DiffkitError, UnsupportedError
from diffkit.table.backends import MPMATH, NUMPY, SYMPY
from diffkit.table.primitives import PRIMITIVES, generated

_LEVELS = itertools.count(1)


def new_level() -> int:
    """A differentiation level above every one made before: a Dual seeded or a tape
    started by a call inside f (``gradient`` of a ``gradient``) outranks the values of
    the call around it, which it treats as constants — no perturbation confusion."""
    return next(_LEVELS)


def call(name: str, *args: Any) -> Any:
    """Apply the primitive ``name`` to ``args``, differentiating where an argument asks."""
    owner = None
    for a in args:
        if type(a) is np.ndarray and a.dtype == object:
            again = entries_stacked(args)
            if again is not None:  # an array of differentiating values: one value
                return call(name, *again)
        rank = getattr(a, "_diffkit_rank", 0)
        if rank and (owner is None or rank > owner._diffkit_rank):
            owner = a
    if owner is not None:
        return owner._diffkit_apply(name, args)
    return PRIMITIVES[name].value(backend_for(args), *args)


def stacked(out: Any) -> Any:
    """A list or tuple that f returns, or an object array numpy built from
    differentiating values (``np.array(x)``, ``np.squeeze`` of one), as one value
    (recorded, carried by Duals, or symbolic, like its entries) — never taken for a
    constant; anything else as it is."""
    if isinstance(out, list | tuple):
        if not out:
            raise DiffkitError("f returned an empty list: there is nothing to differentiate")
        entries = [stacked(v) for v in out]
        shapes = {np.shape(primal_value(v)) for v in entries}
        plain = [primal_value(v) for v in entries]
        if len(shapes) > 1 or not all(isinstance(v, int | float | complex | np.number | np.ndarray
                                                 | sp.Basic | mpmath.mpf | mpmath.mpc)
                                      for v in plain):
            kinds = ", ".join(type(v).__name__ if not np.shape(v) else f"shape {np.shape(v)}"
                              for v in plain)
            raise DiffkitError(f"f returned a {type(out).__name__} of {kinds}: not one array of "
                               "numbers; for (loss, aux) give has_aux=True")
        return call("stack", *entries)
    if isinstance(out, np.ndarray) and out.dtype == object and out.size:
        entries = [stacked(v) for v in out.ravel()]
        if not any(isinstance(v, Differentiable) for v in entries):
            return out
        if out.ndim == 0:
            return entries[0]
        return call("reshape", call("stack", *entries), out.shape)
    return out


def entries_stacked(args: Any) -> tuple[Any, ...] | None:
    """``args`` with each object array that holds differentiating values made one value
    (``stacked``), or None where there is none.  numpy builds such an array for
    ``np.array([x[0], 2.0])`` or ``y[:] = x`` into ``dtype=object``; taken for a
    constant, it would hide values of the run inside a constant and the derivative
    through its entries would be lost (a gradient of recorded values, not numbers)."""
    new = tuple(stacked(a) if type(a) is np.ndarray and a.dtype == object else a for a in args)
    return None if all(n is a for n, a in zip(new, args, strict=True)) else new


def backend_for(args: Any) -> Any:
    """numpy, unless an argument is a SymPy expression or an mpmath number (or an
    object array of them)."""
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype == object and a.size:
            a = a.flat[0]
        if isinstance(a, sp.Basic):
            return SYMPY
        if isinstance(a, mpmath.mpf | mpmath.mpc):
            return MPMATH
    return NUMPY


@generated
def numpy_names() -> dict[str, str]:
    """numpy's ufunc, function and method names → the table's primitives (generated from
    the entries' ``numpy`` names), so that ``np.sin(x)``, ``X @ w`` and ``x.arcsin()``
    work on differentiating values."""
    return {alias: entry.name for entry in PRIMITIVES.values() for alias in entry.numpy}


def power(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` as the graph writes it: a constant integer exponent is a
    square, ``powi`` or a division; anything else is ``pow``."""
    if isinstance(exponent, int | np.integer) and not isinstance(exponent, bool):
        n = int(exponent)
        if n < 0:
            return call("div", 1.0, power(base, -n))
        if n == 0:
            return np.ones_like(primal_value(base)) * 1.0
        if n == 1:
            return base
        if n == 2:
            return base._diffkit_apply("square", (base,)) if hasattr(base, "_diffkit_apply") \
                else call("square", base)
        return call("powi", base, n)
    return call("pow", base, exponent)


#: numpy function → its rule on differentiating values (filled by ``numpy_api``)
ARRAY_FUNCTIONS: dict[Any, Any] = {}
#: (ufunc name, method) → its rule where the ufunc is not one primitive (``numpy_api``)
UFUNC_RULES: dict[tuple[str, str], Any] = {}


def primal_value(v: Any) -> Any:
    """The plain number or array behind a differentiating value."""
    while hasattr(v, "_diffkit_rank"):
        v = v._diffkit_value
    return v


class Differentiable:
    """Numbers and arrays that carry derivatives: every operator is a table primitive."""

    __slots__ = ()
    __array_priority__ = 100  # numpy defers to these operators
    _diffkit_rank = 0

    @property
    def _diffkit_value(self) -> Any:
        raise NotImplementedError

    def _diffkit_apply(self, name: str, args: Any) -> Any:
        raise NotImplementedError

    def _diffkit_binary(self, name: str, a: Any, b: Any) -> Any:
        """``a (op) b`` where self is one of them: the fast path of ``call`` (a value
        type may shorten it further, ``Tracked`` does)."""
        other = b if a is self else a
        if getattr(other, "_diffkit_rank", 0) > self._diffkit_rank or (
                type(other) is np.ndarray and other.dtype == object):
            return call(name, a, b)  # (call makes an object array of values one value)
        return self._diffkit_apply(name, (a, b))

    # binary operators go straight to self unless the other side outranks it
    def __add__(self, other): return self._diffkit_binary("add", self, other)
    def __radd__(self, other): return self._diffkit_binary("add", other, self)
    def __sub__(self, other): return self._diffkit_binary("sub", self, other)
    def __rsub__(self, other): return self._diffkit_binary("sub", other, self)
    def __mul__(self, other): return self._diffkit_binary("mul", self, other)
    def __rmul__(self, other): return self._diffkit_binary("mul", other, self)
    def __truediv__(self, other): return self._diffkit_binary("div", self, other)
    def __rtruediv__(self, other): return self._diffkit_binary("div", other, self)
    def __matmul__(self, other): return self._diffkit_binary("matmul", self, other)
    def __rmatmul__(self, other): return self._diffkit_binary("matmul", other, self)
    def __neg__(self): return call("neg", self)
    def __pos__(self): return self
    def __abs__(self): return call("abs", self)
    def __pow__(self, exponent): return power(self, exponent)
    def __rpow__(self, base): return call("pow", base, self)

    def __mod__(self, other): return call("mod", self, other)
    def __rmod__(self, other): return call("mod", other, self)
    def __floordiv__(self, other): return call("floor", call("div", self, other))
    def __rfloordiv__(self, other): return call("floor", call("div", other, self))

    # comparisons look at the value: control flow in user code follows the point
    def __lt__(self, other): return primal_value(self) < primal_value(other)
    def __le__(self, other): return primal_value(self) <= primal_value(other)
    def __gt__(self, other): return primal_value(self) > primal_value(other)
    def __ge__(self, other): return primal_value(self) >= primal_value(other)
    def __eq__(self, other): return primal_value(self) == primal_value(other)
    def __ne__(self, other): return primal_value(self) != primal_value(other)
    def __hash__(self) -> int:
        """The value's own hash, as ``==`` compares values: ``v in {2.0}`` and
        ``table[v]`` find what they find for the plain number (an array, like numpy's,
        is unhashable), never a branch taken by the object's identity."""
        return hash(primal_value(self))

    def __bool__(self) -> bool:
        return bool(primal_value(self))

    def __int__(self):
        raise DiffkitError("int() of a value that carries a derivative would drop the "
                           "derivative: use numpy.floor or diffkit.stop_gradient")

    def __float__(self):
        raise DiffkitError(
            "float() of a value that carries a derivative would drop the derivative "
            "(math.sin and friends call it): use diffkit.sin / numpy.sin, or "
            "diffkit.stop_gradient to detach on purpose")

    # array behaviour
    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(primal_value(self))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def T(self):
        return call("permute", self, tuple(range(self.ndim))[::-1]) if self.ndim >= 2 else self

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a number")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __setitem__(self, index, new):
        raise DiffkitError(
            "x[...] = ... changes a value that carries a derivative in place, which diffkit "
            "does not record: build a new array instead (np.where, np.concatenate, "
            "np.stack or np.array([...]))")

    def __getitem__(self, index):
        if isinstance(index, Differentiable):
            index = primal_value(index)
        return call("getitem", self, index)

    # ndarray methods: the numpy functions of the same name (``numpy_api``'s rules)
    def reshape(self, *shape, order="C"):
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)
    def transpose(self, *axes):
        return np.transpose(self, axes[0] if len(axes) == 1 else (axes or None))
    def sum(self, *args, **kw): return np.sum(self, *args, **kw)
    def mean(self, *args, **kw): return np.mean(self, *args, **kw)
    def prod(self, *args, **kw): return np.prod(self, *args, **kw)
    def max(self, *args, **kw): return np.max(self, *args, **kw)
    def min(self, *args, **kw): return np.min(self, *args, **kw)
    def var(self, *args, **kw): return np.var(self, *args, **kw)
    def std(self, *args, **kw): return np.std(self, *args, **kw)
    def cumsum(self, *args, **kw): return np.cumsum(self, *args, **kw)
    def ravel(self, order="C"): return np.ravel(self, order=order)
    def flatten(self, order="C"): return np.ravel(self, order=order)
    def squeeze(self, axis=None): return np.squeeze(self, axis=axis)
    def swapaxes(self, a, b): return np.swapaxes(self, a, b)
    def clip(self, a_min=None, a_max=None): return np.clip(self, a_min, a_max)
    def dot(self, other): return np.dot(self, other)
    def trace(self, *args, **kw): return np.trace(self, *args, **kw)
    def diagonal(self, *args, **kw): return np.diagonal(self, *args, **kw)
    def repeat(self, *args, **kw): return np.repeat(self, *args, **kw)
    def take(self, *args, **kw): return np.take(self, *args, **kw)
    def copy(self): return self
    def item(self):
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return call("reshape", self, ())

    def astype(self, dtype, *args, **kw):
        if np.dtype(dtype).kind != "f":
            raise DiffkitError(f"astype({np.dtype(dtype)}) of a value that carries a "
                               "derivative would drop the derivative")
        return self

    def __getattr__(self, name: str) -> Any:
        """``x.arcsin()``, ``x.exp()``: numpy calls a function of an object array's
        entries as their method; every one-argument primitive with that numpy name is."""
        primitive = numpy_names().get(name)
        if primitive is None or PRIMITIVES[primitive].arity != 1:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return lambda: call(primitive, self)

    def __array_function__(self, func, types, args, kwargs):
        """A numpy function becomes the table's primitives (whole arrays at once) by its
        rule in ``numpy_api``; one without a rule is refused by name, never run entry
        by entry into a silently wrong value."""
        rule = ARRAY_FUNCTIONS.get(func)
        if rule is None:
            raise UnsupportedError(f"{_numpy_name(func)} is not differentiable in diffkit yet")
        return rule(*args, **kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = numpy_names().get(ufunc.__name__) if method == "__call__" else None
        if name is None or kwargs:
            rule = UFUNC_RULES.get((ufunc.__name__, method)) or UFUNC_RULES.get(("*", method))
            if rule is None:
                raise UnsupportedError(f"{_numpy_name(ufunc)}{_method(method)} is not "
                                       "differentiable in diffkit yet")
            return rule(ufunc, *inputs, **kwargs)
        if name == "pow":
            return power(inputs[0], inputs[1])
        if name == "heaviside":  # np.heaviside(x, 1/2): the table's Heaviside(0) = 1/2
            return call(name, inputs[0])
        if len(inputs) == 2:  # X @ w, 2.0 * x, ...: the fast path
            return self._diffkit_binary(name, *inputs)
        return call(name, *inputs)


def _numpy_name(func: Any) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    return f"{module if module.startswith('numpy') else 'numpy'}.{func.__name__}"


def _method(method: str) -> str:
    return "" if method == "__call__" else f".{method}"


class Symbolic(Differentiable):
    """A SymPy expression that numpy treats like a number: ``np.sin(x)``,
    ``np.log1p(x)`` and every other table primitive build the formula (the symbolic
    method runs a Python f on these to trace its formula)."""

    __slots__ = ("expr",)
    _diffkit_rank = 1

    def __init__(self, expr: sp.Expr) -> None:
        self.expr = expr

    @property
    def _diffkit_value(self) -> Any:
        return self.expr

    def _diffkit_apply(self, name: str, args: Any) -> Any:
        return Symbolic(PRIMITIVES[name].value(SYMPY, *[plain(a) for a in args]))

    def __repr__(self) -> str:
        return f"Symbolic({self.expr})"

    # a symbol stands for every number: == asks SymPy for an equation (whose truth is
    # undetermined, as for <), and a lookup by value (v in {2.0}, a dict key) has no
    # answer either; both are a branch on the value, never SymPy's "not the same tree"
    def __eq__(self, other): return self._relation(sp.Eq, other)
    def __ne__(self, other): return self._relation(sp.Ne, other)

    def _relation(self, relation: Any, other: Any) -> Any:
        other = plain(other)
        if not isinstance(other, sp.Basic | int | float | np.number):
            return NotImplemented  # x == None, x == "a": no equation, Python's answer
        return relation(self.expr, other)

    def __hash__(self) -> int:
        raise TypeError("cannot determine truth value of Relational: a symbol has no value "
                        "to look up (v in {...}, a dict key)")


def plain(v: Any) -> Any:
    """``v`` without the wrappers of differentiating values, entry by entry in an object
    array (a formula's expressions, a tape's numbers)."""
    v = primal_value(v)
    if isinstance(v, np.ndarray) and v.dtype == object:
        return np.frompyfunc(primal_value, 1, 1)(v)
    return v
