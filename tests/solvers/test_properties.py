"""Properties every solver keeps on every instance it accepts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alummatch import MatchingProblem, Status, UnsupportedError, solve
from alummatch.constraints import Forbidden, MinScore, Pinned
from alummatch.solvers import REGISTRY
from tests.bruteforce import brute_force
from tests.strategies import problems, tiny_problems

SOLVERS = sorted(REGISTRY)


def _check(problem: MatchingProblem, pairs: np.ndarray) -> None:
    n, m = problem.shape
    assert problem.allowed[pairs[:, 0], pairs[:, 1]].all()
    assert (np.bincount(pairs[:, 1], minlength=m) <= problem.mentor_capacity).all()
    assert (np.bincount(pairs[:, 0], minlength=n) <= problem.mentee_demand).all()
    assert np.unique(pairs, axis=0).shape[0] == pairs.shape[0]


@pytest.mark.parametrize("solver", SOLVERS)
@given(
    problem=problems(max_demand=2, negative=True),
    objective=st.sampled_from(["total", "coverage"]),
    data=st.data(),
)
def test_constraints_always_respected(
    solver: str, problem: MatchingProblem, objective: str, data: st.DataObject
) -> None:
    """Capacity, demand, allowed, pinned, forbidden and MinScore always hold.

    The objective value equals the sum of the chosen scores, and every mentee
    short of its demand is listed as unmatched with a reason.
    """
    tee, tor = np.nonzero(problem.allowed)
    k = tee.size
    pick = (
        data.draw(st.lists(st.integers(0, max(k - 1, 0)), max_size=3, unique=True))
        if k
        else []
    )
    forb_idx = pick[:1]
    pin_idx = [p for p in pick[1:]]
    forbidden = [
        (problem.mentee_ids[tee[x]], problem.mentor_ids[tor[x]]) for x in forb_idx
    ]
    pinned = [(problem.mentee_ids[tee[x]], problem.mentor_ids[tor[x]]) for x in pin_idx]
    threshold = data.draw(st.sampled_from([None, 0.0, 0.3]))
    cons: list[object] = [Forbidden(forbidden), Pinned(pinned)]
    if threshold is not None:
        cons.append(MinScore(threshold))
    try:
        r = solve(problem, solver, objective=objective, constraints=cons)
    except UnsupportedError:
        return
    pairs = r.pair_indices
    if r.status is Status.INFEASIBLE:
        assert r.diagnosis
        assert pairs.shape == (0, 2)
        return
    _check(problem, pairs)
    chosen = {(problem.mentee_ids[a], problem.mentor_ids[b]) for a, b in pairs}
    assert not chosen & set(forbidden)
    assert set(pinned) <= chosen
    if threshold is not None:
        free = [p for p in chosen if p not in set(pinned)]
        idx_t, idx_r = problem.mentee_index(), problem.mentor_index()
        assert all(problem.scores[idx_t[a], idx_r[b]] >= threshold for a, b in free)
    assert r.objective == pytest.approx(problem.scores[pairs[:, 0], pairs[:, 1]].sum())
    count = np.bincount(pairs[:, 0], minlength=problem.n_mentees)
    short = {
        problem.mentee_ids[i] for i in np.nonzero(count < problem.mentee_demand)[0]
    }
    assert set(r.unmatched) == short
    assert all(r.unmatched.values())


@given(tiny_problems(max_demand=2), st.data())
def test_flow_with_pair_constraints_matches_brute_force(
    problem: MatchingProblem, data: st.DataObject
) -> None:
    """Forbidden, Pinned and MinScore are honoured exactly (brute force agrees)."""
    tee, tor = np.nonzero(problem.allowed)
    if tee.size < 2:
        return
    a, b = data.draw(
        st.lists(st.integers(0, tee.size - 1), min_size=2, max_size=2, unique=True)
    )
    forbidden = [(int(tee[a]), int(tor[a]))]
    pinned = [(int(tee[b]), int(tor[b]))]
    ids = lambda ps: [(problem.mentee_ids[x], problem.mentor_ids[y]) for x, y in ps]  # noqa: E731
    best = brute_force(
        problem, "coverage", forbidden=forbidden, pinned=pinned, min_score=0.2
    )
    r = solve(
        problem,
        "flow",
        objective="coverage",
        constraints=[Forbidden(ids(forbidden)), Pinned(ids(pinned)), MinScore(0.2)],
    )
    if best is None:
        assert r.status is Status.INFEASIBLE
        return
    # The pinned pair may itself be below MinScore: then infeasible is right.
    if problem.scores[pinned[0]] < 0.2:
        assert r.status is Status.INFEASIBLE
        assert "MinScore" in " ".join(r.diagnosis)
        return
    sc = problem.scores[r.pair_indices[:, 0], r.pair_indices[:, 1]]
    assert (len(sc), pytest.approx(sc.sum())) == (best[0], pytest.approx(best[1]))


@pytest.mark.parametrize("solver", SOLVERS)
def test_same_seed_same_output(solver: str) -> None:
    """The same problem and seed give identical pairs, twice."""
    rng = np.random.default_rng(11)
    p = MatchingProblem.from_scores(rng.random((30, 10)), mentor_capacity=3)
    try:
        a = solve(p, solver, seed=5)
    except UnsupportedError:
        pytest.skip(f"{solver} does not support the default request")
    b = solve(p, solver, seed=5)
    assert np.array_equal(a.pair_indices, b.pair_indices)
    assert a.objective == b.objective
