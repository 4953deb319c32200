"""The isotropic method (one repeated eigenvalue, any concentration) against
exact methods, against an F-free Monte Carlo estimate from the exact sampler,
and its error estimates."""
import warnings

import numpy as np
import pytest

from bingham import special
from bingham._testing import sampler_log_normalizer
from bingham._isotropic import log_normalizer_isotropic

# (k, p, m, lam): cases where an exact method applies (contour: k = 1,
# k = p - 1 after Kummer, one eigenvalue; series: moderate concentration),
# covering the direct map, Kummer on the complement and the frame complement
EXACT = [
    (1, 5, 3, 3.0), (1, 10, 4, 25.0), (1, 10, 4, -25.0), (1, 4096, 16, 100.0),
    (4, 5, 4, 20.0), (4, 5, 4, -20.0), (7, 8, 3, 40.0), (2, 8, 1, 30.0),
    (2, 6, 2, 3.0), (2, 7, 3, 2.0), (3, 10, 3, 1.5), (3, 8, 2, 4.0),
    (2, 6, 3, 5.0), (5, 10, 5, 2.0), (3, 10, 3, -8.0), (2, 4, 3, 6.0),
]


@pytest.mark.parametrize("k, p, m, lam", EXACT)
def test_value_and_gradient_against_exact_methods(k, p, m, lam):
    x = np.full(m, lam)
    exact = "contour" if (k == 1 or k == p - 1 or m == 1) else "series"
    ref, ref_err = special.log_hyp1f1(k / 2, p / 2, x, method=exact,
                                      return_error=True)
    v, d, _, err = log_normalizer_isotropic(lam, k, m, p)
    true = abs(v - ref)
    assert true <= 1e-12 * max(1.0, abs(ref)) + ref_err
    assert err >= true - ref_err           # the estimate covers the error
    gref = special.grad_log_hyp1f1(k / 2, p / 2, x, method=exact)
    np.testing.assert_allclose(d / m, gref, rtol=1e-11, atol=1e-13)
    # forced through the public function (which warns when the estimate
    # exceeds 1e-12 relative)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", special.AccuracyWarning)
        forced = special.log_hyp1f1(k / 2, p / 2, x, method="isotropic")
    np.testing.assert_allclose(forced, v, rtol=0, atol=0)


@pytest.mark.parametrize("p, k, lam", [(10, 5, 20.0), (64, 4, 100.0),
                                       (12, 3, -40.0), (20, 4, 15.0)])
def test_against_the_sampler_acceptance(p, k, lam):
    # acceptance = F / envelope mass, with the envelope constants computed
    # without F: an independent Monte Carlo estimate of log F
    ev = np.full(k, lam)
    mc, se, X, V = sampler_log_normalizer(ev, k, p, 30_000)
    logF = special.log_normalizer_eigvals(ev, k, p)
    assert special.explain(k / 2, p / 2, ev)["method"] == "isotropic"
    assert abs(mc - logF) < 5 * se
    # the gradient against the sample mean of ||U^T X||^2 / k
    o = np.sum((V.T @ X) ** 2, axis=-1)
    grad = special.grad_log_normalizer_eigvals(ev, k, p)
    t = o.sum(-1)
    assert abs(t.mean() - grad.sum()) < 5 * t.std() / np.sqrt(len(t))


def test_gradient_with_given_zeros_sums_to_k():
    k, p = 4, 12
    x = np.r_[np.full(4, 80.0), np.zeros(8)]
    gr = special.grad_log_hyp1f1(k / 2, p / 2, x)
    assert special.explain(k / 2, p / 2, x)["method"] == "isotropic"
    np.testing.assert_allclose(gr.sum(), k, rtol=1e-12)
    np.testing.assert_allclose(gr[:4], gr[0], rtol=1e-14)
    np.testing.assert_allclose(gr[4:], gr[4], rtol=1e-14)


def test_shift_identity_at_high_concentration():
    # all p eigenvalues given: adding c to each adds c k
    k, p = 3, 8
    base = np.r_[np.full(3, 60.0), np.zeros(5)]
    v0 = special.log_hyp1f1(k / 2, p / 2, base[:3])
    # shifting by -60 leaves a repeated eigenvalue -60 on the complement
    v1 = special.log_hyp1f1(k / 2, p / 2, base - 60.0)
    np.testing.assert_allclose(v1 + 60.0 * k, v0, rtol=1e-12)


HESSIAN_SERIES = [  # (k, p, x): moderate concentration, the series is exact
    (2, 6, [3.0, 3.0, 3.0]), (2, 6, [3.0, 3.0, 3.0, 0.0, 0.0, 0.0]),
    (3, 8, [2.0, 2.0, 0.0, 0.0, 0.0]), (2, 5, [-4.0, -4.0, 0.0, 0.0]),
    (2, 7, [1.5, 1.5, 1.5, 1.5, 0.0]), (1, 5, [2.0, 2.0, 0.0]),
]


@pytest.mark.parametrize("k, p, x", HESSIAN_SERIES)
def test_hessian_against_the_series(k, p, x):
    """Moderate concentration: the series' Hessian is exact; the isotropic
    one comes from the second derivative along lam, the shift identity and
    Muirhead's equation at the tie."""
    x = np.array(x)
    Hi = special.hess_log_hyp1f1(k / 2, p / 2, x, method="isotropic")
    Hs = special.hess_log_hyp1f1(k / 2, p / 2, x, method="series")
    np.testing.assert_allclose(Hi, Hs, rtol=0, atol=1e-12 * np.abs(Hs).max())


@pytest.mark.parametrize("k, p, m, lam", [
    (1, 6, 3, 200.0), (1, 6, 3, -200.0), (5, 6, 3, 300.0), (3, 4, 2, 80.0),
    (1, 10, 4, 1e3), (9, 10, 4, -1e4), (1, 10, 4, 1e5), (1, 4096, 16, 100.0),
])
def test_hessian_against_the_contour_at_large_concentration(k, p, m, lam):
    """k = 1 and k = p - 1: the contour's Hessian is exact at any
    concentration.  Rows of the full Hessian sum to 0 and it is positive
    semi-definite."""
    n = min(p, m + 3)
    x = np.r_[np.full(m, lam), np.zeros(n - m)]
    Hi = special.hess_log_hyp1f1(k / 2, p / 2, x, method="isotropic")
    Hc = special.hess_log_hyp1f1(k / 2, p / 2, x, method="contour")
    np.testing.assert_allclose(Hi, Hc, rtol=0, atol=1e-9 * np.abs(Hc).max())
    if n == p:
        np.testing.assert_allclose(Hi.sum(axis=1), 0.0,
                                   atol=1e-12 * np.abs(Hi).max())
    assert np.linalg.eigvalsh(Hi).min() >= -1e-12 * np.abs(Hi).max()


def test_auto_hessian_of_a_concentrated_isotropic_input():
    # k = 5, p = 10, five eigenvalues 20: the series cannot finish, auto
    # takes the isotropic method, now with its Hessian
    x = np.full(5, 20.0)
    assert special.explain(2.5, 5.0, x)["method"] == "isotropic"
    H = special.hess_log_hyp1f1(2.5, 5.0, x)
    assert np.isfinite(H).all()
    np.testing.assert_allclose(H, H.T, rtol=0, atol=0)
    # its sum along the tie is the second derivative along lam, which a
    # central difference of the exact gradient along lam confirms
    step = 1e-3
    up = special.grad_log_hyp1f1(2.5, 5.0, x + step).sum()
    down = special.grad_log_hyp1f1(2.5, 5.0, x - step).sum()
    np.testing.assert_allclose(H.sum(), (up - down) / (2 * step), rtol=1e-6)


def test_many_angles_are_refused_or_flagged():
    # more than 6 principal angles: not used by auto, refused when forced
    x = np.full(8, 50.0)
    with pytest.raises(ValueError, match="principal angles"):
        special.log_hyp1f1(4.0, 32.0, x, method="isotropic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert special.explain(4.0, 32.0, x)["method"] != "isotropic"
    with pytest.raises(ValueError, match="isotropic"):
        special.log_hyp1f1(1.0, 3.0, [2.0, 1.0], method="isotropic")
