"""Routers and the MoE layer: the output contract, determinism, gradients,
compile, the eigenbasis equivalence, certificates, balancing, calibration,
sparse dispatch, state_dict."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from bingham_torch import functional as bt_functional  # noqa: E402
from bingham_torch import nn as bnn  # noqa: E402


def routers(d=16, E=6, top_k=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [bnn.BinghamRouter(d, E, 3, top_k=top_k, generator=g),
            bnn.BinghamRouter(d, E, 3, top_k=top_k, normalizer=False,
                              shared_frame=True, generator=g),
            bnn.EigenbasisRouter(d, E, 5, top_k=top_k, generator=g),
            bnn.SoftmaxTopKRouter(d, E, top_k=top_k),
            bnn.BinghamRouter(d, E, 3, top_k=top_k, token_rank=2,
                              generator=g)]


@pytest.mark.parametrize("i", range(5))
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16,
                                   torch.float64])
def test_output_contract(i, dtype):
    r = routers()[i]
    h = torch.randn(3, 10, 16).to(dtype)
    out = r(h)
    math_dtype = torch.float64 if dtype == torch.float64 else torch.float32
    assert out.logits.shape == (30, 6) and out.logits.dtype == math_dtype
    assert out.weights.shape == (30, 2) and out.indices.shape == (30, 2)
    torch.testing.assert_close(out.weights.sum(-1),
                               torch.ones(30, dtype=math_dtype))
    assert out.tokens_per_expert.sum().item() == 60
    for key in ("load_balancing_loss", "z_loss", "entropy"):
        assert out.aux[key].ndim == 0 and torch.isfinite(out.aux[key])
    r.top_k = None
    out = r(h)
    assert out.indices is None and out.weights.shape == (30, 6)


def test_ties_go_to_the_lower_index_and_selection_is_deterministic():
    r = bnn.SoftmaxTopKRouter(8, 5, top_k=2)
    with torch.no_grad():
        r.gate.weight.zero_()
    out = r(torch.randn(4, 8))
    assert (out.indices == torch.tensor([0, 1])).all()
    rb = routers()[0]
    h = torch.randn(64, 16)
    full = rb(h)
    halves = [rb(h[:32]), rb(h[32:])]
    assert torch.equal(full.indices, torch.cat([o.indices for o in halves]))
    torch.testing.assert_close(full.weights,
                               torch.cat([o.weights for o in halves]))


@pytest.mark.parametrize("i", range(5))
def test_gradcheck_through_the_routers(i):
    r = routers()[i].double()
    h = torch.randn(5, 16, dtype=torch.float64, requires_grad=True)

    def f(x):
        out = r(x)
        return (out.weights, out.aux["load_balancing_loss"],
                out.aux["z_loss"], out.aux["entropy"])
    assert torch.autograd.gradcheck(f, (h,))
    params = [p for p in r.parameters() if p.requires_grad]
    out = r(h.detach())
    loss = out.weights.sum() + out.aux["z_loss"] + out.aux["entropy"]
    grads = torch.autograd.grad(loss, params)
    assert all(torch.isfinite(gp).all() for gp in grads)


@pytest.mark.parametrize("i", range(5))
def test_compile_fullgraph(i):
    r = routers()[i]
    h = torch.randn(20, 16)
    compiled = torch.compile(r, fullgraph=True, backend="aot_eager")
    a, b = r(h), compiled(h)
    torch.testing.assert_close(a.logits, b.logits)
    assert torch.equal(a.indices, b.indices)


def test_bingham_router_reproduces_the_eigenbasis_router():
    e = bnn.EigenbasisRouter(16, 6, 5, top_k=2)
    b = bnn.BinghamRouter(16, 6, 5, top_k=2, normalizer=False,
                          shared_frame=True)
    with torch.no_grad():
        b.frame_raw.copy_(e.basis_raw)
        b.concentration_raw.copy_(e.weight_raw)
    h = torch.randn(50, 16)
    torch.testing.assert_close(b(h).logits, e(h).logits, rtol=1e-6,
                               atol=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_certificates_are_never_violated(seed):
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    E = int(rng.integers(2, 9))
    token_rank = 1 if seed < 5 else 2
    scale = 1.0 if token_rank == 1 else 0.2
    r = bnn.BinghamRouter(12, E, int(rng.integers(1, 5)), top_k=2,
                          init_concentration=float(rng.uniform(0.5, 20)),
                          tau=scale * float(rng.uniform(0.2, 3)),
                          token_rank=token_rank, generator=g,
                          learn_prior=True).double()
    with torch.no_grad():
        r.log_prior.copy_(torch.tensor(rng.normal(0, 1, E)))
    U = r.frames().detach()
    # random tokens and the experts' own directions (the Ky Fan extremes)
    h = torch.cat([torch.randn(300, 12, dtype=torch.float64),
                   U.permute(0, 2, 1).reshape(-1, 12)])
    out = r(h)
    cert = r.certificate()
    p = torch.softmax(out.logits, -1)
    assert (out.logits.max(-1).values - out.logits.min(-1).values
            <= cert["R"] + 1e-9).all()
    assert (p.min(-1).values >= cert["min_gate"] * (1 - 1e-9)).all()
    H = -(p * torch.log(p)).sum(-1)
    assert (H >= cert["entropy_floor"] - 1e-9).all()
    assert (p.topk(2, -1).values.sum(-1)
            <= cert["topk_mass_ceiling"] + 1e-12).all()


def test_balancing_bias_changes_selection_not_weights():
    r = bnn.BinghamRouter(16, 4, 2, top_k=1, bias_update_rate=10.0)
    h = torch.randn(200, 16)
    out = r(h)
    r.update_bias(out.tokens_per_expert)
    assert abs(r.bias.sum().item()) < 1e-5
    out2 = r(h)
    torch.testing.assert_close(out2.logits, out.logits)
    # the bias moved load towards the under-loaded experts
    under = out.tokens_per_expert < out.tokens_per_expert.mean()
    assert (out2.tokens_per_expert[under]
            >= out.tokens_per_expert[under]).all()
    # weights are probabilities of the selected experts, bias-free
    probs = torch.softmax(out2.logits, -1).gather(-1, out2.indices)
    torch.testing.assert_close(out2.weights, probs / probs.sum(-1,
                                                               keepdim=True))


def test_state_dict_round_trip():
    r = routers()[0]
    r.tau.fill_(2.5)
    r.temperature.fill_(0.7)
    r.bias.copy_(torch.arange(6.0) - 2.5)
    sd = r.state_dict()
    assert {"tau", "temperature", "bias"} <= set(sd)
    r2 = routers(seed=9)[0]
    r2.load_state_dict(sd)
    h = torch.randn(30, 16)
    torch.testing.assert_close(r(h).logits, r2(h).logits)


def test_calibrate_reaches_targets_on_monotone_knobs():
    r = bnn.BinghamRouter(16, 16, 4, top_k=2)
    tokens = torch.randn(4096, 16)
    res = bnn.calibrate(r, tokens, target_entropy=1.2)
    assert abs(res["reached"] - 1.2) < 1e-6
    assert abs(r(tokens).aux["entropy"].item() - 1.2) < 1e-4
    res = bnn.calibrate(r, tokens, target_topk_mass=0.8)
    assert abs(res["reached"] - 0.8) < 1e-6
    # monotonicity that the bisection relies on
    Hs = []
    for T in np.geomspace(0.05, 20, 15):
        r.temperature.fill_(float(T))
        Hs.append(r(tokens).aux["entropy"].item())
    assert np.all(np.diff(Hs) >= -1e-6)
    with pytest.raises(ValueError):
        bnn.calibrate(r, tokens)


@pytest.mark.parametrize("top_k", [1, 2, None])
def test_moe_layer_sparse_dispatch_matches_dense(top_k):
    torch.manual_seed(3)
    r = bnn.BinghamRouter(16, 5, 2, top_k=top_k)
    layer = bnn.MoELayer(16, 24, 5, r)
    h = torch.randn(40, 16)
    y, out = layer(h)
    ref = torch.zeros_like(h)
    W = torch.zeros(40, 5)
    if top_k is None:
        W = out.weights
    else:
        W.scatter_(1, out.indices, out.weights)
    for e in range(5):
        ref += W[:, e: e + 1] * layer.expert(e, h)
    torch.testing.assert_close(y, ref, rtol=1e-5, atol=1e-6)
    y.sum().backward()
    assert layer.w1.grad is not None and r.frame_raw.grad is not None


def test_capacity_drops_and_metrics():
    torch.manual_seed(4)
    r = bnn.SoftmaxTopKRouter(8, 4, top_k=1)
    with torch.no_grad():
        r.gate.weight.zero_()
        r.gate.weight[0, 0] = 10.0          # expert 0 wants everything
    layer = bnn.MoELayer(8, 8, 4, r, capacity_factor=1.0)
    h = torch.randn(64, 8).abs()
    y, out = layer(h)
    m = bnn.routing_metrics(out)
    load0 = int(out.tokens_per_expert[0])
    assert m["dropped_tokens"].item() == max(0, load0 - math.ceil(64 / 4))
    assert m["dead_experts"].item() >= 1
    assert m["max_violation"].item() > 1.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="top_k"):
        bnn.BinghamRouter(8, 4, 2, top_k=5)
    with pytest.raises(ValueError, match="rank"):
        bnn.BinghamRouter(8, 4, 9)
    with pytest.raises(ValueError, match="token_rank"):
        bnn.BinghamRouter(8, 4, 2, token_rank=8)
    with pytest.raises(ValueError, match="token_rank"):
        bnn.UncertainBinghamRouter(8, 4, 2, token_rank=2)
    with pytest.raises(ValueError, match="normalizer_degree"):
        bnn.BinghamRouter(8, 4, 2, token_rank=2, normalizer_degree=0)
    with pytest.raises(ValueError, match="n_experts"):
        bnn.SoftmaxTopKRouter(8, 0)
    with pytest.raises(ValueError, match="n_experts"):
        bnn.MoELayer(8, 8, 3, bnn.SoftmaxTopKRouter(8, 4))


def _uncertain(kappa_bias=None, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = bnn.UncertainBinghamRouter(8, 4, 2, top_k=2, learn_prior=True,
                                   generator=g).double()
    with torch.no_grad():
        r.log_prior.copy_(torch.tensor([0.3, -0.2, 0.5, 0.0]))
        if kappa_bias is not None:
            r.kappa.bias.fill_(kappa_bias)
    return r


def test_uncertain_router_is_the_exact_posterior_predictive():
    from bingham import special
    from bingham.stats import matrix_bingham as mb
    r = _uncertain()
    h = torch.randn(3, 8, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(1))
    out = r(h)
    U = r.frames().detach().numpy()
    lam = (r.tau * r.concentrations()).detach().numpy()
    logFe = np.array([special.log_normalizer_eigvals(lam[e], 1, 8)
                      for e in range(4)])
    for t in range(3):
        u = (h[t] / h[t].norm()).numpy()
        kap = float(r.token_concentration(h[t:t + 1]).detach())
        q = mb(k=1, eigenvalues=np.array([kap]), frame=u[:, None])
        X = q.rvs(100_000, rng=t)[..., 0]
        fe = np.exp(np.stack([((X @ U[e]) ** 2 * lam[e]).sum(-1)
                              for e in range(4)], -1) - logFe)
        mc, se = np.log(fe.mean(0)), fe.std(0) / fe.mean(0) / np.sqrt(len(X))
        pred = (out.logits[t] - r.log_prior).detach().numpy() \
            - q.log_normalizer()
        assert np.all(np.abs(mc - pred) < 5 * se + 1e-9)
        # KL(q || uniform) is minus the entropy of q
    kap = r.token_concentration(h).detach().numpy()
    ent = [mb(k=1, eigenvalues=np.array([k]), frame=np.eye(8)[:, :1]).entropy()
           for k in kap]
    np.testing.assert_allclose(out.aux["kl"].item(), -np.mean(ent),
                               rtol=1e-10)


def test_uncertain_router_limits_and_gradients():
    h = torch.randn(6, 8, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(2))
    broad = _uncertain(kappa_bias=-30.0)             # kappa ~ 1e-13
    p = torch.softmax(broad(h).logits, -1)
    prior = torch.softmax(broad.log_prior, -1)
    torch.testing.assert_close(p, prior.expand_as(p), atol=1e-9, rtol=0)
    sharp = _uncertain(kappa_bias=2e4)
    plain = bnn.BinghamRouter(8, 4, 2, top_k=2, learn_prior=True).double()
    plain.load_state_dict({k: v for k, v in sharp.state_dict().items()
                           if not k.startswith("kappa")})
    torch.testing.assert_close(torch.softmax(sharp(h).logits, -1),
                               torch.softmax(plain(h).logits, -1),
                               atol=2e-3, rtol=0)
    r = _uncertain()
    x = h[:3].clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda y: r(y).logits, (x,))
    out = r(h)
    (out.weights.sum() + out.aux["kl"]).backward()
    assert torch.isfinite(r.kappa.weight.grad).all()
    assert torch.isfinite(r.concentration_raw.grad).all()


def test_native_series_normalizers_match_the_core_in_the_router_regime():
    """The normalizers of a subspace-token router (k = 3, rank 8 in d = 512)
    from the torch-native series at a fixed degree, as on an accelerator
    under torch.compile, equal the core's (what the router uses on the
    CPU)."""
    g = torch.Generator().manual_seed(0)
    router = bnn.BinghamRouter(512, 6, 8, token_rank=3, generator=g,
                               init_concentration=20.0,
                               normalizer_degree=24).double()
    with torch.no_grad():
        router.concentration_raw.add_(torch.randn(6, 8, generator=g,
                                                  dtype=torch.float64))
    lam = router.tau * router.concentrations()
    native = bt_functional.log_normalizer_eigvals(
        lam, 3, 512, impl="native", degree=router.normalizer_degree)
    torch.testing.assert_close(native, router._normalizers(torch.float64),
                               rtol=1e-13, atol=1e-14)


ROUTERS = {
    "bingham": lambda: bnn.BinghamRouter(16, 4, 2, top_k=2, tau=2.0),
    "bingham_token_rank_2": lambda: bnn.BinghamRouter(16, 4, 2, top_k=2,
                                                      token_rank=2),
    "uncertain": lambda: bnn.UncertainBinghamRouter(16, 4, 2, top_k=2),
    "eigenbasis": lambda: bnn.EigenbasisRouter(16, 4, 6, top_k=2),
    "softmax": lambda: bnn.SoftmaxTopKRouter(16, 4, top_k=2),
}


@pytest.mark.parametrize("name", sorted(ROUTERS))
def test_reset_parameters_after_meta_initialisation(name):
    """Built on the meta device, materialised with to_empty (garbage),
    reset_parameters gives every parameter and buffer its initial law."""
    with torch.device("meta"):
        r = ROUTERS[name]()
    r.to_empty(device="cpu")
    with torch.no_grad():
        for t in list(r.parameters()) + list(r.buffers()):
            t.fill_(4e20)
    r.reset_parameters()
    ref = ROUTERS[name]()
    for (n, a), (_, b) in zip(r.state_dict().items(),
                              ref.state_dict().items()):
        assert a.shape == b.shape and torch.isfinite(a).all(), n
        if a.numel() <= 1 or n in ("bias", "log_prior", "kappa.weight",
                                   "kappa.bias"):
            torch.testing.assert_close(a, b, msg=n)   # deterministic ones
        else:
            assert abs(float(a.float().std() - b.float().std())) < 1.0, n
    out = r(torch.randn(8, 16))
    assert torch.isfinite(out.logits).all()
    assert out.indices.is_contiguous() and out.indices.dtype == torch.int64


@pytest.mark.parametrize("name", sorted(ROUTERS))
def test_half_precision_models_keep_the_router_in_float32(name):
    layer = bnn.MoELayer(16, 8, 4, ROUTERS[name]())
    layer.to(torch.bfloat16)
    assert layer.w1.dtype == torch.bfloat16
    assert all(t.dtype == torch.float32 for t in
               list(layer.router.parameters()) + list(layer.router.buffers()))
    y, out = layer(torch.randn(8, 16, dtype=torch.bfloat16))
    assert y.dtype == torch.bfloat16 and torch.isfinite(y).all()
    assert out.logits.dtype == torch.float32
    layer.double()                    # other casts still apply
    assert layer.router.temperature.dtype == torch.float64


def test_no_collective_in_eval_or_without_gradients(monkeypatch):
    """With a process group of two ranks (mocked), training forwards
    all-reduce; eval and no_grad forwards issue no collective."""
    calls = []
    dist = torch.distributed
    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_world_size", lambda group=None: 2)
    monkeypatch.setattr(dist, "all_reduce",
                        lambda t, group=None, **kw: calls.append(group))
    r = bnn.SoftmaxTopKRouter(16, 4, top_k=2, process_group="g")
    h = torch.randn(8, 16)
    r.eval()
    r(h)
    r.train()
    with torch.no_grad():
        r(h)
    assert calls == []
    try:
        r(h)
    except Exception:
        pass      # the differentiable all-reduce needs a real group
    # the loads were reduced over the router's group before that
    assert calls and all(g == "g" for g in calls)


def test_router_arguments_are_checked():
    big = bnn.BinghamRouter(8, 3, 2, init_concentration=1000.0)
    assert torch.allclose(big.concentrations(), torch.full((3, 2), 1000.0),
                          rtol=1e-3)
    for kw in ({"init_concentration": 0.0}, {"init_concentration": -1.0},
               {"tau": 0.0}, {"tau": -1.0}, {"tau": float("nan")}):
        with pytest.raises(ValueError, match=next(iter(kw))):
            bnn.BinghamRouter(8, 3, 2, **kw)
    with pytest.raises(ValueError, match="n_basis"):
        bnn.EigenbasisRouter(8, 4, 12)


def test_weight_options_and_autocast():
    h = torch.randn(64, 16)
    plain = bnn.BinghamRouter(16, 6, 2, top_k=2,
                              generator=torch.Generator().manual_seed(0))
    raw = bnn.BinghamRouter(16, 6, 2, top_k=2, renormalize=False,
                            route_scale=2.5,
                            generator=torch.Generator().manual_seed(0))
    a, b = plain(h), raw(h)
    assert torch.equal(a.indices, b.indices)
    p = torch.softmax(a.logits, -1).gather(1, a.indices)
    torch.testing.assert_close(b.weights, 2.5 * p)
    torch.testing.assert_close(a.weights.sum(-1), torch.ones(64))
    # autocast does not reach the router: the same selection and logits
    with torch.autocast("cpu", dtype=torch.bfloat16):
        c = plain(h)
    assert torch.equal(c.indices, a.indices) and c.logits.dtype == torch.float32
    torch.testing.assert_close(c.logits, a.logits)
    with pytest.raises(ValueError, match="route_scale"):
        bnn.SoftmaxTopKRouter(16, 4, top_k=2, route_scale=0.0)


def test_bad_router_and_layer_arguments_are_named():
    """Issue 20: NaN loads, negative token counts, capacity factors,
    mismatched widths and empty batches."""
    r = bnn.BinghamRouter(8, 4, 2, top_k=2, bias_update_rate=0.1)
    with pytest.raises(ValueError, match="tokens_per_expert"):
        r.update_bias(torch.tensor([float("nan"), 1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="n_tokens"):
        r.certificate(n_tokens=-5)
    with pytest.raises(ValueError, match="d_model=8"):
        r(torch.randn(3, 7))
    with pytest.raises(ValueError, match="d_model=8"):
        bnn.SoftmaxTopKRouter(8, 4, top_k=2)(torch.randn(3, 7))
    for cf in (-1, 0.0, float("inf")):
        with pytest.raises(ValueError, match="capacity_factor"):
            bnn.MoELayer(8, 16, 4, bnn.BinghamRouter(8, 4, 2, top_k=2),
                         capacity_factor=cf)
    from bingham_torch.diagnostics import probe
    layer = bnn.MoELayer(8, 16, 4, bnn.BinghamRouter(8, 4, 2, top_k=2))
    for kw in ({"r": -1}, {"r": 0}, {"subspace_dim": 0}):
        with pytest.raises(ValueError, match=next(iter(kw))):
            probe(layer, torch.randn(6, 8), **kw)
    with pytest.raises(ValueError, match="at least one token"):
        probe(layer, torch.zeros(0, 8))
    out = r(torch.zeros(0, 8))
    assert out.logits.shape == (0, 4) and out.indices.shape == (0, 2)
    for key in ("load_balancing_loss", "z_loss", "entropy"):
        assert float(out.aux[key]) == 0.0


def test_calibrate_refuses_what_it_cannot_do_and_warns_out_of_reach():
    r = bnn.BinghamRouter(8, 4, 2, top_k=2)
    h = torch.randn(20, 8)
    with pytest.raises(ValueError, match="target_entropy"):
        bnn.calibrate(r, h, target_entropy=float("nan"))
    with pytest.raises(ValueError, match="at least one token"):
        bnn.calibrate(r, torch.zeros(0, 8), target_entropy=1.0)
    with pytest.raises(ValueError, match="finite"):
        bnn.calibrate(r, torch.full((2, 8), float("nan")), target_entropy=1.0)
    for lo, hi in ((10.0, 1.0), (0.0, 1.0), (1e-3, float("inf"))):
        with pytest.raises(ValueError, match=r"^(lo|hi|lo and hi) must"):
            bnn.calibrate(r, h, target_entropy=1.0, lo=lo, hi=hi)
    # log 4 is the most a 4-expert entropy can be: out of reach
    with pytest.warns(UserWarning, match="out of reach"):
        res = bnn.calibrate(r, h, target_entropy=5.0)
    assert res["reached"] < 5.0


def test_unit_rows_derivatives_vmap_and_extreme_scales():
    """unit_rows against x / |x|: backward (gradcheck), forward mode, vmap;
    float32 tokens scaled by 1e30 and 1e-30 keep their directions; zero,
    NaN and inf rows."""
    torch.manual_seed(0)
    x = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(bnn.unit_rows, (x,),
                                    check_forward_ad=True)
    ref = x.detach() / x.detach().norm(dim=-1, keepdim=True)
    torch.testing.assert_close(
        torch.func.vmap(bnn.unit_rows)(x.detach().reshape(2, 2, 6))
        .reshape(4, 6), ref)
    y = torch.randn(5, 8)
    for s in (1e30, 1e-30):
        torch.testing.assert_close(bnn.unit_rows(y * s), bnn.unit_rows(y))
    out = bnn.unit_rows(torch.tensor([[0.0, 0.0], [float("nan"), 1.0],
                                      [float("inf"), 1.0]]))
    assert torch.equal(out[0], torch.zeros(2))
    assert torch.isnan(out[1:]).all()


@pytest.mark.parametrize("scale", [1.0, 1e30, 1e-30])
def test_unit_projection_fast_path_equals_unit_rows(scale):
    """(x U) / |x| where the norms are in range, unit_rows otherwise: the
    same values and gradients either way (float32), also under vmap."""
    torch.manual_seed(1)
    U = torch.linalg.qr(torch.randn(16, 5))[0]
    x = (torch.randn(7, 16) * scale).requires_grad_()
    got = bnn.unit_projection(x, U)
    g = torch.randn(7, 5)
    (gx,) = torch.autograd.grad((got * g).sum(), x)
    x2 = x.detach().clone().requires_grad_()
    ref = bnn.unit_rows(x2) @ U
    (rx,) = torch.autograd.grad((ref * g).sum(), x2)
    torch.testing.assert_close(got, ref)
    torch.testing.assert_close(gx * scale, rx * scale, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(
        torch.func.vmap(lambda t: bnn.unit_projection(t, U))(
            x.detach().reshape(7, 1, 16)).reshape(7, 5), ref.detach())
