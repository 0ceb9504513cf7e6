"""Column names: near misses of fields are errors with a suggestion."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alummatch import Cohort, InvalidInputError, Mentee, Mentor
from alummatch.profiles.reading import suggest_field

FIELDS = sorted(set(Mentor.model_fields) | set(Mentee.model_fields))


@pytest.mark.parametrize(
    ("column", "meant"),
    [
        ("Capacity", "capacity"),
        ("language", "languages"),
        ("meeting frequency", "meeting_frequency"),
        ("Time-Zone", "timezone"),
        ("timezone ", "timezone"),
        ("capcity", "capacity"),
        ("Graduation Year", "graduation_year"),
    ],
)
def test_near_misses_suggest_the_field(column: str, meant: str) -> None:
    """Case, spaces, dashes, underscores and small typos point at the field."""
    assert suggest_field(column, FIELDS) == meant


@pytest.mark.parametrize(
    "column", ["first_generation", "cohort_year", "advisor", "campus", "capacity"]
)
def test_attributes_and_exact_fields_suggest_nothing(column: str) -> None:
    """Real attribute names and exact field names are left alone."""
    assert suggest_field(column, FIELDS) is None


def test_frames_report_near_misses_and_keep_attributes(tmp_path: Path) -> None:
    """A frame column 'Languages' is an error; 'first_generation' an attribute."""
    tors = pd.DataFrame([{"id": "a", "Languages": "en", "first_generation": "yes"}])
    tees = pd.DataFrame([{"id": "m"}])
    with pytest.raises(InvalidInputError) as info:
        Cohort.from_frames(tors, tees)
    assert [
        (p.field, "did you mean 'languages'" in p.message) for p in info.value.problems
    ] == [("Languages", True)]
    ok = Cohort.from_frames(tors.drop(columns="Languages"), tees)
    assert ok.mentors[0].attributes == {"first_generation": "yes"}


def test_whole_numbers_written_as_floats_are_accepted() -> None:
    """'2.0' and 2.0 are 2; '2.5' is still an error."""
    c = Cohort(
        mentors=[{"id": "a", "capacity": "2.0"}], mentees=[{"id": "m", "demand": 1.0}]
    )
    assert (c.mentors[0].capacity, c.mentees[0].demand) == (2, 1)
    with pytest.raises(InvalidInputError):
        Cohort(mentors=[{"id": "a", "capacity": "2.5"}], mentees=[{"id": "m"}])
