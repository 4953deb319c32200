"""bingham_torch.integrations.transformers on tiny random-init models of
every supported family (hidden size 64, 2 layers, 8 experts, built from
configs; no downloads)."""
import os
import warnings

import numpy as np
import pytest
import torch
import transformers as tf
from transformers.models.mixtral.modeling_mixtral import \
    load_balancing_loss_func

from bingham_torch.integrations.transformers import (RouterAdapter,
                                                     from_pretrained,
                                                     swap_routers)

COMMON = dict(vocab_size=97, hidden_size=64, intermediate_size=96,
              num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=64,
              bos_token_id=1, eos_token_id=2, pad_token_id=0)
CONFIGS = {
    "mixtral": lambda: tf.MixtralConfig(
        **COMMON, num_local_experts=8, num_experts_per_tok=2),
    "qwen2_moe": lambda: tf.Qwen2MoeConfig(
        **COMMON, num_experts=8, num_experts_per_tok=2,
        moe_intermediate_size=32, shared_expert_intermediate_size=64),
    "qwen3_moe": lambda: tf.Qwen3MoeConfig(
        **COMMON, num_experts=8, num_experts_per_tok=2,
        moe_intermediate_size=32, head_dim=16, norm_topk_prob=True),
    "olmoe": lambda: tf.OlmoeConfig(
        **COMMON, num_experts=8, num_experts_per_tok=2,
        norm_topk_prob=False),
    "deepseek_v3": lambda: tf.DeepseekV3Config(
        **COMMON, n_routed_experts=8, num_experts_per_tok=2,
        moe_intermediate_size=32, n_group=2, topk_group=1,
        first_k_dense_replace=0, kv_lora_rank=16, q_lora_rank=32,
        qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=16,
        n_shared_experts=1, routed_scaling_factor=2.5),
}
FAMILIES = sorted(CONFIGS)


def build(family, seed=0):
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tf.AutoModelForCausalLM.from_config(CONFIGS[family]())


def gates(model):
    return [m.gate for m in model.modules() if hasattr(m, "gate")
            and m.gate.__class__.__name__.endswith(("Router", "Adapter"))]


def ids(seed=1, shape=(2, 12)):
    return torch.randint(3, 97, shape,
                         generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("family", FAMILIES)
def test_softmax_adapter_reproduces_the_original_router(family):
    """With the original gate's weights, the adapter's softmax router gives
    the original triple (logits, the model's weight convention, the same
    experts) and the same model output: the contract is kept."""
    model = build(family).eval()
    old = gates(model)
    with torch.no_grad():
        for g in old:
            g.weight.normal_(0.0, 0.5)
            if hasattr(g, "e_score_correction_bias"):
                g.e_score_correction_bias.uniform_(-0.2, 0.2)
    h = torch.randn(10, 64, generator=torch.Generator().manual_seed(3))
    ref = [g(h) for g in old]
    x = ids()
    with torch.no_grad():
        ref_logits = model(x).logits
    swap_routers(model, "softmax")
    new = gates(model)
    assert all(isinstance(g, RouterAdapter) for g in new)
    with torch.no_grad():
        for g, o in zip(new, old):
            g.router.gate.weight.copy_(o.weight)
            if hasattr(o, "e_score_correction_bias"):
                g.e_score_correction_bias.copy_(o.e_score_correction_bias)
    for g, (logits, weights, index) in zip(new, ref):
        l2, w2, i2 = g(h)
        torch.testing.assert_close(l2, logits.float())
        assert i2.is_contiguous() and i2.dtype == torch.int64
        order, order2 = index.sort(-1), i2.sort(-1)
        assert torch.equal(order.values, order2.values)
        torch.testing.assert_close(w2.gather(1, order2.indices),
                                   weights.gather(1, order.indices))
        assert w2.dtype == weights.dtype
    with torch.no_grad():
        torch.testing.assert_close(model(x).logits, ref_logits)


@pytest.mark.parametrize("family", FAMILIES)
def test_bingham_routers_train_and_keep_the_aux_loss(family):
    """Swap, forward, backward, 20 AdamW steps with the loss falling; the
    model's aux loss is its own definition on the adapters' logits."""
    model = build(family)
    swap_routers(model, "bingham", rank=4)
    model.train()
    x = ids()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(20):
        out = model(x, labels=x, output_router_logits=True)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        losses.append(out.loss.item())
    assert all(map(torch.isfinite, map(torch.tensor, losses)))
    assert losses[-1] < losses[0] - 0.5
    router = gates(model)[0].router
    assert router.frame_raw.grad is not None
    assert router.concentration_raw.grad.abs().sum() > 0
    assert len(out.router_logits) == 2
    if family == "deepseek_v3":
        return   # DeepSeek-V3 balances by its bias, with no aux loss
    E, k = 8, 2
    # Switch loss over the pooled layers, written out: E sum_e f_e P_e,
    # f_e the share of the k selections per token, P_e the mean probability
    logits = torch.cat(out.router_logits).detach()
    probs = torch.softmax(logits, -1)
    top = probs.topk(k, -1).indices
    f = torch.zeros(E).scatter_add(0, top.reshape(-1),
                                   torch.ones(top.numel())) / logits.shape[0]
    expected = E * (f * probs.mean(0)).sum()
    torch.testing.assert_close(out.aux_loss.detach(), expected)
    torch.testing.assert_close(
        load_balancing_loss_func(out.router_logits, E, k), out.aux_loss)


def test_router_logits_recorded_when_swapped_after_a_first_call():
    """transformers installs its recording hooks on the first call with
    output_router_logits; a swap after it still records the new routers."""
    model = build("mixtral").eval()
    x = ids()
    with torch.no_grad():
        model(x, output_router_logits=True)
        swap_routers(model, "bingham")
        out = model(x, output_router_logits=True)
    assert len(out.router_logits) == 2
    h = torch.randn(5, 64)
    torch.testing.assert_close(gates(model)[0](h)[0],
                               gates(model)[0].router.compute_logits(h))


@pytest.mark.parametrize("family", FAMILIES)
def test_generate(family):
    model = build(family).eval()
    swap_routers(model, "uncertain", rank=2)
    out = model.generate(ids(shape=(1, 4)), max_new_tokens=5,
                         do_sample=False)
    assert out.shape == (1, 9)
    assert "kl" in gates(model)[0].last_aux


@pytest.mark.parametrize("family", FAMILIES)
def test_save_and_load_back(family, tmp_path):
    """Round trip through save_pretrained (Mixtral's blocks are saved under
    their original name, block_sparse_moe) and from_pretrained."""
    model = build(family)
    swap_routers(model, "bingham", rank=3, tau=2.0)
    with torch.no_grad():
        for g in gates(model):
            g.router.temperature.fill_(0.7)
            if hasattr(g, "e_score_correction_bias"):
                g.e_score_correction_bias.uniform_(-0.1, 0.1)
    model.eval()
    x = ids()
    with torch.no_grad():
        ref = model(x).logits
    model.save_pretrained(tmp_path)
    loaded = from_pretrained(str(tmp_path))
    g = gates(loaded)[0]
    assert isinstance(g, RouterAdapter) and g.router.rank == 3
    assert float(g.router.temperature) == pytest.approx(0.7)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x).logits, ref, rtol=0, atol=0)


def test_from_pretrained_refuses_an_unswapped_checkpoint(tmp_path):
    build("olmoe").save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="records no swapped routers"):
        from_pretrained(str(tmp_path))


@pytest.mark.parametrize("family", FAMILIES)
def test_low_precision_model_keeps_the_router_in_float32(family):
    model = build(family)
    swap_routers(model, "bingham")
    model.to(torch.bfloat16)
    g = gates(model)[0]
    assert all(p.dtype == torch.float32 for p in g.parameters())
    assert all(b.dtype == torch.float32 for b in g.buffers())
    with torch.no_grad():
        out = model(ids()).logits
    assert out.dtype == torch.bfloat16 and torch.isfinite(out).all()
    cert = g.router.certificate()
    assert torch.isfinite(cert["entropy_floor"])
    # autocast does not reach the router's math: the same experts
    h = torch.randn(32, 64)
    plain = g(h)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        cast = g(h)
    assert torch.equal(plain[2], cast[2])
    torch.testing.assert_close(plain[0], cast[0])


def test_meta_device_initialisation_then_reset():
    with torch.device("meta"):
        model = build("mixtral")
    swap_routers(model, "bingham", tau=3.0)
    model.to_empty(device="cpu")
    for g in gates(model):
        g.reset_parameters()
        assert float(g.router.temperature) == 1.0
        assert float(g.router.tau) == 3.0
        assert torch.all(g.router.bias == 0)
        assert torch.isfinite(g.router.frame_raw).all()
    with torch.no_grad():
        logits, w, i = gates(model)[0](torch.randn(4, 64))
    assert torch.isfinite(logits).all() and torch.isfinite(w).all()


def test_deepseek_bias_update_moves_the_correction_bias():
    model = build("deepseek_v3")
    swap_routers(model, "bingham", bias_update_rate=0.01)
    g = gates(model)[0]
    with torch.no_grad():
        model(ids())
    load = g.last_tokens_per_expert
    assert int(load.sum()) == 2 * 12 * 2
    g.update_bias()
    b = g.e_score_correction_bias
    assert torch.all((b > 0) == (load.float() < load.float().mean()))
    with pytest.raises(ValueError, match="tokens_per_expert"):
        g.update_bias(torch.tensor([float("nan")] * 8))


def test_unsupported_models_and_routers_are_named():
    cfg = tf.LlamaConfig(**COMMON)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        llama = tf.AutoModelForCausalLM.from_config(cfg)
    with pytest.raises(ValueError, match="'llama'"):
        swap_routers(llama)
    with pytest.raises(ValueError, match="router must be one of"):
        swap_routers(build("olmoe"), "linear")


@pytest.mark.parametrize("family,swap", [("qwen2_moe", False),
                                         ("deepseek_v3", True),
                                         ("mixtral", True)])
def test_probe_a_block_of_a_whole_model(family, swap):
    """probe(model, input_ids, layer=i) captures the block's input by a
    hook, reads the fused experts, and reports shared experts apart."""
    from bingham_torch.diagnostics import adapt, block_inputs, probe
    model = build(family).eval()
    if swap:
        swap_routers(model, "bingham")
    x = ids()
    report = probe(model, x, layer=1, r=4)
    assert report.jacobian_spectra.shape == (8, 24, 4)
    assert np.isfinite(report.jacobian_spectra).all()
    assert np.isfinite(report.alignment).all()
    shared = {"qwen2_moe": "shared_expert", "deepseek_v3": "shared_experts"}
    if family in shared:
        assert list(report.extra["shared_experts"]) == [shared[family]]
    else:
        assert "shared_experts" not in report.extra
    assert (report.consistency is not None) == swap
    # each expert callable is the model's own expert: its fused forward
    # with every token sent to that expert at weight 1
    block, tokens = block_inputs(model, x, 1)
    adapter = adapt(block)
    for e in (0, 5):
        ones = torch.ones(tokens.shape[0], 1)
        route = torch.full((tokens.shape[0], 1), e, dtype=torch.long)
        with torch.no_grad():
            torch.testing.assert_close(adapter.experts[e](tokens),
                                       block.experts(tokens, route, ones))
    # the dense routing weights are the gate's own selection
    with torch.no_grad():
        _, w, i = block.gate(tokens)
        dense = adapter.route(tokens)
    assert torch.equal((dense > 0).sum(1), torch.full((24,), 2))
    torch.testing.assert_close(dense.gather(1, i), w.float())
    with pytest.raises(ValueError, match="layer must be"):
        probe(model, x, layer=5)


def train_steps(family, wrap=lambda m: m, rank=0, world=1, steps=3):
    """A swapped model of ``family`` trained for ``steps`` AdamW steps on
    this rank's share of a fixed batch, the balancing bias updated after
    each (from the global loads under a process group); returns the final
    parameters and biases (DeepSeek-V3's e_score_correction_bias, the
    library router's selection bias for the others)."""
    model = build(family)
    swap_routers(model, "bingham", rank=2, bias_update_rate=0.05)
    net = wrap(model)
    x = ids(shape=(4, 12)).chunk(world)[rank]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for _ in range(steps):
        loss = net(x, labels=x).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        for g in gates(model):
            g.update_bias()
    return {"params": {n: p.detach().clone()
                       for n, p in model.named_parameters()},
            "bias": [g.e_score_correction_bias.clone()
                     if family == "deepseek_v3" else g.router.bias.clone()
                     for g in gates(model)]}


def test_ddp_under_torchrun(tmp_path):
    """Two gloo ranks under torchrun, each with half of the batch, end with
    the parameters and balancing biases of one process with the whole
    batch, for every supported family (one torchrun run): the gradients
    are averaged by DDP and the biases move with the global loads."""
    import socket
    import subprocess
    import sys
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = str(tmp_path / "state")
    worker = __file__.replace("test_integration_transformers.py",
                              "ddp_worker_transformers.py")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run([sys.executable, "-m", "torch.distributed.run",
                    "--nproc_per_node=2", f"--master_port={port}",
                    worker, out, *FAMILIES], check=True, env=env,
                   timeout=900, capture_output=True)
    for family in FAMILIES:
        ref = train_steps(family)
        for rank in range(2):
            got = torch.load(f"{out}.{family}.{rank}")
            for a, b in zip(got["bias"], ref["bias"]):
                torch.testing.assert_close(a, b, msg=family)
            assert any(b.abs().max() > 0 for b in ref["bias"]), family
            for name, p in ref["params"].items():
                torch.testing.assert_close(got["params"][name], p,
                                           rtol=1e-4, atol=1e-5,
                                           msg=f"{family}: {name}")


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_compiled_swapped_model_matches_eager(family):
    """torch.compile(fullgraph=True) of a swapped model: the same loss
    and router gradients as eager (30-90 s of compilation each)."""
    model = build(family)
    swap_routers(model, "bingham")
    x = ids()
    loss = model(x, labels=x).loss
    loss.backward()
    router = gates(model)[0].router
    ref = router.concentration_raw.grad.clone()
    model.zero_grad()
    compiled = torch.compile(model, fullgraph=True)
    loss2 = compiled(x, labels=x).loss
    loss2.backward()
    torch.testing.assert_close(loss2, loss)
    torch.testing.assert_close(router.concentration_raw.grad, ref)


def test_the_models_own_initialisation_leaves_the_routers_sane():
    """transformers' _init_weights walks every module: the adapters pass
    through it (no AttributeError) with finite parameters and their
    buffers intact."""
    model = build("olmoe")
    swap_routers(model, "softmax")
    model.apply(model._init_weights)
    for g in gates(model):
        assert float(g.router.temperature) == 1.0
        assert torch.isfinite(g.router.gate.weight).all()
    with torch.no_grad():
        assert torch.isfinite(model(ids()).logits).all()
