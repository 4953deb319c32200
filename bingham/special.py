"""The confluent hypergeometric function of matrix argument.

``1F1(a; b; X)`` (real case, Jack parameter 2) depends only on the
eigenvalues ``x`` of ``X``; every function here takes those eigenvalues,
shape ``(..., n)``, and works on the log scale.  The Matrix Bingham
log-normalizer is ``log 1F1(k/2; p/2; A)``: see :func:`log_normalizer` and
:func:`log_normalizer_eigvals`.

Methods
-------
Kummer's series (``"auto"`` only)
    One eigenvalue with ``0 < a < b`` and ``-250 <= x <= 2000``, or the
    polynomial ``a = -m`` at ``x <= 0``: the scalar series in positive
    terms (Kummer's relation for ``x < 0`` and ``a > 0``), about 1 us
    with its gradient and Hessian as weighted means over the same terms
    (measured against 50-digit mpmath: 1.8e-14 absolute on the log where it
    is below 1, 4e-15 relative above; derivatives 3e-15 relative).
    :func:`explain` names it ``"series"``.
``"contour"``
    Bromwich (inverse Laplace) integral on a parabolic contour through the
    saddle point.  Exact at every concentration for ``a = 1/2`` (the vector
    Bingham, ``k = 1``), for ``b - a = 1/2`` through Kummer's relation
    (``k = p - 1``) and for ``n = 1`` with ``0 < a < b``.  Under
    ``"auto"``, a value or gradient of such an input whose spread is small
    (the degree bound below at most 96: a spread up to about 18 for
    ``p = 3``, more for large ``b``) comes from the series of the same
    integrand instead, ``sum_K d_K / (b)_K`` with ``d_K`` the coefficients
    of ``prod (1 - c_i t)^(-e_i)`` after the spectrum is shifted to be
    non-negative (positive terms, tail bounded by ``(E)_K/(b)_K S^K/K!``),
    in 1-5 us (the contour: 6-12 us): against one-dimensional Bessel-I0
    integrals at 40 digits, within 1.1e-14 relative and relative also
    where ``log F`` is 1e-13 (``log1p`` of the terms after the leading 1;
    the contour is accurate there in absolute terms only).
    :func:`explain` names it ``"series"``.
``"series"``
    Truncated zonal-polynomial series (Koev-Edelman recursion) with the
    truncation chosen from the decay of the degree sums.  Before summing,
    exact identities make every term positive where they can: Kummer's
    relation for non-positive arguments, and for ``a = k/2, b = p/2`` the shift
    identity on all ``p`` eigenvalues followed by whichever of the direct or
    the Kummer series has fewer parts (``min(k, p - k)``).  Under
    ``"auto"``, a whole Bingham spectrum whose plain series peaks late is
    summed centred at the midpoint of its eigenvalues instead (mixed signs,
    far fewer degrees), with a fallback where the cancellation costs
    accuracy.  The horizontal strips that drive the recursion depend only
    on the number of parts: the first call that sums a degree stores them
    (up to 70 MB per number of parts), later calls skip their enumeration
    (k = 3, p = 10, eigenvalues 0..9: 7 ms instead of 20-30 ms; see
    ``benchmarks/``).
``"holonomic"``
    Holonomic gradient method: Muirhead's partial differential equations
    give a closed linear system for the 2^n square-free derivatives, which
    is integrated by Taylor steps along the ray from a small multiple of
    ``x`` (where the series starts it) to ``x``.  Stable where ``F`` is the
    fastest-growing solution: at most 6 distinct nonzero given eigenvalues
    of one sign with no more positive ones than ``2a`` (e.g. a Bingham
    concentration of rank at most ``k``), or, for ``a = k/2``, ``b = p/2``
    with ``p <= 12``, all ``p`` eigenvalues distinct (the given ones and at
    most one implicit zero), shifted so that exactly ``k`` are positive
    (2^p unknowns: milliseconds at p = 6, 0.2-2 s at p = 10, seconds at
    p = 12).  Equal eigenvalues (several implicit zeros included) are split
    by a small multiple of ``delta``, at four multiples, and the results
    extrapolated to ``delta = 0`` (the log is even in ``delta``); the
    change from three points, times 6, is the error estimate (four times
    the cost; estimates up to 4e-8 relative at large concentration, up to
    2e-5 at small spectra, where the series is used instead).  A tie
    across the k-th largest eigenvalue is split only where the
    concentration is small enough; ties only for ``p <= 10`` in
    ``"auto"`` (four integrations, seconds), up to ``p = 12`` when the
    method is forced (14 s at p = 11).  A near tie (a pair closer than
    1e-4 of the range) is split the same way about its mean and the
    polynomial evaluated at its actual half gap (measured on 56 random
    near pairs, p <= 8: true error at most 0.03 times the estimate, 1.4e-8
    relative); other near groups (three or more, or next to exact ties such
    as implicit zeros) are moved to their mean and carried back by the
    second-order Taylor expansion with the Hessian at the tie (gradient to
    first order, Hessian to about 1e-4 relative; 43 random cases, p <= 9:
    true error at most 0.47 times the estimate).  Used for large
    concentrations beyond the series' reach where the branch-cut method
    does not certify (close pairs, larger groups of equal eigenvalues,
    concentrations of low rank given by few eigenvalues).
    Its error estimate compares two integrations that differ in start and
    step; on the reference cases and 250 random whole spectra with
    ``p <= 8`` the error stays below 1e-11 relative (rounding near the
    start is amplified along the ray, more so as ``p`` grows: estimates
    reach 2e-10 at ``p = 12``), so results are certified to the
    large-concentration goal 1e-8, and to 1e-12 where the estimate says so.
``"cut"``
    Exact for a Bingham spectrum (``a = k/2``, ``b = p/2``) of ``p``
    distinct eigenvalues (the given ones and the implicit zeros) at any
    concentration.  The constant is an inverse Laplace transform over
    ``k x k`` symmetric matrices; Weyl's and de Bruijn's formulas turn it
    into a Pfaffian, and collapsing the contour onto the branch cut of
    ``prod_i (s - x_i)^(-1/2)`` leaves a sum of ``min(k, p - k)``-square
    determinants of real integrals over the segments between consecutive
    eigenvalues (tanh-sinh quadrature; see :mod:`bingham._kernels.cut`).
    For spread spectra the leading determinant dominates and the error
    stays at rounding level however large the concentration (1e-16 to
    1e-14 relative against the series, the contour and the holonomic
    method, up to eigenvalues 1e5; about 0.1-1 ms at p = 16).  Where the
    mean spacing of the eigenvalues falls below about one the terms cancel
    (sum of their sizes 200 times the sum at spacing 1, p = 16, k = 8; 1e8
    times at spacing 0.5) and the error estimate, first-order rounding of
    every determinant plus the change between two quadrature levels, grows
    accordingly: the series is the method there.  Values, gradients and
    Hessians of every Bingham spectrum, equal eigenvalues included, come
    from the *confluent* form (:mod:`bingham._kernels.confluent`): the
    contour stays on the cut between groups of eigenvalues and loops around
    each group that is not a single simple eigenvalue (a tie of any
    multiplicity, a cluster of near ties, the implicit zeros of a low-rank
    concentration) on an arc where ``|f|`` is smallest beside it; the
    pieces' single and ordered double integrals give a real 2-form whose
    Pfaffian is a sum of bordered Pfaffians, one per set of groups.  The
    work grows with the number of distinct eigenvalues, not with ``p``
    (about 0.2-5 ms up to ``p = 4096``).  Derivatives hold the contour fixed
    (insertions of ``(m/2) / (s - z)``; the moving endpoints of simple
    eigenvalues in closed form); a tie's members share the derivative of
    the tie moved as a whole, and its Hessian block splits by the insertion
    of ``(1/2) (s - z)^-2``.  A tie whose piece of the contour holds fewer
    than ``min(k, p - k)`` points (a pair at the top with ``k >= 3``) makes
    terms that cancel exactly but are ``e^(excess x gap)`` too large in
    floating point; they are projected out exactly (a discrete Fourier
    transform in a weight on the tie's forms,
    :mod:`bingham._kernels.confluent_terms`).  Measured
    (``tests/test_special_confluent.py``, ``docs/accuracy.md``): against
    the mpmath matrix-beta integral for rank 2 (tied pairs with ``k`` up to
    6 included) and the series on spectra with ties, 1e-15 to 1e-13
    relative; gradients within 1e-10 of the series and the contour (1e-9
    where the excess terms are projected out), Hessians within 1e-11 of
    finite differences of the gradient (1e-7 projected).  Where the tie's
    forms and the others' span more than double precision (``k`` well
    above the multiplicity, gaps of thousands), or a tie between other
    groups sits far from them, the estimate stays large and "auto" moves
    on.  Where the terms cancel
    (small spreads with ``min(k, p - k)`` large) or one loop holds every
    eigenvalue with ``k >= 12``, the estimate grows and "auto" moves on.
    The sum is refused beyond about 3e8 operations (0.3 s), and where its
    first pass loses more than 1e-2 relative to rounding (many simple
    eigenvalues close together: a finer pass does not help).
``"laplace"``
    Leading-order Laplace approximation for large concentrations in the
    Bingham case (``a = k/2``, ``b = p/2``); never above the hard bound
    ``log F <= sum of the k largest eigenvalues``.  Its error estimate is the
    size of the first correction, so it is only as good as the gaps between
    the k largest and the other eigenvalues are large.  Always reported with
    an :class:`AccuracyWarning`.
``"isotropic"``
    An isotropic Bingham concentration (``a = k/2``, ``b = p/2``, one
    repeated nonzero eigenvalue ``lam`` of multiplicity ``m``) at any
    concentration: the Haar expectation reduces to the ``min(k, m)``
    principal angles (a Jacobi ensemble), whose integral de Bruijn's formula
    turns into a Pfaffian of two-dimensional integrals, computed by
    tanh-sinh quadrature (see :mod:`bingham._isotropic`).  Value, gradient
    and Hessian (from the second derivative along ``lam``, the shift
    identity and Muirhead's equation at the tie: measured against the
    contour and the series, 1e-15 to 1e-13 relative, 1.3e-10 at p = 4096);
    up to 6 principal angles.  Its error estimate is the change between two
    quadrature levels.
Matrix-beta integral (``"auto"`` only; :func:`explain` names it
``"rank two"``)
    A Bingham input with two nonzero eigenvalues (``2 <= k <= p - 2``):
    ``W = U^T X X^T U`` is matrix-Beta, and the angle of its eigenvectors
    averages to a Bessel ``I0``, leaving a 2-D integral over its eigenvalues
    (tanh-sinh, split at the mode; :mod:`bingham._kernels.rank_two`).  Any
    concentration, signs and gap, near and exact ties included; value,
    gradient and Hessian; 10-50 ms.  Measured against QUADPACK on the same
    representation (``tests/reference/make_rank_two_cases.py``, 14 inputs
    up to 1e5, mixed signs, near ties, p up to 4096: 3.9e-15 relative),
    the scalar function (one eigenvalue zero) and the isotropic method
    (equal eigenvalues); its estimate was 17 to 1800 times the true error
    there.  Run where the branch-cut method does not certify.
Large-argument expansion (``"auto"`` only; :func:`explain` names it
``"large argument"``)
    A Bingham input whose ``r`` nonzero eigenvalues share a sign, ``r <=
    min(k, p - k)``, at large concentration: only the nonzero eigenvalues
    enter (``r x r`` argument), and Watson's lemma in the ``r x r``
    matrix-beta integral gives Muirhead's expansion ``1F1(a; b; -X) ~
    Gamma_r(b) / Gamma_r(b - a) det(X)^-a 2F0(a, a - b + (r+1)/2; X^-1)``
    (Kummer's relation first for positive ones), summed by the zonal
    series (:mod:`bingham._kernels.large_argument`).  Ties cost nothing.
    Tried where the predicted decay per degree, ``a |c| sum 1/|x_i|``, and
    that of the part it leaves out, ``(b - a)(|1 - a| + (r-1)/2) sum
    1/|x_i|``, are at most 1 and that part is bounded below 1e-6; its
    estimate is the series' tail, rounding and that bound.
    Value, gradient, Hessian (not with a given zero eigenvalue); 0.1-30
    ms.  Measured (``tests/test_special_large_argument.py``): 3.5e-16
    relative or better against mpmath's scalar function (9 inputs, ``|x|``
    50 to 1e5) and the QUADPACK matrix-beta references of one sign (7
    inputs), within the estimates against the branch-cut method on random
    spectra of up to 5 nonzero values; where the error was not zero its
    estimate was 8 to 15 times it.  Run before the branch-cut method, whose sum is lost to
    rounding at gaps of thousands with ``k`` above the multiplicities.
``"auto"``
    A Bingham input (``a = k/2``, ``b = p/2``, finite eigenvalues, one
    parameter pair) is first put in its canonical form: Kummer's relation
    when ``p - k < k`` (every method then works with ``min(k, p - k)``
    columns), and, for one spectrum, the shift identity that makes a value
    repeated more than 8 times, and more often than the implicit zeros,
    the implicit zeros (value and gradient; a full spectrum of ``p`` values
    with a large tie costs what its distinct values cost).  Then: the
    contour where it applies (its short series first, for a value or
    gradient at small spread);
    for every Bingham input the branch-cut
    method (confluent form, run once), kept where its estimate certifies
    1e-12 relative; for two nonzero eigenvalues then the matrix-beta
    integral, kept likewise; otherwise the series; where the series would exceed
    its work budget, the holonomic method if it applies, the isotropic
    method for a repeated eigenvalue, then (Bingham case) the Laplace
    approximation, whichever error estimate is the smallest (the
    branch-cut result included).

Every input has a work budget of about one second of wall clock
(:mod:`bingham._kernels.budget`, ``SECONDS``; the loops stop at 70% of it and
a series degree in progress is finished): past it the best answer so far is
returned with its error estimate and an :class:`AccuracyWarning`.

Every evaluation carries an error estimate (``return_error=True``): for the
contour, the difference of two nested trapezoidal sums plus rounding; for the
series, a geometric bound on the tail from the last degree sums (taken over
pairs of degrees, which stays valid where the odd degrees vanish) plus the
rounding bound ``eps * K * sum |terms|``.  Neither is a proof; the test suite
checks that they are never below the true error on the reference sets
(``tests/reference``).
"""
import numpy as np

from . import _checks
from ._kernels import codes as _codes
from ._special_args import _bingham_pair, _real_array, _symmetric_eigvals
from ._special_run import (_USED, AccuracyWarning, _bingham_scalars,
                           _one_eigenvalue, _run, _shape,
                           _single_clean)

__all__ = [
    "AccuracyWarning",
    "explain",
    "log_hyp1f1",
    "hyp1f1",
    "grad_log_hyp1f1",
    "hess_log_hyp1f1",
    "value_and_grad_log_hyp1f1",
    "log_normalizer",
    "log_normalizer_eigvals",
    "grad_log_normalizer_eigvals",
    "hess_log_normalizer_eigvals",
]

def log_hyp1f1(a, b, x, *, method="auto", return_error=False):
    r"""Logarithm of the confluent hypergeometric function of matrix argument.

    .. math:: \log {}_1F_1(a; b; X) = \log \sum_\kappa
              \frac{(a)_\kappa}{(b)_\kappa} \frac{C_\kappa(X)}{|\kappa|!}

    with zonal polynomials :math:`C_\kappa` (Jack parameter 2, real case).

    Parameters
    ----------
    a, b : array_like
        Real parameters, broadcast against ``x[..., 0]``.  ``b`` must keep
        :math:`(b)_\kappa \ne 0`: ``b - (i-1)/2`` may not be a non-positive
        integer for any row ``i`` that enters the series.
    x : array_like, shape (..., n)
        Eigenvalues of the symmetric matrix argument.  Zero eigenvalues may be
        left out.  A scalar is read as ``n = 1``.
    method : {"auto", "contour", "series", "cut", "holonomic", "laplace", "isotropic"}
        See the module documentation.  A forced method raises ``ValueError``
        where it does not apply.
    return_error : bool
        Also return an estimate of the absolute error of the log value.

    Returns
    -------
    logF : ndarray or float, shape (...)
        ``log |1F1|``.  1F1 is positive in the Bingham case and whenever
        ``0 <= a <= b``; for other parameters it can change sign, and
        :func:`hyp1f1` returns the signed value.
    error : ndarray or float, shape (...)
        Only with ``return_error=True``.

    Notes
    -----
    NaN in ``x``, ``a`` or ``b`` gives NaN.  An infinite eigenvalue gives
    ``+inf`` (any ``+inf``) or ``-inf``.  Where the series cannot reach full
    accuracy within its work budget (large concentrations with ``k > 1``),
    the partial sum is returned with an :class:`AccuracyWarning` and its error
    estimate.

    Accuracy (measured against the references in ``tests/reference``; see
    ``docs/accuracy.md``): relative error of the log value below ``1e-13``
    (absolute where ``|log F| < 1``) for ``n = 1``, for ``k = 1`` and
    ``k = p - 1`` with eigenvalues in ``[-1e5, 1e5]`` and ``p`` up to 8192,
    for the positive-term series regimes, and (branch-cut method) for
    Bingham spectra of distinct eigenvalues spaced by about one or more at
    any concentration (to 1e-15 against the 40-digit transcription at
    p = 13..16) and, in its confluent form, for spectra with equal
    eigenvalues and low-rank concentrations (1e-15 to 1e-13 against the
    matrix-beta integral and the series); ``docs/normalizer_map.md``
    gives the share of a random grid of inputs that "auto" certifies.

    References
    ----------
    .. [1] P. Koev and A. Edelman, "The efficient evaluation of the
       hypergeometric function of a matrix argument", Math. Comp. 75 (2006).
    .. [2] R. J. Muirhead, "Aspects of Multivariate Statistical Theory",
       Wiley (1982), ch. 7.
    .. [3] J. A. C. Weideman and L. N. Trefethen, "Parabolic and hyperbolic
       contours for computing the Bromwich integral", Math. Comp. 76 (2007).

    Examples
    --------
    >>> import numpy as np
    >>> from bingham.special import log_hyp1f1
    >>> from scipy.special import hyp1f1
    >>> bool(np.isclose(log_hyp1f1(0.5, 1.5, [2.0]), np.log(hyp1f1(0.5, 1.5, 2.0))))
    True
    """
    one = _one_eigenvalue(a, b, x, 0, method)
    if one is not None:
        if return_error:
            return np.float64(one[0]), np.float64(one[3])
        return np.float64(one[0])
    one = _single_clean(a, b, x, 0, method)
    if one is not None:
        if return_error:
            return np.float64(one[0]), np.float64(one[3])
        return np.float64(one[0])
    logF, _, _, _, err, _, lead, _ = _run(a, b, x, 0, method)
    value = _shape(logF, lead)
    if return_error:
        return value, _shape(err, lead)
    return value


def hyp1f1(a, b, x, *, method="auto", return_error=False):
    """``1F1(a; b; X)`` itself: ``exp(log_hyp1f1(...))``.

    Overflows to ``inf`` for large concentrations; prefer :func:`log_hyp1f1`.
    With ``return_error=True`` the error is absolute, ``F * error(log F)``.

    Domain: as :func:`log_hyp1f1`; the exponential overflows to inf where
    ``log F`` exceeds about 709.
    """
    logF, sign, _, _, err, _, lead, _ = _run(a, b, x, 0, method)
    with np.errstate(over="ignore"):
        F = sign * np.exp(logF)
        value = _shape(F, lead)
        if return_error:
            return value, _shape(np.abs(F) * np.expm1(err), lead)
    return value


def grad_log_hyp1f1(a, b, x, *, method="auto"):
    r"""Gradient of :func:`log_hyp1f1` with respect to the eigenvalues.

    Exact derivatives (series: derivatives carried through the recursion;
    contour: moments of the Bromwich integrand), not finite differences.
    For ``a = k/2``, ``b = p/2`` it is :math:`E[\mathrm{diag}(V^T X X^T V)]`
    under the Matrix Bingham distribution, and with all ``p`` eigenvalues it
    sums to ``k``.

    Returns
    -------
    ndarray, shape (..., n)

    Domain: as :func:`log_hyp1f1`.  NaN in a row gives NaN for that row.
    """
    one = _one_eigenvalue(a, b, x, 1, method)
    if one is not None:
        return np.array([one[1]])
    one = _single_clean(a, b, x, 1, method)
    if one is not None:
        return one[1]
    _, _, grad, _, _, _, lead, n = _run(a, b, x, 1, method)
    return grad.reshape(lead + (n,))


def value_and_grad_log_hyp1f1(a, b, x, *, method="auto"):
    """``(log_hyp1f1(a, b, x), grad_log_hyp1f1(a, b, x))`` from one
    evaluation (the contour computes both from the same nodes).

    Returns
    -------
    logF : ndarray or float, shape (...)
    grad : ndarray, shape (..., n)

    Domain: as :func:`log_hyp1f1` and :func:`grad_log_hyp1f1`.
    """
    one = _one_eigenvalue(a, b, x, 1, method)
    if one is not None:
        return np.float64(one[0]), np.array([one[1]])
    one = _single_clean(a, b, x, 1, method)
    if one is not None:
        return np.float64(one[0]), one[1]
    logF, _, grad, _, _, _, lead, n = _run(a, b, x, 1, method)
    return _shape(logF, lead), grad.reshape(lead + (n,))


def hess_log_hyp1f1(a, b, x, *, method="auto"):
    """Hessian of :func:`log_hyp1f1` with respect to the eigenvalues.

    For the Bingham case it is a covariance matrix (positive semi-definite).

    Returns
    -------
    ndarray, shape (..., n, n)

    Domain: as :func:`log_hyp1f1`.
    """
    one = _one_eigenvalue(a, b, x, 2, method)
    if one is not None:
        return np.array([[one[2]]])
    _, _, _, hess, _, _, lead, n = _run(a, b, x, 2, method)
    return hess.reshape(lead + (n, n))


_REASONS = {
    "none": "NaN input",
    "closed form": "a = 0, a = b or every eigenvalue zero: a closed form "
                   "(tier 1)",
    "contour": "a = 1/2, b - a = 1/2 or one eigenvalue: the Bromwich contour, "
               "exact at any concentration (tier 1)",
    "cut": "a Bingham input (a = k/2, b = p/2): the confluent branch-cut "
           "method (tier 3{})",
    "isotropic": "an isotropic concentration (one nonzero value repeated): "
                 "the exact Pfaffian method",
    "large argument": "a Bingham input whose r nonzero eigenvalues share a "
                      "sign, r <= min(k, p - k), concentrated enough for "
                      "the expansion's terms to decay fast: Muirhead's "
                      "large-argument expansion (tier 3, before the "
                      "branch-cut method)",
    "rank two": "a Bingham input with two nonzero eigenvalues that the "
                "branch-cut method does not certify: the matrix-beta "
                "integral (tier 3)",
    "kummer": "one eigenvalue, 0 < a < b with x in [-250, 2000] or a "
              "negative integer with x <= 0: Kummer's series of positive "
              "terms (tier 1)",
    "vector series": "a = 1/2 or b - a = 1/2 (k = 1 or k = p - 1) at a "
                     "small spread, value or gradient: the series of the "
                     "Bromwich integrand's expansion, in positive terms "
                     "(tier 1)",
    "cheap series": "0 < a < b with a zonal series predicted to cost about a "
                    "millisecond or less (its degree bounded from sum |x| "
                    "before it runs): the series (tier 2; on a Bingham "
                    "spectrum of well-separated values predicted above "
                    "0.1 ms, after the branch-cut method left it "
                    "uncertified)",
    "series": "{}: the zonal series (tier 4)",
    "holonomic": "{}: the holonomic method (tier 4)",
    "laplace": "{}: the Laplace approximation, the last resort (tier 4); its "
               "estimate is a heuristic where it is not the hard bounds' "
               "half-width",
}


def explain(a, b, x, *, method="auto"):
    """How one input is evaluated: ``{"logF", "error", "method",
    "reason"}``.

    ``method`` is what produced the value: ``"contour"``, ``"series"``,
    ``"cut"``, ``"large argument"``, ``"rank two"``, ``"holonomic"``,
    ``"isotropic"``, ``"laplace"``, ``"closed form"`` or ``"none"`` (NaN
    input); ``reason`` says why, in the terms of
    the policy of ``method="auto"`` (``bingham/_kernels/policy.py``: tier 1
    the closed forms and the contour, tier 2 the series where it is
    predicted cheap, tier 3 the branch-cut method on Bingham inputs, tier 4
    the rest), with Kummer's relation named where
    "auto" applies it first (``k > p - k``).  ``x`` is one set of
    eigenvalues, shape ``(n,)``.

    Domain: as :func:`log_hyp1f1`, for one input: ``a``, ``b`` real numbers,
    ``x`` a number or one set of eigenvalues ``(n,)`` (other shapes raise
    ``ValueError`` naming ``x``).
    """
    x = _real_array(x, "x")
    if x.ndim > 1:
        raise ValueError(f"x must hold one set of eigenvalues, got shape {x.shape}")
    for name, value in (("a", a), ("b", b)):
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a scalar (explain() describes "
                             f"one input), got shape {np.shape(value)}")
    logF, _, _, _, err, used, _, _ = _run(a, b, x, 0, method)
    name = _USED[int(used[0])]
    out = {"logF": float(logF[0]), "error": float(err[0]), "method": name}
    if method != "auto":
        out["reason"] = f"method={method!r} asked for"
        return out
    reason = _REASONS["kummer" if used[0] == _codes.USED_KUMMER else
                      "cheap series" if used[0] == _codes.USED_CHEAP_SERIES
                      else "vector series"
                      if used[0] == _codes.USED_VECTOR_SERIES else name]
    rel = out["error"] / max(1.0, abs(out["logF"]))
    if name == "cut":
        reason = reason.format(
            ", certified within 1e-12" if rel <= 1e-12 else
            "; no method of tier 4 reached a smaller estimate")
    elif used[0] == _codes.USED_SERIES or name in ("holonomic", "laplace"):
        pair = _bingham_pair(a, b)
        n = x.shape[-1] if x.ndim else 1
        reason = reason.format(
            "the branch-cut method's estimate above 1e-12, or it does not "
            "apply" if pair is not None and n <= pair[1] else
            "not a Bingham input")
    got = _bingham_scalars(a, b, x)
    if got is not None and got[1] - got[0] < got[0]:
        reason = ("Kummer's relation first (k > p - k: the same input with "
                  f"p - k = {got[1] - got[0]} columns); then " + reason)
    out["reason"] = reason
    return out


def _bingham_args(eigenvalues, k, p):
    """``(k/2, p/2, eigenvalues)`` after checking ``k``, ``p`` and the shape."""
    ev = _real_array(eigenvalues, "eigenvalues")
    if ev.ndim == 0:
        ev = ev[None]
    k, p = _check_k_p(k, p, ev.shape[-1])
    return 0.5 * k, 0.5 * p, ev


def _check_k_p(k, p, r):
    p = _checks.count(p, "p")
    k = _checks.integer(k, "k")
    if not 1 <= k <= p:
        raise ValueError(f"k must satisfy 1 <= k <= p={p}, got {k}")
    if r > p:
        raise ValueError(f"eigenvalues has {r} entries, more than p={p}")
    return k, p


def log_normalizer_eigvals(eigenvalues, k, p, *, method="auto",
                           return_error=False):
    """Matrix Bingham log-normalizer from eigenvalues: ``log 1F1(k/2; p/2; L)``.

    Parameters
    ----------
    eigenvalues : array_like, shape (..., r)
        Eigenvalues of the concentration ``A``; the other ``p - r`` are zero.
        A rank-``r`` concentration in any dimension costs O(r) per kernel
        step, never O(p^3).
    k : int
        Frame size, ``1 <= k <= p``.
    p : int
        Ambient dimension.
    method, return_error
        As in :func:`log_hyp1f1` (which also states the accuracy).
    """
    a, b, ev = _bingham_args(eigenvalues, k, p)
    return log_hyp1f1(a, b, ev, method=method, return_error=return_error)


def grad_log_normalizer_eigvals(eigenvalues, k, p, *, method="auto"):
    """Gradient of :func:`log_normalizer_eigvals` (shape ``(..., r)``).

    Domain: as :func:`log_normalizer_eigvals`: integers ``1 <= k <= p``, at
    most ``p`` real eigenvalues.
    """
    a, b, ev = _bingham_args(eigenvalues, k, p)
    return grad_log_hyp1f1(a, b, ev, method=method)


def hess_log_normalizer_eigvals(eigenvalues, k, p, *, method="auto"):
    """Hessian of :func:`log_normalizer_eigvals` (shape ``(..., r, r)``).

    Domain: as :func:`log_normalizer_eigvals`.
    """
    a, b, ev = _bingham_args(eigenvalues, k, p)
    return hess_log_hyp1f1(a, b, ev, method=method)


def log_normalizer(A, k, *, method="auto", return_error=False):
    """Matrix Bingham log-normalizer ``log 1F1(k/2; p/2; A)``.

    Parameters
    ----------
    A : array_like, shape (..., p, p)
        Symmetric concentration matrices.  Positive eigenvalues attract.
    k : int
        Frame size, ``1 <= k <= p``.

    Notes
    -----
    Computes the eigenvalues (O(p^3)); for a low-rank concentration in high
    dimension call :func:`log_normalizer_eigvals` with its nonzero
    eigenvalues instead.  Eigenvalues within the eigensolver's rounding of
    zero (``p eps max |eigenvalue|``) are taken as zero, the implicit zeros
    of a low-rank ``A`` (rounding would turn them into a cluster of near
    ties); the error estimate includes the change that can make, at most
    ``k`` times the largest value set to zero (the gradient over the whole
    spectrum is non-negative and sums to ``k``).
    """
    ev, moved = _symmetric_eigvals(A)
    p = ev.shape[-1]
    out = log_normalizer_eigvals(ev, k, p, method=method,
                                 return_error=return_error)
    if return_error:
        return out[0], out[1] + k * moved
    return out
