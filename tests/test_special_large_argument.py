"""Muirhead's large-argument expansion (``bingham/_kernels/
large_argument.py``): against the scalar function (one nonzero eigenvalue,
mpmath), the QUADPACK matrix-beta references of two nonzero eigenvalues
(``tests/reference/rank_two_cases.json``), the branch-cut method where it
certifies, finite differences of its own gradient, the shift identity, and
in "auto"."""
import json
import os
import warnings

import mpmath
import numpy as np
import pytest

from bingham import special
from bingham._kernels import budget, strip_cache
from bingham._kernels import large_argument as L
from bingham._kernels.codes import NOT_APPLICABLE, OK

HERE = os.path.dirname(__file__)


def expand(k, p, x, nder=0):
    x = np.asarray(x, float)
    budget.start()
    try:
        v, g, h, e, st = L.large_argument(
            k, p, x, nder, 2.0 ** -53, 1e9,
            strip_cache.table(int(np.count_nonzero(x))))
    finally:
        budget.stop()
    return v, g, h, e, st


@pytest.mark.parametrize("k, p, x", [
    (3, 10, -300.0), (2, 64, -5e3), (5, 12, 400.0), (8, 4096, 1e5),
    (4, 40, 1e4), (1, 10, -2e3), (6, 9, 90.0)])
def test_one_eigenvalue_against_mpmath(k, p, x):
    """One nonzero eigenvalue: the scalar ``1F1(k/2; p/2; x)`` (zonal
    polynomials are stable under appending zeros), at 40 digits."""
    v, _, _, e, st = expand(k, p, [x])
    assert st == OK
    with mpmath.workdps(40):
        ref = float(mpmath.log(mpmath.hyp1f1(mpmath.mpf(k) / 2,
                                             mpmath.mpf(p) / 2, x)))
    assert e <= 1e-12 * max(1.0, abs(ref))
    assert abs(v - ref) <= e + 4e-16 * max(1.0, abs(ref))


def test_two_eigenvalues_against_the_matrix_beta_references():
    """The QUADPACK matrix-beta references of one sign that the expansion
    takes (ties, near ties, one eigenvalue zero)."""
    path = os.path.join(HERE, "reference", "rank_two_cases.json")
    with open(path) as fh:
        cases = json.load(fh)["cases"]
    used = 0
    for c in cases:
        k, p, x = c["k"], c["p"], np.array(c["x"])
        if L.predicted_ratio(k, p, x) > L.MAX_RATIO:
            continue
        v, _, _, e, st = expand(k, p, x)
        if st == NOT_APPLICABLE:
            continue
        used += 1
        ref = float(c["logF"])
        assert st == OK and e <= 1e-12 * max(1.0, abs(ref)), c
        assert abs(v - ref) <= e + c["accuracy"] + 4e-16 * abs(ref), c
    assert used >= 4


def test_against_the_branch_cut_method_where_it_certifies():
    """Up to five nonzero eigenvalues of one sign, ties included, at
    concentrations where both methods certify."""
    rng = np.random.default_rng(11)
    compared = 0
    while compared < 25:
        p = int(rng.choice([8, 10, 16, 32, 64]))
        k = int(rng.integers(1, p))
        r = int(rng.integers(1, min(k, p - k, 5) + 1))
        x = rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(2.0, 3.0) \
            * rng.uniform(0.3, 1.0, r)
        if r >= 2 and rng.random() < 0.3:
            x[1] = x[0]
        if L.predicted_ratio(k, p, x) > L.MAX_RATIO:
            continue
        v, _, _, e, st = expand(k, p, x)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cut = special.explain(k / 2, p / 2, x, method="cut")
        except ValueError:      # lost to rounding: the method refuses
            continue
        if st != OK or not cut["error"] <= 1e-11 * max(1.0, abs(v)):
            continue
        compared += 1
        assert abs(v - cut["logF"]) <= 2 * (e + cut["error"]) + 1e-14 * abs(
            v), (k, p, x)


@pytest.mark.parametrize("k, p, x", [
    (3, 10, [-200.0, -300.0]), (4, 12, [-1000.0, -1000.0, -2000.0]),
    (2, 8, [300.0, 500.0]), (12, 64, [1e4, 1859.94, 1859.94, 2752.29])])
def test_hessian_against_differences_of_the_gradient(k, p, x):
    x = np.array(x)
    _, g, h, _, st = expand(k, p, x, 2)
    assert st == OK
    for j in range(x.size):
        d = np.zeros(x.size)
        d[j] = 1e-4 * abs(x[j])
        gp = expand(k, p, x + d, 1)[1]
        gm = expand(k, p, x - d, 1)[1]
        np.testing.assert_allclose(h[:, j], (gp - gm) / (2 * d[j]),
                                   rtol=1e-6, atol=1e-13)
    np.testing.assert_allclose(h, h.T, rtol=1e-14, atol=1e-20)


def test_given_zeros_share_the_implicit_zeros_gradient():
    """The full spectrum's gradient sums to k (the shift identity); a given
    zero's entry is what each of the p - r zero directions has, the same as
    the scalar function's by symmetry."""
    k, p = 3, 10
    x = np.array([-400.0, -150.0, 0.0, -600.0])
    v, g, h, e, st = expand(k, p, x, 1)
    assert st == OK
    assert g[:2].sum() + g[3] + (p - 3) * g[2] == pytest.approx(k,
                                                                rel=1e-14)
    ref = special.grad_log_hyp1f1(k / 2, p / 2, x)
    np.testing.assert_allclose(g, ref, rtol=1e-9)
    # a Hessian with a given zero is not determined that way
    assert expand(k, p, x, 2)[4] == NOT_APPLICABLE


@pytest.mark.parametrize("k, p, x", [
    (3, 10, [300.0, -200.0]),          # mixed signs
    (2, 10, [-300.0, -200.0, -250.0]),  # r > k
    (7, 10, [-300.0, -200.0, -250.0, -100.0]),  # r > p - k
    (3, 16, [3.2, 3.2]),               # the part left out is not small
    (3, 1024, [-30.0]),                # decay ratio above the limit
    # c = 0 ends the series at degree 0, but the part left out is not in
    # its asymptotic regime (log F = 1.09; the expansion gave 5903.6)
    (4, 4096, [341.3, 341.3, 341.3]),
])
def test_refuses_where_it_does_not_apply(k, p, x):
    v, _, _, e, st = expand(k, p, x)
    assert st == NOT_APPLICABLE and np.isnan(v) and e == np.inf


@pytest.mark.parametrize("k, p, x", [
    # the normalizer map's inputs that the branch-cut method lost to
    # rounding (Laplace, estimates 0.02-0.24, or the cut at 2e-7 and 1e-6)
    (12, 64, [1e4, 1859.94, 1859.94, 2752.29]),
    (12, 40, [-1007.04, -5975.99, -1e4, -1007.04]),
    (16, 512, [5321.28, 1e4, 5321.28]),
    (3, 1024, [-1e4, -2548.20607, -1e4]),
])
def test_auto_certifies_what_it_did_not(k, p, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = special.explain(k / 2, p / 2, x)
        v, g = special.value_and_grad_log_hyp1f1(k / 2, p / 2, x)
    assert out["method"] == "large argument"
    assert out["error"] <= 1e-12 * max(1.0, abs(out["logF"]))
    assert v == out["logF"]
    assert np.all((g >= 0.0) & (g <= 1.0))


def test_eigenvalues_at_the_rounding_level_count_as_zero():
    """Eigenvalues computed from a rotated low-rank ``A`` (the zeros come
    back as +-1e-12 at scale 1e4): the expansion takes them as zero, with
    ``k`` times the largest in its estimate, and agrees with the exact
    zeros' answer."""
    from bingham import grassmann
    k, p, lam = 12, 64, np.array([1e4, 1859.94, 1859.94, 2752.29])
    V = grassmann.random_uniform(p, 4, rng=1)
    ev = np.linalg.eigvalsh(V @ np.diag(lam) @ V.T)
    assert 0 < np.sort(np.abs(ev))[:60].max() < 1e-10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = special.explain(k / 2, p / 2, ev)
        ref = special.explain(k / 2, p / 2, lam)
        g = special.grad_log_hyp1f1(k / 2, p / 2, ev)
    assert out["method"] == "large argument"
    assert out["error"] <= 1e-12 * abs(ref["logF"])
    assert abs(out["logF"] - ref["logF"]) <= out["error"] + ref["error"]
    assert g.sum() == pytest.approx(k, rel=1e-12)


def test_batch_rows_agree_with_single_calls():
    x = np.array([[1e4, 1859.94, 1859.94, 2752.29], [5.0, 3.0, 1.0, 0.5],
                  [-1e4, -2e3, 0.0, -3e3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batch, g = special.value_and_grad_log_hyp1f1(6.0, 32.0, x)
        for i in range(3):
            one, g1 = special.value_and_grad_log_hyp1f1(6.0, 32.0, x[i])
            assert batch[i] == one
            np.testing.assert_array_equal(g[i], g1)
