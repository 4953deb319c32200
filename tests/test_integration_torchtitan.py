"""bingham_torch.integrations.torchtitan against torchtitan 0.3's own MoE
module on CPU (dim 32, 8 experts)."""
from functools import partial

import pytest
import torch
from torchtitan.models.common import moe as titan
from torchtitan.models.common.linear import Linear
from torchtitan.models.common.token_dispatcher import LocalTokenDispatcher

from bingham_torch.integrations.torchtitan import TokenChoiceRouter

D, E, K = 32, 8, 2
INIT = partial(torch.nn.init.trunc_normal_, std=0.5)


def moe_config(router=None, **router_options):
    """torchtitan's MoE config with its own router, or ``router`` (a
    TokenChoiceRouter.Config)."""
    experts = titan.GroupedExperts.Config(
        dim=D, hidden_dim=48, num_experts=E,
        param_init={n: INIT for n in ("w1_EFD", "w2_EDF", "w3_EFD")})
    if router is None:
        router = titan.TokenChoiceTopKRouter.Config(
            num_experts=E, top_k=K, **router_options,
            gate=Linear.Config(in_features=D, out_features=E,
                               param_init={"weight": INIT}))
    return titan.MoE.Config(
        num_experts=E, router=router,
        routed_experts=titan.RoutedExperts.Config(
            inner_experts=experts,
            token_dispatcher=LocalTokenDispatcher.Config(num_experts=E,
                                                         top_k=K)))


def build(config):
    """torchtitan's way: on the meta device, then to_empty and
    init_states."""
    torch.manual_seed(0)
    with torch.device("meta"):
        moe = config.build()
    moe.to_empty(device="cpu")
    moe.init_states(buffer_device=torch.device("cpu"))
    return moe


@pytest.mark.parametrize("options", [
    dict(score_func="softmax"),
    dict(score_func="softmax", route_norm=True),
    dict(score_func="sigmoid", route_norm=True, route_scale=2.5,
         num_expert_groups=2, num_limited_groups=1),
])
def test_softmax_router_reproduces_torchtitans(options):
    """With torchtitan's gate weights, the library's softmax router behind
    TokenChoiceRouter gives torchtitan's router triple (expert bias
    included) and the same MoE output."""
    moe = build(moe_config(**options))
    with torch.no_grad():
        moe.expert_bias_E.uniform_(-0.05, 0.05)
    x = torch.randn(3, 5, D, generator=torch.Generator().manual_seed(1))
    ref = moe.router(x, moe.expert_bias_E)
    with torch.no_grad():
        ref_out = moe(x)
    ours = TokenChoiceRouter.Config(dim=D, num_experts=E, top_k=K,
                                    router="softmax", **options).build()
    with torch.no_grad():
        ours.router.gate.weight.copy_(moe.router.gate.weight)
    moe.router = ours
    got = moe.router(x, moe.expert_bias_E)
    assert got[1].is_contiguous() and got[1].dtype == torch.int64
    assert [t.shape for t in got] == [t.shape for t in ref]
    order, order2 = ref[1].sort(-1), got[1].sort(-1)
    assert torch.equal(order.values, order2.values)
    torch.testing.assert_close(got[0].gather(-1, order2.indices),
                               ref[0].gather(-1, order.indices))
    torch.testing.assert_close(got[2], ref[2])
    with torch.no_grad():
        torch.testing.assert_close(moe(x), ref_out)


def test_bingham_router_in_a_meta_initialised_moe():
    """Built from a config on the meta device, the router's parameters and
    buffers are set by torchtitan's init_states (no garbage); the MoE
    trains, and the expert bias steers the choice only."""
    cfg = TokenChoiceRouter.Config(dim=D, num_experts=E, top_k=K,
                                   router="bingham",
                                   router_kwargs={"rank": 3, "tau": 2.0})
    moe = build(moe_config(router=cfg))
    r = moe.router.router
    assert float(r.temperature) == 1.0 and float(r.tau) == 2.0
    assert torch.all(r.bias == 0)
    assert torch.isfinite(r.frame_raw).all()
    assert torch.isfinite(r.concentration_raw).all()
    assert float(r.concentrations().detach().mean()) == pytest.approx(
        4.0, rel=0.2)
    x = torch.randn(2, 6, D)
    moe.train()
    y = moe(x)
    y.pow(2).mean().backward()
    assert r.concentration_raw.grad.abs().sum() > 0
    assert int(moe.tokens_per_expert_E.sum()) == 2 * 6 * K
    # a large bias on expert 3 puts it in every token's choice; the
    # weights stay the router's own scores
    bias = torch.zeros(E)
    bias[3] = 10.0
    w, ids, scores = moe.router(x, bias)
    assert (ids == 3).any(-1).all()
    torch.testing.assert_close(w, scores.gather(-1, ids))


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="score_func"):
        TokenChoiceRouter.Config(dim=D, num_experts=E, score_func="relu"
                                 ).build()
    with pytest.raises(ValueError, match="num_expert_groups"):
        TokenChoiceRouter.Config(dim=D, num_experts=E, num_expert_groups=3,
                                 num_limited_groups=1).build()


@pytest.mark.parametrize("ours", [False, True])
def test_probe_and_adapt_on_torchtitans_moe(ours):
    """adapt() reads torchtitan's MoE: the dense routing weights times the
    expert callables rebuild the module's output; probe() runs on it."""
    from bingham_torch.diagnostics import adapt, probe
    cfg = TokenChoiceRouter.Config(dim=D, num_experts=E, top_k=K,
                                   router="bingham") if ours else None
    moe = build(moe_config(router=cfg, score_func="softmax", route_norm=True)
                if not ours else moe_config(router=cfg))
    moe.eval()
    with torch.no_grad():
        moe.expert_bias_E.uniform_(-0.05, 0.05)
    x = torch.randn(20, D, generator=torch.Generator().manual_seed(2))
    adapter = adapt(moe)
    with torch.no_grad():
        dense = adapter.route(x)
        rebuilt = sum(dense[:, e:e + 1] * adapter.experts[e](x)
                      for e in range(E))
        out = moe(x[None])[0]
    # torchtitan's grouped experts multiply in bfloat16 (8 bits)
    scale = float(out.abs().max())
    torch.testing.assert_close(rebuilt, out, rtol=0, atol=0.03 * scale)
    assert torch.equal((dense > 0).sum(1), torch.full((20,), K))
    report = probe(moe, x, r=4, subspace_dim=2)
    assert report.jacobian_spectra.shape == (E, 20, 4)
    assert (report.consistency is not None) == ours
