"""Array primitives and machine-learning functions: values and derivatives against
SymPy, mpmath or closed forms worked out by hand; stability at large inputs."""

import mpmath
import numpy as np
import pytest
import sympy as sp

import diffkit as dk

RNG = np.random.default_rng(7)
X = np.array([-2.5, -0.3, 0.4, 1.7])


def _sympy_slope(fn, x):
    t = sp.Symbol("t", real=True)
    return np.array([float(sp.diff(fn(t), t).subs(t, sp.Float(v, 30))) for v in x])


@pytest.mark.parametrize(("name", "sym"), [
    ("sin", sp.sin), ("cos", sp.cos), ("tan", sp.tan), ("exp", sp.exp), ("tanh", sp.tanh),
    ("sinh", sp.sinh), ("cosh", sp.cosh), ("arctan", sp.atan),
    ("sigmoid", lambda t: 1 / (1 + sp.exp(-t))),
    ("softplus", lambda t: sp.log(1 + sp.exp(t))),
])
def test_elementwise_gradients_match_sympy(name, sym):
    fn = getattr(dk, name)
    exact = _sympy_slope(sym, X)
    np.testing.assert_allclose(dk.gradient(lambda x: dk.sum(fn(x)), at=X), exact, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(dk.jvp(fn, at=X, tangent=np.ones(4))), exact, rtol=1e-13)


def test_relu_and_its_convention_at_zero():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(dk.relu(x), [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(dk.gradient(lambda x: dk.sum(dk.relu(x)), at=x), [0.0, 0.0, 1.0])
    assert "relu'(0) = 0" in dk.compare(lambda x: dk.relu(x), at=0.0).not_differentiable[0]


def test_sigmoid_and_softplus_do_not_overflow_at_large_inputs():
    x = np.array([-1000.0, 1000.0])
    np.testing.assert_array_equal(dk.sigmoid(x), [0.0, 1.0])
    np.testing.assert_array_equal(dk.softplus(x), [0.0, 1000.0])
    g = dk.gradient(lambda x: dk.sum(dk.sigmoid(x) + dk.softplus(x)), at=x)
    np.testing.assert_array_equal(g, [0.0, 1.0])  # σ' ≈ 0 at both; softplus' = σ
    # σ(−40) is tiny but not 0: no 1/(1+e⁴⁰) cancellation
    assert float(dk.sigmoid(-40.0)) == pytest.approx(float(1 / (1 + mpmath.exp(40))), rel=1e-15)


def test_logsumexp_softmax_and_log_softmax_against_mpmath():
    z = np.array([0.5, -1.25, 2.0])
    with mpmath.workdps(40):
        lse = mpmath.log(sum(mpmath.exp(mpmath.mpf(v)) for v in z))
        soft = [mpmath.exp(mpmath.mpf(v) - lse) for v in z]
    assert float(dk.logsumexp(z)) == pytest.approx(float(lse), rel=1e-15)
    np.testing.assert_allclose(dk.softmax(z), [float(p) for p in soft], rtol=1e-15)
    np.testing.assert_allclose(dk.log_softmax(z), z - float(lse), rtol=1e-15)
    np.testing.assert_allclose(dk.gradient(dk.logsumexp, at=z), [float(p) for p in soft], rtol=1e-14)
    # d/dz of Σ c·softmax(z) = s ⊙ (c − s·c), worked out by hand
    c = np.array([1.0, 2.0, -3.0])
    s = np.array([float(p) for p in soft])
    np.testing.assert_allclose(dk.gradient(lambda z: dk.sum(c * dk.softmax(z)), at=z),
                               s * (c - s @ c), rtol=1e-13)
    np.testing.assert_allclose(dk.gradient(lambda z: dk.sum(c * dk.log_softmax(z)), at=z),
                               c - s * c.sum(), rtol=1e-13)


def test_softmax_family_is_stable_at_plus_minus_1000():
    z = np.array([1000.0, -1000.0])
    assert float(dk.logsumexp(z)) == 1000.0
    assert float(dk.logsumexp(np.array([1000.0, 1000.0]))) == pytest.approx(1000 + np.log(2))
    np.testing.assert_array_equal(dk.softmax(z), [1.0, 0.0])
    np.testing.assert_array_equal(dk.log_softmax(z), [0.0, -2000.0])
    assert float(dk.cross_entropy(z, 0)) == 0.0
    assert float(dk.cross_entropy(z, 1)) == 2000.0
    np.testing.assert_array_equal(dk.gradient(lambda z: dk.cross_entropy(z, 1), at=z), [1.0, -1.0])


def test_cross_entropy_of_predicted_probabilities():
    # probabilities p are the logits log p: softmax(log p) = p
    assert float(dk.cross_entropy(np.log([0.1, 0.9]), 1)) == pytest.approx(-np.log(0.9), rel=1e-15)
    assert float(dk.cross_entropy(np.log([0.9, 0.1]), 1)) == pytest.approx(2.302585092994046, rel=1e-15)
    assert float(dk.cross_entropy(np.log([0.1, 0.9]), 1)) == pytest.approx(0.10536051565782628)


def test_cross_entropy_gradient_is_softmax_minus_target():
    z = RNG.normal(size=(4, 3))
    labels = np.array([0, 2, 1, 2])
    soft = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    onehot = np.eye(3)[labels]
    assert float(dk.cross_entropy(z, labels)) == pytest.approx(
        -np.mean(np.log(soft[np.arange(4), labels])), rel=1e-14)
    np.testing.assert_allclose(dk.gradient(lambda z: dk.cross_entropy(z, labels), at=z),
                               (soft - onehot) / 4, rtol=1e-13, atol=1e-16)
    p = np.array([0.2, 0.5, 0.3])  # a probability target, and the target's own gradient
    gz, gp = dk.gradient(lambda z, p: dk.cross_entropy(z, p), at=(z[0], p))
    np.testing.assert_allclose(gz, soft[0] - p, rtol=1e-13)
    np.testing.assert_allclose(gp, -np.log(soft[0]), rtol=1e-13)


def test_cross_entropy_refuses_bad_targets():
    with pytest.raises(dk.DiffkitError, match="class index"):
        dk.cross_entropy(np.zeros(3), 3)
    with pytest.raises(dk.DiffkitError, match="shape"):
        dk.cross_entropy(np.zeros(3), np.array([0.5, 0.5]))


@pytest.mark.parametrize(("a_shape", "b_shape"), [
    ((3, 2), (2,)), ((2,), (2, 3)), ((2,), (2,)), ((2, 3), (3, 4)), ((4, 3, 2), (2, 5)),
    ((3, 2), (4, 2, 5)),
])
def test_matmul_adjoints_in_every_shape_combination(a_shape, b_shape):
    A, B = RNG.normal(size=a_shape), RNG.normal(size=b_shape)
    C = RNG.normal(size=np.shape(A @ B))
    # f = Σ (A@B)⊙C is linear in each: ∂f/∂A = Σ_batch C Bᵀ, ∂f/∂B = Σ_batch Aᵀ C
    ga, gb = dk.gradient(lambda a, b: dk.sum((a @ b) * C), at=(A, B))
    A2 = A if A.ndim > 1 else A[None, :]
    B2 = B if B.ndim > 1 else B[:, None]
    C2 = C.reshape((*np.broadcast_shapes(A2.shape[:-2], B2.shape[:-2]), A2.shape[-2], B2.shape[-1]))
    exp_a = np.matmul(C2, np.swapaxes(B2, -1, -2))
    exp_b = np.matmul(np.swapaxes(A2, -1, -2), C2)
    exp_a = exp_a.reshape((-1, *A2.shape[-2:])).sum(0) if exp_a.ndim > A2.ndim else exp_a
    exp_b = exp_b.reshape((-1, *B2.shape[-2:])).sum(0) if exp_b.ndim > B2.ndim else exp_b
    np.testing.assert_allclose(ga, exp_a.reshape(A.shape), rtol=1e-12)
    np.testing.assert_allclose(gb, exp_b.reshape(B.shape), rtol=1e-12)


def test_indexing_reshape_mean_and_norm_adjoints():
    x = np.array([3.0, -4.0, 1.0, 2.0])
    np.testing.assert_array_equal(dk.gradient(lambda x: dk.sum(x[1:] ** 2), at=x), [0, -8.0, 2.0, 4.0])
    np.testing.assert_array_equal(dk.gradient(lambda x: dk.sum(x[[0, 0, 1]]), at=x), [2.0, 1.0, 0, 0])
    # overlapping pieces of one vector, and a piece used twice, all add up
    np.testing.assert_array_equal(
        dk.gradient(lambda x: dk.sum(x[:3]) + dk.sum(x[1:] ** 2) + x[0] * x[3] + x[0], at=x),
        [1.0 + x[3] + 1.0, 1.0 + 2 * x[1], 1.0 + 2 * x[2], 2 * x[3] + x[0]])
    np.testing.assert_array_equal(
        dk.gradient(lambda x: dk.sum(dk.reshape(x, (2, 2)) @ np.array([1.0, 2.0])), at=x),
        [1.0, 2.0, 1.0, 2.0])
    np.testing.assert_array_equal(dk.gradient(dk.mean, at=x), np.full(4, 0.25))
    M = x.reshape(2, 2)
    np.testing.assert_array_equal(dk.gradient(lambda m: dk.sum(dk.mean(m, axis=0) * [1.0, 3.0]), at=M),
                                  [[0.5, 1.5], [0.5, 1.5]])
    np.testing.assert_allclose(dk.gradient(dk.norm, at=x), x / np.sqrt(30.0), rtol=1e-15)
    np.testing.assert_array_equal(dk.gradient(dk.norm, at=np.zeros(3)), np.zeros(3))  # subgradient


def test_broadcasting_is_undone_in_the_adjoint():
    b = np.array([1.0, 2.0, 3.0])
    H = RNG.normal(size=(5, 3))
    np.testing.assert_allclose(dk.gradient(lambda b: dk.sum(dk.tanh(H + b)), at=b),
                               (1 - np.tanh(H + b) ** 2).sum(axis=0), rtol=1e-14)
    assert dk.gradient(lambda s: dk.sum(s * H), at=2.0) == pytest.approx(H.sum(), rel=1e-14)


def test_two_layer_tanh_network_gradient_matches_sympy():
    Xd, y = RNG.normal(size=(3, 2)), np.array([0.5, -1.0, 2.0])
    W1, b1, W2 = RNG.normal(size=(2, 2)), RNG.normal(size=2), RNG.normal(size=2)

    def loss(W1, b1, W2):
        return dk.mean((dk.tanh(Xd @ W1 + b1) @ W2 - y) ** 2)

    got = dk.gradient(loss, at=(W1, b1, W2))
    w = sp.symbols("w0:4")
    c = sp.symbols("c0:2")
    v = sp.symbols("v0:2")
    hidden = [[sp.tanh(sum(Xd[i, k] * w[2 * k + j] for k in range(2)) + c[j]) for j in range(2)]
              for i in range(3)]
    L = sum((hidden[i][0] * v[0] + hidden[i][1] * v[1] - y[i]) ** 2 for i in range(3)) / 3
    values = dict(zip(w + c + v, [*W1.ravel(), *b1, *W2], strict=True))
    exact = [float(sp.diff(L, s).subs(values)) for s in w + c + v]
    flat = np.concatenate([g.ravel() for g in got])
    np.testing.assert_allclose(flat, exact, rtol=1e-12)


def test_dual_numbers_carry_array_tangents_through_the_same_functions():
    d = dk.Dual(np.array([0.0, 1.0, 2.0]), np.ones(3))
    y = dk.sum(d * d)
    assert (float(y.primal), float(y.tangent)) == (5.0, 6.0)
    s = dk.softmax(d)  # softmax is invariant to a shift along ones: zero tangent
    np.testing.assert_allclose(s.tangent, 0.0, atol=1e-15)
