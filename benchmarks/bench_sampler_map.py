"""Sampler map: acceptance of ``matrix_bingham(...).rvs`` on the normalizer
map's grid.

Run:  python benchmarks/bench_sampler_map.py [--n 600] [--seed 0]
      [--draws 400] [--markdown docs/sampling_map.md]

The inputs are those of ``bench_normalizer_map.py`` (same seeds: ``k`` in
1..16, ``p`` from 6 to 4096, rank 1..16 or full, scale 3 to 1e4, mixed
signs, exact and near ties), each as a matrix Bingham with a random frame.
For every input the table reports the envelope the planner chose and the
*theoretical* acceptance ``F / M`` (``F`` the normalizer from ``auto``,
``M`` the envelope mass; exact in expectation, and the rate every call of
``rvs`` sees on average). The normalizer runs in a worker process with a
time cap (``--cap`` seconds); inputs whose normalizer is not certified at
1e-8 within it are counted apart. For inputs with acceptance above 0.01 the
script also draws ``--draws`` frames, reports the time per draw (warm) and
compares the observed acceptance with ``F / M``, in standard errors: an
independent check of the normalizer, as ``M`` is in closed form.
"""
import argparse
import os
import sys
import time
from collections import Counter, defaultdict

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_normalizer_map import Runner, grid  # noqa: E402

from bingham import grassmann  # noqa: E402
from bingham import _sampling  # noqa: E402

THRESHOLDS = (0.1, 0.01, 1e-3)


def run(items, draws, cap):
    rows = []
    runner = Runner()          # the normalizer, in a worker with a time cap
    # the planner imports scipy on first use: not part of any plan's time
    _sampling.plan(np.array([2.0, 1.0]), np.eye(4)[:, :2], 4, 2)
    for i, (k, p, x, tags) in enumerate(items):
        x = np.array(x)
        V = grassmann.random_uniform(p, x.size, rng=i)
        t0 = time.perf_counter()
        pl = _sampling.plan(x, V, p, k)
        plan_time = time.perf_counter() - t0
        res = runner.call((k, p, list(x)), cap)
        logF, err = (res[1]["logF"], res[1]["error"]) if res else (
            np.nan, np.inf)
        ok = bool(np.isfinite(logF) and err <= 1e-8 * max(1.0, abs(logF)))
        # not clipped at 1: above 1 would expose a wrong envelope mass
        acc = float(np.exp(logF - pl.log_envelope_mass)) if ok else np.nan
        per_draw = None
        z = None
        if draws and ok and acc > 0.01:
            t0 = time.perf_counter()
            _, info = _sampling.sample(pl, draws, np.random.default_rng(i))
            per_draw = (time.perf_counter() - t0) / draws
            # the observed acceptance against F / M: an independent check
            # of the normalizer (M is in closed form), in standard errors
            # (one pseudo-rejection: an acceptance of 1 has an error too)
            rate, n = info["acceptance"], info["proposals"]
            se = np.sqrt((1.0 - rate + 1.0 / n) / (rate * n))
            z = float((np.log(rate) - np.log(acc)) / se)
        rows.append(dict(k=k, p=p, regime=tags["regime"], scale=tags["scale"],
                         rank=tags["rank"], tie=tags["tie"],
                         mixed=tags["mixed"], method=pl.method,
                         acceptance=acc, certified=bool(ok),
                         per_draw=per_draw, plan_time=plan_time, z=z,
                         truncated=bool(pl.truncated), x=x.tolist()))
        print(f"\r{i + 1}/{len(items)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    runner.close()
    return rows


def summarize(rows):
    by = defaultdict(list)
    for r in rows:
        by[r["regime"]].append(r)
        by[f"scale {r['scale']:g}"].append(r)
        by["all"].append(r)
    head = ("| inputs | n | " + " | ".join(f"acc >= {t:g}" for t in THRESHOLDS)
            + " | min | median time/draw | envelopes |")
    lines = [head, "|" + " --- |" * (5 + len(THRESHOLDS))]
    for name in sorted(by, key=lambda s: (s == "all", s)):
        rs = [r for r in by[name] if r["certified"]]
        if not rs:
            continue
        a = np.array([r["acceptance"] for r in rs])
        t = [r["per_draw"] for r in rs if r["per_draw"] is not None]
        meth = Counter(r["method"] for r in rs)
        lines.append(
            f"| {name} | {len(rs)} | "
            + " | ".join(f"{np.mean(a >= th):.0%}" for th in THRESHOLDS)
            + f" | {a.min():.1e} (max {a.max():.3f}) | "
            + (f"{np.median(t) * 1e3:.2f} ms" if t else "-") + " | "
            + ", ".join(f"{m} {c}" for m, c in meth.most_common()) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--draws", type=int, default=400)
    ap.add_argument("--cap", type=float, default=10.0)
    ap.add_argument("--markdown")
    args = ap.parse_args()
    items = grid(args.n, args.seed)
    t0 = time.time()
    rows = run(items, args.draws, args.cap)
    table = summarize(rows)
    uncertified = sum(not r["certified"] for r in rows)
    ranked = sorted((r for r in rows if r["certified"]),
                    key=lambda r: r["acceptance"])
    below = sum(r["acceptance"] < THRESHOLDS[0] for r in ranked)
    worst = ranked[:max(12, below)]
    plan = np.array([r["plan_time"] for r in rows])
    slow = max(rows, key=lambda r: r["plan_time"])
    text = [f"Sampler map: {len(rows)} inputs (seed {args.seed}), "
            f"{uncertified} without a certified normalizer left out; "
            f"{time.time() - t0:.0f} s.", "", table, "",
            f"Planning (all {len(rows)} inputs): median "
            f"{np.median(plan) * 1e3:.1f} ms, 90th percentile "
            f"{np.percentile(plan, 90) * 1e3:.1f} ms, maximum "
            f"{plan.max() * 1e3:.0f} ms (k={slow['k']}, p={slow['p']}, "
            f"rank {slow['rank']}); "
            f"{sum(r['truncated'] for r in rows)} stopped by the work "
            f"budget.", "",
            f"Lowest acceptance ({below} of {len(ranked)} below "
            f"{THRESHOLDS[0]:g}, all listed):", "",
            "| k | p | rank | scale | ties | signs | envelope | acceptance |",
            "|" + " --- |" * 8]
    for r in worst:
        text.append(f"| {r['k']} | {r['p']} | {r['rank']} | {r['scale']:g} | "
                    f"{r['tie']} | {'mixed' if r['mixed'] else 'positive'} | "
                    f"{r['method']} | {r['acceptance']:.1e} |")
    zs = np.array([r["z"] for r in rows if r.get("z") is not None])
    if zs.size:
        far = int(np.sum(np.abs(zs) > 6.0))
        top = max((r for r in rows if r.get("z") is not None),
                  key=lambda r: abs(r["z"]))
        text += ["", f"Observed against theoretical acceptance ({zs.size} "
                 f"inputs with draws; {args.draws} draws each, an "
                 f"independent check of the normalizer): largest |log "
                 f"ratio| {np.abs(zs).max():.1f} standard errors (k="
                 f"{top['k']}, p={top['p']}, rank {top['rank']}, "
                 f"{top['method']}), {far} beyond 6."]
        text += [f"    k={r['k']} p={r['p']} x={np.round(r['x'][:6], 3).tolist()}"
                 f": {r['z']:.1f} standard errors" for r in rows
                 if r.get("z") is not None and abs(r["z"]) > 6.0]
    out = "\n".join(text)
    print(out)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write("# Sampler map\n\nGenerated by `python benchmarks/"
                     "bench_sampler_map.py --markdown docs/sampling_map.md`;"
                     " see the script's docstring for the grid.\n\n"
                     + out + "\n")


if __name__ == "__main__":
    main()
