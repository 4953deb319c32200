"""The library's routers as other projects' routers use them: built by
name, and top-k selection (group-limited choice, gate weights)."""
import torch

from .. import nn as bnn

ROUTER_KINDS = ("bingham", "uncertain", "eigenbasis", "softmax")


def make_router(kind, d_model, n_experts, top_k, kwargs):
    """One of the library's routers for ``d_model`` inputs and ``n_experts``
    experts (``top_k`` only informs its bound certificate: the caller
    selects with :func:`limited_topk`).  Default ``rank = min(4, d_model)``
    (Bingham routers), ``n_basis = min(d_model, n_experts)`` (eigenbasis).
    """
    kwargs = dict(kwargs)
    if kind in ("bingham", "uncertain"):
        rank = kwargs.pop("rank", min(4, d_model))
        cls = bnn.BinghamRouter if kind == "bingham" \
            else bnn.UncertainBinghamRouter
        return cls(d_model, n_experts, rank, top_k=top_k, **kwargs)
    if kind == "eigenbasis":
        n_basis = kwargs.pop("n_basis", min(d_model, n_experts))
        return bnn.EigenbasisRouter(d_model, n_experts, n_basis, top_k=top_k,
                                    **kwargs)
    if kind == "softmax":
        return bnn.SoftmaxTopKRouter(d_model, n_experts, top_k=top_k,
                                     **kwargs)
    raise ValueError(f"router must be one of {list(ROUTER_KINDS)}, got "
                     f"{kind!r}")


def limited_topk(choice, k, n_group=1, topk_group=1):
    """Indices ``(T, k)`` (contiguous ``int64``) of the ``k`` largest
    entries of ``choice`` ``(T, E)`` per row; with ``n_group > 1`` only
    among the ``topk_group`` groups (of ``E / n_group`` consecutive experts)
    whose two best entries sum highest (DeepSeek-V3's node-limited
    routing).  Ties go to the lower expert index."""
    if n_group > 1:
        T = choice.shape[0]
        grouped = choice.reshape(T, n_group, -1)
        group_scores = grouped.topk(min(2, grouped.shape[-1]),
                                    dim=-1)[0].sum(-1)
        keep = torch.topk(group_scores, topk_group, dim=-1)[1]
        mask = torch.zeros_like(group_scores, dtype=torch.bool)
        mask.scatter_(1, keep, True)
        mask = mask.unsqueeze(-1).expand_as(grouped).reshape(T, -1)
        choice = choice.masked_fill(~mask, float("-inf"))
    order = torch.sort(choice, dim=-1, descending=True, stable=True)
    return order.indices[:, :k].contiguous()


def gate_weights(scores, indices, renormalize, scale=1.0, eps=0.0):
    """``scores`` of the selected experts, renormalised to sum to one
    (plus ``eps`` in the denominator) if asked, times ``scale``."""
    w = scores.gather(1, indices)
    if renormalize:
        w = w / (w.sum(-1, keepdim=True) + eps)
    return w * scale if scale != 1.0 else w
