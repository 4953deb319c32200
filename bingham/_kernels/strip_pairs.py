"""The strip pairs of the zonal series' branching rule as flat arrays, for
the torch-native series (:mod:`bingham_torch._native_series`): every pair
``(kappa, mu)`` with ``kappa/mu`` a horizontal strip, its weight, and the
Pochhammer ratios folded in as one running product per pair.  The
enumeration itself is :mod:`.zonal`'s."""
import numpy as np

from ._jit import jit
from .zonal import (ALPHA, count_tables, fill_strips, next_partition,
                    num_parts, rank, series_work)


@jit
def strip_table(m, kmax):
    """Every pair ``(kappa, mu)`` of partitions (at most ``m`` parts, size at
    most ``kmax``) with ``kappa/mu`` a horizontal strip, for evaluating the
    branching rule in data-independent array operations (the torch-native
    series): ``E_kappa(x_1..x_v) = sum_mu weight * E_mu(x_1..x_{v-1})
    * x_v^d / d!``, the ``mu = kappa`` pair (``d = 0``, weight 1) included.

    Returns ``(kap, mu, d, weight, lengths, parent, shift, sizes, parts)``:
    per pair the graded indices, the strip size and the weight; per
    partition its number of parts, the index of the partition without its last cell and that
    cell's content ``kappa_g - 1 - g / alpha`` (``(a)_kappa / (b)_kappa`` is
    the product of ``(a + shift) / (b + shift)`` along the parent chain),
    its size and its parts (``(npart, m)``).
    """
    cum, offset = count_tables(m, kmax)
    npart = offset[kmax + 1]
    nparts, npairs = series_work(m, kmax)
    npairs = int(npairs)
    kap = np.zeros(npairs, np.int64)
    mu = np.zeros(npairs, np.int64)
    dd = np.zeros(npairs, np.int64)
    weight = np.zeros(npairs)
    lengths = np.zeros(npart, np.int64)
    parent = np.zeros(npart, np.int64)
    shift = np.zeros(npart)
    sizes = np.zeros(npart, np.int64)
    parts = np.zeros((npart, m), np.int64)
    kappa = np.zeros(m + 1, np.int64)
    nu = np.zeros(m + 1, np.int64)
    lo = np.zeros(m + 1, np.int64)
    gam = np.zeros(m + 1)
    kap[0] = 0
    mu[0] = 0
    weight[0] = 1.0
    q = 1
    for K in range(1, kmax + 1):
        for i in range(m + 1):
            kappa[i] = 0
        kappa[0] = K
        while True:
            length = num_parts(kappa, m)
            ik = rank(kappa, m, K, cum, offset)
            lengths[ik] = length
            sizes[ik] = K
            for i in range(m):
                parts[ik, i] = kappa[i]
            g = length - 1
            kappa[g] -= 1
            parent[ik] = rank(kappa, m, K - 1, cum, offset)
            kappa[g] += 1
            shift[ik] = kappa[g] - 1 - g / ALPHA
            kap[q] = ik
            mu[q] = ik
            weight[q] = 1.0
            q += 1
            q1 = fill_strips(kappa, length, m, K, cum, offset, nu, lo, gam, mu,
                             dd, weight, q)
            kap[q:q1] = ik
            q = q1
            if not next_partition(kappa, m):
                break
    return kap, mu, dd, weight, lengths, parent, shift, sizes, parts


@jit
def fold_pochhammer(kap, mu, d, weight, parts, a, b, scale):
    """Per strip pair, ``weight * (a)_kappa / (a)_mu * (b)_mu / (b)_kappa
    * scale^d / d!`` as one running product over the cells of the strip
    (each cell ``(i, j)`` contributes ``(a + c) scale / ((b + c) t)``, ``c =
    j - 1 - i / alpha``, ``t = 1 .. d``): relative error about ``d eps``,
    where the same quantity from differences of logarithms loses ``eps``
    times their size (thousands at degree 400)."""
    out = np.empty(kap.shape[0])
    m = parts.shape[1]
    for q in range(kap.shape[0]):
        w = weight[q]
        t = 0
        for i in range(m):
            for j in range(parts[mu[q], i] + 1, parts[kap[q], i] + 1):
                t += 1
                c = j - 1 - i / ALPHA
                w *= (a + c) * scale / ((b + c) * t)
        out[q] = w
    return out
