"""Tests of FromHistory as a pinning and a pair filter (its protocol methods)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from alummatch import History, MatchingProblem
from alummatch.constraints import FromHistory
from alummatch.constraints.base import PairFilter, Pinning
from tests.strategies import problems_with_history


def _history(rows: list[tuple[str, str, str, str]]) -> History:
    return History.from_frame(
        pd.DataFrame(rows, columns=["mentee_id", "mentor_id", "term", "status"])
    )


@pytest.fixture
def problem() -> MatchingProblem:
    """Four mentees, two mentors; a-0 has three seats."""
    return MatchingProblem.from_scores(np.full((4, 2), 0.5), mentor_capacity=[3, 1])


def test_is_both_a_pinning_and_a_pair_filter() -> None:
    """The protocols solve() dispatches on are both met."""
    c = FromHistory(History())
    assert isinstance(c, PairFilter)
    assert isinstance(c, Pinning)
    assert c.name == "FromHistory"


def test_active_pairs_pinned_past_pairs_removed(problem: MatchingProblem) -> None:
    """Two active pairs of a-0 are pinned; ended, declined, completed removed."""
    h = _history(
        [
            ("m-0", "a-0", "t1", "active"),
            ("m-1", "a-0", "t1", "active"),
            ("m-2", "a-0", "t1", "ended"),
            ("m-2", "a-1", "t1", "declined"),
            ("m-3", "a-1", "t1", "completed"),
        ]
    )
    c = FromHistory(h)
    assert c.validate(problem) == []
    assert c.pinned(problem).tolist() == [[0, 0], [1, 0]]
    expected = np.zeros((4, 2), dtype=bool)
    expected[2, 0] = expected[2, 1] = expected[3, 1] = True
    np.testing.assert_array_equal(c.removed(problem), expected)
    assert c.pinned(problem).dtype == np.intp


def test_repeat_completed_allows_completed_pairs(problem: MatchingProblem) -> None:
    """repeat='completed' removes only ended and declined pairs."""
    h = _history([("m-2", "a-0", "t1", "ended"), ("m-3", "a-1", "t1", "completed")])
    removed = FromHistory(h, repeat="completed").removed(problem)
    assert np.argwhere(removed).tolist() == [[2, 0]]


def test_rows_naming_absent_people_are_ignored_and_counted(
    problem: MatchingProblem,
) -> None:
    """A mentor who left and a mentee who graduated: ignored, counted in info."""
    h = _history(
        [
            ("m-0", "gone", "t1", "active"),
            ("old", "a-0", "t1", "ended"),
            ("m-1", "a-1", "t1", "active"),
        ]
    )
    c = FromHistory(h)
    assert c.pinned(problem).tolist() == [[1, 1]]
    assert not c.removed(problem).any()
    assert c.info(problem) == {
        "history_rows": 3,
        "history_rows_ignored": 2,
        "history_pinned": 1,
        "history_removed": 0,
    }


def test_pair_active_again_after_an_end_is_pinned_not_removed(
    problem: MatchingProblem,
) -> None:
    """The latest term decides: ended in t1, active in t2 is a continuing pair."""
    h = _history([("m-0", "a-1", "t1", "ended"), ("m-0", "a-1", "t2", "active")])
    c = FromHistory(h)
    assert c.pinned(problem).tolist() == [[0, 1]]
    assert not c.removed(problem).any()


def test_continuing_pair_in_two_terms_is_pinned_once(problem: MatchingProblem) -> None:
    """An active row in each of two terms pins the pair once."""
    h = _history([("m-0", "a-1", "t1", "active"), ("m-0", "a-1", "t2", "active")])
    assert FromHistory(h).pinned(problem).tolist() == [[0, 1]]


def test_validate_names_bad_arguments(problem: MatchingProblem) -> None:
    """A non-History and an unknown repeat option are both reported."""
    bad = FromHistory(pd.DataFrame(), repeat="sometimes")  # type: ignore[arg-type]
    fields = [p.field for p in bad.validate(problem)]
    assert fields == ["history", "repeat"]


def test_empty_history_does_nothing(problem: MatchingProblem) -> None:
    """No rows: nothing pinned, nothing removed."""
    c = FromHistory(History())
    assert c.pinned(problem).shape == (0, 2)
    assert not c.removed(problem).any()


def _reference(
    problem: MatchingProblem, history: History, repeat: str
) -> tuple[set[tuple[int, int]], set[tuple[int, int]], int]:
    """Pinned pairs, removed pairs and ignored rows, row by row."""
    tee, tor = problem.mentee_index(), problem.mentor_index()
    terms = {t: k for k, t in enumerate(history.terms)}
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    blocked = {"ended", "declined"} | ({"completed"} if repeat == "never" else set())
    past: set[tuple[int, int]] = set()
    ignored = 0
    for a, b, t, s in history.to_frame()[
        ["mentee_id", "mentor_id", "term", "status"]
    ].itertuples(index=False):
        if a not in tee or b not in tor:
            ignored += 1
            continue
        if (a, b) not in latest or terms[t] >= latest[(a, b)][0]:
            latest[(a, b)] = (terms[t], s)
        if s in blocked:
            past.add((tee[a], tor[b]))
    pinned = {(tee[a], tor[b]) for (a, b), (_, s) in latest.items() if s == "active"}
    return pinned, past - pinned, ignored


@given(problems_with_history())
def test_matches_a_row_by_row_reference(case: tuple[MatchingProblem, History]) -> None:
    """Pins, removals and ignored counts agree with a plain loop over the rows."""
    problem, history = case
    for repeat in ("never", "completed"):
        c = FromHistory(history, repeat=repeat)
        pinned, removed, ignored = _reference(problem, history, repeat)
        assert {tuple(p) for p in c.pinned(problem).tolist()} == pinned
        assert {tuple(p) for p in np.argwhere(c.removed(problem)).tolist()} == removed
        assert c.info(problem)["history_rows_ignored"] == ignored
