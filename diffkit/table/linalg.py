"""The table's linear algebra: inverse, determinant, log |det|, solve, Cholesky and the
eigenvalues of a symmetric matrix (``numpy.linalg``'s, on stacks of matrices too).

Each value is computed by numpy in float64, by mpmath's matrices at the reference's
precision and by SymPy's matrices on symbols; the rules are the classic matrix
identities (d A⁻¹ = −A⁻¹ dA A⁻¹, d det A = det A · tr(A⁻¹ dA), …), written with the
table's own ``inv``, ``matmul`` and ``transpose`` so that they nest.  ``cholesky`` and
``eigvalsh`` read only the lower triangle, as numpy does, so their adjoints live on
it: an entry above the diagonal has slope 0, one below it counts twice.

>>> import numpy as np
>>> from diffkit.table.backends import NUMPY
>>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
>>> PRIMITIVES["det"].vjp[0](NUMPY, A, 5.0, 1.0)   # det A · A⁻ᵀ
array([[ 3., -1.],
       [-1.,  2.]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from diffkit.support.errors import NoDerivativeError, UnsupportedError
from diffkit.table.arrays import _param
from diffkit.table.primitives import PRIMITIVES, define, shape_of  # noqa: F401  (PRIMITIVES: docstring)

_A = np.array([[2.0, 0.5, -0.3], [0.4, 1.5, 0.2], [-0.1, 0.6, 1.8]])  # examples
_S = _A @ _A.T + np.eye(3)  # symmetric positive definite
_STACK = np.stack([_A, _S])
_B = np.array([[0.3, -1.0], [1.2, 0.5], [-0.7, 2.0]])
_b = np.array([0.5, -1.5, 2.5])


def _per_matrix(fn: Callable[[Any], Any], to: Callable[[Any], Any],
                back: Callable[[Any], Any]) -> Callable[..., Any]:
    """``fn`` on each matrix of a stack of object arrays, through ``to``/``back``."""

    def apply(*args: Any) -> Any:
        a = np.asarray(args[0], dtype=object)
        if a.ndim == 2:
            return back(fn(*[to(x) for x in args]))
        return np.array([apply(*[x[i] for x in args]) for i in range(a.shape[0])], dtype=object)

    return apply


def _to_mp(a: Any) -> Any:
    a = np.asarray(a, dtype=object)
    return mpmath.matrix(a.tolist()) if a.ndim == 2 else mpmath.matrix([[v] for v in a])


def _from_mp(v: Any) -> Any:
    if isinstance(v, mpmath.matrix):
        out = np.array(v.tolist(), dtype=object)
        return out[:, 0] if out.shape[1] == 1 else out
    return v


def _to_sp(a: Any) -> Any:
    return sp.Matrix(np.asarray(a, dtype=object).tolist())


def _from_sp(v: Any) -> Any:
    if isinstance(v, sp.MatrixBase):
        return np.array(v.tolist(), dtype=object)
    return v


def _impl(np_fn: Any, mp_fn: Any, sp_fn: Any) -> dict[str, Any]:
    return {"float64": np_fn, "mpmath": _per_matrix(mp_fn, _to_mp, _from_mp),
            "sympy": _per_matrix(sp_fn, _to_sp, _from_sp)}


def _batch(m: Any, v: Any) -> Any:
    """A stack of numbers as a stack of 1×1 matrices (to scale a stack of matrices)."""
    return m.reshape(v, (*shape_of(v), 1, 1))


def _inv_t(m: Any, a: Any) -> Any:
    return m.transpose(m.inv(a))


define("inv", impl=_impl(np.linalg.inv, lambda a: a**-1, lambda a: a.inv()),
       partials=[_param],
       jvp=[lambda m, a, y, t: m.neg(m.matmul(m.matmul(y, t), y))],
       vjp=[lambda m, a, y, g: m.neg(m.matmul(m.matmul(m.transpose(y), g), m.transpose(y)))],
       examples=((_A,), (_S,), (_STACK,)))
define("det", impl=_impl(np.linalg.det, mpmath.det, lambda a: a.det()),
       partials=[_param],
       jvp=[lambda m, a, y, t: m.mul(y, m.sum(m.mul(_inv_t(m, a), t), (-2, -1)))],
       vjp=[lambda m, a, y, g: m.mul(_batch(m, m.mul(g, y)), _inv_t(m, a))],
       examples=((_A,), (_STACK,)))
define("logabsdet",  # log |det A|: the second half of numpy.linalg.slogdet
       impl=_impl(lambda a: np.linalg.slogdet(a)[1], lambda a: mpmath.log(abs(mpmath.det(a))),
                  lambda a: sp.log(sp.Abs(a.det()))),
       partials=[_param],
       jvp=[lambda m, a, y, t: m.sum(m.mul(_inv_t(m, a), t), (-2, -1))],
       vjp=[lambda m, a, y, g: m.mul(_batch(m, g), _inv_t(m, a))],
       analytic=False,  # |det| on complex numbers (the complex step) drops the phase
       examples=((_A,), (_STACK,)))


def _column(m: Any, v: Any, b: Any) -> Any:
    """A right-hand side vector as an n×1 matrix (matrices stay as they are)."""
    return m.reshape(v, (*shape_of(v), 1)) if len(shape_of(b)) == 1 else v


def _solve_adjoint_a(m: Any, a: Any, b: Any, y: Any, g: Any) -> Any:
    b_bar = m.solve(m.transpose(a), g)
    return m.neg(m.matmul(_column(m, b_bar, b), m.transpose(_column(m, y, b))))


def _objects_solve(to: Callable[[Any], Any], solve: Callable[..., Any]) -> Callable[..., Any]:
    """A⁻¹b on object arrays, b a vector or a matrix (stacks of A with one b)."""

    def apply(a: Any, b: Any) -> Any:
        a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        if a.ndim > 2:
            return np.array([apply(x, b if b.ndim <= 2 else b[i]) for i, x in enumerate(a)],
                            dtype=object)
        column = b.reshape(-1, 1) if b.ndim == 1 else b
        x = np.array(solve(to(a), to(column)).tolist(), dtype=object)
        return x.reshape(b.shape)

    return apply


define("solve", impl={"float64": np.linalg.solve,
                      "mpmath": _objects_solve(_to_mp, lambda a, b: a**-1 * b),
                      "sympy": _objects_solve(_to_sp, lambda a, b: a.LUsolve(b))},
       partials=[_param, _param],
       jvp=[lambda m, a, b, y, t: m.neg(m.solve(a, m.matmul(t, y))),
            lambda m, a, b, y, t: m.solve(a, t)],
       vjp=[_solve_adjoint_a, lambda m, a, b, y, g: m.solve(m.transpose(a), g)],
       examples=((_A, _b), (_A, _B), (_S, _b)))


def _lower(n: int, k: int = 0) -> np.ndarray:
    return np.tril(np.ones((n, n)), k)


def _on_lower_triangle(m: Any, sym: Any) -> Any:
    """A symmetric adjoint as the slopes of the entries numpy reads: the diagonal once,
    each entry below it twice (it stands for itself and its mirror), above it 0."""
    n = shape_of(sym)[-1]
    return m.sub(m.mul(sym, 2.0 * _lower(n)), m.mul(sym, np.eye(n)))


def _from_lower_triangle(m: Any, t: Any) -> Any:
    """The symmetric change numpy sees when the entries of ``t`` change."""
    n = shape_of(t)[-1]
    below = m.mul(t, _lower(n, -1))
    return m.add(m.add(m.mul(t, np.eye(n)), below), m.transpose(below))


def _phi(m: Any, x: Any) -> Any:
    """The lower triangle with its diagonal halved."""
    n = shape_of(x)[-1]
    return m.mul(x, _lower(n) - 0.5 * np.eye(n))


def _cholesky_jvp(m: Any, a: Any, y: Any, t: Any) -> Any:
    li = m.inv(y)
    inner = m.matmul(m.matmul(li, _from_lower_triangle(m, t)), m.transpose(li))
    return m.matmul(y, _phi(m, inner))


def _cholesky_vjp(m: Any, a: Any, y: Any, g: Any) -> Any:
    li = m.inv(y)
    p = _phi(m, m.matmul(m.transpose(y), g))
    s = m.matmul(m.matmul(m.transpose(li), p), li)
    return _on_lower_triangle(m, m.mul(0.5, m.add(s, m.transpose(s))))


define("cholesky", impl=_impl(np.linalg.cholesky, mpmath.cholesky,
                              lambda a: a.cholesky(hermitian=False)),
       partials=[_param], jvp=[_cholesky_jvp], vjp=[_cholesky_vjp],
       analytic=False,  # numpy's Cholesky of a complex matrix conjugates (A = L Lᴴ)
       examples=((_S,), (np.stack([_S, 2 * _S + np.eye(3)]),)))


def _eigenvectors(m: Any, a: Any) -> Any:
    """The eigenvectors (columns) of the symmetric matrix numpy reads, as plain numbers:
    the slopes of the eigenvalues are built from them."""
    if hasattr(a, "_diffkit_value"):
        raise UnsupportedError("second derivatives through numpy.linalg.eigvalsh are not "
                               "supported in diffkit yet")
    return np.linalg.eigh(np.asarray(a, dtype=float))[1]


def _mp_eigvalsh(a: Any) -> Any:
    n = a.rows
    symmetric = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            symmetric[i, j] = a[max(i, j), min(i, j)]  # the lower triangle, mirrored
    return mpmath.matrix(sorted(mpmath.eigsy(symmetric, eigvals_only=True)))


def _sp_eigvalsh(a: Any) -> Any:
    n = a.rows
    symmetric = sp.Matrix(n, n, lambda i, j: a[max(i, j), min(i, j)])
    return sp.Matrix(sorted(symmetric.eigenvals(multiple=True), key=lambda v: sp.N(v)))


define("eigvalsh",  # the eigenvalues of a symmetric matrix, ascending (numpy's order)
       impl=_impl(np.linalg.eigvalsh, _mp_eigvalsh, _sp_eigvalsh), partials=[_param],
       jvp=[lambda m, a, y, t: m.einsum("...ij,...ik,...kj->...j", _eigenvectors(m, a),
                                        _from_lower_triangle(m, t), _eigenvectors(m, a))],
       vjp=[lambda m, a, y, g: _on_lower_triangle(m, m.einsum(
           "...ij,...j,...kj->...ik", _eigenvectors(m, a), g, _eigenvectors(m, a)))],
       analytic=False,
       convention="where eigenvalues repeat they are not differentiable; numpy's split is used",
       examples=((_S,), (np.stack([_S, _A + _A.T]),)))


def _plain_only(*values: Any) -> None:
    if any(hasattr(v, "_diffkit_value") for v in values):
        raise UnsupportedError("second derivatives through numpy.linalg.eigh are not "
                               "supported in diffkit yet")


def _gaps(w: np.ndarray) -> np.ndarray:
    """F[i, j] = 1 / (w_j − w_i) off the diagonal, 0 on it (the eigenvectors' slopes)."""
    diff = w[..., None, :] - w[..., :, None]
    with np.errstate(divide="ignore"):
        f = np.where(np.eye(w.shape[-1], dtype=bool), 0.0, 1.0 / diff)
    if not np.all(np.isfinite(f)):
        raise NoDerivativeError("numpy.linalg.eigh: eigenvalues repeat here, so the "
                                "eigenvectors have no derivative")
    return f


def _swap(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _eigvecsh_jvp(m: Any, a: Any, y: Any, t: Any) -> Any:
    _plain_only(a, y, t)
    w = np.linalg.eigvalsh(np.asarray(a, dtype=float))
    inner = _swap(y) @ np.asarray(_from_lower_triangle(m, t)) @ y
    return y @ (_gaps(w) * inner)


def _eigvecsh_vjp(m: Any, a: Any, y: Any, g: Any) -> Any:
    _plain_only(a, y, g)
    w = np.linalg.eigvalsh(np.asarray(a, dtype=float))
    temp = y @ (_gaps(w) * (_swap(y) @ g)) @ _swap(y)
    n = temp.shape[-1]
    return temp * np.eye(n) + (temp + _swap(temp)) * _lower(n, -1)


def _mp_eigvecsh(a: Any) -> Any:
    """mpmath's eigenvectors, ascending, each signed as numpy's (its sign is a choice)."""
    n = a.rows
    symmetric = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            symmetric[i, j] = a[max(i, j), min(i, j)]
    values, vectors = mpmath.eigsy(symmetric)
    order = sorted(range(n), key=lambda k: values[k])
    reference = np.linalg.eigh(np.array(symmetric.tolist(), dtype=float))[1]
    out = mpmath.matrix(n, n)
    for col, k in enumerate(order):
        column = [vectors[i, k] for i in range(n)]
        sign = 1 if sum(float(c) * r for c, r in zip(column, reference[:, col], strict=True)) >= 0 else -1
        for i in range(n):
            out[i, col] = sign * column[i]
    return out


define("eigvecsh",  # the eigenvectors (columns) of numpy.linalg.eigh, in numpy's signs
       impl={"float64": lambda a: np.linalg.eigh(a)[1],
             "mpmath": _per_matrix(_mp_eigvecsh, _to_mp, _from_mp)},
       partials=[_param], jvp=[_eigvecsh_jvp], vjp=[_eigvecsh_vjp], analytic=False,
       convention="where eigenvalues repeat the eigenvectors are not differentiable",
       examples=((_S,), (np.stack([_S, _A + _A.T + 4 * np.eye(3)]),)))
