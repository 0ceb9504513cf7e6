"""Tests of solve(): validation, pinned pairs, diagnosis, unmatched reasons."""

from __future__ import annotations

import numpy as np
import pytest

from alummatch import (
    InfeasibleError,
    InvalidInputError,
    MatchingProblem,
    Status,
    UnsupportedError,
    solve,
)
from alummatch.constraints import Forbidden, MinScore, Pinned
from alummatch.preferences import blocking_pairs


@pytest.fixture
def small() -> MatchingProblem:
    """Three mentees, two mentors with one seat each."""
    return MatchingProblem.from_scores(
        [[0.9, 0.2], [0.8, 0.7], [0.1, 0.3]],
        mentee_ids=["m-a", "m-b", "m-c"],
        mentor_ids=["x", "y"],
    )


def test_bad_arguments_listed_together(small: MatchingProblem) -> None:
    """Unknown objective, bad time limit, bad constraint ids: one error, all named."""
    with pytest.raises(InvalidInputError) as info:
        solve(
            small,
            "flow",
            objective="happiness",
            time_limit=-1,
            constraints=[Pinned([("m-zz", "x")]), MinScore(float("nan"))],
        )
    text = str(info.value)
    assert "happiness" in text
    assert "time_limit" in text
    assert "unknown mentee id 'm-zz'" in text
    assert "MinScore" in text
    assert len(info.value.problems) == 4


def test_unknown_solver_name(small: MatchingProblem) -> None:
    """An unknown solver name lists the known ones."""
    with pytest.raises(ValueError, match="choose one of"):
        solve(small, "simplex")


def test_not_a_problem() -> None:
    """Passing a raw matrix says how to build a problem."""
    with pytest.raises(TypeError, match="from_scores"):
        solve(np.zeros((2, 2)))  # type: ignore[arg-type]


def test_pinned_pair_is_kept(small: MatchingProblem) -> None:
    """A pinned pair is chosen even when the optimum would not choose it."""
    r = solve(small, "flow", objective="total", constraints=[Pinned([("m-c", "x")])])
    assert ("m-c", "x") in {(p.mentee_id, p.mentor_id) for p in r.pairs}
    assert r.status is Status.OPTIMAL


def test_pinned_forbidden_is_infeasible_with_words(small: MatchingProblem) -> None:
    """A pinned pair that is also forbidden gives INFEASIBLE and a sentence."""
    r = solve(
        small,
        "flow",
        constraints=[Pinned([("m-a", "x")]), Forbidden([("m-a", "x")])],
    )
    assert r.status is Status.INFEASIBLE
    assert r.diagnosis == ("pinned pair (m-a, x) is removed by Forbidden.",)
    with pytest.raises(InfeasibleError, match=r"pinned pair \(m-a, x\)"):
        r.raise_for_status()
    assert set(r.unmatched) == {"m-a", "m-b", "m-c"}


def test_pinned_beyond_capacity_is_infeasible(small: MatchingProblem) -> None:
    """Two pinned mentees on a one-seat mentor: the diagnosis names the mentor."""
    r = solve(small, "flow", constraints=[Pinned([("m-a", "x"), ("m-b", "x")])])
    assert r.status is Status.INFEASIBLE
    assert "mentor x has 2 pinned mentees but capacity 1." in r.diagnosis


def test_min_load_infeasible_diagnosis() -> None:
    """Minimum loads that cannot be met say how many slots are missing."""
    p = MatchingProblem.from_scores(
        np.ones((3, 3)),
        mentor_capacity=2,
        mentor_min_load=[2, 2, 0],
        allowed=np.array([[1, 1, 1], [1, 0, 1], [0, 0, 1]], dtype=bool),
    )
    r = solve(p, "flow")
    assert r.status is Status.INFEASIBLE
    text = " ".join(r.diagnosis)
    assert "mentor a-1 needs at least 2 mentee(s) but only 1" in text
    assert "minimum loads need 4 mentee slots but only 2 can be sent" in text


def test_unmatched_reasons(small: MatchingProblem) -> None:
    """Every unmatched mentee gets a reason that names the cause."""
    p = small.replace(
        allowed=np.array([[1, 1], [1, 1], [0, 0]], dtype=bool),
        mentor_capacity=[1, 0],
    )
    r = solve(p, "flow")
    assert r.unmatched["m-c"].startswith("no allowed mentor")
    assert r.unmatched["m-b"] == "capacity exhausted: all 1 allowed mentor(s) are full"


def test_min_score_reason(small: MatchingProblem) -> None:
    """A mentee whose pairs all fall below MinScore says so."""
    r = solve(small, "flow", constraints=[MinScore(0.5)])
    assert r.unmatched["m-c"] == "no allowed mentor left: removed 2 by MinScore(0.5)"


def test_total_objective_skips_negative_pairs() -> None:
    """With objective 'total' a negative pair is left out, and the reason says why."""
    p = MatchingProblem.from_scores([[0.5], [-0.2]], mentor_capacity=2)
    r = solve(p, "flow", objective="total")
    assert [p.mentee_id for p in r.pairs] == ["m-0"]
    assert "score <= 0" in r.unmatched["m-1"]
    r = solve(p, "flow", objective="coverage")
    assert len(r.pairs) == 2


def test_auto_picks_an_exact_solver(small: MatchingProblem) -> None:
    """auto solves with an exact solver and reports which."""
    r = solve(small)
    assert r.solver in {"flow", "hungarian", "cpsat"}
    assert r.status is Status.OPTIMAL


def test_greedy_refuses_min_loads() -> None:
    """A solver never drops a constraint: greedy refuses minimum loads."""
    p = MatchingProblem.from_scores(np.ones((2, 2)), mentor_min_load=1)
    with pytest.raises(UnsupportedError, match=r"minimum loads.*flow"):
        solve(p, "greedy")


def test_caller_inputs_not_mutated(small: MatchingProblem) -> None:
    """solve() leaves the problem and the constraint objects untouched."""
    before = small.allowed.copy()
    cons = [Forbidden([("m-a", "x")])]
    solve(small, "flow", constraints=cons)
    assert np.array_equal(small.allowed, before)
    assert cons[0].pairs == (("m-a", "x"),)


def test_forbidden_pair_never_counts_as_blocking() -> None:
    """A pair the request forbids cannot block, in metrics or in the listing."""
    p = MatchingProblem.from_scores(
        [[0.9], [0.5]], mentee_ids=["m0", "m1"], mentor_ids=["a0"]
    )
    free = solve(p, "flow", objective="total")
    assert free.metrics.blocking_pairs == 0
    r = solve(p, "flow", objective="total", constraints=[Forbidden([("m0", "a0")])])
    assert [(x.mentee_id, x.mentor_id) for x in r.pairs] == [("m1", "a0")]
    assert r.metrics.blocking_pairs == 0
    assert r.blocking_pairs() == []
    # The same matching judged against every allowed pair does have one.
    assert blocking_pairs(p, r.pair_indices).tolist() == [[0, 0]]


def test_demand_beyond_allowed_mentors_says_no_other_mentor() -> None:
    """A mentee wanting two mentors but allowed one is told there is no other."""
    p = MatchingProblem.from_scores(
        [[0.9, 0.5]],
        allowed=[[True, False]],
        mentee_demand=2,
        mentor_capacity=3,
        mentee_ids=["m0"],
    )
    r = solve(p, "flow")
    assert r.unmatched["m0"].startswith("matched 1 of 2 mentors wanted; ")
    assert "no other allowed mentor" in r.unmatched["m0"]
