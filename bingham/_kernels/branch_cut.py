"""The branch-cut tier of ``method="auto"`` (:mod:`.policy`) and the whole
of ``method="cut"``: the confluent branch-cut method (:mod:`.confluent`) on
each Bingham row, with the result kept where it is certified and handed to
the next tier (:mod:`.dispatch`) otherwise, so that tier may still prefer
it to its own."""
import math
import time

import numpy as np

from ._jit import jit
from .budget import resume
from .codes import (AUTO, NOT_APPLICABLE, NOT_CONVERGED, OK, TOO_COSTLY,
                    USED_CUT, USED_NONE)
from .confluent import confluent_bingham, warm_up
from .rows import store

# the relative error estimate under which a result counts as converged ...
CUT_ACCEPT = 5e-13
# ... and under which "auto" keeps it without trying the other methods (the
# library's promise; past it the next tier may find a smaller estimate)
CONFLUENT_ACCEPT = 1e-12


# the Bingham methods (branch cut, Laplace, the shifted series) loop over
# the k points; past this p the input is treated as general a, b
BINGHAM_MAX_P = 1e6


@jit(inline="always")
def bingham_case(a, b, n):
    """``a = k/2``, ``b = p/2`` with integers ``0 < k < p <= BINGHAM_MAX_P``
    and ``n <= p``."""
    k2 = 2.0 * a
    p2 = 2.0 * b
    return k2 == math.floor(k2) and p2 == math.floor(p2) and \
        0.0 < k2 < p2 and n <= p2 and p2 <= BINGHAM_MAX_P


def _cut(k, p, x, nder):
    """The branch-cut method in its confluent form on the full spectrum
    (the given eigenvalues and the implicit zeros; ties of any
    multiplicity, near ties and low rank included).  NOT_APPLICABLE for one
    repeated value, a sum beyond ``confluent.MAX_WORK`` or one lost to
    rounding entirely (:mod:`.confluent_terms`); NOT_CONVERGED where the
    estimate exceeds ``CUT_ACCEPT`` relative; TOO_COSTLY where the
    derivatives asked for did not fit in the budget (NaN)."""
    n = x.shape[0]
    kk = min(k, p - k)
    if kk < 1 or n > p:
        return np.nan, np.zeros(n), np.zeros((n, n)), np.inf, NOT_APPLICABLE
    logF, g, h, err, ok = confluent_bingham(k, p, x, nder)
    if not ok:
        return np.nan, g, h, np.inf, NOT_APPLICABLE
    if nder >= 1 and n and math.isnan(g[0]):
        # the derivatives' pass did not fit in the budget: the value only
        return logF, g, h, err, TOO_COSTLY
    st = OK if err <= CUT_ACCEPT * max(1.0, abs(logF)) else NOT_CONVERGED
    return logF, g, h, err, st


def _compile_first():
    """Compile what the row loop calls, once, before any row's clock starts:
    on a fresh machine the confluent method compiles for about 20 s,
    which must not be charged to the first row's work budget (its
    refinement would stop at once)."""
    warm_up()
    if not resume.signatures:
        resume(0.0)


def cut_rows(a, b, x, nder, method, rows, logF, grad, hess, err, status,
             used, spent):
    """:func:`_cut` on ``x[rows]``, written into the output arrays (rows
    that are not Bingham inputs: status NOT_APPLICABLE, method none); each
    row's seconds are added to ``spent``, which holds the budget it used
    before.  Returns, per entry of ``rows``, whether the row is final:
    always for ``method="cut"``, else where the estimate is within
    ``CONFLUENT_ACCEPT`` relative.

    A Python loop over the rows (a row costs 0.1-15 ms), as
    :func:`.confluent.confluent_bingham` is Python around its kernels: a
    compiled caller would link and optimise the whole confluent method once
    more when first compiled (numba re-runs the module passes on every
    caller's copy).  The loop costs about 17 us a row."""
    _compile_first()
    final = np.zeros(rows.shape[0], np.bool_)
    for t, r in enumerate(rows):
        y = x[r] if nder >= 1 else np.ascontiguousarray(x[r][x[r] != 0.0])
        n = y.shape[0]
        bingham = bingham_case(float(a[r]), float(b[r]), n)
        t0 = time.perf_counter()
        resume(spent[r])
        if bingham:
            v, g, h, e, st = _cut(int(2.0 * a[r]), int(2.0 * b[r]), y, nder)
            u = USED_CUT
        else:
            v, g, h, e, st = (np.nan, np.zeros(n), np.zeros((n, n)), np.inf,
                              NOT_APPLICABLE)
            u = USED_NONE
        spent[r] += time.perf_counter() - t0
        store((logF, grad, hess, err, status, used), r,
              (v, g, h, e, st, u), nder)
        if method != AUTO:
            final[t] = True
        elif st != NOT_APPLICABLE and st != TOO_COSTLY and \
                math.isfinite(v) and e <= CONFLUENT_ACCEPT * max(1.0, abs(v)):
            final[t] = True
            status[r] = OK
    return final
