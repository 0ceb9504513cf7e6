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
  least ``t*`` (a binary search over the distinct pair scores, each test a
  zero-cost flow on the pairs above the threshold; large networks with
  minimum loads or quotas first gallop down from a bound, others work on
  candidate pairs as below), then
  maximises the total among pairs scoring at least ``t*``. Pinned pairs count
  in the minimum: pair scores are capped at the smallest pinned score, so the
  search never looks above it and the total is maximised over every solution
  with the same overall minimum.

Large problems (a network without minimum loads or quotas, more usable pairs
than ``_SPARSE``, or ``_SMALL`` for ``maxmin``) never build an arc for every
pair. They start from candidate pairs (each mentee's ``demand + _EXTRA`` best
and each mentor's ``min(capacity, _EXTRA) + _EXTRA`` best) and prove every
stage over all usable pairs:

- coverage and each threshold test are maximum flows on the candidates; the
  flow is a maximum over all pairs when no usable pair (above the threshold)
  crosses its minimum cut from a source-side mentee to a sink-side mentor;
- the bottleneck is a binary search over the candidates' scores; if the
  candidates above the bottleneck found fall short, their minimum cut is
  checked the same way;
- the total is a min-cost flow on the candidates whose node potentials
  (shortest-path distances in the residual network, :func:`residual_potentials`)
  price every other eligible pair: a pair with a negative reduced cost could
  improve the flow.

Pairs that cross a cut or price negatively (the best ``_ADD_PER_ROW`` of each
mentee per round) join the candidates and the stage is solved again, until
none is left: the answer is then exactly that of the whole graph. Dense
passes over the score matrix work in blocks of ``_BLOCK`` entries.

Scores are scaled to integers as described in
:mod:`alummatch.solvers.scaling`; the ``BalancedLoad`` weight is scaled with
the same factor (rounded to ``1 / factor``). The threshold search compares
the float scores themselves, so the bottleneck is exact. The large-problem
path takes the factor from every eligible pair, not only the candidates, so
its integer costs are those of the whole graph, and it prices pairs in exact
integers (after a floating-point screen with a safe margin).
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
from alummatch.solvers.base import (
    SolverOutput,
    Task,
    constraint_names,
    empty_pairs,
    seeded_rng,
)
from alummatch.solvers.fair import group_needs, load_weight, pinned_load
from alummatch.solvers.scaling import Scale, scale_factor, scale_scores

__all__ = ["Flow", "FlowNetwork"]

_COST_BUDGET = float(2**60)
"""OR-Tools refuses |cost| * (nodes + 1) >= 2**62; keep a factor 4 below."""
_SMALL = 20_000
"""Below this many usable pairs, ``maxmin`` searches the whole graph at once."""
_SPARSE = 1_000_000
"""From this many usable pairs, ``total`` and ``coverage`` start from candidates."""
_BLOCK = 1 << 21
"""Entries of the score matrix worked on at once by dense passes."""
_EXTRA = 8
"""Candidate pairs per mentee beyond its demand (per mentor: beyond capacity)."""
_ADD_PER_ROW = 4
"""Most pairs a mentee gains per pricing round."""


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
        arcs = self.arcs(
            pair_cost, bypass_cost=bypass_cost, skip_cap=skip_cap, load_unit=load_unit
        )
        f = min_cost_flow.SimpleMinCostFlow()
        f.add_arcs_with_capacity_and_unit_cost(*arcs[:4])
        f.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int64), arcs[4])
        status = f.solve()
        k = self.tee.size
        if status == f.OPTIMAL:
            flows = f.flows(np.arange(k, dtype=np.int64))
            return "optimal", int(f.optimal_cost()), flows > 0
        if status == f.INFEASIBLE:
            return "infeasible", 0, np.zeros(k, dtype=np.bool_)
        raise RuntimeError(f"min-cost flow failed with status {status}")

    def solve_priced(
        self,
        pair_cost: NDArray[np.int64],
        *,
        bypass_cost: int,
        skip_cap: int,
        load_unit: int = 0,
    ) -> tuple[NDArray[np.bool_], NDArray[np.int64]] | None:
        """Solve like :meth:`solve`; return the chosen arcs and node potentials.

        The potentials ``d`` are shortest-path distances in the residual network
        of the optimal flow (from a virtual node joined to every node at cost
        zero), so every residual arc ``u -> v`` of cost ``c`` has
        ``c + d[u] - d[v] >= 0``. An arc left out of the network, mentee ``i``
        to mentor ``j`` at cost ``c``, cannot improve the flow when
        ``c + d[i] - d[n + j] >= 0``. ``None`` when the flow is infeasible.
        """
        tails, heads, caps, costs, supplies = self.arcs(
            pair_cost, bypass_cost=bypass_cost, skip_cap=skip_cap, load_unit=load_unit
        )
        f = min_cost_flow.SimpleMinCostFlow()
        f.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        f.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int64), supplies)
        status = f.solve()
        if status == f.INFEASIBLE:
            return None
        if status != f.OPTIMAL:  # pragma: no cover - costs are kept in range
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flows = np.asarray(f.flows(np.arange(tails.size, dtype=np.int64)))
        d = residual_potentials(self.n_nodes, tails, heads, caps, costs, flows)
        return flows[: self.tee.size] > 0, d

    def arcs(
        self,
        pair_cost: NDArray[np.int64] | None,
        *,
        bypass_cost: int,
        skip_cap: int,
        load_unit: int = 0,
    ) -> tuple[
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
    ]:
        """Tails, heads, capacities, costs of every arc (pair arcs first); supplies.

        Parameters as in :meth:`solve`.
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
        supplies = np.concatenate(
            [
                self.demand,
                -self.min_load,
                [-(total_demand - total_low)],
                np.zeros(1 + g),
            ]
        ).astype(np.int64)
        return tails, heads, caps, costs, supplies

    def plain(self) -> bool:
        """No lower bounds (minimum loads, quotas): a plain maximum flow will do."""
        return self.group is None and not self.min_load.any()

    def max_flow_value(self) -> int:
        """Most matched slots by a plain maximum flow (ignores lower bounds)."""
        return int(_solved_max_flow(self, self.tee, self.tor).optimal_flow())

    def max_coverage(self) -> int:
        """Most matched slots (-1 when the requirements cannot hold)."""
        if self.plain():
            return self.max_flow_value()
        total = int(self.demand.sum())
        status, unmatched, _ = self.solve(None, bypass_cost=1, skip_cap=total)
        return -1 if status == "infeasible" else total - unmatched

    def reaches(self, slots: int) -> bool:
        """Whether ``slots`` matched slots are reachable with these arcs."""
        if self.plain():
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
        factor, unit = self.scale(max_abs, weight)
        return -scale_scores(vals, factor), unit

    def scale(self, max_abs: float, weight: float = 0.0) -> tuple[Scale, int]:
        """Score scale and scaled load unit cost for scores up to ``max_abs``."""
        if self.load_base is not None and weight > 0:
            top_load = float((self.load_base + self.capacity).max(initial=0))
            max_abs = max(max_abs, weight * max(top_load, 1.0))
        # |cost| * (nodes + 1) and the sum of chosen costs must fit in int64.
        slots = max(int(self.demand.sum()), int(self.capacity.sum()), 1)
        budget = _COST_BUDGET / max(self.n_nodes + 1, slots)
        factor = scale_factor(max_abs, budget)
        unit = int(np.rint(factor.up(weight))) if weight > 0 else 0
        return factor, unit

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
        quotas = [c for c in task.constraints if isinstance(c, GroupQuota)]
        if quotas:
            needs = group_needs(task, quotas[0])
            if (needs.residual_need > needs.residual_demand).any():
                # More slots needed than the group's mentees can take (a
                # demand above the number of mentors counts as unmatched).
                return _infeasible(task)
        base = FlowNetwork.from_task(task, arcs=False)
        if base.plain():
            cutoff = _SMALL if task.objective == "maxmin" else _SPARSE
            if int(usable_mask(task).sum()) > cutoff:
                return _solve_sparse(task, base)
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
    # Upper bound on the bottleneck: every mentor needs its min_load-th best
    # pair, and every mentee its demand-th best when all slots are matched
    # (known only once the coverage is; until then it only sets the start).
    t_loads = min(ceiling, _kth_best_bound(scores.T, usable.T, base.min_load))
    t_hi = t_loads
    if upper == total:
        t_hi = min(t_hi, _kth_best_bound(scores, usable, demand))
    rng = seeded_rng(task.seed)
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
    if best < total:  # some slot stays unmatched: the mentee bound is void
        t_hi = t_loads
    if best < upper:  # thresholds fell short of the bound, not of the coverage
        t_fail = float("inf")
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


# --- Large problems: sparse candidate arcs, priced against every pair --------


def residual_potentials(
    n_nodes: int,
    tails: NDArray[np.int64],
    heads: NDArray[np.int64],
    caps: NDArray[np.int64],
    costs: NDArray[np.int64],
    flows: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Shortest-path distances in the residual network of an optimal flow.

    Distances are from a virtual node joined to every node at cost zero, found
    by Bellman-Ford rounds that relax, all at once, the arcs leaving the nodes
    whose distance fell in the previous round. An optimal flow leaves no
    negative cycle, so the rounds stop.
    """
    fwd = flows < caps
    back = flows > 0
    t = np.concatenate([tails[fwd], heads[back]])
    h = np.concatenate([heads[fwd], tails[back]])
    c = np.concatenate([costs[fwd], -costs[back]])
    order = np.argsort(t, kind="stable")
    t, h, c = t[order], h[order], c[order]
    start = np.searchsorted(t, np.arange(n_nodes + 1))
    d = np.zeros(n_nodes, dtype=np.int64)
    active = np.nonzero(np.diff(start) > 0)[0]
    for _ in range(n_nodes + 1):
        if active.size == 0:
            return d
        # Arcs leaving the active nodes (tails sorted: one slice per node).
        lens = start[active + 1] - start[active]
        sel = np.repeat(start[active] - np.cumsum(lens) + lens, lens) + np.arange(
            int(lens.sum())
        )
        new = d.copy()
        np.minimum.at(new, h[sel], d[t[sel]] + c[sel])
        active = np.nonzero(new < d)[0]
        d = new
    raise RuntimeError("negative cycle in the residual network")  # pragma: no cover


def _mark_top(out: NDArray[np.bool_], cost: NDArray[np.float64], k: int) -> None:
    """Set ``out`` at the ``k`` smallest finite entries of each row of ``cost``."""
    if k <= 0 or cost.size == 0:
        return
    if k < cost.shape[1]:
        idx = np.argpartition(cost, k - 1, axis=1)[:, :k]
    else:
        idx = np.broadcast_to(np.arange(cost.shape[1]), cost.shape)
    ok = np.take_along_axis(cost, idx, axis=1) < np.inf
    rows = np.broadcast_to(np.arange(cost.shape[0])[:, None], idx.shape)
    out[rows[ok], idx[ok]] = True


def top_candidates(
    scores: NDArray[np.float64], usable: NDArray[np.bool_], k_row: int, k_col: int
) -> NDArray[np.bool_]:
    """Mask of each mentee's ``k_row`` and each mentor's ``k_col`` best usable pairs.

    Worked in blocks of about ``_BLOCK`` entries.
    """
    n, m = usable.shape
    keep = np.zeros((n, m), dtype=np.bool_)
    step = max(1, _BLOCK // max(m, 1))
    for r0 in range(0, n, step):
        r = slice(r0, r0 + step)
        cost = np.negative(scores[r])
        cost[~usable[r]] = np.inf
        _mark_top(keep[r], cost, k_row)
    step = max(1, _BLOCK // max(n, 1))
    for c0 in range(0, m, step):
        c = slice(c0, c0 + step)
        block = scores[:, c].T
        cost = np.empty(block.shape)
        np.negative(block, out=cost)
        cost[~usable[:, c].T] = np.inf
        _mark_top(keep[:, c].T, cost, k_col)
    return keep


@dataclass(eq=False)
class _Candidates:
    """Candidate pairs: a dense membership mask and the pair arrays, in step."""

    mask: NDArray[np.bool_]
    tee: NDArray[np.intp]
    tor: NDArray[np.intp]

    @classmethod
    def of(cls, mask: NDArray[np.bool_]) -> _Candidates:
        """The candidates set in ``mask`` (kept, not copied)."""
        tee, tor = np.nonzero(mask)
        return cls(mask, tee.astype(np.intp), tor.astype(np.intp))

    def add(self, tee: NDArray[np.intp], tor: NDArray[np.intp]) -> None:
        """Add pairs that are not candidates yet."""
        self.mask[tee, tor] = True
        self.tee = np.concatenate([self.tee, tee])
        self.tor = np.concatenate([self.tor, tor])


def _pick(
    ok: NDArray[np.bool_], key: NDArray[np.float64], limit: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Rows and columns of the ``limit`` largest ``key`` per row where ``ok``."""
    rows = np.nonzero(ok.any(axis=1))[0]
    if rows.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    sub_ok = ok[rows]
    if limit < ok.shape[1]:
        idx = np.argpartition(np.where(sub_ok, -key[rows], np.inf), limit - 1, axis=1)
        idx = idx[:, :limit]
    else:
        idx = np.broadcast_to(np.arange(ok.shape[1]), sub_ok.shape)
    sel = np.take_along_axis(sub_ok, idx, axis=1)
    rr = np.broadcast_to(rows[:, None], idx.shape)
    return rr[sel].astype(np.intp), idx[sel].astype(np.intp)


def _cut_violators(
    scores: NDArray[np.float64],
    usable: NDArray[np.bool_],
    in_k: NDArray[np.bool_],
    src_tee: NDArray[np.bool_],
    sink_tor: NDArray[np.bool_],
    floor: float,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Usable pairs outside ``in_k`` scoring above ``floor`` that cross the cut.

    A pair crosses when its mentee is on the source side and its mentor on the
    sink side; the best ``_ADD_PER_ROW`` of each mentee are returned.
    """
    rows, cols = np.nonzero(src_tee)[0], np.nonzero(sink_tor)[0]
    got_t: list[NDArray[np.intp]] = []
    got_r: list[NDArray[np.intp]] = []
    if rows.size and cols.size:
        step = max(1, _BLOCK // cols.size)
        for r0 in range(0, rows.size, step):
            r = rows[r0 : r0 + step]
            ix = np.ix_(r, cols)
            sub = scores[ix]
            ok = usable[ix] & ~in_k[ix] & (sub > floor)
            a, b = _pick(ok, sub, _ADD_PER_ROW)
            got_t.append(r[a])
            got_r.append(cols[b])
    return _joined(got_t), _joined(got_r)


def _priced_violators(
    scores: NDArray[np.float64],
    usable: NDArray[np.bool_],
    in_k: NDArray[np.bool_],
    floor: float,
    factor: Scale,
    d_tee: NDArray[np.int64],
    d_tor: NDArray[np.int64],
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Usable pairs outside ``in_k`` scoring at least ``floor`` with negative
    reduced cost ``-round(score * factor) + d_tee[i] - d_tor[j]``.

    The ``_ADD_PER_ROW`` most negative of each mentee are returned. Scores are
    first screened in floating point, with a margin above every rounding error
    of the screen, then the survivors are checked in exact integers.
    """
    n, m = usable.shape
    step = max(1, _BLOCK // max(m, 1))
    got_t: list[NDArray[np.intp]] = []
    got_r: list[NDArray[np.intp]] = []
    dt = d_tee.astype(np.float64)
    dr = d_tor.astype(np.float64)
    top = max(float(scores.max(initial=0.0)), -float(scores.min(initial=0.0)))
    top = factor.up(top)
    top += float(np.abs(dt).max(initial=0.0)) + float(np.abs(dr).max(initial=0.0))
    margin = -2.0 - 16.0 * np.finfo(np.float64).eps * top
    for r0 in range(0, n, step):
        r = slice(r0, r0 + step)
        sub = scores[r]
        gain = factor.floats(sub) - dt[r, None] + dr[None, :]
        ok = gain > margin
        if not ok.any():
            continue
        ok &= usable[r] & ~in_k[r] & (sub >= floor)
        a, b = np.nonzero(ok)
        if a.size == 0:
            continue
        exact = scale_scores(sub[a, b], factor) - d_tee[r0 + a] + d_tor[b]
        keep = exact > 0
        a, b = a[keep], b[keep]
        if a.size == 0:
            continue
        mask = np.zeros(sub.shape, dtype=np.bool_)
        mask[a, b] = True
        x, y = _pick(mask, gain, _ADD_PER_ROW)
        got_t.append(r0 + x)
        got_r.append(y)
    return _joined(got_t), _joined(got_r)


def _joined(parts: list[NDArray[np.intp]]) -> NDArray[np.intp]:
    if not parts:
        return np.empty(0, dtype=np.intp)
    return np.concatenate(parts).astype(np.intp)


def _solved_max_flow(
    base: FlowNetwork, tee: NDArray[np.intp], tor: NDArray[np.intp]
) -> max_flow.SimpleMaxFlow:
    """Source -> mentees (demand) -> mentors (one per pair arc) -> sink, solved.

    Nodes are mentees ``0..n-1``, mentors ``n..n+m-1``, source ``n+m`` and
    sink ``n+m+1``; lower bounds are ignored.
    """
    n, m, k = base.n, base.m, tee.size
    src, snk = n + m, n + m + 1
    tails = np.concatenate([np.full(n, src), tee, n + np.arange(m)])
    heads = np.concatenate([np.arange(n), n + tor, np.full(m, snk)])
    caps = np.concatenate([base.demand, np.ones(k, dtype=np.int64), base.capacity])
    f = max_flow.SimpleMaxFlow()
    f.add_arcs_with_capacity(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64)
    )
    status = f.solve(src, snk)
    if status != f.OPTIMAL:  # pragma: no cover - capacities are small ints
        raise RuntimeError(f"max flow failed with status {status}")
    return f


def _max_flow_cut(
    base: FlowNetwork, tee: NDArray[np.intp], tor: NDArray[np.intp]
) -> tuple[int, NDArray[np.bool_], NDArray[np.bool_]]:
    """Maximum flow value with these pair arcs, and the source side of a min cut.

    Returns the value and, for mentees and for mentors, whether each lies on
    the source side (reachable from the source in the residual network).
    """
    n, m = base.n, base.m
    f = _solved_max_flow(base, tee, tor)
    side = np.zeros(n + m + 2, dtype=np.bool_)
    side[np.asarray(f.get_source_side_min_cut(), dtype=np.intp)] = True
    return int(f.optimal_flow()), side[:n], side[n : n + m]


def _coverage_upper(base: FlowNetwork, usable: NDArray[np.bool_]) -> int:
    """An upper bound on the matched slots from degrees and capacities."""
    deg_t = usable.sum(axis=1)
    deg_r = usable.sum(axis=0)
    return min(
        int(base.demand.sum()),
        int(base.capacity.sum()),
        int(np.minimum(base.demand, deg_t).sum()),
        int(np.minimum(base.capacity, deg_r).sum()),
    )


def _initial_candidates(
    scores: NDArray[np.float64], usable: NDArray[np.bool_], base: FlowNetwork
) -> _Candidates:
    """Each mentee's and each mentor's best pairs, a few beyond demand/capacity."""
    n, m = usable.shape
    k_row = min(m, int(base.demand.max(initial=0)) + _EXTRA)
    k_col = min(n, min(int(base.capacity.max(initial=0)), _EXTRA) + _EXTRA)
    return _Candidates.of(top_candidates(scores, usable, k_row, k_col))


def _sparse_coverage(
    scores: NDArray[np.float64],
    usable: NDArray[np.bool_],
    cand: _Candidates,
    base: FlowNetwork,
    upper: int,
) -> int:
    """Most matched slots over every usable pair, adding candidates as needed.

    The maximum flow on the candidate pairs is also the maximum over all pairs
    once no usable pair crosses its minimum cut.
    """
    while True:
        value, src_tee, src_tor = _max_flow_cut(base, cand.tee, cand.tor)
        if value >= upper:
            return value
        add = _cut_violators(scores, usable, cand.mask, src_tee, ~src_tor, -np.inf)
        if add[0].size == 0:
            return value
        cand.add(*add)


def _sparse_bottleneck(
    scores: NDArray[np.float64],
    usable: NDArray[np.bool_],
    cand: _Candidates,
    base: FlowNetwork,
    slots: int,
    ceiling: float,
) -> float:
    """Largest threshold at which pairs scoring at least it still match ``slots``.

    Scores are capped at ``ceiling``. A binary search over the candidate pairs'
    scores gives a threshold reachable with them; it is the answer when the
    minimum cut of the flow over the candidates above it is crossed by no usable
    pair above it, else the crossing pairs join the candidates and the search
    resumes from there.
    """
    lo = -np.inf
    while True:
        tee, tor = cand.tee, cand.tor
        vals = np.minimum(scores[tee, tor], ceiling)
        order = np.argsort(-vals, kind="stable")
        desc = -vals[order]  # ascending
        levels = -np.unique(desc)
        levels = levels[levels >= lo]

        a, b = 0, levels.size - 1  # levels[b] is reachable; find the first
        while a < b:
            mid = (a + b) // 2
            keep = order[: np.searchsorted(desc, -levels[mid], side="right")]
            if _max_flow_cut(base, tee[keep], tor[keep])[0] >= slots:
                b = mid
            else:
                a = mid + 1
        t = float(levels[b])
        if t >= ceiling:
            return t
        keep = order[: np.searchsorted(desc, -t, side="left")]
        _, src_tee, src_tor = _max_flow_cut(base, tee[keep], tor[keep])
        add = _cut_violators(scores, usable, cand.mask, src_tee, ~src_tor, t)
        if add[0].size == 0:
            return t
        cand.add(*add)
        lo = t


def _sparse_best_total(
    task: Task,
    base: FlowNetwork,
    usable: NDArray[np.bool_],
    cand: _Candidates,
    *,
    floor: float,
    skip_cap: int,
) -> tuple[FlowNetwork, NDArray[np.bool_]] | None:
    """Most total over pairs scoring at least ``floor``, with ``skip_cap`` unmatched.

    Solves on the candidate pairs, prices every other eligible pair with the
    flow's potentials, adds the violators and solves again until none is left.
    Returns the last network and its chosen arcs (``None`` when infeasible).
    """
    scores = task.scores
    n, m = usable.shape
    step = max(1, _BLOCK // max(m, 1))
    max_abs = 0.0
    for r0 in range(0, n, step):
        r = slice(r0, r0 + step)
        sub = scores[r]
        eligible = usable[r] & (sub >= floor)
        max_abs = max(max_abs, float(np.abs(sub[eligible]).max(initial=0.0)))
    factor, unit = base.scale(max_abs, load_weight(task))
    keep = scores[cand.tee, cand.tor] >= floor
    tee, tor = cand.tee[keep], cand.tor[keep]
    while True:
        net = base.with_arcs(tee, tor)
        cost = -scale_scores(scores[tee, tor], factor)
        out = net.solve_priced(cost, bypass_cost=0, skip_cap=skip_cap, load_unit=unit)
        if out is None:
            return None
        chosen, d = out
        add = _priced_violators(
            scores, usable, cand.mask, floor, factor, d[:n], d[n : n + m]
        )
        if add[0].size == 0:
            return net, chosen
        cand.add(*add)
        tee, tor = np.concatenate([tee, add[0]]), np.concatenate([tor, add[1]])


def _solve_sparse(task: Task, base: FlowNetwork) -> SolverOutput:
    """``total``, ``coverage`` or ``maxmin`` of a large plain network.

    Candidates are each mentee's and mentor's best pairs; coverage and the
    bottleneck are certified by minimum cuts, the total by reduced costs.
    """
    scores = task.scores
    usable = usable_mask(task)
    cand = _initial_candidates(scores, usable, base)
    total = int(base.demand.sum())
    floor = -np.inf
    info: dict[str, float] = {}
    if task.objective == "total":
        skip_cap = total
    else:
        upper = _coverage_upper(base, usable)
        best = _sparse_coverage(scores, usable, cand, base, upper)
        if best == 0:
            return SolverOutput(pairs=empty_pairs(), status=Status.OPTIMAL)
        skip_cap = total - best
        if task.objective == "maxmin":
            floor = _sparse_bottleneck(
                scores, usable, cand, base, best, task.fixed_min_score
            )
            info = {"threshold": floor, "coverage": float(best)}
    out = _sparse_best_total(task, base, usable, cand, floor=floor, skip_cap=skip_cap)
    if out is None:  # pragma: no cover - a plain network is always feasible
        return _infeasible(task)
    net, chosen = out
    return SolverOutput(pairs=net.pairs(chosen), status=Status.OPTIMAL, info=info)


def _infeasible(task: Task) -> SolverOutput:
    from alummatch.diagnosis import diagnose

    return SolverOutput(
        pairs=empty_pairs(),
        status=Status.INFEASIBLE,
        diagnosis=tuple(diagnose(task)),
    )
