"""How noisy is f? A difference table answers it (Moré and Wild's ECnoise).

f is evaluated at m+1 equally spaced points around x.  Smooth parts of f vanish in
high-order differences (Δʲf ≈ hʲ·f⁽ʲ⁾), while noise of size σ leaves differences of
size ≈ σ·sqrt((2j)!/(j!)²).  So the levels σⱼ = sqrt(γⱼ·mean((Δʲf)²)), with
γⱼ = (j!)²/(2j)!, agree with each other once noise dominates, and the differences change
sign.  The first j where three consecutive levels agree within a factor of 4 gives σ.

J. J. Moré and S. M. Wild, "Estimating computational noise", SIAM J. Sci. Comput. 33
(2011) 1292–1314.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> noisy = lambda x: np.exp(x) + 1e-9 * rng.standard_normal(np.shape(x))
>>> sigma, message = estimate_noise(noisy, 1.0)
>>> 3e-10 < sigma < 3e-9
True
"""

from __future__ import annotations

from collections.abc import Callable
from math import factorial

import numpy as np


def estimate_noise(
    f: Callable[[np.ndarray], np.ndarray], x: float, h: float | None = None, points: int = 9
) -> tuple[float | None, str]:
    """(σ, message): the absolute noise level of f near x, or (None, why not)."""
    if h is None:  # start at 1e-4·max(1, |x|); shrink while f varies too much
        h = 1e-4 * max(1.0, abs(x))
        for _ in range(5):
            sigma, message = estimate_noise(f, x, h, points)
            if "too large" not in message:
                break
            h /= 100
        # smooth parts of f still in the table shrink with h, noise does not:
        # keep shrinking while the estimate falls by more than a factor of 4
        for _ in range(4):
            if not sigma:
                break
            smaller, why = estimate_noise(f, x, h / 100, points)
            if not smaller or smaller > sigma / 4:
                break
            sigma, message, h = smaller, why, h / 100
        return sigma, message
    m = points - 1
    xs = x + (np.arange(points) - m // 2) * h
    with np.errstate(all="ignore"):
        values = np.asarray(f(xs), dtype=float)
    if not np.all(np.isfinite(values)):
        return None, "f is not finite at every point of the noise probe (a domain edge?)"
    spread = values.max() - values.min()
    if spread == 0:
        return 0.0, "f takes the same value at every probe point: no noise seen"
    if spread > 0.1 * max(abs(values.max()), abs(values.min())):
        return None, f"f varies too much over the probe (h = {h:.2g} is too large)"
    levels, sign_changes = [], []
    table = values
    for j in range(1, m + 1):
        table = np.diff(table)
        gamma = factorial(j) ** 2 / factorial(2 * j)
        scale = float(np.max(np.abs(table))) or 1.0  # so that squares cannot overflow
        levels.append(scale * float(np.sqrt(gamma * np.mean((table / scale) ** 2))))
        sign_changes.append(bool(table.min() < 0 < table.max()))
    for j in range(len(levels) - 2):
        window = levels[j : j + 3]
        if min(window) > 0 and max(window) <= 4 * min(window) and sign_changes[j]:
            return levels[j], f"noise level from differences of order {j + 1}"
    return None, "the difference table did not settle (f may be smooth at this scale: try a larger h)"
