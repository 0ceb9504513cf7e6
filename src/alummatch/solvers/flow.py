"""Exact matching by min-cost flow (OR-Tools ``SimpleMinCostFlow``).

The network and how constraints enter it: :mod:`alummatch.solvers.network`
(one ``GroupQuota`` and ``BalancedLoad``; ``ScoreParity``, a ratio of sums,
is not a network constraint: ``cpsat``).

Objectives (with waitlist tiers, see :mod:`alummatch.solvers.terms`, fixed
right after the coverage):

- ``total`` is one solve;
- ``coverage`` first finds the largest number of matched slots (bypass
  costs 1, pairs 0), then maximises the total score with at most that many
  slots left on the skip node;
- ``maxmin`` finds the largest coverage ``C*``, then the largest threshold
  ``t*`` such that ``C*`` slots can still be matched with pairs scoring at
  least ``t*`` (a binary search over the distinct pair scores, each test a
  zero-cost flow on the pairs above the threshold; large networks work on
  candidate pairs as below), then
  maximises the total among pairs scoring at least ``t*``. Pinned pairs count
  in the minimum: pair scores are capped at the smallest pinned score, so the
  search never looks above it and the total is maximised over every solution
  with the same overall minimum.

Large problems (more usable pairs than ``_SPARSE``; for ``maxmin``,
``_SMALL``) never build an arc for every pair:
:mod:`alummatch.solvers.sparse` solves them on candidate pairs and proves
every stage over all usable pairs, networks with minimum loads, a quota or
wait tiers included. Candidate problems
(``build_problem(..., candidates=k)``) are solved by
:mod:`alummatch.solvers.candidate`.

Scores are scaled to integers as described in
:mod:`alummatch.solvers.scaling`; the ``BalancedLoad`` weight is scaled with
the same factor (rounded to ``1 / factor``). The threshold search compares
the float scores themselves, so the bottleneck is exact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.fairness import GroupQuota
from alummatch.result import Status
from alummatch.solvers.base import (
    Encoders,
    SolverOutput,
    Task,
    empty_pairs,
    unencoded,
)
from alummatch.solvers.candidate import solve_candidates
from alummatch.solvers.diagnosis import infeasible_output
from alummatch.solvers.network import (
    NETWORK_ENCODERS,
    FlowNetwork,
    network_terms,
    usable_mask,
)
from alummatch.solvers.sparse import solve_sparse
from alummatch.solvers.terms import group_needs, wait_tiers

__all__ = ["Flow", "FlowNetwork"]

_SMALL = 20_000
"""Below this many usable pairs, ``maxmin`` searches the whole graph at once."""
_SPARSE = 1_000_000
"""From this many usable pairs, ``total`` and ``coverage`` start from candidates."""


@dataclass(frozen=True)
class Flow:
    """Min-cost flow solver: exact for ``total``, ``coverage`` and ``maxmin``.

    Honours capacities, demands, minimum loads, pair constraints, one
    ``GroupQuota`` and ``BalancedLoad``; not ``ScoreParity``. A time limit
    is checked between the pricing rounds of a candidate problem's last
    stage, the total (past it, the last round's matching comes back as
    ``TIME_LIMIT``, not certified); the earlier stages (matched slots, wait
    tiers, the ``maxmin`` threshold) and a dense problem's flows run to the
    end.
    """

    name: str = "flow"
    exact: bool = True
    handles_waits: ClassVar[bool] = True
    """Ranks the left-out by wait (``MatchingProblem.mentee_wait``)."""
    encoders: ClassVar[Encoders] = NETWORK_ENCODERS
    """The constraint kinds a network encodes (one ``GroupQuota`` at most)."""
    handles_candidates: ClassVar[bool] = True
    """Solves candidate problems exactly (:mod:`alummatch.solvers.candidate`)."""

    def unsupported(self, task: Task) -> str | None:
        """Why the task is not a network problem, or ``None``."""
        missing = unencoded(task, self.encoders)
        if missing is not None:
            return missing
        quotas = task.of_kind(self.encoders, GroupQuota)
        if len(quotas) > 1:
            return (
                f"honour {len(quotas)} GroupQuota constraints at once (overlapping "
                "groups are not a network)"
            )
        if quotas and wait_tiers(task) is not None:
            return (
                "honour waitlist priority together with a GroupQuota (quota "
                "groups and wait tiers overlap: not a network)"
            )
        return None

    def solve(self, task: Task) -> SolverOutput:
        """Solve the task's objective exactly (see module docstring)."""
        if task.problem.candidates is not None:
            return solve_candidates(task)
        for quota in task.of_kind(self.encoders, GroupQuota):
            needs = group_needs(task, quota)  # type: ignore[arg-type]
            if (needs.residual_need > needs.residual_demand).any():
                # More slots needed than the group's mentees can take (a
                # demand above the number of mentors counts as unmatched).
                return infeasible_output(task)
        base = FlowNetwork.from_task(task, arcs=False)
        maxmin = task.objective == "maxmin"
        if int(usable_mask(task).sum()) > (_SMALL if maxmin else _SPARSE):
            return solve_sparse(task, base)
        if task.objective == "maxmin":
            return _solve_maxmin(task)
        net = FlowNetwork.from_task(task)
        skip_cap = int(net.demand.sum())
        if task.objective == "coverage":
            best = net.max_coverage()
            if best < 0:
                return infeasible_output(task)
            skip_cap -= best
            if wait_tiers(task) is not None:
                net = net.with_wait_caps(best)
        cost, unit = net.costs(task.scores, network_terms(task).load_weight)
        status, _, chosen = net.solve(
            cost, bypass_cost=0, skip_cap=skip_cap, load_unit=unit
        )
        if status == "infeasible":
            return infeasible_output(task)
        return SolverOutput(pairs=net.pairs(chosen), status=Status.OPTIMAL)


def _kth_best_bound(
    scores: NDArray[np.float64],
    usable: NDArray[np.bool_],
    need: NDArray[np.int64],
) -> float:
    """``min`` over rows with ``need > 0`` of the ``need``-th best usable score.

    A threshold above it leaves some row with fewer than ``need`` pairs.
    """
    rows = np.nonzero(need > 0)[0]
    if rows.size == 0:
        return float("inf")
    k = int(need[rows].max())
    if k > usable.shape[1]:
        return float("-inf")
    masked = np.where(usable[rows], scores[rows], -np.inf)
    if k == 1:
        kth = masked.max(axis=1)
    else:
        top = -np.partition(-masked, k - 1, axis=1)[:, :k]
        top.sort(axis=1)
        kth = top[:, ::-1][np.arange(rows.size), need[rows] - 1]
    return float(kth.min())


def _solve_maxmin(task: Task) -> SolverOutput:
    """Coverage, then the bottleneck score, then the total (module docstring)."""
    scores = task.scores
    usable = usable_mask(task)
    base = FlowNetwork.from_task(task, arcs=False)
    demand, cap = base.demand, base.capacity
    total = int(demand.sum())
    deg_t = usable.sum(axis=1)
    deg_r = usable.sum(axis=0)
    upper = min(
        total,
        int(cap.sum()),
        int(np.minimum(demand, deg_t).sum()),
        int(np.minimum(cap, deg_r).sum()),
    )
    ceiling = task.fixed_min_score
    # Upper bound on the bottleneck: every mentor needs its min_load-th best
    # pair, and every mentee its demand-th best when all slots are matched
    # (known only once the coverage is; until then it only sets the start).
    t_loads = min(ceiling, _kth_best_bound(scores.T, usable.T, base.min_load))
    t_hi = t_loads
    if upper == total:
        t_hi = min(t_hi, _kth_best_bound(scores, usable, demand))
    tee, tor = np.nonzero(usable)
    net = base.with_arcs(tee.astype(np.intp), tor.astype(np.intp))
    best = net.max_coverage()
    if best < 0:
        return infeasible_output(task)
    if best == 0:
        return SolverOutput(pairs=empty_pairs(), status=Status.OPTIMAL)
    if best < total:  # some slot stays unmatched: the mentee bound is void
        t_hi = t_loads
    if wait_tiers(task) is not None:
        # Waits rank the matchings of maximum coverage before the bottleneck:
        # each tier's fewest left out is fixed over every usable pair, and the
        # bottleneck is searched among the matchings that keep those caps.
        net = net.with_wait_caps(best)
    # Binary search over the distinct (capped) scores of the extracted pairs.
    vals = np.minimum(scores[net.tee, net.tor], ceiling)
    order = np.argsort(-vals, kind="stable")
    sorted_vals = vals[order]
    levels = np.unique(sorted_vals)[::-1]
    levels = levels[levels <= t_hi]
    if levels.size == 0:  # t_hi below every extracted score: cannot happen
        levels = np.unique(sorted_vals)[-1:]

    def arcs_at(level: float) -> FlowNetwork:
        k = int(np.searchsorted(-sorted_vals, -level, side="right"))
        keep = order[:k]
        return net.with_arcs(net.tee[keep], net.tor[keep])

    lo, hi = 0, levels.size - 1  # levels[hi] is feasible; find the first feasible
    while lo < hi:
        mid = (lo + hi) // 2
        if arcs_at(float(levels[mid])).reaches(best):
            hi = mid
        else:
            lo = mid + 1
    final = arcs_at(float(levels[hi]))
    cost, unit = final.costs(scores, network_terms(task).load_weight)
    status, _, chosen = final.solve(
        cost, bypass_cost=0, skip_cap=total - best, load_unit=unit
    )
    if status == "infeasible":  # pragma: no cover - reaches() said feasible
        return infeasible_output(task)
    return SolverOutput(
        pairs=final.pairs(chosen),
        status=Status.OPTIMAL,
        info={"threshold": float(levels[hi]), "coverage": float(best)},
    )
