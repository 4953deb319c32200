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

from bingham.grassmann import FRAME_TOL
from bingham.stats import matrix_bingham as _core

from . import functional as F

__all__ = ["MatrixBingham", "stiefel"]


class _Stiefel(constraints.Constraint):
    """Frames with orthonormal columns (``|X^T X - I| <= tol``)."""
    event_dim = 2

    def __init__(self, tol=FRAME_TOL):
        self.tol = tol

    def check(self, value):
        k = value.shape[-1]
        eye = torch.eye(k, dtype=value.dtype, device=value.device)
        dev = (value.mT @ value - eye).abs().amax(dim=(-1, -2))
        return dev <= self.tol


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
    is ``(p, k)``.  Built from ``A``, ``log_prob`` and ``entropy`` are
    differentiable everywhere (through ``A`` itself and its eigenvalues);
    ``mean``, ``mode`` and the KL divergence go through the eigenvectors,
    whose gradient torch leaves undefined (NaN) at repeated eigenvalues.  ``mean`` is the mean projection ``E[X X^T]``
    (``(..., p, p)``), the natural mean of a distribution on Gr(k, p).
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
            # eigenvalues through eigvalsh (its gradient is defined at ties);
            # log_prob uses A itself, so its gradient never goes through
            # eigenvectors (whose gradient is undefined at repeated
            # eigenvalues); mean, mode and KL use the eigenvectors
            eigenvalues = torch.linalg.eigvalsh(A)
            frame = torch.linalg.eigh(A)[1]
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
        if not (isinstance(k, int) and 1 <= k <= pp):
            raise ValueError(f"k must be an integer with 1 <= k <= p={pp}, "
                             f"got {k!r}")
        if not stiefel.check(frame.detach()).all():
            raise ValueError("frame must have orthonormal columns")
        self._dense = A.to(dtype) if A is not None else None
        batch = torch.broadcast_shapes(eigenvalues.shape[:-1],
                                       frame.shape[:-2])
        self.eigenvalues = eigenvalues.expand(batch + eigenvalues.shape[-1:])
        self.frame = frame.expand(batch + frame.shape[-2:])
        self.p, self.k = pp, k
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
        """Entropy relative to the normalized Haar measure (<= 0)."""
        g, _ = self._moments()
        return self.log_normalizer() - (self.eigenvalues * g).sum(-1)

    # -- density and sampling ----------------------------------------------
    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        if self._dense is not None:
            quad = (value * (self._dense @ value)).sum((-1, -2))
        else:
            P = self.frame.mT @ value                      # (..., r, k)
            quad = (self.eigenvalues.unsqueeze(-1) * P * P).sum((-1, -2))
        return quad - self.log_normalizer()

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
        X = np.stack(draws, axis=1)                        # (n, B, p, k)
        out = torch.as_tensor(X).to(dtype=self.frame.dtype,
                                    device=self.frame.device)
        return out.reshape(shape + self.batch_shape + self.event_shape)


@register_kl(MatrixBingham, MatrixBingham)
def _kl_matrix_bingham(q1, q2):
    """Closed form for arbitrary orientations::

        KL = sum l1 g1 - sum_j l2_j (c1 + sum_i C_ji^2 (g1_i - c1))
             - log F1 + log F2,   C = frame2^T frame1.
    """
    if (q1.p, q1.k) != (q2.p, q2.k):
        raise ValueError("KL needs two distributions on the same V_k(R^p)")
    g, c = q1._moments()
    C2 = (q2.frame.mT @ q1.frame) ** 2                     # (..., r2, r1)
    e1 = (q1.eigenvalues * g).sum(-1)
    inner = c + (C2 @ (g - c).unsqueeze(-1)).squeeze(-1)
    e2 = (q2.eigenvalues * inner).sum(-1)
    return e1 - e2 - q1.log_normalizer() + q2.log_normalizer()
