"""The one-line text progress bar of the studies (``bingham demo``,
``bingham study lm``) on stderr."""
import sys
import time


class Progress:
    """``label [####----] done/total elapsed, ~eta left note`` on one line
    of stderr, redrawn at most every ``every`` seconds and at the end."""

    def __init__(self, total, label, every=0.5):
        self.total, self.label, self.every = total, label, every
        self.done = 0
        self.t0 = time.time()
        self.drawn = -float("inf")

    def step(self, note=""):
        self.done += 1
        now = time.time()
        if now - self.drawn < self.every and self.done != self.total:
            return
        self.drawn = now
        frac = self.done / self.total
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        eta = (now - self.t0) * (1.0 - frac) / max(frac, 1e-9)
        sys.stderr.write(f"\r{self.label} [{bar}] {self.done}/{self.total} "
                         f"{now - self.t0:5.0f}s, ~{eta:.0f}s left "
                         f"{note:<40}")
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()
