"""Bad and extreme input on the torch side (issue 20): the router and
distribution arguments named in their errors, token scale that neither
overflows nor underflows, NaN kept to its row, empty batches."""
import math

import pytest
import torch

import bingham_torch as bt
from bingham_torch import nn as bnn

ROUTERS = [
    lambda: bnn.BinghamRouter(16, 4, 2),
    lambda: bnn.BinghamRouter(16, 4, 2, token_rank=2),
    lambda: bnn.UncertainBinghamRouter(16, 4, 2),
    lambda: bnn.EigenbasisRouter(16, 4, 6),
]


@pytest.mark.parametrize("make", ROUTERS)
@pytest.mark.parametrize("scale", [1e30, 1e-30])
def test_float32_token_scale_does_not_move_the_logits(make, scale):
    """Logits depend on the token's direction only (the uncertain router's
    posterior concentration is left at its initial, scale-free value):
    before the rows were divided by their largest entry, |1e30 x| overflowed
    in float32 and |1e-30 x| underflowed, and the logits moved by 1 to 14."""
    torch.manual_seed(0)
    router = make().eval()
    x = torch.randn(6, 16)
    with torch.no_grad():
        ref = router(x).logits
        out = router(x * scale).logits
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make", ROUTERS)
def test_a_nan_token_stays_in_its_row(make):
    torch.manual_seed(0)
    router = make().eval()
    x = torch.randn(5, 16)
    x[2, 3] = float("nan")
    with torch.no_grad():
        logits = router(x).logits
        clean = router(x[[0, 1, 3, 4]]).logits
    assert torch.isnan(logits[2]).all()
    torch.testing.assert_close(logits[[0, 1, 3, 4]], clean)


def test_log_normalizer_keeps_a_nan_matrix_to_its_row():
    A = torch.stack([torch.diag(torch.tensor([3.0, 1.0, 0.0])),
                     torch.full((3, 3), float("nan")),
                     torch.eye(3)]).double()
    out = bt.log_normalizer(A, 1)
    assert torch.isnan(out[1]) and torch.isfinite(out[[0, 2]]).all()
    torch.testing.assert_close(out[[0, 2]], bt.log_normalizer(A[[0, 2]], 1))


@pytest.mark.parametrize("call,exc,name", [
    (lambda: bnn.BinghamRouter(0, 4, 1), ValueError, "d_model"),
    (lambda: bnn.BinghamRouter(None, 4, 1), TypeError, "d_model"),
    (lambda: bnn.BinghamRouter(16.5, 4, 1), ValueError, "d_model"),
    (lambda: bnn.BinghamRouter(8, 4, 1, tau=None), TypeError, "tau"),
    (lambda: bnn.BinghamRouter(8, 4, 1, top_k=[2]), TypeError, "top_k"),
    (lambda: bnn.BinghamRouter(8, 4, 1, init_concentration="5"), TypeError,
     "init_concentration"),
    (lambda: bnn.BinghamRouter(8, None, 1), TypeError, "n_experts"),
    (lambda: bnn.EigenbasisRouter(8, 4, 12), ValueError, "n_basis"),
    (lambda: bnn.SoftmaxTopKRouter(2.5, 4), ValueError, "d_model"),
    (lambda: bnn.SoftmaxTopKRouter(8, 4, bias_update_rate=-1.0), ValueError,
     "bias_update_rate"),
    (lambda: bnn.MoELayer(8, None, 4, bnn.SoftmaxTopKRouter(8, 4)),
     TypeError, "d_hidden"),
    (lambda: bnn.MoELayer(8, 8, 4, bnn.SoftmaxTopKRouter(8, 4),
                          capacity_factor=-1.0), ValueError,
     "capacity_factor"),
    (lambda: bt.log_normalizer(torch.zeros(0, 0), 1), ValueError, "A"),
    (lambda: bt.log_normalizer_eigvals(torch.ones(2), 1.5, 4), ValueError,
     "k"),
    (lambda: bt.log_normalizer_eigvals(torch.ones(2), 1, None), TypeError,
     "p"),
    (lambda: bt.MatrixBingham(torch.eye(3), None), TypeError, "k"),
])
def test_arguments_are_named_in_their_errors(call, exc, name):
    with pytest.raises(exc, match=rf"\b{name} must"):
        call()


def test_empty_matrix_bingham_batch_gives_empty_results():
    d = bt.MatrixBingham(torch.zeros(0, 3, 3, dtype=torch.float64), 1)
    assert d.log_prob(torch.zeros(0, 3, 1, dtype=torch.float64)).shape == (0,)
    assert d.entropy().shape == (0,)
    assert d.mean.shape == (0, 3, 3)
    assert d.sample((2,)).shape == (2, 0, 3, 1)


def test_float32_distribution_accepts_its_own_samples():
    torch.manual_seed(0)
    d = bt.MatrixBingham(torch.diag(torch.tensor([5.0, 2.0, 0.0, 0.0])), 2,
                         validate_args=True)
    X = d.sample((3,))
    assert X.dtype == torch.float32
    assert torch.isfinite(d.log_prob(X)).all()


@pytest.mark.parametrize("dense", [True, False])
def test_extreme_concentration_density_and_entropy_by_the_shift(dense):
    """diag(c, 0, 0), k = 1: entropy 1 - log(2c), density at e1 log(2c) (to
    O(1/c)); before the shift by the largest eigenvalue, c = 1e300 gave a
    log_prob of 0 (dense: 1.5e284) and a gradient through A still XX^T -
    E[XX^T]."""
    e1 = torch.eye(3, dtype=torch.float64)[:, :1]
    for c in (1e8, 1e300):
        if dense:
            A = torch.diag(torch.tensor([c, 0.0, 0.0], dtype=torch.float64))
            d = bt.MatrixBingham(A.requires_grad_(), 1)
        else:
            d = bt.MatrixBingham(eigenvalues=torch.tensor(
                [c], dtype=torch.float64), frame=e1, k=1)
        lp = d.log_prob(e1)
        assert lp.item() == pytest.approx(math.log(2 * c), rel=1e-13,
                                          abs=1e-7)
        assert d.entropy().item() == pytest.approx(1 - math.log(2 * c),
                                                   rel=1e-13, abs=1e-7)
        if dense:
            lp.backward()
            g = A.grad.diagonal()
            torch.testing.assert_close(
                g[1:], torch.full((2,), -0.5 / c, dtype=torch.float64),
                rtol=1e-6, atol=0.0)


def test_zero_token_has_finite_gradients_with_token_rank_two():
    torch.manual_seed(0)
    router = bnn.BinghamRouter(8, 4, 2, token_rank=2)
    x = torch.zeros(3, 8)
    x[1] = torch.randn(8)
    x.requires_grad_()
    out = router(x)
    out.logits.sum().backward()
    assert torch.isfinite(out.logits).all() and torch.isfinite(x.grad).all()
    assert (x.grad[0] == 0).all()


def test_probe_refuses_tokens_with_nan_by_name():
    from bingham_torch import diagnostics
    layer = bnn.MoELayer(8, 8, 4, bnn.SoftmaxTopKRouter(8, 4, top_k=2))
    tokens = torch.randn(6, 8)
    tokens[2, 1] = float("nan")
    with pytest.raises(ValueError, match="tokens must be finite"):
        diagnostics.probe(layer, tokens, r=2, subspace_dim=2)
