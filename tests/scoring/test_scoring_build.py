"""Tests of build_problem on cohorts: arrays, rules, preferences, context."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alummatch.constraints import MaxTimezoneGap, SharedLanguage
from alummatch.datasets import load_sample, synthetic_cohort
from alummatch.errors import InvalidInputError
from alummatch.problem import ProblemContext
from alummatch.profiles import Cohort
from alummatch.scoring import default_scorer
from alummatch.scoring.build import build_problem

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def small() -> Cohort:
    """The small cohort of tests/data (m-3 speaks only Japanese)."""
    return Cohort.from_csv(DATA / "small_mentors.csv", DATA / "small_mentees.csv")


def test_arrays_ids_and_preferences(small: Cohort) -> None:
    """Scores are float64 in [0, 1]; capacities, demands, ids, rankings filled."""
    p = build_problem(small)
    assert p.shape == (4, 3)
    assert p.scores.dtype == np.float64
    assert 0.0 <= p.scores.min() <= p.scores.max() <= 1.0
    assert p.mentor_capacity.tolist() == [2, 1, 3]
    assert p.mentor_min_load.tolist() == [0, 0, 1]
    assert p.mentee_demand.tolist() == [1, 2, 1, 1]
    assert p.mentee_ids == ("m-1", "m-2", "m-3", "m-4")
    assert p.mentee_preferences is not None
    assert [a.tolist() for a in p.mentee_preferences] == [[0, 2], [], [], []]
    assert p.mentor_preferences is not None
    assert p.mentor_preferences[0].tolist() == [1]
    assert not p.scores.flags.writeable


def test_default_language_rule_and_replacement(small: Cohort) -> None:
    """Shared language is on by default; SharedLanguage(enabled=False) lifts it."""
    p = build_problem(small)
    assert not p.allowed[2].any()  # m-3 speaks only 'ja'
    assert p.allowed[[0, 1, 3]].all()
    q = build_problem(small, rules=[SharedLanguage(enabled=False)])
    assert q.allowed.all()
    r = build_problem(small, rules=[MaxTimezoneGap(2)])
    # Chicago (-6) is within 2 h of New York (-5) only; Paris (+1) of Berlin, London
    assert r.allowed[3].tolist() == [False, False, True]
    assert r.allowed[0].tolist() == [True, True, False]


def test_scores_equal_scorer_pair_scores() -> None:
    """The matrix equals the scorer's vectorised pair scores, in any block size."""
    c = synthetic_cohort(37, 11, seed=3)
    p = build_problem(c, block_size=5, n_jobs=2)
    q = build_problem(c, block_size=1000, n_jobs=1)
    np.testing.assert_array_equal(p.scores, q.scores)
    np.testing.assert_array_equal(p.allowed, q.allowed)
    assert p.context is not None
    i, j = np.indices(p.shape).reshape(2, -1)
    comps = p.context.pair_components(i, j)
    assert set(comps) == {"industry", "goals", "availability", "expectations"}
    scorer = p.context.scorer  # type: ignore[attr-defined]
    np.testing.assert_allclose(p.scores[i, j], scorer.pair_scores(i, j), atol=1e-6)


def test_given_scorer_is_not_fitted_in_place(small: Cohort) -> None:
    """build_problem fits a copy: the caller's scorer stays unfitted."""
    scorer = default_scorer({"industry": 1.0})
    build_problem(small, scorer=scorer)
    assert not hasattr(scorer, "criteria_")


def test_context_protocol_and_explanations(small: Cohort) -> None:
    """The context explains pairs with facts and reads attributes and fields."""
    p = build_problem(small)
    ctx = p.context
    assert isinstance(ctx, ProblemContext)
    lines = ctx.explain_pair(0, 0)
    assert len(lines) == 4
    assert "same industry" in lines[0]
    assert "interview-prep" in lines[1]
    assert "h/week" in lines[2]
    assert "frequency both weekly" in lines[3]
    assert ctx.explain_no_allowed(2) == (
        "shared language: speaks only 'ja', no mentor speaks it"
    )
    fg = ctx.mentee_attribute("first_generation")
    assert fg is not None
    assert fg.tolist() == ["yes", "no", None, "no"]
    loc = ctx.mentee_attribute("location")
    assert loc is not None
    assert loc.tolist()[:2] == ["Paris", "London"]
    assert ctx.mentee_attribute("shoe_size") is None


def test_explain_no_allowed_capacity_and_combined_rules() -> None:
    """Zero capacity everywhere, and rules that only jointly exclude, are named."""
    rec = {"industry": "software", "timezone": "UTC"}
    c = Cohort(
        mentors=[{"id": "a", **rec, "capacity": 0}],
        mentees=[{"id": "m", **rec}],
    )
    p = build_problem(c)
    assert p.context is not None
    assert p.context.explain_no_allowed(0) == "every mentor has capacity 0"
    c2 = Cohort(
        mentors=[
            {"id": "a", "industry": "software", "timezone": "Asia/Tokyo"},
            {"id": "b", "industry": "software", "timezone": "UTC", "languages": "de"},
        ],
        mentees=[{"id": "m", **rec}],
    )
    p2 = build_problem(c2, rules=[MaxTimezoneGap(3)])
    assert not p2.allowed.any()
    assert p2.context is not None
    text = p2.context.explain_no_allowed(0)
    assert text.startswith("no mentor passes every rule at once")
    assert "shared language" in text
    assert "maximum time-zone gap" in text


def test_bad_arguments_are_reported() -> None:
    """A non-cohort and a bad block size are both listed."""
    with pytest.raises(InvalidInputError) as info:
        build_problem("cohort", block_size=0)  # type: ignore[arg-type]
    assert len(info.value.problems) == 2


def test_sample_cohort_builds_with_unmatchable_mentees() -> None:
    """The bundled sample has Spanish-only mentees that no mentor can take."""
    p = build_problem(load_sample())
    assert p.shape == (80, 30)
    blocked = [p.mentee_ids[i] for i in np.nonzero(~p.allowed.any(axis=1))[0]]
    assert blocked == ["m-33", "m-71"]
    assert p.context is not None
    assert "'es'" in p.context.explain_no_allowed(p.mentee_ids.index("m-33"))


def test_mentee_wait_reaches_the_problem() -> None:
    """Mentee.wait (a CSV column 'wait') becomes MatchingProblem.mentee_wait."""
    c = Cohort(
        mentors=[{"id": "a"}],
        mentees=[{"id": "m", "wait": "2.0"}, {"id": "n"}],
    )
    assert build_problem(c).waits.tolist() == [2, 0]
    none = Cohort(mentors=[{"id": "a"}], mentees=[{"id": "m"}])
    assert build_problem(none).mentee_wait is None


def test_longer_wait_is_matched_first_from_a_csv_column(tmp_path: Path) -> None:
    """One seat, two equal mentees: the one with wait 1 gets it."""
    import alummatch as am

    pd.DataFrame([{"id": "a"}]).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame([{"id": "m", "wait": 0}, {"id": "n", "wait": 1}]).to_csv(
        tmp_path / "e.csv", index=False
    )
    c = Cohort.from_csv(tmp_path / "t.csv", tmp_path / "e.csv")
    result = am.solve(build_problem(c), "flow")
    assert [p.mentee_id for p in result.pairs] == ["n"]
