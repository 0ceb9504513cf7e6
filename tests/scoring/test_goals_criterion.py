"""Tests of the goals criterion against a per-pair reference."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from alummatch.datasets import synthetic_cohort
from alummatch.profiles import Cohort
from alummatch.scoring import GoalsCriterion


def _cohort() -> Cohort:
    base = synthetic_cohort(30, 12, seed=4)
    tees = [m.model_dump() for m in base.mentees]
    tees[0]["goals"] = []  # no goals: text only
    tees[1]["about"] = ""  # no text: coverage only
    tees[2]["goals"], tees[2]["about"] = [], ""  # neither: 0
    tors = [m.model_dump() for m in base.mentors]
    tors[0]["about"] = ""
    return Cohort(mentors=tors, mentees=tees)


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """A synthetic cohort with some empty goals and texts."""
    return _cohort()


def _reference(cohort: Cohort, tw: float) -> np.ndarray:
    texts = [m.about for m in cohort.mentees] + [m.about for m in cohort.mentors]
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    x = x.toarray()
    n = cohort.n_mentees
    out = np.zeros((n, cohort.n_mentors))
    for i, a in enumerate(cohort.mentees):
        for j, b in enumerate(cohort.mentors):
            wc = (1 - tw) if a.goals else 0.0
            cov = len(a.goals & b.goals) / len(a.goals) if a.goals else 0.0
            both = bool(a.about.strip()) and bool(b.about.strip())
            wt = tw if both else 0.0
            cos = float(x[i] @ x[n + j]) if both else 0.0
            no_data = not (a.goals or a.about.strip()) or not (
                b.goals or b.about.strip()
            )
            out[i, j] = (
                np.nan if no_data or wc + wt <= 0 else (wc * cov + wt * cos) / (wc + wt)
            )
    return out


@pytest.mark.parametrize("tw", [0.3, 0.0, 1.0])
def test_scores_equal_reference(cohort: Cohort, tw: float) -> None:
    """Block and pair scores equal the reference blend of coverage and cosine."""
    crit = GoalsCriterion(text_weight=tw).fit(cohort)
    ref = _reference(cohort, tw)
    got = crit.score(np.arange(cohort.n_mentees))
    np.testing.assert_allclose(got, ref, atol=1e-5)
    i, j = np.indices(ref.shape).reshape(2, -1)
    np.testing.assert_allclose(crit.score_pairs(i, j), ref[i, j], atol=1e-5)
    assert np.nanmin(got) >= 0.0
    assert np.nanmax(got) <= 1.0 + 1e-6
    assert np.all(np.isnan(got[2]))


def test_mentee_without_goals_or_text_abstains() -> None:
    """Empty goals and texts everywhere: no data, the criterion abstains (NaN)."""
    c = Cohort(
        mentors=[{"id": "a", "industry": "software", "timezone": "UTC"}],
        mentees=[{"id": "m", "industry": "software", "timezone": "UTC"}],
    )
    crit = GoalsCriterion().fit(c)
    assert np.isnan(crit.score(np.array([0]))).all()
    assert np.isnan(crit.score_pairs(np.array([0]), np.array([0]))).all()


def test_explain_lists_shared_and_missing_goals() -> None:
    """The sentence lists the covered goals, the uncovered ones and the counts."""
    c = Cohort(
        mentors=[
            {
                "id": "a",
                "industry": "software",
                "timezone": "UTC",
                "goals": "networking;cv-review;leadership",
                "about": "Engineer who loves mentoring",
            }
        ],
        mentees=[
            {
                "id": "m",
                "industry": "software",
                "timezone": "UTC",
                "goals": "networking;cv-review;startups",
                "about": "Student who wants an engineer as mentor",
            }
        ],
    )
    crit = GoalsCriterion().fit(c)
    text = crit.explain(0, 0)
    assert "2 of the mentee's 3 goals" in text
    assert "cv-review, networking" in text
    assert "not covered: startups" in text
    assert "similarity" in text
