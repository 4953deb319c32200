"""Routing bounds: property tests that try to break them, tightness,
Monte Carlo for the probabilistic ones, monotonicity statements."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bingham import bounds as B
from bingham import grassmann as g
from bingham.routing import BinghamGating
from bingham.stats import matrix_bingham


@st.composite
def gating_models(draw):
    E = draw(st.integers(2, 6))
    p = draw(st.integers(3, 9))
    k = draw(st.integers(1, min(2, p - 1)))
    tau = draw(st.floats(0.05, 5.0))
    # k = 1 has an exact normalizer at any concentration; keep k = 2 moderate
    top = 40.0 if k == 1 else 6.0 / tau
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    frames, spectra = [], []
    for _ in range(E):
        r = int(rng.integers(1, p + 1))
        frames.append(g.random_uniform(p, r, rng=rng))
        spectra.append(rng.uniform(0, top, r) * rng.choice([0.1, 1.0]))
    prior = None if draw(st.booleans()) else rng.normal(0, 2, E)
    model = BinghamGating(frames, spectra, k=k, tau=tau,
                          normalizer=draw(st.booleans()), log_prior=prior)
    return model, rng


def adversarial_tokens(model, rng, n_random=50):
    """Random frames and frames spanning the top and the bottom k
    eigenvectors of every expert (the Ky Fan extremes)."""
    p, k = model.p, model.k
    toks = list(g.random_uniform(p, k, size=n_random, rng=rng))
    for U, ev in zip(model.frames, model.eigenvalues):
        order = np.argsort(-ev)
        full = np.linalg.qr(np.concatenate(
            [U[:, order], rng.standard_normal((p, p - U.shape[1]))], 1))[0]
        full[:, :U.shape[1]] = U[:, order]
        toks.append(g.orthonormalize(full[:, :k]))
        toks.append(g.orthonormalize(full[:, -k:]))
    return np.stack(toks)


@settings(max_examples=60)
@given(gating_models(), st.integers(1, 6))
def test_no_token_crosses_a_bound(model_rng, top_k):
    model, rng = model_rng
    top_k = min(top_k, model.E)
    X = adversarial_tokens(model, rng)
    S = model.logits(X)
    lo, hi = model.logit_intervals()
    tol = 1e-9 * (1 + np.abs(S).max())
    assert np.all(S >= lo - tol) and np.all(S <= hi + tol)
    cert = model.certificate(top_k=top_k)
    R, E = cert["R"], model.E
    stt = model.statistics(X, top_k=top_k)
    assert np.all(stt["spread"] <= R + tol)
    assert np.all(stt["min_gate"] >= cert["min_gate"] * (1 - 1e-9))
    assert np.all(stt["entropy"] >= cert["entropy_floor"] - 1e-9)
    assert np.all(stt["entropy"] >= B.entropy_floor(R, E, tight=False) - 1e-9)
    assert np.all(stt["topk_mass"] <= cert["topk_mass_ceiling"] + 1e-12)
    top1 = model.statistics(X, top_k=1)["topk_mass"]
    assert np.all(top1 >= B.top1_mass_floor(stt["margin"], E) - 1e-12)
    # the per-token spread is itself a valid R for that token
    assert np.all(stt["min_gate"] >= B.min_gate(stt["spread"], E)
                  * (1 - 1e-9))


def test_statistics_match_a_dense_computation():
    rng = np.random.default_rng(1)
    frames = [g.random_uniform(12, r, rng=rng) for r in (1, 3, 2, 4, 1)]
    spectra = [rng.uniform(0, 10, U.shape[1]) for U in frames]
    model = BinghamGating(frames, spectra, k=2, tau=0.7,
                          log_prior=rng.normal(size=5))
    X = g.random_uniform(12, 2, size=300, rng=2)
    stt = model.statistics(X, top_k=3, return_gates=True, chunk=64)
    A = [(U * ev) @ U.T for U, ev in zip(frames, spectra)]
    S = np.stack([np.einsum("npk,pq,nqk->n", X, Ae, X) for Ae in A], -1)
    S = 0.7 * S + model.offsets()
    np.testing.assert_allclose(model.logits(X), S, atol=1e-12)
    G = np.exp(S - S.max(1, keepdims=True))
    G /= G.sum(1, keepdims=True)
    np.testing.assert_allclose(stt["gates"], G, atol=1e-14)
    np.testing.assert_allclose(stt["entropy"], -(G * np.log(G)).sum(1),
                               atol=1e-13)
    np.testing.assert_allclose(stt["topk_mass"],
                               np.sort(G, 1)[:, -3:].sum(1), atol=1e-14)
    np.testing.assert_allclose(stt["spread"], np.ptp(S, 1), atol=1e-12)
    np.testing.assert_allclose(stt["min_gate"], G.min(1), rtol=1e-12)
    Ss = np.sort(S, 1)
    np.testing.assert_allclose(stt["margin"], Ss[:, -1] - Ss[:, -2],
                               atol=1e-12)


@pytest.mark.parametrize("E, m, k, normalizer", [
    (4, 1, 1, True), (6, 2, 1, False), (5, 1, 2, True), (8, 3, 1, True),
    (4, 3, 1, True), (3, 2, 2, False)])
def test_bounds_are_attained(E, m, k, normalizer):
    # m experts share one frame, the others are orthogonal to it and to each
    # other; equal spectra and priors; the token spans the shared frame
    p = k * (E - m + 1) + 1
    basis = np.eye(p)
    frames = [basis[:, :k]] * m + [basis[:, k * (j + 1): k * (j + 2)]
                                   for j in range(E - m)]
    lam = np.linspace(6.0, 3.0, k)
    model = BinghamGating(frames, [lam] * E, k=k, tau=1.3,
                          normalizer=normalizer)
    X = basis[:, :k]
    stt = model.statistics(X[None], top_k=m)
    cert = model.certificate(top_k=m)
    R = cert["R"]
    np.testing.assert_allclose(stt["spread"][0], R, rtol=1e-12)
    # a bottom expert's gate; the bound's configuration is m = E - 1
    np.testing.assert_allclose(stt["min_gate"][0],
                               1 / (m * np.exp(R) + E - m), rtol=1e-12)
    if m == E - 1:
        np.testing.assert_allclose(stt["min_gate"][0], cert["min_gate"],
                                   rtol=1e-12)
    np.testing.assert_allclose(stt["topk_mass"][0],
                               cert["topk_mass_ceiling"], rtol=1e-12)
    Hm = np.log(m * np.exp(R) + E - m) - m * R * np.exp(R) / (
        m * np.exp(R) + E - m)
    np.testing.assert_allclose(stt["entropy"][0], Hm, rtol=1e-12)
    assert cert["entropy_floor"] <= Hm + 1e-15
    # and the floor itself is attained by some m
    Hs = [np.log(j * np.exp(R) + E - j) - j * R * np.exp(R)
          / (j * np.exp(R) + E - j) for j in range(1, E)]
    np.testing.assert_allclose(cert["entropy_floor"], min(Hs), rtol=1e-13)


@given(st.floats(0, 50), st.integers(2, 40))
def test_entropy_floor_is_the_infimum_over_logit_boxes(R, E):
    floor = B.entropy_floor(R, E)
    assert B.entropy_floor(R, E, tight=False) <= floor + 1e-12
    assert 0 <= floor <= np.log(E) + 1e-12
    rng = np.random.default_rng(int(R * 1000) + E)
    s = rng.uniform(0, R, size=(200, E))
    s[:, 0], s[:, 1] = 0.0, R
    gt = np.exp(s - s.max(1, keepdims=True))
    gt /= gt.sum(1, keepdims=True)
    H = -(gt * np.log(gt)).sum(1)
    assert np.all(H >= floor - 1e-12)


def test_collapse_bound_by_monte_carlo():
    rng = np.random.default_rng(3)
    frames = list(g.random_uniform(6, 1, size=4, rng=4))
    model = BinghamGating(frames, [np.array([3.0])] * 4, tau=1.0,
                          log_prior=[0.0, -1.0, 0.5, -0.5])
    N, trials = 25, 20_000
    X = g.random_uniform(6, 1, size=N, rng=5)
    G = model.gates(X)
    cert = model.certificate(n_tokens=N)
    # routing by sampling the gates, many times
    u = rng.random((trials, N, 1))
    choice = (u > np.cumsum(G, 1)[None]).sum(-1)
    empty = np.zeros(trials, bool)
    for e in range(4):
        empty |= ~(choice == e).any(1)
    freq = empty.mean()
    assert freq <= cert["collapse_probability"] + 3 * np.sqrt(
        freq * (1 - freq) / trials) + 1e-3
    # the data-dependent union bound is also respected
    assert freq <= np.sum(np.prod(1 - G, 0)) + 1e-2
    # Hoeffding on the loads
    loads = np.stack([(choice == e).sum(1) for e in range(4)], 1)
    mu = G.sum(0)
    for d in [2.0, 4.0, 6.0]:
        observed = np.mean(loads <= mu - d, axis=0).max()
        assert observed <= B.load_deficit_probability(N, d) + 0.01


def test_temperature_monotonicity():
    rng = np.random.default_rng(6)
    for _ in range(50):
        s = rng.normal(0, rng.uniform(0.1, 10), size=rng.integers(2, 12))
        Ts = np.geomspace(0.01, 100, 80)
        H = []
        for T in Ts:
            z = np.exp((s - s.max()) / T)
            gt = z / z.sum()
            H.append(-(gt * np.log(np.maximum(gt, 1e-300))).sum())
        assert np.all(np.diff(H) >= -1e-12)


def test_concentration_scale_monotone_without_normalizer():
    rng = np.random.default_rng(7)
    frames = list(g.random_uniform(8, 2, size=5, rng=8))
    spectra = [rng.uniform(0, 10, 2) for _ in range(5)]
    model = BinghamGating(frames, spectra, normalizer=False)
    X = g.random_uniform(8, 1, size=100, rng=9)
    H = []
    for tau in np.geomspace(0.01, 50, 60):
        model.tau = tau
        H.append(model.statistics(X)["entropy"])
    assert np.all(np.diff(np.array(H), axis=0) <= 1e-12)


def test_concentration_scale_not_monotone_with_normalizer():
    # the documented counterexample: two experts on one axis, spectra 10, 1
    p = 3
    axis = np.eye(p)[:, :1]
    model = BinghamGating([axis, axis], [np.array([10.0]), np.array([1.0])])
    taus = np.geomspace(0.01, 100, 60)
    H = []
    for tau in taus:
        model.tau = tau
        H.append(model.statistics(axis[None])["entropy"][0])
    H = np.array(H)
    i = int(np.argmin(H))
    assert 0 < i < len(H) - 1
    assert H[i] < 0.27 and H[-1] > 0.30


def test_priors_break_monotonicity_without_normalizer():
    p = 4
    e1, e2 = np.eye(p)[:, :1], np.eye(p)[:, 1:2]
    model = BinghamGating([e1, e2], [np.array([1.0]), np.array([1.0])],
                          normalizer=False, log_prior=[0.0, 3.0])
    H = []
    for tau in np.geomspace(0.1, 30, 50):
        model.tau = tau
        H.append(model.statistics(e1[None])["entropy"][0])
    d = np.diff(H)
    assert (d > 1e-6).any() and (d < -1e-6).any()


@pytest.mark.parametrize("p, k, lam", [
    (3, 1, [5.0, 2.0]), (10, 1, [8.0, 1.0, 1.0]), (5, 2, [3.0, 1.0])])
def test_bingham_entropy_bounds_and_monotonicity(p, k, lam):
    lam = np.asarray(lam)
    V = g.random_uniform(p, lam.size, rng=10)
    Hs = []
    for tau in np.geomspace(0.01, 3.0, 25):
        d = matrix_bingham(k=k, eigenvalues=tau * lam, frame=V)
        H = d.entropy()
        lo, hi = B.bingham_entropy_bounds(lam, k, p, tau)
        assert lo - 1e-12 <= H <= hi + 1e-12
        Hs.append(H)
    assert np.all(np.diff(Hs) <= 1e-12)


@pytest.mark.parametrize("call, name", [
    (lambda: B.logit_spread([[1.0, -1.0]], 1, 3), "eigenvalues"),
    (lambda: B.logit_spread([[1.0]], 1, 3, tau=0.0), "tau"),
    (lambda: B.logit_spread([[1.0]], 4, 3), "k"),
    (lambda: B.logit_spread([[1.0]] * 2, 1, 3, log_prior=[0.0]), "log_prior"),
    (lambda: B.min_gate(-1.0, 3), "R"),
    (lambda: B.min_gate(1.0, 0), "E"),
    (lambda: B.topk_mass_ceiling(1.0, 3, 4), "top_k"),
    (lambda: B.collapse_probability_bound(1.5, 3, 10), "g_min"),
    (lambda: B.load_deficit_probability(10, -1.0), "deficit"),
    (lambda: BinghamGating([np.ones((3, 1))], [[1.0]]), "frames"),
    (lambda: BinghamGating([np.eye(3)[:, :1]], [[1.0], [2.0]]), "frames"),
    (lambda: BinghamGating([np.eye(3)[:, :1]], [[1.0]]).logits(np.ones(4)),
     "X"),
])
def test_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_nan_handling():
    assert np.isnan(B.logit_spread([[np.nan]], 1, 3))
    assert np.isnan(B.min_gate(np.nan, 3))
    assert np.isnan(B.entropy_floor(np.nan, 3))
    model = BinghamGating([np.eye(3)[:, :1]] * 2, [[1.0], [2.0]])
    X = np.array([[1.0, 0.0, 0.0], [np.nan, 0.0, 0.0]])
    stt = model.statistics(X)
    assert np.isfinite(stt["entropy"][0]) and np.isnan(stt["entropy"][1])


def test_report_lists_measured_values_beside_bounds():
    rng = np.random.default_rng(11)
    frames = list(g.random_uniform(10, 3, size=6, rng=12))
    model = BinghamGating(frames, [rng.uniform(0, 8, 3) for _ in range(6)],
                          tau=0.8)
    X = g.random_uniform(10, 1, size=500, rng=13)
    rows = model.report(X, top_k=2)
    assert [r["quantity"] for r in rows][0] == "logit spread (max)"
    assert all(r["holds"] for r in rows)
    stt = model.statistics(X, top_k=2)
    assert rows[2]["measured"] == stt["entropy"].min()
