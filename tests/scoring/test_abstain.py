"""Abstaining criteria: a pair scores the weighted mean of the criteria with data."""

from __future__ import annotations

from typing import Self

import numpy as np
import pytest

from alummatch import build_problem
from alummatch.constraints import MaxTimezoneGap, MinAvailabilityOverlap
from alummatch.profiles import Cohort
from alummatch.scoring import Scorer, default_scorer


class _Fixed:
    """A criterion with a fixed score table (NaN = no data)."""

    def __init__(self, name: str, table: list[list[float]]) -> None:
        self.name = name
        self.table = table

    def fit(self, cohort: Cohort) -> Self:
        self.table_ = np.asarray(self.table, dtype=np.float32)
        return self

    def score(self, mentee_idx: np.ndarray) -> np.ndarray:
        return self.table_[mentee_idx].copy()

    def explain(self, mentee: int, mentor: int) -> str:
        return f"{self.name} fact"


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """Two mentees, two mentors, no other data."""
    return Cohort(
        mentors=[{"id": "a"}, {"id": "b"}], mentees=[{"id": "m"}, {"id": "n"}]
    )


def test_weighted_mean_over_criteria_with_data(cohort: Cohort) -> None:
    """score = sum(w s over data) / sum(w over data); 0 where nobody has data."""
    x = _Fixed("x", [[1.0, np.nan], [0.5, np.nan]])
    y = _Fixed("y", [[0.0, 0.4], [np.nan, np.nan]])
    s = Scorer([x, y], {"x": 3.0, "y": 1.0}).fit(cohort)
    got = s.score(np.arange(2))
    np.testing.assert_allclose(got, [[0.75, 0.4], [0.5, 0.0]], atol=1e-6)
    i, j = np.indices((2, 2)).reshape(2, -1)
    np.testing.assert_allclose(s.pair_scores(i, j), got.ravel(), atol=1e-6)


def test_pair_contributions_add_up_and_skip_zero_weights(cohort: Cohort) -> None:
    """Contributions sum to the score; NaN where abstaining; 0-weight left out."""
    x = _Fixed("x", [[1.0, np.nan], [0.5, np.nan]])
    y = _Fixed("y", [[0.0, 0.4], [np.nan, np.nan]])
    z = _Fixed("z", [[1.0, 1.0], [1.0, 1.0]])
    s = Scorer([x, y, z], {"x": 3.0, "y": 1.0, "z": 0.0}).fit(cohort)
    i, j = np.indices((2, 2)).reshape(2, -1)
    c = s.pair_contributions(i, j)
    assert set(c) == {"x", "y"}
    assert np.isnan(c["x"][1])
    assert np.isnan(c["y"][2])
    total = np.nansum(np.column_stack(list(c.values())), axis=1)
    np.testing.assert_allclose(total, s.pair_scores(i, j), atol=1e-6)


def test_explain_skips_abstaining_and_zero_weight(cohort: Cohort) -> None:
    """Only criteria with data and weight are explained, weights renormalised."""
    x = _Fixed("x", [[1.0, np.nan], [0.5, np.nan]])
    y = _Fixed("y", [[0.0, 0.4], [np.nan, np.nan]])
    z = _Fixed("z", [[1.0, 1.0], [1.0, 1.0]])
    s = Scorer([x, y, z], {"x": 3.0, "y": 1.0, "z": 0.0}).fit(cohort)
    assert s.explain(0, 1) == ["y 0.40 (weight 1.00): y fact"]
    assert [t.split()[0] for t in s.explain(0, 0)] == ["x", "y"]


def test_missing_industry_and_availability_abstain() -> None:
    """Profiles without industry or time zone: those criteria are not explained."""
    c = Cohort(
        mentors=[{"id": "a", "goals": "python"}],
        mentees=[{"id": "m", "goals": "python", "industry": "software"}],
    )
    p = build_problem(c, default_scorer())
    text = " ".join(p.context.explain_pair(0, 0))  # type: ignore[union-attr]
    assert "industry" not in text
    assert "availability" not in text
    assert "goals" in text
    assert 0.0 <= p.scores[0, 0] <= 1.0


def test_rules_do_not_fire_on_missing_data() -> None:
    """Overlap and time-zone rules allow pairs where a side gave nothing."""
    c = Cohort(
        mentors=[
            {"id": "a", "timezone": "Asia/Tokyo", "availability": "Mon 09:00-10:00"},
            {"id": "b"},
        ],
        mentees=[{"id": "m", "timezone": "America/New_York"}],
    )
    p = build_problem(c, rules=[MaxTimezoneGap(3), MinAvailabilityOverlap(1)])
    assert p.allowed.tolist() == [[False, True]]


def test_importance_scales_mentee_weights(cohort: Cohort) -> None:
    """An importance factor of 0 drops a criterion for that mentee only."""
    c = Cohort(
        mentors=[{"id": "a"}],
        mentees=[{"id": "m", "importance": "x=0"}, {"id": "n"}],
    )
    x = _Fixed("x", [[1.0], [1.0]])
    y = _Fixed("y", [[0.0], [0.0]])
    s = Scorer([x, y]).fit(c)
    np.testing.assert_allclose(s.score(np.arange(2)).ravel(), [0.0, 0.5])


def test_mentor_importance_scales_the_pairs_with_that_mentor() -> None:
    """A mentor for whom x is unimportant: pairs with them are scored on y."""
    c = Cohort(
        mentors=[{"id": "a", "importance": "x=0"}, {"id": "b"}],
        mentees=[{"id": "m"}],
    )
    x = _Fixed("x", [[1.0, 1.0]])
    y = _Fixed("y", [[0.0, 0.0]])
    s = Scorer([x, y]).fit(c)
    np.testing.assert_allclose(s.score(np.arange(1)), [[0.0, 0.5]])
    assert [t.split()[0] for t in s.explain(0, 0)] == ["y"]


def test_blocks_and_pairs_agree_with_factors_and_abstentions() -> None:
    """Random NaN tables, mentee and mentor factors: score == pair_scores."""
    rng = np.random.default_rng(3)
    n, m = 7, 5
    names = ["x", "y", "z"]
    tees = [
        {
            "id": f"m{i}",
            "importance": {k: float(rng.choice([0, 0.5, 2])) for k in names},
        }
        for i in range(n)
    ]
    tors = [
        {"id": f"a{j}", "importance": {"y": float(rng.choice([0, 1, 3]))}}
        for j in range(m)
    ]
    c = Cohort(mentors=tors, mentees=tees)
    crits = []
    for k in names:
        t = rng.random((n, m))
        t[rng.random((n, m)) < 0.3] = np.nan
        crits.append(_Fixed(k, t.tolist()))
    s = Scorer(crits, {"x": 1, "y": 2, "z": 0.5}).fit(c)
    block = s.score(np.arange(n))
    i, j = np.indices((n, m)).reshape(2, -1)
    np.testing.assert_allclose(block.ravel(), s.pair_scores(i, j), atol=1e-5)
    parts = s.pair_contributions(i, j)
    total = np.nansum(np.column_stack(list(parts.values())), axis=1)
    np.testing.assert_allclose(total, s.pair_scores(i, j), atol=1e-6)
    assert np.all((block >= 0) & (block <= 1))
