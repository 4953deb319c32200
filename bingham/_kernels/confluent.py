"""log 1F1(k/2; p/2; y) for any spectrum, ties included: the confluent
branch-cut method.

:mod:`.cut` writes the Bingham constant as a k-fold contour integral of
``prod_j f(s_j) |Vandermonde(s)|``, ``f(s) = e^s prod_i (s - y_i)^(-1/2)``,
and collapses the contour onto the branch cut.  An eigenvalue ``z`` of
multiplicity ``m`` makes ``f ~ (s - z)^(-m/2)`` there, which is not
integrable along the cut for ``m >= 2``.  Here the contour stays on the cut
between the groups of eigenvalues and goes around each group that is not a
single simple eigenvalue (a tie, a cluster of close eigenvalues, or the
implicit zeros of a low-rank concentration) on a semicircle below it and
its mirror image above.

Split the lower half of the contour into consecutive pieces, one per group
``g`` (top group first): the segment of the cut below the group and, for a
group with an arc, the arc around it.  Their single integrals
``lambda_g = int phi(s) f(s) ds`` (``phi`` the monic polynomial basis) and
the ordered double integral ``beta_g`` over the piece, with the upper half
the mirror image (``f(conj s) = conj f(s)``) traversed backwards, give de
Bruijn's 2-form of the whole contour as ``2i Xi`` with the *real* form

    Xi = sum_g Theta_g + sum_{i > j} A_i ^ b_j,
    A_g = 2 Re lambda_g,  b_g = Im lambda_g,
    Theta_g = Im beta_g + Re lambda_g ^ Im lambda_g,

(the lower half of a group below ``j`` comes before group ``j`` along the
contour and its upper half after).  For a simple group the segment carries
the phase ``e^(i pi M/2)`` (``M`` eigenvalues above it), so exactly one of
``A_g``, ``b_g`` is nonzero and ``Theta_g = 0``: this is the branch-cut
representation of :mod:`.cut`.  Expanding the top power of ``Xi`` with
``exp(sum_j A_{>j} ^ b_j) = prod_j (1 + A_{>j} ^ b_j)`` gives a sum over sets
``J`` of b-groups of ``(-1)^|J| top(b_j1 ^ W_1 ^ .. ^ b_jn ^ W_n ^
Theta^L / L!)``, ``W_t`` the sum of ``A_i`` between ``j_t`` and the next
member of ``J`` and ``Theta`` the sum of the groups' ``Theta_g``; each term is
the Pfaffian of a bordered matrix ``[[Theta, V], [-V^T, 0]]``, computed
after symmetric equilibration (the basis is graded: its entries span many
orders of magnitude, and an orthogonal projection would mix them).  For odd
``k`` de Bruijn's extra row is ``sum_g b_g`` and one more b-group joins each
term.  The constant is that of :mod:`.cut` divided by ``2^floor(k/2)``.

The arc of a group is placed where ``|f|`` is smallest on the real axis
beside it (about ``m/2`` from a group of total multiplicity ``m``), so that
the arc and the segments next to it do not cancel; where the neighbours are
too close for that, the groups are merged into one cluster with one arc.
The implicit zeros of a rank-``r`` concentration are one group, so the work
grows with the number of distinct eigenvalues, not with ``p``.  When every
eigenvalue ends up in one cluster, the contour is a single loop through the
saddle point and the sum has one term.

Quadrature: the segments as in :mod:`.cut` (tanh-sinh in ``theta`` with
``s = mid + h cos(theta)``, exp-sinh on the half-line); the arcs by
Gauss-Legendre panels with a spectral cumulative-integration matrix for the
ordered double integrals (both in :mod:`.confluent_pieces`).  The error
estimate adds the change between two passes, which differ in quadrature
level *and* in the arcs' radii (0.8 of them in the coarser pass), and the
first-order rounding of every entry of every bordered matrix through its
Pfaffian.

Excess terms: the groups from the top down to a group may carry more of
the ``k`` points in some terms of the expansion than their pieces can hold
together (a tied pair at the top with ``k >= 3``, say: at most two; a
simple eigenvalue above such a pair: three for the two).  Those terms
cancel exactly (deform the contour back to a split spectrum: every gap
between eigenvalues holds at most one point), but in floating point they
are ``e^(excess x gap)`` times too large.  For every union of the groups
``0..g`` that holds fewer than ``k`` points (their total multiplicity) and
contains an arc, they are projected out exactly
(:mod:`.confluent_terms`, :func:`_projections`): for the value where
group ``g`` is more than ``EXCESS_GAP`` above the next (below it the excess
is at most e^8 and the projection's own rounding the larger), for the
derivatives always.  Where the group's forms and the others' span more
than double precision in one entry (``k`` well above the multiplicity with
gaps of thousands, or many simple eigenvalues close together) the sum is
lost to rounding, which the estimate shows; past ``LOST`` relative after
the first pass the method gives up (a finer pass does not remove rounding).
"""
import math
import time

import numpy as np

from ._jit import jit
from .budget import expired, left
from .confluent_terms import count_terms, projected_sum, projection_shift
from .confluent_pieces import group_forms

_EPS = 2.220446049250313e-16
LEVEL_FIRST = 4
LEVEL_MAX = 7
MERGE_LOSS = 6.9  # digits (natural log) an arc may lose to cancellation
ARC_SHARE = 0.45  # share of the gap to a neighbour an arc may take
NEAR = 1e-3  # a gap below this share of the next one makes a near tie (the
# segment between would carry derivatives of size 1/gap that cancel)
EXCESS_GAP = 8.0  # beyond it the value's excess terms are projected out
MAX_WORK = 3e8  # bordered Pfaffians times their cubic cost (about 0.3 s)
LOST = 1e-2  # a first pass's rounding (relative) past which the sum is lost


def distinct(x, p, flip):
    """Distinct values of the full spectrum (``x`` and ``p - len(x)``
    zeros), negated when ``flip``, in decreasing order, with multiplicities.
    numpy, not compiled (a compiled sort cost about 1 s of a cold start)."""
    n = x.shape[0]
    full = -x if flip else x
    if n < p:
        full = np.append(full, 0.0)
    z, m = np.unique(full, return_counts=True)
    z = np.ascontiguousarray(z[::-1]) + 0.0     # (-0.0 as 0.0)
    m = np.ascontiguousarray(m[::-1], dtype=np.float64)
    if n < p:  # the implicit zeros (one of them is in full already)
        m[z == 0.0] += p - n - 1.0
    return z, m


@jit
def _saddle(z, m, lo):
    """The point ``s > lo = max(z)`` where ``sum (m/2)/(s - z) = 1``."""
    s = lo + 0.5 * np.sum(m)
    for _ in range(200):
        g = -1.0
        dg = 0.0
        for h in range(z.shape[0]):
            g += 0.5 * m[h] / (s - z[h])
            dg -= 0.5 * m[h] / (s - z[h]) ** 2
        s2 = s - g / dg
        if s2 <= lo:
            s2 = 0.5 * (s + lo)
        if abs(s2 - s) <= 1e-15 * abs(s):
            return s2
        s = s2
    return s


@jit
def _arc_need(z, m, f0, f1, up, dn):
    """``(rho_max, rho_natural, merge)`` for the group ``z[f0..f1]``: merge
    it with its nearer neighbour where an arc around it would lose more
    than ``MERGE_LOSS`` to cancellation or not fit, or where that neighbour
    is a near tie (closer than ``NEAR`` of the next gap: the segment between
    them would carry derivatives of size 1/gap that cancel)."""
    mt = 0.0
    for h in range(f0, f1 + 1):
        mt += m[h]
    hw = 0.5 * (z[f0] - z[f1])
    rmax = hw + ARC_SHARE * min(up, dn)
    rnat = max(0.5 * mt, 1.0, 2.0 * hw)
    loss = 0.0
    if rmax < rnat:
        loss = 0.5 * mt * math.log(rnat / rmax) - (rnat - rmax)
    other = max(up, dn)
    near = min(up, dn) < NEAR * (other if other < np.inf else 1.0)
    return rmax, rnat, near or (mt >= 2.0 and (rmax < 1.5 * hw
                                               or loss > MERGE_LOSS))


@jit
def groups(z, m):
    """Cluster the distinct values (decreasing) into groups; returns
    ``first, last, centre, rho`` per group (top first), ``rho = 0`` for a
    single simple eigenvalue (the contour runs through it)."""
    d = z.shape[0]
    first = np.arange(d)
    last = np.arange(d)
    G = d
    changed = True
    while changed:
        changed = False
        for g in range(G):
            up = z[last[g - 1]] - z[first[g]] if g > 0 else np.inf
            dn = z[last[g]] - z[first[g + 1]] if g + 1 < G else np.inf
            rmax, rnat, merge = _arc_need(z, m, first[g], last[g], up, dn)
            if merge and G > 1:
                if up <= dn:  # into the group above
                    last[g - 1] = last[g]
                    for h in range(g, G - 1):
                        first[h] = first[h + 1]
                        last[h] = last[h + 1]
                else:
                    last[g] = last[g + 1]
                    for h in range(g + 1, G - 1):
                        first[h] = first[h + 1]
                        last[h] = last[h + 1]
                G -= 1
                changed = True
                break
    centre = np.empty(G)
    rho = np.zeros(G)
    for g in range(G):
        f0 = first[g]
        f1 = last[g]
        centre[g] = 0.5 * (z[f0] + z[f1])
        up = z[last[g - 1]] - z[f0] if g > 0 else np.inf
        dn = z[f1] - z[first[g + 1]] if g + 1 < G else np.inf
        rmax, rnat, merge = _arc_need(z, m, f0, f1, up, dn)
        mt = 0.0
        for h in range(f0, f1 + 1):
            mt += m[h]
        if mt < 2.0:
            centre[g] = z[f0]
            continue
        if G == 1:
            # one loop around everything, through the saddle point
            rnat = max(_saddle(z, m, z[0]) - centre[g],
                       2.0 * (z[f0] - centre[g]))
        rho[g] = min(rmax, rnat)
    return first[:G], last[:G], centre, rho


@jit
def _basis_for(z, m, kk, first, last, centre, rho):
    """The monic polynomial basis (the sum does not depend on it, its
    conditioning does): Newton's at the top ``kk - 1`` eigenvalues (with
    multiplicity), which keeps spread spectra near triangular; within the
    run of nodes of a group with an arc, the monic Hermite-type polynomials
    ``phi_(i+1) = (s - s*) phi_i + j sigma^2 phi_(i-1)`` (``j`` counting in
    the run) about the group's saddle ``s* = centre + rho``, orthogonal for
    the Gaussian profile of ``f`` across it (``sigma^-2 = sum (m/2) / (s* -
    z)^2``): repeated nodes would give monomials, whose skew moments on a
    loop are as ill-conditioned as a Hankel matrix (rank 3 in p = 32 with k
    = 16: estimate 3e4 with monomials)."""
    nodes = np.zeros(max(kk - 1, 1))
    gam = np.zeros(max(kk - 1, 1))
    t = 0
    for g in range(first.shape[0]):
        run = 0
        sv = centre[g] + rho[g]
        q = 0.0
        if rho[g] > 0.0:
            for h in range(z.shape[0]):
                q += 0.5 * m[h] / (sv - z[h]) ** 2
        for h in range(first[g], last[g] + 1):
            for _ in range(int(min(m[h], kk))):
                if t < kk - 1:
                    if rho[g] > 0.0:
                        nodes[t] = sv
                        gam[t] = run / q
                    else:
                        nodes[t] = z[h]
                    run += 1
                    t += 1
    return nodes, gam


def confluent_bingham(k, p, x, nder):
    """``(log F, grad, hess, error estimate, ok)`` for ``log 1F1(k/2; p/2;
    X)``, ``x`` the given eigenvalues (the other ``p - len(x)`` are zero;
    any may be equal), with its derivatives in ``x`` up to order ``nder``.
    A tie's members share the derivative of the tie moved as a whole
    (divided by its multiplicity); within a tie of ``m`` the Hessian's
    diagonal ``D`` and off-diagonal ``O`` follow from the tie moved as a
    whole, ``m D + m (m - 1) O``, and the split ``D - O`` (the insertion of
    ``(1/2) (s - z)^-2``).  ``ok`` is False where the sum would cost more
    than ``MAX_WORK``, the spectrum is one value, or the first pass's
    rounding exceeds ``LOST`` relative.

    Plain Python around compiled kernels, each called a few times (the
    forms, the sums, the derivatives' assembly): compiled, this driver
    linked and optimised the whole method once more, 15 s of a cold start,
    for about 20-60 us of call overhead saved per input (on 0.2-15 ms)."""
    n = x.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    flip = p - k < k
    kk = p - k if flip else k
    if (2.0 * kk + 1.0) ** 3 > MAX_WORK:
        # even one bordered Pfaffian is beyond the work cap (kk > 334):
        # refuse before building the quadrature's forms
        return np.nan, grad, hess, np.inf, False
    s = float(np.sum(x))
    absx = float(np.sum(np.abs(x)))
    z, m = distinct(x, p, flip)
    if z.shape[0] < 2:
        return np.nan, grad, hess, np.inf, False
    first, last, centre, rho = groups(z, m)
    projd, capd, far = _projections(z, m, kk, first, last, rho)
    proj = projd[far]
    cap = capd[far]
    P = proj.shape[0]
    Pd = projd.shape[0]
    nodes, gam = _basis_for(z, m, kk, first, last, centre, rho)
    logc = _log_constant(kk, p)
    level = LEVEL_FIRST
    shift = 0.0
    vf = np.nan
    rf = np.inf
    delta = np.inf
    pass_time = forms_time = 0.0
    cut_short = False
    while True:
        sub = 2 ** (level - LEVEL_FIRST)
        if level > LEVEL_FIRST and left() < 2.0 * pass_time:
            break               # no time for another level's two passes
        t0 = time.perf_counter()
        forms = group_forms(z, m, kk, nodes, gam, first, last, centre, rho,
                            level, sub, False, 0)
        forms_time = time.perf_counter() - t0
        # each term: an LU of order up to 2k + 1, and with the Hessian one
        # product X^-1 dX per distinct value
        per = (2.0 * kk + 1.0) ** 3 * (1.0 + (z.shape[0] if nder >= 2 else 0))
        if count_terms(kk, forms[1], forms[6]) * per \
                * (0.5 * kk + 1.0) ** (P if nder == 0 else Pd) > MAX_WORK:
            return np.nan, grad, hess, np.inf, False
        # the radius of the projection: chosen at the first level, kept for
        # every pass
        vprev = vf
        times = []
        shift, vf, rf, gz, hz, _ = projection_shift(
            kk, *forms, proj, cap, shift, P > 0 and level == LEVEL_FIRST,
            times)
        # one sum (the first level's search for the projection's radius
        # makes several: k=5, p=4096, 16 values to 1e4, 0.75 s in all)
        pass_time = sum(times) / len(times)
        if not rf <= LOST * max(1.0, abs(vf)):
            # rounding no finer pass removes: the sum is lost (k=8, p=64,
            # 64 eigenvalues 0.04 apart in [0.2, 3]: rounding 3e3 on log F
            # = 14, where the second pass took 0.4 s of the series' budget)
            return np.nan, grad, hess, np.inf, False
        if left() < pass_time:
            # the second pass would overrun the budget (a projected sum
            # over four unions costs 0.75 s at k = 7: k=7, p=64, a triple
            # at 4512 above four values and the zeros took 1.5 s for the
            # value, 3.2 s with the gradient): no estimate at the first
            # level, the last level's change (against a coarser value)
            # after it
            if level == LEVEL_FIRST:
                return np.nan, grad, hess, np.inf, False
            delta = max(delta, abs(vf - vprev))
            cut_short = True
            break
        forms = group_forms(z, m, kk, nodes, gam, first, last, centre, rho,
                            level, sub, True, 0)
        vc, rc, gz, hz, _ = projected_sum(kk, *forms, proj, cap, shift)
        delta = abs(vf - vc)
        if delta <= 1e-7 or delta <= 10.0 * rf or level >= LEVEL_MAX \
                or expired():
            break
        level += 1
    gerr_max = 0.0
    d = z.shape[0]
    need = derivatives_cost(forms_time, pass_time, d, kk, P, Pd, nder)
    # (a value lost to rounding or unresolved is not worth derivatives:
    # k=16, p=128, twelve values to 160, the Hessian's forms took 1.8 s
    # after a value of estimate inf)
    useful = math.isfinite(vf) and rf + delta <= LOST * max(1.0, abs(vf))
    if nder >= 1 and (not useful or left() < need):
        # none (NaN), the value kept: the same log F as a call without
        # derivatives
        grad[:] = np.nan
        hess[:] = np.nan
    elif nder >= 1:
        # the derivatives' integrands are more singular: one level finer
        level = min(level + 1, LEVEL_MAX + 1)
        sub = 2 ** (level - LEVEL_FIRST)
        forms = group_forms(z, m, kk, nodes, gam, first, last, centre, rho,
                            level, sub, False, nder)
        # (its value v2 is not used: a call returns the same log F whether
        # or not it asks for derivatives)
        # (a new radius where the value's passes projected fewer groups;
        # the search stops where three more sums would not fit)
        times = []
        shift, v2, r2, gz, hz, gerr = projection_shift(
            kk, *forms, projd, capd, shift, Pd > P, times)
        res = 0.0
        if Pd > 0:
            # the projection's derivatives lose more than its value to the
            # sums of large and small forms in one entry, and more than the
            # first-order rounding shows (k=5, p=16, [120, 120]: the value
            # within 1e-15 at radii e^0 to e^5, the gradient's sum off by
            # 2e-10 to 2e-7): of two radii, the one whose derivatives keep
            # the exact identity sum_h d/dz_h = k best, and its residual
            # joins the estimate
            d = z.shape[0]
            res = abs(np.sum(gz[:d]) - kk)
            if left() >= times[-1]:     # (where the second sum fits)
                v3, r3, gz3, hz3, gerr3 = projected_sum(
                    kk, *forms, projd, capd, shift - 3.0)
                res3 = abs(np.sum(gz3[:d]) - kk)
                if res3 < res:
                    gz, hz, gerr, res = gz3, hz3, gerr3, res3
        gerr_max = _spread(x, z, m, flip, Pd > 0, res, gz, hz, gerr, nder,
                           grad, hess)
    logF = logc + vf + (s if flip else 0.0)
    quad = delta if delta <= 10.0 * rf or cut_short else \
        min(delta, 100.0 * delta * delta)
    # log F is the difference of the constant's and the sum's logs, each
    # of size up to p log p (k=3, p=1024: about 3000 each, 2.6e-12 apart
    # from the reference where only |log F| = 0.15 was counted)
    err = quad + rf + 8.0 * _EPS * (absx + abs(logF) + abs(logc) + abs(vf)) \
        + gerr_max
    if not math.isfinite(vf):
        # (every term below its rounding: the projection's terms span more
        # than double precision holds)
        return np.nan, grad, hess, np.inf, False
    if not err >= 0.0:
        err = np.inf
    return logF, grad, hess, err, True


def derivatives_cost(forms_time, pass_time, d, kk, P, Pd, nder):
    """The seconds the derivatives' stage is predicted to take, from the
    value's last level (its forms' and one sum's seconds): forms one level
    finer with their derivatives (measured: about ``d`` times the value's
    forms for the gradient, ``d^2`` for the Hessian, ``d`` distinct
    values), and a sum (two with a projection, three where the derivatives
    project more unions than the value: a new radius) whose terms carry
    ``d`` derivatives each with the Hessian, each union projected beyond
    the value's ``P`` (``Pd`` in all) multiplying it by about ``kk/2 + 1``
    (k=7, p=64, a triple at 344 above three values, Hessian: predicted
    0.3 s without the last two, took 3.6 s: sums of 0.03 s for the value,
    1.7-1.9 s with the derivatives)."""
    passes = 1.0 + (Pd > 0) + (Pd > P)
    per_sum = pass_time * (0.5 * kk + 1.0) ** (Pd - P) \
        * (1.0 + (d if nder >= 2 else 0.0))
    return 2.0 * forms_time * (d if nder == 1 else d * d) + passes * per_sum


def warm_up():
    """Compile the kernels :func:`confluent_bingham` calls for a value and
    its derivatives, if they are not yet (a tiny input; the projection's
    kernel compiles when an input first needs it, outside the budget)."""
    if not _spread.signatures:
        confluent_bingham(2, 4, np.array([1.0, 0.5]), 1)


@jit
def _projections(z, m, kk, first, last, rho):
    """``(groups, caps, far)``: the unions of groups ``0..g`` (given by
    ``g``) whose excess terms are projected out for the derivatives, the
    number of points each can hold, and whether it is far enough above the
    next group for the value's projection.

    The union of groups ``0..g`` holds at most ``N_g`` points, their total
    multiplicity: in the split spectrum it covers the ``N_g - 1`` gaps
    between its eigenvalues and part of the gap below (the next group's arc
    takes the rest).  It is projected wherever ``N_g < k`` and the union
    holds an arc (a union of simple groups holds one point per group by
    itself).  Nested unions are weighted by the product of their ``t``:
    each union's count is kept within its bound.  (Only the unions that end
    at or above an arc left k=5, p=16, [300, 300, 183.33, 150] at estimate
    150 and k=4, p=8, [300, 300, 183.33, 100, 50, 20, 10, 5] at 4e11; all
    of them: 2e-11 and 5e-12, the same values.)  A bound
    per group (its multiplicity at the top, one more below another group)
    missed the points a group's arc takes from the gap above it while the
    group above holds its own (k=4, p=16, [400, 300, 300, -50, -50]: 1155.57
    with estimate 37, the exact sampler's acceptance 915.65; k=5, [300,
    300, 183.33, -50, -50]: 709.572 with estimate 2e116 against 709.161).
    For the value only beyond EXCESS_GAP (below it the excess terms are at
    most e^8 too large and the projection's own rounding is the larger: on
    random integer spectra with ties, 25 of 150 projected values
    uncertified); for the derivatives at any gap, which the excess terms
    spoil even where the value survives."""
    G = first.shape[0]
    projd = np.empty(G, np.int64)
    capd = np.empty(G)
    far = np.zeros(G, np.bool_)
    Pd = 0
    total = 0.0
    arc = False
    for g in range(G - 1):
        for h in range(first[g], last[g] + 1):
            total += m[h]
        arc = arc or rho[g] > 0.0
        if arc and total < kk:
            projd[Pd] = g
            capd[Pd] = total
            far[Pd] = z[last[g]] + rho[g] - z[first[g + 1]] > EXCESS_GAP
            Pd += 1
    return projd[:Pd], capd[:Pd], far[:Pd]


@jit
def _log_constant(kk, p):
    """The log of the branch-cut representation's constant."""
    logc = -0.5 * kk * math.log(math.pi) - (kk // 2) * math.log(2.0)
    for i in range(kk):
        logc += math.lgamma(0.5 * (p - i)) - math.lgamma(0.5 * (kk - i))
    return logc


@jit
def _spread(x, z, m, flip, projected, res, gz, hz, gerr, nder, grad, hess):
    """Write the derivatives in the distinct values ``z`` (``gz``: the
    gradient, then with ties the second derivative of each tie split;
    ``hz``: the Hessian) into ``grad`` and ``hess`` of the given
    eigenvalues ``x``; returns the gradient's error (``res`` plus the
    projection's rounding ``gerr`` where ``projected``)."""
    n = x.shape[0]
    d = z.shape[0]
    gerr_max = res
    idx = np.empty(n, np.int64)
    for i in range(n):
        y = -x[i] if flip else x[i]
        for h in range(d):
            if z[h] == y:
                idx[i] = h
                break
        grad[i] = gz[idx[i]] / m[idx[i]]
        if flip:
            grad[i] = 1.0 - grad[i]
        if projected:
            gerr_max = max(gerr_max, res + gerr[idx[i]] / m[idx[i]])
    if nder >= 2:
        for i in range(n):
            hi_ = idx[i]
            for j in range(n):
                hj = idx[j]
                if hi_ != hj:
                    hess[i, j] = hz[hi_, hj] / (m[hi_] * m[hj])
                elif m[hi_] < 2.0:
                    hess[i, j] = hz[hi_, hi_]
                else:
                    mm = m[hi_]
                    off = (hz[hi_, hi_] - mm * gz[d + hi_]) / (mm * mm)
                    hess[i, j] = off + (gz[d + hi_] if i == j else 0.0)
    return gerr_max
