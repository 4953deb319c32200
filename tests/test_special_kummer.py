"""Kummer's series of one eigenvalue (bingham/_kernels/kummer.py, tier 1 of
"auto" for 0 < a < b, -250 <= x <= 2000) against 50-digit mpmath values
(tests/reference/make_kummer_cases.py), and the scalar fast path of
bingham.special against the batch path."""
import json
import os

import numpy as np
import pytest

from bingham.special import (explain, grad_log_hyp1f1, hess_log_hyp1f1,
                             log_hyp1f1, value_and_grad_log_hyp1f1)

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "reference", "kummer_cases.json")) as fh:
    CASES = json.load(fh)["cases"]
A = np.array([c["a"] for c in CASES])
B = np.array([c["b"] for c in CASES])
X = np.array([c["x"] for c in CASES])
REF = {key: np.array([float(c[key]) for c in CASES])
       for key in ("logF", "grad", "hess")}


def test_values_against_mpmath():
    """Measured: 1.8e-14 absolute at most (a = 0.01, b = 2000, x = -250,
    where |log F| < 1 and b - a rounds), 4e-15 relative where |log F| > 1;
    gradient 3e-15, Hessian 2.3e-15 relative; the error
    estimate is never below the true error."""
    v, err = log_hyp1f1(A, B, X[:, None], return_error=True)
    true = np.abs(v - REF["logF"])
    assert (true <= 5e-14 * np.maximum(1.0, np.abs(REF["logF"]))).all()
    assert (err >= true).all()


def test_derivatives_against_mpmath():
    v, g = value_and_grad_log_hyp1f1(A, B, X[:, None])
    np.testing.assert_allclose(g[:, 0], REF["grad"], rtol=1e-14, atol=0)
    h = hess_log_hyp1f1(A, B, X[:, None])
    np.testing.assert_allclose(h[:, 0, 0], REF["hess"], rtol=1e-14, atol=0)


@pytest.mark.parametrize("i", range(0, len(CASES), 7))
def test_scalar_fast_path_is_the_batch_path(i):
    """A single call (a float, a list of one, an array of one) gives the
    batch's numbers to the last bit, and "auto" names the series."""
    a, b, x = CASES[i]["a"], CASES[i]["b"], CASES[i]["x"]
    batch_v, batch_e = log_hyp1f1(A[i:i + 1], B[i:i + 1], X[i:i + 1, None],
                                  return_error=True)
    batch_g = grad_log_hyp1f1(A[i:i + 1], B[i:i + 1], X[i:i + 1, None])
    batch_h = hess_log_hyp1f1(A[i:i + 1], B[i:i + 1], X[i:i + 1, None])
    for xs in (x, [x], np.array([x])):
        v, e = log_hyp1f1(a, b, xs, return_error=True)
        assert np.shape(v) == () and (v, e) == (batch_v[0], batch_e[0])
        v2, g = value_and_grad_log_hyp1f1(a, b, xs)
        assert v2 == v and g.shape == (1,) and g[0] == batch_g[0, 0]
        assert (grad_log_hyp1f1(a, b, xs) == g).all()
        h = hess_log_hyp1f1(a, b, xs)
        assert h.shape == (1, 1) and h[0, 0] == batch_h[0, 0, 0]
    if x != 0.0:
        assert explain(a, b, [x])["method"] == "series"


def test_outside_the_range_the_contour_answers():
    for a, b, x in ((0.5, 1.5, 2500.0), (0.5, 1.5, -300.0), (2.0, 1.5, -3.0)):
        info = explain(a, b, [x])
        assert info["method"] == "contour" or a > b
    # NaN and infinities go the general way
    assert np.isnan(log_hyp1f1(0.5, 1.5, [np.nan]))
    assert log_hyp1f1(0.5, 1.5, [np.inf]) == np.inf
    assert log_hyp1f1(0.5, 1.5, np.float64(3.0)) == log_hyp1f1(0.5, 1.5, [3.0])


@pytest.mark.parametrize("a,b,x", [
    (-1.0, 1.5, -6.086349702193252e16), (-3.0, 2.5, -7.0),
    (-20.0, 0.5, -1e5), (-500.0, 3.0, -50.0), (-1.0, 1.5, -1e-3),
])
def test_polynomial_at_negative_x(a, b, x):
    """1F1(-m; b; x) at x <= 0 is a sum of m + 1 positive terms: the value
    to rounding against mpmath's own polynomial (the general path returned
    NaN for most of these); the gradient likewise; the Hessian where its
    two parts do not cancel, otherwise NaN with a warning."""
    import mpmath as mp
    with mp.workdps(50):
        F0 = mp.hyp1f1(a, b, x)
        g = a / b * mp.hyp1f1(a + 1, b + 1, x) / F0
        h = a * (a + 1) / (b * (b + 1)) * mp.hyp1f1(a + 2, b + 2, x) / F0 \
            - g * g
        ref = float(mp.log(F0)), float(g), float(h)
    v, grad = value_and_grad_log_hyp1f1(a, b, [x])
    assert abs(v - ref[0]) <= 1e-14 * max(1.0, abs(ref[0]))
    assert grad[0] == pytest.approx(ref[1], rel=1e-14)
    assert explain(a, b, [x])["method"] == "series"
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        H = hess_log_hyp1f1(a, b, [x])[0, 0]
    if np.isnan(H):
        assert caught and abs(x) > 1e6
    else:
        assert H == pytest.approx(ref[2], rel=1e-10)


with open(os.path.join(HERE, "reference", "kummer_large_a_cases.json")) as fh:
    LARGE_A = json.load(fh)["cases"]


def test_large_a_at_positive_x_against_mpmath():
    """``0 < b <= a``, ``0 <= x``, ``a x <= 1e8`` (positive terms whose
    ratios decrease, so the tail is bounded by the current ratio):
    ``log_hyp1f1(1e4, 1.5, [1.0])`` was NaN, ``(1e3, 1.5, [1.0])`` 6.50
    for 58.88.  Value, gradient and Hessian against 50-digit mpmath
    (tests/reference/make_kummer_cases.py), no warning, the
    estimate never below the true error."""
    a = np.array([c["a"] for c in LARGE_A])
    b = np.array([c["b"] for c in LARGE_A])
    x = np.array([c["x"] for c in LARGE_A])
    ref = {key: np.array([float(c[key]) for c in LARGE_A])
           for key in ("logF", "grad", "hess")}
    v, err = log_hyp1f1(a, b, x[:, None], return_error=True)
    true = np.abs(v - ref["logF"])
    assert (true <= 5e-14 * np.maximum(1.0, np.abs(ref["logF"]))).all()
    assert (err >= true).all()
    _, g = value_and_grad_log_hyp1f1(a, b, x[:, None])
    np.testing.assert_allclose(g[:, 0], ref["grad"], rtol=1e-13, atol=0)
    h = hess_log_hyp1f1(a, b, x[:, None])
    np.testing.assert_allclose(h[:, 0, 0], ref["hess"], rtol=1e-11,
                               atol=1e-300)
