"""Program files: the example form end to end, strict import, checked settings."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alummatch import InvalidInputError, Program
from alummatch.program import read_form

EXAMPLE = Path(__file__).parents[2] / "examples" / "form"
ROLE = "Would you like to be a mentor or a mentee?"


@pytest.fixture(scope="module")
def example() -> Program:
    """The example programme of examples/form."""
    return Program.from_toml(EXAMPLE / "program.toml")


def _form(folder: Path, rows: list[dict[str, str]], name: str = "form.csv") -> Path:
    path = folder / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _program(folder: Path, text: str) -> Program:
    path = folder / "program.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Program.from_toml(path)


def _problems(exc: pytest.ExceptionInfo[InvalidInputError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


_SMALL = [
    {
        "Name": "Ann",
        "Role": "Mentor",
        "Topics": "Control, Dynamics, Robotics",
        "Capacity?": "2.0",
        "Advisor": "Prof. A",
    },
    {
        "Name": "Bob",
        "Role": "Mentor",
        "Topics": "Vision",
        "Capacity?": "1.0",
        "Advisor": "Prof. B",
    },
    {
        "Name": "Cat",
        "Role": "Mentee",
        "Topics": "Control, Robotics",
        "Capacity?": "",
        "Advisor": "Prof. A",
    },
    {
        "Name": "Dan",
        "Role": "Mentee",
        "Topics": "Vision",
        "Capacity?": "",
        "Advisor": "Prof. C",
    },
]
_SMALL_TOML = """
[input]
form = "form.csv"
role = { column = "Role", mentor = "Mentor", mentee = "Mentee" }

[columns]
id = "Name"
goals = "Topics"
capacity = "Capacity"
advisor = "Advisor"
"""


# --------------------------------------------------------------- the example
def test_example_cohort_splits_multi_select_and_reads_capacities(
    example: Program,
) -> None:
    """Google Forms' ', '-joined answers become tags; '2.0' capacities are ints."""
    cohort = example.cohort()
    assert (cohort.n_mentors, cohort.n_mentees) == (14, 19)
    form = pd.read_csv(EXAMPLE / "responses.csv", dtype=str, keep_default_na=False)
    tors = form[form[ROLE] == "Mentor"].set_index("Your Name")
    cap = next(h for h in form.columns if h.startswith("How many students"))
    sub = next(h for h in form.columns if h.startswith("Which sub-discipline"))
    for m in cohort.mentors:
        row = tors.loc[m.id]
        assert m.capacity == int(float(row[cap]))
        want = {t.strip().lower() for t in row[sub].split(",") if t.strip()}
        assert m.goals == want
    assert any(len(m.goals) > 1 for m in cohort.mentors)
    assert all("," not in g for m in cohort.mentees for g in m.goals)


def test_example_solve_honours_the_different_rule(example: Program) -> None:
    """No pair shares a research advisor (never pair labmates); all matched."""
    result = example.solve()
    cohort = example.cohort()
    tee = {m.id: m.attributes.get("advisor") for m in cohort.mentees}
    tor = {m.id: m.attributes.get("advisor") for m in cohort.mentors}
    assert result.pairs
    for pair in result.pairs:
        assert tee[pair.mentee_id] != tor[pair.mentor_id]
    assert len(result.pairs) == cohort.n_mentees


def test_example_explanations_show_wants_and_never_missing_fields(
    example: Program,
) -> None:
    """The wants criterion explains itself; industry and availability never appear."""
    result = example.solve()
    texts = [
        result.explain(m) for m in dict.fromkeys(p.mentee_id for p in result.pairs)
    ]
    assert any("degree_fit" in t and "mentor wants a mentee" in t for t in texts)
    for t in texts:
        assert "industry" not in t
        assert "availability" not in t
        assert "commitment" not in t


def test_example_scores_are_in_unit_interval(example: Program) -> None:
    """The built problem has scores in [0, 1]."""
    p = example.problem()
    assert np.all((p.scores >= 0) & (p.scores <= 1))


def test_example_as_xlsx_gives_the_same_cohort(
    tmp_path: Path, example: Program
) -> None:
    """The same export saved as XLSX (numbers as floats) reads the same."""
    frame = pd.read_csv(EXAMPLE / "responses.csv", dtype=object)
    cap = next(h for h in frame.columns if h.startswith("How many students"))
    frame[cap] = pd.to_numeric(frame[cap])
    frame.to_excel(tmp_path / "responses.xlsx", index=False)
    text = (EXAMPLE / "program.toml").read_text(encoding="utf-8")
    (tmp_path / "program.toml").write_text(
        text.replace('"responses.csv"', '"responses.xlsx"'), encoding="utf-8"
    )
    got = Program.from_toml(tmp_path / "program.toml").cohort()
    assert got == example.cohort()


# --------------------------------------------------- the silent failures
def test_misspelt_field_in_columns_is_an_error(tmp_path: Path) -> None:
    """`Capacity = ...` in [columns] is not a silent attribute."""
    _form(tmp_path, _SMALL)
    with pytest.raises(InvalidInputError) as info:
        _program(tmp_path, _SMALL_TOML.replace("capacity =", "Capacity ="))
    assert any("did you mean 'capacity'" in p for p in _problems(info))


def test_misspelt_csv_columns_are_errors(tmp_path: Path) -> None:
    """Plain CSV columns `Capacity` and `language` are near misses, not attributes."""
    from alummatch import Cohort

    pd.DataFrame([{"id": "a", "Capacity": 2}]).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame([{"id": "m", "language": "en"}]).to_csv(
        tmp_path / "e.csv", index=False
    )
    with pytest.raises(InvalidInputError) as info:
        Cohort.from_csv(tmp_path / "t.csv", tmp_path / "e.csv")
    got = _problems(info)
    assert any("Capacity" in p and "did you mean 'capacity'" in p for p in got)
    assert any("language" in p and "did you mean 'languages'" in p for p in got)


def test_unmapped_header_is_reported_with_a_suggestion(tmp_path: Path) -> None:
    """A header neither mapped nor ignored is an error naming it."""
    rows = [dict(r, **{"Time zone": "UTC"}) for r in _SMALL]
    _form(tmp_path, rows)
    with pytest.raises(InvalidInputError) as info:
        _program(tmp_path, _SMALL_TOML).cohort()
    got = _problems(info)
    assert len(got) == 1
    assert "Time zone" in got[0]
    assert "neither mapped" in got[0]
    assert "'timezone'" in got[0]


def test_mapped_header_missing_from_the_form_is_reported(tmp_path: Path) -> None:
    """A [columns] header the form lacks is an error with a did-you-mean."""
    _form(tmp_path, _SMALL)
    toml = _SMALL_TOML.replace('advisor = "Advisor"', 'advisor = "Advisr"')
    with pytest.raises(InvalidInputError) as info:
        _program(tmp_path, toml).cohort()
    got = _problems(info)
    assert any("columns.advisor" in p and "did you mean 'Advisor'" in p for p in got), (
        got
    )


def test_comma_multi_select_is_split(tmp_path: Path) -> None:
    """'Control, Dynamics, Robotics' is three tags, not one."""
    _form(tmp_path, _SMALL)
    cohort = _program(tmp_path, _SMALL_TOML).cohort()
    assert cohort.mentors[0].goals == {"control", "dynamics", "robotics"}
    assert cohort.mentors[0].capacity == 2


def test_separator_per_column_overrides(tmp_path: Path) -> None:
    """A column's own separator wins over the detected one."""
    rows = [dict(r, Topics=r["Topics"].replace(", ", " / ")) for r in _SMALL]
    _form(tmp_path, rows)
    toml = _SMALL_TOML.replace(
        'goals = "Topics"', 'goals = { header = "Topics", separator = " / " }'
    )
    cohort = _program(tmp_path, toml).cohort()
    assert cohort.mentors[0].goals == {"control", "dynamics", "robotics"}


def test_field_the_form_lacks_is_off_and_never_explained(tmp_path: Path) -> None:
    """No industry question: industry weighs 0 and explanations never mention it."""
    _form(tmp_path, _SMALL)
    program = _program(tmp_path, _SMALL_TOML)
    result = program.solve()
    for pair in result.pairs:
        text = result.explain(pair.mentee_id)
        assert "industry" not in text
        assert "availability" not in text
    with pytest.raises(InvalidInputError) as info:
        _program(tmp_path, _SMALL_TOML + "\n[weights]\nindustry = 0.5\n")
    assert any("'industry' has no data" in p for p in _problems(info))


def test_one_bad_column_is_one_line_with_a_count(tmp_path: Path) -> None:
    """Five bad capacity cells give one problem naming the column and the count."""
    rows = [{"Name": f"t{k}", "Role": "Mentor", "Cap": "lots"} for k in range(5)] + [
        {"Name": "m", "Role": "Mentee", "Cap": ""}
    ]
    _form(tmp_path, rows)
    toml = """
    [input]
    form = "form.csv"
    role = { column = "Role" }
    [columns]
    id = "Name"
    capacity = "Cap"
    """
    with pytest.raises(InvalidInputError) as info:
        _program(tmp_path, toml).cohort()
    got = _problems(info)
    assert len(got) == 1
    assert "'Cap'" in got[0]
    assert "5 rows" in got[0]
    assert "expected a whole number" in got[0]


def test_unknown_role_answers_are_reported(tmp_path: Path) -> None:
    """A role answer that is neither is reported once with the rows."""
    rows = [*_SMALL, dict(_SMALL[0], Name="Eve", Role="Both")]
    _form(tmp_path, rows)
    with pytest.raises(InvalidInputError) as info:
        _program(tmp_path, _SMALL_TOML).cohort()
    assert any("'Both'" in p and "neither" in p for p in _problems(info))


# ------------------------------------------------------ checked settings
def test_every_settings_problem_is_listed_at_once(tmp_path: Path) -> None:
    """Unknown keys, solver, objective, rule attribute and weights: all reported."""
    _form(tmp_path, _SMALL)
    toml = (
        _SMALL_TOML
        + """
    [weights]
    goalz = 1.0

    [[rules]]
    attribute = "advisr"
    relation = "different"

    [[criteria]]
    kind = "overlapp"
    column = "goals"

    [solve]
    solver = "hungarain"
    objective = "coverge"
    time_limt = 5
    """
    )
    with pytest.raises(InvalidInputError) as info:
        _program(tmp_path, textwrap.dedent(toml))
    got = "\n".join(_problems(info))
    assert "weights.goalz" in got
    assert "did you mean 'goals'" in got
    assert "rules[0].attribute" in got
    assert "did you mean 'advisor'" in got
    assert "criteria[0].kind" in got
    assert "did you mean 'overlap'" in got
    assert "did you mean 'hungarian'" in got
    assert "did you mean 'coverage'" in got
    assert "solve.time_limt" in got
    assert got.count("program.toml") == 6


def test_toml_syntax_error_is_an_input_error(tmp_path: Path) -> None:
    """Broken TOML is one readable problem, not a traceback."""
    (tmp_path / "program.toml").write_text("[input\nform = 1", encoding="utf-8")
    with pytest.raises(InvalidInputError) as info:
        Program.from_toml(tmp_path / "program.toml")
    assert "not valid TOML" in _problems(info)[0]


def test_two_files_input(tmp_path: Path) -> None:
    """mentors and mentees given as two files, each mapped the same way."""
    tors = [r for r in _SMALL if r["Role"] == "Mentor"]
    tees = [r for r in _SMALL if r["Role"] == "Mentee"]
    _form(tmp_path, tors, "mentors.csv")
    _form(tmp_path, tees, "mentees.csv")
    toml = _SMALL_TOML.replace(
        'form = "form.csv"\nrole = { column = "Role", mentor = "Mentor", mentee = '
        '"Mentee" }',
        'mentors = "mentors.csv"\nmentees = "mentees.csv"',
    ).replace('advisor = "Advisor"', 'advisor = "Advisor"\nignore = ["Role"]')
    cohort = _program(tmp_path, toml).cohort()
    assert cohort.mentor_ids == ("Ann", "Bob")
    assert cohort.mentee_ids == ("Cat", "Dan")


def test_importance_ratings_scale_a_mentees_weights(tmp_path: Path) -> None:
    """'Not important' drops a criterion for that mentee; others keep it."""
    rows = [
        dict(r, Campus=c, Imp=i)
        for r, c, i in zip(
            _SMALL,
            ["North", "South", "South", "South"],
            ["", "", "Very important", "Not important"],
            strict=True,
        )
    ]
    _form(tmp_path, rows)
    toml = (
        _SMALL_TOML
        + """campus = "Campus"
[[criteria]]
kind = "same"
column = "campus"
weight = 1.0
[importance]
campus = "Imp"
"""
    )
    program = _program(tmp_path, toml)
    cohort = program.cohort()
    assert cohort.mentees[0].importance == {"campus": 2.0}
    assert cohort.mentees[1].importance == {"campus": 0.0}
    problem = program.problem(cohort)
    text = problem.context.explain_pair(1, 1)  # type: ignore[union-attr]
    assert not any(t.startswith("campus") for t in text)
    text = problem.context.explain_pair(0, 1)  # type: ignore[union-attr]
    assert any(t.startswith("campus") for t in text)


def test_read_form_reports_unknown_extension(tmp_path: Path) -> None:
    """Only .csv and .xlsx are forms."""
    shutil.copy(EXAMPLE / "responses.csv", tmp_path / "responses.txt")
    frame, problems = read_form(tmp_path / "responses.txt")
    assert frame.empty
    assert "expected a .csv or .xlsx file" in problems[0].message


def test_duplicate_headers_are_reported(tmp_path: Path) -> None:
    """Two questions with the same title: one problem, no crash."""
    (tmp_path / "form.csv").write_text(
        "Name,Role,Topics,Capacity?,Advisor,Topics\nAnn,Mentor,a,1,x,b\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as info:
        _program(tmp_path, _SMALL_TOML).cohort()
    assert any("appears more than once" in p for p in _problems(info))


def test_xlsx_numbers_and_dates_become_text_where_text_is_meant(tmp_path: Path) -> None:
    """Numeric ids (12345.0 in a spreadsheet) are '12345'; dates are text."""
    frame = pd.DataFrame(
        {
            "When": pd.to_datetime(["2026-08-01", "2026-08-02"]),
            "Student number": [12345.0, 678.0],
            "Role": ["Mentor", "Mentee"],
        }
    )
    frame.to_excel(tmp_path / "form.xlsx", index=False)
    program = _program(
        tmp_path,
        """
        [input]
        form = "form.xlsx"
        role = { column = "Role" }
        [columns]
        id = "Student number"
        signed_up = "When"
        """,
    )
    cohort = program.cohort()
    assert cohort.mentor_ids == ("12345",)
    assert cohort.mentees[0].attributes["signed_up"].startswith("2026-08-02")


def test_mentor_importance_ratings_are_read_too(tmp_path: Path) -> None:
    """A mentor's rating scales the weights of pairs with that mentor."""
    rows = [
        dict(r, Imp=i)
        for r, i in zip(
            _SMALL, ["Not important", "", "Very important", ""], strict=True
        )
    ]
    _form(tmp_path, rows)
    program = _program(tmp_path, _SMALL_TOML + '\n[importance]\ngoals = "Imp"\n')
    cohort = program.cohort()
    assert cohort.mentors[0].importance == {"goals": 0.0}
    assert cohort.mentees[0].importance == {"goals": 2.0}


def test_program_cohort_round_trips_through_frames(example: Program) -> None:
    """to_frames/from_frames keeps ratings and multi-select answers: same scores."""
    from alummatch import Cohort

    cohort = example.cohort()
    again = Cohort.from_frames(*cohort.to_frames())
    assert [m.importance for m in again.mentees] == [
        m.importance for m in cohort.mentees
    ]
    np.testing.assert_allclose(
        example.problem(again).scores, example.problem(cohort).scores, atol=1e-6
    )


def test_history_file_keeps_active_pairs_and_never_repeats_past_ones(
    tmp_path: Path,
) -> None:
    """``[input] history``: Cat keeps Ann; Dan never gets Bob back; a missing
    file is the first term (an empty history)."""
    _form(tmp_path, _SMALL)
    text = _SMALL_TOML.replace(
        'form = "form.csv"', 'form = "form.csv"\nhistory = "history.csv"'
    )
    first = _program(tmp_path, text)
    assert first.history() is not None
    assert len(first.history().to_frame()) == 0  # type: ignore[union-attr]
    pd.DataFrame(
        {
            "mentee_id": ["Cat", "Dan"],
            "mentor_id": ["Ann", "Bob"],
            "term": ["2025-fall", "2025-fall"],
            "status": ["active", "ended"],
        }
    ).to_csv(tmp_path / "history.csv", index=False)
    result = _program(tmp_path, text).solve()
    pairs = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    assert ("Cat", "Ann") in pairs
    assert ("Dan", "Bob") not in pairs
    assert result.info["history_pinned"] == 1


def test_history_must_be_a_csv_file(tmp_path: Path) -> None:
    """A history given as a spreadsheet is named in the error."""
    _form(tmp_path, _SMALL)
    text = _SMALL_TOML.replace(
        'form = "form.csv"', 'form = "form.csv"\nhistory = "history.xlsx"'
    )
    with pytest.raises(InvalidInputError, match=r"input\.history"):
        _program(tmp_path, text)
