"""Overlap, Same and Wants: criteria over program-defined attributes."""

from __future__ import annotations

import numpy as np

from alummatch.profiles import Cohort
from alummatch.scoring import Overlap, Same, Wants, clone

NAN = float("nan")


def _cohort() -> Cohort:
    return Cohort(
        mentors=[
            {
                "id": "a",
                "attributes": {
                    "area": frozenset({"Control", "Robotics"}),
                    "degree": "PhD",
                    "wants_degree": "PhD;MS",
                },
            },
            {"id": "b", "attributes": {"area": "vision", "degree": "MS"}},
            {"id": "c"},
        ],
        mentees=[
            {
                "id": "m",
                "attributes": {
                    "area": "control;robotics;planning",
                    "degree": "phd",
                    "wants_degree": "MS",
                },
            },
            {"id": "n", "attributes": {"degree": "BS"}},
        ],
    )


def _same_nan(a: np.ndarray, b: list[list[float]]) -> None:
    np.testing.assert_allclose(a, np.array(b, dtype=float), atol=1e-6)


def test_overlap_is_the_share_of_the_mentees_set() -> None:
    """2 of 3 answers shared; no answer on either side abstains."""
    crit = Overlap("area").fit(_cohort())
    _same_nan(crit.score(np.arange(2)), [[2 / 3, 0.0, NAN], [NAN, NAN, NAN]])
    assert "2 of the mentee's 3 area answers" in crit.explain(0, 0)
    assert "not shared: planning" in crit.explain(0, 0)


def test_same_compares_values_case_blind() -> None:
    """'PhD' equals 'phd'; a missing value abstains."""
    crit = Same("degree").fit(_cohort())
    _same_nan(crit.score(np.arange(2)), [[1.0, 0.0, NAN], [0.0, 0.0, NAN]])
    np.testing.assert_allclose(
        crit.score_pairs(np.array([0, 1]), np.array([0, 1])), [1.0, 0.0]
    )
    assert crit.explain(0, 0).startswith("same degree")
    assert "different degree" in crit.explain(1, 0)


def test_wants_from_either_side() -> None:
    """Mean over the sides that stated wants; abstains where nobody did."""
    crit = Wants("wants_degree", of="degree", name="degree_fit").fit(_cohort())
    got = crit.score(np.arange(2))
    # m wants MS mentors (a is PhD: 0) and a wants PhD/MS mentees (m is phd: 1)
    _same_nan(got, [[0.5, 1.0, NAN], [0.0, NAN, NAN]])
    text = crit.explain(0, 0)
    assert "mentee wants a mentor with degree MS, but" in text
    assert "mentor wants a mentee with degree MS or PhD, and" in text


def test_clone_keeps_parameters() -> None:
    """clone() gives an unfitted copy with the same parameters and name."""
    c = clone(Wants("w", of="d", name="fit"))
    assert (c.column, c.of, c.name) == ("w", "d", "fit")
    assert clone(Overlap("area", mentor_attribute="area2")).mentor_attribute == "area2"


def test_attribute_criteria_pass_check_criterion() -> None:
    """Overlap, Same and Wants pass the public conformance suite (NaN = abstain)."""
    from alummatch.testing import check_criterion

    cohort = _cohort()
    for crit in (
        Overlap("area"),
        Same("degree"),
        Wants("wants_degree", of="degree"),
    ):
        check_criterion(crit, cohort, block=1)


def test_builtin_criteria_pass_check_criterion_with_missing_data() -> None:
    """Built-in criteria abstain on blank profiles and still pass the suite."""
    from alummatch.scoring import (
        AvailabilityCriterion,
        GoalsCriterion,
        IndustryCriterion,
    )
    from alummatch.testing import check_criterion

    cohort = Cohort(
        mentors=[
            {"id": "a", "industry": "software", "goals": "python"},
            {"id": "b", "timezone": "UTC", "availability": "Mon 10:00-12:00"},
        ],
        mentees=[
            {
                "id": "m",
                "industry": "fintech",
                "timezone": "UTC",
                "availability": "Mon 10:00-11:00",
            },
            {"id": "n", "goals": "python", "about": "I like data"},
        ],
    )
    for crit in (IndustryCriterion(), GoalsCriterion(), AvailabilityCriterion()):
        check_criterion(crit, cohort, block=1)
