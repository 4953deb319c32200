"""bingham: Matrix Bingham distributions on Grassmann and Stiefel manifolds.

The core package (numpy + numba; never imports torch).  Importing it compiles
nothing: kernels are compiled on first use and cached on disk.
"""
from . import bounds, grassmann, routing, special, stats
from .stats import matrix_bingham
from .special import (
    AccuracyWarning,
    log_hyp1f1,
    log_normalizer,
    log_normalizer_eigvals,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "special",
    "stats",
    "bounds",
    "routing",
    "grassmann",
    "matrix_bingham",
    "AccuracyWarning",
    "log_hyp1f1",
    "log_normalizer",
    "log_normalizer_eigvals",
    "__version__",
]
