"""bingham_torch.functional: agreement with the core, exact first and second
derivatives (gradcheck, gradgradcheck), torch.library.opcheck, vmap,
torch.compile(fullgraph=True), float32, bad input."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import bingham_torch as bt  # noqa: E402
from bingham import special  # noqa: E402
from bingham_torch import _ops  # noqa: E402

VECTOR_CASES = [
    (1.5, [3.0, 1.0, -2.0]),
    (5.0, [20.0, 5.0, 0.1, -3.0]),
    (2048.0, list(np.linspace(30.0, 1.0, 16))),      # MoE: 16 in p = 4096
    (2048.0, list(np.linspace(3000.0, 1.0, 16))),
    (1.5, [1e4, -1e4, 3.0]),
    (32.0, list(np.linspace(-20.0, 20.0, 64))),
    (5.0, [1e-8, 0.0, 0.0, 1e-3]),
    # an eigenvalue near or above b: the point at 0 carries b - n/2 and the
    # parabola must be widened (the old fixed grid was off by 95 and NaN)
    (100.0, [120.0, 3.0, -2.0]),
    (2048.0, [2048.0]),
    (2048.0, [1900.0, 10.0, -5.0, 0.0]),
    (4096.0, [8192.0, 100.0]),
]


@pytest.mark.parametrize("b, x", VECTOR_CASES)
@pytest.mark.parametrize("impl", ["core", "native"])
def test_agrees_with_the_core(b, x, impl):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    v = bt.log_hyp1f1(xt, 0.5, b, impl=impl)
    (g,) = torch.autograd.grad(v, xt)
    ref, ref_g = special.value_and_grad_log_hyp1f1(0.5, b, np.array(x))
    assert abs(v.item() - ref) <= 1e-12 * max(1.0, abs(ref))
    np.testing.assert_allclose(g.numpy(), ref_g, rtol=1e-11, atol=1e-14)
    H = torch.autograd.functional.hessian(
        lambda y: bt.log_hyp1f1(y, 0.5, b, impl=impl), xt.detach())
    np.testing.assert_allclose(H.numpy(),
                               special.hess_log_hyp1f1(0.5, b, np.array(x)),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("impl, a, b", [("core", 0.5, 1.5), ("native", 0.5, 1.5),
                                        ("core", 1.0, 2.5), ("core", 1.5, 4.0),
                                        ("native", 0.5, 32.0)])
def test_gradcheck_and_gradgradcheck(impl, a, b):
    x = torch.tensor([[3.0, 1.0, -2.0], [0.5, 0.2, 0.1], [8.0, -4.0, 0.0]],
                     dtype=torch.float64, requires_grad=True)

    def f(y):
        return bt.log_hyp1f1(y, a, b, impl=impl)
    assert torch.autograd.gradcheck(f, (x,))
    assert torch.autograd.gradgradcheck(f, (x,))


def test_opcheck():
    x = torch.tensor([[3.0, 1.0, -2.0], [0.5, 0.2, 0.1]], dtype=torch.float64)
    torch.library.opcheck(_ops.log_hyp1f1_and_grad, (x, 0.5, 1.5))
    torch.library.opcheck(_ops.grad_log_hyp1f1, (x, 1.0, 2.5))
    torch.library.opcheck(_ops.hess_log_hyp1f1, (x, 1.0, 2.5),
                          test_utils=("test_schema", "test_faketensor"))


@pytest.mark.parametrize("impl", ["core", "native"])
def test_vmap_and_compile(impl):
    x = torch.tensor([[3.0, 1.0, -2.0], [0.5, 0.2, 0.1]], dtype=torch.float64)

    def f(y):
        return bt.log_hyp1f1(y, 0.5, 1.5, impl=impl)
    direct = f(x)
    torch.testing.assert_close(torch.vmap(f)(x), direct, rtol=0, atol=0)
    # fullgraph: no graph break; aot_eager also traces the backward
    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    y = x.clone().requires_grad_()
    out = compiled(y)
    torch.testing.assert_close(out, direct)
    out.sum().backward()
    ref = special.grad_log_hyp1f1(0.5, 1.5, x.numpy())
    np.testing.assert_allclose(y.grad.numpy(), ref, rtol=1e-12)


def test_float32_and_low_rank_normalizers():
    x = torch.tensor([5.0, 1.0, 0.5], dtype=torch.float32, requires_grad=True)
    v = bt.log_normalizer_eigvals(x, 2, 8)
    assert v.dtype == torch.float32
    v.backward()
    ref = special.grad_log_normalizer_eigvals(x.detach().double().numpy(), 2, 8)
    np.testing.assert_allclose(x.grad.numpy(), ref, rtol=1e-6)
    A = torch.diag(torch.tensor([5.0, 1.0, 0.5, 0, 0, 0, 0, 0],
                                dtype=torch.float64)).requires_grad_()
    vA = bt.log_normalizer(A, 2)
    assert abs(vA.item() - special.log_normalizer_eigvals(
        np.array([5.0, 1.0, 0.5]), 2, 8)) < 1e-12
    vA.backward()
    # d log F / dA = E[X X^T]: trace k, diagonal the gradient
    assert abs(torch.trace(A.grad).item() - 2) < 1e-12


def test_low_rank_concentration_in_a_rotated_frame():
    """``A = V diag(l) V^T`` at scale 1e4: the eigensolver's rounding of
    the 60 zeros is set to zero (it made them a cluster of near ties, and
    the Laplace approximation answered 6e3 off, with a warning); the
    gradient is ``V diag(g) V^T`` plus the zeros' share."""
    import warnings

    from bingham import grassmann
    k, p, lam = 12, 64, np.array([1e4, 1859.94, 1859.94, 2752.29])
    V = grassmann.random_uniform(p, 4, rng=1)
    A = torch.tensor(V @ np.diag(lam) @ V.T, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = bt.log_normalizer(A, k)
        v.backward()
        ref = special.log_normalizer_eigvals(lam, k, p)
        g = special.grad_log_normalizer_eigvals(np.append(lam, 0.0), k, p)
    assert abs(v.item() - ref) <= 1e-13 * ref
    expect = (V * (g[:4] - g[4])) @ V.T + g[4] * np.eye(p)
    np.testing.assert_allclose(A.grad.numpy(), expect, atol=1e-10)


@pytest.mark.parametrize("call, name", [
    (lambda: bt.log_hyp1f1([1.0], 0.5, 1.5), "x"),
    (lambda: bt.log_hyp1f1(torch.ones(3, dtype=torch.int64), 0.5, 1.5), "x"),
    (lambda: bt.log_hyp1f1(torch.ones(3), torch.tensor(0.5), 1.5), "a"),
    (lambda: bt.log_hyp1f1(torch.ones(3), 1.0, 1.25, impl="native"), "native"),
    (lambda: bt.log_hyp1f1(torch.ones(3), 1.0, 5.0, impl="native", degree=0),
     "degree"),
    (lambda: bt.log_hyp1f1(torch.ones(3), 0.5, 1.5, impl="gpu"), "impl"),
    (lambda: bt.log_normalizer_eigvals(torch.ones(3), 3, 2), "k"),
    (lambda: bt.log_normalizer(torch.ones(3, 2), 1), "A"),
    (lambda: bt.log_normalizer(torch.tensor([[1.0, 2.0], [0.0, 1.0]]), 1),
     "symmetric"),
])
def test_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_nan_gives_nan():
    x = torch.tensor([[1.0, float("nan")], [1.0, 2.0]], dtype=torch.float64)
    v = bt.log_hyp1f1(x, 0.5, 1.5, impl="core")
    assert torch.isnan(v[0]) and torch.isfinite(v[1])


@pytest.mark.parametrize("impl, a, b, x", [
    ("core", 1.0, 2.5, [3.0, 1.0, -2.0]),
    ("native", 0.5, 5.0, [20.0, 5.0, 0.1, -3.0]),      # contour
    ("native", 1.5, 512.0, [40.0, 20.0, -10.0]),       # zonal series
    ("native", 2.0, 2048.0, [30.0, 30.0, 5.0, 1.0]),   # series, a tie
])
def test_hessian_function_agrees_with_the_core(impl, a, b, x):
    xt = torch.tensor([x, x[::-1]], dtype=torch.float64)
    H = bt.functional.hess_log_hyp1f1(xt, a, b, impl=impl)
    ref = special.hess_log_hyp1f1(a, b, xt.numpy())
    np.testing.assert_allclose(H.numpy(), ref, rtol=1e-9, atol=1e-13)
