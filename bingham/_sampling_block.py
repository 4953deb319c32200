"""The block envelope of the matrix Bingham sampler.

Take the top ``b > k`` eigenvectors ``U`` of the concentration (eigenvalues
``L``), with a gap below them: every other eigenvalue ``c_i`` (the rest of
the spectrum, the implicit zeros of a low-rank concentration with their
multiplicity) is below ``l_b``.  A frame of the ``n`` dimensions frames
live in is, uniquely where ``U^T X`` has full rank,

    X = U Y (I - Z^T Z)^(1/2) + U_perp Z,

with ``Y`` a k-frame of ``R^b`` and ``Z`` the ``(n - b) x k`` part of ``X``
outside ``span U``.  Under Haar, ``Z`` is matrix-Beta with density
proportional to ``det(I - Z^T Z)^((b - k - 1)/2)`` (at most 1, since
``b >= k + 1``) and, given ``Z``, ``Y`` is Haar on ``V_k(R^b)``.  With
``M = Y^T L Y`` the target is

    etr(X^T A X) = exp(tr M - sum_i z_i^T (M - c_i I) z_i)

(``z_i`` the rows of ``Z``): given ``Y`` the rows are exactly Gaussian,
``z_i ~ N(0, (2 (M - c_i I))^-1)``, and integrating them out leaves the
marginal ``exp(sum_j phi(mu_j))`` of ``Y``, ``mu`` the eigenvalues of ``M``
(in ``[l_b, l_1]`` by interlacing) and

    phi(mu) = mu - 1/2 sum_i log(mu - c_i),

which is convex.  By the Jensen trace inequality for isometries (Davis
1957; Hansen & Pedersen 2003), ``sum_j phi(mu_j(Y^T L Y)) <= tr(Y^T phi(L)
Y)``, with equality where ``Y`` spans eigenvectors of ``L``: the marginal is
bounded by a matrix Bingham of ``phi(L)`` in ``b`` dimensions, tight at
its mode, sampled by its own plan.  A proposal draws ``Y`` from that
sub-plan and the rows of ``Z`` from their Gaussians; it is accepted with
probability

    det(I - Z^T Z)^((b - k - 1)/2) exp(sum_j phi(mu_j) - tr(Y^T phi(L) Y))

(zero where ``||Z|| >= 1``).  The envelope's mass, in the target's units,
is ``Gamma_k(n/2) / Gamma_k(b/2)`` times the sub-plan's.  At high
concentration the Gaussian part is exact and the bound tight at the mode;
the planner tries every block size and keeps the lightest envelope
(``b = k + 1`` has no beta factor and a one-column complement inside the
block).

Where every listed eigenvalue below the non-negative ones is negative, the
block may also hold the implicit zeros' eigenspace: the sub-plan is then
a low-rank problem in ``b = t + (p - r)`` dimensions, and its part in that
space is placed in ``R^p`` through a Haar frame of it (:func:`_embed`), so
no basis of the space is ever formed.
"""
import numpy as np

from ._sampling_proposals import orthonormal_signed, project_out, sym_inv_sqrt

__all__ = ["plan_block", "draw_block"]


def _psi(d, lo, c, mult):
    """``phi(lo + d) - phi(lo)`` without cancellation: ``d - 1/2 sum mult
    log1p(d / (lo - c))`` (``d >= 0``)."""
    d = np.maximum(d, 0.0)
    return d - 0.5 * np.sum(mult * np.log1p(d[..., None] / (lo - c)), -1)


def _candidates(pl):
    """Block shapes ``(t, with_zeros)``: the top ``t`` eigenvectors of
    ``V``, and with them the implicit zeros' eigenspace where every other
    eigenvalue is negative."""
    k, r, m = pl.k, pl.r, pl.m
    for t in range(k + 1, min(r, pl.n - 1) + 1):   # a complement left
        yield t, False
    t = int(np.count_nonzero(pl.lam >= 0.0))
    if m > 0 and 1 <= t < r and t + m >= k + 1:
        yield t, True


def plan_block(pl, multigammaln, make_plan, only=None):
    """Try the blocks (:func:`_candidates`, or the shape ``only``), smallest
    first (the envelope's mass tends to grow with the block), where a lower
    bound of their mass can win and while the plan's work budget lasts;
    keep the lightest envelope if it beats the plan's current one.
    ``make_plan(lam, V, p, k, work)`` builds the sub-plan (no block
    envelope inside)."""
    k, n, r = pl.k, pl.n, pl.r
    lam = pl.lam
    for t, with_zeros in [only] if only else _candidates(pl):
        b = t + (pl.m if with_zeros else 0)
        if n - b < 1:
            continue
        L = lam[:t]
        zeros_out = pl.m > 0 and not with_zeros
        c = np.concatenate([lam[t:], [0.0] if zeros_out else []])
        mult = np.concatenate([np.ones(r - t), [float(pl.m)] if zeros_out
                               else []])
        lo = 0.0 if with_zeros else float(L[-1])
        if c.size == 0 or lo - np.max(c) <= 1e-9 * max(1.0, abs(lo)):
            continue                   # no gap below the block
        phi_lo = lo - 0.5 * float(np.sum(mult * np.log(lo - c)))
        conc = _psi(L - lo, lo, c, mult)
        base = (multigammaln(0.5 * n, k) - multigammaln(0.5 * b, k)
                + k * phi_lo)
        # the sub-plan's mass is at least its normalizer, at least (Jensen)
        # the Haar mean of tr(Y^T conc Y): skip the blocks that cannot win
        if base + k / b * float(np.sum(conc)) >= pl.log_envelope_mass:
            continue
        if pl.work.exhausted:
            break
        sub = make_plan(conc, np.eye(b)[:, :t], b, k, pl.work)
        log_mass = base + sub.log_envelope_mass
        if log_mass < pl.log_envelope_mass:
            pl.method = "block"
            pl.log_MB = float(log_mass)
            pl.k_t, pl.k_zeros, pl.k_lo = t, with_zeros, lo
            pl.k_c, pl.k_mult = c, mult
            pl.k_conc, pl.k_sub = conc, sub


def _embed(pl, Y, rng):
    """The block's frames ``Y`` (coordinates: the top ``t`` eigenvectors,
    then the zeros' eigenspace) in ``R^p``.  The sub-plan's law is
    invariant under rotations of the zeros' eigenspace, so its part is a
    Haar basis of that space times the coordinates (``m <= k``), or a Haar
    k-frame of it times the square root of their Gram matrix."""
    t, k, p = pl.k_t, pl.k, pl.p
    UY = pl.V[:, :t] @ Y[:, :t]
    if not pl.k_zeros:
        return UY
    Y0 = Y[:, t:]
    d = min(pl.m, k)
    G = rng.standard_normal((len(Y), p, d))
    F = orthonormal_signed(project_out(pl.Vx, G))
    if pl.m <= k:
        return UY + F @ Y0
    w, E = np.linalg.eigh(np.swapaxes(Y0, -1, -2) @ Y0)
    root = (E * np.sqrt(np.maximum(w, 0.0))[:, None, :]) \
        @ np.swapaxes(E, -1, -2)
    return UY + F @ root


def draw_block(pl, n, rng, sample):
    """Proposals of the block envelope: frames, their log acceptance
    ratios (``-inf`` where ``||Z|| >= 1``) and the sub-sampler's info
    (``sample`` draws from the sub-plan)."""
    t, k, p = pl.k_t, pl.k, pl.p
    c, lo = pl.k_c, pl.k_lo
    L = pl.lam[:t]
    b = pl.k_sub.p
    Y, sub_info = sample(pl.k_sub, n, rng)              # (n, b, k)
    Yt = Y[:, :t]
    M = np.swapaxes(Yt, -1, -2) @ (L[:, None] * Yt)
    mu, Q = np.linalg.eigh(0.5 * (M + np.swapaxes(M, -1, -2)))
    mu = np.maximum(mu, lo)             # interlacing, up to rounding
    Qt = np.swapaxes(Q, -1, -2)
    n_rest = pl.r - t
    X = np.zeros((n, p, k))
    ZtZ = np.zeros((n, k, k))
    if n_rest:
        cr = pl.lam[t:]
        G = rng.standard_normal((n, n_rest, k)) @ Q
        G /= np.sqrt(2.0 * (mu[:, None, :] - cr[None, :, None]))
        Zr = G @ Qt                                     # rows z_i
        X += pl.V[:, t:] @ Zr
        ZtZ += np.swapaxes(Zr, -1, -2) @ Zr
    if pl.m > 0 and not pl.k_zeros:
        # the implicit zeros: a Gaussian in the complement of span V
        G = project_out(pl.Vx, rng.standard_normal((n, p, k)))
        W0 = ((G @ Q) / np.sqrt(2.0 * mu)[:, None, :]) @ Qt
        X += W0
        ZtZ += np.swapaxes(W0, -1, -2) @ W0
    w, E = np.linalg.eigh(np.eye(k) - ZtZ)
    ok = w[:, 0] > 0.0
    w = np.clip(w, 0.0, 1.0)
    root = (E * np.sqrt(w)[:, None, :]) @ np.swapaxes(E, -1, -2)
    X += _embed(pl, Y, rng) @ root
    # X^T X = I up to rounding amplified where ||Z|| is near 1: the
    # nearest frame (a change of that size, far below the law's scale)
    X = X @ sym_inv_sqrt(np.swapaxes(X, -1, -2) @ X)
    # Jensen: sum phi(mu_j) <= tr(Y^T phi(L) Y), both shifted by phi(lo)
    log_ratio = (np.sum(_psi(mu - lo, lo, c, pl.k_mult), -1)
                 - np.einsum("l,nlj->n", pl.k_conc, Yt ** 2))
    if b - k - 1 > 0:
        with np.errstate(divide="ignore"):
            log_ratio = log_ratio + 0.5 * (b - k - 1) * np.sum(np.log(w), -1)
    return X, np.where(ok, log_ratio, -np.inf), sub_info
