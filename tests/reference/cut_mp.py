"""log 1F1(k/2; p/2; x) for distinct Bingham spectra by the branch-cut
representation, in mpmath (an implementation independent of the library's
kernel ``bingham/_kernels/cut.py``: adaptive mpmath quadrature at 40 digits,
exact rational determinants at that precision, no Newton basis).

The representation (see the kernel's docstring) is

    F = Gamma_k(p/2) / (Gamma_k(k/2) pi^(k/2)) |sum_S det M_S|,

a sum over sets of odd-numbered segments between consecutive eigenvalues of
determinants of segment integrals ``int s^i e^s prod_j |s - x_j|^(-1/2) ds``.
It is checked against the series, the contour and the holonomic method in
``tests/test_special_cut.py``; this script gives the values where only this
representation reaches (p = 13 .. 16 at large concentration), to check the
kernel's quadrature and rounding, not the representation.
"""
from itertools import combinations

import mpmath as mp


def _segment_integrals(y, kk, r):
    """``[int_segment s^i e^(s - y_r) prod_j |s - y_j|^(-1/2) ds]_i`` for
    segment ``r`` (0-based) of the decreasing spectrum ``y``."""
    p = len(y)
    centre = y[r]

    def integrand(s, i):
        v = mp.e ** (s - y[r])
        for j in range(p):
            if j != r and j != r + 1:
                v /= mp.sqrt(abs(s - y[j]))
        return v * (s - centre) ** i

    out = []
    if r < p - 1:
        # s = m + h cos(theta): the endpoint singularities go into d theta;
        # the weight e^(s - y_r) is concentrated within 1/sqrt(h) of theta = 0
        m = (y[r] + y[r + 1]) / 2
        h = (y[r] - y[r + 1]) / 2
        width = 1 / mp.sqrt(h + 1)
        pts = sorted({mp.mpf(0), mp.pi, mp.pi / 2}
                     | {w for j in range(-3, 8) for w in [width * 2 ** j]
                        if w < mp.pi / 2}
                     | {mp.pi - w for j in range(-3, 8) for w in [width * 2 ** j]
                        if w < mp.pi / 2})
        for i in range(kk):
            out.append(mp.quad(lambda t: integrand(m + h * mp.cos(t), i), pts))
    else:
        # the half-line: s = y_p - v^2
        pts = [mp.mpf(0)] + [mp.mpf(2) ** j for j in range(-12, 4)] + [mp.inf]
        for i in range(kk):
            out.append(mp.quad(lambda v: 2 * integrand(y[r] - v * v, i), pts))
    # back to the monomial basis s^i (the determinants are basis-free for
    # monic bases; the shift by y_r is monic): expand (s - y_r)^i
    return out, centre


def log_hyp1f1_cut(k, p, x, dps=40):
    """log 1F1(k/2; p/2; x) for ``p`` distinct eigenvalues ``x``."""
    with mp.workdps(dps):
        x = [mp.mpf(v) for v in x]
        flip = p - k < k
        kk = p - k if flip else k
        y = sorted([-v if flip else v for v in x], reverse=True)
        if any(y[i] <= y[i + 1] for i in range(p - 1)):
            raise ValueError("eigenvalues must be distinct")
        cols = []
        for r in range(p):
            shifted, centre = _segment_integrals(y, kk, r)
            # monomials s^i = sum_l binom(i, l) centre^(i-l) (s - centre)^l
            mono = [sum(mp.binomial(i, l) * centre ** (i - l) * shifted[l]
                        for l in range(i + 1)) for i in range(kk)]
            cols.append(mono)

        def sig(r):  # 1-based odd r
            return (-1) ** ((r - 1) // 2)

        def kap(q):  # 1-based even q
            return (-1) ** (q // 2)

        odd = [r for r in range(1, p + 1) if r % 2 == 1]
        m = kk // 2
        if kk % 2 == 0:
            sets = [(S, None) for S in combinations(odd, m)]
        else:
            sets = [(S, e) for S in combinations(odd, m) for e in odd
                    if e not in S]
        terms = []
        for S, extra in sets:
            mat = []
            scale = mp.mpf(0)
            ok = True
            for idx, r in enumerate(S):
                mat.append([sig(r) * v for v in cols[r - 1]])
                scale += y[r - 1]
                nxt = S[idx + 1] if idx + 1 < len(S) else p + 1
                qs = [q for q in range(r + 1, nxt) if q % 2 == 0]
                if not qs:
                    ok = False
                    break
                ref = y[qs[0] - 1]
                mat.append([sum(kap(q) * cols[q - 1][i] * mp.e ** (y[q - 1] - ref)
                                for q in qs) for i in range(kk)])
                scale += ref
            if not ok:
                continue
            if extra is not None:
                mat.append([sig(extra) * v for v in cols[extra - 1]])
                scale += y[extra - 1]
            det = mat[0][0] if kk == 1 else mp.det(mp.matrix(mat).T)
            terms.append((scale, det))
        top = max(t[0] for t in terms)
        total = sum(d * mp.e ** (s - top) for s, d in terms)
        logc = -kk * mp.log(mp.pi) / 2
        for i in range(kk):
            logc += mp.loggamma(mp.mpf(p - i) / 2) - mp.loggamma(mp.mpf(kk - i) / 2)
        value = logc + top + mp.log(abs(total))
        if flip:
            value += sum(x)
        return value
