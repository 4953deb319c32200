"""The numba core as torch custom operators (CPU), differentiable to second
order.

Three operators, each taking the eigenvalues ``x`` (``(..., n)``, float32 or
float64) and the parameters ``a``, ``b``:

* ``bingham::log_hyp1f1(x, a, b) -> (value, grad)``: ``log 1F1`` and its
  gradient from one evaluation;
* ``bingham::grad_log_hyp1f1(x, a, b) -> grad``;
* ``bingham::hess_log_hyp1f1(x, a, b) -> hess``.

Autograd: the backward of the value is ``grad_out * grad`` (the saved
gradient output); the gradient output is itself differentiable (through the
Hessian), so double backward is exact.  Third derivatives are not provided.
Fake (meta) implementations give shapes for ``torch.compile`` tracing; vmap
rules move the batch dimension to the front (the kernels broadcast over
leading dimensions).
"""
import numpy as np
import torch

from bingham import special as _sp

__all__ = ["log_hyp1f1_and_grad", "grad_log_hyp1f1", "hess_log_hyp1f1"]


def _to_numpy(x):
    return x.detach().to("cpu", torch.float64).numpy()


def _back(arr, like):
    return torch.as_tensor(np.ascontiguousarray(arr), dtype=torch.float64) \
        .to(dtype=like.dtype, device=like.device)


@torch.library.custom_op("bingham::log_hyp1f1", mutates_args=())
def log_hyp1f1_and_grad(x: torch.Tensor, a: float, b: float
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    v, g = _sp.value_and_grad_log_hyp1f1(a, b, _to_numpy(x))
    return _back(np.asarray(v), x).reshape(x.shape[:-1]), _back(g, x)


@log_hyp1f1_and_grad.register_fake
def _(x, a, b):
    return x.new_empty(x.shape[:-1]), torch.empty_like(x)


@torch.library.custom_op("bingham::grad_log_hyp1f1", mutates_args=())
def grad_log_hyp1f1(x: torch.Tensor, a: float, b: float) -> torch.Tensor:
    return _back(_sp.grad_log_hyp1f1(a, b, _to_numpy(x)), x)


@grad_log_hyp1f1.register_fake
def _(x, a, b):
    return torch.empty_like(x)


@torch.library.custom_op("bingham::hess_log_hyp1f1", mutates_args=())
def hess_log_hyp1f1(x: torch.Tensor, a: float, b: float) -> torch.Tensor:
    return _back(_sp.hess_log_hyp1f1(a, b, _to_numpy(x)), x)


@hess_log_hyp1f1.register_fake
def _(x, a, b):
    return x.new_empty(x.shape + x.shape[-1:])


# -- autograd ---------------------------------------------------------------
def _setup_value(ctx, inputs, output):
    x, a, b = inputs
    _, g = output
    ctx.save_for_backward(x, g)
    ctx.a, ctx.b = a, b
    ctx.set_materialize_grads(False)


def _backward_value(ctx, grad_v, grad_g):
    x, g = ctx.saved_tensors
    dx = None
    if grad_v is not None:
        dx = grad_v.unsqueeze(-1) * g
    if grad_g is not None:
        H = hess_log_hyp1f1(x, ctx.a, ctx.b)
        extra = torch.einsum("...i,...ij->...j", grad_g, H)
        dx = extra if dx is None else dx + extra
    return dx, None, None


log_hyp1f1_and_grad.register_autograd(_backward_value,
                                      setup_context=_setup_value)


def _setup_grad(ctx, inputs, output):
    x, a, b = inputs
    ctx.save_for_backward(x)
    ctx.a, ctx.b = a, b


def _backward_grad(ctx, grad_g):
    (x,) = ctx.saved_tensors
    H = hess_log_hyp1f1(x, ctx.a, ctx.b)
    return torch.einsum("...i,...ij->...j", grad_g, H), None, None


grad_log_hyp1f1.register_autograd(_backward_grad, setup_context=_setup_grad)


def _setup_hess(ctx, inputs, output):
    pass


def _backward_hess(ctx, grad_h):
    raise RuntimeError("bingham: third derivatives of log 1F1 are not "
                       "available")


hess_log_hyp1f1.register_autograd(_backward_hess, setup_context=_setup_hess)


# -- vmap: the kernels broadcast over leading dimensions --------------------
def _front(x, bdim):
    return x if bdim is None else x.movedim(bdim, 0)


@torch.library.register_vmap("bingham::log_hyp1f1")
def _(info, in_dims, x, a, b):
    v, g = log_hyp1f1_and_grad(_front(x, in_dims[0]), a, b)
    return (v, g), (0, 0)


@torch.library.register_vmap("bingham::grad_log_hyp1f1")
def _(info, in_dims, x, a, b):
    return grad_log_hyp1f1(_front(x, in_dims[0]), a, b), 0


@torch.library.register_vmap("bingham::hess_log_hyp1f1")
def _(info, in_dims, x, a, b):
    return hess_log_hyp1f1(_front(x, in_dims[0]), a, b), 0
