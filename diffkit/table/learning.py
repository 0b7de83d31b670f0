"""The table's machine-learning rows: sigmoid, softplus, relu, and the softmax family.

``logsumexp``, ``softmax``, ``log_softmax`` and ``cross_entropy`` work along the last
axis and never overflow: the largest entry is factored out before ``exp``
(``logsumexp([1000, 0]) = 1000``, not ``inf``).  ``relu'(0) = 0`` (PyTorch's
convention).

>>> import numpy as np
>>> from diffkit.table.backends import NUMPY
>>> float(PRIMITIVES["logsumexp"].value(NUMPY, np.array([1000.0, 0.0])))
1000.0
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

from diffkit.table.arrays import _M, _V, _define, _keep, _ndim
from diffkit.table.primitives import PRIMITIVES, shape_of  # noqa: F401  (PRIMITIVES: the docstring)
from diffkit.table.scalar import np_logaddexp


def _objects_logsumexp(exp: Any, log: Any) -> Any:
    """log Σ exp(z) over the last axis of an object array (mpmath or SymPy entries)."""
    each_exp, each_log = np.frompyfunc(exp, 1, 1), np.frompyfunc(log, 1, 1)
    return lambda z: each_log(np.sum(each_exp(np.asarray(z)), axis=-1))


def _np_sigmoid(x: Any) -> Any:
    """1 / (1 + e⁻ˣ) without overflow: e^−|x| is never above 1.  On complex numbers
    (the complex step) ½ + ½·tanh(x/2), the same function with no |x| to drop the
    imaginary part."""
    if np.iscomplexobj(x):
        return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(x))
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _np_logsumexp(z: Any) -> Any:
    """log Σ exp(z) over the last axis without overflow: the largest term factored out."""
    z = np.asarray(z)
    top = np.max(z, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.log(np.sum(np.exp(z - top), axis=-1)) + top[..., 0]


# --- machine learning -------------------------------------------------------------------
_define(
    "sigmoid",
    impl={"float64": _np_sigmoid, "mpmath": lambda x: 1 / (1 + mpmath.exp(-x)),
          "sympy": lambda x: 1 / (1 + sp.exp(-x))},
    text=("sigmoid",), alias="sigmoid",
    doc="σ(x) = 1 / (1 + e⁻ˣ), elementwise, without overflow at large |x|; σ' = σ(x)σ(−x).",
    source="0.5 + 0.5 * np.tanh(0.5 * {0})",
    partials=[lambda m, x, y: m.mul(y, m.sigmoid(m.neg(x)))],  # σ(x)σ(−x): no 1 − σ cancellation
)
_define(
    "softplus",  # log(1 + eˣ), computed as logaddexp(0, x)
    impl={"float64": lambda x: np_logaddexp(0.0, x),
          "mpmath": lambda x: mpmath.log1p(mpmath.exp(x)),
          "sympy": lambda x: sp.log(1 + sp.exp(x))},
    text=("softplus",), alias="softplus",
    doc="log(1 + eˣ), elementwise, computed without overflow; its slope is σ(x).",
    source="np.logaddexp(0.0, {0})",
    partials=[lambda m, x, y: m.sigmoid(x)],
)
_define(
    "relu",
    impl={"float64": lambda x: np.maximum(x, 0.0), "mpmath": lambda x: max(x, mpmath.mpf(0)),
          "sympy": lambda x: sp.Max(x, 0)},
    text=("relu",), alias="relu",
    doc="max(x, 0), elementwise; relu'(0) = 0 (PyTorch's convention, unlike max(x, 0) "
        "in text, which splits a tie).",
    source="np.maximum({0}, 0.0)",
    partials=[lambda m, x, y: m.sign(y)],  # 1 where x > 0, else 0
    analytic=False,
    kink=lambda x: x == 0,
    convention="relu'(0) = 0 (PyTorch's convention)",
    directional=lambda m, p, t: m.relu(t[0]),
)


def _softmax_of(m: Any, z: Any, lse: Any) -> Any:
    return m.exp(m.sub(z, _keep(m, lse, z)))


_define(
    "logsumexp",
    impl={"float64": _np_logsumexp, "mpmath": _objects_logsumexp(mpmath.exp, mpmath.log),
          "sympy": _objects_logsumexp(sp.exp, sp.log)},
    jvp=[lambda m, z, y, t: m.sum(m.mul(_softmax_of(m, z, y), t), -1)],
    vjp=[lambda m, z, y, g: m.mul(_keep(m, g, z), _softmax_of(m, z, y))],
    examples=((_V,), (_M,), (_V * 400,)),
)
_define(
    "softmax",
    lambda m, z: _softmax_of(m, z, m.logsumexp(z)),
    jvp=[lambda m, z, y, t: m.mul(y, m.sub(t, _keep(m, m.sum(m.mul(y, t), -1), z)))],
    vjp=[lambda m, z, y, g: m.mul(y, m.sub(g, _keep(m, m.sum(m.mul(g, y), -1), z)))],
    examples=((_V,), (_M,)),
)
_define(
    "log_softmax",
    lambda m, z: m.sub(z, _keep(m, m.logsumexp(z), z)),
    jvp=[lambda m, z, y, t: m.sub(t, _keep(m, m.sum(m.mul(m.exp(y), t), -1), z))],
    vjp=[lambda m, z, y, g: m.sub(g, m.mul(m.exp(y), _keep(m, m.sum(g, -1), z)))],
    examples=((_V,), (_M,)),
)


def _rows(z: Any) -> float:
    return 1.0 if _ndim(z) == 1 else float(shape_of(z)[0])


def _cross_entropy(m: Any, z: Any, p: Any) -> Any:
    """Σ over rows of −Σ p·log_softmax(z) = logsumexp(z)·Σp − Σ p·z, averaged over
    the rows of a batch."""
    per_row = m.sub(m.mul(m.logsumexp(z), m.sum(p, -1)), m.sum(m.mul(p, z), -1))
    return per_row if _ndim(z) == 1 else m.div(m.sum(per_row), _rows(z))


def _ce_slope_logits(m: Any, z: Any, p: Any) -> Any:
    """∂CE/∂z = (softmax(z)·Σp − p) / rows."""
    soft = _softmax_of(m, z, m.logsumexp(z))
    return m.div(m.sub(m.mul(soft, _keep(m, m.sum(p, -1), z)), p), _rows(z))


def _ce_slope_target(m: Any, z: Any, p: Any) -> Any:
    """∂CE/∂p = −log_softmax(z) / rows."""
    return m.div(m.sub(_keep(m, m.logsumexp(z), z), z), _rows(z))


_define(
    "cross_entropy",  # of logits z against a probability vector (a class index is one-hot)
    _cross_entropy,
    jvp=[lambda m, z, p, y, t: m.sum(m.mul(_ce_slope_logits(m, z, p), t)),
         lambda m, z, p, y, t: m.sum(m.mul(_ce_slope_target(m, z, p), t))],
    vjp=[lambda m, z, p, y, g: m.mul(g, _ce_slope_logits(m, z, p)),
         lambda m, z, p, y, g: m.mul(g, _ce_slope_target(m, z, p))],
    examples=((_V, np.array([0.2, 0.5, 0.3])), (_M, np.array([[0.0, 1.0, 0.0], [0.6, 0.1, 0.3]]))),
)
