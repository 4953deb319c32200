"""Benchmarks of the gating model (issue #4): per-token routing statistics
against a dense numpy implementation of the same formulas."""
import numpy as np

from bingham import grassmann as gr
from bingham.routing import BinghamGating
from _timing import best_time


def _dense(X, frames, lam, tau, offsets, top_k):
    """Plain numpy: per-expert projections, softmax, entropy, top-k."""
    S = np.stack([tau * np.sum((X @ U) ** 2 * l, axis=-1)
                  for U, l in zip(frames, lam)], axis=-1) + offsets
    S = S - S.max(axis=1, keepdims=True)
    G = np.exp(S)
    G /= G.sum(axis=1, keepdims=True)
    H = -np.sum(G * np.log(G), axis=1)
    top = np.sort(G, axis=1)[:, -top_k:].sum(axis=1)
    return H, top


def run(args, row):
    rng = np.random.default_rng(0)
    E, p = 64, 1024
    n = 50_000 if args.quick else 200_000
    for r in (1, 16):
        frames = list(gr.random_uniform(p, r, size=E, rng=1))
        lam = [rng.uniform(5, 30, r) for _ in range(E)]
        gate = BinghamGating(frames, lam, tau=1.0)
        X = rng.standard_normal((n, p))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        t = best_time(lambda: gate.statistics(X, top_k=2), repeat=2,
                      min_time=0)
        t_d = best_time(lambda: _dense(X, frames, lam, 1.0, gate.offsets(),
                                       2), repeat=2, min_time=0)
        row(f"routing statistics, {n} tokens x {E} experts of rank {r}, "
            f"p={p} (1e6 tokens: {t * 1e6 / n:.1f} s)", t,
            "dense numpy", t_d, target="1e6 tokens in seconds")
