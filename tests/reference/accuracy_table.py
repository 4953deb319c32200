"""Write the measured accuracy table (docs/accuracy.md) to stdout.

Run from the project root:  make accuracy
(= python tests/reference/accuracy_table.py > docs/accuracy.md)

Every number is measured here, against hyp1f1_cases.json (mpmath references
by independent representations, see refs.py) or, for the Laplace
approximation, against the converged series on random inputs.
"""
import json
import os
import warnings
from collections import defaultdict

import numpy as np

from bingham.special import (
    AccuracyWarning,
    explain,
    grad_log_hyp1f1,
    hess_log_hyp1f1,
    log_hyp1f1,
    log_normalizer_eigvals,
)

HERE = os.path.dirname(os.path.abspath(__file__))

REGIMES = {
    "n1": "n = 1 (scalar 1F1), a in (0.2, 4), b in (1.5, 8192), x in [-1e5, 1e5]",
    "k1": "k = 1 (vector Bingham), p = 3 .. 8192, eigenvalues in [-1e5, 1e5]",
    "kp1": "k = p - 1 (Kummer), p <= 6, eigenvalues in [-1e4, 1e4]",
    "zonal": "k > 1 and general (a, b), small arguments, n <= 4",
}


def rel(err, ref):
    return err / max(1.0, abs(ref))


def reference_rows():
    with open(os.path.join(HERE, "hyp1f1_cases.json")) as fh:
        cases = json.load(fh)["cases"]
    stats = defaultdict(lambda: dict(errs=[], ratios=[], derrs=[], methods=set()))
    for c in cases:
        ref = float(c["logF"])
        v, e = log_hyp1f1(c["a"], c["b"], c["x"], return_error=True)
        s = stats[c["regime"]]
        s["errs"].append(rel(abs(v - ref), ref))
        true = abs(v - ref)
        s["ratios"].append(e / true if true > 0 else np.inf)
        s["methods"].add(explain(c["a"], c["b"], c["x"])["method"])
        if "grad" in c:
            g = grad_log_hyp1f1(c["a"], c["b"], c["x"])
            gref = np.array([float(t) for t in c["grad"]])
            s["derrs"].append(np.max(np.abs(g - gref)) / np.max(np.abs(gref)))
            if "hess" in c:
                H = hess_log_hyp1f1(c["a"], c["b"], c["x"])
                Href = np.array([[float(t) for t in r] for r in c["hess"]])
                s["derrs"].append(np.max(np.abs(H - Href)) / np.max(np.abs(Href)))
    lines = [
        "| regime | cases | methods | max rel. error of log F | mean | "
        "min (error estimate / true error) | max rel. error of derivatives |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, title in REGIMES.items():
        s = stats[key]
        d = f"{max(s['derrs']):.1e} ({len(s['derrs'])} checks)" if s["derrs"] else "-"
        lines.append(
            f"| {title} | {len(s['errs'])} | {', '.join(sorted(s['methods']))} | "
            f"{max(s['errs']):.1e} | {np.mean(s['errs']):.1e} | "
            f"{min(s['ratios']):.2g} | {d} |")
    return "\n".join(lines)


def _series_and_laplace(x, k, p):
    """``(series, its error, Laplace, its error)`` for one spectrum."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccuracyWarning)
        s, se = log_normalizer_eigvals(x, k, p, method="series",
                                       return_error=True)
        lv, le = log_normalizer_eigvals(x, k, p, method="laplace",
                                        return_error=True)
    return s, se, lv, le


def laplace_rows(seed=7, trials=12):
    """Leading-order Laplace against the converged series, k > 1."""
    rng = np.random.default_rng(seed)
    lines = [
        "| p | k | eigenvalues | series log F | Laplace log F | abs. error | "
        "Laplace error estimate |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    worst_ratio = 0.0
    done = 0
    while done < trials:
        p = int(rng.integers(4, 7))
        k = int(rng.integers(2, p - 1))
        x = np.sort(rng.uniform(0.0, rng.choice([15.0, 40.0]), p))[::-1]
        s, se, lv, le = _series_and_laplace(x, k, p)
        if not (se < 1e-10):
            continue
        done += 1
        worst_ratio = max(worst_ratio, abs(lv - s) / le)
        lines.append(f"| {p} | {k} | {np.round(x, 1).tolist()} | {s:.8f} | "
                     f"{lv:.8f} | {abs(lv - s):.2e} | {le:.2e} |")
    # a tie across the k-th largest eigenvalue (the group's c-planes
    # integrated exactly, the rest Gaussian)
    for k, p, x in [(2, 5, [80.0, 40.0, 40.0]),
                    (2, 6, [80.0, 40.0, 40.0, 40.0])]:
        x = np.array(x)
        s, se, lv, le = _series_and_laplace(x, k, p)
        worst_ratio = max(worst_ratio, abs(lv - s) / le)
        lines.append(f"| {p} | {k} | {x.tolist()} (tie across the k-th) | "
                     f"{s:.8f} | {lv:.8f} | {abs(lv - s):.2e} | {le:.2e} |")
    return "\n".join(lines), worst_ratio


def holonomic_rows():
    """The holonomic method at large concentrations against exact methods:
    the contour for k = p - 1 (Kummer) and the converged series."""
    lines = [
        "| case | exact method | exact log F | holonomic log F | abs. error | "
        "error estimate |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    cases = [
        ("k=3, p=4, x=[40, 25, 10]", 1.5, 2.0, [40.0, 25.0, 10.0], "contour"),
        ("k=3, p=4, x=[300, 120, 7]", 1.5, 2.0, [300.0, 120.0, 7.0], "contour"),
        ("k=3, p=4, x=[2000, 1500, 10]", 1.5, 2.0, [2000.0, 1500.0, 10.0], "contour"),
        ("k=5, p=6, x=[900, 400, 300, 90, 2]", 2.5, 3.0,
         [900.0, 400.0, 300.0, 90.0, 2.0], "contour"),
        ("k=2, p=4, x=[30, 20]", 1.0, 2.0, [30.0, 20.0], "series"),
        ("k=4, p=16, x=[12, 9, 5, 2]", 2.0, 8.0, [12.0, 9.0, 5.0, 2.0], "series"),
        ("k=2, p=1024, x=[300, 150]", 1.0, 512.0, [300.0, 150.0], "series"),
        # whole spectra, shifted so that exactly k eigenvalues are positive
        ("k=3, p=10, x=0..9", 1.5, 5.0, list(np.arange(10.0)), "series"),
        ("k=3, p=10, x=0,2,..,18", 1.5, 5.0, list(2.0 * np.arange(10.0)),
         "series"),
        ("k=2, p=6, x=[14.5, 10.1, 6, -3.6, -3.2, 1.5]", 1.0, 3.0,
         [14.5, 10.1, 6.0, -3.6, -3.2, 1.5], "series"),
        ("k=1, p=10, 10 x U(-500, 500)", 0.5, 5.0,
         list(np.random.default_rng(10).uniform(-500.0, 500.0, 10)), "contour"),
        ("k=9, p=10, 10 x U(-500, 500)", 4.5, 5.0,
         list(np.random.default_rng(10).uniform(-500.0, 500.0, 10)), "contour"),
        # ties, split and extrapolated
        ("k=2, p=8, x=[90, 90, 60, 40, 15] (ties, 3 implicit zeros)", 1.0,
         4.0, [90.0, 90.0, 60.0, 40.0, 15.0], "series"),
        ("k=1, p=8, x=[0, 40, 80, 100, 80, 40] (ties)", 0.5, 4.0,
         [0.0, 40.0, 80.0, 100.0, 80.0, 40.0], "contour"),
        ("k=8, p=9, x=[120, 60, -120, -80, 60, 20, 120, 60, 80] (ties)", 4.0,
         4.5, [120.0, 60.0, -120.0, -80.0, 60.0, 20.0, 120.0, 60.0, 80.0],
         "contour"),
        # near ties (closer than 1e-4 of the range), split and interpolated
        ("k=2, p=7, x=[9, 6.0004, 6, 4, 4.0002, 1.5, 0] (two near pairs)",
         1.0, 3.5, [9.0, 6.0004, 6.0, 4.0, 4.0002, 1.5, 0.0], "series"),
        ("k=2, p=8, x=[9, 6.0004, 6, 4, 1.5] (near pair, 3 implicit zeros)",
         1.0, 4.0, [9.0, 6.0004, 6.0, 4.0, 1.5], "series"),
        ("k=1, p=6, x=[900, 600.04, 600, 400, 150, 0] (near pair)", 0.5, 3.0,
         [900.0, 600.04, 600.0, 400.0, 150.0, 0.0], "contour"),
        ("k=7, p=8, x=[250, 120, 80.006, 80, 40, 10, 0, -300] (near pair)",
         3.5, 4.0, [250.0, 120.0, 80.006, 80.0, 40.0, 10.0, 0.0, -300.0],
         "contour"),
    ]
    worst = 0.0
    for name, a, b, x, exact in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AccuracyWarning)
            ref, eref = log_hyp1f1(a, b, x, method=exact, return_error=True)
            h, eh = log_hyp1f1(a, b, x, method="holonomic", return_error=True)
        worst = max(worst, abs(h - ref) / max(1.0, abs(ref)))
        lines.append(f"| {name} | {exact} (error {eref:.0e}) | {ref:.12f} | "
                     f"{h:.12f} | {abs(h - ref):.1e} | {eh:.1e} |")
    # beyond every exact method: the F-free Monte Carlo estimate of the
    # exact sampler
    from bingham._testing import sampler_log_normalizer
    ev = np.array([120.0, 100.0, -20.0, -40.0, 30.0, 5.0, -60.0, 70.0])
    mc, se, _, _ = sampler_log_normalizer(ev, 2, 8, 200_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccuracyWarning)
        h, eh = log_hyp1f1(1.0, 4.0, ev, method="holonomic", return_error=True)
    lines.append(f"| k=2, p=8, x=[120, 100, 70, 30, 5, -20, -40, -60] | Monte "
                 f"Carlo (exact sampler, +-{se:.0e}) | {mc:.4f} | {h:.12f} | "
                 f"{abs(h - mc):.1e} | {eh:.1e} |")
    return "\n".join(lines), worst


def isotropic_rows():
    """The isotropic method (one repeated eigenvalue) against exact methods
    where they apply, and against the F-free Monte Carlo estimate of the
    exact sampler at high concentration."""
    from bingham._testing import sampler_log_normalizer
    lines = [
        "| case | reference | reference log F | isotropic log F | abs. error "
        "| error estimate |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    exact = [(1, 10, 4, 25.0), (1, 4096, 16, 100.0), (4, 5, 4, 20.0),
             (4, 5, 4, -20.0), (7, 8, 3, 40.0), (2, 6, 2, 3.0),
             (3, 10, 3, 1.5), (5, 10, 5, 2.0), (3, 10, 3, -8.0)]
    worst = 0.0
    for k, p, m, lam in exact:
        x = np.full(m, lam)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AccuracyWarning)
            info = explain(k / 2, p / 2, x)
            v, e = log_hyp1f1(k / 2, p / 2, x, method="isotropic",
                              return_error=True)
        worst = max(worst, abs(v - info["logF"]) / max(1.0, abs(info["logF"])))
        lines.append(f"| k={k}, p={p}, {m} x {lam:g} | {info['method']} | "
                     f"{info['logF']:.12f} | {v:.12f} | "
                     f"{abs(v - info['logF']):.1e} | {e:.1e} |")
    for k, p, lam in [(5, 10, 20.0), (4, 64, 100.0), (3, 12, -40.0)]:
        ev = np.full(k, lam)
        mc, se, _, _ = sampler_log_normalizer(ev, k, p, 100_000)
        v, e = log_hyp1f1(k / 2, p / 2, ev, method="isotropic",
                          return_error=True)
        lines.append(f"| k={k}, p={p}, {k} x {lam:g} | Monte Carlo (exact "
                     f"sampler, +-{se:.0e}) | {mc:.4f} | {v:.12f} | "
                     f"{abs(v - mc):.1e} | {e:.1e} |")
    return "\n".join(lines), worst


def cut_rows():
    """The branch-cut method against exact methods where they reach, and
    against the 40-digit transcription (cut_cases.json) where only it does."""
    lines = [
        "| case | reference | reference log F | cut log F | abs. error | "
        "error estimate |",
        "| --- | --- | --- | --- | --- | --- |"]
    worst = 0.0
    rng = np.random.default_rng(3)
    rows = []
    for p, scale in ((8, 500.0), (24, 1e4), (40, 1e5)):
        x = rng.uniform(-scale, scale, p)
        for k in (1, p - 1):
            ref, eref = log_hyp1f1(k / 2, p / 2, x, method="contour",
                                   return_error=True)
            rows.append((f"k={k}, p={p}, {p} x U(-{scale:g}, {scale:g})", k, p,
                         x, f"contour (error {eref:.0e})", ref))
    for k, p, x in ((3, 10, np.arange(10.0)), (3, 10, np.arange(0.0, 20.0, 2.0)),
                    (2, 16, np.arange(16.0)), (4, 16, 0.5 * np.arange(16.0))):
        ref, eref = log_hyp1f1(k / 2, p / 2, x, method="series",
                               return_error=True)
        label = f"k={k}, p={p}, x={x[0]:g}, {x[1]:g}, .., {x[-1]:g}"
        rows.append((label, k, p, x, f"series (error {eref:.0e})", ref))
    for k, p, x in ((3, 6, [400.0, 310.0, 200.0, 120.0, 30.0, -50.0]),
                    (3, 7, [1e4, 9000.0, 5000.0, 200.0, 100.0, 0.0, -300.0])):
        x = np.array(x)
        ref, eref = log_hyp1f1(k / 2, p / 2, x, method="holonomic",
                               return_error=True)
        label = f"k={k}, p={p}, x=[{', '.join(f'{v:g}' for v in x)}]"
        rows.append((label, k, p, x, f"holonomic (error {eref:.0e})", ref))
    with open(os.path.join(HERE, "cut_cases.json")) as fh:
        for c in json.load(fh)["cases"]:
            k, p = round(2 * c["a"]), round(2 * c["b"])
            rows.append((f"k={k}, p={p}, {c['name'].split('_', 2)[-1]}", k, p,
                         np.array(c["x"]), "cut_mp (40 digits)",
                         float(c["logF"])))
    for label, k, p, x, source, ref in rows:
        v, e = log_hyp1f1(k / 2, p / 2, x, method="cut", return_error=True)
        if not source.startswith("holonomic"):  # those: its own estimate
            worst = max(worst, rel(abs(v - ref), ref))
        lines.append(f"| {label} | {source} | {ref:.12f} | {v:.12f} | "
                     f"{abs(v - ref):.1e} | {e:.1e} |")
    return "\n".join(lines), worst


def rank_two_rows():
    """The matrix-beta kernel (two nonzero eigenvalues) against
    rank_two_cases.json (QUADPACK over layer-width breakpoints), with what
    "auto" returns now and the Laplace approximation it fell back to
    before the kernel."""
    from bingham._kernels import budget
    from bingham._kernels import rank_two as R
    with open(os.path.join(HERE, "rank_two_cases.json")) as fh:
        cases = json.load(fh)["cases"]
    lines = ["| k | p | eigenvalues | reference log F | matrix-beta log F "
             "| abs. error | error estimate | \"auto\" now | Laplace "
             "(error, its estimate) |", "|" + " --- |" * 9]
    worst = 0.0
    for c in cases:
        k, p, x = c["k"], c["p"], c["x"]
        ref = float(c["logF"])
        budget.start()
        v, _, _, e, _ = R.rank_two(k, p, max(x), min(x), 0)
        worst = max(worst, rel(abs(v - ref), ref))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AccuracyWarning)
            now = explain(k / 2, p / 2, np.array(x))
            lap = explain(k / 2, p / 2, np.array(x), method="laplace")
        lines.append(
            f"| {k} | {p} | {x} | {ref:.12f} | {v:.12f} | {abs(v - ref):.1e}"
            f" | {e:.1e} | {now['method']} ({now['error']:.0e}) | "
            f"{abs(lap['logF'] - ref):.1e} ({lap['error']:.1e}) |")
    return "\n".join(lines), worst


# one nonzero eigenvalue: the reference is mpmath's scalar hyp1f1 (40
# digits), independent of the zonal series the expansion sums
LARGE_ARGUMENT_SCALAR = [(3, 10, -300.0), (2, 64, -5e3), (5, 12, 400.0),
                         (8, 4096, 1e5), (1, 10, -2e3), (10, 4096, -3e4)]


def large_argument_rows():
    """Muirhead's large-argument expansion against mpmath's scalar function
    (one nonzero eigenvalue) and the one-sign cases of rank_two_cases.json
    (QUADPACK), with what "auto" returns now."""
    import mpmath

    from bingham._kernels import budget, strip_cache
    from bingham._kernels import large_argument as L
    with open(os.path.join(HERE, "rank_two_cases.json")) as fh:
        cases = [(c["k"], c["p"], c["x"], float(c["logF"]), "QUADPACK")
                 for c in json.load(fh)["cases"]]
    for k, p, x in LARGE_ARGUMENT_SCALAR:
        with mpmath.workdps(40):
            ref = float(mpmath.log(mpmath.hyp1f1(mpmath.mpf(k) / 2,
                                                 mpmath.mpf(p) / 2, x)))
        cases.append((k, p, [x], ref, "mpmath"))
    lines = ["| k | p | eigenvalues | reference | reference log F | "
             "expansion log F | abs. error | error estimate | \"auto\" now |",
             "|" + " --- |" * 9]
    worst = 0.0
    for k, p, x, ref, source in cases:
        y = np.array(x, float)
        if L.predicted_ratio(k, p, y) > L.MAX_RATIO:
            continue
        budget.start()
        v, _, _, e, st = L.large_argument(
            k, p, y, 0, 2.0 ** -53, 1e9,
            strip_cache.table(int(np.count_nonzero(y))))
        budget.stop()
        if not np.isfinite(v):
            continue
        worst = max(worst, rel(abs(v - ref), ref))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AccuracyWarning)
            now = explain(k / 2, p / 2, y)
        lines.append(
            f"| {k} | {p} | {x} | {source} | {ref:.12f} | {v:.12f} | "
            f"{abs(v - ref):.1e} | {e:.1e} | {now['method']} "
            f"({now['error']:.0e}) |")
    return "\n".join(lines), worst


def has_excess_terms(k, p, x):
    """A repeated value with other values below it (after Kummer's flip)
    whose piece holds fewer than min(k, p - k) points: its multiplicity at
    the top, one more below (vals increase: the top is the last)."""
    kk = min(k, p - k)
    full = np.concatenate([np.asarray(x, float), np.zeros(p - len(x))])
    if p - k < k:
        full = -full
    vals, counts = np.unique(full, return_counts=True)
    top = len(vals) - 1
    return any(c >= 2 and i > 0 and c + (i < top) < kk
               for i, c in enumerate(counts))


def confluent_rows():
    """The confluent branch-cut method against confluent_cases.json (the
    rank-2 matrix-beta integral in mpmath; the series on tied spectra) and
    on the inputs of the equal-eigenvalues issue."""
    with open(os.path.join(HERE, "confluent_cases.json")) as fh:
        cases = json.load(fh)
    lines = [
        "| reference | cases | with excess terms | max rel. error of log F "
        "| min "
        "(estimate / true error) | max abs. error of the gradient |",
        "| --- | --- | --- | --- | --- | --- |"]
    for source, label in (("rank2", "rank 2, mpmath matrix-beta integral "
                           "(16 digits), eigenvalues up to 50, mixed signs, "
                           "p <= 16"),
                          ("series", "zonal series, integer spectra with ties "
                           "and implicit zeros, p <= 12")):
        sel = [c for c in cases if c["source"] == source]
        worst = 0.0
        ratio = np.inf
        gworst = 0.0
        excess = 0
        for c in sel:
            k, p, x = c["k"], c["p"], np.asarray(c["x"])
            excess += has_excess_terms(k, p, x)
            v, e = log_hyp1f1(k / 2, p / 2, x, method="cut",
                              return_error=True)
            d = abs(v - c["logF"])
            worst = max(worst, rel(d, c["logF"]))
            if d > 0:
                ratio = min(ratio, e / d)
            if "grad" in c and e <= 1e-12 * max(1.0, abs(v)):
                g = grad_log_hyp1f1(k / 2, p / 2, x, method="cut")
                gworst = max(gworst, float(np.max(np.abs(g - c["grad"]))))
        gcol = f"{gworst:.1e} (where certified)" if source == "series" else "-"
        lines.append(f"| {label} | {len(sel)} | {excess} | {worst:.1e} | "
                     f"{ratio:.2g} | {gcol} |")
    lines += ["", "| input | log F | error estimate | method of \"auto\" "
              "before |", "| --- | --- | --- | --- |"]
    for k, p, x, before in (
            (2, 4, [1e8, 5e7], "Laplace, 55 s"),
            (3, 16, [30.0, -20.0], "series, estimate 0.039 (14.782)"),
            (3, 17, [25.2, 11.6, 29.0, 18.1, 48.3], "split ties, 28-65 s"),
            (2, 8, [100.0, 100.002], "series, 9-36 s"),
            (4, 40, [60.0, 50.0, 40.0, 10.0, 5.0], "Laplace, estimate 5.9"),
            (8, 24, [90.0, 60.0, 40.0, 30.0, 20.0], "Laplace, estimate 2.2"),
            (3, 64, [300.0, 200.0, 100.0], "Laplace, estimate 1.1"),
            (3, 8, [1e4, 1e4, 5e3], "refused (excess terms)"),
            (5, 16, [30.00003, 30.0], "Laplace, estimate 0.73, 831 ms"),
            (8, 40, [3069.528, 3069.528], "Laplace, estimate 0.021")):
        info = explain(k / 2, p / 2, np.asarray(x))
        lines.append(f"| k={k}, p={p}, x={x} | {info['logF']:.12f} | "
                     f"{info['error']:.1e} | {before} |")
    return "\n".join(lines)


def main():
    # the references and the methods measured run to completion, not to
    # the 1 s work budget of a call
    from bingham._kernels import budget
    budget.SECONDS = 120.0
    conf = confluent_rows()
    cut, cut_worst = cut_rows()
    iso, iso_worst = isotropic_rows()
    two, two_worst = rank_two_rows()
    large, large_worst = large_argument_rows()
    hol, hol_worst = holonomic_rows()
    lap, worst = laplace_rows()
    print(f"""# Accuracy of log 1F1(a; b; X)

Generated by `tests/reference/accuracy_table.py` (`make accuracy`); do not
edit by hand.  References: `tests/reference/hyp1f1_cases.json`, made by
`tests/reference/make_hyp1f1_cases.py` with mpmath from representations that
share no code with the library (mpmath.hyp1f1; the Dirichlet-moment series of
the vector Bingham; Bromwich contour collapsed onto the branch cut; the zonal
series written from the definitions).  Errors of log F are relative, or
absolute where |log F| < 1; derivatives are compared with high-precision
central differences of the references.

## Exact regimes

{reference_rows()}

The error estimate returned with `return_error=True` was never below the
true error on these cases (last-but-one column >= 1).

## Large concentrations with k > 1

### Distinct eigenvalues: the branch-cut method

For a spectrum of `p` distinct eigenvalues (the given ones and at most one
implicit zero) the constant is a sum of `min(k, p-k)`-square determinants
of real integrals over the segments between consecutive eigenvalues (an
inverse Laplace transform over symmetric matrices, reduced by Weyl's and de
Bruijn's formulas and collapsed onto the branch cut; see
`bingham/_kernels/cut.py`).  Where the eigenvalues are spread (mean spacing
at least about one) the leading determinant dominates and the error stays
at rounding level at any concentration; `"auto"` runs it first there, in
0.1-1 ms at `p <= 16`.  Against exact methods and, for `p = 13..16` where
none reaches, the 40-digit transcription `tests/reference/cut_mp.py`
(largest relative error {cut_worst:.1e}, the holonomic rows aside: their
differences are the holonomic method's own error, within its estimate;
the last row with the series is at spacing 0.5, where the determinants
cancel):

{cut}

Below a mean spacing of about one the determinants cancel (the sum of their
sizes is 200 times the sum at spacing 1 with `p = 16`, `k = 8`, 1e8 times at
spacing 0.5) and the estimate grows with that ratio; the series covers
those spectra, except for `p >= 14` with `k` near `p/2` and spreads of a
few units, where neither certifies 1e-12 (e.g. `k = 8`, `p = 16`,
eigenvalues `0, 0.5, .., 7.5`: the branch-cut result is off by 5e-6 against
the 40-digit transcription, its estimate says 1.2e-3).  Equal eigenvalues
make the segment integrals diverge: for `p <= 24` equal eigenvalues
(implicit zeros included) and pairs closer than 1e-4 of the range are split and
extrapolated as for the holonomic method below, with splits down to 2e-4
of the range (a group of m across the k-th largest eigenvalue while the
split stays below 1/4: ranges up to about 1000 / (m - 1)).  Against the series, e.g. k=2,
p=8, x=[90, 90, 60, 40, 15] (three implicit zeros): 2.8e-13 off, estimate
1.7e-11; k=2, p=5, x=[80, 40, 40] (a pair across the k-th largest, two
zeros): 5e-9 off, estimate 1.1e-6 (the Laplace approximation was 6.4e-3
off).

### The holonomic gradient method

`"auto"` uses the holonomic gradient method at large concentrations in two
cases where `F` is the fastest-growing solution of Muirhead's system along
the ray, so that integrating it is stable: at most 6 distinct nonzero
eigenvalues of one sign and no more positive ones than `k` (a Bingham
concentration of rank at most `k`, or `k = p - 1` through Kummer's
relation); and, for `p <= 12`, any spectrum of `p` distinct eigenvalues
(at most one of them an implicit zero), shifted so that exactly `k` are
positive (2^p unknowns: seconds at `p = 12`).  Equal eigenvalues (several
implicit zeros included; `p <= 10` in `"auto"`, up to 12 when the method
is forced, 14 s at `p = 11`) are split by four multiples of a small
`delta` and the results extrapolated to `delta = 0` in `delta^2` (the log is even in
`delta`: reversing each tied group flips its sign); the change from three
points, times 6, is the estimate.  Not across the k-th largest eigenvalue
at large concentration: there the log varies on a scale of 1 in absolute
terms, below the smallest split the system resolves.  A pair of distinct
eigenvalues closer than 1e-4 of the range (a near tie, where the system is
too ill-conditioned to integrate directly) is split the same way about its
mean and the polynomial evaluated at its actual half gap; the derivatives
are split into parts even and odd under the swap of the pair (the odd part
over the split is even) and both interpolated.  Other near groups (of
three or more, or next to exact ties such as implicit zeros) are moved to
their mean, where they are exact ties, and carried back by the
second-order Taylor expansion with the Hessian at the tie (the estimate
adds twice the correction).  For whole spectra in
`p <= 10` it is also tried before the series' full budget, once the series
centred at the midpoint of the eigenvalues has spent as long as the method
would take without certifying its sum (spread spectra now go to the
branch-cut method first; the rows below force the method).  Against exact methods (largest relative error
{hol_worst:.1e}) and, beyond them, the F-free Monte Carlo estimate of the
exact sampler:

{hol}

The error estimate compares two integrations that start at different
points; rounding near the start is amplified along the ray, so its
accuracy ranges from 1e-13 to about 1e-9 relative and it certifies the
large-concentration goal 1e-8 rather than 1e-12 (an `AccuracyWarning` says
so where the estimate exceeds 1e-12).  Split ties reach less: the split
must stay above 5e-3 of the range for the system to be well conditioned,
and the extrapolation from there leaves errors of 1e-12 to 2e-9 relative
(estimates up to 4e-8, so at p = 9 the goal 1e-8 is not always
certified).

### One repeated eigenvalue: the isotropic method

An isotropic concentration (`m` equal nonzero eigenvalues, the rest zero)
reduces to the `min(k, m)` principal angles, integrated exactly by de
Bruijn's Pfaffian and tanh-sinh quadrature (`"auto"` uses it where the
kernels fall short; up to 6 angles).  Against exact methods (largest
relative error {iso_worst:.1e}) and against the Monte Carlo estimate
`acceptance x envelope mass` of the exact sampler, whose constants do not
involve F:

{iso}

### Two nonzero eigenvalues: the matrix-beta integral

A concentration with two nonzero eigenvalues `x_h >= x_l` enters only
through `W = U^T X X^T U` (2 x 2, `U` their eigenvectors), which is
matrix-Beta for `2 <= k <= p - 2`; averaging over the angle of its
eigenvectors leaves a 2-D integral over its eigenvalues with a Bessel `I0`
factor (`bingham/_kernels/rank_two.py`): exact at any concentration, any
signs and any gap, equal and near-equal eigenvalues included, with value,
gradient and Hessian.  Tanh-sinh quadrature in `w_1` and `v = w_2 / w_1`,
each split at the integrand's mode and centred on its boundary layer; the
step is halved until two levels agree (10 to 50 ms; the error estimate is
the last change, ten times it where the levels stall short of quadratic
convergence, plus the rounding of the log-gamma terms, which cancel at
large `p`).  `"auto"` runs it where the branch-cut method does not certify.
Against QUADPACK on the same representation with its own subdivision and
Bessel function (`tests/reference/make_rank_two_cases.py`; largest relative
error {two_worst:.1e}); the last column is the Laplace approximation that
`"auto"` returned on these inputs before, with its estimate:

{two}

The representation itself is checked against the scalar Kummer function
(one eigenvalue zero), the isotropic method (equal eigenvalues) and finite
differences of its gradient in `tests/test_special_rank_two.py`.

### Large concentrations of low rank and one sign: the large-argument expansion

Where the `r` nonzero eigenvalues share a sign and `r <= min(k, p - k)`,
only they enter (`r x r` argument), and Watson's lemma in the `r x r`
matrix-beta integral gives Muirhead's expansion `1F1(a; b; -X) ~
Gamma_r(b) / Gamma_r(b - a) det(X)^-a 2F0(a, a - b + (r+1)/2; X^-1)`
(Kummer's relation first for positive eigenvalues;
`bingham/_kernels/large_argument.py`).  `"auto"` tries it before the
branch-cut method, whose sum is lost to rounding at gaps of thousands with
`k` above the multiplicities.  Against mpmath's scalar
function (one nonzero eigenvalue) and the QUADPACK references above of one
sign (largest relative error {large_worst:.1e}); the cases it refuses
(decay per degree above 1) are left out:

{large}

### Equal eigenvalues: the confluent branch-cut method

Ties of any multiplicity (the implicit zeros of a low-rank concentration
above all), near ties and clusters: the contour of the branch-cut method
stays on the cut between groups of eigenvalues and loops around each group
that is not a single simple eigenvalue, on an arc placed where `|f|` is
smallest beside it; the pieces' single and ordered double integrals give a
real 2-form whose Pfaffian is expanded as a sum of bordered Pfaffians, one
per set of groups (`bingham/_kernels/confluent.py`).  The work grows with
the number of distinct eigenvalues, not with `p`.  Values and gradients
(a tie's members share the derivative of the tie moved as a whole; the
contour is held fixed, so each derivative is an insertion of `(m/2) / (s -
z)`, plus the moving endpoints of simple eigenvalues in closed form);
`"auto"` runs it on every Bingham input its first tiers leave open (the
closed forms and the contour; the zonal series where its cost, predicted
from `sum |x|` before it runs, is about a millisecond or less:
`bingham/_kernels/cheap_series.py`), for the value, gradient and Hessian
(a tie's block from the tie moved as a whole and the insertion of `(1/2)
(s - z)^-2`), and keeps it where its estimate certifies 1e-12.
The groups from the top down to a group hold together at most their total
multiplicity `N` of the points; where that is fewer than `min(k, p - k)`
the expansion carries *excess terms* that cancel exactly but are `e^(excess
x gap)` too large in floating point.  They are projected out exactly
(`bingham/_kernels/confluent_terms.py`): the forms of each such union of
groups are weighted by `t` (`t^2` for the 2-forms; nested unions by the
product), the sum, a polynomial in the `t`s, is evaluated at `k + 1` points
`r w^j` per union on a circle and only the coefficients within every
union's bound are kept (discrete Fourier transforms; the radius `r` makes
the degrees comparable and is chosen among a few by the rounding it
leaves).  For the value beyond a gap of 8 (below it the excess is at most
e^8), for the derivatives always; the projected derivatives are checked by
the exact identity `sum_h d log F / d z_h = k` (of two radii, the better
one is kept and its residual joins the estimate).  A bound per group (its
multiplicity at the top, one more below another group) was not enough: a
tie next to a simple eigenvalue and zeros below had values wrong by 0.4 to
240 (flagged by estimates of 37 to 1e187; k=5, p=16, [300, 300, 183.33,
-50, -50]: 709.572 against 709.161 from split spectra extrapolated to the
tie and 709.167 +- 0.005 from the exact sampler's acceptance); bounding
the unions certifies them (estimates 5e-12 to 4e-9, the value within
2e-15 of the extrapolation, `tests/test_special_confluent.py`).  Where the
group's and the others' forms span more than double precision in one
entry (large `k - m` with gaps of thousands: k=8, p=40, a pair at 3e3
above 38 zeros, estimate 0.3) the estimate says so and "auto" moves on.  The largest relative error counts every case, certified or
not (small spreads with many columns, where the terms cancel, are not);
the estimate / error column shows the estimate was never below the error.

{conf}

### The holonomic, isotropic and Laplace fallbacks

What the confluent method does not certify (small spreads with many
columns, where its terms cancel; a single loop around everything with
`k >= 12`) goes down the previous ladder: series, holonomic, and last the
leading-order Laplace approximation with an `AccuracyWarning`, whose error
on spectra where the series still converges is:

{lap}

Largest (true error / estimate) over these rows: {worst:.2f} (below 1: the
estimate is conservative on these rows); the confluent method certifies
every one of these spectra now.
""")


if __name__ == "__main__":
    main()
