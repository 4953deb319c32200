"""Generate ``kummer_cases.json`` and ``kummer_large_a_cases.json``: log
1F1(a; b; x) of one eigenvalue with its first and second derivative, over
the ranges where ``"auto"`` uses Kummer's series
(``bingham/_kernels/kummer.py``): ``0 < a < b``, ``-250 <= x <= 2000``
and just outside it; ``0 < b <= a``, ``0 <= x``, ``a x <= 1e8`` (where
``a = 1e4, b = 1.5, x = 1`` gave NaN before).

Run from the project root:  python tests/reference/make_kummer_cases.py

Provenance: ``mpmath.hyp1f1`` at 50 digits (mpmath's own hypergeometric
summation and asymptotic expansions, not the library's recurrence); the
derivatives from the contiguous relations ``d/dx 1F1(a; b; x) = (a/b)
1F1(a+1; b+1; x)`` and its second application, so no finite differences.
The inputs are random (seeded) and include the range's edges.
"""
import json
import os

import mpmath as mp
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def reference(a, b, x):
    with mp.workdps(50):
        a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
        F0, F1, F2 = [mp.hyp1f1(a + i, b + i, x, maxterms=10 ** 6)
                      for i in range(3)]
        g = a / b * F1 / F0
        h = a * (a + 1) / (b * (b + 1)) * F2 / F0 - g * g
        return [mp.nstr(v, 25) for v in (mp.log(F0), g, h)]


def write(name, inputs):
    cases = []
    for a, b, x in inputs:
        logF, g, h = reference(a, b, x)
        cases.append(dict(a=a, b=b, x=x, logF=logF, grad=g, hess=h))
    out = dict(source="mpmath.hyp1f1 at 50 digits; derivatives by the "
                      "contiguous relation d/dx 1F1(a;b;x) = (a/b) "
                      "1F1(a+1;b+1;x)",
               generator="tests/reference/make_kummer_cases.py",
               cases=cases)
    with open(os.path.join(HERE, name), "w") as fh:
        json.dump(out, fh, indent=1)


def main():
    rng = np.random.default_rng(20261207)
    inputs = []
    for i in range(240):
        a = float(rng.uniform(0.01, 30.0) if i % 4 else rng.uniform(0.01, 1.0))
        gap = float(10 ** rng.uniform(-3, 3.3))
        b = a + gap
        x = float(rng.uniform(-250.0, 2000.0) if i % 3 == 0 else
                  rng.choice([-1, 1]) * 10 ** rng.uniform(-4, 2.4))
        x = min(max(x, -250.0), 2000.0)
        inputs.append((a, b, x))
    inputs += [(0.5, 1.5, -250.0), (0.5, 1.5, 2000.0), (29.9, 30.0, 2000.0),
               (0.01, 2000.0, -250.0), (1e-3, 1.0, 1e-8), (3.0, 4.0, 0.0)]
    write("kummer_cases.json", inputs)
    rng = np.random.default_rng(20261207)
    inputs = []
    for i in range(60):
        b = float(10 ** rng.uniform(-1, 2))
        a = b * float(10 ** rng.uniform(0, 3))
        x = float(10 ** rng.uniform(-4, np.log10(min(2000.0, 1e8 / a))))
        inputs.append((a, b, x))
    inputs += [(1e4, 1.5, 1.0), (1e4, 1.5, 2000.0), (1e3, 1.5, 1.0),
               (5e4, 0.5, 2000.0), (2.0, 2.0, 0.0), (3.0, 0.5, 100.0)]
    write("kummer_large_a_cases.json", inputs)


if __name__ == "__main__":
    main()
