"""Exact flow on a candidate problem, certified over every pair by re-scoring.

A candidate problem (``build_problem(cohort, candidates=k)``) holds each
mentee's best allowed mentors and a bound on every other allowed score of
the mentee (:class:`~alummatch.problem.CandidateSet`). ``flow`` solves it on
a working set of pairs, first the candidates, as
:mod:`alummatch.solvers.sparse` does on a dense problem, with one change: a
pair outside the working set is priced without its score whenever the
mentee's bound settles it.

With the potentials ``d`` of the optimal flow over every node (mentees,
mentors, sink, skip and group nodes), a pair ``(i, j)`` outside the working
set can improve the flow only if its reduced cost is negative,
``-round(s_ij * factor) + d[i] - d[j] < 0``. Every such score is at most
``bound[i]``, and ``d[j]`` at most ``d_max``, the largest potential of a
mentor with a free seat or not, so mentee ``i`` is settled when
``round(bound[i] * factor) <= d[i] - d_max`` (for the matched-slots stage,
whose pair costs are 0: when ``d[i] >= d_max``). When the build kept one
byte a pair (``CandidateSet.upper``, an upper bound on each score), the other
mentees are priced pair by pair first: only mentors whose potential could let
a pair scoring ``bound[i]`` violate (``d[j] > d[i] - round(bound[i] *
factor)``, a prefix of the mentors sorted by potential) are looked at, each
against its pair's byte, so a mentee is re-scored only when one of its
unknown pairs could still violate; with seats short of demand the full
mentors' potentials settle most mentees this way. The mentees left are
re-scored, in blocks, with the problem's scorer and rules; their violating
pairs (the best ``_ADD_PER_ROW`` of each) join the working set, and the flow
is solved again until no mentee is left unsettled: the flow is then optimal
over every allowed pair, exactly as if the whole matrix had been built.

A re-scored mentee is not re-scored again for nothing: its best
``_RESERVE`` other pairs are kept with their exact scores (priced exactly in
later rounds; the bound drops to the next score) and every pair of its row is
kept as one byte, an upper bound on the score on ``_LEVELS`` levels between
the row's smallest and largest (0: not allowed). Later rounds price its
pairs one by one against those upper bounds and re-score it only when one
of them could still violate. The bytes are allocated lazily (untouched pages
cost nothing), so memory grows with the mentees re-scored, one byte a
mentor each.

Stages and requirements are those of the sparse path: the most matched slots
that meet minimum loads and one ``GroupQuota`` (a min-cost flow with
artificial arcs that keep any working set feasible, so artificial flow after
pricing proves the requirements impossible over every pair), then, when waits
differ, each wait tier's fewest unmatched slots, longest wait first (a
relaxed flow a tier, priced the same way), for ``maxmin`` the largest
threshold at which pairs scoring at least it still match that many (each test
the same certified flow with the threshold as a floor: a mentee whose bound
is below the floor is settled at once), then the best total with that many
above the threshold (``BalancedLoad`` on the mentor-to-sink arcs). The
result's ``info`` says ``certified`` (1), ``pricing_rounds``,
``rescored_rows`` and the final ``working_pairs``.

A time limit is checked between the pricing rounds of the last stage (a
round, or one flow, is not interrupted): past it, the last flow's matching
is returned as ``TIME_LIMIT``, ``certified`` 0. It meets every requirement
and fills the slots of the earlier stages (proved over every pair); only
its total, or its pairs above the threshold, may not be the best.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from alummatch.problem import UPPER_LEVELS, CandidateSet
from alummatch.result import Status
from alummatch.solvers.base import SolverOutput, Task, empty_pairs
from alummatch.solvers.network import (
    FlowNetwork,
    PairArcs,
    network_terms,
    priced_wait_caps,
    solved_max_flow,
)
from alummatch.solvers.scaling import Scale, scale_scores
from alummatch.solvers.sparse import pick_per_row
from alummatch.solvers.terms import wait_tiers

__all__ = ["solve_candidates"]

logger = logging.getLogger("alummatch")

_BLOCK = 1 << 21
"""Pairs re-scored at once (rows of a block times mentors)."""
_ADD_PER_ROW = 4
"""Most pairs a re-scored mentee gains per pricing round."""
_RESERVE = 64
"""Best pairs outside the working set kept, with their scores, per re-scored mentee."""
_START = 10
"""Best candidates per mentee in the first working set (the others are priced)."""
_START_MENTOR = 4
"""Best candidates per mentor in the first working set."""
_LEVELS = 254
"""Levels of the one-byte upper bound kept per pair of a re-scored mentee."""


@dataclass(eq=False)
class _Working:
    """The working pairs, with their sorted keys for membership tests."""

    tee: NDArray[np.intp]
    tor: NDArray[np.intp]
    sc: NDArray[np.float64]
    m: int
    keys: NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        self.keys = np.sort(self.tee.astype(np.int64) * self.m + self.tor)

    def add(
        self, tee: NDArray[np.intp], tor: NDArray[np.intp], sc: NDArray[np.float64]
    ) -> None:
        """Add pairs that are not working pairs yet."""
        self.tee = np.concatenate([self.tee, tee])
        self.tor = np.concatenate([self.tor, tor])
        self.sc = np.concatenate([self.sc, sc])
        new = np.sort(tee.astype(np.int64) * self.m + tor)
        # two sorted runs: a stable sort merges them in linear time
        self.keys = np.sort(np.concatenate([self.keys, new]), kind="stable")

    def drop(self, at: NDArray[np.intp]) -> None:
        """Remove the pairs at positions ``at`` (the keys stay sorted)."""
        gone = np.sort(self.tee[at].astype(np.int64) * self.m + self.tor[at])
        keep = np.ones(self.tee.size, dtype=np.bool_)
        keep[at] = False
        self.tee, self.tor, self.sc = self.tee[keep], self.tor[keep], self.sc[keep]
        self.keys = self.keys[~_member(gone, self.keys)]

    def in_rows(self, rows: NDArray[np.intp]) -> NDArray[np.bool_]:
        """Mask ``(len(rows), m)`` of the working pairs of the given mentees."""
        lo = np.searchsorted(self.keys, rows.astype(np.int64) * self.m)
        hi = np.searchsorted(self.keys, (rows.astype(np.int64) + 1) * self.m)
        lens = hi - lo
        out = np.zeros((rows.size, self.m), dtype=np.bool_)
        if lens.sum():
            which = np.repeat(np.arange(rows.size), lens)
            at = np.repeat(lo - np.cumsum(lens) + lens, lens) + np.arange(
                int(lens.sum())
            )
            out[which, self.keys[at] - rows[which].astype(np.int64) * self.m] = True
        return out


def _member(keys: NDArray[np.int64], want: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each of ``want`` is among the sorted ``keys``."""
    if keys.size == 0:
        return np.zeros(want.size, dtype=np.bool_)
    pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
    return np.asarray(keys[pos] == want)


@dataclass(eq=False)
class _Pricer:
    """Prices every pair outside the working set, re-scoring unsettled mentees.

    Besides the bound, re-scored mentees leave two things behind: their best
    ``_RESERVE`` pairs outside the working set with exact scores (priced
    exactly in later rounds; the bound drops to the next score) and their
    allowed mentors as bits (the matched-slots stage, whose pair costs are
    0, then re-scores only mentees with a violating pair).
    """

    cs: CandidateSet
    work: _Working
    usable_tor: NDArray[np.bool_]
    bound: NDArray[np.float64]
    rounds: int = 0
    rescored: int = 0
    reserve: _Working | None = None
    quant: NDArray[np.uint8] | None = None
    q_low: NDArray[np.float64] | None = None
    q_span: NDArray[np.float64] | None = None
    cached: NDArray[np.bool_] | None = None
    held: NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        cs = self.cs
        m = cs.n_mentors
        empty_i = np.empty(0, dtype=np.intp)
        self.reserve = _Working(empty_i, empty_i, np.empty(0), m)
        if cs.reserve_mentors is not None:
            # the build's next best per mentee: priced exactly, bound below them
            assert cs.reserve_scores is not None
            assert cs.reserve_bound is not None
            rm, rs = cs.reserve_mentors, cs.reserve_scores
            tee = np.broadcast_to(np.arange(rm.shape[0])[:, None], rm.shape)
            ok = rm >= 0
            tee, tor, sc = tee[ok].astype(np.intp), rm[ok], rs[ok]
            ok = self.usable_tor[tor] & ~_member(
                self.work.keys, tee.astype(np.int64) * m + tor
            )
            self.reserve = _Working(tee[ok], tor[ok], sc[ok].astype(np.float64), m)
            has = np.isfinite(self.bound)
            self.bound = np.where(has, cs.reserve_bound, self.bound)
        self.cached = np.zeros(self.cs.n_mentees, dtype=np.bool_)

    def hold(self, tee: NDArray[np.intp], tor: NDArray[np.intp]) -> None:
        """Remember the pairs of a feasible flow (kept working by :meth:`shrink`)."""
        self.held = np.sort(tee.astype(np.int64) * self.cs.n_mentors + tor)

    def shrink(self, keep: NDArray[np.bool_]) -> None:
        """Move the working pairs not kept to the reserve (priced exactly)."""
        assert self.reserve is not None
        w, r = self.work, self.reserve
        self.reserve = _Working(
            np.concatenate([r.tee, w.tee[~keep]]),
            np.concatenate([r.tor, w.tor[~keep]]),
            np.concatenate([r.sc, w.sc[~keep]]),
            r.m,
        )
        self.work = _Working(w.tee[keep], w.tor[keep], w.sc[keep], w.m)

    def most_slots(self, demand: NDArray[np.int64], capacity: NDArray[np.int64]) -> int:
        """Slots no matching of any allowed pairs can exceed.

        The usable seats, and the slots of the mentees with an allowed pair
        (a working or reserve pair, or a finite bound on the others).
        """
        assert self.reserve is not None
        has = np.isfinite(self.bound)
        has[self.work.tee] = True
        has[self.reserve.tee] = True
        seats = int(np.asarray(capacity)[self.usable_tor].sum())
        return min(seats, int(np.asarray(demand)[has].sum()))

    def _known(self, rows: NDArray[np.intp]) -> NDArray[np.bool_]:
        assert self.reserve is not None
        return self.work.in_rows(rows) | self.reserve.in_rows(rows)

    def _price_reserve(
        self,
        d_tee: NDArray[np.int64],
        d_tor: NDArray[np.int64],
        factor: Scale | None,
        floor: float,
    ) -> int:
        """Move the reserve pairs with a negative reduced cost to the working set."""
        res = self.reserve
        assert res is not None
        if res.tee.size == 0:
            return 0
        if factor is None:
            gain = (d_tor[res.tor] - d_tee[res.tee]).astype(np.float64)
            key = res.sc
        else:
            exact = scale_scores(res.sc, factor) - d_tee[res.tee] + d_tor[res.tor]
            gain = exact.astype(np.float64)
            key = gain
        viol = np.nonzero((gain > 0) & (res.sc >= floor))[0]
        if viol.size == 0:
            return 0
        # the _ADD_PER_ROW best of each mentee
        order = np.lexsort((-key[viol], res.tee[viol]))
        viol = viol[order]
        move = viol[_rank_in_runs(res.tee[viol]) < _ADD_PER_ROW]
        self.work.add(res.tee[move], res.tor[move], res.sc[move])
        res.drop(move)
        return int(move.size)

    def _upper(self, part: NDArray[np.intp]) -> NDArray[np.float64]:
        """Upper bounds of the cached mentees' scores (``-inf``: not usable)."""
        assert self.quant is not None
        assert self.q_low is not None
        assert self.q_span is not None
        q = self.quant[part]
        span = self.q_span[part, None]
        ub = self.q_low[part, None] + (q.astype(np.float64) - 1.0) / _LEVELS * span
        ub += 1e-9 * (np.abs(span) + np.abs(self.q_low[part, None]) + 1.0)
        ub[q == 0] = -np.inf
        return ub

    def _store(
        self, part: NDArray[np.intp], s: NDArray[np.float64], usable: NDArray[np.bool_]
    ) -> None:
        """Keep re-scored rows as one byte a pair: an upper bound, 0 if unusable."""
        if self.quant is None:
            n, m = self.cs.n_mentees, self.cs.n_mentors
            # zeroed pages are only touched for the rows stored
            self.quant = np.zeros((n, m), dtype=np.uint8)
            self.q_low = np.zeros(n)
            self.q_span = np.ones(n)
        assert self.q_low is not None
        assert self.q_span is not None
        assert self.cached is not None
        masked = np.where(usable, s, np.nan)
        with np.errstate(all="ignore"):
            low = np.nanmin(masked, axis=1, initial=np.inf)
            high = np.nanmax(masked, axis=1, initial=-np.inf)
        low = np.where(np.isfinite(low), low, 0.0)
        span = np.where(high > low, high - low, 1.0)
        level = np.ceil((s - low[:, None]) / span[:, None] * _LEVELS)
        q = np.clip(level, 0, _LEVELS) + 1
        self.quant[part] = np.where(usable, q, 0).astype(np.uint8)
        self.q_low[part], self.q_span[part] = low, span
        self.cached[part] = True

    def _possible(
        self,
        rows: NDArray[np.intp],
        d_tee: NDArray[np.int64],
        d_tor: NDArray[np.int64],
        factor: Scale | None,
        floor: float,
    ) -> NDArray[np.intp]:
        """Cached mentees with an unknown pair whose upper bound could violate."""
        m = self.cs.n_mentors
        step = max(1, _BLOCK // max(m, 1))
        out: list[NDArray[np.intp]] = []
        for r0 in range(0, rows.size, step):
            part = rows[r0 : r0 + step]
            ub = self._upper(part)
            open_ = np.isfinite(ub) & (ub >= floor) & ~self._known(part)
            if factor is None:
                viol = open_ & (d_tor[None, :] > d_tee[part, None])
            else:
                top = scale_scores(np.where(open_, ub, 0.0), factor)
                viol = open_ & (top - d_tee[part, None] + d_tor[None, :] > 0)
            out.append(part[viol.any(axis=1)])
        return np.concatenate(out) if out else rows[:0]

    def _screen(
        self,
        rows: NDArray[np.intp],
        d_tee: NDArray[np.int64],
        d_tor: NDArray[np.int64],
        factor: Scale | None,
        floor: float,
    ) -> NDArray[np.intp]:
        """Mentees with an unknown pair whose build upper bound could violate.

        Only mentors whose price could let a pair of the mentee's bound
        violate are looked at (``d[j] > d[i] - round(bound[i] * factor)``):
        the usable mentors sorted by price, a prefix of them per mentee.

        Each pair's test is done on its byte ``q``: the pair's score is at
        most ``U = low + (q - 1) * span / L + eps`` (``L`` levels), and it can
        violate only if ``round(s * 2**e) > T = d[i] - d[j]``, so only if
        ``U * 2**e > T - 1``, that is ``q > a * T + b`` with per-mentee
        ``a = L / (span * 2**e)`` and ``b = 1 + L * (-2**-e - low - eps) /
        span`` (a looser test than the rounding needs: nothing is missed).
        """
        cs = self.cs
        assert cs.upper is not None
        assert cs.upper_low is not None
        assert cs.upper_span is not None
        if rows.size == 0:
            return rows
        tors = np.nonzero(self.usable_tor)[0]
        order = tors[np.argsort(-d_tor[tors], kind="stable")]
        desc = d_tor[order]
        if factor is None:
            thr = d_tee[rows]
        else:
            thr = d_tee[rows] - scale_scores(self.bound[rows], factor)
        # mentors with d[j] > thr: a prefix of the descending order
        count = np.searchsorted(-desc, -thr, side="left").astype(np.int64)
        out: list[NDArray[np.intp]] = []
        ends = np.cumsum(count)
        logger.debug(
            "screening %d mentees, %d pairs by the build's bytes",
            rows.size,
            int(ends[-1]),
        )
        starts = ends - count
        levels = float(UPPER_LEVELS)
        low_all, span_all = cs.upper_low[rows], cs.upper_span[rows]
        eps = 1e-6 * (np.abs(span_all) + np.abs(low_all) + 1.0)
        if factor is not None:
            a_all = np.ldexp(levels / span_all, -factor.exp)
            gap = -np.ldexp(1.0, -factor.exp) - low_all - eps
            b_all = 1.0 + levels * gap / span_all
        with np.errstate(invalid="ignore", over="ignore"):
            qf_all = 1.0 + levels * (floor - low_all - eps) / span_all - 1e-6
        r0 = 0
        while r0 < rows.size:
            # rows whose pairs fit in one block
            r1 = int(np.searchsorted(ends, starts[r0] + _BLOCK, side="right"))
            r1 = max(r1, r0 + 1)
            sl = slice(r0, r1)
            part, cnt = rows[sl], count[sl]
            r0 = r1
            total = int(cnt.sum())
            if total == 0:
                continue
            tee = np.repeat(part, cnt)
            first = np.repeat(np.cumsum(cnt) - cnt, cnt)
            tor = order[np.arange(total) - first]
            q = cs.upper[tee, tor]
            top = q == 255  # a candidate: no bound
            cand = q > 0  # 0: not allowed
            if floor > -np.inf:
                cand &= q >= np.repeat(qf_all[sl], cnt)
            if factor is not None:
                t = (np.repeat(d_tee[part], cnt) - d_tor[tor]).astype(np.float64)
                t *= np.repeat(a_all[sl], cnt)
                t += np.repeat(b_all[sl], cnt)
                cand &= q > t - 1e-6
            cand |= top
            idx = np.nonzero(cand)[0]
            if idx.size == 0:
                continue
            key = tee[idx].astype(np.int64) * cs.n_mentors + tor[idx]
            known = _member(self.work.keys, key)
            assert self.reserve is not None
            known |= _member(self.reserve.keys, key)
            out.append(np.unique(tee[idx[~known]]))
        return np.unique(np.concatenate(out)) if out else rows[:0]

    def round(
        self,
        d_tee: NDArray[np.int64],
        d_tor: NDArray[np.int64],
        factor: Scale | None,
        floor: float = -np.inf,
    ) -> int:
        """One pricing round; return the pairs added (``factor None``: zero costs).

        Only pairs scoring at least ``floor`` are priced. A mentee is settled
        by its bound (module docstring) or re-scored.
        """
        assert self.cached is not None
        self.rounds += 1
        added = self._price_reserve(d_tee, d_tor, factor, floor)
        if added:
            # partial pricing: re-solve with the reserve's violators before the
            # costlier screening and re-scoring (a round that adds nothing
            # always prices every pair)
            logger.info("pricing round %d: %d reserve pairs added", self.rounds, added)
            return added
        d_max = int(d_tor[self.usable_tor].max(initial=np.iinfo(np.int64).min))
        has = np.isfinite(self.bound) & (self.bound >= floor)
        if factor is None:
            unsettled = has & (d_tee < d_max)
        else:
            top = np.where(has, self.bound, 0.0)
            unsettled = has & (scale_scores(top, factor) - d_tee + d_max > 0)
        rows = np.nonzero(unsettled)[0].astype(np.intp)
        if rows.size and self.quant is not None:
            # mentees re-scored before: priced pair by pair from their bytes
            hit = self.cached[rows]
            again = self._possible(rows[hit], d_tee, d_tor, factor, floor)
            rows = np.union1d(rows[~hit], again).astype(np.intp)
        if rows.size and self.cs.upper is not None:
            # the others: pair by pair from the build's bytes
            hit = ~self.cached[rows]
            again = self._screen(rows[hit], d_tee, d_tor, factor, floor)
            rows = np.union1d(rows[~hit], again).astype(np.intp)
        if rows.size:
            added += self._rescore(rows, d_tee, d_tor, factor, floor)
        if rows.size or added:
            logger.info(
                "pricing round %d: %d mentees re-scored, %d pairs added",
                self.rounds,
                rows.size,
                added,
            )
        return added

    def _rescore(
        self,
        rows: NDArray[np.intp],
        d_tee: NDArray[np.int64],
        d_tor: NDArray[np.int64],
        factor: Scale | None,
        floor: float = -np.inf,
    ) -> int:
        """Re-score mentees: add their violators, keep a reserve, lower the bound."""
        assert self.cached is not None
        assert self.reserve is not None
        m = self.cs.n_mentors
        step = max(1, _BLOCK // max(m, 1))
        add_t: list[NDArray[np.intp]] = []
        add_r: list[NDArray[np.intp]] = []
        add_s: list[NDArray[np.float64]] = []
        res_t: list[NDArray[np.intp]] = []
        res_r: list[NDArray[np.intp]] = []
        res_s: list[NDArray[np.float64]] = []
        for r0 in range(0, rows.size, step):
            part = rows[r0 : r0 + step]
            s_rows, a_rows = self.cs.rescore(part)
            s = np.asarray(s_rows, dtype=np.float64)
            usable = a_rows & self.usable_tor[None, :]
            if self.cs.upper is None:
                # the build's bytes, when kept, stay valid for the row
                self._store(part, s, usable)
            out = usable & ~self._known(part)
            if factor is None:
                gain = (d_tor[None, :] - d_tee[part, None]).astype(np.float64)
                viol = out & (gain > 0)
                key = s
            else:
                exact = scale_scores(s, factor) - d_tee[part, None] + d_tor[None, :]
                viol = out & (exact > 0)
                key = exact.astype(np.float64)
            if floor > -np.inf:
                viol &= s >= floor
            a, b = pick_per_row(viol, key, _ADD_PER_ROW)
            if a.size:  # added after the round: blocks hold disjoint mentees
                add_t.append(part[a])
                add_r.append(b)
                add_s.append(s[a, b])
                out[a, b] = False
            # the best others become the reserve; the bound covers the rest
            a, b = pick_per_row(out, s, _RESERVE)
            res_t.append(part[a])
            res_r.append(b)
            res_s.append(s[a, b])
            out[a, b] = False
            self.bound[part] = np.where(out, s, -np.inf).max(axis=1)
        self.reserve.add(
            np.concatenate(res_t), np.concatenate(res_r), np.concatenate(res_s)
        )
        added = 0
        if add_t:
            tee = np.concatenate(add_t)
            added = int(tee.size)
            self.work.add(tee, np.concatenate(add_r), np.concatenate(add_s))
        self.rescored += int(rows.size)
        return added


def _first_pairs(
    tee: NDArray[np.intp],
    tor: NDArray[np.intp],
    sc: NDArray[np.float64],
    per_mentee: int,
    per_mentor: int,
) -> NDArray[np.bool_]:
    """The first working pairs: each mentee's and each mentor's best few.

    Ties go to the lower index. The other candidates wait in the pricer's
    reserve, priced exactly every round, so the flows solved are smaller.
    """
    keep = np.zeros(tee.size, dtype=np.bool_)
    for own, other, limit in ((tee, tor, per_mentee), (tor, tee, per_mentor)):
        order = np.lexsort((other, -sc, own))
        keep[order[_rank_in_runs(own[order]) < limit]] = True
    return keep


def _rank_in_runs(keys: NDArray[np.intp]) -> NDArray[np.intp]:
    """Position of each entry within its run of equal (sorted) keys."""
    if keys.size == 0:
        return np.zeros(0, dtype=np.intp)
    start = np.r_[0, np.nonzero(np.diff(keys))[0] + 1]
    rank: NDArray[np.intp] = np.arange(keys.size) - np.repeat(
        start, np.diff(np.r_[start, keys.size])
    )
    return rank


def _requirements(
    base: FlowNetwork, pricer: _Pricer, bypass_cost: int, floor: float = -np.inf
) -> tuple[int, float]:
    """Most matched slots meeting the requirements with pairs scoring at least
    ``floor`` (-1: impossible)."""
    n, m = base.n, base.m
    total = int(base.demand.sum())
    if int(base.min_load.sum()) > total:
        return -1, np.inf
    artificial_cost = 2 * (base.n_groups + 1) * bypass_cost + 1
    ceiling = pricer.most_slots(base.demand, base.capacity)
    if base.plain() and bypass_cost > 0:
        # a maximum flow of the working pairs that fills every slot any
        # matching could fill needs no prices (the common case: seats short)
        work = pricer.work
        keep = work.sc >= floor
        k = int(keep.sum())
        f = solved_max_flow(base, work.tee[keep], work.tor[keep])
        if int(f.optimal_flow()) >= ceiling:
            chosen = np.asarray(f.flows(np.arange(n, n + k))) > 0
            pricer.hold(work.tee[keep][chosen], work.tor[keep][chosen])
            return ceiling, float(work.sc[keep][chosen].min(initial=np.inf))
    while True:
        work = pricer.work
        keep = work.sc >= floor
        net = base.with_arcs(work.tee[keep], work.tor[keep])
        chosen, d, artificial = net.solve_relaxed(
            None,
            bypass_cost=bypass_cost,
            skip_cap=total,
            artificial_cost=artificial_cost,
        )
        if artificial == 0 and (bypass_cost == 0 or int(chosen.sum()) >= ceiling):
            # the requirements hold and no matching of any pairs fills more
            # slots (or, at bypass cost 0, only feasibility was asked)
            break
        if pricer.round(d[:n], d[n : n + m], None, floor) == 0:
            break
    if artificial > 0:
        return -1, np.inf
    pricer.hold(work.tee[keep][chosen], work.tor[keep][chosen])
    return int(chosen.sum()), float(work.sc[keep][chosen].min(initial=np.inf))


def _wait_caps(
    base: FlowNetwork, pricer: _Pricer, slots: int
) -> tuple[FlowNetwork, float]:
    """:func:`~alummatch.solvers.network.priced_wait_caps` on the working
    pairs, priced by the pricer (reserve, bytes, re-scored rows). The last
    tier's flow, which keeps every cap, is held for the next stage; its
    smallest score is returned with the capped network (a level the
    bottleneck reaches).
    """
    n, m = base.n, base.m

    def working() -> PairArcs:
        w = pricer.work
        return w.tee, w.tor, w.sc

    capped, (tee, tor, sc) = priced_wait_caps(
        base,
        slots,
        working,
        lambda d: pricer.round(d[:n], d[n : n + m], None),
    )
    pricer.hold(tee, tor)
    return capped, float(sc.min(initial=np.inf))


def _bottleneck(base: FlowNetwork, pricer: _Pricer, slots: int, low: float) -> float:
    """Largest threshold at which pairs scoring at least it still match ``slots``.

    ``low`` is reachable. Each test is :func:`_requirements` with the
    threshold as floor, certified over every pair; a binary search runs over
    the working pairs' scores, then one test just above the level found: if
    it reaches ``slots`` too (with pairs the pricing brought in), its flow's
    smallest score is the new reachable level and the search goes on.
    """
    lo, hi = low, np.inf

    def between() -> NDArray[np.float64]:
        levels = np.unique(pricer.work.sc)
        return levels[(levels > lo) & (levels < hi)]

    while True:
        levels = between()
        while levels.size:
            t = float(levels[levels.size // 2])
            got, least = _requirements(base, pricer, 1, t)
            if got >= slots:
                lo = max(t, least)
            else:
                hi = t
            levels = between()
        probe = float(np.nextafter(lo, np.inf))
        if probe >= hi:
            return lo
        got, least = _requirements(base, pricer, 1, probe)
        if got < slots:
            return lo
        lo = least


def solve_candidates(task: Task) -> SolverOutput:
    """``total``, ``coverage`` or ``maxmin`` of a candidate problem, certified."""
    t0 = time.perf_counter()
    prob = task.problem
    cs = prob.candidates
    if cs is None:  # pragma: no cover - dispatched on candidates
        raise ValueError("not a candidate problem")
    base = FlowNetwork.from_task(task, arcs=False)
    usable_tor = np.asarray(task.capacity > 0)
    tee, tor, sc = cs.mentees(), cs.mentors, cs.scores
    keep = usable_tor[tor] & (task.demand > 0)[tee]
    tee, tor, sc = tee[keep], tor[keep], np.asarray(sc[keep], np.float64)
    work = _Working(tee, tor, sc, cs.n_mentors)
    pricer = _Pricer(cs, work, usable_tor, np.array(cs.bound, dtype=np.float64))
    total = int(base.demand.sum())
    skip_cap = total
    n, m = base.n, base.m
    floor = -np.inf
    extra: dict[str, float] = {}
    if task.objective != "total" or not base.plain():
        best, least = _requirements(base, pricer, 0 if task.objective == "total" else 1)
        if best < 0:
            return SolverOutput(
                pairs=empty_pairs(),
                status=Status.INFEASIBLE,
                diagnosis=(
                    "no matching of the allowed pairs meets every minimum load "
                    "and group quota (proved over every pair by the flow's "
                    "prices)",
                ),
                info=_info(pricer),
            )
        if task.objective != "total":
            if best == 0:
                return SolverOutput(
                    pairs=empty_pairs(), status=Status.OPTIMAL, info=_info(pricer)
                )
            skip_cap = total - best
            if wait_tiers(task) is not None:
                # waits rank the matchings of the most slots before the rest
                base, least = _wait_caps(base, pricer, best)
            if task.objective == "maxmin":
                floor = _bottleneck(base, pricer, best, least)
                extra = {"threshold": floor, "coverage": float(best)}
    if task.objective != "maxmin":
        # the best stage solves smaller flows: each side's best few and the
        # pairs the requirements flow used (a feasible flow) stay working,
        # the other candidates wait in the reserve, priced exactly
        w = pricer.work
        keep = _first_pairs(w.tee, w.tor, w.sc, _START, _START_MENTOR)
        if pricer.held is not None:
            keep |= _member(pricer.held, w.tee.astype(np.int64) * m + w.tor)
        pricer.shrink(keep)
    work = pricer.work
    weight = network_terms(task).load_weight
    while True:
        finite = pricer.bound[np.isfinite(pricer.bound)]
        assert pricer.reserve is not None
        max_abs = max(
            float(np.abs(work.sc).max(initial=0.0)),
            float(np.abs(pricer.reserve.sc).max(initial=0.0)),
            float(np.abs(finite).max(initial=0.0)),
        )
        factor, unit = base.scale(max_abs, weight)
        keep = work.sc >= floor
        net = base.with_arcs(work.tee[keep], work.tor[keep])
        out = net.solve_priced(
            -scale_scores(work.sc[keep], factor),
            bypass_cost=0,
            skip_cap=skip_cap,
            load_unit=unit,
        )
        if out is None:  # pragma: no cover - the working set holds a feasible flow
            raise RuntimeError("the working pairs lost a feasible flow")
        chosen, d = out
        if pricer.round(d[:n], d[n : n + m], factor, floor) == 0:
            break
        if task.time_limit is not None and time.perf_counter() - t0 > task.time_limit:
            logger.info(
                "flow on candidates: time limit of %gs reached after %d pricing "
                "rounds, not certified",
                task.time_limit,
                pricer.rounds,
            )
            return SolverOutput(
                pairs=net.pairs(chosen),
                status=Status.TIME_LIMIT,
                info={**extra, **_info(pricer, certified=False)},
            )
    logger.info(
        "flow on candidates: certified optimal in %d pricing rounds, %d mentees "
        "re-scored, %d working pairs, %.2fs",
        pricer.rounds,
        pricer.rescored,
        work.tee.size,
        time.perf_counter() - t0,
    )
    return SolverOutput(
        pairs=net.pairs(chosen),
        status=Status.OPTIMAL,
        info={**extra, **_info(pricer)},
    )


def _info(pricer: _Pricer, *, certified: bool = True) -> dict[str, float]:
    return {
        "certified": float(certified),
        "pricing_rounds": float(pricer.rounds),
        "rescored_rows": float(pricer.rescored),
        "working_pairs": float(pricer.work.tee.size),
    }
