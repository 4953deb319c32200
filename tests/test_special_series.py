"""The zonal-series kernel: the cached strip tables, the truncation test on
spectra whose odd degrees vanish, and the centred series of "auto"."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingham._kernels import strip_cache
from bingham._kernels.zonal import (new_strips, no_strips, series_work,
                                    zonal_series)
from bingham.special import explain, log_hyp1f1, value_and_grad_log_hyp1f1

finite = dict(allow_nan=False, allow_infinity=False)


@given(m=st.integers(1, 4), n=st.integers(1, 6),
       a=st.floats(0.1, 4.0), db=st.floats(0.1, 4.0),
       capacity=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1))
def test_strip_table_gives_the_enumerated_sum(m, n, a, db, capacity, seed):
    """A table records the degrees it has room for while the series
    enumerates them; a second call reads them.  Either way the sums and
    derivatives are those of the plain enumeration."""
    x = np.random.default_rng(seed).uniform(-3.0, 3.0, n)
    kmax = 14
    args = (a, a + db, x, m, kmax, 2, 0.0, kmax, np.inf)
    ref, ref_info = zonal_series(*args, no_strips(m), False)
    table = new_strips(m, 400, capacity)
    for _ in range(2):
        out, info = zonal_series(*args, table, False)
        np.testing.assert_allclose(out, ref, rtol=1e-14,
                                   atol=1e-14 * abs(ref[0]))
        assert info[3] == ref_info[3] == kmax
    degree, filled = table[-1]
    # the degrees recorded are complete and within the room
    assert filled <= capacity
    if degree < kmax:
        parts, pairs = series_work(m, degree + 1)
        assert pairs - parts > capacity or parts > 400


def test_strip_table_of_another_m_is_ignored():
    x = np.array([0.7, -0.2, 1.1])
    ref, _ = zonal_series(1.5, 4.0, x, 3, 12, 1, 0.0, 12, np.inf,
                          no_strips(3), False)
    other = new_strips(2, 400, 10_000)
    out, _ = zonal_series(1.5, 4.0, x, 3, 12, 1, 0.0, 12, np.inf, other, False)
    np.testing.assert_array_equal(out, ref)
    assert other[-1][0] == 0


def test_truncation_on_a_spectrum_symmetric_about_zero():
    """C_kappa(-x) = (-1)^|kappa| C_kappa(x): every odd degree vanishes for
    a spectrum symmetric about 0.  The tail test must look across two
    degrees (a one-degree ratio of 0 / nonzero never settles)."""
    x = np.arange(10.0) - 4.5
    out, info = zonal_series(1.5, 5.0, x, 3, 120, 0, 2.0**-53, 6, np.inf,
                             no_strips(3), False)
    assert info[2] == 1.0          # converged
    assert info[3] <= 48           # the sums have decayed by degree ~40
    # against the plain series on 0..9 (all terms positive), shifted back
    ref, rinfo = zonal_series(1.5, 5.0, x + 4.5, 3, 120, 0, 2.0**-53, 6,
                              np.inf, no_strips(3), False)
    assert rinfo[2] == 1.0
    assert abs(np.log(out[0]) + 3 * 4.5 - np.log(ref[0])) < 1e-13 * np.log(ref[0])


# five equal eigenvalues: the branch-cut method (its confluent form loops
# around the group) and "auto", the forced series sums the same spectrum
FIVE_EQUAL = np.array([0.0, 1.0, 2.0, 3.0, 4.5, 4.5, 4.5, 4.5, 4.5, 9.0])


@pytest.mark.parametrize("x", [FIVE_EQUAL, 2.0 * FIVE_EQUAL])
def test_auto_on_a_tie_agrees_with_the_plain_series(x):
    """k = 3, p = 10: the branch-cut method around the five equal
    eigenvalues, and "auto", against the forced series at eigenvalues shifted to be
    non-negative (positive terms).  Value and gradient agree, and the strip
    table cached by the series gives the same result."""
    info = explain(1.5, 5.0, x, method="cut")
    v, err = info["logF"], info["error"]
    assert err < 1e-12 * abs(v)
    auto = explain(1.5, 5.0, x)
    assert abs(auto["logF"] - v) <= max(1e-13 * abs(v), err + auto["error"])
    ref, eref = log_hyp1f1(1.5, 5.0, x, method="series", return_error=True)
    assert abs(v - ref) <= max(1e-13 * abs(ref), err + eref)
    assert strip_cache.table(3)[-1][0] >= 36   # degrees recorded
    v2, g = value_and_grad_log_hyp1f1(1.5, 5.0, x)
    assert abs(v2 - v) <= 1e-13 * abs(v)
    assert abs(g.sum() - 3.0) < 1e-12
    # larger eigenvalue, larger gradient (equal ones: equal)
    assert np.all(np.diff(g) > -1e-12)


def test_table_lookup_by_parameters_follows_clear():
    """The per-parameter lookup hands out the table of the number of parts,
    and forgets it with the tables themselves."""
    tab = strip_cache.table_for(1.5, 5.0, 10)
    assert tab is strip_cache.table(3)
    strip_cache.clear()
    fresh = strip_cache.table_for(1.5, 5.0, 10)
    assert fresh is not tab and fresh is strip_cache.table(3)
    assert fresh[-1][0] == 0                   # nothing recorded yet


def test_tables_stay_within_their_size():
    for m in (1, 3, 8):
        tab = strip_cache.table(m)
        assert tab[0] == m and tab is strip_cache.table(m)
        assert 0 < tab[3].shape[0] <= strip_cache.MAX_STRIPS
        # one more degree would not fit
        parts, pairs = series_work(m, 1)
        assert tab[1].shape[0] >= parts


def test_derivative_runs_cut_short_by_the_budget_are_not_derivatives():
    """k=5, p=128, [9.48, -30, -4.12, -4.12]: tier 4's series certified the
    value after the branch-cut method had used most of the budget, and its
    derivative runs, stopped by the budget after a degree or two, were
    returned as the gradient (-0.32 for the tie, outside [0, 1]).  A run
    that neither converged nor reached its degree now loses the
    derivatives (NaN, TOO_COSTLY), so another method's are taken; the
    gradient matches central differences of the value."""
    import warnings

    from bingham.special import log_hyp1f1, value_and_grad_log_hyp1f1
    x = np.array([9.476848069792775, -30.0, -4.123384441504425,
                  -4.123384441504425])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            _, g = value_and_grad_log_hyp1f1(2.5, 64.0, x)
            assert np.all((g >= 0.0) & (g <= 1.0))
            h = 1e-5
            fd = [(log_hyp1f1(2.5, 64.0, x + h * e)
                   - log_hyp1f1(2.5, 64.0, x - h * e)) / (2 * h)
                  for e in np.eye(4)]
            np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)
