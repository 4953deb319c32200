"""``python -m bingham normalizer``: the core's command line (no torch).

Prints, for a sweep of the concentration scale ``tau``, the Matrix Bingham
log-normalizer
``log 1F1(k/2; p/2; tau * L)``, the entropy relative to Haar measure and
the method that produced the value, with its error estimate.
"""
import argparse
import sys
import time
import warnings

import numpy as np


def _demo(args):
    from bingham.special import (AccuracyWarning, explain,
                                 grad_log_normalizer_eigvals)

    spectra = {
        "vector Bingham, k=1, p=3": (1, 3, np.array([1.0, 0.5, 0.0])),
        "k=1 low rank in p=4096 (16 nonzero)":
            (1, 4096, np.linspace(1.0, 0.1, 16)),
        "Grassmann k=3, p=10": (3, 10, np.arange(10.0) / 9.0),
        "Grassmann k=2, p=4": (2, 4, np.array([1.0, 0.6, 0.3, 0.0])),
        "k=2, p=1024, rank 4 (MoE expert)": (2, 1024, np.array([1.0, 0.8, 0.5, 0.2])),
        "k=4, p=64, rank 4": (4, 64, np.array([1.0, 0.75, 0.5, 0.25])),
    }
    taus = [float(t) for t in args.taus.split(",")]
    for title, (k, p, base) in spectra.items():
        print(f"\n{title}: eigenvalues tau * {np.round(base[:6], 3).tolist()}"
              f"{' ...' if base.size > 6 else ''}")
        print(f"{'tau':>9} {'log F':>16} {'entropy':>14} {'error':>9} "
              f"{'method':>10} {'time':>9}")
        for tau in taus:
            x = tau * base
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                # the table shows the error estimate of every row instead
                warnings.simplefilter("ignore", AccuracyWarning)
                info = explain(0.5 * k, 0.5 * p, x)
                g = grad_log_normalizer_eigvals(x, k, p)
            dt = time.perf_counter() - t0
            entropy = info["logF"] - float(x @ g)
            print(f"{tau:9.3g} {info['logF']:16.10g} {entropy:14.8g} "
                  f"{info['error']:9.1e} {info['method']:>10} {dt * 1e3:7.2f}ms")
    print("\nerror: estimated absolute error of log F (a row above 1e-12 "
          "relative is outside the exact methods' reach: see docs/accuracy.md)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="bingham",
        description="Matrix Bingham distributions: normalizing constants and demos.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("normalizer",
                          help="concentration sweep of the normalizer")
    demo.add_argument("--taus", default="0,0.1,1,5,1000,1e5",
                      help="comma-separated concentration scales")
    args = parser.parse_args(argv)
    if args.command == "normalizer":
        return _demo(args)
    return 2  # pragma: no cover (argparse rejects unknown commands)


if __name__ == "__main__":
    sys.exit(main())
