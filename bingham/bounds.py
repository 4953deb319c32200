"""Bounds that the concentration spectrum of Bingham gates puts on routing.

Gating model (see :mod:`bingham.routing`): expert ``e`` has concentration
``A_e = U_e diag(l_e) U_e^T`` (``l_e >= 0``, rank ``r_e``) and log prior
``beta_e``; a token is a frame ``X`` (``p x k``); the logits are

    s_e(X) = tau tr(X^T A_e X) - c log 1F1(k/2; p/2; tau l_e) + beta_e,

and the gates ``g = softmax(s)``.  By Ky Fan's principle ``tr(X^T A_e X)``
lies between the sums of the k smallest and the k largest eigenvalues of
``A_e`` (its ``p - r_e`` zeros included), so every logit lies in a known
interval and ``R = max_e sup s_e - min_e inf s_e`` bounds the spread of the
logits of every token.  Everything below follows from ``R``; proofs are in
``docs/bounds.md``.  All bounds are attained (or approached) by the
instances described there, which the tests check.
"""
import numpy as np

from . import _checks
from . import special as _sp

__all__ = [
    "logit_intervals",
    "logit_spread",
    "min_gate",
    "entropy_floor",
    "topk_mass_ceiling",
    "top1_mass_floor",
    "collapse_probability_bound",
    "load_deficit_probability",
    "bingham_entropy_bounds",
]


def _as_spectra(eigenvalues):
    if isinstance(eigenvalues, np.ndarray) and eigenvalues.ndim == 2:
        spectra = [np.asarray(row, float) for row in eigenvalues]
    else:
        try:
            spectra = [np.atleast_1d(np.asarray(ev, float)) for ev in eigenvalues]
        except (TypeError, ValueError):
            raise ValueError("eigenvalues must be a sequence of E arrays, one "
                             "per expert") from None
    if len(spectra) < 1:
        raise ValueError("eigenvalues must hold at least one expert")
    for e, ev in enumerate(spectra):
        if ev.ndim != 1:
            raise ValueError(f"eigenvalues[{e}] must be one-dimensional")
        if np.any(np.isnan(ev)):
            return spectra, True
        if np.any(ev < 0) or not np.all(np.isfinite(ev)):
            raise ValueError(f"eigenvalues[{e}] must be finite and >= 0")
    return spectra, False


def _check_tau(tau):
    return _checks.real(tau, "tau", lo=0.0, lo_open=True)


def _check_scaled(tau, spectra):
    """``tau * l`` must stay finite for every expert's concentration (the
    normalizer and the logits of 1e300 concentrations at ``tau = 1e10``
    would be ``inf - inf``)."""
    for e, ev in enumerate(spectra):
        with np.errstate(over="ignore"):
            big = tau * np.max(np.abs(ev)) if ev.size else 0.0
        if not np.isfinite(big):
            raise ValueError(
                f"tau * eigenvalues overflows for expert {e} (tau = {tau:g}, "
                f"largest |l| = {np.max(np.abs(ev)):g}): rescale tau or the "
                f"concentrations")


def _ky_fan(ev, k, p):
    """Sums of the k smallest and the k largest eigenvalues of a p x p
    matrix with nonzero eigenvalues ``ev`` (the rest 0), in O(r log r):
    the ``p - r`` zeros are never formed."""
    zeros = p - ev.size
    srt = np.sort(ev)
    neg, pos = srt[srt < 0], srt[srt >= 0]
    # the k smallest: negatives first, then zeros, then the positives
    low = neg[:k]
    take = k - low.size
    low_sum = float(np.sum(low)) + float(np.sum(pos[:max(0, take - zeros)]))
    high = pos[::-1][:k]
    take = k - high.size
    high_sum = float(np.sum(high)) + float(
        np.sum(neg[::-1][:max(0, take - zeros)]))
    return low_sum, high_sum


def logit_intervals(eigenvalues, k, p, *, tau=1.0, normalizer=True,
                    log_prior=None):
    """Intervals ``[lo_e, hi_e]`` containing ``s_e(X)`` for every token.

    Parameters
    ----------
    eigenvalues : sequence of E arrays
        Expert ``e``'s nonzero concentrations ``l_e >= 0`` (length ``r_e <=
        p``).
    k, p : int
        Token frames are ``p x k``.
    tau : float > 0
        Concentration scale.
    normalizer : bool
        Whether ``log 1F1(k/2; p/2; tau l_e)`` is subtracted (``c = 1``).
    log_prior : array_like (E,), optional

    Returns
    -------
    lo, hi : ndarray (E,)
        Ky Fan bounds; both are attained (by a frame spanning the bottom,
        respectively top, eigenvectors of ``A_e``).
    """
    spectra, has_nan = _as_spectra(eigenvalues)
    k, p = _sp._check_k_p(k, p, 0)
    tau = _check_tau(tau)
    E = len(spectra)
    beta = np.zeros(E) if log_prior is None else _sp._real_array(log_prior,
                                                        "log_prior")
    if beta.shape != (E,):
        raise ValueError(f"log_prior must have shape ({E},), got {beta.shape}")
    if has_nan or np.any(np.isnan(beta)):
        nan = np.full(E, np.nan)
        return nan, nan.copy()
    if np.any(~np.isfinite(beta)):
        raise ValueError("log_prior must be finite")
    _check_scaled(tau, spectra)
    lo = np.empty(E)
    hi = np.empty(E)
    for e, ev in enumerate(spectra):
        if ev.size > p:
            raise ValueError(f"eigenvalues[{e}] has {ev.size} > p={p} entries")
        a, b = _ky_fan(ev, k, p)
        shift = beta[e]
        if normalizer and ev.size:
            shift -= float(_sp.log_normalizer_eigvals(tau * ev, k, p))
        lo[e] = tau * a + shift
        hi[e] = tau * b + shift
    return lo, hi


def logit_spread(eigenvalues, k, p, *, tau=1.0, normalizer=True,
                 log_prior=None):
    """``R = max_e hi_e - min_e lo_e``: no token's logits spread more.

    See :func:`logit_intervals` for the parameters.  ``R >= 0``; NaN in the
    eigenvalues or the prior gives NaN.

    Domain: as :func:`logit_intervals`.
    """
    lo, hi = logit_intervals(eigenvalues, k, p, tau=tau,
                             normalizer=normalizer, log_prior=log_prior)
    return float(np.max(hi) - np.min(lo))


def _check_R_E(R, E):
    R = _sp._real_array(R, "R")
    if np.any(R < 0):
        raise ValueError("R must be >= 0")
    E = _checks.count(E, "E")
    return R, E


def min_gate(R, E):
    """Smallest gate any expert can get: ``g_e(X) >= 1 / (1 + (E-1) e^R)``.

    Attained when one expert's logit sits at the bottom of the range and all
    others at the top.  NaN gives NaN; ``R = inf`` gives 0.

    Domain: ``R >= 0`` real (array), ``E`` an integer in ``[1, 2^62]``.
    """
    R, E = _check_R_E(R, E)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + (E - 1) * np.exp(R))


def entropy_floor(R, E, *, tight=True):
    """Lower bound of the routing entropy ``H(g(X))`` (nats) of every token.

    With ``tight=True`` (default) the exact infimum over all logit vectors of
    spread at most ``R``::

        min_{m = 1..E-1}  log(m e^R + E - m) - m R e^R / (m e^R + E - m),

    (m experts at the top of the range, the others at the bottom; the
    entropy is unimodal in each logit, so its minimum over the box is at a
    vertex).  With ``tight=False`` the closed form ``log(1 + (E-1) e^-R)``
    (min-entropy of the largest possible gate), which is smaller.

    Domain: ``R >= 0`` real (array; NaN gives NaN, inf gives 0), ``E`` an
    integer in ``[1, 2^62]``; O(1) work in ``E``.
    """
    R, E = _check_R_E(R, E)
    if E == 1:
        return np.zeros_like(R)[()] if R.ndim else 0.0
    if not tight:
        return np.log1p((E - 1) * np.exp(-R))[()]
    # H(m) = log(m e^R + E - m) - m R e^R / (m e^R + E - m) has one
    # minimum over real m (its derivative changes sign once), at
    # m* = E (R / (1 - e^-R) - 1) e^-R / (1 - e^-R); the integer minimum is
    # at floor(m*) or ceil(m*), clipped to 1..E-1 (O(1) for any E).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        em = np.exp(-R)
        om = -np.expm1(-R)
        mstar = E * (R / om - 1.0) * em / om
        mstar = np.where(np.isfinite(mstar), mstar, 1.0)
        lo = np.clip(np.floor(mstar), 1, E - 1)
        cand = np.stack([lo, np.minimum(lo + 1, E - 1)], axis=-1)
        Rb = R[..., None]
        denom = cand + (E - cand) * np.exp(-Rb)
        H = np.log(denom) + Rb - cand * Rb / denom
        H = np.where(np.isinf(Rb), 0.0, H)
        H = np.where(Rb == 0, np.log(E), H)
    out = np.min(H, axis=-1)
    return np.where(np.isnan(R), np.nan, out)[()]


def topk_mass_ceiling(R, E, top_k):
    """Largest total gate of the ``top_k`` largest gates:
    ``top_k e^R / (top_k e^R + E - top_k)`` (attained: those experts at the
    top of the range, the others at the bottom).

    Domain: ``R >= 0`` real, integers ``1 <= top_k <= E <= 2^62``.
    """
    R, E = _check_R_E(R, E)
    top_k = _checks.count(top_k, "top_k")
    if top_k > E:
        raise ValueError(f"top_k must be <= E={E}, got {top_k}")
    with np.errstate(over="ignore", invalid="ignore"):
        out = top_k / (top_k + (E - top_k) * np.exp(-R))
    return out[()]


def top1_mass_floor(margin, E):
    """Top-1 gate of a token whose largest logit exceeds every other by at
    least ``margin`` (>= 0): ``g_(1) >= 1 / (1 + (E - 1) e^-margin)``.

    Domain: real ``margin >= 0`` (array; NaN gives NaN), ``E`` an integer in
    ``[1, 2^62]``.
    """
    margin = _sp._real_array(margin, "margin")
    if np.any(margin < 0):
        raise ValueError("margin must be >= 0")
    E = _checks.count(E, "E")
    return (1.0 / (1.0 + (E - 1) * np.exp(-margin)))[()]


def collapse_probability_bound(g_min, E, N):
    """Probability that some expert receives no token when each of ``N``
    tokens is routed to one expert drawn from its gates (independently),
    given that every gate is at least ``g_min``::

        P(some expert empty) <= E (1 - g_min)^N <= E exp(-N g_min).

    Returns the first (tighter) form, capped at 1.

    Domain: real ``g_min`` in ``[0, 1]`` (array), integers ``E`` in ``[1,
    2^62]`` and ``N`` in ``[0, 2^62]`` (``N = 0``: probability 1).
    """
    g = _sp._real_array(g_min, "g_min")
    if np.any((g < 0) | (g > 1)):
        raise ValueError("g_min must lie in [0, 1]")
    E = _checks.count(E, "E")
    N = _checks.count(N, "N", lo=0)
    if N == 0:
        # no token: every expert is empty
        return np.ones_like(g)[()]
    with np.errstate(divide="ignore"):
        out = np.minimum(1.0, E * np.exp(N * np.log1p(-g)))
    return out[()]


def load_deficit_probability(N, deficit):
    """Hoeffding: the number of tokens routed to an expert (out of ``N``,
    routed independently) falls ``deficit`` or more below its mean (the sum
    of that expert's gates) with probability at most
    ``exp(-2 deficit^2 / N)``.  With every gate at least ``g_min`` the mean
    is at least ``N g_min``.

    Domain: an integer ``N >= 1``, real ``deficit >= 0``.
    """
    N = _checks.count(N, "N")
    d = _sp._real_array(deficit, "deficit")
    if np.any(d < 0):
        raise ValueError("deficit must be >= 0")
    return np.minimum(1.0, np.exp(-2.0 * d * d / N))[()]


def bingham_entropy_bounds(eigenvalues, k, p, tau=1.0):
    """Bounds on the entropy (relative to Haar) of the matrix Bingham with
    concentration ``tau * A``, ``A`` with nonzero eigenvalues
    ``eigenvalues``::

        tau ((k/p) tr A - S_k(A)) <= H(tau) <= 0,

    ``S_k`` the sum of the k largest eigenvalues (zeros included).  ``H`` is
    non-increasing in ``tau`` (``dH/dtau = -tau l^T Hess l``).  Returns
    ``(lower, upper)``.  The lower bound is Jensen (``log F >= tau (k/p) tr
    A``) plus Ky Fan (``l . grad <= S_k``); it is attained to first order
    as ``tau -> 0`` only through 0 and is a slope bound at large ``tau``,
    where ``H ~ -(d/2) log tau``.

    Domain: real eigenvalues (at most ``p``; the rest zero), integers ``1
    <= k <= p``, ``tau > 0`` finite (where ``tau * eigenvalues`` overflows
    the lower bound is the trivial ``-inf``).
    """
    ev = _sp._real_array(eigenvalues, "eigenvalues").reshape(-1)
    if np.any(ev < 0) or not np.all(np.isfinite(ev)):
        raise ValueError("eigenvalues must be finite and >= 0")
    k, p = _sp._check_k_p(k, p, ev.size)
    tau = _check_tau(tau)
    _, top = _ky_fan(ev, k, p)
    return tau * (k / p * float(np.sum(ev)) - top), 0.0
