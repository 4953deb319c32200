"""The evaluation behind :mod:`bingham.special`'s public functions: the
scalar fast paths, the canonical forms of Bingham inputs (Kummer's
relation, the shift identity), the policy's tiers over a batch
(:mod:`bingham._kernels.policy`), infinite eigenvalues, and the warnings
that report what could not be certified."""
import math
import warnings

import numpy as np

from . import _isotropic
from ._kernels import codes as _codes
from ._kernels import direct as _direct
from ._kernels import kummer as _kummer
from ._kernels import policy as _policy
from ._special_args import (_any, _bingham_pair, _check_b_scalar,
                            _contour_everywhere, _prepare, _real_array)

_METHODS = {"auto": _codes.AUTO, "series": _codes.SERIES,
            "contour": _codes.CONTOUR, "laplace": _codes.LAPLACE,
            "holonomic": _codes.HOLONOMIC, "cut": _codes.CUT}
_USED_ISOTROPIC = _codes.USED_ISOTROPIC
_USED = {_codes.USED_NONE: "none", _codes.USED_SERIES: "series",
         _codes.USED_CONTOUR: "contour",
         _codes.USED_CLOSED_FORM: "closed form",
         _codes.USED_LAPLACE: "laplace",
         _codes.USED_HOLONOMIC: "holonomic",
         _codes.USED_CUT: "cut",
         _codes.USED_KUMMER: "series",
         _codes.USED_RANK_TWO: "rank two",
         _codes.USED_LARGE_ARGUMENT: "large argument",
         _codes.USED_CHEAP_SERIES: "series",
         _codes.USED_VECTOR_SERIES: "series",
         _USED_ISOTROPIC: "isotropic"}
_RTOL = 2.0 ** -53
_EPS = 2.0 ** -52
# "auto" makes a tie of more values than this the implicit zeros
_SHIFT_FROM = 8
# strip pairs times variables the series may visit for one input (a few
# seconds); beyond it the partial sum is returned with a warning
_MAX_WORK = 1.2e9


class AccuracyWarning(RuntimeWarning):
    """A result could not be certified to the library's accuracy; the
    returned error estimate says how far it can be trusted."""
    __module__ = "bingham.special"    # its public home


def _warn(message, stacklevel=3):
    """An :class:`AccuracyWarning` about ``1F1`` of matrix argument;
    ``stacklevel`` counts from the function calling this one (3 from
    :func:`_run`: the caller of the public function)."""
    warnings.warn(f"1F1 of matrix argument: {message}", AccuracyWarning,
                  stacklevel=stacklevel + 1)


def _method_code(method):
    if method == "isotropic":
        return _codes.LAPLACE   # placeholder run, replaced row by row
    try:
        return _METHODS[method]
    except (KeyError, TypeError):
        raise ValueError(
            f"method must be one of {sorted(_METHODS) + ['isotropic']}, got "
            f"{method!r}") from None


_PY_NUMBERS = (float, int, np.float64)


def _one_eigenvalue(a, b, x, nder, method):
    """The scalar fast path: ``(logF, grad, hess, err)`` of Kummer's series
    (:mod:`._kernels.kummer`) when ``a``, ``b`` are Python numbers and ``x``
    one number (a float, a list of one, a float64 array of shape ``(1,)``)
    in the series' range, as ``"auto"`` answers it in a batch too; else
    None (the general path decides).  NaN and infinities fail the range
    test and go the general way."""
    if method != "auto" or type(a) not in _PY_NUMBERS \
            or type(b) not in _PY_NUMBERS:
        return None
    tx = type(x)
    if tx is list:
        if len(x) != 1:
            return None
        x = x[0]
        tx = type(x)
    elif tx is np.ndarray:
        if x.shape != (1,) or x.dtype != np.float64:
            return None
        x = x[0]
        tx = np.float64
    if tx not in _PY_NUMBERS:
        return None
    a = float(a)
    b = float(b)
    x = float(x)
    # all x = 0 is a closed form for the value (error 0)
    if not _kummer.in_range(a, b, x) \
            or nder == 0 and x == 0.0:
        return None
    out = _kummer.log_kummer(a, b, x, nder)
    if nder >= 2 and math.isnan(out[2]):
        return None       # the general path reports the lost Hessian
    return out


def _single_clean(a, b, x, nder, method):
    """The common single call (Python numbers ``a``, ``b``, one 1-D float64
    array or list of Python numbers ``x``, a contour-eligible ``a = 1/2``,
    ``b - a = 1/2`` or one eigenvalue with ``0 < a < b``, so no isotropic
    rows) with less Python around the kernel
    (:func:`._kernels.direct.quick_clean`): ``(logF, grad, hess, err,
    used)`` for the one input, or ``None`` where the general path must
    decide (bad input, infinite or NaN eigenvalues, a result short of full
    accuracy)."""
    if type(x) is list and x and all(type(v) in (float, int) for v in x):
        x = np.array(x, dtype=np.float64)
    if not (type(a) in (float, int) and type(b) in (float, int)
            and type(x) is np.ndarray and x.ndim == 1
            and x.dtype == np.float64 and x.flags.c_contiguous
            and x.flags.writeable and method in ("auto", "contour")):
        return None
    a = float(a)
    b = float(b)
    n = x.shape[0]
    if not (a == 0.5 or b - a == 0.5 or n == 1 and 0.0 < a < b):
        return None
    if n == 0:
        return None
    _check_b_scalar(a, b, n)
    clean, v, g, h, e, used = _direct.quick_clean(
        a, b, x, nder, _METHODS[method], _RTOL)
    if not clean or not e <= 1e-12 * max(1.0, abs(v)):
        return None
    return v, g, h, e, used


def _run_single(a, b, x, nder, method):
    """:func:`_single_clean` in the form of :func:`_run`'s result."""
    one = _single_clean(a, b, x, nder, method)
    if one is None:
        return None
    v, g, h, e, used = one
    return (np.array([v]), 1.0, g[None], h[None], np.array([e]),
            np.array([used]), (), g.shape[0])


def _bingham_scalars(a, b, x):
    """``(k, p, x)`` for one Bingham parameter pair (:func:`_bingham_pair`;
    arrays of parameters are left as they are) with finite eigenvalues ``x``
    (``2 <= n <= p`` on the last axis, validated), else None."""
    pair = _bingham_pair(a, b)
    if pair is None:
        return None
    k, p = pair
    x = _real_array(x, "x")
    if x.ndim == 0:
        x = x[None]
    # one eigenvalue: the contour is exact at any k (no canonical form)
    if x.shape[-1] < 2 or x.shape[-1] > p or x.size == 0 \
            or not np.isfinite(x).all():
        return None
    return k, p, x


def _run_canonical(a, b, x, nder):
    """``"auto"`` on a Bingham input in its canonical form, or None.

    * Kummer's relation when ``p - k < k``: ``log F(k, p, x) = sum(x) +
      log F(p - k, p, -x)`` (gradient ``1 - g``, Hessian unchanged; the
      implicit zeros stay zeros), so that every method works with
      ``min(k, p - k)`` columns;
    * with the gradient of one spectrum, given zeros (more than
      ``_SHIFT_FROM``) made implicit, their gradient from the others';
    * the shift identity when one input's eigenvalue is repeated more often
      than the implicit zeros and more than ``_SHIFT_FROM`` times (value and
      gradient; one spectrum): ``log F(x) = log F(x - c) + k c`` with that
      value ``c`` made the implicit zeros, so a concentration given as a
      full spectrum ("isotropic plus low rank", ``p`` values) costs what
      its rank costs.  The gradient of the ``m`` tied values is ``(k - sum
      of the others) / m`` (the gradient over the whole spectrum sums to
      ``k``).  Smaller ties are left to the confluent branch-cut method as
      they are given, so that a single input and a batch agree to the last
      bit there (a batch is never shifted).  The identities benchmark
      (``benchmarks/bench_normalizer_identities.py``) found the shift
      identity failing only for ties of 30 and more without this.
    """
    got = _bingham_scalars(a, b, x)
    if got is None:
        return None
    k, p, x = got
    n = x.shape[-1]
    if p - k < k:
        logF, sign, grad, hess, err, used, lead, _ = _run(
            0.5 * (p - k), 0.5 * p, -x, nder, "auto")
        tr = x.reshape(-1, n).sum(axis=1)
        logF = logF + tr
        err = err + _EPS * np.abs(tr) * n
        if nder >= 1:
            grad = 1.0 - grad
        return logF, sign, grad, hess, err, used, lead, n
    if x.ndim != 1 or nder >= 2 or n <= _SHIFT_FROM:
        return None
    zero = x == 0.0
    nzero = int(np.count_nonzero(zero))
    if nder == 1 and nzero > _SHIFT_FROM:
        # given zeros made implicit: the gradient of every zero, given or
        # implicit, is (k - the others' sum) / their number (k = 3, p =
        # 4096, four eigenvalues and 4092 given zeros: the methods saw 4096
        # variables and returned 1.66 with an estimate of 1.7 for 0.00236)
        logF, sign, gy, _, err, used, _, _ = _run(a, b, x[~zero], 1, "auto")
        grad = np.zeros((1, n))
        grad[0, ~zero] = gy[0]
        grad[0, zero] = (k - float(np.sum(gy[0]))) / (p - n + nzero)
        return logF, sign, grad, np.zeros((1, 0, 0)), err, used, (), n
    vals, counts = np.unique(x, return_counts=True)
    g = int(np.argmax(counts))
    c, m = float(vals[g]), int(counts[g])
    zeros = p - n + int(np.count_nonzero(x == 0.0))
    if m <= _SHIFT_FROM or m <= zeros or c == 0.0:
        return None
    tied = x == c
    y = np.concatenate([x[~tied] - c, np.full(p - n, -c)])
    logF, sign, gy, _, err, used, _, _ = _run(a, b, y, nder, "auto")
    logF = logF + k * c
    err = err + _EPS * (k * abs(c) + float(np.sum(np.abs(y))))
    grad = np.zeros((1, n if nder >= 1 else 0))
    if nder >= 1:
        grad[0, ~tied] = gy[0, :n - m]
        grad[0, tied] = (k - float(np.sum(gy[0]))) / m
    return logF, sign, grad, np.zeros((1, 0, 0)), err, used, (), n


def _infinite_limit(fa, fb, fx):
    """``log |1F1|`` of rows with an infinite eigenvalue (NaN rows stay
    NaN): ``0`` for ``a = 0`` (``F = 1``); ``sum(x)`` for ``a = b`` (``F =
    e^{tr X}``, NaN for ``+inf`` with ``-inf``); for ``a > 0``, ``+inf`` if
    any eigenvalue is ``+inf`` (``F`` grows in each), else ``-inf`` (``F``
    decays like ``|x|^-a``); for ``a < 0`` and one eigenvalue ``+inf``
    (``|F|`` grows like ``e^x x^(a-b)`` or ``|x|^-a``); NaN for ``a < 0``
    with several eigenvalues, where no limit is implemented."""
    with np.errstate(invalid="ignore"):
        total = fx.sum(axis=1)
    pos = np.where(np.isposinf(fx).any(axis=1), np.inf, -np.inf)
    neg = np.inf if fx.shape[1] == 1 else np.nan
    return np.where(fa == 0.0, 0.0, np.where(
        fa == fb, total, np.where(fa > 0.0, pos, neg)))


def _run(a, b, x, nder, method):
    single = _run_single(a, b, x, nder, method)
    if single is not None:
        return single
    if method == "auto":
        canonical = _run_canonical(a, b, x, nder)
        if canonical is not None:
            return canonical
    code = _method_code(method)
    fa, fb, fx, lead, n = _prepare(a, b, x)
    # the isotropic method can only help where the contour does not apply
    # (a = 1/2 and b - a = 1/2 are exact there already)
    iso_possible = method == "auto" and not _contour_everywhere(fa, fb)
    if _any(np.isinf, fx):
        inf_rows = np.isinf(fx).any(axis=1) & ~np.isnan(fx).any(axis=1)
        inf_value = _infinite_limit(fa, fb, fx)
        safe_x = np.where(inf_rows[:, None], 0.0, fx)
    else:
        inf_rows = None
        safe_x = fx
    if n == 0:
        N = fx.shape[0]
        out = (np.zeros(N), np.zeros((N, 0)), np.zeros((N, 0, 0)), np.zeros(N),
               np.zeros(N, np.int64), np.full(N, _codes.USED_CLOSED_FORM))
    else:
        # isotropic rows at large concentration go straight to the exact
        # Pfaffian method: the series would spend its whole budget first
        first = _isotropic.first_rows(fa, fb, safe_x) if iso_possible else None
        kx = safe_x if first is None else np.where(first[:, None], 0.0,
                                                   safe_x)
        out = _policy.evaluate(fa, fb, kx, nder, code, _RTOL, _MAX_WORK)
    logF, grad, hess, err, status, used = out
    if iso_possible or method == "isotropic":
        _isotropic.replace_rows(fa, fb, safe_x, nder, logF, grad, hess, err,
                                status, used, forced=(method == "isotropic"),
                                force_rows=None if n == 0 else first)
    if nder >= 1:
        _check_gradient_range(fa, fb, grad, n)
    nan_derivs = (nder >= 1 and _any(np.isnan, grad)) or \
        (nder >= 2 and _any(np.isnan, hess))
    overflowed = np.isinf(err) & np.isfinite(logF)
    # the library's promise: 1e-12 relative on log F (absolute below 1),
    # whatever the method's own status says (the series may stop at its
    # tolerance with a larger estimate: (2.5, 1.5, [1, -2]) had 3.3e-12,
    # (-1, 1.5, [1, 20]) 1.1e-12); NaN input rows (NaN, status OK) are not
    # counted
    short = ~(err <= 1e-12 * np.maximum(1.0, np.abs(logF))) & ~np.isnan(err)
    if not _any(None, status) and not nan_derivs and not overflowed.any() \
            and not short.any():
        # every input evaluated to full accuracy, F > 0
        if inf_rows is None:
            return logF, 1.0, grad, hess, err, used, lead, n
        sign = 1.0
    else:
        negative = status & _codes.NEGATIVE
        sign = np.where(negative, -1.0, 1.0)
        status = status & ~_codes.NEGATIVE
    if (status == _codes.NOT_APPLICABLE).any():
        raise ValueError(
            f"method={method!r} does not apply to a={fa[0]!r}, b={fb[0]!r} with "
            f"n={n} eigenvalues (the contour needs a = 1/2 and b >= n/2, "
            f"b - a = 1/2 and b >= n/2, or n = 1 and 0 < a < b; laplace needs "
            f"the Bingham case a = k/2, b = p/2 with n <= p; holonomic needs at "
            f"most 6 distinct nonzero eigenvalues of one sign, at most 2a "
            f"positive ones, or a Bingham spectrum of p <= 12 distinct "
            f"eigenvalues, at most one of them implicit; equal ones, implicit "
            f"zeros included, for p <= 12 unless across the k-th largest at "
            f"large concentration; values closer than 1e-4 of their range "
            f"likewise, within 1e-2 of their gap to the others; cut needs the "
            f"Bingham case, a spectrum of two or more distinct values and a "
            f"sum of at most about 3e8 operations, not lost to rounding)")
    if inf_rows is not None and inf_rows.any():
        logF = np.where(inf_rows, inf_value, logF)
        err = np.where(inf_rows, np.where(np.isnan(inf_value), np.nan, 0.0),
                       err)
        # derivatives at infinity: 0 where F is constant (a = 0), else NaN
        const = inf_rows & (fa == 0.0)
        unknown = inf_rows & np.isnan(inf_value)
        if unknown.any():
            _warn(f"{int(unknown.sum())} input(s) with an infinite "
                  f"eigenvalue, a < 0 and several eigenvalues have no "
                  f"implemented limit; they are NaN")
        if nder >= 1:
            grad[inf_rows] = np.nan
            grad[const] = 0.0
        if nder >= 2:
            hess[inf_rows] = np.nan
            hess[const] = 0.0
    # (an estimate that overflowed on a finite value certifies nothing,
    # whatever the status: log_hyp1f1(0.5, 1.5, [6e307]))
    unsure = (status != _codes.OK) | overflowed | short
    bad = unsure & ~(err <= 1e-12 * np.maximum(1.0, np.abs(logF)))
    if bad.any():
        worst = np.max(np.where(np.isnan(err[bad]), np.inf, err[bad]))
        _warn(f"{int(bad.sum())} input(s) could not be evaluated to full "
              f"accuracy (largest estimated error of log F: {worst:.3g}): the "
              f"work budget (1 s per input) ran out, or the method that "
              f"applies reaches less (see explain())")
    if nder >= 1:
        lost = np.isnan(grad).any(axis=1) & ~np.isnan(fx).any(axis=1) \
            & np.isfinite(logF)
        if nder >= 2:
            lost |= np.isnan(hess).any(axis=(1, 2)) \
                & ~np.isnan(fx).any(axis=1) & np.isfinite(logF)
        if lost.any():
            _warn(f"the derivatives of {int(lost.sum())} input(s) would need "
                  f"more work than allowed (the value is fine); they are "
                  f"returned as NaN")
    return logF, sign, grad, hess, err, used, lead, n


def _check_gradient_range(fa, fb, grad, n):
    """For Bingham rows the gradient is a vector of expected squared
    overlaps, each in [0, 1]: warn where a method's gradient is not (the
    identities benchmark found a series gradient at -0.11 with a certified
    value: a defect, reported rather than passed on silently)."""
    if n == 0 or grad.size == 0:
        return
    bingham = (2.0 * fa == np.round(2.0 * fa)) & (2.0 * fb == np.round(
        2.0 * fb)) & (2.0 * fb >= n) & (0.0 < fa) & (fa <= fb)
    outside = ((grad < -1e-9) | (grad > 1.0 + 1e-9)).any(axis=1) & bingham
    if outside.any():
        _warn(f"the gradient of {int(outside.sum())} Bingham input(s) lies "
              f"outside [0, 1], where it must be (a defect of the method that "
              f"answered: please report it with the input)", stacklevel=4)


def _shape(values, lead):
    """Reshape a flat result to the leading shape (a scalar for ``()``)."""
    return values.reshape(lead)[()]
