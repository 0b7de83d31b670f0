"""The primitive table, entry by entry, against SymPy and high-precision differences.

Every derivative diffkit computes (symbolic, forward, reverse) reads the table's rules,
so a wrong rule would be wrong in every one of them at once.  This test checks each
rule against something that does not read the table:

- a scalar entry's value and partials against ``sympy.diff`` of its SymPy counterpart
  (at 50 digits, in float64 through the numpy backend, and on Python floats through
  the ``FLOAT`` backend), at its ``examples`` or at the points of a fixed grid its
  domain admits;
- its domain: inside it SymPy's value is a finite real number, outside it is not;
- its kinks: at each grid point the kink predicate names, the one-sided rule against
  one-sided differences of SymPy's values at h = 1e-40 (100 digits), and the kink is
  real (the one-sided slopes are not those of a linear map, one of them is infinite
  or a jump, or the point is an edge of the domain);
- an array entry's ``jvp`` and ``vjp`` against a Jacobian of central differences in
  80-digit mpmath, and ``vjp`` as the transpose of ``jvp`` (⟨ū, J·v⟩ = ⟨Jᵀū, v⟩).

The cases come from the table itself: a new entry is tested without a new test.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from diffkit.support.errors import NoDerivativeError
from diffkit.table.backends import FLOAT, MPMATH, NUMPY, SYMPY
from diffkit.table.primitives import MINUS_ONE, ONE, PRIMITIVES, ZERO

#: entries whose derivative is a definition, not calculus
BY_DEFINITION = {"stop_gradient": "detach: its derivative is 0 by definition"}
GRID = (-2.6, -1.7, -0.6, 0.3, 0.8, 1.9, 3.2)
KINK_CANDIDATES = (-1.0, 0.0, 0.5, 1.0)


def _is_array_entry(prim) -> bool:
    return prim.jvp is not None


def _arity(prim) -> int:
    return prim.arity


def _scalar_examples(prim) -> list[tuple]:
    if prim.examples:
        return list(prim.examples)
    points = [args for args in itertools.product(GRID, repeat=_arity(prim))
              if (prim.domain is None or bool(prim.domain(*args)))
              and (prim.kink is None or not bool(prim.kink(*args)))]
    return points


def _exact(v: float) -> sp.Rational:
    return sp.Rational(Fraction(v))


def _head(prim, args):
    """The entry's SymPy counterpart: dummies for the differentiated arguments."""
    dummies = [sp.Symbol(f"a{k}", real=True) for k in range(len(args))]
    head_args = [sp.Integer(int(a)) if k in prim.constants else d
                 for k, (a, d) in enumerate(zip(args, dummies, strict=True))]
    return prim.value(SYMPY, *head_args), dummies


def _sympy_number(expr: sp.Expr, subs: dict, digits: int = 50) -> mpmath.mpf | None:
    """A finite real value at ``digits`` digits, or None (complex, infinite, undefined)."""
    value = sp.N(expr.subs(subs), digits)
    if not (value.is_real and value.is_finite):
        return None
    return mpmath.mpf(sp.Float(value, digits))


def _central_difference(head, dummies, subs, k) -> mpmath.mpf | None:
    """(f(a + h) − f(a − h)) / 2h along argument k from SymPy's values at 110 digits,
    h = 1e-40: for heads whose derivative SymPy leaves unevaluated (steps, mod)."""
    h = sp.Rational(1, 10**40)
    with mpmath.workdps(110):
        up = _sympy_number(head, {**subs, dummies[k]: subs[dummies[k]] + h}, 110)
        down = _sympy_number(head, {**subs, dummies[k]: subs[dummies[k]] - h}, 110)
        if up is None or down is None:
            return None
        return (up - down) / (2 * mpmath.mpf(h))


def _marker(v, m):
    return {id(ONE): 1, id(MINUS_ONE): -1, id(ZERO): 0}.get(id(v), v)


def _check_scalar(prim) -> int:
    checked = 0
    for args in _scalar_examples(prim):
        head, dummies = _head(prim, args)
        subs = {d: _exact(a) for d, a in zip(dummies, args, strict=True)}
        with mpmath.workdps(50):
            exact_value = _sympy_number(head, subs)
            assert exact_value is not None, (prim.name, args, "SymPy: not defined here")
            mp_args = [int(a) if k in prim.constants else mpmath.mpf(a) for k, a in enumerate(args)]
            y = prim.value(MPMATH, *mp_args)
            assert abs(y - exact_value) <= 1e-45 * max(1, abs(exact_value)), (prim.name, args)
            y64 = prim.value(NUMPY, *args)
            y_py = prim.value(FLOAT, *args)  # Python floats: the scalar paths' arithmetic
            assert float(y_py) == pytest.approx(float(exact_value), rel=1e-14, abs=1e-300), (
                prim.name, args, "on Python floats")
            for k in range(len(args)):
                if k in prim.constants:
                    continue
                derivative = sp.diff(head, dummies[k])
                if derivative.has(sp.Derivative, sp.DiracDelta):  # floor, mod: SymPy has no rule
                    exact = _central_difference(head, dummies, subs, k)
                else:
                    exact = _sympy_number(derivative, subs)
                assert exact is not None, (prim.name, args, k, "SymPy's derivative undefined")
                ours = mpmath.mpf(_marker(prim.partials[k](MPMATH, *mp_args, y), MPMATH))
                assert abs(ours - exact) <= 1e-40 * max(1, abs(exact)), (
                    f"{prim.name}: ∂/∂arg{k} at {args} is {ours}, SymPy says {exact}")
                ours64 = float(_marker(prim.partials[k](NUMPY, *args, y64), NUMPY))
                assert ours64 == pytest.approx(float(exact), rel=1e-13, abs=1e-300), (
                    prim.name, args, k)
                ours_py = float(_marker(prim.partials[k](FLOAT, *args, y_py), FLOAT))
                assert ours_py == pytest.approx(float(exact), rel=1e-13, abs=1e-300), (
                    prim.name, args, k, "on Python floats")
                if prim.analytic:  # the complex step runs the float64 impl at x + ih
                    stepped = [complex(a, 1e-20) if j == k else a for j, a in enumerate(args)]
                    with np.errstate(all="ignore"):
                        slope = np.imag(prim.value(NUMPY, *stepped)) / 1e-20
                    assert slope == pytest.approx(float(exact), rel=1e-10, abs=1e-300), (
                        prim.name, args, k, "the complex step through the float64 impl")
                checked += 1
    return checked


def _check_domain(prim) -> None:
    if prim.domain is None:
        return
    for args in itertools.product(GRID, repeat=_arity(prim)):
        if prim.constants:
            continue
        head, dummies = _head(prim, args)
        subs = {d: _exact(a) for d, a in zip(dummies, args, strict=True)}
        with mpmath.workdps(50):
            defined = _sympy_number(head, subs) is not None
        assert bool(prim.domain(*args)) == defined, (
            f"{prim.name} at {args}: domain says {bool(prim.domain(*args))}, SymPy's value "
            f"is {'defined' if defined else 'not a finite real number'}")


def _one_sided(head, dummies, args, t, base, h) -> mpmath.mpf | None:
    """(f(p + h·t) − f(p))/h from SymPy's values at 110 digits (None off the domain)."""
    moved = {d: _exact(a) + sp.Rational(tk) * h for d, a, tk in zip(dummies, args, t, strict=True)}
    value = _sympy_number(head, moved, 110)
    return None if value is None else (value - base) / mpmath.mpf(h)


def _check_kinks(prim) -> int:
    """At every candidate point the kink predicate names: the one-sided rule against
    one-sided differences, and the kink is real."""
    if prim.kink is None:
        return 0
    found = 0
    for args in itertools.product(KINK_CANDIDATES, repeat=_arity(prim)):
        if not bool(prim.kink(*args)) or (prim.domain is not None and not bool(prim.domain(*args))):
            continue
        found += 1
        head, dummies = _head(prim, args)
        directions = [t for t in itertools.product((-1, 0, 1), repeat=len(args)) if any(t)]
        slopes: dict[tuple, mpmath.mpf | None] = {}
        broken = False  # an infinite slope or a jump in some direction
        edge = False  # some direction leaves the domain: only one-sided slopes exist
        with mpmath.workdps(100):
            base = _sympy_number(head, {d: _exact(a) for d, a in zip(dummies, args, strict=True)}, 110)

            for t in directions:
                coarse = _one_sided(head, dummies, args, t, base, sp.Rational(1, 10**30))
                fine = _one_sided(head, dummies, args, t, base, sp.Rational(1, 10**40))
                if coarse is None or fine is None:  # this side leaves the domain
                    edge = True
                    continue
                diverges = abs(fine) > 1e3 * max(1, abs(coarse))
                broken |= diverges
                try:
                    rule = prim.directional(MPMATH, [mpmath.mpf(a) for a in args],
                                            [mpmath.mpf(x) for x in t])
                except NoDerivativeError:
                    slopes[t] = None
                    continue
                assert not diverges, (prim.name, args, t, "a finite one-sided rule where f's slope is infinite")
                assert abs(mpmath.mpf(rule) - fine) <= 1e-25 * max(1, abs(fine)), (
                    f"{prim.name} at {args} in direction {t}: rule {rule}, differences {fine}")
                slopes[t] = mpmath.mpf(rule)
        refused = any(v is None for v in slopes.values())
        nonlinear = any(slopes.get(t) is not None and slopes.get(tuple(-x for x in t)) is not None
                        and abs(slopes[t] + slopes[tuple(-x for x in t)]) > 1e-20 for t in slopes)
        assert broken or nonlinear or edge, (
            prim.name, args, "the kink predicate names a point where f is smooth")
        if refused:
            assert broken or edge, (prim.name, args, "a one-sided rule refuses where f has finite slopes")
    return found


# -- array entries -----------------------------------------------------------------------
def _rules(prim, k: int):
    return prim.jvp[k], prim.vjp[k]


def _differentiated(prim, args) -> list[int]:
    return [k for k in range(len(args))
            if k not in prim.constants and prim.jvp[k].__name__ != "_param"]


def _to_mp(v):
    if isinstance(v, np.ndarray):
        return np.array([mpmath.mpf(float(x)) for x in v.ravel()], dtype=object).reshape(v.shape)
    return mpmath.mpf(v)


def _jacobian(prim, args, diff: list[int]) -> dict[int, np.ndarray]:
    """∂(flat output)/∂(flat argument k) by central differences at 80 digits, h = 1e-25."""
    columns: dict[int, np.ndarray] = {}
    with mpmath.workdps(80):
        mp_args = [_to_mp(a) if k in diff else a for k, a in enumerate(args)]
        h = mpmath.mpf(10) ** -25
        for k in diff:
            size = int(np.size(args[k]))
            cols = []
            for i in range(size):
                outs = []
                for sign in (1, -1):
                    moved = list(mp_args)
                    if isinstance(args[k], np.ndarray):
                        arr = mp_args[k].copy().ravel()
                        arr[i] = arr[i] + sign * h
                        moved[k] = arr.reshape(args[k].shape)
                    else:
                        moved[k] = mp_args[k] + sign * h
                    outs.append(np.ravel(np.asarray(prim.value(MPMATH, *moved), dtype=object)))
                cols.append([float((p - q) / (2 * h)) for p, q in zip(*outs, strict=True)])
            columns[k] = np.array(cols).T  # (outputs, entries of argument k)
    return columns


def _check_array(prim) -> int:
    assert prim.examples, f"the array entry {prim.name} gives no examples for the table test"
    rng = np.random.default_rng(7)
    for args in prim.examples:
        diff = _differentiated(prim, args)
        y = prim.value(NUMPY, *args)
        jac = _jacobian(prim, args, diff)
        tangents = {k: (rng.normal(size=np.shape(args[k])) if np.ndim(args[k]) else float(rng.normal()))
                    for k in diff}
        cotangent = rng.normal(size=np.shape(y)) if np.ndim(y) else float(rng.normal())
        jv_exact = sum(jac[k] @ np.ravel(tangents[k]) for k in diff)
        jv = np.zeros(np.size(y))
        for k in diff:
            part = prim.jvp[k](NUMPY, *args, y, tangents[k])
            if part is not None:
                jv = jv + np.ravel(np.broadcast_to(part, np.shape(y)))
        np.testing.assert_allclose(jv, jv_exact, rtol=1e-12, atol=1e-12 * max(1, np.max(np.abs(jv_exact))),
                                   err_msg=f"{prim.name} jvp at {args}")
        if prim.analytic and all(np.asarray(args[k]).dtype.kind == "f" for k in diff):
            # the complex step runs the float64 impl at x + ih·v (numpy's Cholesky
            # conjugates, so it is not analytic there: such an entry says so)
            stepped = [a + 1e-20j * tangents[k] if k in diff else a for k, a in enumerate(args)]
            with np.errstate(all="ignore"):
                slope = np.ravel(np.imag(prim.value(NUMPY, *stepped)) / 1e-20)
            np.testing.assert_allclose(slope, jv_exact, rtol=1e-8, atol=1e-9 * max(1, np.max(np.abs(jv_exact))),
                                       err_msg=f"{prim.name}: the complex step through its float64 impl")
        inner_vjp = 0.0
        for k in diff:
            part = prim.vjp[k](NUMPY, *args, y, cotangent)
            exact = jac[k].T @ np.ravel(cotangent)
            got = np.zeros(np.size(args[k])) if part is None else np.ravel(part)
            assert np.shape(part if part is not None else args[k]) == np.shape(args[k]), (prim.name, k)
            np.testing.assert_allclose(got, exact, rtol=1e-12, atol=1e-12 * max(1, np.max(np.abs(exact))),
                                       err_msg=f"{prim.name} vjp of argument {k} at {args}")
            inner_vjp += float(got @ np.ravel(tangents[k]))
        inner_jvp = float(np.ravel(cotangent) @ jv)
        assert inner_vjp == pytest.approx(inner_jvp, rel=1e-12, abs=1e-12), (prim.name, "⟨ū, Jv⟩ ≠ ⟨Jᵀū, v⟩")
    return len(prim.examples)


#: the cases, read from the table when the tests are collected
ENTRIES = sorted(PRIMITIVES)


@pytest.mark.parametrize("name", ENTRIES)
def test_every_entry_of_the_table_agrees_with_an_independent_derivative(name):
    prim = PRIMITIVES[name]
    if name in BY_DEFINITION:
        assert prim.partials[0](NUMPY, 1.3, 1.3) is ZERO, BY_DEFINITION[name]
        return
    if _is_array_entry(prim):
        assert _check_array(prim) >= 1
        return
    assert _check_scalar(prim) >= 1, f"{name}: no in-domain point to check its partials at"
    _check_domain(prim)
    _check_kinks(prim)


def test_the_table_test_covers_every_entry():
    """Every entry of the table is a case above, and every case has something to check
    it at: scalar entries in-domain points (their examples or the grid), array entries
    their examples, and the rest a stated definition."""
    assert len(ENTRIES) == len(PRIMITIVES) >= 45
    uncheckable = [name for name, prim in PRIMITIVES.items() if name not in BY_DEFINITION
                   and not (prim.examples if _is_array_entry(prim) else _scalar_examples(prim))]
    assert uncheckable == []


def test_every_kink_in_the_table_is_found_and_checked():
    """Each entry with a kink predicate meets at least one kink on the candidate grid,
    so its one-sided rule is actually compared with differences."""
    for name, prim in PRIMITIVES.items():
        if prim.kink is not None and not _is_array_entry(prim):
            assert _check_kinks(prim) >= 1, name
