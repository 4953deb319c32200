"""The normalizer's work budget: about 1 s per input, past it the best
answer with its estimate and an AccuracyWarning (never a hang).  The rest of
the suite runs with a generous budget (tests/conftest.py)."""
import time
import warnings

import numpy as np
import pytest

from bingham import special
from bingham._kernels import budget

# k=6, p=17, a tied pair at 30 above 14 zeros: the confluent method's
# estimate (7e-10) does not certify it and the ladder ran the series for 14
# s (normalizer map, seed 0).  (The previous slow input, k=4, p=16, [30,
# -8.534215790228902, -8.534185790228902, 30.00000003], 48 s, then 1.2 s
# with the budget, is certified in 2 ms since the excess terms are
# projected out.)
SLOW = (6, 17, [7.662328973506676, 30.0, 30.0])


@pytest.fixture
def default_budget():
    old = budget.SECONDS
    budget.SECONDS = 1.0
    yield
    budget.SECONDS = old


def _timed(fn, *args, **kw):
    fn(*args, **kw)                  # compile outside the clock
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


@pytest.mark.parametrize("nder", [0, 1])
def test_a_slow_input_returns_within_the_budget_with_a_warning(
        default_budget, nder):
    k, p, x = SLOW
    fn = (special.log_normalizer_eigvals if nder == 0
          else special.grad_log_normalizer_eigvals)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out, dt = _timed(fn, x, k, p)
    # 1 s of work plus one series degree and the fallbacks; generous for a
    # shared machine, far below the 48 s it took without the budget
    assert dt < 5.0
    assert any(issubclass(i.category, special.AccuracyWarning) for i in w)
    assert np.all(np.isfinite(out))


def test_the_estimate_comes_with_the_answer(default_budget):
    k, p, x = SLOW
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", special.AccuracyWarning)
        v, e = special.log_normalizer_eigvals(x, k, p, return_error=True)
    assert np.isfinite(v) and 0 < e < np.inf
    # the hard bounds of a Bingham normalizer: 0 <= ... and log F at most
    # the sum of the k largest eigenvalues (here two near 30, zeros, ...)
    top = np.sort(np.concatenate([x, np.zeros(p - len(x))]))[::-1][:k]
    assert v - e <= top.sum()


def test_the_budget_is_adjustable_at_run_time():
    k, p, x = SLOW
    old = budget.SECONDS
    try:
        budget.SECONDS = 0.2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", special.AccuracyWarning)
            _, dt = _timed(special.log_normalizer_eigvals, x, k, p)
    finally:
        budget.SECONDS = old
    assert dt < 3.0


def test_fast_inputs_are_untouched(default_budget):
    # certified well within the budget: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", special.AccuracyWarning)
        v = special.log_normalizer_eigvals([30.0, 20.0, 10.0], 3, 10)
    assert np.isfinite(v)


def test_a_deadline_ends_with_its_call(monkeypatch):
    """The tiers set each row's deadline; once the call returns it is gone,
    so a kernel called directly afterwards (outside any call) is not
    stopped at its first check by a deadline long past (the series'
    symmetric-spectrum test stopped at degree 1 that way when the worker's
    last normalizer call was more than the budget ago)."""
    from bingham._kernels.zonal import no_strips, zonal_series
    monkeypatch.setattr(budget, "SECONDS", 1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        special.log_hyp1f1(1.5, 5.0, np.array([8.0, 5.0, 2.0]))
    time.sleep(0.01)
    x = np.arange(10.0) - 4.5
    _, info = zonal_series(1.5, 5.0, x, 3, 120, 0, 2.0**-53, 6, np.inf,
                           no_strips(3), False)
    assert info[2] == 1.0


def _no_time_at(marker):
    """A stand-in for budget.left: no time left where the calling line
    holds ``marker`` (the check before a given pass), all the time in the
    world elsewhere."""
    import linecache
    import sys

    def left(share=None):
        frame = sys._getframe(1)
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
        return 0.0 if marker in line else np.inf
    return left


def test_branch_cut_starts_no_pass_that_would_overrun_the_budget(
        monkeypatch):
    """The confluent method times its passes: with no time left for the
    second pass of its first level it gives up (no estimate without it);
    with the value done but no time for the derivatives' pass the
    derivatives are NaN and the branch-cut tier marks them too costly, so
    "auto" takes another method's.  (k=7, p=64, a triple at 4512 above four
    values and the implicit zeros: passes of 0.75 s, 1.5 s for the value
    and 3.2 s with the gradient before.)"""
    from bingham._kernels import branch_cut, codes, confluent
    x = np.array([8.0, 5.0, 5.0, 2.0])
    k, p = 3, 10
    monkeypatch.setattr(confluent, "left", _no_time_at("< pass_time"))
    v, g, h, e, ok = confluent.confluent_bingham(k, p, x, 0)
    assert not ok and np.isnan(v) and e == np.inf
    # time for the value's passes, none for the derivatives'
    monkeypatch.setattr(confluent, "left",
                        _no_time_at("< need"))
    v, g, h, e, ok = confluent.confluent_bingham(k, p, x, 1)
    assert ok and np.isfinite(v) and np.isnan(g).all()
    *_, st = branch_cut._cut(k, p, x, 1)
    assert st == codes.TOO_COSTLY
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        val, grad = special.value_and_grad_log_hyp1f1(k / 2, p / 2, x)
    assert np.isfinite(grad).all()
    monkeypatch.undo()
    v2, g2 = special.value_and_grad_log_hyp1f1(k / 2, p / 2, x)
    np.testing.assert_allclose(grad, g2, rtol=0, atol=1e-9)
    assert val == pytest.approx(v2, rel=1e-12)


def test_derivatives_stage_prediction_counts_the_extra_projections(
        monkeypatch):
    """The derivatives' stage is predicted with the unions it projects
    beyond the value's (each about kk/2 + 1 times the terms) and the new
    radius' sums: k=7, p=64, a triple at 344 above three values and the
    zeros (P=3, Pd=4, d=5, kk=7), value sums of 0.03 s, took 3.6 s for the
    Hessian where 0.3 s was predicted.  And with its prediction beyond the
    time left the Hessian is NaN, the value kept."""
    from bingham._kernels import confluent
    old = 2 * 1e-3 * 25 + 2 * 0.03 * 6
    new = confluent.derivatives_cost(1e-3, 0.03, 5, 7, 3, 4, 2)
    assert old < 0.5 and new > 2.0           # the measured 3.6 s
    assert confluent.derivatives_cost(1e-3, 0.03, 5, 7, 3, 3, 1) < 0.2
    x = np.array([344.144, 344.144, 344.144, 121.435, 123.047, 57.33])
    monkeypatch.setattr(confluent, "left", _no_time_at("< need"))
    v, g, h, e, ok = confluent.confluent_bingham(7, 64, x, 2)
    assert ok and np.isfinite(v) and np.isnan(h).all()


def test_projected_sum_stops_at_the_budget():
    """The projected sum (up to (kk + 1)^P raw sums in one compiled call)
    checks the budget per raw sum: past it the sum is lost and the method
    gives up, instead of running on (k=9, p=40, a tie at 3799 among seven
    values at 4e3: one sum of 3.5 s).  Without a deadline the same sums
    run to the end."""
    from bingham._kernels import confluent, confluent_terms
    x = np.array([50.0, 50.0, 1.0])        # a pair at the top, k = 3
    calls = []
    real = confluent_terms.projected_sum

    def counting(*args):
        calls.append(args[-3].shape[0])       # the unions projected
        return real(*args)
    mp = pytest.MonkeyPatch()
    mp.setattr(confluent, "projected_sum", counting)
    mp.setattr(confluent_terms, "projected_sum", counting)
    try:
        v, g, h, e, ok = confluent.confluent_bingham(3, 10, x, 0)
        assert ok and max(calls) > 0          # the sums project
        # the compiled sums' clock spent, the Python checks' not: the sum
        # itself must stop
        mp.setattr(confluent, "left", lambda share=None: np.inf)
        budget.start()
        budget.resume(10.0 * budget.SECONDS)   # already spent
        v, g, h, e, ok = confluent.confluent_bingham(3, 10, x, 0)
        assert not ok and np.isnan(v) and e == np.inf
    finally:
        budget.stop()
        mp.undo()


def test_holonomic_start_stops_at_the_budget():
    """The holonomic method's starting series (all 2^n square-free
    derivatives) checks the budget each degree: with the budget spent it
    returns an infinite tail (not converged) instead of running on (k=5,
    p=10, a tie split into ten values: 3 s past the deadline before)."""
    from bingham._kernels import holonomic
    y = np.linspace(0.1, 3.0, 10)
    budget.start()
    try:
        budget.resume(10.0 * budget.SECONDS)       # already spent
        G, tail, byK = holonomic.subset_series(2.5, 5.0, y, 5, 40)
        assert tail == np.inf
        budget.stop()
        G, tail, byK = holonomic.subset_series(2.5, 5.0, 0.01 * y, 5, 30)
        assert np.isfinite(tail)
        # a table beyond the memory cap is not allocated (twelve variables
        # to degree 40: 6.4 GB, whose allocation alone took 1.1 s past a
        # budget with 0.05 s left)
        x = np.linspace(1.0, 10.0, 12)
        G, tail, byK = holonomic.subset_series(3.0, 6.0, x, 6, 40)
        assert tail == np.inf and G[0] == 1.0
    finally:
        budget.stop()
