"""Every public function of ``bingham`` and ``bingham_torch`` against thrown
arguments (issue 20): one argument of a valid call is replaced by a value
of the wrong type or outside its domain (None, a string, a list, a complex
number, a boolean, NaN, infinities, zero, negatives, fractions, huge and
empty values).  The call must return, or raise ``ValueError``/``TypeError``
whose message names the replaced parameter; never another exception, and
never run past the work budget (a 60 s alarm stands in for a hang)."""
import re
import signal
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bingham import bounds, grassmann, special
from bingham.routing import BinghamGating
from bingham.stats import matrix_bingham
from bingham_torch import diagnostics as tdiag
from bingham_torch import functional as tfun
from bingham_torch import nn as bnn
from bingham_torch.distributions import MatrixBingham

JUNK = st.sampled_from([
    None, "3", [1.0], [[1.0, 2.0]], 1j, True, float("nan"), float("inf"),
    -float("inf"), 0, -1, 2.5, 1e300, -1e300, 10 ** 12, (), np.array([]),
    np.zeros((0, 3)), np.float64(2.0), object()])

_X = grassmann.random_uniform(5, 2, size=4, rng=0)
_Y = grassmann.random_uniform(5, 2, size=4, rng=1)
_H = grassmann.log(_X, _Y)
_U = grassmann.random_uniform(6, 2, size=3, rng=2)
_T = grassmann.random_uniform(6, 1, size=5, rng=3)
_A = np.diag([3.0, 1.0, 0.5, 0.0])
_TOK = torch.randn(7, 8, generator=torch.Generator().manual_seed(0))


def _frozen(**kw):
    return matrix_bingham(**kw)


def _gating(method, **kw):
    init = {k: kw.pop(k) for k in ("frames", "eigenvalues", "k", "tau")
            if k in kw}
    return getattr(BinghamGating(**{"frames": _U, "eigenvalues":
                                    np.ones((3, 2)), **init}), method)(**kw)


def _router(cls, **kw):
    return getattr(bnn, cls)(**kw)(_TOK).logits


def _calibrate(**kw):
    router = bnn.BinghamRouter(8, 4, 2)
    return bnn.calibrate(router, **kw)


# (name, function, valid keyword arguments); every argument is thrown at
CASES = [
    ("log_hyp1f1", special.log_hyp1f1, dict(a=0.5, b=1.5, x=[1.0, -2.0])),
    ("grad_log_hyp1f1", special.grad_log_hyp1f1,
     dict(a=1.0, b=2.0, x=[1.0, 2.0])),
    ("hess_log_hyp1f1", special.hess_log_hyp1f1,
     dict(a=1.0, b=2.5, x=[1.0, 2.0])),
    ("explain", special.explain, dict(a=1.0, b=2.0, x=[1.0, 2.0])),
    ("log_normalizer", special.log_normalizer, dict(A=_A, k=2)),
    ("log_normalizer_eigvals", special.log_normalizer_eigvals,
     dict(eigenvalues=[3.0, 1.0], k=2, p=5)),
    ("matrix_bingham", _frozen, dict(A=_A, k=2)),
    ("matrix_bingham.rvs", lambda A, k, size: matrix_bingham(A, k).rvs(
        size, rng=0), dict(A=_A, k=2, size=3)),
    ("matrix_bingham.logpdf", lambda X: matrix_bingham(
        np.diag([3.0, 1.0, 0, 0, 0]), 2).logpdf(X), dict(X=_X)),
    ("matrix_bingham.fit", matrix_bingham.fit,
     dict(X=_X, shrinkage=0.1, tol=1e-8, maxiter=50)),
    ("orthonormalize", grassmann.orthonormalize, dict(X=_X)),
    ("random_uniform", grassmann.random_uniform, dict(p=5, k=2, size=3)),
    ("frame_from_projector", grassmann.frame_from_projector,
     dict(P=grassmann.projector(_X), k=2)),
    ("distance", grassmann.distance, dict(X=_X, Y=_Y, metric="geodesic")),
    ("exp", grassmann.exp, dict(X=_X, H=_H, t=0.5)),
    ("log", grassmann.log, dict(X=_X, Y=_Y)),
    ("geodesic", grassmann.geodesic, dict(X=_X, Y=_Y, t=0.3)),
    ("karcher_mean", grassmann.karcher_mean,
     dict(X=_X, tol=1e-8, maxiter=50)),
    ("logit_intervals", bounds.logit_intervals,
     dict(eigenvalues=[[3.0, 1.0], [2.0]], k=1, p=6, tau=1.0)),
    ("entropy_floor", bounds.entropy_floor, dict(R=1.0, E=8)),
    ("topk_mass_ceiling", bounds.topk_mass_ceiling,
     dict(R=1.0, E=8, top_k=2)),
    ("top1_mass_floor", bounds.top1_mass_floor, dict(margin=1.0, E=8)),
    ("collapse_probability_bound", bounds.collapse_probability_bound,
     dict(g_min=0.01, E=8, N=100)),
    ("load_deficit_probability", bounds.load_deficit_probability,
     dict(N=100, deficit=3.0)),
    ("bingham_entropy_bounds", bounds.bingham_entropy_bounds,
     dict(eigenvalues=[3.0, 1.0], k=1, p=6, tau=1.0)),
    ("BinghamGating.gates", lambda **kw: _gating("gates", **kw),
     dict(frames=_U, eigenvalues=np.ones((3, 2)), tau=1.0, X=_T)),
    ("BinghamGating.statistics", lambda **kw: _gating("statistics", **kw),
     dict(X=_T, top_k=1, chunk=2)),
    ("BinghamGating.certificate", lambda **kw: _gating("certificate", **kw),
     dict(top_k=1, n_tokens=100)),
    ("torch log_hyp1f1", tfun.log_hyp1f1,
     dict(x=torch.tensor([1.0, 2.0]), a=1.0, b=2.0, degree=20)),
    ("torch log_normalizer", tfun.log_normalizer,
     dict(A=torch.tensor(_A), k=2)),
    ("MatrixBingham", lambda **kw: MatrixBingham(**kw).entropy(),
     dict(A=torch.tensor(_A), k=2)),
    ("BinghamRouter", lambda **kw: _router("BinghamRouter", **kw),
     dict(d_model=8, n_experts=4, rank=2, top_k=2, tau=1.0,
          init_concentration=4.0, route_scale=1.0)),
    ("EigenbasisRouter", lambda **kw: _router("EigenbasisRouter", **kw),
     dict(d_model=8, n_experts=4, n_basis=3, top_k=1)),
    ("SoftmaxTopKRouter", lambda **kw: _router("SoftmaxTopKRouter", **kw),
     dict(d_model=8, n_experts=4, top_k=2, bias_update_rate=0.1)),
    ("MoELayer", lambda **kw: bnn.MoELayer(
        router=bnn.SoftmaxTopKRouter(8, 4), **kw)(_TOK),
     dict(d_model=8, d_hidden=8, n_experts=4, capacity_factor=1.5)),
    ("calibrate", _calibrate,
     dict(tokens=_TOK, target_entropy=1.0, lo=0.01, hi=100.0, iters=20)),
    ("probe", lambda **kw: tdiag.probe(
        bnn.MoELayer(8, 8, 4, bnn.SoftmaxTopKRouter(8, 4, top_k=2)), **kw),
     dict(tokens=_TOK, r=4, subspace_dim=2)),
]


# parameters that set the size of the result or of a module's parameters
SIZES = {"size", "p", "d_model", "d_hidden", "n_experts"}


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), junk=JUNK, data=st.data())
def test_a_thrown_argument_is_named_or_handled(case, junk, data):
    name, fn, kwargs = case
    param = data.draw(st.sampled_from(sorted(kwargs)), label="param")
    if isinstance(kwargs[param], torch.Tensor) and isinstance(
            junk, np.ndarray):
        junk = torch.as_tensor(junk)
    call = dict(kwargs, **{param: junk})
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(**call)
    except (ValueError, TypeError) as exc:
        # the replaced parameter, or another one it must agree with
        msg = str(exc)
        assert any(re.search(rf"\b{re.escape(q)}\b", msg) for q in kwargs), (
            f"{name}({param}={junk!r}): {type(exc).__name__}: {msg}")
    except (MemoryError, RuntimeError) as exc:
        # a size parameter asking for more memory than there is: the
        # allocator's own error is the clear answer (58 TiB for 10**12
        # draws)
        assert param in SIZES and "alloc" in str(exc), (
            f"{name}({param}={junk!r}): {type(exc).__name__}: {exc}")
    except _Hang:
        pytest.fail(f"{name}({param}={junk!r}) ran past 60 s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _public():
    """Every public function and class of the modules users import."""
    from bingham import routing, stats
    from bingham_torch import distributions
    mods = (special, grassmann, bounds, routing, stats, tfun, bnn, tdiag,
            distributions)
    for mod in mods:
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if callable(obj) and getattr(obj, "__module__", "") == \
                    mod.__name__ and not isinstance(obj, type(Warning)):
                yield f"{mod.__name__}.{name}", obj


@pytest.mark.parametrize("name,obj", list(_public()),
                         ids=[n for n, _ in _public()])
def test_every_public_function_states_its_domain(name, obj):
    """Each docstring says what input it takes: a ``Domain:`` line or a
    numpydoc ``Parameters`` section (classes may state it on the class or
    on ``__init__``); records (dataclasses) and exceptions are exempt."""
    import dataclasses
    import inspect
    if dataclasses.is_dataclass(obj) or (
            inspect.isclass(obj) and issubclass(obj, BaseException)):
        return
    docs = [inspect.getdoc(obj) or ""]
    if inspect.isclass(obj):
        docs.append(inspect.getdoc(obj.__init__) or "")
    assert any("Domain" in d or "Parameters\n----------" in d
               for d in docs), f"{name}: no domain in its docstring"
