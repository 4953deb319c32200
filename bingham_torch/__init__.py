"""bingham_torch: the bingham library for torch (differentiable normalizer,
MatrixBingham distribution).  Imports :mod:`bingham`; never the reverse."""
from . import distributions, functional
from .distributions import MatrixBingham
from .functional import log_hyp1f1, log_normalizer, log_normalizer_eigvals

__all__ = ["functional", "distributions", "MatrixBingham", "log_hyp1f1",
           "log_normalizer", "log_normalizer_eigvals"]
