"""Independent high-precision references for 1F1 of matrix argument (mpmath).

None of these shares code or representation with ``bingham._kernels``:

* ``n1``: ``mpmath.hyp1f1`` (scalar argument).
* ``k1_series``: the vector-Bingham case ``1F1(1/2; b; x)`` from its
  Dirichlet-moment expansion ``sum_K g_K / (b)_K``, where ``g_K`` is the
  coefficient of ``t^K`` in ``prod_i (1 - x_i t)^(-1/2)`` (power-sum
  recurrence), summed at a working precision that absorbs the cancellation
  of alternating terms.
* ``k1_cut``: ``1F1(1/2; p/2; x)`` with all ``p`` eigenvalues distinct and
  given explicitly, by collapsing the Bromwich contour onto the branch cut:
  ``Gamma(p/2)/pi * sum_j sin(pi E_j) int_{c_{j+1}}^{c_j} e^s prod|s-c_i|^(-1/2) ds``
  (real integrals, tanh-sinh quadrature).  Valid at any spread.
* ``zonal``: a direct transcription of the zonal series through the
  product formula for the branching coefficients (Jack functions built from
  their definition, no incremental updates), in mpmath, summed until the
  degree sums fall below the working precision.  Used for small ``k > 1``
  cases; it shares the mathematics of the series, not the code.

Each function returns ``log F`` as an ``mpmath.mpf`` (``n1``: ``log |F|`` and
the sign).
"""
import functools

import mpmath as mp

ALPHA = 2


def n1(a, b, x, dps=40):
    """``(log |1F1(a; b; x)|, sign)`` for scalar x."""
    with mp.workdps(dps):
        F = mp.hyp1f1(mp.mpf(a), mp.mpf(b), mp.mpf(x), maxterms=10**6)
        return mp.log(abs(F)), (1 if F > 0 else -1)


def k1_series(x, b, dps=None):
    """log 1F1(1/2; b; x) from the Dirichlet-moment expansion."""
    xs = [mp.mpf(v) for v in x]
    spread = float(sum(abs(v) for v in x))
    if dps is None:
        dps = 30 + int(spread / 2.0)
    with mp.workdps(dps):
        xs = [mp.mpf(v) for v in x]
        b = mp.mpf(b)
        g = [mp.mpf(1)]
        powers = []  # power sums p_j
        total = mp.mpf(1)
        poch = mp.mpf(1)
        K = 0
        small = 0
        while True:
            K += 1
            powers.append(sum(v ** K for v in xs))
            gk = sum(powers[j - 1] * g[K - j] for j in range(1, K + 1)) / (2 * K)
            g.append(gk)
            poch *= b + K - 1
            term = gk / poch
            total += term
            if K > 2 * spread + 10 and abs(term) < mp.mpf(10) ** (-dps + 5) * abs(total):
                small += 1
                if small > 5:
                    break
            else:
                small = 0
        return mp.log(total)


def k1_cut(c, dps=50):
    """log 1F1(1/2; p/2; c) with all p eigenvalues c given and distinct.
    At 30 digits mpmath's quadrature of the short segments between close
    eigenvalues ([1e-3, 2e-3, -4e-3]) was off by 6e-16 in log F; 50 agree
    with the one-dimensional Bessel-I0 integral of p = 3 to 1e-40."""
    p = len(c)
    with mp.workdps(dps):
        cs = sorted((mp.mpf(v) for v in c), reverse=True)
        top = cs[0]
        cs = [v - top for v in cs]  # shift: log F = top + log F(c - top)

        def integrand(s):
            val = mp.exp(s)
            for v in cs:
                val /= mp.sqrt(abs(s - v))
            return val

        total = mp.mpf(0)
        for j in range(p):
            E = mp.mpf(j + 1) / 2  # exponents of the points right of s
            weight = mp.sin(mp.pi * E)
            if abs(weight) < mp.mpf(10) ** (-dps // 2):
                continue
            hi = cs[j]
            if j + 1 < p:
                lo = cs[j + 1]
                pts = [lo, hi]
                # resolve the decay of e^s on long intervals
                if hi - lo > 40:
                    pts = [lo, hi - 40, hi - 10, hi - 1, hi]
                val = mp.quad(integrand, pts)
            else:
                val = mp.quad(integrand, [-mp.inf, hi - 40, hi - 1, hi])
            total += weight * val
        return top + mp.loggamma(mp.mpf(p) / 2) - mp.log(mp.pi) + mp.log(total)


def _conj(kappa):
    return [sum(1 for r in kappa if r >= c) for c in range(1, (kappa[0] if kappa else 0) + 1)]


def _hooks(kappa):
    kc = _conj(kappa)
    prod = mp.mpf(1)
    for i, r in enumerate(kappa):
        for j in range(1, r + 1):
            arm = r - j
            leg = kc[j - 1] - (i + 1)
            prod *= (ALPHA * arm + leg + 1) * (ALPHA * (arm + 1) + leg)
    return prod


def _beta(kappa, mu):
    """Branching coefficient from its product formula (J normalization)."""
    kc = _conj(kappa)
    mc = _conj(mu) + [0] * len(kc)

    def B(nu, nuc, i, j):
        if kc[j - 1] == mc[j - 1]:
            return nuc[j - 1] - i + ALPHA * (nu[i - 1] - j + 1)
        return nuc[j - 1] - i + 1 + ALPHA * (nu[i - 1] - j)

    num = mp.mpf(1)
    for i, r in enumerate(kappa, 1):
        for j in range(1, r + 1):
            num *= B(kappa, kc, i, j)
    den = mp.mpf(1)
    muc = _conj(mu)
    for i, r in enumerate(mu, 1):
        for j in range(1, r + 1):
            den *= B(mu, muc, i, j)
    return num / den


def _strips(kappa):
    """All mu with kappa/mu a horizontal strip."""
    L = len(kappa)
    ranges = []
    for i in range(L):
        lo = kappa[i + 1] if i + 1 < L else 0
        ranges.append(range(lo, kappa[i] + 1))

    def rec(i, acc):
        if i == L:
            yield tuple(v for v in acc if v > 0)
            return
        for v in ranges[i]:
            yield from rec(i + 1, acc + [v])

    yield from rec(0, [])


def _partitions(K, m, maxpart=None):
    if maxpart is None:
        maxpart = K
    if K == 0:
        yield ()
        return
    if m == 0:
        return
    for v in range(min(K, maxpart), 0, -1):
        for rest in _partitions(K - v, m - 1, v):
            yield (v,) + rest


def zonal(a, b, x, max_degree=200, dps=30):
    """log 1F1(a; b; x) by the zonal series written from the definitions."""
    n = len(x)
    k2 = 2 * a
    m = n
    if k2 > 0 and float(k2).is_integer():
        m = min(n, int(k2))
    with mp.workdps(dps):
        xs = [mp.mpf(v) for v in x]
        a = mp.mpf(a)
        b = mp.mpf(b)

        @functools.lru_cache(maxsize=None)
        def J(kappa, v):
            if len(kappa) > v:
                return mp.mpf(0)
            if v == 0:
                return mp.mpf(1) if not kappa else mp.mpf(0)
            total = mp.mpf(0)
            for mu in _strips(kappa):
                if len(mu) > v - 1:
                    continue
                d = sum(kappa) - sum(mu)
                total += J(mu, v - 1) * _beta(kappa, mu) * xs[v - 1] ** d
            return total

        def poch(c, kappa):
            prod = mp.mpf(1)
            for i, r in enumerate(kappa):
                for j in range(r):
                    prod *= c - mp.mpf(i) / ALPHA + j
            return prod

        total = mp.mpf(1)
        quiet = 0
        for K in range(1, max_degree + 1):
            deg = mp.mpf(0)
            for kappa in _partitions(K, m):
                C = mp.mpf(ALPHA) ** K * mp.factorial(K) / _hooks(kappa) * J(kappa, n)
                deg += poch(a, kappa) / poch(b, kappa) * C / mp.factorial(K)
            total += deg
            if abs(deg) < mp.mpf(10) ** (-dps + 3) * abs(total):
                quiet += 1
                if quiet >= 3:
                    return mp.log(total)
            else:
                quiet = 0
        raise RuntimeError("zonal reference did not converge")
