"""Integer scaling of float scores for integer-cost solvers.

OR-Tools' min-cost flow and CP-SAT work on integers. Scores are multiplied by
the largest factor that keeps every intermediate value representable, then
rounded. Each rounded pair score is within ``0.5 / factor`` of the true one,
so a matching chosen on rounded scores has a true total within
``n_pairs / factor`` of the true optimum; with the factors used here that is
below ``1e-9`` relative for any cohort that fits in memory. Ties closer than
that are broken by the rounding.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["scale_factor", "scale_scores"]

_FLOAT_EXACT = float(2**53)


def scale_factor(max_abs: float, budget: float) -> float:
    """The factor such that ``max_abs * factor`` fits ``budget`` and float exactness.

    Parameters
    ----------
    max_abs : float
        Largest absolute score that will be scaled.
    budget : float
        Largest integer magnitude the solver can take for one score.
    """
    top = min(budget, _FLOAT_EXACT)
    if max_abs <= 0.0:
        return top
    return top / max_abs


def scale_scores(values: NDArray[np.float64], factor: float) -> NDArray[np.int64]:
    """``round(values * factor)`` as int64."""
    return np.rint(values * factor).astype(np.int64)
