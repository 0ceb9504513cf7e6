"""Infeasibility in words: minimum loads, quotas, conflicts, and the table."""

from __future__ import annotations

import numpy as np

from alummatch import MatchingProblem, Status, solve
from alummatch.constraints import GroupQuota, ScoreParity
from alummatch.engine import make_task
from alummatch.solvers.diagnosis import (
    DIAGNOSERS,
    MIN_LOADS,
    diagnose,
    diagnose_min_loads,
    explain_conflict,
    infeasible_output,
    min_loads_feasible,
    quota_table,
)


def _task(problem: MatchingProblem, *constraints: object) -> object:
    return make_task(problem, "coverage", constraints, None, 0).task


def test_min_load_beyond_reach_names_the_mentor_and_the_counts() -> None:
    """A mentor needing 3 mentees with 2 reachable is named with both numbers."""
    p = MatchingProblem.from_scores(
        [[1.0], [1.0]], mentor_capacity=3, mentor_min_load=3, mentor_ids=["ada"]
    )
    task = _task(p)
    assert not min_loads_feasible(task)  # type: ignore[arg-type]
    text = " ".join(diagnose_min_loads(task))  # type: ignore[arg-type]
    assert "mentor ada needs at least 3 mentee(s) but only 2" in text


def test_min_loads_together_beyond_the_mentees() -> None:
    """Each mentor alone is reachable, together they need more mentees than exist."""
    p = MatchingProblem.from_scores(
        np.ones((2, 2)), mentor_capacity=2, mentor_min_load=2, mentee_demand=1
    )
    text = " ".join(diagnose(_task(p)))  # type: ignore[arg-type]
    assert "minimum loads need 4 mentee slots but only 2" in text


def test_quota_short_of_mentees_with_any_mentor() -> None:
    """A group whose mentees have no allowed mentor is told so with counts."""
    p = MatchingProblem.from_scores(
        np.ones((3, 1)),
        allowed=np.array([[True], [False], [False]]),
        mentor_capacity=3,
    )
    quota = GroupQuota(1.0, groups={"m-0": "x", "m-1": "y", "m-2": "y"})
    text = " ".join(diagnose(_task(p, quota)))  # type: ignore[arg-type]
    assert "group 'y' needs 2 matched slots" in text
    assert "only 0 of its 2 mentees have any allowed mentor" in text


def test_conflict_names_members_and_solver_hints() -> None:
    """Members that hold alone are named together, with the solver's hint."""
    p = MatchingProblem.from_scores(np.ones((2, 2)))
    parity = ScoreParity(0.1, groups={"m-0": "a", "m-1": "b"})
    task = _task(p, parity)
    text = explain_conflict(task, [MIN_LOADS, 0], hints={0: "it binds"})  # type: ignore[arg-type]
    assert text == [
        "mentor minimum loads and ScoreParity(0.1, groups) cannot all hold "
        "together (each can hold alone): it binds."
    ]


def test_infeasible_output_carries_the_sentences() -> None:
    """The solver-side helper returns INFEASIBLE, no pairs, and the diagnosis."""
    p = MatchingProblem.from_scores([[1.0]], mentor_capacity=2, mentor_min_load=2)
    out = infeasible_output(_task(p))  # type: ignore[arg-type]
    assert out.status is Status.INFEASIBLE
    assert out.pairs.shape == (0, 2)
    assert out.diagnosis


def test_quota_table_counts_per_group() -> None:
    """quota_table reports wanted, needed, matched and met per group."""
    p = MatchingProblem.from_scores(np.eye(3) + 0.1)
    quota = GroupQuota(0.5, groups={"m-0": "a", "m-1": "a", "m-2": "b"})
    r = solve(p, "flow", constraints=[quota])
    table = quota_table(p, r.pair_indices, quota)
    assert table.loc["a"].tolist() == [2, 1, 2, True]
    assert table.loc["b", "met"]


def test_diagnosers_table_lists_the_explainable_kinds() -> None:
    """GroupQuota is explained in numbers; other kinds are named only."""
    assert set(DIAGNOSERS) == {GroupQuota}
