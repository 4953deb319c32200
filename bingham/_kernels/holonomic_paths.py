"""Where and how the holonomic method runs for one input: on the given
eigenvalues where it is stable, on the shifted spectrum of a Bingham input,
and on tied spectra by splitting the ties and extrapolating.  Called by the
last tier of ``method="auto"`` (:mod:`.dispatch`) and for
``method="holonomic"``; the kernel itself is :mod:`.holonomic`."""
import math

import numpy as np

from ._jit import jit
from .codes import NOT_APPLICABLE, NOT_CONVERGED, OK, TOO_COSTLY
from .holonomic import hgm
from .series_paths import is_int, max_parts

_EPS = 2.220446049250313e-16
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
    if not (aa > 0.0 and is_int(2.0 * aa) and n <= 2.0 * aa):
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    y = -x if kummer else x.copy()
    logF, g, h, err, ok = hgm(aa, b, y, max_parts(aa, n), nder,
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
def shifted_cost(p, x):
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
def holonomic(a, b, x, nder, forced):
    """Holonomic gradient method where it is stable: on the given
    eigenvalues (:func:`_holonomic_direct`), else, for a Bingham input, on
    the shifted spectrum (:func:`_holonomic_shifted`, or
    :func:`_split_ties` when eigenvalues are equal or close: up to
    ``p = TIE_MAX_P``, or ``TIE_MAX_P_FORCED`` when the caller asked for the
    method).  Returns ``(logF, grad, hess, err, status)``; status
    NOT_APPLICABLE when ineligible and NOT_CONVERGED when the error
    estimate exceeds ``1e-12`` relative."""
    logF, g, h, err, st = _holonomic_direct(a, b, x, nder)
    if st == NOT_APPLICABLE and is_int(2.0 * a) and is_int(2.0 * b) \
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
