"""A fast greedy baseline.

Each round, every mentee with a free slot points at its best-scoring open
allowed mentor it is not yet paired with; each mentor keeps the
highest-scoring pointers up to its free seats (ties to the lower mentee index).
Rounds repeat until no mentee can point. Every round is whole-matrix array
work; no optimality is claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from alummatch.result import Status
from alummatch.solvers.base import Encoders, SolverOutput, Task, unencoded

__all__ = ["Greedy"]


@dataclass(frozen=True)
class Greedy:
    """Greedy baseline: best mentor first, conflicts resolved by score."""

    name: str = "greedy"
    exact: bool = False
    encoders: ClassVar[Encoders] = {}
    """No constraint kinds beyond pair filters and pinning (applied by ``solve``)."""
    handles_candidates: ClassVar[bool] = True
    """On a candidate problem, the same rounds over each mentee's candidates."""

    def unsupported(self, task: Task) -> str | None:
        """Greedy honours capacity, demand, allowed pairs and pair constraints."""
        if task.objective == "maxmin":
            return "optimise the 'maxmin' objective"
        if task.min_load.any():
            return "guarantee mentor minimum loads"
        return unencoded(task, self.encoders)

    def solve(self, task: Task) -> SolverOutput:
        """Run the rounds (see module docstring)."""
        if task.problem.candidates is not None:
            return SolverOutput(pairs=_candidate_rounds(task), status=Status.FEASIBLE)
        n, m = task.allowed.shape
        avail = task.allowed & (task.capacity > 0)[None, :]
        if task.objective == "total":
            avail &= task.scores > 0  # a non-positive pair never raises the total
        need = task.demand.astype(np.int64).copy()
        seats = task.capacity.astype(np.int64).copy()
        chosen: list[NDArray[np.intp]] = []
        masked = np.where(avail, task.scores, -np.inf)
        active = np.nonzero((need > 0) & avail.any(axis=1))[0]
        while active.size:
            sub = masked[active]
            best = np.argmax(sub, axis=1)
            ok = np.isfinite(sub[np.arange(active.size), best])
            tee, tor = active[ok], best[ok]
            if tee.size == 0:
                break
            sc = masked[tee, tor]
            # Within each mentor, order pointers by score (desc) then mentee index.
            order = np.lexsort((tee, -sc, tor))
            tee, tor = tee[order], tor[order]
            first = np.r_[0, np.nonzero(np.diff(tor))[0] + 1]
            rank = np.arange(tor.size) - np.repeat(
                first, np.diff(np.r_[first, tor.size])
            )
            keep = rank < seats[tor]
            tee_k, tor_k = tee[keep], tor[keep]
            chosen.append(np.stack([tee_k, tor_k], axis=1))
            seats -= np.bincount(tor_k, minlength=m)
            need -= np.bincount(tee_k, minlength=n)
            masked[tee_k, tor_k] = -np.inf  # never the same pair twice
            full = seats <= 0
            if full.any():
                masked[:, full] = -np.inf
            masked[need <= 0] = -np.inf
            active = np.nonzero((need > 0) & np.isfinite(masked).any(axis=1))[0]
        pairs = (
            np.concatenate(chosen).astype(np.intp)
            if chosen
            else np.empty((0, 2), dtype=np.intp)
        )
        return SolverOutput(pairs=pairs, status=Status.FEASIBLE)


def _candidate_rounds(task: Task) -> NDArray[np.intp]:
    """The rounds over a candidate problem's pairs only (no dense matrix)."""
    cs = task.problem.candidates
    assert cs is not None
    n, m = task.problem.shape
    tee, tor, sc = cs.mentees(), cs.mentors, cs.scores
    order = np.lexsort((tor, -sc, tee))
    tee, tor, sc = tee[order], tor[order], sc[order]
    alive = (task.capacity > 0)[tor] & (task.demand > 0)[tee]
    if task.objective == "total":
        alive &= sc > 0  # a non-positive pair never raises the total
    need = task.demand.astype(np.int64).copy()
    seats = task.capacity.astype(np.int64).copy()
    chosen: list[NDArray[np.intp]] = []
    while True:
        idx = np.flatnonzero(alive & (need[tee] > 0) & (seats[tor] > 0))
        if idx.size == 0:
            break
        _, first = np.unique(tee[idx], return_index=True)
        e = idx[first]  # each mentee's best open candidate
        by = np.lexsort((tee[e], -sc[e], tor[e]))
        e = e[by]
        t_e = tor[e]
        start = np.r_[0, np.nonzero(np.diff(t_e))[0] + 1]
        rank = np.arange(e.size) - np.repeat(start, np.diff(np.r_[start, e.size]))
        e = e[rank < seats[t_e]]
        alive[e] = False
        chosen.append(np.stack([tee[e], tor[e]], axis=1))
        seats -= np.bincount(tor[e], minlength=m)
        need -= np.bincount(tee[e], minlength=n)
    if not chosen:
        return np.empty((0, 2), dtype=np.intp)
    return np.concatenate(chosen).astype(np.intp)
