"""Benchmarks of the normalizing constant (issue #2): bingham.special
against mpmath at double precision and a plain-Python series."""
import math
import os
import sys
import time
import warnings

import mpmath as mp
import numpy as np
import scipy.special as sc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))

import refs  # noqa: E402

from bingham._kernels import strip_cache  # noqa: E402
from bingham.special import (  # noqa: E402
    grad_log_normalizer_eigvals,
    hess_log_hyp1f1,
    log_hyp1f1,
    log_normalizer_eigvals,
    value_and_grad_log_hyp1f1,
)
from _timing import best_time  # noqa: E402


def cold_time(fn):
    """One call with the strip tables dropped (numba compiled already)."""
    fn()
    strip_cache.clear()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(args, row):
    # 1. one eigenvalue: against mpmath.hyp1f1 at double precision
    mp.mp.dps = 15
    t_lib = best_time(lambda: log_hyp1f1(0.5, 1.5, [20.0]))
    t_mp = best_time(lambda: mp.log(mp.hyp1f1(0.5, 1.5, 20.0)))
    row("n=1, a=1/2, b=3/2, x=20 (value)", t_lib, "mpmath dps=15", t_mp)
    # the scalar function against scipy (issue 18: within 3x)
    for a, b, x in ((0.5, 1.5, 20.0), (1.5, 5.0, -100.0)):
        t_lib = best_time(lambda: log_hyp1f1(a, b, [x]))
        t_sc = best_time(lambda: math.log(sc.hyp1f1(a, b, x)))
        row(f"n=1, a={a}, b={b}, x={x} (value)", t_lib,
            "log(scipy.special.hyp1f1)", t_sc, target="within 3x of scipy")

    # 2. vector Bingham: value and gradient
    x3 = np.array([3.0, 1.0, -2.0])
    t_v = best_time(lambda: log_normalizer_eigvals(x3, 1, 3))
    t_g = best_time(lambda: value_and_grad_log_hyp1f1(0.5, 1.5, x3))
    t_plain = None if args.quick else best_time(
        lambda: refs.k1_series(x3, 1.5, dps=15), repeat=2)
    row("k=1, p=3 (value)", t_v, "plain series (mpmath dps=15)", t_plain)
    row("k=1, p=3 (value + gradient)", t_g, target="< 5 us")
    x10 = np.linspace(10.0, 0.0, 10)
    t_g10 = best_time(lambda: value_and_grad_log_hyp1f1(0.5, 5.0, x10))
    row("k=1, p=10 (value + gradient, 1e-13 relative)", t_g10,
        "Chen & Tanaka 2020, published: 1-7 ms at 2e-11 (as cited in "
        "issue #2)", 1e-3)
    x16 = np.linspace(30.0, 1.0, 16)
    t_g16 = best_time(lambda: value_and_grad_log_hyp1f1(0.5, 2048.0, x16))
    row("k=1, p=4096, 16 nonzero (value + gradient)", t_g16, target="< 20 us")
    x64 = np.linspace(-20.0, 20.0, 64)
    t_g64 = best_time(lambda: value_and_grad_log_hyp1f1(0.5, 32.0, x64))
    row("k=1, p=64, full spectrum (value + gradient)", t_g64, target="< 20 us")

    # 3. batches of 10,000 vector-Bingham inputs (per input)
    rng = np.random.default_rng(0)
    xb = rng.normal(scale=5.0, size=(10_000, 3))
    t_b = best_time(lambda: log_hyp1f1(0.5, 1.5, xb), repeat=3)
    row("k=1, p=3, batch of 10,000 (value, per input)", t_b / 10_000)
    t_bg = best_time(lambda: value_and_grad_log_hyp1f1(0.5, 1.5, xb), repeat=3)
    row("k=1, p=3, batch of 10,000 (value + gradient, per input)",
        t_bg / 10_000, target="< 20 us")
    xb16 = rng.uniform(0.0, 30.0, size=(2_000, 16))
    t_b16 = best_time(lambda: value_and_grad_log_hyp1f1(0.5, 2048.0, xb16),
                      repeat=3)
    row("k=1, p=4096, 16 nonzero, batch of 2,000 (value + gradient, per input)",
        t_b16 / 2_000, target="< 20 us")

    # 4. k > 1 series
    x8 = np.array([2.0, 1.8, 1.5, 1.2, 1.0, 0.7, 0.4, 0.1])
    t_k4 = best_time(lambda: log_normalizer_eigvals(x8, 4, 64), repeat=3)
    t_k4p = None if args.quick else best_time(
        lambda: refs.zonal(2.0, 32.0, x8[:4], dps=15), repeat=1, min_time=0)
    row("k=4, p=64, 8 eigenvalues (value)", t_k4)
    if t_k4p:
        x4 = x8[:4]
        t_k4s = best_time(lambda: log_normalizer_eigvals(x4, 4, 64), repeat=3)
        row("k=4, p=64, 4 eigenvalues (value)", t_k4s,
            "plain series (mpmath dps=15)", t_k4p)
    t_g8 = best_time(lambda: grad_log_normalizer_eigvals(x8, 4, 64), repeat=3)
    row("k=4, p=64, 8 eigenvalues (gradient)", t_g8)
    e10 = np.arange(10.0)
    # "auto" takes the branch-cut method for these spread spectra; the
    # forced series (which builds and then reuses strip tables,
    # bingham._kernels.strip_cache) is the baseline
    t_3a = best_time(lambda: log_normalizer_eigvals(e10, 3, 10), repeat=3)
    t_3s = best_time(lambda: log_normalizer_eigvals(e10, 3, 10,
                                                    method="series"), repeat=3)
    row("k=3, p=10, eigenvalues 0..9 (value)", t_3a,
        "series (forced, warm strip table)", t_3s, target="< 10 ms")
    t_3s0 = cold_time(lambda: log_normalizer_eigvals(e10, 3, 10,
                                                     method="series"))
    row("k=3, p=10, eigenvalues 0..9 (forced series, first call: builds "
        "the strip table)", t_3s0)
    t_3b = best_time(lambda: log_normalizer_eigvals(2 * e10, 3, 10), repeat=3)
    row("k=3, p=10, eigenvalues 0,2,..,18 (value)", t_3b,
        "Koev-Edelman C code, converged (published)", 20.0, target="< 0.1 s")
    t_3bs = best_time(lambda: log_normalizer_eigvals(2 * e10, 3, 10,
                                                     method="series"),
                      repeat=1, min_time=0)
    row("k=3, p=10, eigenvalues 0,2,..,18 (value)", t_3b,
        "series (forced)", t_3bs)
    t_3g = best_time(lambda: grad_log_normalizer_eigvals(e10, 3, 10),
                     repeat=3)
    row("k=3, p=10, eigenvalues 0..9 (gradient)", t_3g)
    e16 = 8.0 * np.arange(16.0)
    t_16 = best_time(lambda: value_and_grad_log_hyp1f1(4.0, 8.0, e16), repeat=3)
    row("k=8, p=16, eigenvalues 0,8,..,120 (branch-cut, value + gradient)",
        t_16)
    t_16h = best_time(lambda: hess_log_hyp1f1(4.0, 8.0, e16), repeat=3)
    row("k=8, p=16, eigenvalues 0,8,..,120 (branch-cut, Hessian)", t_16h)

    xh = np.array([60.0, 45.0, 30.0, 15.0])
    t_h = best_time(lambda: value_and_grad_log_hyp1f1(2.0, 32.0, xh), repeat=3)
    row("k=4, p=64, rank 4 at concentration 60 (holonomic, value + gradient)",
        t_h)
    xc = np.array([300.0, 120.0, 7.0])
    t_hc = best_time(lambda: log_hyp1f1(1.5, 2.0, xc, method="holonomic"),
                     repeat=3)
    t_cc = best_time(lambda: log_hyp1f1(1.5, 2.0, xc, method="contour"), repeat=3)
    row("k=3, p=4, x=[300,120,7] (holonomic vs the contour, value)", t_hc,
        "contour (Kummer)", t_cc)
    # whole spectra beyond the series: the shifted holonomic method, against
    # the exact Kummer contour where one exists (k = p - 1)
    xw = np.random.default_rng(10).uniform(-500.0, 500.0, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # estimate 4e-9: short of 1e-12
        t_w9 = best_time(lambda: log_hyp1f1(4.5, 5.0, xw, method="holonomic"),
                         repeat=1, min_time=0)
    t_c9 = best_time(lambda: log_hyp1f1(4.5, 5.0, xw, method="contour"),
                     repeat=3)
    row("k=9, p=10, 10 x U(-500, 500) (shifted holonomic vs the contour)",
        t_w9, "contour (Kummer)", t_c9)
    t_w3 = best_time(lambda: log_normalizer_eigvals(10 * e10, 3, 10),
                     repeat=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_w3h = best_time(lambda: log_normalizer_eigvals(10 * e10, 3, 10,
                                                         method="holonomic"),
                          repeat=1, min_time=0)
    row("k=3, p=10, eigenvalues 0,10,..,90 (branch-cut, value)", t_w3,
        "shifted holonomic (forced)", t_w3h)
