"""Speed of the library, as ratios against in-run baselines.

Run:  make bench      (or: python benchmarks/run.py [--quick] [--only NAME])

Every row times the library and a baseline on the same inputs in the same
process; this machine is shared and noisy, so read the ratio, not the
absolute time.  Sections (one module each):

* ``bench_normalizer``: the normalizing constant against mpmath at double
  precision and a plain-Python transcription of the zonal series;
* ``bench_distribution``: samplers, fit and Grassmann geometry against a
  one-draw-at-a-time sampler, scipy's BFGS and numpy's batched SVD;
* ``bench_routing``: the gating model's per-token statistics against a
  dense numpy implementation;
* ``bench_torch``: the differentiable normalizer (custom op and torch-native
  path, float32 and float64) against the numba core in the same run.

Targets from the issues are printed next to the measured times.  The table
is written to ``benchmarks/results/latest.md`` (not committed).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_distribution  # noqa: E402
import bench_normalizer  # noqa: E402
import bench_routing  # noqa: E402
import bench_torch  # noqa: E402
from _timing import fmt  # noqa: E402

SECTIONS = {"normalizer": bench_normalizer, "distribution": bench_distribution,
            "routing": bench_routing, "torch": bench_torch}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="skip the slow plain-Python baselines")
    parser.add_argument("--only", choices=sorted(SECTIONS),
                        help="run one section")
    args = parser.parse_args()
    rows = []

    def row(name, t_lib, baseline=None, t_base=None, target=None):
        ratio = f"{t_base / t_lib:.1f}x" if t_base and t_lib else ""
        rows.append((name, fmt(t_lib) if t_lib else "", baseline or "",
                     fmt(t_base) if t_base else "", ratio, target or ""))

    for name, module in SECTIONS.items():
        if args.only and name != args.only:
            continue
        module.run(args, row)

    header = ("case", "bingham", "baseline", "baseline time", "speed-up",
              "target")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(6)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths))
             + " |", "| " + " | ".join("-" * w for w in widths) + " |"]
    lines += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths))
              + " |" for r in rows]
    text = "\n".join(lines)
    print(text)
    out = os.path.join(HERE, "results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "latest.md"), "w") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
