"""FromHistory through solve(): every solver keeps active pairs, repeats none."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch import History, MatchingProblem, MatchResult, Status, solve
from alummatch.constraints import FromHistory
from tests.strategies import problems_with_history

SOLVERS = ["greedy", "hungarian", "flow", "cpsat", "milp", "stable"]
# hungarian and stable need demand 1 here (see their `unsupported`)
MAX_DEMAND = {"hungarian": 1, "stable": 1}
TIME_LIMIT = {"cpsat": 5.0, "milp": 5.0}


def _check(result: MatchResult, problem: MatchingProblem, c: FromHistory) -> None:
    """Active pairs kept, past pairs absent, capacities and demands held."""
    assert result.is_feasible(), result.diagnosis
    got = {(int(i), int(j)) for i, j in result.pair_indices}
    pinned = {(int(i), int(j)) for i, j in c.pinned(problem)}
    assert pinned <= got, "an active pair was dropped"
    removed = c.removed(problem)
    assert not [p for p in got if removed[p]], "a past pair was repeated"
    load = np.bincount(result.pair_indices[:, 1], minlength=problem.n_mentors)
    assert (load <= problem.mentor_capacity).all()
    count = np.bincount(result.pair_indices[:, 0], minlength=problem.n_mentees)
    assert (count <= problem.mentee_demand).all()


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=20)
@given(data=st.data())
def test_every_solver_keeps_active_pairs_and_repeats_none(
    solver: str, data: st.DataObject
) -> None:
    """On random histories, for each solver: pins held, past pairs never chosen."""
    problem, history = data.draw(
        problems_with_history(max_demand=MAX_DEMAND.get(solver, 2))
    )
    for repeat in ("never", "completed"):
        c = FromHistory(history, repeat=repeat)
        result = solve(
            problem,
            solver,
            objective="total" if solver == "stable" else "coverage",
            constraints=[c],
            time_limit=TIME_LIMIT.get(solver),
        )
        _check(result, problem, c)
        assert (
            result.info["history_rows_ignored"]
            == c.info(problem)["history_rows_ignored"]
        )


def test_capacity_three_with_two_active_pairs_leaves_one_seat() -> None:
    """A mentor with capacity 3 and 2 active pairs takes exactly 1 new mentee."""
    problem = MatchingProblem.from_scores(
        np.full((4, 1), 0.5), mentor_capacity=3, mentor_ids=["a"]
    )
    h = History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": ["m-0", "m-1"],
                "mentor_id": ["a", "a"],
                "term": "2025-fall",
                "status": "active",
            }
        )
    )
    r = solve(problem, "flow", constraints=[FromHistory(h)])
    assert r.status is Status.OPTIMAL
    assert sorted(p.mentee_id for p in r.pairs)[:2] == ["m-0", "m-1"]
    assert len(r.pairs) == 3
    assert len(r.unmatched) == 1
    assert "capacity" in next(iter(r.unmatched.values()))


def test_unmatched_mentee_is_told_history_removed_its_pairs() -> None:
    """A mentee whose every allowed pair is a past pair hears it from FromHistory."""
    problem = MatchingProblem.from_scores([[0.9, 0.5]], mentor_ids=["a", "b"])
    h = History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": ["m-0", "m-0"],
                "mentor_id": ["a", "b"],
                "term": "2025-fall",
                "status": ["completed", "ended"],
            }
        )
    )
    r = solve(problem, "greedy", constraints=[FromHistory(h)])
    assert "FromHistory" in r.unmatched["m-0"]
    r2 = solve(problem, "greedy", constraints=[FromHistory(h, repeat="completed")])
    assert [(p.mentee_id, p.mentor_id) for p in r2.pairs] == [("m-0", "a")]


def test_ignored_rows_are_counted_in_result_info() -> None:
    """Rows naming a mentor who left are ignored, counted in result.info."""
    problem = MatchingProblem.from_scores([[0.9, 0.5]], mentor_ids=["a", "b"])
    h = History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": ["m-0", "m-0", "x"],
                "mentor_id": ["gone", "a", "b"],
                "term": "2025-fall",
                "status": ["active", "ended", "completed"],
            }
        )
    )
    r = solve(problem, "auto", constraints=[FromHistory(h)])
    assert r.info["history_rows_ignored"] == 2
    assert [(p.mentee_id, p.mentor_id) for p in r.pairs] == [("m-0", "b")]


def test_active_pair_over_capacity_is_infeasible_with_a_diagnosis() -> None:
    """Two active pairs for a mentor with one seat: a status and a reason."""
    problem = MatchingProblem.from_scores(np.full((2, 1), 0.5), mentor_ids=["a"])
    h = History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": ["m-0", "m-1"],
                "mentor_id": ["a", "a"],
                "term": "t",
                "status": "active",
            }
        )
    )
    r = solve(problem, "flow", constraints=[FromHistory(h)])
    assert r.status is Status.INFEASIBLE
    assert any("capacity" in s for s in r.diagnosis)
