"""Timing helpers shared by the benchmark modules."""
import time


def best_time(fn, repeat=5, min_time=0.05):
    """Best over ``repeat`` rounds of the mean time per call (calls looped
    until a round lasts ``min_time``)."""
    fn()  # compile / warm caches
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time or n >= 1 << 20:
            break
        n *= 4
    best = dt / n
    for _ in range(repeat - 1):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def fmt(t):
    if t < 1e-3:
        return f"{t * 1e6:.1f} us"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"
