"""Benchmarks of bingham_torch (issue #5): forward and backward of the
differentiable normalizer against the numba core's own value-and-gradient
in the same run."""
import numpy as np
import torch

from bingham import special
from _timing import best_time


def run(args, row):
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
