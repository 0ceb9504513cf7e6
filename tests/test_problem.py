"""Tests of MatchingProblem construction and validation."""

from __future__ import annotations

import numpy as np
import pytest

from alummatch.errors import InvalidInputError
from alummatch.problem import CandidateSet, MatchingProblem
from alummatch.scoring.candidates import select_candidates


def test_scalars_broadcast_and_ids_default() -> None:
    """Scalar capacity, min load and demand broadcast; ids default to m-k / a-k."""
    p = MatchingProblem.from_scores(
        np.zeros((3, 2)), mentor_capacity=2, mentee_demand=1
    )
    assert p.mentor_capacity.tolist() == [2, 2]
    assert p.mentor_min_load.tolist() == [0, 0]
    assert p.mentee_demand.tolist() == [1, 1, 1]
    assert p.mentee_ids == ("m-0", "m-1", "m-2")
    assert p.mentor_ids == ("a-0", "a-1")
    assert p.allowed.all()


def test_arrays_are_read_only_copies() -> None:
    """The problem copies the caller's arrays and cannot be modified."""
    s = np.ones((2, 2))
    p = MatchingProblem.from_scores(s)
    s[0, 0] = 5.0
    assert p.scores[0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        p.scores[0, 0] = 2.0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scores_rejected(bad: float) -> None:
    """NaN and inf scores are an InvalidInputError naming the position."""
    s = np.zeros((2, 3))
    s[1, 2] = bad
    with pytest.raises(InvalidInputError, match="row 1, column 2"):
        MatchingProblem.from_scores(s)


def test_every_problem_listed_at_once() -> None:
    """Several bad arguments are reported together, each naming its argument."""
    with pytest.raises(InvalidInputError) as info:
        MatchingProblem.from_scores(
            [[0.1, np.nan]],
            mentor_capacity=[-1, 1],
            mentee_demand=0,
            allowed=np.ones((2, 2), dtype=bool),
            mentor_ids=["a", "a"],
        )
    where = [p.where for p in info.value.problems]
    assert where == [
        "scores",
        "mentor_capacity",
        "mentee_demand",
        "allowed",
        "mentor_ids",
    ]
    assert isinstance(info.value, ValueError)


def test_wrong_dimensions() -> None:
    """A 1-D score array names the shape it got."""
    with pytest.raises(
        InvalidInputError, match=r"expected a 2-D array, got shape \(3,\)"
    ):
        MatchingProblem.from_scores([1.0, 2.0, 3.0])


def test_min_load_above_capacity_rejected() -> None:
    """A minimum load above capacity is bad input, not infeasibility."""
    with pytest.raises(InvalidInputError, match="exceeds mentor_capacity"):
        MatchingProblem.from_scores(
            np.zeros((2, 2)), mentor_capacity=1, mentor_min_load=[2, 0]
        )


def test_non_boolean_allowed_rejected() -> None:
    """An allowed mask must be boolean, not 0/1 numbers that might be scores."""
    with pytest.raises(InvalidInputError, match="boolean"):
        MatchingProblem.from_scores(np.zeros((2, 2)), allowed=np.ones((2, 2)))


def test_replace_validates() -> None:
    """replace() returns a new validated problem and leaves the original alone."""
    p = MatchingProblem.from_scores(np.zeros((2, 2)))
    q = p.replace(mentor_capacity=[3, 0])
    assert q.mentor_capacity.tolist() == [3, 0]
    assert p.mentor_capacity.tolist() == [1, 1]
    with pytest.raises(InvalidInputError):
        p.replace(mentee_demand=[0, 1])
    with pytest.raises(TypeError, match="unknown"):
        p.replace(colour="red")


def test_preferences_validated() -> None:
    """Stated rankings must list distinct, in-range indices."""
    with pytest.raises(InvalidInputError, match="distinct indices"):
        MatchingProblem.from_scores(np.zeros((1, 2)), mentee_preferences=[[0, 0]])
    p = MatchingProblem.from_scores(np.zeros((1, 2)), mentee_preferences=[[1]])
    assert p.mentee_preferences is not None
    assert p.mentee_preferences[0].tolist() == [1]


def test_replace_scores_drops_the_stale_context() -> None:
    """New scores are never explained with the old components (a bug once)."""
    from alummatch import build_problem, solve
    from alummatch.datasets import load_sample

    p = build_problem(load_sample())
    assert p.context is not None
    flat = p.replace(scores=np.full(p.shape, 0.5))
    assert flat.context is None
    r = solve(flat, "flow")
    assert all(pair.components == {} for pair in r.pairs)
    assert all(pair.score == 0.5 for pair in r.pairs)
    kept = p.replace(mentor_capacity=2)
    assert kept.context is p.context  # capacities do not change the facts


def test_solver_figures_reach_the_result() -> None:
    """What a solver reports in its output's info is in ``result.info``."""
    from alummatch import solve

    r = solve(MatchingProblem.from_scores([[0.9, 0.2], [0.8, 0.1]]), "stable")
    assert r.info["rounds"] >= 1


def _candidate_set() -> tuple[np.ndarray, np.ndarray, CandidateSet]:
    """A 6 x 40 matrix (every eighth pair disallowed) as candidates (k = 2)
    with a reserve of 3 and the build's bytes."""
    rng = np.random.default_rng(0)
    s = rng.random((6, 40)).astype(np.float32)
    ok = (np.arange(6)[:, None] + np.arange(40)) % 8 != 0

    def rows(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return s[idx], ok[idx]

    return s, ok, select_candidates(rows, 6, 40, 2, block_size=4, n_jobs=1, reserve=3)


def test_candidate_set_without_pairs_drops_and_disallows_them() -> None:
    """``without``: removed candidates and reserve pairs dropped (the reserve
    kept first in each row), re-scored rows disallow them, bounds unchanged."""
    s, ok, cs = _candidate_set()
    assert cs.reserve_mentors is not None

    def odd_mentors(tee: np.ndarray, tor: np.ndarray, sc: np.ndarray) -> np.ndarray:
        out: np.ndarray = (tor % 2 == 1) | (sc < 0.2)
        return out

    out = cs.without(odd_mentors)
    gone = odd_mentors(cs.mentees(), cs.mentors, cs.scores)
    np.testing.assert_array_equal(out.mentors, cs.mentors[~gone])
    np.testing.assert_array_equal(out.scores, cs.scores[~gone])
    np.testing.assert_array_equal(out.mentees(), cs.mentees()[~gone])
    assert out.reserve_mentors is not None
    assert out.reserve_scores is not None
    for i in range(6):
        row = cs.reserve_mentors[i]
        keep = [j for j in row if j >= 0 and j % 2 == 0 and s[i, j] >= 0.2]
        got = out.reserve_mentors[i]
        assert got[: len(keep)].tolist() == keep
        assert (got[len(keep) :] == -1).all()
        assert np.isneginf(out.reserve_scores[i, len(keep) :]).all()
    np.testing.assert_array_equal(out.bound, cs.bound)
    assert out.upper is cs.upper
    sc, al = out.rescore(np.array([4, 1]))
    assert sc.dtype == np.float64
    np.testing.assert_array_equal(sc, s[[4, 1]].astype(np.float64))
    np.testing.assert_array_equal(
        al,
        ok[[4, 1]] & ~odd_mentors(None, np.arange(40), s[[4, 1]]),  # type: ignore[arg-type]
    )


def test_pair_reads_of_a_reduced_candidate_problem_see_the_removal() -> None:
    """``pair_scores`` keep the scores; ``pair_allowed`` says removed pairs are
    not allowed, inside and outside the candidates."""
    s, ok, cs = _candidate_set()
    out = cs.without(lambda tee, tor, sc: tor < 20)
    p = MatchingProblem.from_candidates(out)
    tee, tor = np.repeat(np.arange(6), 40), np.tile(np.arange(40), 6)
    np.testing.assert_array_equal(p.pair_scores(tee, tor), s.ravel().astype(float))
    np.testing.assert_array_equal(p.pair_allowed(tee, tor), ok.ravel() & (tor >= 20))
