"""Tests of the weighted Scorer and the default scorer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch.datasets import synthetic_cohort
from alummatch.errors import InvalidInputError
from alummatch.profiles import CRITERIA, Cohort
from alummatch.scoring import (
    DEFAULT_WEIGHTS,
    IndustryCriterion,
    Scorer,
    default_scorer,
)

COHORT = synthetic_cohort(30, 14, seed=9)


def _components(scorer: Scorer, cohort: Cohort) -> dict[str, np.ndarray]:
    i, j = np.indices((cohort.n_mentees, cohort.n_mentors)).reshape(2, -1)
    comps = scorer.pair_components(i, j)
    return {k: v.reshape(cohort.n_mentees, cohort.n_mentors) for k, v in comps.items()}


def _reference(cohort: Cohort, weights: dict[str, float], factor: float) -> np.ndarray:
    scorer = default_scorer(weights).fit(cohort)
    comps = _components(scorer, cohort)
    out = np.zeros((cohort.n_mentees, cohort.n_mentors))
    for i, m in enumerate(cohort.mentees):
        w = {k: float(weights.get(k, DEFAULT_WEIGHTS[k])) for k in CRITERIA}
        if m.priority is not None:
            w[m.priority] *= factor
        total = sum(w.values())
        out[i] = sum(w[k] / total * comps[k][i] for k in CRITERIA)
    return out


def test_combined_score_equals_weighted_components_with_priority() -> None:
    """Blocks equal the per-mentee weighted mean, the priority counting double."""
    weights = {"industry": 0.4, "goals": 0.1, "availability": 0.3, "expectations": 0.2}
    scorer = default_scorer(weights).fit(COHORT)
    got = scorer.score(np.arange(COHORT.n_mentees))
    ref = _reference(COHORT, weights, 2.0)
    np.testing.assert_allclose(got, ref, atol=1e-5)
    i, j = np.indices(ref.shape).reshape(2, -1)
    np.testing.assert_allclose(scorer.pair_scores(i, j), ref[i, j], atol=1e-6)
    assert any(m.priority for m in COHORT.mentees)


def test_priority_doubles_that_criterion_weight() -> None:
    """A mentee whose priority is industry gets industry weight 2w / (1 + w)."""
    tees = [m.model_dump() for m in COHORT.mentees]
    tees[0]["priority"] = "industry"
    tees[1]["priority"] = None
    c = Cohort(mentors=COHORT.mentors, mentees=tees)
    scorer = default_scorer().fit(c)
    w = DEFAULT_WEIGHTS["industry"]
    k = scorer.names_.index("industry")
    assert scorer.row_weights_[0, k] == pytest.approx(2 * w / (1 + w))
    assert scorer.row_weights_[1, k] == pytest.approx(w)
    np.testing.assert_allclose(scorer.row_weights_.sum(axis=1), 1.0, atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(
    weights=st.dictionaries(
        st.sampled_from(CRITERIA), st.floats(0, 10, allow_nan=False), min_size=4
    ).filter(lambda w: sum(w.values()) > 0),
    factor=st.floats(0.5, 5),
)
def test_scores_stay_in_unit_interval(weights: dict[str, float], factor: float) -> None:
    """Whatever the weights and priority factor, every score is in [0, 1]."""
    scorer = default_scorer(weights, priority_factor=factor).fit(COHORT)
    got = scorer.score(np.arange(COHORT.n_mentees))
    assert got.shape == (COHORT.n_mentees, COHORT.n_mentors)
    assert got.min() >= 0.0
    assert got.max() <= 1.0


def test_fit_does_not_touch_the_given_criteria() -> None:
    """The scorer fits copies; the criteria passed in stay unfitted."""
    crit = IndustryCriterion(sector_credit=0.25)
    scorer = Scorer([crit]).fit(COHORT)
    assert not hasattr(crit, "table_")
    assert scorer.criteria_[0] is not crit
    assert scorer.criteria_[0].sector_credit == 0.25  # type: ignore[attr-defined]


def test_bad_weights_are_reported_together() -> None:
    """Unknown names and negative weights are listed in one error."""
    with pytest.raises(InvalidInputError) as info:
        default_scorer({"charisma": 1, "goals": -1})
    assert len(info.value.problems) == 2
    with pytest.raises(InvalidInputError, match="duplicate"):
        Scorer([IndustryCriterion(), IndustryCriterion()]).fit(COHORT)
    with pytest.raises(RuntimeError, match="not fitted"):
        Scorer([IndustryCriterion()]).score(np.arange(2))


def test_explain_gives_one_sentence_per_criterion_with_score() -> None:
    """Explanations carry each criterion's name, score and weight."""
    scorer = default_scorer().fit(COHORT)
    lines = scorer.explain(0, 0)
    comps = scorer.pair_components(np.array([0]), np.array([0]))
    assert [line.split(" ")[0] for line in lines] == list(CRITERIA)
    for line, name in zip(lines, CRITERIA, strict=True):
        assert f"{name} {comps[name][0]:.2f}" in line
