"""The zonal series' paths for one input of ``log 1F1(a; b; x)``: on the
given eigenvalues (Kummer's relation for all-negative ones), in the Bingham
case on the shifted spectrum (every term positive) or centred, with the
truncation degree chosen within the memory cap and the work budget, and the
derivatives mapped back.  Called by the last tier of ``method="auto"``
(:mod:`.dispatch`) and for ``method="series"``."""
import math

import numpy as np

from ._jit import jit
from .budget import uncharged
from .codes import NEGATIVE, NOT_CONVERGED, OK, TOO_COSTLY
from .zonal import series_work, zonal_series

_EPS = 2.220446049250313e-16
MEMORY_CAP = 60_000_000  # doubles in the partition table
MIN_DEGREE = 6
DERIV_MIN_WORK = 1e8


@jit
def is_int(v):
    """An integer-valued float within int64's exact range (``2a = 1e300``
    is not: it would wrap to a negative part count)."""
    return abs(v) < 9007199254740992.0 and v == math.floor(v)


@jit
def max_parts(a, n):
    """Partitions longer than ``2a`` vanish when ``2a`` is a positive integer."""
    if a > 0.0 and is_int(2.0 * a):
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


@jit(inline="always")
def _cut_short(info, kd):
    """Whether a derivative run of :func:`.zonal.zonal_series` stopped
    before it converged or reached its degree ``kd``: the work budget
    (:mod:`.budget`) ended it, and its partial sums are no derivative (they
    were returned as one: k=5, p=128, ``[9.48, -30, -4.12, -4.12]``, a
    gradient of -0.32 for the tie, certified value)."""
    return info[2] == 0.0 and info[3] < kd


@jit(inline="always")
def _lost_derivatives(logF, grad, hess, err, status):
    """The value with NaN derivatives and the status that says the
    derivatives needed more work than allowed (the caller warns, or takes
    another method's)."""
    grad[:] = np.nan
    hess[:, :] = np.nan
    return logF, grad, hess, err, TOO_COSTLY | (status & NEGATIVE)


@jit
def _series(a, b, x, nvar, nder, rtol, max_pairs, strips, upper):
    """Series evaluation with derivatives by permutation of the arguments.

    Derivatives are taken with respect to the first ``nvar`` arguments only.
    ``upper``: the series of ``2F0(a, b; ; x)`` (:mod:`.large_argument`).

    The value is summed until the tail estimate meets ``rtol`` or the work
    (strip pairs times ``n + m``) exceeds ``max_pairs``.
    Returns ``(logF, grad, hess, err, status)``.
    """
    n = x.shape[0]
    grad = np.zeros(nvar)
    hess = np.zeros((nvar, nvar))
    if n == 0:
        return 0.0, grad, hess, 0.0, OK
    m = max_parts(a, n)
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
    # (the first-degree term over its argument: 2F0's is a b)
    klow = abs(a * b if upper else a / b) * s1
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
                                 strips, upper)
        F = out[0]
        status = OK if info[2] > 0.0 else TOO_COSTLY
        # (2F0 stops where its sums grow: a higher degree does not help)
        if status == OK or kmax < kwant or info[5] > max_pairs or upper:
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
        return _lost_derivatives(logF, grad, hess, err, status)
    y = np.empty(n)
    if nder == 1 and n >= 2 and nvar >= 2:
        for i in range(0, nvar, 2):
            # x_i and x_j last (the last variable alone when nvar is odd:
            # then paired with the variable before it, computed twice)
            j = i + 1 if i + 1 < nvar else i - 1
            _put_last(x, j, i, y)
            out, info = zonal_series(a, b, y, m, kd, 2, rtol, MIN_DEGREE,
                                     np.inf, strips, upper)
            if _cut_short(info, kd):
                return _lost_derivatives(logF, grad, hess, err, status)
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
            out, info = zonal_series(a, b, y, m, kd, 1, rtol, MIN_DEGREE,
                                     np.inf, strips, upper)
            if _cut_short(info, kd):
                return _lost_derivatives(logF, grad, hess, err, status)
            grad[j] = out[1] / out[0]
            if nder >= 2:
                hess[j, j] = out[2] / out[0] - grad[j] * grad[j]
        return logF, grad, hess, err, status
    # nder == 2, n >= 2: every pair (i, j) last gives both first derivatives,
    # both second derivatives and the mixed one
    for i in range(nvar):
        for j in range(i + 1, nvar):
            _put_last(x, i, j, y)
            out, info = zonal_series(a, b, y, m, kd, 2, rtol, MIN_DEGREE,
                                     np.inf, strips, upper)
            if _cut_short(info, kd):
                return _lost_derivatives(logF, grad, hess, err, status)
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


def kummer_first(x):
    """Whether :func:`series_signed` applies Kummer's relation to ``x``:
    every eigenvalue non-positive and one negative."""
    return bool(x.size) and bool((x <= 0.0).all()) and bool((x < 0.0).any())


def series_signed(a, b, x, nder, rtol, max_pairs, strips):
    """Series on arguments of one sign: Kummer's relation turns non-positive
    arguments into non-negative ones (all terms positive when a, b allow).

    Plain Python around the compiled :func:`_series`, compiled outside the
    input's budget (:func:`.budget.uncharged`): compiled, this wrapper
    linked and optimised ``_series`` once more, about 1 s of a cold start
    for a microsecond saved."""
    n = x.shape[0]
    if kummer_first(x):
        logF, grad, hess, err, status = uncharged(
            _series, b - a, b, -x, n, nder, rtol, max_pairs, strips, False)
        s = float(x.sum())
        return (logF + s, 1.0 - grad, hess, err + 4.0 * _EPS * abs(s),
                status)
    return uncharged(_series, a, b, x, n, nder, rtol, max_pairs, strips,
                     False)


@jit
def series_bingham(k, p, x, nder, rtol, max_pairs, centred, strips):
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
        logF, g, h, err, status = centered_series(
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
                                          max_pairs, strips, False)
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
def centre_pays(k, p, x):
    """Whether the plain shifted series of a Bingham spectrum peaks late
    enough for the centred one to be tried (the test that opens
    :func:`centered_series`)."""
    n = x.shape[0]
    lo, hi = _full_range(p, x)
    total = 0.0
    for i in range(p):
        xi = x[i] if i < n else 0.0
        total += (xi - lo) if k <= p - k else (hi - xi)
    return min(k, p - k) / p * total >= CENTRE_FROM


@jit
def centered_series(aa, b, sign, full, ref, shift, n, nder, rtol,
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
                                          strips, False)
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
