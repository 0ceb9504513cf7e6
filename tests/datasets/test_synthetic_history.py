"""Tests of synthetic_history: a past matching rated from a known truth."""

from __future__ import annotations

import numpy as np
import pytest

from alummatch import Cohort, History, InvalidInputError
from alummatch.datasets import synthetic_cohort, synthetic_history, true_rating


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """A small synthetic cohort."""
    return synthetic_cohort(200, 100, seed=4)


def test_shape_terms_and_response(cohort: Cohort) -> None:
    """Valid pairs of the cohort, two terms, about the response rate surveyed."""
    h = synthetic_history(cohort, {"goals": 1.0}, response_rate=0.6, seed=1)
    assert isinstance(h, History)
    f = h.to_frame()
    assert set(f["mentee_id"]) <= set(cohort.mentee_ids)
    assert set(f["mentor_id"]) <= set(cohort.mentor_ids)
    assert not f.duplicated(["mentee_id", "mentor_id"]).any()
    assert h.terms == ("term-1", "term-2")
    assert (f["status"] == "completed").all()
    rated = f["satisfaction"].dropna()
    assert set(rated.unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert 0.45 < len(rated) / len(f) < 0.75


def test_is_reproducible_for_a_seed(cohort: Cohort) -> None:
    """Same seed, same history; another seed, other ratings."""
    a = synthetic_history(cohort, {"industry": 1.0}, seed=3)
    assert a == synthetic_history(cohort, {"industry": 1.0}, seed=3)
    assert a != synthetic_history(cohort, {"industry": 1.0}, seed=4)


def test_without_noise_ratings_are_the_rounded_truth(cohort: Cohort) -> None:
    """noise=0 and full response: each rating is the rounded true rating."""
    truth = {"industry": 0.7, "availability": 0.3}
    h = synthetic_history(cohort, truth, noise=0.0, response_rate=1.0, seed=2)
    f = h.to_frame()
    tee = np.array([cohort.mentee_index()[m] for m in f["mentee_id"]])
    tor = np.array([cohort.mentor_index()[m] for m in f["mentor_id"]])
    expected = np.clip(np.rint(true_rating(cohort, truth, tee, tor)), 1, 5)
    np.testing.assert_array_equal(f["satisfaction"].to_numpy(), expected)


def test_bad_arguments_listed_together(cohort: Cohort) -> None:
    """Negative noise, a rate above 1 and an unknown criterion: one error."""
    with pytest.raises(InvalidInputError) as info:
        synthetic_history(cohort, {"charisma": 1.0}, noise=-1, response_rate=2)
    assert len(info.value.problems) == 2
    with pytest.raises(InvalidInputError, match="charisma"):
        synthetic_history(cohort, {"charisma": 1.0})
