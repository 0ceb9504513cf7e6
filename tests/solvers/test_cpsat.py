"""CP-SAT against brute force and flow, its statuses, and its diagnosis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch.constraints import GroupQuota, Pinned
from alummatch.engine import solve
from alummatch.problem import MatchingProblem
from alummatch.result import Status
from alummatch.solvers import AUTO_ORDER, REGISTRY, CpSat
from tests.bruteforce import brute_force
from tests.fairbrute import key_of
from tests.keys import assert_same_key
from tests.strategies import problems, tiny_problems

CPSAT = CpSat(workers=1, warm_start=False)  # the model itself, not flow's answer


def test_registered_last_in_auto() -> None:
    """cpsat is in the registry and tried last by auto, after milp."""
    assert isinstance(REGISTRY["cpsat"], CpSat)
    assert AUTO_ORDER[-2:] == ["milp", "cpsat"]
    assert CpSat().workers >= 1


@settings(max_examples=30)
@given(
    tiny_problems(max_demand=2, min_loads=True, negative=True),
    st.sampled_from(["total", "coverage"]),
)
def test_cpsat_equals_brute_force(problem: MatchingProblem, objective: str) -> None:
    """CP-SAT reaches the brute-force optimum for total and coverage."""
    best = brute_force(problem, objective)
    r = solve(problem, CPSAT, objective=objective)
    if best is None:
        assert r.status is Status.INFEASIBLE
        assert r.diagnosis
        return
    assert r.status is Status.OPTIMAL
    assert_same_key(key_of(problem, r.pair_indices, objective), best)


@settings(max_examples=30)
@given(
    problems(
        max_mentees=20, max_mentors=8, max_demand=2, min_loads=True, negative=True
    ),
    st.sampled_from(["total", "coverage", "maxmin"]),
)
def test_cpsat_equals_flow(problem: MatchingProblem, objective: str) -> None:
    """CP-SAT and flow agree on every objective (values within 1e-6)."""
    a = solve(problem, "flow", objective=objective)
    b = solve(problem, CPSAT, objective=objective, time_limit=60)
    assert a.status is b.status
    if a.status is Status.OPTIMAL:
        assert_same_key(
            key_of(problem, a.pair_indices, objective),
            key_of(problem, b.pair_indices, objective),
        )


def test_seeded_run_is_reproducible() -> None:
    """Two single-worker runs with one seed give the same pairs."""
    rng = np.random.default_rng(1)
    p = MatchingProblem.from_scores(
        np.round(rng.random((25, 10)), 1), mentor_capacity=3
    )
    a = solve(p, CPSAT, objective="coverage", seed=4)
    b = solve(p, CPSAT, objective="coverage", seed=4)
    assert a.pair_indices.tolist() == b.pair_indices.tolist()


def test_time_limit_reports_status_bound_and_gap() -> None:
    """A tiny time limit ends OPTIMAL or TIME_LIMIT with a bound and a gap."""
    rng = np.random.default_rng(2)
    p = MatchingProblem.from_scores(rng.random((120, 40)), mentor_capacity=3)
    r = solve(p, CpSat(workers=2), objective="total", time_limit=0.05)
    assert r.status in (Status.OPTIMAL, Status.TIME_LIMIT)
    if r.status is Status.TIME_LIMIT and r.pairs and r.bound is not None:
        assert r.gap is not None
        assert r.gap >= 0
        assert r.bound >= r.objective - 1e-6


def test_min_loads_infeasible_names_the_cause() -> None:
    """Minimum loads that exceed the mentees give INFEASIBLE naming minimum loads."""
    p = MatchingProblem.from_scores(
        np.ones((2, 3)), mentor_capacity=2, mentor_min_load=1
    )
    r = solve(p, CPSAT)
    assert r.status is Status.INFEASIBLE
    assert any("minimum load" in d for d in r.diagnosis)


def test_quota_infeasible_names_group_and_numbers() -> None:
    """A quota out of reach names the group, the slots needed and the mentees."""
    allowed = np.array([[True], [False], [False], [False]])
    p = MatchingProblem.from_scores(np.ones((4, 1)), allowed=allowed, mentor_capacity=4)
    groups = {"m-0": "yes", "m-1": "yes", "m-2": "yes", "m-3": "no"}
    for solver in (CPSAT, "flow"):
        r = solve(p, solver, constraints=[GroupQuota(0.9, groups=groups)])
        assert r.status is Status.INFEASIBLE
        text = " ".join(r.diagnosis)
        assert "group 'yes' needs 3 matched slots" in text
        assert "only 1 of its 3 mentees have any allowed mentor" in text


def test_pinned_pair_counts_in_quota() -> None:
    """A pinned pair counts toward its group's quota."""
    p = MatchingProblem.from_scores(
        np.array([[0.1, 0.9], [0.2, 0.8]]), mentor_capacity=1
    )
    groups = {"m-0": "a", "m-1": "b"}
    r = solve(
        p,
        CPSAT,
        objective="total",
        constraints=[Pinned([("m-0", "a-0")]), GroupQuota(1.0, groups=groups)],
    )
    assert r.status is Status.OPTIMAL
    assert sorted(map(tuple, r.pair_indices.tolist())) == [(0, 0), (1, 1)]


def test_warm_start_is_flow_optimum_and_flags_dropped_constraints() -> None:
    """The quick matching is flow's optimum; not flagged optimal when parity was
    left out (it is repaired into a feasible start instead)."""
    from alummatch.constraints import ScoreParity
    from alummatch.engine import make_task
    from alummatch.solvers.cpsat import _Model, _pair_variables, _warm_start

    rng = np.random.default_rng(4)
    p = MatchingProblem.from_scores(rng.random((12, 5)), mentor_capacity=2)
    task = make_task(p, "total", [], None, 0).task
    model = _Model(task)
    assert np.array_equal(_pair_variables(task)[0], model.tee)
    start = _warm_start(task, model.tee, model.tor)
    assert start is not None
    assert start.whole
    values = start.values
    flow = solve(p, "flow", objective="total")
    chosen = p.scores[model.tee[values == 1], model.tor[values == 1]].sum()
    assert chosen == pytest.approx(flow.objective)
    groups = {t: ("a" if k % 2 else "b") for k, t in enumerate(p.mentee_ids)}
    task2 = make_task(p, "total", [ScoreParity(0.01, groups=groups)], None, 0).task
    start2 = _warm_start(task2, *_pair_variables(task2))
    assert start2 is not None
    assert not start2.optimal  # parity was left out, then repaired


@pytest.mark.parametrize("objective", ["total", "coverage", "maxmin"])
def test_warm_start_does_not_change_the_optimum(objective: str) -> None:
    """With and without the warm start CP-SAT proves the same optimum."""
    rng = np.random.default_rng(5)
    p = MatchingProblem.from_scores(rng.random((15, 6)) - 0.2, mentor_capacity=2)
    a = solve(p, CpSat(warm_start=True), objective=objective)
    b = solve(p, CpSat(warm_start=False), objective=objective)
    assert a.status is b.status is Status.OPTIMAL
    assert a.objective == pytest.approx(b.objective)
    assert a.metrics.matched_slots == b.metrics.matched_slots
    assert a.metrics.min == pytest.approx(b.metrics.min)
