"""Bingham routing inside torchtitan's MoE module.

:class:`TokenChoiceRouter` has the interface of torchtitan's
``TokenChoiceTopKRouter``: ``forward(x_BLD, expert_bias_E=None)`` returns
``(topk_scores_BLK, topk_expert_ids_BLK, scores_BLE)`` with contiguous
``int64`` expert ids, the scores by ``score_func`` (``"softmax"`` or
``"sigmoid"``) of the library router's logits, the expert bias used for the
choice only (torchtitan's auxiliary-loss-free balancing: its ``MoE`` module
keeps ``expert_bias_E`` and ``tokens_per_expert_E`` and its trainer updates
the bias), node-limited routing (``num_expert_groups``,
``num_limited_groups``), ``route_norm`` and ``route_scale``.

It is a torchtitan ``Module`` with a ``Config``, so a model config can build
it (``MoE.Config(router=TokenChoiceRouter.Config(...))``) or it can replace
``moe.router`` of a built model; after torchtitan's meta-device
initialisation (``to_empty`` then ``init_states``) its ``reset_parameters``
gives the library router its initial parameters and buffers.  The router's
math runs in float32 with autocast off.

Tested against torchtitan 0.3's ``MoE`` module on CPU
(``tests/test_integration_torchtitan.py``; torchtitan installs with
``--no-deps`` and needs ``tyro``, ``spmd_types`` and ``triton`` to import).
"""
from dataclasses import dataclass, field

import torch
from torchtitan.protocols.module import Module

from ._routing import gate_weights, limited_topk, make_router

__all__ = ["TokenChoiceRouter"]


class TokenChoiceRouter(Module):
    """A library router as torchtitan's token-choice top-k router.

    Config fields: ``dim``, ``num_experts``, ``top_k``; ``router``
    (``"bingham"``, ``"uncertain"``, ``"eigenbasis"``, ``"softmax"``) and
    ``router_kwargs`` for its constructor; ``score_func``, ``route_norm``,
    ``route_scale``, ``num_expert_groups``, ``num_limited_groups`` as in
    torchtitan.  ``self.router`` is the library router (its
    ``temperature`` the post-hoc knob, ``certificate()`` the bounds).
    """

    @dataclass(kw_only=True, slots=True)
    class Config(Module.Config):
        dim: int
        num_experts: int
        top_k: int = 1
        router: str = "bingham"
        router_kwargs: dict = field(default_factory=dict)
        score_func: str = "softmax"
        route_norm: bool = False
        route_scale: float = 1.0
        num_expert_groups: int | None = None
        num_limited_groups: int | None = None

    def __init__(self, config):
        super().__init__()
        if config.score_func not in ("softmax", "sigmoid"):
            raise ValueError(f"score_func must be 'softmax' or 'sigmoid', "
                             f"got {config.score_func!r}")
        groups = config.num_expert_groups
        if groups is not None and (config.num_experts % groups
                                   or config.num_limited_groups is None):
            raise ValueError(
                f"num_expert_groups={groups} must divide num_experts="
                f"{config.num_experts}, with num_limited_groups set")
        self.num_experts = config.num_experts
        self.top_k = config.top_k
        self.score_func = config.score_func
        self.route_norm = bool(config.route_norm)
        self.route_scale = float(config.route_scale)
        self.n_group = groups or 1
        self.topk_group = config.num_limited_groups or 1
        self.router = make_router(config.router, config.dim,
                                   config.num_experts, config.top_k,
                                   config.router_kwargs)

    @torch.no_grad()
    def reset_parameters(self):
        """The library router's parameters and buffers as at construction
        (torchtitan's ``init_states`` calls this)."""
        self.router.reset_parameters()

    def forward(self, x_BLD, expert_bias_E=None):
        lead = x_BLD.shape[:-1]
        x = x_BLD.reshape(-1, x_BLD.shape[-1])
        dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = x.to(dtype)
            logits = self.router.compute_logits(x) \
                / self.router.temperature.to(dtype)
            scores = torch.sigmoid(logits) if self.score_func == "sigmoid" \
                else torch.softmax(logits, dim=-1)
            choice = scores.detach()
            if expert_bias_E is not None:
                choice = choice + expert_bias_E.to(dtype)
            ids = limited_topk(choice, self.top_k, self.n_group,
                               self.topk_group)
            top = gate_weights(scores, ids, self.route_norm,
                               self.route_scale, eps=1e-20)
        k, E = self.top_k, self.num_experts
        return (top.reshape(*lead, k), ids.reshape(*lead, k),
                scores.reshape(*lead, E))

