import os

from hypothesis import HealthCheck, settings

# First calls compile numba kernels: no deadlines.  CI runs more examples.
settings.register_profile(
    "dev", max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The normalizer's work budget (bingham._kernels.budget: 1 s per input by
# default; past it the best answer comes with its estimate and a warning).
# Tests compare methods against references to 1e-12, and some references
# and inputs need a few seconds on a loaded machine: the suite runs with a
# generous budget, and tests/test_special_budget.py checks the default.
from bingham._kernels import budget as _budget  # noqa: E402

_budget.SECONDS = float(os.environ.get("BINGHAM_TEST_BUDGET", "120"))
