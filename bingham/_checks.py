"""Validation of scalar parameters, shared by every public module: a wrong
type raises ``TypeError`` and a value outside the domain ``ValueError``,
both naming the parameter and its domain."""
import math
import numbers

import numpy as np

# the largest count or dimension accepted: beyond it an integer has no exact
# float64 or int64 form (and no array could hold it)
COUNT_MAX = 2 ** 62


def _is_bool(v):
    return isinstance(v, (bool, np.bool_))


def integer(v, name, lo=None, hi=None):
    """``v`` as a Python int in ``[lo, hi]`` (either bound optional).

    Integers and integral real numbers (``3.0``, ``np.float32(3)``) pass;
    ``None``, strings, sequences, complex numbers and booleans raise
    ``TypeError``; a non-integral or out-of-range value ``ValueError``."""
    domain = _int_domain(lo, hi)
    if _is_bool(v) or not isinstance(v, numbers.Real):
        if isinstance(v, np.ndarray) and v.ndim == 0 and \
                v.dtype.kind in "iuf":
            return integer(v.item(), name, lo, hi)
        raise TypeError(f"{name} must be an integer{domain}, got "
                        f"{type(v).__name__} {v!r}")
    f = float(v)
    if not f.is_integer():
        raise ValueError(f"{name} must be an integer{domain}, got {v!r}")
    i = int(v)
    if (lo is not None and i < lo) or (hi is not None and i > hi):
        raise ValueError(f"{name} must be an integer{domain}, got {i}")
    return i


def count(v, name, lo=1):
    """A count or dimension: an integer in ``[lo, COUNT_MAX]``."""
    return integer(v, name, lo=lo, hi=COUNT_MAX)


def _int_domain(lo, hi):
    if lo is not None and hi is not None:
        return f" in [{lo}, {hi}]"
    if lo is not None:
        return f" >= {lo}"
    if hi is not None:
        return f" <= {hi}"
    return ""


def real(v, name, *, lo=None, hi=None, lo_open=False, hi_open=False,
         finite=True, nan=False):
    """``v`` as a Python float in the interval given by ``lo``/``hi``
    (closed unless ``lo_open``/``hi_open``), finite unless ``finite`` is
    False.  NaN passes through when ``nan`` is True, else raises.  Wrong
    types (``None``, strings, sequences, complex) raise ``TypeError``."""
    domain = _real_domain(lo, hi, lo_open, hi_open, finite)
    if _is_bool(v) or not isinstance(v, numbers.Real):
        if isinstance(v, np.ndarray) and v.ndim == 0 and \
                v.dtype.kind in "iuf":
            return real(v.item(), name, lo=lo, hi=hi, lo_open=lo_open,
                        hi_open=hi_open, finite=finite, nan=nan)
        raise TypeError(f"{name} must be a real number{domain}, got "
                        f"{type(v).__name__} {v!r}")
    f = float(v)
    if math.isnan(f):
        if nan:
            return f
        raise ValueError(f"{name} must be a real number{domain}, got nan")
    bad = (finite and math.isinf(f)) or \
        (lo is not None and (f <= lo if lo_open else f < lo)) or \
        (hi is not None and (f >= hi if hi_open else f > hi))
    if bad:
        raise ValueError(f"{name} must be a real number{domain}, got {f!r}")
    return f


def _real_domain(lo, hi, lo_open, hi_open, finite):
    if lo is not None and hi is not None:
        return (f" in {'(' if lo_open else '['}{lo}, {hi}"
                f"{')' if hi_open else ']'}")
    if lo is not None:
        return f" {'>' if lo_open else '>='} {lo}" + \
            (" and finite" if finite else "")
    if hi is not None:
        return f" {'<' if hi_open else '<='} {hi}" + \
            (" and finite" if finite else "")
    return " (finite)" if finite else ""
