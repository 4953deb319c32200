"""Generate ``vector_series_cases.json``: reference values of
``log 1F1(1/2; b; x)`` (and of ``b - a = 1/2`` by Kummer's relation) with
gradients, for the short series of tier 1 (``bingham._kernels.vector_series``).

Run from the project root:  python tests/reference/make_vector_series_cases.py

Provenance: one-dimensional integrals with a Bessel I0, in mpmath at 40
digits, independent of the library's series and contour:

* ``n = 3`` eigenvalues, ``b = 3/2`` (the sphere S^2): with ``u_3 = t`` and
  the azimuth integrated out,
  ``F = int_0^1 exp(x3 t^2 + (x1 + x2)(1 - t^2)/2) I0((x1 - x2)(1 - t^2)/2) dt``;
* ``n = 2`` eigenvalues, any ``b > 1``: ``w = u1^2 + u2^2 ~ Beta(1, b - 1)``
  and, given ``w``, ``u1^2 / w ~ Beta(1/2, 1/2)``, so
  ``F = (b - 1) int_0^1 (1 - w)^(b - 2) e^(w (x1 + x2)/2) I0(w (x1 - x2)/2) dw``
  (for ``b < 2`` with ``w = 1 - v^(1/(b - 1))``, which removes the
  endpoint singularity).

Gradients of log F by central differences at 40 digits (steps 1e-15).
"""
import json
import os

import mpmath as mp
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DPS = 40


def log_f3(x):
    x1, x2, x3 = (mp.mpf(v) for v in x)

    def f(t):
        s = 1 - t * t
        return mp.exp(x3 * t * t + (x1 + x2) * s / 2) \
            * mp.besseli(0, (x1 - x2) * s / 2)
    return mp.log(mp.quad(f, [0, mp.mpf(1) / 2, 1]))


def log_f2(x, b):
    x1, x2 = (mp.mpf(v) for v in x)
    b = mp.mpf(b)

    def g(w):
        return mp.exp(w * (x1 + x2) / 2) * mp.besseli(0, w * (x1 - x2) / 2)
    if b >= 2:
        def f(w):
            return (b - 1) * (1 - w) ** (b - 2) * g(w)
    else:
        # (1 - w)^(b - 2) is singular at w = 1 (40 digits of quadrature
        # gave 11 at b = 1.25): w = 1 - v^(1 / (b - 1)) absorbs it
        def f(v):
            return g(1 - v ** (1 / (b - 1)))
    return mp.log(mp.quad(f, [0, mp.mpf(1) / 2, 1]))


def with_gradient(f, x):
    h = mp.mpf("1e-15")
    g = []
    for i in range(len(x)):
        up = [mp.mpf(v) for v in x]
        dn = [mp.mpf(v) for v in x]
        up[i] += h
        dn[i] -= h
        g.append((f(up) - f(dn)) / (2 * h))
    return f([mp.mpf(v) for v in x]), g


def main():
    rng = np.random.default_rng(20261207)
    cases = []
    with mp.workdps(DPS):
        xs3 = [[3.0, 1.0, -2.0], [0.3, 0.1, -0.2], [1e-3, 2e-3, -4e-3],
               [4.0, 4.0, 0.5], [-6.0, -1.0, -2.5]]
        xs3 += [list(np.round(rng.uniform(-1, 1, 3) * s, 6))
                for s in (0.01, 0.5, 2.0, 3.0)]
        for x in xs3:
            v, g = with_gradient(log_f3, x)
            cases.append(dict(a=0.5, b=1.5, x=x, logF=mp.nstr(v, 30),
                              grad=[mp.nstr(t, 25) for t in g],
                              source="S^2 Bessel-I0 integral"))
        xs2 = [([1e-10, 2e-10], 2048.0), ([1e-10, 2e-10], 1.5),
               ([2.0, -1.0], 3.7), ([5.0, 3.0], 5.0), ([-4.0, 0.5], 32.0),
               ([40.0, 38.0], 2048.0), ([0.7, 0.2], 1.25)]
        for x, b in xs2:
            v, g = with_gradient(lambda y, b=b: log_f2(y, b), x)
            cases.append(dict(a=0.5, b=b, x=x, logF=mp.nstr(v, 30),
                              grad=[mp.nstr(t, 25) for t in g],
                              source="two-eigenvalue Bessel-I0 integral"))
        # b - a = 1/2 by Kummer's relation on the same references:
        # log 1F1(b - 1/2; b; x) = sum x + log 1F1(1/2; b; -x)
        for x, b in (([2.0, -1.0], 3.7), ([0.7, 0.2], 1.25)):
            y = [-v for v in x]
            v, g = with_gradient(lambda z, b=b: log_f2(z, b), y)
            cases.append(dict(a=b - 0.5, b=b, x=x,
                              logF=mp.nstr(mp.fsum(x) + v, 30),
                              grad=[mp.nstr(1 - t, 25) for t in g],
                              source="Kummer on the two-eigenvalue Bessel-I0 "
                                     "integral"))
    path = os.path.join(HERE, "vector_series_cases.json")
    with open(path, "w") as fh:
        json.dump(dict(generator="tests/reference/make_vector_series_cases.py",
                       mpmath=mp.__version__, cases=cases), fh, indent=1)
    print(f"{len(cases)} cases -> {path}")


if __name__ == "__main__":
    main()
