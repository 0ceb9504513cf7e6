"""Pair filters and pinned pairs on candidate problems, without a dense mask.

A candidate problem (``build_problem(cohort, candidates=k)``) never holds the
``(n_mentees, n_mentors)`` matrix, so pair filters are asked for their pair
test (``removal_test(problem)``, see :mod:`alummatch.constraints.base`)
instead of their mask, and the solver is handed a problem whose
:class:`~alummatch.problem.CandidateSet` has the removed pairs taken out
(:meth:`~alummatch.problem.CandidateSet.without`):

- candidates and reserve pairs that a filter removes are dropped, tested once
  with their scores;
- rows re-scored later (by the certificate, by ``stable`` walking past its
  candidates, by the unmatched reasons) have the pairs a filter removes
  disallowed, tested on each block of rows with the re-scored values;
- pinned pairs are taken out the same way (they are already chosen: a
  mentee is never paired with the same mentor twice);
- bounds and the build's bytes stay as they are: removing pairs only lowers
  a mentee's best other score, so they remain upper bounds.

Scores come from where the pair is met: the candidates' and the reserve's
exact scores, or the re-scored row; a pinned pair's score from re-scoring its
mentee's row (pins are few). Nothing of shape ``(n_mentees, n_mentors)`` is
allocated: tests run on the candidates, the reserve and blocks of rows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.base import listed_pairs
from alummatch.errors import InputProblem, InvalidInputError
from alummatch.problem import MatchingProblem, PairTest
from alummatch.solvers.base import Task

__all__ = ["PairTests", "floor_task", "without_pairs"]


@dataclass(frozen=True, eq=False)
class PairTests:
    """The pair tests of a request's filters, in request order, by label.

    Attributes
    ----------
    labels : tuple of str
        Each filter's label (its name, with its position when names repeat).
    tests : tuple of PairTest
        Each filter's ``removal_test(problem)``.
    """

    labels: tuple[str, ...] = ()
    tests: tuple[PairTest, ...] = ()

    def first(
        self,
        mentee_idx: NDArray[np.intp],
        mentor_idx: NDArray[np.intp],
        scores: NDArray[np.float64],
    ) -> NDArray[np.int16]:
        """Position of the first filter that removes each pair (``-1``: none).

        As on a dense problem, a pair two filters remove counts for the first.

        Raises
        ------
        InvalidInputError
            When a test returns an array of another shape or type.
        """
        shape = np.shape(scores)
        out = np.full(shape, -1, dtype=np.int16)
        for k, (label, test) in enumerate(zip(self.labels, self.tests, strict=True)):
            hit = _checked(test(mentee_idx, mentor_idx, scores), shape, label)
            out[hit & (out < 0)] = k
        return out

    def removes(
        self,
        mentee_idx: NDArray[np.intp],
        mentor_idx: NDArray[np.intp],
        scores: NDArray[np.float64],
    ) -> NDArray[np.bool_]:
        """Whether any filter removes each pair."""
        shape = np.shape(scores)
        out = np.zeros(shape, dtype=np.bool_)
        for label, test in zip(self.labels, self.tests, strict=True):
            out |= _checked(test(mentee_idx, mentor_idx, scores), shape, label)
        return out


def _checked(value: object, shape: tuple[int, ...], label: str) -> NDArray[np.bool_]:
    hit = np.asarray(value)
    if hit.shape != shape or hit.dtype != np.bool_:
        raise InvalidInputError(
            [
                InputProblem(
                    label,
                    "removal_test",
                    f"expected a boolean array of shape {shape} (the pairs "
                    f"given), got {hit.dtype} of shape {hit.shape}",
                )
            ]
        )
    return hit


def without_pairs(
    problem: MatchingProblem, tests: PairTests, fixed: NDArray[np.intp]
) -> MatchingProblem:
    """The candidate problem without the pairs the filters remove or pins hold.

    The problem itself when there is nothing to take out.
    """
    cs = problem.candidates
    if cs is None:  # pragma: no cover - only candidate problems come here
        raise ValueError("not a candidate problem")
    if not tests.tests and fixed.shape[0] == 0:
        return problem
    pinned = listed_pairs(fixed, problem.n_mentors)

    def removed(
        mentee_idx: NDArray[np.intp],
        mentor_idx: NDArray[np.intp],
        scores: NDArray[np.float64],
    ) -> NDArray[np.bool_]:
        out = tests.removes(mentee_idx, mentor_idx, scores)
        if fixed.shape[0]:
            out |= pinned(mentee_idx, mentor_idx, scores)
        return out

    return dataclasses.replace(problem, candidates=cs.without(removed))


def floor_task(task: Task, floor: float) -> Task:
    """The task's ``coverage`` over the pairs scoring at least ``floor``.

    Under ``maxmin`` the smallest score counts the pinned pairs too: once the
    free pairs can all score above the pinned pairs' smallest, the floor
    stops there, and the matching is the best ``coverage`` (most slots, then
    the total) of the pairs scoring at least it, as the dense problem's
    solvers find it.
    """
    cs = task.problem.candidates
    if cs is None:  # pragma: no cover - only candidate problems come here
        raise ValueError("not a candidate problem")

    def below(
        mentee_idx: NDArray[np.intp],
        mentor_idx: NDArray[np.intp],
        scores: NDArray[np.float64],
    ) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = np.asarray(scores) < floor
        return out

    problem = dataclasses.replace(task.problem, candidates=cs.without(below))
    return dataclasses.replace(task, problem=problem, objective="coverage")
