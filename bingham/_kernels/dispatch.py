"""The last tier of ``method="auto"`` (:mod:`.policy`): the inputs that the
closed forms, the contour and the branch-cut method leave open.

One input is ``(a, b, x)`` with ``x`` the ``n`` given eigenvalues.  This
module decides, for that input, which exact identity to apply (Kummer's
relation, the shift identity of the Bingham case ``a = k/2``, ``b = p/2``) and
which kernel to run (the zonal series, the holonomic method, the Laplace
approximation), with the branch-cut result competing, and maps the
derivatives back; validation happens before, in :mod:`bingham.special`.

Plain Python around the methods' kernels (a row here costs milliseconds;
the Python costs tens of microseconds): each kernel compiles the first time
a row reaches it, outside that row's work budget (:func:`.budget.uncharged`).
Compiled, this ladder linked every method into itself: a first call
answered by the series compiled the holonomic method, the tie splitting
and the Laplace approximation too (63 s of a cold start, 36 s of it here).
"""
import math

import numpy as np

from . import budget
from .branch_cut import bingham_case
from .budget import WORK_SHARE, resume, uncharged as _call
from .codes import (AUTO, HOLONOMIC, LAPLACE, NEGATIVE, NOT_APPLICABLE,
                    NOT_CONVERGED, OK, USED_CUT, USED_HOLONOMIC, USED_LAPLACE,
                    USED_LARGE_ARGUMENT, USED_NONE, USED_RANK_TWO,
                    USED_SERIES)
from .holonomic_paths import HGM_MAX_VARS, holonomic, shifted_cost
from .laplace import laplace_bingham
from .rows import store
from .series_paths import (CENTRE_AFTER, centre_pays,
                           series_bingham, series_signed)

SHIFT_MAX_P = 256
# where the branch-cut result is within the library's promise (1e-10
# relative) already, the share of the budget (budget.SECONDS) this tier may
# spend trying to improve on it: on the normalizer map, at the default 1 s,
# every improvement it found took at most 0.24 s, and the attempts that
# found none ran to the end of the budget (0.75 s).  A share, not seconds:
# under a larger budget (the tests' 120 s) a fixed 0.25 s was too short
# for a first call's strip tables on a loaded machine
IMPROVE_SHARE = 0.25
PROMISE = 1e-10
# above this sum of |eigenvalues| the holonomic method is tried before the
# series (it costs milliseconds where the series' degree grows with it)
HGM_FIRST_ABOVE = 20.0


def _cancellation(a, b, x):
    """``2 a / b`` times the sum of the negative eigenvalues' sizes: the
    log of the direct series' cancellation (mixed signs)."""
    return 2.0 * a / b * float(-x[x < 0.0].sum())


def evaluate(a, b, x, nder, method, rtol, max_pairs, strips, cv, cg, ch,
             cerr, cst, spent, cused=USED_CUT):
    """The last tier of ``method="auto"`` for one input that the closed
    forms and the contour (:mod:`.direct`) do not answer and the branch-cut
    method (:mod:`.branch_cut`) did not certify; the best result of tier 3
    ``(cv, cg, ch, cerr, cst)`` (status NOT_APPLICABLE where none ran), by
    the method ``cused`` (the branch-cut method or the matrix-beta
    integral), competes with the methods tried here.  Also the forced
    methods "series", "laplace" and "holonomic".  The input has used
    ``spent`` seconds of its budget.

    Returns ``(logF, grad, hess, err, status, used)``.
    """
    # value only: zero eigenvalues may be dropped
    if nder == 0:
        x = np.ascontiguousarray(x[x != 0.0])
    n = x.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    # the rest of budget.SECONDS for this input
    resume(spent)
    k2 = 2.0 * a
    p2 = 2.0 * b
    bingham = bingham_case(a, b, n)
    # (2a and 2b are integers, at most 2e6, only for a Bingham input)
    k, p = (int(k2), int(p2)) if bingham else (0, 0)
    if method == LAPLACE:
        if not bingham:
            return np.nan, grad, hess, np.inf, NOT_APPLICABLE, USED_NONE
        logF, g, h, err, st = _call(laplace_bingham, k, p, x, nder)
        return logF, g, h, err, st, USED_LAPLACE
    if method == HOLONOMIC:
        logF, g, h, err, st = _call(holonomic, a, b, x, nder, True)
        return logF, g, h, err, st, USED_HOLONOMIC
    # the holonomic result, computed at most once (several places below
    # may want it)
    tried = False
    hv, hg, hh, herr, hst = np.nan, grad, hess, np.inf, NOT_APPLICABLE
    if method == AUTO and n <= HGM_MAX_VARS:
        if float(np.abs(x).sum()) > HGM_FIRST_ABOVE:
            hv, hg, hh, herr, hst = _call(holonomic, a, b, x, nder, False)
            tried = True
            if hst == OK:
                return hv, hg, hh, herr, hst, USED_HOLONOMIC
    # (the Laplace gradient lies in [0, 1], so the peak is at most the sum
    # of the positive eigenvalues: below 64 the test below cannot pass,
    # and the approximation is not computed, nor compiled)
    if method == AUTO and bingham and float(x[x > 0.0].sum()) > 64.0:
        # in the concentrated regime the Laplace approximation tells where
        # the series' degree sums peak (d log F / d log t = sum x_i g_i):
        # when even that degree is beyond the budget, skip the series
        lv, lgr, lh, lerr, lst = _call(laplace_bingham, k, p, x, 1)
        if lerr < 10.0:
            kpeak = float(x @ lgr)
            mm = min(k, p - k)
            if kpeak > 64.0 and mm >= 2:
                bound = math.exp(2.0 * mm * math.log(0.8 * kpeak)
                                 - math.lgamma(2.0 * mm + 1.0))
                if bound * (n + mm) > 10.0 * max_pairs:
                    # the holonomic method if certified, else the best
                    # estimate (the branch-cut result above included)
                    if not tried:
                        hv, hg, hh, herr, hst = _call(holonomic, a, b, x,
                                                      nder, False)
                        tried = True
                    if hst == OK:
                        return hv, hg, hh, herr, hst, USED_HOLONOMIC
                    lv, lgr, lh, lerr, lst = _call(laplace_bingham, k, p, x,
                                                   nder)
                    if cst != NOT_APPLICABLE and cerr < lerr and not (
                            hst != NOT_APPLICABLE and herr < cerr):
                        return cv, cg, ch, cerr, cst, cused
                    if hst != NOT_APPLICABLE and herr < lerr:
                        return hv, hg, hh, herr, hst, USED_HOLONOMIC
                    return lv, lgr, lh, lerr, lst, USED_LAPLACE
    # series; the attempts below that do not certify may still be the best
    # answer (the work budget can end the later ones at once): the one with
    # the smallest estimate is kept
    done = False
    bv, bg, bh, berr, bst = np.nan, grad, hess, np.inf, NOT_CONVERGED
    if bingham and p2 <= SHIFT_MAX_P and method == AUTO:
        # the plain series on a small budget; where that is not enough, the
        # centred series (cheaper when it certifies, see centered_series)
        # before the full budget below.  For a whole spectrum of distinct
        # eigenvalues in p <= 10 the centred series runs for as long as the
        # holonomic method would take, then that method, before the
        # series' full budget (at most twice the cheaper); and it runs
        # first where the plain series peaks late (as many variables,
        # fewer degrees)
        # a concentration of low rank with little cancellation: the direct
        # series keeps the p - n implicit zeros out of the variables (the
        # shift would bring them in), so on a small budget it goes first
        # (k=8, p=17, three eigenvalues in [-3, 0]: 11 ms where the ladder
        # below spent the whole budget)
        low_rank = n < p2 and _cancellation(a, b, x) < 9.0
        if low_rank:
            logF, g, h, err, st = series_signed(
                a, b, x, nder, rtol, CENTRE_AFTER * max_pairs, strips)
            if (st & ~NEGATIVE) == OK and err <= 1e-13 * max(1.0, abs(logF)):
                return logF, g, h, err, st, USED_SERIES
            if err < berr:
                bv, bg, bh, berr, bst = logF, g, h, err, st
        hcost = _call(shifted_cost, p, x)
        ladder = 0.0 < hcost < max_pairs
        centre_first = ladder and _call(centre_pays, k, p, x)
        if centre_first:
            logF, g, h, err, st = _call(series_bingham, k, p, x, nder,
                                        rtol, hcost, True, strips)
            if st == OK:
                return logF, g, h, err, st, USED_SERIES
            if err < berr:
                bv, bg, bh, berr, bst = logF, g, h, err, st
        logF, g, h, err, st = _call(series_bingham, k, p, x, nder, rtol,
                                    CENTRE_AFTER * max_pairs, False, strips)
        if st == OK:
            return logF, g, h, err, st, USED_SERIES
        if err < berr:
            bv, bg, bh, berr, bst = logF, g, h, err, st
        if ladder:
            if not centre_first:
                logF, g, h, err, st = _call(series_bingham, k, p, x, nder,
                                            rtol, hcost, True, strips)
                if st == OK:
                    return logF, g, h, err, st, USED_SERIES
                if err < berr:
                    bv, bg, bh, berr, bst = logF, g, h, err, st
            if not tried:
                hv, hg, hh, herr, hst = _call(holonomic, a, b, x, nder, False)
                tried = True
            if hst == OK:
                return hv, hg, hh, herr, hst, USED_HOLONOMIC
        if low_rank:
            # the direct series on its full budget before the centred one
            # (which brings the p - n implicit zeros in as variables): k=3,
            # p=64, x=[-2.5, 30, 30, -2.5] certified by it in 0.6 s, where
            # the centred series spent the whole budget and failed
            logF, g, h, err, st = series_signed(a, b, x, nder, rtol,
                                                max_pairs, strips)
            if (st & ~NEGATIVE) == OK and \
                    err <= 1e-13 * max(1.0, abs(logF)):
                return logF, g, h, err, st, USED_SERIES
            if err < berr:
                bv, bg, bh, berr, bst = logF, g, h, err, st
        logF, g, h, err, st = _call(series_bingham, k, p, x, nder, rtol,
                                    max_pairs, True, strips)
        if st == OK:
            return logF, g, h, err, st, USED_SERIES
        if err < berr:
            bv, bg, bh, berr, bst = logF, g, h, err, st
        # the centred series did not certify: the plain one (c = 0) at the
        # full budget below (it refuses at once where its sum peaks beyond
        # the budget), then whichever estimate is smaller (hypothesis: k=3,
        # p=6, x=[0, 1, 4, -1, -2, -1.5] returned the holonomic result at
        # 1.7e-12 where the plain series certifies 4.5e-14 in 0.6 s)
    if bingham and p2 <= SHIFT_MAX_P:
        # the shift makes every term positive but turns the p - n implicit
        # zeros into variables; with mixed signs and few given eigenvalues
        # the direct series may be far cheaper, if its cancellation (about
        # exp(2 a/b sum |x_-|)) leaves full accuracy: try it first
        if n < p2 and _cancellation(a, b, x) < 9.0 and method != AUTO:
            logF, g, h, err, st = series_signed(a, b, x, nder, rtol,
                                                max_pairs, strips)
            done = ((st & ~NEGATIVE) == OK
                    and err <= 1e-13 * max(1.0, abs(logF)))
            if not done and err < berr:
                bv, bg, bh, berr, bst = logF, g, h, err, st
        if not done:
            logF, g, h, err, st = _call(series_bingham, k, p, x, nder,
                                        rtol, max_pairs, False, strips)
    else:
        logF, g, h, err, st = series_signed(a, b, x, nder, rtol,
                                            max_pairs, strips)
    if not (err <= berr):
        logF, g, h, err, st = bv, bg, bh, berr, bst
    used = USED_SERIES
    if method == AUTO and (st & ~NEGATIVE) != OK:
        # large concentration beyond the series' budget: the holonomic
        # method, then the asymptotic approximation, whichever has the
        # smallest error estimate
        if not tried:
            hv, hg, hh, herr, hst = _call(holonomic, a, b, x, nder, False)
        # (or the series' derivatives were beyond its budget)
        if hst != NOT_APPLICABLE and (herr < err or (
                nder >= 1 and math.isnan(g[0]))):
            logF, g, h, err, st, used = hv, hg, hh, herr, hst, USED_HOLONOMIC
        if cst != NOT_APPLICABLE and (cerr < err or (
                nder >= 1 and math.isnan(g[0]))):
            logF, g, h, err, st, used = cv, cg, ch, cerr, cst, cused
        if bingham and (st & ~NEGATIVE) != OK:
            lv, lgr, lh, lerr, lst = _call(laplace_bingham, k, p, x,
                                           nder)
            if not (err <= lerr):
                return lv, lgr, lh, lerr, lst, USED_LAPLACE
    return logF, g, h, err, st, used


def evaluate_rows(a, b, x, nder, method, rtol, max_pairs, strips, rows,
                  logF, grad, hess, err, status, used, spent):
    """:func:`evaluate` on ``x[rows]``, written into the output arrays,
    which hold tier 3's result of each row where ``used`` is ``USED_CUT``,
    ``USED_RANK_TWO`` or ``USED_LARGE_ARGUMENT`` (that result competes)
    and ``spent`` its time.  Where that result is within ``PROMISE``
    relative, the row has ``IMPROVE_SHARE`` of the budget here at most."""
    n = x.shape[1]
    for r in rows:
        used_before = spent[r]
        cused = used[r]
        if cused in (USED_CUT, USED_RANK_TWO, USED_LARGE_ARGUMENT):
            cv, cerr, cst = logF[r], err[r], status[r]
            cg = grad[r].copy() if nder >= 1 else np.zeros(n)
            ch = hess[r].copy() if nder >= 2 else np.zeros((n, n))
            if cerr <= PROMISE * max(1.0, abs(cv)):
                used_before = max(used_before, (WORK_SHARE - IMPROVE_SHARE)
                                  * budget.SECONDS)
        else:
            cv, cerr, cst = np.nan, np.inf, NOT_APPLICABLE
            cg = np.zeros(n)
            ch = np.zeros((n, n))
        store((logF, grad, hess, err, status, used), r,
              evaluate(float(a[r]), float(b[r]), x[r], nder, method, rtol,
                       max_pairs, strips, cv, cg, ch, cerr, cst,
                       used_before, cused),
              nder)
