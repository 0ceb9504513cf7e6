"""Preferences implied by a problem, and blocking pairs of any matching.

Preference policy (shared by :func:`blocking_pairs` and the ``stable`` solver,
so that both agree exactly):

- Each side ranks the other. A person's stated ranking
  (``problem.mentee_preferences`` / ``problem.mentor_preferences``) comes
  first, in the stated order; every other partner follows, by score (higher
  first). Only allowed pairs are acceptable; a stated partner whose pair is
  not allowed is skipped, an allowed partner that is not stated is still
  acceptable (after the stated ones).
- Ties between equal scores are broken by a *tie priority* of the other side:
  the lower priority wins. By default the priority is the index (the lower
  index is preferred); the ``stable`` solver with ``tie_break="random"`` uses
  a seeded random permutation instead (see
  :meth:`alummatch.solvers.stable.Stable.tie_priorities`).
- Preferences are compared as the exact key ``(stated level, score, -priority)``
  where the stated level is ``len(ranking) - position`` for stated partners
  and 0 otherwise. No score is shifted or rounded, so comparisons are exact
  for any finite scores.

Everything here works on whole arrays, in blocks of rows so that a 10 000 x
4 000 problem never needs more than a few block-sized temporaries.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alummatch.problem import MatchingProblem

__all__ = [
    "SidePreferences",
    "blocking_pairs",
    "preference_ranks",
    "side_preferences",
]

_BLOCK_ELEMENTS = 1 << 22
"""Elements per row block (about 32 MB of float64 temporaries)."""

_NO_LEVEL = np.iinfo(np.int64).max


@dataclass(frozen=True, eq=False)
class SidePreferences:
    """Strict preferences of one side (rows) over the other side (columns).

    Attributes
    ----------
    side : {"mentees", "mentors"}
        The side whose preferences these are (the rows).
    scores : ndarray of float, shape (n_rows, n_cols)
        Read-only view of the problem's scores in row = this side layout
        (the transpose view for mentors; never a copy).
    allowed : ndarray of bool, shape (n_rows, n_cols)
        Read-only view of the acceptable pairs.
    stated_rows, stated_cols : ndarray of int64
        Stated (row, column) entries, sorted by ``row * n_cols + col``.
    stated_level : ndarray of int64
        ``len(ranking) - position`` for each stated entry (>= 1).
    stated_rank : ndarray of int64
        Position of each stated entry in its row's ranking (0 = first).
    stated_keys : ndarray of int64
        ``row * n_cols + col`` of each stated entry (sorted).
    stated_by_rank : ndarray of int64
        Positions of the stated entries in ranking order (row, then position
        in the ranking): ``stated_cols[stated_by_rank]`` are the rankings.
    priority : ndarray of int64, shape (n_cols,)
        Tie priority of each column: among equal levels and scores, the lower
        priority is preferred.
    """

    side: str
    scores: NDArray[np.float64]
    allowed: NDArray[np.bool_]
    stated_rows: NDArray[np.int64]
    stated_cols: NDArray[np.int64]
    stated_level: NDArray[np.int64]
    stated_rank: NDArray[np.int64]
    priority: NDArray[np.int64]
    stated_keys: NDArray[np.int64]
    stated_by_rank: NDArray[np.int64]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_cols)``."""
        return (int(self.scores.shape[0]), int(self.scores.shape[1]))

    @property
    def has_stated(self) -> bool:
        """Whether any row stated a ranking."""
        return bool(self.stated_rows.size)

    def level_at(
        self, rows: NDArray[np.integer], cols: NDArray[np.integer]
    ) -> NDArray[np.int64]:
        """Stated level of each (row, col) pair, 0 when not stated."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        if not self.has_stated:
            return np.zeros(rows.shape, dtype=np.int64)
        keys = self.stated_keys
        want = rows * self.shape[1] + cols
        pos = np.searchsorted(keys, want)
        pos_c = np.minimum(pos, keys.size - 1)
        hit = keys[pos_c] == want
        return np.where(hit, self.stated_level[pos_c], 0)

    def score_at(
        self, rows: NDArray[np.integer], cols: NDArray[np.integer]
    ) -> NDArray[np.float64]:
        """Score of each (row, col) pair."""
        return np.asarray(self.scores[rows, cols], dtype=np.float64)

    def level_block(self, start: int, stop: int) -> NDArray[np.int64]:
        """Dense stated levels of rows ``start:stop``, 0 where not stated."""
        out = np.zeros((stop - start, self.shape[1]), dtype=np.int64)
        if self.has_stated:
            lo, hi = np.searchsorted(self.stated_rows, [start, stop])
            out[self.stated_rows[lo:hi] - start, self.stated_cols[lo:hi]] = (
                self.stated_level[lo:hi]
            )
        return out


_Stated = tuple[
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
]

_STATED_CACHE: weakref.WeakKeyDictionary[MatchingProblem, dict[str, _Stated]] = (
    weakref.WeakKeyDictionary()
)
"""Stated entries per problem and side (problems are immutable)."""


def _stated(problem: MatchingProblem, side: str) -> _Stated:
    """Stated entries of one side: rows, columns, levels, positions (all sorted by
    ``row * n_cols + col``) and the permutation that lists them in ranking order.
    """
    per_problem = _STATED_CACHE.setdefault(problem, {})
    if side in per_problem:
        return per_problem[side]
    if side == "mentees":
        prefs, n_rows, n_cols = (
            problem.mentee_preferences,
            problem.n_mentees,
            problem.n_mentors,
        )
    else:
        prefs, n_rows, n_cols = (
            problem.mentor_preferences,
            problem.n_mentors,
            problem.n_mentees,
        )
    empty = np.empty(0, dtype=np.int64)
    out: _Stated = (empty, empty, empty, empty, empty)
    if prefs is not None:
        lengths = np.fromiter((p.size for p in prefs), dtype=np.int64, count=len(prefs))
        total = int(lengths.sum())
        if total:
            rows = np.repeat(np.arange(len(prefs), dtype=np.int64), lengths)
            cols = np.concatenate(prefs).astype(np.int64)
            rank = np.arange(total, dtype=np.int64) - np.repeat(
                np.cumsum(lengths) - lengths, lengths
            )
            level = lengths[rows] - rank
            keys = rows * n_cols + cols
            if n_rows * n_cols <= 4 * total + (1 << 20):
                # Dense enough: a linear-time scatter instead of a sort.
                slot = np.full(n_rows * n_cols, -1, dtype=np.int64)
                slot[keys] = np.arange(total, dtype=np.int64)
                order = slot[slot >= 0]
            else:
                order = np.argsort(keys, kind="stable")
            by_rank = np.empty(total, dtype=np.int64)
            by_rank[order] = np.arange(total, dtype=np.int64)
            out = (rows[order], cols[order], level[order], rank[order], by_rank)
            for a in out:
                a.setflags(write=False)
    per_problem[side] = out
    return out


def _priority(value: ArrayLike | None, size: int, name: str) -> NDArray[np.int64]:
    if value is None:
        return np.arange(size, dtype=np.int64)
    out = np.asarray(value, dtype=np.int64).reshape(-1)
    if out.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {out.shape}")
    return out


def side_preferences(
    problem: MatchingProblem,
    side: str,
    *,
    priority: ArrayLike | None = None,
    allowed: NDArray[np.bool_] | None = None,
) -> SidePreferences:
    """Strict preferences of one side, without copying the score matrix.

    Parameters
    ----------
    problem : MatchingProblem
    side : {"mentees", "mentors"}
        Whose preferences: ``"mentees"`` rank mentors (rows = mentees),
        ``"mentors"`` rank mentees (rows = mentors).
    priority : array_like of int, optional
        Tie priority of the *other* side (lower preferred); the index by
        default.
    allowed : ndarray of bool, shape (n_mentees, n_mentors), optional
        Acceptable pairs; ``problem.allowed`` by default.

    Returns
    -------
    SidePreferences
    """
    al = problem.allowed if allowed is None else allowed
    if side == "mentees":
        scores, acc = problem.scores, al
        n_cols = problem.n_mentors
    elif side == "mentors":
        scores, acc = problem.scores.T, al.T
        n_cols = problem.n_mentees
    else:
        raise ValueError(f"side must be 'mentees' or 'mentors', got {side!r}")
    rows, cols, level, rank, by_rank = _stated(problem, side)
    return SidePreferences(
        side=side,
        scores=scores,
        allowed=acc,
        stated_rows=rows,
        stated_cols=cols,
        stated_level=level,
        stated_rank=rank,
        priority=_priority(priority, n_cols, "priority"),
        stated_keys=rows * n_cols + cols,
        stated_by_rank=by_rank,
    )


def preference_ranks(
    problem: MatchingProblem, side: str, *, priority: ArrayLike | None = None
) -> NDArray[np.int32]:
    """Full strict rank matrix of one side: 0 for the most preferred partner.

    Every column is ranked (acceptability is not applied); allocate with care
    on large problems, this is a dense ``(n_rows, n_cols)`` int32 array.

    Parameters
    ----------
    problem : MatchingProblem
    side : {"mentees", "mentors"}
    priority : array_like of int, optional
        Tie priority of the other side (lower preferred); index by default.

    Returns
    -------
    ndarray of int32, shape (n_rows, n_cols)
    """
    sp = side_preferences(problem, side, priority=priority)
    n_rows, n_cols = sp.shape
    out = np.empty((n_rows, n_cols), dtype=np.int32)
    step = max(1, _BLOCK_ELEMENTS // max(n_cols, 1))
    prio = np.broadcast_to(sp.priority, (1, n_cols))
    for start in range(0, n_rows, step):
        stop = min(start + step, n_rows)
        lev = sp.level_block(start, stop)
        sc = np.asarray(sp.scores[start:stop])
        pr = np.broadcast_to(prio, sc.shape)
        order = np.lexsort((pr, -sc, -lev), axis=1)
        np.put_along_axis(
            out[start:stop],
            order,
            np.broadcast_to(np.arange(n_cols, dtype=np.int32), sc.shape),
            axis=1,
        )
    return out


def _worst(
    owner: NDArray[np.intp],
    level: NDArray[np.int64],
    score: NDArray[np.float64],
    prio: NDArray[np.int64],
    size: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Key of each owner's least preferred partner (``_NO_LEVEL`` if none)."""
    lv = np.full(size, _NO_LEVEL, dtype=np.int64)
    sc = np.full(size, np.inf)
    pr = np.full(size, -1, dtype=np.int64)
    if owner.size:
        # Worst first: lowest level, then lowest score, then highest priority.
        order = np.lexsort((-prio, score, level, owner))
        o = owner[order]
        first = np.r_[True, o[1:] != o[:-1]]
        pick = order[first]
        lv[owner[pick]] = level[pick]
        sc[owner[pick]] = score[pick]
        pr[owner[pick]] = prio[pick]
    return lv, sc, pr


def _better(
    level: NDArray[np.int64] | None,
    score: NDArray[np.float64],
    prio: NDArray[np.int64],
    t_level: NDArray[np.int64],
    t_score: NDArray[np.float64],
    t_prio: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Elementwise ``(level, score, -prio) > threshold`` (broadcasting)."""
    tie_break = (score == t_score) & (prio < t_prio)
    by_score: NDArray[np.bool_] = (score > t_score) | tie_break
    if level is None:
        # No stated rankings: every level is 0; a missing partner has _NO_LEVEL.
        no_level: NDArray[np.bool_] = by_score & (t_level == 0)
        return no_level
    out: NDArray[np.bool_] = (level > t_level) | ((level == t_level) & by_score)
    return out


def blocking_pairs(
    problem: MatchingProblem,
    pair_indices: NDArray[np.intp],
    *,
    mentee_priority: ArrayLike | None = None,
    mentor_priority: ArrayLike | None = None,
    allowed: NDArray[np.bool_] | None = None,
) -> NDArray[np.intp]:
    """Blocking pairs of a matching, as a ``(k, 2)`` index array.

    A pair ``(i, j)`` blocks when it is allowed, not chosen, mentee ``i`` has a
    free slot or prefers ``j`` to its worst current mentor, and mentor ``j``
    has a free seat or prefers ``i`` to its worst current mentee. Preferences
    follow the module policy: stated rankings first, then scores, ties broken
    by priority (the index by default).

    Parameters
    ----------
    problem : MatchingProblem
    pair_indices : ndarray of int, shape (n_pairs, 2)
        Mentee index, mentor index of each chosen pair.
    mentee_priority, mentor_priority : array_like of int, optional
        Tie priorities (lower preferred); the index by default. Pass the
        priorities of :meth:`alummatch.solvers.stable.Stable.tie_priorities`
        to check a matching made with ``tie_break="random"`` against the
        order it was made with; with the default index ties, pairs that only
        block through a tie the random draw broke the other way are reported.
    allowed : ndarray of bool, optional
        Acceptable pairs; ``problem.allowed`` by default.

    Returns
    -------
    ndarray of int, shape (k, 2)
        Sorted by mentee, then mentor.

    Notes
    -----
    Works on blocks of mentee rows with array operations only (no pair loop);
    temporaries stay within a few block-sized arrays, whatever the problem
    size.
    """
    n, m = problem.shape
    pi = np.asarray(pair_indices, dtype=np.intp).reshape(-1, 2)
    al = problem.allowed if allowed is None else np.asarray(allowed, dtype=np.bool_)
    tee = side_preferences(problem, "mentees", priority=mentor_priority)
    tor = side_preferences(problem, "mentors", priority=mentee_priority)
    a, b = pi[:, 0], pi[:, 1]
    sc = problem.scores[a, b]
    wt = _worst(a, tee.level_at(a, b), sc, tee.priority[b], n)
    wr = _worst(b, tor.level_at(b, a), sc, tor.priority[a], m)
    free_t = np.bincount(a, minlength=n) < problem.mentee_demand
    free_r = np.bincount(b, minlength=m) < problem.mentor_capacity
    has_seat = problem.mentor_capacity > 0
    r_prio = tee.priority[None, :]
    stated = tee.has_stated or tor.has_stated
    found: list[NDArray[np.intp]] = []
    step = max(1, _BLOCK_ELEMENTS // max(m, 1))
    for start in range(0, n, step):
        stop = min(start + step, n)
        s = problem.scores[start:stop]
        chosen = np.zeros((stop - start, m), dtype=np.bool_)
        sel = (a >= start) & (a < stop)
        chosen[a[sel] - start, b[sel]] = True
        lt = tee.level_block(start, stop) if stated else None
        want_t = free_t[start:stop, None] | _better(
            lt,
            s,
            r_prio,
            wt[0][start:stop, None],
            wt[1][start:stop, None],
            wt[2][start:stop, None],
        )
        block = al[start:stop] & ~chosen & want_t
        del want_t, lt
        lr = _mentor_levels_block(tor, start, stop) if stated else None
        want_r = free_r[None, :] | _better(
            lr,
            s,
            tor.priority[start:stop, None],
            wr[0][None, :],
            wr[1][None, :],
            wr[2][None, :],
        )
        block &= want_r & has_seat[None, :]
        rows, cols = np.nonzero(block)
        found.append(np.stack([rows + start, cols], axis=1).astype(np.intp))
    if not found:
        return np.empty((0, 2), dtype=np.intp)
    return np.concatenate(found)


def _mentor_levels_block(
    tor: SidePreferences, start: int, stop: int
) -> NDArray[np.int64]:
    """Mentors' stated levels of mentees ``start:stop``, in mentee-row layout."""
    m = tor.shape[0]
    out = np.zeros((stop - start, m), dtype=np.int64)
    if tor.has_stated:
        sel = (tor.stated_cols >= start) & (tor.stated_cols < stop)
        out[tor.stated_cols[sel] - start, tor.stated_rows[sel]] = tor.stated_level[sel]
    return out
