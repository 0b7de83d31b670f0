"""numpy functions that move entries (and those whose result has no derivative).

``np.concatenate``, ``np.roll``, ``np.pad``, ``np.tril``, ``np.repeat`` … only copy
entries (or put zeros): numpy itself runs the function on arrays of entry numbers, and
the result is one gather ``concat(0, inputs…)[index]`` — a whole-array operation whose
adjoint is one scatter-add.  A second run with every entry number shifted checks that
each output entry is a copy of an input entry or a zero, so a function that computes
with its values is refused, never gathered into a wrong number.  ``np.sort``,
``np.clip`` and ``np.where`` choose by the values: the choice is read on the plain
numbers and gathered the same way.

>>> import numpy as np
>>> from diffkit.analysis.autodiff import gradient
>>> gradient(lambda x: np.sum(np.clip(x, -1.0, 1.0) ** 2), np.array([0.5, 3.0]))
array([1., 0.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from diffkit.values.numpy_api import _refuse, not_on_complex, rule, value
from diffkit.values.overloading import (
    Differentiable,
    call,
    primal_value,
)


def _plain(v: Any) -> np.ndarray:
    return np.asarray(primal_value(v))


#: the index maps of calls whose arguments besides the data are plain (shapes, axes):
#: ``(function, shapes, arguments) → index`` (a few hundred, the oldest dropped)
_INDEX_MAPS: dict[Any, Any] = {}
_MAPS_KEPT = 512


def data_movement(name: str, fn: Callable[..., Any], data: list[Any], key: Any = None) -> Any:
    """``fn(*data)`` for a function ``fn`` that only moves entries: one gather from all
    of ``data`` (numbers, arrays, differentiating values), with 0 for entries it fills.
    ``key`` (hashable, naming the call but for the data's shapes) caches the map."""
    data = [value(d) for d in data]
    shapes = tuple(np.shape(_plain(d)) for d in data)
    full_key = None if key is None else (key, shapes)
    index = _INDEX_MAPS.get(full_key) if full_key is not None else None
    if index is None:
        index = _index_map(name, fn, shapes)
        if full_key is not None:
            if len(_INDEX_MAPS) >= _MAPS_KEPT:
                _INDEX_MAPS.pop(next(iter(_INDEX_MAPS)))
            _INDEX_MAPS[full_key] = index
    source = call("concat", 0.0, *data)
    if isinstance(index, list):  # np.split and friends: one gather per piece
        return [_take(source, i) for i in index]
    return _take(source, index)


def _take(source: Any, index: Any) -> Any:
    if isinstance(index, tuple):  # the entries in order: a slice and a reshape
        start, stop, shape = index
        return call("reshape", call("getitem", source, slice(start, stop)), shape)
    return call("getitem", source, index)


def _index_map(name: str, fn: Callable[..., Any], shapes: tuple) -> Any:
    """Where each output entry comes from in ``concat(0, data…)``: numpy runs ``fn`` on
    arrays of entry numbers, twice (shifted), and every output entry must be a copy
    (it moved with the shift) or a zero fill (it did not, and is 0)."""
    sizes = [int(np.prod(s)) for s in shapes]
    starts = np.cumsum([1, *sizes[:-1]])
    numbers = [np.arange(st, st + n, dtype=np.int64).reshape(s)
               for st, n, s in zip(starts, sizes, shapes, strict=True)]
    shift = 1 + sum(sizes)
    first = fn(*numbers)
    second = fn(*[n + shift for n in numbers])
    if isinstance(first, list | tuple):
        return [_checked(name, a, b, shift) for a, b in zip(first, second, strict=True)]
    return _checked(name, first, second, shift)


def _checked(name: str, first: Any, second: Any, shift: int) -> Any:
    first, second = np.asarray(first), np.asarray(second)
    if first.dtype.kind not in "iu" or first.shape != second.shape:
        _refuse(f"numpy.{name} (it does not only move entries)")
    copied = (second - first) == shift
    filled = (first == second) & (first == 0)
    if not np.all(copied | filled):
        _refuse(f"numpy.{name} with these arguments (it computes new values, not copies)")
    index = np.where(copied, first, 0)
    flat = index.ravel()
    if flat.size and flat[0] > 0 and np.array_equal(flat, np.arange(flat[0], flat[0] + flat.size)):
        return int(flat[0]), int(flat[0] + flat.size), index.shape  # in order: a slice
    return index


def _plain_key(v: Any) -> Any:
    """``v`` as a dictionary key if it is made of plain numbers, strings and tuples."""
    if v is None or isinstance(v, bool | int | float | str | np.integer):
        return v
    if isinstance(v, tuple | list):
        return tuple(_plain_key(x) for x in v)
    raise TypeError


def _moves(name: str, function: Any, data_args: int | str = 1) -> None:
    """Register ``function`` as moving its first ``data_args`` arguments ("seq": its
    first argument is a sequence of arrays; "all": every positional argument)."""

    def apply(*args: Any, **kwargs: Any) -> Any:
        n = 1 if data_args == "seq" else len(args) if data_args == "all" else int(data_args)
        rest = args[n:]
        try:
            key = (function, n, _plain_key(rest), _plain_key(sorted(kwargs.items())))
        except TypeError:  # an array among the arguments (take's indices): no cache
            key = None
        if data_args == "seq":
            return data_movement(name, lambda *d: function(list(d), *rest, **kwargs),
                                 list(args[0]), key)
        return data_movement(name, lambda *d: function(*d, *rest, **kwargs), list(args[:n]), key)

    rule(function)(apply)


for _fn in (np.ravel, np.squeeze, np.expand_dims, np.swapaxes, np.moveaxis, np.rollaxis,
            np.roll, np.flip, np.fliplr, np.flipud, np.rot90, np.repeat, np.tile, np.take,
            np.take_along_axis, np.diag, np.diagonal, np.diagflat, np.tril, np.triu,
            np.broadcast_to, np.pad, np.delete, np.resize, np.split, np.array_split,
            np.hsplit, np.vsplit, np.dsplit):
    _moves(_fn.__name__, _fn)
for _fn in (np.concatenate, np.stack, np.hstack, np.vstack, np.dstack, np.column_stack):
    _moves(_fn.__name__, _fn, "seq")
for _fn in (np.atleast_1d, np.atleast_2d, np.atleast_3d, np.broadcast_arrays):
    _moves(_fn.__name__, _fn, "all")
_moves("append", np.append, 2)


@rule(np.insert)
def _insert(arr, obj, values, axis=None):
    return data_movement("insert", lambda a, v: np.insert(a, obj, v, axis=axis), [arr, values])


@rule(np.reshape)
def _reshape(a, *args, **kwargs):
    order = kwargs.pop("order", "C") if len(args) < 2 else args[1]
    shape = args[0] if args else kwargs.pop("shape", kwargs.pop("newshape", None))
    kwargs.pop("copy", None)
    if order == "A":  # numpy's memory layout, which diffkit's values do not keep
        if sum(n > 1 for n in np.shape(_plain(a))) > 1:
            _refuse("numpy.reshape/ravel(order='A' or 'K') of a value with several axes "
                    "(numpy reads it in its memory order; write order='C' or 'F')")
        order = "C"  # one axis longer than 1: every order reads the same
    if order != "C" or kwargs:
        return data_movement("reshape", lambda v: np.reshape(v, shape, order=order), [a])
    return call("reshape", value(a), shape)


@rule(np.ravel)
def _ravel(a, order="C"):
    return _reshape(a, -1, "A" if order == "K" else order)  # memory order, as 'A' here


@rule(np.copy, np.asfortranarray, np.ascontiguousarray)
def _copy(a, *args, **kwargs):
    return value(a)


@rule(np.transpose)
def _transpose(a, axes=None):
    a = value(a)
    ndim = np.ndim(primal_value(a))
    if axes is not None and (len(axes) != ndim or any(not -ndim <= int(i) < ndim for i in axes)):
        raise ValueError("axes don't match array")  # numpy's words
    order = tuple(range(ndim))[::-1] if axes is None else tuple(int(i) % ndim for i in axes)
    return call("permute", a, order) if ndim >= 2 else a


@rule(np.where)
def _where(condition, x=None, y=None):
    if x is None and y is None:
        return np.nonzero(_plain(condition))
    choose = _plain(condition).astype(bool)
    return data_movement("where", lambda a, b: np.where(choose, a, b), [x, y])


@rule(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, **kw):
    if out is not None or kw:
        _refuse("numpy.clip with out= or other keywords")
    low = -np.inf if a_min is None else a_min
    high = np.inf if a_max is None else a_max
    x, lo, hi = _plain(a), _plain(low), _plain(high)
    if not isinstance(low, Differentiable) and not isinstance(high, Differentiable):
        # constant bounds: x where it is inside them (slope 1), a constant elsewhere
        below, above = x < lo, x > hi
        inside = np.asarray(~(below | above), dtype=float)
        outside = np.where(below, lo, 0.0) + np.where(above, hi, 0.0)
        return call("add", call("mul", value(a), inside), outside)
    choice = np.where(x < lo, 1, np.where(x > hi, 2, 0))  # the bound's slope is its own

    def pick(v, lo_numbers, hi_numbers):
        v, lo_numbers, hi_numbers = np.broadcast_arrays(v, lo_numbers, hi_numbers)
        return np.choose(choice, [v, lo_numbers, hi_numbers])

    return data_movement("clip", pick, [a, low, high])


@rule(np.select)
def _select(condlist, choicelist, default=0):
    conditions = [_plain(c).astype(bool) for c in condlist]
    return data_movement("select", lambda d, *cs: np.select(conditions, list(cs), d),
                         [default, *choicelist])


@rule(np.sort)
def _sort(a, axis=-1, kind=None, order=None, stable=None):
    if order is not None:
        _refuse("numpy.sort(order=)")
    x = _plain(a)
    if axis is None:
        index = np.argsort(x, axis=None, kind="stable")
        return data_movement("sort", lambda v: v.ravel()[index], [a])
    index = np.argsort(x, axis=axis, kind="stable")
    return data_movement("sort", lambda v: np.take_along_axis(v, index, axis=axis), [a])


@rule(np.median)
def _median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    if out is not None or keepdims:
        _refuse("numpy.median with out= or keepdims=")
    a = value(a)
    ordered = _sort(a, axis=axis)
    along = -1 if axis is None else axis
    n = np.shape(primal_value(ordered))[along]
    middle = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
    picked = np.take(ordered, middle, axis=along)
    return np.mean(picked, axis=along)


@rule(np.diff)
def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    if prepend is not np._NoValue or append is not np._NoValue:
        _refuse("numpy.diff with prepend= or append=")
    a = value(a)
    for _ in range(n):
        length = np.shape(primal_value(a))[axis]
        a = call("sub", np.take(a, range(1, length), axis=axis),
                 np.take(a, range(length - 1), axis=axis))
    return a


@rule(np.sinc)
def _sinc(x):
    scaled = call("mul", value(x), np.pi)
    return call("div", call("sin", scaled), scaled)


@rule(np.round, np.around)
def _round(a, decimals=0, out=None):
    if out is not None:
        _refuse("numpy.round(out=)")
    if decimals == 0:
        return call("rint", value(a))
    scale = 10.0 ** decimals  # slope 0 between the steps, like rint
    return call("div", call("rint", call("mul", value(a), scale)), scale)


@rule(np.fix)
def _fix(x, out=None):
    if out is not None:
        _refuse("numpy.fix(out=)")
    return call("trunc", value(x))


@rule(np.real, np.real_if_close)
def _real(x, *args, **kwargs):
    not_on_complex(x, "real")
    return value(x)


# --- functions whose result has no derivative: run on the plain numbers ---------------------
def _on_values(function: Any) -> None:
    def apply(*args: Any, **kwargs: Any) -> Any:
        plain = [primal_value(a) if isinstance(a, Differentiable) else a for a in args]
        return function(*plain, **{k: primal_value(v) for k, v in kwargs.items()})

    rule(function)(apply)


for _fn in (np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero, np.flatnonzero,
            np.count_nonzero, np.shape, np.ndim, np.size, np.isclose, np.allclose,
            np.array_equal, np.array_equiv, np.any, np.all, np.searchsorted, np.isreal,
            np.iscomplex, np.isrealobj, np.iscomplexobj, np.zeros_like, np.ones_like,
            np.empty_like, np.full_like, np.imag, np.result_type, np.can_cast,
            np.min_scalar_type, np.argpartition, np.digitize, np.isin):
    _on_values(_fn)
