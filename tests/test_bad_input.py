"""Bad and extreme input across the core (issue 20): a documented value, a
ValueError/TypeError naming the parameter, or NaN where the input had one;
never a silent wrong answer.  The cases listed in the issue, then
property-based throws (hypothesis) at the normalizer, the Grassmann
functions and the size arguments."""
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bingham import bounds, grassmann
from bingham.routing import BinghamGating
from bingham.special import (AccuracyWarning, explain, grad_log_hyp1f1,
                             log_hyp1f1)
from bingham.stats import matrix_bingham

INF = np.inf


@pytest.mark.parametrize("a,b,x,expected", [
    (0.0, 1.0, [INF], 0.0),            # 1F1(0; b; x) = 1
    (0.0, 1.0, [-INF], 0.0),
    (-1.0, 1.5, [-INF], INF),          # 1 - x/1.5
    (-1.0, 1.5, [INF], INF),
    (-0.5, 2.0, [-INF], INF),          # |x|^(1/2) growth
    (0.5, 1.5, [-INF], -INF),          # decays like |x|^-a
    (2.5, 1.5, [-INF], -INF),
    (0.5, 1.5, [INF, -INF], INF),
    (1.5, 1.5, [2.0, -INF], -INF),     # a = b: e^(sum x)
])
def test_infinite_eigenvalues_have_their_limits(a, b, x, expected):
    assert log_hyp1f1(a, b, np.array(x)) == expected


def test_infinite_limits_without_a_known_value_warn():
    with pytest.warns(AccuracyWarning, match="no implemented limit"):
        v = log_hyp1f1(-1.0, 2.5, np.array([INF, 1.0]))
    assert np.isnan(v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(log_hyp1f1(1.5, 1.5, np.array([INF, -INF])))
    np.testing.assert_array_equal(grad_log_hyp1f1(0.0, 1.0, [INF]), [0.0])


def test_no_eigenvalues_and_empty_batches():
    assert log_hyp1f1(1.0, 2.0, []) == 0.0
    np.testing.assert_array_equal(log_hyp1f1(1.0, 2.0, np.zeros((3, 0))),
                                  np.zeros(3))
    assert log_hyp1f1(1.0, 2.0, np.zeros((0, 3))).shape == (0,)
    assert grad_log_hyp1f1(1.0, 2.0, np.zeros((0, 3))).shape == (0, 3)


def test_explain_describes_one_input():
    with pytest.raises(ValueError, match="a must be a scalar"):
        explain(np.array([0.5, 1.0]), 1.5, [1.0])
    with pytest.raises(ValueError, match="b must be a scalar"):
        explain(0.5, np.array([1.5, 2.0]), [1.0])


def test_complex_input_is_refused():
    with pytest.raises(ValueError, match="A must be real"):
        matrix_bingham(np.diag([1 + 1j, 0, 0]), 1)
    d = matrix_bingham(np.diag([2.0, 0.0, 0.0]), 1)
    with pytest.raises(ValueError, match="X must be real"):
        d.logpdf(np.eye(3)[:, :1] + 0j)
    with pytest.raises(ValueError, match="eigenvalues must be real"):
        matrix_bingham(eigenvalues=[1j], frame=np.eye(3)[:, :1])


@pytest.mark.parametrize("size", [2.5, "3", (2, 1.0), True, [2, None]])
def test_sizes_must_be_integers(size):
    with pytest.raises(TypeError, match="size must be"):
        grassmann.random_uniform(3, 2, size=size)
    with pytest.raises(TypeError, match="size must be"):
        matrix_bingham(np.diag([1.0, 0.0, 0.0]), 1).rvs(size=size)


def test_negative_sizes_are_refused_and_zero_is_empty():
    with pytest.raises(ValueError, match="size must be non-negative"):
        grassmann.random_uniform(3, 2, size=-1)
    assert grassmann.random_uniform(3, 2, size=(0, 2)).shape == (0, 2, 3, 2)
    assert grassmann.random_uniform(3, 2, size=np.int64(2)).shape == (2, 3, 2)


def test_orthonormalize_needs_full_rank_and_keeps_nan_to_its_row():
    with pytest.raises(ValueError, match="full column rank 2"):
        grassmann.orthonormalize(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="full column rank 2"):
        grassmann.orthonormalize(np.array([[1.0, 2], [2, 4], [3, 6]]))
    batch = np.stack([np.eye(3)[:, :2], np.eye(3)[:, :2]])
    batch[1, 0, 0] = INF
    Q = grassmann.orthonormalize(batch)
    np.testing.assert_allclose(Q[0], np.eye(3)[:, :2])
    assert np.isnan(Q[1]).all()


def test_bounds_at_the_edges():
    assert bounds.collapse_probability_bound(1.0, 1, 0) == 1.0
    assert bounds.collapse_probability_bound(0.3, 4, 0) == 1.0
    assert bounds.collapse_probability_bound(1.0, 1, 5) == 0.0
    with pytest.raises(ValueError, match="tau \\* eigenvalues overflows"):
        bounds.logit_intervals([[1e300], [1.0]], 1, 4, tau=1e10)
    U = grassmann.random_uniform(6, 2, size=3, rng=0)
    X = grassmann.random_uniform(6, 1, size=4, rng=1)
    with pytest.raises(ValueError, match="tau \\* eigenvalues overflows"):
        BinghamGating(U, 1e300 * np.ones((3, 2)), tau=1e10).gates(X)
    with pytest.raises(ValueError, match="chunk must be"):
        BinghamGating(U, np.ones((3, 2))).statistics(X, chunk=-1)


def test_extreme_concentration_entropy_and_density_by_the_shift():
    """diag(c, 0, 0), k = 1: log F and the trace term are both about c, the
    entropy 1 - log(2c) + O(1/c) and the density at e1 log(2c) + O(1/c);
    computed for A - c I they keep full accuracy up to c = 1e300 (the
    gradient 1/(2c) of the contour no longer underflows past 1e154)."""
    e1 = np.eye(3)[:, :1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for c in (1e8, 1e100, 1e300):
            d = matrix_bingham(np.diag([c, 0.0, 0.0]), 1)
            assert d.entropy() == pytest.approx(1.0 - np.log(2 * c),
                                                rel=1e-13, abs=1e-7)
            assert d.logpdf(e1) == pytest.approx(np.log(2 * c), rel=1e-13,
                                                 abs=1e-7)
        g = grad_log_hyp1f1(0.5, 1.5, [-1e300, -1e300])
        np.testing.assert_allclose(g, [5e-301, 5e-301], rtol=1e-12)
        H = matrix_bingham(np.diag([1e4, 0.0, 0.0]), 1).entropy()
    assert H == pytest.approx(1.0 - np.log(2e4), abs=1e-3)
    # two distinct huge eigenvalues with k = 2: no shift keeps both terms
    # small, so the attainable accuracy is stated; the value is never > 0
    d = matrix_bingham(np.diag([1e300, 5e299, 0.0, 0.0, 0.0]), 2)
    with pytest.warns(AccuracyWarning, match="cancel"):
        assert d.entropy() <= 0.0


@pytest.mark.parametrize("call,exc,name", [
    (lambda: matrix_bingham(np.eye(3), None), TypeError, "k"),
    (lambda: matrix_bingham(np.eye(3), [1]), TypeError, "k"),
    (lambda: matrix_bingham(np.eye(3), 1j), TypeError, "k"),
    (lambda: matrix_bingham(np.eye(3), 1.5), ValueError, "k"),
    (lambda: matrix_bingham(np.zeros((0, 0)), 1), ValueError, "A"),
    (lambda: grassmann.random_uniform(None, 1), TypeError, "p"),
    (lambda: grassmann.random_uniform("3", 1), TypeError, "p"),
    (lambda: matrix_bingham.fit(np.zeros((5, 4, 0))), ValueError, "X"),
    (lambda: matrix_bingham.fit(np.zeros((0, 4, 1))), ValueError, "X"),
    (lambda: matrix_bingham.fit(_FRAMES, maxiter=None), TypeError, "maxiter"),
    (lambda: matrix_bingham.fit(_FRAMES, maxiter=2.5), ValueError, "maxiter"),
    (lambda: matrix_bingham.fit(_FRAMES, shrinkage=None), TypeError,
     "shrinkage"),
    (lambda: matrix_bingham.fit(_FRAMES, shrinkage=[0.1]), TypeError,
     "shrinkage"),
    (lambda: matrix_bingham.fit(_FRAMES, shrinkage=np.nan), ValueError,
     "shrinkage"),
    (lambda: matrix_bingham.fit(_FRAMES, tol=0.0), ValueError, "tol"),
    (lambda: grassmann.karcher_mean(_FRAMES, maxiter=None), TypeError,
     "maxiter"),
    (lambda: grassmann.karcher_mean(_FRAMES, tol="1e-8"), TypeError, "tol"),
    (lambda: grassmann.karcher_mean(np.zeros((0, 5, 2))), ValueError, "X"),
    (lambda: grassmann.frame_from_projector(np.eye(3), 1.5), ValueError, "k"),
    (lambda: bounds.logit_intervals([[1.0]], 1, 4, tau=None), TypeError,
     "tau"),
    (lambda: bounds.logit_intervals([[1.0]], 1, 4, tau=-1.0), ValueError,
     "tau"),
    (lambda: bounds.entropy_floor(1.0, None), TypeError, "E"),
    (lambda: bounds.entropy_floor(1.0, True), TypeError, "E"),
    (lambda: bounds.topk_mass_ceiling(1.0, 4, 2.5), ValueError, "top_k"),
])
def test_parameters_of_the_wrong_type_or_value_are_named(call, exc, name):
    with pytest.raises(exc, match=rf"^{name} must"):
        call()


_FRAMES = grassmann.random_uniform(5, 2, size=6, rng=3)


def test_entropy_floor_in_constant_memory_for_any_number_of_experts():
    """The infimum over the logit box sits at one of two integers around a
    closed-form stationary point: the same as enumerating every vertex
    class, at E = 10**12 without an array of E entries."""
    for E in (2, 3, 7, 64, 1000):
        m = np.arange(1, E)
        for R in (0.0, 1e-12, 1e-3, 0.7, 3.0, 30.0, 800.0):
            with np.errstate(over="ignore"):
                d = m + (E - m) * np.exp(-R)
            brute = np.min(np.log(d) + R - m * R / d)
            assert bounds.entropy_floor(R, E) == pytest.approx(
                brute, rel=1e-14, abs=1e-15)
    big = bounds.entropy_floor(np.array([0.5, np.nan, 3.0]), 10 ** 12)
    assert np.isnan(big[1]) and np.all(np.isfinite(big[[0, 2]]))
    assert big[0] > big[2] > 0.0


def test_grassmann_nan_frames_stay_in_their_row():
    X = grassmann.random_uniform(5, 2, size=3, rng=0)
    Y = grassmann.random_uniform(5, 2, size=3, rng=1)
    Xn = X.copy()
    Xn[1, 2, 0] = np.nan
    for out, ref in ((grassmann.log(Xn, Y), grassmann.log(X, Y)),
                     (grassmann.log(Y, Xn), grassmann.log(Y, X)),
                     (grassmann.geodesic(Xn, Y, 0.3),
                      grassmann.geodesic(X, Y, 0.3)),
                     (grassmann.exp(Xn, np.zeros_like(X)), X),
                     (grassmann.frame_from_projector(grassmann.projector(Xn),
                                                     2),
                      grassmann.frame_from_projector(grassmann.projector(X),
                                                     2))):
        assert np.isnan(out[1]).all()
        np.testing.assert_allclose(out[[0, 2]], ref[[0, 2]], atol=1e-15)
    M, info = grassmann.karcher_mean(Xn)
    assert np.isnan(M).all() and not info["converged"]


# ---- property-based throws ------------------------------------------------

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, 1.0, -3.0,
                     50.0, -50.0]))
PARAMS = st.sampled_from([(0.5, 1.5), (1.0, 2.0), (1.5, 5.0), (0.0, 2.0),
                          (2.5, 1.5), (-1.0, 1.5), (1.2, 3.7), (2.0, 2.0)])
NAMED = re.compile(r"\b(a|b|x|method)\b")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(ab=PARAMS, rows=st.integers(0, 2), n=st.integers(0, 3),
       data=st.data())
def test_normalizer_on_thrown_input(ab, rows, n, data):
    """Any finite, infinite, NaN, huge or tiny eigenvalues: the result has
    the batch's shape, NaN in every row with a NaN, and no other exception
    than a ValueError naming a parameter.  A finite row gives a finite
    value unless an AccuracyWarning says why (an uncertified value, whose
    error estimate then says how far to trust it, or an unknown limit)."""
    a, b = ab
    x = np.array([[data.draw(VALUES) for _ in range(n)] for _ in range(rows)],
                 dtype=float).reshape(rows, n)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            v, err = log_hyp1f1(a, b, x, return_error=True)
        except ValueError as exc:
            assert NAMED.search(str(exc)), str(exc)
            return
    warned = any(issubclass(w.category, AccuracyWarning) for w in caught)
    assert v.shape == (rows,) and err.shape == (rows,)
    nan_in = np.isnan(x).any(axis=1)
    assert np.all(np.isnan(v[nan_in]))
    finite_in = np.isfinite(x).all(axis=1)
    certified = err <= 1e-12 * np.maximum(1.0, np.abs(v))
    assert np.isfinite(v[finite_in & certified]).all()
    if not certified[finite_in].all():
        assert warned


@settings(max_examples=40, deadline=None)
@given(p=st.integers(2, 5), k=st.integers(1, 2), batch=st.integers(1, 4),
       nan_row=st.integers(0, 3), seed=st.integers(0, 2 ** 31))
def test_grassmann_keeps_a_bad_frame_to_its_row(p, k, batch, nan_row, seed):
    X = grassmann.random_uniform(p, k, size=batch, rng=seed)
    Y = grassmann.random_uniform(p, k, size=batch, rng=seed + 1)
    bad = nan_row % batch
    Xn = X.copy()
    Xn[bad, 0, 0] = np.nan
    for fn in (grassmann.orthonormalize,):
        out = fn(Xn)
        assert np.isnan(out[bad]).all()
        keep = np.arange(batch) != bad
        np.testing.assert_allclose(out[keep], fn(X)[keep])
    d = grassmann.distance(X, Y)
    assert d.shape == (batch,) and np.isfinite(d).all()
