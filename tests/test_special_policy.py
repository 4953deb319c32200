"""The policy of method="auto" (bingham/_kernels/policy.py): which tier
answers an input, what explain() says about it, and that a tier's kernel is
compiled (or loaded) only when an input reaches it."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

from bingham.special import explain, log_hyp1f1


@pytest.mark.parametrize("a,b,x,method,words", [
    (0.5, 1.5, [1.0, 2.0], "contour", ["contour", "tier 1"]),
    (1.5, 4.0, [7.0], "series", ["one eigenvalue", "Kummer's series",
                                 "tier 1"]),
    (1.5, 4.0, [-300.0], "contour", ["one eigenvalue", "tier 1"]),
    (1.5, 4.0, [5000.0], "contour", ["one eigenvalue", "tier 1"]),
    (0.0, 2.0, [3.0, 1.0], "closed form", ["closed form", "tier 1"]),
    (1.5, 5.0, [8.0, 5.0, 2.0], "cut", ["branch-cut", "tier 2",
                                       "certified"]),
    (1.2, 3.7, [0.5, -0.25], "series", ["not a Bingham input", "tier 3"]),
    (3.5, 4.0, [2.0, 1.0, 0.5], "contour", ["Kummer's relation first",
                                            "p - k = 1 columns"]),
])
def test_explain_names_the_tier_and_the_reason(a, b, x, method, words):
    info = explain(a, b, np.array(x))
    assert info["method"] == method
    for w in words:
        assert w in info["reason"], info["reason"]


def test_explain_with_a_forced_method():
    info = explain(1.5, 5.0, np.array([8.0, 5.0, 2.0]), method="series")
    assert info["method"] == "series"
    assert info["reason"] == "method='series' asked for"


def test_forced_series_is_not_answered_by_the_contour():
    """Tier 1 answers "auto" and "contour" only: a forced series on a
    vector-Bingham input runs the series (same value, its own estimate)."""
    x = np.array([2.0, 1.0, -0.5])
    s, es = log_hyp1f1(0.5, 2.0, x, method="series", return_error=True)
    c, ec = log_hyp1f1(0.5, 2.0, x, method="contour", return_error=True)
    assert explain(0.5, 2.0, x, method="series")["method"] == "series"
    assert abs(s - c) <= es + ec + 1e-14


def test_tiers_compile_on_demand():
    """A k = 1 call reaches tier 1 only: the branch-cut and last-tier
    kernels stay uncompiled (and unloaded from the cache); a Bingham input
    with k = 3 reaches tier 2 and no further when it certifies there."""
    code = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "import numpy as np\n"
        "from bingham.special import log_hyp1f1, explain\n"
        "from bingham._kernels import confluent, direct, dispatch, "
        "rank_two\n"
        "log_hyp1f1(0.5, 1.5, np.array([[1.0, 2.0], [3.0, 4.0]]))\n"
        "assert direct.quick_rows.signatures\n"
        "assert not confluent.confluent_bingham.signatures\n"
        "assert not dispatch.evaluate_rows.signatures\n"
        "assert explain(1.5, 5.0, np.array([8.0, 5.0, 2.0]))['method'] "
        "== 'cut'\n"
        "assert confluent.confluent_bingham.signatures\n"
        "assert not rank_two.rank_two_rows.signatures\n"
        "assert not dispatch.evaluate_rows.signatures\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_batch_rows_go_to_different_tiers():
    """One batch with rows for each tier: every row as when alone."""
    a = np.array([0.5, 1.5, 1.2])
    b = np.array([1.5, 5.0, 3.7])
    x = np.array([[1.0, 2.0, 0.0], [8.0, 5.0, 2.0], [0.5, -0.25, 0.1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v, e = log_hyp1f1(a, b, x, return_error=True)
    for i in range(3):
        vi, ei = log_hyp1f1(a[i], b[i], x[i], return_error=True)
        assert abs(v[i] - vi) <= 1e-13 * max(1.0, abs(vi))


@pytest.mark.parametrize("a,b,x", [(1.5, 5.0, -100.0), (0.5, 1.5, 20.0),
                                   (2.0, 3.5, 7.0)])
def test_single_call_path_equals_the_batch_path(a, b, x):
    """One eigenvalue with Python numbers takes the single-call path (less
    Python around the contour); a batch takes the tiers: the same value."""
    v = log_hyp1f1(a, b, [x])
    vb = log_hyp1f1(np.array([a, a]), b, np.array([[x], [x]]))
    assert v == vb[0] == vb[1]
    assert v == log_hyp1f1(a, b, np.array([x]))
