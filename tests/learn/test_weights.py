"""Tests of fit_weights: known weights recovered, intervals, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alummatch import Cohort, History, InvalidInputError, build_problem
from alummatch.datasets import synthetic_cohort, synthetic_history
from alummatch.learn import WeightFit, fit_weights
from alummatch.scoring import default_scorer

TRUTH = {"industry": 0.45, "goals": 0.1, "availability": 0.35, "expectations": 0.1}


def _cosine(fit: WeightFit, truth: dict[str, float]) -> float:
    w = np.array([fit.weights[k] for k in truth])
    t = np.array(list(truth.values()))
    return float(w @ t / np.linalg.norm(w) / np.linalg.norm(t))


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """A past cohort of 900 mentees (about 750 pairs)."""
    return synthetic_cohort(900, 450, seed=21)


@pytest.mark.parametrize(("noise", "floor"), [(0.5, 0.97), (1.0, 0.93)])
def test_recovers_known_weights(cohort: Cohort, noise: float, floor: float) -> None:
    """At half a point and a full point of rating noise, close to the truth."""
    past = synthetic_history(cohort, TRUTH, noise=noise, response_rate=0.6, seed=5)
    fit = fit_weights(cohort, past, "satisfaction", n_bootstrap=50)
    assert _cosine(fit, TRUTH) >= floor
    assert sum(fit.weights.values()) == pytest.approx(1.0)
    assert min(fit.weights.values()) >= 0
    assert max(fit.weights, key=fit.weights.__getitem__) == "industry"
    assert fit.cv.startswith("grouped by term")


def test_unsurveyed_pairs_are_not_used(cohort: Cohort) -> None:
    """n_pairs counts the surveyed pairs only; the others are counted apart."""
    past = synthetic_history(cohort, TRUTH, response_rate=0.5, seed=6)
    f = past.to_frame()
    fit = fit_weights(cohort, past, "satisfaction", n_bootstrap=10)
    assert fit.n_pairs == int(f["satisfaction"].notna().sum())
    assert fit.n_unsurveyed == int(f["satisfaction"].isna().sum())
    # marking unsurveyed pairs as the worst rating would change the fit
    worst = History.from_frame(f.fillna({"satisfaction": 1.0}))
    other = fit_weights(cohort, worst, "satisfaction", n_bootstrap=10)
    assert other.n_pairs == len(f)
    assert other.weights != fit.weights


def test_fit_is_reproducible_and_table_and_scorer(cohort: Cohort) -> None:
    """Same seed, same intervals; to_frame and scorer() carry the weights."""
    past = synthetic_history(cohort, TRUTH, seed=7)
    a = fit_weights(cohort, past, "satisfaction", seed=3, n_bootstrap=30)
    b = fit_weights(cohort, past, "satisfaction", seed=3, n_bootstrap=30)
    assert a.intervals == b.intervals
    table = a.to_frame()
    assert list(table.columns) == ["criterion", "weight", "low", "high", "coef"]
    assert (table["low"] <= table["weight"] + 1e-12).all()
    assert (table["weight"] <= table["high"] + 1e-12).all()
    scorer = a.scorer()
    assert scorer.weights == a.weights
    problem = build_problem(cohort, scorer=scorer)
    assert problem.shape == (cohort.n_mentees, cohort.n_mentors)


def test_plot_draws_bars_with_intervals(cohort: Cohort) -> None:
    """plot() returns axes with one bar a criterion (no pyplot state)."""
    past = synthetic_history(cohort, TRUTH, seed=8)
    fit = fit_weights(cohort, past, "satisfaction", n_bootstrap=10)
    ax = fit.plot(reference=dict(default_scorer().weights or {}))
    assert len(ax.patches) == 4
    assert "satisfaction" in ax.get_title()


def test_unknown_outcome_column_is_named(cohort: Cohort) -> None:
    """The error lists the outcome columns the history has."""
    past = synthetic_history(cohort, TRUTH, seed=9)
    with pytest.raises(InvalidInputError, match=r"'happiness'.*satisfaction"):
        fit_weights(cohort, past, "happiness")


def test_too_few_pairs_says_so(cohort: Cohort) -> None:
    """Under 30 surveyed pairs: an error with the count."""
    past = synthetic_history(cohort, TRUTH, seed=10)
    few = History.from_frame(past.to_frame().dropna().head(20))
    with pytest.raises(InvalidInputError, match=r"too few pairs.*20 surveyed"):
        fit_weights(cohort, few, "satisfaction")


def test_constant_outcome_says_so(cohort: Cohort) -> None:
    """Every pair rated 4: nothing to learn, and the error says why."""
    f = synthetic_history(cohort, TRUTH, seed=11).to_frame()
    f["satisfaction"] = 4.0
    with pytest.raises(InvalidInputError, match="constant outcome"):
        fit_weights(cohort, History.from_frame(f), "satisfaction")


def test_people_absent_from_the_cohort_are_counted_and_skipped(
    cohort: Cohort,
) -> None:
    """Rows naming someone not in the cohort are skipped, not fatal."""
    f = synthetic_history(cohort, TRUTH, seed=12).to_frame()
    extra = pd.DataFrame(
        {
            "mentee_id": ["left-1", f.loc[0, "mentee_id"]],
            "mentor_id": [f.loc[0, "mentor_id"], "left-2"],
            "term": f["term"].iloc[-1],  # the latest term: rows stay in term order
            "status": "completed",
            "satisfaction": [5.0, 1.0],
        }
    )
    h = History.from_frame(pd.concat([f, extra], ignore_index=True))
    fit = fit_weights(cohort, h, "satisfaction", n_bootstrap=10)
    assert fit.n_skipped == 2
    assert fit.n_pairs == int(f["satisfaction"].notna().sum())


@pytest.mark.slow
def test_intervals_cover_the_truth_at_the_stated_rate() -> None:
    """Over 40 seeded histories, 90 % intervals hold the true weight >= 80 % of
    the time for each criterion (binomial slack for 40 trials)."""
    cohort = synthetic_cohort(700, 350, seed=31)
    hits = np.zeros(len(TRUTH))
    trials = 40
    for seed in range(trials):
        past = synthetic_history(cohort, TRUTH, noise=0.5, seed=100 + seed)
        fit = fit_weights(
            cohort, past, "satisfaction", seed=seed, n_bootstrap=200, level=0.9
        )
        for k, name in enumerate(TRUTH):
            low, high = fit.intervals[name]
            hits[k] += low <= TRUTH[name] <= high
    assert (hits / trials >= 0.8).all(), dict(zip(TRUTH, hits / trials, strict=True))


class _SameField:
    """An extra criterion: 1 when mentee and mentor studied the same field."""

    name = "field"

    def fit(self, cohort: Cohort) -> _SameField:
        self.tee_ = np.array([m.field_of_study for m in cohort.mentees])
        self.tor_ = np.array([m.field_of_study for m in cohort.mentors])
        return self

    def score(self, mentee_idx: np.ndarray) -> np.ndarray:
        same = self.tee_[mentee_idx][:, None] == self.tor_[None, :]
        return same.astype(np.float32)

    def explain(self, mentee: int, mentor: int) -> str:
        return f"fields {self.tee_[mentee]} / {self.tor_[mentor]}"


def test_extra_criteria_are_weighted_like_built_ins(cohort: Cohort) -> None:
    """A programme's own criterion gets its weight from the outcomes too."""
    scorer = default_scorer(extra=[_SameField()])
    truth = {"goals": 0.4, "field": 0.4, "expectations": 0.2}
    past = synthetic_history(cohort, truth, scorer=scorer, noise=0.5, seed=13)
    fit = fit_weights(cohort, past, "satisfaction", scorer=scorer, n_bootstrap=10)
    assert set(fit.weights) == {*TRUTH, "field"}
    assert fit.weights["field"] > 0.25
    assert fit.scorer().weights is not None
    assert fit.scorer().weights["field"] == fit.weights["field"]


def test_any_integer_seed_is_accepted() -> None:
    """A negative seed works as it does for solve() (it once crashed numpy)."""
    from alummatch.datasets import synthetic_cohort, synthetic_history
    from alummatch.learn import fit_weights

    cohort = synthetic_cohort(200, 100, seed=2)
    past = synthetic_history(cohort, {"goals": 1.0}, noise=0.3, response_rate=1, seed=2)
    a = fit_weights(cohort, past, "satisfaction", seed=-1)
    b = fit_weights(cohort, past, "satisfaction", seed=-1)
    assert a.weights == b.weights
