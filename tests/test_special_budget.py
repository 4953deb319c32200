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
                           no_strips(3))
    assert info[2] == 1.0
