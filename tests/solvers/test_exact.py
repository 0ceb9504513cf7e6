"""Exact solvers against brute force, each other, and a known optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch import MatchingProblem, Status, solve
from alummatch.solvers.scaling import scale_factor
from tests.bruteforce import brute_force
from tests.keys import assert_same_key, key_of_pairs
from tests.strategies import problems, tiny_problems


@given(tiny_problems(), st.sampled_from(["total", "coverage"]))
def test_hungarian_equals_brute_force(problem: MatchingProblem, objective: str) -> None:
    """Hungarian reaches the brute-force optimum on tiny demand-1 instances."""
    best = brute_force(problem, objective)
    assert best is not None
    r = solve(problem, "hungarian", objective=objective)
    assert r.status is Status.OPTIMAL
    assert_same_key(key_of_pairs(r.pair_indices, problem, objective), best)


@given(
    tiny_problems(max_demand=2, min_loads=True, negative=True),
    st.sampled_from(["total", "coverage"]),
)
def test_flow_equals_brute_force(problem: MatchingProblem, objective: str) -> None:
    """Flow reaches the brute-force optimum, with demands, minimum loads, negatives."""
    best = brute_force(problem, objective)
    r = solve(problem, "flow", objective=objective)
    if best is None:
        assert r.status is Status.INFEASIBLE
        assert r.diagnosis
        assert r.pair_indices.shape == (0, 2)
    else:
        assert r.status is Status.OPTIMAL
        assert_same_key(key_of_pairs(r.pair_indices, problem, objective), best)


@given(
    problems(max_mentees=30, max_mentors=12, max_capacity=4, negative=True),
    st.sampled_from(["total", "coverage"]),
)
@settings(max_examples=40)
def test_flow_equals_hungarian(problem: MatchingProblem, objective: str) -> None:
    """Flow and Hungarian agree on the optimum to 1e-9 relative."""
    a = solve(problem, "flow", objective=objective)
    b = solve(problem, "hungarian", objective=objective)
    assert_same_key(
        key_of_pairs(a.pair_indices, problem, objective),
        key_of_pairs(b.pair_indices, problem, objective),
    )
    assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-12)


@given(problems(max_mentees=12, max_mentors=6, integer_scores=True))
def test_flow_exact_on_ties(problem: MatchingProblem) -> None:
    """Integer-valued scores full of ties: flow and Hungarian give equal totals."""
    a = solve(problem, "flow", objective="total")
    b = solve(problem, "hungarian", objective="total")
    assert a.objective == b.objective


def test_scaling_cannot_change_the_argmax() -> None:
    """Rounding error of the chosen factor is far below the smallest score gap.

    On the generated instances the gap between any two distinct subset totals
    that differ by one pair swap is at least the smallest nonzero score
    difference; the rounding bound n_pairs / factor must be below it, so the
    integer optimum is the float optimum.
    """
    rng = np.random.default_rng(7)
    scores = rng.random((200, 80))
    diffs = np.diff(np.unique(scores))
    smallest_gap = float(diffs.min())
    n_nodes = 200 + 80 + 2
    factor = scale_factor(1.0, 2.0**60 / (n_nodes + 1))
    assert factor.down(200) < smallest_gap
    p = MatchingProblem.from_scores(scores, mentor_capacity=3)
    a = solve(p, "flow", objective="total")
    b = solve(p, "hungarian", objective="total")
    assert sorted(map(tuple, a.pair_indices.tolist())) == sorted(
        map(tuple, b.pair_indices.tolist())
    )


def test_orlib_assign100_known_optimum(assign100: np.ndarray) -> None:
    """OR-Library assign100 (minimum cost 305) solved exactly by both solvers."""
    p = MatchingProblem.from_scores(-assign100)
    for solver in ("hungarian", "flow"):
        r = solve(p, solver, objective="coverage")
        assert r.status is Status.OPTIMAL
        assert r.metrics.matched_slots == 100
        assert -r.objective == pytest.approx(305.0)


def test_scale_of_scores_does_not_matter() -> None:
    """Huge and tiny score magnitudes give the same pairs (no truncation)."""
    rng = np.random.default_rng(3)
    base = rng.random((40, 15))
    pairs = None
    for factor in (1e-9, 1.0, 1e9):
        r = solve(
            MatchingProblem.from_scores(base * factor, mentor_capacity=2),
            "flow",
            objective="total",
        )
        got = sorted(map(tuple, r.pair_indices.tolist()))
        pairs = pairs or got
        assert got == pairs


def test_hungarian_refuses_duplicate_risk() -> None:
    """Demand > 1 with capacity > 1 is refused by Hungarian, naming flow."""
    from alummatch import UnsupportedError

    p = MatchingProblem.from_scores(np.ones((2, 2)), mentor_capacity=2, mentee_demand=2)
    with pytest.raises(UnsupportedError, match="flow"):
        solve(p, "hungarian")
    r = solve(p, "flow")
    assert sorted(map(tuple, r.pair_indices.tolist())) == [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
    ]
