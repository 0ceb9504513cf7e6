"""Stable matching by deferred acceptance (hospitals/residents with capacities).

:class:`Stable` runs Gale-Shapley deferred acceptance with mentor capacities,
vectorised with numpy: every round, each proposer with a free slot proposes
to its next acceptable choice(s) at once (a mentor with ``k`` free seats
proposes to its next ``k`` mentees), and each receiver keeps its best
proposals up to its capacity among those it holds and the new ones; the
rejected proposers move on. Every round is array work over the proposals of
that round; there is no per-pair Python object, copy or recursion.

The outcome does not depend on the order in which proposals are made, so the
result is the usual one: with ``proposer="mentees"`` the mentee-optimal stable
matching (every mentee gets the best partner it has in any stable matching),
with ``proposer="mentors"`` the mentor-optimal one.

Preferences
    As in :mod:`alummatch.preferences`: stated rankings first, then scores;
    only allowed pairs (rules, ``Forbidden``, ``MinScore``) with a free seat
    and a free slot are acceptable. Proposers walk their lists lazily: the
    next block of choices of a proposer is found with a partial sort
    (``np.partition``) of its row, so a full sort of the score matrix is never
    needed; block sizes double when a proposer runs out.

Tie policy
    Equal scores are broken by a tie priority of the other side, the lower
    priority preferred. ``tie_break="index"`` (default) uses the index, the
    same order as :func:`alummatch.preferences.blocking_pairs`, so a result has
    no blocking pair in ``MatchResult.metrics``. ``tie_break="random"`` uses
    one seeded random permutation per side (single tie-breaking, like a
    lottery number; the ``seed`` of :func:`alummatch.solve`); the result is
    stable for that order (:meth:`Stable.tie_priorities`), and also weakly
    stable, but ``metrics.blocking_pairs`` still counts against index ties,
    so it may report pairs that only block through a tie.

Scope
    Capacity, allowed pairs, ``Forbidden``, ``MinScore`` and ``Pinned``
    (pinned pairs are fixed first and take their seats; stability is then
    for the market that is left). Objectives ``coverage`` and ``total`` are
    accepted, but deferred acceptance optimises stability, not scores: the
    status is ``FEASIBLE``. ``maxmin``, mentee demand above 1, mentor minimum
    loads and group or load constraints are unsupported.

Candidate problems
    On a problem built with ``build_problem(cohort, candidates=k)`` (no dense
    matrix; :class:`~alummatch.problem.CandidateSet`), mentees propose and
    the result is the same matching as on the dense problem of the cohort,
    pair for pair, for either tie policy and any seed: stable over every
    allowed pair, not only the candidates. Every allowed pair outside a
    mentee's candidates (and reserve) scores at most its bound, so its list
    starts with the stated ranking, then the known pairs that score above the
    bound, best first; a mentee that runs out of them has its row re-scored
    (rows in blocks, through ``CandidateSet.rescore``) and walks the rest of
    it as on a dense problem, below the lowest score already listed. Mentors
    compare proposals by the pair's score, which comes with the proposal,
    and by their stated rankings, so no column of scores is ever needed.
    Stated rankings that name a mentor outside the candidates have their
    rows re-scored up front (to learn whether the pair is allowed).
    ``result.info["rescored_rows"]`` counts the rows re-scored (a row
    re-scored twice counts twice). ``proposer="mentors"`` is refused with an
    ``UnsupportedError``: a mentor's list is a column of scores, that is
    every mentee re-scored, the dense matrix in all but name. Pair filters
    and pinnings reach it already applied by ``solve``: removed and pinned
    pairs are out of the candidates and the reserve, and re-scored rows have
    them disallowed, so the matching is still the dense problem's with the
    same constraints.

Interoperability
    :func:`from_preferences` builds a problem from the dicts of ranked ids
    used by the ``matching`` package's
    ``HospitalResident.create_from_dictionaries``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.preferences import SidePreferences, side_preferences
from alummatch.problem import CandidateSet, MatchingProblem
from alummatch.result import Status
from alummatch.solvers.base import Encoders, SolverOutput, Task, seeded_rng, unencoded

__all__ = ["Stable", "deferred_acceptance", "from_preferences"]

_BLOCK_ELEMENTS = 1 << 22
"""Score elements handled at a time when proposers refill their lists."""

_FIRST_BLOCK = 16
"""Choices found per proposer at its first refill."""

_FIRST_CANDIDATE_BLOCK = 64
"""Choices found per mentee at its first re-scoring (each refill re-scores a row)."""

_GROWTH = 8
"""Factor by which a proposer's next block grows after each refill."""

_WINDOW = 64
"""Choices examined per proposer and pass when skipping futile proposals."""

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Stable:
    """Deferred acceptance: a stable matching, optimal for the proposing side.

    Parameters
    ----------
    proposer : {"mentees", "mentors"}
        The side that proposes, and whose optimal stable matching is found.
        Candidate problems take ``"mentees"`` only (module docstring).
    tie_break : {"index", "random"}
        How equal scores are ordered: by index (lower preferred) or by one
        seeded random permutation per side (``seed`` of ``solve``).

    Examples
    --------
    >>> from alummatch.problem import MatchingProblem
    >>> from alummatch.engine import solve
    >>> p = MatchingProblem.from_scores([[0.9, 0.2], [0.8, 0.1]])
    >>> solve(p, Stable()).pair_indices.tolist()
    [[0, 0], [1, 1]]
    """

    proposer: Literal["mentees", "mentors"] = "mentees"
    tie_break: Literal["index", "random"] = "index"
    name: str = "stable"
    exact: bool = False
    encoders: ClassVar[Encoders] = {}
    """No constraint kinds beyond pair filters and pinning (applied by ``solve``)."""
    handles_candidates: ClassVar[bool] = True
    """On a candidate problem, mentees propose down their candidates first and
    re-score their rows when they run out (``proposer="mentees"`` only)."""

    def __post_init__(self) -> None:
        if self.proposer not in ("mentees", "mentors"):
            raise ValueError(
                f"proposer must be 'mentees' or 'mentors', got {self.proposer!r}"
            )
        if self.tie_break not in ("index", "random"):
            raise ValueError(
                f"tie_break must be 'index' or 'random', got {self.tie_break!r}"
            )

    def unsupported(self, task: Task) -> str | None:
        """Deferred acceptance honours capacity, allowed and pair constraints."""
        if task.objective == "maxmin":
            return "optimise the 'maxmin' objective (it finds a stable matching)"
        if (task.problem.mentee_demand > 1).any():
            return "match a mentee with more than one mentor (needs demand 1)"
        if task.min_load.any():
            return "guarantee mentor minimum loads"
        if task.problem.candidates is not None and self.proposer == "mentors":
            return (
                "let mentors propose on a candidate problem (each mentor would "
                "need its whole column of scores, that is every mentee "
                "re-scored: the dense matrix); use Stable(proposer='mentees') "
                "(the registry's 'stable'), which gives the dense problem's "
                "mentee-optimal matching, or build the dense problem for the "
                "mentor-optimal one"
            )
        return unencoded(task, self.encoders)

    def tie_priorities(
        self, problem: MatchingProblem, seed: int = 0
    ) -> tuple[I64, I64]:
        """Tie priorities of mentees and of mentors (lower is preferred).

        Parameters
        ----------
        problem : MatchingProblem
        seed : int
            Used only with ``tie_break="random"``.

        Returns
        -------
        mentee_priority, mentor_priority : ndarray of int64
            The index for ``"index"``; seeded random permutations for
            ``"random"``. Pass them to :func:`alummatch.preferences.blocking_pairs`
            to check a result against the order it was made with.
        """
        n, m = problem.shape
        if self.tie_break == "index":
            return np.arange(n, dtype=np.int64), np.arange(m, dtype=np.int64)
        rng = seeded_rng(seed)
        return (
            rng.permutation(n).astype(np.int64),
            rng.permutation(m).astype(np.int64),
        )

    def solve(self, task: Task) -> SolverOutput:
        """Run deferred acceptance on the task's residual market.

        ``info`` holds the proposal ``rounds``; on a candidate problem also
        ``rescored_rows``, the mentee rows re-scored (a row re-scored twice
        counts twice).
        """
        tee_prio, tor_prio = self.tie_priorities(task.problem, task.seed)
        if task.problem.candidates is not None:
            got, n_rounds, rescored = _candidate_acceptance(
                task.problem,
                capacity=task.capacity,
                demand=task.demand,
                mentee_priority=tee_prio,
                mentor_priority=tor_prio,
            )
            return SolverOutput(
                pairs=got,
                status=Status.FEASIBLE,
                info={"rounds": float(n_rounds), "rescored_rows": float(rescored)},
            )
        pairs, rounds = deferred_acceptance(
            task.problem,
            proposer=self.proposer,
            allowed=task.allowed,
            capacity=task.capacity,
            demand=task.demand,
            mentee_priority=tee_prio,
            mentor_priority=tor_prio,
        )
        return SolverOutput(
            pairs=pairs, status=Status.FEASIBLE, info={"rounds": float(rounds)}
        )


Futile = Callable[
    [NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]], NDArray[np.bool_]
]
"""``futile(proposers, receivers, scores)``: proposals the receivers would reject."""


class _ChoiceLists:
    """Lazy strict preference lists of the proposers (rows of ``prefs``).

    The lists live in one flat int32 buffer, with the pair scores alongside;
    row ``r`` reads ``buf[pos[r]:end[r]]``. A row's first segment is given
    (its stated ranking, acceptable entries only, for a dense problem);
    afterwards blocks of the remaining acceptable columns, best score first,
    are found by partial sorting when the row has consumed its segment.
    ``floor[r]`` is the score below which columns have not been listed yet.
    """

    first_block: ClassVar[int] = _FIRST_BLOCK

    def __init__(
        self,
        prefs: SidePreferences,
        seg_rows: NDArray[np.intp],
        seg_cols: NDArray[np.intp],
        seg_vals: NDArray[np.float64],
    ) -> None:
        """Start every row with its segment (``seg_rows`` grouped, in list order)."""
        self.prefs = prefs
        n_rows, n_cols = prefs.shape
        self.n_cols = n_cols
        self.floor = np.full(n_rows, np.inf)
        self.done = np.zeros(n_rows, dtype=np.bool_)
        self.block = np.full(n_rows, self.first_block, dtype=np.int64)
        counts = np.bincount(seg_rows, minlength=n_rows).astype(np.int64)
        self.end = np.cumsum(counts)
        self.pos = self.end - counts
        cap = max(int(counts.sum()), n_rows * 2)
        self.buf = np.empty(cap, dtype=np.int32)
        self.vals = np.empty(cap, dtype=np.float64)
        self.size = int(counts.sum())
        self.buf[: self.size] = seg_cols
        self.vals[: self.size] = seg_vals
        # Stated entries are excluded from the score-ordered part.
        self.stated_r = prefs.stated_rows
        self.stated_c = prefs.stated_cols

    def has_more(self, rows: NDArray[np.intp]) -> NDArray[np.bool_]:
        """Whether each row may still have a choice left."""
        return (self.pos[rows] < self.end[rows]) | ~self.done[rows]

    def take(
        self, rows: NDArray[np.intp], counts: I64, futile: Futile
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
        """Next ``counts[k]`` useful choices of each ``rows[k]``, with their scores.

        Choices for which ``futile(rows, cols, scores)`` is true (the
        receiver would reject the proposal now, hence forever) are skipped;
        the lists are scanned in windows, so a long run of futile choices
        costs array work, not rounds. Fewer choices are returned for
        exhausted rows.
        """
        out_r: list[NDArray[np.intp]] = []
        out_c: list[NDArray[np.intp]] = []
        out_s: list[NDArray[np.float64]] = []
        need = counts.astype(np.int64, copy=True)
        rows = rows.copy()
        while rows.size:
            empty = self.pos[rows] >= self.end[rows]
            refill = rows[empty & ~self.done[rows]]
            if refill.size:
                self._refill(refill)
            alive = self.pos[rows] < self.end[rows]
            rows, need = rows[alive], need[alive]
            if not rows.size:
                break
            pos = self.pos[rows]
            avail = self.end[rows] - pos
            window = np.minimum(avail, np.maximum(4 * need, _WINDOW))
            total = int(window.sum())
            group = np.repeat(np.arange(rows.size), window)
            start = np.cumsum(window) - window
            idx = pos[group] + np.arange(total, dtype=np.int64) - start[group]
            rep = rows[group]
            cols = self.buf[idx].astype(np.intp)
            vals = self.vals[idx]
            good = ~futile(rep, cols, vals)
            seen = np.cumsum(good)
            rank = seen - np.r_[0, seen][start][group] - 1
            sel = good & (rank < need[group])
            out_r.append(rep[sel])
            out_c.append(cols[sel])
            out_s.append(vals[sel])
            taken = np.bincount(group[sel], minlength=rows.size)
            last = sel & (rank == need[group] - 1)
            self.pos[rows] = pos + window
            self.pos[rep[last]] = idx[last] + 1
            need -= taken
            keep = need > 0
            rows, need = rows[keep], need[keep]
        if not out_r:
            none = np.empty(0, dtype=np.intp)
            return none, none, np.empty(0)
        return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_s)

    def _block(
        self, chunk: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_] | None]:
        """Scores of the rows ``chunk`` and their acceptable mask (``None``: all)."""
        raise NotImplementedError

    def _refill(self, rows: NDArray[np.intp]) -> None:
        """List the next block of each row (its current segment is consumed)."""
        n_cols = self.n_cols
        step = max(1, _BLOCK_ELEMENTS // max(n_cols, 1))
        got_r: list[NDArray[np.intp]] = []
        got_c: list[NDArray[np.intp]] = []
        got_v: list[NDArray[np.float64]] = []
        for s0 in range(0, rows.size, step):
            chunk = rows[s0 : s0 + step]
            util, mask = self._block(chunk)
            floor = self.floor[chunk]
            if np.isfinite(floor).any():
                below = util < floor[:, None]
                mask = below if mask is None else mask & below
            if self.stated_r.size:
                where = np.full(self.prefs.shape[0], -1, dtype=np.int64)
                where[chunk] = np.arange(chunk.size)
                hit = where[self.stated_r]
                sel = hit >= 0
                if sel.any():
                    if mask is None:
                        mask = np.ones(util.shape, dtype=np.bool_)
                    mask[hit[sel], self.stated_c[sel]] = False
            if mask is None:
                key = util
                remaining = np.full(chunk.size, n_cols, dtype=np.int64)
            else:
                key = np.where(mask, util, -np.inf)
                remaining = mask.sum(axis=1)
            k = int(self.block[chunk].max())
            if k < n_cols:
                thr = np.partition(key, n_cols - k, axis=1)[:, n_cols - k]
            else:
                thr = np.full(chunk.size, -np.inf)
            pick = key >= thr[:, None]
            if mask is not None:
                pick &= mask
            r_idx, c_idx = np.nonzero(pick)
            val = util[r_idx, c_idx]
            taken = np.bincount(r_idx, minlength=chunk.size)
            self.done[chunk[taken == remaining]] = True
            order = np.lexsort((self.prefs.priority[c_idx], -val, r_idx))
            r_idx, c_idx, val = r_idx[order], c_idx[order], val[order]
            if r_idx.size:
                # The last entry of each row is its lowest score: the new floor.
                tail = np.r_[r_idx[1:] != r_idx[:-1], True]
                self.floor[chunk[r_idx[tail]]] = val[tail]
            got_r.append(chunk[r_idx])
            got_c.append(c_idx)
            got_v.append(val)
        self.block[rows] *= _GROWTH
        r_all = np.concatenate(got_r)
        c_all = np.concatenate(got_c)
        v_all = np.concatenate(got_v)
        counts = np.bincount(r_all, minlength=self.prefs.shape[0]).astype(np.int64)
        # Rows are in chunk order, each row's entries contiguous in r_all.
        first = np.r_[True, r_all[1:] != r_all[:-1]] if r_all.size else r_all
        heads = np.nonzero(first)[0]
        self._grow(self.size + r_all.size)
        self.buf[self.size : self.size + r_all.size] = c_all
        self.vals[self.size : self.size + r_all.size] = v_all
        starts = self.size + heads
        owners = r_all[heads]
        self.pos[rows] = self.end[rows]  # empty for rows that got nothing
        self.pos[owners] = starts
        self.end[owners] = starts + counts[owners]
        self.size += r_all.size

    def _grow(self, need: int) -> None:
        if need > self.buf.size:
            size = max(need, 2 * self.buf.size)
            buf = np.empty(size, dtype=np.int32)
            buf[: self.size] = self.buf[: self.size]
            vals = np.empty(size, dtype=np.float64)
            vals[: self.size] = self.vals[: self.size]
            self.buf, self.vals = buf, vals


class _DenseLists(_ChoiceLists):
    """Lists over the rows of a dense problem's score matrix."""

    def __init__(self, prefs: SidePreferences, ok: NDArray[np.bool_]) -> None:
        self.ok = ok  # (n_rows, n_cols) acceptable, row layout (may be a view)
        self.all_ok = bool(ok.all())
        # Stated rankings, in ranking order, acceptable entries only.
        sr = prefs.stated_rows[prefs.stated_by_rank]
        sc = prefs.stated_cols[prefs.stated_by_rank]
        if sr.size:
            keep = ok[sr, sc]
            sr, sc = sr[keep], sc[keep]
        super().__init__(
            prefs, sr.astype(np.intp), sc.astype(np.intp), prefs.score_at(sr, sc)
        )

    def _block(
        self, chunk: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_] | None]:
        mask = None if self.all_ok else np.array(self.ok[chunk], dtype=np.bool_)
        s = self.prefs.scores
        if self.prefs.side == "mentees":
            return np.asarray(s[chunk], dtype=np.float64), mask
        # Mentor rows are columns of the mentee-major matrix: gather, then lay out.
        return np.ascontiguousarray(s.T[:, chunk].T, dtype=np.float64), mask


class _CandidateLists(_ChoiceLists):
    """Mentees' lists over a candidate problem: known pairs first, then re-scored.

    Every allowed pair scoring above ``cut[i]`` (the mentee's bound, or the
    bound below its reserve) is a candidate or in the reserve, with its
    exact score: those pairs open the list, best first, after the stated
    ranking. Every other pair scores at most ``cut[i]``, below all of them,
    so the list goes on with the mentee's re-scored row (blocks of rows, by
    the parent's partial sorts below the floor), only once the known pairs
    are used up. ``rescored`` counts the rows re-scored.
    """

    first_block: ClassVar[int] = _FIRST_CANDIDATE_BLOCK

    def __init__(
        self,
        prefs: SidePreferences,
        cs: CandidateSet,
        active: NDArray[np.bool_],
        usable: NDArray[np.bool_],
    ) -> None:
        self.cs = cs
        self.usable = usable
        self.rescored = 0
        n, m = prefs.shape
        # Stated rankings, in ranking order; acceptability and scores of the
        # entries that are not candidates come from re-scoring their rows.
        sr = prefs.stated_rows[prefs.stated_by_rank].astype(np.intp)
        sc = prefs.stated_cols[prefs.stated_by_rank].astype(np.intp)
        keep = active[sr] & usable[sc]
        sr, sc = sr[keep], sc[keep]
        s_sc, s_ok = self._pairs(sr, sc)
        sr, sc, s_sc = sr[s_ok], sc[s_ok], s_sc[s_ok]
        # Known pairs: the candidates and the reserve (without repeats).
        tee, tor, val = cs.mentees(), cs.mentors, np.asarray(cs.scores, np.float64)
        cut = np.asarray(cs.bound, dtype=np.float64)
        if cs.reserve_mentors is not None:
            assert cs.reserve_scores is not None
            assert cs.reserve_bound is not None
            rm = cs.reserve_mentors
            rt = np.broadcast_to(np.arange(n, dtype=np.intp)[:, None], rm.shape)
            has = rm >= 0
            tee = np.concatenate([tee, rt[has]])
            tor = np.concatenate([tor, rm[has]])
            val = np.concatenate([val, np.asarray(cs.reserve_scores, np.float64)[has]])
            cut = np.where(np.isfinite(cut), cs.reserve_bound, cut)
            _, first = np.unique(tee.astype(np.int64) * m + tor, return_index=True)
            tee, tor, val = tee[first], tor[first], val[first]
        above = val > cut[tee]
        tee, tor, val = tee[above], tor[above], val[above]
        floor = np.full(n, np.inf)
        np.minimum.at(floor, tee, val)
        stated = _member(prefs.stated_keys, tee.astype(np.int64) * m + tor)
        keep = active[tee] & usable[tor] & ~stated
        tee, tor, val = tee[keep], tor[keep], val[keep]
        order = np.lexsort((prefs.priority[tor], -val, tee))
        # Each row: its stated ranking, then its known pairs (a stable sort).
        rows = np.concatenate([sr, tee[order]])
        by_row = np.argsort(rows, kind="stable")
        super().__init__(
            prefs,
            rows[by_row],
            np.concatenate([sc, tor[order]])[by_row],
            np.concatenate([s_sc, val[order]])[by_row],
        )
        self.floor = floor
        # Nothing else is allowed, or the mentee never proposes.
        self.done = ~np.isfinite(cut) | ~active

    def _pairs(
        self, tee: NDArray[np.intp], tor: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Scores and allowed flags of pairs, re-scoring the rows of non-candidates."""
        return self.cs.pair_values(tee, tor, self._rescore)

    def _rescore(
        self, rows: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        s_rows, a_rows = self.cs.rescore(rows)
        self.rescored += int(rows.size)
        return np.asarray(s_rows, dtype=np.float64), np.asarray(a_rows, np.bool_)

    def _block(
        self, chunk: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_] | None]:
        util, ok = self._rescore(chunk)
        return util, ok & self.usable[None, :]


def _member(keys: NDArray[np.int64], want: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each of ``want`` is among the sorted ``keys``."""
    if keys.size == 0:
        return np.zeros(want.shape, dtype=np.bool_)
    pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
    return np.asarray(keys[pos] == want)


def deferred_acceptance(
    problem: MatchingProblem,
    *,
    proposer: str = "mentees",
    allowed: NDArray[np.bool_] | None = None,
    capacity: NDArray[np.int64] | None = None,
    demand: NDArray[np.int64] | None = None,
    mentee_priority: I64 | None = None,
    mentor_priority: I64 | None = None,
) -> tuple[NDArray[np.intp], int]:
    """Proposer-optimal stable matching of a (residual) problem.

    Parameters
    ----------
    problem : MatchingProblem
        Scores and stated rankings; or a candidate problem
        (``build_problem(..., candidates=k)``), with ``proposer="mentees"``
        and no ``allowed``: the candidates first, then re-scored rows (see
        the module docstring).
    proposer : {"mentees", "mentors"}
    allowed : ndarray of bool, optional
        Acceptable pairs; ``problem.allowed`` by default.
    capacity, demand : ndarray of int, optional
        Seats per mentor and slots per mentee; the problem's by default.
    mentee_priority, mentor_priority : ndarray of int, optional
        Tie priorities (lower preferred); the index by default.

    Returns
    -------
    pairs : ndarray of int, shape (k, 2)
        Mentee index, mentor index of each matched pair.
    rounds : int
        Proposal rounds run.
    """
    if problem.candidates is not None:
        if proposer != "mentees" or allowed is not None:
            raise ValueError(
                "a candidate problem is matched with proposer='mentees' and its "
                "own allowed pairs (mentors would need whole columns of scores)"
            )
        pairs, rounds, _ = _candidate_acceptance(
            problem,
            capacity=capacity,
            demand=demand,
            mentee_priority=mentee_priority,
            mentor_priority=mentor_priority,
        )
        return pairs, rounds
    al = problem.allowed if allowed is None else allowed
    cap = problem.mentor_capacity if capacity is None else capacity
    dem = problem.mentee_demand if demand is None else demand
    tee = side_preferences(problem, "mentees", priority=mentor_priority, allowed=al)
    tor = side_preferences(problem, "mentors", priority=mentee_priority, allowed=al)
    if proposer == "mentees":
        prop, recv, p_quota, r_quota = tee, tor, dem, cap
    elif proposer == "mentors":
        prop, recv, p_quota, r_quota = tor, tee, cap, dem
    else:
        raise ValueError(f"proposer must be 'mentees' or 'mentors', got {proposer!r}")
    p_quota = np.asarray(p_quota, dtype=np.int64)
    r_quota = np.asarray(r_quota, dtype=np.int64)
    # Acceptable in the proposer's row layout: allowed, both sides with room.
    ok = _acceptable(prop.allowed, p_quota, r_quota)
    held_p, held_r, rounds = _propose(_DenseLists(prop, ok), recv, p_quota, r_quota)
    if proposer == "mentees":
        pairs = np.stack([held_p, held_r], axis=1)
    else:
        pairs = np.stack([held_r, held_p], axis=1)
    return pairs.astype(np.intp), rounds


def _candidate_acceptance(
    problem: MatchingProblem,
    *,
    capacity: NDArray[np.int64] | None = None,
    demand: NDArray[np.int64] | None = None,
    mentee_priority: I64 | None = None,
    mentor_priority: I64 | None = None,
) -> tuple[NDArray[np.intp], int, int]:
    """Mentee-proposing deferred acceptance on a candidate problem.

    Returns the pairs, the rounds and the rows re-scored. Mentors compare
    proposals by the pair's score, which comes with the proposal, and by
    their stated rankings: no column of the matrix is ever needed.
    """
    cs = problem.candidates
    if cs is None:  # pragma: no cover - dispatched on candidates
        raise ValueError("not a candidate problem")
    cap = problem.mentor_capacity if capacity is None else capacity
    dem = problem.mentee_demand if demand is None else demand
    p_quota = np.asarray(dem, dtype=np.int64)
    r_quota = np.asarray(cap, dtype=np.int64)
    # The problem's allowed field is an empty view: read for shapes only.
    tee = side_preferences(problem, "mentees", priority=mentor_priority)
    tor = side_preferences(problem, "mentors", priority=mentee_priority)
    lists = _CandidateLists(tee, cs, p_quota > 0, r_quota > 0)
    held_p, held_r, rounds = _propose(lists, tor, p_quota, r_quota)
    pairs = np.stack([held_p, held_r], axis=1).astype(np.intp)
    return pairs, rounds, lists.rescored


def _propose(
    lists: _ChoiceLists, recv: SidePreferences, p_quota: I64, r_quota: I64
) -> tuple[NDArray[np.intp], NDArray[np.intp], int]:
    """Deferred acceptance rounds: held (proposer, receiver) pairs and rounds."""
    n_p = p_quota.size
    n_r = r_quota.size
    stated = recv.has_stated
    # Held proposals, one entry per (proposer, receiver), with the receiver's
    # key of the proposer: (stated level, score, tie priority).
    held_p = np.empty(0, dtype=np.intp)
    held_r = np.empty(0, dtype=np.intp)
    held_l = np.empty(0, dtype=np.int64)
    held_s = np.empty(0, dtype=np.float64)
    held_q = np.empty(0, dtype=np.int64)
    count = np.zeros(n_p, dtype=np.int64)
    # Each full receiver's worst held key; a proposal not better is futile.
    full = np.zeros(n_r, dtype=np.bool_)
    w_l = np.zeros(n_r, dtype=np.int64)
    w_s = np.zeros(n_r, dtype=np.float64)
    w_q = np.zeros(n_r, dtype=np.int64)

    def futile(
        p: NDArray[np.intp], r: NDArray[np.intp], s: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        f = full[r]
        if not f.any():
            return f
        pp, rr = p[f], r[f]
        sc, q = s[f], recv.priority[pp]
        ts, tq = w_s[rr], w_q[rr]
        better = (sc > ts) | ((sc == ts) & (q < tq))
        if stated:
            lv, tl = recv.level_at(rr, pp), w_l[rr]
            better = (lv > tl) | ((lv == tl) & better)
        f[f] = ~better
        return f

    rounds = 0
    cand = np.nonzero(p_quota > 0)[0]
    while cand.size:
        free = p_quota[cand] - count[cand]
        live = (free > 0) & lists.has_more(cand)
        cand, free = cand[live], free[live]
        if cand.size == 0:
            break
        new_p, new_r, new_s = lists.take(cand, free, futile)
        if new_p.size == 0:
            break
        rounds += 1
        touched = np.zeros(n_r, dtype=np.bool_)
        touched[new_r] = True
        again = touched[held_r]
        n_old = int(again.sum())
        pool_p = np.concatenate([held_p[again], new_p])
        pool_r = np.concatenate([held_r[again], new_r])
        pool_s = np.concatenate([held_s[again], new_s])
        pool_q = np.concatenate([held_q[again], recv.priority[new_p]])
        if stated:
            pool_l = np.concatenate([held_l[again], recv.level_at(new_r, new_p)])
            order = np.lexsort((pool_q, -pool_s, -pool_l, pool_r))
        else:
            pool_l = np.zeros(pool_p.size, dtype=np.int64)
            order = np.lexsort((pool_q, -pool_s, pool_r))
        r_sorted = pool_r[order]
        heads = np.r_[True, r_sorted[1:] != r_sorted[:-1]]
        head_pos = np.maximum.accumulate(np.where(heads, np.arange(order.size), 0))
        rank = np.arange(order.size) - head_pos
        quota = r_quota[r_sorted]
        kept = rank < quota
        keep = order[kept]
        # The worst kept proposal of a receiver that is now full.
        edge = order[rank == quota - 1]
        er = pool_r[edge]
        full[er] = True
        w_l[er], w_s[er], w_q[er] = pool_l[edge], pool_s[edge], pool_q[edge]
        dropped = order[~kept]
        np.subtract.at(count, pool_p[dropped[dropped < n_old]], 1)
        gained = keep[keep >= n_old]
        np.add.at(count, pool_p[gained], 1)
        stay = ~again
        held_p = np.concatenate([held_p[stay], pool_p[keep]])
        held_r = np.concatenate([held_r[stay], pool_r[keep]])
        held_s = np.concatenate([held_s[stay], pool_s[keep]])
        held_q = np.concatenate([held_q[stay], pool_q[keep]])
        held_l = np.concatenate([held_l[stay], pool_l[keep]])
        # Proposers that may still want more: this round's and the rejected.
        cand = np.unique(pool_p)
    return held_p, held_r, rounds


def _acceptable(
    allowed_rows: NDArray[np.bool_], p_quota: I64, r_quota: I64
) -> NDArray[np.bool_]:
    """Acceptable pairs in proposer row layout, without copying when possible."""
    if (p_quota > 0).all() and (r_quota > 0).all():
        return allowed_rows
    return allowed_rows & (p_quota > 0)[:, None] & (r_quota > 0)[None, :]


def from_preferences(
    mentee_prefs: Mapping[Hashable, Sequence[Hashable]],
    mentor_prefs: Mapping[Hashable, Sequence[Hashable]],
    capacities: Mapping[Hashable, int],
) -> MatchingProblem:
    """Build a problem from dicts of ranked ids (``matching``'s HR shape).

    Parameters
    ----------
    mentee_prefs : mapping of mentee id to sequence of mentor ids
        Each mentee's ranking, best first (residents in ``matching``).
    mentor_prefs : mapping of mentor id to sequence of mentee ids
        Each mentor's ranking, best first (hospitals in ``matching``).
    capacities : mapping of mentor id to int
        Seats per mentor (0 allowed: the mentor takes nobody).

    Returns
    -------
    MatchingProblem
        Mentees and mentors in the order of the dicts; ids are ``str(key)``.
        A pair is allowed only when both list each other (a one-sided listing
        is ignored, as ``matching`` does when it cleans a game). The score of
        an allowed pair is mentee-rank based: ``1 - rank / len(list)`` for
        the mentee's ``rank``-th choice (1 for the first), 0 otherwise. The
        rankings are stored as ``mentee_preferences`` and
        ``mentor_preferences``, so they, not the scores, drive stability.

    Raises
    ------
    InvalidInputError
        Listing every unknown id, repeated entry and missing or bad capacity.

    Examples
    --------
    >>> p = from_preferences(
    ...     {"s1": ["a", "b"], "s2": ["a"]},
    ...     {"a": ["s2", "s1"], "b": ["s1"]},
    ...     {"a": 1, "b": 1},
    ... )
    >>> p.allowed.tolist()
    [[True, True], [True, False]]
    """
    problems: list[InputProblem] = []
    tee_keys = list(mentee_prefs)
    tor_keys = list(mentor_prefs)
    tee_index = {k: i for i, k in enumerate(tee_keys)}
    tor_index = {k: j for j, k in enumerate(tor_keys)}
    t_rows, t_cols = _resolve(
        mentee_prefs, tor_index, "mentee_prefs", "mentor", problems
    )
    r_rows, r_cols = _resolve(
        mentor_prefs, tee_index, "mentor_prefs", "mentee", problems
    )
    cap = np.zeros(len(tor_keys), dtype=np.int64)
    for key in tor_keys:
        if key not in capacities:
            problems.append(
                InputProblem(
                    "capacities", repr(key), "missing capacity for this mentor"
                )
            )
            continue
        value = capacities[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or value < 0
        ):
            problems.append(
                InputProblem(
                    "capacities", repr(key), f"must be an integer >= 0, got {value!r}"
                )
            )
            continue
        cap[tor_index[key]] = int(value)
    problems.extend(
        InputProblem("capacities", repr(key), "unknown mentor id")
        for key in capacities
        if key not in tor_index
    )
    if not tee_keys:
        problems.append(InputProblem("mentee_prefs", "", "no mentees"))
    if not tor_keys:
        problems.append(InputProblem("mentor_prefs", "", "no mentors"))
    if problems:
        raise InvalidInputError(problems)
    n, m = len(tee_keys), len(tor_keys)
    t_len = np.bincount(t_rows, minlength=n)
    t_rank = np.arange(t_rows.size) - np.repeat(np.cumsum(t_len) - t_len, t_len)
    listed_r = np.zeros((n, m), dtype=np.bool_)
    listed_r[r_cols, r_rows] = True
    allowed = np.zeros((n, m), dtype=np.bool_)
    allowed[t_rows, t_cols] = listed_r[t_rows, t_cols]
    scores = np.zeros((n, m), dtype=np.float64)
    scores[t_rows, t_cols] = 1.0 - t_rank / np.maximum(t_len[t_rows], 1)
    scores[~allowed] = 0.0
    problem = MatchingProblem.from_scores(
        scores,
        allowed=allowed,
        mentor_capacity=cap,
        mentee_ids=[str(k) for k in tee_keys],
        mentor_ids=[str(k) for k in tor_keys],
    )
    # The rankings are distinct in-range indices by construction (checked
    # above), so they are attached without a second, per-ranking validation.
    return dataclasses.replace(
        problem,
        mentee_preferences=_split(t_rows, t_cols, n),
        mentor_preferences=_split(r_rows, r_cols, m),
    )


def _split(
    rows: NDArray[np.int64], cols: NDArray[np.int64], size: int
) -> tuple[NDArray[np.intp], ...]:
    """Per-row read-only index arrays from row-grouped flat entries."""
    flat = cols.astype(np.intp)
    flat.setflags(write=False)
    bounds = np.cumsum(np.bincount(rows, minlength=size))[:-1]
    return tuple(np.split(flat, bounds))


def _resolve(
    prefs: Mapping[Hashable, Sequence[Hashable]],
    index: Mapping[Hashable, int],
    name: str,
    other: str,
    problems: list[InputProblem],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rankings as flat (row, index) arrays; unknown and repeated ids reported."""
    lists: list[Sequence[Hashable]] = []
    for key, ranking in prefs.items():
        if isinstance(ranking, str | bytes) or not isinstance(ranking, Iterable):
            problems.append(
                InputProblem(
                    name, repr(key), f"expected a sequence of ids, got {ranking!r}"
                )
            )
            lists.append(())
        else:
            lists.append(ranking if isinstance(ranking, list) else list(ranking))
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    rows = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    total = int(lengths.sum())
    try:  # fast path: every id known (C-level lookups)
        codes = np.fromiter(
            map(index.__getitem__, itertools.chain.from_iterable(lists)),
            dtype=np.int64,
            count=total,
        )
    except (KeyError, TypeError):  # unknown or unhashable ids: mark them -1
        codes = np.array(
            [
                index.get(x, -1) if isinstance(x, Hashable) else -1
                for lst in lists
                for x in lst
            ],
            dtype=np.int64,
        )
    keys = list(prefs)
    bad = np.zeros(len(lists), dtype=np.bool_)
    bad[rows[codes < 0]] = True
    if rows.size:
        width = max(len(index), 1)
        flat_key = rows * width + np.maximum(codes, 0)
        if len(lists) * width <= 4 * rows.size + (1 << 20):
            seen_twice = np.bincount(flat_key, minlength=len(lists) * width) > 1
            dup = seen_twice[flat_key] & (codes >= 0)
        else:
            order = np.argsort(flat_key, kind="stable")
            sk = flat_key[order]
            dup = np.zeros(rows.size, dtype=np.bool_)
            dup[order[1:]] = (sk[1:] == sk[:-1]) & (codes[order[1:]] >= 0)
        bad[rows[dup]] = True
    for k in np.nonzero(bad)[0]:
        items = lists[k]
        unknown = [x for x in items if not isinstance(x, Hashable) or x not in index]
        if unknown:
            problems.append(
                InputProblem(name, repr(keys[k]), f"unknown {other} id(s): {unknown}")
            )
        seen: set[Hashable] = set()
        repeated: list[Hashable] = []
        for x in items:
            if isinstance(x, Hashable) and x in index:
                if x in seen and x not in repeated:
                    repeated.append(x)
                seen.add(x)
        if repeated:
            problems.append(
                InputProblem(name, repr(keys[k]), f"listed more than once: {repeated}")
            )
    return rows, codes
