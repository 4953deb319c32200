"""Geometry diagnostics for Mixture-of-Experts layers: the
Jacobian-PCA-Grassmann probe.

Two lenses on a trained MoE layer:

* **function geometry** of each expert: singular-value spectra of its
  Jacobian at given tokens (exact with ``torch.func.jacrev`` for small
  widths; a randomized top-r SVD from Jacobian-vector products otherwise,
  never forming ``d x d`` matrices), spectral summaries, and the
  cross-expert alignment ``<J_e, J_f>_F / (|J_e|_F |J_f|_F)``;
* **representation geometry** of what is routed to each expert:
  routing-weighted mean and covariance, top-k principal subspaces,
  effective rank, and distances and overlaps between expert subspaces on
  the Grassmannian (through :mod:`bingham.grassmann`, accurate for small
  angles); for Bingham routers, the distance between each expert's learned
  frame and the subspace of the data actually routed to it.

Any MoE module can be probed through an adapter (:class:`MoEAdapter`): a
callable returning dense routing weights ``(T, E)`` and one callable per
expert.  :func:`adapt` builds one for :class:`bingham_torch.nn.MoELayer` and
for modules with a ``router``/``gate`` and an ``experts`` list.
"""
from dataclasses import dataclass, field

import numpy as np
import torch

from bingham import grassmann as _gr

__all__ = ["MoEAdapter", "adapt", "moe_blocks", "block_inputs",
           "spectral_summary", "expert_jacobians",
           "jacobian_singular_values", "jacobian_alignment",
           "routed_geometry", "subspace_distances", "router_consistency",
           "probe", "ProbeReport"]


@dataclass
class MoEAdapter:
    """``route(tokens) -> (T, E)`` dense routing weights (0 where an expert
    is not selected), ``experts[e](x) -> y`` for a batch of tokens, and the
    always-on ``shared`` experts by name (reported apart), if any."""
    route: callable
    experts: list
    shared: dict = field(default_factory=dict)
    router: object = None

    @property
    def n_experts(self):
        return len(self.experts)


def _fused_experts(experts):
    """Per-expert callables for ``transformers``' fused experts (3-D
    ``gate_up_proj`` ``(E, 2I, d)``, ``down_proj`` ``(E, d, I)`` and
    ``act_fn``), or None for another layout."""
    gu = getattr(experts, "gate_up_proj", None)
    down = getattr(experts, "down_proj", None)
    act = getattr(experts, "act_fn", None)
    if not (isinstance(gu, torch.Tensor) and isinstance(down, torch.Tensor)
            and act is not None and gu.dim() == 3 and down.dim() == 3
            and gu.shape[0] == down.shape[0]
            and gu.shape[1] == 2 * down.shape[2]
            and gu.shape[2] == down.shape[1]):
        return None

    def expert(x, e):
        gate, up = torch.nn.functional.linear(
            x, experts.gate_up_proj[e].to(x.dtype)).chunk(2, dim=-1)
        return torch.nn.functional.linear(act(gate) * up,
                                          experts.down_proj[e].to(x.dtype))
    return [(lambda x, e=e: expert(x, e)) for e in range(gu.shape[0])]


def _titan_experts(experts):
    """Per-expert callables for torchtitan's grouped experts (``w1_EFD``,
    ``w2_EDF``, ``w3_EFD``: ``w2 (silu(w1 x) * w3 x)``), or None."""
    inner = getattr(experts, "inner_experts", experts)
    w1 = getattr(inner, "w1_EFD", None)
    if not isinstance(w1, torch.Tensor):
        return None

    def expert(x, e):
        h = torch.nn.functional.silu(x @ inner.w1_EFD[e].T.to(x.dtype)) \
            * (x @ inner.w3_EFD[e].T.to(x.dtype))
        return h @ inner.w2_EDF[e].T.to(x.dtype)
    return [(lambda x, e=e: expert(x, e)) for e in range(w1.shape[0])]


def _dense_weights(out, n_tokens):
    """Dense ``(T, E)`` weights from what a router returns: a
    ``RouterOutput``; a triple with one integer tensor, the expert indices
    (``transformers``: ``(logits, weights, indices)``; torchtitan:
    ``(weights, indices, scores)``), the weights the floating tensor of the
    same shape and the other one ``(T, E)``; or logits (soft-maxed)."""
    from .nn import RouterOutput
    if isinstance(out, RouterOutput):
        if out.indices is None:
            return out.weights
        dense = torch.zeros_like(out.logits)
        return dense.scatter(1, out.indices, out.weights.to(dense.dtype))
    if isinstance(out, tuple) and len(out) == 3:
        ints = [t for t in out if not t.is_floating_point()]
        if len(ints) != 1:
            raise ValueError("a router triple must hold one integer tensor "
                             "(the expert indices)")
        idx = ints[0]
        floats = [t for t in out if t.is_floating_point()]
        w = next(t for t in floats if t.shape == idx.shape)
        full = next(t for t in floats if t is not w)
        E = full.shape[-1]
        idx = idx.reshape(n_tokens, -1)
        dense = torch.zeros(n_tokens, E, dtype=torch.float32,
                            device=idx.device)
        return dense.scatter(1, idx, w.reshape(n_tokens, -1).to(dense.dtype))
    return torch.softmax(out, -1)


def adapt(module):
    """An adapter for :class:`bingham_torch.nn.MoELayer`, for
    ``transformers`` MoE blocks (fused experts, a gate returning
    ``(logits, weights, indices)``, softmax or sigmoid routers, swapped or
    not), for torchtitan's ``MoE`` (``routed_experts``, a router returning
    ``(weights, indices, scores)`` given the module's ``expert_bias_E``), or
    for any module with ``experts`` (a sequence of callables) and
    ``router`` or ``gate`` (returning a ``RouterOutput``, or logits that
    are soft-maxed).  A ``shared_expert`` or ``shared_experts`` is reported
    apart.

    Domain: one of the modules above; anything else raises ``ValueError``.
    """
    from .nn import MoELayer
    if isinstance(module, MoELayer):
        experts = [(lambda x, e=e: module.expert(e, x))
                   for e in range(module.n_experts)]
        router = module.router
    elif hasattr(module, "routed_experts") and hasattr(module, "router"):
        experts = _titan_experts(module.routed_experts)
        if experts is None:
            raise ValueError("module.routed_experts has no torchtitan "
                             "grouped experts (w1_EFD, w2_EDF, w3_EFD)")
        titan_router = module.router

        def router(tokens):
            return titan_router(tokens,
                                getattr(module, "expert_bias_E", None))
        router.router = getattr(titan_router, "router", titan_router)
    elif hasattr(module, "experts") and (hasattr(module, "router")
                                         or hasattr(module, "gate")):
        router = getattr(module, "router", None) or module.gate
        experts = _fused_experts(module.experts)
        if experts is None:
            try:
                experts = list(module.experts)
            except TypeError:
                raise ValueError(
                    f"module.experts ({type(module.experts).__name__}) is "
                    f"neither a sequence of experts nor transformers' fused "
                    f"layout (gate_up_proj, down_proj, act_fn)") from None
    else:
        raise ValueError("module must be a MoELayer or have `experts` and a "
                         "`router` or `gate`")
    shared = {name: getattr(module, name)
              for name in ("shared_expert", "shared_experts")
              if isinstance(getattr(module, name, None), torch.nn.Module)}

    def route(tokens):
        return _dense_weights(router(tokens), tokens.shape[0])
    # the library router behind a transformers adapter, for consistency
    inner = getattr(router, "router", router)
    return MoEAdapter(route=route, experts=experts, shared=shared,
                      router=inner)


def spectral_summary(s):
    """Summaries of singular values ``s`` (``(..., n)``, any order):
    ``leading``, ``decay`` (``s / s_max``, sorted), ``effective_rank``
    (``exp`` of the entropy of ``s / sum s``), ``participation_ratio``
    (``(sum s^2)^2 / sum s^4``) and ``stable_rank`` (``sum s^2 / s_max^2``).

    Domain: a real tensor ``(..., n)`` of non-negative values, ``n >= 1``.
    """
    s = torch.as_tensor(s).sort(dim=-1, descending=True).values
    lead = s[..., 0]
    p = s / s.sum(-1, keepdim=True).clamp_min(1e-300)
    ent = -(p * torch.log(p.clamp_min(1e-300))).sum(-1)
    s2 = s * s
    return {"leading": lead,
            "decay": s / lead.unsqueeze(-1).clamp_min(1e-300),
            "effective_rank": torch.exp(ent),
            "participation_ratio": s2.sum(-1) ** 2
            / (s2 * s2).sum(-1).clamp_min(1e-300),
            "stable_rank": s2.sum(-1) / (lead * lead).clamp_min(1e-300)}


def expert_jacobians(adapter, tokens, experts=None):
    """Exact Jacobians ``(E, T, d_out, d_in)`` of the experts at ``tokens``
    (``(T, d_in)``) by ``vmap(jacrev)``; for moderate widths.

    Domain: an :class:`MoEAdapter` (or anything :func:`adapt` accepts) and
    finite tokens ``(T, d_in)``, ``T >= 1``; ``experts`` None or expert
    indices.
    """
    experts = range(adapter.n_experts) if experts is None else experts
    out = []
    for e in experts:
        f = adapter.experts[e]
        out.append(torch.func.vmap(torch.func.jacrev(f))(tokens))
    return torch.stack(out)


def jacobian_singular_values(fn, tokens, r, *, oversample=8, n_iter=2,
                             generator=None):
    """Top-``r`` singular values of the Jacobian of ``fn`` at each token, by
    a randomized range finder with power iterations on Jacobian-vector and
    vector-Jacobian products (Halko, Martinsson & Tropp 2011); memory
    ``O(d (r + oversample))`` per token.  Returns ``(T, r)``.

    Domain: a differentiable ``fn`` of one token ``(d,)``, finite tokens ``(T,
    d)``, an integer ``1 <= r <= d``.
    """
    T, d = tokens.shape
    ell = r + oversample
    res = []
    for t in range(T):
        x = tokens[t]

        def jvp(v):
            return torch.func.jvp(fn, (x,), (v,))[1]
        _, vjp_fn = torch.func.vjp(fn, x)
        Om = torch.randn(d, ell, dtype=x.dtype, generator=generator)
        Y = torch.func.vmap(jvp, in_dims=1, out_dims=1)(Om)
        for _ in range(n_iter):
            Q = torch.linalg.qr(Y).Q
            Z = torch.func.vmap(lambda q: vjp_fn(q)[0], in_dims=1,
                                out_dims=1)(Q)
            Y = torch.func.vmap(jvp, in_dims=1, out_dims=1)(
                torch.linalg.qr(Z).Q)
        Q = torch.linalg.qr(Y).Q
        B = torch.func.vmap(lambda q: vjp_fn(q)[0], in_dims=1,
                            out_dims=1)(Q)                     # J^T Q
        res.append(torch.linalg.svdvals(B.detach())[:r])
    return torch.stack(res)


def jacobian_alignment(J):
    """Normalized Frobenius inner products between expert Jacobians ``J``
    (``(E, T, d_out, d_in)``): per token ``(T, E, E)`` and token-averaged
    ``(E, E)``.

    Domain: a real tensor ``(E, T, d_out, d_in)``; an all-zero Jacobian gives
    NaN in its row and column.
    """
    flat = J.flatten(2)                                       # (E, T, n)
    norms = flat.norm(dim=-1).clamp_min(1e-300)
    unit = flat / norms.unsqueeze(-1)
    per_token = torch.einsum("etn,ftn->tef", unit, unit)
    return per_token, per_token.mean(0)


def routed_geometry(tokens, weights, k):
    """Routing-weighted mean, covariance, top-``k`` principal subspace and
    effective rank of the tokens routed to each expert.

    ``tokens`` ``(T, d)``, ``weights`` ``(T, E)`` (dense routing weights).
    Returns a dict of numpy arrays: ``mass`` (E,), ``mean`` (E, d), ``cov``
    (E, d, d), ``subspace`` (E, d, k), ``spectrum`` (E, d) and
    ``effective_rank`` (E,) (``exp`` of the entropy of the normalized
    covariance spectrum).

    Domain: finite tokens ``(T, d)`` and non-negative weights ``(T, E)``, an
    integer ``1 <= k <= d``; an expert with no weight has mass 0 and no
    meaningful geometry.
    """
    X = tokens.detach().double().cpu().numpy()
    W = weights.detach().double().cpu().numpy()
    E = W.shape[1]
    mass = W.sum(0)
    out = {"mass": mass, "mean": [], "cov": [], "subspace": [],
           "spectrum": [], "effective_rank": []}
    for e in range(E):
        w = W[:, e] / max(mass[e], 1e-300)
        mu = w @ X
        Xc = X - mu
        C = (Xc * w[:, None]).T @ Xc
        ev, V = np.linalg.eigh(C)
        ev, V = ev[::-1], V[:, ::-1]
        p = np.clip(ev, 0, None)
        p = p / max(p.sum(), 1e-300)
        nz = p[p > 0]
        out["mean"].append(mu)
        out["cov"].append(C)
        out["subspace"].append(V[:, :k])
        out["spectrum"].append(ev)
        out["effective_rank"].append(float(np.exp(-(nz * np.log(nz)).sum())))
    return {key: np.asarray(v) for key, v in out.items()}


def subspace_distances(frames):
    """Pairwise geometry of expert subspaces (``(E, d, k)`` frames):
    ``geodesic`` and ``projection`` distances and ``overlap``
    (``|U_e^T U_f|_F^2 / k``, 1 for equal subspaces, 0 for orthogonal
    ones), each ``(E, E)``.

    Domain: frames ``(E, d, k)`` with orthonormal columns.
    """
    F = np.asarray(frames, float)
    A, B = F[:, None], F[None, :]
    th = _gr.principal_angles(A, B)                           # (E, E, k)
    return {"geodesic": np.linalg.norm(th, axis=-1),
            "projection": np.max(np.sin(th), axis=-1),
            "overlap": np.mean(np.cos(th) ** 2, axis=-1)}


def router_consistency(router, tokens, weights):
    """For a :class:`~bingham_torch.nn.BinghamRouter`: geodesic distance
    between each expert's learned frame (rank ``r``) and the top-``r``
    principal subspace of the (unit-normalized) tokens routed to it.

    Domain: a :class:`~bingham_torch.nn.BinghamRouter` without a shared frame
    (``ValueError`` otherwise), finite tokens ``(T, d)`` and weights ``(T,
    E)``.
    """
    U = router.frames().detach().double().cpu().numpy()
    if U.ndim == 2:
        raise ValueError("router has a shared frame: no per-expert subspace")
    U = _gr.orthonormalize(U)            # float32 frames: re-orthonormalize
    from .nn import unit_rows
    xn = unit_rows(tokens)
    # second moments (not centred): the Bingham score is x^T A_e x
    X = xn.detach().double().cpu().numpy()
    W = weights.detach().double().cpu().numpy()
    r = U.shape[-1]
    dist = []
    for e in range(U.shape[0]):
        M = (X * W[:, e:e + 1]).T @ X
        V = np.linalg.eigh(M)[1][:, ::-1][:, :r]
        dist.append(float(_gr.distance(U[e], V)))
    return np.array(dist)


@dataclass
class ProbeReport:
    """What :func:`probe` measured; :meth:`summary` gives a table and
    :meth:`plot` the spectra and alignment (matplotlib)."""
    jacobian_spectra: np.ndarray          # (E, T, r) singular values
    jacobian_summary: dict                # per expert, token-averaged
    alignment: np.ndarray                 # (E, E)
    routed: dict                          # routed_geometry output
    distances: dict                       # subspace_distances of routed
    consistency: np.ndarray = None        # router_consistency, if any
    extra: dict = field(default_factory=dict)

    def summary(self):
        E = self.alignment.shape[0]
        off = self.alignment[~np.eye(E, dtype=bool)]
        lines = ["expert | mass | J leading | J eff. rank | J stable rank | "
                 "routed eff. rank" + (" | router-data distance"
                                       if self.consistency is not None
                                       else ""),
                 "---|---|---|---|---|---" + ("|---" if self.consistency
                                              is not None else "")]
        js = self.jacobian_summary
        for e in range(E):
            row = (f"{e} | {self.routed['mass'][e]:.1f} | "
                   f"{js['leading'][e]:.3g} | {js['effective_rank'][e]:.2f} | "
                   f"{js['stable_rank'][e]:.2f} | "
                   f"{self.routed['effective_rank'][e]:.2f}")
            if self.consistency is not None:
                row += f" | {self.consistency[e]:.3f}"
            lines.append(row)
        lines.append("")
        lines.append(f"mean |cross-expert Jacobian alignment|: "
                     f"{np.mean(np.abs(off)) if off.size else 0.0:.3f}")
        ov = self.distances["overlap"][~np.eye(E, dtype=bool)]
        lines.append(f"mean overlap of routed subspaces: "
                     f"{np.mean(ov) if ov.size else 0.0:.3f}")
        return "\n".join(lines)

    def plot(self, axes=None):
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # optional dependency
            raise ImportError("plotting needs matplotlib") from exc
        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        for e, s in enumerate(self.jacobian_spectra.mean(1)):
            axes[0].semilogy(s / s[0], marker=".", label=f"expert {e}")
        axes[0].set_xlabel("index")
        axes[0].set_ylabel("singular value / leading")
        axes[0].legend(fontsize="small")
        im = axes[1].imshow(self.alignment, vmin=-1, vmax=1, cmap="RdBu_r")
        axes[1].set_title("Jacobian alignment")
        plt.colorbar(im, ax=axes[1])
        return axes


def moe_blocks(model):
    """The MoE blocks of a model, in order: modules with ``experts`` and a
    ``gate`` or ``router`` (``transformers`` blocks, :class:`MoELayer`) or
    with ``routed_experts`` and a ``router`` (torchtitan).

    Domain: any ``torch.nn.Module`` (a model without MoE blocks gives an empty
    list).
    """
    from .nn import MoELayer
    return [m for m in model.modules()
            if isinstance(m, MoELayer) or (
                hasattr(m, "experts") and (hasattr(m, "gate")
                                           or hasattr(m, "router")))
            or (hasattr(m, "routed_experts") and hasattr(m, "router"))]


def block_inputs(model, inputs, layer):
    """``(block, tokens)``: the ``layer``-th MoE block of ``model`` and the
    hidden states it receives in ``model(inputs)`` (captured by a forward
    pre-hook, no gradient), as ``(T, d)`` float32 tokens.

    Domain: a model with at least ``layer + 1`` MoE blocks (``layer`` an
    integer >= 0; ``ValueError`` otherwise) and ``inputs`` it accepts as its
    first argument.
    """
    blocks = moe_blocks(model)
    if not blocks:
        raise ValueError(f"{type(model).__name__} has no MoE block (modules "
                         f"with `experts` and a `gate` or `router`)")
    if not (isinstance(layer, int) and -len(blocks) <= layer < len(blocks)):
        raise ValueError(f"layer must be an integer index of the "
                         f"{len(blocks)} MoE blocks, got {layer!r}")
    block = blocks[layer]
    captured = []
    handle = block.register_forward_pre_hook(
        lambda m, args: captured.append(args[0].detach()))
    try:
        with torch.no_grad():
            model(inputs)
    finally:
        handle.remove()
    x = captured[0]
    return block, x.reshape(-1, x.shape[-1]).to(torch.float32)


def _singular_values(fns, tokens, r, exact, generator):
    """Jacobian singular values ``(len(fns), T, r)`` of callables."""
    if exact:
        J = torch.stack([torch.func.vmap(torch.func.jacrev(f))(tokens)
                         for f in fns])
        return torch.linalg.svdvals(J)[..., :r], J
    return torch.stack([jacobian_singular_values(f, tokens, r,
                                                 generator=generator)
                        for f in fns]), None


def probe(module, tokens, *, layer=None, r=8, subspace_dim=4, exact=None,
          generator=None):
    """Run the whole probe on ``module`` (anything :func:`adapt` accepts,
    or an :class:`MoEAdapter`) at ``tokens`` (``(T, d)``); or, with
    ``layer``, on the ``layer``-th MoE block of a whole model (e.g. a
    ``transformers`` MoE model) at the hidden states it receives for the
    model input ``tokens`` (e.g. ``input_ids``; :func:`block_inputs`).

    ``r`` singular values per expert Jacobian (exact Jacobians when
    ``exact`` or ``d <= 256``; randomized otherwise), ``subspace_dim`` for
    the routed principal subspaces.  Shared (always-on) experts are
    measured apart: ``report.extra["shared_experts"]`` holds their
    token-averaged spectral summaries.

    Domain: a module :func:`adapt` accepts, finite floating tokens ``(T, d)``
    with ``T >= 1`` (or model inputs with ``layer``), integers ``r,
    subspace_dim >= 1`` (``r`` above ``d`` is clipped to ``d``);
    ``ValueError``/``TypeError`` naming the argument otherwise.
    """
    for name, value in (("r", r), ("subspace_dim", subspace_dim)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got "
                             f"{value!r}")
    if not isinstance(tokens, torch.Tensor) or tokens.ndim < 1:
        raise TypeError(f"tokens must be a torch.Tensor of shape (T, d) (or "
                        f"input ids with layer=), got {type(tokens).__name__}")
    if layer is not None:
        module, tokens = block_inputs(module, tokens, layer)
    adapter = module if isinstance(module, MoEAdapter) else adapt(module)
    if tokens.shape[0] == 0:
        raise ValueError("tokens must hold at least one token, got shape "
                         f"{tuple(tokens.shape)}")
    if tokens.is_floating_point() and not bool(torch.isfinite(tokens).all()):
        # the probe's results pool the tokens: a NaN one would spoil all
        raise ValueError("tokens must be finite (drop the tokens holding NaN "
                         "or inf)")
    with torch.no_grad():
        weights = adapter.route(tokens)
    d = tokens.shape[-1]
    r = min(r, d)   # a Jacobian (d x d) has at most d singular values
    exact = d <= 256 if exact is None else exact
    s, J = _singular_values(adapter.experts, tokens, r, exact, generator)
    if J is not None:
        _, align = jacobian_alignment(J)
    else:
        align = torch.full((adapter.n_experts,) * 2, float("nan"))
    summ = {key: v.mean(1).detach().cpu().numpy()
            for key, v in spectral_summary(s.detach()).items()
            if key != "decay"}
    routed = routed_geometry(tokens, weights, subspace_dim)
    dist = subspace_distances(routed["subspace"])
    cons = None
    router = adapter.router
    from .nn import BinghamRouter
    if isinstance(router, BinghamRouter) and not router.shared_frame:
        cons = router_consistency(router, tokens, weights)
    extra = {}
    if adapter.shared:
        names = list(adapter.shared)
        ss, _ = _singular_values([adapter.shared[n] for n in names], tokens,
                                 r, exact, generator)
        extra["shared_experts"] = {
            n: {key: float(v[i].mean()) for key, v in
                spectral_summary(ss.detach()).items() if key != "decay"}
            for i, n in enumerate(names)}
    return ProbeReport(jacobian_spectra=s.detach().cpu().numpy(),
                       jacobian_summary=summ,
                       alignment=align.detach().cpu().numpy(),
                       routed=routed, distances=dist, consistency=cons,
                       extra=extra)
