"""Grassmann geometry: accuracy against mpmath and exact constructions,
identities, Haar sampling, bad input."""
import mpmath
import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy import stats

from bingham import grassmann as g


def exact_pair(p, angles, rng):
    """Frames X, Y with the given principal angles whose entries are exact:
    coordinate axes ``e_i`` and ``cos t e_i + sin t e_{k+i}``, then an exact
    signed permutation of the rows.  The angles of the stored frames are
    exactly ``angles`` (as rounded doubles, up to the rounding of cos/sin)."""
    k = len(angles)
    X = np.zeros((p, k))
    Y = np.zeros((p, k))
    for i, t in enumerate(angles):
        X[i, i] = 1.0
        Y[i, i] = np.cos(t)
        Y[k + i, i] = np.sin(t)
    perm = rng.permutation(p)
    signs = rng.choice([-1.0, 1.0], size=p)
    return X[perm] * signs[:, None], Y[perm] * signs[:, None]


def exact_angle(t):
    """The angle between e_1 and (fl(cos t), fl(sin t)), in mpmath."""
    mpmath.mp.dps = 40
    return float(mpmath.atan2(mpmath.mpf(np.sin(t)), mpmath.mpf(np.cos(t))))


def mp_angles(X, Y):
    """Principal angles of the stored (rounded) frames at 40 digits: cosines
    from the SVD of Y^T X, sines from the SVD of (I - Y Y^T) X."""
    mpmath.mp.dps = 40
    Xm = mpmath.matrix(X.tolist())
    Ym = mpmath.matrix(Y.tolist())
    c = mpmath.svd_r(Ym.T * Xm, compute_uv=False)
    s = mpmath.svd_r(Xm - Ym * (Ym.T * Xm), compute_uv=False)
    c = sorted([c[i] for i in range(len(c))], reverse=True)
    s = sorted([s[i] for i in range(len(s))])
    return np.array([float(mpmath.atan2(si, ci)) for si, ci in zip(s, c)])


@pytest.mark.parametrize("angles", [
    [1e-12, 3e-12, 1.2],
    [1e-300, 0.5, np.pi / 2],
    [1e-8, 1e-8 * (1 + 2**-40), 0.7],
    [0.0, 1e-15, np.pi / 2 - 1e-10],
])
def test_principal_angles_relative_accuracy_on_exact_frames(angles):
    rng = np.random.default_rng(1)
    X, Y = exact_pair(9, angles, rng)
    got = g.principal_angles(X, Y)
    want = np.sort([exact_angle(t) for t in angles])
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0)
    # arccos of the cosines alone cannot do this below ~1e-8
    d = g.distance(X, Y)
    np.testing.assert_allclose(d, np.linalg.norm(want), rtol=4e-16)


def test_principal_angles_against_mpmath_on_random_frames():
    rng = np.random.default_rng(2)
    for p, k1, k2 in [(6, 2, 3), (10, 3, 3), (12, 4, 2), (5, 1, 4)]:
        X = g.random_uniform(p, k1, rng=rng)
        Y = g.random_uniform(p, k2, rng=rng)
        # include a nearby subspace
        Z = g.orthonormalize(X + 1e-6 * rng.standard_normal(X.shape))
        for A, B in [(X, Y), (X, Z)]:
            got = g.principal_angles(A, B)
            want = mp_angles(A, B) if A.shape[1] <= B.shape[1] \
                else mp_angles(B, A)
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=4e-16)


@given(st.integers(2, 9), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_angle_identities(p, k, seed):
    k = min(k, p)
    rng = np.random.default_rng(seed)
    X = g.random_uniform(p, k, rng=rng)
    Y = g.random_uniform(p, k, rng=rng)
    th = g.principal_angles(X, Y)
    assert np.all(th >= 0) and np.all(th <= np.pi / 2 + 1e-15)
    assert np.all(np.diff(th) >= 0)
    np.testing.assert_allclose(g.principal_angles(Y, X), th, atol=1e-14)
    Q = np.linalg.qr(rng.standard_normal((k, k)))[0]
    np.testing.assert_allclose(g.principal_angles(X @ Q, Y), th, atol=1e-14)
    PX, PY = g.projector(X), g.projector(Y)
    np.testing.assert_allclose(g.distance(X, Y, "chordal"),
                               np.linalg.norm(PX - PY) / np.sqrt(2),
                               atol=1e-13)
    np.testing.assert_allclose(g.distance(X, Y, "projection"),
                               np.linalg.norm(PX - PY, 2), atol=1e-13)
    np.testing.assert_allclose(
        g.distance(X, Y, "binet-cauchy"),
        np.sqrt(max(0.0, 1 - np.linalg.det(X.T @ Y) ** 2)), atol=1e-7)
    np.testing.assert_allclose(
        g.distance(X, Y, "fubini-study"),
        np.arccos(min(1.0, abs(np.linalg.det(X.T @ Y)))), atol=1e-7)
    np.testing.assert_allclose(g.distance(X, Y, "procrustes"),
                               2 * np.linalg.norm(np.sin(th / 2)), atol=1e-14)


@given(st.integers(0, 2**32 - 1))
def test_geodesic_triangle_inequality(seed):
    rng = np.random.default_rng(seed)
    X, Y, Z = g.random_uniform(7, 3, size=3, rng=rng)
    dxy, dyz, dxz = g.distance(X, Y), g.distance(Y, Z), g.distance(X, Z)
    assert dxz <= dxy + dyz + 1e-12


@pytest.mark.parametrize("top", [0.3, 1.0, 1.5, np.pi / 2 - 1e-6,
                                 np.pi / 2 - 1e-8])
def test_log_exp_round_trip(top):
    rng = np.random.default_rng(3)
    for _ in range(5):
        angles = np.sort(rng.uniform(0, top, 3))
        angles[-1] = top
        X, Y = exact_pair(10, angles, rng)
        # generic coordinates: rotate both by the same random orthogonal map
        Q = np.linalg.qr(rng.standard_normal((10, 10)))[0]
        X, Y = Q @ X, Q @ Y
        H = g.log(X, Y)
        np.testing.assert_allclose(X.T @ H, 0, atol=1e-14)
        np.testing.assert_allclose(np.linalg.norm(H), g.distance(X, Y),
                                   rtol=1e-12)
        Z = g.exp(X, H)
        np.testing.assert_allclose(Z.T @ Z, np.eye(3), atol=1e-14)
        assert g.distance(Z, Y) < 1e-12


def test_cut_locus_is_deterministic_and_lands_on_target():
    rng = np.random.default_rng(4)
    X, Y = exact_pair(8, [0.2, np.pi / 2], rng)
    H1 = g.log(X, Y)
    H2 = g.log(X, Y)
    np.testing.assert_array_equal(H1, H2)
    np.testing.assert_allclose(np.linalg.norm(H1), np.hypot(0.2, np.pi / 2),
                               rtol=1e-14)
    assert g.distance(g.exp(X, H1), Y) < 1e-14


def test_geodesic_midpoint_and_endpoints():
    rng = np.random.default_rng(5)
    X, Y = g.random_uniform(9, 3, size=2, rng=rng)
    d = g.distance(X, Y)
    M = g.geodesic(X, Y, 0.5)
    np.testing.assert_allclose(g.distance(X, M), d / 2, rtol=1e-12)
    np.testing.assert_allclose(g.distance(M, Y), d / 2, rtol=1e-12)
    assert g.distance(g.geodesic(X, Y, 0.0), X) < 1e-14
    assert g.distance(g.geodesic(X, Y, 1.0), Y) < 1e-12
    # t broadcasts: a whole path at once
    path = g.geodesic(X, Y, np.linspace(0, 1, 5))
    np.testing.assert_allclose(g.distance(X, path), d * np.linspace(0, 1, 5),
                               atol=1e-12)


def test_karcher_mean():
    rng = np.random.default_rng(6)
    X, Y = g.random_uniform(12, 3, size=2, rng=rng)
    M, info = g.karcher_mean(np.stack([X, Y]))
    assert info["converged"] and info["grad_norm"] < 1e-10
    assert g.distance(M, g.geodesic(X, Y, 0.5)) < 1e-9
    # weighted: the point at fraction 0.25
    M, info = g.karcher_mean(np.stack([X, Y]), weights=[3, 1])
    assert g.distance(M, g.geodesic(X, Y, 0.25)) < 1e-9
    # equivariance under a rotation of R^p
    C = g.random_uniform(12, 3, rng=rng)
    H = 0.2 * rng.standard_normal((50, 12, 3))
    H -= C @ (C.T @ H)
    pts = g.exp(C, H)
    M, _ = g.karcher_mean(pts)
    Q = np.linalg.qr(rng.standard_normal((12, 12)))[0]
    MQ, _ = g.karcher_mean(Q @ pts)
    assert g.distance(Q @ M, MQ) < 1e-9
    # first-order condition at the answer
    G = np.mean(g.log(M, pts), axis=0)
    assert np.linalg.norm(G) < 1e-10


def test_random_uniform_is_haar():
    rng = np.random.default_rng(7)
    p, k = 6, 2
    X = g.random_uniform(p, k, size=20000, rng=rng)
    np.testing.assert_allclose(X.swapaxes(-1, -2) @ X, np.broadcast_to(
        np.eye(k), (20000, k, k)), atol=1e-14)
    P = np.mean(X @ X.swapaxes(-1, -2), axis=0)
    np.testing.assert_allclose(P, k / p * np.eye(p), atol=0.01)
    # squared cosine between a Haar line and a fixed line: Beta(1/2, (p-1)/2)
    u = g.random_uniform(p, 1, size=5000, rng=rng)[..., 0, 0] ** 2
    assert stats.kstest(u, stats.beta(0.5, (p - 1) / 2).cdf).pvalue > 1e-3
    # seeds reproduce, generators are not the global state
    np.testing.assert_array_equal(g.random_uniform(5, 2, rng=3),
                                  g.random_uniform(5, 2, rng=3))


def test_nan_frames_give_nan():
    X = g.random_uniform(5, 2, size=3, rng=1)
    Y = g.random_uniform(5, 2, size=3, rng=2)
    X[1, 0, 0] = np.nan
    th = g.principal_angles(X, Y)
    assert np.isnan(th[1]).all() and np.isfinite(th[[0, 2]]).all()


@pytest.mark.parametrize("call, name", [
    (lambda X, Y: g.principal_angles(2 * X, Y), "X"),
    (lambda X, Y: g.principal_angles(X, 2 * Y), "Y"),
    (lambda X, Y: g.principal_angles(X, np.ones((7, 2))), "X and Y"),
    (lambda X, Y: g.distance(X, Y, metric="cosine"), "metric"),
    (lambda X, Y: g.principal_angles(np.ones(5), Y), "X"),
    (lambda X, Y: g.principal_angles(np.ones((2, 3)), Y), "X"),
    (lambda X, Y: g.exp(X, Y), "H"),
    (lambda X, Y: g.random_uniform(3, 4), "k"),
    (lambda X, Y: g.random_uniform(3.5, 1), "p"),
    (lambda X, Y: g.karcher_mean(np.stack([X, Y]), weights=[1, -1]),
     "weights"),
])
def test_bad_input_names_the_argument(call, name):
    X, Y = g.random_uniform(5, 2, size=2, rng=0)
    with pytest.raises(ValueError, match=name):
        call(X, Y)
