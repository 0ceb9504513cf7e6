"""Regression tests: small legal inputs on which a solver once told an untruth."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from alummatch import MatchingProblem, compare, solve
from alummatch.constraints import GroupQuota, MinScore, ScoreParity
from alummatch.errors import InvalidInputError
from alummatch.result import Status
from alummatch.solvers import CpSat, Milp, Stable
from alummatch.solvers.base import usable_capacity

EXACT = [
    "flow",
    "hungarian",
    CpSat(workers=1),
    CpSat(workers=1, warm_start=False),
    Milp(),
    Milp(warm_start=False),
]


def test_min_load_above_reachable_mentees_is_infeasible_not_a_crash() -> None:
    """cpsat once raised 'Invalid domain' when a minimum load exceeded its mentees."""
    p = MatchingProblem.from_scores(
        [[1.0], [1.0]], mentor_capacity=3, mentor_min_load=3
    )
    for solver in ("cpsat", "milp", "flow", "auto"):
        r = solve(p, solver)
        assert r.status is Status.INFEASIBLE
        assert r.diagnosis
    table = compare(p, ["flow", "cpsat", "milp"], measure_memory=False)
    assert set(table["status"]) == {"infeasible"}


@pytest.mark.parametrize("capacity", [10**15, 2**62])
def test_unlimited_capacity_keeps_the_optimum(capacity: int) -> None:
    """Huge capacities once lost precision (flow), matched nobody (cpsat) or
    exhausted memory (hungarian)."""
    p = MatchingProblem.from_scores(
        [[0.5004, 0.5], [0.3, 0.2]], mentor_capacity=capacity
    )
    for solver in EXACT:
        r = solve(p, solver, objective="total")
        assert r.status is Status.OPTIMAL
        assert r.objective == pytest.approx(0.8004, abs=1e-12)
    table = compare(p, ["flow", "hungarian", "cpsat", "milp"], measure_memory=False)
    assert (table["status"] == "optimal").all()


def test_usable_capacity_clamps_to_pairs_and_demand() -> None:
    """A capacity never exceeds the allowed mentees nor the total demand, and
    never falls below the minimum load."""
    allowed = np.array([[True, True], [True, False], [False, False]])
    cap, dem = usable_capacity(
        allowed,
        np.array([10**15, 2**62]),
        np.array([0, 2]),
        np.array([1, 1, 5]),
    )
    assert cap.tolist() == [2, 2]
    assert dem.tolist() == [1, 1, 2]


def test_hungarian_coverage_matches_negative_scores() -> None:
    """hungarian's coverage once matched nobody when every score was negative."""
    p = MatchingProblem.from_scores([[-5.0]])
    r = solve(p, "hungarian", objective="coverage")
    assert r.status is Status.OPTIMAL
    assert r.pair_indices.tolist() == [[0, 0]]
    q = MatchingProblem.from_scores([[-5.0, -1.0], [-2.0, -7.0]], mentor_capacity=1)
    assert solve(q, "hungarian", objective="coverage").objective == pytest.approx(-3.0)


@pytest.mark.parametrize("solver", [CpSat(workers=1), Milp()])
def test_parity_accepts_a_gap_of_exactly_max_gap(solver: object) -> None:
    """Group means exactly max_gap apart once counted as a violation."""
    p = MatchingProblem.from_scores([[0.6], [0.5]], mentor_capacity=2)
    groups = {"m-0": "a", "m-1": "b"}
    r = solve(p, solver, constraints=[ScoreParity(0.1, groups=groups)])  # type: ignore[arg-type]
    assert r.status is Status.OPTIMAL
    assert r.metrics.matched_slots == 2
    q = MatchingProblem.from_scores([[0.75], [0.5]], mentor_capacity=2)
    r = solve(q, solver, constraints=[ScoreParity(0.25, groups=groups)])  # type: ignore[arg-type]
    assert r.metrics.matched_slots == 2


@pytest.mark.parametrize("solver", [CpSat(workers=2), Milp()])
def test_time_limited_solve_keeps_the_warm_start(solver: object) -> None:
    """A stage stopped early once returned 0 pairs and no bound."""
    rng = np.random.default_rng(2)
    p = MatchingProblem.from_scores(rng.random((150, 50)), mentor_capacity=3)
    flow = solve(p, "flow", objective="coverage")
    r = solve(p, solver, objective="coverage", time_limit=0.01)  # type: ignore[arg-type]
    assert r.status in (Status.OPTIMAL, Status.TIME_LIMIT)
    assert r.metrics.matched_slots == flow.metrics.matched_slots
    assert r.objective >= flow.objective - 1e-9
    if r.status is Status.TIME_LIMIT and r.bound is not None:
        assert r.gap is not None
        assert r.gap >= 0


def test_unexpected_cpsat_status_is_recovered_not_time_limit(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A later stage coming back INFEASIBLE once turned into TIME_LIMIT."""
    from ortools.sat.python import cp_model

    from alummatch.solvers import cpsat as mod

    real = mod.CpSat._run
    calls = {"n": 0}

    def flaky(self, model, task, time_limit, **kw):  # type: ignore[no-untyped-def]
        status, solver = real(self, model, task, time_limit, **kw)
        calls["n"] += 1
        if calls["n"] >= 2:
            return cp_model.INFEASIBLE, solver
        return status, solver

    monkeypatch.setattr(mod.CpSat, "_run", flaky)
    # Coverage 1 is below the seats (2), so the coverage stage really runs.
    allowed = np.array([[True, False], [True, False], [False, False]])
    p = MatchingProblem.from_scores(
        [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]], allowed=allowed
    )
    with caplog.at_level(logging.WARNING, logger="alummatch"):
        r = solve(p, CpSat(workers=1, warm_start=False), objective="coverage")
    assert r.status is Status.FEASIBLE
    assert r.metrics.matched_slots == 1
    assert "optimality not proven" in caplog.text


@pytest.mark.parametrize("solver", [CpSat(workers=1), Milp()])
def test_parity_with_tiny_scores_and_large_groups_does_not_overflow(
    solver: object,
) -> None:
    """Tiny scores and 1000 x 400 groups once overflowed the product variables."""
    p = MatchingProblem.from_scores(np.full((4, 2), 1e-12) + np.eye(4, 2) * 1e-13)
    groups = {"m-0": "a", "m-1": "a", "m-2": "b", "m-3": "b"}
    r = solve(p, solver, constraints=[ScoreParity(0.05, groups=groups)])  # type: ignore[arg-type]
    assert r.status is Status.OPTIMAL
    assert r.metrics.matched_slots == 2


def test_parity_model_of_a_large_cohort_builds() -> None:
    """The 1000 x 400 model with two groups of 500 is written without overflow."""
    from alummatch.engine import make_task
    from alummatch.solvers.cpsat import _Model

    rng = np.random.default_rng(0)
    p = MatchingProblem.from_scores(rng.random((1000, 400)), mentor_capacity=3)
    groups = {t: "ab"[k % 2] for k, t in enumerate(p.mentee_ids)}
    task = make_task(p, "total", [ScoreParity(0.05, groups=groups)], None, 0).task
    model = _Model(task)
    assert model.cp.validate() == ""


@pytest.mark.filterwarnings("ignore:overflow encountered")  # the 1.7e308 totals
@pytest.mark.parametrize("scale", [1e-300, 1e-305, 1e300, 1.7e308])
@pytest.mark.parametrize("objective", ["total", "coverage", "maxmin"])
def test_scores_at_the_ends_of_the_float_range(scale: float, objective: str) -> None:
    """Scale factors once became inf (tiny scores) and costs overflowed (huge)."""
    base = np.array([[0.5, 1.0, 0.25], [1.0, 0.75, 0.5], [0.25, 0.5, 1.0]])
    p = MatchingProblem.from_scores(base * scale, mentor_capacity=1)
    for solver in EXACT:
        if solver == "hungarian" and objective == "maxmin":
            continue
        r = solve(p, solver, objective=objective)
        assert r.status is Status.OPTIMAL
        assert sorted(r.pair_indices[:, 1].tolist()) == [0, 1, 2]
        chosen = base[r.pair_indices[:, 0], r.pair_indices[:, 1]]
        assert chosen.sum() == pytest.approx(3.0)


@pytest.mark.parametrize(
    "scores",
    [[[1.0, 2.0], [3.0]], [["a", "b"]], [[1 + 2j]], [[object()]]],
)
def test_non_real_score_matrices_are_invalid_input(scores: object) -> None:
    """Ragged, string and complex matrices once raised raw numpy errors."""
    with pytest.raises(InvalidInputError, match="scores"):
        MatchingProblem.from_scores(scores)  # type: ignore[arg-type]


def test_capacity_beyond_int64_is_named() -> None:
    """A capacity of 1e20 once gave a misleading message."""
    with pytest.raises(InvalidInputError, match=r"mentor_capacity.*<= 2\*\*62"):
        MatchingProblem.from_scores([[1.0]], mentor_capacity=1e20)


def test_booleans_are_not_numbers() -> None:
    """True was once accepted as a capacity, a time limit and a share."""
    with pytest.raises(InvalidInputError, match="booleans"):
        MatchingProblem.from_scores([[1.0]], mentor_capacity=True)
    p = MatchingProblem.from_scores([[1.0]])
    with pytest.raises(InvalidInputError, match="time_limit"):
        solve(p, time_limit=True)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="min_share"):
        solve(p, "cpsat", constraints=[GroupQuota(True, groups={"m-0": "a"})])


def test_a_string_is_not_a_sequence_of_ids() -> None:
    """mentee_ids='ab' once became ('a', 'b')."""
    with pytest.raises(InvalidInputError, match="single string"):
        MatchingProblem.from_scores([[1.0, 2.0], [3.0, 4.0]], mentee_ids="ab")


def test_float_preference_indices_are_refused() -> None:
    """Float ranking indices were once truncated."""
    with pytest.raises(InvalidInputError, match="integer indices"):
        MatchingProblem.from_scores([[1.0, 2.0]], mentee_preferences=[[1.7]])


def test_numpy_scalars_are_numbers() -> None:
    """np.int64 time limits and np.float32 thresholds were once rejected."""
    p = MatchingProblem.from_scores([[1.0, 0.2]])
    r = solve(p, time_limit=np.int64(5), constraints=[MinScore(np.float32(0.5))])
    assert r.status is Status.OPTIMAL
    assert r.pair_indices.tolist() == [[0, 0]]


def test_random_tie_break_takes_a_negative_seed() -> None:
    """Stable(tie_break='random') once crashed with seed=-1."""
    p = MatchingProblem.from_scores(np.ones((3, 3)))
    a = solve(p, Stable(tie_break="random"), seed=-1)
    b = solve(p, Stable(tie_break="random"), seed=-1)
    assert a.pair_indices.tolist() == b.pair_indices.tolist()
