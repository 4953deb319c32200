"""The pieces of the confluent branch-cut method's contour
(:mod:`.confluent`): the single and ordered double integrals of the monic
basis times ``f`` over a segment of the cut (tanh-sinh, exp-sinh on the
half-line) and over an arc around a group of eigenvalues (Gauss-Legendre
panels with a spectral cumulative-integration matrix), the wedge
products that assemble them into de Bruijn's 2-form, and the per-group
forms built from them (:func:`group_forms`)."""
import cmath
import math

import numpy as np

from ._jit import jit
from .cut import _finite_nodes, _half_line_nodes

GL_N = 16  # Gauss-Legendre nodes per arc panel
RHO_CHECK = 0.8  # the coarse pass's arcs, relative to the fine pass's


@jit
def gauss_legendre(n):
    """Nodes, weights and the cumulative matrix ``S[i, j] = int_{-1}^{x_i}
    l_j(t) dt`` (``l_j`` the Lagrange basis at the nodes) on [-1, 1]."""
    x = np.empty(n)
    w = np.empty(n)
    for i in range(n):
        t = math.cos(math.pi * (i + 0.75) / (n + 0.5))
        for _ in range(100):
            p0 = 1.0
            p1 = t
            for j in range(2, n + 1):
                p0, p1 = p1, ((2 * j - 1) * t * p1 - (j - 1) * p0) / j
            dp = n * (t * p1 - p0) / (t * t - 1.0)
            dt = p1 / dp
            t -= dt
            if abs(dt) < 1e-16:
                break
        x[n - 1 - i] = t
        w[n - 1 - i] = 2.0 / ((1.0 - t * t) * dp * dp)
    # barycentric weights of the nodes
    bw = np.ones(n)
    for j in range(n):
        for i in range(n):
            if i != j:
                bw[j] /= (x[j] - x[i])
    S = np.zeros((n, n))
    for i in range(n):
        h = 0.5 * (x[i] + 1.0)
        for q in range(n):
            t = -1.0 + h * (x[q] + 1.0)  # GL node mapped into [-1, x_i]
            # l_j(t) by the barycentric formula
            den = 0.0
            for j in range(n):
                den += bw[j] / (t - x[j])
            for j in range(n):
                S[i, j] += h * w[q] * bw[j] / (t - x[j]) / den
    return x, w, S


@jit
def monic_basis(kk, gam, sv, P):
    """The monic basis ``phi_i = (s - nodes[i-1]) phi_(i-1) + gam[i-1]
    phi_(i-2)`` from ``sv[i] = s - nodes[i]``."""
    P[0] = 1.0
    for i in range(1, kk):
        P[i] = P[i - 1] * sv[i - 1]
        if i >= 2:
            P[i] += gam[i - 1] * P[i - 2]


@jit
def segment_integrals(lo, hi, infinite, lo_idx, hi_idx, z, m, nodes, gam, kk, level,
             nder, c, cc, ca, dc, d2c):
    """``c[i] = int_lo^hi phi_i(s) |f(s)| ds`` relative to ``e^ref`` (``cc``
    the coarse rule, ``ca`` the integral of ``|phi_i f|``, with ``nder`` the
    derivatives ``dc[h, i]`` in the distinct values ``z[h]``, all their
    members moving together); returns ref.  ``lo = -inf`` when ``infinite``;
    ``lo_idx``/``hi_idx`` name the value an endpoint sits on (a simple
    eigenvalue: it moves with it), -1 for a fixed endpoint (an arc's).
    Distances to the eigenvalues are formed from the endpoint on the same
    side, and the moving endpoint's own factor is differentiated in closed
    form (it cancels the Jacobian's singularity)."""
    d = z.shape[0]
    if infinite:
        vh, wh, coarse = _half_line_nodes(level)
        N = vh.shape[0]
        h = 1.0
    else:
        half, chalf, wf, coarse = _finite_nodes(level)
        N = half.shape[0]
        h = 0.5 * (hi - lo)
    lf = np.empty(N)
    below = np.empty(N)
    above = np.empty(N)
    sa2 = np.empty(N)  # ds/dlo (sin^2(theta/2))
    sb2 = np.empty(N)  # ds/dhi (cos^2(theta/2), to full relative precision)
    for q in range(N):
        if infinite:
            below[q] = vh[q] * vh[q]
            above[q] = np.inf
            sa2[q] = 0.0
            sb2[q] = 1.0
            lw = math.log(2.0 * vh[q] * wh[q])
        else:
            sa = math.sin(half[q])
            sb = math.sin(chalf[q])
            sa2[q] = sa * sa
            sb2[q] = sb * sb
            below[q] = 2.0 * h * sa * sa
            above[q] = 2.0 * h * sb * sb
            lw = math.log(wf[q] * 2.0 * h * sa * sb)
        v = hi - below[q] + lw
        for j in range(d):
            if z[j] >= hi:
                dist = (z[j] - hi) + below[q]
            else:
                dist = (lo - z[j]) + above[q]
            v -= 0.5 * m[j] * math.log(dist)
        lf[q] = v
    ref = -np.inf
    for q in range(N):
        ref = max(ref, lf[q])
    sv = np.empty(max(kk - 1, 1))
    P = np.empty(kk)
    P1 = np.empty(kk)
    P2 = np.empty(kk)
    ins = np.empty(d)  # (m_h / 2) / (s - z_h)
    dist = np.empty(d)
    dsv = np.zeros(d)  # ds / dz_h
    dl_ = np.zeros(d)  # d log(integrand) / dz_h
    for i in range(kk):
        c[i] = 0.0
        cc[i] = 0.0
        ca[i] = 0.0
        for j in range(dc.shape[0]):
            dc[j, i] = 0.0
        for a in range(d2c.shape[0]):
            for b2 in range(d2c.shape[1]):
                d2c[a, b2, i] = 0.0
    # a segment with exactly one moving endpoint: that endpoint's own
    # factor and the Jacobian leave -1/(8h^2) in d^2 log(integrand)
    one_end = -0.125 / (h * h) if (not infinite and (lo_idx < 0) != (
        hi_idx < 0)) else 0.0
    for q in range(N):
        val = math.exp(lf[q] - ref)
        for i in range(kk - 1):
            sv[i] = (hi - nodes[i]) - below[q]
        monic_basis(kk, gam, sv, P)
        for i in range(kk):
            c[i] += P[i] * val
            ca[i] += abs(P[i]) * val
            if coarse[q]:
                cc[i] += 2.0 * P[i] * val
        if nder == 0:
            continue
        # s-derivative of the basis
        P1[0] = 0.0
        for i in range(1, kk):
            P1[i] = P1[i - 1] * sv[i - 1] + P[i - 1]
            if i >= 2:
                P1[i] += gam[i - 1] * P1[i - 2]
        S1 = 0.0
        for j in range(d):
            if z[j] >= hi:
                dist[j] = (z[j] - hi) + below[q]
                ins[j] = -0.5 * m[j] / dist[j]
            else:
                dist[j] = (lo - z[j]) + above[q]
                ins[j] = 0.5 * m[j] / dist[j]
            if j != hi_idx and j != lo_idx:
                S1 += ins[j]
        if nder >= 2:
            P2[0] = 0.0
            if kk > 1:
                P2[1] = 0.0
            for i in range(2, kk):
                P2[i] = P2[i - 1] * sv[i - 1] + 2.0 * P1[i - 1] \
                    + gam[i - 1] * P2[i - 2]
        for j in range(d):
            # d log(integrand) = ds (1 - sum_(others) ins) + ins_j (1 - ds)
            # + d log(Jacobian); for a moving endpoint the last two are
            # +-1/(4h) in closed form (0 on the half-line)
            if j == hi_idx:
                ds = sb2[q]
                dl = ds * (1.0 - S1 - (ins[lo_idx] if lo_idx >= 0 else 0.0))
                if not infinite:
                    dl += 0.25 / h
            elif j == lo_idx:
                ds = sa2[q]
                dl = ds * (1.0 - S1 - (ins[hi_idx] if hi_idx >= 0 else 0.0))
                dl -= 0.25 / h
            else:
                ds = 0.0
                dl = ins[j]
            dsv[j] = ds
            dl_[j] = dl
            for i in range(kk):
                dc[j, i] += val * (P1[i] * ds + P[i] * dl)
        if nder < 2:
            continue
        # the split of a tie: (1/2) (s - z_h)^-2 inserted once
        for j in range(d):
            if m[j] >= 2.0:
                t = val * 0.5 / (dist[j] * dist[j])
                for i in range(kk):
                    dc[d + j, i] += P[i] * t
        # d^2 log(integrand) = sum_j q_j (s_a - [j = a]) (s_b - [j = b])
        # (q_j = (m_j/2) / (s - z_j)^2) over the non-endpoint values, plus
        # the endpoints' closed form
        for a in range(d):
            for b2 in range(a + 1):
                d2l = 0.0
                if a == hi_idx or a == lo_idx or b2 == hi_idx \
                        or b2 == lo_idx:
                    for j in range(d):
                        if j == hi_idx or j == lo_idx:
                            continue
                        ua = dsv[a] - (1.0 if j == a else 0.0)
                        ub = dsv[b2] - (1.0 if j == b2 else 0.0)
                        if ua != 0.0 and ub != 0.0:
                            d2l += 0.5 * m[j] / (dist[j] * dist[j]) * ua * ub
                    if a == b2:
                        d2l += one_end
                elif a == b2:
                    d2l = 0.5 * m[a] / (dist[a] * dist[a])
                for i in range(kk):
                    t = val * (P2[i] * dsv[a] * dsv[b2]
                               + P1[i] * (dsv[a] * dl_[b2] + dsv[b2] * dl_[a])
                               + P[i] * (dl_[a] * dl_[b2] + d2l))
                    d2c[a, b2, i] += t
                    if b2 != a:
                        d2c[b2, a, i] += t
    return ref


@jit
def arc_panels(rho, sub):
    """Panel edges in theta on [-pi, 0]: four equal base panels, or for a
    large radius panels halving toward theta = 0, where ``e^(rho cos
    theta)`` concentrates (width ``rho^(-1/2)``); each split into ``sub``."""
    if rho > 4.0:
        J = int(math.ceil(math.log2(math.pi * math.sqrt(rho)))) + 1
        base = np.empty(J + 2)
        for j in range(J + 1):
            base[j] = -math.pi * 0.5 ** j
        base[J + 1] = 0.0
    else:
        base = np.linspace(-math.pi, 0.0, 5)
    nb = base.shape[0] - 1
    edges = np.empty(nb * sub + 1)
    for j in range(nb):
        for t in range(sub):
            edges[j * sub + t] = base[j] + (base[j + 1] - base[j]) * t / sub
    edges[nb * sub] = 0.0
    return edges


@jit
def kform(U, v, u, V, w, out, sign):
    """``out[i, j] += sign sum_q w_q (U_i v_j - U_j v_i + ...)``: the ordered
    double integral ``int int_(s<t) (u_i(s) v_j(t) - u_j(s) v_i(t))`` from
    the cumulative integrals ``U`` of ``u`` (and, symmetrically, ``V`` of
    ``v``: both orders)."""
    kk = U.shape[0]
    n = U.shape[1]
    for i in range(kk):
        for j in range(kk):
            acc = 0.0j
            for q in range(n):
                acc += w[q] * (U[i, q] * v[j, q] - U[j, q] * v[i, q]
                               + V[i, q] * u[j, q] - V[j, q] * u[i, q])
            out[i, j] += sign * acc


@jit
def arc_integrals(centre, rho, z, m, nodes, gam, kk, sub, glx, glw, glS, nder, alpha,
         B, aabs, dalpha, dB, d2alpha, d2B):
    """Single and ordered double integrals of ``phi f`` over the lower
    semicircle from ``centre - rho`` to ``centre + rho``, relative to
    ``e^ref`` (``e^(2 ref)`` for ``B``); ``aabs`` the integrals of ``|phi f
    ds|``; with ``nder`` their derivatives in the distinct values (the arc
    is fixed, so each is the insertion of ``(m_h/2) / (s - z_h)``, and of
    ``ins_a ins_b + [a = b] (m_a/2) / (s - z_a)^2`` at second order; with
    ``nder >= 2`` also the split of a tie, ``(1/2) (s - z_h)^-2`` inserted
    once, as parameter ``d + h``).  Returns ref."""
    n = glx.shape[0]
    d = z.shape[0]
    edges = arc_panels(rho, sub)
    npan = edges.shape[0] - 1
    N = npan * n
    lf = np.empty(N, np.complex128)
    S = np.empty(N, np.complex128)
    for pn in range(npan):
        hw = 0.5 * (edges[pn + 1] - edges[pn])
        mid = edges[pn] + hw
        for q in range(n):
            th = mid + hw * glx[q]
            e = complex(math.cos(th), math.sin(th))
            sq = centre + rho * e
            v = sq + cmath.log(1j * rho * e * hw)
            for j in range(d):
                v -= 0.5 * m[j] * cmath.log(sq - z[j])
            lf[pn * n + q] = v
            S[pn * n + q] = sq
    ref = -np.inf
    for q in range(N):
        ref = max(ref, lf[q].real)
    nd1 = dalpha.shape[0]  # d, or 2d with the splits
    nd2 = d2alpha.shape[0]
    g = np.empty((kk, n), np.complex128)
    dg = np.empty((nd1, kk, n), np.complex128)
    d2g = np.empty((nd2, nd2, kk, n), np.complex128)
    P = np.empty(kk, np.complex128)
    C = np.empty((kk, n), np.complex128)
    dC = np.empty((nd1, kk, n), np.complex128)
    d2C = np.empty((nd2, nd2, kk, n), np.complex128)
    ins = np.empty(d, np.complex128)
    for i in range(kk):
        alpha[i] = 0.0
        aabs[i] = 0.0
        for j in range(kk):
            B[i, j] = 0.0
        for h in range(nd1):
            dalpha[h, i] = 0.0
            for j in range(kk):
                dB[h, i, j] = 0.0
        for a in range(nd2):
            for b2 in range(nd2):
                d2alpha[a, b2, i] = 0.0
                for j in range(kk):
                    d2B[a, b2, i, j] = 0.0
    for pn in range(npan):
        for q in range(n):
            sq = S[pn * n + q]
            fv = cmath.exp(lf[pn * n + q] - ref)
            P[0] = 1.0
            for i in range(1, kk):
                P[i] = P[i - 1] * (sq - nodes[i - 1])
                if i >= 2:
                    P[i] += gam[i - 1] * P[i - 2]
            for i in range(kk):
                g[i, q] = P[i] * fv
            for h in range(d if nd1 > 0 else 0):
                ins[h] = 0.5 * m[h] / (sq - z[h])
            for h in range(nd1):
                if h < d:
                    t = ins[h]
                elif m[h - d] >= 2.0:
                    t = 0.5 / (sq - z[h - d]) ** 2
                else:
                    t = 0.0
                for i in range(kk):
                    dg[h, i, q] = g[i, q] * t
            for a in range(nd2):
                for b2 in range(nd2):
                    t = ins[a] * ins[b2]
                    if a == b2:
                        t += 0.5 * m[a] / (sq - z[a]) ** 2
                    for i in range(kk):
                        d2g[a, b2, i, q] = g[i, q] * t
        # cumulative integrals at the panel's nodes
        for i in range(kk):
            for q in range(n):
                acc = alpha[i]
                for j in range(n):
                    acc += glS[q, j] * g[i, j]
                C[i, q] = acc
                for h in range(nd1):
                    acc = dalpha[h, i]
                    for j in range(n):
                        acc += glS[q, j] * dg[h, i, j]
                    dC[h, i, q] = acc
                for a in range(nd2):
                    for b2 in range(nd2):
                        acc = d2alpha[a, b2, i]
                        for j in range(n):
                            acc += glS[q, j] * d2g[a, b2, i, j]
                        d2C[a, b2, i, q] = acc
        for i in range(kk):
            for j in range(kk):
                acc = 0.0j
                for q in range(n):
                    acc += glw[q] * (C[i, q] * g[j, q] - g[i, q] * C[j, q])
                B[i, j] += acc
        for h in range(nd1):
            kform(dC[h], g, dg[h], C, glw, dB[h], 1.0)
        for a in range(nd2):
            for b2 in range(nd2):
                kform(d2C[a, b2], g, d2g[a, b2], C, glw, d2B[a, b2], 1.0)
                kform(dC[a], dg[b2], dg[a], dC[b2], glw, d2B[a, b2], 1.0)
        for i in range(kk):
            for q in range(n):
                alpha[i] += glw[q] * g[i, q]
                aabs[i] += glw[q] * abs(g[i, q])
                for h in range(nd1):
                    dalpha[h, i] += glw[q] * dg[h, i, q]
                for a in range(nd2):
                    for b2 in range(nd2):
                        d2alpha[a, b2, i] += glw[q] * d2g[a, b2, i, q]
    return ref


@jit
def wedge(u, v, out, f):
    """``out += f (u ^ v)``, ``(u ^ v)_ij = u_i v_j - u_j v_i``."""
    for i in range(u.shape[0]):
        for j in range(u.shape[0]):
            out[i, j] += f * (u[i] * v[j] - u[j] * v[i])


@jit
def _scaled(B, f, out):
    """``out = f B`` (square complex matrices)."""
    for i in range(B.shape[0]):
        for j in range(B.shape[1]):
            out[i, j] = f * B[i, j]


@jit
def group_forms(z, m, kk, nodes, gam, first, last, centre, rho, level, sub,
                coarse, nder):
    """Per group: ``A`` (2 Re lambda), ``b`` (Im lambda), ``Theta``, their
    magnitude bounds ``Aabs``, ``Tabs``, relative to ``e^ref`` (``e^(2
    ref)`` for Theta; ``tie`` marks groups with an arc), and with ``nder``
    their derivatives ``dA[g, h]`` .. in the distinct value ``z[h]`` (with
    ``nder >= 2`` also in the split of tie ``h``, index ``d + h``, and the
    second derivatives ``d2A[g, a, b]`` .. in the values)."""
    G = first.shape[0]
    d = z.shape[0]
    nd1 = 0 if nder == 0 else d if nder == 1 else 2 * d
    nd2 = d if nder >= 2 else 0
    A = np.zeros((G, kk))
    b = np.zeros((G, kk))
    T = np.zeros((G, kk, kk))
    dA = np.zeros((G, nd1, kk))
    db = np.zeros((G, nd1, kk))
    dT = np.zeros((G, nd1, kk, kk))
    d2A = np.zeros((G, nd2, nd2, kk))
    d2b = np.zeros((G, nd2, nd2, kk))
    d2T = np.zeros((G, nd2, nd2, kk, kk))
    Aabs = np.zeros((G, kk))
    Tabs = np.zeros((G, kk, kk))
    ref = np.zeros(G)
    tie = np.zeros(G, np.bool_)
    c = np.empty(kk)
    cc = np.empty(kk)
    ca = np.empty(kk)
    dc = np.zeros((nd1, kk))
    d2c = np.zeros((nd2, nd2, kk))
    alpha = np.zeros(kk, np.complex128)
    Barc = np.zeros((kk, kk), np.complex128)
    aabs = np.zeros(kk)
    dalpha = np.zeros((nd1, kk), np.complex128)
    dBarc = np.zeros((nd1, kk, kk), np.complex128)
    d2alpha = np.zeros((nd2, nd2, kk), np.complex128)
    d2Barc = np.zeros((nd2, nd2, kk, kk), np.complex128)
    # per group: the segment's and the whole lower half's single integrals
    # (index 0: value, 1 + h: first derivatives, then second)
    nall = 1 + nd1 + nd2 * nd2
    ls = np.zeros((nall, kk), np.complex128)
    la = np.zeros((nall, kk), np.complex128)  # the arc's
    lam = np.empty((nall, kk), np.complex128)
    TT = np.empty((kk, kk), np.complex128)
    glx, glw, glS = gauss_legendre(GL_N)
    # the coarse pass also moves the arcs (inward, where they still clear
    # the group): the result does not depend on the contour, so the change
    # between the passes shows cancellation the rounding estimate misses
    rsc = np.ones(G)
    if coarse:
        for g in range(G):
            if rho[g] > 0.0:
                hw = 0.5 * (z[first[g]] - z[last[g]])
                rsc[g] = max(RHO_CHECK, min(1.0, 1.5 * hw / rho[g]))
    M = 0.0
    for g in range(G):
        for h in range(first[g], last[g] + 1):
            M += m[h]
        infinite = g == G - 1
        lo_idx = -1
        if infinite:
            lo = -np.inf
        elif rho[g + 1] > 0.0:
            lo = centre[g + 1] + rho[g + 1] * rsc[g + 1]
        else:
            lo = z[first[g + 1]]
            lo_idx = first[g + 1]
        hi_idx = -1
        if rho[g] > 0.0:
            hi = centre[g] - rho[g] * rsc[g]
        else:
            hi = z[first[g]]
            hi_idx = first[g]
        rs = segment_integrals(lo, hi, infinite, lo_idx, hi_idx, z, m, nodes, gam, kk,
                      level, nder, c, cc, ca, dc, d2c)
        if coarse:
            for i in range(kk):
                c[i] = cc[i]
        # the lower side of the cut: e^(i pi M / 2)
        quarter = int(M) % 4
        ph = complex(1.0 if quarter == 0 else -1.0 if quarter == 2 else 0.0,
                     1.0 if quarter == 1 else -1.0 if quarter == 3 else 0.0)
        fs = 1.0
        fa = 0.0
        tie[g] = rho[g] > 0.0
        if tie[g]:
            ra = arc_integrals(centre[g], rho[g] * rsc[g], z, m, nodes, gam, kk,
                      sub if coarse else 2 * sub, glx, glw, glS, nder, alpha,
                      Barc, aabs, dalpha, dBarc, d2alpha, d2Barc)
            r0 = max(rs, ra)
            fs = math.exp(rs - r0)
            fa = math.exp(ra - r0)
            ref[g] = r0
        else:
            ref[g] = rs
        for i in range(kk):
            ls[0, i] = ph * c[i] * fs
            la[0, i] = alpha[i] * fa if tie[g] else 0.0
            Aabs[g, i] = 2.0 * (ca[i] * fs + (aabs[i] * fa if tie[g] else 0.0))
            for h in range(nd1):
                ls[1 + h, i] = ph * dc[h, i] * fs
                la[1 + h, i] = dalpha[h, i] * fa if tie[g] else 0.0
            for a in range(nd2):
                for b2 in range(nd2):
                    t = 1 + nd1 + a * nd2 + b2
                    ls[t, i] = ph * d2c[a, b2, i] * fs
                    la[t, i] = d2alpha[a, b2, i] * fa if tie[g] else 0.0
        # (element by element here and below: every array expression is a
        # loop numba compiles of its own)
        for t in range(nall):
            for i in range(kk):
                lam[t, i] = ls[t, i] + la[t, i]
        if tie[g]:
            # Theta = Im(B + lseg ^ larc) + Re lam ^ Im lam, and its
            # derivatives by the product rule
            _scaled(Barc, fa * fa, TT)
            wedge(ls[0], la[0], TT, 1.0)
            for i in range(kk):
                for j in range(kk):
                    T[g, i, j] = TT[i, j].imag + lam[0, i].real * lam[0, j].imag \
                        - lam[0, i].imag * lam[0, j].real
                    Tabs[g, i, j] = Aabs[g, i] * Aabs[g, j]
            for h in range(nd1):
                _scaled(dBarc[h], fa * fa, TT)
                wedge(ls[1 + h], la[0], TT, 1.0)
                wedge(ls[0], la[1 + h], TT, 1.0)
                for i in range(kk):
                    for j in range(kk):
                        dT[g, h, i, j] = TT[i, j].imag \
                            + lam[1 + h, i].real * lam[0, j].imag \
                            + lam[0, i].real * lam[1 + h, j].imag \
                            - lam[1 + h, i].imag * lam[0, j].real \
                            - lam[0, i].imag * lam[1 + h, j].real
            for a in range(nd2):
                for b2 in range(nd2):
                    t = 1 + nd1 + a * nd2 + b2
                    _scaled(d2Barc[a, b2], fa * fa, TT)
                    wedge(ls[t], la[0], TT, 1.0)
                    wedge(ls[1 + a], la[1 + b2], TT, 1.0)
                    wedge(ls[1 + b2], la[1 + a], TT, 1.0)
                    wedge(ls[0], la[t], TT, 1.0)
                    for i in range(kk):
                        for j in range(kk):
                            d2T[g, a, b2, i, j] = TT[i, j].imag \
                                + lam[t, i].real * lam[0, j].imag \
                                + lam[1 + a, i].real * lam[1 + b2, j].imag \
                                + lam[1 + b2, i].real * lam[1 + a, j].imag \
                                + lam[0, i].real * lam[t, j].imag \
                                - lam[t, i].imag * lam[0, j].real \
                                - lam[1 + a, i].imag * lam[1 + b2, j].real \
                                - lam[1 + b2, i].imag * lam[1 + a, j].real \
                                - lam[0, i].imag * lam[t, j].real
        for i in range(kk):
            # a simple group's phase is real or imaginary: exact zeros
            if tie[g] or quarter % 2 == 0:
                A[g, i] = 2.0 * lam[0, i].real
                for h in range(nd1):
                    dA[g, h, i] = 2.0 * lam[1 + h, i].real
                for a in range(nd2):
                    for b2 in range(nd2):
                        d2A[g, a, b2, i] = 2.0 * lam[1 + nd1 + a * nd2 + b2,
                                                     i].real
            if tie[g] or quarter % 2 == 1:
                b[g, i] = lam[0, i].imag
                for h in range(nd1):
                    db[g, h, i] = lam[1 + h, i].imag
                for a in range(nd2):
                    for b2 in range(nd2):
                        d2b[g, a, b2, i] = lam[1 + nd1 + a * nd2 + b2, i].imag
    return A, b, T, Aabs, Tabs, ref, tie, dA, db, dT, d2A, d2b, d2T
