"""Exact samplers of matrix_bingham: acceptance against theory, moments
against the gradient (and variance against the Hessian) of the
log-normalizer, agreement between the two independent envelopes, Haar at
A = 0, extreme concentrations."""
import numpy as np
import pytest
from scipy import stats

from bingham import _sampling
from bingham import grassmann as g
from bingham import special
from bingham.stats import matrix_bingham as mb


def dist(p, k, lam, seed=0):
    lam = np.asarray(lam, float)
    return mb(k=k, eigenvalues=lam, frame=g.random_uniform(p, lam.size,
                                                           rng=seed))


def draw(d, n, rng, method="auto", dual=True, block=True):
    pl = _sampling.plan(d.eigenvalues, d.frame, d.p, d.k, method, dual, block)
    X, info = _sampling.sample(pl, n, np.random.default_rng(rng))
    assert info["max_log_ratio"] <= 0.0           # the envelope bound
    return X, info, pl


def overlaps(d, X):
    """diag(V^T X X^T V): its mean is the gradient of log F."""
    return np.sum((d.frame.T @ X) ** 2, axis=-1)


def check_same_law(d, X1, X2, ref):
    """Two-sample KS tests between two samplers' draws: on tr(X^T A X) and
    on the smallest principal angle to the frame ``ref``."""
    t1, t2 = overlaps(d, X1) @ d.eigenvalues, overlaps(d, X2) @ d.eigenvalues
    assert stats.ks_2samp(t1, t2).pvalue > 1e-3
    a1 = g.principal_angles(X1, ref)[..., 0]
    a2 = g.principal_angles(X2, ref)[..., 0]
    assert stats.ks_2samp(a1, a2).pvalue > 1e-3


def check_acceptance(d, pl, info, at_least=0.0):
    """The acceptance seen against theory (F over the envelope mass), which
    must reach ``at_least``."""
    logF = special.log_normalizer_eigvals(d.eigenvalues, d.k, d.p)
    theory = np.exp(logF - pl.log_envelope_mass)
    assert at_least <= theory <= 1 + 1e-9
    n = info["proposals"]
    assert abs(info["acceptance"] - theory) < 5 * np.sqrt(
        theory * (1 - theory) / n) + 1e-3


def check_moments(d, X):
    """Sample means of the overlaps against the gradient of log F."""
    o = overlaps(d, X)
    grad = special.grad_log_normalizer_eigvals(d.eigenvalues, d.k, d.p)
    z = (o.mean(axis=0) - grad) / np.maximum(o.std(axis=0) / np.sqrt(len(o)),
                                             1e-12)
    assert np.all(np.abs(z) < 4.5), z


MOMENT_CASES = [
    (3, 1, [5.0, 3.0, 1.0]),
    (3, 1, [-50.0]),                              # repulsive
    (10, 1, list(np.linspace(0, 40, 10))),
    (5, 2, [30.0, -10.0, 4.0]),
    (10, 5, [20.0, 19.0, 18.0, 17.0, 16.0]),      # Gr(5, 10), anisotropic
    (10, 5, [10.0, 9.5, 9.0, 8.5, 8.0]),          # nearly isotropic
    (64, 4, [100.0, 95.0, 90.0, 85.0]),           # Gr(4, 64)
    (64, 4, [100.0, 90.0, 80.0, 70.0]),
    (10, 5, [20.0] * 5),                          # isotropic (exact F too)
    (64, 4, [100.0] * 4),
    (4096, 2, list(np.linspace(8.0, 0.5, 16))),   # low rank, high dimension
    # rank below k: the split envelope
    (4, 2, [30.0]),
    (10, 4, [1e6, 5e5, 2e5]),
    (5, 3, [30.0, -10.0]),
    (64, 5, [40.0, 20.0]),
    (12, 6, [50.0, 30.0, 20.0]),
    # more columns than directions left: the complement, with -A
    (6, 5, [1e4, 5e3, 2e3, 1e3]),
    (10, 8, [1e4, -5e3, 3e3, 3e3, -1e3, 200.0]),
    (17, 16, [30.0, -30.0]),
]


@pytest.mark.parametrize("p, k, lam", MOMENT_CASES)
def test_moments_match_the_gradient(p, k, lam):
    d = dist(p, k, lam)
    n = 4000 if p > 1000 else 20_000
    X, info, pl = draw(d, n, 1)
    check_moments(d, X)
    np.testing.assert_allclose(X.swapaxes(-1, -2) @ X,
                               np.broadcast_to(np.eye(k), (n, k, k)),
                               atol=1e-12)


@pytest.mark.parametrize("p, k, lam", [
    (3, 1, [5.0, 3.0, 1.0]),
    (10, 1, list(np.linspace(0, 40, 10))),
    (5, 2, [12.0, 7.0, 3.0, 1.0, 0.0]),
    (10, 5, [20.0, 19.0, 18.0, 17.0, 16.0]),
    (8, 3, [20.0, 10.0]),                         # split envelope
])
def test_variance_of_the_sufficient_statistic_matches_the_hessian(p, k, lam):
    d = dist(p, k, lam)
    n = 40_000
    X, _, _ = draw(d, n, 2)
    t = overlaps(d, X) @ d.eigenvalues               # tr(X^T A X)
    H = special.hess_log_normalizer_eigvals(d.eigenvalues, k, p)
    var = d.eigenvalues @ H @ d.eigenvalues
    # standard error of a sample variance: sqrt((m4 - var^2) / n)
    m4 = np.mean((t - t.mean()) ** 4)
    assert abs(t.var() - var) < 5 * np.sqrt((m4 - t.var() ** 2) / n)


@pytest.mark.parametrize("p, k, lam", [
    (3, 1, [50.0]),
    (4, 1, [30.0, 3.0, 1.0, 0.0]),
    (5, 2, [12.0, 9.0]),
    (6, 3, [8.0, 6.0, 5.0, 1.0]),
])
def test_the_two_envelopes_give_the_same_distribution(p, k, lam,
                                                      monkeypatch):
    # the mixture against MACG (the angles envelope, lighter on some of
    # these, is compared with MACG in test_angles_and_macg_envelopes_agree)
    monkeypatch.setattr(_sampling._sampling_angles, "plan_angles",
                        lambda pl, mg: None)
    d = dist(p, k, lam)
    X1, i1, pl1 = draw(d, 6000, 3, "auto", dual=False, block=False)
    X2, i2, pl2 = draw(d, 6000, 4, "macg")
    assert pl1.method == "mixture" and pl2.method == "macg"
    t1, t2 = overlaps(d, X1) @ d.eigenvalues, overlaps(d, X2) @ d.eigenvalues
    assert stats.ks_2samp(t1, t2).pvalue > 1e-3
    M = d.mode()
    a1 = g.principal_angles(X1, M)[..., -1]
    a2 = g.principal_angles(X2, M)[..., -1]
    assert stats.ks_2samp(a1, a2).pvalue > 1e-3


@pytest.mark.parametrize("p, k, lam, method", [
    (3, 1, [5.0, 3.0, 1.0], "macg"),
    (10, 1, list(np.linspace(0, 40, 10)), "macg"),
    (3, 1, [50.0], "auto"),
    (10, 5, [20.0, 19.0, 18.0, 17.0, 16.0], "auto"),
    (64, 4, [100.0, 95.0, 90.0, 85.0], "auto"),
    (10, 5, [20.0] * 5, "auto"),
    (64, 4, [100.0] * 4, "auto"),
    (6, 2, [6.0, 2.0, 1.0], "macg"),
])
def test_acceptance_matches_theory(p, k, lam, method):
    d = dist(p, k, lam)
    X, info, pl = draw(d, 4000, 5, method)
    logF = special.log_normalizer_eigvals(d.eigenvalues, k, p)
    theory = np.exp(logF - pl.log_envelope_mass)
    n = info["proposals"]
    se = np.sqrt(theory * (1 - theory) / n)
    assert abs(info["acceptance"] - theory) < 5 * se + 1e-3


@pytest.mark.parametrize("p, k, lam, envelope", [
    (10, 5, [20.0] * 5, "mixture"),     # MACG accepts ~0.2% here
    (64, 4, [100.0] * 4, "mixture"),    # MACG ~1e-6
    (64, 4, [1e4] * 4, "angles"),
    (200, 8, [50.0] * 8, None),
])
def test_high_concentration_acceptance_target(p, k, lam, envelope):
    d = dist(p, k, lam)
    X, info, pl = draw(d, 3000, 6)
    assert info["acceptance"] >= 0.1
    assert envelope is None or pl.method == envelope
    # isotropic concentration: the overlaps are exchangeable
    o = overlaps(d, X)
    assert np.ptp(o.mean(axis=0)) < 6 * o.std(axis=0).max() / np.sqrt(3000)


@pytest.mark.parametrize("p", [3, 4, 10])
def test_kgm_acceptance_never_below_its_limit(p):
    # KGM (2018): the vector sampler's acceptance is 1 at A = 0 and
    # decreases to a limit as the concentration grows (0.52, 0.45, 0.28)
    limit = {3: 0.52, 4: 0.45, 10: 0.28}[p]
    rng = np.random.default_rng(p)
    base = mb(np.zeros((p, p)), 1)
    pl = _sampling.plan(base.eigenvalues, base.frame, p, 1, "macg")
    assert pl.log_envelope_mass == pytest.approx(0.0, abs=1e-12)
    for scale in [0.1, 1.0, 10.0, 100.0, 1e4, 1e6]:
        for _ in range(3):
            lam = scale * rng.uniform(0, 1, p)
            d = dist(p, 1, lam)
            pl = _sampling.plan(d.eigenvalues, d.frame, p, 1, "macg")
            acc = np.exp(d.log_normalizer() - pl.log_envelope_mass)
            assert limit - 0.01 <= acc <= 1 + 1e-12


def test_uniform_when_a_is_zero():
    d = mb(np.zeros((6, 6)), 2)
    X = d.rvs(20_000, rng=7)
    P = np.einsum("npk,nqk->pq", X, X) / len(X)
    np.testing.assert_allclose(P, np.eye(6) / 3, atol=0.01)
    ref = g.random_uniform(6, 2, size=20_000, rng=8)
    fixed = np.eye(6)[:, :2]
    a = g.principal_angles(X, fixed)[..., 0]
    b = g.principal_angles(ref, fixed)[..., 0]
    assert stats.ks_2samp(a, b).pvalue > 1e-3
    assert d.sampler_info["acceptance"] == 1.0


@pytest.mark.parametrize("k", [1, 3])
def test_huge_concentrations_sample_without_overflow(k):
    p = 12
    d = dist(p, k, [1e8] * k + [5e7])
    with np.errstate(over="raise", invalid="raise"):
        X = d.rvs(500, rng=9)
    assert np.isfinite(X).all()
    th = g.principal_angles(X, d.mode())
    # angles of order 1/sqrt(concentration)
    assert th.max() < 1e-2 and th.max() > 1e-6


def test_rvs_shapes_and_seeds():
    d = dist(5, 2, [3.0, 1.0])
    assert d.rvs(rng=1).shape == (5, 2)
    assert d.rvs((2, 3), rng=1).shape == (2, 3, 5, 2)
    assert d.rvs(0, rng=1).shape == (0, 5, 2)
    np.testing.assert_array_equal(d.rvs(4, rng=11), d.rvs(4, rng=11))
    assert not np.array_equal(d.rvs(4, rng=11), d.rvs(4, rng=12))
    acc, method = d.expected_acceptance()
    assert 0 < acc <= 1 and method in ("macg", "mixture", "split", "wishart",
                                       "dual", "block")
    assert set(d.sampler_info) >= {"method", "proposals", "acceptance"}


@pytest.mark.parametrize("p, k, r, lam", [
    (64, 2, 8, 100.0), (10, 2, 4, 20.0), (20, 3, 6, 40.0), (64, 4, 8, 100.0)])
def test_wishart_envelope_for_isotropic_rank_above_k(p, k, r, lam):
    d = dist(p, k, [lam] * r)
    X, info, pl = draw(d, 8000, 7)
    assert pl.method == "wishart"
    # acceptance against theory (F exact here: the isotropic method)
    logF = special.log_normalizer_eigvals(d.eigenvalues, k, p)
    theory = np.exp(logF - pl.log_envelope_mass)
    n = info["proposals"]
    assert abs(info["acceptance"] - theory) < 5 * np.sqrt(
        theory * (1 - theory) / n) + 1e-3
    # it beats the MACG envelope, and agrees with it in distribution
    macg = _sampling.plan(d.eigenvalues, d.frame, p, k, "macg")
    assert pl.log_envelope_mass < macg.log_envelope_mass
    o = overlaps(d, X).sum(-1)
    g_sum = special.grad_log_normalizer_eigvals(d.eigenvalues, k, p).sum()
    assert abs(o.mean() - g_sum) < 4.5 * o.std() / np.sqrt(len(o))
    if np.exp(logF - macg.log_envelope_mass) > 0.01:
        X2, _ = _sampling.sample(macg, 3000, np.random.default_rng(8))
        assert stats.ks_2samp(o, overlaps(d, X2).sum(-1)).pvalue > 1e-3


@pytest.mark.parametrize("p, k, lam, before, after", [
    (512, 16, [300.0], "split", 0.85),       # 1.7e-5 without the tangent
    (40, 8, [60.0, 40.0, 30.0], "split", 0.8),   # 0.044
    (64, 4, [100.0] * 8, "wishart", 0.95),   # 0.14
])
def test_tangent_of_the_beta_factor(p, k, lam, before, after):
    """The split and Wishart envelopes fold det(I - T)^alpha into the
    Wishart's rates through its tangent (alpha = (k - j - 1)/2, large when
    few directions carry many columns): acceptance against theory, the
    level reached, the moments against the gradient."""
    d = dist(p, k, lam)
    X, info, pl = draw(d, 4000, 19)
    assert pl.method == before
    check_acceptance(d, pl, info, at_least=after)
    check_moments(d, X)


@pytest.mark.parametrize("p, k, lam", [
    (4, 2, [30.0]), (10, 4, [1e6, 5e5, 2e5]), (4, 2, [1e8]),
    (5, 3, [30.0, -10.0]), (8, 3, [12.0, 4.0]), (40, 6, [100.0, 60.0]),
])
def test_split_envelope_below_rank_k(p, k, lam):
    """Concentrations of rank below k (the inputs the other envelopes
    refused, e.g. diag(30, 0, 0, 0) with k = 2): acceptance against theory,
    and at high concentration near 1."""
    d = dist(p, k, lam)
    X, info, pl = draw(d, 4000, 12, dual=False, block=False)
    assert pl.method == "split"
    logF = special.log_normalizer_eigvals(d.eigenvalues, k, p)
    theory = np.exp(logF - pl.log_envelope_mass)
    assert theory <= 1 + 1e-9
    n = info["proposals"]
    assert abs(info["acceptance"] - theory) < 5 * np.sqrt(
        theory * (1 - theory) / n) + 0.02
    if min(lam) > 20 * p:
        assert info["acceptance"] > 0.9


def test_split_and_macg_envelopes_agree():
    # low concentration: both envelopes usable, independent constructions
    d = dist(6, 3, [4.0, -2.0])
    X1, _, pl1 = draw(d, 6000, 13, "auto", dual=False)
    X2, _, pl2 = draw(d, 6000, 14, "macg")
    assert pl1.method == "split" and pl2.method == "macg"
    check_same_law(d, X1, X2, d.frame[:, :1])


@pytest.mark.parametrize("A, k", [
    (np.diag([30.0, 0, 0, 0]), 2),
    (np.diag([1e6, 5e5, 2e5] + [0.0] * 5), 4),
    (np.diag([1e8, 0, 0, 0]), 2),
])
def test_issue_cases_of_rank_below_k_sample(A, k):
    d = mb(A, k)
    X = d.rvs(50, rng=15)
    assert X.shape == (50, A.shape[0], k)
    assert d.sampler_info["acceptance"] > 0.5
    # the top eigenvector lies in every sampled subspace (concentration
    # at least 30 along it)
    e1 = np.eye(A.shape[0])[:, 0]
    assert np.all(np.sum((e1 @ X) ** 2, -1) > 0.5)


@pytest.mark.parametrize("p, k, lam", [
    (6, 5, [1e4, 5e3, 2e3, 1e3]),           # the complement is a vector
    (6, 4, [300.0, -200.0, 100.0, -50.0]),
    (10, 8, [1e4, -5e3, 3e3, 3e3, -1e3, 200.0]),
    (17, 16, [30.0, -30.0]),
])
def test_complement_envelope_where_k_exceeds_half_of_p(p, k, lam):
    """Frames with more columns than the directions left: sampled as the
    Haar complement of the matrix Bingham with -A and p - k columns.  On
    these inputs the complement beats every direct envelope (the split
    reaches 0.22-0.55); the acceptance must match theory and reach 0.1."""
    d = dist(p, k, lam)
    X, info, pl = draw(d, 4000, 16)
    assert pl.method == "dual" and info["method"] == "dual"
    direct = _sampling.plan(d.eigenvalues, d.frame, p, k, dual=False)
    assert pl.log_envelope_mass < direct.log_envelope_mass
    check_acceptance(d, pl, info, at_least=0.1)
    np.testing.assert_allclose(X.swapaxes(-1, -2) @ X,
                               np.broadcast_to(np.eye(k), (4000, k, k)),
                               atol=1e-12)


def test_complement_and_direct_envelopes_agree():
    # both usable at low concentration: Gr(3, 6) sampled directly and as
    # the complement (three columns each way)
    d = dist(6, 3, [-6.0, 3.0, -2.0])
    X1, _, pl1 = draw(d, 6000, 17, block=False)
    X2, _, pl2 = draw(d, 6000, 18, dual=False)
    assert pl1.method == "dual" and pl2.method != "dual"
    check_same_law(d, X1, X2, d.frame[:, :2])


@pytest.mark.parametrize("p, k, lam", [
    (40, 5, [9718.3, 8342.9, 7511.4, 7349.2, 7011.9, 6032.4, 100.0, -7566.7,
             -8171.4]),
    (12, 6, [1e4, 9454.5, 8935.1, 8915.7, 8746.4, 8281.6, 1864.8, 1688.0]),
    (17, 3, [9282.0, 8425.0, 7882.0, 7302.0, 6681.0, 6332.0, -8994.9, -1e4]),
])
def test_mixture_with_haar_on_the_bad_region(p, k, lam):
    """A large gap below the top k: the mixture's bad region (a direction
    of X nearly orthogonal to the top eigenspace) is covered by Haar frames
    with the bound exp(tr L - g (1 - delta)).  Before, these inputs
    accepted 1e-29, 0.50 and 1.4e-7 (MACG on the bad region, or the
    split); now at least 0.5 (0.59, 0.95, 0.84), with the acceptance
    against theory and the moments against the gradient."""
    d = dist(p, k, lam)
    X, info, pl = draw(d, 4000, 20, block=False)
    assert pl.method == "mixture" and pl.bad == "haar"
    check_acceptance(d, pl, info, at_least=0.5)
    check_moments(d, X)


def _spread(seed, n, scale, low=0.0):
    return list(scale * np.random.default_rng(seed).uniform(low, 1.0, n))


@pytest.mark.parametrize("p, k, lam, zeros, at_least", [
    # inputs of the sampler map's kind that no envelope sampled before the
    # block envelope (2e-129, 1e-10, 3e-27, 3e-18 there)
    (1024, 2, _spread(1, 16, 1e4), False, 0.5),
    (128, 5, _spread(2, 16, 1e4, -1.0), False, 0.5),
    (24, 6, _spread(3, 24, 300.0, -1.0), False, 0.5),
    (24, 8, _spread(4, 16, 300.0), False, 0.3),
    # the block holds the implicit zeros (every other eigenvalue negative)
    (20, 2, [50.0, -40.0, -60.0], True, 0.5),
    (5, 2, [30.0, -10.0, 4.0], True, 0.5),
    (12, 4, [100.0, 50.0, -30.0, -60.0], True, 0.5),
])
def test_block_envelope(p, k, lam, zeros, at_least):
    """Top-block envelope: the frame's part outside the top ``b``
    eigenvectors is Gaussian given its part inside, whose marginal is
    bounded by a matrix Bingham of phi(L) (Jensen's trace inequality).
    Acceptance against theory and the level reached, moments against the
    gradient of log F, orthonormal frames."""
    d = dist(p, k, lam)
    logF, err = special.log_normalizer_eigvals(d.eigenvalues, k, p,
                                               return_error=True)
    assert err < 1e-8 * max(1.0, abs(logF))
    n = 4000
    X, info, pl = draw(d, n, 21)
    assert pl.method == "block" and pl.k_zeros == zeros
    check_acceptance(d, pl, info, at_least=at_least)
    check_moments(d, X)
    np.testing.assert_allclose(X.swapaxes(-1, -2) @ X,
                               np.broadcast_to(np.eye(k), (n, k, k)),
                               atol=1e-12)


@pytest.mark.parametrize("p, k, lam", [
    (6, 2, [3.0, 2.0, 1.0, 0.5, -2.0, -3.0]),     # b - k - 1 > 0: beta factor
    (5, 2, [3.0, -2.0]),                          # zeros in the block
])
def test_block_and_macg_envelopes_agree(p, k, lam):
    # low concentration: both usable, independent constructions; every
    # block shape the planner may pick is checked
    d = dist(p, k, lam)
    base = _sampling.plan(d.eigenvalues, d.frame, p, k, block=False)
    shapes = list(_sampling._sampling_block._candidates(base))
    X2, _, _ = draw(d, 6000, 23, "macg")
    for t, with_zeros in shapes:
        pl = _sampling.plan(d.eigenvalues, d.frame, p, k, block=False)
        pl.method, pl.log_M2_full = "macg", np.inf     # any block wins
        _sampling._sampling_block.plan_block(
            pl, _sampling._multigammaln, _sampling._sub_plan,
            only=(t, with_zeros))
        assert pl.method == "block" and pl.k_t == t
        X1, info = _sampling.sample(pl, 6000, np.random.default_rng(22))
        assert info["max_log_ratio"] <= 0.0
        check_same_law(d, X1, X2, d.frame[:, :1])


@pytest.mark.parametrize("p, lam, n, seed, envelope", [
    (64, [100.0, 90.0, 70.0, 40.0, -20.0], 40_000, 24, "block"),
    (128, [300.0, 147.3, 142.3], 30_000, 32, "angles"),
])
def test_variance_matches_the_hessian_under_an_envelope(p, lam, n, seed,
                                                        envelope):
    """The sample variance of tr(X^T A X) against l^T (Hessian) l, k = 3,
    under the block and the angles envelopes."""
    d = dist(p, 3, lam)
    X, _, pl = draw(d, n, seed)
    assert pl.method == envelope
    t = overlaps(d, X) @ d.eigenvalues
    H = special.hess_log_normalizer_eigvals(d.eigenvalues, 3, p)
    var = d.eigenvalues @ H @ d.eigenvalues
    m4 = np.mean((t - t.mean()) ** 4)
    assert abs(t.var() - var) < 5 * np.sqrt((m4 - t.var() ** 2) / n)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 13, 16])
def test_bad_region_program_by_binary_powers(k):
    """The bad-region bound's dynamic program, by binary powers of its
    max-plus product, against the plain program (one coordinate at a
    time, every index sum enumerated)."""
    rng = np.random.default_rng(k)
    pl = _sampling.plan(rng.uniform(0, 40, k + 4), g.random_uniform(
        40, k + 4, rng=0), 40, k, method="macg")
    for y0, gap in [(0.3, 5.0), (4.0, 40.0), (30.0, 200.0)]:
        n = 60
        h = y0 / n
        s = gap * (-np.expm1(-h * np.arange(n + 1)))
        psi = pl._log_f(np.maximum(s, pl.t_star))
        budget = n - k
        if budget <= 0:
            continue
        best = np.full(budget + 1, -np.inf)
        best[0] = 0.0
        for _ in range(k):
            best = np.array([max(psi[i] + best[max(b - i, 0)]
                                 for i in range(budget + 1))
                             for b in range(budget + 1)])
        assert pl._bad_region_bound(y0, gap, n=n) == pytest.approx(
            best[budget], abs=1e-12)


def test_planning_has_a_work_budget():
    """A full spectrum of p = 64 with k = 32 at scale 300 has thousands of
    candidate envelopes: the plan stops at its work budget (overshooting
    by at most one step) and says so; a small input is planned in full."""
    rng = np.random.default_rng(1)
    lam = 300.0 * rng.uniform(-1.0, 1.0, 64)
    V = g.random_uniform(64, 64, rng=0)
    pl = _sampling.plan(lam, V, 64, 32)
    assert pl.truncated
    assert pl.work.left > -0.05 * _sampling.PLAN_WORK  # overshoot: one step
    small = _sampling.plan(lam[:6], V[:, :6], 64, 2)
    assert not small.truncated


@pytest.mark.parametrize("p, k, lam, at_least", [
    # rank k in high dimension: the mixture's bound on the Haar Jacobian
    # cost e^19 (acceptance 4.3e-19 on the sampler map)
    (128, 3, [300.0, 147.3, 142.3], 0.5),
    (20, 2, [1e4, 5e3], 0.95),
    (9, 2, [331.49, 216.92], 0.95),
    # a full spectrum whose bottom p - k values are one level (c = -40)
    (12, 3, [60.0, 20.0, 10.0] + [-40.0] * 9, 0.5),
])
def test_angles_envelope(p, k, lam, at_least):
    """The top k eigenvalues above one level: U^T X X^T U from a mixture
    of two Wisharts (:mod:`bingham._sampling_angles`).  Acceptance against
    theory and the level reached, moments against the gradient of log F,
    orthonormal frames."""
    d = dist(p, k, lam)
    n = 4000
    X, info, pl = draw(d, n, 31)
    assert pl.method == "angles"
    check_acceptance(d, pl, info, at_least=at_least)
    check_moments(d, X)
    np.testing.assert_allclose(X.swapaxes(-1, -2) @ X,
                               np.broadcast_to(np.eye(k), (n, k, k)),
                               atol=1e-12)


def test_angles_and_macg_envelopes_agree():
    """A moderate concentration, where both envelopes are usable (0.14
    and 0.025): the angles envelope forced (whatever its mass) against
    MACG, independent constructions; both of its components propose."""
    p, k, lam = 12, 2, [15.0, 8.0]
    d = dist(p, k, lam)
    pl = _sampling.plan(d.eigenvalues, d.frame, p, k, block=False)
    pl.method, pl.log_M2_full = "macg", np.inf
    _sampling._sampling_angles.plan_angles(pl, _sampling._multigammaln)
    assert pl.method == "angles"
    share = np.exp(pl.a_log_m1 - pl.log_MA)
    assert 0.02 < share < 0.98
    X1, info = _sampling.sample(pl, 6000, np.random.default_rng(33))
    assert info["max_log_ratio"] <= 0.0
    X2, _, _ = draw(d, 6000, 34, "macg")
    check_same_law(d, X1, X2, d.frame[:, :1])
