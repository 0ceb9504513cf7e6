"""Every exact solver against the LP reference, on random plain requests.

The b-matching polytope with capacities, demands and minimum loads is
integral, so :func:`alummatch.testing.lp_reference` is the exact optimum.
Statuses are checked both ways: OPTIMAL only when the optimum is reached,
INFEASIBLE only when the reference finds no matching.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alummatch.constraints import Forbidden, Pinned
from alummatch.engine import make_task, solve
from alummatch.problem import MatchingProblem
from alummatch.result import Status
from alummatch.solvers import CpSat, Flow, Hungarian, Milp
from alummatch.solvers.base import Solver
from alummatch.testing import Reference, lp_reference
from tests.strategies import problems

EXACT: list[Solver] = [
    Flow(),
    Hungarian(),
    CpSat(workers=1),
    CpSat(workers=1, warm_start=False),
    Milp(),
    Milp(warm_start=False),
]


def _request(problem: MatchingProblem, data: st.DataObject) -> list[object]:
    """A few pinned and forbidden pairs drawn among the problem's pairs."""
    n, m = problem.shape
    pairs = [
        (problem.mentee_ids[i], problem.mentor_ids[j])
        for i in range(n)
        for j in range(m)
    ]
    chosen = data.draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
    cut = data.draw(st.integers(0, len(chosen)))
    out: list[object] = []
    if chosen[:cut]:
        out.append(Pinned(chosen[:cut]))
    if chosen[cut:]:
        out.append(Forbidden(chosen[cut:]))
    return out


def _check(
    problem: MatchingProblem, objective: str, cons: list[object], solver: Solver
) -> None:
    request = make_task(problem, objective, cons, None, 0)
    task, pin_diag = request.task, request.diagnosis
    if solver.unsupported(task) is not None:
        return
    ref = None if pin_diag else lp_reference(task)
    r = solve(problem, solver, objective=objective, constraints=cons)
    if ref is None:
        assert r.status is Status.INFEASIBLE, (solver.name, r.status)
        return
    assert r.status is Status.OPTIMAL, (solver.name, r.status)
    _same(r, ref, objective, solver.name)


def _same(r: object, ref: Reference, objective: str, name: str) -> None:
    from alummatch.result import MatchResult

    assert isinstance(r, MatchResult)
    tol = 1e-7 * max(1.0, abs(ref.total))
    if objective != "total":
        assert r.metrics.matched_slots == ref.coverage, name
    if objective == "maxmin" and ref.minimum is not None:
        low = float(
            np.min(r.problem.scores[r.pair_indices[:, 0], r.pair_indices[:, 1]])
        )
        assert low == pytest.approx(ref.minimum, abs=1e-12), name
    assert r.objective == pytest.approx(ref.total, abs=tol), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    problems(
        max_mentees=7,
        max_mentors=5,
        max_demand=2,
        min_loads=True,
        negative=True,
    ),
    st.sampled_from(["total", "coverage", "maxmin"]),
    st.data(),
)
def test_exact_solvers_match_the_lp_reference(
    problem: MatchingProblem, objective: str, data: st.DataObject
) -> None:
    """flow, hungarian, cpsat and milp reach the LP optimum or agree on infeasible."""
    cons = _request(problem, data)
    for solver in EXACT:
        _check(problem, objective, cons, solver)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    problems(
        max_mentees=8,
        max_mentors=5,
        max_demand=2,
        min_loads=True,
        negative=True,
        integer_scores=True,
    ),
    st.sampled_from(["total", "coverage", "maxmin"]),
    st.data(),
)
def test_exact_solvers_match_the_lp_reference_with_ties(
    problem: MatchingProblem, objective: str, data: st.DataObject
) -> None:
    """Tied (small integer) scores: the same agreement."""
    cons = _request(problem, data)
    for solver in EXACT:
        _check(problem, objective, cons, solver)


def test_reference_refuses_group_constraints() -> None:
    """Only plain requests are referenced."""
    from alummatch.constraints import BalancedLoad

    p = MatchingProblem.from_scores([[1.0]])
    task = make_task(p, "total", [BalancedLoad(1.0)], None, 0).task
    with pytest.raises(ValueError, match="plain requests"):
        lp_reference(task)


def test_reference_known_values() -> None:
    """Hand-checked optima for the three objectives, infeasibility as None."""
    p = MatchingProblem.from_scores([[0.9, 0.5], [0.8, -0.1]])
    t = make_task(p, "total", [], None, 0).task
    assert lp_reference(t) == Reference(2, None, pytest.approx(1.3))  # type: ignore[arg-type]
    t = make_task(p, "maxmin", [], None, 0).task
    ref = lp_reference(t)
    assert ref is not None
    assert (ref.coverage, ref.minimum) == (2, 0.5)
    q = MatchingProblem.from_scores(
        [[1.0], [1.0]], mentor_capacity=3, mentor_min_load=3
    )
    t = make_task(q, "coverage", [], None, 0).task
    assert lp_reference(t) is None
