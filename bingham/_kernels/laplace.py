"""The Laplace approximation of the Bingham constant at large
concentration, with its estimate cut to the hard bounds: the last resort of
``method="auto"`` (:mod:`.dispatch`) and ``method="laplace"``."""
import math

import numpy as np

from ._jit import jit
from .codes import NOT_CONVERGED

_EPS = 2.220446049250313e-16
LAPLACE_MAX_CORRECTION = 0.5
LAPLACE_MARGIN = 16.0  # heuristic: the estimate's factor beyond it


@jit
def laplace_bingham(k, p, x, nder):
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
