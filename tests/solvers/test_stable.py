"""Stable matching solver (deferred acceptance) and blocking pairs."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch import build_problem
from alummatch.constraints import (
    BalancedLoad,
    Forbidden,
    GroupQuota,
    MinScore,
    Pinned,
    ScoreParity,
)
from alummatch.datasets import synthetic_cohort
from alummatch.engine import solve
from alummatch.errors import InvalidInputError, UnsupportedError
from alummatch.preferences import blocking_pairs, preference_ranks
from alummatch.problem import MatchingProblem
from alummatch.result import Status
from alummatch.solvers import REGISTRY
from alummatch.solvers.stable import Stable, deferred_acceptance, from_preferences
from tests.strategies import (
    dense_and_candidate_problems,
    preference_problems,
    problems,
)

Key = tuple[int, float, int]
Pairs = set[tuple[int, int]]


# --- naive references ------------------------------------------------------


def _naive_keys(
    problem: MatchingProblem,
    tee_prio: np.ndarray | None = None,
    tor_prio: np.ndarray | None = None,
) -> tuple[Callable[[int, int], Key], Callable[[int, int], Key]]:
    """Per-pair preference keys written out plainly (higher is better)."""
    n, m = problem.shape
    tp = np.arange(n) if tee_prio is None else tee_prio
    rp = np.arange(m) if tor_prio is None else tor_prio
    tee_lists = [list(p) for p in problem.mentee_preferences or [[]] * n]
    tor_lists = [list(p) for p in problem.mentor_preferences or [[]] * m]

    def tee_key(i: int, j: int) -> Key:
        lst = tee_lists[i]
        level = len(lst) - lst.index(j) if j in lst else 0
        return (level, float(problem.scores[i, j]), -int(rp[j]))

    def tor_key(j: int, i: int) -> Key:
        lst = tor_lists[j]
        level = len(lst) - lst.index(i) if i in lst else 0
        return (level, float(problem.scores[i, j]), -int(tp[i]))

    return tee_key, tor_key


def _naive_blocking(
    problem: MatchingProblem,
    pairs: Pairs,
    tee_prio: np.ndarray | None = None,
    tor_prio: np.ndarray | None = None,
) -> Pairs:
    """Blocking pairs by the definition, one pair at a time."""
    tee_key, tor_key = _naive_keys(problem, tee_prio, tor_prio)
    n, m = problem.shape
    out: Pairs = set()
    for i in range(n):
        for j in range(m):
            if not problem.allowed[i, j] or (i, j) in pairs:
                continue
            mine = [b for a, b in pairs if a == i]
            theirs = [a for a, b in pairs if b == j]
            tee_wants = len(mine) < problem.mentee_demand[i] or any(
                tee_key(i, j) > tee_key(i, b) for b in mine
            )
            tor_wants = problem.mentor_capacity[j] > 0 and (
                len(theirs) < problem.mentor_capacity[j]
                or any(tor_key(j, i) > tor_key(j, a) for a in theirs)
            )
            if tee_wants and tor_wants:
                out.add((i, j))
    return out


def _all_stable(problem: MatchingProblem) -> list[Pairs]:
    """Every stable matching of a tiny demand-1 problem, by enumeration."""
    tee, tor = np.nonzero(problem.allowed & (problem.mentor_capacity > 0)[None, :])
    n, m = problem.shape
    found: list[Pairs] = []
    for bits in itertools.product((False, True), repeat=tee.size):
        sel = np.array(bits, dtype=bool)
        if (np.bincount(tee[sel], minlength=n) > 1).any():
            continue
        if (np.bincount(tor[sel], minlength=m) > problem.mentor_capacity).any():
            continue
        pairs = set(zip(tee[sel].tolist(), tor[sel].tolist(), strict=True))
        if not _naive_blocking(problem, pairs):
            found.append(pairs)
    return found


def _as_set(pairs: np.ndarray) -> Pairs:
    return {(int(a), int(b)) for a, b in pairs}


# --- stability ----------------------------------------------------------------


@pytest.mark.parametrize("proposer", ["mentees", "mentors"])
@given(problem=problems(max_mentees=12, max_mentors=8, integer_scores=True))
def test_no_blocking_pairs_from_scores(proposer: str, problem: MatchingProblem) -> None:
    """Both proposer sides give a matching with no blocking pair (scores, ties)."""
    r = solve(problem, Stable(proposer=proposer))
    assert r.status is Status.FEASIBLE
    assert r.metrics.blocking_pairs == 0
    assert not _naive_blocking(problem, _as_set(r.pair_indices))


@pytest.mark.parametrize("proposer", ["mentees", "mentors"])
@given(problem=preference_problems())
def test_no_blocking_pairs_with_stated_preferences(
    proposer: str, problem: MatchingProblem
) -> None:
    """Stated rankings come first; the result has no blocking pair either way."""
    r = solve(problem, Stable(proposer=proposer))
    assert r.metrics.blocking_pairs == 0
    assert not _naive_blocking(problem, _as_set(r.pair_indices))


@settings(max_examples=40)
@given(
    problem=preference_problems(max_mentees=4, max_mentors=3).filter(
        lambda p: int(p.allowed.sum()) <= 10
    )
)
def test_proposer_optimal_against_all_stable_matchings(
    problem: MatchingProblem,
) -> None:
    """Mentee proposing is mentee-optimal, mentor proposing mentee-pessimal.

    Every stable matching is enumerated; no stable matching gives any mentee
    a better partner than the mentee-proposing result, nor a worse one than
    the mentor-proposing result (which is the mentor-optimal matching).
    """
    stable = _all_stable(problem)
    assert stable, "a stable matching always exists"
    tee_key, _ = _naive_keys(problem)
    unmatched: Key = (-1, -np.inf, 0)

    def partner_key(pairs: Pairs, i: int) -> Key:
        js = [b for a, b in pairs if a == i]
        return tee_key(i, js[0]) if js else unmatched

    best = _as_set(solve(problem, Stable(proposer="mentees")).pair_indices)
    worst = _as_set(solve(problem, Stable(proposer="mentors")).pair_indices)
    assert best in stable
    assert worst in stable
    for i in range(problem.n_mentees):
        for other in stable:
            assert partner_key(best, i) >= partner_key(other, i)
            assert partner_key(worst, i) <= partner_key(other, i)


# --- the matching package, side by side ---------------------------------------


def _random_hr(
    rng: np.random.Generator, n: int, m: int
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, int]]:
    """Random incomplete hospital/residents lists, some capacities 0."""
    res = [f"r{i}" for i in range(n)]
    hos = [f"h{j}" for j in range(m)]
    res_prefs = {
        r: [hos[j] for j in rng.permutation(m)[: rng.integers(0, m + 1)]] for r in res
    }
    hos_prefs = {
        h: [res[i] for i in rng.permutation(n)[: rng.integers(0, n + 1)]] for h in hos
    }
    caps = {h: int(rng.integers(0, 3)) for h in hos}
    return res_prefs, hos_prefs, caps


def _matching_solve(
    res_prefs: dict[str, list[str]],
    hos_prefs: dict[str, list[str]],
    caps: dict[str, int],
    optimal: str,
) -> set[tuple[str, str]]:
    """Solve with ``matching`` after cleaning the game the way it expects.

    ``matching`` needs mutual lists, non-empty lists and positive capacities
    (its own ``clean=True`` can crash when removing a zero-capacity hospital
    empties a resident's list), so the same cleaning is done here first.
    """
    from matching.games import HospitalResident

    live = {h for h, c in caps.items() if c > 0}
    rp = {
        r: [h for h in lst if h in live and r in hos_prefs[h]]
        for r, lst in res_prefs.items()
    }
    hp = {h: [r for r in hos_prefs[h] if h in rp[r]] for h in live}
    rp = {r: lst for r, lst in rp.items() if lst}
    hp = {h: lst for h, lst in hp.items() if lst}
    if not rp or not hp:
        return set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(
            rp, hp, {h: caps[h] for h in hp}
        )
        matching = game.solve(optimal=optimal)
    return {(r.name, h.name) for h, rs in matching.items() for r in rs}


@pytest.mark.parametrize(
    ("proposer", "optimal"), [("mentees", "resident"), ("mentors", "hospital")]
)
@given(
    n=st.integers(1, 14),
    m=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_same_matching_as_the_matching_package(
    proposer: str, optimal: str, n: int, m: int, seed: int
) -> None:
    """Identical matchings to ``matching.games.HospitalResident`` on random HR.

    Incomplete and one-sided lists, zero-capacity hospitals and more residents
    than seats included; resident-optimal vs mentees proposing and
    hospital-optimal vs mentors proposing.
    """
    rng = np.random.default_rng(seed)
    res_prefs, hos_prefs, caps = _random_hr(rng, n, m)
    problem = from_preferences(res_prefs, hos_prefs, caps)
    r = solve(problem, Stable(proposer=proposer))
    ours = {(p.mentee_id, p.mentor_id) for p in r.pairs}
    assert ours == _matching_solve(res_prefs, hos_prefs, caps, optimal)
    assert r.metrics.blocking_pairs == 0


# --- requests -----------------------------------------------------------------


def _small() -> MatchingProblem:
    rng = np.random.default_rng(3)
    return MatchingProblem.from_scores(rng.random((6, 3)), mentor_capacity=2)


@pytest.mark.parametrize(
    ("problem", "kwargs"),
    [
        (_small(), {"objective": "maxmin"}),
        (_small().replace(mentee_demand=2), {}),
        (_small().replace(mentor_min_load=1), {}),
        (
            _small(),
            {"constraints": [GroupQuota(0.5, groups={"m-0": "a", "m-1": "b"})]},
        ),
        (_small(), {"constraints": [ScoreParity(0.1, groups={"m-0": "a"})]}),
        (_small(), {"constraints": [BalancedLoad()]}),
    ],
    ids=["maxmin", "demand-2", "min-load", "group-quota", "score-parity", "balanced"],
)
def test_unsupported_requests_raise(problem: MatchingProblem, kwargs: dict) -> None:
    """Anything deferred acceptance cannot honour raises UnsupportedError."""
    with pytest.raises(UnsupportedError, match="stable"):
        solve(problem, "stable", **kwargs)


@pytest.mark.parametrize("objective", ["total", "coverage"])
def test_score_objectives_run_and_report_feasible(objective: str) -> None:
    """``total`` and ``coverage`` run deferred acceptance; status is FEASIBLE."""
    r = solve(_small(), "stable", objective=objective)
    assert r.status is Status.FEASIBLE
    assert r.solver == "stable"
    assert r.metrics.matched_slots == 6


def test_registered_but_not_in_auto() -> None:
    """``stable`` is in the registry; ``auto`` never picks it."""
    from alummatch.solvers import AUTO_ORDER

    assert isinstance(REGISTRY["stable"], Stable)
    assert "stable" not in AUTO_ORDER


def test_bad_options_are_rejected() -> None:
    """An unknown proposer or tie-break fails at construction, not silently."""
    with pytest.raises(ValueError, match="proposer"):
        Stable(proposer="alumni")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tie_break"):
        Stable(tie_break="coin")  # type: ignore[arg-type]


@given(problem=problems(max_mentees=8, max_mentors=5), data=st.data())
def test_pair_constraints_are_honoured(
    problem: MatchingProblem, data: st.DataObject
) -> None:
    """Forbidden, MinScore and Pinned hold; the rest is stable for what is left.

    Stability is checked on the residual market: pinned pairs fixed, their
    seats taken, forbidden and low-score pairs not acceptable.
    """
    tee, tor = np.nonzero(problem.allowed & (problem.mentor_capacity > 0)[None, :])
    if tee.size < 2:
        return
    a, b = data.draw(
        st.lists(st.integers(0, tee.size - 1), min_size=2, max_size=2, unique=True)
    )
    ids = problem.mentee_ids, problem.mentor_ids
    forb = (ids[0][tee[a]], ids[1][tor[a]])
    pin = (ids[0][tee[b]], ids[1][tor[b]])
    cons = [Forbidden([forb]), Pinned([pin]), MinScore(0.2)]
    r = solve(problem, "stable", constraints=cons)
    if r.status is Status.INFEASIBLE:
        assert problem.scores[tee[b], tor[b]] < 0.2
        return
    chosen = {(p.mentee_id, p.mentor_id) for p in r.pairs}
    assert pin in chosen
    assert forb not in chosen
    free = r.pair_indices[
        ~((r.pair_indices[:, 0] == tee[b]) & (r.pair_indices[:, 1] == tor[b]))
    ]
    assert (problem.scores[free[:, 0], free[:, 1]] >= 0.2).all()
    allowed = problem.allowed & (problem.scores >= 0.2)
    allowed[tee[a], tor[a]] = False
    allowed[tee[b], :] = False  # the pinned mentee's slot is taken
    residual = problem.replace(
        allowed=allowed,
        mentor_capacity=problem.mentor_capacity
        - np.bincount([tor[b]], minlength=problem.n_mentors),
    )
    assert blocking_pairs(residual, free).shape == (0, 2)


def test_inputs_are_not_mutated() -> None:
    """The problem's arrays are untouched (they are read-only anyway)."""
    p = _small()
    before = (p.scores.copy(), p.allowed.copy(), p.mentor_capacity.copy())
    solve(p, Stable(proposer="mentors"))
    assert np.array_equal(p.scores, before[0])
    assert np.array_equal(p.allowed, before[1])
    assert np.array_equal(p.mentor_capacity, before[2])


# --- ties -----------------------------------------------------------------------


def test_index_tie_break_prefers_lower_index() -> None:
    """With equal scores, the lower-index mentor and mentee win."""
    p = MatchingProblem.from_scores(np.ones((3, 3)))
    r = solve(p, "stable")
    assert r.pair_indices.tolist() == [[0, 0], [1, 1], [2, 2]]


def test_random_tie_break_is_reproducible_and_stable() -> None:
    """A seeded random tie-break gives the same matching twice, stable for its
    own priorities, and other seeds give other matchings."""
    rng = np.random.default_rng(5)
    p = MatchingProblem.from_scores(
        rng.integers(0, 2, size=(40, 12)).astype(float), mentor_capacity=3
    )
    solver = Stable(tie_break="random")
    a = solve(p, solver, seed=7)
    b = solve(p, solver, seed=7)
    assert np.array_equal(a.pair_indices, b.pair_indices)
    tp, rp = solver.tie_priorities(p, seed=7)
    assert blocking_pairs(
        p, a.pair_indices, mentee_priority=tp, mentor_priority=rp
    ).shape == (0, 2)
    others = {
        tuple(map(tuple, solve(p, solver, seed=s).pair_indices.tolist()))
        for s in range(5)
    }
    assert len(others) > 1


# --- blocking pairs ---------------------------------------------------------------


@given(
    problem=st.one_of(
        problems(max_mentees=7, max_mentors=5, max_demand=2, integer_scores=True),
        preference_problems(),
    ),
    data=st.data(),
)
def test_blocking_pairs_match_naive_reference(
    problem: MatchingProblem, data: st.DataObject
) -> None:
    """The vectorised blocking pairs equal a per-pair reference, for arbitrary
    feasible matchings (demand up to 2, stated rankings, random priorities)."""
    tee, tor = np.nonzero(problem.allowed)
    picks = data.draw(st.lists(st.booleans(), min_size=tee.size, max_size=tee.size))
    sel = np.array(picks, dtype=bool)
    n, m = problem.shape
    for k in np.nonzero(sel)[0]:  # drop pairs that break a capacity or demand
        sel[k] = False
        ok_t = (tee[sel] == tee[k]).sum() < problem.mentee_demand[tee[k]]
        ok_r = (tor[sel] == tor[k]).sum() < problem.mentor_capacity[tor[k]]
        sel[k] = ok_t and ok_r
    pairs = np.stack([tee[sel], tor[sel]], axis=1)
    use_prio = data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    tp = rng.permutation(n) if use_prio else None
    rp = rng.permutation(m) if use_prio else None
    got = blocking_pairs(problem, pairs, mentee_priority=tp, mentor_priority=rp)
    assert _as_set(got) == _naive_blocking(problem, _as_set(pairs), tp, rp)


def test_preference_ranks_follow_the_policy() -> None:
    """Stated first (in order), then scores, ties by index."""
    p = MatchingProblem.from_scores(
        [[0.5, 0.9, 0.5, 0.1]], mentee_preferences=[[3]], mentor_capacity=1
    )
    ranks = preference_ranks(p, "mentees")
    assert ranks.tolist() == [[2, 1, 3, 0]]


def test_stated_rank_beats_huge_scores_exactly() -> None:
    """Stated rankings dominate even scores near the float limits (no shifting)."""
    p = MatchingProblem.from_scores(
        [[1e308, -1e308], [1e308, 1e308]],
        mentee_preferences=[[1, 0], []],
        mentor_preferences=[[], [0, 1]],
    )
    pairs, _ = deferred_acceptance(p)
    assert _as_set(pairs) == {(0, 1), (1, 0)}
    assert blocking_pairs(p, pairs).shape == (0, 2)


# --- from_preferences --------------------------------------------------------------


def test_from_preferences_builds_mutual_problem() -> None:
    """Only mutually listed pairs are allowed; rankings and capacities kept."""
    p = from_preferences(
        {"s1": ["a", "b"], "s2": ["b"], "s3": []},
        {"a": ["s1", "s2"], "b": ["s2"]},
        {"a": 2, "b": 0},
    )
    assert p.mentee_ids == ("s1", "s2", "s3")
    assert p.mentor_ids == ("a", "b")
    assert p.allowed.tolist() == [[True, False], [False, True], [False, False]]
    assert p.mentor_capacity.tolist() == [2, 0]
    assert p.scores[0, 0] == 1.0
    assert p.mentee_preferences is not None
    assert [x.tolist() for x in p.mentee_preferences] == [[0, 1], [1], []]


def test_from_preferences_reports_every_problem() -> None:
    """Unknown ids, repeats, missing, unknown and bad capacities, all at once."""
    with pytest.raises(InvalidInputError) as err:
        from_preferences(
            {"s1": ["a", "zz", "a"], "s2": ["b"]},
            {"a": ["s1", "ghost"], "b": ["s2"], "c": []},
            {"a": -1, "b": 1.5, "x": 1},  # type: ignore[dict-item]
        )
    text = str(err.value)
    for needle in ["'zz'", "'ghost'", "more than once", "'c'", "'x'", "-1", "1.5"]:
        assert needle in text
    assert len(err.value.problems) == 7


def test_mentor_optimal_small_known_case() -> None:
    """A 3 x 3 instance whose two optimal stable matchings differ by side."""
    tee = {"x": ["A", "B", "C"], "y": ["B", "C", "A"], "z": ["C", "A", "B"]}
    tor = {"A": ["y", "z", "x"], "B": ["z", "x", "y"], "C": ["x", "y", "z"]}
    p = from_preferences(tee, tor, dict.fromkeys(tor, 1))

    def ids(proposer: str) -> set[tuple[str, str]]:
        r = solve(p, Stable(proposer=proposer))  # type: ignore[arg-type]
        return {(q.mentee_id, q.mentor_id) for q in r.pairs}

    assert ids("mentees") == {("x", "A"), ("y", "B"), ("z", "C")}
    assert ids("mentors") == {("y", "A"), ("z", "B"), ("x", "C")}


# --- larger instances (refills, windows, long rejection chains) -------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("proposer", "optimal"), [("mentees", "resident"), ("mentors", "hospital")]
)
def test_same_matching_as_the_matching_package_larger(
    seed: int, proposer: str, optimal: str
) -> None:
    """Side by side with ``matching`` on 150 x 40 instances, long lists included,
    so that proposers refill their lists and skip futile choices many times."""
    rng = np.random.default_rng(100 + seed)
    res_prefs, hos_prefs, caps = _random_hr(rng, 150, 40)
    problem = from_preferences(res_prefs, hos_prefs, caps)
    r = solve(problem, Stable(proposer=proposer))
    ours = {(p.mentee_id, p.mentor_id) for p in r.pairs}
    assert ours == _matching_solve(res_prefs, hos_prefs, caps, optimal)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("proposer", ["mentees", "mentors"])
@pytest.mark.parametrize("kind", ["ties", "sparse", "stated"])
def test_no_blocking_pairs_larger(seed: int, proposer: str, kind: str) -> None:
    """No blocking pair on 400 x 120 problems with heavy ties, sparse allowed
    masks or stated rankings (lists far longer than the first block)."""
    rng = np.random.default_rng(seed)
    n, m = 400, 120
    scores = rng.integers(0, 3, size=(n, m)).astype(float)
    allowed = rng.random((n, m)) < (0.2 if kind == "sparse" else 0.95)
    p = MatchingProblem.from_scores(
        scores, allowed=allowed, mentor_capacity=rng.integers(0, 4, size=m)
    )
    if kind == "stated":
        p = p.replace(
            mentee_preferences=[
                rng.permutation(m)[: rng.integers(0, 40)] for _ in range(n)
            ],
            mentor_preferences=[
                rng.permutation(n)[: rng.integers(0, 200)] for _ in range(m)
            ],
        )
    pairs, _ = deferred_acceptance(p, proposer=proposer)
    assert blocking_pairs(p, pairs).shape == (0, 2)
    assert (np.bincount(pairs[:, 1], minlength=m) <= p.mentor_capacity).all()
    assert (np.bincount(pairs[:, 0], minlength=n) <= 1).all()
    assert p.allowed[pairs[:, 0], pairs[:, 1]].all()


# --- candidate problems (build_problem(..., candidates=k)) -------------------------


@cache
def _cohort_problems(
    n: int, m: int, seed: int, k: int
) -> tuple[MatchingProblem, MatchingProblem]:
    """Dense and candidate problems of one synthetic cohort, demand 1.

    Synthetic cohorts state rankings on both sides, so these are honoured too.
    """
    cohort = synthetic_cohort(n, m, seed=seed)
    dense = build_problem(cohort).replace(mentee_demand=1)
    cand = build_problem(cohort, candidates=k).replace(mentee_demand=1)
    return dense, cand


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(5, 40),
    m=st.integers(2, 12),
    seed=st.integers(0, 3),
    k=st.integers(1, 3),
    tie_break=st.sampled_from(["index", "random"]),
    data=st.data(),
)
def test_candidate_problem_gives_the_dense_matching_on_cohorts(
    n: int, m: int, seed: int, k: int, tie_break: str, data: st.DataObject
) -> None:
    """Random cohorts, capacities and seeds, few candidates: the matching of the
    dense problem, pair for pair, so it is stable over every allowed pair."""
    dense, cand = _cohort_problems(n, m, seed, k)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    cap = rng.integers(0, 4, m)
    dense = dense.replace(mentor_capacity=cap)
    cand = cand.replace(mentor_capacity=cap)
    solver = Stable(tie_break=tie_break)  # type: ignore[arg-type]
    seed_ = data.draw(st.integers(0, 100))
    a = solve(dense, solver, seed=seed_)
    b = solve(cand, solver, seed=seed_)
    np.testing.assert_array_equal(b.pair_indices, a.pair_indices)
    assert b.status is Status.FEASIBLE
    assert b.objective == a.objective
    tp, rp = solver.tie_priorities(dense, seed_)
    assert blocking_pairs(
        dense, b.pair_indices, mentee_priority=tp, mentor_priority=rp
    ).shape == (0, 2)


@settings(max_examples=80, deadline=None)
@given(
    pair=dense_and_candidate_problems(),
    tie_break=st.sampled_from(["index", "random"]),
    seed=st.integers(0, 100),
)
def test_candidate_problem_gives_the_dense_matching_with_ties_and_rankings(
    pair: tuple[MatchingProblem, MatchingProblem], tie_break: str, seed: int
) -> None:
    """Tied and negative scores, a reserve or the build's bytes or neither,
    stated rankings on either side: the dense problem's matching."""
    dense, cand = pair
    solver = Stable(tie_break=tie_break)  # type: ignore[arg-type]
    a = solve(dense, solver, seed=seed)
    b = solve(cand, solver, seed=seed)
    np.testing.assert_array_equal(b.pair_indices, a.pair_indices)
    tp, rp = solver.tie_priorities(dense, seed)
    direct, _ = deferred_acceptance(cand, mentee_priority=tp, mentor_priority=rp)
    assert _as_set(direct) == _as_set(a.pair_indices)


def test_small_k_rescores_rows_and_keeps_the_dense_matching() -> None:
    """One candidate per mentee, seats short: mentees run out of candidates,
    their rows are re-scored, and the matching is still the dense one."""
    dense, cand = _cohort_problems(150, 40, 2, 1)
    a = solve(dense, "stable")
    b = solve(cand, "stable")
    np.testing.assert_array_equal(b.pair_indices, a.pair_indices)
    assert b.info["rescored_rows"] > 0
    assert b.info["rounds"] >= 1
    assert b.metrics.blocking_pairs is None  # not computed on candidates
    assert blocking_pairs(dense, b.pair_indices).shape == (0, 2)


def test_every_mentor_a_candidate_rescores_nothing() -> None:
    """k >= mentors: every list is known from the start, no row is re-scored."""
    dense, cand = _cohort_problems(60, 12, 1, 12)
    a = solve(dense, "stable")
    b = solve(cand, "stable")
    np.testing.assert_array_equal(b.pair_indices, a.pair_indices)
    assert b.info["rescored_rows"] == 0


def test_mentor_proposing_is_refused_on_candidate_problems() -> None:
    """Mentors proposing would need whole columns: refused, naming what works."""
    _, cand = _cohort_problems(30, 10, 0, 2)
    with pytest.raises(UnsupportedError, match="proposer='mentees'") as err:
        solve(cand, Stable(proposer="mentors"))
    assert "candidate problem" in str(err.value)
    assert "flow" in str(err.value)
    with pytest.raises(ValueError, match="proposer='mentees'"):
        deferred_acceptance(cand, proposer="mentors")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"objective": "maxmin"},
        {"constraints": [BalancedLoad()]},
    ],
    ids=["maxmin", "balanced"],
)
def test_unsupported_requests_on_candidates_raise(kwargs: dict) -> None:
    """What deferred acceptance or a candidate problem cannot honour is refused."""
    _, cand = _cohort_problems(30, 10, 0, 2)
    with pytest.raises(UnsupportedError):
        solve(cand, "stable", **kwargs)


def test_stated_mentor_outside_the_candidates_comes_first() -> None:
    """A mentee that ranks its worst allowed mentor first (and a forbidden one
    before it) gets that mentor on a candidate problem too, as on the dense."""
    from alummatch.scoring.candidates import select_candidates

    s = np.array(
        [[0.9, 0.8, 0.1, 0.5], [0.7, 0.9, 0.2, 0.4], [0.6, 0.5, 0.3, 0.8]],
        dtype=np.float32,
    )
    ok = np.ones(s.shape, dtype=bool)
    ok[0, 3] = False

    def rows(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return s[idx], ok[idx]

    cs = select_candidates(rows, 3, 4, 1, block_size=2, n_jobs=1, k_mentor=0)
    prefs = [np.array([3, 2]), np.array([], dtype=int), np.array([], dtype=int)]
    dense = MatchingProblem.from_scores(
        s.astype(float), allowed=ok, mentee_preferences=prefs
    )
    cand = MatchingProblem.from_candidates(cs, mentee_preferences=prefs)
    a = solve(dense, "stable")
    b = solve(cand, "stable")
    np.testing.assert_array_equal(b.pair_indices, a.pair_indices)
    assert [0, 2] in b.pair_indices.tolist()
    assert b.info["rescored_rows"] >= 1


def test_unmatched_reasons_on_candidates_equal_the_dense_ones() -> None:
    """Mentors without seats and seats short: the same mentees wait, for the
    same reasons, on the candidate problem as on the dense one."""
    dense, cand = _cohort_problems(300, 60, 4, 3)
    cap = np.r_[np.zeros(10, dtype=int), np.full(50, 2)]
    a = solve(dense.replace(mentor_capacity=cap), "stable")
    b = solve(cand.replace(mentor_capacity=cap), "stable")
    assert a.unmatched
    assert b.unmatched == a.unmatched
    assert b.objective == a.objective
