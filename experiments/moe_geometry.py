"""Controlled experiment for the Jacobian-PCA-Grassmann probe (issue #7).

Question (arXiv 2601.11616, 2605.16349): does top-k routing give lower-rank,
more concentrated expert-local structure than fully soft routing, and are
expert Jacobians nearly orthogonal?

Setup: tokens on the sphere S^(d-1) drawn with the exact sampler from a
mixture of C Bingham clusters (rank-2 concentrations), each cluster with its
own target map ``y = tanh(M_c x)``; a small MLP-MoE (E experts, matched
width) trained with (a) top-1 routing and (b) fully soft routing (every
expert, softmax weights), both with a softmax router and the same experts
and optimizer, over several seeds.  After training, the probe measures per
expert: the token-averaged effective rank of the expert Jacobian (on the
tokens routed to it) and of the routed representations, and the mean
absolute cross-expert Jacobian alignment.

Run:  python experiments/moe_geometry.py [--seeds 3] [--steps 400]
(about a minute on 2 CPU cores).  Prints a markdown table.
"""
import argparse
import time

import numpy as np
import torch

from bingham import grassmann
from bingham.stats import matrix_bingham
from bingham_torch import diagnostics as D
from bingham_torch import nn as bnn


def make_data(d, C, n, seed):
    rng = np.random.default_rng(seed)
    X, Y = [], []
    maps = [rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(C)]
    for c in range(C):
        V = grassmann.random_uniform(d, 2, rng=rng)
        x = matrix_bingham(k=1, eigenvalues=np.array([25.0, 20.0]),
                           frame=V).rvs(n, rng=rng)[..., 0]
        X.append(x)
        Y.append(np.tanh(x @ maps[c].T))
    X, Y = np.concatenate(X), np.concatenate(Y)
    perm = rng.permutation(len(X))
    return (torch.tensor(X[perm], dtype=torch.float32),
            torch.tensor(Y[perm], dtype=torch.float32))


def train(top_k, X, Y, E, hidden, steps, seed):
    torch.manual_seed(seed)
    d = X.shape[1]
    router = bnn.SoftmaxTopKRouter(d, E, top_k=top_k)
    layer = bnn.MoELayer(d, hidden, E, router)
    opt = torch.optim.Adam(layer.parameters(), lr=3e-3)
    for _ in range(steps):
        idx = torch.randint(0, len(X), (256,))
        out, r = layer(X[idx])
        loss = ((out - Y[idx]) ** 2).mean() \
            + 0.01 * r.aux["load_balancing_loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        test_loss = float(((layer(X[:2000])[0] - Y[:2000]) ** 2).mean())
    return layer, test_loss


def measure(layer, X):
    ad = D.adapt(layer)
    tok = X[:400]
    with torch.no_grad():
        W = ad.route(tok)
    J = D.expert_jacobians(ad, tok)                       # (E, T, d, d)
    s = torch.linalg.svdvals(J)
    eff = D.spectral_summary(s)["effective_rank"]         # (E, T)
    # token-average for each expert over the tokens routed to it
    w = W.T / W.T.sum(1, keepdim=True).clamp_min(1e-12)
    jac_rank = (eff * w).sum(1)
    geo = D.routed_geometry(tok, W, 2)
    _, align = D.jacobian_alignment(J)
    E = align.shape[0]
    off = align[~torch.eye(E, dtype=bool)].abs().mean()
    return (float(jac_rank.detach().mean()),
            float(np.mean(geo["effective_rank"])), float(off.detach()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=400)
    args = ap.parse_args()
    d, C, E, hidden = 16, 4, 4, 32
    t0 = time.time()
    rows = {"top-1": [], "soft (all experts)": []}
    for seed in range(args.seeds):
        X, Y = make_data(d, C, 1500, seed)
        for name, k in (("top-1", 1), ("soft (all experts)", None)):
            layer, loss = train(k, X, Y, E, hidden, args.steps, seed)
            rows[name].append((loss,) + measure(layer, X))
    print("| routing | test MSE | expert Jacobian eff. rank | routed "
          "representation eff. rank | mean abs. Jacobian alignment |")
    print("|---|---|---|---|---|")
    for name, vals in rows.items():
        v = np.array(vals)
        m, s = v.mean(0), v.std(0)
        print(f"| {name} | {m[0]:.4f} ± {s[0]:.4f} | {m[1]:.2f} ± {s[1]:.2f} "
              f"| {m[2]:.2f} ± {s[2]:.2f} | {m[3]:.3f} ± {s[3]:.3f} |")
    print(f"\n{args.seeds} seeds, {args.steps} steps, {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
