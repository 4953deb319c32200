"""The policy of method="auto" (bingham/_kernels/policy.py): which tier
answers an input, what explain() says about it, and that a tier's kernel is
compiled (or loaded) only when an input reaches it."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

from bingham._kernels import codes, direct, policy
from bingham.special import explain, log_hyp1f1


@pytest.mark.parametrize("a,b,x,method,words", [
    (0.5, 1.5, [1.0, 2.0], "series", ["Bromwich", "small spread",
                                      "tier 1"]),
    (0.5, 1.5, [40.0, 2.0], "contour", ["contour", "tier 1"]),
    (1.5, 4.0, [7.0], "series", ["one eigenvalue", "Kummer's series",
                                 "tier 1"]),
    (1.5, 4.0, [-300.0], "contour", ["one eigenvalue", "tier 1"]),
    (1.5, 4.0, [5000.0], "contour", ["one eigenvalue", "tier 1"]),
    (0.0, 2.0, [3.0, 1.0], "closed form", ["closed form", "tier 1"]),
    (1.5, 5.0, [8.0, 5.0, 2.0], "cut", ["branch-cut", "tier 3",
                                       "certified"]),
    (1.2, 3.7, [0.5, -0.25], "series", ["predicted", "tier 2"]),
    (1.5, 5.0, [4.0, 2.5, 1.0, -1.0], "series", ["predicted", "tier 2"]),
    (3.5, 4.0, [2.0, 1.0, 0.5], "series", ["Kummer's relation first",
                                           "p - k = 1 columns", "Bromwich"]),
    (3.5, 4.0, [40.0, 1.0, 0.5], "contour", ["Kummer's relation first",
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
    """A Bingham input with k = 3 that certifies in tier 2 compiles neither
    tier 1 (no row it may answer), nor the projection (no tie), nor the
    matrix-beta or last-tier kernels; a k = 1 call after it compiles tier
    1 only; an input the series answers in tier 3 compiles the series but
    not the holonomic method."""
    code = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "import numpy as np\n"
        "from bingham.special import log_hyp1f1, explain\n"
        "from bingham._kernels import confluent_terms, direct, "
        "holonomic_paths, rank_two, series_paths\n"
        "hol = holonomic_paths.holonomic\n"
        "assert explain(1.5, 5.0, np.array([8.0, 5.0, 2.0]))['method'] "
        "== 'cut'\n"
        "assert confluent_terms._raw_sum.signatures\n"
        "assert not confluent_terms._projected.signatures\n"
        "assert not direct.quick_rows.signatures\n"
        "assert not rank_two.rank_two_rows.signatures\n"
        "assert not series_paths._series.signatures\n"
        "log_hyp1f1(0.5, 1.5, np.array([[1.0, 2.0], [3.0, 4.0]]))\n"
        "assert direct.quick_rows.signatures\n"
        "assert not series_paths._series.signatures\n"
        "assert explain(1.5, 5.0, np.array([4.0, 2.5, 1.0, -1.0]))"
        "['method'] == 'series'\n"
        "assert series_paths._series.signatures\n"
        "assert not hol.signatures\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("nder", [0, 1])
def test_tier_one_check_covers_every_row_tier_one_answers(nder):
    """The numpy check that skips tier 1 is a superset of the rows tier 1
    answers: NaN, closed forms, zeros, one eigenvalue, a or b - a = 1/2,
    mixed over random rows (checked row by row against the kernel)."""
    rng = np.random.default_rng(7)
    for _ in range(400):
        n = int(rng.integers(1, 5))
        a = float(rng.choice([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, np.nan]))
        b = float(rng.choice([a, a + 0.5, a + 1.0, 2.5, 4.0, 0.5 * n]))
        x = rng.choice([0.0, 0.0, 1.0, -2.0, 3.5, np.nan], size=n)
        for method in (codes.AUTO, codes.CUT, codes.SERIES):
            done = direct.quick(a, b, x, nder, method, 1e-13)[0]
            may = policy._tier_one_may_answer(
                np.array([a]), np.array([b]), x[None], nder, method)
            assert may or not done, (a, b, x, method)


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


def test_cheap_series_first_call_compiles_no_branch_cut():
    """A first call answered by the cheap series (tier 2) compiles the
    series only: none of the branch-cut method's kernels (about 14 s of an
    empty numba cache) nor tier 1's."""
    code = (
        "import warnings; warnings.simplefilter('error')\n"
        "import numpy as np\n"
        "from bingham.special import value_and_grad_log_hyp1f1, explain\n"
        "from bingham._kernels import confluent_pieces, confluent_terms, "
        "direct, series_paths\n"
        "v, g = value_and_grad_log_hyp1f1(1.5, 5.0, "
        "np.array([4.0, 2.5, 1.0, -1.0]))\n"
        "assert series_paths._series.signatures\n"
        "assert not confluent_terms._raw_sum.signatures\n"
        "assert not confluent_pieces.group_forms.signatures\n"
        "assert not direct.quick_rows.signatures\n"
        "assert 'tier 2' in explain(1.5, 5.0, "
        "np.array([4.0, 2.5, 1.0, -1.0]))['reason']\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cheap_series_agrees_with_the_branch_cut_method():
    """Random small spectra (k = 2..8, p up to 4096, some mixed signs) that
    the cheap-series tier answers: within 1e-13 relative by its estimate,
    and against the branch-cut method (an independent representation)
    within the two estimates wherever that certifies; gradients summing
    to k over the full spectrum."""
    from bingham._kernels import cheap_series
    from bingham.special import value_and_grad_log_hyp1f1
    rng = np.random.default_rng(11)
    checked = 0
    while checked < 25:
        p = int(rng.choice([6, 10, 16, 40, 256, 4096]))
        k = int(rng.integers(2, min(8, p - 2) + 1))
        n = int(rng.integers(2, 6))
        x = rng.uniform(-0.3, 1.0, n) * 10.0 ** rng.uniform(-1, 1)
        a, b = k / 2, p / 2
        first, _, _ = cheap_series.cheap_rows(
            np.array([a]), np.array([b]), x[None], 0, np.array([0]))
        if not first[0]:
            continue
        info = explain(a, b, x)
        assert info["method"] == "series" and "tier 2" in info["reason"]
        assert info["error"] <= 1e-13 * max(1.0, abs(info["logF"]))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            v, g = value_and_grad_log_hyp1f1(a, b, x)
        full = np.concatenate([x, np.zeros(p - n)])
        gf = value_and_grad_log_hyp1f1(a, b, full)[1]
        assert abs(gf.sum() - k) <= 1e-10 * k
        np.testing.assert_allclose(gf[:n], g, rtol=1e-10, atol=1e-13)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c, ec = log_hyp1f1(a, b, full, method="cut", return_error=True)
        if ec <= 1e-10 * max(1.0, abs(c)):
            assert abs(v - c) <= info["error"] + ec + 1e-15
        checked += 1


def test_branch_cut_first_on_spread_spectra_and_the_series_after_it():
    """The order of tiers 2 and 3: on a Bingham spectrum whose eigenvalues
    (implicit zeros included) are at least 0.3 apart (0.6 for min(k, p - k)
    >= 3) the branch-cut method goes before a series predicted above 0.1
    ms, and the series answers where the method does not certify; where
    two are closer, or zeros are implicit, the series goes first."""
    from bingham._kernels import branch_cut, cheap_series
    from bingham.special import hess_log_hyp1f1

    def order(k, p, x, nder=0):
        first, later, _ = cheap_series.cheap_rows(
            np.array([k / 2]), np.array([p / 2]), np.asarray(x)[None], nder,
            np.array([0]))
        return "first" if first[0] else "later" if later[0] else "none"

    fit_like = np.array([7.08, 4.589, 1.628, 0.903, 0.395, 0.0])
    for nder in (0, 1):
        assert order(2, 6, fit_like, nder) == "later"
    assert order(2, 6, fit_like, 2) == "none"     # predicted above 2e7
    assert explain(1.0, 3.0, fit_like)["method"] == "cut"
    h = hess_log_hyp1f1(1.0, 3.0, fit_like)
    hs = hess_log_hyp1f1(1.0, 3.0, fit_like, method="series")
    np.testing.assert_allclose(h, hs, rtol=1e-9, atol=1e-12)
    # the same spectrum with an eigenvalue moved next to another, with
    # implicit zeros, and with three columns at gaps of 0.36: series first
    # (and with two at gaps of 0.36, the branch-cut method)
    assert order(2, 6, [7.08, 4.589, 1.628, 0.903, 0.8, 0.0]) == "first"
    assert order(2, 8, fit_like) == "first"
    assert order(3, 6, [3.926, 3.409, 1.415, 0.804, 0.356, 0.0]) == "first"
    assert order(2, 6, [3.926, 3.409, 1.415, 0.804, 0.356, 0.0]) == "later"
    # a spread spectrum the branch-cut method leaves uncertified: the
    # series after it answers, within 1e-13
    x = np.array([-1.19, -0.78, -0.46, -0.02, 0.45, 0.81, 1.22, 1.57, 1.93,
                  2.24])
    assert order(2, 10, x) == "later"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c, ec = log_hyp1f1(1.0, 5.0, x, method="cut", return_error=True)
    assert ec > branch_cut.CONFLUENT_ACCEPT * max(1.0, abs(c))  # 9.7e-12
    info = explain(1.0, 5.0, x)
    assert info["method"] == "series"
    assert info["error"] <= 1e-13 * max(1.0, abs(info["logF"]))
    assert abs(info["logF"] - c) <= info["error"] + ec


def test_predicted_degree_bounds_the_degree_sums():
    """The bound behind the prediction: the degree-K part of the series is
    at most (a)_K/(b)_K (sum |x|)^K / K! (a one-variable check against
    Kummer's series, whose degree-K term is exactly (a)_K/(b)_K x^K/K!,
    and the predicted degree's term below the tail target)."""
    import math

    from bingham._kernels import cheap_series
    for a, b, s in [(1.5, 5.0, 8.5), (0.5, 2048.0, 3.0), (4.0, 8.0, 30.0),
                    (1.0, 32.0, 1e-8)]:
        K = cheap_series.predicted_degree(a, b, s)
        assert K >= a / b * s
        term = math.exp(math.lgamma(a + K) - math.lgamma(a)
                        - math.lgamma(b + K) + math.lgamma(b)
                        + K * math.log(s) - math.lgamma(K + 1))
        assert term < cheap_series.TAIL
        if K > 1:   # and the degree before is not yet there
            prev = term * (b + K - 1) / (a + K - 1) * K / s
            assert prev >= cheap_series.TAIL or K - 1 < a / b * s


@pytest.mark.parametrize("m, K", [(1, 10), (3, 43), (5, 20), (8, 60),
                                  (12, 15), (16, 9)])
def test_predicted_strips_equal_the_series_count(m, K):
    """The prediction's strip counts (a generating function) equal the
    series' own count (:func:`bingham._kernels.zonal.series_work`, which
    enumerates the partitions)."""
    from bingham._kernels import cheap_series
    from bingham._kernels.zonal import series_work
    assert cheap_series._pairs_up_to(m)[K] == series_work(m, K)[1]


def test_tier_four_budget_where_the_cut_is_within_the_promise(monkeypatch):
    """Where the branch-cut result is within 1e-10 relative but not 1e-12,
    tier 4 tries to improve on it for ``IMPROVE_SHARE`` of the budget at
    most: with no time at all the cut's result comes back unchanged (its
    value and estimate), and with the default the answer is at least as
    good."""
    from bingham._kernels import dispatch
    k, p, x = 6, 17, np.array([7.662329, 30.0, 30.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c, ec = log_hyp1f1(k / 2, p / 2, x, method="cut", return_error=True)
        assert 1e-12 * abs(c) < ec <= dispatch.PROMISE * abs(c)
        default = explain(k / 2, p / 2, x)
        monkeypatch.setattr(dispatch, "IMPROVE_SHARE", 0.0)
        info = explain(k / 2, p / 2, x)
    assert info["method"] == "cut"
    assert info["logF"] == c and info["error"] == ec
    assert default["error"] <= ec


def test_low_rank_direct_series_before_the_centred_one(monkeypatch):
    """On a low-rank input with little cancellation that the branch-cut
    method does not certify, tier 4 runs the direct series on its full
    budget before the centred series, which brings the ``p - n`` implicit
    zeros in as variables (k=3, p=64: the centred series spent the whole
    1 s budget and failed, leaving the direct one, which certifies in
    0.6 s, a few milliseconds)."""
    from bingham._kernels import dispatch
    calls = []
    signed, shifted = dispatch.series_signed, dispatch.series_bingham

    def spy_signed(a, b, x, nder, rtol, max_pairs, strips):
        calls.append(("direct", max_pairs))
        return signed(a, b, x, nder, rtol, max_pairs, strips)

    def spy_shifted(k, p, x, nder, rtol, max_pairs, centred, strips):
        calls.append(("centred" if centred else "plain", max_pairs))
        return shifted(k, p, x, nder, rtol, max_pairs, centred, strips)

    spy_shifted.compile = shifted.compile     # (budget.uncharged's call)
    monkeypatch.setattr(dispatch, "series_signed", spy_signed)
    monkeypatch.setattr(dispatch, "series_bingham", spy_shifted)
    k, p, x = 3, 64, np.array([-2.528554, 30.0, 30.0, -2.528554])
    info = explain(k / 2, p / 2, x)
    full = max(m for _, m in calls)
    assert ("direct", full) in calls
    first_centred = [c for c in calls if c == ("centred", full)]
    if first_centred:
        assert calls.index(("direct", full)) < calls.index(first_centred[0])
    assert info["method"] == "series"
    assert info["error"] <= 1e-12 * max(1.0, abs(info["logF"]))
    ref = log_hyp1f1(k / 2, p / 2, x, method="series")
    assert abs(info["logF"] - ref) <= 1e-12 * max(1.0, abs(ref))


def test_branch_cut_stops_where_its_first_pass_is_lost_to_rounding(
        monkeypatch):
    """Many simple eigenvalues close together (k=8, p=64, 64 values in
    [0.16, 3]): the first pass's rounding is thousands in log F.  The
    method gives up after it (one pass of the forms, not two: the second
    took 0.4 s of the series' budget), and "auto" answers by the series."""
    from bingham._kernels import confluent
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(0.15, 3.0, 64))[::-1]
    passes = []
    forms = confluent.group_forms

    def spy(*args):
        passes.append(args[-2])
        return forms(*args)

    monkeypatch.setattr(confluent, "group_forms", spy)
    v, g, h, e, ok = confluent.confluent_bingham(8, 64, x, 0)
    assert not ok and np.isnan(v) and e == np.inf
    assert len(passes) == 1
    info = explain(4.0, 32.0, x)
    assert info["method"] == "series"
    assert info["error"] <= 1e-12 * abs(info["logF"])
