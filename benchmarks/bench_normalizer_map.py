"""Normalizer map: how "auto" does on a reproducible grid of Bingham inputs.

Run:  python benchmarks/bench_normalizer_map.py [--n 600] [--cap 20] [--seed 0]
      [--only REGIME] [--jsonl FILE] [--markdown docs/normalizer_map.md]

Each input is ``log 1F1(k/2; p/2; x)`` for a concentration of rank ``r`` in
dimension ``p`` (``x`` holds the ``r`` nonzero eigenvalues, the other
``p - r`` are the implicit zeros), drawn from a seeded grid over

* ``k`` in 1..16 (``k < p``), ``p`` from 6 to 4096,
* rank 1, 2, 3, 4, 6, 8, 16 or full (full spectra for ``p <= 64``),
* scale 3, 30, 300, 1e4 (the largest eigenvalue's size),
* signs: all positive, or mixed,
* ties: none, exact ties among the given eigenvalues, near ties (a split of
  1e-9 or 1e-6 of the scale).

Every call runs warm in a worker process, one at a time, with a wall-clock
cap (``--cap`` seconds; past it the worker is killed and the input counted
as over the cap).  An input is *certified* when the returned error estimate
is at most 1e-10 relative to ``max(1, |log F|)``.  For each regime the table
gives the share certified, the median, 90th percentile and maximum time, and
the methods used.  This machine is shared and noisy: read the times as
orders of magnitude.
"""
import argparse
import json
import multiprocessing as mproc
import os
import sys
import time
from collections import Counter, defaultdict

import numpy as np

KS = (1, 2, 3, 4, 5, 6, 8, 12, 16)
PS = (6, 8, 10, 12, 16, 17, 24, 32, 40, 64, 128, 512, 1024, 4096)
RANKS = (1, 2, 3, 4, 6, 8, 16, "full")
SCALES = (3.0, 30.0, 300.0, 1e4)
TIES = ("none", "exact", "near")
CERTIFY = 1e-10


def grid(n, seed):
    """``n`` inputs ``(k, p, x, tags)`` from a seeded draw over the grid."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        p = int(rng.choice(PS))
        k = int(rng.choice([k for k in KS if k < p]))
        rank = RANKS[rng.integers(len(RANKS))]
        if rank == "full":
            if p > 64:
                continue
            r = p
        else:
            r = min(int(rank), p)
        scale = float(rng.choice(SCALES))
        mixed = bool(rng.integers(2))
        tie = TIES[rng.integers(len(TIES))]
        x = rng.uniform(-1.0 if mixed else 0.05, 1.0, r)
        x *= scale / np.max(np.abs(x))
        if tie != "none" and r >= 2:
            # one or two groups of repeated values
            for _ in range(1 + int(rng.integers(2))):
                m = int(rng.integers(2, max(3, r // 2 + 1)))
                idx = rng.choice(r, size=min(m, r), replace=False)
                x[idx] = x[idx[0]]
                if tie == "near":
                    split = float(rng.choice([1e-9, 1e-6])) * scale
                    x[idx] += split * np.arange(len(idx))
        regime = ("low rank" if r < p else "full") + (
            ", p<=16" if p <= 16 else ", p<=64" if p <= 64 else ", p>64")
        out.append((k, p, [float(v) for v in x],
                    {"regime": regime, "scale": scale, "mixed": mixed,
                     "tie": tie, "rank": r}))
    return out


def warm():
    """Compile (or load) the kernels every regime reaches, warnings off."""
    import warnings

    from bingham.special import explain
    warnings.simplefilter("ignore")
    # (a near tie above zeros with k = 5 compiles the confluent
    # projection's kernel, about 13 s: compiled in a timed call it overran
    # the cap, and each restarted worker compiled it again; the last five
    # reach the cheap series, the series of tier 4, the Laplace
    # approximation, the isotropic method and the matrix-beta integral,
    # whose first calls (compiling, or loading from the cache: 0.3-4 s)
    # were timed in the map's first rows that reached them)
    for k, p, x in ((1, 3, [1.0, 2.0]), (2, 5, [3.0, 1.0]),
                    (3, 10, list(range(10))), (2, 8, [30.0, 30.0, 10.0]),
                    (5, 16, [30.00003, 30.0]), (3, 10, [4.0, 2.5, 1.0, -1.0]),
                    (6, 512, [2.15, 26.9, 30.0, 20.5, 24.3, 18.5]),
                    (16, 32, [7662.8, -10000.0, 4923.8]),
                    (5, 17, [9703.5, 9703.5]), (16, 32, [10000.0, 7770.5])):
        explain(k / 2, p / 2, np.array(x, float))


def _worker(conn):
    from bingham.special import explain
    warm()
    conn.send("ready")
    while True:
        item = conn.recv()
        if item is None:
            return
        k, p, x = item
        t0 = time.perf_counter()
        r = explain(k / 2, p / 2, np.array(x, float))
        conn.send((time.perf_counter() - t0, r))


class Runner:
    """Calls ``target``'s loop in a spawned worker, one item at a time, with
    a wall-clock cap per item (the worker is killed past it)."""

    def __init__(self, target=None):
        self.ctx = mproc.get_context("spawn")
        self.proc = None
        self.target = _worker if target is None else target

    def _start(self):
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=self.target, args=(child,),
                                     daemon=True)
        self.proc.start()
        if not self.conn.poll(900):
            raise RuntimeError("worker did not start")
        self.conn.recv()

    def call(self, item, cap):
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.conn.send(item)
        if self.conn.poll(cap):
            return self.conn.recv()
        self.proc.kill()
        self.proc.join()
        self.proc = None
        return None

    def close(self):
        if self.proc is not None and self.proc.is_alive():
            self.conn.send(None)
            self.proc.join(5)


def certified(r):
    return r is not None and np.isfinite(r["logF"]) and \
        r["error"] <= CERTIFY * max(1.0, abs(r["logF"]))


def summarize(rows, cap):
    by = defaultdict(list)
    for row in rows:
        by[row["regime"]].append(row)
        by["all"].append(row)
    lines = ["| regime | n | certified 1e-10 | median | p90 | max | over cap "
             "| methods |", "|" + " --- |" * 8]
    for name in sorted(by, key=lambda s: (s == "all", s)):
        rs = by[name]
        t = np.array([r["time"] if r["time"] is not None else cap
                      for r in rs])
        cert = sum(certified(r["result"]) for r in rs)
        over = sum(r["time"] is None for r in rs)
        meth = Counter(r["result"]["method"] if r["result"] else "over cap"
                       for r in rs)
        lines.append(
            f"| {name} | {len(rs)} | {cert / len(rs):.1%} | "
            f"{np.median(t) * 1e3:.1f} ms | {np.percentile(t, 90) * 1e3:.1f} ms"
            f" | {t.max() * 1e3:.0f} ms | {over} | "
            + ", ".join(f"{m} {c}" for m, c in meth.most_common()) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--cap", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", help="run one regime (substring match)")
    ap.add_argument("--jsonl", help="write one line per input here")
    ap.add_argument("--markdown", help="write the summary as a docs page")
    ap.add_argument("--worst", type=int, default=15,
                    help="list this many uncertified or slowest inputs")
    args = ap.parse_args()
    items = grid(args.n, args.seed)
    if args.only:
        items = [it for it in items if args.only in it[3]["regime"]]
    runner = Runner()
    rows = []
    fh = open(args.jsonl, "w") if args.jsonl else None
    try:
        for i, (k, p, x, tags) in enumerate(items):
            out = runner.call((k, p, x), args.cap)
            row = dict(tags, k=k, p=p, x=x,
                       time=None if out is None else out[0],
                       result=None if out is None else out[1])
            rows.append(row)
            if fh:
                fh.write(json.dumps(row) + "\n")
                fh.flush()
            print(f"\r{i + 1}/{len(items)}", end="", file=sys.stderr)
    finally:
        runner.close()
        if fh:
            fh.close()
    print(file=sys.stderr)
    table = summarize(rows, args.cap)
    print(table)
    bad = [r for r in rows if not certified(r["result"])]
    slow = sorted(rows, key=lambda r: -(r["time"] or args.cap))
    shown = bad[:args.worst] + [r for r in slow[:args.worst] if r not in bad]
    listing = []
    for r in shown[:2 * args.worst]:
        res = r["result"]
        desc = "over cap" if res is None else \
            f"{res['method']} logF={res['logF']:.6g} err={res['error']:.2g}"
        tm = "-" if r["time"] is None else f"{r['time'] * 1e3:.0f} ms"
        x = np.round(r["x"], 6).tolist()
        listing.append(f"k={r['k']} p={r['p']} x={x if len(x) <= 8 else x[:8] + ['...']}: {desc}, {tm}")
    print(f"\nuncertified: {len(bad)}; slowest and uncertified inputs:")
    print("\n".join("  " + line for line in listing))
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(MARKDOWN.format(
                cmd=" ".join(["python benchmarks/bench_normalizer_map.py"]
                             + sys.argv[1:]),
                n=len(rows), cap=args.cap, table=table, nbad=len(bad),
                listing="\n".join("    " + line for line in listing)))


MARKDOWN = """# The normalizer map

Written by `benchmarks/bench_normalizer_map.py --markdown` (measured on the
project's 2-core machine, warm, one call per input in a worker process;
read the times as orders of magnitude: the machine is shared).  Command:

    {cmd}

{n} seeded inputs ``log 1F1(k/2; p/2; x)`` over `k` in 1..16, `p` from 6
to 4096, rank 1..16 or full (full spectra for `p <= 64`), scales 3 to 1e4,
all-positive or mixed signs, no ties, exact ties or near ties (splits of
1e-9 and 1e-6 of the scale).  *Certified*: the returned error estimate is
at most 1e-10 of `max(1, |log F|)`.  Calls past {cap:g} s are stopped and
counted as over the cap.

{table}

Uncertified: {nbad}.  The slowest and the uncertified inputs:

{listing}
"""


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    main()
