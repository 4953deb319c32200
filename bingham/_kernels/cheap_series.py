"""The cheap-series tier of ``method="auto"`` (:mod:`.policy`): the inputs
whose zonal series is predicted, before it runs, to cost about a
millisecond or less.

For ``0 < a < b`` the degree-``K`` part of the series is at most
``(a)_K / (b)_K  S^K / K!`` with ``S = sum |x_i|`` (the zonal polynomials
have non-negative coefficients and sum to ``(tr x)^K`` over the partitions
of ``K``; ``(a)_kappa / (b)_kappa <= (a)_K / (b)_K``).  The smallest ``K``
past the sums' peak where that bound is below ``TAIL`` predicts the degree,
:func:`_pairs_up_to` the strips to that degree, and the runs the
derivatives take multiply it (as :func:`.series_paths._series` runs them).
Where the product is at most ``CHEAP_WORK`` (about 1-3 ms on this machine)
and the signs cancel little (mixed signs: the terms are up to ``e^(2 (a/b)
sum |x_-|)`` larger than the sum; all-negative inputs go through Kummer's
relation, ``a -> b - a``), the series runs, on a budget of a few times
the prediction, and its result is kept where its own estimate is within
``ACCEPT`` relative.

Before or after the branch-cut method (:func:`cheap_rows`): before it
where the prediction is about 0.1 ms or less, and where eigenvalues are
close (implicit zeros and ties included): there the series certifies about
3e-14 where the branch-cut method's arcs around the implicit zeros crowd
the small eigenvalues (``k = 3``, ``p = 10``, ``[4, 2.5, 1, -1]``: estimate
1.8e-9, error 2.7e-13; with ``-0.5``: 2.1e-7 and 1.9e-12), and a first call
it answers compiles the series only (the branch-cut method's kernels take
about 14 s of an empty numba cache).  After it on spread spectra, where
that method certifies and is the faster with derivatives (and a fit, whose
Hessians go there anyway, compiles one method, not two).

Plain Python around the series' kernel (compiled outside the row's
budget); the prediction costs about 16 us a row (its strip counts
from a generating function, once per number of parts).
"""
import math

import numpy as np

from . import strip_cache
from .branch_cut import bingham_case
from .budget import clock, resume
from .codes import NEGATIVE, OK, USED_CHEAP_SERIES
from .rows import store
from .series_paths import kummer_first, series_signed

# the predicted work (strip pairs times n + m, times the derivatives' runs)
# under which the series runs (before the branch-cut method where
# eigenvalues are close, after it otherwise), the work under which it runs
# first anyway (about 0.1 ms: the branch-cut method takes 0.2 ms or more),
# and the series' budget as a multiple of its prediction
CHEAP_WORK = 2e7
FIRST_WORK = 2e5
# the smallest gap between eigenvalues at which the branch-cut method goes
# first (for min(k, p - k) <= 2, and above; see _cut_goes_first)
CUT_GAP = 0.3
CUT_GAP_WIDE = 0.6
BUDGET_FACTOR = 4.0
# the degree bound's target (the series' own tail test certifies)
TAIL = 1e-17
# the largest cancellation accepted (log of the terms' size over the sum)
MAX_CANCELLATION = 3.0
# the estimate, relative to max(1, |log F|), under which the result is kept
ACCEPT = 1e-13
_MAX_DEGREE = 400

# strip pairs summed up to each degree, per number of parts (at most
# _MAX_PARTS: past it the series is far from cheap)
_MAX_PARTS = 64
_pairs_to = {}


def _pairs_up_to(m):
    """``w[K]``: what :func:`.zonal.series_work` counts up to degree ``K``
    (``K <= _MAX_DEGREE``) for ``m`` parts, from a generating function
    instead of enumerating the partitions: a partition with ``d_i =
    kappa_i - kappa_(i+1)`` counts ``prod (d_i + 1)`` and has degree ``sum
    i d_i``, so degree ``K`` counts the coefficient of ``z^K`` in
    ``prod_(i <= m) (1 - z^i)^-2``.  Each factor ``1 / (1 - z^i)`` is a
    running sum with stride ``i``; computed once per ``m`` (7 ms at ``m =
    64``)."""
    w = _pairs_to.get(m)
    if w is None:
        c = np.zeros(_MAX_DEGREE + 1)
        c[0] = 1.0
        for i in range(1, min(m, _MAX_DEGREE) + 1):
            for _ in range(2):
                for r in range(i):
                    c[r::i] = np.cumsum(c[r::i])
        w = np.cumsum(c)
        _pairs_to[m] = w
    return w


def _parts(a, n):
    """The series' number of parts (:func:`.series_paths.max_parts`, not
    compiled for this): ``min(n, 2a)`` where ``2a`` is a positive
    integer."""
    k2 = 2.0 * a
    if a > 0.0 and k2 < 9007199254740992.0 and k2 == math.floor(k2):
        return min(n, int(k2))
    return n


_DEGREES = np.arange(1.0, _MAX_DEGREE + 1.0)
_LOG_DEGREES = np.log(_DEGREES)


def predicted_degree(a, b, S):
    """The smallest degree ``K`` at or past ``(a/b) S`` (where the degree
    sums peak) with ``(a)_K / (b)_K S^K / K! < TAIL``, ``0 < a < b``; None
    past ``_MAX_DEGREE``.  (In numpy over all degrees at once: a loop of
    logarithms in Python cost 0.1-0.2 ms, a tenth of a branch-cut call.)"""
    if S == 0.0:
        return 0
    peak = a / b * S
    if peak > _MAX_DEGREE:
        return None
    lr = np.cumsum(np.log((a - 1.0 + _DEGREES) / (b - 1.0 + _DEGREES))
                   + (math.log(S) - _LOG_DEGREES))
    ok = (_DEGREES >= peak) & (lr < math.log(TAIL))
    K = int(np.argmax(ok))
    return K + 1 if ok[K] else None


def predicted_work(a, b, y, nder):
    """The series' predicted work for ``y`` (the eigenvalues it sums, zeros
    dropped for a value) with derivatives up to ``nder`` (``inf`` where a
    lower bound is past ``CHEAP_WORK`` already), or None where it does not
    apply here (``a``, ``b`` outside ``0 < a < b``, a cancellation
    above ``MAX_CANCELLATION``, a degree past ``_MAX_DEGREE``)."""
    if not 0.0 < a < b:
        return None
    n = y.shape[0]
    if kummer_first(y):
        # Kummer's relation, as the series applies it: every term positive
        a = b - a
        absy = -y
    else:
        absy = np.abs(y)
        neg = y < 0.0
        if neg.any() and 2.0 * a / b * float(absy[neg].sum()) \
                > MAX_CANCELLATION:
            return None
    K = predicted_degree(a, b, float(absy.sum()))
    if K is None:
        return None
    # (a partition of degree at most K has at most K parts)
    m = min(_parts(a, n), K)
    if m < 1:
        return 0.0
    if m > _MAX_PARTS:
        return math.inf
    work = float(_pairs_up_to(m)[K]) * (n + m)
    if nder >= 1 and n >= 2:
        runs = (n + 1) // 2 if nder == 1 else n * (n - 1) // 2
        work *= 1.0 + (nder + 1) * runs
    elif nder >= 1:
        work *= 1.0 + (nder + 1)
    return work


def _series_input(x, nder):
    """The eigenvalues the series sums: zeros dropped for a value."""
    return x if nder >= 1 else x[x != 0.0]


def _cut_goes_first(a, b, x):
    """Whether the branch-cut method goes before the series: a Bingham
    input (:func:`.branch_cut.bingham_case`) whose full spectrum,
    implicit zeros included, has no two values closer than ``CUT_GAP``
    (``CUT_GAP_WIDE`` for ``min(k, p - k) >= 3``).  Where they are closer,
    ties and implicit zeros included, the method's pieces cancel and it
    certifies less often than the series.  Calibration (full spectra, p =
    4..16, series predicted between ``FIRST_WORK`` and ``CHEAP_WORK``):
    for ``min(k, p - k) = 2`` the method missed 1e-12 on 87% of those with
    a gap below 0.05, 36% at 0.2-0.3, 3% at 0.3-0.4 and none above; at the
    thresholds chosen, 1% of 300 random spectra (20% at p >= 12), where
    the series then runs after it."""
    n = x.shape[0]
    # (the branch-cut method's own test, uncompiled)
    if not bingham_case.py_func(a, b, n):
        return False
    k2 = 2.0 * a
    p2 = 2.0 * b
    if n <= p2 - 2.0:
        return False
    full = np.append(x, 0.0) if n < p2 else x
    if full.shape[0] < 2:
        return False
    gap = CUT_GAP if min(k2, p2 - k2) <= 2.0 else CUT_GAP_WIDE
    return bool(np.diff(np.sort(full)).min() >= gap)


def cheap_rows(a, b, x, nder, rows):
    """``(first, later, works)``: which entries of ``rows`` the series
    answers before the branch-cut method and which after it (the rest:
    neither), and the predicted work of each (inf: not cheap).
    Every input predicted cheap (:func:`predicted_work` at most
    ``CHEAP_WORK``) is one or the other; it goes first where its predicted
    work is at most ``FIRST_WORK`` (faster than the branch-cut method) or
    where the eigenvalues are close (:func:`_cut_goes_first`), and after
    the branch-cut method, where it left the row uncertified, otherwise (on
    distinct spectra with derivatives the branch-cut method is faster: k =
    2, p = 6, ``[7.08, 4.59, 1.63, 0.90, 0.39, 0]``, gradient 0.45 ms
    against 2.8 ms, Hessian 0.8 against 11 ms)."""
    first = np.zeros(rows.shape[0], np.bool_)
    later = np.zeros(rows.shape[0], np.bool_)
    works = np.full(rows.shape[0], np.inf)
    for t, r in enumerate(rows):
        ar, br = float(a[r]), float(b[r])
        y = _series_input(x[r], nder)
        if not np.isfinite(y).all():
            continue
        work = predicted_work(ar, br, y, nder)
        if work is None or work > CHEAP_WORK:
            continue
        works[t] = work
        if work <= FIRST_WORK or not _cut_goes_first(ar, br, x[r]):
            first[t] = True
        else:
            later[t] = True
    return first, later, works


def cheap_series_rows(a, b, x, nder, rtol, rows, works, logF, grad, hess,
                      err, status, used, spent):
    """The series on the rows of ``x[rows]`` (predicted cheap, with the
    predicted ``works``: :func:`cheap_rows`), written into the output
    arrays where its estimate is within ``ACCEPT``; returns which entries
    of ``rows`` it answered, and adds each row's seconds to ``spent``."""
    final = np.zeros(rows.shape[0], np.bool_)
    for t, r in enumerate(rows):
        ar, br = float(a[r]), float(b[r])
        y = np.ascontiguousarray(_series_input(x[r], nder))
        work = works[t]
        t0 = clock()
        resume(spent[r])
        m = _parts(br - ar if kummer_first(y) else ar, y.shape[0])
        v, g, h, e, st = series_signed(ar, br, y, nder, rtol,
                                       BUDGET_FACTOR * max(work, 1e4),
                                       strip_cache.table(m))
        spent[r] += clock() - t0
        if (st & ~NEGATIVE) != OK or not (e <= ACCEPT * max(1.0, abs(v))):
            continue
        if nder >= 1 and not np.isfinite(g).all():
            continue
        final[t] = True
        store((logF, grad, hess, err, status, used), r,
              (v, g, h, e, st, USED_CHEAP_SERIES), nder)
    return final
