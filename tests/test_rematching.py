"""Tests of rematch(): the mentees named move, nobody else does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alummatch as am
from alummatch import History, InvalidInputError, MatchingProblem
from alummatch.constraints import FromHistory


def _term(problem: MatchingProblem, pairs: list[tuple[int, int]]) -> History:
    return History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": [problem.mentee_ids[i] for i, _ in pairs],
                "mentor_id": [problem.mentor_ids[j] for _, j in pairs],
                "term": "2026-spring",
                "status": "active",
            },
            columns=["mentee_id", "mentor_id", "term", "status"],
        )
    )


@settings(max_examples=30)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 9),
    m=st.integers(2, 6),
    solver=st.sampled_from(["auto", "greedy", "flow", "hungarian"]),
)
def test_rematch_moves_exactly_the_mentees_named(
    seed: int, n: int, m: int, solver: str
) -> None:
    """After a solve, rematching some mentees changes only their mentors."""
    rng = np.random.default_rng(seed)
    problem = MatchingProblem.from_scores(
        rng.random((n, m)), mentor_capacity=rng.integers(1, 4, size=m)
    )
    first = am.solve(problem, "flow")
    pairs = [(int(i), int(j)) for i, j in first.pair_indices]
    history = _term(problem, pairs)
    matched = sorted({problem.mentee_ids[i] for i, _ in pairs})
    named = list(
        rng.choice(matched, size=rng.integers(1, len(matched) + 1), replace=False)
    )
    result, new_history = am.rematch(problem, history, named, solver=solver)
    assert result.is_feasible()
    before = {(problem.mentee_ids[i], problem.mentor_ids[j]) for i, j in pairs}
    after = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    # nobody else moved
    assert {p for p in before if p[0] not in named} == {
        p for p in after if p[0] not in named
    }
    # the named never get their old mentor back
    assert not {p for p in before if p[0] in named} & after
    # the history records the end and the new pairs, and nothing else
    f = new_history.to_frame()
    ended = set(
        zip(
            f.loc[f.status == "ended", "mentee_id"],
            f.loc[f.status == "ended", "mentor_id"],
            strict=True,
        )
    )
    assert ended == {p for p in before if p[0] in named}
    assert set(new_history.active_pairs()) == after


def test_rematch_only_matches_the_named_not_the_waitlist() -> None:
    """A mentee who was left out is not matched by someone else's rematch."""
    problem = MatchingProblem.from_scores(
        [[0.9, 0.5, 0.2], [0.8, 0.7, 0.4], [0.3, 0.3, 0.3]], mentor_capacity=1
    )
    history = _term(problem, [(0, 0), (1, 1)])
    result, _ = am.rematch(problem, history, ["m-1"])
    got = [(p.mentee_id, p.mentor_id) for p in result.pairs]
    assert got == [("m-0", "a-0"), ("m-1", "a-2")]
    assert "m-2" in result.unmatched


def test_rematch_never_restores_the_ended_pair() -> None:
    """The only other mentor is full: the mentee stays unmatched, not restored."""
    problem = MatchingProblem.from_scores([[0.9, 0.5], [0.8, 0.7]], mentor_capacity=1)
    history = _term(problem, [(0, 0), (1, 1)])
    result, new_history = am.rematch(problem, history, "m-1")
    assert [(p.mentee_id, p.mentor_id) for p in result.pairs] == [("m-0", "a-0")]
    assert "m-1" in result.unmatched
    assert new_history.active_pairs() == [("m-0", "a-0")]
    again = am.solve(problem, "flow", constraints=[FromHistory(new_history)])
    assert ("m-1", "a-1") not in {(p.mentee_id, p.mentor_id) for p in again.pairs}


def test_rematch_rejects_unknown_mentees_before_solving() -> None:
    """Every unknown id, a bad status and an empty history without term at once."""
    problem = MatchingProblem.from_scores([[0.9]])
    with pytest.raises(InvalidInputError) as info:
        am.rematch(problem, History(), ["nobody", "ghost"], status="completed")
    assert len(info.value.problems) == 4
