"""Generate ``kummer_large_a_cases.json``: log 1F1(a; b; x) of one
eigenvalue with ``0 < b <= a`` and ``0 <= x``, ``a x <= 1e8``, the range
where ``"auto"`` sums Kummer's series with a term-ratio tail bound
(``bingham/_kernels/kummer.py``; before, ``a = 1e4, b = 1.5, x = 1`` gave
NaN).

Run from the project root:  python tests/reference/make_kummer_large_a_cases.py

Provenance: ``mpmath.hyp1f1`` at 50 digits (its own summation, with a
raised term limit), the derivatives from the contiguous relation ``d/dx
1F1(a; b; x) = (a/b) 1F1(a+1; b+1; x)`` applied once and twice; no finite
differences.  Inputs random (seeded) plus the range's corners.
"""
import json
import os

import mpmath as mp
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def reference(a, b, x):
    with mp.workdps(50):
        a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
        F = [mp.hyp1f1(a + i, b + i, x, maxterms=10 ** 6) for i in range(3)]
        g = a / b * F[1] / F[0]
        h = a * (a + 1) / (b * (b + 1)) * F[2] / F[0] - g * g
        return [mp.nstr(v, 25) for v in (mp.log(F[0]), g, h)]


def main():
    rng = np.random.default_rng(20261207)
    inputs = []
    for i in range(60):
        b = float(10 ** rng.uniform(-1, 2))
        a = b * float(10 ** rng.uniform(0, 3))
        x = float(10 ** rng.uniform(-4, np.log10(min(2000.0, 1e8 / a))))
        inputs.append((a, b, x))
    inputs += [(1e4, 1.5, 1.0), (1e4, 1.5, 2000.0), (1e3, 1.5, 1.0),
               (5e4, 0.5, 2000.0), (2.0, 2.0, 0.0), (3.0, 0.5, 100.0)]
    cases = []
    for a, b, x in inputs:
        logF, g, h = reference(a, b, x)
        cases.append(dict(a=a, b=b, x=x, logF=logF, grad=g, hess=h))
    out = dict(source="mpmath.hyp1f1 at 50 digits; derivatives by the "
                      "contiguous relation d/dx 1F1(a;b;x) = (a/b) "
                      "1F1(a+1;b+1;x)",
               generator="tests/reference/make_kummer_large_a_cases.py",
               cases=cases)
    with open(os.path.join(HERE, "kummer_large_a_cases.json"), "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
