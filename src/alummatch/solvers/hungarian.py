"""Exact assignment by the Hungarian method on an expanded matrix.

Mentees are repeated by demand and mentors by capacity, and scipy's
``linear_sum_assignment`` (a shortest augmenting path method) solves the
resulting rectangular assignment in floating point, so scores are used exactly
as given (brought to magnitude at most one by a power of two, which is
exact). A disallowed pair, or under ``total`` a non-positive one, costs zero:
the row or column "parks" there and stays unmatched. Under ``coverage`` every
allowed pair carries a bonus above any score difference, so negative scores
are matched too.

The expansion cannot stop a mentee with demand above one from taking two seats
of one mentor, so such problems (with some mentor capacity above one) are left
to ``flow``; so are minimum loads and the ``maxmin`` objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.optimize import linear_sum_assignment

from alummatch.result import Status
from alummatch.solvers.base import Encoders, SolverOutput, Task, empty_pairs, unencoded

__all__ = ["Hungarian", "expanded_assignment"]


@dataclass(frozen=True)
class Hungarian:
    """scipy ``linear_sum_assignment`` on the capacity/demand-expanded matrix."""

    name: str = "hungarian"
    exact: bool = True
    encoders: ClassVar[Encoders] = {}
    """No constraint kinds beyond pair filters and pinning (applied by ``solve``)."""

    def unsupported(self, task: Task) -> str | None:
        """Hungarian needs demand 1 (or capacity 1) and no minimum loads."""
        if task.objective == "maxmin":
            return "optimise the 'maxmin' objective"
        if task.min_load.any():
            return "guarantee mentor minimum loads"
        if (task.demand > 1).any() and (task.capacity > 1).any():
            return (
                "stop a mentee with demand > 1 taking two seats of one mentor "
                "(expanded-matrix assignment)"
            )
        return unencoded(task, self.encoders)

    def solve(self, task: Task) -> SolverOutput:
        """Solve the expanded assignment exactly."""
        pairs = expanded_assignment(
            task.scores, task.allowed, task.capacity, task.demand, task.objective
        )
        return SolverOutput(pairs=pairs, status=Status.OPTIMAL)


def expanded_assignment(
    scores: np.ndarray,
    allowed: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    objective: str,
) -> np.ndarray:
    """Optimal pairs via ``linear_sum_assignment`` on the expanded matrix.

    Returns an ``(k, 2)`` array of (mentee, mentor) indices.
    """
    rows = np.repeat(np.arange(scores.shape[0]), demand)
    cols = np.repeat(np.arange(scores.shape[1]), capacity)
    if rows.size == 0 or cols.size == 0:
        return empty_pairs()
    # Scores are brought to magnitude <= 1 by a power of two (exact: only
    # values below about 1e-308 of the largest lose bits), so that neither
    # the coverage bonus below nor the negation can overflow.
    usable = allowed & (capacity > 0)[None, :] & (demand > 0)[:, None]
    top = float(np.abs(scores[usable]).max(initial=0.0))
    shift = -math.frexp(top)[1] if top > 0 else 0
    cost = np.ldexp(scores[np.ix_(rows, cols)], shift)  # a fresh array
    np.negative(cost, out=cost)
    blocked = ~allowed[np.ix_(rows, cols)]
    if objective == "coverage":
        # Lexicographic: every slot is worth ``bonus`` more than any score
        # difference a whole matching can make, and every usable entry is
        # negative, so one more matched slot always wins.
        k = min(rows.size, cols.size)
        usable_cost = cost[~blocked]
        high = float(usable_cost.max(initial=0.0))
        span = high - float(usable_cost.min(initial=0.0))
        cost -= high + (span + 1.0) * (k + 1)
    else:
        # A non-positive benefit never helps the total: such a slot stays empty.
        blocked |= cost >= 0
    # Every usable entry is now negative. A blocked entry costs 0, exactly as
    # much as leaving its row (or column) empty, so ``linear_sum_assignment``
    # may "park" a row or column there; parked entries are dropped after. No
    # padding is needed: a full assignment of the smaller side always exists,
    # and any matching plus parked entries is one at the same cost.
    cost[blocked] = 0.0
    r, c = linear_sum_assignment(cost)
    real = ~blocked[r, c]
    pairs = np.stack([rows[r[real]], cols[c[real]]], axis=1).astype(np.intp)
    return pairs
