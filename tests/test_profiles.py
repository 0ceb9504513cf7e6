"""Tests of Mentor, Mentee and Cohort: validation, loading, round trips, views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alummatch.errors import InvalidInputError
from alummatch.profiles import Cohort, Mentee, Mentor

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def small() -> Cohort:
    """The small, valid cohort of tests/data."""
    return Cohort.from_csv(DATA / "small_mentors.csv", DATA / "small_mentees.csv")


def _tor(**kw: Any) -> dict[str, Any]:
    return {"id": "a-1", "industry": "software", "timezone": "UTC", **kw}


def _tee(**kw: Any) -> dict[str, Any]:
    return {"id": "m-1", "industry": "software", "timezone": "UTC", **kw}


def test_models_normalise_and_default() -> None:
    """Lists split on ';', tags are lower-cased, defaults fill missing fields."""
    m = Mentee(**_tee(goals="Networking; CV-Review", availability="mon 9:00-10:00"))
    assert m.goals == frozenset({"networking", "cv-review"})
    assert m.availability == ("Mon 09:00-10:00",)
    assert m.languages == frozenset({"en"})
    assert (m.demand, m.priority, m.format) == (1, None, "either")
    a = Mentor(**_tor())
    assert (a.capacity, a.min_load) == (1, 0)


def test_models_are_frozen() -> None:
    """Profiles cannot be changed after validation."""
    a = Mentor(**_tor())
    with pytest.raises(Exception, match="frozen"):
        a.capacity = 3  # type: ignore[misc]


def test_small_csv_loads_with_attributes(small: Cohort) -> None:
    """Extra columns become string attributes; empty cells are missing."""
    assert small.mentor_ids == ("a-1", "a-2", "a-3")
    assert small.mentee_ids == ("m-1", "m-2", "m-3", "m-4")
    m1 = small.mentees[0]
    assert m1.attributes == {"first_generation": "yes", "cohort_year": "2025"}
    assert small.mentees[3].attributes == {"first_generation": "no"}
    assert small.mentors[2].attributes == {}
    assert small.mentors[2].graduation_year is None
    assert m1.preferred_mentors == ("a-1", "a-3")
    assert small.mentees[2].languages == frozenset({"ja"})
    assert small.mentees[2].goals == frozenset({"networking"})
    assert small.mentees[3].goals == frozenset()


def test_bad_csv_lists_every_problem_with_row_and_field() -> None:
    """Every bad row of both files is reported at once, by file, line, id and field."""
    with pytest.raises(InvalidInputError) as info:
        Cohort.from_csv(DATA / "bad_mentors.csv", DATA / "bad_mentees.csv")
    got = {(p.where, p.field) for p in info.value.problems}
    expected = {
        ("bad_mentors.csv row 3 (id 'a-2')", "timezone"),
        ("bad_mentors.csv row 4 (id 'a-3')", "availability"),
        ("bad_mentors.csv row 5 (id 'a-4')", "availability"),
        ("bad_mentors.csv row 6 (id 'a-5')", "availability"),
        ("bad_mentors.csv row 7 (id 'a-6')", "capacity"),
        ("bad_mentors.csv row 8 (id 'a-7')", "meeting_frequency"),
        ("bad_mentors.csv row 9 (id 'a-1')", "id"),
        ("bad_mentors.csv row 10 (id 'a-8')", "industry"),
        ("bad_mentees.csv row 2 (id 'm-1')", "demand"),
        ("bad_mentees.csv row 3 (id 'm-2')", "format"),
        ("bad_mentees.csv row 4 (id 'm-3')", "preferred_mentors"),
    }
    assert len(info.value.problems) == len(expected)
    assert got == expected
    text = {p.field: p.message for p in info.value.problems}
    assert "weekly, biweekly, monthly, ad-hoc" in text["meeting_frequency"]
    assert "virtual, in-person, either" in text["format"]
    assert "'a-99'" in text["preferred_mentors"]
    assert "pydantic" not in str(info.value).lower()


def test_missing_column_and_empty_side_are_reported_together() -> None:
    """A missing required column and an empty side are both listed, once each."""
    with pytest.raises(InvalidInputError) as info:
        Cohort.from_csv(DATA / "empty_mentors.csv", DATA / "missing_column_mentees.csv")
    got = sorted((p.where, p.field) for p in info.value.problems)
    assert got == [
        ("empty_mentors.csv", ""),
        ("missing_column_mentees.csv", "timezone"),
    ]


def test_frames_name_rows_by_index_label() -> None:
    """Problems from DataFrames name the side and the row's index label."""
    tors = pd.DataFrame([_tor(), _tor(id="a-2", capacity=-2)])
    tees = pd.DataFrame([_tee(demand=0)], index=[7])
    with pytest.raises(InvalidInputError) as info:
        Cohort.from_frames(tors, tees)
    got = sorted((p.where, p.field) for p in info.value.problems)
    assert got == [
        ("mentees row 7 (id 'm-1')", "demand"),
        ("mentors row 1 (id 'a-2')", "capacity"),
    ]


def test_direct_construction_collects_every_problem() -> None:
    """Cohort(...) checks records and cross-record rules together."""
    with pytest.raises(InvalidInputError) as info:
        Cohort(
            mentors=[_tor(min_load=2), _tor(preferred_mentees="m-9")],
            mentees=[_tee(priority="salary", languages=[])],
        )
    got = sorted((p.where, p.field) for p in info.value.problems)
    assert got == [
        ("mentees[0] (id 'm-1')", "languages"),
        ("mentees[0] (id 'm-1')", "priority"),
        ("mentors[0] (id 'a-1')", "min_load"),
        ("mentors[1] (id 'a-1')", "id"),
        ("mentors[1] (id 'a-1')", "preferred_mentees"),
    ]


def test_loading_never_mutates_the_callers_frames(small: Cohort) -> None:
    """from_frames leaves the given DataFrames exactly as they were."""
    tors, tees = small.to_frames()
    before = (tors.copy(), tees.copy())
    Cohort.from_frames(tors, tees)
    pd.testing.assert_frame_equal(tors, before[0])
    pd.testing.assert_frame_equal(tees, before[1])


def test_frames_and_csv_round_trip(small: Cohort, tmp_path: Path) -> None:
    """to_frames -> from_frames and to_csv -> from_csv give the cohort back."""
    tors, tees = small.to_frames()
    assert "first_generation" in tees.columns
    assert Cohort.from_frames(tors, tees) == small
    tors.to_csv(tmp_path / "t.csv", index=False)
    tees.to_csv(tmp_path / "e.csv", index=False)
    assert Cohort.from_csv(tmp_path / "t.csv", tmp_path / "e.csv") == small


_tag = st.sampled_from(["networking", "cv-review", "leadership", "startups"])
_window = st.sampled_from(["Mon 18:00-20:00", "Sat 10:00-12:00", "Thu 12:00-13:00"])


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.frozensets(_tag, max_size=3),
            st.lists(_window, max_size=2, unique=True),
            st.integers(0, 4),
            st.sampled_from(["en", "de", "pt"]),
            st.sampled_from([None, "yes", "no"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_round_trip_property(
    rows: list[tuple[frozenset[str], list[str], int, str, str | None]],
) -> None:
    """Any valid cohort survives to_frames / from_frames unchanged."""
    tors = [
        _tor(
            id=f"a-{k}",
            goals=g,
            availability=w,
            capacity=c,
            languages=[lang],
            attributes={} if flag is None else {"first_generation": flag},
        )
        for k, (g, w, c, lang, flag) in enumerate(rows)
    ]
    cohort = Cohort(mentors=tors, mentees=[_tee()])
    assert Cohort.from_frames(*cohort.to_frames()) == cohort


def test_columnar_views(small: Cohort) -> None:
    """Codes, multi-hot matrices, masks and offsets line up with the records."""
    tee, tor, cats = small.codes("industry")
    assert [cats[c] for c in tee] == [m.industry for m in small.mentees]
    assert [cats[c] for c in tor] == [m.industry for m in small.mentors]
    g_tee, _, vocab = small.multi_hot("goals")
    dense = g_tee.toarray()
    for i, m in enumerate(small.mentees):
        assert {vocab[k] for k in np.nonzero(dense[i])[0]} == set(m.goals)
    mask = small.availability_mask("mentors")
    assert mask.shape == (3, 336)
    assert not mask.flags.writeable
    assert mask[0].sum() == 8  # two 2-hour windows
    assert small.utc_offsets("mentees").tolist() == [1.0, 0.0, 9.0, -6.0]
    assert small.attribute("mentees", "first_generation").tolist() == [
        "yes",
        "no",
        None,
        "no",
    ]
    assert small.attribute("mentees", "nope") is None
    assert small.int_values("mentors", "capacity").tolist() == [2, 1, 3]
