"""The constraint protocol and id resolution shared by every constraint family.

Constraints are declarative: they say what must hold, never how a solver makes
it hold. Solvers declare which constraint types they honour; a solver handed
one it does not honour raises :class:`~alummatch.errors.UnsupportedError`.

Pair filters say which pairs they remove in one of two forms, or both:

- ``removed(problem)``, a dense mask ``(n_mentees, n_mentors)``: what every
  pair filter has, and what a dense problem uses;
- ``removal_test(problem)`` (:class:`PairwiseFilter`), a function that tests
  given pairs, with their scores, without a dense mask
  (:data:`~alummatch.problem.PairTest`): what a candidate problem
  (``build_problem(cohort, candidates=k)``) needs, since it never holds the
  matrix. A filter without it is refused on candidate problems with an
  :class:`~alummatch.errors.UnsupportedError`. Both forms must agree:
  :func:`alummatch.testing.check_pair_filter` checks a filter's two forms
  against each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.problem import MatchingProblem, PairTest

__all__ = [
    "Constraint",
    "PairFilter",
    "PairTest",
    "PairwiseFilter",
    "Pinning",
    "listed_pairs",
    "resolve_pairs",
]


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
class PairwiseFilter(PairFilter, Protocol):
    """A pair filter that can also test given pairs, for candidate problems.

    A candidate problem (``build_problem(cohort, candidates=k)``) never holds
    the dense matrix, so ``removed(problem)`` cannot be asked of it. Instead
    :func:`alummatch.solve` asks once for ``removal_test(problem)`` and calls
    the function it returns on the pairs it meets: the candidates and the
    reserve with their scores, the rows it re-scores (2-D blocks of rows x
    every mentor), and pinned pairs. The test must agree with ``removed``
    pair for pair, and be vectorised (no Python loop over pairs): it runs on
    blocks of millions of pairs.

    Examples
    --------
    A filter over a profile attribute tests pairs by indexing two vectors:

    >>> import numpy as np
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class SameInitial:
    ...     name: str = "same initial"
    ...
    ...     def validate(self, problem):
    ...         return []
    ...
    ...     def removed(self, problem):
    ...         n, m = problem.shape
    ...         return self.removal_test(problem)(
    ...             *np.indices((n, m)), np.zeros((n, m))
    ...         )
    ...
    ...     def removal_test(self, problem):
    ...         tee = np.array([i[0] for i in problem.mentee_ids])
    ...         tor = np.array([j[0] for j in problem.mentor_ids])
    ...         return lambda i, j, scores: tee[i] == tor[j]
    >>> p = MatchingProblem.from_scores(
    ...     [[1.0, 0.5]], mentee_ids=["ann"], mentor_ids=["al", "bo"]
    ... )
    >>> isinstance(SameInitial(), PairwiseFilter)
    True
    >>> SameInitial().removal_test(p)(np.array([0, 0]), np.array([0, 1]), None)
    array([ True, False])
    """

    def removal_test(self, problem: MatchingProblem) -> PairTest:
        """A function telling, for given pairs with their scores, which it removes.

        Called once per solve; the function it returns is called many times
        (see :data:`~alummatch.problem.PairTest` for its arguments), so the
        work that does not depend on the pairs (ids to indices, sorting)
        belongs here.
        """
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


def listed_pairs(pairs: NDArray[np.intp], n_mentors: int) -> PairTest:
    """A pair test that is true for the listed pairs, by sorted keys.

    Parameters
    ----------
    pairs : ndarray of int, shape (k, 2)
        Mentee index, mentor index of each listed pair (repeats allowed).
    n_mentors : int

    Examples
    --------
    >>> test = listed_pairs(np.array([[0, 1], [2, 0]]), 3)
    >>> test(np.array([0, 0, 2]), np.array([0, 1, 0]), np.zeros(3)).tolist()
    [False, True, True]
    """
    idx = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    keys = np.unique(idx[:, 0] * n_mentors + idx[:, 1])

    def test(
        mentee_idx: NDArray[np.intp],
        mentor_idx: NDArray[np.intp],
        scores: NDArray[np.float64],
    ) -> NDArray[np.bool_]:
        tee = np.asarray(mentee_idx)
        tor = np.asarray(mentor_idx)
        if keys.size == 0:
            return np.zeros(np.broadcast_shapes(tee.shape, tor.shape), dtype=np.bool_)
        if tee.ndim < 2:
            want = tee.astype(np.int64) * n_mentors + tor
            pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
            out: NDArray[np.bool_] = keys[pos] == want
            return out
        # whole rows: only the rows that list a pair are looked at
        rows = np.unique(keys // n_mentors)
        hit = np.isin(tee[:, :1], rows).ravel()
        out = np.zeros(np.broadcast_shapes(tee.shape, tor.shape), dtype=np.bool_)
        if hit.any():
            want = tee[hit].astype(np.int64) * n_mentors + tor[hit]
            pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
            out[hit] = keys[pos] == want
        return out

    return test
