"""Integer scaling of float scores for integer-cost solvers.

OR-Tools' min-cost flow and CP-SAT work on integers. Scores are multiplied by
the largest power of two ``2**exp`` that keeps every intermediate value
representable, then rounded to the nearest integer.

Precision guarantee. Multiplying by a power of two is exact in floating
point (``numpy.ldexp``, whatever the exponent: scores of ``1e-300`` and of
``1.7e308`` are scaled alike, with no overflow to ``inf``), so the only error
is the final rounding: each scaled pair score is within ``0.5`` of
``score * 2**exp``, i.e. within ``0.5 / 2**exp`` of the true score. A
matching chosen on rounded scores therefore has a true total within
``n_pairs / 2**exp`` of the true optimum. With the budgets used by the
solvers (``2**exp * max|score|`` at least ``budget / 2``) that is at most
``2 * n_pairs * max|score| / budget``: about ``1e-9`` relative for CP-SAT and
far less for min-cost flow on any cohort that fits in memory. Scores that are
closer than that are ties to the integer solvers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Scale", "scale_factor", "scale_scores"]

_FLOAT_EXACT = float(2**53)


@dataclass(frozen=True)
class Scale:
    """Multiplication by ``2**exp``, exact in floating point.

    Attributes
    ----------
    exp : int
        The exponent; may lie outside the range of a float (``2**1100``).
    """

    exp: int

    def up(self, value: float) -> float:
        """``value * 2**exp`` (exact; ``inf`` with its sign when it overflows)."""
        try:
            return math.ldexp(float(value), self.exp)
        except OverflowError:
            return math.copysign(math.inf, value)

    def down(self, value: float) -> float:
        """``value / 2**exp`` (exact unless it underflows)."""
        return math.ldexp(float(value), -self.exp)

    def ints(self, values: NDArray[np.float64]) -> NDArray[np.int64]:
        """``round(values * 2**exp)`` as int64."""
        return np.rint(np.ldexp(values, self.exp)).astype(np.int64)

    def floats(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """``values * 2**exp`` as floats (for screening; may overflow to inf)."""
        with np.errstate(over="ignore"):
            return np.ldexp(values, self.exp)


def scale_factor(max_abs: float, budget: float) -> Scale:
    """The largest ``2**exp`` with ``max_abs * 2**exp <= min(budget, 2**53)``.

    Parameters
    ----------
    max_abs : float
        Largest absolute score that will be scaled.
    budget : float
        Largest integer magnitude the solver can take for one score (>= 1).
    """
    top = min(float(budget), _FLOAT_EXACT)
    top_exp = math.frexp(max(top, 1.0))[1] - 1  # 2**top_exp <= top
    if not max_abs > 0.0 or not math.isfinite(max_abs):
        return Scale(top_exp if max_abs == 0.0 else 0)
    # max_abs = mant * 2**e with mant in [0.5, 1): max_abs * 2**(top_exp - e)
    # = mant * 2**top_exp < 2**top_exp <= top.
    e = math.frexp(max_abs)[1]
    return Scale(top_exp - e)


def scale_scores(values: NDArray[np.float64], scale: Scale) -> NDArray[np.int64]:
    """``round(values * 2**scale.exp)`` as int64."""
    return scale.ints(values)
