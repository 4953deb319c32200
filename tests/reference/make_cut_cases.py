"""Generate ``cut_cases.json``: log 1F1(k/2; p/2; x) for p = 13..16.

Run from the project root:  python tests/reference/make_cut_cases.py

Provenance: :mod:`cut_mp` (mpmath, 40 digits, adaptive quadrature, monomial
basis), a transcription of the branch-cut representation independent of the
library's kernel.  Neither the series (partitions with up to 8 parts at
degrees in the hundreds) nor the holonomic method (2^p unknowns) reaches
these spectra; the representation itself is checked against them where
they do (``tests/test_special_cut.py``).  Tolerance: the promised 1e-12
relative on log F.
"""
import json
import os
import sys
import time

import mpmath as mp
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from cut_mp import log_hyp1f1_cut  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(20261123)
    specs = [
        ("k8_p16_spacing2", 8, 16, 2.0 * np.arange(16)[::-1]),
        ("k8_p16_spacing1000", 8, 16, 1000.0 * np.arange(16)[::-1]),
        ("k6_p13_random", 6, 13, np.sort(rng.uniform(-200, 300, 13))),
        ("k7_p15_random", 7, 15, np.sort(rng.uniform(-3e4, 1e5, 15))),
        ("k5_p14_clustered", 5, 14,
         np.array([400, 399.5, 380, 300, 299, 250, 100, 60, 59.9, 20, 0, -40,
                   -41, -300.0])),
    ]
    cases = []
    for name, k, p, x in specs:
        x = np.round(np.asarray(x, float), 6)
        t = time.time()
        value = log_hyp1f1_cut(k, p, list(x))
        print(f"{name}: {mp.nstr(value, 20)} ({time.time() - t:.0f} s)",
              flush=True)
        cases.append(dict(name=name, a=k / 2, b=p / 2, x=[float(v) for v in x],
                          logF=mp.nstr(value, 25), rtol=1e-12,
                          source="cut_mp (mpmath, 40 digits)"))
    path = os.path.join(HERE, "cut_cases.json")
    with open(path, "w") as fh:
        json.dump(dict(generator="tests/reference/make_cut_cases.py",
                       cases=cases), fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
