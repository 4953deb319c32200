"""Differentiable hypergeometric function of matrix argument and Bingham
log-normalizer for torch.

``log_hyp1f1(x, a, b)`` takes eigenvalues ``x`` (``(..., n)``, float32 or
float64, any device) and is differentiable twice in ``x`` with exact
derivatives.  Two implementations:

* ``impl="core"``: the numba core (every regime of :mod:`bingham.special`)
  behind ``torch.library`` custom operators; CPU tensors (other devices are
  copied to the CPU and back).  Opaque to ``torch.compile`` (one node, no
  graph break).
* ``impl="native"``: tensor operations only, so it runs on any device and
  under ``torch.compile(fullgraph=True)`` without host synchronisation:

  - ``a = 1/2`` (the vector Bingham) at any concentration: the contour
    representation with fixed work;
  - ``a = k/2``, ``b = p/2`` (integers ``k <= p``, ``n <= p``): the zonal
    series at a fixed ``degree``, the moderate regime of low-rank
    concentrations in high dimension (the MoE case).  Its error bound is
    rigorous (tail) plus first-order rounding; values it cannot certify to
    1e-8 in ``log F`` (1.2e-4 in float32) are NaN.  In eager mode
    ``degree=None`` picks the smallest degree that certifies the batch (one
    host synchronisation);
    under ``torch.compile`` pass ``degree``.  See
    :func:`log_hyp1f1_with_error`.

``impl="auto"`` (default) uses ``core`` on the CPU.  On other devices it
uses ``native`` for ``a = 1/2``; for the series it uses ``native`` when
``degree`` is given, or (eager mode) when a degree within the table cap
certifies the batch, and ``core`` otherwise.
"""
import torch

from bingham import _checks

from . import _native, _native_series, _ops

__all__ = ["log_hyp1f1", "log_hyp1f1_with_error", "grad_log_hyp1f1",
           "hess_log_hyp1f1", "log_normalizer",
           "log_normalizer_eigvals", "grad_log_normalizer_eigvals"]

_IMPLS = ("auto", "core", "native")


def _check(x, a, b, impl):
    if not isinstance(x, torch.Tensor):
        raise ValueError("x must be a torch.Tensor")
    if x.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"x must be float32 or float64, got {x.dtype}")
    if x.ndim < 1:
        raise ValueError("x must have shape (..., n)")
    if impl not in _IMPLS:
        raise ValueError(f"impl must be one of {_IMPLS}, got {impl!r}")
    for name, v in (("a", a), ("b", b)):
        if isinstance(v, torch.Tensor) or not isinstance(v, (int, float)):
            raise ValueError(f"{name} must be a Python number")
    n = x.shape[-1]
    if impl == "native" and not (_contour_ok(a, b, n)
                                 or _native_series.supports(a, b, n)):
        raise ValueError(
            f"impl='native' needs a = 1/2 and b >= n/2 (the contour), or "
            f"2a, 2b integers with 1/2 <= a <= b and n <= 2b (the series); "
            f"got a={a}, b={b}, n={n}")


def _contour_ok(a, b, n):
    return float(a) == 0.5 and float(b) >= 0.5 * n


def _native_degree(x, a, b, impl, degree):
    """``None`` for the core, ``0`` for the native contour, or the degree of
    the native series (see the module docstring for ``auto``)."""
    n = x.shape[-1]
    if impl == "core":
        return None
    if impl == "auto" and x.device.type == "cpu":
        return None
    if _contour_ok(a, b, n):
        return 0
    if not _native_series.supports(a, b, n):
        return None
    if impl == "native" or degree is not None:
        return _native_series.resolve_degree(x, a, b, degree)
    if torch.compiler.is_compiling():
        return None
    K, certified = _native_series.choose_degree(x, a, b)
    return K if certified else None


def log_hyp1f1(x, a, b, *, impl="auto", degree=None):
    """``log 1F1(a; b; diag(x))``, differentiable twice in ``x``.

    Parameters
    ----------
    x : Tensor (..., n)
        Eigenvalues, float32 or float64.
    a, b : float
        Parameters (Python numbers; see :func:`bingham.special.log_hyp1f1`
        for their domain).
    impl : {"auto", "core", "native"}
    degree : int, optional
        Truncation degree of the native series (``a > 1/2``); required
        under ``torch.compile``, chosen from the data otherwise.  At most
        the degree whose strip table fits ``MAX_PAIRS`` (2e6) pairs (114
        for two eigenvalues at ``a = 1``): a larger one raises
        ``ValueError`` instead of exhausting memory.

    Returns
    -------
    Tensor (...)
        Same dtype and device as ``x``.

    Notes
    -----
    Gradients are exact (the core's derivatives, or moments of the contour
    integrand), and so is double backward (through the exact Hessian).  The
    native series is differentiated through its recursion (the exact
    derivatives of the truncated series).  The core evaluates float32
    inputs in float64 and rounds; the native paths compute in the input's
    dtype.
    """
    _check(x, a, b, impl)
    a, b = float(a), float(b)
    K = _native_degree(x, a, b, impl, degree)
    if K == 0:
        return _native.log_hyp1f1_vector(x, b)
    if K is not None:
        return _native_series.log_hyp1f1_series(x, a, b, K)[0]
    if x.device.type != "cpu":
        return log_hyp1f1(x.cpu(), a, b, impl="core").to(x.device)
    return _ops.log_hyp1f1_and_grad(x, a, b)[0]


def log_hyp1f1_with_error(x, a, b, *, degree=None):
    """The native series with its error bound: ``(log F, error)``, both
    ``(...)``, where ``error`` bounds ``|log F_K - log F|`` (rigorous tail
    bound plus first-order rounding, see :mod:`bingham_torch._native_series`)
    and values whose bound exceeds 1e-8 (float32: 1.2e-4) are NaN.  Domain:
    ``2a``, ``2b`` integers, ``1/2 <= a <= b``, ``n <= 2b``; any device,
    fixed work for a given ``degree``."""
    _check(x, a, b, "native")
    a, b = float(a), float(b)
    if not _native_series.supports(a, b, x.shape[-1]):
        raise ValueError(f"a, b: the native series needs 2a, 2b integers "
                         f"with 1/2 <= a <= b and n <= 2b, got a={a}, b={b}")
    K = _native_series.resolve_degree(x, a, b, degree)
    return _native_series.log_hyp1f1_series(x, a, b, K)


def grad_log_hyp1f1(x, a, b, *, impl="auto", degree=None):
    """Gradient of :func:`log_hyp1f1` in ``x`` (``(..., n)``), itself
    differentiable (through the exact Hessian, or the native series'
    recursion; the series gradient costs ``n`` evaluations).

    Domain: as :func:`log_hyp1f1`.
    """
    _check(x, a, b, impl)
    a, b = float(a), float(b)
    K = _native_degree(x, a, b, impl, degree)
    if K == 0:
        return _native._GradNative.apply(x, b)
    if K is not None:
        return _native_series.grad_series(x, a, b, K)
    if x.device.type != "cpu":
        return grad_log_hyp1f1(x.cpu(), a, b, impl="core").to(x.device)
    return _ops.grad_log_hyp1f1(x, a, b)


def hess_log_hyp1f1(x, a, b, *, impl="auto", degree=None):
    """Hessian of :func:`log_hyp1f1` in ``x`` (``(..., n, n)``), exact (the
    core's, the contour's moments, or the native series differentiated
    twice).  Not itself differentiable.

    Domain: as :func:`log_hyp1f1`.
    """
    _check(x, a, b, impl)
    a, b = float(a), float(b)
    K = _native_degree(x, a, b, impl, degree)
    if K == 0:
        return _native.contour_value_grad_hess(x.detach(), b, 2)[2]
    if K is not None:
        with torch.enable_grad():
            y = x.detach().requires_grad_()
            g = _native_series.grad_series(y, a, b, K)
            rows = [torch.autograd.grad(g[..., j].sum(), y,
                                        retain_graph=True)[0]
                    for j in range(x.shape[-1])]
        return torch.stack(rows, -2) if rows else g.unsqueeze(-1)
    if x.device.type != "cpu":
        return hess_log_hyp1f1(x.cpu(), a, b, impl="core").to(x.device)
    return _ops.hess_log_hyp1f1(x.detach(), a, b)


def _check_kp(eigenvalues, k, p):
    p = _checks.integer(p, "p", lo=1)
    k = _checks.integer(k, "k", lo=1, hi=p)
    if eigenvalues.shape[-1] > p:
        raise ValueError(f"eigenvalues: {eigenvalues.shape[-1]} > p = {p}")


def grad_log_normalizer_eigvals(eigenvalues, k, p, *, impl="auto",
                                degree=None):
    """Gradient of :func:`log_normalizer_eigvals` (``E[diag(V^T X X^T V)]``
    over the given eigen-directions), differentiable.

    Domain: as :func:`log_normalizer_eigvals`.
    """
    _check_kp(eigenvalues, k, p)
    return grad_log_hyp1f1(eigenvalues, 0.5 * k, 0.5 * p, impl=impl,
                           degree=degree)


def log_normalizer_eigvals(eigenvalues, k, p, *, impl="auto", degree=None):
    """Matrix Bingham log-normalizer ``log 1F1(k/2; p/2; L)`` from the
    nonzero eigenvalues ``L`` (``(..., r)``, ``r <= p``), differentiable.
    ``impl`` and ``degree`` as in :func:`log_hyp1f1`.

    Domain: float32 or float64 ``eigenvalues`` ``(..., r)`` with ``r <= p``,
    integers ``1 <= k <= p``; NaN in a row gives NaN for that row.
    """
    _check_kp(eigenvalues, k, p)
    return log_hyp1f1(eigenvalues, 0.5 * k, 0.5 * p, impl=impl,
                      degree=degree)


def _check_symmetric(A):
    """Raise ``ValueError`` unless ``A`` equals its transpose to 1e-10
    relative (one host synchronisation)."""
    if A.numel() == 0:
        return
    finite = torch.isfinite(A.detach())
    Ad = torch.where(finite, A.detach(), torch.zeros_like(A.detach()))
    scale = Ad.abs().amax().clamp_min(1e-300)
    if ((Ad - Ad.mT).abs().amax() > 1e-10 * scale).item():
        raise ValueError("A must be symmetric")


def log_normalizer(A, k, *, impl="auto", degree=None):
    """``log 1F1(k/2; p/2; A)`` for symmetric ``A`` (``(..., p, p)``),
    differentiable through ``torch.linalg.eigvalsh``.  Symmetry is checked
    to 1e-10 relative.

    Domain: a float32 or float64 tensor ``A`` of shape ``(..., p, p)``, ``p >=
    1``, symmetric to 1e-10 relative; an integer ``1 <= k <= p``.  A matrix
    holding NaN or inf gives NaN (that matrix only).
    """
    if not isinstance(A, torch.Tensor):
        raise TypeError(f"A must be a torch.Tensor, got {type(A).__name__}")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2] or A.shape[-1] < 1:
        raise ValueError(f"A must have shape (..., p, p) with p >= 1, got "
                         f"{tuple(A.shape)}")
    _check_symmetric(A)
    ev = _snap_zeros(_eigvalsh_nan_rows(0.5 * (A + A.mT)))
    return log_normalizer_eigvals(ev, k, A.shape[-1], impl=impl,
                                  degree=degree)


def _snap_zeros(ev):
    """Eigenvalues within ``p eps max |eigenvalue|`` of zero set to zero, as
    :func:`bingham._special_args.snap_zeros` does (the implicit zeros of a
    low-rank ``A`` stay one exact group, not a cluster of near ties at the
    rounding level); the value is exactly zero and the gradient passes
    through unchanged (the derivative at zero, a change of the order of the
    eigensolver's rounding)."""
    with torch.no_grad():
        size = ev.abs().nan_to_num(0.0).amax(-1, keepdim=True)
        small = ev.abs() <= ev.shape[-1] * torch.finfo(ev.dtype).eps * size
    return torch.where(small, ev - ev.detach(), ev)


def _eigvalsh_nan_rows(A):
    """``eigvalsh`` over a batch in which a matrix holding NaN or inf gives
    NaN eigenvalues (that matrix only) instead of failing the batch."""
    bad = ~torch.isfinite(A).flatten(-2).all(-1)
    if not bool(bad.any()):
        return torch.linalg.eigvalsh(A)
    eye = torch.eye(A.shape[-1], dtype=A.dtype, device=A.device)
    ev = torch.linalg.eigvalsh(torch.where(bad[..., None, None], eye, A))
    return torch.where(bad[..., None], torch.full_like(ev, float("nan")), ev)
