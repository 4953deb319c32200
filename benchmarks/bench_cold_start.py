"""First calls on a fresh machine: the time to the first answer with an
empty numba cache, against the same call warm in the same process.

Run:  python benchmarks/bench_cold_start.py [--only NAME] [--markdown F]

Every case runs in a fresh Python process whose ``NUMBA_CACHE_DIR`` is a new
empty directory, so nothing compiled before is found (what a new virtual
environment, container or CI run meets).  Reported per case: the import
time, the first call (compiling what it needs), the second call of the same
thing (warm) and the ratio.  Targets are those of issue 18.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

CASES = {
    "k=1 value": (
        "from bingham.special import log_hyp1f1",
        "log_hyp1f1(0.5, 1.5, [1.0, 2.0])", 10.0),
    "k=3, p=10 value + gradient (answered by the branch-cut tier)": (
        "import numpy as np\n"
        "from bingham.special import value_and_grad_log_hyp1f1",
        "value_and_grad_log_hyp1f1(1.5, 5.0, np.array([8.0, 5.0, 2.0]))",
        20.0),
    "k=3, p=10 value + gradient (answered by the cheap-series tier)": (
        "import numpy as np\n"
        "from bingham.special import value_and_grad_log_hyp1f1",
        "value_and_grad_log_hyp1f1(1.5, 5.0, np.array([4.0, 2.5, 1.0, -1.0]))",
        20.0),
    "matrix_bingham rvs (k=2, p=6, rank 3)": (
        "import numpy as np\n"
        "from bingham import matrix_bingham\n"
        "d = matrix_bingham(np.diag([5.0, 3.0, 1.0, 0, 0, 0]), 2)",
        "d.rvs(20, rng=0)", 20.0),
    "matrix_bingham fit (k=2, p=6)": (
        "import numpy as np\n"
        "from bingham import matrix_bingham\n"
        "rng = np.random.default_rng(0)\n"
        "W = rng.normal(size=(200, 6, 2)) * np.array([3.0, 2, 1, 1, 1, 1])"
        "[:, None]\n"
        "X = np.linalg.qr(W)[0]",
        "matrix_bingham.fit(X)", 20.0),
    "BinghamRouter forward + backward (d=16, 6 experts)": (
        "import torch\n"
        "from bingham_torch import nn as bnn\n"
        "r = bnn.BinghamRouter(16, 6, 3, top_k=2,\n"
        "                      generator=torch.Generator().manual_seed(0))\n"
        "h = torch.randn(4, 8, 16)",
        "out = r(h); (out.weights.sum() + out.aux['load_balancing_loss'])"
        ".backward()", 15.0),
}

_CHILD = """
import time, json, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
{setup}
t1 = time.perf_counter()
{call}
t2 = time.perf_counter()
{call}
t3 = time.perf_counter()
print(json.dumps(dict(setup=t1 - t0, first=t2 - t1, warm=t3 - t2)))
"""


def run_case(setup, call, timeout=1800):
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c",
                              _CHILD.format(setup=setup, call=call)],
                             env=env, capture_output=True, text=True,
                             timeout=timeout)
        total = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["process"] = total
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="run the cases whose name contains this")
    ap.add_argument("--markdown", help="write the table here")
    args = ap.parse_args()
    lines = ["| case | import + setup | first call (cold) | warm call | "
             "target (first call) |", "|" + " --- |" * 5]
    for name, (setup, call, target) in CASES.items():
        if args.only and args.only not in name:
            continue
        r = run_case(setup, call)
        ok = "met" if r["first"] <= target else "missed"
        lines.append(f"| {name} | {r['setup']:.1f} s | {r['first']:.1f} s | "
                     f"{r['warm'] * 1e3:.2f} ms | < {target:.0f} s ({ok}) |")
        print(lines[-1], flush=True)
    text = "\n".join(lines)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
