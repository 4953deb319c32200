"""The last tier of ``method="auto"`` (:mod:`.policy`): the inputs that the
closed forms, the contour and the branch-cut method leave open.

One input is ``(a, b, x)`` with ``x`` the ``n`` given eigenvalues.  This
module decides, for that input, which exact identity to apply (Kummer's
relation, the shift identity of the Bingham case ``a = k/2``, ``b = p/2``) and
which kernel to run (the zonal series, the holonomic method, the Laplace
approximation), with the branch-cut result competing, and maps the
derivatives back.  Everything here is jitted so that batches run without
Python overhead; validation happens before, in :mod:`bingham.special`.
"""
import math

import numpy as np

from ._jit import jit
from .budget import resume
from .codes import (AUTO, HOLONOMIC, LAPLACE, NEGATIVE, NOT_APPLICABLE,
                    NOT_CONVERGED, OK, TOO_COSTLY, USED_CUT, USED_HOLONOMIC,
                    USED_LAPLACE, USED_NONE, USED_SERIES)
from .direct import store_row
from .holonomic import hgm
from .zonal import series_work, zonal_series

_EPS = 2.220446049250313e-16
SHIFT_MAX_P = 256
MEMORY_CAP = 60_000_000  # doubles in the partition table
MIN_DEGREE = 6
DERIV_MIN_WORK = 1e8
HGM_MAX_VARS = 6  # given eigenvalues (2^n states)
HGM_SHIFT_MAX_P = 12  # whole shifted spectra (2^p states; p = 12: seconds)
HGM_LADDER_MAX_P = 10  # ... tried before the series' full budget
HGM_MIN_GAP = 1e-4  # relative gap between eigenvalues (the system is singular at ties)
# operator applications (2^n n^2 operations each) per integration: about
# 2 s; far out the Taylor steps are bounded by sum |x| (never hangs)
HGM_WORK = 2e9
# rounding floor of the holonomic error estimate, per sqrt(operator
# application) and per unit of |log F| + 1 + sum |y|: twice what 224 random
# whole spectra in p <= 8 needed; for whole spectra, 4.4 times more since
# hypothesis found k = 5, p = 8 with true error 1.9 times the former
# estimate (2.5e-12), then k = 2, p = 8 with close eigenvalues at 1.55
# times the raised one: doubled again
HGM_FLOOR_DIRECT = 1.8e-15
HGM_FLOOR_SHIFTED = 1.6e-14
HGM_GAP_REF = 0.02  # ... times range / smallest gap where that exceeds 1
# above this sum of |eigenvalues| the holonomic method is tried before the
# series (it costs milliseconds where the series' degree grows with it)
HGM_FIRST_ABOVE = 20.0


@jit
def _is_int(v):
    return v == math.floor(v)


@jit
def _max_parts(a, n):
    """Partitions longer than ``2a`` vanish when ``2a`` is a positive integer."""
    if a > 0.0 and _is_int(2.0 * a):
        return min(n, int(2.0 * a))
    return n


@jit
def _reachable(m, n, kmax, max_work):
    """Whether summing to degree ``kmax`` fits the memory cap and the work
    budget (strip pairs times ``n + m``).  The partition count is bounded by
    ``(K+1)^m / m!`` before it is counted: counting would not end for large
    ``m``."""
    bound = n * math.exp(m * math.log(kmax + 1.0) - math.lgamma(m + 1.0))
    if bound > 50.0 * MEMORY_CAP or (m + 1.0) * (kmax + 1.0) ** 2 > MEMORY_CAP:
        return False
    parts, pairs = series_work(m, kmax)
    # (the kernel may start a degree while within budget: about twice
    # the work to the degree before)
    return parts * n <= MEMORY_CAP and pairs * (n + m) <= 2.0 * max_work


@jit
def _degree_cap(m, n, kwant, max_work):
    """The largest truncation degree up to ``kwant`` within the memory cap
    and the work budget.  Searched upwards by doubling, then bisected: each
    count costs as many steps as there are partitions, far fewer than the
    strips the budget allows, so the search stays cheap."""
    lo = 0
    hi = 64
    while hi < kwant and _reachable(m, n, hi, max_work):
        lo = hi
        hi *= 2
    if hi >= kwant:
        if _reachable(m, n, kwant, max_work):
            return kwant
        hi = kwant
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _reachable(m, n, mid, max_work):
            lo = mid
        else:
            hi = mid
    return lo


@jit
def _put_last(x, i, j, y):
    """``y``: ``x`` with ``x_i`` and ``x_j`` moved to the end, in that order
    (the kernel differentiates with respect to its last two arguments)."""
    n = x.shape[0]
    p = 0
    for t in range(n):
        if t != i and t != j:
            y[p] = x[t]
            p += 1
    y[n - 2] = x[i]
    y[n - 1] = x[j]


@jit
def _series(a, b, x, nvar, nder, rtol, max_pairs, strips):
    """Series evaluation with derivatives by permutation of the arguments.

    Derivatives are taken with respect to the first ``nvar`` arguments only.

    The value is summed until the tail estimate meets ``rtol`` or the work
    (strip pairs times ``n + m``) exceeds ``max_pairs``.
    Returns ``(logF, grad, hess, err, status)``.
    """
    n = x.shape[0]
    grad = np.zeros(nvar)
    hess = np.zeros((nvar, nvar))
    if n == 0:
        return 0.0, grad, hess, 0.0, OK
    m = _max_parts(a, n)
    # the value: one run, stopped by the kernel at convergence or when the
    # work passes the budget.  The tables are sized for twice the expected
    # degree (the degree sums peak near (a/b) sum |x|, the first-order term
    # of log F, and fall geometrically from a few times the largest
    # argument on), within the memory cap; a rerun with twice that only
    # where the sum outran it with budget left
    s1 = 0.0
    xmax = 0.0
    for i in range(n):
        s1 += abs(x[i])
        xmax = max(xmax, abs(x[i]))
    klow = abs(a / b) * s1
    kwant = int(min(2.0 * (klow + 3.0 * xmax) + 48.0, 1e7))
    while True:
        kmax = _degree_cap(m, n, kwant, max_pairs)
        if kmax < max(MIN_DEGREE, klow):
            # the degree sums cannot even peak within the budget
            grad[:] = np.nan
            hess[:, :] = np.nan
            return np.nan, grad, hess, np.inf, TOO_COSTLY
        out, info = zonal_series(a, b, x, m, kmax, 0, rtol,
                                 max(MIN_DEGREE, int(klow)), max_pairs,
                                 strips)
        F = out[0]
        status = OK if info[2] > 0.0 else TOO_COSTLY
        if status == OK or kmax < kwant or info[5] > max_pairs:
            break
        kwant = 2 * kwant
    if not np.isfinite(F):
        grad[:] = np.nan
        hess[:, :] = np.nan
        return np.nan, grad, hess, np.inf, status
    tail = info[0]
    noise = tail + 4.0 * _EPS * (info[3] + 1.0) * info[1]
    if abs(F) <= noise:
        # the sum is below its own error (cancellation of mixed-sign terms)
        grad[:] = np.nan
        hess[:, :] = np.nan
        return np.nan, grad, hess, np.inf, NOT_CONVERGED
    if status != OK:
        # truncated before convergence: the last degree sum says nothing
        # about the rest unless the sums already decay geometrically (ratio
        # r < 1, remainder about last * r / (1 - r)); otherwise the missing
        # part is unbounded
        r = info[4]
        if 0.0 < r < 1.0:
            noise = max(noise, tail * r / (1.0 - r))
        else:
            noise = np.inf
    if F < 0.0:
        # 1F1 changes sign for some (a, b) (e.g. a > b, x < 0): log |F|
        status |= NEGATIVE
    # relative error of F -> absolute error of log F
    rel = noise / abs(F)
    err = math.log1p(rel) if rel < 1.0 else (np.inf if not math.isfinite(rel)
                                             else math.log(1.0 + rel))
    logF = math.log(abs(F))
    if nder == 0:
        return logF, grad, hess, err, status
    # derivatives at the degree the value reached (+8 when it converged: the
    # derivative series decay a little more slowly); an unconverged value
    # keeps its status, so the caller warns about the derivatives too
    kd = int(info[3]) + (8 if (status & ~NEGATIVE) == OK else 0)
    # one series per variable (Hessian diagonal when n = 1 or nvar = 1), per
    # two variables (gradient: a run with the pair last gives both first
    # derivatives for 1.2 times the cost of one) or per pair (Hessian)
    if n == 1 or nvar == 1:
        runs = nvar
    elif nder == 1:
        runs = (nvar + 1) // 2
    else:
        runs = nvar * (nvar - 1) // 2
    parts, pairs = series_work(m, kd)
    # (a value certified on a small budget keeps its derivatives: they are
    # allowed DERIV_MIN_WORK, a fraction of a second, whatever the budget)
    if pairs * (n + m) * (nder + 1) * runs > max(3.0 * max_pairs,
                                                 DERIV_MIN_WORK):
        grad[:] = np.nan
        hess[:, :] = np.nan
        return logF, grad, hess, err, TOO_COSTLY | (status & NEGATIVE)
    y = np.empty(n)
    if nder == 1 and n >= 2 and nvar >= 2:
        for i in range(0, nvar, 2):
            # x_i and x_j last (the last variable alone when nvar is odd:
            # then paired with the variable before it, computed twice)
            j = i + 1 if i + 1 < nvar else i - 1
            _put_last(x, j, i, y)
            out, _ = zonal_series(a, b, y, m, kd, 2, rtol, MIN_DEGREE, np.inf,
                                  strips)
            grad[i] = out[1] / out[0]
            grad[j] = out[3] / out[0]
        return logF, grad, hess, err, status
    if nder == 1 or n == 1 or nvar == 1:
        for j in range(nvar):
            # put x_j last
            p = 0
            for i in range(n):
                if i != j:
                    y[p] = x[i]
                    p += 1
            y[n - 1] = x[j]
            out, _ = zonal_series(a, b, y, m, kd, 1, rtol, MIN_DEGREE, np.inf,
                                  strips)
            grad[j] = out[1] / out[0]
            if nder >= 2:
                hess[j, j] = out[2] / out[0] - grad[j] * grad[j]
        return logF, grad, hess, err, status
    # nder == 2, n >= 2: every pair (i, j) last gives both first derivatives,
    # both second derivatives and the mixed one
    for i in range(nvar):
        for j in range(i + 1, nvar):
            _put_last(x, i, j, y)
            out, _ = zonal_series(a, b, y, m, kd, 2, rtol, MIN_DEGREE, np.inf,
                                  strips)
            F2 = out[0]
            grad[j] = out[1] / F2
            grad[i] = out[3] / F2
            hess[j, j] = out[2] / F2
            hess[i, i] = out[4] / F2
            hess[i, j] = out[5] / F2
    for i in range(nvar):
        for j in range(nvar):
            if i == j:
                hess[i, i] -= grad[i] * grad[i]
            elif i < j:
                hess[i, j] -= grad[i] * grad[j]
                hess[j, i] = hess[i, j]
    return logF, grad, hess, err, status


@jit
def _series_signed(a, b, x, nder, rtol, max_pairs, strips):
    """Series on arguments of one sign: Kummer's relation turns non-positive
    arguments into non-negative ones (all terms positive when a, b allow)."""
    n = x.shape[0]
    allpos = True
    allneg = True
    for i in range(n):
        if x[i] < 0.0:
            allpos = False
        if x[i] > 0.0:
            allneg = False
    if allneg and not allpos:
        ak = b - a
        y = -x
        logF, grad, hess, err, status = _series(ak, b, y, n, nder, rtol,
                                                max_pairs, strips)
        s = 0.0
        for i in range(n):
            s += x[i]
            grad[i] = 1.0 - grad[i]
        return logF + s, grad, hess, err + 4.0 * _EPS * abs(s), status
    return _series(a, b, x, n, nder, rtol, max_pairs, strips)


@jit
def _series_bingham(k, p, x, nder, rtol, max_pairs, centred, strips):
    """Bingham case ``a = k/2``, ``b = p/2``: shift all ``p`` eigenvalues to be
    non-negative, then sum whichever of the direct series (``k`` parts) or
    Kummer's (``p - k`` parts, shifted again) has fewer parts.  Every term is
    then positive."""
    n = x.shape[0]
    full = np.zeros(p)
    for i in range(n):
        full[i] = x[i]
    lo = full[0]
    hi = full[0]
    for i in range(p):
        lo = min(lo, full[i])
        hi = max(hi, full[i])
    if k <= p - k:
        # direct: log F(x) = lo k + log F(x - lo)
        aa = 0.5 * k
        sign = 1.0
        ref = lo
        shift = lo * k
        base = 0.0
        scale = abs(lo * k)
    else:
        # Kummer then shift: log F(x) = tr x + log F(b-a; b; -x)
        #   = tr x - (p-k) hi + log F(b-a; b; hi - x)
        aa = 0.5 * (p - k)
        sign = -1.0
        ref = hi
        tr = 0.0
        for i in range(n):
            tr += x[i]
        shift = tr - (p - k) * hi
        base = 1.0
        scale = abs(tr) + abs((p - k) * hi)
    if centred:
        logF, g, h, err, status = _centered_series(
            aa, 0.5 * p, sign, full, ref, shift, n, nder, rtol, max_pairs,
            strips)
    else:
        # y = sign (full - ref) >= 0; zeros are dropped except, with
        # derivatives, the given eigenvalues
        cnt = 0
        for i in range(p):
            if full[i] != ref or (i < n and nder > 0):
                cnt += 1
        y = np.empty(cnt)
        t = 0
        for i in range(p):
            if full[i] != ref or (i < n and nder > 0):
                y[t] = sign * (full[i] - ref)
                t += 1
        logF, g, h, err, status = _series(aa, 0.5 * p, y, n, nder, rtol,
                                          max_pairs, strips)
    logF += shift
    err += 4.0 * _EPS * scale
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    # with derivatives, the given eigenvalues (the first n entries of
    # ``full``) are kept, in order, as the first n variables of y; for the
    # value alone zeros are dropped
    for i in range(n):
        grad[i] = base + sign * g[i]
        for j in range(n):
            hess[i, j] = h[i, j]
    return logF, grad, hess, err, status


# cancellation the centred series may spend: about exp(2 (a/b) sum of the
# negative parts) (the first-order term of log F); e^6 leaves about 1e-13
CENTRE_BUDGET = 6.0
# ... tried only where the plain series' degree sums peak late ((a/b) tr y
# above CENTRE_FROM) and the plain series did not finish within
# CENTRE_AFTER of the work budget (milliseconds)
CENTRE_FROM = 5.0
CENTRE_AFTER = 0.001


@jit
def _full_range(p, x):
    """Smallest and largest eigenvalue of the full spectrum: the given ones
    and, when ``n < p``, the implicit zeros."""
    n = x.shape[0]
    lo = 0.0 if n < p else x[0]
    hi = lo
    for i in range(n):
        lo = min(lo, x[i])
        hi = max(hi, x[i])
    return lo, hi


@jit
def _centre_pays(k, p, x):
    """Whether the plain shifted series of a Bingham spectrum peaks late
    enough for the centred one to be tried (the test that opens
    :func:`_centered_series`)."""
    n = x.shape[0]
    lo, hi = _full_range(p, x)
    total = 0.0
    for i in range(p):
        xi = x[i] if i < n else 0.0
        total += (xi - lo) if k <= p - k else (hi - xi)
    return min(k, p - k) / p * total >= CENTRE_FROM


@jit
def _centered_series(aa, b, sign, full, ref, shift, n, nder, rtol,
                     max_pairs, strips):
    """The shifted series at ``y - c`` instead of ``y = sign (full - ref) >=
    0``: ``log F(y) = 2 aa c + log F(y - c)``.  A positive ``c`` makes the
    arguments smaller, so the degree the sum needs falls, at the price of
    mixed signs.  The midpoint of the spectrum (the smallest arguments) is
    tried first: the cancellation there is usually mild (k = 3, p = 10,
    eigenvalues 0, 2, .., 18: the sum of |terms| is 36 times the sum).
    Where it is not, ``c`` is lowered until the first-order cancellation
    estimate ``exp(2 (aa / b) sum_{y_i < c} (c - y_i))`` is below
    ``exp(CENTRE_BUDGET)``.  ``shift`` is what the caller adds to the log
    value (for the accuracy target).  Returns the status ``NOT_CONVERGED``
    (the caller falls back to ``c = 0``) unless the result is certified to
    5e-13 of the final log value (or absolutely, below 1)."""
    p = full.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    y = np.empty(p)
    total = 0.0
    for i in range(p):
        y[i] = sign * (full[i] - ref)
        total += y[i]
    if aa / b * total < CENTRE_FROM:
        # the plain series is cheap already; a failed attempt is not
        return 0.0, grad, hess, np.inf, NOT_CONVERGED
    ys = np.sort(y)
    # largest c with sum_{y_i < c} (c - y_i) <= budget b / (2 aa)
    budget = CENTRE_BUDGET * b / (2.0 * aa)
    c_rule = 0.0
    acc = 0.0
    for i in range(p):
        # on [ys[i], ys[i+1]] the sum is acc + (i + 1) (c - ys[i]), with acc
        # its value at ys[i]
        nxt = ys[i + 1] if i + 1 < p else np.inf
        room = (budget - acc) / (i + 1.0)
        if ys[i] + room <= nxt:
            c_rule = ys[i] + room
            break
        acc += (i + 1.0) * (nxt - ys[i])
    c_mid = 0.5 * (ys[0] + ys[p - 1])
    c_rule = min(c_rule, ys[0] + 0.4 * (ys[p - 1] - ys[0]))
    z = np.empty(p)
    for attempt in range(2):
        c = c_mid if attempt == 0 else c_rule
        if not (c > 0.0) or (attempt == 1 and c_rule >= 0.9 * c_mid):
            continue
        for i in range(p):
            z[i] = y[i] - c
        logF, g, h, err, status = _series(aa, b, z, n, nder, rtol, max_pairs,
                                          strips)
        value = logF + 2.0 * aa * c
        if status != OK or not (err <= 5e-13 * max(1.0, abs(value + shift))):
            continue
        ok = True
        for i in range(n):
            if g[i] != g[i]:
                ok = False
        if ok:
            return value, g, h, err + 4.0 * _EPS * abs(2.0 * aa * c), OK
    return 0.0, grad, hess, np.inf, NOT_CONVERGED


LAPLACE_MAX_CORRECTION = 0.5
LAPLACE_MARGIN = 16.0  # heuristic: the estimate's factor beyond it


@jit
def _laplace_bingham(k, p, x, nder):
    """Leading-order Laplace approximation for large concentrations.

    With the full spectrum ``y_1 >= ... >= y_p`` (the given eigenvalues and
    ``p - n`` zeros) in groups of equal values ``v_G`` of multiplicity
    ``m_G``, of which ``c_G`` are among the k largest, the mass of the
    Bingham sits near the top-k eigenspace and

        log F ~ log Gamma_k(p/2) - log Gamma_k(k/2) + sum_G c_G v_G
                - 1/2 sum_{G != H} c_G (m_H - c_H) log(v_G - v_H)
                + log Gamma_c(c/2) - log Gamma_c(m/2)   (c, m of a group
                                                        across the k-th)

    the Gaussian integral over the tangent directions that leave the top-k
    eigenspace, and, when a group of equal eigenvalues holds both the k-th
    and the (k+1)-th largest, the integral over the c-planes of its
    eigenspace, which cost nothing.  That last factor is fixed by the
    isotropic limit ``1F1(k/2; p/2; v P_m) ~ e^(k v) Gamma_k(p/2) /
    Gamma_k(m/2) v^(-k (p-m)/2)`` (``P_m`` a rank-m projector, ``m > k``:
    the density at 0 of a ``(p - m) x k`` block of a uniform frame times the
    Gaussian integral); checked against the contour for k = p - 1 with a
    split group of zeros, errors falling like 1/v.  The error estimate is
    the size of the first correction, ``sum 1/(v_G - v_H)`` over the same
    pairs (4 times the exact first-order term for k = 1), times
    ``LAPLACE_MARGIN`` (a heuristic factor, not a bound) where it exceeds
    ``LAPLACE_MAX_CORRECTION``.  The interval it gives is cut to the hard
    bounds ``(k/p) sum_i y_i <= log F <= sum_{i<=k} y_i``; where the bounds
    are narrower than the widened estimate, or the interval misses them,
    the result is the bounds' midpoint with half their width as the
    estimate (and the midpoint's gradient), which covers the error by
    construction.
    """
    # the spectrum as groups of equal values with multiplicities: the given
    # eigenvalues and one group of p - n zeros (O(n log n) work, never O(p))
    n = x.shape[0]
    vals = np.zeros(n + 1)
    mult = np.zeros(n + 1)
    for i in range(n):
        vals[i] = x[i]
        mult[i] = 1.0
    mult[n] = p - n
    order = np.argsort(-vals)
    group = np.zeros(n + 1, np.int64)
    gv = np.zeros(n + 1)
    gm = np.zeros(n + 1)
    ng = 0
    for r in range(n + 1):
        e = order[r]
        if r == 0 or vals[e] != gv[ng - 1]:
            gv[ng] = vals[e]
            ng += 1
        group[e] = ng - 1
        gm[ng - 1] += mult[e]
    ctop = np.zeros(ng)
    left = float(k)
    top = 0.0
    for G in range(ng):
        c = min(gm[G], left)
        ctop[G] = c
        left -= c
        top += c * gv[G]
    gm = gm[:ng]
    gv = gv[:ng]
    cbot = gm - ctop
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    logc = 0.0
    for i in range(k):
        logc += math.lgamma(0.5 * p - 0.5 * i) - math.lgamma(0.5 * k - 0.5 * i)
    for G in range(ng):
        c = int(ctop[G])
        if c > 0 and cbot[G] > 0.0:
            # the flat directions of a group across the k-th largest
            for i in range(c):
                logc += math.lgamma(0.5 * c - 0.5 * i) \
                    - math.lgamma(0.5 * gm[G] - 0.5 * i)
    lg = 0.0
    corr = 0.0
    for G in range(ng):
        for H in range(ng):
            w = ctop[G] * cbot[H]
            if H == G or w == 0.0:
                continue
            g = gv[G] - gv[H]
            lg += w * math.log(g)
            corr += w / g
    logF = logc + top - 0.5 * lg
    err = corr + 8.0 * _EPS * (abs(top) + abs(logc) + abs(lg))
    # hard bounds: Jensen (the Haar mean of X X^T is (k/p) I) below, the
    # top-k sum above.  Where the first correction is not small the
    # expansion may be no approximation at all (e.g. a concentration of a
    # few hundred in p = 4096: the Gaussian leaves the unit ball, and the
    # true error is 10 times the correction): its estimate gets a wide
    # margin, and where the bounds are narrower than that, only they are
    # certain: their midpoint, with half their width
    low = 0.0
    for i in range(n):
        low += x[i]
    low *= k / p
    if corr > LAPLACE_MAX_CORRECTION:
        err *= LAPLACE_MARGIN
    if (corr > LAPLACE_MAX_CORRECTION and 0.5 * (top - low) < err) \
            or logF - err > top or logF + err < low:
        logF = 0.5 * (low + top)
        err = 0.5 * (top - low) + 8.0 * _EPS * (abs(low) + abs(top))
        if nder >= 1:
            for e in range(n):
                grad[e] = 0.5 * (k / p + ctop[group[e]] / gm[group[e]])
        return logF, grad, hess, err, NOT_CONVERGED
    # the expansion's interval, cut to the bounds
    hi = min(logF + err, top)
    lo = max(logF - err, low)
    logF = 0.5 * (lo + hi)
    err = 0.5 * (hi - lo) + 8.0 * _EPS * (abs(lo) + abs(hi))
    if nder >= 1:
        # derivatives in the given eigenvalues: each is a member of its
        # group, on top with weight t = c_G / m_G (0 or 1 unless the group
        # is across the k-th largest, whose members share its top part)
        t = np.empty(n)
        for e in range(n):
            t[e] = ctop[group[e]] / gm[group[e]]
        for e in range(n):
            G = group[e]
            grad[e] = t[e]
            for H in range(ng):
                if H == G:
                    continue
                g = gv[G] - gv[H]
                w = t[e] * cbot[H] if g > 0.0 else (1.0 - t[e]) * ctop[H]
                grad[e] -= 0.5 * w / g
                hess[e, e] += 0.5 * w / (g * g)
            for f in range(n):
                if group[f] != G:
                    g = vals[e] - vals[f]
                    hess[e, f] = -0.5 * (t[e] * (1.0 - t[f])
                                         + t[f] * (1.0 - t[e])) / (g * g)
            if 0.0 < t[e] < 1.0:
                # across the k-th largest: the c-plane is uniform in the
                # group's eigenspace, so the members' shares ||P e_i||^2
                # are Beta(c/2, (m-c)/2) summing to c (covariance
                # -var/(m-1))
                m = gm[G]
                var = 2.0 * t[e] * (1.0 - t[e]) / (m + 2.0)
                for f in range(n):
                    if group[f] == G:
                        hess[e, f] += var if f == e else -var / (m - 1.0)
        # each entry is an expected squared overlap, in [0, 1]; where the
        # first correction is large the expansion leaves that range (k=16,
        # p=512, a tie at 293: an entry 2.2 outside it), so it is cut to it
        for e in range(n):
            grad[e] = min(1.0, max(0.0, grad[e]))
    return logF, grad, hess, err, NOT_CONVERGED


@jit
def _hgm_budget(n):
    """Operator applications allowed per integration with ``n`` variables."""
    return int(HGM_WORK / ((1 << n) * n * n))


@jit
def _holonomic_direct(a, b, x, nder):
    """The holonomic method on the given eigenvalues.

    Eligible: at most ``HGM_MAX_VARS`` eigenvalues, all nonzero, of one sign,
    pairwise distinct (relative gap ``HGM_MIN_GAP``), and no more positive
    ones than ``2a`` (after Kummer's relation for non-positive ones), so that
    ``F`` is the fastest-growing solution of the system along the ray.
    """
    n = x.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    if n == 0 or n > HGM_MAX_VARS:
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    pos = 0
    neg = 0
    scale = 0.0
    for i in range(n):
        if x[i] > 0.0:
            pos += 1
        elif x[i] < 0.0:
            neg += 1
        scale = max(scale, abs(x[i]))
    if pos + neg < n or (pos > 0 and neg > 0):
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    gapmin = np.inf
    for i in range(n):
        for j in range(i + 1, n):
            gapmin = min(gapmin, abs(x[i] - x[j]))
    if gapmin < HGM_MIN_GAP * scale:
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    near = _close_factor(scale, gapmin)
    kummer = neg > 0
    aa = b - a if kummer else a
    if not (aa > 0.0 and _is_int(2.0 * aa) and n <= 2.0 * aa):
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    y = -x if kummer else x.copy()
    logF, g, h, err, ok = hgm(aa, b, y, _max_parts(aa, n), nder,
                              _hgm_budget(n), HGM_FLOOR_DIRECT * near)
    if not ok or not math.isfinite(logF):
        return np.nan, grad, hess, np.inf, NOT_CONVERGED
    if kummer:
        s = 0.0
        for i in range(n):
            s += x[i]
            g[i] = 1.0 - g[i]
        logF += s
        err += 4.0 * _EPS * abs(s)
    return logF, g, h, err, OK


@jit
def _close_factor(width, gapmin):
    """How much close eigenvalues raise the rounding floor of the holonomic
    estimate: ``HGM_GAP_REF * width / gapmin`` where that exceeds 1.  They
    amplify rounding more than the two runs show (hypothesis: k = 5, p = 8,
    gaps of 0.011 and 0.0074 of the range, true errors 1.9 and 2.2 times the
    estimate; k = 2, p = 4, x = [6, 5.99925] on the given eigenvalues, 7
    times)."""
    return max(1.0, HGM_GAP_REF * width / gapmin)


@jit
def _distinct_spectrum(p, x):
    """All ``p`` eigenvalues (the given ones and at most one implicit zero)
    and the smallest gap between them when ``p <= HGM_SHIFT_MAX_P`` and they
    are pairwise distinct, else an empty array."""
    n = x.shape[0]
    empty = np.zeros(0)
    if p > HGM_SHIFT_MAX_P or p - n > 1 or n > p:
        return empty, 0.0
    f = np.zeros(p)
    f[:n] = x
    s = np.sort(f)
    if s[p - 1] - s[0] <= 0.0:
        return empty, 0.0
    gapmin = np.inf
    for i in range(p - 1):
        gapmin = min(gapmin, s[i + 1] - s[i])
    if gapmin < HGM_MIN_GAP * (s[p - 1] - s[0]):
        return empty, 0.0
    return f, gapmin


@jit
def _shifted_cost(p, x):
    """Rough work of :func:`_holonomic_shifted` in the series' work units
    (measured: p = 10 near sum |x - c| = 60 costs about 0.2 s, like the
    series at 6e7), or 0 where it does not apply before the series' full
    budget (``p > HGM_LADDER_MAX_P``)."""
    if p > HGM_LADDER_MAX_P:
        return 0.0
    f, _ = _distinct_spectrum(p, x)
    if f.shape[0] == 0:
        return 0.0
    mean = 0.0
    for i in range(p):
        mean += f[i] / p
    spread = 0.0
    for i in range(p):
        spread += abs(f[i] - mean)
    return 0.4 * (1 << p) * p * p * (800.0 + 12.0 * spread)


@jit
def _holonomic_shifted(k, p, x, nder):
    """The holonomic method on a whole Bingham spectrum, shifted.

    Eligible: ``p <= HGM_SHIFT_MAX_P`` and the ``p`` eigenvalues (the given
    ones and at most one implicit zero) pairwise distinct.  The shift
    identity ``log F(x) = k c + log F(x - c)`` with ``c`` between the k-th
    and (k+1)-th largest eigenvalue leaves exactly ``k`` positive ones, so
    ``F`` is the fastest-growing solution along the ray whatever the signs
    and concentration (Kummer's relation when ``p - k < k`` keeps the
    partitions to ``min(k, p - k)`` parts).
    """
    n = x.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    f, gapmin = _distinct_spectrum(p, x)
    if f.shape[0] == 0:
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    s = np.sort(f)[::-1]
    c = 0.5 * (s[k - 1] + s[k])
    # far out the Taylor steps cost about 2.4 operator applications per
    # unit of sum |x - c| (measured: 18,800 at 8,000, p = 9): well beyond
    # the budget, say so at once
    spread = 0.0
    for i in range(p):
        spread += abs(f[i] - c)
    if 2.0 * spread > _hgm_budget(p):
        return np.nan, grad, hess, np.inf, TOO_COSTLY
    kummer = p - k < k
    aa = 0.5 * (p - k) if kummer else 0.5 * k
    y = c - f if kummer else f - c
    near = _close_factor(s[0] - s[p - 1], gapmin)
    logF, g, h, err, ok = hgm(aa, 0.5 * p, y, min(k, p - k), nder,
                              _hgm_budget(p), HGM_FLOOR_SHIFTED * near)
    if not ok or not math.isfinite(logF):
        return np.nan, grad, hess, np.inf, NOT_CONVERGED
    shift = k * c
    if kummer:
        # F(x - c) = exp(sum (x - c)) F'(c - x)
        for i in range(p):
            shift -= y[i]
            g[i] = 1.0 - g[i]
    for i in range(n):
        grad[i] = g[i]
        for j in range(n):
            hess[i, j] = h[i, j]
    err += 4.0 * _EPS * (abs(shift) + abs(logF))
    return logF + shift, grad, hess, err, OK


# ties: the tied groups are split by TIE_STEP times the smallest gap between
# distinct eigenvalues (at most TIE_SPREAD of it across a group at the
# largest split), evaluated at TIE_POINTS multiples of the split and
# extrapolated to zero
TIE_STEP = 0.02
TIE_SPREAD = 0.4
TIE_POINTS = 4
TIE_MAX_P = 10  # four integrations: "auto" (seconds at p = 10) ...
TIE_MAX_P_FORCED = 12  # ... method="holonomic" (14 s at p = 11, 10 s at 12)
TIE_MIN_SPLIT = 5e-3
# the extrapolation's change from one fewer point times this: 3 left k=2,
# p=6, x=[7, 7, 1] (three implicit zeros) at 1.15 times the estimate
# (hypothesis, against the series)
TIE_MARGIN = 6.0
TIE_STRADDLE = 0.5
TIE_TAYLOR = 0.01  # near groups moved to their mean: at most this of the gap


@jit
def _tie_groups(f):
    """Group the eigenvalues ``f``: equal values share a label, and so do
    two distinct values closer than ``HGM_MIN_GAP`` of the range (a near
    tie, where the plain method does not apply).  Returns ``(label, gap,
    near)``: ``gap`` is the smallest gap between groups and ``near[g]`` says
    that group ``g`` holds distinct values."""
    p = f.shape[0]
    order = np.argsort(f)
    label = np.zeros(p, np.int64)
    near = np.zeros(p, np.bool_)
    width = f[order[p - 1]] - f[order[0]]
    gap = np.inf
    g = 0
    for t in range(1, p):
        d = f[order[t]] - f[order[t - 1]]
        if d > 0.0:
            if d < HGM_MIN_GAP * width:
                near[g] = True
            else:
                gap = min(gap, d)
                g += 1
        label[order[t]] = g
    return label, gap, near[:g + 1]


@jit
def _across_kth(f, label, k):
    """The label of the group holding both the k-th and the (k+1)-th
    largest of ``f``, or -1."""
    order = np.argsort(-f)
    top = label[order[k - 1]]
    return top if top == label[order[k]] else -1


@jit
def _lagrange_weights(J, target, skip):
    """Weights of the polynomial through the points ``s_j = (j + 1)^2``,
    ``j < J - skip`` (the others get 0), evaluated at ``target``."""
    w = np.zeros(J)
    for j in range(J - skip):
        sj = (j + 1.0) ** 2
        w[j] = 1.0
        for i in range(J - skip):
            if i != j:
                si = (i + 1.0) ** 2
                w[j] *= (target - si) / (sj - si)
    return w


@jit
def _split_pairs_parts(partner, scale, g, h, nder, even_g, odd_g, even_h,
                       odd_h):
    """Even and odd parts of the gradient and Hessian under the reflection
    that swaps each near pair (``partner[i]``, ``i`` itself when unpaired),
    the odd parts divided by ``scale`` (the split): both are then even
    functions of the split."""
    p = partner.shape[0]
    if nder >= 1:
        for i in range(p):
            r = g[partner[i]]
            even_g[i] = 0.5 * (g[i] + r)
            odd_g[i] = 0.5 * (g[i] - r) / scale
    if nder >= 2:
        for i in range(p):
            for l in range(p):
                r = h[partner[i], partner[l]]
                even_h[i, l] = 0.5 * (h[i, l] + r)
                odd_h[i, l] = 0.5 * (h[i, l] - r) / scale


@jit
def _average_over_groups(label, ngroups, g, h, nder, gout, hout):
    """Average the gradient ``g`` over each group of equal labels, and the
    Hessian ``h`` (``nder == 2``) over each pair of groups, diagonal and
    off-diagonal entries apart: the derivatives at a tie are invariant
    under permutations within the groups."""
    p = label.shape[0]
    size = np.zeros(ngroups)
    gsum = np.zeros(ngroups)
    for i in range(p):
        size[label[i]] += 1.0
        gsum[label[i]] += g[i]
    for i in range(p):
        gout[i] = gsum[label[i]] / size[label[i]]
    if nder < 2:
        return
    dsum = np.zeros(ngroups)
    osum = np.zeros((ngroups, ngroups))
    ocnt = np.zeros((ngroups, ngroups))
    for i in range(p):
        for l in range(p):
            if i == l:
                dsum[label[i]] += h[i, i]
            else:
                osum[label[i], label[l]] += h[i, l]
                ocnt[label[i], label[l]] += 1.0
    for i in range(p):
        for l in range(p):
            if i == l:
                hout[i, i] = dsum[label[i]] / size[label[i]]
            else:
                hout[i, l] = osum[label[i], label[l]] / ocnt[label[i], label[l]]


@jit
def _ties_core(k, p, f, nder, isotropic_too):
    """:func:`_split_ties` on the whole spectrum ``f`` (``p`` values) with
    ties (equal eigenvalues) or near ties (pairs of eigenvalues closer than
    ``HGM_MIN_GAP`` of the range, no exact ties then), by splitting them.

    ``F`` is symmetric, so moving the members of each tied group apart by
    ``delta (j - (m - 1)/2)``, ``j = 0..m-1``, gives a function of ``delta``
    that is even (reversing each group maps ``delta`` to ``-delta``).  Its
    log is evaluated at ``TIE_POINTS`` multiples of ``delta`` and
    extrapolated to 0 in ``delta^2`` (Richardson); the gradient and the
    Hessian are first averaged over the permutations of each group (also
    even in ``delta``), then extrapolated the same way.  A near pair is
    moved apart symmetrically about its mean in the same way, and the
    polynomial in ``delta^2`` is evaluated at its actual half gap instead of
    0; its derivatives are split into parts even and odd under the swap of
    the pair (the odd part, divided by ``delta``, is even) and both parts
    interpolated.  The caller (:func:`_split_ties`) passes either exact
    ties or near pairs alone, never near groups of more than two.  One
    repeated nonzero eigenvalue is refused unless ``isotropic_too``.  The
    error estimate is the change from one fewer point plus the methods' own
    estimates times the extrapolation's amplification.
    """
    n = p
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    label, gap, near = _tie_groups(f)
    ngroups = label.max() + 1
    if ngroups == p or ngroups < 2 or not (gap > 0.0):
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    size = np.zeros(ngroups, np.int64)
    offs = np.zeros(p)
    for i in range(p):
        offs[i] = size[label[i]]
        size[label[i]] += 1
    big = size.max()
    nnear = 0
    for gr in range(ngroups):
        if near[gr]:
            nnear += 1
    if nnear == 0 and ngroups == 2 and (f.min() == 0.0 or f.max() == 0.0) \
            and not isotropic_too:
        # one repeated nonzero eigenvalue: the isotropic method's case
        # (exact and far cheaper, bingham._isotropic)
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    # the split pattern: j - (m - 1)/2 in a tied group; a near pair at its
    # mean +- half its gap, in units of the largest near gap (so that the
    # pattern at split 1 is the given spectrum)
    partner = np.arange(p)
    base = f.copy()
    unit = 0.0
    if nnear > 0:
        for i in range(p):
            for l in range(p):
                if l != i and label[l] == label[i]:
                    partner[i] = l
                    unit = max(unit, abs(f[i] - f[l]))
        for i in range(p):
            l = partner[i]
            if l != i:
                base[i] = 0.5 * (f[i] + f[l])
                offs[i] = 0.5 * (f[i] - f[l]) / unit
    else:
        for i in range(p):
            offs[i] -= 0.5 * (size[label[i]] - 1)
    # the system is ill-conditioned near ties, and its error estimate
    # unreliable below a relative gap of about 1e-2: the split stays above
    # TIE_MIN_SPLIT of the range
    width = f.max() - f.min()
    min_split = TIE_MIN_SPLIT * width
    delta = max(min(TIE_STEP, TIE_SPREAD / (TIE_POINTS * (big - 1.0))) * gap,
                min_split)
    J = TIE_POINTS
    # a group holding both the k-th and the (k+1)-th largest eigenvalue
    # straddles the top-k boundary: there log F varies on a scale of 1 in
    # absolute terms (k = 1, two equal eigenvalues: log I_0 of the split,
    # whose Taylor series has radius 2.4), which the split must stay well
    # inside
    top = _across_kth(f, label, k)
    if top >= 0:
        delta = min(delta, TIE_STRADDLE / (J * 0.5 * (size[top] - 1)))
        if delta < min_split:
            return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    # where the polynomial in s = (split / delta)^2 is wanted
    target = (unit / delta) ** 2 if nnear > 0 else 0.0
    vals = np.zeros(J)
    errs = np.zeros(J)
    gs = np.zeros((J, p))
    hs = np.zeros((J, p, p))
    go = np.zeros((J, p))
    ho = np.zeros((J, p, p))
    y = np.empty(p)
    for j in range(J):
        split = (j + 1.0) * delta
        for i in range(p):
            y[i] = base[i] + split * offs[i]
        v, g, h, e, st = _holonomic_shifted(k, p, y, nder)
        if st != OK:
            return np.nan, grad, hess, np.inf, st
        vals[j] = v
        errs[j] = e
        if nnear > 0:
            _split_pairs_parts(partner, split, g, h, nder, gs[j], go[j],
                               hs[j], ho[j])
        elif nder >= 1:
            _average_over_groups(label, ngroups, g, h, nder, gs[j], hs[j])
    # Lagrange interpolation in s = (j delta)^2 at the target, with all J
    # points, with the first J - 1 (for the error estimate) and J - 2 (to
    # see that it converges)
    w = _lagrange_weights(J, target, 0)
    w1 = _lagrange_weights(J, target, 1)
    w2 = _lagrange_weights(J, target, 2)
    logF = 0.0
    coarse = 0.0
    coarser = 0.0
    noise = 0.0
    for j in range(J):
        logF += w[j] * vals[j]
        coarse += w1[j] * vals[j]
        coarser += w2[j] * vals[j]
        noise += abs(w[j]) * errs[j]
    # the odd parts (near pairs) come back times the split at the target
    ref = unit if nnear > 0 else 0.0
    for i in range(n):
        for j in range(J):
            grad[i] += w[j] * (gs[j, i] + ref * go[j, i])
        if nder >= 2:
            for l in range(n):
                for j in range(J):
                    hess[i, l] += w[j] * (hs[j, i, l] + ref * ho[j, i, l])
    if not abs(logF - coarse) < abs(coarse - coarser):
        return np.nan, grad, hess, np.inf, NOT_CONVERGED
    err = TIE_MARGIN * (abs(logF - coarse) + noise)
    return logF, grad, hess, err, OK


@jit
def _split_ties(k, p, x, nder, max_p):
    """A Bingham spectrum with ties (equal eigenvalues, including several
    implicit zeros) or near ties (distinct eigenvalues closer than
    ``HGM_MIN_GAP`` of the range), by splitting them (:func:`_ties_core`)
    and evaluating the split spectra with the shifted holonomic method.

    Near pairs alone are split and interpolated to their actual gap.  Other
    near groups (of three or more, or next to exact ties) are moved to their
    means, where they are exact ties, and the result is carried back to the
    given spectrum by the second-order Taylor expansion with the Hessian at
    the tie (``log F += D^T H D / 2``, ``grad += H D``; ``D`` sums to 0 in
    each group, so the first-order term vanishes): the neglected terms are
    of third order in ``D``, below ``1e-4`` of the range, and the error
    estimate adds twice the correction.  Only for ``p <= max_p``.
    """
    n = x.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    if p > max_p or n > p:
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    f = np.zeros(p)
    f[:n] = x
    label, gap, near = _tie_groups(f)
    ngroups = label.max() + 1
    size = np.zeros(ngroups, np.int64)
    for i in range(p):
        size[label[i]] += 1
    nnear = 0
    odd = False
    exact = False
    for gr in range(ngroups):
        if near[gr]:
            nnear += 1
            odd = odd or size[gr] != 2
        elif size[gr] > 1:
            exact = True
    merge = nnear > 0 and (odd or exact)
    if not merge:
        v, g, h, e, st = _ties_core(k, p, f, nder, False)
    else:
        mean = np.zeros(ngroups)
        for i in range(p):
            mean[label[i]] += f[i] / size[label[i]]
        D = np.zeros(p)
        fm = f.copy()
        for i in range(p):
            if near[label[i]]:
                fm[i] = mean[label[i]]
                D[i] = f[i] - fm[i]
        # the expansion holds while D is small against the scale on which
        # log F varies: the gap to the other groups, and 1 in absolute terms
        # for a group across the k-th largest (see _ties_core)
        scale = min(gap, 1.0) if _across_kth(f, label, k) >= 0 else gap
        for i in range(p):
            if not abs(D[i]) <= TIE_TAYLOR * scale:
                return np.nan, grad, hess, np.inf, NOT_APPLICABLE
        v, g, h, e, st = _ties_core(k, p, fm, 2, True)
        if st == OK:
            HD = h @ D
            corr = 0.5 * (D @ HD)
            v += corr
            for i in range(p):
                g[i] += HD[i]
            e += 2.0 * abs(corr) + 4.0 * _EPS * abs(v)
    if st != OK:
        return np.nan, grad, hess, np.inf, st
    for i in range(n):
        grad[i] = g[i]
        for l in range(n):
            hess[i, l] = h[i, l]
    return v, grad, hess, e, OK


@jit
def _holonomic(a, b, x, nder, forced):
    """Holonomic gradient method where it is stable: on the given
    eigenvalues (:func:`_holonomic_direct`), else, for a Bingham input, on
    the shifted spectrum (:func:`_holonomic_shifted`, or
    :func:`_split_ties` when eigenvalues are equal or close: up to
    ``p = TIE_MAX_P``, or ``TIE_MAX_P_FORCED`` when the caller asked for the
    method).  Returns ``(logF, grad, hess, err, status)``; status
    NOT_APPLICABLE when ineligible and NOT_CONVERGED when the error
    estimate exceeds ``1e-12`` relative."""
    logF, g, h, err, st = _holonomic_direct(a, b, x, nder)
    if st == NOT_APPLICABLE and _is_int(2.0 * a) and _is_int(2.0 * b) \
            and 0.0 < a < b and x.shape[0] <= 2.0 * b:
        logF, g, h, err, st = _holonomic_shifted(int(2.0 * a), int(2.0 * b),
                                                 x, nder)
        if st == NOT_APPLICABLE:
            logF, g, h, err, st = _split_ties(
                int(2.0 * a), int(2.0 * b), x, nder,
                TIE_MAX_P_FORCED if forced else TIE_MAX_P)
    if st == OK and not err <= 1e-12 * max(1.0, abs(logF)):
        st = NOT_CONVERGED
    return logF, g, h, err, st


@jit
def evaluate(a, b, x, nder, method, rtol, max_pairs, strips, cv, cg, ch,
             cerr, cst, spent):
    """The last tier of ``method="auto"`` for one input that the closed
    forms and the contour (:mod:`.direct`) do not answer and the branch-cut
    method (:mod:`.branch_cut`) did not certify; its result ``(cv, cg, ch,
    cerr, cst)`` (status NOT_APPLICABLE where it did not run) competes with
    the methods tried here.  Also the forced methods "series", "laplace"
    and "holonomic".  The input has used ``spent`` seconds of its budget.

    Returns ``(logF, grad, hess, err, status, used)``.
    """
    n = x.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    nz = 0
    for i in range(n):
        if x[i] != 0.0:
            nz += 1
    # value only: zero eigenvalues may be dropped
    if nder == 0 and nz < n:
        y = np.empty(nz)
        t = 0
        for i in range(n):
            if x[i] != 0.0:
                y[t] = x[i]
                t += 1
        x = y
        n = nz
    # the rest of budget.SECONDS for this input
    resume(spent)
    k2 = 2.0 * a
    p2 = 2.0 * b
    bingham = _is_int(k2) and _is_int(p2) and 0.0 < k2 < p2 and n <= p2
    if method == LAPLACE:
        if not bingham:
            return np.nan, grad, hess, np.inf, NOT_APPLICABLE, USED_NONE
        logF, g, h, err, st = _laplace_bingham(int(k2), int(p2), x, nder)
        return logF, g, h, err, st, USED_LAPLACE
    if method == HOLONOMIC:
        logF, g, h, err, st = _holonomic(a, b, x, nder, True)
        return logF, g, h, err, st, USED_HOLONOMIC
    # the holonomic result, computed at most once (several places below
    # may want it)
    tried = False
    hv, hg, hh, herr, hst = np.nan, grad, hess, np.inf, NOT_APPLICABLE
    if method == AUTO and n <= HGM_MAX_VARS:
        s1 = 0.0
        for i in range(n):
            s1 += abs(x[i])
        if s1 > HGM_FIRST_ABOVE:
            hv, hg, hh, herr, hst = _holonomic(a, b, x, nder, False)
            tried = True
            if hst == OK:
                return hv, hg, hh, herr, hst, USED_HOLONOMIC
    if method == AUTO and bingham:
        # in the concentrated regime the Laplace approximation tells where
        # the series' degree sums peak (d log F / d log t = sum x_i g_i):
        # when even that degree is beyond the budget, skip the series
        lv, lgr, lh, lerr, lst = _laplace_bingham(int(k2), int(p2), x, 1)
        if lerr < 10.0:
            kpeak = 0.0
            for i in range(n):
                kpeak += x[i] * lgr[i]
            mm = min(int(k2), int(p2) - int(k2))
            if kpeak > 64.0 and mm >= 2:
                bound = math.exp(2.0 * mm * math.log(0.8 * kpeak)
                                 - math.lgamma(2.0 * mm + 1.0))
                if bound * (n + mm) > 10.0 * max_pairs:
                    # the holonomic method if certified, else the best
                    # estimate (the branch-cut result above included)
                    if not tried:
                        hv, hg, hh, herr, hst = _holonomic(a, b, x, nder,
                                                           False)
                        tried = True
                    if hst == OK:
                        return hv, hg, hh, herr, hst, USED_HOLONOMIC
                    lv, lgr, lh, lerr, lst = _laplace_bingham(int(k2), int(p2),
                                                              x, nder)
                    if cst != NOT_APPLICABLE and cerr < lerr and not (
                            hst != NOT_APPLICABLE and herr < cerr):
                        return cv, cg, ch, cerr, cst, USED_CUT
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
        # centred series (cheaper when it certifies, see _centered_series)
        # before the full budget below.  For a whole spectrum of distinct
        # eigenvalues in p <= 10 the centred series runs for as long as the
        # holonomic method would take, then that method, before the
        # series' full budget (at most twice the cheaper); and it runs
        # first where the plain series peaks late (as many variables,
        # fewer degrees)
        hcost = _shifted_cost(int(p2), x)
        ladder = 0.0 < hcost < max_pairs
        centre_first = ladder and _centre_pays(int(k2), int(p2), x)
        if centre_first:
            logF, g, h, err, st = _series_bingham(int(k2), int(p2), x, nder,
                                                  rtol, hcost, True, strips)
            if st == OK:
                return logF, g, h, err, st, USED_SERIES
            if err < berr:
                bv, bg, bh, berr, bst = logF, g, h, err, st
        logF, g, h, err, st = _series_bingham(
            int(k2), int(p2), x, nder, rtol, CENTRE_AFTER * max_pairs, False,
            strips)
        if st == OK:
            return logF, g, h, err, st, USED_SERIES
        if err < berr:
            bv, bg, bh, berr, bst = logF, g, h, err, st
        if ladder:
            if not centre_first:
                logF, g, h, err, st = _series_bingham(
                    int(k2), int(p2), x, nder, rtol, hcost, True, strips)
                if st == OK:
                    return logF, g, h, err, st, USED_SERIES
                if err < berr:
                    bv, bg, bh, berr, bst = logF, g, h, err, st
            if not tried:
                hv, hg, hh, herr, hst = _holonomic(a, b, x, nder, False)
                tried = True
            if hst == OK:
                return hv, hg, hh, herr, hst, USED_HOLONOMIC
        logF, g, h, err, st = _series_bingham(int(k2), int(p2), x, nder,
                                              rtol, max_pairs, True, strips)
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
        neg = 0.0
        for i in range(n):
            if x[i] < 0.0:
                neg -= x[i]
        if n < p2 and 2.0 * a / b * neg < 9.0:
            logF, g, h, err, st = _series_signed(a, b, x, nder, rtol,
                                                 max_pairs, strips)
            done = (st & ~NEGATIVE) == OK and err <= 1e-13 * max(1.0, abs(logF))
            if not done and err < berr:
                bv, bg, bh, berr, bst = logF, g, h, err, st
        if not done:
            logF, g, h, err, st = _series_bingham(int(k2), int(p2), x, nder,
                                                  rtol, max_pairs, False,
                                                  strips)
    else:
        logF, g, h, err, st = _series_signed(a, b, x, nder, rtol, max_pairs,
                                             strips)
    if not (err <= berr):
        logF, g, h, err, st = bv, bg, bh, berr, bst
    used = USED_SERIES
    if method == AUTO and (st & ~NEGATIVE) != OK:
        # large concentration beyond the series' budget: the holonomic
        # method, then the asymptotic approximation, whichever has the
        # smallest error estimate
        if not tried:
            hv, hg, hh, herr, hst = _holonomic(a, b, x, nder, False)
        # (or the series' derivatives were beyond its budget)
        if hst != NOT_APPLICABLE and (herr < err or (
                nder >= 1 and math.isnan(g[0]))):
            logF, g, h, err, st, used = hv, hg, hh, herr, hst, USED_HOLONOMIC
        if cst != NOT_APPLICABLE and (cerr < err or (
                nder >= 1 and math.isnan(g[0]))):
            logF, g, h, err, st, used = cv, cg, ch, cerr, cst, USED_CUT
        if bingham and (st & ~NEGATIVE) != OK:
            lv, lgr, lh, lerr, lst = _laplace_bingham(int(k2), int(p2), x, nder)
            if not (err <= lerr):
                return lv, lgr, lh, lerr, lst, USED_LAPLACE
    return logF, g, h, err, st, used


@jit
def evaluate_rows(a, b, x, nder, method, rtol, max_pairs, strips, rows,
                  logF, grad, hess, err, status, used, spent):
    """:func:`evaluate` on ``x[rows]``, written into the output arrays,
    which hold the branch-cut result of each row where ``used`` is
    ``USED_CUT`` (that result competes) and ``spent`` its time."""
    n = x.shape[1]
    for t in range(rows.shape[0]):
        r = rows[t]
        if used[r] == USED_CUT:
            cv, cerr, cst = logF[r], err[r], status[r]
            cg = grad[r].copy() if nder >= 1 else np.zeros(n)
            ch = hess[r].copy() if nder >= 2 else np.zeros((n, n))
        else:
            cv, cerr, cst = np.nan, np.inf, NOT_APPLICABLE
            cg = np.zeros(n)
            ch = np.zeros((n, n))
        v, g, h, e, st, u = evaluate(a[r], b[r], x[r], nder, method, rtol,
                                     max_pairs, strips, cv, cg, ch, cerr,
                                     cst, spent[r])
        logF[r] = v
        err[r] = e
        status[r] = st
        used[r] = u
        store_row(r, nder, g, h, grad, hess)
