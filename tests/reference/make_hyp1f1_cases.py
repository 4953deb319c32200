"""Generate ``hyp1f1_cases.json``: named reference values of log 1F1.

Run from the project root:  python tests/reference/make_hyp1f1_cases.py

Provenance: every value comes from :mod:`refs` (mpmath, 30-40 digits), by a
representation independent of the library's kernels; the method is recorded
per case.  Tolerances are the accuracy the library promises in that regime
(issue #2): relative 1e-12 on log F, absolute 1e-12 where |log F| < 1.
"""
import json
import os
import sys
import time

import mpmath as mp
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import refs  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-12


def case(name, regime, a, b, x, value, source, sign=1):
    """One reference: ``logF`` is log |1F1| (as a 25-digit string)."""
    return dict(name=name, regime=regime, a=float(a), b=float(b),
                x=[float(v) for v in x], logF=mp.nstr(value, 25), sign=sign,
                source=source, rtol=TOL, atol=TOL)


def fd_derivatives(f, x, hessian, dps=40):
    """Gradient (and Hessian) of ``f`` at ``x`` by central differences at
    ``dps`` digits: steps 1e-15 / 1e-11 leave truncation and rounding errors
    below 1e-18, far under the 1e-10 tolerance."""
    with mp.workdps(dps):
        x = [mp.mpf(v) for v in x]
        n = len(x)

        def at(dx):
            return f([xi + di for xi, di in zip(x, dx)], dps)

        h = mp.mpf(10) ** -15
        grad = []
        for i in range(n):
            e = [h if j == i else 0 for j in range(n)]
            grad.append((at(e) - at([-v for v in e])) / (2 * h))
        hess = None
        if hessian:
            h = mp.mpf(10) ** -11
            f0 = at([0] * n)
            hess = [[None] * n for _ in range(n)]
            for i in range(n):
                for j in range(i, n):
                    if i == j:
                        e = [h if t == i else 0 for t in range(n)]
                        v = (at(e) - 2 * f0 + at([-t for t in e])) / h ** 2
                    else:
                        def d(si, sj):
                            return at([si * h if t == i else sj * h if t == j else 0
                                       for t in range(n)])
                        v = (d(1, 1) - d(1, -1) - d(-1, 1) + d(-1, -1)) / (4 * h * h)
                    hess[i][j] = hess[j][i] = v
        return ([mp.nstr(g, 20) for g in grad],
                None if hess is None else [[mp.nstr(v, 20) for v in row] for row in hess])


def with_derivatives(c, f, hessian=False):
    """Attach reference derivatives of log F (``f(x, dps)`` -> log F)."""
    grad, hess = fd_derivatives(f, c["x"], hessian)
    c["grad"] = grad
    if hess is not None:
        c["hess"] = hess
    c["deriv_rtol"] = 1e-10
    return c


def n1_cases():
    out = []
    for a, b in [(0.5, 1.5), (1.3, 3.2), (0.2, 10.0), (2.5, 1.5), (4.0, 7.5)]:
        for x in [-50.0, -5.0, 0.3, 5.0, 50.0, 400.0]:
            value, sign = refs.n1(a, b, x)
            c = case(f"n1 a={a} b={b} x={x}", "n1", a, b, [x], value,
                     "mpmath.hyp1f1", sign)
            with mp.workdps(40):
                g = a / mp.mpf(b) * mp.hyp1f1(a + 1, b + 1, x) / mp.hyp1f1(a, b, x)
            c["grad"] = [mp.nstr(g, 20)]
            c["deriv_rtol"] = 1e-10
            out.append(c)
    for x in [-1e5, -3000.0, 1e4, 1e5]:
        out.append(case(f"n1 large a=0.5 b=1.5 x={x}", "n1", 0.5, 1.5, [x],
                        refs.n1(0.5, 1.5, x)[0], "mpmath.hyp1f1"))
    # large b with x near b: the Bromwich point at 0 carries b - a, and a
    # parabola scaled by the nearby saddle alone passes too close to it
    for a, b, x in [(0.5, 200.0, 210.0), (0.5, 200.0, 240.0),
                    (0.5, 200.0, 300.0), (1.0, 200.0, 240.0),
                    (1.0, 2048.0, 1945.6), (1.5, 2048.0, 1945.6),
                    (1.5, 2048.0, 2048.0), (2.0, 2048.0, 2048.0),
                    (1.0, 8192.0, 8192.0), (3.0, 2048.0, 2500.0)]:
        out.append(case(f"n1 x near b a={a} b={b} x={x}", "n1", a, b, [x],
                        refs.n1(a, b, x)[0], "mpmath.hyp1f1"))
    return out


def k1_cases(rng):
    out = []
    explicit = [
        [1.0, 2.0, 3.0], [0.0, -50.0, 20.0], [1e5, 0.0, -1e5],
        [-1e5, -99990.0, 3.0], [250.0, 249.0, -7.0], [1e-3, 2e-3, -4e-3],
        list(np.arange(10.0)), list(np.linspace(-1e3, 1e3, 10)),
        list(np.sort(rng.uniform(-1e5, 1e5, 10))), [30.0, 29.5, 29.0, 0.0, -1.0],
    ]
    for x in explicit:
        p = len(x)
        out.append(case(f"k1 p={p} x={np.round(x, 3).tolist()}", "k1", 0.5,
                        p / 2, x, refs.k1_cut(x), "cut integrals (mpmath.quad)"))
    for p in [64, 1024, 8192]:
        for x in ([0.5], [-3.0], [1e3], [-1e5], [1e5], [0.55 * p], [0.6 * p]):
            out.append(case(f"k1 lowrank p={p} x={x}", "k1", 0.5, p / 2, x,
                            refs.n1(0.5, p / 2, x[0])[0], "mpmath.hyp1f1"))
        for x in ([40.0, -25.0], [200.0, 150.0], [-300.0, 100.0]):
            out.append(case(f"k1 lowrank p={p} x={x}", "k1", 0.5, p / 2, x,
                            refs.k1_series(x, p / 2), "Dirichlet moment series"))
    for p, n, scale in [(64, 8, 30.0), (16, 6, 10.0), (4096, 16, 50.0),
                        (5, 3, 4.0), (1024, 4, 60.0)]:
        x = np.round(rng.uniform(-scale, scale, n), 6)
        c = case(f"k1 series p={p} n={n} scale={scale}", "k1", 0.5, p / 2,
                 x, refs.k1_series(x, p / 2), "Dirichlet moment series")
        if n <= 8:
            c = with_derivatives(
                c, lambda y, dps, b=p / 2: refs.k1_series(y, b, dps=dps),
                hessian=n <= 4)
        out.append(c)
    return out


def kp1_cases():
    """k = p - 1 by Kummer's relation on an independent k = 1 reference."""
    out = []
    for x in ([1.0, 2.0, 3.0], [0.0, -50.0, 20.0], [1e4, 0.0, -1e4],
              list(np.arange(6.0)), [500.0, 3.0, 2.0, -1.0]):
        p = len(x)
        val = mp.fsum(mp.mpf(v) for v in x) + refs.k1_cut([-v for v in x])
        out.append(case(f"k=p-1 p={p} x={x}", "kp1", (p - 1) / 2, p / 2, x, val,
                        "Kummer on cut integrals"))
    return out


def zonal_cases():
    """k > 1 and general (a, b): zonal series from the definitions."""
    out = []
    specs = [
        (1.0, 2.0, [3.0, 1.0, 0.5]),  # k=2, p=4
        (1.0, 2.5, [4.0, 2.0, 1.0, 0.5]),  # k=2, p=5
        (1.5, 3.0, [2.0, 1.5, 1.0]),  # k=3, p=6
        (1.0, 2.0, [-2.0, 1.0, 3.0]),  # mixed signs, k=2, p=4
        (0.8, 2.7, [0.4, -0.3, 1.1]),  # general a, b
        (1.5, 512.0, [40.0, 20.0, -10.0]),  # low rank in high dimension
        (2.0, 512.0, [30.0, 25.0, 5.0, 1.0]),  # k=4, p=1024
        (1.0, 32.0, [5.0, 4.0, 3.0]),  # k=2, p=64
    ]
    for i, (a, b, x) in enumerate(specs):
        c = case(f"zonal a={a} b={b} x={x}", "zonal", a, b, x,
                 refs.zonal(a, b, x), "zonal series from definitions")
        if i in (0, 3):  # two-part series: cheap enough at 40 digits
            c = with_derivatives(
                c, lambda y, dps, a=a, b=b: refs.zonal(a, b, y, dps=dps),
                hessian=i == 0)
        out.append(c)
    return out


def main():
    rng = np.random.default_rng(20261122)
    t0 = time.time()
    cases = n1_cases() + k1_cases(rng) + kp1_cases() + zonal_cases()
    path = os.path.join(HERE, "hyp1f1_cases.json")
    with open(path, "w") as fh:
        json.dump(dict(
            generator="tests/reference/make_hyp1f1_cases.py",
            mpmath=mp.__version__, cases=cases), fh, indent=1)
    print(f"{len(cases)} cases in {time.time() - t0:.1f}s -> {path}")


if __name__ == "__main__":
    main()
