"""numpy code as people write it, ported from the test suites of HIPS autograd
(``tests/test_numpy.py``, ``test_systematic.py``, ``test_wrappers.py``, ``test_linalg.py``,
``test_binary_ops.py``, ``test_scalar_ops.py``) and JAX (``lax_autodiff_test``,
``api_test``): each case is a numpy function of an array, made a scalar by a fixed
random weighting (so the gradient is a whole vector-Jacobian product), and diffkit's
reverse-mode gradient is compared with differences that do not involve diffkit —
central differences in float64 at h and h/2, Richardson-extrapolated (error
O(h⁴) ≈ 1e-12 at h = 1e-3).  Forward mode (``jvp``) is checked on the same cases
along a random direction.  No autograd or JAX is imported at test time.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import diffkit as dk

RTOL, ATOL = 2e-6, 2e-7


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def _numeric_gradient(f, x: np.ndarray) -> np.ndarray:
    """Richardson-extrapolated central differences of f along each entry of x."""
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape) if x.shape else [()]:
        h = 1e-3 * max(1.0, abs(float(x[i])))

        def d(step, i=i):
            up, down = x.copy(), x.copy()
            up[i] += step
            down[i] -= step
            return (float(f(up)) - float(f(down))) / (2 * step)

        grad[i] = (4 * d(h / 2) - d(h)) / 3
    return grad


def _weighted(fn, name: str):
    """Σ w · fn(x) with fixed random weights w of fn's output shape."""
    cache: dict[str, np.ndarray] = {}

    def f(x):
        y = fn(x)
        if "w" not in cache:
            cache["w"] = _rng(name + "w").normal(size=_shape(y))
        return np.sum(y * cache["w"])

    return f


def _shape(y) -> tuple[int, ...]:
    return np.shape(y) if not hasattr(y, "shape") else tuple(y.shape)


CASES: dict[str, tuple] = {}


def case(name: str, fn, x) -> None:
    assert name not in CASES, name
    CASES[name] = (fn, np.asarray(x, dtype=float))


def _inputs(name: str, shape, low=-1.5, high=1.5):
    return _rng(name).uniform(low, high, size=shape)


# --- unary ufuncs (autograd test_systematic: unary_ufunc_check) ----------------------
SHAPES = {"scalar": (), "vector": (4,), "matrix": (2, 3)}
UNARY = {
    "sin": (np.sin, -2, 2), "cos": (np.cos, -2, 2), "tan": (np.tan, -1.2, 1.2),
    "arcsin": (np.arcsin, -0.9, 0.9), "arccos": (np.arccos, -0.9, 0.9),
    "arctan": (np.arctan, -2, 2), "sinh": (np.sinh, -2, 2), "cosh": (np.cosh, -2, 2),
    "tanh": (np.tanh, -2, 2), "arcsinh": (np.arcsinh, -2, 2),
    "arccosh": (np.arccosh, 1.2, 3), "arctanh": (np.arctanh, -0.9, 0.9),
    "exp": (np.exp, -2, 2), "exp2": (np.exp2, -2, 2), "expm1": (np.expm1, -2, 2),
    "log": (np.log, 0.2, 3), "log2": (np.log2, 0.2, 3), "log10": (np.log10, 0.2, 3),
    "log1p": (np.log1p, -0.5, 3), "sqrt": (np.sqrt, 0.2, 3), "cbrt": (np.cbrt, 0.2, 3),
    "square": (np.square, -2, 2), "abs": (np.abs, 0.2, 2), "fabs": (np.fabs, -2, -0.2),
    "negative": (np.negative, -2, 2), "positive": (np.positive, -2, 2),
    "reciprocal": (np.reciprocal, 0.3, 2), "deg2rad": (np.deg2rad, -90, 90),
    "rad2deg": (np.rad2deg, -2, 2), "radians": (np.radians, -90, 90),
    "degrees": (np.degrees, -2, 2), "sinc": (np.sinc, 0.2, 1.8),
    "conjugate": (np.conjugate, -2, 2), "real": (np.real, -2, 2),
    "floor": (lambda x: np.floor(x) * x, 0.2, 0.8), "ceil": (lambda x: np.ceil(x) * x, 0.2, 0.8),
    "rint": (lambda x: np.rint(x) + x, 0.1, 0.4), "trunc": (lambda x: np.trunc(x) + x, 1.1, 1.9),
    "negative_cbrt": (np.cbrt, -3, -0.2), "sign_times": (lambda x: np.sign(x) * x ** 2, 0.2, 2),
}
for _name, (_fn, _lo, _hi) in UNARY.items():
    for _kind, _shape_ in SHAPES.items():
        case(f"unary/{_name}/{_kind}", _fn, _inputs(_name + _kind, _shape_, _lo, _hi))

# --- binary ufuncs with broadcasting (test_systematic: binary_ufunc_check) -------------
BINARY = {
    "add": (np.add, -2, 2), "subtract": (np.subtract, -2, 2), "multiply": (np.multiply, -2, 2),
    "divide": (np.divide, 0.5, 2), "true_divide": (np.true_divide, 0.5, 2),
    "power": (np.power, 0.5, 2), "float_power": (np.float_power, 0.5, 2),
    "maximum": (np.maximum, -2, 2), "minimum": (np.minimum, -2, 2), "fmax": (np.fmax, -2, 2),
    "fmin": (np.fmin, -2, 2), "logaddexp": (np.logaddexp, -2, 2),
    "logaddexp2": (np.logaddexp2, -2, 2), "arctan2": (np.arctan2, 0.3, 2),
    "hypot": (np.hypot, 0.3, 2), "mod": (np.mod, 2.1, 2.3), "fmod": (np.fmod, 2.1, 2.3),
    "remainder": (np.remainder, 2.1, 2.3),
}
PAIRS = {"same": ((3,), (3,)), "row": ((2, 3), (3,)), "outer": ((2, 1), (1, 3)),
         "scalar": ((), (2, 3))}
for _name, (_fn, _lo, _hi) in BINARY.items():
    for _kind, (_sa, _sb) in PAIRS.items():
        _na = int(np.prod(_sa))
        _x = np.concatenate([_inputs(_name + _kind + "a", _sa, _lo, _hi).ravel(),
                             _inputs(_name + _kind + "b", _sb, _lo, _hi).ravel()])
        if _name in ("mod", "fmod", "remainder"):  # a/b away from an integer
            _x[_na:] = _inputs(_name + _kind + "b", _sb, 0.8, 0.85).ravel()  # a/b in (2.47, 2.88)
        case(f"binary/{_name}/{_kind}",
             lambda x, fn=_fn, na=_na, sa=_sa, sb=_sb: fn(x[:na].reshape(sa), x[na:].reshape(sb)), _x)

# --- reductions (test_numpy: test_sum_*, test_max_*, test_var_*, …) -------------------------
REDUCTIONS = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
    "amax": np.amax, "amin": np.amin, "var": np.var, "std": np.std,
    "var_ddof1": lambda x, **kw: np.var(x, ddof=1, **kw),
    "std_ddof1": lambda x, **kw: np.std(x, ddof=1, **kw),
    "cumsum": lambda x, axis=None, keepdims=False: np.cumsum(x, axis=axis),
    "cumprod": lambda x, axis=None, keepdims=False: np.cumprod(x, axis=axis),
    "median": lambda x, axis=None, keepdims=False: np.median(x, axis=axis),
    "average": lambda x, axis=None, keepdims=False: np.average(x, axis=axis),
}
for _name, _fn in REDUCTIONS.items():
    for _axis in (None, 0, 1, -1):
        for _keep in (False, True):
            if _name in ("cumsum", "cumprod", "median", "average") and _keep:
                continue
            case(f"reduce/{_name}/axis={_axis}/keepdims={_keep}",
                 lambda x, fn=_fn, a=_axis, k=_keep: fn(x, axis=a, keepdims=k),
                 _inputs(_name + str(_axis), (3, 4), 0.3, 2.0))
    case(f"reduce/{_name}/3d-axes", lambda x, fn=_fn: fn(x, axis=(0, 2) if fn not in (
        REDUCTIONS["cumsum"], REDUCTIONS["cumprod"], REDUCTIONS["median"],
        REDUCTIONS["average"]) else 1),
         _inputs(_name + "3d", (2, 3, 2), 0.3, 2.0))
case("reduce/sum-where", lambda x: np.sum(x ** 2, where=x > 0), [0.5, -1.0, 2.0, -0.3])
case("reduce/mean-where", lambda x: np.mean(x ** 2, where=x > 0), [0.5, -1.0, 2.0, -0.3])
case("reduce/sum-initial", lambda x: np.sum(x ** 2, initial=1.5), [0.5, -1.0, 2.0])
case("reduce/prod-initial", lambda x: np.prod(x, initial=2.0), [0.5, -1.0, 2.0])
case("reduce/max-tie-free", lambda x: np.max(x * np.arange(1.0, 5.0)), [0.5, 0.4, 0.3, 0.2])
case("reduce/add.reduce", lambda x: np.add.reduce(x ** 2, axis=0), np.arange(1.0, 7.0).reshape(2, 3))
case("reduce/multiply.reduce", lambda x: np.multiply.reduce(x, axis=1), np.arange(1.0, 7.0).reshape(2, 3))
case("reduce/maximum.reduce", lambda x: np.maximum.reduce(x, axis=0), _inputs("mr", (3, 2)))
case("reduce/add.accumulate", lambda x: np.add.accumulate(x ** 2), [0.5, -1.0, 2.0])
case("reduce/multiply.outer", lambda x: np.multiply.outer(x[:2], x[2:]), [0.5, -1.0, 2.0, 3.0])
case("reduce/subtract.outer", lambda x: np.subtract.outer(x[:2], x[2:] ** 2), [0.5, -1.0, 2.0, 3.0])

# --- shapes and data movement (test_numpy, test_wrappers) ------------------------------------
M = (3, 4)
MOVES = {
    "reshape": lambda x: np.reshape(x, (4, 3)), "reshape-F": lambda x: np.reshape(x, (2, 6), order="F"),
    "ravel": np.ravel, "transpose": np.transpose, "transpose-axes": lambda x: np.transpose(x, (1, 0)),
    "swapaxes": lambda x: np.swapaxes(x, 0, 1), "moveaxis": lambda x: np.moveaxis(x, 0, -1),
    "rollaxis": lambda x: np.rollaxis(x, 1), "roll": lambda x: np.roll(x, 2),
    "roll-axis": lambda x: np.roll(x, -1, axis=1), "flip": np.flip, "flip-axis": lambda x: np.flip(x, 1),
    "fliplr": np.fliplr, "flipud": np.flipud, "rot90": np.rot90, "rot90-k3": lambda x: np.rot90(x, 3),
    "repeat": lambda x: np.repeat(x, 2), "repeat-axis": lambda x: np.repeat(x, [1, 2, 3], axis=0),
    "tile": lambda x: np.tile(x, (2, 1)), "diagonal": np.diagonal,
    "diagonal-offset": lambda x: np.diagonal(x, 1), "diag": np.diag, "diag-k": lambda x: np.diag(x, -1),
    "tril": np.tril, "triu": np.triu, "triu-k": lambda x: np.triu(x, 1), "trace": np.trace,
    "trace-offset": lambda x: np.trace(x, 1), "squeeze": lambda x: np.squeeze(x[None, :, :1]),
    "expand_dims": lambda x: np.expand_dims(x, 1), "broadcast_to": lambda x: np.broadcast_to(x[0], (2, 4)),
    "concatenate": lambda x: np.concatenate([x, x ** 2]), "concatenate-axis1": lambda x: np.concatenate([x, 2 * x], axis=1),
    "concatenate-const": lambda x: np.concatenate([x, np.ones((1, 4))]),
    "stack": lambda x: np.stack([x, x ** 2]), "stack-axis": lambda x: np.stack([x, x ** 2], axis=-1),
    "hstack": lambda x: np.hstack([x, x]), "vstack": lambda x: np.vstack([x, x[0]]),
    "dstack": lambda x: np.dstack([x, x]), "column_stack": lambda x: np.column_stack([x[0], x[1]]),
    "append": lambda x: np.append(x, x[0]), "append-axis": lambda x: np.append(x, x[:1], axis=0),
    "pad": lambda x: np.pad(x, 1), "pad-edge": lambda x: np.pad(x, ((1, 0), (0, 2)), mode="edge"),
    "pad-reflect": lambda x: np.pad(x, 1, mode="reflect"), "pad-wrap": lambda x: np.pad(x, 1, mode="wrap"),
    "take": lambda x: np.take(x, [0, 5, 5, 11]), "take-axis": lambda x: np.take(x, [2, 0], axis=1),
    "take_along_axis": lambda x: np.take_along_axis(x, np.array([[0], [1], [3]]), axis=1),
    "where": lambda x: np.where(x > 0, x ** 2, -x), "where-scalar": lambda x: np.where(x > 0.5, x, 0.0),
    "clip": lambda x: np.clip(x, -0.5, 0.7), "clip-one-side": lambda x: np.clip(x, None, 0.2),
    "sort": np.sort, "sort-axis0": lambda x: np.sort(x, axis=0), "sort-flat": lambda x: np.sort(x, axis=None),
    "diff": np.diff, "diff-n2-axis0": lambda x: np.diff(x, n=2, axis=0),
    "select": lambda x: np.select([x < -0.5, x > 0.5], [x ** 2, x ** 3], default=x),
    "split": lambda x: np.split(x, 2, axis=1)[1], "array_split": lambda x: np.array_split(x, 3)[0],
    "hsplit": lambda x: np.hsplit(x, 2)[0], "vsplit": lambda x: np.vsplit(x, 3)[2],
    "delete": lambda x: np.delete(x, 1, axis=0), "insert": lambda x: np.insert(x, 1, x[0] ** 2, axis=0),
    "atleast_2d": lambda x: np.atleast_2d(x[0, 0]), "atleast_3d": lambda x: np.atleast_3d(x),
    "copy": np.copy, "outer": lambda x: np.outer(x[0], x[1]), "inner": lambda x: np.inner(x, x),
    "kron": lambda x: np.kron(x[:2, :2], x[1:, 2:]), "vdot": lambda x: np.vdot(x, x ** 2),
    "dot-2d": lambda x: np.dot(x, x.T), "dot-1d": lambda x: np.dot(x[0], x[1]),
    "dot-3d": lambda x: np.dot(np.stack([x, x ** 2]), x.T), "matmul-stack": lambda x: np.matmul(np.stack([x, 2 * x]), x.T),
    "tensordot-2": lambda x: np.tensordot(x, x, axes=2), "tensordot-1": lambda x: np.tensordot(x, x.T, axes=1),
    "tensordot-pairs": lambda x: np.tensordot(x, x, axes=([1], [1])),
    "einsum-mv": lambda x: np.einsum("ij,j->i", x, x[0]), "einsum-trace-free": lambda x: np.einsum("ij,ij->", x, x),
    "einsum-outer": lambda x: np.einsum("i,j->ij", x[0], x[1]), "einsum-implicit": lambda x: np.einsum("ij,jk", x, x.T),
    "einsum-sum": lambda x: np.einsum("ij->j", x), "multi_dot": lambda x: np.linalg.multi_dot([x, x.T, x]),
}
for _name, _fn in MOVES.items():
    case(f"moves/{_name}", _fn, _inputs(_name, M))

# --- ndarray methods and operators (test_numpy: test_*_method, test_wrappers) ---------------
METHODS = {
    ".T": lambda x: x.T, ".T-3d": lambda x: np.stack([x, 2 * x]).T, ".transpose()": lambda x: x.transpose(),
    ".transpose(axes)": lambda x: np.stack([x, x ** 2]).transpose(1, 2, 0),
    ".transpose(tuple)": lambda x: np.stack([x, x ** 2]).transpose((2, 0, 1)),
    ".ravel": lambda x: x.ravel(), ".flatten": lambda x: x.flatten(), ".reshape": lambda x: x.reshape(6, 2),
    ".reshape(-1)": lambda x: x.reshape(-1), ".squeeze": lambda x: x[:1].squeeze(),
    ".sum(axis)": lambda x: x.sum(axis=0), ".mean(axis)": lambda x: x.mean(1), ".max": lambda x: x.max(axis=1),
    ".min": lambda x: x.min(), ".prod": lambda x: x.prod(axis=0), ".std": lambda x: x.std(),
    ".var": lambda x: x.var(axis=1), ".cumsum": lambda x: x.cumsum(axis=1), ".clip": lambda x: x.clip(-0.3, 0.3),
    ".astype": lambda x: x.astype(float) ** 2, ".dot": lambda x: x.dot(x.T), ".trace": lambda x: x.trace(),
    ".diagonal": lambda x: x.diagonal(), ".repeat": lambda x: x.repeat(2, axis=1), ".take": lambda x: x.take([1, 3]),
    ".swapaxes": lambda x: x.swapaxes(0, 1), ".copy": lambda x: x.copy() * 2, "@": lambda x: x @ x.T,
    "** scalar": lambda x: x ** 3, "% mod": lambda x: (x + 5.0) % 2.3, "// floor": lambda x: x * ((x + 5.0) // 2.3),
    "abs()": lambda x: abs(x + 3.0), "-x": lambda x: -x, "2 ** x": lambda x: 2.0 ** x,
    "indexing": lambda x: x[1:, ::2], "fancy": lambda x: x[[0, 2, 2], [1, 1, 3]], "mask": lambda x: x[x > 0],
    "newaxis": lambda x: x[:, None, :] * x[None, :, :], "ellipsis": lambda x: x[..., 1],
    "np.array of entries": lambda x: np.array([x[0, 0], x[1, 1] ** 2, x[2, 3]]),
    "np.array 0-d": lambda x: np.array(np.sum(x ** 2)), "list output": lambda x: [np.sum(x), np.sum(x ** 2)],
    "squeeze of scalar": lambda x: np.squeeze(np.sum(x ** 2)), "real of scalar": lambda x: np.real(np.sum(x ** 2)),
    "branch ==": lambda x: np.sum(x ** 2) if x[0, 0] == x[0, 0] else 3.0 * np.sum(x),
    "branch !=": lambda x: 3.0 * np.sum(x) if x[0, 0] != x[0, 0] else np.sum(x ** 2),
    "in list": lambda x: np.sum(x ** 2) if 7.5 not in [x[0, 0]] else np.sum(x),
    "float loop": lambda x: sum(v ** 2 for v in x.ravel()),
}
for _name, _fn in METHODS.items():
    case(f"methods/{_name}", _fn, _inputs(_name, M))

# --- linear algebra (autograd test_linalg) -------------------------------------------------------
def _spd(x):
    a = np.reshape(x, (3, 3))
    return a @ a.T + 3 * np.eye(3)


LINALG = {
    "inv": lambda x: np.linalg.inv(np.reshape(x, (3, 3)) + 3 * np.eye(3)),
    "inv-spd": lambda x: np.linalg.inv(_spd(x)), "det": lambda x: np.linalg.det(np.reshape(x, (3, 3))),
    "det-stack": lambda x: np.linalg.det(np.stack([np.reshape(x, (3, 3)), _spd(x)])),
    "slogdet": lambda x: np.linalg.slogdet(_spd(x))[1],
    "slogdet-neg": lambda x: np.linalg.slogdet(np.reshape(x, (3, 3)) - 2 * np.eye(3))[1],
    "solve-vector": lambda x: np.linalg.solve(_spd(x), x[:3]),
    "solve-matrix": lambda x: np.linalg.solve(np.reshape(x, (3, 3)) + 3 * np.eye(3), np.reshape(x, (3, 3))[:, :2]),
    "cholesky": lambda x: np.linalg.cholesky(_spd(x)), "eigvalsh": lambda x: np.linalg.eigvalsh(_spd(x)),
    "eigh-values": lambda x: np.linalg.eigh(_spd(x))[0],
    "eigh-vectors": lambda x: np.linalg.eigh(_spd(x))[1] ** 2,  # squared: free of sign choice
    "eigh-lower": lambda x: np.linalg.eigh(np.reshape(x, (3, 3)) + 3 * np.eye(3))[0],
    "norm": lambda x: np.linalg.norm(x), "norm-1": lambda x: np.linalg.norm(x, 1),
    "norm-inf": lambda x: np.linalg.norm(x, np.inf), "norm-3": lambda x: np.linalg.norm(x, 3),
    "norm-axis": lambda x: np.linalg.norm(np.reshape(x, (3, 3)), axis=1),
    "norm-axis0-ord1": lambda x: np.linalg.norm(np.reshape(x, (3, 3)), ord=1, axis=0),
    "norm-fro": lambda x: np.linalg.norm(np.reshape(x, (3, 3)), "fro"),
    "norm-matrix-1": lambda x: np.linalg.norm(np.reshape(x, (3, 3)) * [1, 2, 3], 1),
    "norm-matrix-inf": lambda x: np.linalg.norm(np.reshape(x, (3, 3)) * [[1], [2], [3]], np.inf),
    "norm-keepdims": lambda x: np.linalg.norm(np.reshape(x, (3, 3)), axis=0, keepdims=True),
    "matrix_power": lambda x: np.linalg.matrix_power(np.reshape(x, (3, 3)), 3),
    "matrix_power-neg": lambda x: np.linalg.matrix_power(_spd(x), -2),
}
for _name, _fn in LINALG.items():
    case(f"linalg/{_name}", _fn, _inputs(_name, (9,), -1, 1))

# --- fmax/fmin ignore a NaN argument (numpy's rule): the slope goes to the other one ----------
_NANS = np.array([[np.nan, 0.3, np.nan], [-0.2, np.nan, 1.0]])
NAN_IGNORING = {
    "fmax-nan": lambda x: np.fmax(x, _NANS), "fmin-nan": lambda x: np.fmin(_NANS, x),
    "fmax-nan-both": lambda x: np.fmax(x ** 2, _NANS + x),
    "fmin-nan-scalar": lambda x: np.fmin(x, np.nan) ** 2,
}
for _name, _fn in NAN_IGNORING.items():
    case(f"nan-ignoring/{_name}", _fn, _inputs(_name, (2, 3)))


# --- arrays numpy builds of recorded entries (dtype=object) meeting arrays ---------------------
def _into_object_array(x):
    y = np.empty(x.shape, dtype=object)
    y[:] = x  # numpy stores the entries as they are
    return y * x


OBJECT_ARRAYS = {
    "entries-times-x": lambda x: np.array([x[0], 2.0, x[1] ** 2]) * x,
    "x-times-entries": lambda x: x * np.array([x[2], 2.0, x[1]]),
    "entries-matmul-x": lambda x: np.array([[x[0], 1.0, 0.5], [2.0, x[1], x[2]]]) @ x,
    "entries-plus-scalar-entry": lambda x: np.array([x[0], 2.0]) + x[1],
    "object-array-setitem": _into_object_array,
}
for _name, _fn in OBJECT_ARRAYS.items():
    case(f"object-arrays/{_name}", _fn, _inputs(_name, (3,)))


case("memory-order/ravel-K-one-axis", lambda x: np.ravel(x[None, :] ** 2, order="K"), _inputs("K", (4,)))
case("memory-order/flatten-A-one-axis", lambda x: (x[:, None] * 2.0).flatten("A"), _inputs("A", (4,)))


def test_an_order_that_reads_numpys_memory_layout_is_refused_on_several_axes():
    # np.ravel(x.T, order="A") reads x.T in memory order (x's own order); diffkit's
    # values do not keep numpy's layouts, so it refuses rather than reorder the entries
    w = np.arange(1.0, 7.0)
    x = np.arange(6.0).reshape(2, 3)
    for f in (lambda v: np.sum(w * np.ravel(v.T, order="A")),
              lambda v: np.sum(w * np.ravel(v.T, order="K")),
              lambda v: np.sum(w * v.T.flatten("A")),
              lambda v: np.sum(w * np.reshape(v.T, 6, order="A"))):
        assert f(x) == np.sum(w * np.arange(6.0))  # numpy: memory order, x's own
        with pytest.raises(dk.UnsupportedError, match="memory order"):
            dk.gradient(f, x)


@pytest.mark.parametrize("f", [
    lambda x: np.sum(x, dtype=np.float32), lambda x: np.mean(x, dtype=np.float16),
    lambda x: np.sum(np.cumsum(x, dtype=int)), lambda x: np.sum(np.exp(x, dtype=np.float32)),
    lambda x: np.add.reduce(x, axis=None, dtype=np.float32), lambda x: np.trace(x, dtype=np.float32),
    lambda x: np.std(x, dtype=np.float32), lambda x: np.prod(x, dtype=np.float32),
], ids=["sum", "mean", "cumsum", "exp", "add.reduce", "trace", "std", "prod"])
def test_a_dtype_other_than_float64_is_refused_not_dropped(f):
    # numpy computes these in float32 (or integers); diffkit computes in float64, so it
    # would differentiate another f: refused by name
    x = np.arange(1.0, 7.0).reshape(2, 3)
    f(x)  # numpy itself takes it
    with pytest.raises(dk.UnsupportedError, match="dtype="):
        dk.gradient(f, x)
    np.testing.assert_array_equal(dk.gradient(lambda v: np.sum(v, dtype=np.float64), x), np.ones((2, 3)))


def test_fmax_reduce_over_a_nan_is_refused_not_nan():
    # numpy's fmax.reduce skips the NaN (3.0); a max over it would be NaN: refused by name
    f = lambda x: np.fmax.reduce(np.concatenate([x, [np.nan]]))
    assert f(np.array([1.0, 3.0])) == 3.0
    with pytest.raises(dk.UnsupportedError, match=r"fmax\.reduce over NaN"):
        dk.gradient(f, np.array([1.0, 3.0]))


@pytest.mark.parametrize("name", sorted(CASES))
def test_ported_numpy_case(name):
    fn, x = CASES[name]
    f = _weighted(fn, name)
    expected = _numeric_gradient(f, x)
    got = dk.gradient(f, x)
    assert np.shape(got) == np.shape(x)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL * max(1.0, np.max(np.abs(expected))),
                               err_msg=name)
    direction = _rng(name + "v").normal(size=np.shape(x))
    jv = dk.jvp(f, x, direction).result
    np.testing.assert_allclose(jv, np.sum(expected * direction), rtol=1e-5,
                               atol=1e-6 * max(1.0, np.sum(np.abs(expected * direction))), err_msg=name)


def test_at_least_300_ported_cases():
    assert len(CASES) >= 300
