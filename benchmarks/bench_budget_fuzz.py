"""Work-budget fuzz: random value, gradient and Hessian calls of the
normalizer, timed one by one, listing every call over ``--limit`` seconds
(the budget is 1 s per input; compiling a kernel the first time a call
needs it is outside the budget, so run twice, or read a call over the
limit again warm, before calling it a defect) and every exception.

Run:  python benchmarks/bench_budget_fuzz.py [--seed 0] [--n 250]
      [--limit 1.3]

Inputs: ``k`` in 2..16, ``p`` from ``k + 2`` to 128, up to 12 given
eigenvalues (the rest implicit zeros), scale ``10^U(-3, 4)``, all positive
or mixed signs, with exact ties (40%) and near ties of 1e-9 relative
(20%); the call (value, gradient or Hessian) drawn uniformly.  Found the
defects fixed at stop 34 (k=7, p=64: 3.2 s; k=5, p=10: 3-5 s; k=16,
p=128 Hessian: 1.9 s).
"""
import argparse
import time
import warnings

import numpy as np

from bingham import special


def draw(rng):
    k = int(rng.integers(2, 17))
    p = int(rng.choice([k + 2, 2 * k, 2 * k + 3, 40, 64, 128]))
    r = int(rng.integers(1, min(p, 12) + 1))
    scale = 10.0 ** rng.uniform(-3, 4)
    if rng.random() < 0.5:
        x = rng.uniform(-1, 1, r) * scale
    else:
        x = rng.uniform(0, 1, r) * scale
    if rng.random() < 0.4 and r >= 2:
        x[1] = x[0]
    if rng.random() < 0.2 and r >= 3:
        x[2] = x[0] * (1 + 1e-9)
    return k, p, x, str(rng.choice(["value", "gradient", "hessian"]))


CALLS = {"value": special.log_hyp1f1,
         "gradient": special.value_and_grad_log_hyp1f1,
         "hessian": special.hess_log_hyp1f1}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=250)
    ap.add_argument("--limit", type=float, default=1.3)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    slow, failed, warned = [], [], 0
    t_all = time.perf_counter()
    for _ in range(args.n):
        k, p, x, which = draw(rng)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                CALLS[which](k / 2, p / 2, x)
            except Exception as e:          # noqa: BLE001 (listed below)
                failed.append((k, p, which, x, repr(e)[:120]))
            warned += len(w)
        dt = time.perf_counter() - t0
        if dt > args.limit:
            slow.append((dt, k, p, which, x))
    print(f"{args.n} calls (seed {args.seed}) in "
          f"{time.perf_counter() - t_all:.0f} s; {warned} warnings")
    print(f"over {args.limit} s: {len(slow)}")
    for dt, k, p, which, x in sorted(slow, key=lambda s: -s[0]):
        print(f"  {dt:.2f} s  k={k} p={p} {which} x={np.round(x, 3).tolist()}")
    print(f"exceptions: {len(failed)}")
    for k, p, which, x, e in failed:
        print(f"  k={k} p={p} {which} x={np.round(x, 3).tolist()}: {e}")


if __name__ == "__main__":
    main()
