"""Validation and shaping of the arguments of :mod:`bingham.special`:
real arrays, the domain of ``b``, broadcasting to flat kernel rows, and
cheap tests for the small arrays of a single call."""
import functools
import math

import numpy as np

from ._kernels.large_argument import significant


def _real_array(value, name):
    arr = np.asarray(value)
    if arr.dtype.kind == "c":
        raise ValueError(f"{name} must be real, got a complex array")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a real number or array, got dtype "
                         f"{arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _check_b(a, b, n):
    """``(b)_kappa`` must not vanish for the partitions that enter the sum:
    ``b - (i-1)/2`` may not be a non-positive integer for a row ``i`` up to
    ``min(n, 2a)`` (``2a`` a positive integer) or ``n``.  ``a`` and ``b`` are
    float arrays of one shape, NaN allowed (no check)."""
    for av, bv in set(zip(a.ravel().tolist(), b.ravel().tolist())):
        if math.isnan(av) or math.isnan(bv):
            continue
        rows = n
        if av > 0 and (2 * av).is_integer():
            rows = min(n, int(2 * av))
        for i in range(rows):
            c = bv - 0.5 * i
            if c <= 0 and c.is_integer():
                raise ValueError(
                    f"b={bv!r} is not in the domain: b - (i-1)/2 is a "
                    f"non-positive integer for row i={i + 1}, which enters the "
                    f"series for n={n} eigenvalues, so 1F1 is undefined")


def _kernel_array(arr):
    """A C-contiguous, writeable float64 array: the one memory layout the
    kernels are compiled for (numba compiles read-only arrays, e.g. from
    ``np.broadcast_to``, separately, and the two compilations can differ in
    the last bit)."""
    if arr.flags.c_contiguous and arr.flags.writeable:
        return arr
    return np.array(arr, dtype=np.float64, order="C", copy=True)


@functools.lru_cache(maxsize=256)
def _check_b_scalar(a, b, n):
    if math.isinf(a) or math.isinf(b):
        raise ValueError("a and b must be finite")
    _check_b(np.array([a]), np.array([b]), n)


def _rows(x, n):
    """``x`` as rows of ``n`` eigenvalues (``n = 0`` included)."""
    return x.reshape(int(np.prod(x.shape[:-1])), n)


def _prepare(a, b, x):
    """Validate and broadcast ``(a, b, x)``; returns flat contiguous arrays
    and the leading shape."""
    x = _real_array(x, "x")
    if x.ndim == 0:
        x = x[None]
    if type(a) in (float, int) and type(b) in (float, int):
        # the common case (Python numbers), kept cheap
        n = x.shape[-1]
        _check_b_scalar(float(a), float(b), n)
        flat_x = _kernel_array(_rows(x, n))
        N = flat_x.shape[0]
        return (np.full(N, float(a)), np.full(N, float(b)), flat_x,
                x.shape[:-1], n)
    a = _real_array(a, "a")
    b = _real_array(b, "b")
    n = x.shape[-1]
    if a.ndim == 0 and b.ndim == 0:
        lead = x.shape[:-1]
    else:
        try:
            lead = np.broadcast_shapes(a.shape, b.shape, x.shape[:-1])
        except ValueError:
            raise ValueError(
                f"a (shape {a.shape}), b (shape {b.shape}) and x (shape "
                f"{x.shape}, eigenvalues on the last axis) do not broadcast"
            ) from None
        x = np.broadcast_to(x, lead + (n,))
    if np.isinf(a).any() or np.isinf(b).any():
        raise ValueError("a and b must be finite")
    flat_x = _kernel_array(_rows(x, n))
    if a.ndim == 0 and b.ndim == 0:
        _check_b(a, b, n)
        N = flat_x.shape[0]
        return np.full(N, a), np.full(N, b), flat_x, lead, n
    ab = np.broadcast_to(a, lead)
    bb = np.broadcast_to(b, lead)
    _check_b(ab, bb, n)
    flat_a = _kernel_array(ab.reshape(-1))
    flat_b = _kernel_array(bb.reshape(-1))
    return flat_a, flat_b, flat_x, lead, n


# below this size, Python on .tolist() beats numpy's per-call overhead (the
# single-input call is dominated by such checks)
_SMALL = 16


def _any(test, arr):
    """``test(arr).any()`` (``arr.any()`` for ``test=None``), cheap for the
    small arrays of a single call."""
    if arr.size <= _SMALL:
        vals = arr.ravel().tolist()
        if test is None:
            return any(vals)
        if test is np.isnan:
            return any(v != v for v in vals)
        if test is np.isinf:
            return any(v in (math.inf, -math.inf) for v in vals)
    return bool(arr.any() if test is None else test(arr).any())


def _contour_everywhere(fa, fb):
    """Every row has ``a = 1/2`` or ``b - a = 1/2``."""
    if fa.size <= _SMALL:
        return all(av == 0.5 or bv - av == 0.5
                   for av, bv in zip(fa.tolist(), fb.tolist()))
    return bool(np.all((fa == 0.5) | (fb - fa == 0.5)))


def _bingham_pair(a, b):
    """``(k, p)`` when ``a = k/2`` and ``b = p/2`` are scalars with integers
    ``1 <= k < p``, else None."""
    if np.ndim(a) != 0 or np.ndim(b) != 0:
        return None
    try:
        k2, p2 = 2.0 * float(a), 2.0 * float(b)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(k2) and math.isfinite(p2) and k2 == int(k2)
            and p2 == int(p2) and 1 <= k2 < p2):
        return None
    return int(k2), int(p2)


def snap_zeros(ev):
    """Eigenvalues (last axis) computed from a symmetric matrix, with those
    within ``p eps max |eigenvalue|`` of zero set to exactly zero: the
    eigensolver's backward error is of that size, so they are zero as far
    as the matrix tells, and a low-rank concentration ``V diag(l) V^T``
    keeps its ``p - r`` implicit zeros as one exact group instead of a
    cluster of near ties at the rounding level (which cost the normalizer
    its exact methods: k=12, p=64, ``l = [1e4, 1860, 1860, 2752]`` came back
    as the Laplace approximation, 6e3 off).  Returns ``(ev, moved)``,
    ``moved`` the largest value set to zero per row (0 where none)."""
    ev = np.array(ev, dtype=np.float64)
    # (the rule the large-argument expansion applies to given eigenvalues)
    # (a row that is not finite is left as it is)
    small = ~significant(ev, ev.shape[-1]) \
        & np.isfinite(ev).all(axis=-1, keepdims=True)
    moved = np.max(np.where(small, np.abs(ev), 0.0), axis=-1, initial=0.0)
    ev[small] = 0.0
    return ev, moved


def _symmetric_eigvals(A):
    """The eigenvalues of symmetric ``A`` (shape ``(..., p, p)``) with those
    within rounding of zero set to zero (:func:`snap_zeros`), and the
    largest change that made per matrix."""
    A = _real_array(A, "A")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"A must have shape (..., p, p), got {A.shape}")
    if np.isnan(A).any():
        nan_rows = np.isnan(A).any(axis=(-1, -2))
        A = np.where(nan_rows[..., None, None], 0.0, A)
    else:
        nan_rows = None
    scale = np.max(np.abs(A), axis=(-1, -2), keepdims=True, initial=0.0)
    asym = np.abs(A - np.swapaxes(A, -1, -2))
    with np.errstate(invalid="ignore"):
        if np.any(asym > 1e-10 * np.maximum(scale, np.finfo(float).tiny)):
            raise ValueError("A must be symmetric (A == A.T up to rounding)")
    ev, moved = snap_zeros(np.linalg.eigvalsh(A))
    if nan_rows is not None:
        ev = np.where(nan_rows[..., None], np.nan, ev)
        moved = np.where(nan_rows, np.nan, moved)
    return ev, moved
