"""The one place that chooses numba options for every kernel.

Kernels are compiled lazily on first call and cached on disk
(``cache=True``); no eager signatures, so importing :mod:`bingham` compiles
nothing.
"""
import numba

JIT_OPTIONS = dict(nogil=True, cache=True, error_model="numpy")


def jit(func=None, **overrides):
    """``numba.njit`` with the project's options (``fastmath`` stays off:
    the kernels rely on IEEE semantics for NaN propagation and rounding)."""
    options = dict(JIT_OPTIONS, **overrides)
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)
