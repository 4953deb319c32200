"""bingham_torch: the bingham library for torch.

``functional`` (differentiable normalizer), ``distributions``
(``MatrixBingham``), ``nn`` (routers, MoE layer, calibration),
``diagnostics`` (Jacobian-PCA-Grassmann probe), ``demo`` (the routing study
behind ``bingham demo``).  Imports :mod:`bingham`; never the reverse."""
from . import distributions, functional
from .distributions import MatrixBingham
from .functional import log_hyp1f1, log_normalizer, log_normalizer_eigvals

__all__ = ["functional", "distributions", "MatrixBingham", "log_hyp1f1",
           "log_normalizer", "log_normalizer_eigvals"]
