"""Proposals of the matrix Bingham envelopes that need no sub-sampler:
MACG, the principal-angle Gaussian (with its densities, for the mixture's
acceptance ratio), the Wishart in principal-angle space, Haar frames and the
compiled k = 1 sampler.  The envelopes and their constants are in
:mod:`bingham._sampling`."""
import numpy as np

from . import grassmann


def sym_inv_sqrt(S):
    w, v = np.linalg.eigh(S)
    w = np.maximum(w, 1e-300)
    return (v / np.sqrt(w)[..., None, :]) @ np.swapaxes(v, -1, -2)


def project_out(V, G):
    """(I - V V^T) G for G (..., p, k)."""
    if V.shape[1] == 0:        # nothing excluded: no full-size copy
        return G
    return G - V @ (V.T @ G)


def draw_macg(pl, n, rng):
    p, k = pl.p, pl.k
    G = project_out(pl.exclude, rng.standard_normal((n, p, k)))
    s_top = 1.0 / np.sqrt(1.0 + 2.0 * pl.mu_top / pl.b)
    if pl.m > 0:
        s_zero = 1.0 / np.sqrt(1.0 + 2.0 * pl.mu_zero / pl.b)
        VtG = pl.V.T @ G
        Y = s_zero * G + pl.V @ ((s_top - s_zero)[:, None] * VtG)
    else:
        Y = pl.V @ (s_top[:, None] * (pl.V.T @ G))
    return Y @ sym_inv_sqrt(np.swapaxes(Y, -1, -2) @ Y)


def draw_gauss(pl, n, rng):
    """Principal-angle Gaussian proposals; returns frames and a validity
    mask (``||Z|| < 1``)."""
    p, k, r = pl.p, pl.k, pl.r
    top = pl.top
    U = pl.V[:, :k]
    R = pl.V[:, k:]
    c_given = pl.lam[k:]
    Zr = rng.standard_normal((n, r - k, k)) / np.sqrt(
        2.0 * (top[None, None, :] - c_given[None, :, None]))
    X = R @ Zr
    ZtZ = np.swapaxes(Zr, -1, -2) @ Zr
    if pl.m > 0:
        G = rng.standard_normal((n, p, k)) / np.sqrt(2.0 * top)
        G = project_out(pl.Vx, G)
        X = X + G
        ZtZ = ZtZ + np.swapaxes(G, -1, -2) @ G
    w, v = np.linalg.eigh(np.eye(k) - ZtZ)
    valid = w[:, 0] > 0.0
    w = np.maximum(w, 0.0)
    root = (v * np.sqrt(w)[..., None, :]) @ np.swapaxes(v, -1, -2)
    X = X + U @ root
    # Haar rotation on the right (the target is right-invariant)
    return X @ haar_frame(rng, n, k, k), valid


def draw_wishart(pl, n, rng):
    """Proposals of the Wishart envelope: frames and the log acceptance
    ratio ``alpha log det(I - T)`` (``-inf`` when ``T`` is not below I)."""
    k, p, r = pl.k, pl.p, pl.w_r
    dof = pl.n - r
    T = bartlett(rng, n, dof, k) / (2.0 * pl.w_rate)
    w, v = np.linalg.eigh(T)
    ok = w[:, -1] < 1.0
    w = np.clip(w, 0.0, 1.0)
    with np.errstate(divide="ignore"):
        log_ratio = np.where(ok, wishart_log_ratio(
            pl, np.sum(np.log1p(-w), -1), np.trace(T, axis1=-2, axis2=-1)),
            -np.inf)
    vt = np.swapaxes(v, -1, -2)
    root_t = (v * np.sqrt(w)[:, None, :]) @ vt
    root_s = (v * np.sqrt(1.0 - w)[:, None, :]) @ vt
    U = pl.V[:, :r]
    # Haar frames inside span U and inside its complement
    HW = haar_frame(rng, n, r, k)
    G = project_out(np.hstack([U, pl.exclude]),
                     rng.standard_normal((n, p, k)))
    HZ = orthonormal_signed(G)          # Haar in the complement
    X = U @ (HW @ root_s) + HZ @ root_t
    return X, log_ratio


def wishart_log_ratio(pl, logdet_s, trace_t):
    """``alpha (log det(I - T) - tangent)`` of the Wishart envelope (<= 0),
    from ``log det(I - T)`` and ``tr T``."""
    u = pl.w_u
    return pl.w_alpha * (logdet_s - pl.k * np.log(u)
                         + (trace_t - pl.k * (1.0 - u)) / u)


def bartlett(rng, n, dof, d):
    """``n`` draws of the Wishart ``W_d(dof, I)`` (Bartlett)."""
    L = np.zeros((n, d, d))
    idx = np.tril_indices(d, -1)
    L[:, idx[0], idx[1]] = rng.standard_normal((n, idx[0].size))
    L[:, np.arange(d), np.arange(d)] = np.sqrt(
        rng.chisquare(dof - np.arange(d), size=(n, d)))
    return L @ np.swapaxes(L, -1, -2)


def haar_frame(rng, n, d, k):
    """``n`` Haar frames of V_k(R^d) (QR of Gaussians, signs fixed)."""
    return orthonormal_signed(rng.standard_normal((n, d, k)))


def orthonormal_signed(G):
    """Q of the QR factorization with ``diag(R) > 0``: for a Gaussian ``G``
    whose law is rotation invariant this Q is exactly Haar (without the sign
    fix it is not; Mezzadri 2007)."""
    return grassmann.orthonormalize(G)


def log_densities(pl, X):
    """log target (unnormalized), log q1, log q2 (both w.r.t. Haar)."""
    k, p = pl.k, pl.n
    P = pl.V.T @ X                                   # (n, r, k)
    lam = pl.lam
    quad = np.swapaxes(P, -1, -2) @ (lam[:, None] * P)   # X^T A X
    log_t = np.trace(quad, axis1=-2, axis2=-1)
    T = pl.l1 * np.eye(k) - quad                      # X^T Abar X
    S = np.eye(k) + (2.0 / pl.b) * T
    sign, logdet = np.linalg.slogdet(S)
    log_q2 = pl.half_logdet_omega_k - 0.5 * p * logdet
    if pl.method != "mixture":
        return log_t, None, log_q2
    if pl.bad == "haar":
        log_q2 = np.zeros_like(log_t)
    W = P[:, :k, :]                                   # U^T X
    sgn, logdetW = np.linalg.slogdet(W)
    WtW = np.swapaxes(W, -1, -2) @ W
    # Zhat = Z (W^T W)^-1/2 W^T; its Gram is R^T (I - W^T W) R
    Rm = sym_inv_sqrt(WtW) @ np.swapaxes(W, -1, -2)
    ZtZ = np.eye(k) - WtW
    G = np.swapaxes(Rm, -1, -2) @ ZtZ @ Rm             # Zhat^T Zhat
    expo = np.einsum("j,njj->n", pl.top, G)
    if pl.r > k:
        Zr = P[:, k:, :] @ Rm                          # rows of given rest
        expo = expo - np.einsum("i,nij->n", pl.lam[k:], Zr ** 2)
    log_q1 = pl.log_c1 - expo + logdetW
    log_q1 = np.where(sgn == 0, -np.inf, log_q1)
    return log_t, log_q1, log_q2


def sample_kgm(pl, n, rng):
    """k = 1 with the MACG (ACG) envelope: the compiled reduced sampler."""
    from ._kernels import kgm
    coef = np.empty((n, pl.r))
    rest = np.empty(n)
    proposals, worst = kgm.kgm_reduced(
        rng, n, pl.mu_top, pl.mu_zero if pl.m else 0.0, pl.m, pl.b,
        float(pl.n), coef, rest)
    if worst > 1e-8:
        raise RuntimeError(f"matrix Bingham sampler: envelope bound violated "
                           f"(log ratio {worst:.3e}); please report this")
    X = coef @ pl.V.T                                  # (n, p)
    if pl.m:
        # a uniform direction in the complement of span V, scaled
        G = project_out(pl.Vx, rng.standard_normal((n, pl.p)).T).T
        G /= np.linalg.norm(G, axis=1, keepdims=True)
        X += rest[:, None] * G
    info = {"method": "macg", "proposals": int(proposals),
            "acceptance": n / proposals if proposals else 1.0,
            "max_log_ratio": float(worst), "b": pl.b, "delta": None}
    return X[:, :, None], info
