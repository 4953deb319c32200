"""The inputs that need no choice: NaN, the closed forms, Kummer's series
of one eigenvalue (``0 < a < b``, moderate ``x``, :mod:`.kummer`) and the
Bromwich contour (``a = 1/2`` or ``b - a = 1/2`` at any ``n``, and ``n =
1``), whose integrand's series (:mod:`.vector_series`) answers a value or
gradient at small spread first.

These are the first tier of ``method="auto"`` (:mod:`.policy`) and the
whole of ``method="contour"`` (the contour only).  They compile on their
own (the contour and its series), so a first call that they answer does
not wait for the other methods to compile.
"""
import math

import numpy as np

from ._jit import jit
from .codes import (AUTO, CONTOUR, NOT_APPLICABLE, NOT_CONVERGED, OK,
                    USED_CLOSED_FORM, USED_CONTOUR, USED_KUMMER, USED_NONE,
                    USED_VECTOR_SERIES)
from .contour import bromwich
from .kummer import applies as kummer_applies
from .kummer import log_kummer
from .vector_series import vector_series

_EPS = 2.220446049250313e-16
CONTOUR_MAX_NODES = 8192
# agreement of two successive trapezoidal sums that ends the refinement (the
# reported error is that difference, which bounds the error of the finer sum)
CONTOUR_RTOL = 5e-15


@jit(inline="always")
def _points(a, b, x):
    """The Bromwich integrand's branch points and exponents for ``a = 1/2``
    (any n) or ``n = 1`` (any ``0 < a < b``)."""
    n = x.shape[0]
    if a == 0.5:
        rest = b - 0.5 * n
        q = n + (1 if rest > 0.0 else 0)
        c = np.zeros(q)
        e = np.zeros(q)
        for i in range(n):
            c[i] = x[i]
            e[i] = 0.5
        if rest > 0.0:
            c[n] = 0.0
            e[n] = rest
    else:
        c = np.zeros(2)
        e = np.zeros(2)
        c[0] = x[0]
        e[0] = a
        c[1] = 0.0
        e[1] = b - a
    return c, e


@jit(inline="always")
def _contour(a, b, x, nder, rtol, series):
    """Bromwich evaluation for ``a = 1/2`` (any n) or ``n = 1`` (any 0<a<b):
    for a value or gradient first, where ``series``, the short series of
    the same integrand (:mod:`.vector_series`, where its degree is small),
    else the contour.  ``(logF, grad, hess, err, converged, used)``."""
    c, e = _points(a, b, x)
    n = x.shape[0]
    if series and nder <= 1:
        v, g, err, done = vector_series(c, e, n, nder)
        if done:
            return v, g, np.zeros((n, n)), err, True, USED_VECTOR_SERIES
    logF, g, h, err, conv = bromwich(c, e, n, nder, max(rtol, CONTOUR_RTOL),
                                     CONTOUR_MAX_NODES)
    return logF, g, h, err, conv, USED_CONTOUR


@jit(inline="always")
def contour_ok(a, b, n):
    """Whether the contour applies to ``(a, b)`` with ``n`` eigenvalues."""
    if a == 0.5 and b >= 0.5 * n:
        return True
    return n == 1 and 0.0 < a < b


@jit(inline="always")
def nonzero(x):
    """The nonzero entries of ``x`` (value-only calls drop zero
    eigenvalues: they do not change ``F``)."""
    nz = 0
    for i in range(x.shape[0]):
        if x[i] != 0.0:
            nz += 1
    y = np.empty(nz)
    t = 0
    for i in range(x.shape[0]):
        if x[i] != 0.0:
            y[t] = x[i]
            t += 1
    return y


@jit
def quick(a, b, x, nder, method, rtol):
    """``(done, logF, grad, hess, err, status, used)`` for one input:
    ``done`` when NaN or a closed form answers it (any ``method``), or
    Kummer's series (``method`` auto) or the contour (``method`` auto or
    contour; for the contour also where it does not apply)."""
    n = x.shape[0]
    grad = np.zeros(n)
    hess = np.zeros((n, n))
    nan = math.isnan(a) or math.isnan(b)
    for i in range(n):
        if math.isnan(x[i]):
            nan = True
    if nan:
        grad[:] = np.nan
        hess[:, :] = np.nan
        return True, np.nan, grad, hess, np.nan, OK, USED_NONE
    s = 0.0
    nz = 0
    for i in range(n):
        s += x[i]
        if x[i] != 0.0:
            nz += 1
    if a == 0.0 or nz == 0 and nder == 0:
        return True, 0.0, grad, hess, 0.0, OK, USED_CLOSED_FORM
    if a == b:
        for i in range(n):
            grad[i] = 1.0
        return True, s, grad, hess, 4.0 * _EPS * abs(s), OK, USED_CLOSED_FORM
    if method != AUTO and method != CONTOUR:
        return False, np.nan, grad, hess, np.inf, NOT_APPLICABLE, USED_NONE
    if nder == 0 and nz < n:
        x = nonzero(x)
        n = nz
    if method == AUTO and n == 1 and kummer_applies(a, b, x[0]):
        v, g1, h1, e1 = log_kummer(a, b, x[0], nder)
        grad[0] = g1
        hess[0, 0] = h1
        return True, v, grad, hess, e1, OK, USED_KUMMER
    if contour_ok(a, b, n):
        logF, g, h, err, conv, u = _contour(a, b, x, nder, rtol,
                                            method == AUTO)
        st = OK if conv else NOT_CONVERGED
        return True, logF, g, h, err, st, u
    if contour_ok(b - a, b, n):
        logF, g, h, err, conv, u = _contour(b - a, b, -x, nder, rtol,
                                            method == AUTO)
        for i in range(n):
            g[i] = 1.0 - g[i]
        st = OK if conv else NOT_CONVERGED
        return (True, logF + s, g, h, err + 4.0 * _EPS * abs(s), st, u)
    if method == CONTOUR:
        return True, np.nan, grad, hess, np.inf, NOT_APPLICABLE, USED_NONE
    return False, np.nan, grad, hess, np.inf, NOT_APPLICABLE, USED_NONE


@jit(inline="always")
def store_row(r, nder, g, h, grad, hess):
    """``grad[r] = g`` (``nder >= 1``) and ``hess[r] = h`` (``nder >= 2``),
    element by element (a slice assignment compiles numba's shape checks
    and their error messages: seconds of a cold start)."""
    n = g.shape[0]
    if nder >= 1:
        for i in range(n):
            grad[r, i] = g[i]
    if nder >= 2:
        for i in range(n):
            for j in range(n):
                hess[r, i, j] = h[i, j]


@jit
def quick_rows(a, b, x, nder, method, rtol, logF, grad, hess, err, status,
               used):
    """:func:`quick` over the rows of ``x`` (``a``, ``b`` of shape ``(N,)``),
    written into the output arrays; returns which rows it answered."""
    N = x.shape[0]
    done = np.zeros(N, np.bool_)
    for r in range(N):
        d, v, g, h, e, st, u = quick(a[r], b[r], x[r], nder, method, rtol)
        done[r] = d
        if d:
            logF[r] = v
            err[r] = e
            status[r] = st
            used[r] = u
            store_row(r, nder, g, h, grad, hess)
    return done


@jit
def quick_clean(a, b, x, nder, method, rtol):
    """:func:`quick` for one input, for callers that handle only the clean
    outcome themselves: ``(clean, logF, grad, hess, err, used)`` where
    ``clean`` says that the input was answered here, every eigenvalue is
    finite, the status is OK and no derivative asked for is NaN."""
    n = x.shape[0]
    for i in range(n):
        if not math.isfinite(x[i]):
            return False, np.nan, np.zeros(n), np.zeros((n, n)), np.nan, 0
    d, v, g, h, e, st, u = quick(a, b, x, nder, method, rtol)
    clean = d and st == OK
    if nder >= 1:
        for i in range(n):
            if math.isnan(g[i]):
                clean = False
    if nder >= 2:
        for i in range(n):
            for j in range(n):
                if math.isnan(h[i, j]):
                    clean = False
    return clean, v, g, h, e, u
