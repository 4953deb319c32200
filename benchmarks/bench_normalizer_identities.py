"""Identities on the normalizer map: does "auto" satisfy, on the map's
inputs, the relations the exact function satisfies?

Run:  python benchmarks/bench_normalizer_identities.py [--n 600] [--cap 10]
      [--seed 0] [--markdown docs/normalizer_identities.md]

For each input ``(k, p, x)`` of ``bench_normalizer_map.grid`` (``x`` the
``r`` nonzero eigenvalues, ``p - r`` implicit zeros), with ``F(k, p, x) =
1F1(k/2; p/2; x)``:

* **Kummer**: ``log F(k, p, x) = sum(x) + log F(p - k, p, -x)``;
* **shift**: ``log F(k, p, y + c) = log F(k, p, y) + k c`` with ``y`` the
  whole spectrum of ``p`` values (the zeros explicit, shifted to a tie at
  ``c``) and ``c = -x_max / 2``;
* **continuity across ties**: for inputs with exact ties, every tied group
  split by ``1e-9`` of the scale (steps ``0, s, 2 s, ...``) changes
  ``log F`` by the first-order change ``sum g_i dx_i`` (``g`` the
  gradient; where the gradient's call is not certified, only
  ``0 <= g_i <= 1`` is used) within the estimates;
* **gradient**: ``0 <= d log F / d x_i <= 1`` and, for full spectra
  (``r = p``), ``sum_i d log F / d x_i = k``, within 1e-8 (relative for
  the sum); *certified* when the gradient's own call estimates its
  ``log F`` to 1e-10 (the gradient has no estimate of its own).

A relation *holds* when both sides agree within the sum of their returned
error estimates plus 1e-10 relative (the certification threshold), and is
*certified* when in addition both estimates are at most 1e-10 relative; an
identity that fails while both sides claim to be certified is an estimate
that does not cover its error, listed by the script.  Each evaluation runs
warm in a worker with a wall-clock cap (``--cap``; an input with a call past
it is counted as over the cap).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_normalizer_map import Runner, grid, warm  # noqa: E402

REL = 1e-10
GRAD_TOL = 1e-8


def _worker(conn):
    from bingham import special
    from bingham.special import explain
    warm()
    conn.send("ready")
    while True:
        item = conn.recv()
        if item is None:
            return
        what, k, p, x = item
        x = np.array(x, float)
        if what == "value":
            conn.send(explain(k / 2, p / 2, x))
        else:
            # the gradient with the estimate of its own call's log F
            logF, _, grad, _, err, _, _, _ = special._run(k / 2, p / 2, x, 1,
                                                          "auto")
            conn.send((grad[0].tolist(), float(err[0]), float(logF[0])))


def _tie_groups(x):
    vals, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    return [np.flatnonzero(inv == i) for i in np.flatnonzero(counts > 1)]


def check(runner, k, p, x, tags, cap):
    """The identities of one input: ``{name: (holds, certified, gap)}``
    (``gap`` the discrepancy beyond the estimates, relative), or ``None``
    for an identity that does not apply; ``"over cap"`` when a call ran
    past the cap."""
    x = np.asarray(x, float)

    def value(kk, xx):
        return runner.call(("value", kk, p, list(map(float, xx))), cap)

    base = value(k, x)
    if base is None:
        return "over cap"
    scale = max(1.0, abs(base["logF"]))

    def compare(lhs, rhs, err):
        diff = abs(lhs - rhs)
        holds = diff <= err + REL * scale
        return holds, diff - err

    def methods(*rs):
        return "/".join(f"{r['method']} ({r['error']:.0e})" for r in rs)

    out = {}
    # Kummer
    dual = value(p - k, -x)
    if dual is None:
        return "over cap"
    h, gap = compare(base["logF"], float(np.sum(x)) + dual["logF"],
                     base["error"] + dual["error"])
    out["Kummer"] = (h, base["error"] <= REL * scale
                     and dual["error"] <= REL * scale, gap / scale,
                     methods(base, dual))
    # shift, the zeros explicit
    c = -0.5 * float(np.max(x))
    y = np.concatenate([x, np.zeros(p - x.size)]) + c
    shifted = value(k, y)
    if shifted is None:
        return "over cap"
    h, gap = compare(shifted["logF"], base["logF"] + k * c,
                     base["error"] + shifted["error"])
    out["shift"] = (h, base["error"] <= REL * scale
                    and shifted["error"] <= REL * scale, gap / scale,
                    methods(base, shifted))
    grad = runner.call(("grad", k, p, list(map(float, x))), cap)
    if grad is None:
        return "over cap"
    grad, grad_err, grad_logF = grad
    grad = np.array(grad)
    # continuity across exact ties
    groups = _tie_groups(x) if tags["tie"] == "exact" else []
    if groups:
        step = 1e-9 * tags["scale"]
        xs = x.copy()
        for grp in groups:
            xs[grp] += step * np.arange(grp.size)
        split = value(k, xs)
        if split is None:
            return "over cap"
        dx = xs - x
        if np.isfinite(grad).all() and \
                grad_err <= REL * max(1.0, abs(grad_logF)):
            first, slack = float(np.dot(grad, dx)), 0.0
        else:
            # an uncertified gradient (or none: NaN where its work was
            # beyond the budget): only its range [0, 1] is known
            first, slack = 0.5 * float(np.sum(dx)), 0.5 * float(
                np.sum(np.abs(dx)))
        h, gap = compare(split["logF"], base["logF"] + first,
                         base["error"] + split["error"] + slack)
        out["ties split by 1e-9"] = (
            h, base["error"] <= REL * scale
            and split["error"] <= REL * scale, gap / scale,
            methods(base, split))
    else:
        out["ties split by 1e-9"] = None
    # gradient in [0, 1], summing to k over a full spectrum
    dev = max(0.0, -float(np.min(grad)), float(np.max(grad)) - 1.0)
    if x.size == p:
        dev = max(dev, abs(float(np.sum(grad)) - k) / k)
    # certified: the gradient's own call claims 1e-10 on log F and returns
    # a gradient (NaN where its work was beyond the budget, with a warning)
    cert = bool(np.isfinite(grad).all()) and \
        grad_err <= REL * max(1.0, abs(grad_logF))
    out["gradient"] = (dev <= GRAD_TOL, cert, dev,
                       f"{base['method']} ({grad_err:.0e})")
    return out


def summarize(rows):
    names = ["Kummer", "shift", "ties split by 1e-9", "gradient"]
    lines = ["| identity | applies | holds (within estimates) | certified "
             "(both sides 1e-10) | fails while certified |",
             "|" + " --- |" * 5]
    bad = []
    for name in names:
        rs = [r for r in rows if isinstance(r["res"], dict)
              and r["res"][name] is not None]
        holds = sum(r["res"][name][0] for r in rs)
        cert = sum(r["res"][name][1] for r in rs)
        wrong = [r for r in rs if not r["res"][name][0]]
        bad += [(name, r) for r in wrong]
        lines.append(f"| {name} | {len(rs)} | {holds / max(1, len(rs)):.1%} "
                     f"| {cert / max(1, len(rs)):.1%} | "
                     f"{sum(r['res'][name][1] for r in wrong)} |")
    over = sum(r["res"] == "over cap" for r in rows)
    return "\n".join(lines), bad, over


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--cap", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--markdown")
    ap.add_argument("--worst", type=int, default=30,
                    help="list this many failures")
    ap.add_argument("--json", help="write every input's results here")
    args = ap.parse_args()
    items = grid(args.n, args.seed)
    runner = Runner(_worker)
    rows = []
    t0 = time.time()
    try:
        for i, (k, p, x, tags) in enumerate(items):
            rows.append(dict(k=k, p=p, x=x, tags=tags,
                             res=check(runner, k, p, x, tags, args.cap)))
            print(f"\r{i + 1}/{len(items)}", end="", file=sys.stderr,
                  flush=True)
    finally:
        runner.close()
    print(file=sys.stderr)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh)
    table, bad, over = summarize(rows)
    text = [f"Identities on the normalizer map: {len(rows)} inputs (seed "
            f"{args.seed}), {over} with a call over the {args.cap:g} s cap "
            f"left out; {time.time() - t0:.0f} s.", "", table, ""]
    if bad:
        text += ["Failures (an identity off by more than the two sides' "
                 "estimates: one estimate does not cover its error), the "
                 "largest first; the methods and estimates of the two "
                 "sides:", ""]
        bad.sort(key=lambda nr: -nr[1]["res"][nr[0]][2])
        for name, r in bad[:args.worst]:
            xs = ", ".join(f"{v:.6g}" for v in r["x"][:8])
            more = ", ..." if len(r["x"]) > 8 else ""
            holds, cert, gap, meth = r["res"][name]
            text.append(f"- {name}: k={r['k']} p={r['p']} x=[{xs}{more}]: "
                        f"off by {gap:.1e} beyond the estimates"
                        + (" (certified)" if cert else "") + f"; {meth}")
        if len(bad) > args.worst:
            text.append(f"- ... and {len(bad) - args.worst} more")
    out = "\n".join(text)
    print(out)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write("# Identities on the normalizer map\n\nGenerated by "
                     "`python benchmarks/bench_normalizer_identities.py "
                     "--markdown docs/normalizer_identities.md`; see the "
                     "script's docstring for the identities and the "
                     "criteria.\n\n" + out + "\n")


if __name__ == "__main__":
    main()
