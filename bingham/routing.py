"""Bingham gating: routing tokens (Grassmann points) to experts (Bingham
concentrations), with the bounds of :mod:`bingham.bounds` as a certificate.

Expert ``e`` has concentration ``A_e = U_e diag(l_e) U_e^T`` (``U_e`` a
``p x r_e`` frame, ``l_e >= 0``) and a log prior ``beta_e``.  A token is a
``p x k`` frame ``X`` (k = 1: a unit vector).  Logits and gates::

    s_e(X) = tau tr(X^T A_e X) - c log 1F1(k/2; p/2; tau l_e) + beta_e,
    g(X)   = softmax(s(X)),

``tau > 0`` the global concentration scale (the post-hoc knob), ``c = 1``
(``normalizer=True``) the Bayes posterior of a Bingham mixture, ``c = 0`` an
unnormalized Bingham score.

Cost: the projections of all tokens on all expert frames are one BLAS
product (``O(p sum_e r_e k)`` per token); the per-token statistics (entropy,
top-k mass, logit spread, margin) are a fused numba pass that never stores
the gates unless asked.  Tokens are processed in chunks, so memory stays
bounded for millions of tokens.
"""
import numpy as np

from . import _checks
from . import bounds as _bounds
from . import grassmann as _gr
from . import special as _sp
from ._kernels import gating as _gating

__all__ = ["BinghamGating"]


class BinghamGating:
    """The gating model of E Bingham experts.

    Parameters
    ----------
    frames : sequence of E arrays (p, r_e), or an array (E, p, r)
        Orthonormal expert frames ``U_e``.
    eigenvalues : sequence of E arrays (r_e,), or an array (E, r)
        Concentrations ``l_e >= 0``.
    k : int
        Token frames are ``p x k``.
    tau : float > 0
        Concentration scale.
    normalizer : bool
        ``c = 1`` (subtract ``log 1F1(k/2; p/2; tau l_e)``) or ``c = 0``.
    log_prior : array_like (E,), optional
        ``beta``; default 0.

    Examples
    --------
    >>> import numpy as np
    >>> from bingham import grassmann
    >>> from bingham.routing import BinghamGating
    >>> U = grassmann.random_uniform(64, 4, size=8, rng=0)   # 8 experts
    >>> gate = BinghamGating(U, np.full((8, 4), 5.0), tau=2.0)
    >>> X = grassmann.random_uniform(64, 1, size=1000, rng=1)
    >>> st = gate.statistics(X, top_k=2)
    >>> cert = gate.certificate(top_k=2)
    >>> bool(st["entropy"].min() >= cert["entropy_floor"])
    True
    """

    def __init__(self, frames, eigenvalues, *, k=1, tau=1.0, normalizer=True,
                 log_prior=None):
        if isinstance(frames, np.ndarray) and frames.ndim == 3:
            frames = list(frames)
        if isinstance(eigenvalues, np.ndarray) and eigenvalues.ndim == 2:
            eigenvalues = list(eigenvalues)
        if not isinstance(frames, (list, tuple)) or not frames:
            raise TypeError(f"frames must be a (E, p, r) array or a list of "
                            f"E (p, r_e) frames, got {type(frames).__name__}")
        frames = [_sp._real_array(U, f"frames[{e}]")
                  for e, U in enumerate(frames)]
        spectra, has_nan = _bounds._as_spectra(eigenvalues)
        if has_nan:
            raise ValueError("eigenvalues must be finite and >= 0")
        if len(frames) != len(spectra):
            raise ValueError(f"frames ({len(frames)}) and eigenvalues "
                             f"({len(spectra)}) must list the same experts")
        E = len(frames)
        p = frames[0].shape[0] if frames[0].ndim == 2 else -1
        for e, (U, ev) in enumerate(zip(frames, spectra)):
            if U.ndim != 2 or U.shape[0] != p or U.shape[1] != ev.size:
                raise ValueError(
                    f"frames[{e}] must have shape (p, r_e) = ({p}, "
                    f"{ev.size}), got {U.shape}")
            _gr.check_frames(U, f"frames[{e}]", allow_nan=False)
        self.p = p
        self.k = _sp._check_k_p(k, p, 0)[0]
        self.E = E
        self.frames = frames
        self.eigenvalues = spectra
        self.normalizer = bool(normalizer)
        self.log_prior = (np.zeros(E) if log_prior is None
                          else np.asarray(log_prior, float).copy())
        if self.log_prior.shape != (E,) or not np.all(
                np.isfinite(self.log_prior)):
            raise ValueError(f"log_prior must hold {E} finite numbers")
        self._W = np.concatenate(frames, axis=1)            # (p, R)
        self._owner = np.concatenate(
            [np.full(ev.size, e) for e, ev in enumerate(spectra)])
        self._lam = np.concatenate(spectra)
        # (R, E): column e holds expert e's concentrations
        self._L = np.zeros((self._lam.size, E))
        self._L[np.arange(self._lam.size), self._owner] = self._lam
        self.tau = tau

    # -- the knob -------------------------------------------------------
    @property
    def tau(self):
        return self._tau

    @tau.setter
    def tau(self, value):
        self._tau = _bounds._check_tau(value)
        self._offsets = None

    def offsets(self):
        """``-c log 1F1(k/2; p/2; tau l_e) + beta_e`` per expert (E,)."""
        if self._offsets is None:
            _bounds._check_scaled(self._tau, self.eigenvalues)
            off = self.log_prior.copy()
            if self.normalizer:
                for e, ev in enumerate(self.eigenvalues):
                    if ev.size:
                        off[e] -= float(_sp.log_normalizer_eigvals(
                            self._tau * ev, self.k, self.p))
            self._offsets = off
        return self._offsets

    # -- evaluation -----------------------------------------------------
    def _check_tokens(self, X):
        X = _sp._real_array(X, "X")
        if self.k == 1 and X.ndim >= 1 and X.shape[-1] == self.p:
            X = X[..., None]                 # unit vectors (..., p)
        if X.ndim < 2 or X.shape[-2:] != (self.p, self.k):
            raise ValueError(f"X must have shape (..., {self.p}, {self.k})"
                             + (f" or (..., {self.p})" if self.k == 1 else "")
                             + f", got {X.shape}")
        _gr.check_frames(X, "X")
        return X

    def _chunk_logits(self, Xc):
        n = Xc.shape[0]
        flat = np.swapaxes(Xc, -1, -2).reshape(n * self.k, self.p)
        P = (flat @ self._W).reshape(n, self.k, -1)
        Q = np.einsum("nkr,nkr->nr", P, P)                  # (n, R)
        off = self.offsets()     # checks that tau * l stays finite
        return self._tau * (Q @ self._L) + off

    def logits(self, X):
        """Logits ``(..., E)`` for tokens ``X`` (``(..., p, k)``; for k = 1
        also ``(..., p)``)."""
        X = self._check_tokens(X)
        lead = X.shape[:-2]
        S = self._chunk_logits(X.reshape((-1,) + X.shape[-2:]))
        return S.reshape(lead + (self.E,))

    def gates(self, X):
        """Gates ``softmax(logits)`` ``(..., E)``."""
        S = self.logits(X)
        S = S - np.max(S, axis=-1, keepdims=True)
        G = np.exp(S)
        return G / np.sum(G, axis=-1, keepdims=True)

    def statistics(self, X, *, top_k=1, return_gates=False, chunk=16384):
        """Per-token routing statistics.

        Returns a dict of arrays over the tokens: ``entropy`` (nats),
        ``topk_mass`` (sum of the ``top_k`` largest gates), ``spread``
        (largest minus smallest logit), ``margin`` (largest minus second
        largest logit), ``min_gate`` and, with ``return_gates``, ``gates``.
        """
        top_k = _checks.count(top_k, "top_k")
        if top_k > self.E:
            raise ValueError(f"top_k must be <= E={self.E}, got {top_k}")
        chunk = _checks.count(chunk, "chunk")
        X = self._check_tokens(X)
        lead = X.shape[:-2]
        Xf = X.reshape((-1,) + X.shape[-2:])
        N = Xf.shape[0]
        out = {name: np.empty(N) for name in
               ("entropy", "topk_mass", "spread", "margin", "min_gate")}
        G = np.empty((N, self.E)) if return_gates else np.empty((0, self.E))
        for start in range(0, N, chunk):
            stop = min(N, start + chunk)
            S = self._chunk_logits(Xf[start:stop])
            _gating.softmax_statistics(
                S, top_k, out["entropy"][start:stop],
                out["topk_mass"][start:stop], out["spread"][start:stop],
                out["margin"][start:stop], out["min_gate"][start:stop],
                G[start:stop] if return_gates else G, return_gates)
        res = {name: v.reshape(lead) for name, v in out.items()}
        if return_gates:
            res["gates"] = G.reshape(lead + (self.E,))
        return res

    # -- bounds ---------------------------------------------------------
    def report(self, X, *, top_k=1):
        """Measured extremes over the tokens ``X`` beside the bounds.

        Returns a list of dicts ``{"quantity", "measured", "bound",
        "holds"}`` for the logit spread (max), smallest gate (min), entropy
        (min) and top-k mass (max); ``holds`` compares with a relative
        rounding allowance of 1e-9.
        """
        stt = self.statistics(X, top_k=top_k)
        cert = self.certificate(top_k=top_k)
        rows = [("logit spread (max)", np.nanmax(stt["spread"]), cert["R"],
                 1),
                ("smallest gate (min)", np.nanmin(stt["min_gate"]),
                 cert["min_gate"], -1),
                ("entropy, nats (min)", np.nanmin(stt["entropy"]),
                 cert["entropy_floor"], -1),
                (f"top-{top_k} mass (max)", np.nanmax(stt["topk_mass"]),
                 cert["topk_mass_ceiling"], 1)]
        out = []
        for name, measured, bound, side in rows:
            slack = 1e-9 * max(1.0, abs(bound))
            holds = (measured <= bound + slack if side > 0
                     else measured >= bound - slack)
            out.append({"quantity": name, "measured": float(measured),
                        "bound": float(bound), "holds": bool(holds)})
        return out

    def logit_intervals(self):
        """``(lo, hi)``: every token's logits lie in these intervals."""
        return _bounds.logit_intervals(
            self.eigenvalues, self.k, self.p, tau=self._tau,
            normalizer=self.normalizer, log_prior=self.log_prior)

    def certificate(self, *, top_k=1, n_tokens=None):
        """The bounds that hold for every token at the current ``tau``.

        Returns a dict: ``R`` (logit spread), ``min_gate``,
        ``entropy_floor`` (tight), ``topk_mass_ceiling`` and, given
        ``n_tokens``, ``collapse_probability`` (some expert receives none of
        ``n_tokens`` tokens routed by sampling their gates).
        """
        lo, hi = self.logit_intervals()
        R = float(np.max(hi) - np.min(lo))
        g = float(_bounds.min_gate(R, self.E))
        cert = {"R": R, "min_gate": g,
                "entropy_floor": float(_bounds.entropy_floor(R, self.E)),
                "topk_mass_ceiling": float(
                    _bounds.topk_mass_ceiling(R, self.E, top_k))}
        if n_tokens is not None:
            n_tokens = _checks.count(n_tokens, "n_tokens", lo=0)
            cert["collapse_probability"] = float(
                _bounds.collapse_probability_bound(g, self.E, n_tokens))
        return cert
