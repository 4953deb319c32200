"""The envelope constants' closed forms and small programs for the
matrix Bingham samplers (:mod:`bingham._sampling`): the MACG envelope's
optimal ``b``, the tangent that folds a beta factor into a Wishart, the
max-plus product of the bad-region bound's dynamic program, and the
multivariate log-gamma."""
import numpy as np


def multigammaln(a, k):
    # scipy is imported on first use: `import bingham` stays light
    from scipy import special as sps
    return sps.multigammaln(a, k) if k > 0 else 0.0


def maxplus(f, g, last=False):
    """``h[b] = max_c f[c] + g[max(b - c, 0)]`` for ``b`` in ``0 .. B``
    (``f``, ``g`` of length ``B + 1``), or only ``h[B]`` with ``last``:
    the product of the bad-region bound's dynamic program."""
    B = f.size - 1
    # G[B + j] = g[max(j, 0)], so g[max(b - c, 0)] = G[B + b - c]
    G = np.concatenate([np.full(B, g[0]), g])
    if last:
        return float(np.max(f + G[2 * B::-1][:B + 1]))
    step = G.strides[0]
    rows = np.lib.stride_tricks.as_strided(G[B:], (B + 1, B + 1),
                                           (step, -step), writeable=False)
    return np.max(f[None, :] + rows, axis=1)


def optimal_b(mu, mult, p):
    """Root of ``sum mult_i / (b + 2 mu_i) = 1`` in (0, p] (mu >= 0, one 0)."""
    mu = np.asarray(mu, float)
    mult = np.asarray(mult, float)

    def h(b):
        return np.sum(mult / (b + 2.0 * mu)) - 1.0
    if h(p) >= 0.0:          # all mu == 0
        return float(p)
    lo = 1e-300
    # h(lo) > 0 because some mu is 0; bracket with a positive lower end
    lo = max(lo, np.sum(mult[mu == 0.0]) * 0.5) if np.any(mu == 0) else lo
    while h(lo) < 0.0:
        lo *= 0.5
    from scipy import optimize
    return float(optimize.brentq(h, lo, float(p), xtol=1e-14, rtol=1e-14))


def tangent(rate, alpha, dof):
    """Fold ``det(I - T)^alpha`` into a Wishart's rates.

    ``log det(I - T)`` is concave in ``T``, so below its tangent at a
    diagonal ``T0 = I - diag(u)``: ``det(I - T)^alpha <= exp(alpha sum_i
    (log u_i + (1 - u_i) / u_i)) etr(-alpha diag(1/u) T)``.  A Wishart with
    ``dof`` degrees of freedom and rates ``rate`` (``etr(-diag(rate) T)``)
    times that bound is a Wishart with rates ``rate + alpha / u``; its mass
    ``prod (rate + alpha/u)^(-dof/2)`` times the constant is smallest, for
    each ``i`` separately, at the root in (0, 1] of
    ``rate u^2 + (dof/2 + alpha - rate) u - alpha = 0``.  Returns ``u``, the
    new rates and the log of the constant (``u = 1``, the rates unchanged
    and 0 when ``alpha = 0``)."""
    rate = np.asarray(rate, float)
    if alpha <= 0.0:
        return np.ones_like(rate), rate, 0.0
    bq = 0.5 * dof + alpha - rate
    # the root with the sign-stable form (no cancellation when bq > 0)
    disc = np.sqrt(bq * bq + 4.0 * rate * alpha)
    u = np.where(bq > 0.0, 2.0 * alpha / (bq + disc), (disc - bq) / (2.0 * rate))
    u = np.clip(u, 1e-300, 1.0)
    return u, rate + alpha / u, float(alpha * np.sum(np.log(u) + (1.0 - u) / u))
