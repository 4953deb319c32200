"""The integer codes the normalizer's kernels and :mod:`bingham.special`
exchange: the method asked for, the status of a result and the method that
produced it.  Plain Python constants (numba reads module globals as
compile-time constants)."""

# method asked for
AUTO = 0
SERIES = 1
CONTOUR = 2
LAPLACE = 3
HOLONOMIC = 4
CUT = 5

# status of one result
OK = 0
NOT_CONVERGED = 1
NOT_APPLICABLE = 2
TOO_COSTLY = 3
NEGATIVE = 8  # flag or-ed into the status: F < 0, the value is log |F|

# the method that produced a result ("the method used")
USED_NONE = 0
USED_SERIES = 1
USED_CONTOUR = 2
USED_CLOSED_FORM = 3
USED_LAPLACE = 4
USED_HOLONOMIC = 5
USED_ISOTROPIC = 6  # run from Python (bingham._isotropic)
USED_CUT = 7
USED_KUMMER = 8  # Kummer's series of one eigenvalue (bingham._kernels.kummer)
USED_RANK_TWO = 9  # two nonzero eigenvalues (bingham._kernels.rank_two)
# the series where predicted cheap (bingham._kernels.cheap_series)
USED_CHEAP_SERIES = 10
# the short series of the Bromwich integrand, a = 1/2 or b - a = 1/2, small
# spread (bingham._kernels.vector_series)
USED_VECTOR_SERIES = 11
# Muirhead's large-argument expansion (bingham._kernels.large_argument)
USED_LARGE_ARGUMENT = 12
