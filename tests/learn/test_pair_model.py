"""Tests of PairModel: a learned criterion with monotone constraints."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression

from alummatch import Cohort, History, InvalidInputError, build_problem, solve
from alummatch.datasets import synthetic_cohort, synthetic_history, true_rating
from alummatch.learn import PairModel
from alummatch.scoring import Criterion, default_scorer

TRUTH = {"industry": 0.1, "goals": 0.5, "availability": 0.05, "expectations": 0.35}


@pytest.fixture(scope="module")
def past() -> tuple[Cohort, History]:
    """A rated past cohort."""
    cohort = synthetic_cohort(700, 400, seed=51)
    return cohort, synthetic_history(cohort, TRUTH, seed=52)


def test_is_a_criterion_with_scores_in_unit_range(
    past: tuple[Cohort, History],
) -> None:
    """fit/score/score_pairs/explain, scores in [0, 1], rows match pairs."""
    cohort, history = past
    model = PairModel(
        HistGradientBoostingRegressor(max_iter=30),
        past=cohort,
        history=history,
        outcome="satisfaction",
    )
    assert isinstance(model, Criterion)
    now = synthetic_cohort(40, 20, seed=3)
    model.fit(now)
    block = model.score(np.arange(5, dtype=np.intp))
    assert block.shape == (5, 20)
    assert block.min() >= 0
    assert block.max() <= 1
    i = np.array([0, 3, 4], dtype=np.intp)
    j = np.array([7, 0, 19], dtype=np.intp)
    np.testing.assert_allclose(model.score_pairs(i, j), block[i, j], rtol=1e-6)
    text = model.explain(0, 7)
    assert text.startswith("predicted satisfaction")
    assert "goals" in text


def test_monotone_constraints_set_where_supported(
    past: tuple[Cohort, History],
) -> None:
    """HistGradientBoosting gets monotonic_cst; the given estimator is untouched."""
    cohort, history = past
    given = HistGradientBoostingRegressor(max_iter=30)
    model = PairModel(given, past=cohort, history=history, outcome="satisfaction")
    model.fit(cohort)
    assert model.estimator_.get_params()["monotonic_cst"] == [1, 1, 1, 1]
    assert given.get_params()["monotonic_cst"] is None
    # raising a component never lowers the score
    x = np.tile(model.baseline_, (11, 1))
    x[:, 1] = np.linspace(0, 1, 11)
    assert (np.diff(model.estimator_.predict(x)) >= -1e-12).all()


def test_linear_contributions_are_coefficients_times_distance(
    past: tuple[Cohort, History],
) -> None:
    """For a linear model, a contribution is coef * (x - mean)."""
    cohort, history = past
    model = PairModel(
        LinearRegression(), past=cohort, history=history, outcome="satisfaction"
    ).fit(cohort)
    got = model.contributions(2, 5)
    x = (
        default_scorer()
        .fit(cohort)
        .pair_components(np.array([2], dtype=np.intp), np.array([5], dtype=np.intp))
    )
    coef = model.estimator_.coef_
    for k, name in enumerate(model.feature_names_):
        assert got[name] == pytest.approx(coef[k] * (x[name][0] - model.baseline_[k]))


def test_matching_with_the_learned_criterion_beats_hand_weights(
    past: tuple[Cohort, History],
) -> None:
    """On a new cohort, PairModel alone finds pairs with a higher true rating."""
    cohort, history = past
    now = synthetic_cohort(200, 80, seed=9)
    model = PairModel(
        HistGradientBoostingRegressor(max_iter=50, random_state=0),
        past=cohort,
        history=history,
        outcome="satisfaction",
    )
    learned = default_scorer(
        {"industry": 0, "goals": 0, "availability": 0, "expectations": 0},
        extra=[model],
    )

    def graded(scorer: object) -> float:
        r = solve(build_problem(now, scorer=scorer), "flow")  # type: ignore[arg-type]
        tee, tor = r.pair_indices[:, 0], r.pair_indices[:, 1]
        return float(true_rating(now, TRUTH, tee, tor).mean())

    assert graded(learned) > graded(default_scorer())


def test_needs_past_outcomes() -> None:
    """Without a past cohort and history: an input error that says so."""
    with pytest.raises(InvalidInputError, match="past cohort and its history"):
        PairModel().fit(synthetic_cohort(10, 5, seed=1))
