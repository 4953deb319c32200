"""The matrix Bingham distribution on the Stiefel manifold V_k(R^p) and the
Grassmann manifold Gr(k, p).

Density with respect to the normalized Haar measure on V_k(R^p)::

    f(X | A) = etr(X^T A X) / 1F1(k/2; p/2; A),     X^T X = I_k,

``A`` symmetric ``p x p``.  Positive eigenvalues of ``A`` attract; ``A`` and
``A + cI`` define the same distribution (the canonical form has smallest
eigenvalue 0).  ``f`` depends on ``X`` only through ``X X^T``, so it is also a
distribution on Gr(k, p).

``matrix_bingham`` follows the scipy.stats multivariate conventions: call it
with parameters to get a frozen distribution, or call its methods with the
parameters as arguments.
"""
import warnings

import numpy as np

from . import _checks, _sampling
from . import grassmann as _gr
from . import special as _sp
from ._special_args import snap_zeros

__all__ = ["matrix_bingham", "matrix_bingham_gen", "matrix_bingham_frozen"]


def _validated_frames(X, p, k, name="X"):
    X = _sp._real_array(X, name)
    if X.ndim < 2 or X.shape[-2:] != (p, k):
        raise ValueError(f"{name} must have shape (..., {p}, {k}), got "
                         f"{X.shape}")
    _gr.check_frames(X, name)
    return X


def _lost(value, logF, quad, err):
    """``(lost, bound)``: where ``log F`` and the quadratic term cancel so
    far that the rounding of their difference (``bound``) exceeds 1e-8 of
    the result."""
    bound = err + 4.0 * np.finfo(float).eps * (np.abs(logF) + np.abs(quad))
    return bound > 1e-8 * np.maximum(1.0, np.abs(value)), bound


def _cancellation_check(what, value, logF, quad, err):
    """Warn where :func:`_lost`."""
    lost, bound = _lost(value, logF, quad, err)
    if np.any(lost):
        warnings.warn(
            f"matrix_bingham.{what}: log F ({logF:.6g}) and the quadratic "
            f"term cancel; the result is accurate to about "
            f"{float(np.max(bound)):.3g} only (a concentration this large "
            f"is beyond double precision here)", _sp.AccuracyWarning,
            stacklevel=3)


def _check_k(k, p):
    return _sp._check_k_p(k, p, 0)[0]


def _parse_parameters(A, k, eigenvalues, frame):
    """-> (eigenvalues (r,), frame (p, r), p, k); the other p - r
    eigenvalues are 0."""
    if A is not None:
        if eigenvalues is not None or frame is not None:
            raise ValueError("pass either A or eigenvalues and frame, not both")
        A = _sp._real_array(A, "A")
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 1:
            raise ValueError(f"A must be a square (p, p) matrix with p >= 1, "
                             f"got shape {A.shape}")
        if not np.all(np.isfinite(A)):
            raise ValueError("A must be finite")
        scale = max(np.max(np.abs(A)), np.finfo(float).tiny)
        if np.max(np.abs(A - A.T)) > 1e-10 * scale:
            raise ValueError("A must be symmetric (A == A.T up to rounding)")
        lam, V = np.linalg.eigh(0.5 * (A + A.T))
        # (a low-rank A keeps its implicit zeros exact, not a cluster of
        # near ties at the rounding level)
        lam = snap_zeros(lam)[0]
        p = A.shape[0]
    else:
        if eigenvalues is None or frame is None:
            raise ValueError("pass A, or both eigenvalues and frame")
        lam = _sp._real_array(eigenvalues, "eigenvalues").reshape(-1)
        V = _sp._real_array(frame, "frame")
        if V.ndim != 2 or V.shape[1] != lam.size or lam.size < 1:
            raise ValueError(f"frame must have shape (p, r) with r = "
                             f"len(eigenvalues) = {lam.size}, got {V.shape}")
        if not np.all(np.isfinite(lam)):
            raise ValueError("eigenvalues must be finite")
        p = V.shape[0]
        if lam.size > p:
            raise ValueError(f"eigenvalues: {lam.size} > p = {p}")
        _gr.check_frames(V, "frame", allow_nan=False)
    k = _check_k(k, p)
    order = np.argsort(-lam, kind="stable")
    return lam[order], np.ascontiguousarray(V[:, order]), p, k


class matrix_bingham_frozen:
    """A matrix Bingham distribution with fixed parameters.

    Parameters
    ----------
    A : array_like, shape (p, p), optional
        Symmetric concentration matrix.
    k : int
        Frame size, ``1 <= k <= p`` (k = 1 is the vector Bingham on the
        sphere S^(p-1)).
    eigenvalues : array_like, shape (r,), optional
    frame : array_like, shape (p, r), optional
        Instead of ``A``: ``A = frame @ diag(eigenvalues) @ frame.T``, the
        other ``p - r`` eigenvalues 0.  Densities, moments, sampling and KL
        then cost O(p r k) per frame and never form ``p x p`` matrices
        (except :meth:`mean_projection` and :attr:`A`, which return them).

    Attributes
    ----------
    p, k : int
    eigenvalues : ndarray (r,), descending
    frame : ndarray (p, r)
    sampler_info : dict
        Method, proposals and acceptance of the last :meth:`rvs` call.

    Notes
    -----
    Non-finite parameters raise ``ValueError`` (a distribution is not
    defined by them); NaN in the frames passed to :meth:`logpdf` gives NaN.
    """

    def __init__(self, A=None, k=1, *, eigenvalues=None, frame=None):
        lam, V, p, k = _parse_parameters(A, k, eigenvalues, frame)
        self.eigenvalues = lam
        self.frame = V
        self.p = p
        self.k = k
        self._logF = None
        self._shifted_logF = None
        self._grad = None
        self._plan = None
        self.sampler_info = {}

    # -- parameters ---------------------------------------------------------
    @property
    def r(self):
        return self.eigenvalues.size

    @property
    def A(self):
        """The concentration matrix ``(p, p)`` (formed on request)."""
        V = self.frame
        return (V * self.eigenvalues) @ V.T

    def __repr__(self):
        return (f"matrix_bingham(p={self.p}, k={self.k}, eigenvalues="
                f"{np.array2string(self.eigenvalues, precision=4)})")

    # -- normalizer and moments ---------------------------------------------
    def log_normalizer(self, return_error=False):
        """``log 1F1(k/2; p/2; A)`` (see :func:`bingham.log_normalizer`)."""
        if self._logF is None:
            self._logF = _sp.log_normalizer_eigvals(
                self.eigenvalues, self.k, self.p, return_error=True)
        v, e = self._logF
        return (float(v), float(e)) if return_error else float(v)

    def _gradient(self):
        if self._grad is None:
            self._grad = np.asarray(_sp.grad_log_normalizer_eigvals(
                self.eigenvalues, self.k, self.p))
        return self._grad

    def mean_projection_spectrum(self):
        """``(g, c)``: ``E[X X^T] = frame diag(g) frame^T + c (I - frame
        frame^T)``, without forming ``p x p`` matrices.  ``g`` is the gradient
        of the log-normalizer; ``c = (k - sum g) / (p - r)`` (0 if r = p)."""
        g = self._gradient()
        m = self.p - self.r
        c = (self.k - float(np.sum(g))) / m if m > 0 else 0.0
        return g.copy(), c

    def mean_projection(self):
        """``E[X X^T]`` (``p x p``), the gradient of the log-normalizer with
        respect to ``A``."""
        g, c = self.mean_projection_spectrum()
        V = self.frame
        return (V * (g - c)) @ V.T + c * np.eye(self.p)

    def entropy(self):
        """Differential entropy relative to the normalized Haar measure,
        ``-E[log f] = log F - sum_i l_i g_i <= 0`` (0 for the uniform
        distribution).

        The two terms nearly cancel at large concentrations (for
        ``diag(1e300, 0, 0)`` both are 1e300, the entropy -690.47).  Where
        the rounding of their difference exceeds 1e-8 of the result, they
        are recomputed for ``A - l_1 I`` (the entropy is shift-invariant),
        which keeps both of the result's size when the largest eigenvalue
        dominates (``k = 1``, or the top ``k`` tied).  Where that does not
        help either (``diag(1e300, 5e299, 0, 0, 0)`` with ``k = 2``) an
        :class:`~bingham.special.AccuracyWarning` gives the attainable
        accuracy.  The result is never above 0."""
        g = self._gradient()
        logF, err = self.log_normalizer(return_error=True)
        quad = float(np.dot(self.eigenvalues, g))
        value = logF - quad
        if _lost(value, logF, quad, err)[0] and self._shift() > 0:
            # both terms move by c k under A -> A - c I; with c the largest
            # eigenvalue they stay of the size of the result
            full, (logF, err) = self._shifted()
            quad = float(np.dot(full, _sp.grad_log_normalizer_eigvals(
                full, self.k, self.p)))
            value = logF - quad
        _cancellation_check("entropy", value, logF, quad, err)
        return min(value, 0.0)

    def _shift(self):
        return float(self.eigenvalues[0]) if self.r else 0.0

    def _shifted(self):
        """The full spectrum of ``A - c I`` (``c`` the largest eigenvalue,
        the given ones first, then the ``p - r`` implicit zeros moved to
        ``-c``) and its ``(log F, error)``: shift-invariant quantities
        computed from it keep their accuracy where ``log F`` itself is
        huge (``diag(1e300, 0, 0)``)."""
        c = self._shift()
        full = np.concatenate([self.eigenvalues - c,
                               np.full(self.p - self.r, -c)])
        if self._shifted_logF is None:
            # computed once: logpdf may be called many times
            v, e = _sp.log_normalizer_eigvals(full, self.k, self.p,
                                              return_error=True)
            self._shifted_logF = (float(v), float(e))
        return full, self._shifted_logF

    def mode(self):
        """A frame ``(p, k)`` maximizing the density: eigenvectors of the k
        largest eigenvalues of ``A``.  Unique as a subspace iff the k-th and
        (k+1)-th largest eigenvalues differ; otherwise one maximizer,
        deterministic."""
        lam, V, k = self.eigenvalues, self.frame, self.k
        m = self.p - self.r
        n_pos = int(np.count_nonzero(lam > 0.0)) if m > 0 else self.r
        take = min(k, n_pos)
        cols = [V[:, :take]]
        need = k - take
        if need > 0 and m > 0:
            extra = min(need, m)
            cols.append(self._complement_basis(extra))
            need -= extra
        if need > 0:
            cols.append(V[:, take: take + need])
        return np.concatenate(cols, axis=1)

    def _complement_basis(self, q):
        V = self.frame
        E = np.random.default_rng(0).standard_normal((self.p, q))
        E -= V @ (V.T @ E)
        E -= V @ (V.T @ E)
        return np.linalg.qr(E)[0]

    # -- density ------------------------------------------------------------
    def logpdf(self, X):
        """Log density at frames ``X`` (``(..., p, k)``, orthonormal to
        :data:`bingham.grassmann.FRAME_TOL`), w.r.t. the normalized Haar
        measure.  Computed for ``A - l_1 I`` where the trace term and
        ``log F`` would cancel (see :meth:`entropy`): ``diag(1e300, 0, 0)``
        at ``e_1`` gives 691.47."""
        X = _validated_frames(X, self.p, self.k)
        P = np.einsum("pr,...pk->...rk", self.frame, X)
        quad = np.einsum("r,...rk->...", self.eigenvalues, P * P)
        logF, err = self.log_normalizer(return_error=True)
        value = quad - logF
        if np.any(_lost(value, logF, quad, err)[0]) and self._shift() > 0:
            # the density is invariant under A -> A - c I: the trace term
            # becomes sum (l_i - c) |P_i|^2 - c |X - V V^T X|^2, the last
            # norm formed directly (k - sum |P_i|^2 would round to eps k)
            full, (logF, err) = self._shifted()
            P2 = np.sum(P * P, axis=-1)
            R = X - np.einsum("pr,...rk->...pk", self.frame, P)
            rest = np.sum(R * R, axis=(-2, -1))
            quad = np.einsum("r,...r->...", full[:self.r], P2) \
                - self._shift() * rest
            value = quad - logF
        _cancellation_check("logpdf", value, logF, quad, err)
        return value

    def pdf(self, X):
        """Density at frames ``X`` (``exp(logpdf)``; overflows for large
        concentrations: prefer :meth:`logpdf`)."""
        return np.exp(self.logpdf(X))

    # -- divergence ---------------------------------------------------------
    def kl_divergence(self, other):
        """``KL(self || other)`` for another matrix Bingham on the same
        V_k(R^p), with any orientation::

            KL = tr(A1 E1[X X^T]) - tr(A2 E1[X X^T]) - log F1 + log F2.

        Costs O(p r1 r2) given both gradients."""
        if not isinstance(other, matrix_bingham_frozen):
            raise ValueError("other must be a frozen matrix_bingham")
        if (other.p, other.k) != (self.p, self.k):
            raise ValueError(f"other must live on the same manifold (p, k) = "
                             f"{(self.p, self.k)}, got {(other.p, other.k)}")
        g, c = self.mean_projection_spectrum()
        C2 = (other.frame.T @ self.frame) ** 2          # (r2, r1)
        e_a1 = float(np.dot(self.eigenvalues, g))
        e_a2 = float(np.dot(other.eigenvalues, c + C2 @ (g - c)))
        kl = e_a1 - e_a2 - self.log_normalizer() + other.log_normalizer()
        return max(kl, 0.0) if kl > -1e-9 * max(1.0, abs(e_a1)) else kl

    # -- sampling -----------------------------------------------------------
    def _sampling_plan(self):
        if self._plan is None:
            self._plan = _sampling.plan(self.eigenvalues, self.frame, self.p,
                                        self.k)
        return self._plan

    def expected_acceptance(self):
        """Acceptance rate of :meth:`rvs` predicted by theory (normalizer
        over envelope mass), and the sampler it refers to."""
        pl = self._sampling_plan()
        logF = self.log_normalizer()
        return float(np.exp(min(0.0, logF - pl.log_envelope_mass))), pl.method

    def rvs(self, size=None, rng=None):
        """Independent exact draws (frames ``size + (p, k)``).

        Rejection sampling (see :mod:`bingham._sampling` and
        ``docs/sampling.md``), with whichever envelope has the smallest mass:
        the MACG envelope of Kent, Ganeiber & Mardia with the optimal
        parameter (for k = 1 a compiled sampler in reduced coordinates);
        when the top-k eigenvalues of ``A`` are separated from the rest, a
        principal-angle Gaussian envelope mixed with it; for an isotropic
        concentration of rank above k, a Wishart envelope in principal-angle
        space; below a gap under the top ``j < k`` eigenvalues (a
        concentration of rank below k), a split envelope that samples the
        complement recursively; below a gap under the top ``b > k``
        eigenvalues, a block envelope (Gaussian outside the block given the
        frame inside, whose law is bounded through Jensen's trace
        inequality); for ``k >= p - k``, the complement of the
        frame, matrix Bingham with ``-A`` and ``p - k`` columns.  Measured
        acceptance: 0.43 at Gr(5, 10) with concentration 20 and 0.51 at
        Gr(4, 64) with 100 (MACG: 2e-3 and 1e-6); 1.0 for
        ``diag(30, 0, 0, 0)`` with k = 2; 0.55 for ``k = 5, p = 6`` with
        eigenvalues ``1e4, 5e3, 2e3, 1e3``; 0.95 for ``k = 2, p = 1024``
        with 16 eigenvalues spread to 1e4.  Not every input is served
        well: on a grid of 600 inputs (``docs/sampling_map.md``) 98% of
        those with a certified normalizer accept at least 0.1, and 12
        accept less (down to 4e-19: rank at most k with the top eigenvalues
        not far above the zeros, or near ties at a block's edge); there a
        call may raise ``RuntimeError`` after its proposal budget.  The
        method,
        number of proposals and acceptance rate of the call are stored in
        :attr:`sampler_info`; every proposal checks the envelope bound.
        """
        shape = _gr.batch_shape(size)
        rng = np.random.default_rng(rng)
        n = int(np.prod(shape)) if shape else 1
        X, info = _sampling.sample(self._sampling_plan(), n, rng)
        self.sampler_info = info
        return X.reshape(shape + (self.p, self.k))


class matrix_bingham_gen:
    """Matrix Bingham distribution on V_k(R^p) and Gr(k, p).

    ``matrix_bingham(A, k)`` or ``matrix_bingham(eigenvalues=..., frame=...,
    k=...)`` returns a frozen :class:`matrix_bingham_frozen`; every method
    is also available unfrozen, with the parameters as arguments
    (``matrix_bingham.logpdf(X, A, k)``).  ``matrix_bingham.fit(X)`` returns
    the maximum-likelihood distribution.

    Domain: ``A`` a finite symmetric real ``(p, p)`` matrix with ``p >= 1`` (or
    finite ``eigenvalues`` ``(r,)``, ``r <= p``, with an orthonormal ``frame``
    ``(p, r)``) and an integer ``1 <= k <= p``; frames passed to the methods
    ``(..., p, k)`` with orthonormal columns.  Each method states the rest.
    """

    def __call__(self, A=None, k=1, *, eigenvalues=None, frame=None):
        return matrix_bingham_frozen(A, k, eigenvalues=eigenvalues,
                                     frame=frame)

    def logpdf(self, X, A=None, k=1, *, eigenvalues=None, frame=None):
        return self(A, k, eigenvalues=eigenvalues, frame=frame).logpdf(X)

    def pdf(self, X, A=None, k=1, *, eigenvalues=None, frame=None):
        return self(A, k, eigenvalues=eigenvalues, frame=frame).pdf(X)

    def rvs(self, A=None, k=1, size=None, rng=None, *, eigenvalues=None,
            frame=None):
        return self(A, k, eigenvalues=eigenvalues, frame=frame).rvs(size, rng)

    def log_normalizer(self, A=None, k=1, *, eigenvalues=None, frame=None):
        return self(A, k, eigenvalues=eigenvalues,
                    frame=frame).log_normalizer()

    def mean_projection(self, A=None, k=1, *, eigenvalues=None, frame=None):
        return self(A, k, eigenvalues=eigenvalues,
                    frame=frame).mean_projection()

    def entropy(self, A=None, k=1, *, eigenvalues=None, frame=None):
        return self(A, k, eigenvalues=eigenvalues, frame=frame).entropy()

    def mode(self, A=None, k=1, *, eigenvalues=None, frame=None):
        return self(A, k, eigenvalues=eigenvalues, frame=frame).mode()

    def kl_divergence(self, A1, A2, k=1):
        """``KL(MB(A1, k) || MB(A2, k))`` for symmetric ``A1``, ``A2``."""
        return self(A1, k).kl_divergence(self(A2, k))

    def fit(self, X, *, shrinkage=0.0, tol=1e-10, maxiter=100):
        """Maximum-likelihood matrix Bingham for frames ``X`` (``(n, p, k)``).

        The orientation is the eigenvector basis of the scatter matrix
        ``S = mean(X X^T)``; the concentrations ``l`` (canonical form:
        smallest 0) solve ``grad log F(l) = eig(S)`` by Newton's method with
        the exact Hessian on the convex ``log F(l) - eig(S) . l`` with a
        backtracking line search, started from the high-concentration
        approximation ``l_i = k / (2 s_min) - k / (2 s_i)``.

        Parameters
        ----------
        X : array_like, shape (n, p, k)
            Orthonormal frames.
        shrinkage : float in [0, 1)
            Replace ``S`` by ``(1 - shrinkage) S + shrinkage (k/p) I``.  When
            ``n k < p`` (or the data span less than R^p) the maximum
            likelihood concentration is infinite; a positive ``shrinkage`` is
            then required, and is the documented regularization (it is the
            posterior mode under a conjugate prior centred on uniform).
        tol : float
            Stop when ``max |grad log F(l) - eig(S)| <= tol``.
        maxiter : int

        Returns
        -------
        matrix_bingham_frozen
            With ``fit_info`` (iterations, gradient residual, converged).
        """
        X = _sp._real_array(X, "X")
        if X.ndim != 3 or X.shape[0] < 1 or not 1 <= X.shape[2] <= X.shape[1]:
            raise ValueError(f"X must have shape (n, p, k) with n >= 1 and "
                             f"1 <= k <= p, got {X.shape}")
        n, p, k = X.shape
        _gr.check_frames(X, "X", allow_nan=False)
        shrinkage = _checks.real(shrinkage, "shrinkage", lo=0.0, hi=1.0,
                                 hi_open=True)
        tol = _checks.real(tol, "tol", lo=0.0, lo_open=True)
        maxiter = _checks.integer(maxiter, "maxiter", lo=1)
        flat = np.moveaxis(X, 0, 1).reshape(p, n * k)
        S = flat @ flat.T / n
        S = (1.0 - shrinkage) * S + shrinkage * (k / p) * np.eye(p)
        s, W = np.linalg.eigh(S)
        s, W = s[::-1], W[:, ::-1]
        floor = 1e-12 * k
        if s[-1] <= floor:
            rank = int(np.count_nonzero(s > floor))
            raise ValueError(
                f"X: the scatter matrix has rank {rank} < p = {p} (n k = "
                f"{n * k}); the maximum-likelihood concentration is infinite. "
                f"Pass shrinkage > 0 (e.g. 1e-3) to regularize")
        lam, info = _fit_concentrations(s, p, k, tol, maxiter)
        dist = matrix_bingham_frozen(k=k, eigenvalues=lam, frame=W)
        dist.fit_info = info
        return dist


def _fit_concentrations(s, p, k, tol, maxiter):
    """Newton's method on the convex ``log F(l) - s . l`` over the first p-1
    concentrations (the last, paired with the smallest s, is 0)."""
    s = np.asarray(s, float)
    lam = k / (2.0 * s[-1]) - k / (2.0 * s)
    lam[-1] = 0.0

    def objective(l):
        return _sp.log_normalizer_eigvals(l, k, p) - float(np.dot(s, l))

    if True:
        f = objective(lam)
        it = 0
        res = np.inf
        for it in range(1, maxiter + 1):
            g = np.asarray(_sp.grad_log_normalizer_eigvals(lam, k, p))
            resid = g - s
            res = float(np.max(np.abs(resid)))
            if res <= tol:
                break
            H = np.asarray(_sp.hess_log_normalizer_eigvals(lam, k, p))
            Hf = H[:-1, :-1]
            step = np.zeros(p)
            try:
                step[:-1] = -np.linalg.solve(Hf, resid[:-1])
            except np.linalg.LinAlgError:
                step[:-1] = -resid[:-1]
            if not np.all(np.isfinite(step)):
                step[:-1] = -resid[:-1]
            slope = float(np.dot(resid, step))
            if slope >= 0:              # not a descent direction: gradient
                step[:-1] = -resid[:-1]
                slope = float(np.dot(resid, step))
            # backtracking on the objective; near the optimum its decrease
            # drowns in rounding, so a step that shrinks the residual is
            # accepted too (Newton's quadratic convergence)
            t = 1.0
            while True:
                cand = lam + t * step
                fc = objective(cand)
                if fc <= f + 1e-4 * t * slope or t < 1e-12:
                    break
                if t == 1.0 and abs(slope) < 1e-10 * max(1.0, abs(f)):
                    gc = np.asarray(_sp.grad_log_normalizer_eigvals(cand, k, p))
                    if np.max(np.abs(gc - s)) < res:
                        break
                t *= 0.5
            lam, f = cand, fc
        else:
            g = np.asarray(_sp.grad_log_normalizer_eigvals(lam, k, p))
            res = float(np.max(np.abs(g - s)))
    converged = res <= tol
    if not converged:
        warnings.warn(f"matrix_bingham.fit: gradient residual {res:.2e} "
                      f"after {maxiter} Newton steps (tol {tol:.0e})",
                      RuntimeWarning, stacklevel=3)
    return lam, {"iterations": it, "residual": res, "converged": converged}


matrix_bingham = matrix_bingham_gen()
