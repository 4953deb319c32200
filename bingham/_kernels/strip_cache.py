"""Process-wide strip tables for the zonal series, one per number of parts.

The horizontal strips of the partitions up to some degree, with their
weights, depend only on the number of parts ``m`` (see
:func:`zonal.new_strips`).  Enumerating them is three quarters of a series
evaluation at ten variables, so each ``m`` gets one table, handed to every
call: the series records into it the degrees it is the first to sum, and
later calls read them.  A table holds at most ``MAX_STRIPS`` strips; its
arrays are allocated empty, so only the degrees summed so far take memory.

Plain Python (nothing is compiled at import; the first table of a process
costs one call of the jitted :func:`zonal.series_work`).
"""
import threading

from .dispatch import SHIFT_MAX_P
from .zonal import new_strips, no_strips, series_work

# strips per table: 14 bytes each, at most 70 MB (m = 3: degree 62)
MAX_STRIPS = 5_000_000

_tables = {}
_by_params = {}   # (a, b, n) -> table: the lookup of every call, kept cheap
_lock = threading.Lock()


def parts_for(a, b, n):
    """The number of parts the series will use for most inputs with these
    parameters: ``min(k, p - k)`` in the Bingham case ``a = k/2, b = p/2``
    with ``p <= SHIFT_MAX_P`` (after the shift and, where shorter, Kummer's
    relation), else at most
    ``2a`` parts when that is an integer, and at most ``n`` (-1, no table,
    for parameters that are not finite)."""
    k2, p2 = 2.0 * a, 2.0 * b
    if not (abs(k2) < 1e9 and abs(p2) < 1e9):   # NaN, inf: no table
        return -1
    if k2 == int(k2) and p2 == int(p2) and 0 < k2 < p2 and n <= p2 \
            and p2 <= SHIFT_MAX_P:
        # the shifted series (every eigenvalue a variable) runs up to
        # SHIFT_MAX_P only; past it the series has at most n parts
        return int(min(k2, p2 - k2))
    if a > 0 and k2 == int(k2):
        return int(min(n, k2))
    return int(n)


def _strips(m, degree):
    parts, pairs = series_work(m, degree)
    return parts, pairs - parts


def table(m):
    """The strip table for ``m`` parts, created (empty) on first use."""
    if m < 1:
        return no_strips(m)
    tab = _tables.get(m)
    if tab is None:
        with _lock:
            tab = _tables.get(m)
            if tab is None:
                # the largest degree within MAX_STRIPS: doubling, then
                # bisection (counting costs one step per partition)
                lo, hi = 0, 16
                while _strips(m, hi)[1] <= MAX_STRIPS:
                    lo, hi = hi, 2 * hi
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if _strips(m, mid)[1] <= MAX_STRIPS:
                        lo = mid
                    else:
                        hi = mid
                parts, strips = _strips(m, lo)
                tab = new_strips(m, int(parts), int(strips))
                _tables[m] = tab
    return tab


def table_for(a, b, n):
    """The table the series uses for parameters ``a``, ``b`` and ``n``
    eigenvalues (:func:`parts_for`), remembered per ``(a, b, n)``."""
    tab = _by_params.get((a, b, n))
    if tab is None:
        tab = table(parts_for(a, b, n))
        if len(_by_params) < 4096:
            _by_params[(a, b, n)] = tab
    return tab


def clear():
    """Drop every table (the next calls rebuild them; for benchmarks)."""
    with _lock:
        _tables.clear()
        _by_params.clear()
