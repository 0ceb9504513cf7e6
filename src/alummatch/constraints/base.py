"""The constraint protocol and id resolution shared by every constraint family.

Constraints are declarative: they say what must hold, never how a solver makes
it hold. Solvers declare which constraint types they honour; a solver handed
one it does not honour raises :class:`~alummatch.errors.UnsupportedError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.problem import MatchingProblem

__all__ = ["Constraint", "PairFilter", "Pinning", "resolve_pairs"]


@runtime_checkable
class Constraint(Protocol):
    """A requirement on the matching, checked by :func:`alummatch.solve`."""

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """Every problem with this constraint on ``problem`` (empty when valid)."""
        ...


@runtime_checkable
class PairFilter(Constraint, Protocol):
    """A constraint that forbids pairs; every solver honours every pair filter.

    :func:`alummatch.solve` removes the pairs before any solver runs, so a
    user's own filter needs no solver code; a mentee left unmatched because
    of it is told its ``name``.
    """

    @property
    def name(self) -> str:
        """Short label used in reasons and diagnoses, e.g. ``"Forbidden"``."""
        ...

    def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
        """The pairs this filter forbids, shape ``(n_mentees, n_mentors)``."""
        ...


@runtime_checkable
class Pinning(Constraint, Protocol):
    """A constraint that fixes pairs in the matching before any solver runs.

    Pinned pairs hold their seats: capacities, demands and minimum loads are
    reduced by them, and a pinned pair that a rule or a pair filter forbids
    makes the request infeasible with a sentence naming both.
    """

    @property
    def name(self) -> str:
        """Short label used in diagnoses, e.g. ``"Pinned"``."""
        ...

    def pinned(self, problem: MatchingProblem) -> NDArray[np.intp]:
        """Pairs that must hold: ``(k, 2)`` of mentee index, mentor index."""
        ...


def resolve_pairs(
    pairs: Iterable[tuple[str, str]],
    problem: MatchingProblem,
    where: str,
) -> NDArray[np.intp]:
    """Turn ``(mentee_id, mentor_id)`` pairs into an ``(k, 2)`` index array.

    Raises
    ------
    InvalidInputError
        Naming every unknown id.
    """
    tee = problem.mentee_index()
    tor = problem.mentor_index()
    rows: list[tuple[int, int]] = []
    problems: list[InputProblem] = []
    for k, pair in enumerate(pairs):
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            problems.append(
                InputProblem(
                    where, f"pair {k}", f"expected (mentee_id, mentor_id), got {pair!r}"
                )
            )
            continue
        a, b = str(pair[0]), str(pair[1])
        if a not in tee:
            problems.append(
                InputProblem(where, f"pair {k}", f"unknown mentee id {a!r}")
            )
        if b not in tor:
            problems.append(
                InputProblem(where, f"pair {k}", f"unknown mentor id {b!r}")
            )
        if a in tee and b in tor:
            rows.append((tee[a], tor[b]))
    if problems:
        raise InvalidInputError(problems)
    return np.array(rows, dtype=np.intp).reshape(-1, 2)
