"""Two nonzero eigenvalues: the matrix-beta integral.

For a Bingham concentration with two nonzero eigenvalues ``x_h >= x_l``
(``a = k/2``, ``b = p/2``, ``2 <= k <= p - 2``), ``F`` depends on a Haar
``p x k`` frame ``X`` only through ``W = U^T X X^T U`` (``U`` the two
eigenvectors), which is matrix-Beta: its eigenvalues ``w_1 >= w_2`` have the
density ``|w_1 - w_2| (w_1 w_2)^((k-3)/2) ((1 - w_1)(1 - w_2))^((p-k-3)/2)``
and its eigenvectors are Haar on O(2), independent of them.  The angle
``theta`` of the eigenvectors enters ``tr(diag(x) W)`` as
``(x_h + x_l)(w_1 + w_2)/2 + (x_h - x_l)(w_1 - w_2)/2 cos(2 theta)``, whose
average over ``theta`` is a Bessel function:

    F = (2 / S) int int_{w_1 > w_2} |w_1 - w_2| (w_1 w_2)^((k-3)/2)
        ((1 - w_1)(1 - w_2))^((p-k-3)/2) e^(x_h w_1 + x_l w_2) I0e(z),
    z = (x_h - x_l)(w_1 - w_2)/2,

with ``S`` Selberg's integral (``alpha = (k-1)/2``, ``beta = (p-k-1)/2``,
``gamma = 1/2``), so that ``F = 1`` at ``x = 0``.  Exact at any
concentration, any signs and any gap, equal and near-equal eigenvalues
included (``z -> 0`` is regular): no cancellation anywhere.

The integral runs over ``w_1`` in (0, 1) and ``w_2 = w_1 v``, ``v`` in
(0, 1), each split at the integrand's mode and integrated by tanh-sinh
quadrature (double-exponential clustering at the ends resolves the boundary
layers of width ``1/|x|`` at large concentration and the endpoint
singularities of the Beta factors); every complement ``1 - w`` is formed
from positive parts.  The step is halved until two levels agree (at most
``MAX_LEVEL`` halvings, 10-50 ms); the error estimate is their difference,
ten times it where the levels stall short of quadratic convergence, plus
the rounding of the Selberg constant's terms (its log-gammas, which cancel
at large ``p``, are paired through Stirling's series:
:func:`.bessel_selberg.log_selberg`) and of ``1 - w`` at the split point
(:func:`_exact_split`).  Derivatives are moments of
``d/dx`` of the exponent (``I1/I0`` ratios), centred, with ``1 - g`` carried
where ``g`` is near one, so that the tiny variances at large concentration
keep their relative accuracy.
"""
import math

import numpy as np

from ._jit import jit
from .budget import clock, expired, resume
from .codes import NOT_CONVERGED, OK, USED_RANK_TWO
from .bessel_selberg import bessel_ratio, log_selberg

_EPS = 2.220446049250313e-16
# tanh-sinh: nodes t in [-T_MAX, T_MAX] (the node nearest an end lies
# about e^-141 of the piece from it); steps H0 / 2^level
T_MAX = 4.5
H0 = 0.5
MAX_LEVEL = 4
# the change between two levels (relative, of F: absolute in log F)
# accepted as converged, relative to max(1, |log F|): tanh-sinh converges
# quadratically, so the later level is far closer than the change; the
# sums of 1e4-1e5 terms carry rounding of about 1e-14
TOL = 5e-14
ROUNDING = 1e-14
# the estimate (relative to max(1, |log F|)) under which "auto" keeps the
# result (the branch-cut tier's CONFLUENT_ACCEPT); past it the last tier
# runs.  The levels stall at 1e-13 to 1e-12 where the Beta factors are
# singular at a corner of the square (k = 2 or p - k = 2)
ACCEPT = 1e-12
@jit
def _point(w1, c1, v, cv, xh, xl, am, bm):
    """The log integrand (without its constant shift) at ``w_1 = w1``,
    ``w_2 = w1 v`` (``c1 = 1 - w1``, ``cv = 1 - v``), in the measure
    ``dw_1 dv``, and the pieces of its derivatives: ``(L, w2, c2, dw, r,
    1 - r, r'(z))``."""
    w2 = w1 * v
    dw = w1 * cv
    c2 = c1 + dw
    z = 0.5 * (xh - xl) * dw
    li0, r, omr, rz = bessel_ratio(z)
    lw1 = math.log(w1)
    L = (lw1 + math.log(dw) + am * (2.0 * lw1 + math.log(v))
         + bm * (math.log(c1) + math.log(c2)) + li0)
    # x_h w1 + x_l w2 less its largest value (positive eigenvalues at w = 1)
    L += -xh * c1 if xh > 0.0 else xh * w1
    L += -xl * c2 if xl > 0.0 else xl * w2
    rp = 1.0 - rz - r * r
    return L, w2, c2, dw, r, omr, rp


@jit
def _node(t, h, lo, ln, chi, c):
    """A tanh-sinh node of the piece ``[lo, lo + ln]`` of (0, 1) (``chi``:
    one minus its upper end, given so that it keeps its relative
    accuracy): ``(w, 1 - w, weight)``.  The logistic form ``y = 1 / (1 +
    e^-(pi sinh t + c))`` with the shift ``c`` centres the nodes at ``y =
    e^c`` (``c < 0``) or ``1 - y = e^-c`` (``c > 0``): where the peak's
    layer lies at that end of the piece."""
    u = math.pi * math.sinh(t) + c
    if u >= 0.0:
        e = math.exp(-u)
        y = 1.0 / (1.0 + e)
        oy = e / (1.0 + e)
    else:
        e = math.exp(u)
        y = e / (1.0 + e)
        oy = 1.0 / (1.0 + e)
    wt = h * math.pi * math.cosh(t) * y * oy * ln
    return lo + ln * y, chi + ln * oy, wt


@jit
def _mode(xh, xl, am, bm):
    """Where the integrand peaks: ``(w1, 1 - w1, v, 1 - v)``, from a grid in
    the logistic variables and the product of the one-variable Beta peaks,
    then a few rounds of golden-section search and Newton steps."""
    best = -np.inf
    b1 = 0.0
    bv = 0.0
    G = 48
    for i in range(G):
        t1 = -36.0 + 72.0 * i / (G - 1)
        for j in range(G):
            tv = -36.0 + 72.0 * j / (G - 1)
            L = _lpt(t1, tv, xh, xl, am, bm)
            if L > best:
                best = L
                b1 = t1
                bv = tv
    # and the product of the two one-variable peaks (the coupling through
    # w_1 - w_2 and the Bessel factor left out): where the Beta exponents
    # are large the peak is too narrow for the grid
    if am > 0.0 and bm > 0.0:
        u1 = _beta_peak(am, bm, xh)
        u2 = _beta_peak(am, bm, xl)
        if u2 < u1:
            t1 = math.log(u1) - math.log1p(-u1)
            tv = math.log(u2 / u1) - math.log1p(-u2 / u1)
            L = _lpt(t1, tv, xh, xl, am, bm)
            if L > best:
                best = L
                b1 = t1
                bv = tv
    step = 72.0 / (G - 1)
    gr = 0.5 * (math.sqrt(5.0) - 1.0)
    for _ in range(3):
        for coord in range(2):
            lo = (b1 if coord == 0 else bv) - step
            hi = (b1 if coord == 0 else bv) + step
            for _ in range(40):
                m1 = hi - gr * (hi - lo)
                m2 = lo + gr * (hi - lo)
                if coord == 0:
                    f1 = _lpt(m1, bv, xh, xl, am, bm)
                    f2 = _lpt(m2, bv, xh, xl, am, bm)
                else:
                    f1 = _lpt(b1, m1, xh, xl, am, bm)
                    f2 = _lpt(b1, m2, xh, xl, am, bm)
                if f1 >= f2:
                    hi = m2
                else:
                    lo = m1
            if coord == 0:
                b1 = 0.5 * (lo + hi)
            else:
                bv = 0.5 * (lo + hi)
        step *= 0.25
    # Newton steps on the log integrand in the logistic variables (a sharp
    # peak on a ridge, k and p - k in the thousands, is beyond the
    # coordinate search), each kept only where it climbs
    e = 1e-4
    f0 = _lpt(b1, bv, xh, xl, am, bm)
    for _ in range(20):
        fpp = _lpt(b1 + e, bv + e, xh, xl, am, bm)
        fpm = _lpt(b1 + e, bv - e, xh, xl, am, bm)
        fmp = _lpt(b1 - e, bv + e, xh, xl, am, bm)
        fmm = _lpt(b1 - e, bv - e, xh, xl, am, bm)
        fp1 = _lpt(b1 + e, bv, xh, xl, am, bm)
        fm1 = _lpt(b1 - e, bv, xh, xl, am, bm)
        fpv = _lpt(b1, bv + e, xh, xl, am, bm)
        fmv = _lpt(b1, bv - e, xh, xl, am, bm)
        g1 = (fp1 - fm1) / (2.0 * e)
        gv = (fpv - fmv) / (2.0 * e)
        h11 = (fp1 - 2.0 * f0 + fm1) / (e * e)
        hvv = (fpv - 2.0 * f0 + fmv) / (e * e)
        h1v = (fpp - fpm - fmp + fmm) / (4.0 * e * e)
        det = h11 * hvv - h1v * h1v
        if not (math.isfinite(det) and h11 < 0.0 and det > 0.0):
            break                    # not concave here: keep the point
        d1 = -(hvv * g1 - h1v * gv) / det
        dv = -(h11 * gv - h1v * g1) / det
        lam = 1.0
        moved = False
        for _ in range(30):
            f1 = _lpt(b1 + lam * d1, bv + lam * dv, xh, xl, am, bm)
            if f1 > f0:
                b1 += lam * d1
                bv += lam * dv
                f0 = f1
                moved = True
                break
            lam *= 0.5
        if not moved or abs(lam * d1) + abs(lam * dv) < 1e-10:
            break
    m1, cm1, w1off, c1off = _exact_split(_sig(b1), _sig(-b1))
    mv, cmv, wvoff, cvoff = _exact_split(_sig(bv), _sig(-bv))
    return m1, cm1, mv, cmv, w1off + wvoff, c1off + cvoff


@jit(inline="always")
def _exact_split(m, cm):
    """``(m, 1 - m, dw, dc)``: the split point moved by at most an ulp of
    one (and by at most 1e-6 of itself) so that the two sum to one exactly
    (Sterbenz: the smaller from the larger is exact); where it cannot be
    moved, the relative inconsistency left, on the side of ``m`` (``dw``)
    or of its complement (``dc``).  The pieces' nodes form ``w`` from
    ``m`` and ``1 - w`` from ``1 - m``; an inconsistency between them
    shifts every term's exponent alike, by ``bm dc`` or ``am dw``:
    coherent, so no level of the quadrature removes it (``p = 4096``,
    ``x = 0``: 5.9e-13 in ``log F`` against an estimate of 1.2e-13)."""
    if m <= 0.5:
        c = 1.0 - m
        e = 1.0 - c
        if e > 0.0 and abs(e - m) <= 1e-6 * m:
            return e, c, 0.0, 0.0
        return m, c, 0.0, abs(e - m) / c
    m = 1.0 - cm
    e = 1.0 - m
    if e > 0.0 and abs(e - cm) <= 1e-6 * cm:
        return m, e, 0.0, 0.0
    return m, cm, abs(e - cm) / m, 0.0


@jit
def _beta_peak(am, bm, x):
    """The peak in (0, 1) of ``w^am (1 - w)^bm e^(x w)`` (``am, bm > 0``):
    the root of ``x w^2 - (x - am - bm) w - am = 0`` there."""
    if x == 0.0:
        return am / (am + bm)
    B = x - am - bm
    disc = math.sqrt(B * B + 4.0 * x * am)
    # the root in (0, 1), formed without cancellation
    if B >= 0.0:
        return (B + disc) / (2.0 * x) if x > 0.0 else -2.0 * am / (B + disc)
    return -2.0 * am / (B - disc)


@jit(inline="always")
def _sig(t):
    if t >= 0.0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@jit
def _lpt(t1, tv, xh, xl, am, bm):
    """The log integrand at logistic coordinates (density in ``w1, v``)."""
    w1 = _sig(t1)
    c1 = _sig(-t1)
    v = _sig(tv)
    cv = _sig(-tv)
    if w1 <= 0.0 or c1 <= 0.0 or v <= 0.0 or cv <= 0.0:
        return -np.inf
    return _point(w1, c1, v, cv, xh, xl, am, bm)[0]


@jit
def _width(m, cm, side, coord, other, cother, xh, xl, am, bm):
    """Where the integrand's mass per unit of ``log d`` peaks, ``d`` the
    distance from the mode ``m`` (``cm = 1 - m``) along ``coord`` (0:
    ``w1``, 1: ``v``; the other coordinate held at ``other``) towards
    ``side`` (-1: 0, +1: 1), as a fraction of the way to that end (steps
    of a factor 4, down to ``4^-25``): about ``1/|x|`` for a boundary
    layer, the whole way for a power law (an integrable singularity)."""
    span = m if side < 0 else cm
    best = -np.inf
    fbest = 1.0
    f = 4.0 ** -25
    while f <= 1.0:
        d = f * span
        if side < 0:
            y, cy = m - d, cm + d
        else:
            y, cy = m + d, cm - d
        if y > 0.0 and cy > 0.0:
            if coord == 0:
                L = _point(y, cy, other, cother, xh, xl, am, bm)[0]
            else:
                L = _point(other, cother, y, cy, xh, xl, am, bm)[0]
            if L + math.log(f) > best:
                best = L + math.log(f)
                fbest = f
        f *= 4.0
    return fbest


@jit
def _pieces(m1, cm1, mv, cmv, xh, xl, am, bm):
    """The four pieces ``(lo, length, 1 - hi, shift)``: ``[0, m]`` and
    ``[m, 1]`` for ``w1`` (rows 0, 1) and ``v`` (rows 2, 3), each shift
    centring the nodes on the peak's layer at the mode's end (at most
    ``e^14`` from the middle)."""
    P = np.empty((4, 4))
    for coord in range(2):
        m, cm = (m1, cm1) if coord == 0 else (mv, cmv)
        other, cother = (mv, cmv) if coord == 0 else (m1, cm1)
        for side in range(2):
            f = _width(m, cm, -1 if side == 0 else 1, coord, other, cother,
                       xh, xl, am, bm)
            c = min(14.0, -math.log(f))
            row = 2 * coord + side
            if side == 0:        # [0, m], the layer at its upper end
                P[row, 0] = 0.0
                P[row, 1] = m
                P[row, 2] = cm
                P[row, 3] = c
            else:                # [m, 1], the layer at its lower end
                P[row, 0] = m
                P[row, 1] = cm
                P[row, 2] = 0.0
                P[row, 3] = -c
    return P


@jit
def _sums(level, xh, xl, am, bm, P, ref, nder, centre):
    """Tanh-sinh sums at one level, scaled by ``e^-ref``: ``[S, S E[g_h],
    S E[1 - g_h], S E[g_l], S E[1 - g_l], S E[(dw/2)^2 r'], S Var(g_h),
    S Cov(g_h, g_l), S Var(g_l), ..., largest log term]``; see
    :func:`rank_two`.  The (co)variances only with ``centre = (G_h, 1 -
    G_h, G_l, 1 - G_l)``, the means of a first pass (the deviation is
    formed from ``1 - g`` where the mean is above 1/2)."""
    h = H0 / 2.0 ** level
    nt = int(T_MAX / h)
    out = np.zeros(12)
    top = -np.inf
    second = centre.shape[0] == 4
    # the v nodes of both pieces, the same for every w1 node
    vs = np.empty((2 * (2 * nt + 1), 3))
    nv = 0
    for p2 in range(2, 4):
        for j in range(-nt, nt + 1):
            v, cv, wt2 = _node(j * h, h, P[p2, 0], P[p2, 1], P[p2, 2],
                               P[p2, 3])
            if v > 0.0 and cv > 0.0 and wt2 != 0.0:
                vs[nv, 0] = v
                vs[nv, 1] = cv
                vs[nv, 2] = wt2
                nv += 1
    for p1 in range(2):
        for i in range(-nt, nt + 1):
            w1, c1, wt1 = _node(i * h, h, P[p1, 0], P[p1, 1], P[p1, 2],
                                P[p1, 3])
            if w1 <= 0.0 or c1 <= 0.0 or wt1 == 0.0:
                continue
            for q in range(nv):
                v, cv, wt2 = vs[q, 0], vs[q, 1], vs[q, 2]
                L, w2, c2, dw, r, omr, rp = _point(w1, c1, v, cv, xh,
                                                   xl, am, bm)
                top = max(top, L - ref)
                f = wt1 * wt2 * math.exp(L - ref)
                if f == 0.0:
                    continue
                out[0] += f
                if nder < 1:
                    continue
                # d/dx of the exponent and one minus it
                gh = w1 - 0.5 * dw * omr
                ogh = c1 + 0.5 * dw * omr
                gl = w2 + 0.5 * dw * omr
                ogl = c1 + 0.5 * dw * (1.0 + r)
                out[1] += f * gh
                out[2] += f * ogh
                out[3] += f * gl
                out[4] += f * ogl
                if nder >= 2:
                    out[5] += f * 0.25 * dw * dw * rp
                if second:
                    dh = (centre[1] - ogh if centre[0] > 0.5
                          else gh - centre[0])
                    dl = (centre[3] - ogl if centre[2] > 0.5
                          else gl - centre[2])
                    out[6] += f * dh * dh
                    out[7] += f * dh * dl
                    out[8] += f * dl * dl
    out[11] = top
    return out


@jit
def rank_two(k, p, xh, xl, nder):
    """``(logF, g, h, err, ok)`` for two nonzero eigenvalues ``xh >= xl``
    (``2 <= k <= p - 2``): ``g = (d/dx_h, d/dx_l)`` of ``log F``, ``h`` its
    2 x 2 Hessian (zeros below ``nder``), ``err`` the absolute error
    estimate of ``logF``; ``ok`` is False where the levels did not agree
    within ``MAX_LEVEL`` or the work budget."""
    am = 0.5 * (k - 3.0)
    bm = 0.5 * (p - k - 3.0)
    g = np.zeros(2)
    hs = np.zeros((2, 2))
    m1, cm1, mv, cmv, woff, coff = _mode(xh, xl, am, bm)
    ref = _point(m1, cm1, mv, cmv, xh, xl, am, bm)[0]
    if not math.isfinite(ref):
        ref = 0.0
    P = _pieces(m1, cm1, mv, cmv, xh, xl, am, bm)
    lsel, lsize = log_selberg(k, p)
    shift = max(xh, 0.0) + max(xl, 0.0) + math.log(2.0) - lsel
    prev = np.zeros(12)
    cur = np.zeros(12)
    none = np.zeros(0)
    ok = False
    change = np.inf
    before = np.inf
    level = 0
    for level in range(MAX_LEVEL + 1):
        cur = _sums(level, xh, xl, am, bm, P, ref, nder, none)
        if cur[11] > 600.0:      # the mode was missed by far: rescale
            ref += cur[11]
            cur = _sums(level, xh, xl, am, bm, P, ref, nder, none)
        if level >= 1:
            before = change
            change = abs(cur[0] - prev[0]) / cur[0]
        if level >= 2:
            size = abs(shift + ref + math.log(cur[0]))
            if change <= TOL * max(1.0, size):
                ok = True
                break
        prev = cur
        if expired():
            break
    S = cur[0]
    logF = shift + ref + math.log(S)
    # the quadrature's change, the rounding of the terms (the exponent's
    # shift is exact; its variable part is rounded relative to |x|)
    # the change, or ten times it where the levels stall short of
    # quadratic convergence (the last level was then measured up to twice
    # the change off)
    if not change <= before ** 1.5:
        change *= 10.0
    err = (change + ROUNDING + 40.0 * _EPS * (1.0 + abs(xh) + abs(xl))
           + 4.0 * _EPS * (lsize + abs(shift) + abs(ref))
           + 2.0 * (abs(am) * woff + bm * coff))
    if nder >= 1:
        Gh = cur[1] / S
        oGh = cur[2] / S
        Gl = cur[3] / S
        oGl = cur[4] / S
        g[0] = Gh if Gh <= 0.5 else 1.0 - oGh
        g[1] = Gl if Gl <= 0.5 else 1.0 - oGl
        if nder >= 2:
            centre = np.array([Gh, oGh, Gl, oGl])
            sec = _sums(level, xh, xl, am, bm, P, ref, nder, centre)
            eh = cur[5] / S
            hs[0, 0] = eh + sec[6] / S
            hs[1, 1] = eh + sec[8] / S
            hs[0, 1] = -eh + sec[7] / S
            hs[1, 0] = hs[0, 1]
    return logF, g, hs, err, ok


@jit
def applies(a, b, x, nder):
    """A Bingham input (``a = k/2``, ``b = p/2``, ``2 <= k <= p - 2``) of at
    most two nonzero eigenvalues among ``x`` (all of ``x`` with the
    Hessian)."""
    k2 = 2.0 * a
    p2 = 2.0 * b
    n = x.shape[0]
    if not (k2 == math.floor(k2) and p2 == math.floor(p2) and k2 >= 2.0
            and p2 - k2 >= 2.0 and n <= p2):
        return False
    nz = 0
    for i in range(n):
        if x[i] != 0.0:
            nz += 1
        if not math.isfinite(x[i]):
            return False
    return 1 <= nz <= 2 and (nder < 2 or n <= 2)


@jit
def rank_two_rows(a, b, x, nder, rows, logF, grad, hess, err, status, used,
                  spent):
    """:func:`rank_two` on the rows of ``x[rows]`` it applies to
    (:func:`applies`), written into the output arrays where its estimate is
    below the one they hold (the branch-cut method's); returns which
    entries of ``rows`` it answered (certified within ``ACCEPT``).  The
    given zeros share ``(k - g_h - g_l) / (p - 2)``, the gradient of every
    implicit zero (the gradient over the whole spectrum sums to ``k``)."""
    final = np.zeros(rows.shape[0], np.bool_)
    n = x.shape[1]
    for t in range(rows.shape[0]):
        r = rows[t]
        y = x[r]
        if not applies(a[r], b[r], y, nder):
            continue
        k = int(2.0 * a[r] + 0.5)
        p = int(2.0 * b[r] + 0.5)
        # the two slots: the nonzero eigenvalues, a given zero or else an
        # implicit one (-1) for the second
        i1 = -1
        i2 = -1
        for i in range(n):
            if y[i] != 0.0:
                if i1 < 0:
                    i1 = i
                else:
                    i2 = i
        if i2 < 0:
            for i in range(n):
                if i != i1:
                    i2 = i
                    break
        v1 = y[i1]
        v2 = y[i2] if i2 >= 0 else 0.0
        if v2 > v1:
            i1, i2 = i2, i1
            v1, v2 = v2, v1
        t0 = clock()
        resume(spent[r])
        v, g, h, e, ok = rank_two(k, p, v1, v2, nder)
        spent[r] += clock() - t0
        if not (math.isfinite(v) and e < err[r]):
            continue
        # kept where it beats the branch-cut method's result, final where
        # certified; else the last tier sees it as the result to beat
        final[t] = e <= ACCEPT * max(1.0, abs(v))
        logF[r] = v
        err[r] = e
        status[r] = OK if final[t] else NOT_CONVERGED
        used[r] = USED_RANK_TWO
        if nder >= 1:
            rest = (k - g[0] - g[1]) / (p - 2.0)
            for i in range(n):
                grad[r, i] = rest
            if i1 >= 0:
                grad[r, i1] = g[0]
            if i2 >= 0:
                grad[r, i2] = g[1]
        if nder >= 2:
            for i in range(n):
                for j in range(n):
                    hess[r, i, j] = 0.0
            slots = (i1, i2)
            for i in range(2):
                for j in range(2):
                    if slots[i] >= 0 and slots[j] >= 0:
                        hess[r, slots[i], slots[j]] = h[i, j]
    return final
