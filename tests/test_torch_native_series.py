"""The torch-native zonal series (bingham_torch._native_series): agreement
with the core, its error bound, the coefficient lemma behind the tail bound,
exact derivatives, vmap, torch.compile(fullgraph=True), float32, and the
uncertified cases (NaN with an AccuracyWarning)."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import bingham_torch as bt  # noqa: E402
from bingham import special  # noqa: E402
from bingham.special import AccuracyWarning  # noqa: E402
from bingham_torch import _native_series as ns  # noqa: E402

# (k, p, eigenvalues): low rank in high dimension (the MoE case), more
# eigenvalues than parts in every order, mixed signs, a full spectrum (the
# shift identity applies), ties
CASES = [
    (2, 4096, [30.0, 12.0, 5.0, 1.0]),
    (4, 4096, list(np.linspace(60.0, 1.0, 8))),
    (8, 4096, list(np.linspace(40.0, 0.5, 8))),
    (4, 4096, [100.0, 50.0, 20.0, 10.0, 5.0, 1.0, 0.5, 0.1]),
    (4, 4096, [0.1, 0.5, 1.0, 5.0, 10.0, 20.0, 50.0, 100.0]),
    (2, 1024, list(np.linspace(80.0, 2.0, 16))),               # decay estimate
    (3, 512, [40.0, 20.0, -10.0]),
    (2, 6, [3.0, 2.0, -1.0, 0.5]),
    (3, 6, [2.0, 1.0, 1.0, 0.5, -0.5, -1.0]),                  # full spectrum
    (2, 5, [6.0, 6.0, 6.0, 0.0, 0.0]),
    (3, 10, [-5.0, -3.0, -1.0]),
]


def _core(k, p, x):
    x = np.asarray(x, float)
    v, g = special.value_and_grad_log_hyp1f1(0.5 * k, 0.5 * p, x)
    return v, g, special.hess_log_hyp1f1(0.5 * k, 0.5 * p, x)


@pytest.mark.parametrize("k, p, x", CASES)
def test_agrees_with_the_core(k, p, x):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    v, err = bt.functional.log_hyp1f1_with_error(xt, 0.5 * k, 0.5 * p)
    ref, ref_g, ref_h = _core(k, p, x)
    true = abs(v.item() - ref)
    assert true <= 1e-12 * max(1.0, abs(ref))
    # the bound covers the true error (up to the core's own 1e-15 or so);
    # for mixed signs it bounds the cancellation by the scalar series, which
    # is loose (the Jensen lower bound of F is small there)
    mixed = min(x) < 0 < max(x) or max(x) < 0
    assert err.item() <= (1e-10 if mixed else 1e-12) * max(1.0, abs(ref))
    assert true <= err.item() + 4e-15 * max(1.0, abs(ref))
    (g,) = torch.autograd.grad(v, xt)
    np.testing.assert_allclose(g.numpy(), ref_g, rtol=1e-11, atol=1e-14)
    K = ns.resolve_degree(xt, 0.5 * k, 0.5 * p, None)
    g2 = bt.functional.grad_log_hyp1f1(xt.detach(), 0.5 * k, 0.5 * p, impl="native")
    np.testing.assert_allclose(g2.numpy(), ref_g, rtol=1e-11, atol=1e-14)
    H = torch.autograd.functional.hessian(
        lambda y: ns.log_hyp1f1_series(y, 0.5 * k, 0.5 * p, K)[0],
        xt.detach())
    np.testing.assert_allclose(H.numpy(), ref_h, rtol=1e-9, atol=1e-12)


@st.composite
def moe_case(draw):
    """Low-rank concentrations in high dimension (the MoE regime): sum |x|
    up to b/2, or up to b/4 with some negative eigenvalues (mixed signs are
    certified by the scalar bound only, which needs s well below b).  At
    s = b with two eigenvalues the degree needed (about 150) is past the
    table cap: the result then carries a warning and an error near 1e-11."""
    k = draw(st.integers(1, 8)) + 1
    p = draw(st.sampled_from([64, 256, 1024, 4096]))
    r = draw(st.integers(1, 12))
    neg = draw(st.integers(0, r // 3))
    total = draw(st.floats(0.0, 1.0)) * 0.25 * p * (0.5 if neg else 1.0)
    w = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=r, max_size=r)))
    x = total * w / w.sum()
    x[:neg] *= -0.3
    return k, p, x


@given(case=moe_case())
def test_moe_regime_is_certified_and_the_bound_holds(case):
    k, p, x = case
    xt = torch.tensor(x, dtype=torch.float64)
    v, err = bt.functional.log_hyp1f1_with_error(xt, 0.5 * k, 0.5 * p)
    ref, ref_err = special.log_hyp1f1(0.5 * k, 0.5 * p, x, return_error=True)
    assert math.isfinite(v.item())
    assert abs(v.item() - ref) <= err.item() + ref_err
    assert abs(v.item() - ref) <= 1e-12 * max(1.0, abs(ref))


def test_batched_input_uses_one_degree_for_all():
    x = torch.tensor([[30.0, 12.0, 5.0], [0.0, 0.0, 0.0], [-4.0, 1.0, 2.0]],
                     dtype=torch.float64)
    v = bt.log_hyp1f1(x, 1.5, 512.0, impl="native")
    ref = special.log_hyp1f1(1.5, 512.0, x.numpy())
    np.testing.assert_allclose(v.numpy(), ref, rtol=1e-12, atol=1e-14)
    assert v[1].item() == 0.0


@pytest.mark.parametrize("a, b, m, degree", [(1.5, 5.0, 3, 24),
                                             (4.0, 2048.0, 8, 14),
                                             (2.0, 2.0, 4, 20)])
def test_pochhammer_ratio_is_at_most_the_one_row_ratio(a, b, m, degree):
    """The lemma behind the tail bound: (a)_kappa / (b)_kappa <=
    (a)_N / (b)_N for every partition of N (here from the graded table)."""
    kap, mu, d, w, lengths, parent, shift, sizes, _ = ns._strips(m, degree)
    ratio = np.ones(lengths.shape[0])
    for K in range(1, degree + 1):
        sel = sizes == K
        ratio[sel] = ratio[parent[sel]] * (a + shift[sel]) / (b + shift[sel])
    one_row = np.cumprod([1.0] + [(a + j) / (b + j) for j in range(degree)])
    assert np.all(ratio >= 0)
    assert np.all(ratio <= one_row[sizes] * (1 + 1e-14))


def test_gradcheck_and_gradgradcheck():
    x = torch.tensor([[3.0, 1.0, -2.0], [0.5, 0.2, 0.1], [8.0, -4.0, 0.0]],
                     dtype=torch.float64, requires_grad=True)

    def f(y):
        return bt.log_hyp1f1(y, 1.5, 8.0, impl="native", degree=40)

    def g(y):
        return bt.functional.grad_log_hyp1f1(y, 1.0, 8.0, impl="native", degree=40)
    assert torch.autograd.gradcheck(f, (x,))
    assert torch.autograd.gradgradcheck(f, (x,))
    assert torch.autograd.gradcheck(g, (x,))


def test_vmap_and_compile_with_a_fixed_degree():
    x = torch.tensor([[3.0, 1.0, -2.0, 0.5], [0.5, 0.2, 0.1, 0.0]],
                     dtype=torch.float64)

    def f(y):
        return bt.log_hyp1f1(y, 1.0, 64.0, impl="native", degree=24)
    direct = f(x)
    np.testing.assert_allclose(direct.numpy(),
                               special.log_hyp1f1(1.0, 64.0, x.numpy()),
                               rtol=1e-13)
    torch.testing.assert_close(torch.vmap(f)(x), direct, rtol=1e-15,
                               atol=1e-15)
    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    y = x.clone().requires_grad_()
    out = compiled(y)
    torch.testing.assert_close(out, direct)
    out.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(),
                               special.grad_log_hyp1f1(1.0, 64.0, x.numpy()),
                               rtol=1e-12)


def test_compile_without_a_degree_is_refused():
    def f(y):
        return bt.log_hyp1f1(y, 1.0, 64.0, impl="native")
    with pytest.raises(Exception, match="degree"):
        torch.compile(f, fullgraph=True, backend="eager")(torch.ones(2, 3))


def test_float32_computes_in_float32():
    x = torch.tensor([20.0, 8.0, 3.0, 1.0], dtype=torch.float32)
    v, err = bt.functional.log_hyp1f1_with_error(x, 2.0, 512.0)
    assert v.dtype == torch.float32
    ref = special.log_hyp1f1(2.0, 512.0, x.double().numpy())
    assert abs(v.item() - ref) <= max(err.item(), 1e-6 * abs(ref))
    assert err.item() < 1e-5


def test_uncertified_inputs_are_nan_with_a_warning(monkeypatch):
    monkeypatch.setattr(ns, "MAX_PAIRS", 20_000)
    x = torch.tensor([[10.0, 9.0, 8.0, 7.0, 1.0], [0.1, 0.0, 0.0, 0.0, 0.0]],
                     dtype=torch.float64)
    with pytest.warns(AccuracyWarning, match="capped"):
        v, err = bt.functional.log_hyp1f1_with_error(x, 2.0, 8.0)
    assert math.isnan(v[0].item()) and err[0].item() > 1e-8
    assert abs(v[1].item() - special.log_hyp1f1(2.0, 8.0, x[1].numpy())) \
        < 1e-14
    # a fixed degree too low for the data: NaN, no warning (the caller
    # chose the degree; the error tensor says why)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v, err = bt.functional.log_hyp1f1_with_error(x, 2.0, 8.0, degree=4)
    assert math.isnan(v[0].item()) and err[0].item() > 1e-8


def test_nan_and_empty_input():
    x = torch.tensor([[1.0, float("nan")], [1.0, 2.0]], dtype=torch.float64)
    v = bt.log_hyp1f1(x, 1.0, 8.0, impl="native")
    assert torch.isnan(v[0]) and torch.isfinite(v[1])
    empty = torch.zeros(0, 3, dtype=torch.float64)
    assert bt.log_hyp1f1(empty, 1.0, 8.0, impl="native").shape == (0,)
    none = torch.zeros(2, 0, dtype=torch.float64)
    assert torch.equal(bt.log_hyp1f1(none, 1.0, 8.0, impl="native"),
                       torch.zeros(2, dtype=torch.float64))
    assert bt.functional.grad_log_hyp1f1(none, 1.0, 8.0,
                                         impl="native").shape == (2, 0)


@pytest.mark.parametrize("a, b, name", [(1.0, 2.75, "b"), (1.25, 8.0, "a"),
                                        (3.0, 2.0, "a")])
def test_outside_the_series_domain(a, b, name):
    with pytest.raises(ValueError, match=name):
        bt.functional.log_hyp1f1_with_error(torch.ones(3, dtype=torch.float64), a, b)
