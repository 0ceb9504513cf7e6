"""Flow's large-problem path: sparse candidates proved by cuts and dual prices.

The path normally starts above ``_SPARSE`` (``total``, ``coverage``) or
``_SMALL`` (``maxmin``) usable pairs; here the cut-offs are lowered so that
medium and tiny instances go through it, and the answers are compared with
Hungarian, brute force and flow's whole-graph path. Shrinking the candidate
lists (``_EXTRA``) and the pairs added per round (``_ADD_PER_ROW``) forces
many pricing rounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch import MatchingProblem, Status, solve
from alummatch.constraints import BalancedLoad, Forbidden, MinScore, Pinned
from alummatch.engine import make_task
from alummatch.solvers import flow as flow_module
from alummatch.solvers import sparse as sparse_module
from alummatch.solvers.network import FlowNetwork
from tests.bruteforce import brute_force
from tests.fairbrute import key_of
from tests.keys import assert_same_key
from tests.strategies import problems, tiny_problems


@contextmanager
def sparse_path(extra: int = 8, per_row: int = 4) -> Iterator[None]:
    """Send every problem through the large-problem path."""
    with (
        mock.patch.object(flow_module, "_SPARSE", -1),
        mock.patch.object(flow_module, "_SMALL", -1),
        mock.patch.object(sparse_module, "_EXTRA", extra),
        mock.patch.object(sparse_module, "_ADD_PER_ROW", per_row),
        mock.patch.object(sparse_module, "_BLOCK", 64),
    ):
        yield


@contextmanager
def dense_path() -> Iterator[None]:
    """Send every problem through the whole-graph path."""
    with (
        mock.patch.object(flow_module, "_SPARSE", 10**12),
        mock.patch.object(flow_module, "_SMALL", 10**12),
    ):
        yield


def _medium(seed: int, *, popular: bool, allowed_p: float = 0.7) -> MatchingProblem:
    rng = np.random.default_rng(seed)
    n, m = 160, 60
    noise = rng.random((n, m))
    scores = 0.6 * rng.random(m)[None, :] + 0.4 * noise if popular else noise
    return MatchingProblem.from_scores(
        scores,
        allowed=rng.random((n, m)) < allowed_p,
        mentor_capacity=rng.integers(0, 4, m),
    )


@pytest.mark.parametrize("objective", ["total", "coverage"])
@pytest.mark.parametrize("popular", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_sparse_total_equals_hungarian(
    seed: int, popular: bool, objective: str
) -> None:
    """Candidates plus dual pricing reach Hungarian's optimum to 1e-9 relative."""
    p = _medium(seed, popular=popular)
    with sparse_path(extra=1, per_row=1):
        a = solve(p, "flow", objective=objective)
    b = solve(p, "hungarian", objective=objective)
    assert a.status is Status.OPTIMAL
    assert_same_key(
        key_of(p, a.pair_indices, objective),
        key_of(p, b.pair_indices, objective),
        rel=1e-9,
        abs_=1e-9,
    )


def test_sparse_coverage_needs_pairs_outside_the_candidates() -> None:
    """Coverage short of the degree bound is proved by a cut, growing candidates.

    Every mentee's best pairs point to the same three mentors, so the initial
    candidates match few mentees; the cut check must add the pairs that cover
    the rest.
    """
    rng = np.random.default_rng(3)
    n, m = 60, 20
    scores = rng.random((n, m)) * 0.1
    scores[:, :3] += 1.0
    allowed = rng.random((n, m)) < 0.15
    allowed[:, :3] = True
    p = MatchingProblem.from_scores(scores, allowed=allowed, mentor_capacity=2)
    with sparse_path(extra=1, per_row=1):
        a = solve(p, "flow", objective="coverage")
    b = solve(p, "hungarian", objective="coverage")
    assert_same_key(
        key_of(p, a.pair_indices, "coverage"),
        key_of(p, b.pair_indices, "coverage"),
        rel=1e-9,
        abs_=1e-9,
    )


@pytest.mark.parametrize("popular", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_maxmin_equals_whole_graph(seed: int, popular: bool) -> None:
    """The cut-certified bottleneck and priced total equal the whole-graph search.

    Demands up to two and uneven capacities, with uniform and
    popularity-skewed scores (every mentee prefers the same mentors).
    """
    rng = np.random.default_rng(seed)
    n, m = 150, 60
    noise = rng.random((n, m))
    scores = 0.6 * rng.random(m)[None, :] + 0.4 * noise if popular else noise
    p = MatchingProblem.from_scores(
        scores,
        allowed=rng.random((n, m)) < 0.8,
        mentor_capacity=rng.integers(1, 5, m),
        mentee_demand=rng.integers(1, 3, n),
    )
    with sparse_path(extra=1, per_row=1):
        fast = solve(p, "flow", objective="maxmin")
    with dense_path():
        slow = solve(p, "flow", objective="maxmin")
    assert fast.status is slow.status is Status.OPTIMAL
    assert_same_key(
        key_of(p, fast.pair_indices, "maxmin"),
        key_of(p, slow.pair_indices, "maxmin"),
        rel=1e-9,
        abs_=1e-9,
    )


@pytest.mark.parametrize("objective", ["total", "coverage", "maxmin"])
def test_sparse_path_with_pairs_rules_and_load(objective: str) -> None:
    """Pinned, forbidden, MinScore and BalancedLoad give the whole-graph answer.

    The pinned pair caps the bottleneck; the load cost sits on the
    mentor-to-sink arcs, which the potentials price like any other arc.
    """
    p = _medium(4, popular=True, allowed_p=0.9)
    tee, tor = np.nonzero(p.allowed)
    pin = (p.mentee_ids[tee[0]], p.mentor_ids[tor[0]])
    bad = [(p.mentee_ids[tee[k]], p.mentor_ids[tor[k]]) for k in range(1, 40)]
    cons = [Pinned([pin]), Forbidden(bad), MinScore(0.2), BalancedLoad(0.05)]
    with sparse_path(extra=2, per_row=1):
        fast = solve(p, "flow", objective=objective, constraints=cons)
    with dense_path():
        slow = solve(p, "flow", objective=objective, constraints=cons)
    assert fast.status is slow.status is Status.OPTIMAL
    assert_same_key(
        key_of(p, fast.pair_indices, objective, 0.05),
        key_of(p, slow.pair_indices, objective, 0.05),
        rel=1e-9,
        abs_=1e-9,
    )


@settings(max_examples=60)
@given(
    tiny_problems(max_demand=2, negative=True),
    st.sampled_from(["total", "coverage", "maxmin"]),
)
def test_sparse_path_equals_brute_force(
    problem: MatchingProblem, objective: str
) -> None:
    """On tiny problems the large-problem path reaches the brute-force optimum."""
    best = brute_force(problem, objective)
    assert best is not None  # no minimum loads: always feasible
    with sparse_path(extra=0, per_row=1):
        r = solve(problem, "flow", objective=objective)
    assert r.status is Status.OPTIMAL
    assert_same_key(key_of(problem, r.pair_indices, objective), best, rel=1e-6)


@settings(max_examples=30)
@given(problems(max_mentees=30, max_mentors=12, max_capacity=4, negative=True))
def test_sparse_total_equals_hungarian_on_random_problems(
    problem: MatchingProblem,
) -> None:
    """Random problems with negative scores: sparse flow equals Hungarian."""
    with sparse_path(extra=0, per_row=1):
        a = solve(problem, "flow", objective="total")
    b = solve(problem, "hungarian", objective="total")
    assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-12)


def test_residual_potentials_satisfy_complementary_slackness() -> None:
    """Potentials price chosen pair arcs at most zero and the others at least zero.

    Both directions of every residual arc then have non-negative reduced
    costs, which is what lets pruned pairs be priced with them.
    """
    rng = np.random.default_rng(11)
    scores = rng.random((40, 15)) - 0.2
    p = MatchingProblem.from_scores(scores, mentor_capacity=3)
    task = make_task(p, "total", (), None, 0).task
    net = FlowNetwork.from_task(task)
    cost, _ = net.costs(scores)
    out = net.solve_priced(cost, bypass_cost=0, skip_cap=40)
    assert out is not None
    chosen, d = out
    reduced = cost + d[net.tee] - d[net.n + net.tor]
    assert (reduced[~chosen] >= 0).all()
    assert (reduced[chosen] <= 0).all()
    status, optimum, plain = net.solve(cost, bypass_cost=0, skip_cap=40)
    assert status == "optimal"
    assert int(cost[chosen].sum()) == optimum == int(cost[plain].sum())


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 12),
    m=st.integers(1, 6),
    density=st.sampled_from([0.3, 0.7, 1.0]),
    cap=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_tightened_potentials_stay_optimal_and_price_mentors_higher(
    n: int, m: int, density: float, cap: int, seed: int
) -> None:
    """Tightening keeps every residual reduced cost non-negative (so the flow
    is still proved optimal), never raises a mentor's potential nor lowers a
    mentee's, and lowers a full mentor that no free arc reaches below zero."""
    from alummatch.solvers.network import residual_potentials

    rng = np.random.default_rng(seed)
    scores = rng.integers(-3, 10, (n, m)).astype(np.float64)
    allowed = rng.random((n, m)) < density
    p = MatchingProblem.from_scores(scores, allowed=allowed, mentor_capacity=cap)
    task = make_task(p, "total", (), None, 0).task
    net = FlowNetwork.from_task(task)
    cost, _ = net.costs(scores)
    tails, heads, caps, costs, supplies = net.arcs(cost, bypass_cost=0, skip_cap=n)
    from ortools.graph.python import min_cost_flow

    f = min_cost_flow.SimpleMinCostFlow()
    f.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    f.set_nodes_supplies(np.arange(net.n_nodes, dtype=np.int64), supplies)
    assert f.solve() == f.OPTIMAL
    flows = np.asarray(f.flows(np.arange(tails.size, dtype=np.int64)))
    plain = residual_potentials(net.n_nodes, tails, heads, caps, costs, flows)
    tight = residual_potentials(
        net.n_nodes, tails, heads, caps, costs, flows, sides=(net.n, net.m)
    )
    fwd, back = flows < caps, flows > 0
    for d in (plain, tight):
        assert (costs[fwd] + d[tails[fwd]] - d[heads[fwd]] >= 0).all()
        assert (-costs[back] + d[heads[back]] - d[tails[back]] >= 0).all()
    tor = np.arange(net.n, net.n + net.m)
    assert (tight[tor] <= plain[tor]).all()
    assert (tight[: net.n] >= plain[: net.n]).all()
    k = net.tee.size
    used = np.bincount(net.tor[flows[:k] > 0], minlength=net.m)
    free_in = np.bincount(net.tor[flows[:k] == 0], minlength=net.m)
    lone = (used > 0) & (used == net.capacity) & (free_in == 0)
    # such a mentor is worth at least its weakest pair: its price is positive
    weakest = np.full(net.m, np.inf)
    np.minimum.at(weakest, net.tor[flows[:k] > 0], -cost[flows[:k] > 0])
    lone &= weakest > 0
    assert (tight[net.n + np.nonzero(lone)[0]] < 0).all()
