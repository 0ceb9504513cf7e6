"""The ``maxmin`` objective: flow's threshold search and CP-SAT's stages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch.constraints import BalancedLoad, GroupQuota, Pinned
from alummatch.engine import solve
from alummatch.problem import MatchingProblem
from alummatch.result import Status
from alummatch.solvers import flow as flow_module
from alummatch.solvers.cpsat import CpSat
from tests.bruteforce import brute_force
from tests.fairbrute import fair_brute_force, key_of
from tests.keys import assert_same_key
from tests.strategies import grouped_problems, problems, tiny_problems

CPSAT = CpSat(workers=1, warm_start=False)


@given(tiny_problems(max_demand=2, min_loads=True, negative=True))
def test_flow_maxmin_equals_brute_force(problem: MatchingProblem) -> None:
    """Flow's maxmin key (coverage, min, total) is the brute-force optimum."""
    best = brute_force(problem, "maxmin")
    r = solve(problem, "flow", objective="maxmin")
    if best is None:
        assert r.status is Status.INFEASIBLE
        assert r.diagnosis
        return
    assert r.status is Status.OPTIMAL
    assert_same_key(key_of(problem, r.pair_indices, "maxmin"), best)


@settings(max_examples=30)
@given(tiny_problems(max_demand=2, min_loads=True, negative=True))
def test_cpsat_maxmin_equals_brute_force(problem: MatchingProblem) -> None:
    """CP-SAT's maxmin key is the brute-force optimum."""
    best = brute_force(problem, "maxmin")
    r = solve(problem, CPSAT, objective="maxmin")
    if best is None:
        assert r.status is Status.INFEASIBLE
        assert r.diagnosis
        return
    assert r.status is Status.OPTIMAL
    assert_same_key(key_of(problem, r.pair_indices, "maxmin"), best)


@given(tiny_problems(max_demand=2, negative=True), st.data())
def test_maxmin_with_pinned_pairs(
    problem: MatchingProblem, data: st.DataObject
) -> None:
    """Pinned scores count in the minimum; the total is maximised at that minimum."""
    tee, tor = np.nonzero(problem.allowed)
    if tee.size == 0:
        return
    k = data.draw(st.integers(0, tee.size - 1))
    pin = [(int(tee[k]), int(tor[k]))]
    best = brute_force(problem, "maxmin", pinned=pin)
    cons = [Pinned([(problem.mentee_ids[pin[0][0]], problem.mentor_ids[pin[0][1]])])]
    for solver in ("flow", CPSAT):
        r = solve(problem, solver, objective="maxmin", constraints=cons)
        if best is None:
            assert r.status is Status.INFEASIBLE
            continue
        assert r.status is Status.OPTIMAL
        assert_same_key(key_of(problem, r.pair_indices, "maxmin"), best)


@settings(max_examples=30)
@given(grouped_problems(max_mentees=4, max_mentors=3, allowed_p=0.7), st.data())
def test_maxmin_with_quota_and_load(
    pg: tuple[MatchingProblem, dict[str, str]], data: st.DataObject
) -> None:
    """Flow and CP-SAT reach the brute-force maxmin key with quota and load."""
    problem, groups = pg
    if problem.allowed.sum() > 12:
        return
    share = data.draw(st.sampled_from([0.0, 0.5, 1.0]))
    weight = data.draw(st.sampled_from([0.0, 0.3]))
    cons = [GroupQuota(share, groups=groups), BalancedLoad(weight)]
    best = fair_brute_force(problem, "maxmin", quota=(share, groups), weight=weight)
    for solver in ("flow", CPSAT):
        r = solve(problem, solver, objective="maxmin", constraints=cons)
        if best is None:
            assert r.status is Status.INFEASIBLE
            assert r.diagnosis
            continue
        assert r.status is Status.OPTIMAL
        assert_same_key(key_of(problem, r.pair_indices, "maxmin", weight), best)


@settings(max_examples=15)
@given(
    problems(
        max_mentees=14, max_mentors=8, max_capacity=3, max_demand=2, min_loads=True
    )
)
def test_flow_and_cpsat_agree_on_maxmin(problem: MatchingProblem) -> None:
    """On random small problems both exact solvers give the same maxmin key."""
    a = solve(problem, "flow", objective="maxmin")
    b = solve(problem, CPSAT, objective="maxmin")
    assert a.status is b.status
    if a.status is Status.OPTIMAL:
        assert_same_key(
            key_of(problem, a.pair_indices, "maxmin"),
            key_of(problem, b.pair_indices, "maxmin"),
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidate_search_equals_whole_graph(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The candidate-pair threshold search gives the whole-graph answer.

    A 300 x 120 problem has more usable pairs than the whole-graph cut-off, so
    the default run starts from candidate pairs and proves the bottleneck by
    minimum cuts and the total by dual prices; the reference run raises the
    cut-off to search every pair at once.
    """
    rng = np.random.default_rng(seed)
    allowed = rng.random((300, 120)) < 0.8
    p = MatchingProblem.from_scores(
        rng.random((300, 120)),
        allowed=allowed,
        mentor_capacity=rng.integers(1, 4, 120),
        mentee_demand=rng.integers(1, 3, 300),
    )
    fast = solve(p, "flow", objective="maxmin")
    monkeypatch.setattr(flow_module, "_SMALL", 10**9)
    slow = solve(p, "flow", objective="maxmin")
    assert_same_key(
        key_of(p, fast.pair_indices, "maxmin"), key_of(p, slow.pair_indices, "maxmin")
    )


@pytest.mark.parametrize("small", [20_000, 10**12])
def test_maxmin_floor_not_capped_when_coverage_falls_short(
    small: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mentee that cannot be matched does not cap the bottleneck.

    Ten mentees may only take one mentor, so coverage falls short of every
    degree bound; their poor best pairs used to cap the threshold search (an
    upper bound that holds only when every slot is matched), and the search
    also discarded thresholds that had merely missed the bound. A minimum load
    keeps the network off the candidate path; the floor is set by a 2 x 2
    block where the total optimum (1.0 + 0.7) has a lower minimum than the
    maxmin optimum (0.8 + 0.85).
    """
    rng = np.random.default_rng(0)
    n, m = 250, 500
    scores = rng.random((n, m))
    allowed = np.ones((n, m), dtype=bool)
    allowed[:10, :] = False
    allowed[:10, 0] = True
    allowed[10:12, :] = False
    allowed[:, 20:22] = False
    allowed[10:12, 20:22] = True
    scores[10:12, 20:22] = [[1.0, 0.8], [0.85, 0.7]]
    low = np.zeros(m, dtype=int)
    low[30] = 1
    p = MatchingProblem.from_scores(scores, allowed=allowed, mentor_min_load=low)
    monkeypatch.setattr(flow_module, "_SMALL", small)
    r = solve(p, "flow", objective="maxmin")
    assert r.status is Status.OPTIMAL
    assert r.metrics.matched_slots == 241
    assert r.metrics.min == pytest.approx(0.8)


def test_maxmin_raises_the_floor_over_total() -> None:
    """maxmin gives up total to lift the worst pair (a known small case)."""
    r = MatchingProblem.from_scores([[1.0, 0.45], [0.5, 0.4]])
    cov = solve(r, "flow", objective="coverage")
    mm = solve(r, "flow", objective="maxmin")
    assert cov.metrics.total == pytest.approx(1.4)  # 1.0 + 0.4
    assert mm.metrics.min == pytest.approx(0.45)  # 0.45 + 0.5
    assert mm.metrics.total == pytest.approx(0.95)


@pytest.mark.parametrize("popular", [False, True])
def test_maxmin_dense_problem(popular: bool) -> None:
    """A dense 2000 x 800 maxmin covers everyone and lifts the floor over coverage.

    With popularity-skewed scores every mentee prefers the same mentors, so
    the floor sits far below each mentee's best pair (the case that used to
    build flows over millions of pairs). Timings are in
    ``benchmarks/bench_fairness.py``, not here.
    """
    rng = np.random.default_rng(5)
    scores = rng.random((2000, 800))
    if popular:
        scores = 0.6 * rng.random(800)[None, :] + 0.4 * scores
    p = MatchingProblem.from_scores(scores, mentor_capacity=3)
    r = solve(p, "flow", objective="maxmin")
    assert r.status is Status.OPTIMAL
    assert r.metrics.matched_slots == 2000
    cov = solve(p, "flow", objective="coverage")
    assert r.metrics.min >= cov.metrics.min
    assert r.metrics.total <= cov.metrics.total + 1e-9
