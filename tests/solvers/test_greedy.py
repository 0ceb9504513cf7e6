"""The greedy baseline: valid, deterministic, and as greedy as documented."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from alummatch import MatchingProblem, Status, UnsupportedError, solve
from tests.strategies import problems


def test_best_pair_first_then_conflicts_by_score() -> None:
    """Both mentees want mentor 0; the higher score wins it, the other moves on."""
    p = MatchingProblem.from_scores([[0.9, 0.1], [0.95, 0.5]])
    r = solve(p, "greedy", objective="total")
    assert sorted(r.pair_indices.tolist()) == [[0, 1], [1, 0]]
    assert r.status is Status.FEASIBLE


def test_ties_go_to_the_lower_mentee_index() -> None:
    """Equal scores for one seat: mentee 0 gets it."""
    p = MatchingProblem.from_scores([[0.5], [0.5]])
    assert solve(p, "greedy").pair_indices.tolist() == [[0, 0]]


def test_total_never_takes_a_non_positive_pair() -> None:
    """Under ``total`` a pair scoring <= 0 is left out; under coverage it is taken."""
    p = MatchingProblem.from_scores([[-0.5]])
    assert solve(p, "greedy", objective="total").pair_indices.size == 0
    assert solve(p, "greedy", objective="coverage").pair_indices.tolist() == [[0, 0]]


@given(problems(max_demand=3))
def test_never_exceeds_capacity_or_demand(p: MatchingProblem) -> None:
    """Greedy's answer is a valid matching whatever the problem."""
    r = solve(p, "greedy")
    pairs = r.pair_indices
    assert (np.bincount(pairs[:, 1], minlength=p.n_mentors) <= p.mentor_capacity).all()
    assert (np.bincount(pairs[:, 0], minlength=p.n_mentees) <= p.mentee_demand).all()
    assert p.allowed[pairs[:, 0], pairs[:, 1]].all()


def test_refuses_maxmin() -> None:
    """Greedy cannot optimise maxmin and says so."""
    with pytest.raises(UnsupportedError, match="maxmin"):
        solve(MatchingProblem.from_scores([[1.0]]), "greedy", objective="maxmin")
