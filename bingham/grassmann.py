"""Geometry of the Grassmann manifold Gr(k, p).

A point of Gr(k, p) is a k-dimensional subspace of R^p, represented by a
``p x k`` orthonormal frame ``X`` (``X.T @ X = I``) or by its projector
``P = X X^T``.  Every function takes frames with leading batch dimensions,
``(..., p, k)``, and broadcasts over them.

Functions
---------
principal_angles, distance, exp, log, geodesic, karcher_mean,
random_uniform, projector, frame_from_projector, orthonormalize.

Conventions
-----------
Tangent vectors at ``X`` are ``p x k`` matrices ``H`` with ``X^T H = 0``
(horizontal lift).  The Riemannian metric is ``<H, G> = tr(H^T G)``, so the
geodesic distance is the 2-norm of the principal angles.

Accuracy
--------
Principal angles combine sines and cosines (see
:func:`principal_angles`); for frames whose entries are exact the relative
error is ~1e-16 down to angles of 1e-300.  For frames carrying rounding
errors the angle is determined by the data only to an absolute ~1e-16, and
that is what any method returns.
"""
import numpy as np

from . import _checks
from ._kernels import angles as _angles
from ._special_args import _real_array
from .special import _check_k_p

__all__ = [
    "principal_angles",
    "distance",
    "exp",
    "log",
    "geodesic",
    "karcher_mean",
    "random_uniform",
    "projector",
    "frame_from_projector",
    "orthonormalize",
    "FRAME_TOL",
]

#: Largest ``max |X^T X - I|`` accepted for a frame.
FRAME_TOL = 1e-8

_METRICS = ("geodesic", "chordal", "projection", "fubini-study",
            "binet-cauchy", "procrustes")


def _as_frames(X, name, *, check=True, allow_nan=True):
    X = _real_array(X, name)
    if X.ndim < 2:
        raise ValueError(f"{name} must have shape (..., p, k), got {X.shape}")
    p, k = X.shape[-2:]
    if k < 1 or k > p:
        raise ValueError(f"{name} must have 1 <= k <= p columns, "
                         f"got shape {X.shape}")
    if check:
        check_frames(X, name, allow_nan=allow_nan)
    return X


def check_frames(X, name="X", *, tol=FRAME_TOL, allow_nan=True):
    """Raise ``ValueError`` unless every frame in ``X`` is orthonormal.

    ``max |X^T X - I| <= tol`` (default :data:`FRAME_TOL`); frames holding
    NaN are skipped when ``allow_nan``.
    """
    X = np.asarray(X, dtype=float)
    gram = np.swapaxes(X, -1, -2) @ X
    dev = np.abs(gram - np.eye(X.shape[-1]))
    worst = np.max(dev, axis=(-1, -2)) if dev.size else np.zeros(())
    nan = np.isnan(worst)
    if not allow_nan and np.any(nan):
        raise ValueError(f"{name} holds NaN")
    if np.any(np.isinf(X)):
        raise ValueError(f"{name} holds infinite entries")
    bad = np.where(nan, 0.0, worst)
    if np.any(bad > tol):
        raise ValueError(
            f"{name} must have orthonormal columns (max |{name}^T {name} - I| "
            f"= {np.max(bad):.2e} > {tol:.0e}); use "
            "bingham.grassmann.orthonormalize first")


def orthonormalize(X):
    """Orthonormal frame with the same column span (QR with the sign of the
    diagonal of R made positive, so a frame is returned unchanged).

    Domain: ``(..., p, k)`` matrices of full column rank ``k``.  A matrix
    with a NaN or infinite entry gives a NaN frame (that matrix only); a
    finite one of lower rank (its smallest singular value below ``p eps``
    times its largest, e.g. all zeros) has no ``k``-dimensional span and
    raises ``ValueError``."""
    X = _as_frames(X, "X", check=False)
    bad = ~np.isfinite(X).all(axis=(-2, -1))
    if bad.any():
        X = np.where(bad[..., None, None], 0.0, X)
    q, r = np.linalg.qr(X)
    rd = np.abs(np.diagonal(r, axis1=-2, axis2=-1))
    # a rank-deficient X has a diagonal entry of R at rounding level
    scale = np.sqrt(np.max(np.sum(X * X, axis=-2), axis=-1, initial=0.0))
    low = (np.min(rd, axis=-1, initial=np.inf)
           <= X.shape[-2] * np.finfo(float).eps * scale) & ~bad
    if low.any():
        raise ValueError(
            f"X must have full column rank {X.shape[-1]}: "
            f"{int(low.sum())} matrix(es) have rank below it (no "
            f"{X.shape[-1]}-dimensional span)")
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    d = np.where(d == 0, 1.0, d)
    q = q * d[..., None, :]
    if bad.any():
        q = np.where(bad[..., None, None], np.nan, q)
    return q


def projector(X):
    """The projector ``X X^T`` of frames ``(..., p, k)`` -> ``(..., p, p)``.

    Domain: frames ``(..., p, k)`` with orthonormal columns.
    """
    X = _as_frames(X, "X")
    return X @ np.swapaxes(X, -1, -2)


def frame_from_projector(P, k=None):
    """Orthonormal frame spanning the range of projectors ``P`` (``(..., p,
    p)``): the eigenvectors of the ``k`` largest eigenvalues (``k`` defaults to
    the rounded trace, which must agree over the batch; an integer ``1 <= k
    <= p``).  A projector holding NaN or inf gives a NaN frame (that one
    only).

    Domain: real ``(..., p, p)`` arrays ``P`` (symmetrized; projectors or any
    symmetric matrices, whose top-``k`` eigenvectors are returned), ``k`` None
    or an integer in ``[1, p]``.
    """
    P = _real_array(P, "P")
    if P.ndim < 2 or P.shape[-1] != P.shape[-2]:
        raise ValueError(f"P must have shape (..., p, p), got {P.shape}")
    if k is None:
        tr = np.trace(P, axis1=-2, axis2=-1)
        ks = np.unique(np.rint(tr[np.isfinite(tr)]))
        if ks.size != 1:
            raise ValueError("P: traces differ over the batch; pass k")
        k = int(ks[0])
    k = _checks.integer(k, "k")
    if not 1 <= k <= P.shape[-1]:
        raise ValueError(f"k must satisfy 1 <= k <= p={P.shape[-1]}, got {k}")
    bad, (P,) = _mask_nonfinite(P)
    w, v = np.linalg.eigh(0.5 * (P + np.swapaxes(P, -1, -2)))
    return _nan_where(bad, v[..., ::-1][..., :k])


def batch_shape(size):
    """The batch shape ``size`` asks for: ``()`` for None, ``(n,)`` for an
    integer, a tuple of non-negative integers as given; anything else (a
    float such as 2.5, a negative count) raises naming ``size``."""
    if size is None:
        return ()
    dims = size if isinstance(size, (tuple, list)) else (size,)
    shape = []
    for s in dims:
        if isinstance(s, (bool, np.bool_)) or not isinstance(
                s, (int, np.integer)):
            raise TypeError(f"size must be an int or a tuple of ints, got "
                            f"{size!r}")
        if s < 0:
            raise ValueError(f"size must be non-negative, got {size!r}")
        shape.append(int(s))
    return tuple(shape)


def random_uniform(p, k, size=None, rng=None):
    """Frames whose spans are uniform (Haar) on Gr(k, p).

    Parameters
    ----------
    p, k : int
        ``1 <= k <= p``.
    size : int or tuple of ints, optional
        Batch shape; the result has shape ``size + (p, k)``.
    rng : numpy.random.Generator, int or None

    Notes
    -----
    QR of a Gaussian matrix with the signs of ``diag(R)`` made positive; the
    frame itself is then Haar on the Stiefel manifold V_k(R^p) (Mezzadri,
    Notices AMS 54 (2007)).
    """
    p, k = _check_pk(p, k)
    rng = np.random.default_rng(rng)
    shape = batch_shape(size)
    G = rng.standard_normal(shape + (p, k))
    return orthonormalize(G)


def _check_pk(p, k):
    k, p = _check_k_p(k, p, 0)
    return p, k


def principal_angles(X, Y):
    """Principal angles between the column spans of ``X`` and ``Y``.

    Parameters
    ----------
    X : array_like, shape (..., p, k1)
    Y : array_like, shape (..., p, k2)
        Orthonormal frames (checked to :data:`FRAME_TOL`), broadcast over
        leading dimensions.

    Returns
    -------
    theta : ndarray, shape (..., min(k1, k2))
        Angles in ``[0, pi/2]``, ascending.  NaN frames give NaN angles.

    Notes
    -----
    Cosines are singular values of ``Y^T X``; sines are singular values of
    the part of ``X V`` outside span ``Y``; both by one-sided Jacobi (column
    norms, so tiny sines keep their relative accuracy), paired by sorting,
    ``theta = atan2(sin, cos)``.  Measured (tests): relative error below
    4e-16 for angles from 1e-12 to pi/2 on exactly representable frames,
    against mpmath; ``arccos`` of the cosines alone returns 0 below ~1e-8.
    """
    X = _as_frames(X, "X", check=False)
    Y = _as_frames(Y, "Y", check=False)
    if X.shape[-2] != Y.shape[-2]:
        raise ValueError(f"X and Y must have the same p, got {X.shape[-2]} "
                         f"and {Y.shape[-2]}")
    X0, Y0 = X, Y
    if X.shape[-1] > Y.shape[-1]:
        X, Y = Y, X
    lead = np.broadcast_shapes(X.shape[:-2], Y.shape[:-2])
    Xb = np.ascontiguousarray(np.broadcast_to(X, lead + X.shape[-2:]))
    Yb = np.ascontiguousarray(np.broadcast_to(Y, lead + Y.shape[-2:]))
    Xb = Xb.reshape((-1,) + X.shape[-2:])
    Yb = Yb.reshape((-1,) + Y.shape[-2:])
    out = np.empty((Xb.shape[0], X.shape[-1]))
    dev = np.empty(Xb.shape[0])
    _angles.principal_angles(Xb, Yb, out, dev)
    if np.any(dev > FRAME_TOL) or np.any(np.isinf(dev)):
        check_frames(X0, "X")
        check_frames(Y0, "Y")
    return out.reshape(lead + (X.shape[-1],))


def distance(X, Y, metric="geodesic"):
    """Distance between subspaces, from the principal angles ``theta``.

    ``metric`` is one of

    - ``"geodesic"`` (default): ``||theta||_2``, the arc length of the
      Riemannian geodesic;
    - ``"chordal"``: ``||sin theta||_2 = ||X X^T - Y Y^T||_F / sqrt(2)``;
    - ``"projection"``: ``max sin theta = ||X X^T - Y Y^T||_2``;
    - ``"fubini-study"``: ``arccos(prod cos theta)``;
    - ``"binet-cauchy"``: ``sqrt(1 - prod cos^2 theta)``;
    - ``"procrustes"``: ``2 ||sin(theta / 2)||_2``.

    Subspaces of different dimension compare through the ``min(k1, k2)``
    angles.

    Domain: frames ``(..., p, k1)`` and ``(..., p, k2)`` with orthonormal
    columns (broadcast batches); ``metric`` one of the strings above.  NaN
    frames give NaN.
    """
    if not isinstance(metric, str) or metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    th = principal_angles(X, Y)
    if metric == "geodesic":
        return np.linalg.norm(th, axis=-1)
    if metric == "chordal":
        return np.linalg.norm(np.sin(th), axis=-1)
    if metric == "projection":
        return np.max(np.sin(th), axis=-1)
    if metric == "procrustes":
        return 2.0 * np.linalg.norm(np.sin(0.5 * th), axis=-1)
    # 1 - prod cos^2 = -expm1(sum log1p(-sin^2)): accurate for small angles
    log_c2 = np.sum(np.log1p(-np.sin(th) ** 2), axis=-1)
    one_minus = -np.expm1(log_c2)
    if metric == "fubini-study":
        return np.arctan2(np.sqrt(one_minus), np.exp(0.5 * log_c2))
    return np.sqrt(one_minus)


def _check_tangent(X, H):
    H = _real_array(H, "H")
    if H.shape[-2:] != X.shape[-2:]:
        raise ValueError(f"H must have the shape of X {X.shape[-2:]}, "
                         f"got {H.shape}")
    XtH = np.swapaxes(X, -1, -2) @ H
    scale = np.maximum(1.0, np.linalg.norm(H, axis=(-1, -2)))
    if np.any(np.max(np.abs(XtH), axis=(-1, -2)) > 1e-8 * scale):
        raise ValueError("H must be tangent at X (X^T H = 0)")
    return H


def _mask_nonfinite(*arrays):
    """Rows (matrices over the last two axes) where any of ``arrays`` holds
    a NaN or inf, broadcast over the batch, and the arrays with those rows
    replaced by ``eye(p, k)`` so that LAPACK sees finite input; the caller
    writes NaN there afterwards (NaN in, NaN out for that row only)."""
    bad = np.zeros((), bool)
    for A in arrays:
        bad = bad | ~np.isfinite(A).all(axis=(-2, -1))
    if not bad.any():
        return bad, arrays
    fixed = tuple(np.where(bad[..., None, None],
                           np.eye(A.shape[-2], A.shape[-1]), A)
                  for A in arrays)
    return bad, fixed


def _nan_where(bad, out):
    return np.where(bad[..., None, None], np.nan, out) if bad.any() else out


def exp(X, H, t=1.0):
    """Riemannian exponential: the point reached from ``X`` along ``t H``.

    ``H`` (``(..., p, k)``, ``X^T H = 0``) is a tangent vector at ``X``.
    With the thin SVD ``H = U S V^T``,
    ``exp_X(t H) = X V cos(t S) V^T + U sin(t S) V^T`` (Edelman, Arias &
    Smith 1998), an orthonormal frame; at ``H = 0`` it returns ``X``.
    A NaN or inf in ``X`` or ``H`` gives a NaN frame for that point only.

    Domain: ``X`` frames ``(..., p, k)`` with orthonormal columns; ``H`` of the
    same shape with ``X^T H = 0`` (to 1e-8); ``t`` real, broadcasting against
    the batch.
    """
    X = _as_frames(X, "X")
    H = _check_tangent(X, H)
    bad, (X, H) = _mask_nonfinite(X, H)
    U, s, Vt = np.linalg.svd(H, full_matrices=False)
    t = _real_array(t, "t")
    try:
        ts = t[..., None] * s
        np.broadcast_shapes(ts.shape[:-1], X.shape[:-2])
    except ValueError:
        raise ValueError(f"t must broadcast against the batch shape "
                         f"{X.shape[:-2]}, got shape {t.shape}") from None
    V = np.swapaxes(Vt, -1, -2)
    out = (X @ V) * np.cos(ts)[..., None, :] @ Vt \
        + U * np.sin(ts)[..., None, :] @ Vt
    return _nan_where(bad, out)


def log(X, Y):
    """Riemannian logarithm: the tangent ``H`` at ``X`` with ``exp(X, H)``
    spanning ``span Y`` and ``||H||_F`` the geodesic distance.

    Notes
    -----
    ``Y`` is first aligned with ``X`` by the orthogonal Procrustes rotation
    (``Y* = Y Q``, ``Q`` the polar factor of ``Y^T X``), then
    ``(I - X X^T) Y* = U S V^T`` and ``H = U atan2(S, C) V^T`` with ``C`` the
    cosines ``diag(V^T X^T Y* V)`` (Bendokat, Zimmermann & Absil, "A
    Grassmann manifold handbook", 2024, with ``atan2`` in place of
    ``arcsin`` so that angles near pi/2 keep their accuracy).  Round trip
    ``exp(X, log(X, Y))`` reproduces ``span Y`` to ~1e-15 for angles up to
    pi/2 - 1e-8 (tests).

    At the cut locus (an angle of exactly pi/2, where ``X^T Y`` is
    singular) the geodesic is not unique; the deterministic choice is the
    one the SVD of ``X^T Y`` produces, and the returned ``H`` still maps to
    ``span Y``.  A NaN or inf in ``X`` or ``Y`` gives NaN for that pair only.

    Domain: ``X`` and ``Y`` frames of the same shape ``(p, k)`` with
    orthonormal columns (broadcast batches).
    """
    X = _as_frames(X, "X")
    Y = _as_frames(Y, "Y")
    if X.shape[-2:] != Y.shape[-2:]:
        raise ValueError(f"X and Y must have the same shape (p, k), got "
                         f"{X.shape[-2:]} and {Y.shape[-2:]}")
    bad, (X, Y) = _mask_nonfinite(X, Y)
    Xt = np.swapaxes(X, -1, -2)
    M = np.swapaxes(Y, -1, -2) @ X                     # Y^T X
    W, _, Zt = np.linalg.svd(M)
    Q = W @ Zt                                         # polar factor
    Ys = Y @ Q
    R = Ys - X @ (Xt @ Ys)
    U, S, Vt = np.linalg.svd(R, full_matrices=False)
    V = np.swapaxes(Vt, -1, -2)
    C = np.einsum("...ji,...jk,...ki->...i", V, Xt @ Ys, V)
    theta = np.arctan2(S, np.maximum(C, 0.0))
    return _nan_where(bad, U * theta[..., None, :] @ Vt)


def geodesic(X, Y, t):
    """Point at fraction ``t`` of the geodesic from ``span X`` (t = 0) to
    ``span Y`` (t = 1); ``t`` broadcasts against the batch.

    Domain: as :func:`log` for ``X`` and ``Y``, as :func:`exp` for ``t``.
    """
    return exp(X, log(X, Y), t)


def karcher_mean(X, weights=None, *, tol=1e-10, maxiter=200, init=None):
    """Weighted Karcher (Riemannian center of) mass of points on Gr(k, p).

    Parameters
    ----------
    X : array_like, shape (n, p, k)
        Frames of the points.
    weights : array_like, shape (n,), optional
        Non-negative weights (normalized internally); default uniform.
    tol : float
        Stop when the Riemannian gradient norm ``||sum w_i log_M(X_i)||_F``
        falls below ``tol``.
    maxiter : int
    init : array_like, shape (p, k), optional
        Starting frame; default the extrinsic mean (the top-k eigenvectors
        of the mean projector), usually within a few iterations of the
        answer.

    Returns
    -------
    M : ndarray, shape (p, k)
        The mean frame.
    info : dict
        ``grad_norm``, ``iterations``, ``converged``.

    Notes
    -----
    Riemannian gradient descent with unit step, ``M <- exp_M(sum w_i
    log_M(X_i))``, which converges linearly when the points lie in a
    convex ball (Afsari 2011).  Warns when ``maxiter`` is reached.

    Domain: at least one frame (an empty ``X`` raises ``ValueError``);
    ``tol > 0``, ``maxiter >= 1``.  A frame holding NaN makes the mean NaN
    (``converged`` False), as ``numpy.mean`` does.
    """
    X = _as_frames(X, "X")
    if X.ndim != 3:
        raise ValueError(f"X must have shape (n, p, k), got {X.shape}")
    n = X.shape[0]
    if n == 0:
        raise ValueError("X must hold at least one frame (the mean of no "
                         "points is undefined)")
    tol = _checks.real(tol, "tol", lo=0.0, lo_open=True)
    maxiter = _checks.integer(maxiter, "maxiter", lo=1)
    if weights is None:
        w = np.full(n, 1.0 / n)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n,) or np.any(~np.isfinite(w)) or np.any(w < 0) \
                or w.sum() <= 0:
            raise ValueError("weights must be n finite non-negative numbers "
                             "with a positive sum")
        w = w / w.sum()
    if not np.isfinite(X).all():
        # the mean of a set holding an undefined point is undefined
        return np.full(X.shape[1:], np.nan), {
            "grad_norm": np.nan, "iterations": 0, "converged": False}
    if init is None:
        P = np.einsum("i,ipk,iqk->pq", w, X, X)
        M = frame_from_projector(P, X.shape[-1])
    else:
        M = _as_frames(init, "init")
        if M.shape != X.shape[1:]:
            raise ValueError(f"init must have shape {X.shape[1:]}")
    grad_norm = np.inf
    it = 0
    for it in range(1, maxiter + 1):
        G = np.einsum("i,ipk->pk", w, log(M, X))
        grad_norm = float(np.linalg.norm(G))
        if grad_norm < tol:
            break
        M = orthonormalize(exp(M, G))
    converged = grad_norm < tol
    if not converged:
        import warnings
        warnings.warn(f"karcher_mean: gradient norm {grad_norm:.2e} after "
                      f"{maxiter} iterations (tol {tol:.0e})",
                      RuntimeWarning, stacklevel=2)
    return M, {"grad_norm": grad_norm, "iterations": it,
               "converged": converged}
