"""One input's result written into a batch's output arrays ``(logF, grad,
hess, err, status, used)``: the layout every tier of ``method="auto"``
fills (:mod:`.policy`).  The Python tiers write through :func:`store`; the
compiled ones (:mod:`.direct`, :mod:`.rank_two`) write their rows
themselves."""


def store(out, r, result, nder):
    """Row ``r`` of ``out = (logF, grad, hess, err, status, used)`` from one
    input's ``result = (logF, grad, hess, err, status, used)``, its
    derivatives as far as ``nder`` asks."""
    logF, grad, hess, err, status, used = out
    v, g, h, e, st, u = result
    logF[r] = v
    err[r] = e
    status[r] = st
    used[r] = u
    if nder >= 1:
        grad[r] = g
    if nder >= 2:
        hess[r] = h
