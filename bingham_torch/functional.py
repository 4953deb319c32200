"""Differentiable hypergeometric function of matrix argument and Bingham
log-normalizer for torch.

``log_hyp1f1(x, a, b)`` takes eigenvalues ``x`` (``(..., n)``, float32 or
float64, any device) and is differentiable twice in ``x`` with exact
derivatives.  Two implementations:

* ``impl="core"``: the numba core (every regime of :mod:`bingham.special`)
  behind ``torch.library`` custom operators; CPU tensors (other devices are
  copied to the CPU and back).  Opaque to ``torch.compile`` (one node, no
  graph break).
* ``impl="native"``: tensor operations only, for the vector Bingham
  ``a = 1/2`` at any concentration (the contour representation with fixed
  work): runs on any device and under ``torch.compile(fullgraph=True)``
  without host synchronisation.

``impl="auto"`` (default) uses ``native`` for ``a = 1/2`` on non-CPU devices
and ``core`` otherwise.
"""
import torch

from . import _native, _ops

__all__ = ["log_hyp1f1", "grad_log_hyp1f1", "log_normalizer",
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
    if impl == "native" and float(a) != 0.5:
        raise ValueError(f"impl='native' needs a = 1/2 (the vector Bingham), "
                         f"got a={a}")
    if impl == "native" and not float(b) >= 0.5 * x.shape[-1]:
        raise ValueError(f"impl='native' needs b >= n/2, got b={b} with "
                         f"n={x.shape[-1]}")


def log_hyp1f1(x, a, b, *, impl="auto"):
    """``log 1F1(a; b; diag(x))``, differentiable twice in ``x``.

    Parameters
    ----------
    x : Tensor (..., n)
        Eigenvalues, float32 or float64.
    a, b : float
        Parameters (Python numbers; see :func:`bingham.special.log_hyp1f1`
        for their domain).
    impl : {"auto", "core", "native"}

    Returns
    -------
    Tensor (...)
        Same dtype and device as ``x``.

    Notes
    -----
    Gradients are exact (the core's derivatives, or moments of the contour
    integrand), and so is double backward (through the exact Hessian).
    Float32 inputs are evaluated in float64 and rounded.
    """
    _check(x, a, b, impl)
    a, b = float(a), float(b)
    if _use_native(x, a, b, impl):
        return _native.log_hyp1f1_vector(x, b)
    if x.device.type != "cpu":
        return log_hyp1f1(x.cpu(), a, b, impl="core").to(x.device)
    return _ops.log_hyp1f1_and_grad(x, a, b)[0]


def _use_native(x, a, b, impl):
    return impl == "native" or (
        impl == "auto" and a == 0.5 and x.device.type != "cpu"
        and b >= 0.5 * x.shape[-1])


def grad_log_hyp1f1(x, a, b, *, impl="auto"):
    """Gradient of :func:`log_hyp1f1` in ``x`` (``(..., n)``), itself
    differentiable (through the exact Hessian)."""
    _check(x, a, b, impl)
    a, b = float(a), float(b)
    if _use_native(x, a, b, impl):
        return _native._GradNative.apply(x, b)
    if x.device.type != "cpu":
        return grad_log_hyp1f1(x.cpu(), a, b, impl="core").to(x.device)
    return _ops.grad_log_hyp1f1(x, a, b)


def _check_kp(eigenvalues, k, p):
    if not (isinstance(k, int) and isinstance(p, int) and 1 <= k <= p):
        raise ValueError(f"k and p must be integers with 1 <= k <= p, got "
                         f"k={k!r}, p={p!r}")
    if eigenvalues.shape[-1] > p:
        raise ValueError(f"eigenvalues: {eigenvalues.shape[-1]} > p = {p}")


def grad_log_normalizer_eigvals(eigenvalues, k, p, *, impl="auto"):
    """Gradient of :func:`log_normalizer_eigvals` (``E[diag(V^T X X^T V)]``
    over the given eigen-directions), differentiable."""
    _check_kp(eigenvalues, k, p)
    return grad_log_hyp1f1(eigenvalues, 0.5 * k, 0.5 * p, impl=impl)


def log_normalizer_eigvals(eigenvalues, k, p, *, impl="auto"):
    """Matrix Bingham log-normalizer ``log 1F1(k/2; p/2; L)`` from the
    nonzero eigenvalues ``L`` (``(..., r)``, ``r <= p``), differentiable."""
    _check_kp(eigenvalues, k, p)
    return log_hyp1f1(eigenvalues, 0.5 * k, 0.5 * p, impl=impl)


def _check_symmetric(A):
    """Raise ``ValueError`` unless ``A`` equals its transpose to 1e-10
    relative (one host synchronisation)."""
    scale = A.detach().abs().amax().clamp_min(1e-300)
    if ((A - A.mT).detach().abs().amax() > 1e-10 * scale).item():
        raise ValueError("A must be symmetric")


def log_normalizer(A, k, *, impl="auto"):
    """``log 1F1(k/2; p/2; A)`` for symmetric ``A`` (``(..., p, p)``),
    differentiable through ``torch.linalg.eigvalsh``.  Symmetry is checked
    to 1e-10 relative."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"A must have shape (..., p, p), got {tuple(A.shape)}")
    _check_symmetric(A)
    ev = torch.linalg.eigvalsh(0.5 * (A + A.mT))
    return log_normalizer_eigvals(ev, k, A.shape[-1], impl=impl)
