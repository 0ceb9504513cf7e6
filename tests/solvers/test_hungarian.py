"""Hungarian on the expanded matrix: exact, and honest about what it cannot do."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from alummatch import MatchingProblem, Status, UnsupportedError, solve
from alummatch.solvers.hungarian import expanded_assignment
from tests.keys import assert_same_key, key_of_pairs
from tests.strategies import problems


@given(problems(max_mentees=10, max_mentors=6))
def test_equals_flow(p: MatchingProblem) -> None:
    """Same optimum as min-cost flow for total and coverage."""
    for objective in ("total", "coverage"):
        a = solve(p, "hungarian", objective=objective)
        b = solve(p, "flow", objective=objective)
        assert a.status is Status.OPTIMAL
        assert_same_key(
            key_of_pairs(a.pair_indices, p, objective),
            key_of_pairs(b.pair_indices, p, objective),
        )


def test_expansion_repeats_mentors_by_capacity() -> None:
    """Three mentees, one mentor with capacity 2: the two best are chosen."""
    pairs = expanded_assignment(
        np.array([[0.2], [0.9], [0.8]]),
        np.ones((3, 1), dtype=np.bool_),
        np.array([2]),
        np.array([1, 1, 1]),
        "total",
    )
    assert sorted(pairs.tolist()) == [[1, 0], [2, 0]]


def test_refuses_demand_and_capacity_above_one() -> None:
    """A mentee wanting two mentors could take two seats of one: refused."""
    p = MatchingProblem.from_scores(np.ones((2, 2)), mentor_capacity=2, mentee_demand=2)
    with pytest.raises(UnsupportedError, match="two seats"):
        solve(p, "hungarian")


def test_refuses_min_loads_and_maxmin() -> None:
    """Minimum loads and maxmin are flow's and cpsat's."""
    p = MatchingProblem.from_scores([[1.0]], mentor_min_load=1)
    with pytest.raises(UnsupportedError, match="minimum loads"):
        solve(p, "hungarian")
    with pytest.raises(UnsupportedError, match="maxmin"):
        solve(MatchingProblem.from_scores([[1.0]]), "hungarian", objective="maxmin")
