"""A torch-native vector-Bingham normalizer: ``log 1F1(1/2; b; x)`` at any
concentration, in tensor operations only (any device, ``torch.compile`` with
``fullgraph=True``, no host synchronisation).

The same representation as the core's contour method
(:mod:`bingham._kernels.contour`): ``1F1(1/2; b; x) = Gamma(b) / (2 pi i)
int e^s prod_i (s - x_i)^(-1/2) s^(-(b - n/2)) ds`` on the parabola
``s = s0 + U ((1 + i t)^2 - 1)`` through the saddle point ``s0 = x_max +
u``, but with data-independent work: a fixed number of Newton steps for the
saddle (monotone from the left), the core's parabola scale ``U >= u`` chosen
among fixed candidates, a truncation point chosen among fixed candidates by
masks, and a fixed trapezoidal grid in ``w`` with ``t = alpha sinh(w)``.  Value, gradient and
Hessian come from the same nodes; autograd uses them (exact derivatives, not
differentiation through the iterations).  Agreement with the core: see
``tests/test_torch_functional.py``.
"""
import math

import torch

from bingham._kernels.contour import stirling_remainder as _stirling_jit

# lgamma(b) - b log b + b for b >= 20: the core's series, in plain Python
_stirling_remainder = _stirling_jit.py_func

_NEWTON_STEPS = 60
_NODES = 512
_CANDIDATES = 24
_SCALE_CANDIDATES = 8    # parabola scales u, 4u, ..., 4^7 u (and max D/2)
_SCALE_GRID = 32


def _branch_points(x, b):
    """Branch points ``c`` (``x`` and 0) and exponents ``e`` (1/2 for each
    eigenvalue, ``b - n/2`` at 0)."""
    n = x.shape[-1]
    zero = torch.zeros_like(x[..., :1])
    c = torch.cat([x, zero], dim=-1)
    e = torch.full_like(c, 0.5)
    e[..., -1] = b - 0.5 * n
    return c, e


def _saddle(d, e):
    """Root ``u`` of ``sum e_i / (u + d_i) = 1`` by Newton from the left
    (``u0 = `` the exponent at the rightmost point, where ``h >= 0``)."""
    etop = torch.where(d == 0, e, torch.zeros_like(e)).sum(-1, keepdim=True)
    u = torch.clamp(etop, min=1e-3)
    for _ in range(_NEWTON_STEPS):
        w = 1.0 / (u + d)
        h = (e * w).sum(-1, keepdim=True) - 1.0
        dh = -(e * w * w).sum(-1, keepdim=True)
        u = u - h / dh
    return u


def _parabola_scale(u, d, e, k2):
    """The core's choice of the parabola scale ``U >= u``
    (:func:`bingham._kernels.contour.parabola_scale`) with fixed work: the
    candidates ``u 4^m`` (and ``max D / 2``) are checked in parallel for a
    second bump of ``Re log(integrand) = -U tau - sum (e/2) log f(tau)``
    above ``e^-45`` on a geometric grid of ``tau = t^2``; the smallest
    candidate without one is used."""
    D = u + d                                            # (..., q)
    Dmax = D.max(-1, keepdim=True).values
    top = 0.5 * Dmax
    cands = u * 4.0 ** torch.arange(_SCALE_CANDIDATES, dtype=u.dtype,
                                    device=u.device)     # (..., C)
    cands = torch.minimum(torch.cat([cands, top], -1), top)
    cands = torch.maximum(cands, u)
    Uc = cands.unsqueeze(-1)                             # (..., C, 1)
    tau0 = 0.25 / (4.0 * Uc * Uc * k2.unsqueeze(-1))
    tau1 = torch.maximum(2.0 * (Dmax.unsqueeze(-1) / Uc - 2.0), tau0)
    grid = torch.linspace(0.0, 1.0, _SCALE_GRID, dtype=u.dtype,
                          device=u.device)
    tau = tau0 * (tau1 / tau0) ** grid                   # (..., C, G)
    Dq = D.unsqueeze(-2).unsqueeze(-2)                   # (..., 1, 1, q)
    Uq = Uc.unsqueeze(-1)                                # (..., C, 1, 1)
    A = (4.0 * Uq * Uq - 2.0 * Dq * Uq) / (Dq * Dq)
    B = Uq * Uq / (Dq * Dq)
    tq = tau.unsqueeze(-1)
    h = -Uc * tau - (0.5 * e.unsqueeze(-2).unsqueeze(-2)
                     * torch.log(1.0 + tq * (A + B * tq))).sum(-1)
    low = torch.cummin(torch.clamp(h, max=0.0), -1).values
    bump = ((h > -45.0) & (h > low + 1.0)).any(-1)       # (..., C)
    bump = bump & (cands < top)
    first = torch.argmax((~bump).to(torch.int8), -1, keepdim=True)
    return torch.gather(cands, -1, first)


def _nodes(x, b):
    """Quadrature nodes: returns per input the weights ``vals`` (complex,
    ``(..., N)``), the contour points relative to the saddle ``ds``, the
    shifts ``u + d_i`` and the log of the constant factor."""
    c, e = _branch_points(x, b)
    cmax = c.max(-1, keepdim=True).values
    d = cmax - c
    u = _saddle(d, e)
    inv = 1.0 / (u + d)                                  # (..., q)
    k2 = (e * inv * inv).sum(-1, keepdim=True)
    U = _parabola_scale(u, d, e, k2)
    width = 1.0 / (2.0 * U * torch.sqrt(k2))
    cdt = torch.complex128 if x.dtype == torch.float64 else torch.complex64

    def log_integrand(t):
        # t: (..., M) real; returns phi(s) - phi(s0) (complex) and ds/dt / i
        ut = U * t
        ds = torch.complex(-ut * t, 2.0 * ut)
        z = ds.unsqueeze(-1) * inv.unsqueeze(-2).to(cdt)  # (..., M, q)
        lf = ds - (e.unsqueeze(-2).to(cdt) * torch.log1p(z)).sum(-1)
        return lf, ds
    # truncation: the first candidate where the integrand is below e^-45
    grow = 1.5 ** torch.arange(_CANDIDATES, dtype=x.dtype, device=x.device)
    cand = 12.0 * width * grow                           # (..., C)
    lf_c, _ = log_integrand(cand)
    ok = lf_c.real < -45.0
    first = torch.argmax(ok.to(torch.int8), dim=-1, keepdim=True)
    tmax = torch.gather(cand, -1, first)
    # nodes uniform in w, t = alpha sinh(w): near t = 0 the spacing follows
    # alpha, the distance of the nearest singularity (the branch point
    # c_max, at t = i (1 - sqrt(1 - u/U))) or the Gaussian width, whichever
    # is smaller (a uniform grid in t needs sqrt(U/u) times more nodes once
    # U > u); alpha >= tmax / 8 keeps the tail, which can oscillate,
    # resolved.  Measured on 900 inputs (p = 3 .. 8192, eigenvalues to
    # 1e5 and near b): largest relative error 1.3e-14 with 512 nodes; 256
    # nodes give 3e-10 on x near b at p = 400
    alpha = torch.minimum(1.0 - torch.sqrt(torch.clamp(1.0 - u / U, min=0.0)),
                          width)
    alpha = torch.maximum(alpha, tmax / 8.0)
    wmax = torch.asinh(tmax / alpha)
    h = wmax / _NODES
    w = h * torch.arange(_NODES + 1, dtype=x.dtype, device=x.device)
    t = alpha * torch.sinh(w)
    lf, ds = log_integrand(t)
    dsi = torch.complex(2.0 * U.expand_as(t), 2.0 * U * t)
    wts = torch.full_like(t, 1.0)
    wts[..., 0] = 0.5
    wts[..., -1] = 0.5
    vals = torch.exp(lf) * dsi * (wts * h * alpha * torch.cosh(w)).to(cdt)
    # head = lgamma(b) + phi(s0), as in the core: for b >= 20 through
    # sigma = s0 - b, at which it is stationary (no cancellation between
    # lgamma(b), s0 and the logs)
    if b >= 20.0:
        sigma = u + cmax - b
        for _ in range(3):
            tt = sigma - c
            w = 1.0 / (b + tt)
            G = (e * tt * w).sum(-1, keepdim=True)
            dG = (e * b * w * w).sum(-1, keepdim=True)
            sigma = sigma - G / dG
        head = _stirling_remainder(b) + sigma.squeeze(-1) \
            - (e * torch.log1p((sigma - c) / b)).sum(-1)
    else:
        head = math.lgamma(b) + (u + cmax).squeeze(-1) \
            - (e * torch.log(u + d)).sum(-1)
    return vals, ds, (u + d)[..., :-1], head


def contour_value_grad_hess(x, b, nder):
    """``log 1F1(1/2; b; x)``, its gradient and (``nder == 2``) Hessian."""
    vals, ds, shift, head = _nodes(x, b)
    total = vals.real.sum(-1)
    logF = head + torch.log(total / math.pi)
    if nder == 0:
        return logF, None, None
    # r_j = 1 / (s - x_j) = 1 / (ds + u + d_j)
    r = 1.0 / (ds.unsqueeze(-1) + shift.unsqueeze(-2))   # (..., N, n)
    mom = (vals.unsqueeze(-1) * r).real.sum(-2) / total.unsqueeze(-1)
    grad = 0.5 * mom
    if nder == 1:
        return logF, grad, None
    rc = r - mom.to(r.dtype).unsqueeze(-2)
    M2 = torch.einsum("...ti,...tj->...ij", vals.unsqueeze(-1) * rc, rc).real
    diag = (vals.unsqueeze(-1) * r * r).real.sum(-2)
    hess = 0.25 * M2 / total[..., None, None] \
        + torch.diag_embed(0.5 * diag / total.unsqueeze(-1))
    return logF, grad, hess


class _GradNative(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x, b):
        return contour_value_grad_hess(x, b, 1)[1]

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, b = inputs
        ctx.save_for_backward(x)
        ctx.b = b

    @staticmethod
    def backward(ctx, gg):
        return _hessian_product(ctx, gg), None


def _hessian_product(ctx, gg):
    """``gg^T Hess`` at the saved input (the derivative of the gradient)."""
    (x,) = ctx.saved_tensors
    H = contour_value_grad_hess(x.detach(), ctx.b, 2)[2]
    return torch.einsum("...i,...ij->...j", gg, H)


class _SavedGrad(torch.autograd.Function):
    """Returns the gradient computed in the forward pass; differentiating it
    (double backward) evaluates the Hessian."""
    generate_vmap_rule = True

    @staticmethod
    def forward(x, g, b):
        return g

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, _, b = inputs
        ctx.save_for_backward(x)
        ctx.b = b

    @staticmethod
    def backward(ctx, gg):
        return _hessian_product(ctx, gg), None, None


class _ValueNative(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x, b):
        v, g, _ = contour_value_grad_hess(x, b, 1)
        return v, g

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, b = inputs
        ctx.save_for_backward(x, output[1])
        ctx.b = b
        ctx.mark_non_differentiable(output[1])

    @staticmethod
    def backward(ctx, gv, _gg):
        x, g = ctx.saved_tensors
        # the saved gradient, made differentiable (double backward)
        g = _SavedGrad.apply(x, g, ctx.b)
        return gv.unsqueeze(-1) * g, None


def log_hyp1f1_vector(x, b):
    """``log 1F1(1/2; b; x)`` (differentiable twice), x ``(..., n)``."""
    return _ValueNative.apply(x, b)[0]
