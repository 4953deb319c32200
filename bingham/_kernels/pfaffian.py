"""The Pfaffian of a skew-symmetric matrix with its first-order rounding:
the kernel of every term of the confluent branch-cut sum
(:mod:`.confluent_terms`)."""
import math

import numpy as np

from ._jit import jit
from .cut import _lu_det, _lu_inverse

_EPS = 2.220446049250313e-16


@jit
def equilibrated_pfaffian(X, Xabs):
    """``(Pf X, log scale, relative rounding, X^-1)``: Parlett-Reid elimination
    with pivoting after symmetric equilibration (Pf X = value e^scale); the
    rounding is every entry's (a few ulps of ``Xabs``) carried to first
    order through ``d Pf / Pf = tr(X^-1 dX) / 2``."""
    n = X.shape[0]
    d = np.ones(n)
    for _ in range(3):
        for i in range(n):
            r = 0.0
            for j in range(n):
                r = max(r, abs(X[i, j]) * d[i] * d[j])
            if r > 0.0:
                d[i] /= math.sqrt(r)
    Y = np.empty((n, n), X.dtype)
    for i in range(n):
        for j in range(n):
            Y[i, j] = X[i, j] * d[i] * d[j]
    lsc = 0.0
    for i in range(n):
        lsc -= math.log(d[i])
    W = Y.copy()
    val = X[0, 0] * 0.0 + 1.0
    for k in range(0, n - 1, 2):
        kp = k + 1
        big = abs(W[k + 1, k])
        for r in range(k + 2, n):
            if abs(W[r, k]) > big:
                big = abs(W[r, k])
                kp = r
        if kp != k + 1:
            for j in range(n):
                t = W[k + 1, j]
                W[k + 1, j] = W[kp, j]
                W[kp, j] = t
            for j in range(n):
                t = W[j, k + 1]
                W[j, k + 1] = W[j, kp]
                W[j, kp] = t
            val = -val
        a = W[k, k + 1]
        if a == 0.0:
            return val * 0.0, lsc, np.inf, W
        val *= a
        for i in range(k + 2, n):
            for j in range(k + 2, n):
                W[i, j] -= (W[k, i] * W[k + 1, j] - W[k + 1, i] * W[k, j]) / a
    LU = Y.copy()
    piv = np.zeros(n, np.int64)
    if _lu_det(LU, piv) == 0.0:
        return val, lsc, np.inf, W
    inv = _lu_inverse(LU, piv)
    rnd = 0.0
    for i in range(n):
        for j in range(n):
            inv[i, j] *= d[i] * d[j]  # X^-1 = D Y^-1 D
    for i in range(n):
        for j in range(n):
            rnd += abs(inv[j, i]) * Xabs[i, j]
    return val, lsc, (4.0 + n) * _EPS * (0.5 * rnd + 1.0), inv
