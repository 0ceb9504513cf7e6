"""Candidate problems: the k best mentors per mentee, bounds, and exact solves.

``build_problem(cohort, candidates=k)`` never holds the dense matrix; ``flow``
certifies its optimum over every pair by re-scoring the mentees whose bound
is not conclusive. Each test compares with the dense problem of the same
cohort.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.fairbrute import key_of
from tests.keys import wait_key
from tests.strategies import cohort_of, dense_and_candidates, without_bytes

from alummatch import MatchingProblem, Status, build_problem, solve
from alummatch.constraints import BalancedLoad, Forbidden, GroupQuota
from alummatch.errors import InvalidInputError, UnsupportedError
from alummatch.problem import UPPER_LEVELS
from alummatch.profiles import Cohort
from alummatch.scoring.candidates import select_candidates


def test_candidates_are_the_k_best_with_a_bound_on_the_rest() -> None:
    """Each row keeps its k best allowed mentors; the bound covers every other."""
    dense, cand = dense_and_candidates(80, 30, 0, 3)
    cs = cand.candidates
    assert cs is not None
    assert np.isnan(cand.scores).all()
    assert cand.scores.strides == (0, 0)  # a view: no memory
    s = np.where(dense.allowed, dense.scores, -np.inf)
    for i in range(dense.n_mentees):
        row = cs.mentors[cs.indptr[i] : cs.indptr[i + 1]]
        assert np.all(np.diff(row) > 0)
        np.testing.assert_array_equal(
            cs.scores[cs.indptr[i] : cs.indptr[i + 1]], dense.scores[i, row]
        )
        assert dense.allowed[i, row].all()
        best = np.lexsort((np.arange(30), -s[i]))[:3]
        best = best[np.isfinite(s[i, best])]
        assert set(best.tolist()) <= set(row.tolist())
        rest = np.ones(30, dtype=bool)
        rest[row] = False
        top_rest = s[i, rest].max(initial=-np.inf)
        assert top_rest <= cs.bound[i]
        assert cs.bound[i] == np.sort(s[i])[::-1][3]


def test_pair_scores_rows_and_allowed_match_the_dense_problem() -> None:
    """Pairs inside and outside the candidates read the dense values."""
    dense, cand = dense_and_candidates(80, 30, 0, 3)
    rng = np.random.default_rng(0)
    tee = rng.integers(0, 80, 200)
    tor = rng.integers(0, 30, 200)
    np.testing.assert_array_equal(cand.pair_scores(tee, tor), dense.scores[tee, tor])
    np.testing.assert_array_equal(cand.pair_allowed(tee, tor), dense.allowed[tee, tor])
    s, a = cand.rows(np.array([3, 7]))
    np.testing.assert_array_equal(s, dense.scores[[3, 7]])
    np.testing.assert_array_equal(a, dense.allowed[[3, 7]])


@pytest.mark.parametrize("objective", ["total", "coverage"])
def test_with_every_mentor_as_candidate_nothing_changes(objective: str) -> None:
    """k >= mentors: the same pairs and total as the dense problem, to 1e-9."""
    dense, cand = dense_and_candidates(120, 40, 1, 40)
    a = solve(dense, "flow", objective=objective)
    b = solve(cand, "flow", objective=objective)
    assert b.status is Status.OPTIMAL
    np.testing.assert_array_equal(a.pair_indices, b.pair_indices)
    assert b.objective == pytest.approx(a.objective, rel=1e-9)
    assert b.info["certified"] == 1.0


@pytest.mark.parametrize("objective", ["total", "coverage"])
def test_small_k_is_certified_by_rescoring(objective: str) -> None:
    """One candidate per mentee: pricing re-scores mentees and adds pairs."""
    dense, cand = dense_and_candidates(150, 40, 2, 1)
    a = solve(dense, "flow", objective=objective)
    b = solve(cand, "flow", objective=objective)
    assert b.status is Status.OPTIMAL
    assert b.info["rescored_rows"] > 0
    assert b.info["pricing_rounds"] >= 1
    assert b.info["working_pairs"] > cand.candidates.nnz  # type: ignore[union-attr]
    assert key_of(dense, b.pair_indices, objective) == pytest.approx(
        key_of(dense, a.pair_indices, objective), rel=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(5, 40),
    m=st.integers(2, 12),
    seed=st.integers(0, 3),
    k=st.integers(1, 3),
    objective=st.sampled_from(["total", "coverage", "maxmin"]),
    data=st.data(),
)
def test_candidates_equal_dense_on_random_cohorts(
    n: int, m: int, seed: int, k: int, objective: str, data: st.DataObject
) -> None:
    """Random cohorts, capacities, minimum loads, a quota, balanced loads.

    The candidate problem reaches the dense optimum (or both are infeasible).
    """
    dense, cand = dense_and_candidates(n, m, seed, k)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    cap = rng.integers(0, 4, m)
    low = np.minimum(cap, rng.integers(0, 2, m)) * data.draw(st.booleans())
    dense = dense.replace(mentor_capacity=cap, mentor_min_load=low)
    cand = cand.replace(mentor_capacity=cap, mentor_min_load=low)
    cons: list[object] = []
    weight = data.draw(st.sampled_from([0.0, 0.05]))
    if data.draw(st.booleans()):
        groups = {
            mid: ("a" if g else "b")
            for mid, g in zip(dense.mentee_ids, rng.random(n) < 0.4, strict=True)
        }
        cons.append(GroupQuota(data.draw(st.sampled_from([0.3, 0.8])), groups=groups))
    if weight:
        cons.append(BalancedLoad(weight))
    a = solve(dense, "flow", objective=objective, constraints=cons)
    b = solve(cand, "flow", objective=objective, constraints=cons)
    assert a.status is b.status
    if a.status is Status.OPTIMAL:
        assert key_of(dense, b.pair_indices, objective, weight) == pytest.approx(
            key_of(dense, a.pair_indices, objective, weight), rel=1e-9, abs=1e-9
        )


def test_infeasible_minimum_loads_on_candidates() -> None:
    """Minimum loads above the demand: infeasible, with a sentence why."""
    _, cand = dense_and_candidates(10, 8, 0, 2)
    cand = cand.replace(mentor_capacity=3, mentor_min_load=2)
    r = solve(cand, "flow", objective="coverage")
    assert r.status is Status.INFEASIBLE
    assert r.diagnosis


@pytest.mark.parametrize("solver", ["hungarian", "cpsat", "milp"])
def test_dense_solvers_refuse_candidate_problems(solver: str) -> None:
    """Solvers that need the matrix refuse, naming flow, before allocating it."""
    _, cand = dense_and_candidates(30, 10, 0, 2)
    with pytest.raises(UnsupportedError, match="'flow'"):
        solve(cand, solver)


def test_auto_picks_flow() -> None:
    """``auto`` solves a candidate problem with flow, certified."""
    _, cand = dense_and_candidates(30, 10, 0, 2)
    r = solve(cand)
    assert r.solver == "flow"
    assert r.info["certified"] == 1.0


def test_maxmin_bottleneck_is_certified_over_every_pair() -> None:
    """One candidate per mentee: the dense coverage, floor and total."""
    dense, cand = dense_and_candidates(150, 40, 2, 1)
    a = solve(dense, "flow", objective="maxmin")
    b = solve(cand, "flow", objective="maxmin")
    assert b.status is Status.OPTIMAL
    assert b.info["threshold"] == a.info["threshold"]
    assert key_of(dense, b.pair_indices, "maxmin") == pytest.approx(
        key_of(dense, a.pair_indices, "maxmin"), rel=1e-9
    )


def test_forbidden_pair_is_never_chosen_on_candidate_problems() -> None:
    """A forbidden candidate pair is left out: the dense problem's optimum."""
    dense, cand = dense_and_candidates(30, 10, 0, 2)
    first = solve(cand, "flow", objective="total")
    a, b = first.pair_indices[0]
    bad = Forbidden([(cand.mentee_ids[a], cand.mentor_ids[b])])
    got = solve(cand, "flow", objective="total", constraints=[bad])
    want = solve(dense, "flow", objective="total", constraints=[bad])
    assert (a, b) not in {(int(i), int(j)) for i, j in got.pair_indices}
    assert got.objective == pytest.approx(want.objective, rel=1e-9)


def test_a_filter_with_only_a_dense_mask_is_refused_on_candidate_problems() -> None:
    """A user's filter without ``removal_test``: refused, saying what to add."""

    class DenseOnly:
        name = "dense only"

        def validate(self, problem: MatchingProblem) -> list[object]:
            return []

        def removed(self, problem: MatchingProblem) -> np.ndarray:
            return np.zeros(problem.shape, dtype=bool)

    _, cand = dense_and_candidates(30, 10, 0, 2)
    with pytest.raises(UnsupportedError, match="removal_test") as err:
        solve(cand, "flow", constraints=[DenseOnly()])
    assert "dense only" in str(err.value)
    assert "candidate problem" in str(err.value)


def test_greedy_on_candidates_equals_dense_greedy_with_every_mentor() -> None:
    """Greedy's rounds over candidates: dense greedy when every mentor is one."""
    dense, cand = dense_and_candidates(120, 40, 1, 40)
    for objective in ("total", "coverage"):
        a = solve(dense, "greedy", objective=objective)
        b = solve(cand, "greedy", objective=objective)
        np.testing.assert_array_equal(a.pair_indices, b.pair_indices)


def test_results_of_candidate_problems_explain_and_report() -> None:
    """Pairs, reasons, explanations and metrics work; blocking pairs say so."""
    dense, cand = dense_and_candidates(150, 40, 2, 2)
    r = solve(cand, "flow", objective="coverage")
    d = solve(dense, "flow", objective="coverage")
    assert r.metrics.blocking_pairs is None
    assert "blocking pairs: not computed" in r.summary()
    assert r.unmatched == d.unmatched
    first = r.pairs[0].mentee_id
    assert r.explain(first) == d.explain(first)
    assert r.pairs[0].components == d.pairs[0].components
    assert len(r.to_frame()) == len(d.to_frame())
    with pytest.raises(ValueError, match="not computed"):
        r.blocking_pairs()


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_candidates_must_be_a_positive_int(bad: object) -> None:
    """``candidates=`` is validated with the other arguments."""
    with pytest.raises(InvalidInputError, match="candidates"):
        build_problem(cohort_of(10, 5, 0), candidates=bad)  # type: ignore[arg-type]


def test_refusal_suggests_candidates() -> None:
    """A dense cohort above the budget is told about ``candidates=``."""
    with pytest.raises(InvalidInputError, match="candidates=k"):
        build_problem(cohort_of(10, 5, 0), memory_budget=100)
    p = build_problem(cohort_of(10, 5, 0), memory_budget=100, candidates=2)
    assert p.candidates is not None


def test_candidate_build_never_allocates_the_dense_matrix() -> None:
    """Traced peak of candidate builds: a fraction of the dense 9 bytes a pair.

    Beside the one-byte upper bound a pair that the build keeps for the
    certificate (``CandidateSet.upper``), what twice the mentees add to the
    peak stays under half of the dense matrix they add. (The fitted
    criteria's tables, a row a distinct answer and a column a mentor, are
    about the same for both cohorts: the growth is what grows with pairs.)
    """
    import tracemalloc

    def peak(n: int) -> int:
        cohort = cohort_of(n, 300, 5)
        build_problem(cohort, candidates=5)  # imports and the cohort's own views
        tracemalloc.start()
        try:
            p = build_problem(cohort, candidates=5, block_size=50, n_jobs=1)
            got = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert p.candidates is not None
        assert p.candidates.upper is not None
        assert p.candidates.upper.shape == (n, 300)
        return got - p.candidates.upper.nbytes

    grown = peak(12000) - peak(6000)
    assert 0 < grown < 6000 * 300 * 9 / 2


def _matrix_rows(
    s: np.ndarray, ok: np.ndarray
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A row callback over a fixed matrix (float32 scores, like the scorer's)."""

    def rows(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return s[idx], ok[idx]

    return rows


@st.composite
def _matrices(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """Scores with ties and negative values, an allowed mask, and ``k``."""
    n = draw(st.integers(3, 30))
    m = draw(st.integers(2, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    levels = np.array([-2.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 3.0])
    if draw(st.booleans()):
        s = levels[rng.integers(0, levels.size, (n, m))]
    else:
        s = rng.normal(0.0, 1.0, (n, m))
    ok = rng.random((n, m)) < draw(st.sampled_from([0.5, 0.9, 1.0]))
    return s.astype(np.float32), ok, draw(st.integers(1, 3))


@settings(max_examples=60, deadline=None)
@given(mat=_matrices(), block=st.integers(1, 8))
def test_build_bytes_bound_every_pair(
    mat: tuple[np.ndarray, np.ndarray, int], block: int
) -> None:
    """``CandidateSet.upper``: 0 where not allowed, 255 on each mentee's own
    best, and an upper bound on every other score (ties, negative scores)."""
    s, ok, k = mat
    n, m = s.shape
    cs = select_candidates(_matrix_rows(s, ok), n, m, k, block_size=block, n_jobs=1)
    assert cs.upper is not None
    assert cs.upper_low is not None
    assert cs.upper_span is not None
    q = cs.upper
    cand = np.zeros((n, m), dtype=bool)
    cand[cs.mentees(), cs.mentors] = True
    assert (q[~ok] == 0).all()
    assert (q[ok] > 0).all()
    # a mentee's own k best (above its bound) are marked unbounded
    assert (q[ok & (s > cs.bound[:, None])] == 255).all()
    assert (q[ok & ~cand] <= 254).all()
    ub = cs.upper_low[:, None] + (q - 1.0) / UPPER_LEVELS * cs.upper_span[:, None]
    ub += 1e-6 * (np.abs(cs.upper_span) + np.abs(cs.upper_low) + 1.0)[:, None]
    rest = ok & (q < 255)
    assert (s[rest] <= ub[rest]).all()


@settings(max_examples=60, deadline=None)
@given(
    mat=_matrices(),
    objective=st.sampled_from(["total", "coverage", "maxmin"]),
    bytes_=st.booleans(),
    reserve=st.integers(0, 3),
    data=st.data(),
)
def test_candidates_equal_dense_with_ties_and_negative_scores(
    mat: tuple[np.ndarray, np.ndarray, int],
    objective: str,
    bytes_: bool,
    reserve: int,
    data: st.DataObject,
) -> None:
    """Pricing by the build's bytes and reserve (or by re-scoring rows) reaches
    the dense optimum over every pair, with tied and negative scores and few
    seats."""
    s, ok, k = mat
    n, m = s.shape
    cs = select_candidates(
        _matrix_rows(s, ok), n, m, k, block_size=4, n_jobs=1, reserve=reserve
    )
    if not bytes_:
        cs = without_bytes(cs)
    cap = np.asarray(data.draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    dense = MatchingProblem.from_scores(
        s.astype(np.float64), allowed=ok, mentor_capacity=cap
    )
    cand = MatchingProblem.from_candidates(cs, mentor_capacity=cap)
    a = solve(dense, "flow", objective=objective)
    b = solve(cand, "flow", objective=objective)
    assert a.status is b.status
    if a.status is Status.OPTIMAL:
        assert b.info["certified"] == 1.0
        assert key_of(dense, b.pair_indices, objective) == pytest.approx(
            key_of(dense, a.pair_indices, objective), rel=1e-9, abs=1e-9
        )


@settings(max_examples=60, deadline=None)
@given(
    mat=_matrices(),
    block=st.integers(1, 8),
    jobs=st.sampled_from([1, 2]),
    kc=st.integers(0, 3),
)
def test_candidate_pairs_are_each_sides_best(
    mat: tuple[np.ndarray, np.ndarray, int], block: int, jobs: int, kc: int
) -> None:
    """The pairs kept are exactly each mentee's ``k`` best and each mentor's
    ``kc`` best allowed partners (ties to the lower index), whatever the block
    size and number of threads (mentors' best merged across blocks)."""
    s, ok, k = mat
    n, m = s.shape
    cs = select_candidates(
        _matrix_rows(s, ok), n, m, k, block_size=block, n_jobs=jobs, k_mentor=kc
    )
    want = np.zeros((n, m), dtype=bool)
    for i in range(n):
        best = np.lexsort((np.arange(m), -s[i]))
        best = best[ok[i, best]][:k]
        want[i, best] = True
    for j in range(m):
        best = np.lexsort((np.arange(n), -s[:, j]))
        best = best[ok[best, j]][:kc]
        want[best, j] = True
    got = np.zeros((n, m), dtype=bool)
    got[cs.mentees(), cs.mentors] = True
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(cs.scores, s[cs.mentees(), cs.mentors])


def test_build_bytes_spare_most_rescoring_with_seats_short() -> None:
    """Seats short of demand: the bytes settle most mentees that the bound
    alone leaves open, and the optimum is the same."""
    _, cand = dense_and_candidates(2000, 800, 3, 10)
    cs = cand.candidates
    assert cs is not None
    assert cs.upper is not None
    assert cs.reserve_mentors is not None
    plain = dataclasses.replace(cand, candidates=without_bytes(cs))
    a = solve(plain, "flow", objective="coverage")
    b = solve(cand, "flow", objective="coverage")
    assert b.objective == pytest.approx(a.objective, rel=1e-12)
    assert b.metrics.matched_slots == a.metrics.matched_slots
    assert b.info["rescored_rows"] < a.info["rescored_rows"] / 2


@settings(max_examples=80, deadline=None)
@given(
    r=st.integers(1, 12),
    m=st.integers(1, 300),
    take=st.integers(1, 6),
    axis=st.sampled_from([0, 1]),
    seed=st.integers(0, 2**16),
    tied=st.booleans(),
)
def test_smallest_per_line_equals_a_full_sort(
    r: int, m: int, take: int, axis: int, seed: int, tied: bool
) -> None:
    """The folded-threshold selection keeps exactly what a full sort keeps:
    the ``take`` smallest finite entries, ties to the lower index."""
    from alummatch.scoring.candidates import _smallest

    rng = np.random.default_rng(seed)
    x = (rng.integers(-3, 3, (r, m)) if tied else rng.normal(size=(r, m))).astype(
        np.float32
    )
    x[rng.random((r, m)) < 0.3] = np.inf
    length = x.shape[axis]
    take = min(take, length)
    idx, val = _smallest(x, take, axis)
    lines = x if axis == 1 else x.T
    got_i = idx if axis == 1 else idx.T
    got_v = val if axis == 1 else val.T
    for li, line in enumerate(lines):
        order = np.lexsort((np.arange(line.size), line))[:take]
        fin = np.isfinite(line[order])
        np.testing.assert_array_equal(got_i[li][fin], order[fin])
        np.testing.assert_array_equal(got_v[li], np.where(fin, line[order], np.inf))


@pytest.mark.parametrize("objective", ["coverage", "total"])
def test_unmatched_reasons_equal_the_dense_ones(objective: str) -> None:
    """Reasons of a candidate problem (read from the build's bytes, or from
    re-scored rows for ``total``) are those of the dense problem."""
    dense, cand = dense_and_candidates(300, 60, 4, 3)
    cap = np.r_[np.zeros(10, dtype=int), np.full(50, 2)]
    dense = dense.replace(mentor_capacity=cap)
    cand = cand.replace(mentor_capacity=cap)
    a = solve(dense, "flow", objective=objective)
    b = solve(cand, "flow", objective=objective)
    assert a.unmatched
    assert set(b.unmatched) == set(a.unmatched)
    assert sorted(b.unmatched.values()) == sorted(a.unmatched.values())


@settings(max_examples=60, deadline=None)
@given(
    mat=_matrices(),
    block=st.integers(1, 5),
    kc=st.integers(1, 3),
    seed=st.integers(0, 99),
)
def test_mentors_best_merge_in_any_order(
    mat: tuple[np.ndarray, np.ndarray, int], block: int, kc: int, seed: int
) -> None:
    """Blocks scored against the floor of whatever was merged before them, and
    merged in a random order, still keep each mentor's exact ``kc`` best
    (ties to the lower mentee)."""
    from alummatch.scoring.candidates import _ColumnBest, score_block

    s, ok, k = mat
    n, m = s.shape
    rows = _matrix_rows(s, ok)
    best = _ColumnBest(kc, m)
    spans = [(a, min(a + block, n)) for a in range(0, n, block)]
    for i in np.random.default_rng(seed).permutation(len(spans)):
        a, b = spans[i]
        col = score_block(rows, a, b, k, kc, col_floor=best.floor())[3]
        assert col is not None
        best.merge(*col)
    for j in range(m):
        want = np.lexsort((np.arange(n), -s[:, j]))
        want = want[ok[want, j]][:kc]
        got = best.rows[:, j]
        np.testing.assert_array_equal(got[got >= 0], want)


@pytest.mark.parametrize("objective", ["total", "coverage", "maxmin"])
def test_unlimited_capacity_with_balanced_load_on_candidates(objective: str) -> None:
    """A capacity of 10**15 (a programme's "unlimited") is clamped to the demand
    on candidate problems too: BalancedLoad expands no seat per unit of it, and
    the optimum is the dense one."""
    dense, cand = dense_and_candidates(40, 6, 4, 2)
    cap = np.full(6, 10**15)
    low = np.zeros(6, dtype=int)
    d = dense.replace(mentor_capacity=cap, mentor_min_load=low)
    c = cand.replace(mentor_capacity=cap, mentor_min_load=low)
    a = solve(d, "flow", objective=objective, constraints=[BalancedLoad(0.05)])
    b = solve(c, "flow", objective=objective, constraints=[BalancedLoad(0.05)])
    assert b.status is Status.OPTIMAL
    assert b.objective == pytest.approx(a.objective, rel=1e-9)
    assert b.metrics.matched_slots == a.metrics.matched_slots


@pytest.mark.parametrize("objective", ["total", "coverage", "maxmin"])
def test_time_limit_returns_the_last_rounds_matching_uncertified(
    objective: str,
) -> None:
    """Past the time limit, the last pricing round's matching, as TIME_LIMIT.

    A limit no round can meet stops after the first round that added pairs:
    the pairs are allowed, within every capacity and demand, with the
    certified matched slots (and threshold), and no better than the optimum.
    """
    dense, cand = dense_and_candidates(150, 40, 2, 1)
    best = solve(cand, "flow", objective=objective)
    got = solve(cand, "flow", objective=objective, time_limit=1e-9)
    assert best.status is Status.OPTIMAL
    assert got.status is Status.TIME_LIMIT
    assert got.info["certified"] == 0.0
    assert got.info["pricing_rounds"] >= 1
    tee, tor = got.pair_indices.T
    assert dense.allowed[tee, tor].all()
    assert len(set(zip(tee.tolist(), tor.tolist(), strict=True))) == tee.size
    assert (np.bincount(tor, minlength=40) <= dense.mentor_capacity).all()
    assert (np.bincount(tee, minlength=150) <= dense.mentee_demand).all()
    if objective != "total":
        assert got.metrics.matched_slots == best.metrics.matched_slots
    if objective == "maxmin":
        assert got.metrics.min >= best.metrics.min
    assert got.objective <= best.objective + 1e-9


@settings(max_examples=80, deadline=None)
@given(
    mat=_matrices(),
    objective=st.sampled_from(["coverage", "maxmin"]),
    bytes_=st.booleans(),
    data=st.data(),
)
def test_candidates_equal_dense_with_waits(
    mat: tuple[np.ndarray, np.ndarray, int],
    objective: str,
    bytes_: bool,
    data: st.DataObject,
) -> None:
    """Waitlist tiers on candidates: the dense problem's slots, left out per
    tier (longest wait first), smallest score and total, over every pair."""
    s, ok, k = mat
    n, m = s.shape
    cs = select_candidates(_matrix_rows(s, ok), n, m, k, block_size=4, n_jobs=1)
    if not bytes_:
        cs = without_bytes(cs)
    cap = np.asarray(data.draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    low = np.minimum(cap, 1) * data.draw(st.booleans())
    dem = np.asarray(data.draw(st.lists(st.integers(1, 2), min_size=n, max_size=n)))
    wait = np.asarray(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    args = {
        "mentor_capacity": cap,
        "mentor_min_load": low,
        "mentee_demand": dem,
        "mentee_wait": wait,
    }
    dense = MatchingProblem.from_scores(s.astype(np.float64), allowed=ok, **args)
    cand = MatchingProblem.from_candidates(cs, **args)
    a = solve(dense, "flow", objective=objective)
    b = solve(cand, "flow", objective=objective)
    assert a.status is b.status
    if a.status is Status.OPTIMAL:
        assert b.info["certified"] == 1.0
        assert wait_key(dense, b.pair_indices, objective) == pytest.approx(
            wait_key(dense, a.pair_indices, objective), rel=1e-9, abs=1e-9
        )


def test_candidate_build_keeps_the_cohorts_waits() -> None:
    """``build_problem(..., candidates=k)`` carries each mentee's wait, and
    ``flow`` ranks the left out by it as on the dense problem."""
    base = cohort_of(60, 15, 1)
    tees = [t.model_dump() for t in base.mentees]
    for i, t in enumerate(tees):
        t["wait"] = i % 3
    cohort = Cohort(mentors=[t.model_dump() for t in base.mentors], mentees=tees)
    dense, cand = build_problem(cohort), build_problem(cohort, candidates=2)
    np.testing.assert_array_equal(cand.waits, dense.waits)
    assert cand.waits.any()
    for objective in ("coverage", "maxmin"):
        a = solve(dense, "flow", objective=objective)
        b = solve(cand, "flow", objective=objective)
        assert b.status is Status.OPTIMAL
        assert wait_key(dense, b.pair_indices, objective) == pytest.approx(
            wait_key(dense, a.pair_indices, objective), rel=1e-9
        )


def test_rows_float32_cannot_hold_are_refused() -> None:
    """Candidates keep float32 scores: a float64 row float32 rounds (a score 1
    ulp below a ``MinScore`` limit, or beyond float32's range) is refused with
    the pair named; float64 rows float32 holds exactly are taken as they are."""
    exact = np.array([[1.0, 0.5], [0.25, -2.0]])
    ok = np.ones_like(exact, dtype=bool)
    cs = select_candidates(_matrix_rows(exact, ok), 2, 2, 1, block_size=2, n_jobs=1)
    np.testing.assert_array_equal(cs.scores, exact[cs.mentees(), cs.mentors])
    for odd in (np.nextafter(1.0, 0.0), 1e300):
        s = exact.copy()
        s[1, 0] = odd
        with pytest.raises(ValueError, match="mentee 1, mentor 0"):
            select_candidates(_matrix_rows(s, ok), 2, 2, 1, block_size=2, n_jobs=1)
    s = exact.copy()
    s[1, 0] = 1e300
    ok2 = ok.copy()
    ok2[1, 0] = False  # a pair not allowed is never read
    cs = select_candidates(_matrix_rows(s, ok2), 2, 2, 1, block_size=2, n_jobs=1)
    assert not np.any((cs.mentees() == 1) & (cs.mentors == 0))
    np.testing.assert_array_equal(cs.scores, s[cs.mentees(), cs.mentors])
