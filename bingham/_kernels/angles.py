"""Principal angles between subspaces with high relative accuracy.

Cosines come from the singular values of ``Y^T X``, sines from the singular
values of the residual ``(I - Y Y^T) X V`` (``V`` the right singular vectors
of the first step), both by one-sided Jacobi, whose singular values are
column norms and so keep relative accuracy for tiny sines.  Each angle is
``atan2(sin, cos)`` with cosines sorted down and sines sorted up (Knyazev &
Argentati, SIAM J. Sci. Comput. 23 (2002)), which is accurate at both ends of
``[0, pi/2]`` where ``arccos`` alone loses half the digits near 0.
"""
import numba
import numpy as np

from ._jit import jit


@jit
def jacobi_columns(B, V):
    """One-sided (Hestenes) Jacobi, in place: rotate the columns of ``B``
    until they are mutually orthogonal, applying the same rotations to ``V``.
    On return the column norms of ``B`` are its singular values."""
    m, n = B.shape
    eps = 2.220446049250313e-16
    for _ in range(60):
        rotated = False
        for i in range(n - 1):
            for j in range(i + 1, n):
                alpha = 0.0
                beta = 0.0
                gamma = 0.0
                for r in range(m):
                    alpha += B[r, i] * B[r, i]
                    beta += B[r, j] * B[r, j]
                    gamma += B[r, i] * B[r, j]
                if gamma == 0.0 or abs(gamma) <= eps * np.sqrt(alpha * beta):
                    continue
                rotated = True
                zeta = (beta - alpha) / (2.0 * gamma)
                t = 1.0 / (abs(zeta) + np.sqrt(1.0 + zeta * zeta))
                if zeta < 0.0:
                    t = -t
                c = 1.0 / np.sqrt(1.0 + t * t)
                s = c * t
                for r in range(m):
                    bi = B[r, i]
                    bj = B[r, j]
                    B[r, i] = c * bi - s * bj
                    B[r, j] = s * bi + c * bj
                for r in range(V.shape[0]):
                    vi = V[r, i]
                    vj = V[r, j]
                    V[r, i] = c * vi - s * vj
                    V[r, j] = s * vi + c * vj
        if not rotated:
            break


@jit
def _column_norms(B, out):
    m, n = B.shape
    for j in range(n):
        scale = 0.0
        for r in range(m):
            scale = max(scale, abs(B[r, j]))
        if scale == 0.0:
            out[j] = 0.0
            continue
        acc = 0.0
        for r in range(m):
            v = B[r, j] / scale
            acc += v * v
        out[j] = scale * np.sqrt(acc)


@jit
def _insertion_sort(v):
    for i in range(1, v.size):
        x = v[i]
        j = i - 1
        while j >= 0 and v[j] > x:
            v[j + 1] = v[j]
            j -= 1
        v[j + 1] = x


@jit
def _lower_gram(R, G):
    """Lower triangle of ``R^T R`` into ``G``, in one pass over the rows."""
    p, k = R.shape
    G[:, :] = 0.0
    for r in range(p):
        for a in range(k):
            ra = R[r, a]
            for b in range(a + 1):
                G[a, b] += ra * R[r, b]


@jit
def _singular_values_gram(R, G, B, out):
    """Singular values of the tall ``R`` (columns nearly orthogonal) with
    relative accuracy: Cholesky of the column-scaled Gram matrix, then
    one-sided Jacobi on the ``k x k`` factor (Demmel & Veselic 1992: the
    relative accuracy is governed by the condition of the *scaled* Gram
    matrix, close to 1 here)."""
    p, k = R.shape
    # the Gram matrix in one pass; only where squares could under- or
    # overflow are the columns scaled first (a second and third pass)
    _lower_gram(R, G)
    safe = True
    for a in range(k):
        if not (1e-280 < G[a, a] < 1e280):
            safe = False
    if safe:
        for a in range(k):
            out[a] = np.sqrt(G[a, a])
        for a in range(k):
            for b in range(a):
                G[a, b] /= out[a] * out[b]
    else:
        _column_norms(R, out)
        for a in range(k):
            if out[a] > 0.0:
                for r in range(p):
                    R[r, a] /= out[a]
        _lower_gram(R, G)
    # Gram of the unit columns (diagonal 1 up to rounding); zero columns
    # stay orthogonal to the rest; then Cholesky, lower triangle in G
    for a in range(k):
        for b in range(a):
            if out[a] == 0.0 or out[b] == 0.0:
                G[a, b] = 0.0
        G[a, a] = 1.0
    for j in range(k):
        d = G[j, j]
        for c in range(j):
            d -= G[j, c] * G[j, c]
        d = np.sqrt(d) if d > 0.0 else 0.0
        G[j, j] = d
        for i in range(j + 1, k):
            v = G[i, j]
            for c in range(j):
                v -= G[i, c] * G[j, c]
            G[i, j] = v / d if d > 0.0 else 0.0
    for a in range(k):
        for b in range(k):
            B[a, b] = G[b, a] * out[b] if b >= a else 0.0
    for a in range(k):
        for b in range(k):
            G[a, b] = 1.0 if a == b else 0.0
    jacobi_columns(B, G)
    _column_norms(B, out)


@jit(parallel=True)
def principal_angles(X, Y, out, dev):
    """Angles between span X[t] and span Y[t] for each t, ascending.

    ``X`` is ``(N, p, k1)``, ``Y`` is ``(N, p, k2)`` with ``k1 <= k2``;
    ``out`` is ``(N, k1)``.  ``dev[t]`` receives the largest deviation of
    ``X[t]^T X[t]`` and ``Y[t]^T Y[t]`` from the identity (the caller
    validates); the angles assume orthonormal frames.
    """
    N = X.shape[0]
    nchunks = min(N, 64)
    for c in numba.prange(nchunks):
        _angles_range(X, Y, out, dev, c * N // nchunks,
                      (c + 1) * N // nchunks)


@jit
def _angles_range(X, Y, out, dev, start, stop):
    p, k1 = X.shape[1], X.shape[2]
    k2 = Y.shape[2]
    Mt = np.empty((k2, k1))
    Gx = np.empty((k1, k1))
    Gy = np.empty((k2, k2))
    V = np.empty((k1, k1))
    W = np.empty((k1, k1))
    R = np.empty((p, k1))
    G = np.empty((k1, k1))
    cosv = np.empty(k1)
    sinv = np.empty(k1)
    for t in range(start, stop):
        # one pass over the rows: Y^T X and both Gram matrices (for the
        # orthonormality check the caller makes)
        Mt[:, :] = 0.0
        Gx[:, :] = 0.0
        Gy[:, :] = 0.0
        for r in range(p):
            for a in range(k2):
                ya = Y[t, r, a]
                for b in range(k1):
                    Mt[a, b] += ya * X[t, r, b]
                for b in range(a + 1):
                    Gy[a, b] += ya * Y[t, r, b]
            for a in range(k1):
                xa = X[t, r, a]
                for b in range(a + 1):
                    Gx[a, b] += xa * X[t, r, b]
        worst = 0.0
        for a in range(k1):
            for b in range(a + 1):
                worst = max(worst, abs(Gx[a, b] - (1.0 if a == b else 0.0)))
        for a in range(k2):
            for b in range(a + 1):
                worst = max(worst, abs(Gy[a, b] - (1.0 if a == b else 0.0)))
        dev[t] = worst
        if not np.isfinite(Mt.sum()):
            out[t, :] = np.nan
            continue
        V[:, :] = 0.0
        for b in range(k1):
            V[b, b] = 1.0
        jacobi_columns(Mt, V)
        _column_norms(Mt, cosv)
        _insertion_sort(cosv)
        if cosv[k1 - 1] <= 0.7071067811865476:
            # every angle >= pi/4: arccos is accurate to 2 ulp relative
            for b in range(k1):
                out[t, b] = np.arccos(cosv[k1 - 1 - b])
            continue
        # residual of the rotated frame X V against span Y; after the
        # rotations Mt holds Y^T X V
        for r in range(p):
            for b in range(k1):
                acc = 0.0
                for c in range(k1):
                    acc += X[t, r, c] * V[c, b]
                for a in range(k2):
                    acc -= Y[t, r, a] * Mt[a, b]
                R[r, b] = acc
        _singular_values_gram(R, G, W, sinv)
        _insertion_sort(sinv)
        for b in range(k1):
            out[t, b] = np.arctan2(sinv[b], cosv[k1 - 1 - b])
