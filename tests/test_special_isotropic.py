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
    v, d, err = log_normalizer_isotropic(lam, k, m, p)
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


def test_hessian_is_not_available_and_says_so():
    with pytest.warns(special.AccuracyWarning, match="derivatives"):
        H = special.hess_log_hyp1f1(2.5, 5.0, np.full(5, 20.0))
    assert np.isnan(H).all()


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
