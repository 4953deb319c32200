"""``log 1F1(a; b; x)`` of one eigenvalue with ``0 < a < b``, or ``0 < b
<= a`` at ``x >= 0`` (or the polynomial ``a = -m`` at ``x <= 0``), by
Kummer's series in positive terms.

For ``x >= 0`` the terms ``t_j = (a)_j / (b)_j x^j / j!`` are positive; for
``x < 0`` Kummer's relation ``1F1(a; b; x) = e^x 1F1(b - a; b; -x)`` gives
positive terms again (``b - a > 0``).  A sum of positive terms has no
cancellation, so the value is accurate to a few units of rounding per term,
and the derivatives are weighted means over the same terms (no cancellation
either):

* gradient: ``x >= 0``: ``sum t_j u_j / sum t_j`` with ``u_j = (a + j) / (b
  + j)`` (it is ``(a/b) 1F1(a+1; b+1; x) / 1F1(a; b; x)``); ``x < 0``: ``a
  sum t_j / (b + j) / sum t_j`` over the terms of ``1F1(b - a; b; -x)``;
* Hessian: ``sum w_j [u_j (u+_j - u_j) + (u_j - g)^2]`` with ``w_j`` the
  normalised terms, ``u+_j = (a + j + 1) / (b + j + 1)`` and ``g`` the mean
  of ``u`` (for ``x < 0`` over the Kummer-transformed terms: ``log F(x) =
  x + log 1F1(b - a; b; -x)`` has the same second derivative).

The tail after term ``J`` is at most ``t_J q / (1 - q)`` with ``q = |x| /
(J + 1) < 1`` (each ratio of successive terms is below ``|x| / (j + 1)``);
the sum stops when that is below a quarter of the rounding unit.  The cost
is about ``|x| + 9 sqrt(|x|)`` terms, so the policy (:mod:`.direct`) sends
only ``|x| <= MAX_X`` here and the rest to the contour, which costs the same
at any ``x``.

The polynomial ``1F1(-m; b; x)`` (``m`` a positive integer, ``b > 0``) at
``x <= 0`` has positive terms as it stands (``m + 1`` of them) and is
summed here too, at any ``x <= 0``.
"""
import math

from ._jit import jit

_EPS = 2.220446049250313e-16
# the policy's range for the series (:func:`applies`): beyond MAX_X the
# contour (about 10 us at any x) is cheaper; for x < 0, where log F is
# small and its error absolute, the long product of term ratios drifts by
# up to about 1e-16 per term (measured: 1.4e-13 after 1500 terms), so the
# series stops at MAX_NEG_X (2e-14 at most) and the contour (1e-14) takes
# the rest
MAX_X = 2000.0
MAX_NEG_X = 250.0
# far more terms than x <= MAX_X needs (about 2,500): a guard, never reached
_MAX_TERMS = 100_000
# the running sums are rescaled by exact powers of two past _BIG (2^800)
_BIG = 2.0 ** 800
_SMALL = 2.0 ** -800
_BIG_EXP = 800
# ln 2 in two parts, the first with 21 trailing zero bits (Cody and Waite):
# E * _LN2_HI is exact for |E| < 2^21
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LN2 = 0.6931471805599453


# the largest degree -a of the polynomial 1F1(-m; b; x) summed here
MAX_DEGREE = 10_000
# a >= b, x >= 0: the terms rise until about sqrt(a x); at most about
# 14,000 of them here
MAX_AX = 1e8


def in_range(a, b, x):
    """Whether the policy sends ``1F1(a; b; x)`` of one eigenvalue here:
    ``0 < a < b`` with ``-MAX_NEG_X <= x <= MAX_X``; ``0 < b <= a`` with
    ``0 <= x <= MAX_X`` and ``a x <= MAX_AX`` (positive terms, about
    ``x/2 + sqrt(x^2/4 + a x)`` of them before they fall); or the
    polynomial ``a = -m`` (``m <= MAX_DEGREE``, ``b > 0``) at ``x <= 0``,
    where its terms are all positive.  Plain Python (also compiled as
    :func:`applies`)."""
    if 0.0 < a < b:
        return -MAX_NEG_X <= x <= MAX_X
    if 0.0 < b <= a:
        return 0.0 <= x <= MAX_X and a * x <= MAX_AX
    return (a < 0.0 and a == math.floor(a) and -a <= MAX_DEGREE and b > 0.0
            and -math.inf < x <= 0.0)


applies = jit(inline="always")(in_range)


@jit(inline="always")
def _tail_ratio(c, b, y, j):
    """A bound ``q`` of every ratio of successive terms after term ``j``:
    ``|y| / (j + 1)`` when ``c <= b`` (then ``(c + i) / (b + i) <= 1``);
    the ratio itself when ``c > b``, where the ratios decrease."""
    q = abs(y) / (j + 1)
    if c > b:
        q *= (c + j) / (b + j)
    return q


@jit(inline="always")
def _ratio(c, b, y, j):
    """``t_{j+1} / t_j`` (one expression for both passes, so that they
    round alike)."""
    return (c + j) / (b + j) * y / (j + 1)


@jit
def log_kummer(a, b, x, nder):
    """``(logF, grad, hess, err)`` of ``1F1(a; b; x)`` for the inputs of
    :func:`in_range` (not checked); ``err`` bounds the absolute error of
    ``logF`` (rounding of every term and the tail).

    For ``x < 0`` the terms carry the factor ``e^x`` from the start (as
    ``e^{-r} 2^{-E}``, ``x = -E ln 2 - r`` split exactly): the sum is then
    ``F`` itself, and its log is not the difference of two logs near
    ``|x|`` (which would cost ``|x|`` units of rounding).  The polynomial
    ``a = -m`` at ``x <= 0`` is summed as it is (``m + 1`` positive
    terms)."""
    direct = x >= 0.0 or a < 0.0
    if not direct:
        c = b - a
        y = -x
        E = float(round(y / _LN2))
        r = (y - E * _LN2_HI) - E * _LN2_LO
        t0 = math.exp(-r)
        e2 = -int(E)
    else:
        c = a
        y = x
        t0 = 1.0
        e2 = 0
    # running sums of t_j, of t_j u_j (summed directly) or t_j / (b + j)
    # (Kummer-transformed), of t_j j; the true sums are these times 2^e2
    t = t0
    s = t0
    s1 = t0 * c / b if direct else t0 / b
    sj = 0.0
    j = 0
    while True:
        t *= _ratio(c, b, y, j)
        j += 1
        s += t
        sj += t * j
        if direct:
            s1 += t * (c + j) / (b + j)
        else:
            s1 += t / (b + j)
        if s > _BIG:
            t *= _SMALL
            s *= _SMALL
            s1 *= _SMALL
            sj *= _SMALL
            e2 += _BIG_EXP
        q = _tail_ratio(c, b, y, j)
        if q < 1.0 and t * q <= 0.25 * _EPS * s * (1.0 - q) \
                or t == 0.0 or j > _MAX_TERMS:
            break
    _, ex = math.frexp(s)
    if -1000 < ex + e2 < 1000:
        logF = math.log(math.ldexp(s, e2))
    else:
        logF = math.log(s) + e2 * _LN2
    # each term carries at most about 4j roundings (3 products, 1 quotient
    # per step), the sum j more, the log and the scale one each
    err = (5.0 * j + 4.0) * _EPS + 2.0 * _EPS * abs(logF)
    grad = s1 / s if direct else a * s1 / s
    hess = 0.0
    if nder >= 2:
        hess = _second(c, b, y, t0, sj / s, b - a if direct else a)
    return logF, grad, hess, err


@jit
def _second(c, b, y, t0, mean_j, d):
    """The second derivative over the terms of ``1F1(c; b; y)`` (from
    ``t0``, rescaled as :func:`log_kummer` rescales them): with ``v_i = 1 /
    (b + i)``, ``u_i = (c + i) v_i = 1 - d v_i``, the weighted mean of
    ``u_i d v_i v_{i+1}`` plus ``d^2`` times the weighted variance of
    ``v``, the latter from the deviations ``v_i - v_r = (r - i) v_i v_r``
    about the index ``r`` nearest the mean (no cancellation of nearly equal
    ``v``).  The second derivative can be far smaller than the terms'
    scale, so this pass has its own end: the tail bound of the terms times
    the largest factor a term can carry, ``d / b^2 + d^2 v_r^2``, below a
    quarter of the rounding unit of the running result.  NaN where the
    rounding of the parts exceeds 1e-10 of the result (only the polynomial
    case, whose terms can be negative, comes near it)."""
    r = float(round(mean_j))
    vr = 1.0 / (b + r)
    # |u_i d v_i v_(i+1)| <= |d| max(1, c/b) / b^2 (u_i <= c/b when c > b)
    factor = abs(d) * max(1.0, c / b) / (b * b) + d * d * vr * vr
    t = t0
    s = t0
    acc = 0.0    # sum t_i u_i d v_i v_{i+1}
    dev = 0.0    # sum t_i (v_i - v_r)
    dev2 = 0.0   # sum t_i (v_i - v_r)^2
    i = 0
    while True:
        if i > 0:
            t *= _ratio(c, b, y, i - 1)
            s += t
        v = 1.0 / (b + i)
        w = (r - i) * v * vr
        acc += t * (c + i) * v * d * v / (b + i + 1)
        dev += t * w
        dev2 += t * w * w
        if s > _BIG:
            t *= _SMALL
            s *= _SMALL
            acc *= _SMALL
            dev *= _SMALL
            dev2 *= _SMALL
        q = _tail_ratio(c, b, y, i)
        i += 1
        if t == 0.0:
            break       # a polynomial: no more terms
        # (a bound on the count as well: NaN or a rounding accident cannot
        # make the loop run on)
        if q < 1.0 and t * q * factor <= 0.25 * _EPS * (1.0 - q) * abs(
                acc + d * d * (dev2 - dev * (dev / s))) or i > _MAX_TERMS:
            break
    mean_dev = dev / s
    h = acc / s + d * d * (dev2 / s - mean_dev * mean_dev)
    # the polynomial case (a < 0) has terms u_i < 0, so the two parts can
    # cancel (|x| = 1e8: 1e-8 relative lost): NaN past 1e-10 relative
    if 4.0 * _EPS * (abs(acc) + d * d * dev2) / s > 1e-10 * abs(h):
        return math.nan
    return h
