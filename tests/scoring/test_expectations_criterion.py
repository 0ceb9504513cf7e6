"""Tests of the expectations criterion against a per-pair reference."""

from __future__ import annotations

import numpy as np
import pytest

from alummatch.datasets import synthetic_cohort
from alummatch.profiles import COMMITMENTS, FREQUENCIES, Cohort
from alummatch.scoring import ExpectationsCriterion


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """A synthetic cohort with every format and some shared cities."""
    base = synthetic_cohort(60, 25, seed=2)
    tees = [m.model_dump() for m in base.mentees]
    tees[0]["location"] = None
    tees[0]["format"] = "in-person"
    tees[1]["location"] = "  london "  # compared case-insensitively
    tees[1]["format"] = "in-person"
    return Cohort(mentors=base.mentors, mentees=tees)


def _format_ok(a: str, la: str | None, b: str, lb: str | None) -> float:
    if "virtual" in (a, b) and "in-person" in (a, b):
        return 0.0
    if "in-person" in (a, b):
        same = la is not None and lb is not None and la.strip().lower() == lb.lower()
        return 1.0 if same else 0.0
    return 1.0


def _reference(cohort: Cohort) -> np.ndarray:
    out = np.zeros((cohort.n_mentees, cohort.n_mentors))
    for i, a in enumerate(cohort.mentees):
        for j, b in enumerate(cohort.mentors):
            fa, fb = (
                FREQUENCIES.index(a.meeting_frequency),
                FREQUENCIES.index(b.meeting_frequency),
            )
            ca, cb = COMMITMENTS.index(a.commitment), COMMITMENTS.index(b.commitment)
            freq = 1 - abs(fa - fb) / 3
            com = 1 - abs(ca - cb) / 2
            fmt = _format_ok(a.format, a.location, b.format, b.location)
            out[i, j] = (freq + com + fmt) / 3
    return out


def test_scores_equal_reference(cohort: Cohort) -> None:
    """Gathered table scores equal the per-pair reference, including locations."""
    crit = ExpectationsCriterion().fit(cohort)
    ref = _reference(cohort)
    got = crit.score(np.arange(cohort.n_mentees))
    np.testing.assert_allclose(got, ref, atol=1e-6)
    i, j = np.indices(ref.shape).reshape(2, -1)
    np.testing.assert_allclose(crit.score_pairs(i, j), ref[i, j], atol=1e-6)
    london = [j for j, b in enumerate(cohort.mentors) if b.location == "London"]
    assert london
    assert ref[1, london].max() > ref[0, london].max() - 1e-9


def test_explain_mentions_frequency_commitment_and_format() -> None:
    """The sentence states both sides' frequency, commitment, format and locations."""
    c = Cohort(
        mentors=[
            {
                "id": "a",
                "industry": "software",
                "timezone": "UTC",
                "format": "in-person",
                "location": "Paris",
                "meeting_frequency": "weekly",
            }
        ],
        mentees=[
            {
                "id": "m",
                "industry": "software",
                "timezone": "UTC",
                "format": "either",
                "location": "Lyon",
                "commitment": "long-term",
            }
        ],
    )
    crit = ExpectationsCriterion().fit(c)
    text = crit.explain(0, 0)
    assert "mentee biweekly, mentor weekly" in text
    assert "mentee long-term, mentor short-term" in text
    assert "incompatible" in text
    assert "Lyon / Paris" in text


def test_part_weights_change_the_mix(cohort: Cohort) -> None:
    """Only-format weights give 0/1 scores; unknown parts are refused."""
    crit = ExpectationsCriterion(weights={"frequency": 0, "commitment": 0}).fit(cohort)
    assert set(np.unique(crit.score(np.arange(cohort.n_mentees)))) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="unknown parts"):
        ExpectationsCriterion(weights={"vibe": 1}).fit(cohort)


def test_in_person_needs_the_same_location() -> None:
    """In-person counts only with a shared city (any case); virtual never mixes."""
    base = {"industry": "software", "timezone": "UTC"}
    c = Cohort(
        mentors=[
            {"id": "paris", **base, "format": "in-person", "location": "PARIS"},
            {"id": "lyon", **base, "format": "in-person", "location": "Lyon"},
            {"id": "nowhere", **base, "format": "either"},
            {"id": "online", **base, "format": "virtual", "location": "Paris"},
        ],
        mentees=[
            {"id": "m", **base, "format": "in-person", "location": "Paris"},
            {"id": "v", **base, "format": "virtual"},
        ],
    )
    only_format = {"frequency": 0.0, "commitment": 0.0}
    got = ExpectationsCriterion(weights=only_format).fit(c).score(np.arange(2))
    np.testing.assert_array_equal(got, [[1, 0, 0, 0], [0, 0, 1, 1]])
