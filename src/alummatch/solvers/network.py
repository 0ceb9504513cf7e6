"""The mentee-mentor flow network shared by ``flow`` and the diagnosis.

The network, built from numpy arrays in one call::

    mentee i --(1, -score)--> mentor j --(capacity - min_load)--> sink
    mentee i --(demand)--> [group node g] --(skip cap of g)--> skip --(cap)--> sink

Each mentee supplies its demand; a mentor's minimum load is a lower bound on
its arc to the sink, removed by the usual transformation (the mentor demands
``min_load`` units, the sink that much less). Arcs exist only for allowed
pairs, with capacity one, so a mentee never takes a mentor twice.

Constraint kinds become network terms through :data:`NETWORK_ENCODERS`, the
table that ``flow`` owns (see :mod:`alummatch.solvers.terms` for the exact
reading of each):

- ``GroupQuota``: the unmatched slots of a group's mentees go through the
  group's node, whose arc to the skip node carries at most
  ``residual demand - residual need`` units, so at least the quota is
  matched. One ``GroupQuota`` per task (groups of two groupings overlap and
  no longer form a tree).
- waitlist tiers (:func:`~alummatch.solvers.terms.wait_tiers`), when no
  quota groups the mentees: the same nodes, one per tier, whose caps the
  solver lowers tier by tier (the fewest slots left out, longest wait first).
- ``BalancedLoad(weight)``: the mentor-to-sink arc is split into unit arcs
  whose costs rise by ``weight`` per mentee already there (pinned included),
  a convex cost that min-cost flow fills cheapest first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from alummatch.constraints.fairness import BalancedLoad, GroupQuota
from alummatch.solvers.base import Encoders, Task, encoder_for
from alummatch.solvers.scaling import Scale, scale_factor, scale_scores
from alummatch.solvers.terms import group_needs, pinned_load, wait_tiers

__all__ = [
    "NETWORK_ENCODERS",
    "FlowNetwork",
    "NetworkTerms",
    "max_flow_cut",
    "network_terms",
    "residual_potentials",
    "solved_max_flow",
    "usable_mask",
]

_COST_BUDGET = float(2**60)
"""OR-Tools refuses |cost| * (nodes + 1) >= 2**62; keep a factor 4 below."""


@dataclass
class NetworkTerms:
    """What the task's constraints add to the network."""

    quotas: list[GroupQuota] = field(default_factory=list)
    load_weight: float = 0.0


def _encode_quota(terms: NetworkTerms, c: GroupQuota) -> None:
    terms.quotas.append(c)


def _encode_load(terms: NetworkTerms, c: BalancedLoad) -> None:
    terms.load_weight += float(c.weight)


NETWORK_ENCODERS: Encoders = {GroupQuota: _encode_quota, BalancedLoad: _encode_load}
"""``flow``'s table: the constraint kinds a network encodes, and how."""


def network_terms(task: Task) -> NetworkTerms:
    """The network terms of the task's constraints (each must be in the table)."""
    terms = NetworkTerms()
    for c in task.constraints:
        encode = encoder_for(NETWORK_ENCODERS, c)
        if encode is None:
            raise ValueError(f"a flow network cannot encode {c!r}")
        encode(terms, c)
    return terms


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
        terms = network_terms(task)
        if terms.quotas:
            needs = group_needs(task, terms.quotas[0])
            group, skip = needs.index, needs.skip_cap
        else:
            tiers = wait_tiers(task)
            if tiers is not None:  # caps start open; the solver lowers them
                group = tiers[0]
                member = group >= 0
                skip = np.bincount(
                    group[member],
                    weights=task.demand[member],
                    minlength=tiers[1].size,
                ).astype(np.int64)
        base = pinned_load(task) if terms.load_weight > 0 else None
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
        bypass_cost: int | NDArray[np.int64],
        skip_cap: int,
        load_unit: int = 0,
    ) -> tuple[str, int, NDArray[np.bool_]]:
        """Solve one min-cost flow; return status, optimal cost, chosen pair arcs.

        Parameters
        ----------
        pair_cost : ndarray of int or None
            Cost of each pair arc (``None``: all zero).
        bypass_cost : int or ndarray of int, shape (n,)
            Cost of each unmatched slot (per mentee, when an array).
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
        d = residual_potentials(
            self.n_nodes, tails, heads, caps, costs, flows, sides=(self.n, self.m)
        )
        return flows[: self.tee.size] > 0, d

    def solve_relaxed(
        self,
        pair_cost: NDArray[np.int64] | None,
        *,
        bypass_cost: int | NDArray[np.int64],
        skip_cap: int,
        artificial_cost: int,
        load_unit: int = 0,
    ) -> tuple[NDArray[np.bool_], NDArray[np.int64], int]:
        """Solve with artificial arcs that make any set of pair arcs feasible.

        Beside the arcs of :meth:`arcs`, the skip node may feed every mentor's
        minimum load, every group node may send any number of slots to the
        skip node and the skip node any number to the sink, each unit at
        ``artificial_cost``. The flow is then always feasible; when
        ``artificial_cost`` exceeds the cost of any simple cycle without
        artificial arcs, an optimal flow uses artificial arcs only if no flow
        of the whole network (every pair arc) meets the requirements.

        Returns
        -------
        chosen : ndarray of bool
            Pair arcs carrying flow.
        potentials : ndarray of int
            As in :meth:`solve_priced`, over every node.
        artificial : int
            Units on artificial arcs.
        """
        tails, heads, caps, costs, supplies = self.arcs(
            pair_cost, bypass_cost=bypass_cost, skip_cap=skip_cap, load_unit=load_unit
        )
        n, m, g = self.n, self.m, self.n_groups
        sink, skip = n + m, n + m + 1
        total = max(int(self.demand.sum()), 1)
        lows = np.nonzero(self.min_load > 0)[0]
        a_tails = np.concatenate(
            [np.full(lows.size, skip), n + m + 2 + np.arange(g), [skip]]
        ).astype(np.int64)
        a_heads = np.concatenate([n + lows, np.full(g, skip), [sink]]).astype(np.int64)
        a_caps = np.concatenate(
            [self.min_load[lows], np.full(g, total), [total]]
        ).astype(np.int64)
        k_real = tails.size
        tails = np.concatenate([tails, a_tails])
        heads = np.concatenate([heads, a_heads])
        caps = np.concatenate([caps, a_caps])
        costs = np.concatenate(
            [costs, np.full(a_tails.size, artificial_cost, dtype=np.int64)]
        )
        f = min_cost_flow.SimpleMinCostFlow()
        f.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        f.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int64), supplies)
        status = f.solve()
        if status != f.OPTIMAL:  # pragma: no cover - artificial arcs make it feasible
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flows = np.asarray(f.flows(np.arange(tails.size, dtype=np.int64)))
        d = residual_potentials(
            self.n_nodes, tails, heads, caps, costs, flows, sides=(self.n, self.m)
        )
        return flows[: self.tee.size] > 0, d, int(flows[k_real:].sum())

    def arcs(
        self,
        pair_cost: NDArray[np.int64] | None,
        *,
        bypass_cost: int | NDArray[np.int64],
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
            [
                pair_cost,
                np.broadcast_to(np.asarray(bypass_cost, dtype=np.int64), (n,)),
                load_cost,
                np.zeros(g),
                [0],
            ]
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
        """No lower bounds or groups (minimum loads, quotas, wait tiers): a
        plain maximum flow will do."""
        return self.group is None and not self.min_load.any()

    def max_flow_value(self) -> int:
        """Most matched slots by a plain maximum flow (ignores lower bounds)."""
        return int(solved_max_flow(self, self.tee, self.tor).optimal_flow())

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

    def with_wait_caps(self, slots: int) -> FlowNetwork:
        """Lower each wait tier's cap to the fewest slots it must leave out.

        Longest wait first, each tier's unmatched slots are minimised among
        the matchings of ``slots`` matched slots that keep the caps already
        set (one min-cost flow per tier, bypass cost 1 on that tier only).
        The group nodes must be wait tiers (no quota).
        """
        assert self.group is not None
        assert self.group_skip_cap is not None
        total = int(self.demand.sum())
        caps = self.group_skip_cap.copy()
        for tier in range(caps.size):
            net = dataclasses.replace(self, group_skip_cap=caps.copy())
            cost = (self.group == tier).astype(np.int64)
            status, left_out, _ = net.solve(
                None, bypass_cost=cost, skip_cap=total - slots
            )
            if status != "optimal":  # pragma: no cover - slots is reachable
                raise RuntimeError("wait tiers: the coverage found is unreachable")
            caps[tier] = left_out
        return dataclasses.replace(self, group_skip_cap=caps)

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

    def pairs(self, chosen: NDArray[np.bool_]) -> NDArray[np.intp]:
        """``(k, 2)`` mentee, mentor indices of the chosen arcs."""
        return np.stack([self.tee[chosen], self.tor[chosen]], axis=1).astype(np.intp)


def usable_mask(task: Task) -> NDArray[np.bool_]:
    """Allowed pairs with a free mentor seat and a free mentee slot."""
    return task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]


PairArcs = tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]
"""Mentees, mentors and scores of a working set of pair arcs."""


def priced_wait_caps(
    base: FlowNetwork,
    slots: int,
    working: Callable[[], PairArcs],
    price: Callable[[NDArray[np.int64]], int],
) -> tuple[FlowNetwork, PairArcs]:
    """:meth:`FlowNetwork.with_wait_caps` over every pair, on working pairs.

    Longest wait first, each tier's unmatched slots are minimised among the
    matchings of ``slots`` matched slots that keep the caps already set: a
    relaxed flow (:meth:`FlowNetwork.solve_relaxed`, unmatched slots at cost
    1 on that tier only) on the working pairs (``working()``), solved again
    while ``price(potentials)`` adds pairs from outside them that could
    lower it (it returns how many it added). Returns the capped network and
    the pairs of the last tier's flow, which keeps every cap.
    """
    assert base.group is not None
    assert base.group_skip_cap is not None
    total = int(base.demand.sum())
    caps = base.group_skip_cap.copy()
    artificial_cost = 2 * (base.n_groups + 1) + 1
    for tier in range(caps.size):
        capped = dataclasses.replace(base, group_skip_cap=caps.copy())
        cost = (base.group == tier).astype(np.int64)
        while True:
            tee, tor, sc = working()
            chosen, d, artificial = capped.with_arcs(tee, tor).solve_relaxed(
                None,
                bypass_cost=cost,
                skip_cap=total - slots,
                artificial_cost=artificial_cost,
            )
            if price(d) == 0:
                break
        if artificial > 0:  # pragma: no cover - the slots were proved reachable
            raise RuntimeError("wait tiers: the coverage found is unreachable")
        got = np.bincount(tee[chosen], minlength=base.n)
        member = base.group == tier
        caps[tier] = int((base.demand[member] - got[member]).sum())
    flow = (tee[chosen], tor[chosen], sc[chosen])
    return dataclasses.replace(base, group_skip_cap=caps), flow


def residual_potentials(
    n_nodes: int,
    tails: NDArray[np.int64],
    heads: NDArray[np.int64],
    caps: NDArray[np.int64],
    costs: NDArray[np.int64],
    flows: NDArray[np.int64],
    sides: tuple[int, int] | None = None,
) -> NDArray[np.int64]:
    """Potentials of an optimal flow: every residual arc has a reduced cost >= 0.

    First the shortest-path distances in the residual network, from a
    virtual node joined to every node at cost zero, found by Bellman-Ford
    rounds that relax, all at once, the arcs leaving the nodes whose distance
    fell in the previous round (an optimal flow leaves no negative cycle, so
    the rounds stop). These are the largest potentials at most zero: a
    mentor that no residual arc reaches at a negative cost keeps 0, the
    cheapest a mentor can look, although its seats are all taken.

    With ``sides`` (mentees ``0..n-1`` and mentors ``n..n+m-1``), the
    potentials are then tightened for pricing pairs out of the network: each
    mentor is lowered as far as the residual arcs leaving it allow (a full
    mentor to what its weakest pair is worth against its mentee's potential),
    then each mentee raised as far as the arcs entering it allow. Each step
    keeps every reduced cost non-negative, so the potentials still prove the
    flow optimal, and a pair ``(i, j)`` out of the network looks improving
    (``c + d[i] - d[n + j] < 0``) less often.
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
        if active.size == 0 and sides is not None:
            return _tighten(d, t, h, c, *sides)
    raise RuntimeError("negative cycle in the residual network")  # pragma: no cover


def _tighten(
    d: NDArray[np.int64],
    t: NDArray[np.int64],
    h: NDArray[np.int64],
    c: NDArray[np.int64],
    n: int,
    m: int,
) -> NDArray[np.int64]:
    """Lower mentors, then raise mentees, keeping residual reduced costs >= 0.

    A residual arc ``u -> v`` of cost ``c`` needs ``d[v] <= d[u] + c``: a
    mentor may fall to the largest ``d[v] - c`` over the arcs leaving it, a
    mentee rise to the smallest ``d[u] + c`` over the arcs entering it.
    """
    d = d.copy()
    low, high = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    out = (t >= n) & (t < n + m)
    floor = np.full(d.size, low, dtype=np.int64)
    np.maximum.at(floor, t[out], d[h[out]] - c[out])
    tor = np.arange(n, n + m)
    tor = tor[floor[tor] > low]
    d[tor] = np.minimum(d[tor], floor[tor])
    into = h < n
    ceil = np.full(d.size, high, dtype=np.int64)
    np.minimum.at(ceil, h[into], d[t[into]] + c[into])
    tee = np.arange(n)
    tee = tee[ceil[tee] < high]
    d[tee] = np.maximum(d[tee], ceil[tee])
    return d


def solved_max_flow(
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


def max_flow_cut(
    base: FlowNetwork, tee: NDArray[np.intp], tor: NDArray[np.intp]
) -> tuple[int, NDArray[np.bool_], NDArray[np.bool_]]:
    """Maximum flow value with these pair arcs, and the source side of a min cut.

    Returns the value and, for mentees and for mentors, whether each lies on
    the source side (reachable from the source in the residual network).
    """
    n, m = base.n, base.m
    f = solved_max_flow(base, tee, tor)
    side = np.zeros(n + m + 2, dtype=np.bool_)
    side[np.asarray(f.get_source_side_min_cut(), dtype=np.intp)] = True
    return int(f.optimal_flow()), side[:n], side[n : n + m]
