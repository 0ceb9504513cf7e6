"""Tests of replay: per-term re-matching graded by cross-fitted models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alummatch import Cohort, History, InvalidInputError
from alummatch.datasets import synthetic_cohort, synthetic_history
from alummatch.learn import REPLAY_COLUMNS, fit_weights, replay
from alummatch.scoring import default_scorer

TRUTH = {"industry": 0.45, "goals": 0.1, "availability": 0.35, "expectations": 0.1}


@pytest.fixture(scope="module")
def past() -> tuple[Cohort, History]:
    """Three past terms of a 700-mentee cohort."""
    cohort = synthetic_cohort(700, 350, seed=41)
    return cohort, synthetic_history(cohort, TRUTH, n_terms=3, seed=42)


def test_one_row_a_term_with_every_column(past: tuple[Cohort, History]) -> None:
    """A row per term; actual pairs replayed with the hand scorer mostly recur."""
    cohort, history = past
    table = replay(cohort, history, default_scorer(), "satisfaction", solver="flow")
    assert list(table.columns) == list(REPLAY_COLUMNS)
    assert list(table["term"]) == list(history.terms)
    f = history.to_frame()
    assert table["actual_pairs"].sum() == len(f)
    assert table["n_observed"].sum() == f["satisfaction"].notna().sum()
    assert (table["coverage"] > 0.9).all()
    assert ((table["overlap"] >= 0) & (table["overlap"] <= 1)).all()
    assert table["predicted_new"].notna().all()
    # each term is graded by the two others
    assert (table["n_train"] == table["n_observed"].sum() - table["n_observed"]).all()


def test_a_term_never_grades_itself(past: tuple[Cohort, History]) -> None:
    """Changing term-1's outcomes changes its observed mean, not its predictions."""
    cohort, history = past
    f = history.to_frame()
    rng = np.random.default_rng(0)
    in_t1 = (f["term"] == "term-1") & f["satisfaction"].notna()
    g = f.copy()
    g.loc[in_t1, "satisfaction"] = rng.integers(1, 6, size=int(in_t1.sum()))
    a = replay(cohort, history, default_scorer(), "satisfaction").set_index("term")
    b = replay(cohort, History.from_frame(g), default_scorer(), "satisfaction")
    b = b.set_index("term")
    cols = ["predicted_actual", "predicted_new"]
    pd.testing.assert_frame_equal(a.loc[["term-1"], cols], b.loc[["term-1"], cols])
    assert a.at["term-1", "observed_mean"] != b.at["term-1", "observed_mean"]
    # the other terms are graded with term-1's outcomes, so theirs move
    assert not np.allclose(
        a.loc[["term-2", "term-3"], cols], b.loc[["term-2", "term-3"], cols]
    )


def test_learned_weights_predict_better_pairs_than_hand_weights(
    past: tuple[Cohort, History],
) -> None:
    """Graded by the same model, the learned scorer's pairs predict higher."""
    cohort, history = past
    fit = fit_weights(cohort, history, "satisfaction", n_bootstrap=10)
    grader = default_scorer()
    hand = replay(cohort, history, default_scorer(), "satisfaction", grader=grader)
    learned = replay(cohort, history, fit.scorer(), "satisfaction", grader=grader)
    assert (learned["predicted_new"] > hand["predicted_new"]).all()


def test_single_term_gives_no_prediction(past: tuple[Cohort, History]) -> None:
    """With one term there is nothing to cross-fit on: NaN, n_train 0."""
    cohort, history = past
    f = history.to_frame()
    one = History.from_frame(f[f["term"] == "term-2"])
    table = replay(cohort, one, default_scorer(), "satisfaction")
    assert table["predicted_new"].isna().all()
    assert table.loc[0, "n_train"] == 0


_ORDER = {"term-1": 1, "term-2": 2, "term-3": 3, "term-4": 4}


def test_people_absent_from_the_cohort_are_counted_and_skipped(
    past: tuple[Cohort, History],
) -> None:
    """Rows naming someone not in the cohort: counted per term, not fatal."""
    cohort, history = past
    f = history.to_frame()
    extra = pd.DataFrame(
        {
            "mentee_id": ["left-1", "left-2", f.loc[0, "mentee_id"]],
            "mentor_id": [f.loc[0, "mentor_id"], "x", "gone"],
            "term": ["term-1", "term-1", "term-4"],
            "status": "completed",
            "satisfaction": [5.0, 1.0, 3.0],
        }
    )
    rows = pd.concat([f, extra], ignore_index=True)
    # a history keeps each term's rows together, oldest term first
    rows = rows.sort_values("term", kind="stable", key=lambda t: t.map(_ORDER))
    h = History.from_frame(rows)
    table = replay(cohort, h, default_scorer(), "satisfaction").set_index("term")
    assert table["skipped_rows"].to_dict() == {
        "term-1": 2,
        "term-2": 0,
        "term-3": 0,
        "term-4": 1,
    }
    assert np.isnan(table.at["term-4", "coverage"])
    plain = replay(cohort, history, default_scorer(), "satisfaction").set_index("term")
    cols = ["coverage", "overlap", "predicted_new"]
    pd.testing.assert_frame_equal(table.loc[plain.index, cols], plain[cols])


def test_unknown_outcome_column(past: tuple[Cohort, History]) -> None:
    """An unknown outcome is an input error naming the columns."""
    cohort, history = past
    with pytest.raises(InvalidInputError, match="meetings"):
        replay(cohort, history, default_scorer(), "meetings")
