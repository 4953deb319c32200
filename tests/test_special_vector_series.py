"""The short series of the Bromwich integrand (tier 1, a = 1/2 and b - a =
1/2 at small spread): against one-dimensional Bessel-I0 integrals in
mpmath (tests/reference/make_vector_series_cases.py) and against the
contour, an independent representation."""
import json
import os
import warnings

import numpy as np
import pytest

from bingham.special import (explain, hess_log_hyp1f1, log_hyp1f1,
                             value_and_grad_log_hyp1f1)

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "reference", "vector_series_cases.json")) as fh:
    CASES = json.load(fh)["cases"]


@pytest.mark.parametrize("case", CASES,
                         ids=[f"a={c['a']} b={c['b']} x={c['x']}"
                              for c in CASES])
def test_against_bessel_integrals(case):
    """Value within its estimate, the estimate within 2e-13 of |log F|
    (relative even where log F is 1e-13: the series sums its terms after
    the leading 1 and takes log1p) or, where a negative eigenvalue makes the
    series shift the spectrum by it, of that shift (up to 1), and the
    gradient within 1e-12."""
    a, b, x = case["a"], case["b"], np.array(case["x"])
    ref = float(case["logF"])
    info = explain(a, b, x)
    assert info["method"] == "series" and "Bromwich" in info["reason"]
    v, e = log_hyp1f1(a, b, x, return_error=True)
    assert abs(v - ref) <= e + 4e-16 * abs(ref)
    shift = min(1.0, -min(0.0, float(x.min())))
    assert e <= 2e-13 * max(abs(ref), shift)
    v2, g = value_and_grad_log_hyp1f1(a, b, x)
    assert v2 == v
    np.testing.assert_allclose(g, [float(t) for t in case["grad"]],
                               rtol=1e-12, atol=1e-15)


def test_agrees_with_the_contour_on_random_spectra():
    """Random a = 1/2 and b - a = 1/2 inputs (n = 1..6, b from n/2 to 2048,
    spreads 1e-6 to 30, mixed signs, ties): wherever the series answers,
    the contour agrees within both estimates and the gradients within
    1e-11; the gradient sums to 1 (k = 1) over a full spectrum."""
    rng = np.random.default_rng(7)
    answered = 0
    for _ in range(400):
        n = int(rng.integers(1, 7))
        b = float(rng.choice([n / 2, n / 2 + 0.5, n / 2 + 3.25, 2048.0]))
        if n == 1 and b == 0.5:
            continue
        x = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-6, 1.5)
        if rng.random() < 0.2 and n >= 2:
            x[1] = x[0]
        a = 0.5 if rng.random() < 0.7 else b - 0.5
        if a <= 0.0:
            continue
        info = explain(a, b, x)
        if info["method"] != "series" or "Bromwich" not in info["reason"]:
            continue
        answered += 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            v, g = value_and_grad_log_hyp1f1(a, b, x)
        c, ec = log_hyp1f1(a, b, x, method="contour", return_error=True)
        assert abs(v - c) <= info["error"] + ec
        gc = value_and_grad_log_hyp1f1(a, b, x, method="contour")[1]
        np.testing.assert_allclose(g, gc, rtol=1e-11, atol=1e-14)
        if a == 0.5 and b == n / 2:
            assert abs(g.sum() - 1.0) <= 1e-13
    assert answered >= 150


def test_large_spread_and_hessian_go_to_the_contour():
    """Past its degree cap the series leaves the input to the contour, and a
    Hessian is always the contour's (the series has no second
    derivatives)."""
    assert explain(0.5, 1.5, np.array([40.0, 2.0]))["method"] == "contour"
    x = np.array([3.0, 1.0, -2.0])
    h = hess_log_hyp1f1(0.5, 1.5, x)
    hc = hess_log_hyp1f1(0.5, 1.5, x, method="contour")
    np.testing.assert_array_equal(h, hc)
