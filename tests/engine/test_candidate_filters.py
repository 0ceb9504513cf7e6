"""Pair filters and pinned pairs on candidate problems give the dense answers.

``build_problem(cohort, candidates=k)`` never holds the matrix; ``solve``
takes the filtered and pinned pairs out of its candidates
(:mod:`alummatch.engine.candidates`). Each test compares with the dense
problem of the same scores under the same constraints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from alummatch import History, MatchingProblem, Status, solve
from alummatch.constraints import Forbidden, FromHistory, MinScore, Pinned
from alummatch.engine import make_task, unmatched_reasons
from alummatch.errors import InputProblem, InvalidInputError
from alummatch.scoring.candidates import select_candidates
from alummatch.testing import check_pair_filter
from tests.fairbrute import key_of
from tests.strategies import (
    dense_and_candidate_problems,
    dense_and_candidates,
)


def _as_candidates(dense: MatchingProblem, k: int) -> MatchingProblem:
    """A candidate problem of a dense problem's matrix, ``k`` per mentee."""

    def rows(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return dense.scores[idx], dense.allowed[idx]

    n, m = dense.shape
    cs = select_candidates(rows, n, m, k, block_size=4, n_jobs=1)
    return MatchingProblem.from_candidates(
        cs,
        mentor_capacity=dense.mentor_capacity,
        mentee_demand=dense.mentee_demand,
        mentee_ids=dense.mentee_ids,
        mentor_ids=dense.mentor_ids,
    )


def _constraints(
    dense: MatchingProblem, rng: np.random.Generator, threshold: float | None
) -> list[object]:
    """Forbidden pairs, a minimum score and pinned pairs, in a random order.

    Pins are mostly pairs that can hold (allowed, kept by the filters, on
    mentors with seats, one a mentee and a mentor); one request in seven
    pins any pairs (a disallowed or removed one, or too many on a mentor).
    """
    n, m = dense.shape
    tee, tor = dense.mentee_ids, dense.mentor_ids
    out: list[object] = []
    kept = dense.allowed & (dense.mentor_capacity > 0)[None, :]
    flat = rng.choice(n * m, int(rng.integers(0, n * m // 2 + 1)), replace=False)
    if flat.size:
        out.append(Forbidden([(tee[f // m], tor[f % m]) for f in flat]))
        kept.flat[flat] = False
    if threshold is not None:
        out.append(MinScore(threshold))
        kept &= dense.scores >= threshold
    picks = np.argwhere(kept if rng.random() < 6 / 7 else np.ones((n, m)))
    picks = picks[rng.permutation(len(picks))]
    picks = picks[np.unique(picks[:, 0], return_index=True)[1]]
    picks = picks[np.unique(picks[:, 1], return_index=True)[1]]
    chosen = picks[rng.permutation(len(picks))[: int(rng.integers(0, 3))]]
    if chosen.size:
        out.append(Pinned([(tee[a], tor[b]) for a, b in chosen]))
    rng.shuffle(out)  # type: ignore[arg-type]
    return out


def _same_reasons(
    dense: MatchingProblem,
    objective: str,
    cons: list[object],
    pairs: NDArray[np.intp],
    got: dict[str, str],
    status: Status,
) -> None:
    """The candidate result's reasons are the dense problem's for the same pairs."""
    request = make_task(dense, objective, cons, None, 0)
    want = unmatched_reasons(request.task, pairs, request.removed, status)
    assert got == want


@settings(max_examples=100, deadline=None)
@given(
    pair=dense_and_candidate_problems(max_mentees=20, max_mentors=8),
    objective=st.sampled_from(["total", "coverage", "maxmin"]),
    threshold=st.sampled_from([None, -0.5, 0.0, 0.25, 0.5]),
    demand=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_flow_on_candidates_with_filters_and_pins_equals_dense(
    pair: tuple[MatchingProblem, MatchingProblem],
    objective: str,
    threshold: float | None,
    demand: int,
    seed: int,
) -> None:
    """Random scores (ties, negatives), reserves and bytes or not, small k:
    ``Forbidden``, ``MinScore`` and ``Pinned`` on the candidate problem give
    the dense status, diagnosis, optimum and unmatched reasons."""
    dense, cand = pair
    dense = dense.replace(mentee_demand=demand)
    cand = cand.replace(mentee_demand=demand)
    cons = _constraints(dense, np.random.default_rng(seed), threshold)
    a = solve(dense, "flow", objective=objective, constraints=cons)
    b = solve(cand, "flow", objective=objective, constraints=cons)
    event(f"{a.status.name}, {'re-scored' if b.info.get('rescored_rows') else '-'}")
    assert b.status is a.status
    assert b.diagnosis == a.diagnosis
    if a.status is Status.OPTIMAL:
        assert key_of(dense, b.pair_indices, objective) == pytest.approx(
            key_of(dense, a.pair_indices, objective), rel=1e-9, abs=1e-9
        )
        _same_reasons(dense, objective, cons, b.pair_indices, b.unmatched, b.status)
    else:
        assert b.unmatched == a.unmatched


@pytest.mark.parametrize("objective", ["total", "coverage", "maxmin"])
def test_filters_and_pins_on_a_cohort_with_one_candidate_each(objective: str) -> None:
    """A real scorer, one candidate per mentee (rows are re-scored): the dense
    optimum, the same pinned pairs kept and the same reasons in words."""
    dense, cand = dense_and_candidates(150, 40, 2, 1)
    rng = np.random.default_rng(3)
    cap = rng.integers(0, 3, 40)
    dense = dense.replace(mentor_capacity=cap)
    cand = cand.replace(mentor_capacity=cap)
    ok = np.argwhere(dense.allowed & (cap > 0)[None, :])
    pins = ok[rng.choice(len(ok), 4, replace=False)]
    pins = pins[np.unique(pins[:, 1], return_index=True)[1]]
    forbid = np.argwhere(dense.allowed)[rng.choice(int(dense.allowed.sum()), 300)]
    threshold = float(np.quantile(dense.scores[dense.allowed], 0.4))
    pins = pins[pins[:, 0] != 0]
    # mentee 0 loses every mentor: the good ones forbidden, the rest too low
    good = np.nonzero(dense.allowed[0] & (dense.scores[0] >= threshold))[0]
    forbid = np.concatenate([forbid, np.stack([np.zeros_like(good), good], 1)])
    at_floor = dense.scores[pins[:, 0], pins[:, 1]] >= threshold
    keep = ~np.isin(forbid[:, 0] * 40 + forbid[:, 1], pins[:, 0] * 40 + pins[:, 1])
    cons = [
        Forbidden(
            [(dense.mentee_ids[a], dense.mentor_ids[b]) for a, b in forbid[keep]]
        ),
        MinScore(threshold),
        Pinned([(dense.mentee_ids[a], dense.mentor_ids[b]) for a, b in pins[at_floor]]),
    ]
    a = solve(dense, "flow", objective=objective, constraints=cons)
    b = solve(cand, "flow", objective=objective, constraints=cons)
    assert a.status is b.status is Status.OPTIMAL
    assert b.info["rescored_rows"] > 0
    assert key_of(dense, b.pair_indices, objective) == pytest.approx(
        key_of(dense, a.pair_indices, objective), rel=1e-9
    )
    got = {(int(i), int(j)) for i, j in b.pair_indices}
    assert {(int(i), int(j)) for i, j in pins[at_floor]} <= got
    assert not dense.scores[b.pair_indices[:, 0], b.pair_indices[:, 1]].min() < min(
        threshold, dense.scores[pins[:, 0], pins[:, 1]].min()
    )
    _same_reasons(dense, objective, cons, b.pair_indices, b.unmatched, b.status)
    assert "by Forbidden" in b.unmatched[dense.mentee_ids[0]]
    assert "by MinScore" in b.unmatched[dense.mentee_ids[0]]


def test_maxmin_counts_a_low_pinned_pair_in_the_smallest_score() -> None:
    """A pin scoring below what the free pairs could reach: the threshold
    stops at the pin's score and the total decides above it, as on dense."""
    dense, cand = dense_and_candidates(20, 8, 0, 1)
    s = np.where(dense.allowed, dense.scores, np.inf)
    i, j = np.unravel_index(np.argmin(s), s.shape)  # the lowest allowed pair
    cons = [Pinned([(dense.mentee_ids[i], dense.mentor_ids[j])])]
    a = solve(dense, "flow", objective="maxmin", constraints=cons)
    b = solve(cand, "flow", objective="maxmin", constraints=cons)
    assert a.status is b.status is Status.OPTIMAL
    assert b.info["threshold"] == a.info["threshold"] == dense.scores[i, j]
    assert key_of(dense, b.pair_indices, "maxmin") == pytest.approx(
        key_of(dense, a.pair_indices, "maxmin"), rel=1e-9
    )


def test_a_pin_the_rules_or_a_filter_forbid_is_diagnosed_as_on_dense() -> None:
    """A pinned pair the rules disallow, one a filter removes, and a mentor
    pinned beyond capacity: INFEASIBLE, with the dense problem's sentences."""
    rng = np.random.default_rng(4)
    dense = MatchingProblem.from_scores(
        rng.random((12, 6)).astype(np.float32),  # candidates keep float32 scores
        allowed=rng.random((12, 6)) < 0.7,
        mentor_capacity=1,
    )
    cand = _as_candidates(dense, 1)
    i, j = np.argwhere(~dense.allowed)[0]
    p, q = np.argwhere(dense.allowed)[5]
    on_3 = np.nonzero(dense.allowed[:, 3])[0]
    tee, tor = dense.mentee_ids, dense.mentor_ids
    cons = [
        MinScore(0.0),
        Forbidden([(tee[p], tor[q])]),
        Pinned([(tee[i], tor[j]), (tee[p], tor[q]), (tee[on_3[0]], tor[3])]),
        Pinned([(tee[on_3[1]], tor[3])]),
    ]
    a = solve(dense, "flow", constraints=cons)
    b = solve(cand, "flow", constraints=cons)
    assert a.status is b.status is Status.INFEASIBLE
    assert b.diagnosis == a.diagnosis
    assert any("not allowed by the problem's rules" in d for d in b.diagnosis)
    assert any("removed by Forbidden" in d for d in b.diagnosis)
    assert any("capacity 1" in d for d in b.diagnosis)
    assert b.unmatched == a.unmatched


@settings(max_examples=40, deadline=None)
@given(
    pair=dense_and_candidate_problems(max_mentees=20, max_mentors=8),
    objective=st.sampled_from(["total", "coverage"]),
    threshold=st.sampled_from([None, -0.5, 0.0, 0.25]),
    seed=st.integers(0, 2**16),
)
def test_stable_on_candidates_with_filters_equals_dense(
    pair: tuple[MatchingProblem, MatchingProblem],
    objective: str,
    threshold: float | None,
    seed: int,
) -> None:
    """Mentees proposing, stated rankings on both sides: with filters and pins
    the candidate problem's stable matching is the dense one, pair for pair."""
    dense, cand = pair
    cons = _constraints(dense, np.random.default_rng(seed), threshold)
    a = solve(dense, "stable", objective=objective, constraints=cons)
    b = solve(cand, "stable", objective=objective, constraints=cons)
    assert b.status is a.status
    assert b.diagnosis == a.diagnosis
    np.testing.assert_array_equal(b.pair_indices, a.pair_indices)
    assert b.unmatched == a.unmatched


@settings(max_examples=30, deadline=None)
@given(
    pair=dense_and_candidate_problems(max_mentees=20, max_mentors=8),
    threshold=st.sampled_from([None, 0.0, 0.25]),
    seed=st.integers(0, 2**16),
)
def test_greedy_on_candidates_honours_filters_and_pins(
    pair: tuple[MatchingProblem, MatchingProblem],
    threshold: float | None,
    seed: int,
) -> None:
    """Greedy keeps the pinned pairs and never chooses a removed pair."""
    dense, cand = pair
    cons = _constraints(dense, np.random.default_rng(seed), threshold)
    a = solve(dense, "greedy", objective="coverage", constraints=cons)
    b = solve(cand, "greedy", objective="coverage", constraints=cons)
    assert b.status is a.status
    if b.status is Status.INFEASIBLE:
        return
    request = make_task(dense, "coverage", cons, None, 0)
    ok = request.task.allowed.copy()
    fixed = request.task.fixed
    ok[fixed[:, 0], fixed[:, 1]] = True
    pairs = b.pair_indices
    assert ok[pairs[:, 0], pairs[:, 1]].all()
    assert {tuple(p) for p in fixed.tolist()} <= {tuple(p) for p in pairs.tolist()}


def test_greedy_with_every_mentor_a_candidate_equals_dense_greedy() -> None:
    """With every mentor a candidate, filters leave greedy's rounds unchanged."""
    dense, cand = dense_and_candidates(120, 40, 1, 40)
    rng = np.random.default_rng(0)
    cons = _constraints(dense, rng, float(np.median(dense.scores)))
    for objective in ("total", "coverage"):
        a = solve(dense, "greedy", objective=objective, constraints=cons)
        b = solve(cand, "greedy", objective=objective, constraints=cons)
        np.testing.assert_array_equal(a.pair_indices, b.pair_indices)


def _history(dense: MatchingProblem, rng: np.random.Generator) -> History:
    """Past pairs of three kinds, a few active ones, and people who left."""
    n, m = dense.shape
    tee, tor = dense.mentee_ids, dense.mentor_ids
    rows = []
    for f in rng.choice(n * m, n * m // 3, replace=False):
        status = str(rng.choice(["completed", "ended", "declined"]))
        rows.append((tee[f // m], tor[f % m], "t1", status))
    ok = np.argwhere(dense.allowed)
    ok = ok[np.unique(ok[:, 0], return_index=True)[1]]  # one a mentee
    for a, b in ok[rng.choice(len(ok), 3, replace=False)]:
        rows.append((tee[a], tor[b], "t2", "active"))
    rows.append(("gone", tor[0], "t2", "ended"))
    frame = pd.DataFrame(rows, columns=["mentee_id", "mentor_id", "term", "status"])
    return History.from_frame(frame.drop_duplicates(["mentee_id", "mentor_id"]))


@pytest.mark.parametrize("repeat", ["never", "completed"])
def test_from_history_on_candidates_equals_dense(repeat: str) -> None:
    """Active pairs kept, past pairs never repeated, the same figures in info."""
    dense, _ = dense_and_candidates(60, 20, 3, 1)
    dense = dense.replace(mentor_capacity=3)
    cand = _as_candidates(dense, 1)
    c = FromHistory(_history(dense, np.random.default_rng(1)), repeat=repeat)
    a = solve(dense, "flow", objective="coverage", constraints=[c])
    b = solve(cand, "flow", objective="coverage", constraints=[c])
    assert a.status is b.status is Status.OPTIMAL
    assert key_of(dense, b.pair_indices, "coverage") == pytest.approx(
        key_of(dense, a.pair_indices, "coverage"), rel=1e-9
    )
    for k in ("history_rows", "history_rows_ignored", "history_pinned"):
        assert b.info[k] == a.info[k]
    assert b.info["history_removed"] == a.info["history_removed"] > 0
    removed = c.removed(dense)
    got = b.pair_indices
    fixed = {tuple(p) for p in c.pinned(dense).tolist()}
    assert fixed <= {tuple(p) for p in got.tolist()}
    assert not removed[got[:, 0], got[:, 1]].any()


@dataclasses.dataclass(frozen=True)
class SameInitial:
    """A programme's own filter with both forms: no shared first letter."""

    name: str = "same initial"

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        return []

    def _letters(self, problem: MatchingProblem) -> tuple[np.ndarray, np.ndarray]:
        tee = np.array([i[-1] for i in problem.mentee_ids])
        tor = np.array([j[-1] for j in problem.mentor_ids])
        return tee, tor

    def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
        tee, tor = self._letters(problem)
        out: NDArray[np.bool_] = tee[:, None] == tor[None, :]
        return out

    def removal_test(self, problem: MatchingProblem) -> object:
        tee, tor = self._letters(problem)
        return lambda i, j, scores: tee[i] == tor[j]


def test_a_users_filter_with_a_pair_test_works_on_candidates() -> None:
    """A user-written filter with ``removal_test``: the dense optimum, its
    name in the reasons, and its two forms pass the conformance check."""
    dense, cand = dense_and_candidates(150, 40, 2, 1)
    f = SameInitial()
    check_pair_filter(f, dense)
    for objective in ("total", "coverage"):
        a = solve(dense, "flow", objective=objective, constraints=[f])
        b = solve(cand, "flow", objective=objective, constraints=[f])
        assert key_of(dense, b.pair_indices, objective) == pytest.approx(
            key_of(dense, a.pair_indices, objective), rel=1e-9
        )
        _same_reasons(dense, objective, [f], b.pair_indices, b.unmatched, b.status)


def test_a_pair_test_of_the_wrong_shape_is_an_input_error() -> None:
    """A test that does not return one flag a pair is named in the error."""

    @dataclasses.dataclass(frozen=True)
    class Broken(SameInitial):
        name: str = "broken"

        def removal_test(self, problem: MatchingProblem) -> object:
            return lambda i, j, scores: np.zeros(3, dtype=bool)

    _, cand = dense_and_candidates(30, 10, 0, 2)
    with pytest.raises(InvalidInputError, match="broken") as err:
        solve(cand, "flow", constraints=[Broken()])
    assert "removal_test" in str(err.value)


def _hashed_rows(m: int) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Rows of a large matrix computed on demand (never held): pseudo-random
    float32 scores in [0, 1), one pair in eleven disallowed."""

    def rows(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = np.asarray(idx, dtype=np.float64)[:, None]
        j = np.arange(m, dtype=np.float64)
        wave = np.abs(np.sin(i * 12.9898 + j * 78.233)) * 43758.5453
        ok = (np.asarray(idx)[:, None] * 7 + np.arange(m) * 3) % 11 != 0
        return np.modf(wave)[0].astype(np.float32), ok

    return rows


def test_a_solve_with_filters_never_allocates_the_dense_matrix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Traced peak of a solve with ``Forbidden``, ``MinScore`` and ``Pinned`` on
    a candidate problem of 8 million pairs: below one byte a pair (the dense
    problem takes 9), re-scored rows and unmatched reasons included.

    Rows are re-scored in blocks of 16,384 pairs here (the solver's, the
    reasons' and the pair lookups' blocks), so that any array of the
    matrix's shape would show.
    """
    import tracemalloc

    import alummatch.engine.reasons as reasons
    import alummatch.problem as problem_module
    import alummatch.solvers.candidate as candidate

    for module, name in [
        (candidate, "_BLOCK"),
        (reasons, "RESCORE_BLOCK"),
        (problem_module, "RESCORE_BLOCK"),
    ]:
        monkeypatch.setattr(module, name, 1 << 14)
    n, m = 800, 10_000
    cs = select_candidates(_hashed_rows(m), n, m, 3, block_size=64, n_jobs=1)
    seats = (np.arange(m) % 40 == 0).astype(np.int64)  # 250 seats: rows re-scored
    cand = MatchingProblem.from_candidates(cs, mentor_capacity=seats)
    tee, tor = cand.mentee_ids, cand.mentor_ids
    rng = np.random.default_rng(0)
    cons = [
        Forbidden([(tee[rng.integers(n)], tor[rng.integers(m)]) for _ in range(2000)]),
        MinScore(0.3),
        Pinned([(tee[0], tor[40])]),
    ]
    small = select_candidates(_hashed_rows(30), 20, 30, 2, block_size=8, n_jobs=1)
    solve(MatchingProblem.from_candidates(small), "flow")  # imports, first calls
    tracemalloc.start()
    try:
        r = solve(cand, "flow", objective="coverage", constraints=cons)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.status is Status.OPTIMAL
    assert r.info["rescored_rows"] > 0
    assert len(r.unmatched) == n - 250
    assert (0, 40) in {(int(a), int(b)) for a, b in r.pair_indices}
    assert peak < n * m
