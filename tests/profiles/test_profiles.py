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

DATA = Path(__file__).parents[1] / "data"


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
        ("missing_column_mentees.csv", "id"),
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


# --------------------------------------------------------------------------- #
# issue 2, item 2: each bad-input case, every problem listed, nothing loaded
# --------------------------------------------------------------------------- #
def test_one_row_with_many_faults_lists_each_field() -> None:
    """A single record with five bad fields gives five problems, not the first one."""
    bad = _tor(
        timezone="Moon/Base",
        availability="Mon 18-20; Tue 10:00-09:00",
        capacity=-3,
        commitment="forever",
        format="hologram",
    )
    with pytest.raises(InvalidInputError) as info:
        Cohort(mentors=[bad], mentees=[_tee()])
    got = sorted((p.field, p.message) for p in info.value.problems)
    assert [f for f, _ in got] == [
        "availability",
        "availability",
        "capacity",
        "commitment",
        "format",
        "timezone",
    ]
    msgs = dict(got)
    assert "flash, short-term, long-term" in msgs["commitment"]
    assert "virtual, in-person, either" in msgs["format"]
    windows = [m for f, m in got if f == "availability"]
    assert windows[0].startswith("item 1: malformed window 'Mon 18-20'")
    assert windows[1].startswith("item 2: window 'Tue 10:00-09:00' ends before")
    assert all(p.where == "mentors[0] (id 'a-1')" for p in info.value.problems)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("meeting_frequency", "daily", "allowed: weekly, biweekly, monthly, ad-hoc"),
        ("commitment", "forever", "allowed: flash, short-term, long-term"),
        ("format", "zoom", "allowed: virtual, in-person, either"),
        ("priority", "salary", "allowed: industry, goals, availability, expectations"),
    ],
)
def test_unknown_enum_values_list_the_allowed_ones(
    field: str, value: str, fragment: str
) -> None:
    """Every enum field names the bad value and lists the allowed ones."""
    with pytest.raises(InvalidInputError) as info:
        Cohort(mentors=[_tor()], mentees=[_tee(**{field: value})])
    (prob,) = info.value.problems
    assert (prob.where, prob.field) == ("mentees[0] (id 'm-1')", field)
    assert repr(value) in prob.message
    assert fragment in prob.message


@pytest.mark.parametrize(
    ("window", "fragment"),
    [
        ("Mon 25:00-26:00", "impossible hour 25"),
        ("Mon 20:00-18:00", "ends before it starts"),
        ("Mon 18-20", "malformed window"),
        ("Funday 10:00-11:00", "unknown day"),
    ],
)
def test_bad_windows_are_reported_by_row_and_item(window: str, fragment: str) -> None:
    """Malformed or impossible windows name the row, the field and the item."""
    tors = pd.DataFrame([_tor(availability=f"Wed 09:00-10:00; {window}")])
    with pytest.raises(InvalidInputError) as info:
        Cohort.from_frames(tors, pd.DataFrame([_tee()]))
    (prob,) = info.value.problems
    assert (prob.where, prob.field) == ("mentors row 0 (id 'a-1')", "availability")
    assert prob.message.startswith("item 2: ")
    assert fragment in prob.message


def test_duplicate_ids_on_both_sides_are_each_reported() -> None:
    """Every repeat of an id is listed, pointing at the first occurrence."""
    with pytest.raises(InvalidInputError) as info:
        Cohort(
            mentors=[_tor(), _tor(), _tor(id="a-2"), _tor()],
            mentees=[_tee(), _tee(id="m-2"), _tee(id="m-2")],
        )
    got = [(p.where, p.field, p.message) for p in info.value.problems]
    assert got == [
        ("mentors[1] (id 'a-1')", "id", "duplicate id 'a-1' (first at mentors[0])"),
        ("mentors[3] (id 'a-1')", "id", "duplicate id 'a-1' (first at mentors[0])"),
        ("mentees[2] (id 'm-2')", "id", "duplicate id 'm-2' (first at mentees[1])"),
    ]


def test_empty_sides_and_missing_columns_are_all_listed() -> None:
    """A missing id column on one side and an empty other side: two problems."""
    tors = pd.DataFrame([{"name": "a-1", "goals": "networking"}])
    tees = pd.DataFrame(columns=["id", "industry", "timezone"])
    with pytest.raises(InvalidInputError) as info:
        Cohort.from_frames(tors, tees)
    got = sorted((p.where, p.field, p.message) for p in info.value.problems)
    assert got == [
        ("mentees", "", "no mentees: a cohort needs at least one mentee"),
        ("mentors", "id", "required column is missing"),
    ]


def test_only_id_is_required() -> None:
    """Industry and time zone may be left out; they are then None."""
    c = Cohort(mentors=[{"id": "a"}], mentees=[{"id": "m", "industry": ""}])
    assert c.mentors[0].industry is None
    assert c.mentees[0].timezone is None


def test_nothing_is_half_loaded(tmp_path: Path) -> None:
    """One bad row among many valid ones: no cohort at all, inputs untouched."""
    tors = [_tor(id=f"a-{k}") for k in range(20)]
    tees = [_tee(id=f"m-{k}") for k in range(30)]
    tees[17] = _tee(id="m-17", demand=0)
    before = [dict(r) for r in tees]
    with pytest.raises(InvalidInputError) as info:
        Cohort(mentors=tors, mentees=tees)
    assert [(p.where, p.field) for p in info.value.problems] == [
        ("mentees[17] (id 'm-17')", "demand")
    ]
    assert "must be >= 1, got 0" in info.value.problems[0].message
    assert tees == before
    pd.DataFrame(tors).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame(tees).to_csv(tmp_path / "e.csv", index=False)
    with pytest.raises(InvalidInputError):
        Cohort.from_csv(tmp_path / "t.csv", tmp_path / "e.csv")


def test_invalid_input_error_is_a_value_error_with_every_problem_in_str() -> None:
    """The error is also a ValueError; its text lists each problem on a line."""
    with pytest.raises(ValueError, match="2 problems in the input") as info:
        Cohort(mentors=[_tor(capacity=-1)], mentees=[_tee(demand=0)])
    text = str(info.value)
    assert "capacity: must be >= 0" in text
    assert "demand: must be >= 1" in text


# --------------------------------------------------------------------------- #
# CSV reading: encodings, broken files, line numbers
# --------------------------------------------------------------------------- #
_HEADER = "id,industry,timezone,capacity\n"


def _load_tors(tmp_path: Path, content: bytes) -> Cohort:
    (tmp_path / "mentors.csv").write_bytes(content)
    (tmp_path / "mentees.csv").write_text("id,industry,timezone\nm-1,software,UTC\n")
    return Cohort.from_csv(tmp_path / "mentors.csv", tmp_path / "mentees.csv")


def test_csv_with_excel_bom_blank_lines_and_short_rows_loads(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark, blank rows and short rows are all accepted."""
    content = "\ufeff" + _HEADER + "a-1,software,UTC,2\n\n,,,\na-2,software,UTC\n"
    c = _load_tors(tmp_path, content.encode("utf-8"))
    assert c.mentor_ids == ("a-1", "a-2")
    assert c.int_values("mentors", "capacity").tolist() == [2, 1]


def test_csv_rows_are_named_by_their_line_in_the_file(tmp_path: Path) -> None:
    """Blank lines and multi-line quoted cells do not shift the reported line."""
    content = (
        "id,industry,timezone,about,capacity\n"
        'a-1,software,UTC,"two\nlines",1\n'
        "\n"
        "a-2,software,UTC,,-1\n"
    )
    with pytest.raises(InvalidInputError) as info:
        _load_tors(tmp_path, content.encode())
    assert [(p.where, p.field) for p in info.value.problems] == [
        ("mentors.csv row 5 (id 'a-2')", "capacity")
    ]


@pytest.mark.parametrize(
    ("content", "where", "fragment"),
    [
        (
            "id,industry,timezone\na-1,software,UTC\n".encode("utf-16"),
            "mentors.csv",
            "not UTF-8 text",
        ),
        (
            b'id,industry,timezone\na-1,"software,UTC\n',
            "mentors.csv row 2",
            "not a valid CSV",
        ),
        (b"", "mentors.csv", "the file is empty"),
    ],
)
def test_unreadable_csv_is_a_problem_not_a_crash(
    tmp_path: Path, content: bytes, where: str, fragment: str
) -> None:
    """Wrong encodings, broken quoting and empty files are listed problems."""
    with pytest.raises(InvalidInputError) as info:
        _load_tors(tmp_path, content)
    first = info.value.problems[0]
    assert first.where == where
    assert fragment in first.message


def test_ragged_rows_and_nameless_columns_are_reported(tmp_path: Path) -> None:
    """Extra cells and a column with values but no name are problems; a blank
    trailing column (a trailing comma) is not."""
    content = (
        "id,industry,timezone,,note,\n"
        "a-1,software,UTC,,hi,\n"
        "a-2,software,UTC,x,,\n"
        "a-3,software,UTC,,,,surplus\n"
    )
    with pytest.raises(InvalidInputError) as info:
        _load_tors(tmp_path, content.encode())
    got = sorted((p.where, p.field, p.message) for p in info.value.problems)
    assert got == [
        ("mentors.csv", "column 4", "has values but no header name"),
        ("mentors.csv row 4", "", "has 7 cells but the header has 6 columns"),
    ]


def test_duplicate_csv_columns_are_reported(tmp_path: Path) -> None:
    """A column named twice is a problem (it is not silently renamed)."""
    with pytest.raises(InvalidInputError) as info:
        _load_tors(tmp_path, b"id,industry,timezone,id\na-1,software,UTC,a-2\n")
    assert [(p.where, p.field) for p in info.value.problems] == [("mentors.csv", "id")]
