"""Truncated zonal-polynomial series for 1F1(a; b; x) (Jack parameter 2).

The series is

    1F1(a; b; x) = sum_kappa (a)_kappa / (b)_kappa * C_kappa(x) / |kappa|!

over partitions ``kappa`` with at most ``m`` parts (``C_kappa`` vanishes for
more parts than variables, and ``(a)_kappa`` vanishes for more than ``2a``
parts when ``2a`` is a positive integer).

We follow the structure of Koev & Edelman (2006): Jack functions are built
one variable at a time through the branching rule

    J_kappa(x_1..x_v) = sum_mu J_mu(x_1..x_{v-1}) beta_{kappa mu} x_v^{|kappa/mu|}

over horizontal strips ``kappa/mu``, with ``beta`` updated one removed cell
at a time.  The stored quantity is ``E_kappa(v) = C_kappa(x_1..x_v)/|kappa|!``
(bounded by ``exp(sum |x|)``), so no factorials overflow; the strip weight is
``gamma = beta * alpha^d * j_mu * d! / j_kappa`` and multiplies
``x_v^d / d!``.

Partitions are stored in graded order (all of size 0, then size 1, ...) and
found by a ranking function, so the series is summed degree by degree and the
truncation is chosen from the decay of the degree sums.

Derivatives with respect to the last two variables are carried through the
recursion (``nder``); other partial derivatives are obtained by the caller
from permutations of the arguments (the function is symmetric).

Kernels assume valid input; validation lives in :mod:`bingham.special`.
"""
import math

import numpy as np

from ._jit import jit
from .budget import expired

ALPHA = 2.0


@jit
def count_tables(m, kmax):
    """Tables for ranking partitions with at most ``m`` parts.

    ``cnt[r, L, S]``: number of sequences ``L >= c_1 >= ... >= c_r >= 0`` with
    sum ``S``.  ``cum[r, u, S] = sum_{v < u} cnt[r, v, S - v]``.
    ``offset[S]``: number of partitions of size ``< S`` (at most m parts).
    """
    cnt = np.zeros((m + 1, kmax + 1, kmax + 1), np.int64)
    for L in range(kmax + 1):
        cnt[0, L, 0] = 1
    for r in range(1, m + 1):
        cnt[r, 0, 0] = 1
        for L in range(1, kmax + 1):
            for S in range(kmax + 1):
                c = cnt[r, L - 1, S]
                if S >= L:
                    c += cnt[r - 1, L, S - L]
                cnt[r, L, S] = c
    cum = np.zeros((m + 1, kmax + 2, kmax + 1), np.int64)
    for r in range(m + 1):
        for S in range(kmax + 1):
            acc = 0
            for u in range(1, kmax + 2):
                v = u - 1
                if v <= S:
                    acc += cnt[r, v, S - v]
                cum[r, u, S] = acc
    offset = np.zeros(kmax + 2, np.int64)
    for S in range(kmax + 1):
        offset[S + 1] = offset[S] + cnt[m, S, S]
    return cum, offset


@jit
def rank(kappa, m, size, cum, offset):
    """Index of the partition ``kappa`` (length-m array, zero padded)."""
    r = offset[size]
    rem = size
    for i in range(m):
        r += cum[m - 1 - i, kappa[i], rem]
        rem -= kappa[i]
    return r


@jit
def strip_factor(kappa, nu, length, g):
    """Update of the strip weight when the last cell ``(g, c)``, ``c = nu[g]``,
    of the current shape ``nu`` is removed:

        alpha * (beta_{kappa, nu - e_g} / beta_{kappa, nu})
              * (j_{nu - e_g} / j_nu)

    (the strip weight is ``beta * alpha^d * j_mu * d! / j_kappa``; the caller
    multiplies by ``d``).  ``nu`` equals ``kappa`` below row ``g`` and
    ``kappa/nu`` is a horizontal strip.

    Derived from the product formulas: ``beta`` changes in column ``c`` of
    ``kappa`` (untouched -> touched), column ``c`` of ``nu`` above row ``g``
    and row ``g`` of ``nu`` (arms shrink); ``j`` (the product of upper and
    lower hook lengths, ``(alpha a + l + 1)(alpha (a + 1) + l)``) changes in
    the same cells.  Over the column segments of row ``g`` with equal leg
    length the products telescope, leaving O(length) factors and one
    division.  Checked against the product formulas by the series tests
    (Kummer's relation, exact references).
    """
    a = ALPHA
    c = nu[g]
    num = a
    den = 1.0
    # column c of kappa: rows 0..g
    for i in range(g + 1):
        L = float(g - i)
        A = float(kappa[i] - c)
        num *= L + 1.0 + a * A
        den *= L + a * (A + 1.0)
    # column c of nu above row g
    for i in range(g):
        L = float(g - i)
        A = float(nu[i] - c)
        num *= a * (A + 1.0) + L - 1.0
        den *= a * A + L + 1.0
    # row g: segments c' in (kappa[g+t+1], kappa[g+t]] (leg t), arms a0..a1
    t = 0
    while g + t < length:
        hi = kappa[g + t] if t > 0 else c - 1
        lo = kappa[g + t + 1] if g + t + 1 < length else 0
        if hi > lo:
            L = float(t)
            num *= a * (float(c - hi) - 1.0) + L + 1.0
            den *= a * float(c - lo - 1) + L + 1.0
        t += 1
    return num / den


@jit(inline="always")
def num_parts(kappa, m):
    """Number of nonzero parts of ``kappa`` (at most ``m``, zero padded)."""
    length = 0
    while length < m and kappa[length] > 0:
        length += 1
    return length


@jit
def next_partition(kappa, m):
    """Advance ``kappa`` (at most ``m`` parts, zero padded) to the next
    partition of the same size in reverse lexicographic order; False when
    ``kappa`` was the last one."""
    length = num_parts(kappa, m)
    j = length - 1
    rest = 0
    while j >= 0 and kappa[j] == 1:
        rest += 1
        kappa[j] = 0
        j -= 1
    while j >= 0:
        # lower kappa[j] by one and refill the tail greedily with parts <= it
        val = kappa[j] - 1
        total = rest + 1
        if (m - j - 1) * val >= total:
            kappa[j] = val
            p = j + 1
            while total > 0:
                take = val if total > val else total
                kappa[p] = take
                total -= take
                p += 1
            # entries past the old length are zero already
            while p < length:
                kappa[p] = 0
                p += 1
            return True
        # the tail cannot hold it: fold kappa[j] into the rest, move left
        rest += kappa[j]
        kappa[j] = 0
        j -= 1
        while j >= 0 and kappa[j] == 1:
            rest += 1
            kappa[j] = 0
            j -= 1
    return False


@jit
def first_strip(kappa, nu, lo, gam, length):
    """Start the enumeration of the horizontal strips of ``kappa`` at
    ``nu = kappa`` (nothing removed, weight 1)."""
    for i in range(kappa.shape[0]):
        nu[i] = kappa[i]
    for i in range(length):
        lo[i] = kappa[i + 1]
        gam[i] = 1.0


@jit(inline="always")
def next_strip(kappa, nu, lo, gam, length, d):
    """Advance ``nu`` to the next ``mu`` with ``kappa/mu`` a horizontal strip
    (an odometer over rows, last row fastest) and update the strip weights
    ``gam`` (``gam[length-1]`` is the weight of ``mu``).  ``d`` is the number
    of removed cells before the call; returns it after, or -1 when done."""
    r = length - 1
    while r >= 0 and nu[r] == lo[r]:
        d -= kappa[r] - nu[r]
        nu[r] = kappa[r]
        r -= 1
    if r < 0:
        return -1
    base = gam[r]
    if nu[r] == kappa[r]:
        base = gam[r - 1] if r > 0 else 1.0
    ratio = strip_factor(kappa, nu, length, r)
    d += 1
    nu[r] -= 1
    gam[r] = base * ratio * d
    for h in range(r + 1, length):
        gam[h] = gam[r]
    return d


@jit
def pochhammer_ratio(kappa, length, K, m, a, b, Q, cum, offset, upper):
    """Store ``Q[kappa] = (a)_kappa / (b)_kappa`` (``upper``: ``(a)_kappa
    (b)_kappa``, the coefficients of ``2F0(a, b; ; x)``) from ``kappa``
    minus its last cell; returns the index of ``kappa``."""
    ik = rank(kappa, m, K, cum, offset)
    g = length - 1
    kappa[g] -= 1
    ip = rank(kappa, m, K - 1, cum, offset)
    kappa[g] += 1
    c = kappa[g] - 1 - g / ALPHA
    if upper:
        Q[ik] = Q[ip] * ((a + c) * (b + c))
    else:
        Q[ik] = Q[ip] * (a + c) / (b + c)
    return ik


@jit
def fill_strips(kappa, length, m, K, cum, offset, nu, lo, gam, mu, dd,
                weight, q):
    """Write the horizontal strips ``kappa/mu`` (``mu != kappa``) of the
    partition ``kappa`` of size ``K`` into ``mu`` (graded index), ``dd``
    (cells removed) and ``weight`` from position ``q``; returns the position
    after the last.  ``nu``, ``lo``, ``gam`` are scratch arrays."""
    first_strip(kappa, nu, lo, gam, length)
    d = 0
    while True:
        d = next_strip(kappa, nu, lo, gam, length, d)
        if d < 0:
            break
        mu[q] = rank(nu, m, K - d, cum, offset)
        dd[q] = d
        weight[q] = gam[length - 1]
        q += 1
    return q


@jit(inline="always")
def strip_count(kappa, m):
    """Number of partitions ``mu != kappa`` with ``kappa/mu`` a horizontal
    strip: ``prod_i (kappa_i - kappa_{i+1} + 1) - 1``."""
    prod = 1
    for i in range(m):
        if kappa[i] == 0:
            # the zero tail contributes factors of 1 (O(length), not O(m))
            break
        prod *= kappa[i] - kappa[i + 1] + 1
    return prod - 1


def no_strips(m=-1):
    """An empty strip table that cannot grow (plain numpy: creating it
    compiles nothing)."""
    return new_strips(m, 0, 0)


def new_strips(m, partitions, capacity):
    """An empty strip table for :func:`zonal_series`: room for the strips
    of the first ``partitions`` partitions (graded order) with at most ``m``
    parts, ``capacity`` strips in all.

    The horizontal strips ``kappa/mu`` (``mu != kappa``) and their weights
    depend on neither the arguments nor ``a, b``, so one table serves every
    call with the same ``m``: a call that sums a degree beyond the table
    records that degree's strips into it as it enumerates them, and later
    calls read them instead.  ``(m, start, stop, mu, d, weight, meta)``:
    the strips of the partition of graded index ``i`` are entries
    ``start[i]:stop[i]``; ``meta = [degree, strips]`` complete so far.
    14 bytes per strip (degree 40 with m = 3: 0.38 million strips, 5 MB);
    the arrays are allocated empty, so only what is filled takes memory.
    """
    return (m, np.zeros(partitions, np.int64), np.zeros(partitions, np.int64),
            np.empty(capacity, np.int32), np.empty(capacity, np.int16),
            np.empty(capacity), np.zeros(2, np.int64))


@jit
def zonal_series(a, b, x, m, kmax, nder, rtol, min_degree, max_work, strips,
                 upper):
    """Sum the series degree by degree up to ``kmax``, or until the work
    (strip pairs times ``n + m``) passes ``max_work``.  ``upper``: the
    series of ``2F0(a, b; ; x)`` instead (both parameters upper; an
    asymptotic series, summed while its degree sums decay: see
    :mod:`.large_argument`).

    ``strips`` is a strip table from :func:`new_strips` (or
    :func:`no_strips`): degrees it holds, for the same ``m``, skip the
    enumeration of the horizontal strips (three quarters of the time at
    ``n = 10``), and the next degree is recorded into it if it fits.

    Returns ``(out, info)``: ``out[0:6] = F, dF/dx_n, d2F/dx_n2, dF/dx_{n-1},
    d2F/dx_{n-1}^2, d2F/dx_{n-1}dx_n`` (derivatives only as far as ``nder``
    asks), ``info = [tail_estimate, abs_sum, converged, degree_used, ratio,
    work]`` (``ratio``: the last decay ratio of the degree sums per degree,
    from sums over two consecutive degrees; ``work``: strip pairs times
    ``n + m``).
    ``tail_estimate`` bounds the neglected tail of ``F`` (geometric bound from
    the last degree sums, heuristic); ``abs_sum`` is the sum of the absolute
    values of all terms (for the rounding-error estimate).
    """
    n = x.shape[0]
    out = np.zeros(6)
    info = np.zeros(6)
    decay = 1.0
    cum, offset = count_tables(m, kmax)
    npart = offset[kmax + 1]
    ncol = max(n, 1)
    E = np.zeros((npart, ncol))
    Q = np.zeros(npart)
    D1 = np.zeros(npart)
    D2 = np.zeros(npart)
    # powers x_v^d / d!
    # xp[d, v] = x_v^d / d!  (contiguous in v for the inner loop)
    xp = np.zeros((kmax + 1, n))
    for v in range(n):
        xp[0, v] = 1.0
        for d in range(1, kmax + 1):
            xp[d, v] = xp[d - 1, v] * x[v] / d
    E[0, :] = 1.0
    Q[0] = 1.0
    F = 1.0
    Fn = 0.0
    Fnn = 0.0
    Fm = 0.0
    Fmm = 0.0
    Fmn = 0.0
    abs_sum = 1.0
    pairs = 0.0
    prev1 = -1.0
    prev2 = -1.0
    prev3 = -1.0
    prev4 = 0.0
    converged = False
    tail = 0.0
    used = 0
    kappa = np.zeros(m + 1, np.int64)
    nu = np.zeros(m + 1, np.int64)
    lo = np.zeros(m + 1, np.int64)
    gam = np.zeros(m + 1)
    acc = np.zeros(ncol + 1)
    plen = np.zeros(npart, np.int64)
    buf_mu = np.empty(64, np.int32)
    buf_d = np.empty(64, np.int16)
    buf_w = np.empty(64)
    tab_m, tab_start, tab_stop, tab_mu, tab_d, tab_w, tab_meta = strips
    mine = tab_m == m
    for K in range(1, kmax + 1):
        # degrees up to tab_meta[0] are in the table; the next one is
        # recorded into it while it is enumerated, if it fits
        tab_degree = tab_meta[0] if mine else 0
        record = (mine and K == tab_degree + 1
                  and offset[K + 1] <= tab_start.shape[0])
        filled = tab_meta[1]
        deg_sum = 0.0
        deg_abs = 0.0
        # enumerate partitions of K with at most m parts: start at (K)
        for i in range(m + 1):
            kappa[i] = 0
        kappa[0] = K
        while True:
            length = num_parts(kappa, m)
            ik = pochhammer_ratio(kappa, length, K, m, a, b, Q, cum, offset,
                                  upper)
            plen[ik] = length
            # strip enumeration
            for v in range(ncol + 1):
                acc[v] = 0.0
            fs = 0.0
            fn = 0.0
            fnn = 0.0
            fm = 0.0
            fmm = 0.0
            fmn = 0.0
            d1 = 0.0
            d2 = 0.0
            cnt = strip_count(kappa, m)
            if record and filled + cnt > tab_mu.shape[0]:
                record = False   # the table is full
            if K <= tab_degree:
                # the strips of kappa from the table: S_* are its arrays
                q0 = tab_start[ik]
                q1 = tab_stop[ik]
                S_mu = tab_mu
                S_d = tab_d
                S_w = tab_w
            else:
                # enumerate them into the table or the scratch arrays
                if record:
                    S_mu = tab_mu
                    S_d = tab_d
                    S_w = tab_w
                    q0 = filled
                else:
                    if cnt > buf_mu.shape[0]:
                        buf_mu = np.empty(2 * cnt, np.int32)
                        buf_d = np.empty(2 * cnt, np.int16)
                        buf_w = np.empty(2 * cnt)
                    S_mu = buf_mu
                    S_d = buf_d
                    S_w = buf_w
                    q0 = 0
                q1 = fill_strips(kappa, length, m, K, cum, offset, nu, lo,
                                 gam, S_mu, S_d, S_w, q0)
                if record:
                    tab_start[ik] = q0
                    tab_stop[ik] = q1
                    filled = q1
            pairs += q1 - q0
            for q in range(q0, q1):
                im = S_mu[q]
                d = S_d[q]
                gm = S_w[q]
                lmu = plen[im]
                vstart = lmu + 1
                for v in range(vstart, n):
                    # E_kappa(v) gets gamma * E_mu(v-1) * x_v^d/d!
                    acc[v] += gm * E[im, v - 1] * xp[d, v - 1]
                if lmu <= n - 1:
                    e_last = gm * E[im, n - 1]
                    fs += e_last * xp[d, n - 1]
                    if nder >= 1:
                        fn += e_last * xp[d - 1, n - 1]
                        if d >= 2:
                            fnn += e_last * xp[d - 2, n - 1]
                    if nder >= 2:
                        fm += gm * D1[im] * xp[d, n - 1]
                        fmm += gm * D2[im] * xp[d, n - 1]
                        fmn += gm * D1[im] * xp[d - 1, n - 1]
                if nder >= 2 and n >= 2 and lmu <= n - 2:
                    e2 = gm * E[im, n - 2]
                    d1 += e2 * xp[d - 1, n - 2]
                    if d >= 2:
                        d2 += e2 * xp[d - 2, n - 2]
            # prefix over variables: the mu = kappa term
            E[ik, 0] = 0.0
            for v in range(1, n):
                E[ik, v] = E[ik, v - 1] + acc[v]
            D1[ik] = d1
            D2[ik] = d2
            ekn = E[ik, n - 1] + fs
            term = Q[ik] * ekn
            deg_sum += term
            deg_abs += abs(term)
            if nder >= 1:
                Fn += Q[ik] * fn
                Fnn += Q[ik] * fnn
            if nder >= 2:
                Fm += Q[ik] * (d1 + fm)
                Fmm += Q[ik] * (d2 + fmm)
                Fmn += Q[ik] * fmn
            if not next_partition(kappa, m):
                break
        if record:
            # degree K is complete in the table
            tab_meta[1] = filled
            tab_meta[0] = K
        F += deg_sum
        abs_sum += deg_abs
        used = K
        if K >= min_degree and prev3 >= 0.0:
            # decay over two degrees of the sums of two consecutive degree
            # sums: a spectrum symmetric about 0 has vanishing odd degrees,
            # which would stall a one-degree ratio
            pair = deg_abs + prev1
            r1 = pair / (prev2 + prev3) if prev2 + prev3 > 0.0 else 0.0
            r2 = (prev1 + prev2) / (prev3 + prev4) if prev3 + prev4 > 0.0 else r1
            rho = max(r1, r2)
            decay = math.sqrt(rho)
            if upper and rho >= 1.0:
                # 2F0's sums grow again: the asymptotic series is past its
                # smallest term, and no degree further helps (k=4, p=6,
                # [30.00003, 30]: it ran to the work budget, 0.7 s)
                break
            if rho < 1.0:
                tail = pair * rho / (1.0 - rho)
                # mixed signs: no need to truncate far below the rounding
                # error of the sum (about eps times the sum of |terms|)
                if tail <= rtol * abs_sum or pair == 0.0:
                    converged = True
                    break
        prev4 = prev3
        prev3 = prev2
        prev2 = prev1
        prev1 = deg_abs
        if pairs * (n + m) > max_work or expired():
            break
    if not converged:
        last = max(prev1, 0.0) + max(prev2, 0.0)
        tail = last if last > 0.0 else abs_sum
    out[0] = F
    out[1] = Fn
    out[2] = Fnn
    out[3] = Fm
    out[4] = Fmm
    out[5] = Fmn
    info[0] = tail
    info[1] = abs_sum
    info[2] = 1.0 if converged else 0.0
    info[3] = used
    info[4] = decay
    info[5] = pairs * (n + m)
    return out, info


@jit
def series_work(m, kmax):
    """``(partitions, strip_pairs)`` summed by :func:`zonal_series` up to
    degree ``kmax``: the memory and time it will take, without doing it.

    Counted in closed form per partition: the number of horizontal strips of
    ``kappa`` is ``prod_i (kappa_i - kappa_{i+1} + 1)``.
    """
    kappa = np.zeros(m + 1, np.int64)
    parts = 0
    pairs = 0.0
    for K in range(kmax + 1):
        for i in range(m + 1):
            kappa[i] = 0
        kappa[0] = K
        while True:
            parts += 1
            pairs += strip_count(kappa, m) + 1.0
            if K == 0 or not next_partition(kappa, m):
                break
    return parts, pairs
