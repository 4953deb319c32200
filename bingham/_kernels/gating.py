"""Fused per-token softmax statistics for the gating model."""
import numpy as np

from ._jit import jit


@jit
def softmax_statistics(S, top_k, H, top, spread, margin, gmin, G, store):
    """For each row of logits ``S`` (n, E): entropy of ``softmax``, sum of
    the ``top_k`` largest gates, largest minus smallest logit, largest
    minus second largest logit, smallest gate; the gates into ``G`` when
    ``store``.  NaN rows give NaN."""
    n, E = S.shape
    buf = np.empty(E)
    for t in range(n):
        smax = -np.inf
        smin = np.inf
        bad = False
        for e in range(E):
            v = S[t, e]
            if v != v:
                bad = True
            smax = max(smax, v)
            smin = min(smin, v)
        if bad:
            H[t] = np.nan
            top[t] = np.nan
            spread[t] = np.nan
            margin[t] = np.nan
            gmin[t] = np.nan
            if store:
                G[t, :] = np.nan
            continue
        z = 0.0
        zs = 0.0
        second = -np.inf
        seen_max = False
        for e in range(E):
            d = S[t, e] - smax
            w = np.exp(d)
            buf[e] = w
            z += w
            zs += w * d
            if S[t, e] == smax and not seen_max:
                seen_max = True
            else:
                second = max(second, S[t, e])
        # H = log z - sum w d / z   (d = s - max)
        H[t] = np.log(z) - zs / z
        spread[t] = smax - smin
        margin[t] = smax - second if E > 1 else np.inf
        gmin[t] = np.exp(smin - smax) / z
        if store:
            for e in range(E):
                G[t, e] = buf[e] / z
        # top-k mass: partial selection on a copy
        if top_k >= E:
            top[t] = 1.0
        else:
            acc = 0.0
            for j in range(top_k):
                best = 0
                for e in range(1, E):
                    if buf[e] > buf[best]:
                        best = e
                acc += buf[best]
                buf[best] = -1.0
            top[t] = acc / z
