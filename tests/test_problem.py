"""Tests of MatchingProblem construction and validation."""

from __future__ import annotations

import numpy as np
import pytest

from alummatch.errors import InvalidInputError
from alummatch.problem import MatchingProblem


def test_scalars_broadcast_and_ids_default() -> None:
    """Scalar capacity, min load and demand broadcast; ids default to m-k / a-k."""
    p = MatchingProblem.from_scores(
        np.zeros((3, 2)), mentor_capacity=2, mentee_demand=1
    )
    assert p.mentor_capacity.tolist() == [2, 2]
    assert p.mentor_min_load.tolist() == [0, 0]
    assert p.mentee_demand.tolist() == [1, 1, 1]
    assert p.mentee_ids == ("m-0", "m-1", "m-2")
    assert p.mentor_ids == ("a-0", "a-1")
    assert p.allowed.all()


def test_arrays_are_read_only_copies() -> None:
    """The problem copies the caller's arrays and cannot be modified."""
    s = np.ones((2, 2))
    p = MatchingProblem.from_scores(s)
    s[0, 0] = 5.0
    assert p.scores[0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        p.scores[0, 0] = 2.0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scores_rejected(bad: float) -> None:
    """NaN and inf scores are an InvalidInputError naming the position."""
    s = np.zeros((2, 3))
    s[1, 2] = bad
    with pytest.raises(InvalidInputError, match="row 1, column 2"):
        MatchingProblem.from_scores(s)


def test_every_problem_listed_at_once() -> None:
    """Several bad arguments are reported together, each naming its argument."""
    with pytest.raises(InvalidInputError) as info:
        MatchingProblem.from_scores(
            [[0.1, np.nan]],
            mentor_capacity=[-1, 1],
            mentee_demand=0,
            allowed=np.ones((2, 2), dtype=bool),
            mentor_ids=["a", "a"],
        )
    where = [p.where for p in info.value.problems]
    assert where == [
        "scores",
        "mentor_capacity",
        "mentee_demand",
        "allowed",
        "mentor_ids",
    ]
    assert isinstance(info.value, ValueError)


def test_wrong_dimensions() -> None:
    """A 1-D score array names the shape it got."""
    with pytest.raises(
        InvalidInputError, match=r"expected a 2-D array, got shape \(3,\)"
    ):
        MatchingProblem.from_scores([1.0, 2.0, 3.0])


def test_min_load_above_capacity_rejected() -> None:
    """A minimum load above capacity is bad input, not infeasibility."""
    with pytest.raises(InvalidInputError, match="exceeds mentor_capacity"):
        MatchingProblem.from_scores(
            np.zeros((2, 2)), mentor_capacity=1, mentor_min_load=[2, 0]
        )


def test_non_boolean_allowed_rejected() -> None:
    """An allowed mask must be boolean, not 0/1 numbers that might be scores."""
    with pytest.raises(InvalidInputError, match="boolean"):
        MatchingProblem.from_scores(np.zeros((2, 2)), allowed=np.ones((2, 2)))


def test_replace_validates() -> None:
    """replace() returns a new validated problem and leaves the original alone."""
    p = MatchingProblem.from_scores(np.zeros((2, 2)))
    q = p.replace(mentor_capacity=[3, 0])
    assert q.mentor_capacity.tolist() == [3, 0]
    assert p.mentor_capacity.tolist() == [1, 1]
    with pytest.raises(InvalidInputError):
        p.replace(mentee_demand=[0, 1])
    with pytest.raises(TypeError, match="unknown"):
        p.replace(colour="red")


def test_preferences_validated() -> None:
    """Stated rankings must list distinct, in-range indices."""
    with pytest.raises(InvalidInputError, match="distinct indices"):
        MatchingProblem.from_scores(np.zeros((1, 2)), mentee_preferences=[[0, 0]])
    p = MatchingProblem.from_scores(np.zeros((1, 2)), mentee_preferences=[[1]])
    assert p.mentee_preferences is not None
    assert p.mentee_preferences[0].tolist() == [1]


def test_replace_scores_drops_the_stale_context() -> None:
    """New scores are never explained with the old components (a bug once)."""
    from alummatch import build_problem, solve
    from alummatch.datasets import load_sample

    p = build_problem(load_sample())
    assert p.context is not None
    flat = p.replace(scores=np.full(p.shape, 0.5))
    assert flat.context is None
    r = solve(flat, "flow")
    assert all(pair.components == {} for pair in r.pairs)
    assert all(pair.score == 0.5 for pair in r.pairs)
    kept = p.replace(mentor_capacity=2)
    assert kept.context is p.context  # capacities do not change the facts


def test_solver_figures_reach_the_result() -> None:
    """What a solver reports in its output's info is in ``result.info``."""
    from alummatch import solve

    r = solve(MatchingProblem.from_scores([[0.9, 0.2], [0.8, 0.1]]), "stable")
    assert r.info["rounds"] >= 1
