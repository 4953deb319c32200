"""Exact (rejection) samplers for the matrix Bingham distribution.

Target, with respect to the Haar measure on the Stiefel manifold V_k(R^p):
``etr(X^T A X)``, where ``A = V diag(l) V^T`` (``V`` is ``p x r``; the other
``p - r`` eigenvalues are 0).  The planner takes the envelope of smallest
mass among:

1. **MACG** (matrix angular central Gaussian; Kent, Ganeiber & Mardia, JCGS
   27 (2018)): ``Y ~ N(0, Omega^-1)`` row-wise, ``X = Y (Y^T Y)^-1/2`` with
   ``Omega = I + 2 (l_max I - A) / b`` and the optimal ``b`` solving
   ``sum_i 1 / (b + 2 mu_i) = 1`` (``mu`` the eigenvalues of ``l_max I - A``).
   Valid for every ``A``; for k = 1 this is the KGM vector sampler.  Its
   bound is a product of k one-dimensional bounds, so its acceptance decays
   geometrically in k at high concentration.

2. **Principal-angle Gaussian** (used when the top-k eigenvalues of ``A`` are
   separated from the rest): write ``X = [U (I - Z^T Z)^1/2 + U_perp Z] Q``
   with ``U`` the top-k eigenvectors, ``Q`` Haar on O(k) and
   ``Z = U_perp^T X Q^T``.  In these coordinates the target is exactly
   Gaussian in ``Z`` (entry (i, j) has variance ``1 / (2 (l_j - c_i))``, ``c``
   the other eigenvalues) times ``det(I - Z^T Z)^-1/2``, the Haar Jacobian.
   The Gaussian is a perfect envelope except where a direction of ``X`` is
   nearly orthogonal to ``span U`` (``det(I - Z^T Z) < delta``); that region
   is covered by the MACG envelope, whose ratio to the target is bounded
   there by a small dynamic program, or by Haar frames with the bound
   ``exp(tr L - (l_k - c_max)(1 - delta))``, whichever bound is smaller
   (the Haar one, at large gaps).  The proposal is the two-component
   mixture, and a draw is accepted with probability
   ``target / (M1 q1 + M2 q2)``, both densities evaluated in closed form.
   At high concentration the acceptance tends to ``sqrt(delta)`` (about
   0.3-0.5), independent of k.

3. **Wishart in principal-angle space** (isotropic concentration of rank
   ``r >= k + 1``): see :meth:`Plan._plan_wishart` and docs/sampling.md.

4. **Split** (a gap below the top ``j < k`` eigenvalues, e.g. a
   concentration of rank below k): a Wishart for the angles to the top-j
   eigenspace times the matrix Bingham of the complement with ``k - j``
   columns, sampled by its own plan (recursively); see
   :meth:`Plan._plan_split` and docs/sampling.md.  Both Wishart envelopes
   fold the beta factor ``det(I - T)^alpha`` in through its tangent
   (:func:`._sampling_bounds.tangent`).

5. **Complement** (``k >= p - k``): the orthogonal complement of the frame
   is matrix Bingham with ``-A`` and ``p - k`` columns; sample it with its
   own plan and return a Haar frame of its complement
   (:meth:`Plan._plan_dual`).

6. **Block** (a gap below the top ``b > k`` eigenvalues, any spread above
   and any number of directions below it): Gaussian outside the block given
   the frame inside, whose marginal is bounded by a matrix Bingham in ``b``
   dimensions through Jensen's trace inequality; see
   :mod:`bingham._sampling_block` and docs/sampling.md.

7. **Angles** (the top ``k`` eigenvalues above one level that holds every
   other direction, e.g. a concentration of rank ``k``, with
   ``p >= 2k + 1``): the ``k x k`` matrix ``U^T X X^T U`` sampled from a
   mixture of two Wisharts whose bounds handle the Haar Jacobian's
   singularity exactly; see :mod:`bingham._sampling_angles`.

All quantities are in logs; the target's normalizing constant never enters
the sampler (only the reported *theoretical* acceptance uses it).
Proposals for a low-rank ``A`` in dimension p cost O(p r k).
"""
import numpy as np

from . import _sampling_angles, _sampling_block
from ._sampling_bounds import (maxplus as _maxplus,
                               multigammaln as _multigammaln,
                               optimal_b as _optimal_b, tangent as _tangent)
from ._sampling_proposals import (bartlett, draw_gauss, draw_macg,
                                  draw_wishart, haar_frame, log_densities,
                                  orthonormal_signed, project_out, sample_kgm,
                                  wishart_log_ratio)

__all__ = ["Plan", "plan", "sample"]


# Planning work, in units of about a microsecond on the project's machine:
# what one plan (its sub-plans included) may spend before it stops trying
# further envelopes and keeps the best one found.  Counted, not timed, so
# that a plan (and the draws from a seed) do not depend on the machine's
# load.  Measured over the 600 inputs of benchmarks/bench_sampler_map.py:
# see docs/sampling.md, "Cost".
PLAN_WORK = 800_000
_UNITS_PLAN = 1_000          # building one (sub-)plan, its b root included
_UNITS_DP = 1 / 500          # per entry of a product of the program


class _Work:
    """The work budget one plan's recursion shares."""

    def __init__(self, units):
        self.left = units

    def spend(self, units):
        self.left -= units

    @property
    def exhausted(self):
        return self.left <= 0


class Plan:
    """Precomputed envelope constants for one matrix Bingham."""

    def __init__(self, lam, V, p, k, method="auto", exclude=None,
                 _memo=None, _dual=True, _block=True, _work=None):
        lam = np.asarray(lam, float)
        # shared along the recursion (see ``truncated``)
        self.work = _Work(PLAN_WORK) if _work is None else _work
        self.work.spend(_UNITS_PLAN)
        order = np.argsort(-lam, kind="stable")
        self.lam = lam[order]
        self.V = V[:, order]
        self.p, self.k = p, k
        # frames live in the complement of ``exclude`` (p x e, orthonormal,
        # orthogonal to V): the sub-problems of the split envelope
        if exclude is None:
            exclude = np.zeros((p, 0))
        self.exclude = exclude
        self.n = n = p - exclude.shape[1]   # dimension frames live in
        self.Vx = np.hstack([self.V, exclude])
        r = self.lam.size
        self.r = r
        self.m = n - r                  # multiplicity of the eigenvalue 0
        # eigenvalue groups (value, multiplicity) over all p directions
        vals = list(self.lam) + ([0.0] if self.m > 0 else [])
        mult = [1.0] * r + ([float(self.m)] if self.m > 0 else [])
        vals = np.array(vals)
        mult = np.array(mult)
        self.l1 = float(np.max(vals))
        mu = self.l1 - vals
        mu[mu < 0] = 0.0
        self.b = _optimal_b(mu, mult, n)
        self.mu_top = mu[:r]
        self.mu_zero = self.l1 if self.m > 0 else None
        self.half_logdet_omega_k = 0.5 * k * float(
            np.sum(mult * np.log1p(2.0 * mu / self.b)))
        self.t_star = max(0.0, 0.5 * (n - self.b))
        self.log_f_star = self._log_f(self.t_star)
        # MACG-only bound on etr(X^T A X) / q2(X)
        self.log_M2_full = (k * self.l1 - self.half_logdet_omega_k
                            + k * self.log_f_star)
        self.method = "macg"
        self.log_M1 = -np.inf
        self.log_M2 = self.log_M2_full
        self.delta = None
        self.bad = None                 # the mixture's bad-region proposal
        if method == "auto":
            self._plan_mixture()
            self._plan_wishart()
            self._plan_split(({}, 0) if _memo is None else _memo)
            _sampling_angles.plan_angles(self, _multigammaln)
            if _block:
                _sampling_block.plan_block(self, _multigammaln, _sub_plan)
            if _dual and not self.work.exhausted:
                self._plan_dual(_block)
        elif method != "macg":
            raise ValueError(f"method must be 'auto' or 'macg', got {method!r}")

    # -- MACG pieces ------------------------------------------------------
    def _log_f(self, t):
        return -t + 0.5 * self.n * np.log1p(2.0 * np.asarray(t) / self.b)

    # -- principal-angle Gaussian -----------------------------------------
    def _plan_mixture(self):
        k, r, p = self.k, self.r, self.n
        if r < k:
            return
        top = self.lam[:k]
        rest = list(self.lam[k:]) + ([0.0] if self.m > 0 else [])
        rest_mult = [1.0] * (r - k) + ([float(self.m)] if self.m > 0 else [])
        if not rest:                    # k == p: a single point, nothing to do
            return
        c_max = max(rest)
        if top[-1] - c_max <= 1e-12 * max(1.0, abs(top[-1])):
            return                      # no gap: the Gaussian is improper
        rest = np.array(rest)
        rest_mult = np.array(rest_mult)
        self.top = top
        # log C1: q1 / Haar = C1 exp(-sum (l_j - c_i) Z_ij^2) |det W|
        log_c1 = (0.5 * float(np.sum(rest_mult[:, None]
                                     * np.log(top[None, :] - rest[:, None])))
                  + _multigammaln(0.5 * k, k) - _multigammaln(0.5 * p, k))
        self.log_c1 = log_c1
        base1 = float(np.sum(top)) - log_c1
        gap = self.l1 - c_max
        base2 = k * self.l1 - self.half_logdet_omega_k
        # Haar on the bad region: tr(X^T A X) = tr L - sum (l_j - c_i)
        # Z_ij^2 <= tr L - g sum(zeta), and sum(zeta) >= 1 - delta there
        # (1 - e^-y is concave: one coordinate reaches the bound)
        g_k = float(top[-1] - c_max)
        best = (self.log_M2_full, None, None, None, None)
        # -log(delta) on a grid reaching past the gap (a smaller delta
        # shrinks the bad region; at large p the MACG bound there has a
        # floor that no delta removes, docs/sampling.md section 7): every
        # fourth point, then the neighbours of the best one
        grid = np.geomspace(0.1, max(32.3, 4.0 * gap), 64)
        stop = [grid.size]

        def consider(i, best):
            if not 0 <= i < stop[0]:
                return best
            y0 = grid[i]
            log_m1 = base1 + 0.5 * y0
            if log_m1 >= best[0] or self.work.exhausted:
                stop[0] = i             # log_m1 grows with y0: no better
                return best
            log_haar = float(np.sum(top)) + g_k * np.expm1(-y0)
            # the program is not needed where its bound cannot win, over
            # the Haar bound or over the best total so far
            enough = min(log_haar, best[0] + np.log(-np.expm1(log_m1
                                                              - best[0])))
            log_macg = base2 + self._bad_region_bound(y0, gap, enough - base2)
            log_m2 = min(log_macg, log_haar)
            total = np.logaddexp(log_m1, log_m2)
            if total < best[0]:
                return (total, i, log_m1, log_m2,
                        "haar" if log_haar < log_macg else "macg")
            return best
        for i in range(0, grid.size, 4):
            best = consider(i, best)
        if best[1] is not None:
            centre = best[1]
            for i in (-3, -2, -1, 1, 2, 3):
                best = consider(centre + i, best)
            best = (best[0], float(np.exp(-grid[best[1]]))) + best[2:]
        if best[1] is not None:
            self.method = "mixture"
            self.delta = best[1]
            self.log_M1, self.log_M2, self.bad = best[2], best[3], best[4]

    def _bad_region_bound(self, y0, gap, enough=np.inf, n=160):
        """Upper bound of ``sum_j log f(t_j)`` over frames with
        ``det(I - Z^T Z) < delta``, where ``t_j >= gap * zeta_j`` and
        ``zeta = eig(Z^T Z)``.  With ``y_j = -log(1 - zeta_j)`` the region is
        ``sum y_j > Y0 = -log(delta)``; ``psi(y) = max_{t >= gap (1 -
        e^-y)} log f(t)`` is non-increasing, so rounding each ``y_j`` down to
        a grid of step ``h`` only raises the objective and keeps
        ``sum >= Y0 - k h``: a dynamic program over the grid bounds the
        supremum from above.  The program is skipped (``inf`` returned)
        when a lower bound of its result, every coordinate at the same
        index, is already at least ``enough``."""
        k = self.k
        h = y0 / n
        grid = h * np.arange(n + 1)
        s = gap * (-np.expm1(-grid))
        psi = self._log_f(np.maximum(s, self.t_star))
        budget = n - k          # sum of grid indices must reach this
        if budget <= 0:
            return k * self.log_f_star
        if k * psi[-(-budget // k)] >= enough:
            return np.inf
        # f_j[b]: max sum of psi over j coordinates with index sum >= b
        # (non-increasing in b).  Splitting the coordinates in two,
        # f_(i+j)[b] = max_c f_i[c] + f_j[max(b - c, 0)]: the product is
        # associative, so f_k takes O(log k) products (binary powers)
        power = np.maximum.accumulate(psi[:budget + 1][::-1])[::-1]  # f_1
        out = None
        self.work.spend(_UNITS_DP * (budget + 1) ** 2
                        * (k.bit_length() + bin(k).count("1") - 2))
        while True:
            if k & 1:
                if k == 1:
                    return (float(power[budget]) if out is None
                            else _maxplus(out, power, last=True))
                out = power if out is None else _maxplus(out, power)
            k >>= 1
            power = _maxplus(power, power)

    # -- isotropic concentration of rank > k: a Wishart in T-space ---------
    def _plan_wishart(self):
        """``A`` with two eigenvalue levels, the top one of multiplicity
        ``r >= k + 1`` with ``p - r >= k``.  With ``T = Z^T Z`` (``Z`` the
        part of ``X`` outside the top eigenspace), the target is
        ``etr(-lam T) det(T)^nu det(I - T)^alpha`` on ``0 <= T <= I``
        (``lam`` the gap, ``nu = (p-r-k-1)/2``, ``alpha = (r-k-1)/2 >= 0``):
        a Wishart ``W_k(p - r, I / (2 lam))`` times ``det(I - T)^alpha``,
        bounded by its tangent (:func:`._sampling_bounds.tangent`), which raises the
        Wishart's rate.  Given ``T`` the frame is Haar on both sides."""
        k, p = self.k, self.n
        levels = sorted(set(self.lam.tolist()) | ({0.0} if self.m else set()))
        if len(levels) != 2:
            return
        bottom, top = levels
        r = int(np.count_nonzero(self.lam == top))
        if r < k + 1 or p - r < k or top not in self.lam:
            return
        gap = top - bottom
        n = p - r
        alpha = 0.5 * (r - k - 1)
        u, rate, log_c = _tangent(np.full(k, gap), alpha, n)
        log_mass = (k * top + _multigammaln(0.5 * p, k) + log_c
                    - 0.5 * n * float(np.sum(np.log(rate)))
                    - _multigammaln(0.5 * r, k))
        if log_mass < self.log_envelope_mass:
            self.method = "wishart"
            self.log_MW = float(log_mass)
            self.w_rate, self.w_u, self.w_r = float(rate[0]), float(u[0]), r
            self.w_alpha = alpha

    # -- fewer than k directions above a gap: split them off -------------
    def _plan_split(self, memo):
        """Split envelope at a gap below the top ``j < k`` eigenvalues.

        With ``U`` the top-j eigenvectors (eigenvalues ``L``), the largest
        other eigenvalue ``c``, and ``T = I - U^T X X^T U`` (j x j), a frame
        is ``X = [U E s^(1/2) + Y2 t^(1/2), Y] Q``: ``T = E diag(t) E^T``,
        ``s = 1 - t``, ``Y`` (k - j columns) and ``Y2`` (j columns) frames
        in the complement of ``U``, ``Q`` in O(k).  Under Haar, ``T`` is
        matrix-Beta ``det(T)^nu det(I - T)^alpha`` (``nu = (n-k-j-1)/2``,
        ``alpha = (k-j-1)/2 >= 0``, ``n`` the dimension), ``Y`` and ``Y2``
        are Haar (``Y2`` given ``Y``), ``Q`` is Haar.  The target is
        ``etr(L (I - T)) exp(tr Y^T A Y) exp(sum_i t_i y2_i^T A y2_i)``, so
        proposing ``T ~ W_j(n - k, (2 (L - c))^-1)``, ``Y`` from the matrix
        Bingham of the complement (a sub-plan, any envelope) and ``Y2``
        Haar, the ratio target / envelope is
        ``det(I - T)^alpha exp(sum_i t_i (y2_i^T A y2_i - c)) <= 1``; the
        first factor is bounded by its tangent (:func:`._sampling_bounds.tangent`), which
        raises the Wishart's rates above ``L - c``.
        Exact at any concentration; near 1 when the complement is flat
        (the implicit zeros of a concentration of rank below k)."""
        k, n, r = self.k, self.n, self.r
        # sub-plans shared along one recursion, by the offset of their
        # first eigenvalue in the root's spectrum
        memo, offset = memo
        if k < 2:
            return
        for j in range(1, min(k, r + 1)):
            if n - k < j:
                break
            below = [self.lam[j]] if j < r else []
            if self.m > 0:
                below.append(0.0)
            if not below:
                break
            c = max(below)
            L = self.lam[:j]
            gap = L - c
            if gap[-1] <= 1e-12 * max(1.0, abs(L[-1])):
                continue                    # no gap at j: improper Wishart
            u, rate, log_c = _tangent(gap, 0.5 * (k - j - 1), n - k)
            head = (float(np.sum(L)) + _multigammaln(0.5 * n, j)
                    - _multigammaln(0.5 * k, j) + log_c
                    - 0.5 * (n - k) * float(np.sum(np.log(rate))))
            key = offset + j
            if key not in memo:
                # the sub-plan's mass is at least its normalizer, at least
                # (Jensen) the Haar mean of its trace: skip it where that
                # cannot win
                jensen = (k - j) / (n - j) * float(np.sum(self.lam[j:]))
                if head + jensen >= self.log_envelope_mass:
                    continue
                if self.work.exhausted:
                    break
                memo[key] = Plan(self.lam[j:], self.V[:, j:], self.p, k - j,
                                 exclude=np.hstack([self.exclude,
                                                    self.V[:, :j]]),
                                 _memo=(memo, key), _block=False,
                                 _work=self.work)
            sub = memo[key]
            log_mass = head + sub.log_envelope_mass
            if log_mass < self.log_envelope_mass:
                self.method = "split"
                self.log_MS = log_mass
                self.s_j, self.s_rate, self.s_u = j, rate, u
                self.s_c, self.sub = c, sub

    # -- more columns than directions left: sample the complement ---------
    def _plan_dual(self, block):
        """The complement of the frame, with ``-A``.

        The target depends on ``X`` only through ``X X^T = I - W W^T``
        (``W`` an orthonormal basis of the complement of ``span X`` within
        the ``n`` dimensions frames live in), and
        ``tr(X^T A X) = tr A - tr(W^T A W)``: ``W`` is matrix Bingham with
        ``-A`` and ``n - k`` columns, and given ``W`` the frame ``X`` is a
        Haar frame of its complement.  Exact; the envelope mass in the
        target's units is the complement's times ``e^(tr A)`` (Kummer's
        relation).  Considered when ``n - k <= k``."""
        k, n = self.k, self.n
        if not 0 < n - k <= k:
            return
        dual = Plan(-self.lam, self.V, self.p, n - k, exclude=self.exclude,
                    _dual=False, _block=block, _work=self.work)
        log_mass = dual.log_envelope_mass + float(np.sum(self.lam))
        if log_mass < self.log_envelope_mass:
            self.method = "dual"
            self.log_MD = log_mass
            self.dual = dual

    @property
    def truncated(self):
        """Whether the work budget ended the search for envelopes (the
        plan is exact all the same; its envelope may be heavier than the
        lightest one)."""
        return self.work.exhausted

    @property
    def log_envelope_mass(self):
        """log of the envelope's total mass (unnormalized target units)."""
        if self.method == "dual":
            return self.log_MD
        if self.method == "split":
            return self.log_MS
        if self.method == "block":
            return self.log_MB
        if self.method == "wishart":
            return self.log_MW
        if self.method == "angles":
            return self.log_MA
        if self.method == "mixture":
            return float(np.logaddexp(self.log_M1, self.log_M2))
        return self.log_M2_full


def _sub_plan(lam, V, p, k, work):
    """The block envelope's sub-plan (no block envelope inside it), on the
    parent's work budget."""
    return Plan(lam, V, p, k, _block=False, _work=work)


def plan(lam, V, p, k, method="auto", dual=True, block=True):
    """The sampling plan of ``etr(X^T A X)`` on V_k(R^p), ``A = V diag(lam)
    V^T``: ``method="auto"`` takes the envelope of smallest mass (the
    complement's only with ``dual``, the block envelope only with
    ``block``), ``"macg"`` the MACG envelope alone."""
    return Plan(lam, V, p, k, method, _dual=dual, _block=block)


def _draw_split(pl, n, rng):
    """Proposals of the split envelope (see :meth:`Plan._plan_split`):
    frames, their log acceptance ratios (``-inf`` where ``T`` is not below
    I) and the sub-sampler's info (its own proposals and acceptance)."""
    j, k, p = pl.s_j, pl.k, pl.p
    U = pl.V[:, :j]
    scale = 1.0 / np.sqrt(2.0 * pl.s_rate)
    T = scale[:, None] * bartlett(rng, n, pl.n - k, j) * scale[None, :]
    t, E = np.linalg.eigh(T)
    ok = t[:, -1] < 1.0
    t = np.clip(t, 0.0, 1.0)
    u = pl.s_u
    # the tangent of log det(I - T) at I - diag(u)
    tangent = np.sum(np.log(u)) - np.sum(
        (np.diagonal(T, axis1=-2, axis2=-1) - (1.0 - u)) / u, -1)
    Y, sub_info = sample(pl.sub, n, rng)              # (n, p, k - j)
    G = project_out(np.hstack([pl.exclude, U]),
                     rng.standard_normal((n, p, j)))
    G = G - Y @ (np.swapaxes(Y, -1, -2) @ G)
    Y2 = orthonormal_signed(G)
    P2 = pl.V.T @ Y2                                  # (n, r, j)
    quad = np.einsum("l,nlj->nj", pl.lam, P2 ** 2)   # y2_i^T A y2_i
    # y2^T A y2 <= c exactly (y2 is orthogonal to U); rounding may not
    log_ratio = np.sum(t * np.minimum(quad - pl.s_c, 0.0), -1)
    if k - j - 1 > 0:
        with np.errstate(divide="ignore"):
            log_ratio += 0.5 * (k - j - 1) * (np.sum(np.log1p(-t), -1)
                                              - tangent)
    log_ratio = np.where(ok, log_ratio, -np.inf)
    head = (U @ E) * np.sqrt(1.0 - t)[:, None, :] \
        + Y2 * np.sqrt(t)[:, None, :]
    X = np.concatenate([head, Y], axis=-1)
    # end-to-end check from the frames: U^T X X^T U = I - T
    UX = U.T @ X
    dev = np.abs(UX @ np.swapaxes(UX, -1, -2) - (np.eye(j) - T))
    if np.any(ok & (np.max(dev, axis=(-1, -2)) > 1e-8)):
        raise RuntimeError("matrix Bingham sampler: inconsistent split "
                           "proposal; please report this")
    return X @ haar_frame(rng, n, k, k), log_ratio, sub_info


def _sample_dual(pl, n, rng):
    """Frames as Haar bases of the complement of draws of the dual plan
    (see :meth:`Plan._plan_dual`)."""
    W, info = sample(pl.dual, n, rng)                 # (n, p, n_dim - k)
    # the last k columns of a complete QR of [exclude, W] span the
    # complement (orthogonal to both to rounding, whatever the draw); a
    # Haar rotation makes the frame Haar in it.  p < 2 k + dim(exclude)
    E = np.broadcast_to(pl.exclude, (n,) + pl.exclude.shape)
    Q = np.linalg.qr(np.concatenate([E, W], axis=-1), mode="complete")[0]
    X = Q[..., pl.p - pl.k:] @ haar_frame(rng, n, pl.k, pl.k)
    info = dict(info, method="dual", dual=info["method"])
    return X, info


def sample(pl, size, rng, max_proposals=None):
    """Draw ``size`` frames; returns ``(X, info)``.

    ``info`` holds the number of proposals, the acceptance rate, the method
    and the largest ratio target / envelope seen (<= 1 by construction;
    checked).
    """
    n_want = int(size)
    p, k = pl.p, pl.k
    if pl.method == "dual":
        return _sample_dual(pl, n_want, rng)
    if k == 1 and pl.method == "macg" and n_want > 0:
        return sample_kgm(pl, n_want, rng)
    out = np.empty((n_want, p, k))
    got = 0
    proposals = 0
    accepted = 0
    worst = -np.inf
    log_mass = pl.log_envelope_mass
    if pl.method == "mixture":
        w1 = float(np.exp(pl.log_M1 - log_mass))
    est = 0.3
    sub_drawn = sub_cost = 0.0       # split: the sub-sampler's draws, cost
    if max_proposals is None:
        max_proposals = max(10_000, 2000 * n_want)
    while got < n_want:
        cap = max(16, 4_000_000 // (p * k))       # ~32 MB per array
        batch = int(min(max(16, 1.2 * (n_want - got) / est), cap))
        if pl.method == "mixture":
            n1 = rng.binomial(batch, w1)
            X1, valid = draw_gauss(pl, n1, rng)
            X2 = (draw_macg(pl, batch - n1, rng) if pl.bad == "macg" else
                  orthonormal_signed(project_out(
                      pl.exclude, rng.standard_normal((batch - n1, p, k)))))
            # shuffled, so that truncating to the draws still wanted does
            # not favour either component
            perm = rng.permutation(batch)
            X = np.concatenate([X1, X2])[perm]
            valid = np.concatenate([valid, np.ones(batch - n1, bool)])[perm]
            log_t, log_q1, log_q2 = log_densities(pl, X)
            log_env = np.logaddexp(pl.log_M1 + log_q1, pl.log_M2 + log_q2)
        elif pl.method == "split":
            X, log_ratio, sub_info = _draw_split(pl, batch, rng)
            sub_drawn += batch
            sub_cost += batch / sub_info["acceptance"]
        elif pl.method == "block":
            X, log_ratio, sub_info = _sampling_block.draw_block(
                pl, batch, rng, sample)
            sub_drawn += batch
            sub_cost += batch / sub_info["acceptance"]
        elif pl.method == "angles":
            X, log_ratio = _sampling_angles.draw_angles(pl, batch, rng)
        elif pl.method == "wishart":
            X, log_ratio = draw_wishart(pl, batch, rng)
            # end-to-end check from the frames themselves: target over
            # envelope equals det(I - T)^alpha with T recomputed from X
            S = np.swapaxes(pl.V[:, :pl.w_r].T @ X, -1, -2) \
                @ (pl.V[:, :pl.w_r].T @ X)
            sign, logdet = np.linalg.slogdet(S)
            expect = wishart_log_ratio(
                pl, logdet, pl.k - np.trace(S, axis1=-2, axis2=-1))
            check = np.where(np.isfinite(log_ratio),
                             np.abs(expect - log_ratio), 0.0)
            if np.any(check > 1e-6 * (1.0 + np.abs(log_ratio))):
                raise RuntimeError("matrix Bingham sampler: inconsistent "
                                   "Wishart proposal; please report this")
        else:
            X = draw_macg(pl, batch, rng)
            valid = np.ones(batch, bool)
            log_t, _, log_q2 = log_densities(pl, X)
            log_env = pl.log_M2_full + log_q2
        if pl.method not in ("wishart", "split", "block", "angles"):
            log_ratio = np.where(valid, log_t - log_env, -np.inf)
        worst = max(worst, float(np.max(log_ratio)) if batch else -np.inf)
        if worst > 1e-8 * max(1.0, abs(log_mass)):
            raise RuntimeError(
                f"matrix Bingham sampler: envelope bound violated (log ratio "
                f"{worst:.3e}); please report this with the parameters")
        accept = np.log(rng.random(batch)) < log_ratio
        accepted += int(np.count_nonzero(accept))
        idx = np.flatnonzero(accept)[: n_want - got]
        out[got: got + idx.size] = X[idx]
        got += idx.size
        proposals += batch
        est = max(1e-4, (accepted + 1) / (proposals + 1))
        if proposals > max_proposals and got < n_want:
            raise RuntimeError(
                f"matrix Bingham sampler: only {got} of {n_want} draws after "
                f"{proposals} proposals (acceptance {got / proposals:.2e})")
    rate = accepted / proposals if proposals else 1.0
    if sub_drawn:
        # nested rejection: the rate that matches F / envelope mass is the
        # product of this level's and the sub-sampler's
        rate *= sub_drawn / sub_cost
    info = {"method": pl.method, "proposals": proposals,
            "acceptance": rate, "max_log_ratio": worst, "b": pl.b,
            "delta": pl.delta}
    if pl.method == "split":
        info["split"] = pl.s_j
    return out, info
