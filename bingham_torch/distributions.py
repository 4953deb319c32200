"""``MatrixBingham``: the matrix Bingham distribution as a
``torch.distributions.Distribution``.

Density with respect to the normalized Haar measure on V_k(R^p)::

    f(X) = etr(X^T A X) / 1F1(k/2; p/2; A),   A = frame diag(eigenvalues) frame^T,

the ``p - r`` eigenvalues outside ``frame`` being 0.  ``log_prob``,
``entropy``, ``mean`` and the KL divergence are differentiable in the
eigenvalues and the frame (and in ``A`` through ``torch.linalg.eigh``);
``sample`` uses the core's exact sampler (no gradient).
"""
import numpy as np
import torch
from torch.distributions import Distribution, constraints, register_kl

from bingham import _checks
from bingham.grassmann import FRAME_TOL
from bingham.stats import matrix_bingham as _core

from . import functional as F

__all__ = ["MatrixBingham", "stiefel"]

# log_prob and entropy shift the spectrum by its largest eigenvalue past
# this, where log F and the trace term would otherwise cancel (the
# unshifted path keeps the implicit zeros implicit: cheaper at large p)
SHIFT_ABOVE = 1e6


class _Stiefel(constraints.Constraint):
    """Frames with orthonormal columns (``|X^T X - I| <= tol``)."""
    event_dim = 2

    def __init__(self, tol=FRAME_TOL):
        self.tol = tol

    def check(self, value):
        """Per frame; the tolerance is at least 64 ulps of the dtype (a
        float32 frame rounds to about 1e-7, past the float64 default)."""
        k = value.shape[-1]
        eye = torch.eye(k, dtype=value.dtype, device=value.device)
        if value.numel() == 0:
            return torch.ones(value.shape[:-2], dtype=torch.bool,
                              device=value.device)
        dev = (value.mT @ value - eye).abs().amax(dim=(-1, -2))
        tol = self.tol
        if value.dtype.is_floating_point:
            tol = max(tol, 64.0 * torch.finfo(value.dtype).eps)
        return dev <= tol


stiefel = _Stiefel()


class MatrixBingham(Distribution):
    """Matrix Bingham distribution on V_k(R^p) (a distribution on Gr(k, p)).

    Parameters
    ----------
    A : Tensor (..., p, p), optional
        Symmetric concentration matrices.
    k : int
        Frame size.
    eigenvalues : Tensor (..., r), optional
    frame : Tensor (..., p, r), optional
        Low-rank form: ``A = frame diag(eigenvalues) frame^T`` (``r <= p``).
    p : int, optional
        Checked against the frame's first dimension when given.
    validate_args : bool, optional

    Notes
    -----
    ``batch_shape`` is the leading shape of the parameters, ``event_shape``
    is ``(p, k)``.  ``mean`` is the mean projection ``E[X X^T]``
    (``(..., p, p)``), the natural mean of a distribution on Gr(k, p).
    Built from ``A``, ``log_prob``, ``entropy``, ``mean`` and the KL
    divergence are differentiable everywhere, repeated eigenvalues included
    (``mean`` has its own backward, the derivative of a spectral function
    with divided differences replaced by Hessian entries at ties); only
    ``mode`` goes through eigenvectors.
    """
    arg_constraints = {"eigenvalues": constraints.independent(
        constraints.real, 1)}
    support = stiefel
    has_rsample = False

    def __init__(self, A=None, k=1, *, eigenvalues=None, frame=None, p=None,
                 validate_args=None):
        if A is not None:
            if eigenvalues is not None or frame is not None:
                raise ValueError("pass either A or eigenvalues and frame")
            if not isinstance(A, torch.Tensor) or A.ndim < 2 or \
                    A.shape[-1] != A.shape[-2]:
                raise ValueError("A must be a tensor of shape (..., p, p)")
            F._check_symmetric(A)
            A = 0.5 * (A + A.mT)
            # one eigh: a gradient through the eigenvalues alone is defined
            # at ties; log_prob uses A itself and mean/KL have their own
            # backward, so only mode goes through the eigenvectors (whose
            # gradient is undefined at repeated eigenvalues)
            eigenvalues, frame = torch.linalg.eigh(A)
            # (the implicit zeros of a low-rank A stay exact)
            eigenvalues = F._snap_zeros(eigenvalues)
        elif eigenvalues is None or frame is None:
            raise ValueError("pass A, or both eigenvalues and frame")
        dtype = torch.promote_types(eigenvalues.dtype, frame.dtype)
        if not dtype.is_floating_point:
            dtype = torch.get_default_dtype()
        eigenvalues, frame = eigenvalues.to(dtype), frame.to(dtype)
        if eigenvalues.ndim < 1 or frame.ndim < 2 or \
                frame.shape[-1] != eigenvalues.shape[-1]:
            raise ValueError("frame must have shape (..., p, r) with r = "
                             "eigenvalues.shape[-1]")
        if not torch.isfinite(eigenvalues.detach()).all():
            raise ValueError("eigenvalues must be finite")
        pp = frame.shape[-2]
        if p is not None and p != pp:
            raise ValueError(f"p={p} does not match the frame ({pp} rows)")
        if eigenvalues.shape[-1] > pp:
            raise ValueError("eigenvalues: more than p of them")
        k = _checks.integer(k, "k", lo=1, hi=pp)
        if not stiefel.check(frame.detach()).all():
            raise ValueError("frame must have orthonormal columns")
        self._dense = A.to(dtype) if A is not None else None
        batch = torch.broadcast_shapes(eigenvalues.shape[:-1],
                                       frame.shape[:-2])
        self.eigenvalues = eigenvalues.expand(batch + eigenvalues.shape[-1:])
        self.frame = frame.expand(batch + frame.shape[-2:])
        self.p, self.k = pp, k
        if batch.numel() == 0:
            # torch's own argument check cannot reshape an empty batch; the
            # (absent) parameters were checked above
            validate_args = False
        super().__init__(batch_shape=batch, event_shape=(pp, k),
                         validate_args=validate_args)

    @property
    def A(self):
        if self._dense is not None:
            return self._dense
        return (self.frame * self.eigenvalues.unsqueeze(-2)) @ self.frame.mT

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MatrixBingham, _instance)
        batch_shape = torch.Size(batch_shape)
        new.eigenvalues = self.eigenvalues.expand(
            batch_shape + self.eigenvalues.shape[-1:])
        new.frame = self.frame.expand(batch_shape + self.frame.shape[-2:])
        new.p, new.k = self.p, self.k
        new._dense = None if self._dense is None else self._dense.expand(
            batch_shape + self._dense.shape[-2:])
        super(MatrixBingham, new).__init__(batch_shape, self.event_shape,
                                           validate_args=False)
        new._validate_args = self._validate_args
        return new

    # -- normalizer and moments ------------------------------------------
    def log_normalizer(self):
        return F.log_normalizer_eigvals(self.eigenvalues, self.k, self.p)

    def _moments(self):
        g = F.grad_log_normalizer_eigvals(self.eigenvalues, self.k, self.p)
        r = self.eigenvalues.shape[-1]
        if r < self.p:
            c = (self.k - g.sum(-1, keepdim=True)) / (self.p - r)
        else:
            c = torch.zeros_like(g[..., :1])
        return g, c

    @property
    def mean(self):
        """``E[X X^T]`` (``(..., p, p)``)."""
        if self._dense is not None:
            return _MeanProjection.apply(self._dense, self.k)
        g, c = self._moments()
        eye = torch.eye(self.p, dtype=g.dtype, device=g.device)
        return (self.frame * (g - c).unsqueeze(-2)) @ self.frame.mT \
            + c.unsqueeze(-1) * eye

    @property
    def mode(self):
        """Eigenvectors of the k largest eigenvalues of ``A`` (with the
        core's rule when complement directions are needed)."""
        r = self.eigenvalues.shape[-1]
        ev, idx = torch.sort(self.eigenvalues, dim=-1, descending=True)
        if r == self.p or (r >= self.k and bool(
                (ev[..., self.k - 1] >= 0).all())):
            top = idx[..., :self.k].unsqueeze(-2).expand(
                self.frame.shape[:-1] + (self.k,))
            return torch.gather(self.frame, -1, top)
        out = [torch.as_tensor(_core(k=self.k, eigenvalues=lam,
                                     frame=V).mode())
               for lam, V in self._numpy_params()]
        return torch.stack(out).reshape(self.batch_shape + self.event_shape) \
            .to(self.frame)

    def entropy(self):
        """Entropy relative to the normalized Haar measure (<= 0).  Where
        the largest eigenvalue passes :data:`SHIFT_ABOVE`, computed for
        ``A - l_1 I`` (shift-invariant), so that ``log F`` and the trace
        term do not cancel (``diag(1e300, 0, 0)``: -690.47, not 0)."""
        shift = self._shift()
        if shift is None:
            g, _ = self._moments()
            return self.log_normalizer() - (self.eigenvalues * g).sum(-1)
        full = self._shifted_spectrum(shift)
        g = F.grad_log_normalizer_eigvals(full, self.k, self.p)
        return F.log_normalizer_eigvals(full, self.k, self.p) \
            - (full * g).sum(-1)

    def _shift(self):
        """The largest eigenvalue (detached, batch-shaped) where some exceeds
        :data:`SHIFT_ABOVE` (one host synchronisation), else None."""
        top = self.eigenvalues.detach().amax(-1).clamp_min(0.0) \
            if self.eigenvalues.shape[-1] else None
        if top is None or not bool((top > SHIFT_ABOVE).any()):
            return None
        return top

    def _shifted_spectrum(self, shift):
        """The full spectrum of ``A - shift I``: the given eigenvalues, then
        the ``p - r`` implicit zeros moved to ``-shift``."""
        c = shift.unsqueeze(-1)
        rest = self.p - self.eigenvalues.shape[-1]
        return torch.cat([self.eigenvalues - c,
                          (-c).expand(c.shape[:-1] + (rest,))], -1)

    # -- density and sampling ----------------------------------------------
    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        shift = self._shift()
        if self._dense is not None:
            A = self._dense
            if shift is not None:
                A = A - shift[..., None, None] * torch.eye(
                    self.p, dtype=A.dtype, device=A.device)
            quad = (value * (A @ value)).sum((-1, -2))
            if shift is not None:
                # the value from the eigen-decomposition (A - shift I
                # rounds its top eigenvalue to about eps * shift), the
                # gradient X X^T through A itself
                P = self.frame.mT @ value
                lam = self.eigenvalues - shift.unsqueeze(-1)
                exact = (lam.unsqueeze(-1) * P * P).sum((-1, -2))
                quad = quad + (exact - quad).detach()
        else:
            P = self.frame.mT @ value                      # (..., r, k)
            lam = self.eigenvalues if shift is None \
                else self.eigenvalues - shift.unsqueeze(-1)
            quad = (lam.unsqueeze(-1) * P * P).sum((-1, -2))
            if shift is not None:
                # the complement's mass, formed directly (not k - |P|^2)
                R = value - self.frame @ P
                quad = quad - shift * (R * R).sum((-1, -2))
        if shift is None:
            return quad - self.log_normalizer()
        return quad - F.log_normalizer_eigvals(
            self._shifted_spectrum(shift), self.k, self.p)

    def _numpy_params(self):
        lam = self.eigenvalues.detach().cpu().double().reshape(
            -1, self.eigenvalues.shape[-1]).numpy()
        V = self.frame.detach().cpu().double().reshape(
            (-1,) + self.frame.shape[-2:]).numpy()
        return list(zip(lam, V))

    def sample(self, sample_shape=torch.Size(), generator=None):
        """Exact draws from the core's rejection sampler, shape
        ``sample_shape + batch_shape + (p, k)``.  The seed comes from
        ``generator`` (or torch's global generator), so
        ``torch.manual_seed`` reproduces the draws."""
        shape = torch.Size(sample_shape)
        n = int(np.prod(shape)) if len(shape) else 1
        seed = int(torch.randint(0, 2**62, (), generator=generator))
        rng = np.random.default_rng(seed)
        draws = []
        for lam, V in self._numpy_params():
            d = _core(k=self.k, eigenvalues=lam, frame=V)
            draws.append(d.rvs(n, rng=rng))
        X = np.stack(draws, axis=1) if draws else \
            np.zeros((n, 0) + tuple(self.event_shape))     # (n, B, p, k)
        out = torch.as_tensor(X).to(dtype=self.frame.dtype,
                                    device=self.frame.device)
        return out.reshape(shape + self.batch_shape + self.event_shape)


class _MeanProjection(torch.autograd.Function):
    """``M(A) = E[X X^T] = V diag(g(l)) V^T`` for dense ``A = V diag(l)
    V^T``, ``g`` the gradient of ``f = log 1F1(k/2; p/2; .)``.

    ``M`` is the gradient of the spectral function ``f(l(A))``, so its
    derivative is self-adjoint (Lewis & Sendov): for ``S = V^T sym(G) V``
    the backward is ``V (diag(Hess f diag(S)) + Gamma o offdiag(S)) V^T``
    with ``Gamma_ij = (g_i - g_j) / (l_i - l_j)``, replaced by its limit
    ``Hess_ii - Hess_ij`` where the eigenvalues agree to ``sqrt(eps)``
    relative (there the divided difference loses half the digits and the
    limit is accurate to the same order).  First order only.
    """

    @staticmethod
    def forward(ctx, A, k):
        lam, V = torch.linalg.eigh(A)
        p = A.shape[-1]
        g = F.grad_log_normalizer_eigvals(F._snap_zeros(lam), k, p)
        ctx.save_for_backward(lam, V, g)
        ctx.k = k
        return (V * g.unsqueeze(-2)) @ V.mT

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, G):
        lam, V, g = ctx.saved_tensors
        p = lam.shape[-1]
        H = F.hess_log_hyp1f1(lam, 0.5 * ctx.k, 0.5 * p)
        S = V.mT @ (0.5 * (G + G.mT)) @ V
        dl = lam.unsqueeze(-1) - lam.unsqueeze(-2)
        dg = g.unsqueeze(-1) - g.unsqueeze(-2)
        scale = lam.abs().amax(-1, keepdim=True).unsqueeze(-1).clamp_min(1.0)
        tie = dl.abs() <= torch.finfo(lam.dtype).eps ** 0.5 * scale
        Hd = torch.diagonal(H, dim1=-2, dim2=-1)
        limit = Hd.unsqueeze(-1) - H
        gamma = torch.where(tie, limit, dg / torch.where(tie, 1.0, dl))
        diagS = torch.diagonal(S, dim1=-2, dim2=-1)
        inner = gamma * S
        inner = inner - torch.diag_embed(torch.diagonal(inner, dim1=-2,
                                                        dim2=-1))
        inner = inner + torch.diag_embed(
            (H @ diagS.unsqueeze(-1)).squeeze(-1))
        return V @ inner @ V.mT, None


@register_kl(MatrixBingham, MatrixBingham)
def _kl_matrix_bingham(q1, q2):
    """Closed form for arbitrary orientations::

        KL = sum l1 g1 - sum_j l2_j (c1 + sum_i C_ji^2 (g1_i - c1))
             - log F1 + log F2,   C = frame2^T frame1.
    """
    if (q1.p, q1.k) != (q2.p, q2.k):
        raise ValueError("KL needs two distributions on the same V_k(R^p)")
    if q1._dense is not None or q2._dense is not None:
        # E_q1[tr X^T A X] = tr(A M1): no eigenvectors of a dense A in the
        # graph (their gradient is undefined at repeated eigenvalues)
        quad = ((q1.A - q2.A) * q1.mean).sum((-1, -2))
        return quad - q1.log_normalizer() + q2.log_normalizer()
    g, c = q1._moments()
    C2 = (q2.frame.mT @ q1.frame) ** 2                     # (..., r2, r1)
    e1 = (q1.eigenvalues * g).sum(-1)
    inner = c + (C2 @ (g - c).unsqueeze(-1)).squeeze(-1)
    e2 = (q2.eigenvalues * inner).sum(-1)
    return e1 - e2 - q1.log_normalizer() + q2.log_normalizer()
