"""Benchmarks of bingham_torch (issue #5): forward and backward of the
differentiable normalizer against the numba core's own value-and-gradient
in the same run."""
import numpy as np
import torch

from bingham import special
from _timing import best_time


def run(args, row):
    run_normalizer(args, row)
    run_routers(args, row)
    run_moe_blocks(args, row)


def run_normalizer(args, row):
    rng = np.random.default_rng(0)
    # 64 experts with 16 nonzero eigenvalues each in p = 4096 (k = 1)
    x = rng.uniform(0.0, 30.0, size=(64, 16))
    t_core = best_time(lambda: special.value_and_grad_log_hyp1f1(
        0.5, 2048.0, x), repeat=5)
    for impl in ("core", "native"):
        for dtype in (torch.float64, torch.float32):
            xt = torch.tensor(x, dtype=dtype, requires_grad=True)

            def fwd_bwd():
                v = __import__("bingham_torch").log_hyp1f1(
                    xt, 0.5, 2048.0, impl=impl)
                (g,) = torch.autograd.grad(v.sum(), xt)
                return g
            t = best_time(fwd_bwd, repeat=5)
            row(f"torch {impl} {str(dtype)[6:]}: forward + backward, 64 "
                f"experts x 16 eigenvalues, p=4096", t,
                "numba core value_and_grad", t_core,
                target="<= 2x the core" if impl == "core" else "")
    # k > 1, the MoE case: 64 experts, rank-8 concentrations, p = 4096,
    # token rank 4; the native series at a fixed degree (as under
    # torch.compile) against the core
    bt = __import__("bingham_torch")
    for k, r in ((4, 8), (2, 16)):
        x = rng.uniform(0.0, 30.0, size=(64, r))
        t_core = best_time(lambda: special.value_and_grad_log_hyp1f1(
            0.5 * k, 2048.0, x), repeat=5)
        degree = bt.functional._native_series.choose_degree(
            torch.tensor(x), 0.5 * k, 2048.0)[0]
        for impl in ("core", "native"):
            for dtype in (torch.float64, torch.float32):
                xt = torch.tensor(x, dtype=dtype, requires_grad=True)

                def fwd_bwd():
                    v = bt.log_hyp1f1(xt, 0.5 * k, 2048.0, impl=impl,
                                      degree=degree if impl == "native"
                                      else None)
                    return torch.autograd.grad(v.sum(), xt)[0]
                t = best_time(fwd_bwd, repeat=5)
                row(f"torch {impl} {str(dtype)[6:]}: forward + backward, "
                    f"k={k}, 64 experts x {r} eigenvalues, p=4096"
                    + (f" (degree {degree})" if impl == "native" else ""),
                    t, "numba core value_and_grad", t_core,
                    target="<= 2x the core" if impl == "core" else "")
    # a batch of 10,000 vector-Bingham normalizers (p = 3)
    xb = rng.normal(scale=5.0, size=(10_000, 3))
    t_core = best_time(lambda: special.value_and_grad_log_hyp1f1(
        0.5, 1.5, xb), repeat=3)
    for impl in ("core", "native"):
        xt = torch.tensor(xb, requires_grad=True)

        def fwd_bwd():
            v = __import__("bingham_torch").log_hyp1f1(xt, 0.5, 1.5,
                                                       impl=impl)
            return torch.autograd.grad(v.sum(), xt)[0]
        t = best_time(fwd_bwd, repeat=3)
        row(f"torch {impl} float64: forward + backward, 10,000 vector "
            f"normalizers (p=3)", t, "numba core value_and_grad", t_core,
            target="<= 2x the core" if impl == "core" else "")


def run_routers(args, row):
    """Issue #6: BinghamRouter forward + backward against the work it cannot
    avoid (a linear map d -> E * rank, the weighted squares, a softmax with
    top-k), and against SoftmaxTopKRouter; CPU float32."""
    from bingham_torch import nn as bnn
    T, d, E, r = (2048 if args.quick else 8192), 1024, 16, 8
    h = torch.randn(T, d)
    router = bnn.BinghamRouter(d, E, r, top_k=2)

    def bingham():
        out = router(h)
        loss = out.weights.sum() + out.aux["load_balancing_loss"]
        loss.backward()
    floor = _router_floor(h, E, r, 2)
    soft = bnn.SoftmaxTopKRouter(d, E, top_k=2)

    def softmax_router():
        out = soft(h)
        (out.weights.sum() + out.aux["load_balancing_loss"]).backward()
    t_b = best_time(bingham, repeat=5)
    t_f = best_time(floor, repeat=5)
    t_s = best_time(softmax_router, repeat=5)
    row(f"BinghamRouter fwd+bwd, T={T}, d={d}, E={E}, rank {r}, top-2", t_b,
        "unavoidable work (linear d->E*rank, squares, softmax, top-k)", t_f,
        target="within 1.3x (speed-up >= 0.77x)")
    row(f"BinghamRouter fwd+bwd vs SoftmaxTopKRouter, T={T}", t_b,
        "SoftmaxTopKRouter fwd+bwd", t_s)


def _router_floor(h, E, r, k):
    """The work a rank-r Bingham router cannot avoid on tokens ``h``
    ``(T, d)``: a linear map d -> E * r, the weighted squares, a softmax
    and top-k, forward and backward."""
    T, d = h.shape
    W = torch.randn(d, E * r, requires_grad=True)
    lam = torch.rand(E, r, requires_grad=True)

    def floor():
        x = h / h.norm(dim=-1, keepdim=True)
        q = ((x @ W) ** 2).reshape(T, E, r)
        logits = (q * lam).sum(-1)
        p = torch.softmax(logits, -1)
        v, i = p.topk(k, -1)
        (v.sum() + p.mean()).backward()
    return floor


def run_moe_blocks(args, row):
    """Issue 19: the Bingham router's forward + backward as a share of a
    whole transformers MoE block's (router, experts, combine), swapped in
    with swap_routers; CPU float32.  Mixtral-like (d = 1024, E = 8, top-2,
    expert width 3.5 d) and fine-grained (d = 2048, E = 64, top-8, expert
    width 1024).  Also the router against its unavoidable work at that
    size, as in run_routers."""
    import transformers as tf
    from bingham_torch.integrations.transformers import swap_routers
    from transformers.models.mixtral.modeling_mixtral import \
        MixtralSparseMoeBlock
    T = 512 if args.quick else 2048
    for d, E, k, width in ((1024, 8, 2, 3584), (2048, 64, 8, 1024)):
        cfg = tf.MixtralConfig(hidden_size=d, intermediate_size=width,
                               num_local_experts=E, num_experts_per_tok=k)
        # what a model built by transformers uses on this machine
        cfg._experts_implementation = "grouped_mm"
        block = MixtralSparseMoeBlock(cfg)
        for p in block.parameters():
            torch.nn.init.normal_(p, std=0.02)
        # swap_routers walks a model with a config: a one-block holder
        holder = torch.nn.Module()
        holder.config = cfg
        holder.block = block
        swap_routers(holder, "bingham", rank=8)
        h = torch.randn(1, T, d)
        gate = block.gate

        def whole():
            block(h).sum().backward()

        def router_only():
            logits, w, i = gate(h)
            (w.sum() + logits.mean()).backward()
        t_block = best_time(whole, repeat=3)
        t_router = best_time(router_only, repeat=5)
        t_floor = best_time(_router_floor(h[0], E, 8, k), repeat=5)
        row(f"transformers MoE block d={d}, E={E}, top-{k}, T={T}: Bingham "
            f"router fwd+bwd", t_router,
            "the whole block fwd+bwd (router, experts, combine)", t_block,
            target="router < 5% of the block (speed-up >= 20x)")
        row("  the same router against its unavoidable work", t_router,
            "linear d->E*rank, squares, softmax, top-k", t_floor,
            target="within 1.3x (speed-up >= 0.77x)")
