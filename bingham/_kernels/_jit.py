"""The one place that chooses numba options for every kernel.

Kernels are compiled lazily on first call and cached on disk
(``cache=True``); no eager signatures, so importing :mod:`bingham` compiles
nothing.

One compilation per kernel and argument types: numba types a constant
argument in a call from compiled code (``f(x, 0, False)``) as a literal, a
type of its own, and compiles the callee again for every constant it is
called with (19 of the normalizer's kernels were compiled two to five times
each; the branch-cut method compiles in about 170 s instead of 195 s once
each).  The kernels here never need a literal, so calls between them are
resolved with the arguments' plain types.
"""
import numba
from numba.core import types

JIT_OPTIONS = dict(nogil=True, cache=True, error_model="numpy")


def _plain_call_types(dispatcher):
    """Make calls from compiled code resolve ``dispatcher`` with the
    non-literal types of their arguments."""
    resolve = dispatcher.get_call_template

    def get_call_template(args, kws):
        return resolve(tuple(types.unliteral(t) for t in args),
                       {k: types.unliteral(t) for k, t in kws.items()})

    dispatcher.get_call_template = get_call_template
    return dispatcher


def jit(func=None, **overrides):
    """``numba.njit`` with the project's options (``fastmath`` stays off:
    the kernels rely on IEEE semantics for NaN propagation and rounding)."""
    options = dict(JIT_OPTIONS, **overrides)
    if func is None:
        return lambda f: _plain_call_types(numba.njit(**options)(f))
    return _plain_call_types(numba.njit(**options)(func))
