"""log 1F1(k/2; p/2; y) for p distinct eigenvalues from branch-cut integrals.

The Bingham constant is the density at ``Z^T Z = I`` of ``Z^T Z`` for a
``p x k`` Gaussian-like matrix, so it is an inverse Laplace transform over
``k x k`` symmetric matrices ``T``:

    F ~ int_{Re T = t0} etr(T) prod_{i,j} (tau_j - y_i)^(-1/2) dT,

with ``tau`` the eigenvalues of ``T``.  Weyl's formula leaves a k-fold
integral of ``prod_j f(s_j) |Vandermonde(s)|``, ``f(s) = e^s prod_i (s -
y_i)^(-1/2)``, and de Bruijn's identity writes that as a Pfaffian of
double integrals of ``P_i(s) f(s) P_l(t) f(t)`` ordered along the contour.
Collapsing the contour onto the branch cut ``(-inf, y_1]``, both sides of
the cut combine: with segment ``r = (y_(r+1), y_r)`` (``r = p`` the
half-line) and the real integrals

    c_i^(r) = int_segment P_i(s) e^s prod_j |s - y_j|^(-1/2) ds,

pairs within one segment cancel and only an odd-numbered segment ``r``
below an even-numbered one ``q > r`` couple.  Expanding the Pfaffian as a
sum of wedge products (each 2-form has rank 2, so its square vanishes):

    F = Gamma_k(p/2) / (Gamma_k(k/2) pi^(k/2)) |sum_S det M_S|,

over sets ``S = {r_1 < .. < r_m}`` of odd segments (``m = floor(k/2)``;
for odd ``k`` one more odd segment ``r'`` not in ``S`` adds the column
``sigma_r' c^(r')``), with columns ``sigma_r c^(r)`` and ``W = sum_q
kappa_q c^(q)`` over the even ``q`` between ``r`` and the next member of
``S`` (or the end; ``sigma_r = (-1)^((r-1)/2)``, ``kappa_q =
(-1)^(q/2)``).  The
constant follows from the limit of well-separated eigenvalues, where the
leading term is the Laplace approximation; it matches the series to 1e-16
for k, p up to 5, 10.

Each term is of the size ``exp(sum of its segments' top eigenvalues)``, so
for spread spectra the sum is dominated by ``S = {1, 3, ..}`` and nothing
cancels: this is an exact method whose accuracy does not degrade with the
concentration.  For small spreads (eigenvalue spacing below about one) the
terms cancel; the rounding estimate (every entry's rounding carried to
first order through each determinant, over the sum) says so and the
series is the method there.

The segment integrals use ``s = m + h cos(theta)``, which takes both
endpoint singularities into the measure ``d theta``, and tanh-sinh
quadrature in ``theta`` (the half-line: ``s = y_p - v^2`` and exp-sinh in
``v``).  The polynomial basis is Newton's at the top ``k - 1`` eigenvalues
(monic, so the sum does not depend on it), which keeps the leading
determinant close to triangular.  Derivatives differentiate the integrands
(the basis held fixed) and the determinants (Jacobi's formula).

Equal eigenvalues make the segment integrals next to them diverge (the sum
stays finite); the caller splits them and extrapolates
(``dispatch._cut``).  ``tests/reference/cut_mp.py`` transcribes the
representation in mpmath.
"""
import math

import numpy as np

from ._jit import jit

_EPS = 2.220446049250313e-16
LEVEL_FIRST = 4  # tanh-sinh step 2^-level
LEVEL_MAX = 7
T_RANGE = 3.2  # |t| beyond this: weights below 1e-30 of the largest


@jit
def _finite_nodes(level):
    """tanh-sinh on theta in (0, pi): theta/2, (pi - theta)/2 and weights,
    the coarse rule (every other node) flagged."""
    step = 2.0 ** (-level)
    nt = int(T_RANGE / step)
    N = 2 * nt + 1
    half = np.empty(N)
    chalf = np.empty(N)
    w = np.empty(N)
    coarse = np.zeros(N, np.bool_)
    for i in range(N):
        t = (i - nt) * step
        u = 0.5 * math.pi * math.sinh(t)
        # theta = pi / (1 + e^(-2u)), pi - theta = pi / (1 + e^(2u))
        half[i] = 0.5 * math.pi / (1.0 + math.exp(-2.0 * u))
        chalf[i] = 0.5 * math.pi / (1.0 + math.exp(2.0 * u))
        w[i] = step * 0.25 * math.pi * math.pi * math.cosh(t) \
            / math.cosh(u) ** 2
        coarse[i] = (i - nt) % 2 == 0
    return half, chalf, w, coarse


@jit
def _half_line_nodes(level):
    """exp-sinh on v in (0, inf): v = exp(t - exp(-t))."""
    step = 2.0 ** (-level)
    lo = int(3.6 / step)
    hi = int(2.2 / step)
    N = lo + hi + 1
    v = np.empty(N)
    w = np.empty(N)
    coarse = np.zeros(N, np.bool_)
    for i in range(N):
        t = (i - lo) * step
        v[i] = math.exp(t - math.exp(-t))
        w[i] = step * v[i] * (1.0 + math.exp(-t))
        coarse[i] = (i - lo) % 2 == 0
    return v, w, coarse


@jit
def cut_moments(y, kk, level, nder):
    """Segment integrals of the Newton basis at ``y[0..kk-2]`` (``y`` sorted
    decreasing, distinct), each divided by ``e^(y_r)``: ``c[r, i]`` at the
    given level, ``cc`` at the coarse level (every other node), and with
    ``nder`` the derivatives ``dc[r, i, j]`` and ``d2c[r, i, j, l]`` of the
    undivided integrals in the eigenvalues, divided the same way."""
    p = y.shape[0]
    c = np.zeros((p, kk))
    cc = np.zeros((p, kk))
    dc = np.zeros((p, kk, p if nder >= 1 else 0))
    d2c = np.zeros((p, kk, p if nder >= 2 else 0, p if nder >= 2 else 0))
    half, chalf, wf, coarsef = _finite_nodes(level)
    vh, wh, coarseh = _half_line_nodes(level)
    diff = np.empty(p)  # s - y_j at one node
    sj = np.zeros(p)
    D = np.zeros(p)
    P = np.empty(kk)
    P1 = np.empty(kk)
    P2 = np.empty(kk)
    for r in range(p):
        last = r == p - 1
        N = vh.shape[0] if last else half.shape[0]
        h = 0.0 if last else 0.5 * (y[r] - y[r + 1])
        for node in range(N):
            if last:
                v = vh[node]
                below = v * v  # y_p - s
                above = 0.0
                w = 2.0 * wh[node]
                crs = coarseh[node]
            else:
                sa = math.sin(half[node])
                sb = math.sin(chalf[node])  # cos(theta / 2)
                below = 2.0 * h * sa * sa  # y_r - s
                above = 2.0 * h * sb * sb  # s - y_(r+1)
                w = wf[node]
                crs = coarsef[node]
            # s - y_j without cancellation: from the endpoint on the same
            # side (through the far one, a close pair next to the segment
            # lost digits: k=2, p=5, pair 1 +- 1e-9, log F off by 2e-8)
            logv = -below
            S1 = 0.0
            for j in range(p):
                if j < r:
                    diff[j] = -((y[j] - y[r]) + below)
                elif j == r:
                    diff[j] = -below
                else:  # j > r (the half-line has none)
                    diff[j] = (y[r + 1] - y[j]) + above
                if j != r and (last or j != r + 1):
                    logv -= 0.5 * math.log(abs(diff[j]))
                    S1 += 0.5 / diff[j]
            val = w * math.exp(logv)
            # Newton basis and its s-derivatives
            P[0] = 1.0
            P1[0] = 0.0
            P2[0] = 0.0
            for i in range(1, kk):
                d = diff[i - 1]
                P[i] = P[i - 1] * d
                P1[i] = P1[i - 1] * d + P[i - 1]
                P2[i] = P2[i - 1] * d + 2.0 * P1[i - 1]
            for i in range(kk):
                c[r, i] += P[i] * val
                if crs:
                    cc[r, i] += 2.0 * P[i] * val
            if nder == 0:
                continue
            # ds/dy_j: the endpoints move the node
            for j in range(p):
                sj[j] = 0.0
            if last:
                sj[r] = 1.0
            else:
                sj[r] = sb * sb  # cos^2(theta/2) = (1 + cos theta)/2
                sj[r + 1] = sa * sa
            # D_j = d(log integrand)/dy_j
            for j in range(p):
                D[j] = sj[j] * (1.0 - S1)
                if j != r and (last or j != r + 1):
                    D[j] += 0.5 / diff[j]
            for i in range(kk):
                for j in range(p):
                    dc[r, i, j] += val * (P1[i] * sj[j] + P[i] * D[j])
            if nder == 1:
                continue
            S2 = 0.0
            for m in range(p):
                if m != r and (last or m != r + 1):
                    S2 += 0.5 / (diff[m] * diff[m])
            for j in range(p):
                for l in range(j + 1):
                    # d D_j / d y_l = sum_m (s_j - d_jm)(s_l - d_lm) q_m
                    dD = sj[j] * sj[l] * S2
                    if l != r and (last or l != r + 1):
                        ql = 0.5 / (diff[l] * diff[l])
                        dD -= sj[j] * ql
                        if j == l:
                            dD += ql
                    if j != r and (last or j != r + 1):
                        dD -= sj[l] * 0.5 / (diff[j] * diff[j])
                    for i in range(kk):
                        t = val * (P2[i] * sj[j] * sj[l]
                                   + P1[i] * (sj[j] * D[l] + sj[l] * D[j])
                                   + P[i] * (D[j] * D[l] + dD))
                        d2c[r, i, j, l] += t
                        if l != j:
                            d2c[r, i, l, j] += t
    return c, cc, dc, d2c


@jit
def _lu_det(M, piv):
    """In-place LU with partial pivoting; returns the determinant (0 when a
    pivot vanishes)."""
    k = M.shape[0]
    det = 1.0
    for col in range(k):
        best = col
        big = abs(M[col, col])
        for r in range(col + 1, k):
            if abs(M[r, col]) > big:
                big = abs(M[r, col])
                best = r
        piv[col] = best
        if big == 0.0:
            return 0.0
        if best != col:
            for j in range(k):
                tmp = M[col, j]
                M[col, j] = M[best, j]
                M[best, j] = tmp
            det = -det
        det *= M[col, col]
        for r in range(col + 1, k):
            f = M[r, col] / M[col, col]
            M[r, col] = f
            for j in range(col + 1, k):
                M[r, j] -= f * M[col, j]
    return det


@jit
def _lu_inverse(LU, piv):
    k = LU.shape[0]
    inv = np.zeros((k, k))
    for e in range(k):
        b = np.zeros(k)
        b[e] = 1.0
        for col in range(k):
            if piv[col] != col:
                tmp = b[col]
                b[col] = b[piv[col]]
                b[piv[col]] = tmp
        for r in range(k):
            for j in range(r):
                b[r] -= LU[r, j] * b[j]
        for r in range(k - 1, -1, -1):
            for j in range(r + 1, k):
                b[r] -= LU[r, j] * b[j]
            b[r] /= LU[r, r]
        for r in range(k):
            inv[r, e] = b[r]
    return inv


@jit
def num_terms(p, kk):
    """How many determinants the sum has (the work is this times kk^3)."""
    nodd = (p + 1) // 2
    m = kk // 2
    if m > nodd:
        return 0.0
    t = math.exp(math.lgamma(nodd + 1.0) - math.lgamma(m + 1.0)
                 - math.lgamma(nodd - m + 1.0))
    if kk % 2 == 1:
        t *= nodd - m
    return t


@jit
def _columns(y, kk, members, extra, coef, refs):
    """For one set S: the column layout.  ``coef[col, r]`` is the weight of
    segment r (divided moments) in column col, relative to ``e^(refs[col])``.
    Returns False when a block of even segments is empty (the term is 0)."""
    p = y.shape[0]
    m = members.shape[0]
    for col in range(kk):
        for r in range(p):
            coef[col, r] = 0.0
    col = 0
    for idx in range(m):
        r = members[idx]  # 0-based, even (1-based odd)
        coef[col, r] = 1.0 if (r // 2) % 2 == 0 else -1.0
        refs[col] = y[r]
        col += 1
        nxt = members[idx + 1] if idx + 1 < m else p
        first = True
        for q in range(r + 1, nxt):
            if q % 2 == 1:  # 1-based even
                if first:
                    refs[col] = y[q]
                    first = False
                sgn = 1.0 if ((q + 1) // 2) % 2 == 0 else -1.0
                coef[col, q] = sgn * math.exp(y[q] - refs[col])
        if first:
            return False
        col += 1
    if extra >= 0:
        coef[col, extra] = 1.0 if (extra // 2) % 2 == 0 else -1.0
        refs[col] = y[extra]
    return True


@jit
def pfaffian_sum(y, kk, c, dc, d2c, nder):
    """``(log |sum_S det M_S|, sum (relative to its largest scale), grad,
    hess, rounding)``: the derivatives of the log in ``y``, and the
    estimated relative rounding error of the sum."""
    p = y.shape[0]
    m = kk // 2
    odd = kk % 2 == 1
    nodd = (p + 1) // 2
    members = np.empty(m, np.int64)
    sel = np.arange(m)  # indices into the odd segments 0, 2, 4, ..
    coef = np.zeros((kk, p))
    refs = np.zeros(kk)
    M = np.empty((kk, kk))
    Mabs = np.empty((kk, kk))
    LU = np.empty((kk, kk))
    piv = np.zeros(kk, np.int64)
    dM = np.empty((p, kk, kk))
    ntr = np.empty((p, kk, kk))
    trs = np.empty(p)
    # per term: determinant, log scale, rounding, derivatives; summed
    # relative to the largest scale at the end
    dets = []
    scales = []
    roundings = []
    grads = []
    hesss = []
    done = m > nodd
    while not done:
        for i in range(m):
            members[i] = 2 * sel[i]
        nextra = nodd - m if odd else 1
        for e in range(nextra):
            extra = -1
            if odd:
                # the e-th odd segment not in S
                cnt = -1
                for q in range(nodd):
                    inS = False
                    for i in range(m):
                        if sel[i] == q:
                            inS = True
                    if not inS:
                        cnt += 1
                        if cnt == e:
                            extra = 2 * q
                            break
            if not _columns(y, kk, members, extra, coef, refs):
                continue
            for col in range(kk):
                for i in range(kk):
                    v = 0.0
                    va = 0.0
                    for r in range(p):
                        if coef[col, r] != 0.0:
                            v += coef[col, r] * c[r, i]
                            va += abs(coef[col, r] * c[r, i])
                    M[i, col] = v
                    Mabs[i, col] = va
            sc = 0.0
            for col in range(kk):
                sc += refs[col]
            for i in range(kk):
                for j in range(kk):
                    LU[i, j] = M[i, j]
            det = _lu_det(LU, piv)
            # rounding: every entry to a few ulps of the sum of the
            # magnitudes it adds (one-signed quadrature sums; blocks of
            # even segments alternate), to first order through
            # d det = det tr(M^-1 dM), plus the elimination itself
            rnd = 0.0
            inv = M  # placeholder, replaced when the determinant is not 0
            if det != 0.0:
                inv = _lu_inverse(LU, piv)
                for i in range(kk):
                    for col in range(kk):
                        rnd += abs(inv[col, i]) * Mabs[i, col]
                rnd *= (4.0 + kk) * _EPS * abs(det)
            dets.append(det)
            scales.append(sc)
            roundings.append(rnd + _EPS * abs(det))
            g = np.zeros(p)
            hh = np.zeros((p, p))
            if nder >= 1 and det != 0.0:
                for j in range(p):
                    for i in range(kk):
                        for col in range(kk):
                            v = 0.0
                            for r in range(p):
                                if coef[col, r] != 0.0:
                                    v += coef[col, r] * dc[r, i, j]
                            dM[j, i, col] = v
                    # N_j = M^-1 dM_j
                    tr = 0.0
                    for a in range(kk):
                        for b2 in range(kk):
                            v = 0.0
                            for q in range(kk):
                                v += inv[a, q] * dM[j, q, b2]
                            ntr[j, a, b2] = v
                        tr += ntr[j, a, a]
                    trs[j] = tr
                    g[j] = det * tr
                if nder >= 2:
                    for j in range(p):
                        for l in range(j + 1):
                            # tr(M^-1 d2M) + tr_j tr_l - tr(N_j N_l)
                            t2 = 0.0
                            for col in range(kk):
                                for i in range(kk):
                                    v = 0.0
                                    for r in range(p):
                                        if coef[col, r] != 0.0:
                                            v += coef[col, r] * d2c[r, i, j, l]
                                    t2 += inv[col, i] * v
                            tnn = 0.0
                            for a in range(kk):
                                for b2 in range(kk):
                                    tnn += ntr[j, a, b2] * ntr[l, b2, a]
                            val = det * (t2 + trs[j] * trs[l] - tnn)
                            hh[j, l] = val
                            hh[l, j] = val
            grads.append(g)
            hesss.append(hh)
        # next combination of m out of nodd
        if m == 0:
            done = True
        else:
            i = m - 1
            while i >= 0 and sel[i] == nodd - m + i:
                i -= 1
            if i < 0:
                done = True
            else:
                sel[i] += 1
                for j in range(i + 1, m):
                    sel[j] = sel[j - 1] + 1
    nt = len(dets)
    grad = np.zeros(p)
    hess = np.zeros((p, p))
    if nt == 0:
        return -np.inf, 0.0, grad, hess, np.inf
    top = scales[0]
    for t in range(nt):
        top = max(top, scales[t])
    S = 0.0
    H = 0.0
    for t in range(nt):
        f = math.exp(scales[t] - top)
        S += f * dets[t]
        H += f * roundings[t]
        if nder >= 1:
            for j in range(p):
                grad[j] += f * grads[t][j]
        if nder >= 2:
            for j in range(p):
                for l in range(p):
                    hess[j, l] += f * hesss[t][j, l]
    if S == 0.0:
        return -np.inf, 0.0, grad, hess, np.inf
    for j in range(p):
        grad[j] /= S
    for j in range(p):
        for l in range(p):
            hess[j, l] = hess[j, l] / S - grad[j] * grad[l]
    return top + math.log(abs(S)), S, grad, hess, H / abs(S)


@jit
def cut_bingham(k, p, x, nder):
    """log 1F1(k/2; p/2; x) for the full spectrum ``x`` (length p, distinct
    values, any order) with derivatives; returns ``(logF, grad, hess, err,
    ok)``, ``ok`` False when the values are not distinct.  Kummer's
    relation keeps the determinants at ``min(k, p - k)`` rows."""
    grad = np.zeros(p)
    hess = np.zeros((p, p))
    flip = p - k < k
    kk = p - k if flip else k
    s = 0.0
    for i in range(p):
        s += x[i]
    order = np.argsort(-x) if not flip else np.argsort(x)
    y = np.empty(p)
    for i in range(p):
        y[i] = -x[order[i]] if flip else x[order[i]]
    gap = np.inf
    for i in range(p - 1):
        if not (y[i] > y[i + 1]):
            return np.nan, grad, hess, np.inf, False
        gap = min(gap, y[i] - y[i + 1])
    # close pairs: rounding in the segment integrals next to them grows
    # like range / gap (k=2, p=5, pair 1 +- 1e-9: 1.1 times the plain
    # estimate; derivatives along the pair, ~eps range / gap, are worse)
    close = max(1.0, 1e-4 * (y[0] - y[p - 1]) / gap)
    logc = -0.5 * kk * math.log(math.pi)
    for i in range(kk):
        logc += math.lgamma(0.5 * (p - i)) - math.lgamma(0.5 * (kk - i))
    level = LEVEL_FIRST
    while True:
        c, cc, dc, d2c = cut_moments(y, kk, level, 0)
        vf, Sf, gf, hf, ratio = pfaffian_sum(y, kk, c, dc, d2c, 0)
        vc, Sc, gc, hc, rc = pfaffian_sum(y, kk, cc, dc, d2c, 0)
        delta = abs(vf - vc)
        # converged, or the change between levels is rounding (where the
        # terms cancel, refining cannot help)
        if delta <= 1e-7 or delta <= 10.0 * ratio or level >= LEVEL_MAX:
            break
        level += 1
    if nder >= 1:
        # the derivatives' integrands are more singular near close
        # eigenvalues (1/(s - y_j) factors): one level more (k=3, p=6,
        # pair 5.0001, 5: gradient 2.7e-11 off at the value's level, 5e-12
        # at the next)
        c, cc, dc, d2c = cut_moments(y, kk, min(level + 1, LEVEL_MAX + 1),
                                     nder)
        vf, Sf, gy, hy, ratio = pfaffian_sum(y, kk, c, dc, d2c, nder)
        for i in range(p):
            grad[order[i]] = 1.0 - gy[i] if flip else gy[i]
            if nder >= 2:
                for j in range(p):
                    hess[order[i], order[j]] = hy[i, j]
    logF = logc + vf + (s if flip else 0.0)
    absy = 0.0
    for i in range(p):
        absy += abs(x[i])
    # tanh-sinh: halving the step about squares the error, unless the
    # change is rounding already
    quad = delta if delta <= 10.0 * ratio else min(delta, 100.0 * delta * delta)
    err = quad + close * ratio + 4.0 * _EPS * (absy + abs(logF))
    if not (Sf > 0.0 or Sf < 0.0) or not math.isfinite(vf):
        err = np.inf
    return logF, grad, hess, err, True
