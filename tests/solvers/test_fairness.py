"""GroupQuota, ScoreParity and BalancedLoad: optimal, never violated, diagnosed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch.constraints import BalancedLoad, GroupQuota, ScoreParity
from alummatch.engine import solve
from alummatch.errors import UnsupportedError
from alummatch.problem import MatchingProblem
from alummatch.result import Status
from alummatch.solvers import CpSat, Milp
from alummatch.solvers.diagnosis import quota_table
from alummatch.solvers.terms import load_penalty, required_slots
from tests.fairbrute import fair_brute_force, key_of, parity_gap, quota_ok
from tests.keys import assert_same_key
from tests.strategies import grouped_problems

CPSAT = CpSat(workers=1, warm_start=False)  # the model itself, not flow's answer
MILP = Milp(warm_start=False)
OBJECTIVES = st.sampled_from(["total", "coverage", "maxmin"])


def _tiny(pg: tuple[MatchingProblem, dict[str, str]]) -> bool:
    return int(pg[0].allowed.sum()) <= 11


def test_required_slots_rounding() -> None:
    """ceil(share * wanted) after rounding to 9 decimals: 0.3 of 10 needs 3."""
    assert required_slots(0.3, 10) == 3
    assert required_slots(0.9, 44) == 40
    assert required_slots(0.0, 5) == 0
    assert required_slots(1.0, 7) == 7


@settings(max_examples=30)
@given(
    grouped_problems(max_mentees=4, max_mentors=3, max_demand=2, min_loads=True).filter(
        _tiny
    ),
    OBJECTIVES,
    st.sampled_from([0.0, 0.5, 0.8, 1.0]),
    st.sampled_from([0.0, 0.25, 1.0]),
)
def test_quota_and_load_equal_brute_force(
    pg: tuple[MatchingProblem, dict[str, str]],
    objective: str,
    share: float,
    weight: float,
) -> None:
    """Flow and CP-SAT reach the brute-force optimum with GroupQuota + BalancedLoad."""
    problem, groups = pg
    cons = [GroupQuota(share, groups=groups), BalancedLoad(weight)]
    best = fair_brute_force(problem, objective, quota=(share, groups), weight=weight)
    for solver in ("flow", CPSAT, MILP):
        r = solve(problem, solver, objective=objective, constraints=cons)
        if best is None:
            assert r.status is Status.INFEASIBLE
            assert r.diagnosis
            continue
        assert r.status is Status.OPTIMAL
        assert_same_key(key_of(problem, r.pair_indices, objective, weight), best)


@settings(max_examples=30)
@given(
    grouped_problems(max_mentees=4, max_mentors=3, max_demand=2).filter(_tiny),
    OBJECTIVES,
    st.sampled_from([0.0, 0.1, 0.3]),
)
def test_parity_equals_brute_force(
    pg: tuple[MatchingProblem, dict[str, str]], objective: str, gap: float
) -> None:
    """CP-SAT and milp reach the brute-force optimum under ScoreParity."""
    problem, groups = pg
    best = fair_brute_force(problem, objective, parity=(gap, groups))
    assert best is not None  # matching nothing always satisfies parity
    for solver in (CPSAT, MILP):
        r = solve(
            problem,
            solver,
            objective=objective,
            constraints=[ScoreParity(gap, groups=groups)],
        )
        assert r.status is Status.OPTIMAL
        assert_same_key(key_of(problem, r.pair_indices, objective), best)


@settings(max_examples=30)
@given(
    grouped_problems(max_mentees=14, max_mentors=6, max_demand=2, n_groups=3),
    OBJECTIVES,
    st.sampled_from([0.0, 0.5, 0.9]),
    st.sampled_from([0.05, 0.2]),
    st.sampled_from([0.0, 0.5]),
)
def test_constraints_never_violated(
    pg: tuple[MatchingProblem, dict[str, str]],
    objective: str,
    share: float,
    gap: float,
    weight: float,
) -> None:
    """Capacity, demand, quota and parity hold in every CP-SAT and milp answer;
    the two agree on the optimum."""
    problem, groups = pg
    cons = [
        GroupQuota(share, groups=groups),
        ScoreParity(gap, groups=groups),
        BalancedLoad(weight),
    ]
    keys: list[tuple[float, ...]] = []
    statuses: list[Status] = []
    for solver in (CPSAT, MILP):
        r = solve(problem, solver, objective=objective, constraints=cons, time_limit=30)
        statuses.append(r.status)
        if r.status is Status.INFEASIBLE:
            assert r.diagnosis
            continue
        pairs = r.pair_indices
        n, m = problem.shape
        assert problem.allowed[pairs[:, 0], pairs[:, 1]].all()
        assert (np.bincount(pairs[:, 1], minlength=m) <= problem.mentor_capacity).all()
        assert (np.bincount(pairs[:, 0], minlength=n) <= problem.mentee_demand).all()
        assert quota_ok(problem, pairs, share, groups)
        assert parity_gap(problem, pairs, groups) <= gap + 1e-6
        table = quota_table(problem, pairs, GroupQuota(share, groups=groups))
        assert table["met"].all()
        keys.append(key_of(problem, pairs, objective, weight))
    assert (statuses[0] is Status.INFEASIBLE) == (statuses[1] is Status.INFEASIBLE)
    if statuses == [Status.OPTIMAL, Status.OPTIMAL]:
        assert_same_key(keys[0], keys[1])


@settings(max_examples=20)
@given(
    grouped_problems(max_mentees=16, max_mentors=7, max_demand=2, max_capacity=4),
    OBJECTIVES,
    st.sampled_from([0.0, 0.6, 1.0]),
    st.sampled_from([0.0, 0.1, 1.0]),
)
def test_flow_and_cpsat_agree_with_fairness(
    pg: tuple[MatchingProblem, dict[str, str]],
    objective: str,
    share: float,
    weight: float,
) -> None:
    """Flow and CP-SAT agree (within 1e-6) with GroupQuota + BalancedLoad."""
    problem, groups = pg
    cons = [GroupQuota(share, groups=groups), BalancedLoad(weight)]
    a = solve(problem, "flow", objective=objective, constraints=cons)
    b = solve(problem, CPSAT, objective=objective, constraints=cons, time_limit=60)
    assert a.status is b.status
    if a.status is Status.OPTIMAL:
        assert_same_key(
            key_of(problem, a.pair_indices, objective, weight),
            key_of(problem, b.pair_indices, objective, weight),
        )


def test_balanced_load_spreads_mentees() -> None:
    """With a large weight the load evens out; the penalty is weight * C(load, 2)."""
    scores = np.array([[0.9, 0.5], [0.9, 0.5], [0.9, 0.5], [0.9, 0.5]])
    p = MatchingProblem.from_scores(scores, mentor_capacity=4)
    plain = solve(p, "flow", objective="coverage")
    assert plain.metrics.max_load == 4
    for solver in ("flow", CPSAT, MILP):
        r = solve(p, solver, objective="coverage", constraints=[BalancedLoad(1.0)])
        assert r.metrics.max_load == 2
        assert load_penalty(p, r.pair_indices, 1.0) == pytest.approx(2.0)


def test_parity_is_unsupported_by_flow_and_auto_picks_milp() -> None:
    """ScoreParity on flow raises UnsupportedError naming cpsat and milp; auto
    uses milp (the faster of the two on the benchmark)."""
    p = MatchingProblem.from_scores(np.eye(3) + 0.1)
    cons = [ScoreParity(0.1, groups={"m-0": "a", "m-1": "b", "m-2": "b"})]
    with pytest.raises(UnsupportedError, match="cpsat"):
        solve(p, "flow", constraints=cons)
    with pytest.raises(UnsupportedError, match="cpsat"):
        solve(p, "hungarian", constraints=[GroupQuota(0.5, groups={"m-0": "a"})])
    with pytest.raises(UnsupportedError, match="milp"):
        solve(p, "flow", constraints=cons)
    r = solve(p, "auto", constraints=cons)
    assert r.solver == "milp"
    assert r.status is Status.OPTIMAL
    q = solve(p, "auto", constraints=[GroupQuota(0.5, groups={"m-0": "a"})])
    assert q.solver == "flow"


def test_two_quotas_go_to_milp() -> None:
    """Two GroupQuota groupings are not a network: flow refuses, auto picks milp."""
    p = MatchingProblem.from_scores(np.eye(2) + 0.1)
    cons = [
        GroupQuota(0.5, groups={"m-0": "a", "m-1": "b"}),
        GroupQuota(1.0, groups={"m-0": "x"}),
    ]
    with pytest.raises(UnsupportedError, match="cpsat"):
        solve(p, "flow", constraints=cons)
    assert solve(p, "auto", constraints=cons).solver == "milp"


def test_quota_conflicting_with_capacity_is_explained() -> None:
    """Enough allowed mentors but too few seats: the sentence gives the flow bound."""
    p = MatchingProblem.from_scores(np.ones((4, 2)), mentor_capacity=1)
    groups = {f"m-{i}": "yes" for i in range(4)}
    for solver in ("flow", CPSAT, MILP):
        r = solve(p, solver, constraints=[GroupQuota(0.75, groups=groups)])
        assert r.status is Status.INFEASIBLE
        assert "mentor capacity lets at most 2 of its slots be matched" in " ".join(
            r.diagnosis
        )


def test_quota_with_min_loads_together_is_named() -> None:
    """Quota and minimum loads each feasible alone, infeasible together: both named."""
    allowed = np.array([[True, False], [True, True]])
    p = MatchingProblem.from_scores(
        np.ones((2, 2)), allowed=allowed, mentor_capacity=1, mentor_min_load=[0, 1]
    )
    groups = {"m-0": "a", "m-1": "a"}
    # m-1 must go to a-1 (min load) and m-0 to a-0: fine. Make a-0 unavailable:
    p = p.replace(mentor_capacity=[1, 1], mentor_min_load=[1, 1])
    cons = [GroupQuota(1.0, groups=groups)]
    r = solve(p, "flow", constraints=cons)
    assert r.status is Status.OPTIMAL
    q = MatchingProblem.from_scores(
        np.ones((3, 2)),
        allowed=np.array([[True, False], [True, False], [False, True]]),
        mentor_capacity=[1, 2],
        mentor_min_load=[0, 1],
    )
    groups = {"m-0": "a", "m-1": "a"}
    for solver in ("flow", CPSAT, MILP):
        res = solve(q, solver, constraints=[GroupQuota(1.0, groups=groups)])
        assert res.status is Status.INFEASIBLE
        assert "GroupQuota(1, groups)" in " ".join(res.diagnosis)


def test_parity_conflict_is_named() -> None:
    """A full quota with an impossible parity names both constraints."""
    p = MatchingProblem.from_scores(
        np.array([[0.9, 0.9], [0.1, 0.1]]), mentor_capacity=1
    )
    groups = {"m-0": "a", "m-1": "b"}
    cons = [GroupQuota(1.0, groups=groups), ScoreParity(0.2, groups=groups)]
    for solver in (CPSAT, MILP):
        r = solve(p, solver, constraints=cons)
        assert r.status is Status.INFEASIBLE
        text = " ".join(r.diagnosis)
        assert "ScoreParity(0.2, groups)" in text
        assert "GroupQuota(1, groups)" in text
