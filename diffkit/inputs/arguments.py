"""How ``at`` becomes the arguments of a Python function, and results come back in
the same shape.

``at=0.37`` or ``at=np.ones(3)`` is one argument, ``f(x)``; a tuple is several,
``f(*at)``; a dict names them, ``f(**at)``.  Gradients come back the same way: an
array of x's shape, a tuple, a dict.  For the comparison every scalar entry also gets
a name of its own (``w[0]``, ``w[1]``, …), so that an array-valued variable reads like
several scalar ones.

>>> args = Arguments.of(lambda w: w, [1.0, 2.0])
>>> args.flat_point()
{'w[0]': 1.0, 'w[1]': 2.0}
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from diffkit.support.errors import DiffkitError, EvaluationError, PointError
from diffkit.values.dual import Dual
from diffkit.values.overloading import Differentiable, primal_value, stacked


@dataclass
class Arguments:
    kind: str  # "one": f(x); "tuple": f(*at); "dict": f(**at)
    names: list[str]
    values: list[Any]  # each a float or a float64 array

    @classmethod
    def of(cls, fn: Callable[..., Any], at: Any) -> Arguments:
        if isinstance(at, Mapping):
            if not at:
                raise PointError("no point given: at={} names no argument")
            _check_keywords(fn, [str(k) for k in at])
            return cls("dict", [str(k) for k in at], [_value(v, str(k)) for k, v in at.items()])
        params = _parameter_names(fn)
        if isinstance(at, tuple):
            names = [params[i] if i < len(params) else f"x{i}" for i in range(len(at))]
            return cls("tuple", names, [_value(v, n) for v, n in zip(at, names, strict=True)])
        name = params[0] if params else "x"
        return cls("one", [name], [_value(at, name)])

    def call(self, fn: Callable[..., Any], values: list[Any]) -> Any:
        if self.kind == "one":
            return fn(values[0])
        if self.kind == "tuple":
            return fn(*values)
        return fn(**dict(zip(self.names, values, strict=True)))

    def label(self, fn: Callable[..., Any]) -> str:
        """How tables name f: ``f(a)``, ``<lambda>(x1, x2)``."""
        return f"{getattr(fn, '__name__', 'f')}({', '.join(self.names)})"

    def pack(self, per_argument: list[Any]) -> Any:
        """Results, one per argument, in the structure ``at`` had."""
        if self.kind == "one":
            return per_argument[0]
        if self.kind == "tuple":
            return tuple(per_argument)
        return dict(zip(self.names, per_argument, strict=True))

    @property
    def size(self) -> int:
        return sum(int(np.size(v)) for v in self.values)

    def entry_names(self, k: int) -> list[str]:
        """Names of argument k's scalar entries: ``x``, or ``w[0]``, ``W[1,2]``, …"""
        v, name = self.values[k], self.names[k]
        if np.ndim(v) == 0:
            return [name]
        return [f"{name}[{','.join(map(str, i))}]" for i in np.ndindex(*np.shape(v))]

    def flat_point(self) -> dict[str, float]:
        point: dict[str, float] = {}
        for k, v in enumerate(self.values):
            for entry, x in zip(self.entry_names(k), np.ravel(v), strict=True):
                point[entry] = float(x)
        return point

    def from_flat(self, inputs: Mapping[str, Any]) -> list[Any]:
        """The arguments with the named scalar entries set to ``inputs``' values
        (floats, complex numbers, Duals, mpmath numbers, SymPy symbols); every other
        entry keeps its value at the point.  Only the entries named are touched, so a
        method that moves a few entries of a large array pays for those few."""
        changes: dict[int, list[tuple[int, Any]]] = {}
        for name, value in inputs.items():
            k, i = self._where[name]
            changes.setdefault(k, []).append((i, value))
        rebuilt = []
        for k, base in enumerate(self.values):
            moved = changes.get(k)
            if np.ndim(base) == 0:
                rebuilt.append(moved[0][1] if moved else base)
                continue
            rebuilt.append(_with_entries(base, moved or []))
        return rebuilt

    @cached_property
    def _where(self) -> dict[str, tuple[int, int]]:
        """Each scalar entry's name → (argument, flat index)."""
        return {name: (k, i) for k in range(len(self.values))
                for i, name in enumerate(self.entry_names(k))}


def _with_entries(base: np.ndarray, moved: list[tuple[int, Any]]) -> Any:
    """A copy of ``base`` with flat entries set; Duals set there make one Dual of
    arrays (tangents zero elsewhere), so forward mode runs on whole arrays."""

    if all(isinstance(v, float | int | np.floating) for _, v in moved):
        flat = base.copy().ravel()
    elif all(isinstance(v, float | int | complex | np.number) for _, v in moved):
        flat = base.astype(complex).ravel()
    elif all(isinstance(v, Dual | float | int | np.floating) for _, v in moved):
        return Dual(  # a plain number among Duals has tangent 0
            _with_entries(base, [(i, v.primal if isinstance(v, Dual) else v) for i, v in moved]),
            _with_entries(np.zeros(base.shape),
                          [(i, v.tangent) for i, v in moved if isinstance(v, Dual)]),
            max(v.level for _, v in moved if isinstance(v, Dual)))
    else:  # mpmath numbers, symbols: entry by entry
        return stack([v for _, v in sorted(moved)] if len(moved) == base.size
                     else _replaced(base.ravel().tolist(), moved), base.shape)
    for i, v in moved:
        flat[i] = v
    return flat.reshape(base.shape)


def _replaced(flat: list[Any], moved: list[tuple[int, Any]]) -> list[Any]:
    for i, v in moved:
        flat[i] = v
    return flat


def stack(entries: list[Any], shape: tuple[int, ...]) -> Any:
    """An array of ``shape`` from its entries; Duals among them become one Dual of
    arrays (nested Duals, nested), so forward mode runs on whole arrays."""

    if any(isinstance(e, Dual) for e in entries):
        primals = [e.primal if isinstance(e, Dual) else e for e in entries]
        tangents = [e.tangent if isinstance(e, Dual) else 0.0 for e in entries]
        return Dual(stack(primals, shape), stack(tangents, shape),
                    max(e.level for e in entries if isinstance(e, Dual)))
    if all(isinstance(e, float | int | complex | np.number) for e in entries):
        return np.array(entries).reshape(shape)
    out = np.empty(len(entries), dtype=object)
    out[:] = entries
    return out.reshape(shape)


def _parameter_names(fn: Callable[..., Any]) -> list[str]:
    code = getattr(fn, "__code__", None)
    if code is not None and not hasattr(fn, "__wrapped__") and not hasattr(fn, "__self__"):
        # a plain function: its code object names the parameters (fast)
        return list(code.co_varnames[: code.co_argcount])
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _check_keywords(fn: Callable[..., Any], names: list[str]) -> None:
    """A dict ``at`` gives f's arguments by name: refuse a name f does not take (before
    f runs, so that its TypeError is not taken for f's own fault)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return  # a callable that does not say: f itself will tell
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    taken = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    unknown = [n for n in names if n not in taken]
    if unknown:
        raise PointError(
            f"at is a dict, so its keys name f's arguments, but f has no argument "
            f"{', '.join(unknown)} (it takes {', '.join(taken) or 'none by name'}); to give "
            "one argument that is a dict, pass its entries as f's arguments instead")


def _value(v: Any, name: str) -> Any:
    """A float, or a float64 array, checked finite; a value that carries an outer
    derivative (``gradient`` inside ``gradient``) as it is."""
    if type(v) is float and math.isfinite(v):  # the common case, fast
        return v
    if isinstance(v, Differentiable):
        if not np.all(np.isfinite(primal_value(v))):
            raise PointError(f"the value for {name} is not finite: give finite numbers")
        return v
    if isinstance(v, np.ndarray) and v.dtype == object and v.size and any(
            isinstance(e, Differentiable) for e in v.ravel()):
        return _value(stacked(v), name)
    if isinstance(v, np.ndarray) and v.dtype == np.float64 and v.size:  # the common case, fast
        if not math.isfinite(v.sum()) and not np.all(np.isfinite(v)):
            raise PointError(f"the value for {name} is not finite: give finite numbers")
        return v
    if isinstance(v, bool):
        raise PointError(f"{v!r} is not a number for {name}")
    if v is None:
        raise PointError(f"no value for {name}: give a number or an array of numbers")
    try:
        complex_valued = np.iscomplexobj(v)
    except (TypeError, ValueError):  # a ragged list: numpy makes no array of it
        raise PointError(f"the value for {name} is not a number or an array of numbers "
                         "(rows of different lengths?)") from None
    if complex_valued:
        raise PointError(f"the value for {name} is complex; diffkit differentiates at real "
                         "points")
    try:
        array = np.asarray(v, dtype=float)
    except OverflowError:
        raise PointError(f"the value for {name} is too large for a double") from None
    except (TypeError, ValueError):
        raise PointError(f"the value for {name} is not a number or an array of numbers") from None
    if array.size == 0:
        raise PointError(f"the array for {name} is empty: there is nothing to differentiate")
    if not np.all(np.isfinite(array)):
        raise PointError(f"the value for {name} is not finite: give finite numbers")
    return float(array) if array.ndim == 0 else array


def call_user(fn: Callable[..., Any], arguments: Arguments, values: list[Any],
              quiet: bool = True, who: str = "f") -> Any:
    """fn(values), with what fn itself raises turned into one readable line (the
    original exception stays chained for a traceback).  With ``quiet`` numpy's
    floating-point warnings are off while fn runs (diffkit reports a nan or an inf
    itself); a caller whose values compute without numpy turns them off where they
    reach it instead (a reverse tape of Python floats: ``Tape.quiet``).  ``who`` names
    fn in the message (``grad_f`` for a gradient a user gives to check)."""
    try:
        if not quiet:
            return arguments.call(fn, values)
        with np.errstate(all="ignore"):
            return arguments.call(fn, values)
    except DiffkitError:
        raise
    except RecursionError as err:  # f's own recursion: its fault, in one line
        raise EvaluationError(f"{who} raised RecursionError: maximum recursion depth "
                              f"exceeded (does {who} call itself without end?)") from err
    except Exception as err:
        if raised_inside_diffkit(err):
            raise  # diffkit's own bug while f ran: an internal error, not f's fault
        raise EvaluationError(f"{who} raised {type(err).__name__}: {err}{_hint(err)}") from err


def _hint(err: Exception) -> str:
    """What numpy's own words mean when a differentiating value meets a plain array."""
    if isinstance(err, ValueError) and str(err).startswith("setting an array element with a sequence"):
        return (" (if f writes a value that carries a derivative into a plain numpy array, "
                "y[i] = x[0], numpy cannot hold its derivative: build the array with "
                "np.array([...]), np.stack or np.concatenate instead)")
    return ""


#: exceptions that mean a bug where they are raised (a missing name, key or attribute)
_BUGS = (AttributeError, KeyError, NameError, AssertionError, ImportError)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # diffkit/, not inputs/
_LIBRARIES = tuple(os.path.dirname(os.path.abspath(m.__file__)) for m in (np, sp, mpmath))


def raised_inside_diffkit(err: BaseException) -> bool:
    """Whether ``err`` is diffkit's bug rather than f's: a bug-kind exception whose
    innermost frame outside numpy, SymPy and mpmath is diffkit's own code (not the
    attribute lookup that tells a user ``x.foo`` does not exist)."""
    if not isinstance(err, _BUGS):
        return False
    tb, innermost = err.__traceback__, None
    while tb is not None:
        filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if not filename.startswith(_LIBRARIES):
            innermost = tb.tb_frame
        tb = tb.tb_next
    if innermost is None or innermost.f_code is Differentiable.__getattr__.__code__:
        return False
    return os.path.abspath(innermost.f_code.co_filename).startswith(_PACKAGE)


def run_user(fn: Callable[..., Any], arguments: Arguments, values: list[Any], *,
             complex_ok: bool = False, quiet: bool = True) -> Any:
    """f(values) as the methods need it: a list or tuple stacked into one array, and
    the result checked to be a real number or an array of them (complex too where
    the inputs were, for the complex step).  ``quiet`` as in ``call_user``."""
    out = call_user(fn, arguments, values, quiet)
    if type(out) is not float and type(out) is not np.float64:
        out = stacked(out)
    plain = primal_value(out)
    if type(plain) is np.float64 or type(plain) is float:  # the usual answer: fast
        return out
    kind = getattr(plain, "dtype", None)
    kind = kind.kind if kind is not None else None
    if isinstance(plain, bool | np.bool_) or kind == "b":
        raise EvaluationError("f returned a truth value (True/False), not a number: "
                              "a comparison has no derivative")
    if isinstance(plain, complex | np.complexfloating) or kind == "c":
        if not complex_ok:
            raise EvaluationError("f returned a complex number for real inputs; diffkit "
                                  "differentiates real functions")
    elif not (isinstance(plain, int | float | np.number | mpmath.mpf | np.ndarray)):
        raise EvaluationError(f"f returned {type(plain).__name__}, not a number or an array "
                              "of numbers (a list or tuple of numbers is stacked into one)")
    elif kind is not None and kind not in "fiuO":
        raise EvaluationError(f"f returned an array of {plain.dtype}, not of numbers")
    return out


def is_function(f: Any) -> bool:
    """A Python callable (as opposed to expression text or a SymPy expression)."""
    return callable(f) and not isinstance(f, str | sp.Basic)


__all__ = ["Arguments", "call_user", "is_function", "run_user", "stack"]
