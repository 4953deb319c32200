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

Along the ray ``y(t) = t y`` the system is integrated from a small ``t0``,
where the zonal series with subset derivatives gives ``G`` to full accuracy,
to ``t = 1`` with an adaptive Dormand-Prince 5(4) method.  ``G`` is carried
scaled by ``exp(-integral of L)`` with ``L`` the current growth rate of
``log F`` (renewed every step), so the integrator follows a nearly constant
vector instead of a steep exponential, and renormalized whenever it leaves
[1e-100, 1e100] (the system is linear); huge concentrations neither overflow
nor force tiny steps.  Two integrations with tolerances a factor
of 100 apart give the error estimate.

The method is stable when ``F`` is the fastest-growing solution along the
ray (the other solutions grow at most like ``exp(t * sum over subsets of
y_i)``): the case of at most ``2a`` positive eigenvalues, e.g. a rank-r
Bingham concentration with ``r <= k``.  Elsewhere the two integrations
disagree and the error estimate says so.
"""
import math

import numpy as np

from ._jit import jit
from .zonal import (count_tables, first_strip, next_partition, next_strip,
                    num_parts, pochhammer_ratio, rank)



@jit
def subset_series(a, b, x, m, kmax):
    """All square-free derivatives ``G[S] = d^S F(x)`` (``S`` a bitmask over
    the ``n`` variables) by the zonal series up to degree ``kmax`` with at
    most ``m`` parts.  Returns ``(G, tail)`` where ``tail`` bounds the last
    degree's contribution to ``G[0]``."""
    n = x.shape[0]
    nsub = 1 << n
    cum, offset = count_tables(m, kmax)
    npart = offset[kmax + 1]
    half = 1 << (n - 1) if n > 1 else 1
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
    last = 0.0
    for K in range(1, kmax + 1):
        deg = 0.0
        for i in range(m + 1):
            kappa[i] = 0
        kappa[0] = K
        while True:
            length = num_parts(kappa, m)
            ik = pochhammer_ratio(kappa, length, K, m, a, b, Q, cum, offset)
            acc[:, :] = 0.0
            first_strip(kappa, nu, lo, gam, length)
            d = 0
            while True:
                d = next_strip(kappa, nu, lo, gam, length, d)
                if d < 0:
                    break
                gm = gam[length - 1]
                lmu = num_parts(nu, m)
                im = rank(nu, m, K - d, cum, offset)
                # adding variable v (0-based) to a prefix of v variables
                for v in range(lmu, n):
                    w0 = gm * xp[d, v]
                    w1 = gm * xp[d - 1, v]
                    bit = 1 << v
                    for S in range(1 << v):
                        e = E[im, v - 1, S] if v > 0 else (1.0 if (im == 0 and S == 0) else 0.0)
                        if e != 0.0:
                            acc[v + 1, S] += w0 * e
                            acc[v + 1, S | bit] += w1 * e
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
    return G, last


@jit
def _rhs(y1, t, a, b, L, H, out, Dm):
    """``dH/dt`` for ``H = G exp(-integral of L)`` along ``y = t y1``."""
    m = y1.shape[0]
    nsub = 1 << m
    y = t * y1
    P = np.empty(m)
    for i in range(m):
        s = b - 0.5 * (m - 1) - y[i]
        for j in range(m):
            if j != i:
                s += 0.5 * y[i] / (y[i] - y[j])
        P[i] = s
    # Dm[i, T] = d^T F_ii (scaled like H) for i not in T, by increasing T
    for T in range(nsub):
        for i in range(m):
            bi = 1 << i
            if T & bi:
                continue
            val = a * H[T] - P[i] * H[T | bi]
            for j in range(m):
                if j == i:
                    continue
                bj = 1 << j
                dij = y[i] - y[j]
                q = y[j] / dij
                if T & bj:
                    # d_j P_i and d_j q_ij terms, and the recursive F_jj
                    val -= 0.5 * y[i] / (dij * dij) * H[(T & ~bj) | bi]
                    val += 0.5 * q * Dm[j, T & ~bj]
                    val += 0.5 * y[i] / (dij * dij) * H[T]
                else:
                    val += 0.5 * q * H[T | bj]
            Dm[i, T] = val / y[i]
    for S in range(nsub):
        s = -L * H[S]
        for i in range(m):
            bi = 1 << i
            if S & bi:
                s += y1[i] * Dm[i, S & ~bi]
            else:
                s += y1[i] * H[S | bi]
        out[S] = s


# Dormand-Prince 5(4) tableau
_C2, _C3, _C4, _C5 = 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0
_A21 = 1.0 / 5.0
_A31, _A32 = 3.0 / 40.0, 9.0 / 40.0
_A41, _A42, _A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
_A51, _A52, _A53, _A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
_A61, _A62, _A63, _A64, _A65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
_B1, _B3, _B4, _B5, _B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
_E1, _E3, _E4, _E5, _E6, _E7 = (71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0,
                                -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0)


@jit
def integrate(y1, a, b, L, t0, H0, rtol, max_steps):
    """Integrate ``H`` from ``t0`` to 1 (``L``: initial growth rate taken
    out).  Returns ``(H, logscale, steps, ok)``: the solution is
    ``H * exp(logscale)``."""
    m = y1.shape[0]
    nsub = 1 << m
    H = H0.copy()
    Dm = np.zeros((m, nsub))
    k1 = np.empty(nsub)
    k2 = np.empty(nsub)
    k3 = np.empty(nsub)
    k4 = np.empty(nsub)
    k5 = np.empty(nsub)
    k6 = np.empty(nsub)
    k7 = np.empty(nsub)
    tmp = np.empty(nsub)
    t = t0
    h = 1e-3 * (1.0 - t0)
    logscale = 0.0
    _rhs(y1, t, a, b, L, H, k1, Dm)
    steps = 0
    while t < 1.0 and steps < max_steps:
        if t + h > 1.0:
            h = 1.0 - t
        for s in range(nsub):
            tmp[s] = H[s] + h * _A21 * k1[s]
        _rhs(y1, t + _C2 * h, a, b, L, tmp, k2, Dm)
        for s in range(nsub):
            tmp[s] = H[s] + h * (_A31 * k1[s] + _A32 * k2[s])
        _rhs(y1, t + _C3 * h, a, b, L, tmp, k3, Dm)
        for s in range(nsub):
            tmp[s] = H[s] + h * (_A41 * k1[s] + _A42 * k2[s] + _A43 * k3[s])
        _rhs(y1, t + _C4 * h, a, b, L, tmp, k4, Dm)
        for s in range(nsub):
            tmp[s] = H[s] + h * (_A51 * k1[s] + _A52 * k2[s] + _A53 * k3[s] + _A54 * k4[s])
        _rhs(y1, t + _C5 * h, a, b, L, tmp, k5, Dm)
        for s in range(nsub):
            tmp[s] = H[s] + h * (_A61 * k1[s] + _A62 * k2[s] + _A63 * k3[s]
                                 + _A64 * k4[s] + _A65 * k5[s])
        _rhs(y1, t + h, a, b, L, tmp, k6, Dm)
        for s in range(nsub):
            tmp[s] = H[s] + h * (_B1 * k1[s] + _B3 * k3[s] + _B4 * k4[s]
                                 + _B5 * k5[s] + _B6 * k6[s])
        _rhs(y1, t + h, a, b, L, tmp, k7, Dm)
        # error norm relative to the size of each component and of H[0]
        err = 0.0
        for s in range(nsub):
            e = h * (_E1 * k1[s] + _E3 * k3[s] + _E4 * k4[s] + _E5 * k5[s]
                     + _E6 * k6[s] + _E7 * k7[s])
            sc = rtol * (max(abs(H[s]), abs(tmp[s])) + 1e-3 * abs(H[0]))
            r = abs(e) / sc
            if r > err:
                err = r
        steps += 1
        if err <= 1.0:
            t += h
            # H carries G exp(-integral of L): the growth rate of log F is
            # taken out step by step (explicit Runge-Kutta resolves a
            # growing exponential only with steps of about 1/rate)
            logscale += L * h
            big = 0.0
            for s in range(nsub):
                H[s] = tmp[s]
                k1[s] = k7[s]
                big = max(big, abs(H[s]))
            if big > 1e100 or big < 1e-100:
                # the system is linear: rescale and keep the log of the scale
                logscale += math.log(big)
                for s in range(nsub):
                    H[s] /= big
                    k1[s] /= big
            if H[0] != 0.0:
                # new rate: d log F / dt = sum_i y1_i F_i / F; the right-hand
                # side is linear in L, so the FSAL stage is corrected exactly
                Ln = 0.0
                for i in range(m):
                    Ln += y1[i] * H[1 << i] / H[0]
                for s in range(nsub):
                    k1[s] -= (Ln - L) * H[s]
                L = Ln
        fac = 0.9 * (1.0 / max(err, 1e-10)) ** 0.2
        h *= min(5.0, max(0.2, fac))
    return H, logscale, steps, t >= 1.0


@jit
def hgm(a, b, y, m_parts, nder, rtol):
    """``log F``, gradient, Hessian and error estimate by the holonomic
    gradient method, for distinct nonzero ``y`` (at most 10 of them).

    Returns ``(logF, grad, hess, err, ok)``.
    """
    n = y.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))

    s1 = 0.0
    for i in range(n):
        s1 += abs(y[i])
    t0 = min(1.0, 1.5 / s1) if s1 > 0.0 else 1.0
    G0, tail = subset_series(a, b, t0 * y, m_parts, 40)
    if not (tail <= 1e-17 * abs(G0[0])):
        return np.nan, grad, hess, np.inf, False
    H0 = G0 / G0[0]
    L = 0.0  # initial growth rate of log F along the ray
    for i in range(n):
        L += y[i] * H0[1 << i]
    results = np.zeros(2)
    Hs = np.zeros((2, 1 << n))
    ok = True
    for run in range(2):
        tol = rtol if run == 0 else rtol * 100.0  # run 1: the error estimate
        H, logscale, steps, done = integrate(y, a, b, L, t0, H0, tol, 200000)
        ok = ok and done
        Hs[run] = H
        results[run] = (math.log(abs(H[0])) + logscale + math.log(abs(G0[0]))
                        if H[0] != 0.0 else np.nan)
    H = Hs[0]
    logF = results[0]
    # the two runs share the starting values and much of the rounding: a
    # relative floor of 4e-14 (measured errors reach 3e-15 relative)
    err = abs(results[0] - results[1]) + 4e-14 * (abs(logF) + 1.0)
    if nder >= 1:
        for i in range(n):
            grad[i] = H[1 << i] / H[0]
    if nder >= 2:
        Dm = np.zeros((n, 1 << n))
        out = np.zeros(1 << n)
        _rhs(y, 1.0, a, b, L, H, out, Dm)
        for i in range(n):
            for j in range(n):
                if i == j:
                    hess[i, i] = Dm[i, 0] / H[0] - grad[i] * grad[i]
                else:
                    hess[i, j] = H[(1 << i) | (1 << j)] / H[0] - grad[i] * grad[j]
    return logF, grad, hess, err, ok
