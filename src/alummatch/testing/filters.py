"""Conformance of a pair filter's two forms: the dense mask and the pair test.

A pair filter that also has ``removal_test(problem)``
(:class:`~alummatch.constraints.base.PairwiseFilter`) applies to candidate
problems, which test pairs instead of holding the mask. :func:`check_pair_filter`
checks that the test says what the mask says, on the pairs the engine gives
it: listed pairs in any order, whole rows as 2-D broadcast views, no pair at
all; and that ``flow`` on a candidate problem of the same scores reaches the
dense problem's optimum with the filter.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from alummatch.engine import solve
from alummatch.problem import CandidateSet, MatchingProblem
from alummatch.result import Status
from alummatch.scoring.candidates import select_candidates
from alummatch.testing.checks import _Case, _Failures
from alummatch.testing.keys import objective_key, same_key

__all__ = ["check_pair_filter"]


def _candidates_of(problem: MatchingProblem, k: int) -> MatchingProblem:
    """A candidate problem of the dense problem's scores: ``k`` per mentee."""
    scores, allowed = problem.scores, problem.allowed

    def rows(idx: NDArray[np.intp]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        return np.asarray(scores[idx]), np.asarray(allowed[idx])

    n, m = problem.shape
    cs: CandidateSet = select_candidates(rows, n, m, k, block_size=8, n_jobs=1)
    return MatchingProblem.from_candidates(
        cs,
        mentor_capacity=problem.mentor_capacity,
        mentor_min_load=problem.mentor_min_load,
        mentee_demand=problem.mentee_demand,
        mentee_ids=problem.mentee_ids,
        mentor_ids=problem.mentor_ids,
        context=problem.context,
    )


def check_pair_filter(
    pair_filter: object, problem: MatchingProblem, *, seed: int = 0
) -> dict[str, int]:
    """Check that a pair filter's ``removal_test`` agrees with its ``removed``.

    On ``problem`` (a dense problem the filter applies to):

    - the filter has ``removal_test(problem)``, returning a callable;
    - on every pair listed in a random order (1-D arrays), the test returns a
      boolean array of that shape equal to the mask at those pairs;
    - on whole rows (2-D read-only broadcast views of mentees x every
      mentor, with the rows' scores), it returns the mask's rows;
    - on no pair at all, an empty boolean array;
    - ``flow`` on a candidate problem of the same scores (one candidate per
      mentee, so that rows are re-scored) reaches the dense optimum with the
      filter, for ``total`` and ``coverage`` (scores rounded to float32 on
      both, as a build keeps them).

    Parameters
    ----------
    pair_filter : object
        A pair filter (``removed``, ``name``, ``validate``) with
        ``removal_test``.
    problem : MatchingProblem
        A dense problem.
    seed : int
        Seed of the pair order.

    Returns
    -------
    dict of str to int
        How many times each check ran.

    Raises
    ------
    AssertionError
        Listing every failed check.

    Examples
    --------
    >>> from alummatch import MatchingProblem
    >>> from alummatch.constraints import MinScore
    >>> from alummatch.testing import check_pair_filter
    >>> p = MatchingProblem.from_scores([[0.9, 0.1], [0.4, 0.8]])
    >>> check_pair_filter(MinScore(0.5), p)["mask's rows"]
    1
    """
    name = str(getattr(pair_filter, "name", type(pair_filter).__name__))
    out = _Failures(f"pair filter {name!r}")
    case = _Case(f"{problem.shape[0]}x{problem.shape[1]} problem", problem)
    make = getattr(pair_filter, "removal_test", None)
    out.check(callable(make), "has removal_test", case)
    if make is None or not callable(make):
        out.raise_if_any()
        return dict(out.ran)
    test = make(problem)
    mask = np.asarray(pair_filter.removed(problem))  # type: ignore[attr-defined]
    n, m = problem.shape
    rng = np.random.default_rng(seed)
    flat = rng.permutation(n * m)
    tee, tor = (flat // m).astype(np.intp), (flat % m).astype(np.intp)
    got = np.asarray(test(tee, tor, np.asarray(problem.scores[tee, tor])))
    out.check(
        got.shape == tee.shape and got.dtype == np.bool_,
        "a boolean array of the pairs' shape",
        case,
        f"got {got.dtype} of shape {got.shape}",
    )
    if got.shape == tee.shape:
        bad = np.nonzero(got != mask[tee, tor])[0]
        out.check(
            bad.size == 0,
            "mask at listed pairs",
            case,
            f"{bad.size} pair(s) differ, first ({tee[bad[0]]}, {tor[bad[0]]})"
            if bad.size
            else "",
        )
    rows = rng.permutation(n)[: max(1, n // 2)].astype(np.intp)
    scores = np.asarray(problem.scores[rows], dtype=np.float64)
    got = np.asarray(
        test(
            np.broadcast_to(rows[:, None], scores.shape),
            np.broadcast_to(np.arange(m, dtype=np.intp), scores.shape),
            scores,
        )
    )
    out.check(
        got.shape == scores.shape and np.array_equal(got, mask[rows]),
        "mask's rows",
        case,
        f"got {got.dtype} of shape {got.shape}",
    )
    none = np.empty(0, dtype=np.intp)
    got = np.asarray(test(none, none, np.empty(0)))
    out.check(
        got.shape == (0,) and got.dtype == np.bool_,
        "no pair",
        case,
        f"got {got.dtype} of shape {got.shape}",
    )
    # the build keeps float32 scores: the dense problem of the same values
    dense = problem.replace(scores=problem.scores.astype(np.float32))
    cand = _candidates_of(dense, 1)
    for objective in ("total", "coverage"):
        want = solve(dense, "flow", objective=objective, constraints=[pair_filter])
        have = solve(cand, "flow", objective=objective, constraints=[pair_filter])
        ok = have.status is want.status and (
            want.status is not Status.OPTIMAL
            or same_key(
                objective_key(dense.scores, have.pair_indices, objective),
                objective_key(dense.scores, want.pair_indices, objective),
                rel=1e-9,
                abs_=1e-9,
            )
        )
        out.check(
            ok,
            f"candidate problem reaches the dense optimum ({objective})",
            dataclasses.replace(case, label=f"{case.label}, candidates=1"),
        )
    out.raise_if_any()
    return dict(out.ran)
