"""Waitlist priority: among maximum-coverage matchings, the longest wait is left
out last, tier by tier, then the rest of the objective; coverage never drops."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, vstack

from alummatch import MatchingProblem, UnsupportedError, solve
from alummatch.constraints import GroupQuota
from alummatch.solvers import CpSat, Milp
from tests.strategies import tiny_problems


def _tiers(problem: MatchingProblem) -> list[np.ndarray]:
    """Mentee masks of each wait level, longest first."""
    w = problem.waits
    return [w == level for level in np.unique(w)[::-1]]


def _key(problem: MatchingProblem, pairs: np.ndarray, objective: str) -> tuple:
    """(matched, -left out per tier longest first, [min], total)."""
    n = problem.n_mentees
    got = np.bincount(pairs[:, 0], minlength=n) if pairs.size else np.zeros(n)
    left = problem.mentee_demand - got
    sc = problem.scores[pairs[:, 0], pairs[:, 1]] if pairs.size else np.zeros(0)
    key: list[float] = [float(got.sum())]
    key += [-float(left[t].sum()) for t in _tiers(problem)]
    if objective == "maxmin":
        key.append(float(sc.min()) if sc.size else float("inf"))
    key.append(float(sc.sum()))
    return tuple(key)


def _brute(
    problem: MatchingProblem,
    objective: str,
    quota: tuple[np.ndarray, float] | None = None,
) -> tuple | None:
    """Best key by enumeration (``None`` when nothing keeps the quota)."""
    tee, tor = np.nonzero(problem.allowed)
    best: tuple | None = None
    for bits in itertools.product((False, True), repeat=tee.size):
        sel = np.array(bits, dtype=bool)
        pairs = np.stack([tee[sel], tor[sel]], axis=1)
        load = np.bincount(pairs[:, 1], minlength=problem.n_mentors)
        if (load > problem.mentor_capacity).any():
            continue
        if (load < problem.mentor_min_load).any():
            continue
        if (
            np.bincount(pairs[:, 0], minlength=problem.n_mentees)
            > problem.mentee_demand
        ).any():
            continue
        if quota is not None and not _quota_ok(problem, pairs, *quota):
            continue
        key = _key(problem, pairs, objective)
        if best is None or _rounded(key) > _rounded(best):
            best = key
    return best


def _quota_ok(
    problem: MatchingProblem, pairs: np.ndarray, labels: np.ndarray, share: float
) -> bool:
    got = np.bincount(pairs[:, 0], minlength=problem.n_mentees) if pairs.size else 0
    for g in np.unique(labels):
        member = labels == g
        wanted = int(problem.mentee_demand[member].sum())
        if int(np.sum(np.asarray(got)[member] if pairs.size else 0)) < np.ceil(
            round(share * wanted, 9)
        ):
            return False
    return True


def _rounded(key: tuple) -> tuple:
    return tuple(round(x, 9) for x in key)


EXACT = {
    "flow": "flow",
    "cpsat": CpSat(workers=1, warm_start=False),
    "milp": Milp(warm_start=False),
}


@pytest.mark.parametrize("solver", list(EXACT))
@settings(max_examples=40, deadline=None)
@given(
    tiny_problems(max_demand=2, min_loads=True, negative=True),
    st.sampled_from(["coverage", "maxmin"]),
    st.integers(0, 2**31),
)
def test_exact_solvers_equal_the_lexicographic_optimum(
    solver: str, problem: MatchingProblem, objective: str, seed: int
) -> None:
    """On tiny problems the matching has the best (coverage, tiers, ...) key;
    cpsat and milp searched without flow's warm start, to test their models."""
    waits = np.random.default_rng(seed).integers(0, 3, size=problem.n_mentees)
    p = problem.replace(mentee_wait=waits)
    r = solve(p, EXACT[solver], objective=objective)
    if r.status.value == "infeasible":
        return
    assert _rounded(_key(p, r.pair_indices, objective)) == _rounded(
        _brute(p, objective)
    )


@pytest.mark.parametrize("solver", ["cpsat", "milp"])
@settings(max_examples=25, deadline=None)
@given(tiny_problems(max_demand=1), st.integers(0, 2**31))
def test_waits_with_a_quota_equal_the_optimum(
    solver: str, problem: MatchingProblem, seed: int
) -> None:
    """Waits and a GroupQuota together (beyond flow): the best key among the
    matchings that keep the quota."""
    rng = np.random.default_rng(seed)
    p = problem.replace(mentee_wait=rng.integers(0, 3, size=problem.n_mentees))
    groups = {t: "ab"[k % 2] for k, t in enumerate(p.mentee_ids)}
    quota = GroupQuota(0.5, groups=groups)
    r = solve(p, EXACT[solver], objective="coverage", constraints=[quota])
    labels = np.array(["ab"[k % 2] for k in range(p.n_mentees)])
    best = _brute(p, "coverage", quota=(labels, 0.5))
    if best is None:
        assert r.status.value == "infeasible"
        return
    assert _rounded(_key(p, r.pair_indices, "coverage")) == _rounded(best)


def _lp_lexicographic(problem: MatchingProblem) -> tuple:
    """Successive LPs over the (integral) network polytope: coverage, then the
    matched slots of each tier longest wait first, then the total."""
    tee, tor = np.nonzero(problem.allowed)
    k = tee.size
    n, m = problem.shape
    a_tor = csr_matrix((np.ones(k), (tor, np.arange(k))), shape=(m, k))
    a_tee = csr_matrix((np.ones(k), (tee, np.arange(k))), shape=(n, k))
    rows = [a_tor, a_tee]
    ub = [problem.mentor_capacity.astype(float), problem.mentee_demand.astype(float)]
    objectives = [np.ones(k)]
    objectives += [t[tee].astype(float) for t in _tiers(problem)]
    objectives.append(problem.scores[tee, tor])
    values = []
    for c in objectives:
        res = linprog(
            -c,
            A_ub=vstack(rows).tocsr(),
            b_ub=np.concatenate(ub),
            bounds=(0, 1),
            method="highs",
        )
        assert res.status == 0
        values.append(-res.fun)
        rows.append(csr_matrix(-c.reshape(1, -1)))
        ub.append(np.array([res.fun + 1e-7]))
    return tuple(values)


@pytest.mark.parametrize("seed", range(6))
def test_flow_equals_an_lp_reference_on_scarce_seats(seed: int) -> None:
    """60 mentees, 20 seats short: tiers as the LP says, coverage as without waits."""
    rng = np.random.default_rng(seed)
    scores = rng.random((60, 15))
    allowed = rng.random((60, 15)) < 0.3
    p = MatchingProblem.from_scores(
        scores,
        allowed=allowed,
        mentor_capacity=rng.integers(1, 4, size=15),
        mentee_wait=rng.integers(0, 4, size=60),
    )
    r = solve(p, "flow", objective="coverage")
    plain = solve(p.replace(mentee_wait=None), "flow", objective="coverage")
    ref = _lp_lexicographic(p)
    pairs = r.pair_indices
    got = np.bincount(pairs[:, 0], minlength=60)
    tiers = [float(got[t].sum()) for t in _tiers(p)]
    assert r.metrics.matched_slots == plain.metrics.matched_slots == round(ref[0])
    assert tiers == [round(v) for v in ref[1:-1]]
    assert r.metrics.total == pytest.approx(ref[-1], abs=1e-6)


def test_longest_wait_placed_first_on_one_seat() -> None:
    """One seat, three equal mentees: the one who waited two terms gets it."""
    p = MatchingProblem.from_scores(
        [[0.9], [0.5], [0.7]], mentee_wait=[0, 2, 1], mentee_ids=["a", "b", "c"]
    )
    r = solve(p, "flow")
    assert [(x.mentee_id, x.mentor_id) for x in r.pairs] == [("b", "a-0")]
    assert r.info["waiting"] == 2
    assert r.info["waiting_placed"] == 1


def test_total_ignores_waits() -> None:
    """Under ``total`` waits play no part (the best scores win)."""
    p = MatchingProblem.from_scores([[0.9], [0.5]], mentee_wait=[0, 5])
    assert solve(p, "flow", objective="total").pair_indices.tolist() == [[0, 0]]


@pytest.mark.parametrize("solver", ["greedy", "hungarian", "stable"])
def test_solvers_that_cannot_rank_by_wait_refuse(solver: str) -> None:
    """No solver drops the waitlist silently."""
    p = MatchingProblem.from_scores([[0.9], [0.5]], mentee_wait=[0, 1])
    with pytest.raises(UnsupportedError, match="waitlist"):
        solve(p, solver)


def test_flow_refuses_waits_with_a_quota() -> None:
    """Quota groups and wait tiers overlap: flow says so instead of guessing."""
    p = MatchingProblem.from_scores([[0.9], [0.5]], mentee_wait=[0, 1])
    with pytest.raises(UnsupportedError, match="waitlist priority together"):
        solve(p, "flow", constraints=[GroupQuota(0.5, groups={"m-0": "a"})])


def test_bad_waits_are_invalid_input() -> None:
    """Negative or fractional waits are named in one error."""
    from alummatch import InvalidInputError

    with pytest.raises(InvalidInputError, match="mentee_wait"):
        MatchingProblem.from_scores([[1.0], [1.0]], mentee_wait=[-1, 0])


def test_summary_says_how_many_waiting_students_were_placed() -> None:
    """The plain-words summary (and so the report) counts the waiting placed."""
    p = MatchingProblem.from_scores(
        [[0.9], [0.5], [0.7]], mentee_wait=[0, 2, 1], mentee_ids=["a", "b", "c"]
    )
    text = solve(p, "flow").summary()
    assert "1 of the 2 students who had waited a term or more was placed" in text


def test_cpsat_bisection_bound_reads_the_smallest_score_behind_the_tiers() -> None:
    """Stopped during the bottleneck search, the gap compares the smallest
    score with the bound, not a wait tier's count (a false gap 0 once)."""
    from alummatch.engine import make_task
    from alummatch.solvers.cpsat import _Model

    p = MatchingProblem.from_scores(
        [[0.9, 0.1], [0.1, 0.8], [0.5, 0.5]], mentee_wait=[2, 1, 0]
    )
    task = make_task(p, "maxmin", (), None, 0).task
    model = _Model(task)
    assert model.wait_stages == ["wait:0", "wait:1"]
    best = np.zeros(model.n_vars, dtype=np.int64)
    chosen = {(0, 0), (1, 1)}
    for k, (a, b) in enumerate(zip(model.tee, model.tor, strict=True)):
        best[k] = int((int(a), int(b)) in chosen)
    out = CpSat()._bounded(model, task, best, 0.85)
    assert out.gap == pytest.approx((0.85 - 0.8) / 0.85)


def test_a_user_solver_that_ignores_waits_is_refused() -> None:
    """Waits live in the problem: a solver that does not declare
    ``handles_waits`` is refused, never left to ignore them."""
    from alummatch.solvers import Greedy

    class MyGreedy(Greedy):
        """A user's solver built on greedy, knowing nothing of waits."""

    p = MatchingProblem.from_scores([[0.9], [0.5]], mentee_wait=[0, 1])
    with pytest.raises(UnsupportedError, match="waitlist"):
        solve(p, MyGreedy())
    assert solve(p, MyGreedy(), objective="total").pair_indices.tolist() == [[0, 0]]
