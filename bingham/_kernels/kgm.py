"""The vector Bingham (k = 1) sampler of Kent, Ganeiber & Mardia (2018) in
reduced coordinates: one coordinate per given eigen-direction and one norm
for the complement of multiplicity ``m`` (a chi-square), so a proposal costs
O(r) whatever ``p``."""
import numpy as np

from ._jit import jit


@jit
def kgm_reduced(rng, n, mu, mu_zero, m, b, p, coef, rest):
    """Draw ``n`` accepted points.  ``mu`` (r,) are the shifted eigenvalues
    ``l_max - l_i >= 0`` of the given directions, ``mu_zero`` that of the
    complement (multiplicity ``m``, 0 when none), ``b`` the envelope
    parameter.  Fills ``coef`` (n, r) with the coordinates along the given
    directions and ``rest`` (n,) with the norm of the complement part.
    Returns ``(proposals, largest log ratio)``."""
    r = mu.shape[0]
    sd = np.empty(r)
    for i in range(r):
        sd[i] = 1.0 / np.sqrt(1.0 + 2.0 * mu[i] / b)
    sd_zero = 1.0 / np.sqrt(1.0 + 2.0 * mu_zero / b)
    log_m = -0.5 * (p - b) + 0.5 * p * np.log(p / b)
    y = np.empty(r)
    got = 0
    proposals = 0
    worst = -np.inf
    while got < n:
        proposals += 1
        norm2 = 0.0
        for i in range(r):
            y[i] = sd[i] * rng.standard_normal()
            norm2 += y[i] * y[i]
        yz2 = sd_zero * sd_zero * rng.chisquare(m) if m > 0 else 0.0
        norm2 += yz2
        t = mu_zero * yz2
        for i in range(r):
            t += mu[i] * y[i] * y[i]
        t /= norm2
        log_ratio = -t + 0.5 * p * np.log1p(2.0 * t / b) - log_m
        if log_ratio > worst:
            worst = log_ratio
        if np.log(rng.random()) < log_ratio:
            s = 1.0 / np.sqrt(norm2)
            for i in range(r):
                coef[got, i] = y[i] * s
            rest[got] = np.sqrt(yz2) * s
            got += 1
    return proposals, worst
