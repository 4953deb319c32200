"""Which method answers an input of ``log 1F1(a; b; x)``: the tiers of
``method="auto"``, run over a batch in turn, each on the rows the tiers
before it left open.

1. NaN; the closed forms (``a = 0``, ``a = b``, all ``x = 0``); one
   eigenvalue with ``0 < a < b`` and ``-250 <= x <= 2000``, ``0 < b <= a``
   and ``0 <= x <= 2000`` with ``a x <= 1e8``, or ``a = -m`` at ``x <= 0``:
   Kummer's series in positive terms (:mod:`.kummer`, about 1 us); the
   Bromwich contour
   (``a = 1/2`` or ``b - a = 1/2`` at any ``n``, and the other ``n = 1``),
   for a value or gradient at a spread whose degree bound is at most 96
   the series of its integrand (:mod:`.vector_series`, 1-5 us):
   :mod:`.direct`.
2. Where the zonal series is predicted to cost about a millisecond or
   less (``0 < a < b``; its degree bounded from ``sum |x|`` before it
   runs, little cancellation) and either about 0.1 ms or less or two
   eigenvalues closer than 0.3 (0.6 for ``min(k, p - k) >= 3``; implicit
   zeros and ties included), where the branch-cut method's pieces cancel:
   the series (:mod:`.cheap_series`), kept where its estimate is within
   1e-13 relative.
3. Bingham inputs (``a = k/2``, ``b = p/2``): where the ``r`` nonzero
   eigenvalues share a sign with ``r <= min(k, p - k)`` and the predicted
   decay ratios (:func:`.large_argument.predicted_ratio`) are at most 1,
   Muirhead's large-argument expansion first (:mod:`.large_argument`:
   0.1-30 ms where it certifies, at most about 65 ms where it does not, on
   the normalizer map; the branch-cut method spends the whole budget and
   fails on some low-rank inputs of one sign); then the confluent
   branch-cut method (:mod:`.branch_cut`), kept where its estimate is
   within 1e-12 relative (where not, the expansion's result competes);
   where it is not, the series where predicted cheap (the rows tier 2 left
   for later: on spread spectra the branch-cut method is the faster),
   then, where at most two eigenvalues are nonzero (``2 <= k <= p - 2``),
   the matrix-beta integral (:mod:`.rank_two`, 1-50 ms: after the
   branch-cut method, which takes about 0.2 ms where it certifies).
4. The rest: the series, the holonomic method and the Laplace
   approximation as their cost predictors choose, with tier 3's result
   competing (:mod:`.dispatch`); where that result is within 1e-10
   relative already, for a quarter of the budget (0.25 s) at most.

The series goes before the branch-cut method only where its cost is
predicted small: on random spectra with ``(a/b) sum |x|`` between 1 and 2
it certified 57% within a budget of 1e6 strip pairs, at a median of 12 ms
(the branch-cut method takes about 1 ms).

Tier 1 is one compiled kernel, compiled only where a numpy check finds a
row it may answer; tiers 2 to 4 are Python around the methods' kernels,
each compiled the first time a row needs it, outside that row's budget
(:func:`.budget.uncharged`): a first call answered by tier 1 compiles the
contour only, one answered by tier 2 the series only, one answered by
tier 3 the branch-cut method only, one answered by tier 4 what it tried
and the branch-cut method before it (with an empty numba cache, k = 3,
p = 10: about 7, 6-7, 18 and 25 s; the compiled ladder compiled every
method, 90-135 s).  A forced ``method`` goes to its own tier
(``"contour"``: 1, ``"cut"``: 3, the others: 4).  The per-input work
budget (:mod:`.budget`) spans tiers 2 to 4.
"""
import numpy as np

from . import (branch_cut, budget, cheap_series, direct, dispatch,
               large_argument, rank_two, strip_cache)
from .codes import AUTO, CONTOUR, CUT


def _few_nonzero(x):
    """Whether some row of ``x`` has at most two nonzero entries (the
    matrix-beta integral's kernel is compiled only where one does)."""
    return bool((np.count_nonzero(x, axis=1) <= 2).any())


def _tier_one_may_answer(a, b, x, nder, method):
    """Whether tier 1 (:func:`.direct.quick`) may answer some row: a NaN, a
    closed form, one eigenvalue (after dropping zeros for a value), or the
    contour's ``a = 1/2`` or ``b - a = 1/2``.  A superset of the rows it
    answers, in numpy: a batch it cannot answer does not compile it (the
    contour, several seconds of a cold start)."""
    nz = np.count_nonzero(x, axis=1)
    may = (np.isnan(a) | np.isnan(b) | np.isnan(x).any(axis=1) | (a == 0.0)
           | (a == b) | ((nz == 0) & (nder == 0)))
    if method == AUTO:
        ne = nz if nder == 0 else np.full_like(nz, x.shape[1])
        half = ((a == 0.5) | (b - a == 0.5)) & (b >= 0.5 * ne)
        may |= (ne == 1) | half
    return bool(may.any())


def _results(out, rows):
    """``(rows, copies of out's entries for them)`` (an output array without
    rows, derivatives not asked for, stays as it is)."""
    return rows, [arr[rows].copy() if arr.shape[0] else None for arr in out]


def _keep_better(out, saved):
    """Restore the saved results (:func:`_results`) where their estimate is
    below the one the rows hold now."""
    rows, vals = saved
    better = vals[3] < out[3][rows]
    for arr, val in zip(out, vals):
        if val is not None:
            arr[rows[better]] = val[better]


def evaluate(a, b, x, nder, method, rtol, max_pairs):
    """``(logF, grad, hess, err, status, used)`` for the rows of ``x``
    (shape ``(N, n)``; ``a``, ``b`` of shape ``(N,)``).  Derivative arrays
    are empty when not asked for.  ``rtol``: the series' and contour's
    target; ``max_pairs``: the series' work budget.  The tiers set each
    row's deadline (:mod:`.budget`); it ends with the call."""
    try:
        return _evaluate(a, b, x, nder, method, rtol, max_pairs)
    finally:
        budget.stop()


def _evaluate(a, b, x, nder, method, rtol, max_pairs):
    """:func:`evaluate` without the end of the clock."""
    N, n = x.shape
    logF = np.empty(N)
    err = np.empty(N)
    status = np.empty(N, np.int64)
    used = np.empty(N, np.int64)
    grad = np.zeros((N if nder >= 1 else 0, n))
    hess = np.zeros((N if nder >= 2 else 0, n, n))
    out = (logF, grad, hess, err, status, used)
    if method == CONTOUR or _tier_one_may_answer(a, b, x, nder, method):
        done = direct.quick_rows(a, b, x, nder, method, rtol, *out)
    else:
        done = np.zeros(N, np.bool_)
    if method == CONTOUR or done.all():
        return out
    rows = np.flatnonzero(~done)
    spent = np.zeros(N)
    later = np.zeros(0, np.int64)
    if method == AUTO:
        first, after, works = cheap_series.cheap_rows(a, b, x, nder, rows)
        later, later_works = rows[after], works[after]
        final = cheap_series.cheap_series_rows(
            a, b, x, nder, rtol, rows[first], works[first], *out, spent)
        rows = np.setdiff1d(rows, rows[first][final])
        if rows.size == 0:
            return out
    if method in (AUTO, CUT):
        saved = None
        if method == AUTO and large_argument.may_apply(a[rows], b[rows],
                                                       x[rows]):
            err[rows] = np.inf
            final = large_argument.large_argument_rows(
                a, b, x, nder, max_pairs, rows, *out, spent)
            rows = rows[~final]
            # its results short of certified compete with the branch-cut
            # method's (which overwrites them)
            saved = _results(out, rows[np.isfinite(err[rows])])
        final = branch_cut.cut_rows(a, b, x, nder, method, rows, *out, spent)
        if saved is not None:
            _keep_better(out, saved)
        rows = rows[~final]
        if method == AUTO and rows.size and later.size:
            left = np.isin(later, rows)
            later, later_works = later[left], later_works[left]
            final = cheap_series.cheap_series_rows(
                a, b, x, nder, rtol, later, later_works, *out, spent)
            rows = np.setdiff1d(rows, later[final])
        if method == AUTO and rows.size and _few_nonzero(x[rows]):
            final = rank_two.rank_two_rows(a, b, x, nder, rows, *out, spent)
            rows = rows[~final]
        if rows.size == 0:
            return out
    # the series' strip table (:mod:`.strip_cache`), chosen by the first
    # row's parameters
    strips = strip_cache.table_for(float(a[0]), float(b[0]), n)
    dispatch.evaluate_rows(a, b, x, nder, method, rtol, max_pairs, strips,
                           rows, *out, spent)
    return out
