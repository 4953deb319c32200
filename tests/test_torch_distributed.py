"""Routers under torch.distributed: two gloo processes, each with half of the
batch, see the same load statistics, loss and bias updates as one process
with the whole batch."""
import os
import socket

import pytest

torch = pytest.importorskip("torch")
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

from bingham_torch import nn as bnn  # noqa: E402


def _make():
    g = torch.Generator().manual_seed(0)
    r = bnn.BinghamRouter(12, 5, 2, top_k=2, bias_update_rate=0.1,
                          generator=g).double()
    h = torch.randn(64, 12, dtype=torch.float64, generator=g)
    return r, h


def _worker(rank, world, port, path):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        r, h = _make()
        part = h.chunk(world)[rank]
        out = r(part)
        loss = out.aux["load_balancing_loss"]
        loss.backward()
        grad = r.concentration_raw.grad.clone()
        dist.all_reduce(grad)            # data-parallel gradient average
        grad /= world
        r.update_bias(out.tokens_per_expert)
        torch.save({"counts": out.tokens_per_expert, "loss": loss.detach(),
                    "grad": grad, "bias": r.bias.clone()},
                   f"{path}.{rank}")
    finally:
        dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_match_one_process(tmp_path):
    path = str(tmp_path / "out")
    mp.spawn(_worker, args=(2, _free_port(), path), nprocs=2, join=True)
    r, h = _make()
    out = r(h)
    loss = out.aux["load_balancing_loss"]
    loss.backward()
    r.update_bias(out.tokens_per_expert)
    for rank in range(2):
        res = torch.load(f"{path}.{rank}")
        torch.testing.assert_close(res["counts"], out.tokens_per_expert)
        torch.testing.assert_close(res["loss"], loss.detach())
        torch.testing.assert_close(res["grad"], r.concentration_raw.grad)
        torch.testing.assert_close(res["bias"], r.bias)
