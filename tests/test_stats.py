"""matrix_bingham: density, moments, entropy, KL, mode, fit, bad input.

The samplers have their own file (test_sampling.py)."""
import numpy as np
import pytest

from bingham import grassmann as g
from bingham.stats import matrix_bingham as mb, _fit_concentrations


def random_dist(p, k, lam, seed=0):
    V = g.random_uniform(p, len(lam), rng=seed)
    return mb(k=k, eigenvalues=np.asarray(lam, float), frame=V)


CASES = [
    (3, 1, [4.0, 1.0, 0.0]),
    (6, 2, [3.0, 2.0, -1.0, 0.5]),      # low rank, mixed signs
    (5, 3, [2.0, 1.5, 1.0, 0.5, 0.0]),
    (40, 1, [5.0, 2.0]),                # low rank in higher dimension
]


@pytest.mark.parametrize("p, k, lam", CASES)
def test_density_integrates_to_one_under_haar(p, k, lam):
    # E_Haar[f(X)] = 1: checks density and normalizer together
    d = random_dist(p, k, lam)
    X = g.random_uniform(p, k, size=200_000, rng=1)
    w = d.pdf(X)
    se = w.std() / np.sqrt(w.size)
    assert abs(w.mean() - 1.0) < 5 * se


@pytest.mark.parametrize("p, k, lam", CASES)
def test_low_rank_and_dense_forms_agree(p, k, lam):
    d = random_dist(p, k, lam)
    full = mb(d.A, k)
    X = g.random_uniform(p, k, size=5, rng=2)
    np.testing.assert_allclose(d.logpdf(X), full.logpdf(X), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(d.mean_projection(), full.mean_projection(),
                               atol=1e-12)
    np.testing.assert_allclose(d.entropy(), full.entropy(), atol=1e-12)
    # shift invariance of the distribution
    shifted = mb(d.A + 3.0 * np.eye(p), k)
    np.testing.assert_allclose(shifted.logpdf(X), d.logpdf(X), atol=1e-11)
    np.testing.assert_allclose(shifted.mean_projection(),
                               d.mean_projection(), atol=1e-11)


@pytest.mark.parametrize("p, k, lam", CASES)
def test_mean_projection_is_the_haar_weighted_mean(p, k, lam):
    d = random_dist(p, k, lam)
    M = d.mean_projection()
    np.testing.assert_allclose(np.trace(M), k, rtol=1e-12)
    assert np.linalg.eigvalsh(M).min() >= -1e-12
    assert np.linalg.eigvalsh(M).max() <= 1 + 1e-12
    # importance sampling from Haar, an estimate independent of the gradient
    X = g.random_uniform(p, k, size=200_000, rng=3)
    w = d.pdf(X)
    XX = np.einsum("n,npk,nqk->pq", w, X, X) / w.size
    np.testing.assert_allclose(XX, M, atol=0.02)


def test_uniform_case():
    d = mb(np.zeros((5, 5)), 2)
    np.testing.assert_allclose(d.log_normalizer(), 0.0, atol=1e-15)
    np.testing.assert_allclose(d.mean_projection(), 0.4 * np.eye(5),
                               atol=1e-14)
    np.testing.assert_allclose(d.entropy(), 0.0, atol=1e-14)


@pytest.mark.parametrize("p, k, lam", CASES)
def test_entropy(p, k, lam):
    d = random_dist(p, k, lam)
    H = d.entropy()
    assert H <= 0
    X = d.rvs(40_000, rng=4)
    lp = d.logpdf(X)
    assert abs(-lp.mean() - H) < 5 * lp.std() / np.sqrt(lp.size)
    # relative entropy decreases with the concentration (dH/dt <= 0)
    more = mb(k=k, eigenvalues=2 * d.eigenvalues, frame=d.frame)
    assert more.entropy() < H


@pytest.mark.parametrize("p, k, lam", CASES)
def test_kl_divergence(p, k, lam):
    d1 = random_dist(p, k, lam, seed=0)
    d2 = random_dist(p, k, np.asarray(lam)[::-1] * 0.7, seed=5)
    assert abs(d1.kl_divergence(d1)) < 1e-10
    kl = d1.kl_divergence(d2)
    assert kl > 0
    X = d1.rvs(40_000, rng=6)
    diff = d1.logpdf(X) - d2.logpdf(X)
    assert abs(diff.mean() - kl) < 5 * diff.std() / np.sqrt(diff.size)
    # a common rotation changes nothing
    Q = g.random_uniform(p, p, rng=7)
    r1 = mb(k=k, eigenvalues=d1.eigenvalues, frame=Q @ d1.frame)
    r2 = mb(k=k, eigenvalues=d2.eigenvalues, frame=Q @ d2.frame)
    np.testing.assert_allclose(r1.kl_divergence(r2), kl, rtol=1e-10)
    # the generator form
    np.testing.assert_allclose(mb.kl_divergence(d1.A, d2.A, k), kl,
                               rtol=1e-10)


@pytest.mark.parametrize("p, k, lam", CASES)
def test_mode_maximizes_the_density(p, k, lam):
    d = random_dist(p, k, lam)
    M = d.mode()
    assert M.shape == (p, k)
    np.testing.assert_allclose(M.T @ M, np.eye(k), atol=1e-12)
    X = d.rvs(2000, rng=8)
    assert d.logpdf(M) >= d.logpdf(X).max() - 1e-12
    # the Ky Fan maximum: the sum of the k largest eigenvalues of A
    top = np.sort(np.r_[d.eigenvalues, np.zeros(p - d.r)])[::-1][:k].sum()
    np.testing.assert_allclose(d.logpdf(M) + d.log_normalizer(), top,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("p, k, lam", [
    (4, 1, [3.0, 2.0, 0.5, 0.0]),
    (10, 1, list(np.linspace(0, 40, 10))),
    (30, 1, list(np.linspace(0, 100, 30))),
    (5, 2, [6.0, 4.0, 2.5, 1.0, 0.0]),
    (3, 1, [2e4, 1e2, 0.0]),            # huge concentration
])
def test_fit_inverts_the_moment_map(p, k, lam):
    # the MLE equations at the exact population scatter: recover lam exactly
    d = random_dist(p, k, lam)
    s = np.sort(np.linalg.eigvalsh(d.mean_projection()))[::-1]
    got, info = _fit_concentrations(s, p, k, 1e-12, 100)
    assert info["converged"]
    np.testing.assert_allclose(got, np.sort(lam)[::-1] - min(lam), rtol=1e-7,
                               atol=1e-7 * max(1.0, max(lam)))


def test_fit_recovers_a_distribution_from_samples():
    rng = np.random.default_rng(9)
    d = random_dist(6, 2, [8.0, 5.0, 3.0, 1.0, 0.5, 0.0], seed=3)
    X = d.rvs(20_000, rng=rng)
    f = mb.fit(X)
    assert f.fit_info["converged"]
    assert d.kl_divergence(f) < 5e-3
    # the fitted distribution reproduces the sample scatter
    S = np.einsum("npk,nqk->pq", X, X) / len(X)
    np.testing.assert_allclose(f.mean_projection(), S, atol=1e-9)


def test_fit_rank_deficient_scatter():
    X = g.random_uniform(10, 1, size=6, rng=10)       # n k = 6 < p = 10
    with pytest.raises(ValueError, match="shrinkage"):
        mb.fit(X)
    f = mb.fit(X, shrinkage=0.05)
    assert np.all(np.isfinite(f.eigenvalues)) and f.fit_info["converged"]


def test_unfrozen_methods_match_frozen():
    d = random_dist(4, 2, [3.0, 1.0, 0.5, 0.0])
    A = d.A
    X = g.random_uniform(4, 2, size=3, rng=11)
    np.testing.assert_allclose(mb.logpdf(X, A, 2), d.logpdf(X), atol=1e-12)
    np.testing.assert_allclose(mb.pdf(X, A, 2), d.pdf(X), rtol=1e-12)
    np.testing.assert_allclose(mb.entropy(A, 2), d.entropy(), atol=1e-12)
    np.testing.assert_allclose(mb.log_normalizer(A, 2), d.log_normalizer(),
                               atol=1e-12)
    np.testing.assert_allclose(mb.mean_projection(A, 2), d.mean_projection(),
                               atol=1e-12)
    assert mb.rvs(A, 2, size=3, rng=1).shape == (3, 4, 2)
    np.testing.assert_array_equal(mb.rvs(A, 2, size=3, rng=1),
                                  mb.rvs(A, 2, size=3, rng=1))
    assert mb.mode(A, 2).shape == (4, 2)


def test_logpdf_nan_and_broadcasting():
    d = random_dist(4, 2, [3.0, 1.0])
    X = g.random_uniform(4, 2, size=(2, 3), rng=12)
    X[1, 2, 0, 0] = np.nan
    lp = d.logpdf(X)
    assert lp.shape == (2, 3)
    assert np.isnan(lp[1, 2]) and np.isfinite(np.delete(lp.ravel(), 5)).all()


def test_low_rank_in_high_dimension_never_forms_p_by_p(monkeypatch):
    p, r, k = 4096, 16, 2
    V = g.random_uniform(p, r, rng=13)
    lam = np.linspace(8.0, 0.5, r)
    d = mb(k=k, eigenvalues=lam, frame=V)
    # any (p, p) allocation would fail under this guard
    real_empty, real_zeros = np.empty, np.zeros

    def guard(fn):
        def wrapped(shape, *a, **kw):
            dims = np.atleast_1d(shape)
            if np.count_nonzero(dims >= p) >= 2:
                raise AssertionError(f"p x p allocation {shape}")
            return fn(shape, *a, **kw)
        return wrapped
    monkeypatch.setattr(np, "empty", guard(real_empty))
    monkeypatch.setattr(np, "zeros", guard(real_zeros))
    X = d.rvs(200, rng=14)
    lp = d.logpdf(X)
    assert np.isfinite(lp).all()
    gv, c = d.mean_projection_spectrum()
    np.testing.assert_allclose(gv.sum() + c * (p - r), k, rtol=1e-12)
    P = V.T @ X
    emp = np.mean(np.sum(P ** 2, axis=-1), axis=0)
    assert np.all(np.abs(emp - gv) < 6 * np.sqrt(gv / 200) + 1e-3)
    assert d.kl_divergence(d) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("kwargs, name", [
    (dict(A=np.array([[1.0, 2.0], [0.0, 1.0]]), k=1), "symmetric"),
    (dict(A=np.eye(3), k=4), "k"),
    (dict(A=np.eye(3), k=0), "k"),
    (dict(A=np.eye(3), k=1.5), "k"),
    (dict(A=np.ones((2, 3)), k=1), "A"),
    (dict(A=np.full((2, 2), np.nan), k=1), "A"),
    (dict(eigenvalues=[1.0, 2.0], frame=np.ones((4, 2)), k=1), "frame"),
    (dict(eigenvalues=[1.0], frame=np.eye(4)[:, :2], k=1), "frame"),
    (dict(eigenvalues=[1.0, 2.0], k=1), "frame"),
    (dict(A=np.eye(2), eigenvalues=[1.0], frame=np.eye(2)[:, :1]), "either"),
])
def test_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        mb(**kwargs)


def test_bad_frames_and_options():
    d = random_dist(4, 2, [3.0, 1.0])
    with pytest.raises(ValueError, match="X"):
        d.logpdf(np.ones((4, 2)))
    with pytest.raises(ValueError, match="X"):
        d.logpdf(np.eye(4)[:, :3])
    with pytest.raises(ValueError, match="size"):
        d.rvs(-1)
    with pytest.raises(ValueError, match="other"):
        d.kl_divergence(random_dist(5, 2, [1.0]))
    with pytest.raises(ValueError, match="shrinkage"):
        mb.fit(d.rvs(10, rng=1), shrinkage=1.5)
    with pytest.raises(ValueError, match="X"):
        mb.fit(np.ones((3, 4, 2)))
