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
whose pair costs are 0: when ``d[i] >= d_max``). The other mentees are
re-scored, in blocks, with the problem's scorer and rules; their violating
pairs (the best ``_ADD_PER_ROW`` of each) join the working set, their bound
drops to the largest score still outside it, and the flow is solved again
until no mentee is left unsettled: the flow is then optimal over every
allowed pair, exactly as if the whole matrix had been built.

Stages and requirements are those of the sparse path: the most matched slots
that meet minimum loads and one ``GroupQuota`` (a min-cost flow with
artificial arcs that keep any working set feasible, so artificial flow after
pricing proves the requirements impossible over every pair), then the best
total with that many (``BalancedLoad`` on the mentor-to-sink arcs). The
result's ``info`` says ``certified`` (1), ``pricing_rounds``,
``rescored_rows`` and the final ``working_pairs``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from alummatch.problem import CandidateSet
from alummatch.result import Status
from alummatch.solvers.base import SolverOutput, Task, empty_pairs
from alummatch.solvers.network import FlowNetwork, network_terms
from alummatch.solvers.scaling import scale_scores

__all__ = ["solve_candidates"]

logger = logging.getLogger("alummatch")

_BLOCK = 1 << 21
"""Pairs re-scored at once (rows of a block times mentors)."""
_ADD_PER_ROW = 4
"""Most pairs a re-scored mentee gains per pricing round."""


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
        self.keys = np.sort(
            np.concatenate([self.keys, tee.astype(np.int64) * self.m + tor])
        )

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


def _pick_rows(
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


@dataclass(eq=False)
class _Pricer:
    """Prices every pair outside the working set, re-scoring unsettled mentees."""

    cs: CandidateSet
    work: _Working
    usable_tor: NDArray[np.bool_]
    bound: NDArray[np.float64]
    rounds: int = 0
    rescored: int = 0

    def round(
        self, d_tee: NDArray[np.int64], d_tor: NDArray[np.int64], factor: float | None
    ) -> int:
        """One pricing round; return the pairs added (``factor None``: zero costs).

        A mentee is settled by its bound (module docstring) or re-scored.
        """
        self.rounds += 1
        d_max = int(d_tor[self.usable_tor].max(initial=np.iinfo(np.int64).min))
        has = np.isfinite(self.bound)
        if factor is None:
            unsettled = has & (d_tee < d_max)
        else:
            top = np.where(has, self.bound, 0.0)
            unsettled = has & (scale_scores(top, factor) - d_tee + d_max > 0)
        rows = np.nonzero(unsettled)[0].astype(np.intp)
        if rows.size == 0:
            return 0
        m = self.cs.n_mentors
        step = max(1, _BLOCK // max(m, 1))
        added = 0
        for r0 in range(0, rows.size, step):
            part = rows[r0 : r0 + step]
            s_rows, a_rows = self.cs.rescore(part)
            s = np.asarray(s_rows, dtype=np.float64)
            out = a_rows & ~self.work.in_rows(part) & self.usable_tor[None, :]
            if factor is None:
                gain = (d_tor[None, :] - d_tee[part, None]).astype(np.float64)
                viol = out & (gain > 0)
                key = s
            else:
                exact = scale_scores(s, factor) - d_tee[part, None] + d_tor[None, :]
                viol = out & (exact > 0)
                key = exact.astype(np.float64)
            a, b = _pick_rows(viol, key, _ADD_PER_ROW)
            if a.size:
                self.work.add(part[a], b, s[a, b])
                out[a, b] = False
                added += int(a.size)
            self.bound[part] = np.where(out, s, -np.inf).max(axis=1)
        self.rescored += int(rows.size)
        logger.info(
            "pricing round %d: %d mentees re-scored, %d pairs added",
            self.rounds,
            rows.size,
            added,
        )
        return added


def _requirements(
    base: FlowNetwork, pricer: _Pricer, bypass_cost: int
) -> tuple[int, NDArray[np.bool_]]:
    """Most matched slots meeting the requirements (-1: impossible)."""
    n, m = base.n, base.m
    total = int(base.demand.sum())
    if int(base.min_load.sum()) > total:
        return -1, np.zeros(0, dtype=np.bool_)
    artificial_cost = 2 * (base.n_groups + 1) * bypass_cost + 1
    while True:
        work = pricer.work
        net = base.with_arcs(work.tee, work.tor)
        chosen, d, artificial = net.solve_relaxed(
            None,
            bypass_cost=bypass_cost,
            skip_cap=total,
            artificial_cost=artificial_cost,
        )
        if pricer.round(d[:n], d[n : n + m], None) == 0:
            break
    if artificial > 0:
        return -1, chosen
    return int(chosen.sum()), chosen


def solve_candidates(task: Task) -> SolverOutput:
    """``total`` or ``coverage`` of a candidate problem, certified (module doc)."""
    t0 = time.perf_counter()
    prob = task.problem
    cs = prob.candidates
    if cs is None:  # pragma: no cover - dispatched on candidates
        raise ValueError("not a candidate problem")
    base = FlowNetwork.from_task(task, arcs=False)
    usable_tor = np.asarray(task.capacity > 0)
    tee, tor, sc = cs.mentees(), cs.mentors, cs.scores
    keep = usable_tor[tor] & (task.demand > 0)[tee]
    work = _Working(
        tee[keep], tor[keep], np.asarray(sc[keep], np.float64), cs.n_mentors
    )
    pricer = _Pricer(cs, work, usable_tor, np.array(cs.bound, dtype=np.float64))
    total = int(base.demand.sum())
    skip_cap = total
    n, m = base.n, base.m
    if task.objective != "total" or not base.plain():
        best, _ = _requirements(base, pricer, 0 if task.objective == "total" else 1)
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
    weight = network_terms(task).load_weight
    while True:
        finite = pricer.bound[np.isfinite(pricer.bound)]
        max_abs = max(
            float(np.abs(work.sc).max(initial=0.0)),
            float(np.abs(finite).max(initial=0.0)),
        )
        factor, unit = base.scale(max_abs, weight)
        net = base.with_arcs(work.tee, work.tor)
        out = net.solve_priced(
            -scale_scores(work.sc, factor),
            bypass_cost=0,
            skip_cap=skip_cap,
            load_unit=unit,
        )
        if out is None:  # pragma: no cover - the working set holds a feasible flow
            raise RuntimeError("the working pairs lost a feasible flow")
        chosen, d = out
        if pricer.round(d[:n], d[n : n + m], factor) == 0:
            break
    logger.info(
        "flow on candidates: certified optimal in %d pricing rounds, %d mentees "
        "re-scored, %d working pairs, %.2fs",
        pricer.rounds,
        pricer.rescored,
        work.tee.size,
        time.perf_counter() - t0,
    )
    return SolverOutput(
        pairs=net.pairs(chosen), status=Status.OPTIMAL, info=_info(pricer)
    )


def _info(pricer: _Pricer) -> dict[str, float]:
    return {
        "certified": 1.0,
        "pricing_rounds": float(pricer.rounds),
        "rescored_rows": float(pricer.rescored),
        "working_pairs": float(pricer.work.tee.size),
    }
