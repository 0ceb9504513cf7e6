"""Exact matching by min-cost flow (OR-Tools ``SimpleMinCostFlow``).

The network, built from numpy arrays in one call::

    mentee i --(1, -score)--> mentor j --(capacity - min_load)--> sink
    mentee i --(demand)--> [group node g] --(skip cap of g)--> skip --(cap)--> sink

Each mentee supplies its demand; a mentor's minimum load is a lower bound on
its arc to the sink, removed by the usual transformation (the mentor demands
``min_load`` units, the sink that much less). Arcs exist only for allowed
pairs, with capacity one, so a mentee never takes a mentor twice.

Fairness (see :mod:`alummatch.solvers.fair` for the exact reading):

- ``GroupQuota``: the unmatched slots of a group's mentees go through the
  group's node, whose arc to the skip node carries at most
  ``residual demand - residual need`` units, so at least the quota is
  matched. One ``GroupQuota`` per task (groups of two groupings overlap and
  no longer form a tree).
- ``BalancedLoad(weight)``: the mentor-to-sink arc is split into unit arcs
  whose costs rise by ``weight`` per mentee already there (pinned included),
  a convex cost that min-cost flow fills cheapest first.
- ``ScoreParity`` (a ratio of sums) is not a network constraint: ``cpsat``.

Objectives:

- ``total`` is one solve;
- ``coverage`` first finds the largest number of matched slots (bypass
  costs 1, pairs 0), then maximises the total score with at most that many
  slots left on the skip node;
- ``maxmin`` finds the largest coverage ``C*``, then the largest threshold
  ``t*`` such that ``C*`` slots can still be matched with pairs scoring at
  least ``t*`` (a galloping then binary search over the distinct pair
  scores, each test a zero-cost flow on the pairs above the threshold), then
  maximises the total among pairs scoring at least ``t*``. Pinned pairs count
  in the minimum: pair scores are capped at the smallest pinned score, so the
  search never looks above it and the total is maximised over every solution
  with the same overall minimum. Only pairs above the current threshold are
  ever materialised, so a dense 10000 x 4000 problem costs a few sparse
  flows.

Scores are scaled to integers as described in
:mod:`alummatch.solvers.scaling`; the ``BalancedLoad`` weight is scaled with
the same factor (rounded to ``1 / factor``). The threshold search compares
the float scores themselves, so the bottleneck is exact.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from alummatch.constraints import (
    BalancedLoad,
    Forbidden,
    GroupQuota,
    MinScore,
    Pinned,
    ScoreParity,
)
from alummatch.result import Status
from alummatch.solvers.base import SolverOutput, Task, constraint_names, empty_pairs
from alummatch.solvers.fair import group_needs, load_weight, pinned_load
from alummatch.solvers.scaling import scale_factor, scale_scores

__all__ = ["Flow", "FlowNetwork"]

_COST_BUDGET = float(2**60)
"""OR-Tools refuses |cost| * (nodes + 1) >= 2**62; keep a factor 4 below."""
_SMALL = 20_000
"""Below this many usable pairs, ``maxmin`` searches the whole graph at once."""


@dataclass(frozen=True, eq=False)
class FlowNetwork:
    """The arrays of a mentee-mentor flow network (see module docstring).

    Attributes
    ----------
    tee, tor : ndarray of int
        Mentee and mentor of each pair arc.
    n, m : int
        Mentees and mentors.
    demand, capacity, min_load : ndarray of int
        Residual demands, capacities and minimum loads.
    group : ndarray of int or None
        Quota group of each mentee (-1 for none).
    group_skip_cap : ndarray of int or None
        Most unmatched slots per quota group.
    load_base : ndarray of int or None
        Mentees already with each mentor (pinned), when loads are costed.
    """

    tee: NDArray[np.intp]
    tor: NDArray[np.intp]
    n: int
    m: int
    demand: NDArray[np.int64]
    capacity: NDArray[np.int64]
    min_load: NDArray[np.int64]
    group: NDArray[np.intp] | None = None
    group_skip_cap: NDArray[np.int64] | None = None
    load_base: NDArray[np.int64] | None = None

    @classmethod
    def from_task(cls, task: Task, *, arcs: bool = True) -> FlowNetwork:
        """Arcs for every allowed pair with a free mentor seat and mentee slot.

        With ``arcs=False`` the network has no pair arcs yet (see
        :meth:`with_arcs`).
        """
        n, m = task.allowed.shape
        if arcs:
            tee, tor = np.nonzero(usable_mask(task))
        else:
            tee = tor = np.empty(0, dtype=np.intp)
        group = skip = None
        quotas = [c for c in task.constraints if isinstance(c, GroupQuota)]
        if quotas:
            needs = group_needs(task, quotas[0])
            group, skip = needs.index, needs.skip_cap
        base = pinned_load(task) if load_weight(task) > 0 else None
        return cls(
            tee=tee.astype(np.intp),
            tor=tor.astype(np.intp),
            n=n,
            m=m,
            demand=task.demand.astype(np.int64),
            capacity=task.capacity.astype(np.int64),
            min_load=task.min_load.astype(np.int64),
            group=group,
            group_skip_cap=skip,
            load_base=base,
        )

    def with_arcs(self, tee: NDArray[np.intp], tor: NDArray[np.intp]) -> FlowNetwork:
        """The same network with another set of pair arcs."""
        return dataclasses.replace(self, tee=tee, tor=tor)

    @property
    def n_groups(self) -> int:
        """Quota group nodes."""
        return 0 if self.group_skip_cap is None else int(self.group_skip_cap.size)

    @property
    def n_nodes(self) -> int:
        """Mentees, mentors, sink, skip node and group nodes."""
        return self.n + self.m + 2 + self.n_groups

    def solve(
        self,
        pair_cost: NDArray[np.int64] | None,
        *,
        bypass_cost: int,
        skip_cap: int,
        load_unit: int = 0,
    ) -> tuple[str, int, NDArray[np.bool_]]:
        """Solve one min-cost flow; return status, optimal cost, chosen pair arcs.

        Parameters
        ----------
        pair_cost : ndarray of int or None
            Cost of each pair arc (``None``: all zero).
        bypass_cost : int
            Cost of each unmatched slot.
        skip_cap : int
            Most unmatched slots in all.
        load_unit : int
            Cost of the k-th mentee of a mentor is ``load_unit * (k - 1)``
            (only when the network costs loads).
        """
        n, m, g = self.n, self.m, self.n_groups
        sink, skip = n + m, n + m + 1
        total_demand = int(self.demand.sum())
        total_low = int(self.min_load.sum())
        k = self.tee.size
        if pair_cost is None:
            pair_cost = np.zeros(k, dtype=np.int64)
        # Bypass arcs: to the mentee's group node, or straight to the skip node.
        by_head = np.full(n, skip, dtype=np.int64)
        if self.group is not None:
            has = self.group >= 0
            by_head[has] = n + m + 2 + self.group[has]
        # Mentor-to-sink arcs: one per mentor, or unit arcs with rising costs.
        if self.load_base is not None and load_unit > 0:
            reps = self.capacity - self.min_load
            owner = np.repeat(np.arange(m, dtype=np.int64), reps)
            start = np.cumsum(reps) - reps
            rank = (
                np.arange(owner.size, dtype=np.int64)
                - start[owner]
                + self.min_load[owner]
            )
            load_tail = n + owner
            load_cap = np.ones(owner.size, dtype=np.int64)
            load_cost = load_unit * (self.load_base[owner] + rank)
        else:
            load_tail = n + np.arange(m, dtype=np.int64)
            load_cap = self.capacity - self.min_load
            load_cost = np.zeros(m, dtype=np.int64)
        gskip = self.group_skip_cap if self.group_skip_cap is not None else np.empty(0)
        tails = np.concatenate(
            [self.tee, np.arange(n), load_tail, n + m + 2 + np.arange(g), [skip]]
        ).astype(np.int64)
        heads = np.concatenate(
            [
                n + self.tor,
                by_head,
                np.full(load_tail.size, sink),
                np.full(g, skip),
                [sink],
            ]
        ).astype(np.int64)
        caps = np.concatenate(
            [np.ones(k), self.demand, load_cap, gskip, [skip_cap]]
        ).astype(np.int64)
        costs = np.concatenate(
            [pair_cost, np.full(n, bypass_cost), load_cost, np.zeros(g), [0]]
        ).astype(np.int64)
        f = min_cost_flow.SimpleMinCostFlow()
        f.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        supplies = np.concatenate(
            [
                self.demand,
                -self.min_load,
                [-(total_demand - total_low)],
                np.zeros(1 + g),
            ]
        ).astype(np.int64)
        f.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int64), supplies)
        status = f.solve()
        if status == f.OPTIMAL:
            flows = f.flows(np.arange(k, dtype=np.int64))
            return "optimal", int(f.optimal_cost()), flows > 0
        if status == f.INFEASIBLE:
            return "infeasible", 0, np.zeros(k, dtype=np.bool_)
        raise RuntimeError(f"min-cost flow failed with status {status}")

    def _plain(self) -> bool:
        """No lower bounds (minimum loads, quotas): a plain maximum flow will do."""
        return self.group is None and not self.min_load.any()

    def max_flow_value(self) -> int:
        """Most matched slots by a plain maximum flow (ignores lower bounds)."""
        n, m, k = self.n, self.m, self.tee.size
        src, snk = n + m, n + m + 1
        tails = np.concatenate([np.full(n, src), self.tee, n + np.arange(m)])
        heads = np.concatenate([np.arange(n), n + self.tor, np.full(m, snk)])
        caps = np.concatenate([self.demand, np.ones(k, dtype=np.int64), self.capacity])
        f = max_flow.SimpleMaxFlow()
        f.add_arcs_with_capacity(
            tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64)
        )
        status = f.solve(src, snk)
        if status != f.OPTIMAL:  # pragma: no cover - capacities are small ints
            raise RuntimeError(f"max flow failed with status {status}")
        return int(f.optimal_flow())

    def max_coverage(self) -> int:
        """Most matched slots (-1 when the requirements cannot hold)."""
        if self._plain():
            return self.max_flow_value()
        total = int(self.demand.sum())
        status, unmatched, _ = self.solve(None, bypass_cost=1, skip_cap=total)
        return -1 if status == "infeasible" else total - unmatched

    def reaches(self, slots: int) -> bool:
        """Whether ``slots`` matched slots are reachable with these arcs."""
        if self._plain():
            return self.max_flow_value() >= slots
        total = int(self.demand.sum())
        status, _, _ = self.solve(None, bypass_cost=0, skip_cap=total - slots)
        return status == "optimal"

    def costs(
        self, scores: NDArray[np.float64], weight: float = 0.0
    ) -> tuple[NDArray[np.int64], int]:
        """Negated integer-scaled pair scores and the scaled load unit cost."""
        vals = scores[self.tee, self.tor]
        max_abs = float(np.abs(vals).max()) if vals.size else 0.0
        if self.load_base is not None and weight > 0:
            top_load = float((self.load_base + self.capacity).max(initial=0))
            max_abs = max(max_abs, weight * max(top_load, 1.0))
        # |cost| * (nodes + 1) and the sum of chosen costs must fit in int64.
        slots = max(int(self.demand.sum()), int(self.capacity.sum()), 1)
        budget = _COST_BUDGET / max(self.n_nodes + 1, slots)
        factor = scale_factor(max_abs, budget)
        unit = int(np.rint(weight * factor)) if weight > 0 else 0
        return -scale_scores(vals, factor), unit

    def scaled_scores(self, scores: NDArray[np.float64]) -> NDArray[np.int64]:
        """Negated, integer-scaled scores of the arcs (costs to minimise)."""
        return self.costs(scores)[0]

    def pairs(self, chosen: NDArray[np.bool_]) -> NDArray[np.intp]:
        """``(k, 2)`` mentee, mentor indices of the chosen arcs."""
        return np.stack([self.tee[chosen], self.tor[chosen]], axis=1).astype(np.intp)


def usable_mask(task: Task) -> NDArray[np.bool_]:
    """Allowed pairs with a free mentor seat and a free mentee slot."""
    return task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]


@dataclass(frozen=True)
class Flow:
    """Min-cost flow solver: exact for ``total``, ``coverage`` and ``maxmin``.

    Honours capacities, demands, minimum loads, pair constraints, one
    ``GroupQuota`` and ``BalancedLoad``; not ``ScoreParity``.
    """

    name: str = "flow"
    exact: bool = True

    def unsupported(self, task: Task) -> str | None:
        """Why the task is not a network problem, or ``None``."""
        parity = [str(c) for c in task.constraints if isinstance(c, ScoreParity)]
        if parity:
            return (
                f"honour {', '.join(parity)} (a bound on a ratio of sums is not a "
                "network constraint)"
            )
        quotas = [c for c in task.constraints if isinstance(c, GroupQuota)]
        if len(quotas) > 1:
            return (
                f"honour {len(quotas)} GroupQuota constraints at once (overlapping "
                "groups are not a network)"
            )
        extra = constraint_names(
            task, (Forbidden, Pinned, MinScore, GroupQuota, BalancedLoad)
        )
        if extra:
            return f"honour {', '.join(extra)}"
        return None

    def solve(self, task: Task) -> SolverOutput:
        """Solve the task's objective exactly (see module docstring)."""
        if task.objective == "maxmin":
            return _solve_maxmin(task)
        net = FlowNetwork.from_task(task)
        skip_cap = int(net.demand.sum())
        if task.objective == "coverage":
            best = net.max_coverage()
            if best < 0:
                return _infeasible(task)
            skip_cap -= best
        cost, unit = net.costs(task.scores, load_weight(task))
        status, _, chosen = net.solve(
            cost, bypass_cost=0, skip_cap=skip_cap, load_unit=unit
        )
        if status == "infeasible":
            return _infeasible(task)
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
    n_usable = int(deg_t.sum())
    upper = min(
        total,
        int(cap.sum()),
        int(np.minimum(demand, deg_t).sum()),
        int(np.minimum(cap, deg_r).sum()),
    )
    ceiling = task.fixed_min_score
    # Upper bound on the bottleneck: every mentee needs its demand-th best
    # pair when all slots must be matched, every mentor its min_load-th best.
    t_hi = min(ceiling, _kth_best_bound(scores.T, usable.T, base.min_load))
    if upper == total:
        t_hi = min(t_hi, _kth_best_bound(scores, usable, demand))
    rng = np.random.default_rng(task.seed)
    flat = scores.size
    sample_idx = (
        rng.integers(0, flat, size=min(flat, 100_000)) if flat > 100_000 else None
    )
    sample = (
        np.sort(scores.ravel()[sample_idx][usable.ravel()[sample_idx]])[::-1]
        if sample_idx is not None
        else np.empty(0)
    )

    def lower_threshold(t: float, arcs: int) -> float:
        """A threshold below ``t`` with about twice as many usable pairs."""
        if sample.size == 0 or n_usable <= _SMALL:
            return float("-inf")
        pos = int(np.ceil(2 * max(arcs, 1) / n_usable * sample.size))
        below = sample[pos:] if pos < sample.size else sample[:0]
        below = below[below < t]
        return float(below[0]) if below.size else float("-inf")

    # Galloping: lower the threshold until the coverage bound is reached.
    if n_usable <= _SMALL or sample.size == 0 or t_hi == float("-inf"):
        t = float("-inf")
    elif np.isfinite(t_hi):
        t = t_hi
    else:
        pos = min(
            int(np.ceil(4 * max(upper, 1) / n_usable * sample.size)), sample.size - 1
        )
        t = float(sample[pos]) if pos < sample.size else float("-inf")
    t_fail = float("inf")  # a threshold known to be too high
    while True:
        sel = usable & (scores >= t) if np.isfinite(t) else usable
        tee, tor = np.nonzero(sel)
        net = base.with_arcs(tee.astype(np.intp), tor.astype(np.intp))
        best = net.max_coverage()
        if best == upper or not np.isfinite(t):
            break
        t_fail = t
        t = lower_threshold(t, tee.size)
    if best < 0:
        return _infeasible(task)
    if best == 0:
        return SolverOutput(pairs=empty_pairs(), status=Status.OPTIMAL)
    # Binary search over the distinct (capped) scores of the extracted pairs.
    vals = np.minimum(scores[net.tee, net.tor], ceiling)
    order = np.argsort(-vals, kind="stable")
    sorted_vals = vals[order]
    levels = np.unique(sorted_vals)[::-1]
    levels = levels[(levels < t_fail) & (levels <= t_hi)]
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
    cost, unit = final.costs(scores, load_weight(task))
    status, _, chosen = final.solve(
        cost, bypass_cost=0, skip_cap=total - best, load_unit=unit
    )
    if status == "infeasible":  # pragma: no cover - reaches() said feasible
        return _infeasible(task)
    return SolverOutput(
        pairs=final.pairs(chosen),
        status=Status.OPTIMAL,
        info={"threshold": float(levels[hi]), "coverage": float(best)},
    )


def _infeasible(task: Task) -> SolverOutput:
    from alummatch.diagnosis import diagnose

    return SolverOutput(
        pairs=empty_pairs(),
        status=Status.INFEASIBLE,
        diagnosis=tuple(diagnose(task)),
    )
