"""The branch-cut representation of log 1F1(k/2; p/2; y); its quadrature rules.

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
cancels: the accuracy does not degrade with the concentration.  For small
spreads (eigenvalue spacing below about one) the terms cancel, and the
rounding estimate says so.

The evaluation, for distinct and for equal eigenvalues alike, is in
:mod:`.confluent` (the contour loops around groups of equal or close
eigenvalues there; for a spectrum of distinct eigenvalues it is the sum
above).  This module keeps the quadrature rules of the segment integrals
(``s = m + h cos(theta)``, which takes both endpoint singularities into the
measure ``d theta``, and tanh-sinh quadrature in ``theta``; exp-sinh on the
half-line ``s = y_p - v^2``) and the small dense LU they share.
``tests/reference/cut_mp.py`` transcribes the representation in mpmath.
"""
import math

import numpy as np

from ._jit import jit

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
    inv = np.zeros((k, k), LU.dtype)
    for e in range(k):
        b = np.zeros(k, LU.dtype)
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
