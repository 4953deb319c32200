"""Benchmarks of the distribution and the geometry (issue #3).

Baselines, timed in the same run on the same inputs:

* sampling: a plain-Python, one-draw-at-a-time transcription of the
  Kent-Ganeiber-Mardia ACG rejection sampler (how the published R and MATLAB
  samplers run), and the library's own MACG-only envelope for k > 1;
* fit: ``scipy.optimize.minimize`` (BFGS, with the library's exact gradient)
  on the same convex objective, against Newton with the exact Hessian;
* geometry: the batched numpy baseline ``arccos(svd(X^T Y))``.
"""
import warnings

import numpy as np
from scipy import optimize

from bingham import _sampling, _sampling_proposals
from bingham import grassmann as gr
from bingham import special
from bingham.stats import matrix_bingham, _fit_concentrations
from _timing import best_time


def _kgm_one_at_a_time(lam, n, rng):
    """Plain transcription of KGM (2018) for the vector Bingham
    ``exp(x^T diag(lam) x)``: one proposal per loop iteration."""
    p = lam.size
    mu = lam.max() - lam
    b = optimize.brentq(lambda b: np.sum(1 / (b + 2 * mu)) - 1, 1e-12, p)
    sd = 1 / np.sqrt(1 + 2 * mu / b)
    log_m = -(p - b) / 2 + p / 2 * np.log(p / b)
    out = []
    while len(out) < n:
        y = rng.standard_normal(p) * sd
        x = y / np.linalg.norm(y)
        t = float(np.dot(mu, x * x))
        if np.log(rng.random()) < -t + p / 2 * np.log1p(2 * t / b) - log_m:
            out.append(x)
    return np.array(out)


def run(args, row):
    rng = np.random.default_rng(0)

    # sampling, vector case
    lam3 = np.array([10.0, 4.0, 0.0])
    d3 = matrix_bingham(np.diag(lam3), 1)
    n = 20_000
    t_lib = best_time(lambda: d3.rvs(n, rng=rng), repeat=3)
    t_py = best_time(lambda: _kgm_one_at_a_time(lam3, 2_000, rng), repeat=2,
                     min_time=0) / 2_000 * n
    row(f"sample k=1, p=3, diag(10,4,0): {n} draws", t_lib,
        "KGM one draw at a time (numpy)", t_py)

    # sampling, k > 1, where the MACG envelope collapses
    for p, k, lam, label in [
            (10, 5, [20.0] * 5, "Gr(5,10), concentration 20"),
            (64, 4, [100.0] * 4, "Gr(4,64), concentration 100"),
            (4096, 4, list(np.linspace(40, 10, 16)),
             "k=4, p=4096, 16 nonzero eigenvalues")]:
        lam = np.array(lam)
        V = gr.random_uniform(p, lam.size, rng=1)
        d = matrix_bingham(k=k, eigenvalues=lam, frame=V)
        m = 1000 if p < 1000 else 200
        t = best_time(lambda: d.rvs(m, rng=rng), repeat=2, min_time=0) / m
        acc = d.sampler_info["acceptance"]
        macg = _sampling.plan(d.eigenvalues, d.frame, p, k, "macg")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logF = d.log_normalizer()
        acc_macg = float(np.exp(logF - macg.log_envelope_mass))
        if acc_macg > 0.01:
            t_m = best_time(lambda: _sampling.sample(
                macg, m, np.random.default_rng(2)), repeat=2, min_time=0) / m
            row(f"sample {label} (per draw; acceptance {acc:.2f})", t,
                f"MACG envelope (acceptance {acc_macg:.2g})", t_m)
        else:
            # too slow to run: its time is the per-proposal cost over its
            # acceptance (computed from the log-normalizer)
            t_prop = best_time(lambda: _sampling_proposals.draw_macg(
                macg, 200, np.random.default_rng(3)), repeat=2) / 200
            row(f"sample {label} (per draw; acceptance {acc:.2f})", t,
                f"MACG envelope, estimated (acceptance {acc_macg:.1e})",
                t_prop / acc_macg,
                target="acceptance >= 0.1")

    # fit
    for p, target in [(10, "< 0.1 s"), (30, "< 1 s")]:
        lam = np.linspace(0.0, 3.0 * p, p)
        d = matrix_bingham(k=1, eigenvalues=lam,
                           frame=gr.random_uniform(p, p, rng=4))
        X = d.rvs(5000, rng=5)
        t_fit = best_time(lambda: matrix_bingham.fit(X), repeat=3, min_time=0)
        s = np.sort(np.linalg.eigvalsh(
            np.einsum("npk,nqk->pq", X, X) / len(X)))[::-1]

        def bfgs():
            def f(l):
                full = np.r_[l, 0.0]
                v, g = special.value_and_grad_log_hyp1f1(0.5, p / 2, full)
                return v - s @ full, (g - s)[:-1]
            x0 = 1 / (2 * s[-1]) - 1 / (2 * s[:-1])
            r = optimize.minimize(f, x0, jac=True, method="BFGS",
                                  options={"gtol": 1e-10, "maxiter": 5000})
            return r
        t_b = best_time(bfgs, repeat=2, min_time=0)
        row(f"fit vector Bingham, p={p}, 5000 draws", t_fit,
            "BFGS with the exact gradient (scipy)", t_b, target=target)
        published = {10: 5.5, 30: 600.0}[p]
        row(f"fit vector Bingham, p={p}", t_fit,
            "R package hgm, published: " + ("4-7 s" if p == 10
                                             else "over 10 min")
            + " (as cited in issue #3)", published)
        _ = _fit_concentrations

    # geometry: 10,000 geodesic distances in Gr(4, 64)
    X = gr.random_uniform(64, 4, size=10_000, rng=6)
    Y = gr.random_uniform(64, 4, size=10_000, rng=7)
    H = 0.05 * rng.standard_normal(X.shape)
    H -= X @ (np.swapaxes(X, -1, -2) @ H)
    Z = gr.exp(X, H)

    def baseline(A, B):
        s = np.linalg.svd(np.swapaxes(A, -1, -2) @ B, compute_uv=False)
        return np.sqrt(np.sum(np.arccos(np.clip(s, -1, 1)) ** 2, axis=-1))
    for B, label in [(Y, "random pairs"), (Z, "nearby pairs")]:
        t = best_time(lambda: gr.distance(X, B), repeat=5)
        t_b = best_time(lambda: baseline(X, B), repeat=5)
        row(f"10,000 geodesic distances, Gr(4,64), {label}", t,
            "numpy batched SVD + arccos", t_b, target="at least as fast")

    # a geometry library from PyPI, when installed (pymanopt: one pair per
    # call, arccos of the singular values)
    try:
        from pymanopt.manifolds import Grassmann
    except ImportError:
        Grassmann = None
    if Grassmann is not None:
        man = Grassmann(64, 4)
        pairs = 1000
        t_pm = best_time(lambda: [man.dist(X[i], B[i]) for i in
                                  range(pairs)], repeat=2, min_time=0)
        row("1,000 geodesic distances, Gr(4,64), nearby pairs",
            best_time(lambda: gr.distance(X[:pairs], B[:pairs]), repeat=5),
            "pymanopt Grassmann.dist", t_pm)

    # accuracy of small angles (not a time: relative error)
    a = 1e-10
    P = np.eye(64)[:, :4]
    Q = P.copy()
    Q[:, 0] = 0.0
    Q[0, 0], Q[10, 0] = np.cos(a), np.sin(a)
    err_lib = abs(gr.distance(P, Q) - a) / a
    err_base = abs(baseline(P, Q) - a) / a
    row(f"relative error, geodesic distance 1e-10: {err_lib:.1e}", 0.0,
        f"numpy arccos: {err_base:.1e}", None)
    if Grassmann is not None:
        err_pm = abs(Grassmann(64, 4).dist(P, Q) - a) / a
        row(f"relative error, geodesic distance 1e-10: {err_lib:.1e}", 0.0,
            f"pymanopt: {err_pm:.1e}", None)

    # Karcher mean of 1,000 points in Gr(4, 64) to gradient norm 1e-10
    C = gr.random_uniform(64, 4, rng=8)
    Hc = 0.05 * rng.standard_normal((1000, 64, 4))   # angles ~0.4-0.9
    Hc -= C @ (C.T @ Hc)
    pts = gr.exp(C, Hc)
    t = best_time(lambda: gr.karcher_mean(pts, tol=1e-10), repeat=3,
                  min_time=0)
    it = gr.karcher_mean(pts, tol=1e-10)[1]["iterations"]
    row(f"Karcher mean, 1,000 points in Gr(4,64), tol 1e-10 ({it} steps)", t,
        target="a few hundred ms")
