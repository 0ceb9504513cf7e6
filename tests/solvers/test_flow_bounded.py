"""Flow's large-problem path with minimum loads, a quota and balanced loads.

A network with lower bounds (minimum loads, a ``GroupQuota``) is solved on
candidate pairs and certified by the potentials of a min-cost flow over every
node (group and skip nodes included); artificial arcs keep each candidate
network feasible, so infeasibility is proved over every usable pair, never
concluded from the candidates. The cut-offs are lowered so that small
instances take this path, and tiny candidate lists force pricing rounds.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch import MatchingProblem, Status, solve
from alummatch.constraints import BalancedLoad, GroupQuota, Pinned
from tests.fairbrute import fair_brute_force, key_of, quota_ok
from tests.keys import assert_same_key, wait_key
from tests.solvers.test_flow_large import dense_path, sparse_path
from tests.strategies import grouped_problems, problems, tiny_problems


def _both(
    p: MatchingProblem,
    objective: str,
    cons: list[object],
    weight: float = 0.0,
    *,
    waits: bool = False,
) -> tuple[object, object]:
    """The sparse and the whole-graph path: same status and key (with
    ``waits``, the slots left out per wait tier too)."""
    with sparse_path(extra=0, per_row=1):
        fast = solve(p, "flow", objective=objective, constraints=cons)
    with dense_path():
        slow = solve(p, "flow", objective=objective, constraints=cons)
    assert fast.status is slow.status
    if slow.status is Status.OPTIMAL:
        if waits:
            a = wait_key(p, fast.pair_indices, objective)
            b = wait_key(p, slow.pair_indices, objective)
        else:
            a = key_of(p, fast.pair_indices, objective, weight)
            b = key_of(p, slow.pair_indices, objective, weight)
        assert_same_key(a, b, rel=1e-9, abs_=1e-9)
    return fast, slow


@settings(max_examples=60, deadline=None)
@given(
    grouped_problems(max_mentees=14, max_mentors=6, max_demand=2, min_loads=True),
    st.sampled_from(["total", "coverage", "maxmin"]),
    st.sampled_from([0.0, 0.5, 1.0]),
    st.sampled_from([0.0, 0.1]),
)
def test_bounded_sparse_equals_whole_graph(
    case: tuple[MatchingProblem, dict[str, str]],
    objective: str,
    share: float,
    weight: float,
) -> None:
    """Quota, minimum loads and BalancedLoad: the same status and optimum
    (for ``maxmin``, the same slots, smallest score and total)."""
    p, groups = case
    cons: list[object] = [GroupQuota(share, groups=groups)]
    if weight:
        cons.append(BalancedLoad(weight))
    fast, _ = _both(p, objective, cons, weight)
    if fast.status is Status.OPTIMAL:  # type: ignore[attr-defined]
        assert quota_ok(p, fast.pair_indices, share, groups)  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None)
@given(
    tiny_problems(max_demand=2, min_loads=True, negative=True),
    st.sampled_from(["total", "coverage", "maxmin"]),
)
def test_bounded_sparse_equals_brute_force(
    problem: MatchingProblem, objective: str
) -> None:
    """Minimum loads on tiny problems: the brute-force optimum, or infeasible."""
    best = fair_brute_force(problem, objective)
    with sparse_path(extra=0, per_row=1):
        r = solve(problem, "flow", objective=objective)
    if best is None:
        assert r.status is Status.INFEASIBLE
        assert r.diagnosis
    else:
        assert r.status is Status.OPTIMAL
        assert_same_key(key_of(problem, r.pair_indices, objective), best, rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    grouped_problems(max_mentees=6, max_mentors=4, max_demand=2),
    st.sampled_from(["total", "coverage", "maxmin"]),
)
def test_bounded_sparse_quota_equals_brute_force(
    case: tuple[MatchingProblem, dict[str, str]], objective: str
) -> None:
    """A quota on tiny problems: the brute-force optimum, or infeasible."""
    p, groups = case
    if int(p.allowed.sum()) > 12:
        return
    best = fair_brute_force(p, objective, quota=(0.5, groups))
    with sparse_path(extra=0, per_row=1):
        r = solve(
            p, "flow", objective=objective, constraints=[GroupQuota(0.5, groups=groups)]
        )
    if best is None:
        assert r.status is Status.INFEASIBLE
    else:
        assert r.status is Status.OPTIMAL
        assert_same_key(key_of(p, r.pair_indices, objective), best, rel=1e-6)


def _medium_grouped(seed: int) -> tuple[MatchingProblem, dict[str, str]]:
    """Popular mentors that the minority group's top candidates all share."""
    rng = np.random.default_rng(seed)
    n, m = 200, 60
    scores = 0.7 * rng.random(m)[None, :] + 0.3 * rng.random((n, m))
    minority = rng.random(n) < 0.2
    # the minority's best mentors are the few everyone else wants too
    scores[minority] = 0.3 * rng.random((int(minority.sum()), m))
    scores[np.ix_(minority, np.arange(4))] = 1.0
    p = MatchingProblem.from_scores(
        scores,
        allowed=rng.random((n, m)) < 0.8,
        mentor_capacity=rng.integers(2, 6, m),
        mentor_min_load=rng.integers(0, 2, m),
    )
    groups = {
        mid: ("minority" if g else "majority")
        for mid, g in zip(p.mentee_ids, minority.tolist(), strict=True)
    }
    return p, groups


@pytest.mark.parametrize("objective", ["total", "coverage", "maxmin"])
@pytest.mark.parametrize("seed", [0, 1])
def test_quota_needs_pairs_outside_the_candidates(seed: int, objective: str) -> None:
    """A quota met only through pairs far down each list: found by pricing."""
    p, groups = _medium_grouped(seed)
    cons: list[object] = [GroupQuota(0.9, groups=groups), BalancedLoad(0.02)]
    fast, _ = _both(p, objective, cons, 0.02)
    assert fast.status is Status.OPTIMAL  # type: ignore[attr-defined]
    assert quota_ok(p, fast.pair_indices, 0.9, groups)  # type: ignore[attr-defined]


def test_infeasible_minimum_loads_proved_over_every_pair() -> None:
    """Minimum loads no matching meets: infeasible with a diagnosis, as dense."""
    scores = np.random.default_rng(3).random((5, 4))
    p = MatchingProblem.from_scores(scores, mentor_capacity=2, mentor_min_load=2)
    fast, slow = _both(p, "coverage", [])
    assert fast.status is Status.INFEASIBLE  # type: ignore[attr-defined]
    assert fast.diagnosis == slow.diagnosis  # type: ignore[attr-defined]


def test_pinned_pairs_count_towards_loads_on_the_sparse_path() -> None:
    """A pinned pair fills a minimum load; the rest is priced as usual."""
    rng = np.random.default_rng(5)
    p = MatchingProblem.from_scores(
        rng.random((30, 8)), mentor_capacity=3, mentor_min_load=2
    )
    cons: list[object] = [Pinned([(p.mentee_ids[0], p.mentor_ids[0])])]
    fast, _ = _both(p, "coverage", cons)
    assert fast.status is Status.OPTIMAL  # type: ignore[attr-defined]
    assert (fast.metrics.loads() >= 2).all()  # type: ignore[attr-defined]


@settings(max_examples=20, deadline=None)
@given(problems(max_mentees=25, max_mentors=8, max_capacity=4, min_loads=True))
def test_total_with_minimum_loads_random(problem: MatchingProblem) -> None:
    """``total`` with minimum loads: sparse and whole-graph flow agree."""
    _both(problem, "total", [])


@settings(max_examples=120, deadline=None)
@given(
    grouped_problems(max_mentees=14, max_mentors=6, max_demand=2, min_loads=True),
    st.sampled_from(["coverage", "maxmin"]),
    st.booleans(),
    st.booleans(),
    st.data(),
)
def test_wait_tiers_on_the_sparse_path_equal_whole_graph(
    case: tuple[MatchingProblem, dict[str, str]],
    objective: str,
    loads: bool,
    pin: bool,
    data: st.DataObject,
) -> None:
    """Waitlist tiers (with minimum loads or not, a pinned pair or not): the
    slots, each tier's fewest left out, the smallest score (``maxmin``) and
    the total, as on the whole graph."""
    p, _ = case
    if not loads:
        p = p.replace(mentor_min_load=0)
    n = p.n_mentees
    wait = data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    p = p.replace(mentee_wait=np.asarray(wait))
    cons: list[object] = []
    tee, tor = np.nonzero(p.allowed)
    if pin and tee.size:
        k = data.draw(st.integers(0, tee.size - 1))
        cons.append(Pinned([(p.mentee_ids[tee[k]], p.mentor_ids[tor[k]])]))
    _both(p, objective, cons, waits=True)
