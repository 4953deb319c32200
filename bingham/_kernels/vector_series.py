"""The short series of the Bromwich integrand for ``a = 1/2`` (the vector
Bingham, ``k = 1``) at small spread: value and gradient in 1-5 us, a
half to a fifth of the contour's time.

With branch points ``c_i`` of exponents ``e_i >= 0``, ``b = sum e_i``, the
contour representation of :mod:`.contour`,

    F = Gamma(b) / (2 pi i) int_Br e^s prod_i (s - c_i)^(-e_i) ds,

expands at large ``s`` as ``s^-b sum_K d_K s^-K`` with ``d_K = [t^K] prod_i
(1 - c_i t)^(-e_i)``; term by term, ``F = sum_K d_K / (b)_K``.  Moving
every branch point by the same ``c`` multiplies ``F`` by ``e^c``, so with
``c = -min c_i`` every point lies in ``[0, S]``, ``S`` the spread, and
every ``d_K`` is positive: no cancellation.  The coefficients follow from
the power sums ``q_j = sum_i e_i c_i^j`` (``K d_K = sum_(j=1..K) q_j
d_(K-j)``, all terms positive) and the gradient from ``d/dc_i d_K = e_i
sum_m c_i^m d_(K-1-m)``, kept as ``v_iK`` with ``v_i(K+1) = (c_i v_iK +
u_K) / (b + K)``, ``u_K = d_K / (b)_K``.  Nothing here is larger than
``e^S`` (the coefficients are bounded coefficient-wise by those of ``(1 - S
t)^(-E)``, ``E`` the exponents of the points above the smallest).

Tail: ``u_K <= (E)_K / (b)_K S^K / K!``, whose ratio of consecutive terms
decreases, so past the first ``K`` where that ratio ``r`` is below 1 the
tail is at most the next bound over ``1 - r``; the same bound with
``e_i / b`` and one degree less holds for the gradient's terms.  The
series stops where both tails are below ``TAIL`` of the partial sums (both
positive, so lower bounds of the sums), at most ``MAX_DEGREE``; the degree
is found from the bounds before the work (``O(K^2)``) starts, and a
spectrum that needs more goes to the contour.

Domain: the tier-1 fast path of ``method="auto"`` (:mod:`.direct`) for
``a = 1/2`` with ``b >= n/2`` (and ``b - a = 1/2`` through Kummer's
relation), value or gradient.
"""
import math

import numpy as np

from ._jit import jit

_EPS = 2.220446049250313e-16
MAX_DEGREE = 96
TAIL = 2.0 ** -56


@jit
def _tail_degree(E, b, S, target):
    """The smallest ``M`` with ``sum_(K > M) (E)_K / (b)_K S^K / K! <=
    target`` (the bound's ratio of consecutive terms, ``(E + K) / (b + K) S
    / (K + 1)``, decreases: past the first ratio below 1 the tail is at
    most the next term over ``1 - r``); ``-1`` past ``MAX_DEGREE``."""
    if S == 0.0 or E == 0.0:
        return 0
    bound = 1.0
    for K in range(MAX_DEGREE + 1):
        r = (E + K) / (b + K) * S / (K + 1.0)
        nxt = bound * r
        if r < 1.0 and nxt / (1.0 - r) <= target:
            return K
        bound = nxt
    return -1


@jit
def degree(c, e, nder):
    """The last degree ``N`` the series sums for points ``c >= 0`` with
    exponents ``e`` (``-1`` past ``MAX_DEGREE``): the value's terms ``u_1 ..
    u_N`` have a tail below ``TAIL`` of ``u_1 = sum e_i c_i / b`` (a lower
    bound of their sum, which :func:`vector_series` takes the ``log1p`` of:
    relative accuracy for a small ``log F`` too), and with ``nder >= 1`` the
    gradient's ``v_i1 .. v_iN``, bounded by ``1 / b`` times the same bound
    with ``E + 1``, ``b + 1`` and one degree less, a tail below ``TAIL`` of
    ``v_i1 = 1 / b``."""
    S = 0.0
    E = 0.0
    b = 0.0
    u1 = 0.0
    for i in range(c.shape[0]):
        b += e[i]
        u1 += e[i] * c[i]
        if c[i] > 0.0:
            E += e[i]
            S = max(S, c[i])
    N = _tail_degree(E, b, S, TAIL * u1 / b)
    if N < 0 or nder == 0:
        return N
    M = _tail_degree(E + 1.0, b + 1.0, S, TAIL)
    if M < 0:
        return -1
    return max(N, M + 1)


@jit
def vector_series(c, e, nvar, nder):
    """``(logF, grad, err, done)`` for the Bromwich integral of points ``c``
    with exponents ``e`` (the first ``nvar`` are the variables, ``grad``
    the derivatives of ``log F`` in them, with ``nder >= 1``); ``done`` is
    False where the spread needs more than ``MAX_DEGREE`` terms (then
    nothing else is meaningful)."""
    q = c.shape[0]
    cmin = c[0]
    b = 0.0
    for i in range(q):
        cmin = min(cmin, c[i])
        b += e[i]
    cs = np.empty(q)
    for i in range(q):
        cs[i] = c[i] - cmin
    N = degree(cs, e, nder)
    grad = np.zeros(nvar)
    if N < 0:
        return np.nan, grad, np.inf, False
    # with the points scaled by S (the spread): power sums qs_j = sum e_i
    # (c_i / S)^j <= b and coefficients ds_K = d_K / S^K <= (E)_K / K!, so
    # the recurrence K ds_K = sum_j qs_j ds_(K-j) is a dot product of
    # moderate positive numbers; then u_K = ds_K S^K / (b)_K by a running
    # product (which may underflow only where the term is negligible)
    S = 0.0
    for i in range(q):
        S = max(S, cs[i])
    if S == 0.0:
        S = 1.0
    rs = np.empty(q)
    for i in range(q):
        rs[i] = cs[i] / S
    qs = np.zeros(N + 1)
    cp = np.ones(q)
    for j in range(1, N + 1):
        acc = 0.0
        for i in range(q):
            cp[i] *= rs[i]
            acc += e[i] * cp[i]
        qs[j] = acc
    ds = np.empty(N + 1)
    u = np.empty(N + 1)
    ds[0] = 1.0
    u[0] = 1.0
    ts = 0.0          # the sum without u_0 = 1
    rho = 1.0
    for K in range(1, N + 1):
        acc = 0.0
        for j in range(1, K + 1):
            acc += qs[j] * ds[K - j]
        ds[K] = acc / K
        rho *= S / (b + K - 1.0)
        u[K] = ds[K] * rho
        ts += u[K]
    if nder >= 1:
        for i in range(nvar):
            v = 1.0 / b       # v_i1 = u_0 / b
            gs = v
            for K in range(1, N):
                v = (cs[i] * v + u[K]) / (b + K)
                gs += v
            grad[i] = e[i] * gs / (1.0 + ts)
    logF = cmin + math.log1p(ts)
    # rounding: each u_K carries about (3 K + q) roundings of positive
    # terms, the tail is within TAIL of their sum, both relative to ts and
    # so ts / (1 + ts) in log1p(ts); the log and the shift one each
    err = ((3.0 * N + q + 4.0) * _EPS + TAIL) * ts / (1.0 + ts) \
        + 2.0 * _EPS * (abs(cmin) + abs(logF))
    return logF, grad, err, True
