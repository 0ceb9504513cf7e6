"""Tests of declarative rules and their masks against per-pair references."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from alummatch.constraints import (
    AttributeRule,
    FormatCompatible,
    MaxTimezoneGap,
    MinAvailabilityOverlap,
    SharedLanguage,
)
from alummatch.datasets import synthetic_cohort
from alummatch.errors import InvalidInputError
from alummatch.profiles import Cohort
from alummatch.profiles.availability import mask_from_windows, utc_offset_hours
from alummatch.scoring import RuleMask, resolve_rules, rule_mask


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """A synthetic cohort over three continents with mixed languages."""
    base = synthetic_cohort(50, 20, seed=21)
    tees = [m.model_dump() for m in base.mentees]
    tees[0]["languages"] = ["tlh"]  # nobody speaks Klingon
    return Cohort(mentors=base.mentors, mentees=tees)


def _allowed(rule: Any, cohort: Cohort) -> np.ndarray:
    mask = rule_mask(rule).fit(cohort)
    return mask.allowed(np.arange(cohort.n_mentees))


def _pairs(cohort: Cohort, fn: Any) -> np.ndarray:
    return np.array([[bool(fn(a, b)) for b in cohort.mentors] for a in cohort.mentees])


def test_shared_language(cohort: Cohort) -> None:
    """Allowed exactly when the language sets intersect."""
    ref = _pairs(cohort, lambda a, b: a.languages & b.languages)
    np.testing.assert_array_equal(_allowed(SharedLanguage(), cohort), ref)
    assert not ref[0].any()


def _gap(a: Any, b: Any) -> float:
    d = abs(utc_offset_hours(a.timezone) - utc_offset_hours(b.timezone)) % 24
    return min(d, 24 - d)


@pytest.mark.parametrize("hours", [0, 3, 6.5])
def test_max_timezone_gap(cohort: Cohort, hours: float) -> None:
    """Allowed exactly when the circular offset gap is within the limit."""
    ref = _pairs(cohort, lambda a, b: _gap(a, b) <= hours)
    np.testing.assert_array_equal(_allowed(MaxTimezoneGap(hours), cohort), ref)


def test_timezone_gap_is_circular() -> None:
    """UTC+13 (Tongatapu) and UTC-11 (Pago Pago) are 0 hours apart, not 24."""
    c = Cohort(
        mentors=[{"id": "a", "industry": "software", "timezone": "Pacific/Pago_Pago"}],
        mentees=[{"id": "m", "industry": "software", "timezone": "Pacific/Tongatapu"}],
    )
    assert _allowed(MaxTimezoneGap(1), c).tolist() == [[True]]


@pytest.mark.parametrize("hours", [0.5, 1, 2])
def test_min_availability_overlap(cohort: Cohort, hours: float) -> None:
    """Allowed exactly when the UTC overlap reaches the minimum."""

    def ok(a: Any, b: Any) -> bool:
        ma = mask_from_windows(a.availability, a.timezone)
        mb = mask_from_windows(b.availability, b.timezone)
        return float((ma & mb).sum()) * 0.5 >= hours

    ref = _pairs(cohort, ok)
    np.testing.assert_array_equal(_allowed(MinAvailabilityOverlap(hours), cohort), ref)


def test_format_compatible(cohort: Cohort) -> None:
    """No virtual with in-person; in-person needs the same known location."""

    def ok(a: Any, b: Any) -> bool:
        if {a.format, b.format} == {"virtual", "in-person"}:
            return False
        if "in-person" in (a.format, b.format):
            return a.location is not None and a.location == b.location
        return True

    ref = _pairs(cohort, ok)
    assert not ref.all()
    np.testing.assert_array_equal(_allowed(FormatCompatible(), cohort), ref)


def test_attribute_rules(cohort: Cohort) -> None:
    """Equal, different and predicate attribute rules match the reference."""
    fg = "first_generation"

    def val(p: Any) -> Any:
        return p.attributes.get(fg)

    eq = _pairs(cohort, lambda a, b: val(a) == val(b))
    np.testing.assert_array_equal(_allowed(AttributeRule(fg), cohort), eq)
    diff = _allowed(AttributeRule(fg, fg, "different"), cohort)
    np.testing.assert_array_equal(diff, ~eq)

    def older(year_tee: Any, year_tor: Any) -> bool:
        return bool(year_tor <= year_tee - 5)

    ref = _pairs(cohort, lambda a, b: b.graduation_year <= a.graduation_year - 5)
    got = _allowed(AttributeRule("graduation_year", relation=older), cohort)
    np.testing.assert_array_equal(got, ref)


def test_attribute_missing_values() -> None:
    """A missing value allows the pair by default and rejects it on request."""
    c = Cohort(
        mentors=[
            {"id": "a", "industry": "software", "timezone": "UTC"},
            {
                "id": "b",
                "industry": "software",
                "timezone": "UTC",
                "attributes": {"track": "x"},
            },
        ],
        mentees=[
            {
                "id": "m",
                "industry": "software",
                "timezone": "UTC",
                "attributes": {"track": "y"},
            }
        ],
    )
    assert _allowed(AttributeRule("track"), c).tolist() == [[True, False]]
    rule = AttributeRule("track", missing="reject")
    assert _allowed(rule, c).tolist() == [[False, False]]
    with pytest.raises(InvalidInputError, match="neither mentees nor mentors"):
        _allowed(AttributeRule("nope"), c)


def test_attribute_rule_on_a_side_without_data_does_not_fire() -> None:
    """A column every mentee left blank: the rule cannot judge, so it allows
    (or, with ``missing="reject"``, rejects) every pair; it never errs."""
    import pandas as pd

    from alummatch import Cohort, build_problem

    tors = pd.DataFrame({"id": ["a", "b"], "advisor": ["x", "y"]})
    tees = pd.DataFrame({"id": ["m1", "m2"], "advisor": [None, None]})
    cohort = Cohort.from_frames(tors, tees)
    rule = AttributeRule("advisor", relation="different")
    assert build_problem(cohort, rules=[rule]).allowed.all()
    reject = AttributeRule("advisor", relation="different", missing="reject")
    assert not build_problem(cohort, rules=[reject]).allowed.any()


def test_rule_strings_and_validation() -> None:
    """Rules print readably and refuse impossible parameters."""
    assert str(MaxTimezoneGap(6)) == "MaxTimezoneGap(6)"
    assert str(MinAvailabilityOverlap(1.5)) == "MinAvailabilityOverlap(1.5)"
    assert str(SharedLanguage()) == "SharedLanguage()"
    assert str(FormatCompatible()) == "FormatCompatible()"
    assert "first_generation" in str(AttributeRule("first_generation"))
    with pytest.raises(InvalidInputError):
        MaxTimezoneGap(-1)
    with pytest.raises(InvalidInputError):
        AttributeRule("x", relation="bigger")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a rule"):
        rule_mask("shared language")  # type: ignore[arg-type]


def test_resolve_rules_replaces_defaults_by_type() -> None:
    """Shared language is on by default; a rule of its type replaces or disables it."""
    assert resolve_rules(()) == (SharedLanguage(),)
    assert resolve_rules([MaxTimezoneGap(3)]) == (SharedLanguage(), MaxTimezoneGap(3))
    assert resolve_rules([SharedLanguage(enabled=False)]) == ()


def test_explain_rejection_states_facts(cohort: Cohort) -> None:
    """Rejections name the mentee's languages and the nearest time zone."""
    lang = rule_mask(SharedLanguage()).fit(cohort)
    assert lang.explain_rejection(0) == "speaks only 'tlh', no mentor speaks it"
    assert isinstance(lang, RuleMask)
    tz = rule_mask(MaxTimezoneGap(0)).fit(cohort)
    text = tz.explain_rejection(1)
    assert "UTC" in text
    assert "away" in text
