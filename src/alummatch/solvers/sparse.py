"""Large networks: sparse candidate arcs, priced against every pair.

Large problems (many usable pairs) never build an arc for every pair. They
start from candidate pairs
(each mentee's ``demand + _EXTRA`` best and each mentor's
``min(capacity, _EXTRA) + _EXTRA`` best) and prove every stage over all
usable pairs:

- coverage and each threshold test are maximum flows on the candidates; the
  flow is a maximum over all pairs when no usable pair (above the threshold)
  crosses its minimum cut from a source-side mentee to a sink-side mentor;
- the bottleneck (in a plain network) is a binary search over the
  candidates' scores; if the candidates above the bottleneck found fall
  short, their minimum cut is checked the same way;
- the total is a min-cost flow on the candidates whose node potentials
  (shortest-path distances in the residual network,
  :func:`~alummatch.solvers.network.residual_potentials`) price every other
  eligible pair: a pair with a negative reduced cost could improve the flow.

A network with lower bounds or groups (minimum loads, a ``GroupQuota``,
waitlist tiers) is proved by reduced costs throughout, with the potentials
of the min-cost flow over every node, group and skip nodes included:

- the requirements and the most matched slots are a min-cost flow with zero
  pair costs, unmatched slots at cost 1 (0 for ``total``) and artificial
  arcs that keep the candidate network feasible whatever its pairs, at a
  cost above that of any simple cycle of real arcs: a zero-cost pair with a
  negative reduced cost joins the candidates; once none is left, artificial
  flow proves the requirements impossible over every pair;
- with waitlist tiers, each tier's fewest unmatched slots, longest wait
  first, is a min-cost flow of the same kind with unmatched slots at cost 1
  on that tier only, priced the same way
  (:meth:`~alummatch.solvers.network.FlowNetwork.with_wait_caps` over every
  pair);
- for ``maxmin``, the bottleneck is a binary search over the
  candidates' scores, each test the requirements flow on the pairs above
  the threshold, priced against the usable pairs above it; a test one float
  step above the level found brings in any pair that reaches higher, and the
  search goes on from there;
- the total then starts from candidates that hold a feasible flow, and is
  priced as above.

Pairs that cross a cut or price negatively (the best ``_ADD_PER_ROW`` of each
mentee per round) join the candidates and the stage is solved again, until
none is left: the answer is then exactly that of the whole graph. Dense
passes over the score matrix work in blocks of ``_BLOCK`` entries. The factor
scaling scores to integers comes from every eligible pair, not only the
candidates, so the integer costs are those of the whole graph, and pairs are
priced in exact integers (after a floating-point screen with a safe margin).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alummatch.result import Status
from alummatch.solvers.base import SolverOutput, Task, empty_pairs
from alummatch.solvers.diagnosis import infeasible_output
from alummatch.solvers.network import (
    FlowNetwork,
    PairArcs,
    max_flow_cut,
    network_terms,
    priced_wait_caps,
    usable_mask,
)
from alummatch.solvers.scaling import Scale, scale_scores
from alummatch.solvers.terms import wait_tiers

__all__ = ["pick_per_row", "solve_sparse", "top_candidates"]

_BLOCK = 1 << 21
"""Entries of the score matrix worked on at once by dense passes."""
_EXTRA = 8
"""Candidate pairs per mentee beyond its demand (per mentor: beyond capacity)."""
_ADD_PER_ROW = 4
"""Most pairs a mentee gains per pricing round."""


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


def pick_per_row(
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
            a, b = pick_per_row(ok, sub, _ADD_PER_ROW)
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
        x, y = pick_per_row(mask, gain, _ADD_PER_ROW)
        got_t.append(r0 + x)
        got_r.append(y)
    return _joined(got_t), _joined(got_r)


def _joined(parts: list[NDArray[np.intp]]) -> NDArray[np.intp]:
    if not parts:
        return np.empty(0, dtype=np.intp)
    return np.concatenate(parts).astype(np.intp)


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
        value, src_tee, src_tor = max_flow_cut(base, cand.tee, cand.tor)
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
            if max_flow_cut(base, tee[keep], tor[keep])[0] >= slots:
                b = mid
            else:
                a = mid + 1
        t = float(levels[b])
        if t >= ceiling:
            return t
        keep = order[: np.searchsorted(desc, -t, side="left")]
        _, src_tee, src_tor = max_flow_cut(base, tee[keep], tor[keep])
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
    factor, unit = base.scale(max_abs, network_terms(task).load_weight)
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


def _feasibility_violators(
    scores: NDArray[np.float64],
    usable: NDArray[np.bool_],
    in_k: NDArray[np.bool_],
    d_tee: NDArray[np.int64],
    d_tor: NDArray[np.int64],
    floor: float = -np.inf,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Usable pairs scoring at least ``floor`` outside ``in_k`` whose zero-cost
    arc has a negative reduced cost, ``d_tee[i] - d_tor[j] < 0``: the
    ``_ADD_PER_ROW`` best-scoring of each mentee.
    """
    n, m = usable.shape
    step = max(1, _BLOCK // max(m, 1))
    got_t: list[NDArray[np.intp]] = []
    got_r: list[NDArray[np.intp]] = []
    for r0 in range(0, n, step):
        r = slice(r0, r0 + step)
        ok = d_tor[None, :] > d_tee[r, None]
        if not ok.any():
            continue
        ok &= usable[r] & ~in_k[r]
        if floor > -np.inf:
            ok &= scores[r] >= floor
        x, y = pick_per_row(ok, scores[r], _ADD_PER_ROW)
        got_t.append(r0 + x)
        got_r.append(y)
    return _joined(got_t), _joined(got_r)


def _sparse_requirements(
    scores: NDArray[np.float64],
    usable: NDArray[np.bool_],
    cand: _Candidates,
    base: FlowNetwork,
    bypass_cost: int,
    floor: float = -np.inf,
) -> tuple[int, float]:
    """Most matched slots that meet minimum loads and quotas (-1: impossible),
    with pairs scoring at least ``floor``, and the smallest score of a flow
    that has them.

    A min-cost flow on the candidate pairs with zero pair costs, unmatched
    slots at ``bypass_cost`` (1: the most matched slots; 0: any feasible
    flow) and artificial arcs
    (:meth:`~alummatch.solvers.network.FlowNetwork.solve_relaxed`) that meet
    the minimum loads and quotas whatever the candidates. An artificial unit
    costs more than any simple cycle of real arcs (a cycle meets each group
    and the skip node once, so it holds at most ``2 * (groups + 1)`` bypass
    arcs), so an optimal flow of the whole network uses them only when the
    requirements cannot hold. Every other usable pair is priced with the
    flow's potentials; those with a negative reduced cost join the
    candidates and the flow is solved again until none is left. The chosen
    arcs stay candidates, so the candidates then hold a flow that meets
    every requirement with that many matched slots.
    """
    n, m = usable.shape
    total = int(base.demand.sum())
    if int(base.min_load.sum()) > total:  # more seats to fill than slots
        return -1, np.inf
    artificial_cost = 2 * (base.n_groups + 1) * bypass_cost + 1
    while True:
        keep = scores[cand.tee, cand.tor] >= floor
        net = base.with_arcs(cand.tee[keep], cand.tor[keep])
        chosen, d, artificial = net.solve_relaxed(
            None,
            bypass_cost=bypass_cost,
            skip_cap=total,
            artificial_cost=artificial_cost,
        )
        add = _feasibility_violators(
            scores, usable, cand.mask, d[:n], d[n : n + m], floor
        )
        if add[0].size == 0:
            break
        cand.add(*add)
    if artificial > 0:
        return -1, np.inf
    least = float(scores[net.tee[chosen], net.tor[chosen]].min(initial=np.inf))
    return int(chosen.sum()), least


def _sparse_wait_caps(
    scores: NDArray[np.float64],
    usable: NDArray[np.bool_],
    cand: _Candidates,
    base: FlowNetwork,
    slots: int,
) -> tuple[FlowNetwork, float]:
    """:func:`~alummatch.solvers.network.priced_wait_caps` on the candidate
    pairs, priced against every usable pair. The chosen arcs stay
    candidates: the last tier's flow keeps every cap. Returns the capped
    network and that flow's smallest score.
    """
    n, m = usable.shape

    def working() -> PairArcs:
        return cand.tee, cand.tor, scores[cand.tee, cand.tor]

    def price(d: NDArray[np.int64]) -> int:
        add = _feasibility_violators(scores, usable, cand.mask, d[:n], d[n : n + m])
        cand.add(*add)
        return int(add[0].size)

    capped, (_, _, sc) = priced_wait_caps(base, slots, working, price)
    return capped, float(sc.min(initial=np.inf))


def _solve_bounded(task: Task, base: FlowNetwork) -> SolverOutput:
    """``total`` or ``coverage`` of a large network with minimum loads, a quota
    or waitlist tiers.

    First the most matched slots that meet the requirements (for ``total``,
    any flow that meets them), under ``coverage`` each wait tier's fewest
    left out, then the best total with that many, all on candidate pairs
    priced against every usable pair (module docstring).
    """
    scores = task.scores
    usable = usable_mask(task)
    cand = _initial_candidates(scores, usable, base)
    total = int(base.demand.sum())
    best, _ = _sparse_requirements(
        scores, usable, cand, base, 0 if task.objective == "total" else 1
    )
    if best < 0:
        return infeasible_output(task)
    skip_cap = total
    if task.objective != "total":
        if best == 0:
            return SolverOutput(pairs=empty_pairs(), status=Status.OPTIMAL)
        skip_cap = total - best
        if wait_tiers(task) is not None:
            base, _ = _sparse_wait_caps(scores, usable, cand, base, best)
    out = _sparse_best_total(task, base, usable, cand, floor=-np.inf, skip_cap=skip_cap)
    if out is None:  # pragma: no cover - the candidates hold a feasible flow
        raise RuntimeError("the candidate pairs lost a feasible flow")
    net, chosen = out
    return SolverOutput(pairs=net.pairs(chosen), status=Status.OPTIMAL)


def _solve_bounded_maxmin(task: Task, base: FlowNetwork) -> SolverOutput:
    """``maxmin`` of a large network with minimum loads, a quota or wait tiers.

    The most matched slots that meet the requirements, each wait tier's
    fewest left out (when waits differ), then the
    largest threshold at which pairs scoring at least it still match that
    many within the tiers' caps, then the best total above it: every stage a
    flow on candidate pairs priced against every usable pair (a threshold
    test prices the pairs above it only). The threshold search runs over the
    candidates' scores (capped by the pinned pairs' smallest score); a test
    just above the level found brings in any pair that reaches higher, and
    the search goes on from there.
    """
    scores = task.scores
    usable = usable_mask(task)
    cand = _initial_candidates(scores, usable, base)
    total = int(base.demand.sum())
    best, least = _sparse_requirements(scores, usable, cand, base, 1)
    if best < 0:
        return infeasible_output(task)
    if best == 0:
        return SolverOutput(pairs=empty_pairs(), status=Status.OPTIMAL)
    if wait_tiers(task) is not None:
        base, least = _sparse_wait_caps(scores, usable, cand, base, best)
    ceiling = float(task.fixed_min_score)
    lo, hi = min(least, ceiling), np.inf

    def between() -> NDArray[np.float64]:
        levels = np.unique(np.minimum(scores[cand.tee, cand.tor], ceiling))
        return levels[(levels > lo) & (levels < hi)]

    while True:
        levels = between()
        while levels.size:
            t = float(levels[levels.size // 2])
            got, low = _sparse_requirements(scores, usable, cand, base, 1, t)
            if got >= best:
                lo = min(max(t, low), ceiling)
            else:
                hi = t
            levels = between()
        probe = float(np.nextafter(lo, np.inf))
        if probe >= hi or probe > ceiling:
            break
        got, low = _sparse_requirements(scores, usable, cand, base, 1, probe)
        if got < best:
            break
        lo = min(low, ceiling)
    out = _sparse_best_total(task, base, usable, cand, floor=lo, skip_cap=total - best)
    if out is None:  # pragma: no cover - the candidates hold a feasible flow
        raise RuntimeError("the candidate pairs lost a feasible flow")
    net, chosen = out
    return SolverOutput(
        pairs=net.pairs(chosen),
        status=Status.OPTIMAL,
        info={"threshold": lo, "coverage": float(best)},
    )


def solve_sparse(task: Task, base: FlowNetwork) -> SolverOutput:
    """``total``, ``coverage`` or ``maxmin`` of a large network.

    Candidates are each mentee's and mentor's best pairs. In a plain network
    coverage and the bottleneck are certified by minimum cuts, the total by
    reduced costs; a network with minimum loads, a quota or wait tiers is
    certified by reduced costs throughout (:func:`_solve_bounded`;
    :func:`_solve_bounded_maxmin` for ``maxmin``).
    """
    if not base.plain():
        if task.objective == "maxmin":
            return _solve_bounded_maxmin(task, base)
        return _solve_bounded(task, base)
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
        return infeasible_output(task)
    net, chosen = out
    return SolverOutput(pairs=net.pairs(chosen), status=Status.OPTIMAL, info=info)
