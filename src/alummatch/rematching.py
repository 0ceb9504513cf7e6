"""Rematching mid-term: new mentors for the mentees named, nobody else moves.

A rematch is a history update and a solve: the active pairs of the mentees
who ask for a change become ``ended``, every other active pair is pinned by
:class:`~alummatch.constraints.FromHistory`, and the ended pairs are never
restored. :func:`rematch` does both in one call and records the new pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.history import REPEAT, FromHistory
from alummatch.engine import solve
from alummatch.errors import InputProblem, InvalidInputError
from alummatch.history import History
from alummatch.problem import MatchingProblem
from alummatch.result import MatchResult
from alummatch.solvers.base import Solver

__all__ = ["OnlyMentees", "Rematch", "rematch"]


class Rematch(NamedTuple):
    """What :func:`rematch` returns; unpacks as ``result, history``.

    Attributes
    ----------
    result : MatchResult
        The matching: every continuing pair plus the new pairs of the mentees
        named.
    history : History
        The history to keep: the pairs left marked ``ended`` and the new pairs
        added as ``active`` rows of the term.
    """

    result: MatchResult
    history: History


@dataclass(frozen=True)
class OnlyMentees:
    """A pair filter that leaves only some mentees free to take new mentors.

    Every pair of any other mentee is removed, except the pairs in ``keep``
    (pinned elsewhere, e.g. by :class:`~alummatch.constraints.FromHistory`).

    Parameters
    ----------
    mentee_ids : tuple of str
        The mentees who may be matched.
    keep : tuple of (mentee_id, mentor_id)
        Pairs never removed.
    """

    mentee_ids: tuple[str, ...]
    keep: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """The label used in reasons: ``"rematch (other mentees keep their pairs)"``."""
        return "rematch (other mentees keep their pairs)"

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """Mentee ids that are not in the problem."""
        known = set(problem.mentee_ids)
        return [
            InputProblem("rematch", "mentee_ids", f"unknown mentee id {m!r}")
            for m in self.mentee_ids
            if m not in known
        ]

    def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
        """Every pair of the other mentees, except the kept ones."""
        free = np.isin(np.asarray(problem.mentee_ids, dtype=object), self.mentee_ids)
        mask = np.repeat(~free[:, None], problem.n_mentors, axis=1)
        if self.keep:
            tee = problem.mentee_index()
            tor = problem.mentor_index()
            rows = [(tee[a], tor[b]) for a, b in self.keep if a in tee and b in tor]
            if rows:
                idx = np.array(rows, dtype=np.intp)
                mask[idx[:, 0], idx[:, 1]] = False
        return mask


def _mentee_list(mentee_ids: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(mentee_ids, str):
        return (mentee_ids,)
    return tuple(dict.fromkeys(str(m) for m in mentee_ids))


def rematch(
    problem: MatchingProblem,
    history: History,
    mentee_ids: str | Iterable[str],
    *,
    term: str | None = None,
    status: str = "ended",
    solver: str | Solver = "auto",
    objective: str = "coverage",
    constraints: Sequence[object] = (),
    repeat: str = "never",
    time_limit: float | None = None,
    seed: int = 0,
) -> Rematch:
    """Give the mentees named new mentors mid-term; nobody else moves.

    The active pairs of the mentees named become ``status`` (``ended`` by
    default) in the history; then the problem is solved with
    :class:`~alummatch.constraints.FromHistory` on the updated history (every
    other active pair is pinned, the ended pairs are never restored) and a
    filter that leaves only the mentees named free to take a mentor. Mentees
    who are neither named nor in an active pair stay unmatched: to match a
    waitlist at the same time, update the history with
    :meth:`History.with_status` and call :func:`alummatch.solve` with
    ``FromHistory`` yourself.

    Parameters
    ----------
    problem : MatchingProblem
        The current cohort (mentors and mentees of the running term).
    history : History
        Holds the active pairs of the term.
    mentee_ids : str or iterable of str
        The mentees to rematch.
    term : str, optional
        Term of the new rows; the history's latest term by default.
    status : {"ended", "declined"}, default "ended"
        What the left pairs become.
    solver, objective, constraints, time_limit, seed
        As for :func:`alummatch.solve`; ``constraints`` are added to the two
        above.
    repeat : {"never", "completed"}, default "never"
        As for :class:`~alummatch.constraints.FromHistory`.

    Returns
    -------
    Rematch
        ``(result, history)``: the matching, and the history with the left
        pairs updated and the new pairs recorded as ``active`` (no new rows
        when the result is infeasible).

    Raises
    ------
    InvalidInputError
        For a mentee id not in the problem, an unknown status or a missing
        term, before anything is solved.

    Examples
    --------
    >>> import pandas as pd
    >>> import alummatch as am
    >>> problem = am.MatchingProblem.from_scores(
    ...     [[0.9, 0.5, 0.1], [0.8, 0.7, 0.3]], mentor_capacity=1
    ... )
    >>> history = am.History.from_frame(
    ...     pd.DataFrame(
    ...         {
    ...             "mentee_id": ["m-0", "m-1"],
    ...             "mentor_id": ["a-0", "a-1"],
    ...             "term": "2026-spring",
    ...             "status": "active",
    ...         }
    ...     )
    ... )
    >>> result, history = am.rematch(problem, history, ["m-1"])
    >>> [(p.mentee_id, p.mentor_id) for p in result.pairs]
    [('m-0', 'a-0'), ('m-1', 'a-2')]
    >>> history.to_frame()[["mentee_id", "mentor_id", "status"]].values.tolist()
    [['m-0', 'a-0', 'active'], ['m-1', 'a-1', 'ended'], ['m-1', 'a-2', 'active']]
    """
    names = _mentee_list(mentee_ids)
    problems: list[InputProblem] = []
    if not isinstance(history, History):
        raise TypeError(f"history must be an alummatch.History, got {history!r}")
    known = set(problem.mentee_ids)
    problems += [
        InputProblem("rematch", "mentee_ids", f"unknown mentee id {m!r}")
        for m in names
        if m not in known
    ]
    if not names:
        problems.append(InputProblem("rematch", "mentee_ids", "names no mentee"))
    if status not in ("ended", "declined"):
        problems.append(
            InputProblem(
                "rematch",
                "status",
                f"must be 'ended' or 'declined', got {status!r}",
            )
        )
    if repeat not in REPEAT:
        problems.append(
            InputProblem(
                "rematch", "repeat", f"unknown option {repeat!r}; one of {list(REPEAT)}"
            )
        )
    new_term = (
        term if term is not None else (history.terms[-1] if history.terms else "")
    )
    if not str(new_term).strip():
        problems.append(
            InputProblem("rematch", "term", "the history is empty: give a term name")
        )
    if problems:
        raise InvalidInputError(problems)
    leaving = [(a, b) for a, b in history.active_pairs() if a in names]
    updated = history.with_status(leaving, status)
    from_history = FromHistory(updated, repeat=repeat)
    keep = tuple(updated.active_pairs())
    result = solve(
        problem,
        solver,
        objective=objective,
        constraints=[from_history, OnlyMentees(names, keep), *constraints],
        time_limit=time_limit,
        seed=seed,
    )
    if not result.is_feasible():
        return Rematch(result, updated)
    chosen, kept = set(names), set(keep)
    new_pairs = [
        (p.mentee_id, p.mentor_id)
        for p in result.pairs
        if p.mentee_id in chosen and (p.mentee_id, p.mentor_id) not in kept
    ]
    return Rematch(result, updated.append(new_pairs, term=str(new_term)))
