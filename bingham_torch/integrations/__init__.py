"""Adapters that put the library's routers into other projects' models.

* :mod:`.transformers`: :func:`~.transformers.swap_routers` replaces the
  router of every MoE block of a Hugging Face ``transformers`` model
  (Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE, DeepSeek-V3), keeping the model's
  own output contract (install with ``pip install bingham[hf]``);
* :mod:`.torchtitan`: :class:`~.torchtitan.TokenChoiceRouter`, the
  library's routers as torchtitan's token-choice top-k router.

Nothing here is imported by ``bingham_torch`` itself: importing an
integration is the only thing that imports its project.
"""
