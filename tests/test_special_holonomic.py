"""The holonomic gradient method against independent evaluations."""
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bingham.special import (
    AccuracyWarning,
    explain,
    grad_log_hyp1f1,
    hess_log_hyp1f1,
    log_hyp1f1,
    log_normalizer_eigvals,
)


@st.composite
def low_rank_case(draw, scale=12.0):
    """k/2, p/2 and at most k distinct positive eigenvalues."""
    k = draw(st.integers(2, 4))
    p = draw(st.integers(k + 1, 16))
    n = draw(st.integers(1, k))
    x = draw(st.lists(st.floats(0.5, scale), min_size=n, max_size=n, unique=True)
             .filter(lambda v: min(abs(a - b) for a in v for b in v if a != b) > 0.05
                     if len(v) > 1 else True))
    return 0.5 * k, 0.5 * p, np.array(x)


def quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccuracyWarning)
        return f(*args, **kw)


@given(case=low_rank_case())
def test_holonomic_matches_series(case):
    a, b, x = case
    h, eh = log_hyp1f1(a, b, x, method="holonomic", return_error=True)
    s, es = quiet(log_hyp1f1, a, b, x, method="series", return_error=True)
    assert abs(h - s) <= eh + es + 1e-12 * max(1.0, abs(s))
    gh = grad_log_hyp1f1(a, b, x, method="holonomic")
    gs = quiet(grad_log_hyp1f1, a, b, x, method="series")
    assume(np.isfinite(gs).all())  # beyond the series' derivative budget
    np.testing.assert_allclose(gh, gs, rtol=1e-9, atol=1e-12)


@given(case=low_rank_case())
def test_holonomic_hessian_matches_series(case):
    a, b, x = case
    Hh = hess_log_hyp1f1(a, b, x, method="holonomic")
    Hs = quiet(hess_log_hyp1f1, a, b, x, method="series")
    assume(np.isfinite(Hs).all())  # beyond the series' derivative budget
    np.testing.assert_allclose(Hh, Hs, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("x", [[40.0, 25.0, 10.0], [300.0, 120.0, 7.0],
                               [2000.0, 1500.0, 10.0]])
def test_holonomic_against_the_contour_at_large_concentration(x):
    """k = p - 1 = 3, p = 4: the contour through Kummer's relation is exact
    at any concentration and shares nothing with the holonomic system."""
    h, eh = log_hyp1f1(1.5, 2.0, x, method="holonomic", return_error=True)
    c, ec = log_hyp1f1(1.5, 2.0, x, method="contour", return_error=True)
    assert abs(h - c) <= eh + ec
    assert eh <= 1e-8 * abs(c)  # the large-concentration goal of issue #2


@pytest.mark.parametrize("x,k,p", [
    ([1e4, 5e3], 2, 16), ([3e3, 2e3, 1e3], 3, 8), ([1000.0, 800.0], 2, 1024),
])
def test_holonomic_far_out_respects_bounds_and_laplace(x, k, p):
    # the goal out here is 1e-8 (issue #2); a warning may say it is short of
    # 1e-12.  "auto" takes the branch-cut method (confluent form: the
    # implicit zeros exactly); the forced holonomic method agrees within the
    # two estimates
    v, e = quiet(log_normalizer_eigvals, x, k, p, return_error=True)
    # (at p = 1024 the constant's and the sum's logs, about 3000 each,
    # leave the branch-cut estimate above 1e-12 of log F: with two nonzero
    # eigenvalues the matrix-beta integral answers; the large-argument
    # expansion, which goes first, where it applies)
    assert explain(0.5 * k, 0.5 * p, x)["method"] in (
        ("cut" if p < 1024 else "rank two"), "large argument")
    h, eh = quiet(log_normalizer_eigvals, x, k, p, method="holonomic",
                  return_error=True)
    assert abs(v - h) <= e + eh
    assert eh <= 1e-8 * abs(h)
    top = np.sort(np.concatenate([x, np.zeros(p - len(x))]))[::-1][:k].sum()
    assert v <= top
    lap, le = quiet(log_normalizer_eigvals, x, k, p, method="laplace",
                    return_error=True)
    assert abs(v - lap) <= le
    assert e <= 1e-8 * abs(v)


def test_holonomic_negative_eigenvalues_through_kummer():
    # k = 1, p = 4 (b - a = 3/2 >= 3 negative eigenvalues / 2): compare the
    # contour, which is exact for k = 1
    x = np.array([-30.0, -12.0, -5.0])
    h, eh = log_hyp1f1(0.5, 2.0, x, method="holonomic", return_error=True)
    c, ec = log_hyp1f1(0.5, 2.0, x, method="contour", return_error=True)
    assert abs(h - c) <= eh + ec


@pytest.mark.parametrize("a,b,x", [
    # a tie across the top-k boundary at large concentration
    (1.0, 2.0, [500.0, 200.0, 200.0]),
    (1.0, 2.0, [500.0, -100.0]),  # ... of the implicit zeros
    # a near tie moved to its mean would be too far for the expansion there
    # (across the k-th largest at large concentration: the move must stay
    # within 1e-2 absolute)
    (1.0, 3.0, [5e4, 3e4, 3e4 + 2.0, 1e4]),
    (0.7, 2.0, [5.0, -1.0]),  # mixed signs, not the Bingham case
    (1.0, 8.0, list(np.arange(1.0, 8.0))),  # too many variables
])
def test_holonomic_refuses_where_it_is_not_stable(a, b, x):
    with pytest.raises(ValueError, match="holonomic needs"):
        log_hyp1f1(a, b, x, method="holonomic")


@pytest.mark.parametrize("x,k,p", [
    ([40.0, 25.0, -3.0], 2, 9), ([300.0, 7.0], 3, 12), ([50.0, 50.0, 1.0], 1, 6),
    ([-5.0, -20.0], 2, 5),
])
def test_laplace_counts_the_implicit_zeros_like_explicit_ones(x, k, p):
    """The Laplace approximation groups the p - n implicit zeros (O(n^2)
    work at any p); listing the zeros explicitly must give the same value
    and derivatives."""
    full = np.concatenate([x, np.zeros(p - len(x))])
    kw = dict(method="laplace", return_error=True)
    v, e = quiet(log_normalizer_eigvals, x, k, p, **kw)
    vf, ef = quiet(log_normalizer_eigvals, full, k, p, **kw)
    assert abs(v - vf) <= 1e-13 * max(1.0, abs(v)) and abs(e - ef) <= 1e-12
    a, b = 0.5 * k, 0.5 * p
    g = quiet(grad_log_hyp1f1, a, b, x, method="laplace")
    gf = quiet(grad_log_hyp1f1, a, b, full, method="laplace")
    np.testing.assert_allclose(g, gf[:len(x)], rtol=1e-13, atol=1e-15)
    h = quiet(hess_log_hyp1f1, a, b, x, method="laplace")
    hf = quiet(hess_log_hyp1f1, a, b, full, method="laplace")
    np.testing.assert_allclose(h, hf[:len(x), :len(x)], rtol=1e-13,
                               atol=1e-15)


# ---- whole Bingham spectra through the shift identity ---------------------

@st.composite
def full_spectrum_case(draw):
    """k/2, p/2 and all p eigenvalues (or all but one, which is then an
    implicit zero), pairwise at least 0.06 apart by construction, with
    min(k, p - k) >= 2."""
    p = draw(st.integers(4, 8))
    k = draw(st.integers(2, p - 2))
    gaps = draw(st.lists(st.floats(0.06, 2.5), min_size=p - 1,
                         max_size=p - 1))
    full = draw(st.floats(-6.0, 0.0)) + np.concatenate([[0.0], np.cumsum(gaps)])
    if draw(st.booleans()):
        # one of them an implicit zero: shift it to 0 and leave it out
        j = draw(st.integers(0, p - 1))
        full = np.delete(full - full[j], j)
    return 0.5 * k, 0.5 * p, np.array(draw(st.permutations(list(full))))


# each example runs the series' Hessian in up to p = 8 (seconds): 40 examples
# in every profile
@settings(max_examples=40)
@given(case=full_spectrum_case())
def test_shifted_holonomic_matches_series(case):
    a, b, x = case
    # (close eigenvalues raise the estimate above 1e-12 relative: warned)
    h, eh = quiet(log_hyp1f1, a, b, x, method="holonomic", return_error=True)
    s, es = quiet(log_hyp1f1, a, b, x, method="series", return_error=True)
    assert abs(h - s) <= eh + es
    # (estimates up to 1.2e-10 relative seen; close eigenvalues raise them)
    assert eh <= 1e-9 * max(1.0, abs(s))
    gh = quiet(grad_log_hyp1f1, a, b, x, method="holonomic")
    gs = quiet(grad_log_hyp1f1, a, b, x, method="series")
    Hh = quiet(hess_log_hyp1f1, a, b, x, method="holonomic")
    Hs = quiet(hess_log_hyp1f1, a, b, x, method="series")
    assume(np.isfinite(Hs).all())  # beyond the series' derivative budget
    np.testing.assert_allclose(gh, gs, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(Hh, Hs, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("p", [4, 7, 10])
@pytest.mark.parametrize("k_of_p", [lambda p: 1, lambda p: p - 1])
def test_shifted_holonomic_against_the_contour(p, k_of_p):
    """k = 1 and k = p - 1: the contour is exact at any concentration; mixed
    signs up to 500 put every eigenvalue far from the others."""
    k = k_of_p(p)
    x = np.random.default_rng(p).uniform(-500.0, 500.0, p)
    a, b = 0.5 * k, 0.5 * p
    h, eh = log_hyp1f1(a, b, x, method="holonomic", return_error=True)
    c, ec = log_hyp1f1(a, b, x, method="contour", return_error=True)
    assert abs(h - c) <= eh + ec
    assert eh <= 1e-8 * abs(c)


@pytest.mark.parametrize("k,p,scale", [(2, 5, 60.0), (3, 6, 100.0),
                                       (3, 10, 30.0), (4, 8, 300.0),
                                       (2, 9, 1000.0)])
@pytest.mark.parametrize("method", ["holonomic", "auto"])
def test_shifted_holonomic_at_large_concentration(k, p, scale, method):
    """Beyond the series: the hard bound, the shift identity (the gradient
    over all p eigenvalues sums to k), convexity, and the Laplace
    approximation within its own error estimate ("auto" takes the
    branch-cut method for these spread spectra)."""
    x = np.random.default_rng(k + p).uniform(-scale, scale, p)
    a, b = 0.5 * k, 0.5 * p
    v, e = quiet(log_hyp1f1, a, b, x, method=method, return_error=True)
    if method == "auto":
        assert explain(a, b, x)["method"] == "cut"
    assert e <= 1e-8 * abs(v)
    assert v <= np.sort(x)[::-1][:k].sum()
    g = quiet(grad_log_hyp1f1, a, b, x, method=method)
    assert abs(g.sum() - k) <= 1e-9 * k
    assert np.all(g > -1e-12) and np.all(g < 1 + 1e-12)
    H = quiet(hess_log_hyp1f1, a, b, x, method=method)
    np.testing.assert_allclose(H, H.T, atol=1e-10)
    assert np.linalg.eigvalsh(H).min() >= -1e-9
    lap, le = quiet(log_hyp1f1, a, b, x, method="laplace", return_error=True)
    assert abs(v - lap) <= le


def test_shifted_holonomic_k3_p10_against_the_series():
    """The benchmark spectra of issue #2, where the series converges (in
    about 0.03 s and 1 s)."""
    for x in (np.arange(10.0), 2.0 * np.arange(10.0)):
        h, eh = log_hyp1f1(1.5, 5.0, x, method="holonomic", return_error=True)
        s, es = log_hyp1f1(1.5, 5.0, x, method="series", return_error=True)
        assert abs(h - s) <= eh + es
        assert eh <= 1e-9 * abs(s)


@pytest.mark.parametrize("a,b,x", [
    # ties across the top-k boundary at large concentration (the given
    # ones, the implicit zeros)
    (1.0, 2.0, [500.0, 200.0, 200.0, 1.0]),
    (1.0, 3.0, [500.0, -300.0]),
    (1.0, 6.5, list(np.arange(1.0, 14.0))),  # p = 13
])
def test_shifted_holonomic_refuses(a, b, x):
    with pytest.raises(ValueError, match="holonomic needs"):
        log_hyp1f1(a, b, x, method="holonomic")


def test_shifted_holonomic_in_eleven_dimensions():
    """p = 11 (2048 unknowns), beyond the series' budget: the bound, the
    shift identity and the Laplace approximation within its estimate."""
    k, p = 3, 11
    x = 6.0 * np.arange(p)
    a, b = 0.5 * k, 0.5 * p
    v, e = quiet(log_hyp1f1, a, b, x, method="holonomic", return_error=True)
    assert e <= 1e-8 * abs(v)
    assert v <= np.sort(x)[::-1][:k].sum()
    g = quiet(grad_log_hyp1f1, a, b, x, method="holonomic")
    assert abs(g.sum() - k) <= 1e-8 * k
    lap, le = quiet(log_hyp1f1, a, b, x, method="laplace", return_error=True)
    assert abs(v - lap) <= le


# ---- ties, split and extrapolated ------------------------------------------

@st.composite
def tied_spectrum_case(draw):
    """k/2, p/2 and integer eigenvalues in 0..12 with at least one tie
    (counting the implicit zeros)."""
    p = draw(st.integers(4, 7))
    k = draw(st.integers(2, p - 2))
    n = draw(st.integers(p // 2, p))
    x = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    full = sorted(x + [0] * (p - n), reverse=True)
    assume(len(set(full)) < p and len(set(full)) > 1)
    # no tie across the top-k boundary (refused unless the split can stay
    # small, see test_holonomic_refuses_where_it_is_not_stable)
    assume(full[k - 1] != full[k])
    # one repeated nonzero eigenvalue is left to the isotropic method
    assume(not (len(set(full)) == 2 and 0 in full))
    return k, p, np.array(x, float)


@settings(max_examples=20)
@given(case=tied_spectrum_case())
def test_tied_spectra_match_series(case):
    """Equal eigenvalues (including several implicit zeros) are split and
    the results extrapolated to the tie: value, gradient and Hessian against
    the series, within the error estimate."""
    k, p, x = case
    a, b = 0.5 * k, 0.5 * p
    h, eh = quiet(log_hyp1f1, a, b, x, method="holonomic", return_error=True)
    if not np.isfinite(h):
        # an extrapolation that does not converge is reported as such (seen:
        # k=5, p=7, x=[10, 10, 7, 10, 6, 7, 6])
        assert eh == np.inf
        return
    s, es = log_hyp1f1(a, b, x, method="series", return_error=True)
    assert abs(h - s) <= eh + es
    # small spectra are the hard case here (the split must stay above 5e-3
    # of the range, where the system is well conditioned, and below the
    # gaps): up to 2e-6 relative seen; "auto" only splits beyond the
    # series' reach, where the relative split is larger
    assert eh <= 1e-5 * abs(s)
    gh = quiet(grad_log_hyp1f1, a, b, x, method="holonomic")
    gs = quiet(grad_log_hyp1f1, a, b, x, method="series")
    assume(np.isfinite(gs).all())   # the series' gradient over its budget
    np.testing.assert_allclose(gh, gs, rtol=0, atol=1e-5)
    # equal eigenvalues, equal derivatives
    for i in range(len(x)):
        for j in range(len(x)):
            if x[i] == x[j]:
                assert gh[i] == gh[j]


@pytest.mark.parametrize("k,p,x", [
    (1, 6, [50.0, 200.0, 0.0]),
    (1, 8, [0.0, 40.0, 80.0, 100.0, 80.0, 40.0]),
    (6, 7, [-80.0, 60.0, 60.0, 120.0, 80.0]),
    (8, 9, [120.0, 60.0, -120.0, -80.0, 60.0, 20.0, 120.0, 60.0, 80.0]),
])
def test_tied_spectra_against_the_contour_at_large_concentration(k, p, x):
    """k = 1 and k = p - 1 (exact by the contour) with ties away from the
    top-k boundary, at concentrations far beyond the series."""
    a, b = 0.5 * k, 0.5 * p
    h, eh = quiet(log_hyp1f1, a, b, x, method="holonomic", return_error=True)
    c, ec = log_hyp1f1(a, b, x, method="contour", return_error=True)
    assert abs(h - c) <= eh + ec
    assert eh <= 1e-7 * abs(c)   # 4e-8 at p = 9
    gh = quiet(grad_log_hyp1f1, a, b, x, method="holonomic")
    gc = grad_log_hyp1f1(a, b, x, method="contour")
    np.testing.assert_allclose(gh, gc, rtol=0, atol=1e-6)
    hh = quiet(hess_log_hyp1f1, a, b, x, method="holonomic")
    hc = hess_log_hyp1f1(a, b, x, method="contour")
    np.testing.assert_allclose(hh, hc, rtol=0, atol=1e-6)


def test_tied_spectrum_against_the_series_at_moderate_concentration():
    """k = 2, p = 8, eigenvalues 90, 90, 60, 40, 15 and three implicit
    zeros: the series still certifies it (in seconds)."""
    x = np.array([90.0, 90.0, 60.0, 40.0, 15.0])
    h, eh = quiet(log_hyp1f1, 1.0, 4.0, x, method="holonomic",
                  return_error=True)
    s, es = log_hyp1f1(1.0, 4.0, x, method="series", return_error=True)
    assert abs(h - s) <= eh + es and eh <= 1e-9 * abs(s)


@pytest.mark.parametrize("method", ["holonomic", "auto"])
def test_split_ties_beyond_the_series(method):
    """k = 2, p = 8 with ties (two top eigenvalues, three implicit zeros) at
    a concentration beyond the series' budget: the split holonomic method
    and "auto" (which splits them with the branch-cut method) within the
    hard bound (Laplace is off by 0.015 here), with equal derivatives for
    equal eigenvalues and the gradient summing to k over the whole
    spectrum."""
    k, p = 2, 8
    x = np.array([300.0, 300.0, 200.0, 100.0, 50.0])
    info = quiet(explain, 0.5 * k, 0.5 * p, x, method=method)
    assert info["method"] == ("cut" if method == "auto" else method)
    assert info["error"] <= 1e-8 * abs(info["logF"])
    assert info["logF"] <= 600.0
    full = np.concatenate([x, np.zeros(3)])
    g = quiet(grad_log_hyp1f1, 0.5 * k, 0.5 * p, full, method=method)
    assert g[0] == g[1] and g[5] == g[6] == g[7]
    assert abs(g.sum() - k) <= 1e-8
    lap, le = quiet(log_hyp1f1, 0.5 * k, 0.5 * p, x, method="laplace",
                    return_error=True)
    assert abs(info["logF"] - lap) <= le


# ---- near ties: pairs closer than 1e-4 of the range -------------------------

# (k, p, x, estimate / |log F|, gradient error, Hessian error / max |H|) at
# moderate concentration, where the series is exact.  Lone near pairs are
# split symmetrically about their mean and the polynomial in the split
# squared is evaluated at the actual half gap (derivatives in parts even and
# odd under the swap of the pair); other near groups become exact ties at
# their mean and are carried back by the second-order Taylor expansion with
# the Hessian at the tie (gradient to first order in the move, Hessian to
# zeroth order).
NEAR_SERIES = [
    (2, 6, [9.0, 6.0004, 6.0, 4.0, 1.5, 0.0], 1e-7, 1e-10, 1e-7),
    (2, 6, [9.0, 8.9995, 6.0, 4.0, 1.5, 0.0], 1e-7, 1e-10, 1e-7),
    (2, 6, [9.0, 6.0004, 6.0, 4.0, 1.5], 1e-7, 1e-10, 1e-7),  # implicit 0
    (2, 7, [9.0, 6.0004, 6.0, 4.0, 4.0002, 1.5, 0.0], 1e-7, 1e-10, 1e-7),
    (2, 5, [30.0, 20.002, 20.0, 10.0, 0.0], 1e-7, 1e-10, 1e-7),  # across
    # moved to the mean: next to 3 implicit zeros, a group of three, next to
    # an exact pair, a tie with a near value
    (2, 8, [9.0, 6.0004, 6.0, 4.0, 1.5], 1e-8, 1e-9, 1e-4),
    (2, 6, [9.0, 6.0004, 6.0002, 6.0, 1.5, 0.0], 1e-8, 1e-9, 1e-4),
    (2, 7, [9.0, 6.0004, 6.0, 4.0, 4.0, 1.5, 0.0], 1e-8, 1e-9, 1e-4),
    (3, 8, [9.0, 6.0, 6.0, 6.0003, 1.5], 1e-8, 1e-9, 1e-4),
]


@pytest.mark.parametrize("k,p,x,est,gtol,htol", NEAR_SERIES)
def test_near_ties_against_the_series(k, p, x, est, gtol, htol):
    x = np.array(x)
    a, b = 0.5 * k, 0.5 * p
    h, eh = quiet(log_hyp1f1, a, b, x, method="holonomic", return_error=True)
    s, es = log_hyp1f1(a, b, x, method="series", return_error=True)
    assert abs(h - s) <= eh + es and eh <= est * abs(s)
    gh = quiet(grad_log_hyp1f1, a, b, x, method="holonomic")
    gs = grad_log_hyp1f1(a, b, x, method="series")
    np.testing.assert_allclose(gh, gs, rtol=0, atol=gtol)
    hh = quiet(hess_log_hyp1f1, a, b, x, method="holonomic")
    hs = hess_log_hyp1f1(a, b, x, method="series")
    np.testing.assert_allclose(hh, hs, rtol=0, atol=htol * np.abs(hs).max())


@pytest.mark.parametrize("k,p,x,htol", [
    (1, 6, [90.0, 60.004, 60.0, 40.0, 15.0, 0.0], 1e-8),
    (5, 6, [90.0, 60.004, 60.0, 40.0, 15.0, 0.0], 1e-8),
    (1, 6, [900.0, 600.04, 600.0, 400.0, 150.0, 0.0], 1e-8),
    (7, 8, [-300.0, 120.0, 80.0, 80.006, 40.0, 10.0, 0.0, 250.0], 1e-8),
    # moved to the mean (next to implicit zeros; a group of three)
    (1, 8, [90.0, 60.004, 60.0, 40.0, 15.0], 1e-4),
    (1, 8, [900.0, 600.04, 600.0, 600.02, 150.0, 0.0, 0.0, -100.0], 1e-4),
])
def test_near_ties_against_the_contour_at_large_concentration(k, p, x, htol):
    a, b = 0.5 * k, 0.5 * p
    h, eh = quiet(log_hyp1f1, a, b, x, method="holonomic", return_error=True)
    c, ec = log_hyp1f1(a, b, x, method="contour", return_error=True)
    assert abs(h - c) <= eh + ec and eh <= 1e-7 * abs(c)
    gh = quiet(grad_log_hyp1f1, a, b, x, method="holonomic")
    gc = grad_log_hyp1f1(a, b, x, method="contour")
    np.testing.assert_allclose(gh, gc, rtol=0, atol=1e-9)
    hh = quiet(hess_log_hyp1f1, a, b, x, method="holonomic")
    hc = hess_log_hyp1f1(a, b, x, method="contour")
    np.testing.assert_allclose(hh, hc, rtol=0, atol=htol * np.abs(hc).max())


@pytest.mark.parametrize("method", ["holonomic", "auto"])
def test_split_near_tie_beyond_the_series(method):
    """k = 3, p = 8, two eigenvalues 3e-5 of the range apart, beyond the
    series' budget: the split holonomic method and "auto" (the split with
    the branch-cut method; it used to fall back to Laplace, which is off by
    0.075 here)."""
    k, p = 3, 8
    x = 10.0 * np.array([9.0, 6.0004, 6.0, 4.0, 1.5, 0.0, -2.0, -5.0])
    info = quiet(explain, 0.5 * k, 0.5 * p, x, method=method)
    assert info["method"] == ("cut" if method == "auto" else method)
    assert info["error"] <= 1e-8 * abs(info["logF"])
    lap, le = quiet(log_hyp1f1, 0.5 * k, 0.5 * p, x, method="laplace",
                    return_error=True)
    assert abs(info["logF"] - lap) <= le


# ---- Laplace with a tie across the k-th largest eigenvalue ----------------

@pytest.mark.parametrize("k,p,base", [
    (3, 4, [2.0, 1.0]), (4, 5, [3.0, 1.0, -1.0]), (2, 3, [1.0, 0.5]),
])
def test_laplace_across_the_kth_against_the_contour(k, p, base):
    """k = p - 1 with a group of zeros split by the k-th largest: the
    group's c-planes are integrated exactly, the rest is Gaussian.  The
    error falls like 1/v and stays within the estimate; the gradient and
    the Hessian (Beta covariance of the shares inside the group) to the same
    order."""
    a, b = 0.5 * k, 0.5 * p
    errs = []
    for v in (100.0, 1000.0, 10000.0):
        x = np.array(base + [0.0] * (p - len(base))) * v
        lap, le = quiet(log_hyp1f1, a, b, x, method="laplace",
                        return_error=True)
        c = log_hyp1f1(a, b, x, method="contour")
        assert abs(lap - c) <= le and lap <= np.sort(x)[::-1][:k].sum()
        errs.append(abs(lap - c))
        gl = quiet(grad_log_hyp1f1, a, b, x, method="laplace")
        gc = grad_log_hyp1f1(a, b, x, method="contour")
        np.testing.assert_allclose(gl, gc, rtol=0, atol=10.0 / v)
        hl = quiet(hess_log_hyp1f1, a, b, x, method="laplace")
        hc = hess_log_hyp1f1(a, b, x, method="contour")
        np.testing.assert_allclose(hl, hc, rtol=0, atol=10.0 / v)
    assert errs[2] <= 0.02 * errs[0] + 1e-9


@pytest.mark.parametrize("k,p,x", [(2, 5, [80.0, 40.0, 40.0]),
                                   (2, 6, [80.0, 40.0, 40.0, 40.0])])
def test_laplace_across_the_kth_against_the_series(k, p, x):
    a, b = 0.5 * k, 0.5 * p
    lap, le = quiet(log_hyp1f1, a, b, x, method="laplace", return_error=True)
    s, se = log_hyp1f1(a, b, x, method="series", return_error=True)
    assert abs(lap - s) <= le <= 0.13


@pytest.mark.slow
def test_tied_spectrum_in_eleven_dimensions_against_the_contour():
    """p = 11 with ties (four integrations of 2048 unknowns, about 15 s):
    k = 10 is exact by the contour through Kummer's relation."""
    k, p = 10, 11
    x = np.array([300.0, 250.0, 250.0, 200.0, 150.0, 120.0, 100.0, 60.0,
                  60.0, 10.0])
    a, b = 0.5 * k, 0.5 * p
    h, eh = quiet(log_hyp1f1, a, b, x, method="holonomic", return_error=True)
    c, ec = log_hyp1f1(a, b, x, method="contour", return_error=True)
    assert abs(h - c) <= eh + ec and eh <= 1e-8 * abs(c)


@st.composite
def near_tie_case(draw):
    """k/2, p/2 and integer eigenvalues in 0..12 (ties allowed, implicit
    zeros included), one of them moved to within 1e-4 of the range of
    another."""
    p = draw(st.integers(4, 7))
    k = draw(st.integers(2, p - 2))
    n = draw(st.integers(p // 2, p))
    x = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)),
                 float)
    width = max(x.max(), 0.0) - min(x.min(), 0.0)
    assume(width > 0)
    i, j = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2,
                         unique=True))
    rel = draw(st.floats(1e-7, 9e-5))
    x[j] = x[i] + draw(st.sampled_from([-1.0, 1.0])) * rel * width
    # moving x[j] may shrink the range: a near tie is within 1e-4 of the
    # range it ends in.  Beyond it the direct integration runs, and there
    # this test once found an estimate 1.6 times too small (k = 2, p = 5,
    # x = [0, 9, 9.00102435], a gap of 1.14e-4 of the range): a known
    # defect of the direct method next to its threshold, not of the ties
    final = max(x.max(), 0.0) - min(x.min(), 0.0)
    assume(abs(x[j] - x[i]) < 1e-4 * final)
    return k, p, x


@settings(max_examples=15, deadline=None)
@given(case=near_tie_case())
def test_near_ties_stay_within_their_estimate(case):
    """Near ties of every kind (lone pairs, next to exact ties, groups of
    three) against the series: the estimate covers the error."""
    k, p, x = case
    a, b = 0.5 * k, 0.5 * p
    try:
        h, eh = quiet(log_hyp1f1, a, b, x, method="holonomic",
                      return_error=True)
    except ValueError:
        assume(False)       # refused (too close to another group, ...)
    assume(np.isfinite(h))  # not converged: reported with an inf estimate
    s, es = log_hyp1f1(a, b, x, method="series", return_error=True)
    assert abs(h - s) <= eh + es
