"""Holonomic gradient method for 1F1(a; b; y) with few distinct eigenvalues.

``F = 1F1(a; b; y_1..y_m)`` satisfies Muirhead's system (Theorem 7.5.6)

    y_i F_ii + P_i F_i - 1/2 sum_{j != i} q_ij F_j = a F,
    P_i = b - (m-1)/2 - y_i + 1/2 sum_{j != i} y_i / (y_i - y_j),
    q_ij = y_j / (y_i - y_j),

so the vector ``G = (d^S F)_S`` of the 2^m square-free derivatives obeys a
closed linear system along any path that avoids ``y_i = 0`` and
``y_i = y_j``: ``d_i G_S = G_{S+i}`` for ``i`` not in ``S``, and for ``i`` in ``S``
the derivative ``d^(S-i) F_ii`` follows from the equation above differentiated
by ``d^(S-i)`` (a recursion over subsets, memoized by increasing bitmask).

Along the ray ``y(t) = t y`` the scaled vector ``t^|S| G_S`` satisfies
``t d/dt = A0 + t A1`` with constant matrices (every coefficient above is
homogeneous), so the only singular point on the ray is ``t = 0``.  The
system is integrated from a small ``t0``, where the zonal series with subset
derivatives gives ``G`` to full accuracy, to ``t = 1`` by Taylor steps: at
each point ``t`` the expansion in ``tau = t'/t`` has a recurrence with one
application of ``A0`` and ``A1`` per term and converges for steps below
``t``.  The growth rate of ``log F`` is taken out of every step and ``G`` is
renormalized by ``F`` after it, so huge concentrations neither overflow nor
shrink the steps below ``TAYLOR_REACH / sum |y|``.  Two integrations that
differ in start point and step ratio give the error estimate; rounding
injected near ``t0`` is what they see (solutions of the system that vanish
faster than ``F`` at 0 amplify it like a power of ``1/t0``).

The method is stable when ``F`` is the fastest-growing solution along the
ray (the other solutions grow at most like ``exp(t * sum over subsets of
y_i)``): the case of at most ``2a`` positive eigenvalues, e.g. a rank-r
Bingham concentration with ``r <= k``, or any Bingham spectrum with all
``p`` eigenvalues distinct once shifted so that exactly ``k`` are positive.
Elsewhere the two integrations disagree and the error estimate says so.
"""
import math

import numpy as np

from ._jit import jit
from .budget import expired
from .zonal import (count_tables, fill_strips, next_partition, num_parts,
                    pochhammer_ratio, strip_count)



# doubles in the starting series' table (E: partitions x variables x half
# the subsets), 800 MB
START_MEMORY = 100_000_000


@jit
def subset_series(a, b, x, m, kmax):
    """All square-free derivatives ``G[S] = d^S F(x)`` (``S`` a bitmask over
    the ``n`` variables) by the zonal series up to degree ``kmax`` with at
    most ``m`` parts, or fewer once two successive degrees change no
    component by more than 1e-18 of itself.  Returns ``(G, tail, byK)`` where
    ``tail`` is the last degree's contribution to ``G[0]`` (infinite where
    the work budget ended the sum), and ``byK``
    where ``byK[K, S]`` is degree ``K``'s contribution to ``G[S]`` (so that
    ``G`` at ``r x`` is ``sum_K r^(K - |S|) byK[K, S]``)."""
    n = x.shape[0]
    nsub = 1 << n
    cum, offset = count_tables(m, kmax)
    npart = offset[kmax + 1]
    half = 1 << (n - 1) if n > 1 else 1
    if expired() or npart * n * half > START_MEMORY:
        # no time, or a table beyond the memory cap: its allocation alone
        # took 1.1 s (k=6, p=12, twelve values to 10: 2^12 subsets, degree
        # 40, 6.4 GB, with 0.05 s left), more ran out of memory
        G = np.zeros(nsub)
        G[0] = 1.0
        return G, np.inf, np.zeros((kmax + 1, nsub))
    # E[p, v, S]: d^S C_kappa(x_1..x_v)/|kappa|!, S a subset of the first v
    E = np.zeros((npart, n, half))
    E[0, :, 0] = 1.0
    Q = np.zeros(npart)
    Q[0] = 1.0
    xp = np.zeros((kmax + 2, n))
    for v in range(n):
        xp[0, v] = 1.0
        for d in range(1, kmax + 1):
            xp[d, v] = xp[d - 1, v] * x[v] / d
    G = np.zeros(nsub)
    G[0] = 1.0
    kappa = np.zeros(m + 1, np.int64)
    nu = np.zeros(m + 1, np.int64)
    lo = np.zeros(m + 1, np.int64)
    gam = np.zeros(m + 1)
    acc = np.zeros((n + 1, nsub))
    plen = np.zeros(npart, np.int64)   # parts of each partition
    buf_mu = np.empty(64, np.int64)    # the strips of one partition
    buf_d = np.empty(64, np.int64)
    buf_w = np.empty(64)
    last = 0.0
    before = G.copy()
    byK = np.zeros((kmax + 1, nsub))
    byK[0, 0] = 1.0
    quiet = 0
    for K in range(1, kmax + 1):
        if expired():
            # (2^n subsets: k=5, p=10, a tie split into ten values took
            # 3 s before the first check of the integration)
            return G, np.inf, byK
        deg = 0.0
        for i in range(m + 1):
            kappa[i] = 0
        kappa[0] = K
        while True:
            length = num_parts(kappa, m)
            ik = pochhammer_ratio(kappa, length, K, m, a, b, Q, cum, offset,
                                  False)
            plen[ik] = length
            for v in range(n):
                for S in range(1 << (v + 1)):
                    acc[v + 1, S] = 0.0
            cnt = strip_count(kappa, m)
            if cnt > buf_mu.shape[0]:
                buf_mu = np.empty(2 * cnt, np.int64)
                buf_d = np.empty(2 * cnt, np.int64)
                buf_w = np.empty(2 * cnt)
            nstrips = fill_strips(kappa, length, m, K, cum, offset, nu, lo,
                                  gam, buf_mu, buf_d, buf_w, 0)
            for q in range(nstrips):
                im = buf_mu[q]
                d = buf_d[q]
                gm = buf_w[q]
                lmu = plen[im]
                # adding variable v (0-based) to a prefix of v variables
                for v in range(lmu, n):
                    w0 = gm * xp[d, v]
                    w1 = gm * xp[d - 1, v]
                    if v == 0:
                        if im == 0:
                            acc[1, 0] += w0
                            acc[1, 1] += w1
                        continue
                    # S without and with the new bit: two contiguous halves
                    bit = 1 << v
                    ev = E[im, v - 1]
                    av = acc[v + 1]
                    for S in range(bit):
                        av[S] += w0 * ev[S]
                    for S in range(bit):
                        av[bit + S] += w1 * ev[S]
            # prefix sums: the mu = kappa term keeps S without the new bit
            for v in range(n):
                bit = 1 << v
                for S in range(1 << (v + 1)):
                    prev = 0.0
                    if v > 0 and (S & bit) == 0:
                        prev = E[ik, v - 1, S]
                    val = prev + acc[v + 1, S]
                    if v < n - 1:
                        E[ik, v, S] = val
                    else:
                        G[S] += Q[ik] * val
                        if S == 0:
                            deg += Q[ik] * val
            if not next_partition(kappa, m):
                break
        last = abs(deg)
        change = 0.0
        for S in range(nsub):
            byK[K, S] = G[S] - before[S]
            if abs(G[S] - before[S]) > 1e-18 * abs(G[S]):
                change = 1.0
            before[S] = G[S]
        quiet = quiet + 1 if change == 0.0 and K > n else 0
        if quiet >= 2:
            break
    return G, last, byK


@jit
def _subset_sizes(n):
    """``|S|`` for every bitmask ``S`` over ``n`` variables."""
    size = np.zeros(1 << n, np.int64)
    for S in range(1 << n):
        for i in range(n):
            if S & (1 << i):
                size[S] += 1
    return size


@jit
def _ray_coefficients(y, b):
    """The degree-0 parts of Muirhead's coefficients at ``y``:
    ``P0_i = b - (m-1)/2 + 1/2 sum_j y_i/(y_i-y_j)``,
    ``q_ij = y_j/(2(y_i-y_j))`` and ``w_ij = y_i/(2(y_i-y_j)^2)``."""
    m = y.shape[0]
    P0 = np.empty(m)
    q = np.zeros((m, m))
    w = np.zeros((m, m))
    for i in range(m):
        s = b - 0.5 * (m - 1)
        for j in range(m):
            if j != i:
                d = y[i] - y[j]
                s += 0.5 * y[i] / d
                q[i, j] = 0.5 * y[j] / d
                w[i, j] = 0.5 * y[i] / (d * d)
        P0[i] = s
    return P0, q, w


@jit
def _apply(y, a, L, P0, q, w, v, D0, D1, out0, out1):
    """``out0 = A0 v`` and ``out1 = A1 v`` for the system
    ``tau dG/dtau = (A0 + tau A1) G`` of ``G_S(tau) = tau^|S| d^S F(tau y)
    exp(-L tau)``.  ``D0 + tau D1`` is the matching ``tau^(|T|+2) d^T F_ii``
    (``D[T, i]``, ``i`` not in ``T``), built by increasing ``T``."""
    m = y.shape[0]
    nsub = 1 << m
    for T in range(nsub):
        vT = v[T]
        for i in range(m):
            bi = 1 << i
            if T & bi:
                continue
            Ti = T | bi
            # Muirhead's equation i differentiated by d^T; the a F and y_i F_i
            # terms carry one more power of tau than the rest
            v0 = -P0[i] * v[Ti]
            v1 = a * vT + y[i] * v[Ti]
            for j in range(m):
                bj = 1 << j
                if T & bj:
                    Tj = T ^ bj
                    v0 += w[i, j] * (vT - v[Tj | bi]) + q[i, j] * D0[Tj, j]
                    v1 += q[i, j] * D1[Tj, j]
                elif j != i:
                    v0 += q[i, j] * v[T | bj]
            inv = 1.0 / y[i]
            D0[T, i] = v0 * inv
            D1[T, i] = v1 * inv
    for S in range(nsub):
        s0 = 0.0
        s1 = -L * v[S]
        c = 0
        for i in range(m):
            bi = 1 << i
            if S & bi:
                c += 1
                s0 += y[i] * D0[S ^ bi, i]
                s1 += y[i] * D1[S ^ bi, i]
            else:
                s0 += y[i] * v[S | bi]
        out0[S] = s0 + c * v[S]
        out1[S] = s1


# Taylor steps: a step from t to t (1 + r) converges for r < 1 (the system's
# only singularity along the ray is t = 0); r = 0.3 needs the fewest
# operator applications per unit of log t.  REACH bounds the exponential
# change over a step (|y| summed times the step), which keeps the
# cancellation in the Taylor sums of decaying components below e^REACH.
TAYLOR_RATIO = 0.3
TAYLOR_REACH = 8.0
TAYLOR_TOL = 1e-17
TAYLOR_PEAK = 64.0  # largest term / sum accepted in a step


@jit
def integrate(y1, a, b, t0, G0, ratio, max_passes):
    """Carry ``G = (d^S F / F)_S`` from ``t0 y1`` to ``y1`` by Taylor steps.

    Each step expands around the current point ``t`` in ``tau = t'/t``, where
    the system has constant coefficients, to degree where two successive
    terms fall below ``TAYLOR_TOL`` relative to the sum.  Returns
    ``(G, logscale, passes, ok)``: ``log F(y1) - log F(t0 y1) = logscale``.
    """
    m = y1.shape[0]
    nsub = 1 << m
    D0 = np.zeros((nsub, m))
    D1 = np.zeros((nsub, m))
    A0g = np.empty(nsub)
    A1g = np.empty(nsub)
    A1prev = np.empty(nsub)
    g = np.empty(nsub)
    acc = np.empty(nsub)
    yc = np.empty(m)
    size = _subset_sizes(m)
    G = G0 / G0[0]
    spread = 0.0
    for i in range(m):
        spread += abs(y1[i])
    logscale = 0.0
    t = t0
    passes = 0
    grow = 1.0
    while t < 1.0:
        if passes >= max_passes or expired():
            return G, logscale, passes, False
        for i in range(m):
            yc[i] = t * y1[i]
        P0, q, w = _ray_coefficients(yc, b)
        # growth rate d log F / d tau, taken out of the step
        L = 0.0
        for i in range(m):
            L += yc[i] * G[1 << i]
        r = min(grow * ratio, (1.0 - t) / t, TAYLOR_REACH / (spread * t))
        top0 = 0.0
        for S in range(nsub):
            top0 = max(top0, abs(G[S]))
        # the values change by at most about exp(TAYLOR_REACH) in a step
        limit = top0 * math.exp(TAYLOR_REACH + 1.0)
        while True:
            for S in range(nsub):
                g[S] = G[S]
                acc[S] = G[S]
                A1prev[S] = 0.0
            rk = 1.0
            small = 0
            k = 0
            peak = 0.0
            while small < 2:
                if passes >= max_passes:
                    return G, logscale, passes, False
                _apply(yc, a, L, P0, q, w, g, D0, D1, A0g, A1g)
                passes += 1
                rk *= r
                big = 0.0
                top = 0.0
                for S in range(nsub):
                    gn = (A0g[S] + A1g[S] - k * g[S] + A1prev[S]) / (k + 1)
                    A1prev[S] = A1g[S]
                    g[S] = gn
                    acc[S] += rk * gn
                    big = max(big, abs(gn))
                    top = max(top, abs(acc[S]))
                k += 1
                peak = max(peak, rk * big)
                if not peak <= TAYLOR_PEAK * limit:
                    break  # diverging: rejected below
                small = small + 1 if rk * big <= TAYLOR_TOL * top else 0
            # terms far above the values cancel: solutions of the system
            # that are singular at 0 (exponents down to about -b) have
            # Taylor coefficients that grow before they decay, and rounding
            # excites them; shorten the step
            if peak <= TAYLOR_PEAK * top and top <= limit:
                break
            r *= 0.5
            if r < 1e-6:
                return G, logscale, passes, False
        grow = min(1.0, 1.5 * r / ratio)
        h = r * t
        # back to d^S F at the new point (tau^|S| out), normalised by F
        t = t + h if t + h < 1.0 else 1.0
        sc = acc[0]
        if not (sc > 0.0 or sc < 0.0) or not math.isfinite(sc):
            return G, logscale, passes, False
        logscale += L * r + math.log(abs(sc))
        f = 1.0 / (1.0 + r)
        for S in range(nsub):
            G[S] = acc[S] / sc * f ** size[S]
    return G, logscale, passes, True


@jit
def _start_series(a, b, y, m_parts, factor):
    """The series at the start ``t0 = factor * s / sum |y|`` (``s`` at
    least 2, further out where the scalar bound ``(a)_K/(b)_K s^K / K!``
    stays below 1e-20 at degree ``START_DEGREE``, i.e. for large ``b``).
    Returns ``(t0, byK, ok)`` (see :func:`subset_series`)."""
    n = y.shape[0]
    s1 = 0.0
    for i in range(n):
        s1 += abs(y[i])
    lr = math.lgamma(b + START_DEGREE) - math.lgamma(b) \
        - math.lgamma(a + START_DEGREE) + math.lgamma(a)
    s = math.exp((math.log(1e-20) + math.lgamma(START_DEGREE + 1.0) + lr)
                 / START_DEGREE)
    t0 = min(1.0, factor * max(2.0, s) / s1) if s1 > 0.0 else 1.0
    # degree from the scalar bound (a)_K/(b)_K (t0 s1)^K / K! <= 1e-20
    term = 1.0
    K = 0
    while K < 60 and (K < 8 or term > 1e-20):
        term *= abs(a + K) / abs(b + K) * (t0 * s1) / (K + 1)
        K += 1
    G0, tail, byK = subset_series(a, b, t0 * y, m_parts, K)
    return t0, byK, tail <= 1e-17 * abs(G0[0])


@jit
def _start_values(byK, t_series, t0, size):
    """``G`` at ``t0 <= t_series`` from the series' degree contributions."""
    r = t0 / t_series
    G = np.zeros(byK.shape[1])
    for S in range(byK.shape[1]):
        v = 0.0
        for K in range(byK.shape[0] - 1, size[S] - 1, -1):
            v = v * r + byK[K, S]
        # Horner above gives sum_K r^(K - |S|) byK[K, S]
        G[S] = v
    return G


START_DEGREE = 20
# two integrations that differ in start and step give the error estimate
HGM_RUNS = ((2.0, TAYLOR_RATIO), (1.0, 0.5))


@jit
def hgm(a, b, y, m_parts, nder, max_passes, floor):
    """``log F``, gradient, Hessian and error estimate by the holonomic
    gradient method, for distinct nonzero ``y``.  ``floor`` scales the
    rounding part of the estimate (see below).

    Returns ``(logF, grad, hess, err, ok)``.
    """
    n = y.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    results = np.zeros(2)
    G = np.zeros(1 << n)
    ok = True
    passes1 = 0
    size = _subset_sizes(n)
    # one series, at the farther start; the other start from its degrees
    far = max(HGM_RUNS[0][0], HGM_RUNS[1][0])
    t_series, byK, good = _start_series(a, b, y, m_parts, far)
    if not good:
        return np.nan, grad, hess, np.inf, False
    for run in range(2):
        factor, ratio = HGM_RUNS[run]
        t0 = min(t_series, t_series * factor / far)
        G0 = _start_values(byK, t_series, t0, size)
        Gr, logscale, passes, done = integrate(y, a, b, t0, G0, ratio,
                                               max_passes)
        ok = ok and done
        if run == 0:
            G = Gr
            passes1 = passes
        results[run] = logscale + math.log(abs(G0[0]))
    logF = results[0]
    # the later start is the more accurate (errors grow like a power of
    # 1/t0); rounding that both runs share grows with the root of the
    # number of operator applications and with the size of log F and of y
    # (``floor`` times that: the callers' constants say what it covers)
    s1 = 0.0
    for i in range(n):
        s1 += abs(y[i])
    err = abs(results[0] - results[1]) \
        + floor * math.sqrt(max(passes1, 1)) * (abs(logF) + 1.0 + s1)
    if nder >= 1:
        for i in range(n):
            grad[i] = G[1 << i]
    if nder >= 2:
        # F_ii / F from Muirhead's equation at t = 1 (tau = 1: D0 + D1)
        P0, q, w = _ray_coefficients(y, b)
        D0 = np.zeros((1 << n, n))
        D1 = np.zeros((1 << n, n))
        out0 = np.zeros(1 << n)
        out1 = np.zeros(1 << n)
        _apply(y, a, 0.0, P0, q, w, G, D0, D1, out0, out1)
        for i in range(n):
            for j in range(n):
                if i == j:
                    hess[i, i] = D0[0, i] + D1[0, i] - grad[i] * grad[i]
                else:
                    hess[i, j] = G[(1 << i) | (1 << j)] - grad[i] * grad[j]
    return logF, grad, hess, err, ok
