"""Finite-difference stencils, computed and not tabulated: Fornberg's recurrence in
exact rational arithmetic gives the weights for any derivative order on any offsets.

    f^(d)(x) ≈ Σᵢ wᵢ · f(x + oᵢ·h) / hᵈ

>>> central = stencil(1, accuracy=2)
>>> central.offsets, [str(w) for w in central.weights]
((-1, 0, 1), ['-1/2', '0', '1/2'])
>>> [str(w) for w in stencil(1, accuracy=4).weights]
['1/12', '-2/3', '0', '2/3', '-1/12']
>>> [str(w) for w in stencil(2, accuracy=2).weights]
['1', '-2', '1']
>>> stencil(1, accuracy=1, kind="forward").offsets
(0, 1)

Reference: B. Fornberg, "Generation of finite difference formulas on arbitrarily
spaced grids", Math. Comp. 51 (1988) 699–706 (the same recurrence as
``sympy.finite_diff_weights`` and numdifftools' ``fornberg.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import factorial

from diffkit.support.errors import StencilError

#: the most points a stencil may have: Fornberg's recurrence in exact rationals costs
#: O(points² · order) with growing fractions (``stencil(1, 10**6)`` would never return)
MAX_STENCIL_POINTS = 64


def fornberg_weights(derivative: int, offsets: Sequence[int | Fraction], at: Fraction = Fraction(0)) -> list[Fraction]:
    """Weights wᵢ with f^(derivative)(at) ≈ Σ wᵢ f(offsetsᵢ), exact rationals."""
    if isinstance(derivative, bool) or not isinstance(derivative, int) or derivative < 0:
        raise StencilError(f"the derivative order must be a whole number >= 0, not {derivative!r}")
    n = len(offsets)
    if n > MAX_STENCIL_POINTS:
        raise StencilError(f"a stencil of {n:,} points; the limit is {MAX_STENCIL_POINTS} "
                           "(MAX_STENCIL_POINTS)")
    if n <= derivative:
        raise StencilError(f"a derivative of order {derivative} needs more than {n} points")
    x = [Fraction(o) for o in offsets]
    m = derivative
    # c[k][j]: weight of point j for the k-th derivative, using the points seen so far
    c = [[Fraction(0)] * n for _ in range(m + 1)]
    c[0][0] = Fraction(1)
    c1 = Fraction(1)
    c4 = x[0] - at
    for i in range(1, n):
        mn = min(i, m)
        c2 = Fraction(1)
        c5 = c4
        c4 = x[i] - at
        for j in range(i):
            c3 = x[i] - x[j]
            c2 *= c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[k][i] = c1 * (k * c[k - 1][i - 1] - c5 * c[k][i - 1]) / c2
                c[0][i] = -c1 * c5 * c[0][i - 1] / c2
            for k in range(mn, 0, -1):
                c[k][j] = (c4 * c[k][j] - k * c[k - 1][j]) / c3
            c[0][j] = c4 * c[0][j] / c3
        c1 = c2
    return c[m]


@dataclass(frozen=True)
class Stencil:
    """Offsets (in units of h), their exact weights, the derivative order, and the
    accuracy order actually achieved (the error is O(h^accuracy))."""

    derivative: int
    offsets: tuple[int, ...]
    weights: tuple[Fraction, ...]
    accuracy: int

    @property
    def truncation_constant(self) -> Fraction:
        """c with error ≈ c · f^(d+p)(x) · h^p: the first moment the weights miss,
        Σ wᵢ oᵢ^(d+p) / (d+p)!"""
        k = self.derivative + self.accuracy
        return sum(w * Fraction(o) ** k for o, w in zip(self.offsets, self.weights, strict=True)) / factorial(k)

    @property
    def points(self) -> list[int]:
        """The offsets f is evaluated at: those with a nonzero weight."""
        return [o for o, w in zip(self.offsets, self.weights, strict=True) if w]

    @property
    def roundoff_factor(self) -> Fraction:
        """Σ|wᵢ|: how much the rounding errors of the f values are amplified."""
        return sum(abs(w) for w in self.weights)


def _accuracy(derivative: int, offsets: Sequence[int], weights: Sequence[Fraction]) -> int:
    """The order p for which the weights are exact on polynomials up to degree d+p-1."""
    k = derivative + 1
    while k < derivative + 2 * len(offsets) + 2:
        moment = sum(w * Fraction(o) ** k for o, w in zip(offsets, weights, strict=True))
        if moment != 0:
            break
        k += 1
    return k - derivative


def stencil_on(derivative: int, offsets: Sequence[int]) -> Stencil:
    """The stencil for ``derivative`` on the given integer offsets."""
    weights = fornberg_weights(derivative, offsets)
    offsets = tuple(int(o) for o in offsets)
    return Stencil(derivative, offsets, tuple(weights), _accuracy(derivative, offsets, weights))


def stencil(derivative: int, accuracy: int = 2, kind: str = "central") -> Stencil:
    """The smallest stencil of the given kind reaching ``accuracy``.

    ``kind`` is ``central`` (symmetric offsets; the accuracy must be even),
    ``forward`` (offsets 0, 1, 2, ...) or ``backward`` (0, −1, −2, ...).
    """
    for what, v in (("derivative order", derivative), ("accuracy order", accuracy)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise StencilError(f"the {what} must be a whole number, not {v!r}")
    if derivative < 0:
        raise StencilError(f"the derivative order must be >= 0, not {derivative}")
    if accuracy < 1:
        raise StencilError("the accuracy order must be >= 1")
    if derivative + accuracy > MAX_STENCIL_POINTS:
        raise StencilError(f"derivative {derivative} at accuracy {accuracy} needs more than "
                           f"{MAX_STENCIL_POINTS} points (MAX_STENCIL_POINTS)")
    if kind == "central":
        if accuracy % 2:
            raise StencilError("central stencils have an even accuracy order (2, 4, 6, ...)")
        half = (derivative + 1) // 2 - 1 + accuracy // 2
        offsets = list(range(-half, half + 1))
    elif kind == "forward":
        offsets = list(range(derivative + accuracy))
    elif kind == "backward":
        offsets = list(range(-(derivative + accuracy) + 1, 1))
    else:
        raise StencilError(f"unknown stencil kind {kind!r}: central, forward or backward")
    return stencil_on(derivative, offsets)
