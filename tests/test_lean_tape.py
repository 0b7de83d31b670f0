"""The lean tape: ``gradient`` keeps only the values the backward sweep reads.

Which values a primitive's reverse rules read is taken from the rules' code
(``table/reads.py``); a value no rule reads is replaced on the tape by its shape, and
numpy reuses its memory as soon as f lets go of it — as autograd's closures do.  The
analysis is checked here against the rules themselves: every rule of the table, with
the values said to be unread replaced by their shapes, gives the same adjoint.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import diffkit as dk
from diffkit.inputs.arguments import Arguments
from diffkit.ir import adjoints
from diffkit.ir.recording import input_adjoints, record_run
from diffkit.ir.tape import Dropped
from diffkit.support.errors import EvaluationError
from diffkit.table import primitives
from diffkit.table.backends import NUMPY
from diffkit.table.primitives import (
    FRESH_REFERENCES,
    PRIMITIVES,
    ZERO,
    adjoint_term,
    define,
    forget,
)
from diffkit.table.reads import reverse_reads
from diffkit.values.overloading import call

POINTS = (0.3, 0.8, 1.7, -0.6)


def _cases(prim):
    if prim.examples:
        return list(prim.examples)
    cases = []
    for a in POINTS:
        args = tuple(a + 0.37 * k for k in range(prim.arity))
        inside = prim.domain is None or bool(np.all(prim.domain(*args)))
        if inside and (prim.kink is None or not bool(np.any(prim.kink(*args)))):
            cases.append(args)
    return cases


def _stand_in(v):
    return Dropped(np.shape(v)) if isinstance(v, np.ndarray | float | int) else v


def _same(a, b) -> bool:
    if a is None or b is None or a is ZERO or b is ZERO:
        return a is b
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items() if reverse_reads(p) is not None))
def test_a_rule_gives_the_same_adjoint_without_the_values_it_does_not_read(name):
    prim = PRIMITIVES[name]
    reads = reverse_reads(prim)
    cases = _cases(prim)
    assert cases, name
    for args in cases:
        args = [np.asarray(a, dtype=float) if isinstance(a, list) else a for a in args]
        with np.errstate(all="ignore"):
            y = prim.value(NUMPY, *args)
        y_bar = np.ones_like(np.asarray(y, dtype=float)) * 0.7 if np.ndim(y) else 0.7
        lean_args = [a if reads[k] else _stand_in(a) for k, a in enumerate(args)]
        lean_y = y if reads[-1] else _stand_in(y)
        for k in range(prim.arity):
            if k in prim.constants or not isinstance(args[k], np.ndarray | float):
                continue
            with np.errstate(all="ignore"):
                full = adjoint_term(prim, k, NUMPY, args, y, y_bar)
                lean = adjoint_term(prim, k, NUMPY, lean_args, lean_y, y_bar)
            assert _same(full, lean), (name, k, args)


def test_the_reads_of_familiar_rules():
    assert reverse_reads(PRIMITIVES["add"]) == (False, False, False)  # ȳ passes through
    assert reverse_reads(PRIMITIVES["neg"]) == (False, False)
    assert reverse_reads(PRIMITIVES["exp"]) == (False, True)  # e^x's slope is its value
    assert reverse_reads(PRIMITIVES["sin"]) == (True, False)  # cos x
    assert reverse_reads(PRIMITIVES["div"]) == (False, True, True)  # 1/b and −y/b
    assert reverse_reads(PRIMITIVES["stack"]) is None  # any number of arguments: all kept


def _peak_arrays(f, x, lean: bool) -> float:
    args = Arguments.of(f, x)
    tracemalloc.start()
    try:
        tape, inputs, out = record_run(f, args, lean=lean)
        input_adjoints(tape, inputs, out, 1.0, args)
        return tracemalloc.get_traced_memory()[1] / x.nbytes
    finally:
        tracemalloc.stop()


def test_a_lean_gradient_holds_fewer_arrays_and_gives_the_same_numbers():
    x = np.linspace(-3.0, 3.0, 100_000)
    f = lambda v: np.sum(np.sin(v) * np.exp(-v ** 2) + np.log(1 + v ** 2))
    exact = np.cos(x) * np.exp(-x ** 2) - 2 * x * np.sin(x) * np.exp(-x ** 2) + 2 * x / (1 + x ** 2)
    np.testing.assert_allclose(dk.gradient(f, x), exact, rtol=1e-13, atol=1e-15)
    lean, full = _peak_arrays(f, x, True), _peak_arrays(f, x, False)
    assert full - lean >= 4, (lean, full)  # sq, −sq, sin·e, log: not read backwards


def test_a_lean_gradient_still_says_where_f_went_wrong():
    with pytest.raises(EvaluationError, match="f is not finite: log is undefined here"):
        dk.gradient(lambda x: np.sum(np.log(x) * 2.0), np.array([-1.0, 1.0]))
    with pytest.raises(EvaluationError, match="the slope of sqrt is infinite at 0"):
        dk.gradient(lambda x: np.sum(np.sqrt(x) + x), np.array([0.0, 1.0]))


def test_a_partial_a_rule_keeps_is_never_overwritten():
    """A partial is multiplied by ȳ in place only when nothing but the sweep holds it
    (numpy's temporary elision); a rule that returns an array it keeps gets its array
    back untouched, call after call."""
    kept = np.array([2.0, 3.0, 4.0] * 2000)  # large enough to be elided if it were fresh
    try:
        define("scale_by_kept", impl={"float64": lambda x: kept * x, "mpmath": None, "sympy": None},
               partials=[lambda m, x, y: kept])
        f = lambda x: np.sum(call("scale_by_kept", x) * 0.5)
        for _ in range(3):
            np.testing.assert_array_equal(dk.gradient(f, np.ones(6000)), [1.0, 1.5, 2.0] * 2000)
        np.testing.assert_array_equal(kept, [2.0, 3.0, 4.0] * 2000)
    finally:
        forget("scale_by_kept")


def _sweep_peak(f, x) -> float:
    """Peak memory of one backward sweep, in arrays of x's size, and the gradient."""
    args = Arguments.of(f, x)
    tape, inputs, out = record_run(f, args, lean=True)
    tracemalloc.start()
    try:
        gradient = input_adjoints(tape, inputs, out, 1.0, args)[0]
        return tracemalloc.get_traced_memory()[1] / x.nbytes, gradient
    finally:
        tracemalloc.stop()


def test_the_sweep_works_in_place_and_gives_the_same_numbers(monkeypatch):
    """sin's partial cos x, exp's y·ȳ and neg's −ȳ written into arrays only the sweep
    holds: the sweep's peak memory is lower than with every product a new array, and
    the gradient the same to the last bit."""
    x = np.linspace(0.1, 2.0, 100_000)
    f = lambda v: np.sum(-np.exp(np.sin(v) * 3.0))
    assert FRESH_REFERENCES is not None  # CPython: the count tells a temporary from a kept array
    in_place, gradient = _sweep_peak(f, x)
    np.testing.assert_allclose(gradient, -np.exp(3.0 * np.sin(x)) * 3.0 * np.cos(x), rtol=1e-14)
    monkeypatch.setattr(primitives, "FRESH_REFERENCES", None)
    monkeypatch.setattr(adjoints, "FRESH_REFERENCES", None)
    monkeypatch.setattr(adjoints, "LISTED_REFERENCES", None)
    new_arrays, same = _sweep_peak(f, x)
    np.testing.assert_array_equal(same, gradient)
    assert in_place <= new_arrays - 0.9, (in_place, new_arrays)  # 2 arrays against 3


def test_adjoints_added_in_place_never_reach_a_shared_array():
    """x used many times: passed-through adjoints (x + x), fresh ones (x·x, sin x), a
    slice's scatter and a broadcast; the sums go into buffers only the sweep holds."""
    x = np.linspace(-1.0, 2.0, 7000)
    w = np.arange(1.0, 7001.0)

    def f(v):
        a = v + v
        b = a * v + np.sin(v) * 2.0
        c = np.sum(b[1:] * w[1:]) + np.sum(a * a) + np.sum(v + 3.0)
        return c + np.sum(np.exp(v) - v)

    exact = (4 * x + np.cos(x) * 2.0) * np.where(np.arange(7000) > 0, w, 0.0) + 8 * x + 1 + np.exp(x) - 1
    for _ in range(2):
        np.testing.assert_allclose(dk.gradient(f, x), exact, rtol=1e-14, atol=1e-12)
    np.testing.assert_array_equal(w, np.arange(1.0, 7001.0))


def test_a_spent_adjoint_is_reused_only_where_nothing_else_holds_it():
    """x + w passes one adjoint array to both (the same object); exp(x) and −w then
    take their contributions from it: written into it only if no other node holds
    it.  Checked against the gradient by hand, entry by entry."""
    v = np.linspace(-1.0, 1.0, 6000)

    def f(x):
        u = np.exp(x * 0.5)  # its adjoint is also w's: not spent
        w = -np.sin(x)
        t = (u + w) * 3.0  # ȳ of u and of w: the same array
        return np.sum(np.tanh(t))

    t = 3.0 * (np.exp(0.5 * v) - np.sin(v))
    exact = (1 - np.tanh(t) ** 2) * 3.0 * (0.5 * np.exp(0.5 * v) - np.cos(v))
    np.testing.assert_allclose(dk.gradient(f, v), exact, rtol=1e-13, atol=1e-15)
