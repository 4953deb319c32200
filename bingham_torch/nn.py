"""Mixture-of-Experts routers with one contract, and a sparse MoE layer.

Every router maps ``hidden`` (``(..., d)``) to a :class:`RouterOutput`:
fp32 (or float64) ``logits`` ``(T, E)``, ``weights`` and ``indices``
``(T, top_k)`` (dense weights ``(T, E)`` and no indices when
``top_k is None``), ``tokens_per_expert`` ``(E,)`` (a scatter-add, no host
synchronisation) and ``aux``: the Switch load-balancing loss, the router
z-loss and the mean routing entropy.  The bound certificate of
:mod:`bingham.bounds` for the current parameters is
:meth:`Router.certificate`, on request (computed in every forward it took
about a third of a small router's time).

Routers:

* :class:`BinghamRouter`: expert ``e`` is a Bingham concentration
  ``A_e = U_e diag(l_e) U_e^T`` (orthonormal ``U_e`` through a QR
  parametrization, ``l_e = softplus`` of a parameter), tokens are unit
  vectors, ``s_e = tau x^T A_e x - c log 1F1(1/2; d/2; tau l_e) + beta_e``.
* :class:`EigenbasisRouter`: a shared orthonormal basis and per-expert
  non-negative weights on the energy shares ``(u_j^T x)^2`` (the EMoE design).
* :class:`SoftmaxTopKRouter`: a linear map and a softmax.

All routers share the post-hoc knob ``temperature`` (a buffer dividing the
final logits; entropy is monotone in it, see ``docs/bounds.md``), the
auxiliary-loss-free selection ``bias`` (a buffer, used for selection only,
updated by :meth:`Router.update_bias` outside autograd) and deterministic
top-k selection (ties go to the lower expert index).

Under ``torch.distributed`` (an initialized process group with more than one
rank) the loads and the mean probabilities of the load-balancing loss are
all-reduced, so balancing and the auxiliary-loss-free bias see the global
batch (``distributed=False`` turns this off).
"""
from dataclasses import dataclass, field
import math

import torch
from torch import nn
import torch.nn.functional as Fn

from bingham import _checks

from . import functional as F

__all__ = ["RouterOutput", "Router", "BinghamRouter",
           "UncertainBinghamRouter", "EigenbasisRouter",
           "SoftmaxTopKRouter", "MoELayer", "routing_metrics", "calibrate"]


@dataclass
class RouterOutput:
    logits: torch.Tensor
    weights: torch.Tensor
    indices: torch.Tensor = None
    tokens_per_expert: torch.Tensor = None
    aux: dict = field(default_factory=dict)


def _orthonormal(raw):
    """Orthonormal columns from ``raw`` (``(..., d, r)``) by QR with the
    signs of ``diag(R)`` made positive (smooth where ``raw`` has full
    rank)."""
    q, r = torch.linalg.qr(raw)
    s = torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))
    s = torch.where(s == 0, torch.ones_like(s), s)
    return q * s.unsqueeze(-2)


def _distributed(group=None):
    dist = torch.distributed
    return dist.is_available() and dist.is_initialized() \
        and dist.get_world_size(group) > 1


def _global_sum(t, differentiable, group=None):
    """Sum over the ranks of a process group (identity without one); the
    differentiable form carries gradients back to every rank."""
    if not _distributed(group):
        return t
    if differentiable:
        # its backward sums the upstream gradients of all ranks: with the
        # same global loss on every rank, DDP's gradient averaging then
        # gives exactly the single-process gradient
        import warnings
        from torch.distributed.nn.functional import all_reduce
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            if group is None:
                return all_reduce(t)
            return all_reduce(t, group=group)
    t = t.clone()
    torch.distributed.all_reduce(t, group=group)
    return t


_LOW_PRECISION = (torch.float16, torch.bfloat16)


class Float32Module(nn.Module):
    """A module whose parameters and buffers stay in float32 (or float64)
    when its parent is cast to half precision (``.to(torch.bfloat16)``,
    ``.half()``): the cast moves it to the target device only, the way
    ``transformers`` keeps its gates in float32."""

    def _apply(self, fn, recurse=True):
        probe = fn(torch.zeros((), dtype=torch.float32))
        if isinstance(probe, torch.Tensor) and probe.dtype in _LOW_PRECISION:
            device = probe.device
            return super()._apply(lambda t: t.to(device=device), recurse)
        return super()._apply(fn, recurse)


def _inverse_softplus(c, name):
    """``softplus^-1(c)`` for ``0 < c <= float32 max`` (the parameter it
    initialises is float32) without overflow (``c + log(1 - e^-c)``)."""
    c = _checks.real(c, name, lo=0.0, lo_open=True,
                     hi=float(torch.finfo(torch.float32).max))
    return c + math.log(-math.expm1(-c))


def unit_rows(x):
    """Rows of ``x`` scaled to unit length (zero rows stay zero, a row with
    NaN or inf gives NaN).  Each row is first divided by its largest
    entry, so the norm neither overflows nor underflows: float32 tokens
    scaled by 1e30 or 1e-30 give the same directions.  Differentiable, with
    the projected backward ``(g - u (u . g)) / |x|`` in three passes over
    the tokens (autograd's through the two divisions and the norm took
    seven; a router's largest elementwise cost at d = 1024).  Under
    ``torch.compile`` plain operations, which the compiler fuses (Dynamo
    does not trace a Function with a forward-mode rule)."""
    if torch.compiler.is_compiling():
        y = x / _row_scale(x.detach())
        return y / y.norm(dim=-1, keepdim=True).clamp_min(1e-30)
    return _UnitRows.apply(x)[0]


def unit_projection(x, U):
    """``unit_rows(x) @ U`` for tokens ``x`` ``(T, d)`` and ``U`` ``(d, m)``
    with columns of unit length.  On the CPU in eager mode, where every
    row's norm is safely within range, as ``(x @ U) / |x|``: the division
    then runs over ``(T, m)``, not over the tokens (a router's largest
    elementwise cost at d = 1024; a host check, so only on the CPU, outside
    ``torch.compile`` and outside ``vmap``); otherwise through
    :func:`unit_rows`."""
    if x.device.type == "cpu" and not torch.compiler.is_compiling():
        n = torch.linalg.vector_norm(x, dim=-1, keepdim=True)
        info = torch.finfo(x.dtype)
        # no square overflowed (the norm is finite) and none that matters
        # underflowed: then |x U_j| <= |x| and the quotient is exact to
        # rounding
        lo = math.sqrt(info.tiny) / info.eps
        try:
            safe = bool(((n > lo) & (n < math.inf)).all())
        except RuntimeError:
            # a batched tensor under torch.func.vmap has no truth value
            safe = False
        if safe:
            return (x @ U) / n
    return unit_rows(x) @ U


def _row_scale(x):
    """Each row's largest size (1 for a zero row or one with NaN),
    ``(..., 1)``: by ``amax`` and ``amin`` (``vector_norm``'s infinity norm
    is ten times slower on the CPU)."""
    m = torch.maximum(x.amax(-1, keepdim=True), -x.amin(-1, keepdim=True))
    return torch.where(m > 0, m, torch.ones_like(m))


class _UnitRows(torch.autograd.Function):
    """``(u, |x|)``: the unit rows and their norms (not differentiable);
    backward, forward-mode (``jvp``) and ``vmap`` rules."""
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        m = _row_scale(x)
        y = x / m
        n = torch.linalg.vector_norm(y, dim=-1, keepdim=True) \
            .clamp_min(1e-30)
        return y.div_(n), m * n

    @staticmethod
    def setup_context(ctx, inputs, output):
        u, size = output
        ctx.save_for_backward(u, size)
        ctx.save_for_forward(u, size)
        ctx.mark_non_differentiable(size)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g, _):
        u, size = ctx.saved_tensors
        dot = torch.linalg.vecdot(u, g, dim=-1).unsqueeze(-1)
        return torch.addcmul(g, u, dot, value=-1.0).div_(size)

    @staticmethod
    def jvp(ctx, dx):
        u, size = ctx.saved_tensors
        dot = torch.linalg.vecdot(u, dx, dim=-1).unsqueeze(-1)
        return (dx - u * dot) / size, None


def _check_hidden(hidden, d_model, who):
    """``hidden`` must be a tensor ``(..., d_model)``."""
    if not isinstance(hidden, torch.Tensor):
        raise TypeError(f"hidden must be a torch.Tensor, got "
                        f"{type(hidden).__name__}")
    if hidden.ndim < 1:
        raise ValueError("hidden must have shape (..., d_model), got a "
                         "scalar")
    if d_model is not None and hidden.shape[-1] != d_model:
        raise ValueError(f"hidden has {hidden.shape[-1]} features on its "
                         f"last axis; the {who} expects d_model={d_model}")


def _math_dtype(x):
    return torch.float64 if x.dtype == torch.float64 else torch.float32


class Router(Float32Module):
    """Shared machinery: selection, weights, loads, auxiliary terms.

    Subclasses implement :meth:`compute_logits` (``(T, d) -> (T, E)`` in the
    math dtype), :meth:`_reset_own` (their parameters as at construction)
    and may implement :meth:`logit_range` (per-expert logit intervals valid
    for every token) to get a bound certificate (:meth:`certificate`, on
    request).

    ``distributed``/``process_group``: in training with gradients enabled,
    the loads and mean probabilities are summed over ``process_group`` (the
    default group for None); in eval mode or under ``torch.no_grad()`` no
    collective is issued (one rank may run ``generate()`` alone).
    Parameters stay in float32 when the model is cast to half precision
    (:class:`Float32Module`) and the math runs with autocast off; indices
    are contiguous ``int64``.  Top-k weights are the selected probabilities,
    renormalised to sum to one (``renormalize=True``, the default) or not,
    times ``route_scale``.
    """

    def __init__(self, n_experts, top_k=None, *, bias_update_rate=0.0,
                 distributed=True, process_group=None, renormalize=True,
                 route_scale=1.0):
        super().__init__()
        self.distributed = bool(distributed)
        self.process_group = process_group
        self.renormalize = bool(renormalize)
        self.route_scale = _checks.real(route_scale, "route_scale", lo=0.0,
                                        lo_open=True)
        n_experts = _checks.count(n_experts, "n_experts")
        if top_k is not None:
            top_k = _checks.integer(top_k, "top_k", lo=1, hi=n_experts)
        bias_update_rate = _checks.real(bias_update_rate, "bias_update_rate",
                                        lo=0.0)
        self.n_experts = n_experts
        self.top_k = top_k
        self.bias_update_rate = float(bias_update_rate)
        self.register_buffer("temperature", torch.tensor(1.0))
        self.register_buffer("bias", torch.zeros(n_experts))

    def compute_logits(self, x):
        raise NotImplementedError

    def logit_range(self):
        return None

    def _reset_own(self):
        raise NotImplementedError

    @torch.no_grad()
    def reset_parameters(self):
        """Parameters and buffers as at construction (new random draws):
        temperature 1, selection bias 0, and the subclass's own (e.g. after
        a meta-device ``to_empty``)."""
        self.temperature.fill_(1.0)
        self.bias.zero_()
        self._reset_own()

    def forward(self, hidden):
        with torch.autocast(device_type=hidden.device.type, enabled=False):
            return self._forward(hidden)

    def _forward(self, hidden):
        _check_hidden(hidden, getattr(self, "d_model", None), "router")
        d = hidden.shape[-1]
        x = hidden.reshape(-1, d).to(_math_dtype(hidden))
        logits = self.compute_logits(x) / self.temperature.to(x.dtype)
        T, E = logits.shape
        # one log-sum-exp serves the gates, the z-loss and the entropy
        lse = torch.logsumexp(logits, dim=-1, keepdim=True)
        log_probs = logits - lse
        probs = torch.exp(log_probs)
        aux = {}
        if self.top_k is None:
            weights = probs
            indices = None
            counts = probs.detach().sum(0)
        else:
            # selection: logits plus the balancing bias (no gradient), a
            # stable sort so that ties go to the lower expert index
            scores = logits.detach() + self.bias.to(logits.dtype)
            order = torch.sort(scores, dim=-1, descending=True, stable=True)
            indices = order.indices[:, : self.top_k].contiguous()
            w = probs.gather(-1, indices)
            weights = w / w.sum(-1, keepdim=True) if self.renormalize else w
            if self.route_scale != 1.0:
                weights = weights * self.route_scale
            counts = torch.zeros(E, dtype=logits.dtype, device=logits.device)
            counts = counts.scatter_add(
                0, indices.reshape(-1),
                torch.ones(indices.numel(), dtype=logits.dtype,
                           device=logits.device))
        # statistics over the global batch when a process group is running
        # (loads, and the mean probabilities with their gradient)
        group = self.process_group
        sync = self.distributed and self.training \
            and torch.is_grad_enabled() and _distributed(group)
        if sync:
            counts = _global_sum(counts, False, group)
        n_tok = torch.as_tensor(float(T), dtype=logits.dtype,
                                device=logits.device)
        psum = probs.sum(0)
        if sync:
            n_tok = _global_sum(n_tok, False, group)
            psum = _global_sum(psum, True, group)
        frac = counts / counts.sum().clamp_min(1e-30)
        # Switch load balancing: E * sum_e f_e P_e, with f summing to 1; the
        # means over no token (an empty batch) are 0
        aux["load_balancing_loss"] = E * torch.sum(frac * psum
                                                   / n_tok.clamp_min(1.0))
        aux["z_loss"] = lse.squeeze(-1).pow(2).sum() / max(T, 1)
        aux["entropy"] = -(probs * log_probs).sum() / max(T, 1)
        return RouterOutput(logits=logits, weights=weights, indices=indices,
                            tokens_per_expert=counts, aux=aux)

    @torch.no_grad()
    def update_bias(self, tokens_per_expert):
        """Auxiliary-loss-free balancing (outside autograd): raise the
        selection bias of under-loaded experts and lower it for over-loaded
        ones by ``bias_update_rate``, then re-centre.  The bias changes which
        experts are selected, never the weights."""
        load = torch.as_tensor(tokens_per_expert).to(self.bias)
        if load.shape != self.bias.shape or not torch.isfinite(load).all():
            raise ValueError(f"tokens_per_expert must hold {self.n_experts} "
                             f"finite loads, got {load.tolist()}")
        self.bias += self.bias_update_rate * torch.sign(load.mean() - load)
        self.bias -= self.bias.mean()

    def certificate(self, n_tokens=None):
        """Bounds valid for every token at the current parameters (tensors,
        no gradient): ``R``, ``min_gate``, ``entropy_floor`` (tight),
        ``topk_mass_ceiling`` and, given ``n_tokens``,
        ``collapse_probability``.  ``None`` for routers whose logits are not
        bounded."""
        if n_tokens is not None and (
                isinstance(n_tokens, bool) or not isinstance(n_tokens, int)
                or n_tokens < 0):
            raise ValueError(f"n_tokens must be a non-negative integer, got "
                             f"{n_tokens!r}")
        rng = self.logit_range()
        if rng is None:
            return None
        lo, hi = (t.detach() / self.temperature.to(t.dtype) for t in rng)
        E = self.n_experts
        R = hi.max() - lo.min()
        g_min = 1.0 / (1.0 + (E - 1) * torch.exp(R))
        out = {"R": R, "min_gate": g_min}
        if E > 1:
            m = torch.arange(1, E, dtype=R.dtype, device=R.device)
            denom = m + (E - m) * torch.exp(-R)
            out["entropy_floor"] = (torch.log(denom) + R - m * R / denom).min()
        else:
            out["entropy_floor"] = torch.zeros_like(R)
        k = self.top_k or E
        out["topk_mass_ceiling"] = k / (k + (E - k) * torch.exp(-R))
        if n_tokens is not None:
            out["collapse_probability"] = torch.clamp(
                E * torch.exp(n_tokens * torch.log1p(-g_min)), max=1.0)
        return out


class BinghamRouter(Router):
    """Bingham gating over unit-vector tokens.

    Parameters
    ----------
    d_model, n_experts, rank : int
        Expert concentrations of rank ``rank`` in ``R^d_model``.
    top_k : int or None
        Sparse selection, or dense gates.
    normalizer : bool
        Subtract ``log 1F1(1/2; d/2; tau l_e)`` (the Bayes posterior of a
        Bingham mixture) or not.
    shared_frame : bool
        One orthonormal basis of ``rank`` directions for all experts (the
        eigenbasis design); otherwise one frame per expert.
    tau : float
        Initial concentration scale (a buffer: the post-hoc knob).
    learn_prior : bool
        A learned log prior ``beta``.
    init_concentration : float
        Initial ``l_e`` (all equal).
    token_rank : int
        ``1``: tokens are unit vectors ``h / |h|``; ``k > 1``: tokens are the
        k-dimensional subspaces spanned by ``h`` and ``k - 1`` learned linear
        maps of it (the normalizer is then ``log 1F1(k/2; d/2; tau l_e)``).
    bias_update_rate : float
        Step of the auxiliary-loss-free balancing bias.
    normalizer_degree : int or None
        For ``token_rank > 1`` on accelerators: the fixed degree of the
        torch-native series (:func:`bingham_torch.functional.log_hyp1f1`),
        so that the normalizer compiles without host synchronisation;
        uncertified values are NaN.  ``None``: chosen from the data in
        eager mode, the core under ``torch.compile``.  Ignored on the CPU
        (the core is faster there).
    """

    def __init__(self, d_model, n_experts, rank, *, top_k=None,
                 normalizer=True, shared_frame=False, token_rank=1, tau=1.0,
                 learn_prior=False, init_concentration=4.0,
                 bias_update_rate=0.0, distributed=True, process_group=None,
                 renormalize=True, route_scale=1.0, generator=None,
                 normalizer_degree=None):
        super().__init__(n_experts, top_k, bias_update_rate=bias_update_rate,
                         distributed=distributed,
                         process_group=process_group,
                         renormalize=renormalize, route_scale=route_scale)
        d_model = _checks.count(d_model, "d_model")
        c0 = _inverse_softplus(init_concentration, "init_concentration")
        tau = _checks.real(tau, "tau", lo=0.0, lo_open=True)
        rank = _checks.integer(rank, "rank", lo=1, hi=d_model)
        token_rank = _checks.integer(token_rank, "token_rank", lo=1,
                                     hi=d_model - 1)
        if normalizer_degree is not None:
            normalizer_degree = _checks.integer(normalizer_degree,
                                                "normalizer_degree", lo=1)
        self.d_model, self.rank = d_model, rank
        self.token_rank = token_rank
        self.normalizer_degree = normalizer_degree
        if token_rank > 1:
            # tokens span [h, W_1 h, ..., W_(k-1) h]
            self.token_maps = nn.Parameter(
                torch.randn((token_rank - 1, d_model, d_model),
                            generator=generator) / math.sqrt(d_model))
        self.normalizer = bool(normalizer)
        self.shared_frame = bool(shared_frame)
        n_experts = self.n_experts
        shape = (d_model, rank) if shared_frame else (n_experts, d_model, rank)
        self.frame_raw = nn.Parameter(torch.randn(shape, generator=generator))
        # softplus^-1 of the initial concentration
        self.concentration_raw = nn.Parameter(
            torch.full((n_experts, rank), c0)
            + 0.1 * torch.randn((n_experts, rank), generator=generator))
        self.log_prior = nn.Parameter(torch.zeros(n_experts),
                                      requires_grad=learn_prior)
        self.register_buffer("tau", torch.tensor(float(tau)))
        self._init = {"c0": c0, "tau": float(tau)}

    def _reset_own(self):
        d = self.d_model
        if self.token_rank > 1:
            self.token_maps.normal_(0.0, 1.0 / math.sqrt(d))
        self.frame_raw.normal_()
        self.concentration_raw.normal_(0.0, 0.1).add_(self._init["c0"])
        self.log_prior.zero_()
        self.tau.fill_(self._init["tau"])

    def frames(self):
        """Orthonormal expert frames ``(E, d, rank)`` (shared: ``(d,
        rank)``)."""
        return _orthonormal(self.frame_raw)

    def concentrations(self):
        return Fn.softplus(self.concentration_raw)

    def _normalizers(self, dtype):
        lam = (self.tau.to(dtype) * self.concentrations().to(dtype))
        if not self.normalizer:
            return torch.zeros(self.n_experts, dtype=dtype,
                               device=lam.device)
        # once per forward for the E experts, never per token
        return F.log_normalizer_eigvals(lam, self.token_rank, self.d_model,
                                        degree=self.normalizer_degree)

    def tokens(self, x):
        """Token frames: unit vectors ``(T, d, 1)``, or with ``token_rank =
        k > 1`` orthonormal frames of ``[h, W_1 h, ..., W_(k-1) h]``."""
        xn = unit_rows(x)
        if self.token_rank == 1:
            return xn.unsqueeze(-1)
        cols = [x] + [x @ W.to(x.dtype).T for W in self.token_maps]
        raw = torch.stack(cols, -1)
        # an all-zero token spans nothing: it gets the frame QR gives a zero
        # matrix (the first k axes), as a constant, so that QR's backward
        # never sees the rank-deficient matrix (NaN gradients)
        zero = (x.detach() == 0).all(-1)[:, None, None]
        eye = torch.eye(raw.shape[-2], raw.shape[-1], dtype=raw.dtype,
                        device=raw.device)
        return _orthonormal(torch.where(zero, eye, raw))

    def compute_logits(self, x):
        dtype = x.dtype
        U = self.frames().to(dtype)
        lam = self.concentrations().to(dtype)
        T, d = x.shape
        k = self.token_rank
        flat_U = U if self.shared_frame else \
            U.permute(1, 0, 2).reshape(d, -1)                     # (d, E r)
        if k == 1:
            proj = unit_projection(x, flat_U) ** 2
        else:
            flat = self.tokens(x).mT.reshape(T * k, d)
            proj = ((flat @ flat_U) ** 2).reshape(T, k, -1).sum(1) \
                if T else flat.new_zeros(0, flat_U.shape[1])
        if self.shared_frame:
            q = proj @ lam.T                                      # (T, E)
        else:
            q = (proj.reshape(T, self.n_experts, self.rank) * lam).sum(-1)
        return self.tau.to(dtype) * q - self._normalizers(dtype) \
            + self.log_prior.to(dtype)

    def logit_range(self):
        """Ky Fan: the sums of the k smallest and k largest eigenvalues of
        ``tau A_e`` (zeros included) bound ``tau tr(X^T A_e X)``."""
        lam = self.tau * self.concentrations().detach()
        off = -self._normalizers(lam.dtype).detach() + self.log_prior.detach()
        k, d, r = self.token_rank, self.d_model, self.rank
        zeros = torch.zeros(lam.shape[0], min(d - r, k), dtype=lam.dtype,
                            device=lam.device)
        full = torch.sort(torch.cat([lam, zeros], -1), -1).values
        return full[:, :k].sum(-1) + off, full[:, -k:].sum(-1) + off


class UncertainBinghamRouter(BinghamRouter):
    """Uncertainty-aware Bingham routing (an amortized variational
    posterior).

    Each token gets a Bingham posterior over directions,
    ``q = MB(kappa(h) u u^T)`` with ``u = h / |h|`` and a learned
    concentration ``kappa(h) = softplus(w . h + c)``.  The gates are the
    exact posterior predictive of the Bingham mixture::

        g_e  propto  pi_e E_q[f_e(x)] = pi_e 1F1(A_q + tau A_e) / (1F1(A_q) 1F1(tau A_e)),

    with ``1F1(A_q + tau A_e)`` from the eigenvalues of the small matrix
    ``D^1/2 B^T B D^1/2`` (``B = [u, U_e]``, ``D = diag(kappa, tau l_e)``),
    so ``logits_e = log 1F1(A_q + tau A_e) - log 1F1(tau A_e) + beta_e``.  A
    broad posterior (``kappa -> 0``) gives the prior gates; a sharp one
    recovers :class:`BinghamRouter`.  ``aux["kl"]`` is the mean
    ``KL(q || uniform)`` over the tokens, to be added to the loss.

    Cost: one normalizer per token and expert (``T E`` evaluations of a
    rank-``(rank + 1)`` vector Bingham), unlike the plain router's ``E``.

    Domain: as :class:`BinghamRouter`, with ``token_rank = 1`` and ``normalizer
    = True``.
    """

    def __init__(self, d_model, n_experts, rank, **kwargs):
        kwargs.setdefault("normalizer", True)
        if kwargs.get("token_rank", 1) != 1:
            raise ValueError("token_rank must be 1 for the uncertainty-aware "
                             "router (a posterior over directions)")
        if not kwargs["normalizer"]:
            raise ValueError("normalizer must be True: the posterior "
                             "predictive needs the experts' normalizers")
        super().__init__(d_model, n_experts, rank, **kwargs)
        self.kappa = nn.Linear(d_model, 1)
        with torch.no_grad():
            self._reset_kappa()

    def _reset_kappa(self):
        self.kappa.weight.zero_()
        self.kappa.bias.fill_(_inverse_softplus(10.0, "kappa"))

    def _reset_own(self):
        super()._reset_own()
        self._reset_kappa()

    def token_concentration(self, x):
        return Fn.softplus(self.kappa(x.to(self.kappa.weight.dtype))
                           .to(x.dtype)).squeeze(-1)

    def compute_logits(self, x):
        dtype = x.dtype
        T = x.shape[0]
        E, r, d = self.n_experts, self.rank, self.d_model
        kap = self.token_concentration(x)                        # (T,)
        U = self.frames().to(dtype)
        lam = self.tau.to(dtype) * self.concentrations().to(dtype)  # (E, r)
        if self.shared_frame:
            c = unit_projection(x, U).unsqueeze(1).expand(T, E, r)  # (T, E, r)
        else:
            c = unit_projection(x, U.permute(1, 0, 2).reshape(d, E * r)) \
                .reshape(T, E, r)
        sl = torch.sqrt(lam)                                     # (E, r)
        sk = torch.sqrt(kap)[:, None]                            # (T, 1)
        M = torch.zeros(T, E, r + 1, r + 1, dtype=dtype, device=x.device)
        off = sk[..., None] * c * sl                             # (T, E, r)
        M = M + torch.diag_embed(torch.cat(
            [kap[:, None, None].expand(T, E, 1), lam.expand(T, E, r)], -1))
        M[..., 0, 1:] = off
        M[..., 1:, 0] = off
        ev = F._eigvalsh_nan_rows(M).clamp_min(0.0)
        logF_joint = F.log_normalizer_eigvals(ev, 1, d)          # (T, E)
        return logF_joint - self._normalizers(dtype) \
            + self.log_prior.to(dtype)

    def kl(self, x):
        """Mean ``KL(q || uniform)`` of the token posteriors over the rows
        of ``x`` ``(T, d)`` (math dtype): ``kappa g(kappa) - log
        F(kappa)``."""
        kap = self.token_concentration(x).unsqueeze(-1)
        logF = F.log_normalizer_eigvals(kap, 1, self.d_model)
        g = F.grad_log_normalizer_eigvals(kap, 1, self.d_model)
        return (kap.squeeze(-1) * g.squeeze(-1) - logF).mean()

    def _forward(self, hidden):
        out = super()._forward(hidden)
        x = hidden.reshape(-1, hidden.shape[-1]).to(_math_dtype(hidden))
        out.aux["kl"] = self.kl(x)
        return out

    def logit_range(self):
        return None


class EigenbasisRouter(Router):
    """A shared orthonormal basis of ``n_basis`` directions; expert ``e``
    scores a token by ``sum_j w_ej (u_j^T x)^2`` on its energy shares, with
    non-negative weights ``w = softplus(raw)`` (the EMoE design).

    Domain: integers ``d_model >= 1``, ``n_experts >= 1``, ``1 <= n_basis <=
    d_model``; the rest as :class:`Router`.
    """

    def __init__(self, d_model, n_experts, n_basis, *, top_k=None,
                 bias_update_rate=0.0, distributed=True, process_group=None,
                 renormalize=True, route_scale=1.0, generator=None):
        super().__init__(n_experts, top_k, bias_update_rate=bias_update_rate,
                         distributed=distributed,
                         process_group=process_group,
                         renormalize=renormalize, route_scale=route_scale)
        d_model = _checks.count(d_model, "d_model")
        n_basis = _checks.integer(n_basis, "n_basis", lo=1, hi=d_model)
        self.d_model, self.n_basis = d_model, n_basis
        self.basis_raw = nn.Parameter(torch.randn((d_model, n_basis),
                                                  generator=generator))
        self.weight_raw = nn.Parameter(torch.randn((self.n_experts, n_basis),
                                                   generator=generator))

    def _reset_own(self):
        self.basis_raw.normal_()
        self.weight_raw.normal_()

    def compute_logits(self, x):
        U = _orthonormal(self.basis_raw).to(x.dtype)
        return (unit_projection(x, U) ** 2) \
            @ Fn.softplus(self.weight_raw).to(x.dtype).T

    def logit_range(self):
        w = Fn.softplus(self.weight_raw).detach()
        lo = torch.zeros(self.n_experts, dtype=w.dtype, device=w.device) \
            if self.n_basis < self.d_model else w.min(-1).values
        return lo, w.max(-1).values


class SoftmaxTopKRouter(Router):
    """A linear map ``d -> E``, softmax in fp32 (or float64), top-k with the
    selected probabilities renormalized.

    Domain: integers ``d_model >= 1``, ``n_experts >= 1``; the rest as
    :class:`Router`.
    """

    def __init__(self, d_model, n_experts, *, top_k=None, bias=False,
                 bias_update_rate=0.0, distributed=True, process_group=None,
                 renormalize=True, route_scale=1.0):
        super().__init__(n_experts, top_k, bias_update_rate=bias_update_rate,
                         distributed=distributed,
                         process_group=process_group,
                         renormalize=renormalize, route_scale=route_scale)
        self.d_model = _checks.count(d_model, "d_model")
        self.gate = nn.Linear(self.d_model, self.n_experts, bias=bias)

    def _reset_own(self):
        self.gate.reset_parameters()

    def compute_logits(self, x):
        return Fn.linear(x, self.gate.weight.to(x.dtype),
                         None if self.gate.bias is None
                         else self.gate.bias.to(x.dtype))


def routing_metrics(out):
    """Load statistics of one routing decision: ``tokens_per_expert``,
    ``cv`` (std / mean of the loads), ``max_violation`` (max load / mean load
    - 1), ``dead_experts`` (no token), ``mean_entropy``, ``topk_mass``
    (mean total probability of the selected experts) and, with a capacity,
    ``dropped_tokens`` (from the MoE layer's aux).

    Domain: a :class:`RouterOutput` (``TypeError`` otherwise).
    """
    if not isinstance(out, RouterOutput):
        raise TypeError(f"out must be a RouterOutput, got "
                        f"{type(out).__name__}")
    load = out.tokens_per_expert.detach()
    mean = load.mean()
    probs = torch.softmax(out.logits.detach(), -1)
    res = {"tokens_per_expert": load,
           "cv": load.std(unbiased=False) / mean.clamp_min(1e-30),
           "max_violation": load.max() / mean.clamp_min(1e-30) - 1.0,
           "dead_experts": (load == 0).sum(),
           "mean_entropy": out.aux["entropy"].detach()}
    if out.indices is not None:
        res["topk_mass"] = probs.gather(-1, out.indices).sum(-1).mean()
    if "dropped_tokens" in out.aux:
        res["dropped_tokens"] = out.aux["dropped_tokens"]
    return res


class MoELayer(nn.Module):
    """Experts (two-layer GELU MLPs) with sparse dispatch.

    In top-k mode each expert computes only its tokens (gathered after a
    sort by expert); with ``capacity_factor`` each expert takes at most
    ``ceil(capacity_factor * T * top_k / E)`` tokens (first come, first
    served in token order) and the rest are dropped (counted in
    ``aux["dropped_tokens"]``).  Dense routers (``top_k=None``) mix all
    experts.

    Domain: integers ``d_model``, ``d_hidden``, ``n_experts >= 1`` agreeing
    with ``router`` (its ``n_experts`` and ``d_model``); ``capacity_factor``
    None or a finite number > 0.  The input must be a tensor ``(...,
    d_model)``.
    """

    def __init__(self, d_model, d_hidden, n_experts, router, *,
                 capacity_factor=None, generator=None):
        super().__init__()
        d_model = _checks.count(d_model, "d_model")
        d_hidden = _checks.count(d_hidden, "d_hidden")
        n_experts = _checks.count(n_experts, "n_experts")
        if router.n_experts != n_experts:
            raise ValueError("router.n_experts must equal n_experts")
        if getattr(router, "d_model", d_model) != d_model:
            raise ValueError(f"d_model={d_model} differs from the router's "
                             f"d_model={router.d_model}")
        self.d_model = d_model
        self.router = router
        self.n_experts = n_experts
        if capacity_factor is not None:
            capacity_factor = _checks.real(capacity_factor, "capacity_factor",
                                           lo=0.0, lo_open=True)
        self.capacity_factor = capacity_factor
        s1, s2 = 1 / math.sqrt(d_model), 1 / math.sqrt(d_hidden)
        self.w1 = nn.Parameter(s1 * torch.randn((n_experts, d_model, d_hidden),
                                                generator=generator))
        self.b1 = nn.Parameter(torch.zeros(n_experts, d_hidden))
        self.w2 = nn.Parameter(s2 * torch.randn((n_experts, d_hidden, d_model),
                                                generator=generator))
        self.b2 = nn.Parameter(torch.zeros(n_experts, d_model))

    def expert(self, e, x):
        return Fn.gelu(x @ self.w1[e] + self.b1[e]) @ self.w2[e] + self.b2[e]

    def forward(self, hidden):
        _check_hidden(hidden, self.d_model, "layer")
        shape = hidden.shape
        x = hidden.reshape(-1, shape[-1])
        out = self.router(hidden)
        y = torch.zeros_like(x)
        if out.indices is None:
            for e in range(self.n_experts):
                y = y + out.weights[:, e: e + 1].to(x.dtype) * self.expert(e, x)
            return y.reshape(shape), out
        T, k = out.indices.shape
        flat_e = out.indices.reshape(-1)
        flat_t = torch.arange(T, device=x.device).repeat_interleave(k)
        flat_w = out.weights.reshape(-1)
        order = torch.sort(flat_e, stable=True).indices
        flat_e, flat_t, flat_w = flat_e[order], flat_t[order], flat_w[order]
        counts = torch.bincount(flat_e, minlength=self.n_experts)
        dropped = torch.zeros((), dtype=torch.long, device=x.device)
        start = 0
        for e, c in enumerate(counts.tolist()):
            if c == 0:
                continue
            sl = slice(start, start + c)
            start += c
            tok, w = flat_t[sl], flat_w[sl]
            if self.capacity_factor is not None:
                cap = math.ceil(self.capacity_factor * T * k / self.n_experts)
                dropped = dropped + max(0, c - cap)
                tok, w = tok[:cap], w[:cap]
            y = y.index_add(0, tok, w.unsqueeze(-1).to(x.dtype)
                            * self.expert(e, x[tok]))
        out.aux["dropped_tokens"] = dropped
        return y.reshape(shape), out


@torch.no_grad()
def calibrate(router, tokens, *, target_entropy=None, target_topk_mass=None,
              lo=1e-3, hi=1e3, iters=60, tol=1e-9):
    """Set ``router.temperature`` so that the mean routing entropy (or the
    mean top-k mass) on ``tokens`` reaches a target.

    Per token the entropy is non-decreasing and the top-k mass non-increasing
    in the temperature (``docs/bounds.md``), so their means are monotone in
    ``u = log T``: Newton's method in ``u`` with the exact derivatives
    (``dH/du = Var_g(s) / T^2``, ``dM/du = -sum_top g (s - mean_g s) / T``),
    safeguarded by bisection of a bracket, stops within ``tol`` of the target
    (a handful of evaluations).  Returns ``{"temperature", "reached",
    "target"}``; when the target lies outside what ``[lo, hi]`` can reach,
    the nearest end is used, reported and warned about (``UserWarning``).

    Domain: a finite target, ``0 < lo < hi < inf``, at least one token, all
    finite; otherwise ``ValueError`` naming the argument."""
    if (target_entropy is None) == (target_topk_mass is None):
        raise ValueError("give exactly one of target_entropy and "
                         "target_topk_mass")
    name = "target_entropy" if target_entropy is not None \
        else "target_topk_mass"
    target = target_entropy if target_entropy is not None \
        else target_topk_mass
    target = _checks.real(target, name)
    lo = _checks.real(lo, "lo", lo=0.0, lo_open=True)
    hi = _checks.real(hi, "hi", lo=0.0, lo_open=True)
    if not lo < hi:
        raise ValueError(f"lo and hi must satisfy 0 < lo < hi < inf, got "
                         f"lo={lo!r}, hi={hi!r}")
    iters = _checks.integer(iters, "iters", lo=1)
    tol = _checks.real(tol, "tol", lo=0.0, lo_open=True)
    if not isinstance(tokens, torch.Tensor):
        raise TypeError(f"tokens must be a torch.Tensor, got "
                        f"{type(tokens).__name__}")
    if tokens.dim() == 0 or tokens.shape[0] == 0:
        raise ValueError("tokens must hold at least one token")
    if not torch.isfinite(tokens).all():
        raise ValueError("tokens must be finite")
    x = tokens.reshape(-1, tokens.shape[-1]).to(_math_dtype(tokens))
    base = router.compute_logits(x).double()    # smooth for the root finder
    k = router.top_k or 1
    # the k largest gates are the k largest logits at every temperature
    top = torch.sort(base, dim=-1, descending=True, stable=True).indices[:, :k]
    entropy = target_entropy is not None

    def measure(u):
        """(value, d value / du) at T = e^u, means over the tokens."""
        beta = math.exp(-u)
        z = base * beta
        lse = torch.logsumexp(z, -1, keepdim=True)
        p = torch.exp(z - lse)
        mean_s = (p * base).sum(-1, keepdim=True)
        dev = base - mean_s
        if entropy:
            val = lse.squeeze(-1) - (p * z).sum(-1)
            der = beta * beta * (p * dev * dev).sum(-1)
        else:
            val = p.gather(-1, top).sum(-1)
            der = -beta * (p.gather(-1, top) * dev.gather(-1, top)).sum(-1)
        return float(val.mean()), float(der.mean())
    # g(u) = sign (value - target) is increasing in u
    sign = 1.0 if entropy else -1.0
    lo_u, hi_u = math.log(lo), math.log(hi)
    a, b = lo_u, hi_u
    t = min(max(0.0, a), b)
    for _ in range(iters):
        v, d = measure(t)
        g, dg = sign * (v - target), sign * d
        if abs(g) <= tol:
            break
        if g < 0:
            a = t
        else:
            b = t
        if b - a <= 1e-12:
            break                        # the target is out of reach
        step = t - g / dg if dg > 0 else None
        t = step if step is not None and a < step < b else 0.5 * (a + b)
    T = math.exp(t)
    router.temperature.fill_(T)
    reached = measure(t)[0]
    if abs(reached - target) > max(tol, 1e-6 * abs(target)):
        import warnings
        warnings.warn(f"calibrate: {name}={target} is out of reach in "
                      f"temperatures [{lo}, {hi}]; the nearest end gives "
                      f"{reached:.6g}", UserWarning, stacklevel=2)
    return {"temperature": T, "reached": reached, "target": float(target)}
