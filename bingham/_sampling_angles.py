"""The principal-angle matrix envelope of the matrix Bingham sampler
(:mod:`bingham._sampling`): the top ``k`` eigenvalues above one level
``c`` that holds every other direction (a concentration of rank ``k``, its
other eigenvalues the implicit zeros; or a full spectrum whose bottom
``n - k`` values are equal), with ``n >= 2 k + 1``.

With ``U`` the top-``k`` eigenvectors and ``L = diag(l_j - c) > 0``, the
target is ``e^(k c) etr(L S)``, ``S = U^T X X^T U``, and under Haar ``S`` is
matrix-Beta ``Beta_k(k/2, (n - k)/2)``: its law under the target has the
density

    pi(S) = e^(k c) etr(L S) det(S)^(-1/2) det(I - S)^nu / B_k,

``nu = (n - 2k - 1)/2``, on ``0 < S < I``, and given ``S`` the frame is
``X = [U S^(1/2) + H (I - S)^(1/2)] O`` with ``H`` a Haar frame of the
complement of ``U`` and ``O`` Haar on O(k) (the target depends on ``S``
alone).  In ``T = I - S`` the density is a Wishart
``det(T)^nu etr(-L T)`` times ``det(I - T)^(-1/2)``, which is unbounded at
``T -> I``: the principal-angle Gaussian of the mixture envelope bounds
that factor by a constant over a region of its own, ``e^19`` at k = 3,
p = 128, ``l = [300, 147.3, 142.3]``.  Here it is a mixture of two
matrix envelopes, split at ``tau`` in ``(0, 1)``:

1. where ``T <= tau I``: ``-log det(I - T)/2 <= beta tr T`` (the chord of a
   convex function, ``beta = -log(1 - tau) / (2 tau)``), so ``pi`` is
   below the Wishart ``W_k(n - k, (2 R)^-1)`` with rates
   ``R = max(L - beta, (n - k) / (2 tau))`` times
   ``exp(tau sum (R - L + beta))``;
2. elsewhere (``S`` has an eigenvalue below ``1 - tau``): the Wishart
   ``W_k(k, (2 D)^-1)`` in ``S``, whose density carries ``det(S)^(-1/2)``
   itself; ``pi / q2`` is ``etr((L + D) S) det(I - S)^nu`` up to
   constants, bounded over the region through the eigenvalues of ``S``
   (von Neumann's trace inequality pairs them with the sorted diagonal of
   ``L + D``; the smallest is below ``1 - tau``).

``tau`` and the scale of ``D`` are chosen on a grid for the smallest total
mass; every constant is closed form, and the sampler checks the ratio on
every proposal.  At k = 3, p = 128, ``[300, 147.3, 142.3]`` the acceptance
is 0.59 (the mixture's: 4e-19).  It is poor where ``T`` reaches the
boundary (``(n - k) / (2 l)`` near 1 or above, k = 6, p = 32, eigenvalues
near 30), where other envelopes are lighter."""
import numpy as np

from ._sampling_proposals import bartlett, haar_frame, orthonormal_signed, \
    project_out

# the grids of the split point and of the scale of D
_TAUS = np.linspace(0.05, 0.995, 40)
_SCALES = np.geomspace(0.02, 50.0, 33)


def _peak(m, nu, hi):
    """``max over 0 <= s <= hi`` of ``m s + nu log(1 - s)`` (``nu >= 0``)."""
    s = np.where(m > nu, 1.0 - nu / np.maximum(m, 1e-300), 0.0)
    s = np.minimum(s, hi)
    if nu == 0.0:
        return m * s
    return m * s + nu * np.log1p(-s)        # (s < 1 where nu > 0)


def _level(pl):
    """The level ``c`` below the top ``k`` eigenvalues, or None where the
    directions below them do not share one value (or there is no gap)."""
    k, r = pl.k, pl.r
    if r < k:
        return None
    below = list(pl.lam[k:]) + ([0.0] if pl.m > 0 else [])
    if not below or max(below) != min(below):
        return None
    c = float(below[0])
    if pl.lam[k - 1] - c <= 1e-9 * max(1.0, abs(c)):
        return None
    return c


def plan_angles(pl, multigammaln):
    """Set the plan's envelope to this one (``method = "angles"``) where it
    applies and is lighter than the current one."""
    k, n = pl.k, pl.n
    if n < 2 * k + 1:
        return
    c = _level(pl)
    if c is None:
        return
    L = pl.lam[:k] - c
    d = n - k
    nu = 0.5 * (n - 2 * k - 1)
    log_b = (multigammaln(0.5 * k, k) + multigammaln(0.5 * d, k)
             - multigammaln(0.5 * n, k))
    # (a grid of tau down the rows, of the scale of D across)
    tau = _TAUS[:, None, None]
    beta = -np.log1p(-tau) / (2.0 * tau)
    R = np.maximum(L - beta, 0.5 * d / tau)                  # (T, 1, k)
    log_m1 = (k * c + float(np.sum(L)) - log_b + multigammaln(0.5 * d, k)
              - 0.5 * d * np.sum(np.log(R), -1)
              + tau[..., 0] * np.sum(R - L + beta, -1))       # (T, 1)
    typical = np.clip(1.0 - d / (2.0 * L), 0.05, 0.95)
    D = _SCALES[None, :, None] * (0.5 * k / typical)          # (1, S, k)
    M = -np.sort(-(L + D), -1)
    bound = (np.sum(_peak(M[..., :-1], nu, 1.0), -1)
             + _peak(M[..., -1], nu, 1.0 - tau[..., 0]))      # (T, S)
    log_m2 = (k * c - log_b + multigammaln(0.5 * k, k)
              - 0.5 * k * np.sum(np.log(D), -1) + bound)
    total = np.logaddexp(log_m1, log_m2)
    i, j = np.unravel_index(np.argmin(total), total.shape)
    if not total[i, j] < pl.log_envelope_mass:
        return
    pl.method = "angles"
    pl.log_MA = float(total[i, j])
    pl.a_c, pl.a_L, pl.a_nu, pl.a_tau = c, L, nu, float(_TAUS[i])
    pl.a_R, pl.a_D = R[i, 0], D[0, j]
    pl.a_log_m1, pl.a_log_m2 = float(log_m1[i, 0]), float(log_m2[i, j])
    pl.a_log_b = log_b
    pl.a_lg = (multigammaln(0.5 * d, k), multigammaln(0.5 * k, k))


def draw_angles(pl, n, rng):
    """Proposals of the envelope: frames and their log acceptance ratios
    (``-inf`` where ``S`` is not strictly between 0 and I)."""
    k, p, d = pl.k, pl.p, pl.n - pl.k
    L, R, D, nu = pl.a_L, pl.a_R, pl.a_D, pl.a_nu
    w1 = float(np.exp(pl.a_log_m1 - pl.log_MA))
    n1 = rng.binomial(n, w1)
    r1 = 1.0 / np.sqrt(2.0 * R)
    r2 = 1.0 / np.sqrt(2.0 * D)
    T1 = r1[:, None] * bartlett(rng, n1, d, k) * r1[None, :]
    S2 = r2[:, None] * bartlett(rng, n - n1, k, k) * r2[None, :]
    S = np.concatenate([np.eye(k) - T1, S2])[rng.permutation(n)]
    S = 0.5 * (S + np.swapaxes(S, -1, -2))
    s, E = np.linalg.eigh(S)
    ok = (s[:, 0] > 0.0) & (s[:, -1] < 1.0)
    s = np.where(ok[:, None], s, 0.5)       # (outside: rejected below)
    logdet_s = np.sum(np.log(s), -1)
    logdet_t = np.sum(np.log1p(-s), -1)
    diag_s = np.diagonal(S, axis1=-2, axis2=-1)
    log_pi = (k * pl.a_c + np.sum(L * diag_s, -1) - 0.5 * logdet_s
              + nu * logdet_t - pl.a_log_b)
    log_q1 = (0.5 * d * np.sum(np.log(R)) - pl.a_lg[0] + nu * logdet_t
              - np.sum(R * (1.0 - diag_s), -1))
    log_q2 = (0.5 * k * np.sum(np.log(D)) - pl.a_lg[1] - 0.5 * logdet_s
              - np.sum(D * diag_s, -1))
    log_ratio = np.where(ok, log_pi - np.logaddexp(pl.a_log_m1 + log_q1,
                                                   pl.a_log_m2 + log_q2),
                         -np.inf)
    Et = np.swapaxes(E, -1, -2)
    root_s = (E * np.sqrt(s)[:, None, :]) @ Et
    root_t = (E * np.sqrt(1.0 - s)[:, None, :]) @ Et
    U = pl.V[:, :k]
    H = orthonormal_signed(project_out(np.hstack([U, pl.exclude]),
                                       rng.standard_normal((n, p, k))))
    X = (U @ root_s + H @ root_t) @ haar_frame(rng, n, k, k)
    return X, log_ratio
