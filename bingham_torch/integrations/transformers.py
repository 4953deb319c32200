"""Bingham routing inside Hugging Face ``transformers`` MoE models.

:func:`swap_routers` replaces the router (``block.gate``) of every MoE block
of a model in place with a :class:`RouterAdapter` around one of the
library's routers, and keeps the model's own contract:

* the router's output triple ``(router_logits, top_k_weights,
  top_k_index)``, with contiguous ``int64`` indices;
* the model's weight convention: Mixtral renormalises the top-k softmax
  probabilities, Qwen2-MoE, Qwen3-MoE and OLMoE only with
  ``config.norm_topk_prob``; DeepSeek-V3 scores with a sigmoid, selects
  with ``e_score_correction_bias`` and group-limited top-k (``n_group``,
  ``topk_group``), renormalises with ``norm_topk_prob`` and scales by
  ``routed_scaling_factor``;
* ``output_router_logits`` and the model's load-balancing loss (the
  adapter's logits are recorded like the original router's, so
  ``transformers``' own ``load_balancing_loss_func`` sees them), and
  ``generate()``.

The router's parameters and math stay in float32 when the model is cast to
bfloat16 or float16 and under ``torch.autocast`` (the way ``transformers``
keeps its gates in float32).  The forward issues no collective: the model's
own loss decides what is reduced (``transformers``' load-balancing loss is
per rank).  :meth:`RouterAdapter.update_bias` sums the loads over the
router's ``process_group`` (a ``swap_routers`` keyword) when a group runs,
so that every rank moves its balancing bias alike.

Supported ``config.model_type``: ``mixtral``, ``qwen2_moe``, ``qwen3_moe``,
``olmoe``, ``deepseek_v3`` (tested with ``transformers`` 5.x on tiny
random-init models; ``tests/test_integration_transformers.py``).  Other
models raise ``ValueError`` naming their type.

Saving and loading: ``model.save_pretrained(path)`` writes the routers'
parameters and buffers with the rest, and :func:`swap_routers` records its
arguments in ``model.config.bingham_routers``; :func:`from_pretrained`
loads the rest with ``transformers``' own ``from_pretrained`` (which
converts the experts' saved layout), swaps the routers the same way and
loads their tensors back (strictly: a missing or unexpected router tensor
raises).  ``transformers``' ``from_pretrained`` alone would build the
original routers and drop the adapters' tensors.

Not yet here (issue 19): ``probe`` and ``adapt`` on these blocks,
torchtitan, ``torch.compile`` and multi-process tests.
"""
import json
import os

import torch

from .. import nn as bnn
from ._routing import ROUTER_KINDS, gate_weights, limited_topk, make_router

__all__ = ["RouterAdapter", "swap_routers", "from_pretrained",
           "SUPPORTED_MODEL_TYPES"]

# model_type -> (router class in the model's module, scoring, weights dtype:
# "float32" or the hidden states' dtype, as the original router returns)
_FAMILIES = {
    "mixtral": ("MixtralTopKRouter", "softmax", "float32"),
    "qwen2_moe": ("Qwen2MoeTopKRouter", "softmax", "hidden"),
    "qwen3_moe": ("Qwen3MoeTopKRouter", "softmax", "hidden"),
    "olmoe": ("OlmoeTopKRouter", "softmax", "hidden"),
    "deepseek_v3": ("DeepseekV3TopkRouter", "sigmoid", "float32"),
}
SUPPORTED_MODEL_TYPES = tuple(sorted(_FAMILIES))


class RouterAdapter(bnn.Float32Module):
    """A library router behind the interface of a ``transformers`` MoE
    router (built by :func:`swap_routers`; see the module documentation
    for the conventions).

    Attributes
    ----------
    router : bingham_torch.nn.Router
        The library router: its ``temperature`` buffer is the post-hoc
        sparsity knob, its ``certificate()`` the bounds (on request; no
        forward computes it).
    last_tokens_per_expert : Tensor or None
        The loads of the last forward (detached), for :meth:`update_bias`.
    last_aux : dict
        Extra terms of the last forward: ``"kl"`` for the uncertain router
        (add it to the loss with a weight of your choice).
    """

    def __init__(self, kind, router_kwargs, *, hidden_dim, num_experts, top_k,
                 scoring, renormalize, weights_dtype, scaling=1.0,
                 n_group=1, topk_group=1, bias_update_rate=0.0):
        super().__init__()
        self.kind = kind
        self.hidden_dim = int(hidden_dim)
        self.num_experts = int(num_experts)
        self.top_k = int(top_k)
        self.scoring = scoring
        self.renormalize = bool(renormalize)
        self.weights_dtype = weights_dtype
        self.scaling = float(scaling)
        self.n_group = int(n_group)
        self.topk_group = int(topk_group)
        if self.num_experts % self.n_group:
            raise ValueError(f"n_group={n_group} must divide the number of "
                             f"experts {num_experts}")
        self.router = make_router(kind, self.hidden_dim, self.num_experts,
                                   self.top_k, router_kwargs)
        if scoring == "sigmoid":
            self.bias_update_rate = float(bias_update_rate)
            self.register_buffer("e_score_correction_bias",
                                 torch.zeros(self.num_experts))
        self.last_tokens_per_expert = None
        self.last_aux = {}

    def extra_repr(self):
        return (f"kind={self.kind!r}, experts={self.num_experts}, "
                f"top_k={self.top_k}, scoring={self.scoring!r}, "
                f"renormalize={self.renormalize}")

    @torch.no_grad()
    def reset_parameters(self):
        """Parameters and buffers (temperature, biases, tau) as at
        construction, e.g. after a meta-device ``to_empty``."""
        self.router.reset_parameters()
        if self.scoring == "sigmoid":
            self.e_score_correction_bias.zero_()

    def _select(self, logits):
        """``(weights, indices)`` by the model's convention."""
        if self.scoring == "sigmoid":
            scores = torch.sigmoid(logits)
            choice = scores.detach() + self.e_score_correction_bias.to(
                scores.dtype)
            indices = limited_topk(choice, self.top_k, self.n_group,
                                   self.topk_group)
            return gate_weights(scores, indices, self.renormalize,
                                self.scaling, eps=1e-20), indices
        probs = torch.softmax(logits, dim=-1)
        # the library's balancing bias (zero unless updated) for selection
        choice = logits.detach() + self.router.bias.to(logits.dtype)
        indices = limited_topk(choice, self.top_k)
        return gate_weights(probs, indices, self.renormalize), indices

    def forward(self, hidden_states):
        x = hidden_states.reshape(-1, self.hidden_dim)
        math_dtype = torch.float64 if x.dtype == torch.float64 \
            else torch.float32
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = x.to(math_dtype)
            logits = self.router.compute_logits(x) \
                / self.router.temperature.to(math_dtype)
            weights, indices = self._select(logits)
        indices = indices.contiguous()
        counts = torch.zeros(self.num_experts, dtype=torch.long,
                             device=indices.device)
        self.last_tokens_per_expert = counts.scatter_add(
            0, indices.reshape(-1), torch.ones_like(indices.reshape(-1)))
        self.last_aux = {}
        if self.kind == "uncertain":
            self.last_aux["kl"] = self.router.kl(x)
        out_dtype = math_dtype if self.weights_dtype == "float32" \
            else hidden_states.dtype
        return logits, weights.to(out_dtype), indices

    @torch.no_grad()
    def update_bias(self, tokens_per_expert=None):
        """Auxiliary-loss-free balancing, outside autograd, from the loads of
        the last forward (or the ones given), summed over the router's
        process group when one runs (call it on every rank).  DeepSeek-V3
        models move ``e_score_correction_bias`` by ``bias_update_rate``
        (the rate given to :func:`swap_routers`) towards balance; the
        others move the library router's selection ``bias`` (its
        ``bias_update_rate``)."""
        load = self.last_tokens_per_expert if tokens_per_expert is None \
            else tokens_per_expert
        if load is None:
            raise ValueError("tokens_per_expert is needed before the first "
                             "forward")
        load = torch.as_tensor(load).to(torch.float32)
        if load.shape != (self.num_experts,) or not torch.isfinite(load).all():
            raise ValueError(f"tokens_per_expert must hold "
                             f"{self.num_experts} finite loads, got "
                             f"{tuple(load.shape)}")
        # the global loads when a process group runs (every rank calls this
        # in its training loop, so the collective is matched)
        group = self.router.process_group
        if self.router.distributed and bnn._distributed(group):
            load = bnn._global_sum(load, False, group)
        if self.scoring == "sigmoid":
            bias = self.e_score_correction_bias
            bias += self.bias_update_rate * torch.sign(
                load.mean() - load).to(bias)
        else:
            self.router.update_bias(load)


def _install_logit_hook(adapter):
    """Record the adapter's logits for ``output_router_logits`` as
    ``transformers`` records its own routers' (its hooks match the router
    class, which the adapter is not, and are installed once per model)."""
    try:
        from transformers.utils.output_capturing import \
            install_output_capuring_hook as install
    except ImportError:
        try:
            from transformers.utils.output_capturing import \
                install_output_capturing_hook as install
        except ImportError:
            raise ImportError(
                "this transformers version has no output-capturing hooks "
                "that bingham_torch knows; install transformers 5.x "
                "(pip install bingham[hf])") from None
    install(adapter, "router_logits", 0)


def swap_routers(model, router="bingham", **router_kwargs):
    """Replace the router of every MoE block of ``model`` in place.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE or DeepSeek-V3 model (any
        head: ``...ForCausalLM``, the bare model).
    router : {"bingham", "uncertain", "eigenbasis", "softmax"}
        :class:`~bingham_torch.nn.BinghamRouter` (default ``rank =
        min(4, hidden_size)``), :class:`~bingham_torch.nn.UncertainBinghamRouter`,
        :class:`~bingham_torch.nn.EigenbasisRouter` (default ``n_basis =
        min(hidden_size, experts)``) or
        :class:`~bingham_torch.nn.SoftmaxTopKRouter`.
    **router_kwargs
        Passed to the router's constructor (e.g. ``rank``, ``tau``,
        ``init_concentration``, ``bias_update_rate``).  For DeepSeek-V3,
        ``bias_update_rate`` is the step of ``e_score_correction_bias`` in
        :meth:`RouterAdapter.update_bias`.

    Returns
    -------
    model
        The same object, its routers replaced (on the model's device; the
        routers in float32, or float64 for a float64 model).

    Raises
    ------
    ValueError
        For an unsupported ``config.model_type`` (named), an unknown
        ``router``, or a model without MoE blocks.
    """
    config = getattr(model, "config", None)
    model_type = getattr(config, "model_type", None)
    if model_type not in _FAMILIES:
        raise ValueError(
            f"swap_routers supports config.model_type in "
            f"{list(SUPPORTED_MODEL_TYPES)}, got {model_type!r} "
            f"({type(model).__name__})")
    if router not in ROUTER_KINDS:
        raise ValueError(f"router must be one of {list(ROUTER_KINDS)}, got "
                         f"{router!r}")
    cls_name, scoring, weights_dtype = _FAMILIES[model_type]
    import importlib
    where = f"transformers.models.{model_type}.modeling_{model_type}"
    router_cls = getattr(importlib.import_module(where), cls_name, None)
    if router_cls is None:
        raise ValueError(f"{model_type}: {cls_name} not found in {where} "
                         f"(an unsupported transformers version?)")
    blocks = [m for m in model.modules()
              if isinstance(getattr(m, "gate", None),
                            (router_cls, RouterAdapter))]
    if not blocks:
        raise ValueError(f"{type(model).__name__} has no {cls_name} to "
                         f"replace (no MoE block)")
    for block in blocks:
        old = block.gate
        ref = next(old.parameters())
        dtype = torch.float64 if ref.dtype == torch.float64 \
            else torch.float32
        kwargs = dict(router_kwargs)
        rate = kwargs.pop("bias_update_rate", 0.0) \
            if scoring == "sigmoid" else 0.0
        adapter = RouterAdapter(
            router, kwargs, hidden_dim=old.hidden_dim,
            num_experts=old.num_experts, top_k=old.top_k, scoring=scoring,
            renormalize=_renormalizes(old, model_type),
            weights_dtype=weights_dtype,
            scaling=getattr(old, "routed_scaling_factor",
                            getattr(old, "scaling", 1.0)),
            n_group=getattr(old, "num_group", getattr(old, "n_group", 1)),
            topk_group=getattr(old, "topk_group", 1),
            bias_update_rate=rate)
        adapter.to(device=ref.device, dtype=dtype)
        _install_logit_hook(adapter)
        block.gate = adapter
    # what from_pretrained needs to swap again (a process group or a
    # generator belongs to the run, not to the checkpoint)
    saved = {k: v for k, v in router_kwargs.items()
             if k not in ("process_group", "generator")}
    try:
        json.dumps(saved)
        config.bingham_routers = {"router": router, "kwargs": saved}
    except TypeError:
        config.bingham_routers = None
    return model


def _checkpoint_tensors(path):
    """Every tensor of a ``save_pretrained`` directory (one safetensors file
    or an index of shards)."""
    from safetensors.torch import load_file
    single = os.path.join(path, "model.safetensors")
    if os.path.exists(single):
        return load_file(single)
    index = os.path.join(path, "model.safetensors.index.json")
    if not os.path.exists(index):
        raise ValueError(f"path={path!r} holds no model.safetensors or "
                         f"model.safetensors.index.json")
    with open(index) as fh:
        shards = sorted(set(json.load(fh)["weight_map"].values()))
    state = {}
    for shard in shards:
        state.update(load_file(os.path.join(path, shard)))
    return state


def _router_tensors(state, name, adapter):
    """The checkpoint tensors of the adapter at ``name`` (``...<block>.gate``),
    keyed as in its ``state_dict``.  ``save_pretrained`` may write the block
    under its original checkpoint name (Mixtral's ``mlp`` as
    ``block_sparse_moe``): the block component is matched if it is the only
    one under the same parent holding a ``gate`` with these tensors."""
    parts = name.split(".")
    parent, block, leaf = ".".join(parts[:-2]), parts[-2], parts[-1]
    wanted = set(adapter.state_dict())
    found = {}
    head = parent + "." if parent else ""
    for key, value in state.items():
        if not key.startswith(head):
            continue
        rest = key[len(head):].split(".", 2)
        if len(rest) == 3 and rest[1] == leaf and rest[2] in wanted:
            found.setdefault(rest[0], {})[rest[2]] = value
    if block in found:
        return found[block]
    if len(found) == 1:
        return next(iter(found.values()))
    return {}


def from_pretrained(path, model_class=None, **config_kwargs):
    """Load a model saved with ``save_pretrained`` after
    :func:`swap_routers`: the routers as they were trained.

    Parameters
    ----------
    path : str
        The directory ``save_pretrained`` wrote.
    model_class : class, optional
        A ``transformers`` model class (default
        ``AutoModelForCausalLM``).
    **config_kwargs
        Passed to ``AutoConfig.from_pretrained``.

    Raises
    ------
    ValueError
        If the checkpoint's config records no swapped routers (load it with
        ``transformers``' own ``from_pretrained``, then call
        :func:`swap_routers`), or a tensor is missing or unexpected.
    """
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.utils import logging as hf_logging
    config = AutoConfig.from_pretrained(path, **config_kwargs)
    spec = getattr(config, "bingham_routers", None)
    if not spec:
        raise ValueError(
            f"the config at path={path!r} records no swapped routers: load "
            f"it with transformers' from_pretrained, then call swap_routers")
    # transformers loads (and converts) everything but the routers: it
    # reports their tensors as unexpected and the original gates as
    # missing, which the swap below settles
    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        model = (model_class or AutoModelForCausalLM).from_pretrained(
            path, config=config)
    finally:
        hf_logging.set_verbosity(level)
    swap_routers(model, spec["router"], **spec["kwargs"])
    state = _checkpoint_tensors(path)
    for name, module in model.named_modules():
        if not isinstance(module, RouterAdapter):
            continue
        own = _router_tensors(state, name, module)
        result = module.load_state_dict(own, strict=False)
        if result.missing_keys or result.unexpected_keys:
            raise ValueError(
                f"the checkpoint at path={path!r} does not match the "
                f"router {name}: missing {result.missing_keys[:5]}, "
                f"unexpected {result.unexpected_keys[:5]}")
    return model.eval()


def _renormalizes(old, model_type):
    """Whether the model renormalises its top-k weights (an adapter being
    replaced again keeps its setting)."""
    if isinstance(old, RouterAdapter):
        return old.renormalize
    return True if model_type == "mixtral" else bool(old.norm_topk_prob)
