"""An independent reference for rank-2 concentrations: the matrix-beta
representation, in mpmath.

For ``A = V diag(l1, l2) V^T`` (``V`` a ``p x 2`` frame) and ``X`` uniform on
V_k(R^p), ``W = V^T X X^T V`` (2 x 2) follows the matrix beta law
``Beta_2(k/2, (p - k)/2)`` (``k >= 2``, ``p - k >= 2``) with density
proportional to ``det(W)^((k-3)/2) det(I - W)^((p-k-3)/2)`` on ``0 < W < I``.
Writing ``W = R(phi) diag(w1, w2) R(phi)^T`` (Jacobian ``|w1 - w2|``) and
averaging ``etr(L W)`` over the uniform angle ``phi`` leaves

    1F1(k/2; p/2; diag(l1, l2)) =
        int int_{0 < w2 < w1 < 1} (w1 w2)^((k-3)/2) ((1-w1)(1-w2))^((p-k-3)/2)
            (w1 - w2) e^((l1+l2)(w1+w2)/2) I0((l1-l2)(w1-w2)/2) dw2 dw1
        / (the same integral at l = 0),

a 2-D integral that shares nothing with the library's methods (no series, no
contour, no branch cut).  Written from the definitions above (Muirhead,
*Aspects of Multivariate Statistical Theory*, ch. 3, for the matrix beta
law).

The exponential factor is taken out of the integral at its maximum over the
triangle, so log F is formed without overflow at any concentration.  The
denominator is Selberg's integral (half of it: the triangle is half the
square), ``S_2(alpha, beta, gamma) = prod_{j=0,1} Gamma(alpha + j gamma)
Gamma(beta + j gamma) Gamma(1 + (j + 1) gamma) / (Gamma(alpha + beta + (1 +
j) gamma) Gamma(1 + gamma))`` with ``alpha = (k - 1)/2``, ``beta = (p - k -
1)/2``, ``gamma = 1/2``.
"""
import mpmath as mp


def _inner(k, p, l1, l2, shift, fine):
    a = mp.mpf(k - 3) / 2
    c = mp.mpf(p - k - 3) / 2
    s = (l1 + l2) / 2
    d = (l1 - l2) / 2

    def f(w1, w2):
        # (an integrable endpoint singularity is never evaluated)
        if w2 >= w1 or w2 <= 0 or w1 >= 1:
            return mp.mpf(0)
        e = s * (w1 + w2) - shift
        # I0(x) e^(-|x|) is bounded: fold the Bessel factor's growth in
        bx = d * (w1 - w2)
        return ((w1 * w2) ** a * ((1 - w1) * (1 - w2)) ** c * (w1 - w2)
                * mp.exp(e + abs(bx)) * mp.besseli(0, bx) * mp.exp(-abs(bx)))

    # split where the mass concentrates: near w = 1 (attracting), w = 0
    # (repelling), w = k / p (high dimension); ``fine``: a geometric grid
    # toward both ends as well (two subdivisions that agree check the
    # quadrature)
    scale = max(abs(l1), abs(l2), 1)
    cand = [1 / scale, 10 / scale, mp.mpf(1) / 10, mp.mpf(k) / p / 10,
            mp.mpf(k) / p, 10 * mp.mpf(k) / p]
    if fine:
        cand += [mp.mpf(10) ** -j for j in range(1, 5)]
    pts = {mp.mpf(0), mp.mpf(1), mp.mpf(1) / 2}
    for t in cand:
        if 0 < t < 1:
            pts.update([t, 1 - t])
    pts = sorted(pts)
    return mp.quad(lambda w1: mp.quad(lambda w2: f(w1, w2),
                                      [q for q in pts if q < w1] + [w1]),
                   pts)


def _selberg(alpha, beta, gamma):
    out = mp.mpf(1)
    for j in range(2):
        out *= (mp.gamma(alpha + j * gamma) * mp.gamma(beta + j * gamma)
                * mp.gamma(1 + (j + 1) * gamma)
                / (mp.gamma(alpha + beta + (1 + j) * gamma)
                   * mp.gamma(1 + gamma)))
    return out


def log_hyp1f1_rank2(k, p, l1, l2, dps=20, fine=False):
    """``log 1F1(k/2; p/2; diag(l1, l2))`` for ``k >= 2``, ``p - k >= 2``."""
    if not (k >= 2 and p - k >= 2):
        raise ValueError("needs k >= 2 and p - k >= 2")
    with mp.workdps(dps):
        l1 = mp.mpf(l1)
        l2 = mp.mpf(l2)
        # the largest exponent over the triangle 0 < w2 < w1 < 1
        shift = max(0, l1 + l2, max(l1, l2), (l1 + l2) / 2 + abs(l1 - l2) / 2)
        num = _inner(k, p, l1, l2, shift, fine)
        den = _selberg((mp.mpf(k) - 1) / 2, (mp.mpf(p) - k - 1) / 2,
                       mp.mpf(1) / 2) / 2
        return float(mp.log(num / den) + shift)
