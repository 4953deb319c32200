"""The Bingham normalizer of an isotropic concentration (one repeated
eigenvalue), exactly, at any concentration.

``F(lam) = 1F1(k/2; p/2; lam 1_m)`` (``m`` eigenvalues equal to ``lam``, the
other ``p - m`` zero) is the Haar expectation of ``exp(lam tr(X^T P X))``,
``P`` a rank-``m`` projector.  With ``k + m <= p`` the ``q = min(k, m)``
squared cosines ``c`` of the principal angles between ``span X`` and
``range P`` have the Jacobi (beta = 1) density proportional to

    prod_i c_i^alpha (1 - c_i)^beta |Delta(c)|,
    alpha = (|m - k| - 1)/2,  beta = (p - m - k - 1)/2,

so ``F(lam) = Z(lam) / Z(0)`` with ``Z(lam) = int prod_i w(c_i) |Delta(c)|``,
``w(c) = e^(lam c) c^alpha (1 - c)^beta``.  De Bruijn's formula (1955) turns
this q-dimensional integral into a Pfaffian of two-dimensional integrals::

    Z = q! Pf[A],  A_ij = int int_{x<y} (phi_i(x) phi_j(y) - phi_j(x) phi_i(y)) w(x) w(y),

(bordered by ``b_i = int phi_i w`` when q is odd), ``phi_i(x) = x^(i-1)`` in a
scaled variable; ``log Z = log q! + log |det A| / 2``.  The two-dimensional
integrals are computed with tanh-sinh quadrature after ``x = y t``, in the
variable ``u = 1 - c`` (for ``lam >= 0``) so that the concentration sits at
an endpoint, where tanh-sinh nodes cluster doubly exponentially; endpoint
singularities ``u^beta``, ``(1-u)^alpha`` are integrable and handled by the
same transformation.  The error estimate is the change between two
quadrature levels.  ``k + m > p`` is mapped to ``k + m <= p`` by Kummer's
relation on the complement of ``range P`` or by passing to the orthogonal
complement of ``span X``.

The derivative ``d log F / d lam`` comes from the same integrals with the
extra factor ``-(x + y)`` (``d log Pf = tr(A^-1 dA) / 2``), giving the
gradient with respect to the tied eigenvalues (each ``1/m`` of it); the
second derivative from the factor ``(x + y)^2`` (``d^2 log Pf = (tr(A^-1
A'') - tr((A^-1 A')^2)) / 2``).

The Hessian with respect to all ``p`` eigenvalues has, by symmetry, five
distinct entries: ``alpha`` and ``beta`` on and off the diagonal of the
tied block, ``gamma`` and ``delta`` in the zero block, ``eps`` across.
Five linear equations fix them (:func:`isotropic_hessian`): the second
derivative along ``lam``; the rows summing to 0 (the shift identity); and
Muirhead's equation for ``F``,

    y_i F_ii + (b - (p-1)/2 - y_i) F_i
        + 1/2 sum_{j != i} (y_i F_i - y_j F_j) / (y_i - y_j) = a F,

at a tie ``y_i = y_j = c``, where the divided difference tends to ``F_i + c
(F_ii - F_ij)``; divided by ``F`` it reads ``c (alpha + g^2) + c (m-1)/2
(alpha - beta) + (b - c) g = a`` for a block of ``m`` at ``c`` with
gradient ``g`` each, the other eigenvalues at 0.  The zero block is the
same equation after the shift by ``-lam`` (which changes no derivative of
``log F``): a block of ``p - m`` at ``-lam``.
"""
import math

import numpy as np

from ._kernels import codes as _codes

__all__ = ["log_normalizer_isotropic", "isotropic_hessian"]


def _tanh_sinh(level):
    """Nodes ``u`` and ``1 - u`` on (0, 1) and weights, step 2^-level."""
    h = 2.0 ** -level
    tmax = 4.0
    t = np.arange(-tmax, tmax + h / 2, h)
    s = math.pi * np.sinh(t)
    with np.errstate(over="ignore"):
        u = 1.0 / (1.0 + np.exp(-s))
        v = 1.0 / (1.0 + np.exp(s))          # 1 - u, accurately
    w = h * math.pi * np.cosh(t) * u * v
    keep = (u > 0) & (v > 0) & (w > 0)
    return u[keep], v[keep], w[keep]


def _pfaffian_log(lam, q, alpha, beta, level, nder):
    """``log Z~`` (weight ``e^(-lam u) u^beta (1-u)^alpha`` on [0, 1], basis
    scaled by ``s``) and its first ``nder`` derivatives in ``lam`` (NaN
    beyond); ``lam >= 0``."""
    u, v, wq = _tanh_sinh(level)
    s = max(1.0, lam / (beta + 1.0 + q))
    # outer variable y = u, inner t: x = y t, 1 - x = (1 - t) + t (1 - y)
    logw_y = -lam * u + beta * np.log(u) + alpha * np.log(v)
    x = u[:, None] * u[None, :]                      # (y, t)
    one_minus_x = v[None, :] + u[None, :] * v[:, None]
    logw_x = -lam * x + beta * np.log(x) + alpha * np.log(one_minus_x)
    # scale out the largest log weight (the integrands are positive)
    ref = np.max(logw_y)
    Wy = np.exp(logw_y - ref)
    Wx = np.exp(logw_x - ref)                         # (y, t)
    nb = q + (q % 2)
    powers_t = u[None, :] ** np.arange(q)[:, None]    # (i, t)
    # inner integrals P_i(y) = int_0^1 w(y t) t^(i-1) dt  (and with -y(1+t))
    sy = s * u
    base = wq * Wy * u                                 # outer weight * y
    pw = sy[:, None] ** np.arange(2 * q)[None, :]     # (y, power)
    # the lam-derivatives of w(x) w(y) = ... e^(-lam (x + y)) bring down
    # (-(x + y))^r, x + y = y (1 + t), and (-u)^r in the border
    mats = []
    for r in range(nder + 1):
        P = ((Wx * wq[None, :] * (-(1.0 + u[None, :])) ** r) @ powers_t.T) \
            * (u[:, None] ** r)                       # (y, i)
        M = np.zeros((nb, nb))
        for i in range(q):
            for j in range(i + 1, q):
                M[i, j] = np.sum(base * pw[:, i + j] * (P[:, i] - P[:, j]))
        if q % 2:
            for i in range(q):
                M[i, q] = np.sum(wq * Wy * pw[:, i] * (-u) ** r)
        mats.append(M - M.T)
    A = mats[0]
    sign, logdet = np.linalg.slogdet(A)
    if sign == 0 or not np.isfinite(logdet):
        return np.nan, np.nan, np.nan
    # each of the q factors carries e^ref; the basis scale contributes
    # s^(q(q-1)/2) to the Pfaffian
    logZ = (math.lgamma(q + 1) + 0.5 * logdet + q * ref
            - 0.5 * q * (q - 1) * math.log(s))
    # Pf(A)' / Pf(A) = tr(A^-1 A') / 2 and (log Pf)'' = (tr(A^-1 A'') -
    # tr((A^-1 A')^2)) / 2, for the bordered matrix too
    d1 = d2 = np.nan
    if nder >= 1:
        M1 = np.linalg.solve(A, mats[1])
        d1 = 0.5 * float(np.trace(M1))
    if nder >= 2:
        d2 = 0.5 * float(np.trace(np.linalg.solve(A, mats[2]))
                         - np.sum(M1 * M1.T))
    return logZ, d1, d2


def _log_selberg(q, alpha, beta):
    """``log int_[0,1]^q prod u_i^beta (1 - u_i)^alpha |Delta(u)|`` by
    Selberg's formula (gamma = 1/2)."""
    a, b, g = beta + 1.0, alpha + 1.0, 0.5
    out = 0.0
    for j in range(q):
        out += (math.lgamma(a + j * g) + math.lgamma(b + j * g)
                + math.lgamma(1.0 + (j + 1) * g)
                - math.lgamma(a + b + (q + j - 1) * g) - math.lgamma(1.0 + g))
    return out


def _jacobi_parameters(k, m, p):
    q = min(k, m)
    return q, 0.5 * (abs(m - k) - 1.0), 0.5 * (p - m - k - 1.0)


def _reduce(lam, k, m, p):
    """Map to ``k + m <= p``: returns ``(lam', k', m', shift, dshift)`` with
    ``log F = shift + log F'(lam')`` and ``d log F/d lam = dshift +
    dlam'/dlam * d log F'``."""
    if k + m <= p:
        return lam, k, m, 0.0, 0.0, 1.0
    if k <= m:
        # Kummer on all p eigenvalues: F(lam P) = e^(lam k) F(-lam (I - P))
        return -lam, k, p - m, lam * k, float(k), -1.0
    # complement of span X: F_k(lam P) = e^(lam m) F_(p-k)(-lam P)
    return -lam, p - k, m, lam * m, float(m), -1.0


def log_normalizer_isotropic(lam, k, m, p, *, nder=1):
    """``(log F, d log F / d lam, d^2 log F / d lam^2, error)`` for ``F =
    1F1(k/2; p/2; lam 1_m)``; derivatives beyond ``nder`` are NaN.

    ``error`` estimates the absolute error of ``log F`` (change between two
    quadrature levels plus rounding).  Valid for any real ``lam``; ``q =
    min(k, m) <= 12``.
    """
    lam2, k2, m2, shift, dshift, dsign = _reduce(float(lam), k, m, p)
    q, alpha, beta = _jacobi_parameters(k2, m2, p)
    nan = float("nan")
    if q == 0 or lam2 == 0.0:
        # nothing to integrate (q = 0: F' = 1 for every lam), or lam = 0:
        # d log F'/d lam = E[sum c] = k m / p and the second derivative is
        # Var(sum c) = 2 k m (p - k)(p - m) / (p^2 (p - 1)(p + 2))
        d = dshift + dsign * (k2 * m2 / p)
        d2 = 0.0 if q == 0 or p < 2 else \
            2.0 * k2 * m2 * (p - k2) * (p - m2) / (p * p * (p - 1.0)
                                                   * (p + 2.0))
        return (shift, d if nder >= 1 else nan, d2 if nder >= 2 else nan,
                0.0)
    if lam2 >= 0:
        # variable u = 1 - c: weight e^(lam) e^(-lam u) u^beta (1-u)^alpha
        a_, b_, lead = alpha, beta, lam2 * q
        rate, dlead = lam2, float(q)
    else:
        # variable c itself: weight e^(-|lam| c) c^alpha (1-c)^beta
        a_, b_, lead = beta, alpha, 0.0
        rate, dlead = -lam2, 0.0
    # Z~(0) is Selberg's integral (the quadrature of it is ill-conditioned
    # when beta is large: the monomials are nearly dependent under the
    # weight)
    z0 = _log_selberg(q, a_, b_)
    prev = None
    for level in (6, 7, 8):
        z1, d1, d2 = _pfaffian_log(rate, q, a_, b_, level, nder)
        logF = lead + z1 - z0
        # d/d lam2 of log Z~(rate): rate = |lam2|, hence the sign (the
        # second derivative has none)
        dlog = dlead + (d1 if lam2 >= 0 else -d1)
        floor = 1e-14 * (abs(logF) + q * abs(lam2) + 1.0)
        if prev is not None:
            err = abs(logF - prev) + floor
            if err <= 1e-12 * max(1.0, abs(logF)) or level == 8:
                break
        prev = logF
    if not np.isfinite(logF):
        return np.nan, np.nan, np.nan, np.inf
    return shift + logF, dshift + dsign * dlog, d2, err


def _block_entries(size, c, g, rowsum, a, b):
    """Diagonal and off-diagonal Hessian entries of a block of ``size``
    equal eigenvalues ``c`` (gradient ``g`` each, the others at 0) whose
    rows sum to ``rowsum`` within the block: Muirhead's equation at the tie,
    ``c (size+1)/2 diag - c (size-1)/2 off = a - c g^2 - (b - c) g``, and
    ``diag + (size - 1) off = rowsum``.  ``off`` is NaN for one member."""
    if size == 1:
        return rowsum, float("nan")
    diag, off = np.linalg.solve(
        [[c * (size + 1) / 2.0, -c * (size - 1) / 2.0],
         [1.0, float(size - 1)]], [a - c * g * g - (b - c) * g, rowsum])
    return diag, off


def isotropic_hessian(lam, k, m, p, d1, d2):
    """The five distinct entries ``(alpha, beta, gamma, delta, eps)`` of the
    Hessian of ``log 1F1(k/2; p/2; x)`` in all ``p`` eigenvalues at ``x =
    (lam 1_m, 0_(p-m))``, ``lam != 0``, from ``d1`` and ``d2``, the first two
    derivatives of ``log F`` along ``lam`` (see the module documentation).
    Entries of a block that does not exist are NaN."""
    a, b = 0.5 * k, 0.5 * p
    nan = float("nan")
    mz = p - m
    # tied block: its entries sum to d2, so each row to d2 / m
    alpha, beta = _block_entries(m, lam, d1 / m, d2 / m, a, b)
    if mz == 0:
        return alpha, beta, nan, nan, nan
    # across: every row of the whole Hessian sums to 0 (the shift identity)
    eps = -d2 / (m * mz)
    # zero block, as a block of mz at -lam (after the shift by -lam), with
    # gradient (k - d1) / mz each and rows summing to -m eps within it
    gamma, delta = _block_entries(mz, -lam, (k - d1) / mz, -m * eps, a, b)
    return alpha, beta, gamma, delta, eps


# which rows of a batch of bingham.special's method="auto" this method
# takes (the Pfaffian loses accuracy beyond this many principal angles)
MAX_ANGLES = 6


def params(a, b, row):
    """``(k, p, m, lam)`` when the row is an isotropic Bingham
    concentration, else None."""
    a2, b2 = 2.0 * a, 2.0 * b
    if not (a2.is_integer() and b2.is_integer() and 1 <= a2 <= b2
            and row.size <= b2):
        return None
    nz = row[row != 0.0]
    if nz.size < 1 or not np.all(nz == nz[0]) or not np.isfinite(nz[0]):
        return None
    return int(a2), int(b2), nz.size, float(nz[0])


def angle_count(k, m, p):
    """Number of principal angles the isotropic method integrates over."""
    _, k2, m2 = _reduce(0.0, k, m, p)[:3]
    return min(k2, m2)


def first_rows(fa, fb, x):
    """Rows evaluated by the isotropic method before (instead of) the
    kernels: isotropic, at most the allowed number of principal angles, and
    a concentration where the series gets expensive: its degree sums peak
    near ``(a/b) sum |x|`` (the first-order term of log F), so below 10 the
    series is cheap and more accurate (e.g. k=4, p=4096, 2 x 1024: series
    5e-14, isotropic 5e-12)."""
    # the contour is exact and faster for a = 1/2 and b - a = 1/2
    cand = (np.abs(fa / fb) * np.sum(np.abs(x), axis=1) > 10.0) \
        & (fa != 0.5) & (fb - fa != 0.5)
    if not cand.any():
        return None
    mask = np.zeros(x.shape[0], bool)
    for r in np.flatnonzero(cand):
        par = params(fa[r], fb[r], x[r])
        if par is None or par[2] < 2:
            continue
        k, p, m, lam = par
        mask[r] = angle_count(k, m, p) <= MAX_ANGLES
    return mask if mask.any() else None


def replace_rows(fa, fb, x, nder, logF, grad, hess, err, status, used,
                    forced, force_rows=None):
    """Replace, in place, the rows that are an isotropic Bingham
    concentration (``a = k/2``, ``b = p/2``, one repeated nonzero eigenvalue)
    and that the kernels could not evaluate to full accuracy (or all of them
    when ``forced``) by the exact Pfaffian method of
    this module (value, gradient and Hessian)."""
    # only rows the kernels did not finish to full accuracy (or forced)
    todo = (status & ~_codes.NEGATIVE) != _codes.OK
    todo |= ~(err <= 1e-12 * np.maximum(1.0, np.abs(logF)))
    if nder >= 1:
        todo |= np.isnan(grad).any(axis=1)
    if force_rows is not None:
        todo |= force_rows
    if forced:
        todo[:] = True
    if not todo.any():
        return
    for r in np.flatnonzero(todo):
        row = x[r]
        par = params(fa[r], fb[r], row)
        if par is None:
            if forced:
                raise ValueError(
                    "method='isotropic' needs the Bingham case a = k/2, b = "
                    "p/2 with integer k <= p, n <= p, and one repeated nonzero "
                    "eigenvalue")
            continue
        k, p, m, lam = par
        row_forced = forced or (force_rows is not None and force_rows[r])
        lost = nder >= 1 and bool(np.isnan(grad[r]).any())
        angles = angle_count(k, m, p)
        if angles > MAX_ANGLES:
            if forced:
                raise ValueError(
                    f"method='isotropic' handles at most "
                    f"{MAX_ANGLES} principal angles (min(k, m) after "
                    f"reduction), got {angles}")
            continue
        v, d, d2, e = log_normalizer_isotropic(lam, k, m, p,
                                                          nder=nder)
        if not (e < err[r]) and not row_forced and not lost:
            continue
        logF[r] = v
        err[r] = e
        used[r] = _codes.USED_ISOTROPIC
        status[r] = _codes.OK if e <= 1e-12 * max(1.0, abs(v)) \
            else _codes.NOT_CONVERGED
        if nder >= 1:
            rest = (k - d) / (p - m) if p > m else np.nan
            grad[r] = np.where(row != 0.0, d / m, rest)
        if nder >= 2:
            al, be, ga, de, ep = isotropic_hessian(lam, k, m, p,
                                                               d, d2)
            tied = row != 0.0
            both = tied[:, None] & tied[None, :]
            none = ~tied[:, None] & ~tied[None, :]
            H = np.where(both, be, np.where(none, de, ep))
            np.fill_diagonal(H, np.where(tied, al, ga))
            hess[r] = H
