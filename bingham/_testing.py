"""Helpers shared by the test suite and the reference scripts (not part of
the public API)."""
import numpy as np

from . import _sampling
from . import grassmann


def sampler_log_normalizer(eigenvalues, k, p, n, seed=1, frame=None):
    """An estimate of ``log 1F1(k/2; p/2; L)`` that shares nothing with the
    normalizer code: the acceptance rate of the exact sampler times its
    envelope mass (whose constants are computed without F).

    Returns ``(estimate, standard error, draws (n, p, k), frame)``.
    """
    ev = np.asarray(eigenvalues, float)
    V = grassmann.random_uniform(p, ev.size, rng=0) if frame is None \
        else frame
    pl = _sampling.plan(ev, V, p, k)
    X, info = _sampling.sample(pl, n, np.random.default_rng(seed))
    acc, m = info["acceptance"], info["proposals"]
    est = np.log(acc) + pl.log_envelope_mass
    se = np.sqrt((1 - acc) / (acc * m))
    return est, se, X, V
