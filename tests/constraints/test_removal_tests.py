"""Pair filters' two forms agree: the dense mask and the pair test.

Candidate problems ask each filter for ``removal_test(problem)`` and call it
on listed pairs (1-D) and on whole rows (2-D broadcast views); the built-in
filters must say there what their masks say.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch import MatchingProblem
from alummatch.constraints import Forbidden, FromHistory, MinScore, listed_pairs
from alummatch.testing import MaskFilter, check_pair_filter
from tests.strategies import problems, problems_with_history


@settings(max_examples=25, deadline=None)
@given(problem=problems(max_demand=2), data=st.data())
def test_forbidden_and_min_score_tests_agree_with_their_masks(
    problem: MatchingProblem, data: st.DataObject
) -> None:
    """Random pairs forbidden, a threshold at a score (ties): both forms agree."""
    n, m = problem.shape
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    flat = rng.choice(n * m, int(rng.integers(0, n * m + 1)), replace=True)
    ids = [(problem.mentee_ids[f // m], problem.mentor_ids[f % m]) for f in flat]
    check_pair_filter(Forbidden(ids), problem)
    threshold = float(problem.scores.flat[rng.integers(n * m)])
    check_pair_filter(MinScore(threshold), problem)
    check_pair_filter(MaskFilter(rng.random((n, m)) < 0.3), problem)


@settings(max_examples=25, deadline=None)
@given(data=problems_with_history())
def test_from_history_test_agrees_with_its_mask(
    data: tuple[MatchingProblem, object],
) -> None:
    """Past pairs (and not the active ones) in both forms, for either option."""
    problem, history = data
    for repeat in ("never", "completed"):
        check_pair_filter(FromHistory(history, repeat=repeat), problem)  # type: ignore[arg-type]


def test_listed_pairs_on_rows_and_on_pairs() -> None:
    """Listed pairs found among listed pairs and in whole rows; none listed."""
    test = listed_pairs(np.array([[2, 1], [0, 3], [2, 1]]), 4)
    rows = np.array([2, 1, 0])
    tee = np.broadcast_to(rows[:, None], (3, 4))
    tor = np.broadcast_to(np.arange(4), (3, 4))
    got = test(tee, tor, np.zeros((3, 4)))
    want = np.zeros((3, 4), dtype=bool)
    want[0, 1] = want[2, 3] = True
    np.testing.assert_array_equal(got, want)
    assert test(np.array([0, 2, 1]), np.array([3, 1, 1]), np.zeros(3)).tolist() == [
        True,
        True,
        False,
    ]
    empty = listed_pairs(np.empty((0, 2), dtype=np.intp), 4)
    assert not empty(tee, tor, np.zeros((3, 4))).any()


def test_min_score_tests_the_scores_it_is_given() -> None:
    """MinScore compares the scores handed to it (float64), not the problem's."""
    p = MatchingProblem.from_scores([[0.9, 0.1]])
    test = MinScore(0.5).removal_test(p)
    got = test(np.array([0, 0]), np.array([0, 1]), np.array([0.2, 0.7]))
    assert got.tolist() == [True, False]


def test_a_filter_whose_two_forms_disagree_fails_the_check() -> None:
    """The conformance check names the filter and what differs."""

    class Wrong(MaskFilter):
        def removal_test(self, problem: MatchingProblem):  # type: ignore[no-untyped-def]
            return lambda tee, tor, scores: np.zeros(np.shape(scores), dtype=bool)

    p = MatchingProblem.from_scores(np.random.default_rng(0).random((4, 3)))
    mask = np.zeros((4, 3), dtype=bool)
    mask[1, 2] = True
    with pytest.raises(AssertionError, match="mask at listed pairs") as err:
        check_pair_filter(Wrong(mask, name="wrong"), p)
    assert "'wrong'" in str(err.value)


def test_a_filter_without_a_pair_test_fails_the_check() -> None:
    """A filter with only ``removed`` is told it lacks ``removal_test``."""

    class DenseOnly:
        name = "dense only"

        def removed(self, problem: MatchingProblem) -> np.ndarray:
            return np.zeros(problem.shape, dtype=bool)

    with pytest.raises(AssertionError, match="has removal_test"):
        check_pair_filter(DenseOnly(), MatchingProblem.from_scores([[1.0]]))
