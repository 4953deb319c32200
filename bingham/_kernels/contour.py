"""Inverse-Laplace (Bromwich) representation for a = 1/2 (the vector Bingham).

For branch points ``c_i`` with exponents ``e_i >= 0`` and ``b = sum e_i``,

    F = Gamma(b) / (2 pi i) * int_Br e^s prod_i (s - c_i)^(-e_i) ds.

With ``e_i = 1/2`` for the ``n`` eigenvalues and one point at 0 carrying the
remaining exponent ``b - n/2``, ``F = 1F1(1/2; b; x)``; with ``n = 1``,
``e = (a, b - a)`` at ``(x, 0)`` it is the scalar ``1F1(a; b; x)``.

The contour is the parabola ``s = s0 + u ((1 + i t)^2 - 1)``, ``t`` real,
through the real saddle point ``s0 = c_max + u`` of
``phi(s) = s - sum e_i log(s - c_i)``.  It crosses the real axis only at
``s0``, keeps a distance of at least ``u`` from every branch point, rises
like ``sqrt(u d)`` above a branch point at distance ``d`` (so heavy distant
points leave no sharp feature on it) and wraps the negative real axis,
where ``e^s`` kills the integrand.  Every branch point maps to a distance of
exactly 1 from the real ``t`` axis and the Gaussian width at the saddle
scales like the truncation point, so the trapezoidal rule in ``t`` converges
geometrically with a node count that hardly depends on the data (measured:
32 to 256 nodes on every input tried, 128 for each of 50 random p = 3
inputs, where Talbot curves through the same saddle needed 128 to 2048).
The grid is doubled (reusing the old nodes) until two successive sums agree
to the target, and their difference is the error estimate.

Derivatives with respect to a variable branch point ``c_j`` multiply the
integrand by ``e_j / (s - c_j)``; the gradient and the Hessian of ``log F`` are
moments of ``r_j = 1/(s - c_j)`` under the (complex) weight, computed centred
to avoid cancellation.
"""
import cmath
import math

import numpy as np

from ._jit import jit


@jit
def _saddle(d, e):
    """Root ``u > 0`` of ``sum_i e_i / (u + d_i) = 1`` (``d_i >= 0`` are the
    distances of the branch points left of the rightmost one)."""
    q = d.shape[0]
    etop = 0.0
    for i in range(q):
        if d[i] == 0.0:
            etop += e[i]
    u = etop if etop > 0.0 else 1.0
    # from the left of the root Newton increases monotonically (h convex,
    # decreasing); a start right of the root is first bisected back
    for it in range(200):
        h = -1.0
        dh = 0.0
        for i in range(q):
            w = 1.0 / (u + d[i])
            h += e[i] * w
            dh -= e[i] * w * w
        if h < 0.0 and it == 0:
            lo = 0.0
            hi = u
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                hm = -1.0
                for i in range(q):
                    hm += e[i] / (mid + d[i])
                if hm > 0.0:
                    lo = mid
                else:
                    hi = mid
            u = lo
            continue
        step = -h / dh
        u += step
        if abs(step) <= 1e-15 * u:
            break
    return u


@jit
def _clog1p(z):
    """``log(1 + z)`` accurate for small complex ``z``."""
    x = z.real
    y = z.imag
    if abs(x) < 0.5 and abs(y) < 0.5:
        re = 0.5 * math.log1p(x * (2.0 + x) + y * y)
        return complex(re, math.atan2(y, 1.0 + x))
    return cmath.log(1.0 + z)


@jit
def _rescale_every(decades):
    """How many factors of at most ``10^decades`` (in either direction) a
    running product rescaled back to ``[1e-50, 1e50]`` may take before the
    next check, staying inside ``[1e-300, 1e300]``."""
    return max(1, int(250.0 / max(decades, 1.0)))


@jit
def _log_integrand_nodes(ts, U, inv, e, half, every):
    """``phi(s(t)) - phi(s0)`` (real and imaginary parts) and ``s(t) - s0``
    at the nodes ``ts >= 0`` of the parabola ``s = s0 + U ((1 + i t)^2 -
    1)`` (the upper half): ``(lr, li, dr, di)``.

    ``inv[i] = 1 / (s0 - c_i)``.  Everything is formed relative to the
    saddle, without cancellation.  The points with exponent 1/2 (``half``)
    enter through one running product of ``1 + (s - s0)/(s0 - c_i)`` per
    node, rescaled after every ``every`` factors (see
    :func:`_rescale_every`): each factor has its argument in ``(0, pi)`` on
    the upper half of the contour, so the total argument is monotone and
    the branch of the sum of logs is recovered by counting crossings of the
    positive real axis.  That costs a complex multiplication per point
    instead of a complex logarithm.  The loop over the branch points is
    outside and the loop over the nodes inside, where it vectorizes (real
    and imaginary parts in separate arrays)."""
    N = ts.shape[0]
    dr = np.empty(N)
    di = np.empty(N)
    ar = np.empty(N)
    ai = np.empty(N)
    Pr = np.ones(N)
    Pi = np.zeros(N)
    logscale = np.zeros(N)
    turns = np.zeros(N, np.int64)
    for j in range(N):
        t = ts[j]
        dr[j] = -U * t * t
        di[j] = 2.0 * U * t
        ar[j] = dr[j]
        ai[j] = di[j]
    count = 0
    for i in range(inv.shape[0]):
        w = inv[i]
        if half[i]:
            for j in range(N):
                zr = 1.0 + dr[j] * w
                zi = di[j] * w
                pr = Pr[j]
                pi = Pi[j]
                ni = pr * zi + pi * zr
                # each factor turns the product by less than pi, counter-
                # clockwise: a crossing of the positive real axis is a step
                # from the lower to the upper half plane
                turns[j] += (pi < 0.0) & (ni >= 0.0)
                Pr[j] = pr * zr - pi * zi
                Pi[j] = ni
            count += 1
            if count % every == 0:
                for j in range(N):
                    m = abs(Pr[j]) + abs(Pi[j])
                    if m > 1e50 or m < 1e-50:
                        logscale[j] += math.log(m)
                        Pr[j] /= m
                        Pi[j] /= m
        else:
            for j in range(N):
                l = _clog1p(complex(dr[j] * w, di[j] * w))
                ar[j] -= e[i] * l.real
                ai[j] -= e[i] * l.imag
    if count > 0:
        for j in range(N):
            arg = math.atan2(Pi[j], Pr[j])
            if arg < 0.0:
                arg += 2.0 * math.pi
            ar[j] -= 0.5 * (logscale[j] + 0.5 * math.log(Pr[j] * Pr[j]
                                                         + Pi[j] * Pi[j]))
            ai[j] -= 0.5 * (2.0 * math.pi * turns[j] + arg)
    return ar, ai, dr, di


@jit
def _integrand_nodes(ts, U, inv, e, half, every, vals, ss, first, stride):
    """``exp(phi(s(t)) - phi(s0)) s'(t) / i`` and ``s(t) - s0`` at the nodes
    ``ts`` into ``vals[first + stride * j]`` and ``ss[...]`` (see
    :func:`_log_integrand_nodes`)."""
    lr, li, dr, di = _log_integrand_nodes(ts, U, inv, e, half, every)
    for j in range(ts.shape[0]):
        pos = first + stride * j
        vals[pos] = cmath.exp(complex(lr[j], li[j])) * complex(
            2.0 * U, 2.0 * U * ts[j])
        ss[pos] = complex(dr[j], di[j])


_STIRLING = (1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0,
             1.0 / 1188.0, -691.0 / 360360.0)
_EPS = 2.220446049250313e-16


@jit
def stirling_remainder(b):
    """``lgamma(b) - b log b + b`` for ``b >= 20`` without cancellation."""
    r = -0.5 * math.log(b) + 0.5 * math.log(2.0 * math.pi)
    z = 1.0 / b
    z2 = z * z
    for coef in _STIRLING:
        r += coef * z
        z *= z2
    return r


@jit
def _has_bump(U, u, d, e, k2):
    """True when ``Re log(integrand)`` on the parabola of scale ``U`` rises
    again, above ``e^-45`` of the saddle value, after it has fallen.

    With ``tau = t^2`` and ``D_j = s0 - c_j = u + d_j``, the real part is
    ``h(tau) = -U tau - sum_j (e_j / 2) log f_j(tau)``, ``f_j = |s -
    c_j|^2 / D_j^2 = 1 + tau (4U^2 - 2 D_j U) / D_j^2 + U^2 tau^2 / D_j^2``
    (real arithmetic), scanned on a geometric grid from the Gaussian width
    to where no factor shrinks any more (``f_j < 1`` only for ``tau < 2
    (D_j / U - 2)``).  The points of exponent 1/2 enter through one running
    product per grid point (one log instead of one per point), built with
    the grid innermost, where it vectorizes.
    """
    tau_end = 0.0
    dmax = u
    for j in range(d.shape[0]):
        D = u + d[j]
        dmax = max(dmax, D)
        tau_end = max(tau_end, 2.0 * (D / U - 2.0))
    tau0 = 0.25 / (4.0 * U * U * k2)
    if tau0 >= tau_end:
        return False
    # the grid up to the first point at or beyond tau_end (at most 400)
    ntau = 1
    tau = tau0
    while ntau < 400 and tau < tau_end:
        tau *= 1.2
        ntau += 1
    taus = np.empty(ntau)
    h = np.empty(ntau)
    P = np.ones(ntau)
    logP = np.zeros(ntau)
    tau = tau0
    for t in range(ntau):
        taus[t] = tau
        h[t] = -U * tau
        tau *= 1.2
    # f_j lies between 2 U / D_max (its minimum over tau, U <= D_j / 2) and
    # its value at the last grid point, at most 1 + 8 r + 4 r^2 (r = D_max
    # / u, the last point being below 1.2 tau_end)
    r = dmax / u
    every = _rescale_every(max(math.log10(1.0 + 8.0 * r + 4.0 * r * r),
                               math.log10(max(1.0, 0.5 * dmax / U))))
    count = 0
    for j in range(d.shape[0]):
        D = u + d[j]
        A = (4.0 * U * U - 2.0 * D * U) / (D * D)
        B = U * U / (D * D)
        if e[j] == 0.5:
            for t in range(ntau):
                tt = taus[t]
                P[t] *= 1.0 + tt * (A + B * tt)
            count += 1
            if count % every == 0:
                for t in range(ntau):
                    if P[t] > 1e50 or P[t] < 1e-50:
                        logP[t] += math.log(P[t])
                        P[t] = 1.0
        else:
            for t in range(ntau):
                tt = taus[t]
                h[t] -= 0.5 * e[j] * math.log(1.0 + tt * (A + B * tt))
    low = 0.0
    for t in range(ntau):
        ht = h[t] - 0.25 * (logP[t] + math.log(P[t]))
        if ht > -45.0 and ht > low + 1.0:
            return True
        low = min(low, ht)
    return False


@jit
def parabola_scale(u, d, e, k2):
    """Scale ``U >= u`` of the parabola ``s = s0 + U ((1 + i t)^2 - 1)``.

    Along the parabola ``|s - c_j|`` first shrinks (to about ``2 sqrt(U
    D_j)``, ``D_j = s0 - c_j``) unless ``U >= D_j / 2``, while ``e^s``
    decays like ``e^(-U t^2)``.  A branch point with a large exponent far
    left of the saddle (the point at 0 carrying ``b - n/2`` when an
    eigenvalue is near ``b``, or many eigenvalues bunched together) then
    raises a second, fast-oscillating bump of the integrand that the
    trapezoidal rule resolves only with many nodes, or not at all (seen:
    ``log 1F1(3/2; 2048; 2048)`` off by 449 with a converged-looking sum,
    and a 1e-11 error at 1945.6).  ``U`` is doubled until the real part of
    the log-integrand falls monotonically to ``e^-45`` (at most to
    ``max D_j / 2``, where every factor is monotone); points of exponent
    1/2 spread along the axis do not trigger it, so the node count stays
    as before there.
    """
    U = u
    top = u
    for j in range(d.shape[0]):
        top = max(top, 0.5 * (u + d[j]))
    while U < top and _has_bump(U, u, d, e, k2):
        U = min(2.0 * U, top)
    return U


@jit
def bromwich(c, e, nvar, nder, rtol, max_nodes):
    """Evaluate ``log F`` and its derivatives by the Bromwich integral.

    Parameters: branch points ``c`` and exponents ``e >= 0`` (the first
    ``nvar`` are the variables, ``b = sum(e) > 0``), ``nder`` in {0, 1, 2}.

    Returns ``(logF, grad, hess, err, converged)``: ``grad`` and ``hess`` are
    derivatives of ``log F`` with respect to ``c[:nvar]``; ``err`` estimates
    the absolute error of ``logF`` (quadrature + rounding).
    """
    q = c.shape[0]
    cmax = c[0]
    b = 0.0
    for i in range(q):
        b += e[i]
        if c[i] > cmax:
            cmax = c[i]
    d = np.empty(q)
    for i in range(q):
        d[i] = cmax - c[i]
    u = _saddle(d, e)
    # head = log Gamma(b) + phi(s0) (so that log F = head + log(total/pi)),
    # formed without cancellation
    if b >= 20.0:
        # sigma = s0 - b from sum e_i (sigma - c_i) / (b + sigma - c_i) = 0;
        # head = [lgamma(b) - b log b + b] + sigma - sum e_i log1p((sigma -
        # c_i) / b) is stationary in sigma at the saddle, so the rounding of
        # sigma (about eps |c_max|) enters only at second order: no
        # cancellation between log Gamma(b), s0 and the logs even when
        # c_max and b are large and log F is small
        sigma = u + cmax - b
        for _ in range(3):
            G = 0.0
            dG = 0.0
            for i in range(q):
                t = sigma - c[i]
                w = 1.0 / (b + t)
                G += e[i] * t * w
                dG += e[i] * b * w * w
            sigma -= G / dG
        head = stirling_remainder(b) + sigma
        scale = abs(head) + 1.0
        for i in range(q):
            t = e[i] * math.log1p((sigma - c[i]) / b)
            head -= t
            scale += abs(t)
    else:
        head = math.lgamma(b) + u + cmax
        scale = abs(head) + abs(cmax)
        for i in range(q):
            t = e[i] * math.log(u + d[i])
            head -= t
            scale += abs(t)
    k2 = 0.0
    inv = np.empty(q)
    half = np.empty(q, np.bool_)
    for i in range(q):
        w = 1.0 / (u + d[i])
        inv[i] = w
        half[i] = e[i] == 0.5
        k2 += e[i] * w * w
    U = parabola_scale(u, d, e, k2)
    # Gaussian width of the integrand at the saddle, in t
    width = 1.0 / (2.0 * U * math.sqrt(k2))
    # truncation point: where the integrand has decayed below exp(-45)
    tmax = 12.0 * width
    at = np.empty(1)
    for _ in range(200):
        at[0] = tmax
        if _log_integrand_nodes(at, U, inv, e, half, 1)[0][0] < -45.0:
            break
        tmax *= 1.5
    # a factor 1 + (s - s0) / (s0 - c_i) of the running product lies between
    # sqrt(2 U / D_max) (its smallest modulus along the parabola, D = s0 -
    # c_i) and 1 + |s - s0| / u
    dmax = u
    for i in range(q):
        dmax = max(dmax, u + d[i])
    every = _rescale_every(max(
        math.log10(1.0 + U * tmax * (tmax + 2.0) / u),
        0.5 * math.log10(max(1.0, 0.5 * dmax / U))))
    grad = np.zeros(nvar)
    hess = np.zeros((nvar, nvar))
    prevg = np.zeros(nvar)
    converged = False
    nodes = 16
    vals = np.empty(nodes + 1, np.complex128)
    ss = np.empty(nodes + 1, np.complex128)
    h = tmax / nodes
    _integrand_nodes(np.arange(nodes + 1) * h, U, inv, e, half, every, vals,
                     ss, 0, 1)
    prev = np.nan
    total = 0.0
    change = np.inf
    est = np.inf
    last = np.inf
    glast = np.inf
    absum = 0.0
    # trapezoidal sums without the factor h, kept across refinements: a
    # refinement adds only its new (interior) nodes
    traw = 0.0
    araw = 0.0
    graw = np.zeros(nvar)
    fresh = 0  # the first node not summed yet, and the stride between them
    fstep = 1
    while True:
        h = tmax / nodes
        for j in range(fresh, nodes + 1, fstep):
            wt = 0.5 if j == 0 or j == nodes else 1.0
            traw += wt * vals[j].real
            araw += wt * abs(vals[j])
            if nder >= 1:
                # Re(vals / (s + u + d_k)) in real arithmetic, the variables
                # innermost; Smith's division, so that a distance d_k beyond
                # 1e154 does not square to inf (the gradient 1/(2 d_k) of
                # log F at x = -1e300 is 5e-301, not 0)
                vr = wt * vals[j].real
                vi = wt * vals[j].imag
                ar = ss[j].real + u
                bi = ss[j].imag
                for k in range(nvar):
                    a = ar + d[k]
                    if abs(a) >= abs(bi):
                        t = bi / a
                        graw[k] += (vr + vi * t) / (a + bi * t)
                    else:
                        t = a / bi
                        graw[k] += (vr * t + vi) / (a * t + bi)
        total = traw * h
        absum = araw * h
        if nder >= 1:
            for k in range(nvar):
                grad[k] = e[k] * graw[k] / traw
        noise = 16.0 * _EPS * absum / abs(total)
        change = abs(total - prev) / abs(total)
        gchange = 0.0
        if nder >= 1:
            for k in range(nvar):
                den = max(abs(grad[k]), 1e-300)
                gchange = max(gchange, abs(grad[k] - prevg[k]) / den)
        # |T_N - T_{N/2}| is about the error of T_{N/2}, an upper bound for
        # the error of T_N (geometric convergence).  The square of it is not
        # (seen: 6e-11 at 16 nodes, 1.3e-13 at 32).  Once two successive
        # changes show the geometric rate (ratio r <= 1e-2), the error of T_N
        # is about change * r (errors e_N ~ rho^N: e_N / e_{N/2} =
        # e_{N/2} / e_{N/4}), which saves the last doubling.
        est = change
        gest = gchange
        if change < 1e-2 * last:
            est = change * (change / last)
        if gchange < 1e-2 * glast:
            gest = gchange * (gchange / glast)
        # the gradient to 100 rtol (the library promises 1e-10 relative)
        if nodes >= 32 and est <= max(rtol, noise) and \
                gest <= max(100.0 * rtol, noise):
            converged = True
            break
        if 2 * nodes > max_nodes:
            break
        last = change
        glast = gchange
        prev = total
        for k in range(nvar):
            prevg[k] = grad[k]
        # refine: keep the old nodes at even positions
        nvals = np.empty(2 * nodes + 1, np.complex128)
        nss = np.empty(2 * nodes + 1, np.complex128)
        h2 = tmax / (2 * nodes)
        for j in range(nodes + 1):
            nvals[2 * j] = vals[j]
            nss[2 * j] = ss[j]
        _integrand_nodes((2.0 * np.arange(nodes) + 1.0) * h2, U, inv, e,
                         half, every, nvals, nss, 1, 2)
        vals = nvals
        ss = nss
        nodes *= 2
        fresh = 1
        fstep = 2
    if nder >= 2:
        # r_k = 1 / (s - c_k) at every node, once; centred moments of them
        # under the weight (trapezoidal weights folded into vals)
        r = np.empty((nvar, nodes + 1), np.complex128)
        wv = np.empty(nodes + 1, np.complex128)
        for j in range(nodes + 1):
            wv[j] = 0.5 * vals[j] if j == 0 or j == nodes else vals[j]
        m = np.empty(nvar)
        for k in range(nvar):
            m[k] = grad[k] / e[k]
            for j in range(nodes + 1):
                r[k, j] = 1.0 / (ss[j] + (u + d[k])) - m[k]
        for k in range(nvar):
            for l in range(k, nvar):
                acc = 0.0
                for j in range(nodes + 1):
                    acc += (wv[j] * r[k, j] * r[l, j]).real
                if k == l:
                    # the second derivative of (s - c_k)^(-e_k) adds
                    # e_k (s - c_k)^-2 / e_k^2 = (r_k + m_k)^2 / e_k
                    for j in range(nodes + 1):
                        rk = r[k, j] + m[k]
                        acc += (wv[j] * rk * rk).real / e[k]
                v = e[k] * e[l] * acc * h / total
                hess[k, l] = v
                hess[l, k] = v
    if total > 0.0:
        logF = head + math.log(total / math.pi)
    else:
        logF = np.nan
    err = est + noise + 8.0 * _EPS * (scale + abs(logF))
    return logF, grad, hess, err, converged
