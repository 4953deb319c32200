"""The two special functions of the matrix-beta integral for two nonzero
eigenvalues (:mod:`.rank_two`): the Bessel ratio ``I1/I0`` with
``log(e^-z I0)``, the average of the integrand over the eigenvectors'
angle, and Selberg's integral, its normalising constant, formed without
the cancellation of its log-gammas at large ``p``."""
import math

from ._jit import jit
from .contour import stirling_remainder

# Bessel functions: power series up to this argument, asymptotic beyond
_SERIES_UP_TO = 25.0


@jit
def bessel_ratio(z):
    """``(log(e^-z I0(z)), r, 1 - r, r / z)`` for ``z >= 0``, ``r =
    I1(z) / I0(z)`` (``r / z = 1/2`` at 0): the power series (positive
    terms) up to ``_SERIES_UP_TO``, the asymptotic series beyond (its
    smallest term is below 1e-18 there), with ``1 - r`` summed term by term
    (no cancellation where ``r`` is near one)."""
    if z <= _SERIES_UP_TO:
        q = 0.25 * z * z
        t0 = 1.0
        t1 = 0.5
        s0 = 1.0
        s1 = 0.5             # I1 / z = sum q^j / (j! (j + 1)!) / 2
        j = 0
        while True:
            j += 1
            t0 *= q / (j * j)
            t1 *= q / (j * (j + 1))
            s0 += t0
            s1 += t1
            if t0 <= 1e-18 * s0:
                break
        rz = s1 / s0
        r = z * rz
        return math.log(s0) - z, r, 1.0 - r, rz
    # e^-z I_nu(z) sqrt(2 pi z) ~ sum_j u_j(nu), u_j = u_(j-1)
    # ((2j - 1)^2 - 4 nu^2) / (8 j z)
    u0 = 1.0
    u1 = 1.0
    s0 = 1.0
    d = 0.0                  # sum of u0_j - u1_j (the series of 1 - r)
    j = 0
    while j < 60:
        j += 1
        m = (2.0 * j - 1.0) ** 2
        u0 *= m / (8.0 * j * z)
        u1 *= (m - 4.0) / (8.0 * j * z)
        s0 += u0
        d += u0 - u1
        if abs(u0) <= 1e-18 * s0 and abs(u1) <= 1e-18 * s0:
            break
    omr = d / s0
    r = 1.0 - omr
    return math.log(s0) - 0.5 * math.log(2.0 * math.pi * z), r, omr, r / z


@jit
def log_selberg(k, p):
    """``log`` of Selberg's integral over [0, 1]^2 with ``|w_1 - w_2|``,
    ``alpha = (k - 1)/2``, ``beta = (p - k - 1)/2``, and the sum of the
    sizes of its terms (their rounding is the constant's).  Each
    ``lgamma(B) - lgamma(B + a)`` with ``B`` the larger of ``alpha +
    j/2``, ``beta + j/2`` (at least 20) is formed from Stirling's series
    without the cancellation of the two log-gammas (k = 4, p = 4096: terms
    of size 20 instead of 3e4, the estimate 5e-11 -> 1e-13)."""
    al = 0.5 * (k - 1.0)
    be = 0.5 * (p - k - 1.0)
    s = 0.0
    size = 0.0
    for j in range(2):
        B = max(al, be) + 0.5 * j
        small = min(al, be) + 0.5 * j
        a = min(al, be) + 0.5
        c = B + a
        if B >= 20.0:
            # lgamma(c) - lgamma(B) = a log c + B log1p(a / B) - a
            #                         + S(c) - S(B)
            terms = (-a * math.log(c), -B * math.log1p(a / B), a,
                     -stirling_remainder(c), stirling_remainder(B))
        else:
            terms = (-math.lgamma(c), math.lgamma(B), 0.0, 0.0, 0.0)
        for t in terms:
            s += t
            size += abs(t)
        for t in (math.lgamma(small), math.lgamma(1.0 + 0.5 * (j + 1)),
                  -math.lgamma(1.5)):
            s += t
            size += abs(t)
    return s, size
