"""Diagnostics on constructed layers with known answers."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from bingham import grassmann as g  # noqa: E402
from bingham_torch import diagnostics as D  # noqa: E402
from bingham_torch import nn as bnn  # noqa: E402


def linear_expert(W):
    return lambda x: x @ W.T


def frames(d, k, n, seed):
    return torch.tensor(g.random_uniform(d, k, size=n, rng=seed))


def test_linear_experts_spectra_and_alignment():
    d = 12
    Q = torch.tensor(g.random_uniform(d, d, rng=0))
    sig = [torch.tensor([5.0, 3.0, 1.0, 0.5], dtype=torch.float64),
           torch.tensor([2.0, 2.0, 2.0, 2.0], dtype=torch.float64),
           torch.tensor([1.0, 1e-3, 1e-3, 1e-3], dtype=torch.float64)]
    Ws = []
    for e, s in enumerate(sig):
        # expert e acts on its own 4 coordinates of the rotated basis:
        # mutually orthogonal row and column spaces
        P = Q[:, 4 * e: 4 * e + 4]
        Ws.append(P @ torch.diag(s) @ P.T)
    ad = D.MoEAdapter(route=lambda t: torch.full((len(t), 3), 1 / 3),
                      experts=[linear_expert(W) for W in Ws])
    x = torch.randn(5, d, dtype=torch.float64)
    J = D.expert_jacobians(ad, x)
    for e in range(3):
        torch.testing.assert_close(J[e], Ws[e].expand(5, d, d))
    sv = torch.linalg.svdvals(J)[..., :4]
    summ = D.spectral_summary(sv)
    for e, s in enumerate(sig):
        p = s / s.sum()
        torch.testing.assert_close(summ["effective_rank"][e],
                                   torch.exp(-(p * p.log()).sum()).expand(5))
        torch.testing.assert_close(summ["stable_rank"][e],
                                   ((s * s).sum() / s.max() ** 2).expand(5))
        torch.testing.assert_close(summ["participation_ratio"][e],
                                   ((s * s).sum() ** 2 / (s ** 4).sum())
                                   .expand(5))
    _, align = D.jacobian_alignment(J)
    torch.testing.assert_close(align, torch.eye(3, dtype=torch.float64),
                               atol=1e-12, rtol=0)
    J2 = torch.stack([J[0], J[0]])
    torch.testing.assert_close(D.jacobian_alignment(J2)[1],
                               torch.ones(2, 2, dtype=torch.float64))
    # randomized top-r from JVPs and VJPs reproduces the exact values
    rs = D.jacobian_singular_values(linear_expert(Ws[0]), x, 4,
                                    generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(rs, sig[0].expand(5, 4).double(), rtol=1e-10,
                               atol=1e-12)


def test_randomized_svd_on_a_nonlinear_expert():
    torch.manual_seed(1)
    layer = bnn.MoELayer(40, 60, 2, bnn.SoftmaxTopKRouter(40, 2, top_k=1))
    layer = layer.double()
    x = torch.randn(3, 40, dtype=torch.float64)
    f = D.adapt(layer).experts[1]
    exact = torch.linalg.svdvals(D.expert_jacobians(D.adapt(layer), x)[1])
    # power iterations sharpen the estimate geometrically
    errs = []
    for n_iter in (1, 4):
        approx = D.jacobian_singular_values(
            f, x, 5, n_iter=n_iter, oversample=10,
            generator=torch.Generator().manual_seed(2))
        errs.append(((approx - exact[:, :5]).abs() / exact[:, :5]).max())
        assert torch.all(approx <= exact[:, :5] * (1 + 1e-12))
    assert errs[1] < 1e-3 and errs[1] < errs[0]


def test_routed_geometry_recovers_cluster_subspaces():
    d, k, E, n = 10, 2, 3, 400
    Q = torch.tensor(g.random_uniform(d, d, rng=3))
    subs = [Q[:, 2 * e: 2 * e + 2] for e in range(E)]
    gen = torch.Generator().manual_seed(4)
    toks, labels = [], []
    for e in range(E):
        z = torch.randn(n, k, dtype=torch.float64, generator=gen) * \
            torch.tensor([3.0, 1.0], dtype=torch.float64)
        toks.append(z @ subs[e].T)
        labels += [e] * n
    X = torch.cat(toks)
    W = torch.nn.functional.one_hot(torch.tensor(labels), E).double()
    geo = D.routed_geometry(X, W, k)
    for e in range(E):
        assert g.distance(geo["subspace"][e], subs[e].numpy()) < 0.1
        assert 1.2 < geo["effective_rank"][e] < 2.01
    dist = D.subspace_distances(geo["subspace"])
    off = ~np.eye(E, dtype=bool)
    assert np.all(dist["overlap"][off] < 0.02)
    np.testing.assert_allclose(np.diag(dist["overlap"]), 1.0, atol=1e-12)
    np.testing.assert_allclose(dist["projection"][off], 1.0, atol=0.02)


def test_adapter_for_generic_modules_and_the_probe():
    class Generic(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gate = torch.nn.Linear(8, 3)
            self.experts = torch.nn.ModuleList(
                torch.nn.Linear(8, 8) for _ in range(3))
    m = Generic()
    ad = D.adapt(m)
    x = torch.randn(20, 8)
    w = ad.route(x)
    torch.testing.assert_close(w.sum(-1), torch.ones(20))
    rep = D.probe(m, x, r=4, subspace_dim=2)
    assert rep.jacobian_spectra.shape == (3, 20, 4)
    # a Linear expert's Jacobian is its weight at every token
    np.testing.assert_allclose(
        rep.jacobian_spectra[0, 0],
        torch.linalg.svdvals(m.experts[0].weight).detach().numpy()[:4],
        rtol=1e-5)
    assert "expert" in rep.summary()
    with pytest.raises(ValueError):
        D.adapt(torch.nn.Linear(3, 3))
    # the Bingham router's learned frames against its routed data
    r = bnn.BinghamRouter(8, 3, 2, top_k=1)
    layer = bnn.MoELayer(8, 16, 3, r)
    rep = D.probe(layer, torch.randn(200, 8), r=3, subspace_dim=2)
    assert rep.consistency.shape == (3,)
    assert np.all((rep.consistency >= 0)
                  & (rep.consistency <= np.pi / 2 * np.sqrt(2) + 1e-9))
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        with pytest.raises(ImportError, match="matplotlib"):
            rep.plot()
    else:
        assert len(rep.plot()) == 2
