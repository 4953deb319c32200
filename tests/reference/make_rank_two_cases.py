"""Generate ``rank_two_cases.json``: log 1F1(k/2; p/2; diag(l1, l2)) for
two nonzero eigenvalues at large, mixed and nearly equal concentrations,
the inputs where "auto" ran its last tier (Laplace, estimates 0.006 to
0.4) before the matrix-beta kernel (``bingham/_kernels/rank_two.py``).

Run from the project root:  python tests/reference/make_rank_two_cases.py

Provenance: the matrix-beta representation of :mod:`matrix_beta`, with
the Bessel factor ``scipy.special.i0e`` (Cephes), integrated by QUADPACK's
adaptive Gauss-Kronrod rule (``scipy.integrate.quad``, nested, ``epsrel``
1e-13) over breakpoints placed at multiples of the boundary layers'
widths next to the ends where a layer sits; the exponent's maximum is
taken out so nothing overflows.  Computed twice, with two breakpoint sets
(multiples ``4^j`` and ``2^j``); the difference is kept as the case's
accuracy.  Nested ``mpmath.quad`` over the same breakpoints (the form of
:mod:`matrix_beta`) took more than 10 minutes per case at ``|l| = 1e4``,
and its generic subdivision is 0.1 off there, so double precision with an
adaptive rule is the reference here: it shares with the library's kernel
the representation (checked against the scalar Kummer function and the
isotropic method in ``tests/test_special_rank_two.py``), not the
quadrature (tanh-sinh there) nor the Bessel functions (its own series).
"""
import json
import os

import numpy as np
from scipy import integrate, special
from scipy.special import gammaln

HERE = os.path.dirname(os.path.abspath(__file__))


def _log_selberg(k, p):
    al, be = (k - 1) / 2, (p - k - 1) / 2
    return sum(gammaln(al + j / 2) + gammaln(be + j / 2)
               + gammaln(1 + (j + 1) / 2) - gammaln(al + be + (1 + j) / 2)
               - gammaln(1.5) for j in range(2))


def _grid(lo, hi, scales, ratio):
    """Breakpoints strictly inside ``(lo, hi)``: the multiples ``ratio^j``
    (j = -1 .. 4) of every scale from both ends."""
    pts = set()
    for s in scales:
        for j in range(-1, 5):
            d = s * ratio ** j
            if 0 < d < (hi - lo) / 2:
                pts.update([lo + d, hi - d])
    return sorted(pts)


def log_rank2(k, p, l1, l2, ratio):
    """``log 1F1(k/2; p/2; diag(l1, l2))``, ``k >= 2``, ``p - k >= 2``."""
    l1, l2 = max(l1, l2), min(l1, l2)
    a, c = (k - 3) / 2, (p - k - 3) / 2
    d = (l1 - l2) / 2
    scales = [1 / max(abs(v), 1.0) for v in (l1, l2, l1 - l2)]
    scales += [np.sqrt(k) / p, k / p]

    def logf(w1, w2):
        # the exponent less its largest value max(l1, 0) + max(l2, 0)
        e = (-l1 * (1 - w1) if l1 > 0 else l1 * w1) + (
            -l2 * (1 - w2) if l2 > 0 else l2 * w2)
        return (a * np.log(w1 * w2) + c * np.log((1 - w1) * (1 - w2))
                + np.log(w1 - w2) + e + np.log(special.i0e(d * (w1 - w2))))
    # and the Beta factors' share of the peak (at p = 4096 they underflow):
    # the largest log integrand on a grid is taken out as well
    t = 1.0 / (1.0 + np.exp(-np.linspace(-30, 30, 601)))
    W1, V = np.meshgrid(t, t)
    with np.errstate(all="ignore"):
        top = float(np.nanmax(logf(W1, W1 * V)))

    def inner(w1):
        def f(w2):
            if not 0 < w2 < w1:
                return 0.0
            return np.exp(logf(w1, w2) - top)
        return integrate.quad(f, 0.0, w1, points=_grid(0.0, w1, scales, ratio)
                              or None, epsabs=0.0, epsrel=1e-13,
                              limit=500)[0]
    num = integrate.quad(inner, 0.0, 1.0, points=_grid(0.0, 1.0, scales,
                                                        ratio) or None,
                         epsabs=0.0, epsrel=1e-13, limit=500)[0]
    return float(np.log(num) + top + max(l1, 0) + max(l2, 0) + np.log(2.0)
                 - _log_selberg(k, p))


INPUTS = [
    (8, 64, 1e4, -7987.718),
    (8, 40, 3069.528003, 3069.528),
    (12, 32, 596.247, 596.237),
    (16, 32, 1e4, -1e4),
    (5, 4096, 1e4, -300.0),
    (8, 40, 3069.528, 3000.0),
    (3, 16, 30.0, -20.0),
    (2, 8, 100.002, 100.0),
    (4, 40, 1e4, 0.0),
    (6, 12, 250.0, -40.0),
    (2, 4, -300.0, -900.0),
    (10, 100, -50.0, -5000.0),
    (3, 1000, 5e4, 2e4),
    (2, 6, 1e5, -1e5),
]


def main():
    cases = []
    for k, p, l1, l2 in INPUTS:
        coarse = log_rank2(k, p, l1, l2, 4.0)
        fine = log_rank2(k, p, l1, l2, 2.0)
        # (at least the rule's target, 1e-13 of the integral, and the
        # rounding of the exponent taken out)
        acc = max(float(abs(coarse - fine)),
                  1e-13 + 4e-16 * (abs(l1) + abs(l2)))
        print(k, p, l1, l2, fine, acc, flush=True)
        cases.append(dict(k=k, p=p, x=[l1, l2], logF=repr(fine),
                          accuracy=acc))
    out = dict(source="the matrix-beta integral, scipy.integrate.quad "
                      "(QUADPACK, nested) over layer-width breakpoints with "
                      "scipy.special.i0e; two breakpoint sets",
               generator="tests/reference/make_rank_two_cases.py",
               cases=cases)
    with open(os.path.join(HERE, "rank_two_cases.json"), "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
