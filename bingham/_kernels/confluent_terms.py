"""The confluent method's sum of bordered Pfaffians, and its projection
onto the point counts a group can hold.

:func:`term_sum` expands the top power of the 2-form ``Xi`` (see
:mod:`.confluent`) over sets of b-groups, one bordered Pfaffian per set.

The groups from the top down to group ``g`` together hold a bounded
number of the ``k`` points: deform the arcs back onto the cut of a split
spectrum, where every gap between consecutive eigenvalues holds at most
one point.  Their pieces (each group's arc and the segment of the cut
below it) then cover the ``N_g - 1`` gaps between their ``N_g``
eigenvalues (``N_g`` the total multiplicity of groups ``0..g``) and part
of the gap below (the next group's arc takes the rest): at most ``N_g``
points.  (A bound per group, its multiplicity at the top and one more
below another group, is not enough: the arc of a pair below a simple
eigenvalue takes a point from the gap between them while the simple one
holds its own.)  The expansion nevertheless contains terms with more
points on such a union (through ``Theta_g`` and both of ``A_g``, ``b_g``).
They sum to zero exactly, but each is about ``e^(excess x gap)`` times the
answer where groups lie below, so in floating point they swamp it.
:func:`projected_sum` removes them exactly: the forms of the groups of
union ``q`` are weighted by ``t_q`` (``A_g``, ``b_g``) and ``t_q^2``
(``Theta_g``), a group in nested unions by the product, which makes the
sum a polynomial whose coefficient of ``prod t_q^(d_q)`` is the part with
``d_q`` points on union ``q``; the coefficients follow from ``k + 1``
values per ``t_q`` at ``t = r w^j`` (``w`` the ``(k+1)``-th root of unity:
a discrete Fourier transform, perfectly conditioned, half of it by
conjugate symmetry), and only those within every union's bound are kept.
The radius ``r`` (a shift of the scale of the union's last group, ``log r
= ref_(g+1) - ref_g`` plus a few units chosen by the rounding they leave,
:func:`projection_shift`) makes the terms of every degree comparable, so
that the excess terms' rounding does not reach the kept ones.  The limit:
a group's forms are summed with the others' in one entry of the bordered
matrices, and their sizes differ by the basis polynomials' growth across
the gap (about ``gap^(row)``), which no single ``r`` balances where ``k``
is well above the bound and the gap is thousands (k=8, p=40, a pair 3e3
above 38 zeros: estimate 0.3); the estimate shows it.

Only the leaves are compiled; :func:`term_sum`, :func:`projected_sum` and
:func:`projection_shift` are Python: numba links a compiled callee into
each compiled caller and optimises it again (11-15 s of a cold start per
level, for microseconds of call overhead saved).
"""
import cmath
import math
import time

import numpy as np

from ._jit import jit
from .budget import expired, left, uncharged
from .pfaffian import equilibrated_pfaffian


@jit
def count_terms(kk, b, tie):
    """How many bordered Pfaffians the sum has (at most)."""
    G = b.shape[0]
    nb = 0
    anyt = False
    for g in range(G):
        if np.any(b[g] != 0.0):
            nb += 1
        anyt = anyt or tie[g]
    odd = kk % 2
    tot = 0.0
    for n in range(kk // 2 + 1):
        L2 = kk - 2 * n - odd
        if L2 < 0 or (L2 > 0 and not anyt) or n > nb:
            continue
        t = math.exp(math.lgamma(nb + 1.0) - math.lgamma(n + 1.0)
                     - math.lgamma(nb - n + 1.0))
        if odd:
            t *= max(nb - n, 0)
        tot += t
    return tot


@jit
def _put_b(b, babs, db, d2b, j, col, V, Va, dV, d2V):
    """Column ``col`` of the border: b-group ``j``'s vector, its magnitude
    bound and its derivatives."""
    for i in range(V.shape[0]):
        V[i, col] = b[j, i]
        Va[i, col] = babs[j, i]
        for h in range(dV.shape[0]):
            dV[h, i, col] = db[j, h, i]
        for a in range(d2V.shape[0]):
            for b2 in range(d2V.shape[1]):
                d2V[a, b2, i, col] = d2b[j, a, b2, i]


@jit
def _add(acc, S, dS, d2S, Hd, val, mag, scale, gr, hs):
    """Add one term ``val e^scale`` (rounding ``mag e^scale``, derivatives
    ``gr``, ``hs`` relative to it) to the running sums ``S``, ``H =
    acc[1]``, ``dS``, ``Hd``, ``d2S``, all relative to ``e^top``, ``top =
    acc[0]`` the largest term's scale so far: where a larger term comes
    the sums are rescaled to it (a term below its rounding may carry a large
    scale and a tiny value, so the scale is that of ``max(|val|, mag)``).
    A term whose value or rounding is infinite only raises ``acc[2]``, the
    largest such scale: it makes the sum's rounding infinite unless it is
    more than e^745 below the largest term (as in a sum over all terms
    scaled to the largest, where ``e^(scale - top)`` underflows to 0); a
    NaN makes it NaN (the caller's estimate then infinite)."""
    if math.isnan(abs(val)) or math.isnan(mag) or math.isnan(scale):
        # a lost term: the sum's rounding is unknown
        acc[1] = np.nan
        return
    if not (abs(val) < np.inf and mag < np.inf):
        # an unbounded term or rounding: it counts where it does not
        # underflow against the largest term (:func:`_raw_sum`'s end)
        acc[2] = max(acc[2], scale)
        S[0] += val * 0.0 if abs(val) < np.inf else val
        return
    mt = max(abs(val), mag)
    if mt == 0.0:
        return
    lt = scale + math.log(mt)
    if lt > acc[0]:
        if acc[0] > -np.inf:
            r = math.exp(acc[0] - lt)
            S[0] *= r
            acc[1] *= r
            dS *= r
            d2S *= r
            Hd *= r
        acc[0] = lt
    f = math.exp(scale - acc[0])
    S[0] += f * val
    acc[1] += f * mag
    nd = dS.shape[0]
    nd2 = d2S.shape[0]
    for h in range(nd):
        dS[h] += f * val * gr[h]
        Hd[h] += f * mag * abs(gr[h])
    for a in range(nd2):
        for b2 in range(nd2):
            d2S[a, b2] += f * val * hs[a, b2]


@jit
def _raw_sum(kk, A, b, T, Aabs, Tabs, ref, tie, dA, db, dT, d2A, d2b, d2T):
    """``(top, S, H, dS, d2S)``: the sum over sets of b-groups (module
    docstring of :mod:`.confluent`) of the bordered Pfaffians, ``S e^top``,
    their rounding ``H e^top`` and their derivatives ``dS[h]``, ``d2S[a,
    b]`` in the parameters of ``dA`` and ``d2A`` (same scale), by ``d Pf /
    Pf = tr(X^-1 dX) / 2`` and ``d2 Pf / Pf = tr(X^-1 d2X) / 2 + tr_a tr_b
    / 4 - tr(X^-1 dX_a X^-1 dX_b) / 2`` for every term.  Real or complex
    forms (the projection's phases)."""
    G = b.shape[0]
    nd = dA.shape[1]
    nd2 = d2A.shape[1]
    odd = kk % 2
    bg = np.empty(G, np.int64)
    nb = 0
    isA = np.zeros(G, np.bool_)
    for g in range(G):
        if np.any(b[g] != 0.0):
            bg[nb] = g
            nb += 1
        isA[g] = np.any(A[g] != 0.0)
    babs = np.abs(b)
    # the tie groups' Theta, relative to the largest scale
    tref = -np.inf
    anyt = False
    for g in range(G):
        if tie[g]:
            tref = max(tref, 2.0 * ref[g])
            anyt = True
    TT = np.zeros((kk, kk), A.dtype)
    TTa = np.zeros((kk, kk))
    dTT = np.zeros((nd, kk, kk), A.dtype)
    d2TT = np.zeros((nd2, nd2, kk, kk), A.dtype)
    if anyt:
        for g in range(G):
            if tie[g]:
                f = math.exp(2.0 * ref[g] - tref)
                for i in range(kk):
                    for j in range(kk):
                        TT[i, j] += f * T[g, i, j]
                        TTa[i, j] += f * Tabs[g, i, j]
                        for h in range(nd):
                            dTT[h, i, j] += f * dT[g, h, i, j]
                        for a in range(nd2):
                            for b2 in range(nd2):
                                d2TT[a, b2, i, j] += f * d2T[g, a, b2, i, j]
    # the terms are summed as they come, relative to the largest scale so
    # far (``top``; the sums are rescaled when a larger term arrives): no
    # list of terms (numba's lists of arrays cost about 0.4 s of a cold
    # start)
    # top, H, and the largest scale of an unbounded term
    acc = np.array([-np.inf, 0.0, -np.inf])
    S = np.zeros(1, A.dtype)
    dS = np.zeros(nd, A.dtype)
    d2S = np.zeros((nd2, nd2), A.dtype)
    Hd = np.zeros(nd)
    g0 = np.zeros(nd, A.dtype)
    h0 = np.zeros((nd2, nd2), A.dtype)
    sel = np.zeros(kk + 1, np.int64)
    V = np.zeros((kk, kk + 1), A.dtype)
    Va = np.zeros((kk, kk + 1))
    dV = np.zeros((nd, kk, kk + 1), A.dtype)
    d2V = np.zeros((nd2, nd2, kk, kk + 1), A.dtype)
    for n in range(kk // 2 + 1):
        L2 = kk - 2 * n - odd
        if L2 < 0 or (L2 > 0 and not anyt) or n > nb:
            continue
        L = L2 // 2
        for i in range(n):
            sel[i] = i
        more = True
        while more:
            # vectors b_j, W_t for J = bg[sel[0..n-1]]
            ok = True
            sc = 0.0
            col = 0
            for t in range(n):
                j = bg[sel[t]]
                _put_b(b, babs, db, d2b, j, col, V, Va, dV, d2V)
                sc += ref[j]
                col += 1
                end = bg[sel[t + 1]] if t + 1 < n else G - 1
                r0 = -np.inf
                for g in range(j + 1, end + 1):
                    if isA[g]:
                        r0 = max(r0, ref[g])
                if r0 == -np.inf:
                    ok = False
                    break
                for i in range(kk):
                    V[i, col] = 0.0
                    Va[i, col] = 0.0
                    for h in range(nd):
                        dV[h, i, col] = 0.0
                    for a in range(nd2):
                        for b2 in range(nd2):
                            d2V[a, b2, i, col] = 0.0
                for g in range(j + 1, end + 1):
                    if isA[g]:
                        f = math.exp(ref[g] - r0)
                        for i in range(kk):
                            V[i, col] += f * A[g, i]
                            Va[i, col] += f * Aabs[g, i]
                            for h in range(nd):
                                dV[h, i, col] += f * dA[g, h, i]
                            for a in range(nd2):
                                for b2 in range(nd2):
                                    d2V[a, b2, i, col] += f * d2A[g, a, b2, i]
                sc += r0
                col += 1
            if ok:
                ne = nb if odd else 1
                for e in range(ne):
                    q = col
                    s2 = sc
                    if odd:
                        j = bg[e]
                        inJ = False
                        for t in range(n):
                            if bg[sel[t]] == j:
                                inJ = True
                        if inJ:
                            continue
                        _put_b(b, babs, db, d2b, j, q, V, Va, dV, d2V)
                        s2 += ref[j]
                        q += 1
                    sz = kk + q
                    X = np.zeros((sz, sz), A.dtype)
                    Xa = np.zeros((sz, sz))
                    if L > 0:
                        for i in range(kk):
                            for j2 in range(kk):
                                X[i, j2] = TT[i, j2]
                                Xa[i, j2] = TTa[i, j2]
                        s2 += L * tref
                    for i in range(kk):
                        for c2 in range(q):
                            X[i, kk + c2] = V[i, c2]
                            X[kk + c2, i] = -V[i, c2]
                            Xa[i, kk + c2] = Va[i, c2]
                            Xa[kk + c2, i] = Va[i, c2]
                    val, lsc, rnd, inv = equilibrated_pfaffian(X, Xa)
                    if (q * (q - 1) // 2 + n) % 2 == 1:
                        val = -val
                    if val != 0.0 and not rnd < 1.0:
                        # below its own rounding (an excess term, zero
                        # identically): counted in the rounding only; its
                        # derivatives through X^-1 would be noise times
                        # cond(X)^2
                        _add(acc, S, dS, d2S, Hd, val * 0.0,
                             abs(val) * rnd, s2 + lsc, g0, h0)
                    elif val != 0.0:
                        gr = np.zeros(nd, A.dtype)
                        for h in range(nd):
                            # tr(X^-1 dX) / 2, X^-1 antisymmetric
                            tr = 0.0
                            for i in range(kk):
                                for c2 in range(q):
                                    tr += inv[kk + c2, i] * dV[h, i, c2]
                                if L > 0:
                                    for j2 in range(kk):
                                        tr += 0.5 * inv[j2, i] * dTT[h, i, j2]
                            gr[h] = tr
                        hs = np.zeros((nd2, nd2), A.dtype)
                        if nd2 > 0:
                            # N_a = X^-1 dX_a
                            Nm = np.zeros((nd2, sz, sz), A.dtype)
                            for a in range(nd2):
                                dX = np.zeros((sz, sz), A.dtype)
                                for i in range(kk):
                                    for c2 in range(q):
                                        dX[i, kk + c2] = dV[a, i, c2]
                                        dX[kk + c2, i] = -dV[a, i, c2]
                                    if L > 0:
                                        for j2 in range(kk):
                                            dX[i, j2] = dTT[a, i, j2]
                                # element by element: a slice assignment
                                # compiles numba's shape check and its
                                # error message (about 1 s of a cold start)
                                P = inv @ dX
                                for i in range(sz):
                                    for j2 in range(sz):
                                        Nm[a, i, j2] = P[i, j2]
                            for a in range(nd2):
                                for b2 in range(a + 1):
                                    t2 = 0.0
                                    for i in range(kk):
                                        for c2 in range(q):
                                            t2 += inv[kk + c2, i] \
                                                * d2V[a, b2, i, c2]
                                        if L > 0:
                                            for j2 in range(kk):
                                                t2 += 0.5 * inv[j2, i] \
                                                    * d2TT[a, b2, i, j2]
                                    tnn = 0.0
                                    for i in range(sz):
                                        for j2 in range(sz):
                                            tnn += Nm[a, i, j2] * Nm[b2, j2, i]
                                    v2 = t2 + gr[a] * gr[b2] - 0.5 * tnn
                                    hs[a, b2] = v2
                                    hs[b2, a] = v2
                        _add(acc, S, dS, d2S, Hd, val, abs(val) * rnd,
                             s2 + lsc, gr, hs)
            # next combination of n out of nb
            if n == 0:
                more = False
            else:
                i = n - 1
                while i >= 0 and sel[i] == nb - n + i:
                    i -= 1
                if i < 0:
                    more = False
                else:
                    sel[i] += 1
                    for j in range(i + 1, n):
                        sel[j] = sel[j - 1] + 1
    if not math.isfinite(acc[0]):
        return -np.inf, S[0] * 0.0, np.inf, dS * 0.0, d2S * 0.0, Hd * 0.0
    if math.exp(acc[2] - acc[0]) > 0.0:
        acc[1] = np.inf
    return acc[0], S[0], acc[1], dS, d2S, Hd


def term_sum(kk, A, b, T, Aabs, Tabs, ref, tie, dA, db, dT, d2A, d2b, d2T):
    """``(log |S|, relative rounding, grad, hess, grad rounding)`` of
    :func:`_raw_sum`: the log of the sum, its derivatives, and the
    first-order rounding of the gradient (every term's rounding times its
    own gradient, which may be far larger than the sum's where the terms
    cancel).  Plain Python around two kernels (module docstring)."""
    top, S, H, dS, d2S, Hd = _raw_sum(kk, A, b, T, Aabs, Tabs, ref, tie, dA,
                                      db, dT, d2A, d2b, d2T)
    return _normalised(top, S, H, dS, d2S, Hd)


@jit
def _normalised(top, S, H, dS, d2S, Hd):
    nd = dS.shape[0]
    nd2 = d2S.shape[0]
    grad = np.zeros(nd)
    hess = np.zeros((nd2, nd2))
    gerr = np.full(nd, np.inf)
    if S == 0.0 or not math.isfinite(top):
        return -np.inf, np.inf, grad, hess, gerr
    for h in range(nd):
        grad[h] = dS[h] / S
        gerr[h] = Hd[h] / abs(S)
    for a in range(nd2):
        for b2 in range(nd2):
            hess[a, b2] = d2S[a, b2] / S - grad[a] * grad[b2]
    return top + math.log(abs(S)), H / abs(S), grad, hess, gerr


def projected_sum(kk, A, b, T, Aabs, Tabs, ref, tie, dA, db, dT, d2A, d2b,
                  d2T, proj, cap, shift):
    """:func:`term_sum` with the terms that put more than ``cap[q]`` points
    on groups ``0..proj[q]`` together removed (module docstring); the
    radius is ``log r = ref_(g+1) - ref_g + shift``, ``g = proj[q]``.
    Plain Python: :func:`term_sum` where nothing is projected, else
    :func:`_projected`."""
    if proj.shape[0] == 0:
        return term_sum(kk, A, b, T, Aabs, Tabs, ref, tie, dA, db, dT, d2A,
                        d2b, d2T)
    # compiled when a projection is first needed, outside the budget
    return uncharged(_projected, kk, A, b, T, Aabs, Tabs, ref, tie, dA, db,
                     dT, d2A, d2b, d2T, proj, cap, shift)


@jit
def _projected(kk, A, b, T, Aabs, Tabs, ref, tie, dA, db, dT, d2A, d2b, d2T,
               proj, cap, shift):
    """:func:`projected_sum` with at least one group projected."""
    P = proj.shape[0]
    N = kk + 1
    nd = dA.shape[1]
    nd2 = d2A.shape[1]
    logr = np.zeros(P)
    ref2 = ref.copy()
    # the union of groups 0..proj[q] is weighted by t_q: a group in
    # several (nested) unions by the product of their t
    for q in range(P):
        g = proj[q]
        logr[q] = ref[g + 1] - ref[g] + shift
        for h in range(g + 1):
            ref2[h] += logr[q]
    G = A.shape[0]
    wg = np.empty(G, np.complex128)
    NP = N ** P
    tops = np.empty(NP)
    Sn = np.zeros(NP, np.complex128)
    Hn = np.zeros(NP)
    Hdn = np.zeros((NP, nd))
    dSn = np.zeros((NP, nd), np.complex128)
    d2Sn = np.zeros((NP, nd2, nd2), np.complex128)
    Ac = A.astype(np.complex128)
    bc = b.astype(np.complex128)
    Tc = T.astype(np.complex128)
    dAc = dA.astype(np.complex128)
    dbc = db.astype(np.complex128)
    dTc = dT.astype(np.complex128)
    d2Ac = d2A.astype(np.complex128)
    d2bc = d2b.astype(np.complex128)
    d2Tc = d2T.astype(np.complex128)
    for j in range(NP):
        if expired():
            # past the budget (up to (kk + 1)^P raw sums: k=9, p=40, a tie
            # at 3799 among seven values at 4e3, one sum of 3.5 s): lost,
            # as every term below its rounding is (the method gives up)
            return _normalised(-np.inf, 0.0, np.inf, np.zeros(nd),
                               np.zeros((nd2, nd2)), np.zeros(nd))
        # the forms are real: the value at conj(t) is the conjugate
        jm = 0
        rest = j
        step = 1
        for q in range(P):
            jm += ((N - rest % N) % N) * step
            rest //= N
            step *= N
        if jm < j:
            tops[j] = tops[jm]
            Hn[j] = Hn[jm]
            Hdn[j] = Hdn[jm]
            Sn[j] = Sn[jm].conjugate()
            dSn[j] = dSn[jm].conjugate()
            d2Sn[j] = d2Sn[jm].conjugate()
            continue
        rest = j
        for h in range(G):
            wg[h] = 1.0
        for q in range(P):
            w = cmath.exp(2j * math.pi * (rest % N) / N)
            rest //= N
            for h in range(proj[q] + 1):
                wg[h] *= w
        for h in range(proj.max() + 1):
            w = wg[h]
            Ac[h] = w * A[h]
            bc[h] = w * b[h]
            Tc[h] = (w * w) * T[h]
            dAc[h] = w * dA[h]
            dbc[h] = w * db[h]
            dTc[h] = (w * w) * dT[h]
            d2Ac[h] = w * d2A[h]
            d2bc[h] = w * d2b[h]
            d2Tc[h] = (w * w) * d2T[h]
        tops[j], Sn[j], Hn[j], dSn[j], d2Sn[j], Hdn[j] = _raw_sum(
            kk, Ac, bc, Tc, Aabs, Tabs, ref2, tie, dAc, dbc, dTc, d2Ac, d2bc,
            d2Tc)
    top = -np.inf
    for j in range(NP):
        top = max(top, tops[j])
    if not math.isfinite(top):
        # every term below its rounding (not the unprojected sum: its
        # excess terms need not show in its estimate)
        return _normalised(-np.inf, 0.0, np.inf, np.zeros(nd),
                           np.zeros((nd2, nd2)), np.zeros(nd))
    Hmax = 0.0
    Hdmax = np.zeros(nd)
    for j in range(NP):
        f = math.exp(tops[j] - top) if math.isfinite(tops[j]) else 0.0
        Sn[j] *= f
        dSn[j] *= f
        d2Sn[j] *= f
        Hmax = max(Hmax, Hn[j] * f)
        for h in range(nd):
            Hdmax[h] = max(Hdmax[h], Hdn[j, h] * f)
    # the kept degrees d (d[q] <= cap[q]), each weighted r^-d back
    nk = 1
    for q in range(P):
        nk *= int(cap[q]) + 1
    lw = np.zeros(nk)
    Lmax = -np.inf
    for e in range(nk):
        rest = e
        for q in range(P):
            dq = rest % (int(cap[q]) + 1)
            rest //= int(cap[q]) + 1
            lw[e] -= dq * logr[q]
        Lmax = max(Lmax, lw[e])
    S = 0.0 + 0.0j
    H = 0.0
    Hd = np.zeros(nd)
    dS = np.zeros(nd, np.complex128)
    d2S = np.zeros((nd2, nd2), np.complex128)
    for e in range(nk):
        f = math.exp(lw[e] - Lmax)
        H += f * Hmax
        for h in range(nd):
            Hd[h] += f * Hdmax[h]
        for j in range(NP):
            # the transform: coefficient of t^d is the mean of S_j w_j^-d
            ph = 0.0
            re = e
            rj = j
            for q in range(P):
                dq = re % (int(cap[q]) + 1)
                re //= int(cap[q]) + 1
                ph -= 2.0 * math.pi * ((rj % N) * dq % N) / N
                rj //= N
            c = f * cmath.exp(1j * ph) / NP
            S += c * Sn[j]
            for h in range(nd):
                dS[h] += c * dSn[j, h]
            for a in range(nd2):
                for b2 in range(nd2):
                    d2S[a, b2] += c * d2Sn[j, a, b2]
    # the sum is real: its imaginary part is rounding
    H += abs(S.imag)
    return _normalised(top + Lmax, S.real, H, dS.real, d2S.real, Hd)


SHIFTS = (0.0, 5.0, 10.0, -3.0, 15.0, 20.0)


def projection_shift(kk, A, b, T, Aabs, Tabs, ref, tie, dA, db, dT, d2A, d2b,
                     d2T, proj, cap, shift, search, times=None):
    """``(shift, ...)``: :func:`projected_sum` at ``shift``, or with
    ``search`` at the radius with the smallest rounding among ``SHIFTS``
    (tried in order, the first at 1e-14 kept; no more once the work budget
    is spent), and the radius used.  The terms of
    every degree are comparable where ``r`` balances the scales of the
    group and the next one (shift 0); the polynomial basis's growth across
    the gap moves the best radius, by up to about e^10 in the spectra
    measured (k=6, p=16, a triple at 300 above zeros: rounding 1e-5 at
    shift 0, 6e-11 at 10).  Plain Python (module docstring).  ``times``,
    a list, receives the seconds of each sum (a search makes several)."""
    def one(sh):
        t0 = time.perf_counter()
        res = projected_sum(kk, A, b, T, Aabs, Tabs, ref, tie, dA, db, dT,
                            d2A, d2b, d2T, proj, cap, sh)
        if times is not None:
            times.append(time.perf_counter() - t0)
        return res
    if not search:
        out = one(shift)
        return shift, out[0], out[1], out[2], out[3], out[4]
    best = SHIFTS[0]
    out = one(best)
    for sh in SHIFTS[1:]:
        # (time kept for the pass that follows the search: another radius
        # only where three more sums fit; k=5, p=4096, 16 values to 1e4:
        # the search spent the budget and the second pass did not fit)
        if out[1] <= 1e-14 or expired() or \
                (times is not None and left() < 3.0 * times[-1]):
            break
        res = one(sh)
        if res[1] < out[1]:
            best = sh
            out = res
    return best, out[0], out[1], out[2], out[3], out[4]
