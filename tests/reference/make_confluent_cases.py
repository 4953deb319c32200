"""Generate ``confluent_cases.json``: references for spectra with equal
eigenvalues (ties, implicit zeros of low-rank concentrations).

Run from the project root:  python tests/reference/make_confluent_cases.py
(``--rank2``: add the rank-2 cases not yet in the file, keep the rest)

Provenance, two sources independent of the confluent branch-cut method:

* ``"rank2"``: :mod:`matrix_beta` (mpmath, 16 digits): the matrix-beta law of
  the 2 x 2 block ``V^T X X^T V`` reduced to a 2-D integral with a Bessel
  I0, for rank-2 concentrations (two nonzero eigenvalues, the other ``p - 2``
  zero) at large and mixed concentrations, ``k >= 2``, ``p - k >= 2``.  A
  case is kept when two quadratures (the coarse subdivision, and one with
  more points toward both ends; 16 digits) agree to 1e-13.  That check is
  weak where the mass sits in a narrow peak away from the split points: at
  k=3, p=64, [300, 200] both agreed and were 4e-3 off (the holonomic and
  the branch-cut methods agree to 1e-13 there), at k=2, p=4, [40, 40]
  2.8e-11 off; such cases are left out of the list below, which keeps the
  ones whose peaks the subdivision resolves (minutes per case at p = 64).
  Likewise k=5, p=40, [120, 120]: both agree at 149.03839240894038, the
  series certifies 149.03798575531033 (estimate 3e-13); and k=3, p=16,
  [1000, 1000] moves in the 7th digit between 20 and 30 digits.  Tied
  pairs with k > 2 (the confluent method projects out terms there) are not
  listed either: at 16 digits the two quadratures disagree by 1.7e-10 at
  k=3, p=8, [300, 300] and 7e-11 at k=5, p=16, [30, 30], and agree on
  values 1.6e-12 and 3.9e-10 off at k=4, p=10, [50, 50] and k=6, p=12,
  [100, 100] (20 digits, by hand: 574.5946029359294, 82.2178637773132,
  37.952031053414984, 180.0450803118879; the confluent method within
  1e-15 relative of each).
* ``"series"``: the library's zonal series (``method="series"``, a
  different representation), on seeded random spectra of integer-rounded
  eigenvalues (so with many ties) where its own estimate certifies 1e-13
  relative, with its gradient.

Tolerance in the tests: 1e-12 relative on log F (absolute below 1); the
estimate returned with each value must cover the difference.
"""
import json
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))

from matrix_beta import log_hyp1f1_rank2  # noqa: E402

RANK2 = [
    # (k, p, l1, l2): large, mixed, equal, high-dimensional
    (2, 6, 8.0, 5.0), (3, 16, 30.0, -20.0), (2, 8, 300.0, 200.0),
    (4, 12, 500.0, -300.0), (3, 9, -50.0, -20.0),
]


def rank2_cases(todo=RANK2):
    for k, p, l1, l2 in todo:
        a = log_hyp1f1_rank2(k, p, l1, l2, dps=16)
        b = log_hyp1f1_rank2(k, p, l1, l2, dps=16, fine=True)
        print("rank2", k, p, l1, l2, a, b, flush=True)
        if abs(a - b) <= 1e-13 * max(1.0, abs(b)):
            yield {"source": "rank2", "k": k, "p": p, "x": [l1, l2],
                   "logF": b}


def series_cases(n=60, seed=20261206):
    from bingham.special import log_hyp1f1, value_and_grad_log_hyp1f1
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        p = int(rng.integers(3, 13))
        k = int(rng.integers(1, p))
        r = int(rng.integers(1, p + 1))
        x = np.round(rng.uniform(-1, 1, r) * rng.choice([3, 8, 15]))
        if rng.random() < 0.5:
            x = np.abs(x)
        full = np.concatenate([x, np.zeros(p - r)])
        if len(np.unique(full)) == len(full) or len(np.unique(full)) == 1:
            continue  # keep spectra with ties, not isotropic ones
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v, e = log_hyp1f1(k / 2, p / 2, x, method="series",
                              return_error=True)
            if not e <= 1e-13 * max(1.0, abs(v)):
                continue
            _, g = value_and_grad_log_hyp1f1(k / 2, p / 2, x, method="series")
        case = {"source": "series", "k": k, "p": p, "x": x.tolist(),
                "logF": float(v)}
        if np.all(np.isfinite(g)):  # (the series' derivatives may be beyond
            case["grad"] = np.asarray(g).tolist()  # its budget)
        out.append(case)
    return out


def main():
    """All cases; with ``--rank2``, only the rank-2 cases not yet in the
    file (minutes each), keeping the others."""
    from bingham._kernels import budget
    budget.SECONDS = 600.0  # (the series' gradient must not stop early)
    out = os.path.join(HERE, "confluent_cases.json")
    if "--rank2" in sys.argv[1:]:
        with open(out) as fh:
            cases = json.load(fh)
        done = {(c["k"], c["p"], tuple(c["x"])) for c in cases
                if c["source"] == "rank2"}
        todo = [r for r in RANK2 if (r[0], r[1], r[2:]) not in done]
    else:
        cases = series_cases()
        todo = RANK2
    for c in rank2_cases(todo):
        cases.append(c)
        with open(out, "w") as fh:  # as it goes: the rank-2 cases are slow
            json.dump(cases, fh, indent=1)
    with open(out, "w") as fh:
        json.dump(cases, fh, indent=1)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
