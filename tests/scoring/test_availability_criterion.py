"""Tests of the availability criterion against a per-pair reference."""

from __future__ import annotations

import numpy as np
import pytest

import alummatch.scoring.availability as av_mod
from alummatch.datasets import synthetic_cohort
from alummatch.profiles import Cohort
from alummatch.profiles.availability import mask_from_windows
from alummatch.scoring import DEFAULT_NEEDED_HOURS, AvailabilityCriterion


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """A synthetic cohort across time zones and frequencies."""
    return synthetic_cohort(45, 20, seed=8)


def _reference(cohort: Cohort) -> np.ndarray:
    out = np.zeros((cohort.n_mentees, cohort.n_mentors))
    for i, a in enumerate(cohort.mentees):
        ma = mask_from_windows(a.availability, a.timezone)
        for j, b in enumerate(cohort.mentors):
            mb = mask_from_windows(b.availability, b.timezone)
            hours = float((ma & mb).sum()) * 0.5
            need = max(
                DEFAULT_NEEDED_HOURS[a.meeting_frequency],
                DEFAULT_NEEDED_HOURS[b.meeting_frequency],
            )
            out[i, j] = min(hours / need, 1.0)
    return out


def test_scores_equal_reference(cohort: Cohort) -> None:
    """Deduped, tabulated scores equal the per-pair reference."""
    crit = AvailabilityCriterion().fit(cohort)
    ref = _reference(cohort)
    np.testing.assert_allclose(crit.score(np.arange(cohort.n_mentees)), ref, atol=1e-6)
    i, j = np.indices(ref.shape).reshape(2, -1)
    np.testing.assert_allclose(crit.score_pairs(i, j), ref[i, j], atol=1e-9)
    assert 0 < ref.mean() < 1


def test_untabulated_path_equals_reference(
    cohort: Cohort, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the precomputed table (large cohorts), blocks give the same scores."""
    monkeypatch.setattr(av_mod, "_TABLE_BYTES", 0)
    crit = AvailabilityCriterion().fit(cohort)
    assert crit.table_ is None
    np.testing.assert_allclose(
        crit.score(np.arange(cohort.n_mentees)), _reference(cohort), atol=1e-6
    )


def test_needed_hours_parameter() -> None:
    """Two hours of overlap fully satisfy a 1-hour need and half a 4-hour need."""
    rec = {"industry": "software", "timezone": "UTC", "availability": "Mon 10:00-12:00"}
    c = Cohort(
        mentors=[{"id": "a", **rec, "meeting_frequency": "monthly"}],
        mentees=[{"id": "m", **rec, "meeting_frequency": "weekly"}],
    )
    one = {"weekly": 1.0, "biweekly": 1.0, "monthly": 1.0, "ad-hoc": 1.0}
    four = {**one, "weekly": 4.0}
    assert (
        AvailabilityCriterion(needed_hours=one).fit(c).score(np.array([0]))[0, 0] == 1
    )
    got = AvailabilityCriterion(needed_hours=four).fit(c).score(np.array([0]))[0, 0]
    assert got == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown frequencies"):
        AvailabilityCriterion(needed_hours={"daily": 1}).fit(c)


def test_explain_gives_hours_windows_and_need() -> None:
    """Berlin 18-20 and London 17-19 share 17:00-19:00 UTC: 2 h, shown in UTC."""
    c = Cohort(
        mentors=[
            {
                "id": "a",
                "industry": "software",
                "timezone": "Europe/London",
                "availability": "Mon 17:00-19:00",
                "meeting_frequency": "weekly",
            }
        ],
        mentees=[
            {
                "id": "m",
                "industry": "software",
                "timezone": "Europe/Berlin",
                "availability": "Mon 18:00-20:00",
            }
        ],
    )
    text = AvailabilityCriterion().fit(c).explain(0, 0)
    assert "2 h/week" in text
    assert "Mon 17:00-19:00 UTC" in text
    assert "needs 2 h" in text
