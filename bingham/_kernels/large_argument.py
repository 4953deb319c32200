"""log 1F1(k/2; p/2; x) at large concentration of low rank, one sign: the
large-argument expansion.

Only the ``r`` nonzero eigenvalues enter the series of ``1F1``: zonal
polynomials are stable under appending zeros, so ``1F1(a; b; x)`` over
``p`` variables is the hypergeometric function of the ``r x r`` argument
``diag(x_nonzero)`` with the same ``a = k/2``, ``b = p/2``.  Where ``r <=
k`` and ``r <= p - k`` it is the matrix-beta integral over ``0 < W < I``
(``r x r``), and for ``x = -X``, ``X`` positive definite and large, Watson's
lemma in that integral (``det(I - W)^(b - a - (r+1)/2)`` expanded in zonal
polynomials, ``W`` integrated over all of ``W > 0``) gives Muirhead's
expansion (Aspects of Multivariate Statistical Theory, 1982, sec. 7.4)

    1F1(a; b; -X) ~ Gamma_r(b) / Gamma_r(b - a) det(X)^(-a)
                    2F0(a, a - b + (r+1)/2; ; X^(-1)),

with ``2F0(a, c; ; Y) = sum_kappa (a)_kappa (c)_kappa C_kappa(Y) / |kappa|!``,
summed by the zonal-series kernel in its two-upper-parameter mode.  All
positive eigenvalues go through Kummer's relation first (``a`` becomes
``b - a``).  Ties and near ties cost nothing: the expansion is symmetric in
the eigenvalues and has no singularity where they meet.

The series is asymptotic, not convergent: its degree sums fall by about
``a |c| sum_i 1/X_i`` per degree before they grow again, so the method
applies where that ratio, and the like ratio of the part it leaves out,
are small (:func:`predicted_ratio`), and its estimate is the series' tail
(the degree sums' geometric decay, as for the zonal series) plus
rounding.  The part the expansion leaves out is
exponentially small: in the scalar case (DLMF 13.7.2) relative to the
leading term it is ``Gamma(b - a) / Gamma(a) e^(-X) X^(2a - b)``, whose
largest (over the eigenvalues, with ``a`` lowered by ``(r - 1)/2`` and the
power raised by ``r``, to be safe for ``r > 1``) is added to the estimate.

Derivatives: from the series' own (by permutation of its arguments, as for
the zonal series) through ``y = 1/X``.  An explicit zero eigenvalue gets
the gradient shared by all ``p - r`` zero directions, ``(k - sum of the
others) / (p - r)`` (the shift identity: the full gradient sums to ``k``);
its Hessian rows are not determined that way, so a Hessian with explicit
zeros is not applicable here.

Where it answers (the normalizer map, ``benchmarks/bench_normalizer_map.py``):
concentrations of rank ``r <= min(k, p - k)`` of one sign at scale 1e3-1e4,
where the branch-cut method's sum is lost to rounding.
"""
import math

import numpy as np

from . import strip_cache
from .budget import clock, resume, uncharged
from .codes import NOT_APPLICABLE, NOT_CONVERGED, OK, USED_LARGE_ARGUMENT
from .contour import stirling_remainder
from .rows import store
from .series_paths import _series

# the largest predicted decay ratio per degree (:func:`predicted_ratio`) at
# which the expansion is tried (the first ratio overstates the decay past
# degree |c|, where it tends to about max(a, |c|) sum 1/X: the series,
# stopped where its degree sums grow, finds out)
MAX_RATIO = 1.0
# the estimate, relative to max(1, |log F|), under which the result is final
ACCEPT = 1e-12
# the largest bound on the part left out (relative) at which a result is
# returned: where that part is not small the bound is no estimate of the
# error (k=3, p=16, x=[3.2, 3.2]: bound 1.5, error 6 in log F)
MAX_LEFT_OUT = 1e-6
_EPS = 2.220446049250313e-16
# (plain Python: compiling it for a few calls costs more than it saves)
_stirling = stirling_remainder.py_func


def _lgamma_difference(u, v):
    """``lgamma(u) - lgamma(v)``, ``u > v > 0``, with a rounding error of
    about eps times its size, not eps times ``lgamma(u)`` (k=3, p=1024:
    each is 2670 where the difference is 9): Stirling's remainder and
    ``u log u - v log v - (u - v) = d log u - v log1p(-d/u) - d``."""
    if v < 20.0:
        return math.lgamma(u) - math.lgamma(v)
    d = u - v
    return (_stirling(u) - _stirling(v) + d * math.log(u)
            - v * math.log1p(-d / u) - d)


def _lgamma_ratio(b, c, r):
    """``log Gamma_r(b) - log Gamma_r(c)`` (the factors of pi cancel),
    ``b > c``, and the sum of the magnitudes of its terms (for the
    rounding estimate)."""
    d = 0.0
    size = 0.0
    for i in range(r):
        t = _lgamma_difference(b - 0.5 * i, c - 0.5 * i)
        d += t
        size += abs(t)
    return d, size


def _parameters(k, p, x):
    """``(aa, c, X, shift)`` of the expansion for the nonzero eigenvalues
    ``x`` (one sign): ``log F = shift + log Gamma_r(b) - log Gamma_r(b -
    aa) - aa sum log X + log 2F0(aa, c; ; 1/X)``; None where it does not
    apply (mixed signs, none nonzero, ``r > min(k, p - k)``)."""
    r = x.shape[0]
    if r == 0 or r > min(k, p - k):
        return None
    a = 0.5 * k
    b = 0.5 * p
    if (x < 0.0).all():
        aa, X, shift = a, -x, 0.0
    elif (x > 0.0).all():
        aa, X, shift = b - a, x, float(x.sum())
    else:
        return None
    return aa, aa - b + 0.5 * (r + 1), X, shift


def significant(x, p):
    """The entries of ``x`` (last axis) beyond ``p eps max |x|``: the others,
    zeros and values at the rounding level of an eigensolver (a low-rank
    concentration's implicit zeros computed from ``A``), count as zero,
    the change bounded in the estimate (:func:`large_argument`)."""
    ax = np.abs(x)
    return ax > p * _EPS * np.max(ax, axis=-1, keepdims=True, initial=0.0)


def predicted_ratio(k, p, x):
    """The expansion's decay ratio per degree over the significant
    eigenvalues ``x`` (inf where it does not apply): the larger of its own
    series', ``a |c| sum_i 1/|x_i|``, and that of the part it leaves out,
    ``(b - a) (|1 - a| + (r - 1)/2) sum_i 1/|x_i|`` (the scalar form's
    second series, DLMF 13.2.41, shifted as in :func:`_left_out`).  The
    second keeps the bound on that part meaningful: where ``c`` is zero the
    first series ends at degree 0 whatever the concentration (k=4, p=4096,
    ``[341.3] * 3``: log F = 1.09, and the expansion, its left-out part
    bounded by e^-1926 from a leading term far outside its regime, gave
    5903.6; found by hypothesis in the torch-native series' tests)."""
    par = _parameters(k, p, x[significant(x, p)])
    if par is None:
        return math.inf
    return _ratio(p, *par[:3])


def _ratio(p, aa, c, X):
    """:func:`predicted_ratio` from the expansion's parameters."""
    r = X.shape[0]
    s = float((1.0 / X).sum())
    other = (0.5 * p - aa) * (abs(1.0 - aa) + 0.5 * (r - 1)) * s
    return max(aa * abs(c) * s, other)


def _left_out(aa, b, r, X):
    """A bound (heuristic for ``r > 1``) on the exponentially small part the
    expansion leaves out, relative to the leading term."""
    lo = max(aa - 0.5 * (r - 1), 0.5)
    worst = -math.inf
    for v in X:
        worst = max(worst, math.lgamma(b - aa + 1.0) - math.lgamma(lo) - v
                    + (2.0 * aa - b + r) * math.log(v))
    return math.exp(min(worst, 700.0))


def large_argument(k, p, x, nder, rtol, max_pairs, strips):
    """``(logF, grad, hess, err, status)`` of ``log 1F1(k/2; p/2; x)`` by
    the large-argument expansion (status NOT_APPLICABLE where it does not
    apply or its decay ratio is above ``MAX_RATIO``).  ``x``: the given
    eigenvalues (the other ``p - n`` are zero); ``strips``: the strip table
    for ``r`` parts (:mod:`.strip_cache`), the number of significant ones
    (:func:`significant`).  The others are taken as zero: that changes
    ``log F`` by at most ``k`` times the largest of them (the gradient
    over the whole spectrum is non-negative and sums to ``k``), which
    joins the estimate."""
    n = x.shape[0]
    grad = np.full(n, np.nan)
    hess = np.full((n, n), np.nan)
    if not np.isfinite(x).all():
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    nonzero = significant(x, p)
    xs = np.ascontiguousarray(x[nonzero])
    r = xs.shape[0]
    par = _parameters(k, p, xs)
    if par is None or (nder >= 2 and r < n):
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    aa, c, X, shift = par
    if _ratio(p, aa, c, X) > MAX_RATIO:
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    y = 1.0 / X
    b = 0.5 * p
    left_out = _left_out(aa, b, r, X)
    if left_out > MAX_LEFT_OUT:
        return np.nan, grad, hess, np.inf, NOT_APPLICABLE
    logS, gy, hy, err, st = uncharged(_series, aa, c, y, r, nder, rtol,
                                      max_pairs, strips, True)
    if st != OK:
        # not summed to its tail (or below its own rounding): the other
        # methods' estimates are the better ones
        return np.nan, grad, hess, np.inf, st
    lg, size = _lgamma_ratio(b, b - aa, r)
    logX = np.log(X)
    logF = shift + lg - aa * float(logX.sum()) + logS
    err += 4.0 * _EPS * (size + aa * float(np.abs(logX).sum())
                         + abs(shift) + abs(logF))
    err += left_out
    if r < n:
        err += k * float(np.max(np.abs(x[~nonzero])))
    if nder == 0:
        return logF, grad, hess, err, st
    # d log F / d X_i = -aa / X_i - gy_i / X_i^2 (y = 1/X); x = -X for the
    # negative case, x = X with Kummer's e^(sum x) for the positive one
    dX = -aa * y - gy * y * y
    gs = -dX if shift == 0.0 else 1.0 + dX
    grad[nonzero] = gs
    if r < n:
        grad[~nonzero] = (k - float(gs.sum())) / (p - r)
    if nder >= 2:
        # second derivatives in X (the same in x: two signs, or a linear
        # shift): hy_ij y_i^2 y_j^2 + delta_ij (2 gy_i y_i^3 + aa y_i^2)
        hess[:, :] = hy * np.outer(y * y, y * y)
        hess[np.diag_indices(n)] += 2.0 * gy * y ** 3 + aa * y * y
    return logF, grad, hess, err, st


def may_apply(a, b, x):
    """Whether some row of ``x`` (shape ``(N, n)``) may be answered: in
    numpy, so that a batch with none does not compile the expansion's
    series.  ``a``, ``b``: the rows' parameters."""
    k2, p2 = 2.0 * a, 2.0 * b
    with np.errstate(invalid="ignore"):
        sig = significant(x, p2[:, None])
        nz = sig.sum(axis=1)
        one_sign = (((x <= 0.0) | ~sig).all(axis=1)
                    | ((x >= 0.0) | ~sig).all(axis=1)) & (nz > 0)
    return bool((one_sign & (nz <= np.minimum(k2, p2 - k2))).any())


def large_argument_rows(a, b, x, nder, max_pairs, rows, logF, grad, hess,
                        err, status, used, spent):
    """:func:`large_argument` on the Bingham rows ``x[rows]`` (``max_pairs``:
    the series' work budget), written into the output arrays where its
    estimate is below the one they hold (the branch-cut method's); returns
    which entries of ``rows`` it answered (certified within ``ACCEPT``) and
    adds each row's seconds to ``spent``."""
    final = np.zeros(rows.shape[0], np.bool_)
    for t, r in enumerate(rows):
        k = int(2.0 * a[r] + 0.5)
        p = int(2.0 * b[r] + 0.5)
        y = x[r]
        if predicted_ratio(k, p, y) > MAX_RATIO:
            continue
        t0 = clock()
        resume(spent[r])
        r_parts = int(significant(y, p).sum())
        res = large_argument(k, p, y, nder, 2.0 ** -53, max_pairs,
                             strip_cache.table(r_parts))
        spent[r] += clock() - t0
        v, e = res[0], res[3]
        if not (math.isfinite(v) and e < err[r]):
            continue
        final[t] = e <= ACCEPT * max(1.0, abs(v))
        store((logF, grad, hess, err, status, used), r,
              res[:4] + (OK if final[t] else NOT_CONVERGED,
                         USED_LARGE_ARGUMENT), nder)
    return final
