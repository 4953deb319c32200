"""A torch-native zonal series for ``log 1F1(a; b; x)`` in the Bingham family
(``2a`` and ``2b`` integers, ``a <= b``, ``n <= 2b``): tensor operations
only, so it runs on any device and under ``torch.compile(fullgraph=True)``.

The series ``sum_kappa (a)_kappa / (b)_kappa C_kappa(x) / |kappa|!`` is
truncated at a fixed degree ``K``.  Jack functions are built one variable at
a time by the branching rule over horizontal strips, exactly as in the core
(:mod:`bingham._kernels.zonal`), but from a table of all ``(kappa, mu)``
strip pairs made once on the host (:func:`bingham._kernels.strip_pairs.
strip_table`), so every step is a gather, a product and an ``index_add``
with data-independent shapes.  The stored quantity is ``(a)_kappa /
(b)_kappa C_kappa(x_1..x_v) / |kappa|!`` (bounded by the terms of a scalar
series, so nothing overflows at high degree) and the powers are ``(x/b)^d``;
the per-pair weights carry the rest (:func:`bingham._kernels.strip_pairs.
fold_pochhammer`).  The last variable is contracted with a dense
``(partitions x (K + 1))`` matrix (one matrix product).

Error estimate (returned by :func:`log_hyp1f1_series`):

* a rigorous tail bound: ``(a)_kappa / (b)_kappa <= (a)_N / (b)_N`` for
  ``|kappa| = N`` (sort the cell contents ``j - 1 - (i - 1)/2``: the
  ``r``-th smallest is at most ``r - 1``, and ``(a + c)/(b + c)`` is
  increasing and in ``[0, 1]``), and ``|C_kappa(x)| <= C_kappa(|x|)`` with
  ``sum_{|kappa|=N} C_kappa(y) = (tr y)^N``; so the neglected terms are
  bounded by the tail of the scalar series ``sum_N (a)_N / (b)_N s^N / N!``
  with ``s = sum |x_i|``, summed geometrically with a ratio bound.  It is
  sharp when ``s`` is small against ``b`` (the MoE case) and loose when the
  concentration is spread over many more eigenvalues than ``2a`` (it counts
  partitions with too many parts);
* for non-negative arguments also the core's estimate from the last three
  degree sums (heuristic: it assumes the decay does not slow down), and the
  smaller of the two is used;
* rounding: ``(n + 2K + 4) eps`` times the sum of the absolute values of
  the terms (``F`` itself when ``x >= 0``, the scalar series otherwise);
* all divided by a lower bound of ``F``: the Jensen bound ``F >= exp((a/b)
  sum x)`` (the Haar mean of ``tr(Y^T A Y)``), or the partial sum itself
  for non-negative terms.

The degree is chosen on the host from the data (``degree=None``, eager
mode) or given by the caller (required under ``torch.compile``, where the
work must not depend on the data).
"""
import functools
import math
import warnings

import numpy as np
import torch

from bingham import _checks
from bingham._kernels.strip_pairs import fold_pochhammer, strip_table
from bingham._kernels.zonal import series_work
from bingham.special import AccuracyWarning

#: largest strip table built (pairs); about 50 bytes per pair and input of
#: temporary memory per step
MAX_PAIRS = 2_000_000
#: values whose error bound (absolute, in log F) exceeds this, or 1000 eps
#: of the dtype, are NaN
CERTIFY_ATOL = 1e-8


def certify_atol(dtype):
    """The certification threshold for ``dtype`` (absolute, in log F)."""
    return max(CERTIFY_ATOL, 1000 * torch.finfo(dtype).eps)


def supports(a, b, n):
    """True when ``(a, b, n)`` is in the Bingham family this module covers."""
    return (float(2 * a).is_integer() and float(2 * b).is_integer()
            and 0.5 <= a <= b and n <= 2 * b)


def max_parts(a, n):
    """Partitions with more than ``2a`` parts carry ``(a)_kappa = 0``."""
    return max(1, min(n, int(round(2 * a))))


@functools.lru_cache(maxsize=64)
def _strips(m, degree):
    return strip_table(m, degree)


@functools.lru_cache(maxsize=64)
def _cached_plan(a, b, m, n, degree):
    kap, mu, d, gamma, lengths, parent, shift, sizes, parts = \
        _strips(m, degree)
    npart = lengths.shape[0]
    # the stored quantity is (a)_kappa / (b)_kappa C_kappa(x) / |kappa|!
    # (bounded by the scalar series' terms), and the powers are (x/b)^d:
    # the per-pair weight takes the rest, as one running product (each
    # factor alone over- or underflows at high degree)
    weight = fold_pochhammer(kap, mu, d, gamma, parts, a, b, b)
    steps = []
    everything = tuple(torch.as_tensor(t) for t in (kap, mu, d, weight))
    for v in range(1, n):
        if v <= m:
            # E_v vanishes on partitions with more than v parts
            keep = (lengths[kap] <= v) & (lengths[mu] <= v - 1)
            steps.append(tuple(torch.as_tensor(t[keep])
                               for t in (kap, mu, d, weight)))
        else:
            steps.append(everything)
    # final[:, j]: all terms (j = 0), the terms of degree K, K-1, K-2
    final = np.zeros((4, npart, degree + 1))
    np.add.at(final[0], (mu, d), weight)
    total = sizes[:, None] + np.arange(degree + 1)[None, :]
    for j in range(1, 4):
        final[j] = np.where(total == degree + 1 - j, final[0], 0.0)
    final = final.transpose(1, 0, 2).reshape(npart, 4 * (degree + 1))
    return npart, tuple(steps), torch.as_tensor(final)


@torch.compiler.assume_constant_result
def _plan(a, b, m, n, degree):
    """Host-side tables for one ``(a, b, m, n, degree)`` (CPU tensors; a
    constant for ``torch.compile``): the pairs ``(kappa, mu, d, weight)``
    used at each step ``v = 1 .. n-1`` and the final matrix (for the whole
    sum and for the last three degrees)."""
    return _cached_plan(a, b, m, n, degree)


@functools.lru_cache(maxsize=1024)
def pairs(m, degree):
    """Number of strip pairs (the work per input and step) at ``degree``."""
    return int(series_work(m, degree)[1])


def _powers(y, degree):
    """``y^d`` for ``d = 0 .. degree``: ``(..., n, degree + 1)``."""
    cols = [torch.ones_like(y)]
    for d in range(1, degree + 1):
        cols.append(cols[-1] * y)
    return torch.stack(cols, -1)


def _contract(x, a, b, degree):
    """Build ``E_mu(x_1..x_{n-1})`` by the branching rule and contract with
    the final matrices: returns ``EW`` (``(B, 4, K+1)``, the coefficients of
    ``(x_n/b)^d`` in the sum and in the degree-K, K-1, K-2 parts) and those
    powers (``(B, K+1)``)."""
    n = x.shape[-1]
    m = max_parts(a, n)
    npart, steps, final = _plan(a, b, m, n, degree)
    xf = x.reshape(-1, n)
    xp = _powers(xf / b, degree)                         # (B, n, K+1)
    dev, dt = x.device, x.dtype
    E = torch.zeros(xf.shape[0], npart, dtype=dt, device=dev)
    E[:, 0] = 1.0
    for v, (kap, mu, d, w) in enumerate(steps, start=1):
        contrib = (E[:, mu.to(dev)] * w.to(dev, dt)
                   * xp[:, v - 1, d.to(dev)])
        E = torch.zeros_like(E).index_add(1, kap.to(dev), contrib)
    EW = (E @ final.to(dev, dt)).reshape(-1, 4, degree + 1)
    return EW, xp[:, n - 1, :]


def _series(x, a, b, degree):
    """``F_K(x)`` and the degree sums ``T_K, T_{K-1}, T_{K-2}``
    (``(...)`` and ``(..., 3)``), differentiable."""
    EW, last = _contract(x, a, b, degree)
    parts = (EW * last.unsqueeze(-2)).sum(-1).reshape(*x.shape[:-1], 4)
    return parts[..., 0], parts[..., 1:]


def _scalar_terms(s, a, b, degree):
    """``t_N = (a)_N / (b)_N s^N / N!``: the sum up to ``N = degree`` and
    the first neglected term."""
    t = torch.ones_like(s)
    total = torch.ones_like(s)
    for N in range(degree + 1):
        t = t * ((a + N) / (b + N)) * s / (N + 1)
        if N < degree:
            total = total + t
    return total, t


def _rigorous_tail(s, a, b, degree):
    """Bound on ``sum_{N > K} |T_N|``: the scalar tail (module doc) summed
    geometrically with the ratio bound ``rho``; also returns the scalar
    head (a bound on the sum of the absolute values of the terms)."""
    head, first = _scalar_terms(s, a, b, degree)
    K = degree
    rho = s * max(1.0, (a + K + 1) / (K + 2)) / (b + K + 1)
    tail = torch.where(rho < 1, first / (1 - rho).clamp_min(1e-300),
                       torch.full_like(s, math.inf))
    return tail, head


def _decay_tail(T):
    """For non-negative terms: the core's estimate from the last three
    degree sums, ``T_K r / (1 - r)`` with ``r`` the larger of the last two
    ratios (heuristic: it assumes the decay does not slow down)."""
    tk, tk1, tk2 = T[..., 0], T[..., 1], T[..., 2]
    tiny = torch.finfo(T.dtype).tiny
    r = torch.maximum(tk / tk1.clamp_min(tiny), tk1 / tk2.clamp_min(tiny))
    est = tk * r / (1 - r).clamp_min(tiny)
    return torch.where(tk == 0, torch.zeros_like(tk),
                       torch.where(r < 1, est, torch.full_like(tk, math.inf)))


def error_bound(x, F, T, a, b, degree):
    """``(error, tail)``: a bound on the absolute error of ``log F_K(x)``
    and the tail part of it relative to ``F`` (see the module doc)."""
    eps = torch.finfo(x.dtype).eps
    n = x.shape[-1]
    rig, head = _rigorous_tail(x.abs().sum(-1), a, b, degree)
    nonneg = (x >= 0).all(-1)
    tail = torch.where(nonneg, torch.minimum(rig, _decay_tail(T)), rig)
    absum = torch.where(nonneg, F.abs(), head)
    # lower bounds of F: Jensen, and the partial sum of non-negative terms
    log_lo = (a / b) * x.sum(-1)
    log_lo = torch.where(nonneg, torch.maximum(log_lo, torch.log(F)), log_lo)
    r = torch.exp(torch.log(tail + (n + 2 * degree + 4) * eps * absum)
                  - log_lo)
    # |log F_K - log F| <= -log(1 - r); r > 1/2 certifies nothing useful
    err = torch.where(r <= 0.5, -torch.log1p(-r.clamp(max=0.5)),
                      torch.full_like(r, math.inf))
    return err, torch.exp(torch.log(tail) - log_lo)


def _finite_rows(x, a, b):
    """Host copy of the finite inputs (shifted as :func:`_shift` does)."""
    xs = x.detach().to("cpu", torch.float64).reshape(-1, x.shape[-1]).numpy()
    xs = xs[np.isfinite(xs).all(-1)]     # NaN and inf inputs give NaN
    if xs.shape[-1] == round(2 * b) and xs.shape[0]:
        xs = xs - xs.min(-1, keepdims=True)
    return xs


def rigorous_degree(x, a, b):
    """The smallest degree whose rigorous tail bound is below ``eps/4`` of
    the Jensen lower bound for every input (host computation, one sync), or
    ``None`` when that needs more than :data:`MAX_PAIRS` strip pairs."""
    xs = _finite_rows(x, a, b)
    if xs.shape[0] == 0:
        return 1
    eps = float(torch.finfo(x.dtype).eps)
    s = np.abs(xs).sum(-1)
    jensen = (a / b) * xs.sum(-1)
    m = max_parts(a, x.shape[-1])
    t = np.ones_like(s)
    K = 0
    while True:
        t = t * ((a + K) / (b + K)) * s / (K + 1)   # first neglected term
        rho = s * max(1.0, (a + K + 1) / (K + 2)) / (b + K + 1)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            tail = np.where(rho < 1, t / (1 - rho), np.inf)
            ok = np.all(np.log(tail) - jensen <= math.log(0.25 * eps))
        if ok and K >= 1:
            return K
        if pairs(m, K + 1) > MAX_PAIRS:
            return None
        K += 1


def max_degree(m):
    """The largest degree within :data:`MAX_PAIRS`."""
    return _max_degree(m, MAX_PAIRS)


@functools.lru_cache(maxsize=16)
def _max_degree(m, cap):
    K = 1
    while pairs(m, K + 1) <= cap:
        K += 1
    return K


def choose_degree(x, a, b):
    """``(degree, certified)`` for eager mode: the rigorous degree when it
    is within the cap; otherwise (non-negative terms converge long before
    the scalar bound says so when the concentration is spread over many
    eigenvalues) degrees 16, 32, 64, ... up to the cap, evaluated until the
    tail estimate of every finite input is below ``eps/4`` of ``F``."""
    if x.numel() == 0:
        return 1, True
    K = rigorous_degree(x, a, b)
    if K is not None:
        return K, True
    xs = x.detach().reshape(-1, x.shape[-1])
    xs = xs[torch.isfinite(xs).all(-1)]
    eps = torch.finfo(x.dtype).eps
    top = max_degree(max_parts(a, x.shape[-1]))
    K = 16
    while True:
        K = min(K, top)
        _, err, tail = _evaluate(xs, a, b, K)
        if bool((tail <= 0.25 * eps).all()):
            return K, True
        if K == top:
            return K, False
        K *= 2


def _shift(x, a, b):
    """With all ``2b = p`` eigenvalues given, the shift identity ``log F(x)
    = log F(x - c) + 2a c`` with ``c = min x`` (a constant: no gradient)
    makes the arguments non-negative: no cancellation, smaller ``s``."""
    if x.shape[-1] != round(2 * b):
        return x, None
    c = x.detach().amin(-1, keepdim=True)
    return x - c, c.squeeze(-1)


def _evaluate(x, a, b, degree):
    """``(log F_K(x), error, tail)`` without the NaN masking."""
    if x.shape[-1] == 0:                     # no eigenvalues: F = 1 exactly
        zero = x.sum(-1) * 0.0
        return zero, zero.detach(), zero.detach()
    x, c = _shift(x, a, b)
    F, T = _series(x, a, b, degree)
    err, tail = error_bound(x.detach(), F.detach(), T.detach(), a, b, degree)
    logF = torch.log(F)
    if c is not None:
        logF = logF + 2 * a * c
    return logF, err, tail


def log_hyp1f1_series(x, a, b, degree):
    """``(log F_K(x), error bound)`` at a fixed degree; values whose bound
    exceeds :func:`certify_atol` are NaN.  Differentiable (autograd through
    the recursion, to any order)."""
    logF, err, _ = _evaluate(x, a, b, degree)
    logF = torch.where(err <= certify_atol(x.dtype), logF,
                       torch.full_like(logF, math.nan))
    return logF, err


def resolve_degree(x, a, b, degree):
    """``degree`` if given, else the data-driven choice (eager only); warns
    with :class:`AccuracyWarning` when the table cap stops it short."""
    if degree is not None:
        # the memory cap comes from a numba counter, which torch.compile
        # cannot trace: under compile only the type and sign are checked
        cap = None if torch.compiler.is_compiling() else \
            max_degree(max_parts(a, x.shape[-1]))
        return _checks.integer(degree, "degree", lo=1, hi=cap)
    if torch.compiler.is_compiling():
        raise ValueError("degree: the torch-native series needs a fixed "
                         "degree under torch.compile (pass degree=...)")
    K, certified = choose_degree(x, a, b)
    if not certified:
        warnings.warn(
            f"torch-native series: degree capped at {K} (MAX_PAIRS = "
            f"{MAX_PAIRS}); inputs whose error bound exceeds "
            f"{certify_atol(x.dtype):.1e} are NaN; impl='core' covers every "
            f"regime", AccuracyWarning, stacklevel=4)
    return K


def grad_series(x, a, b, degree):
    """Gradient of ``log F_K`` in ``x`` with tensor operations only (no
    ``autograd.grad``): ``dF/dx_j`` is the series with ``x_j`` moved to the
    last position, differentiated in that variable.  Costs ``n``
    evaluations; differentiable.  Not masked: check
    :func:`log_hyp1f1_series`' error for the same input."""
    x, _ = _shift(x, a, b)
    n = x.shape[-1]
    if n == 0:
        return x * 0.0
    idx = torch.arange(n, device=x.device)
    # row j: the other variables, then x_j
    order = torch.stack([torch.cat([idx[:j], idx[j + 1:], idx[j:j + 1]])
                         for j in range(n)])
    xs = x[..., order]                                   # (..., n, n)
    EW, last = _contract(xs, a, b, degree)
    # d/dx (x/b)^d = (d/b) (x/b)^(d-1)
    orders = torch.arange(degree + 1, dtype=x.dtype, device=x.device) / b
    dlast = torch.cat([torch.zeros_like(last[:, :1]), last[:, :-1]], -1) \
        * orders
    F = (EW[:, 0] * last).sum(-1)
    dF = (EW[:, 0] * dlast).sum(-1)
    return (dF / F).reshape(x.shape)
