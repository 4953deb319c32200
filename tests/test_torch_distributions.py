"""bingham_torch.distributions.MatrixBingham against the core, KL against
Monte Carlo, gradients, shapes, validation."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from bingham import grassmann as g  # noqa: E402
from bingham.stats import matrix_bingham as mb  # noqa: E402
from bingham_torch import MatrixBingham  # noqa: E402
from torch.distributions import kl_divergence  # noqa: E402

CASES = [
    (3, 1, [4.0, 1.0, 0.0]),
    (6, 2, [4.0, 2.0, -1.0]),           # low rank, mixed signs
    (5, 3, [2.0, 1.5, 1.0, 0.5, 0.0]),
    (4096, 2, list(np.linspace(8.0, 0.5, 16))),
]


def pair(p, k, lam, seed=0):
    lam = np.asarray(lam, float)
    V = g.random_uniform(p, lam.size, rng=seed)
    return (mb(k=k, eigenvalues=lam, frame=V),
            MatrixBingham(k=k, eigenvalues=torch.tensor(lam),
                          frame=torch.tensor(V)))


@pytest.mark.parametrize("p, k, lam", CASES)
def test_agrees_with_the_core(p, k, lam):
    d, t = pair(p, k, lam)
    X = d.rvs(7, rng=1)
    np.testing.assert_allclose(t.log_prob(torch.tensor(X)).numpy(),
                               d.logpdf(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.entropy().item(), d.entropy(), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(t.log_normalizer().item(), d.log_normalizer(),
                               rtol=1e-12)
    if p < 100:
        np.testing.assert_allclose(t.mean.numpy(), d.mean_projection(),
                                   atol=1e-12)
        np.testing.assert_allclose(t.mode.numpy() @ t.mode.numpy().T,
                                   d.mode() @ d.mode().T, atol=1e-12)
    d2, t2 = pair(p, k, np.asarray(lam)[::-1] * 0.5, seed=3)
    np.testing.assert_allclose(
        torch.distributions.kl_divergence(t, t2).item(), d.kl_divergence(d2),
        rtol=1e-12, atol=1e-12)


def test_dense_parameter_and_batches():
    rng = np.random.default_rng(2)
    As = []
    for _ in range(3):
        B = rng.standard_normal((4, 4))
        As.append(B + B.T)
    A = torch.tensor(np.stack(As))
    t = MatrixBingham(A, k=2)
    assert t.batch_shape == (3,) and t.event_shape == (4, 2)
    X = t.sample((5,))
    assert X.shape == (5, 3, 4, 2)
    lp = t.log_prob(X)
    assert lp.shape == (5, 3)
    for i in range(3):
        ref = mb(As[i], 2).logpdf(X[:, i].numpy())
        np.testing.assert_allclose(lp[:, i].numpy(), ref, rtol=1e-12,
                                   atol=1e-12)
    e = t.expand((2, 3))
    assert e.batch_shape == (2, 3) and e.sample().shape == (2, 3, 4, 2)
    torch.manual_seed(5)
    s1 = t.sample()
    torch.manual_seed(5)
    assert torch.equal(s1, t.sample())


def test_kl_against_monte_carlo():
    d, t = pair(5, 2, [6.0, 3.0, 1.0])
    _, t2 = pair(5, 2, [1.0, 4.0], seed=7)
    torch.manual_seed(0)
    X = t.sample((40_000,))
    diff = t.log_prob(X) - t2.log_prob(X)
    kl = torch.distributions.kl_divergence(t, t2)
    assert abs(diff.mean() - kl).item() < 5 * diff.std().item() / 200.0


def test_gradients_of_log_prob_and_kl():
    lam = torch.tensor([3.0, 1.0, 0.5], dtype=torch.float64,
                       requires_grad=True)
    V = torch.tensor(g.random_uniform(5, 3, rng=4))
    X = torch.tensor(mb(k=2, eigenvalues=lam.detach().numpy(),
                        frame=V.numpy()).rvs(4, rng=5))

    def lp(l):
        return MatrixBingham(k=2, eigenvalues=l, frame=V).log_prob(X)
    assert torch.autograd.gradcheck(lp, (lam,))
    # the score averages to zero under the distribution: E[d log f / d l]
    # = E[overlaps] - grad log F = 0 (exponential family)
    t = MatrixBingham(k=2, eigenvalues=lam, frame=V)
    torch.manual_seed(1)
    Xs = t.sample((20_000,))
    score = torch.autograd.grad(t.log_prob(Xs).mean(), lam)[0]
    assert score.abs().max().item() < 0.02
    # KL differentiable in both arguments, zero gradient at q1 == q2
    lam2 = lam.detach().clone().requires_grad_()
    kl = torch.distributions.kl_divergence(
        t, MatrixBingham(k=2, eigenvalues=lam2, frame=V))
    (gk,) = torch.autograd.grad(kl, lam2)
    assert abs(kl.item()) < 1e-12 and gk.abs().max().item() < 1e-10
    # through A (eigh)
    A = torch.tensor(np.diag([3.0, 1.0, 0.5, 0.0, 0.0]), requires_grad=True)
    Xd = torch.tensor(g.random_uniform(5, 2, size=3, rng=6))
    MatrixBingham(A, k=2).log_prob(Xd).sum().backward()
    assert torch.isfinite(A.grad).all()


@pytest.mark.parametrize("kwargs, name", [
    (dict(A=torch.tensor([[1.0, 2.0], [0.0, 1.0]]), k=1), "symmetric"),
    (dict(A=torch.eye(3), k=4), "k"),
    (dict(A=torch.ones(2, 3), k=1), "A"),
    (dict(eigenvalues=torch.ones(2), frame=torch.ones(4, 2), k=1), "frame"),
    (dict(eigenvalues=torch.ones(2), frame=torch.eye(4)[:, :3], k=1),
     "frame"),
    (dict(eigenvalues=torch.tensor([float("nan")]),
          frame=torch.eye(4)[:, :1], k=1), "finite"),
    (dict(eigenvalues=torch.ones(1), frame=torch.eye(4)[:, :1], k=1, p=5),
     "p"),
    (dict(eigenvalues=torch.ones(1), k=1), "frame"),
])
def test_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        MatrixBingham(**kwargs)


def test_bad_samples_are_rejected_when_validating():
    t = MatrixBingham(k=2, eigenvalues=torch.tensor([2.0]),
                      frame=torch.eye(4, dtype=torch.float64)[:, :1],
                      validate_args=True)
    with pytest.raises(ValueError):
        t.log_prob(torch.ones(4, 2, dtype=torch.float64))
    ok = torch.eye(4, dtype=torch.float64)[:, :2]
    assert torch.isfinite(t.log_prob(ok))


@pytest.mark.parametrize("lam", [[3.0, 1.0, 1.0, -2.0, 0.5],
                                 [2.0, 2.0, 2.0, 0.0, 0.0],
                                 [4.0, 1.0, 0.0, -1.0, -3.0]])
def test_mean_and_kl_gradients_at_repeated_eigenvalues(lam):
    """Built from A, mean and KL are differentiable at exactly repeated
    eigenvalues (eigenvector gradients would be NaN there): gradcheck
    against central differences, which break the ties."""
    torch.manual_seed(0)
    Q, _ = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64))
    A0 = Q @ torch.diag(torch.tensor(lam, dtype=torch.float64)) @ Q.T
    B = torch.diag(torch.tensor([1.0, 0.0, 0.0, 2.0, 0.0],
                                dtype=torch.float64))

    def sym(S):
        return 0.5 * (S + S.mT)
    S = A0.clone().requires_grad_()
    checks = [
        lambda S: MatrixBingham(sym(S), k=2).mean,
        lambda S: kl_divergence(MatrixBingham(sym(S), k=2),
                                MatrixBingham(B, k=2)),
        lambda S: kl_divergence(MatrixBingham(B, k=2),
                                MatrixBingham(sym(S), k=2)),
    ]
    for f in checks:
        assert torch.autograd.gradcheck(f, (S,), atol=1e-6, rtol=1e-5)
    (g,) = torch.autograd.grad(MatrixBingham(S, k=2).mean.trace(), S)
    assert torch.isfinite(g).all()


def test_dense_kl_matches_the_low_rank_formula():
    torch.manual_seed(1)
    Q, _ = torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64))
    l1 = torch.tensor([5.0, 2.0, 0.0, -1.0, 0.0, 0.0], dtype=torch.float64)
    l2 = torch.tensor([1.0, 3.0, -2.0, 0.0, 0.0, 4.0], dtype=torch.float64)
    A1 = Q @ torch.diag(l1) @ Q.T
    A2 = torch.diag(l2)
    dense = kl_divergence(MatrixBingham(A1, k=3), MatrixBingham(A2, k=3))
    lowrank = kl_divergence(
        MatrixBingham(eigenvalues=l1, frame=Q, k=3),
        MatrixBingham(eigenvalues=l2, frame=torch.eye(6, dtype=torch.float64),
                      k=3))
    assert abs(dense.item() - lowrank.item()) < 1e-12
