"""What the fairness constraints require, in numbers shared by every solver.

The declarative constraints live in :mod:`alummatch.constraints.fairness`;
this module turns them into arrays for a :class:`~alummatch.solvers.base.Task`
so that ``flow``, ``cpsat`` and the diagnosis agree on one reading:

- ``GroupQuota(min_share)``: each group needs
  ``ceil(min_share * wanted)`` matched slots, pinned pairs included, where
  ``wanted`` is the group's total demand; the product is rounded to 9
  decimals first, so that ``0.3 * 10`` needs 3 slots, not 4. Mentees without
  a group label are in no group.
- ``ScoreParity(max_gap)``: the mean score of the matched slots of each group
  (pinned included) lies within ``max_gap`` of every other group's; a group
  with no matched slot has no mean and is exempt.
- waitlist priority (``MatchingProblem.mentee_wait``): under ``coverage`` and
  ``maxmin``, the mentees with residual demand are ranked into tiers by wait,
  longest first; among the matchings of maximum coverage, the fewest slots of
  the first tier are left unmatched, then of the second, and so on, before
  the rest of the objective. It matters only when two tiers exist.
- ``BalancedLoad(weight)``: the objective loses
  ``weight * sum_j load_j * (load_j - 1) / 2`` score units (loads include
  pinned mentees): the k-th mentee of a mentor costs ``weight * (k - 1)``.
  For a fixed number of matched slots this is, up to a constant, half the sum
  of squared deviations of the loads from their mean. Several
  ``BalancedLoad`` constraints add up their weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.fairness import GroupQuota, ScoreParity, mentee_groups
from alummatch.problem import MatchingProblem
from alummatch.solvers.base import Task

__all__ = [
    "WAIT_REASON",
    "GroupNeeds",
    "group_index",
    "group_needs",
    "load_penalty",
    "pinned_load",
    "required_slots",
    "wait_tiers",
]

WAIT_REASON = (
    "honour waitlist priority (mentees' wait) under the 'coverage' and "
    "'maxmin' objectives"
)
"""How a solver that cannot rank by wait says so in ``unsupported``."""


def wait_tiers(task: Task) -> tuple[NDArray[np.intp], NDArray[np.int64]] | None:
    """Each mentee's wait tier (0 = longest wait; -1 = nothing left to match)
    and the wait of each tier, or ``None`` when waits do not matter.

    Waits matter under ``coverage`` and ``maxmin`` when mentees with a slot
    left to match waited for different numbers of terms.
    """
    if task.objective not in ("coverage", "maxmin"):
        return None
    wait = task.problem.waits
    active = task.demand > 0
    levels = np.unique(wait[active])[::-1]
    if levels.size <= 1:
        return None
    tier = np.full(wait.size, -1, dtype=np.intp)
    tier[active] = levels.size - 1 - np.searchsorted(levels[::-1], wait[active])
    return tier, levels.astype(np.int64)


def required_slots(min_share: float, wanted: int) -> int:
    """Matched slots a quota of ``min_share`` needs out of ``wanted`` slots."""
    return math.ceil(round(float(min_share) * int(wanted), 9))


def group_index(
    problem: MatchingProblem, c: GroupQuota | ScoreParity
) -> tuple[tuple[str, ...], NDArray[np.intp]]:
    """Group labels and each mentee's group index (-1 for none)."""
    g = mentee_groups(problem, c.attribute, c.groups, type(c).__name__)
    if isinstance(g, list):  # validated before any solving; kept for safety
        raise ValueError("; ".join(str(p) for p in g))
    return g


@dataclass(frozen=True, eq=False)
class GroupNeeds:
    """A ``GroupQuota`` in numbers (arrays indexed by group).

    Attributes
    ----------
    constraint : GroupQuota
    labels : tuple of str
    index : ndarray of int, shape (n_mentees,)
        Group of each mentee, -1 for none.
    wanted : ndarray of int
        Total demand of the group's mentees.
    need : ndarray of int
        Matched slots required, pinned included.
    pinned : ndarray of int
        Pinned slots of the group.
    residual_need : ndarray of int
        Slots the solver must still match: ``max(need - pinned, 0)``.
    residual_demand : ndarray of int
        Slots the solver may still match (residual demands summed).
    """

    constraint: GroupQuota
    labels: tuple[str, ...]
    index: NDArray[np.intp]
    wanted: NDArray[np.int64]
    need: NDArray[np.int64]
    pinned: NDArray[np.int64]
    residual_need: NDArray[np.int64]
    residual_demand: NDArray[np.int64]

    @property
    def skip_cap(self) -> NDArray[np.int64]:
        """Most slots of each group the solver may leave unmatched."""
        out: NDArray[np.int64] = np.maximum(
            self.residual_demand - self.residual_need, 0
        )
        return out


def _per_group(
    index: NDArray[np.intp], values: NDArray[np.int64], k: int
) -> NDArray[np.int64]:
    member = index >= 0
    return np.bincount(index[member], weights=values[member], minlength=k).astype(
        np.int64
    )


def group_needs(task: Task, quota: GroupQuota) -> GroupNeeds:
    """The slots each group of ``quota`` needs, has pinned and may still get."""
    prob = task.problem
    labels, index = group_index(prob, quota)
    k = len(labels)
    wanted = _per_group(index, prob.mentee_demand.astype(np.int64), k)
    need = np.array(
        [required_slots(quota.min_share, int(w)) for w in wanted], dtype=np.int64
    )
    pin_t = np.bincount(task.fixed[:, 0], minlength=prob.n_mentees).astype(np.int64)
    pinned = _per_group(index, pin_t, k)
    return GroupNeeds(
        constraint=quota,
        labels=labels,
        index=index,
        wanted=wanted,
        need=need,
        pinned=pinned,
        residual_need=np.maximum(need - pinned, 0),
        residual_demand=_per_group(index, task.demand.astype(np.int64), k),
    )


def pinned_load(task: Task) -> NDArray[np.int64]:
    """Pinned mentees per mentor."""
    return np.bincount(task.fixed[:, 1], minlength=task.problem.n_mentors).astype(
        np.int64
    )


def load_penalty(
    problem: MatchingProblem, pairs: NDArray[np.intp], weight: float
) -> float:
    """``weight * sum_j load_j * (load_j - 1) / 2`` over the given pairs."""
    pairs = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
    load = np.bincount(pairs[:, 1], minlength=problem.n_mentors).astype(np.float64)
    return float(weight * np.sum(load * (load - 1.0)) / 2.0)
