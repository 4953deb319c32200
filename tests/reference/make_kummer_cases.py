"""Generate ``kummer_cases.json``: log 1F1(a; b; x) of one eigenvalue with
its first and second derivative, over the range where ``"auto"`` uses
Kummer's series (``0 < a < b``, ``-250 <= x <= 2000``;
``bingham/_kernels/kummer.py``) and just outside it.

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
        F0 = mp.hyp1f1(a, b, x)
        F1 = mp.hyp1f1(a + 1, b + 1, x)
        F2 = mp.hyp1f1(a + 2, b + 2, x)
        g = a / b * F1 / F0
        h = a * (a + 1) / (b * (b + 1)) * F2 / F0 - g * g
        return [mp.nstr(v, 25) for v in (mp.log(F0), g, h)]


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
    cases = []
    for a, b, x in inputs:
        logF, g, h = reference(a, b, x)
        cases.append(dict(a=a, b=b, x=x, logF=logF, grad=g, hess=h))
    out = dict(source="mpmath.hyp1f1 at 50 digits; derivatives by the "
                      "contiguous relation d/dx 1F1(a;b;x) = (a/b) "
                      "1F1(a+1;b+1;x)",
               generator="tests/reference/make_kummer_cases.py",
               cases=cases)
    with open(os.path.join(HERE, "kummer_cases.json"), "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
