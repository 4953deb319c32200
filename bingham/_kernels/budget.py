"""Wall-clock work budget per input.

:func:`start` sets a deadline ``SECONDS`` from now; the long loops (the
series' degree loop, the confluent method's refinement, the holonomic
integration) ask :func:`expired` and stop with what they have, so the
dispatcher returns its best answer with its error estimate, and the caller
warns.  The clock is read in object mode (about 1.5 us a call), once per
degree, refinement level or integration step, so the check costs nothing
measurable.  ``SECONDS`` may be changed at run time (the deadline lives in
Python, not in the compiled code): ``bingham._kernels.budget.SECONDS``.
"""
import time

import numba
import numpy as np
from numba import objmode

from ._jit import jit

#: Seconds of work allowed per input (value, gradient or Hessian).
SECONDS = 1.0
#: Share of the budget after which the loops stop: the rest is for the
#: series degree in progress (not interrupted) and the fallbacks after it
#: (at a deadline of 1 s, calls ended at up to 1.47 s on the normalizer
#: map; see docs/normalizer_map.md for the figure with this margin).
WORK_SHARE = 0.7
#: A pass predicted (from the last one) to end past this share of the
#: budget is not started; the rest is for the fallbacks.
PASS_SHARE = 0.9
_state = {"deadline": np.inf}


# object-mode blocks cannot release the GIL (numba warns when asked to)
@jit(nogil=False)
def start():
    """Start the clock for one input."""
    with objmode():
        _state["deadline"] = time.perf_counter() + WORK_SHARE * SECONDS


@jit(nogil=False)
def resume(spent):
    """Start the clock for an input that has already used ``spent``
    seconds (in an earlier kernel of the same call)."""
    with objmode():
        _state["deadline"] = time.perf_counter() + WORK_SHARE * SECONDS \
            - spent


@jit(nogil=False)
def clock():
    """Seconds on the performance counter."""
    with objmode(t="float64"):
        t = time.perf_counter()
    return t


@jit(nogil=False)
def expired():
    """Whether the current input has used its budget."""
    with objmode(r="boolean"):
        r = time.perf_counter() > _state["deadline"]
    return r


def left(share=None):
    """Seconds left before ``share`` of the current input's budget is used
    (``PASS_SHARE`` by default; plain Python, for the drivers that predict
    whether one more pass fits: the loops' own checks stop at
    ``WORK_SHARE``)."""
    if share is None:
        share = PASS_SHARE
    return _state["deadline"] + (share - WORK_SHARE) * SECONDS \
        - time.perf_counter()


def stop():
    """End the current input's clock: a deadline does not outlive the call
    it was set for (a kernel called directly later, outside any call, would
    otherwise stop at its first check)."""
    _state["deadline"] = np.inf


def uncharged(kernel, *args):
    """``kernel(*args)`` from plain Python; the first time, the kernel is
    compiled for these arguments' types before the call (on a fresh numba
    cache: seconds) and the deadline moves by that time, so that compiling
    is not charged to the input's budget (a kernel's refinement would stop
    at once)."""
    if kernel not in _compiled:
        t0 = time.perf_counter()
        kernel.compile(tuple(numba.typeof(v) for v in args))
        _state["deadline"] += time.perf_counter() - t0
        _compiled.add(kernel)
    return kernel(*args)


# the kernels :func:`uncharged` has compiled (a set, not ``signatures``:
# that builds a list of types on every call, about 5 us with one; the
# projection's kernel is called about ten times per input)
_compiled = set()
