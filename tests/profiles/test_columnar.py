"""The column-wise CSV path gives the cohort and the problems of the per-cell path.

``Cohort.from_csv`` reads files in chunks and validates each distinct cell
text once; the reference here is the row-by-row reader followed by the
record-by-record validation of ``Cohort.from_frames``. Both run on generated
files with injected bad cells and odd rows, and must agree exactly: same
records (values, order of fields, fields set), same problems in the same
order.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import csv_bytes, csv_tables

from alummatch import Cohort, InvalidInputError
from alummatch.datasets import synthetic_cohort
from alummatch.errors import InputProblem
from alummatch.profiles.availability import REFERENCE_WEEK
from alummatch.profiles.columnar import TEXT_FIELDS
from alummatch.profiles.models import REQUIRED_COLUMNS, Mentee, Mentor
from alummatch.profiles.reading import _read_arrow, _read_exact, read_csv_columns

# (side, column, bad text): every cell fault the reader reports
BAD_CELLS: list[tuple[str, str, str]] = [
    ("mentees", "industry", "basket-weaving"),
    ("mentees", "timezone", "Moon/Base"),
    ("mentors", "timezone", "europe/berlin"),
    ("mentees", "availability", "Mon 18-20"),
    ("mentors", "availability", "Mon 09:00-10:00; Tue 25:00-26:00"),
    ("mentees", "availability", "Funday 10:00-11:00"),
    ("mentors", "meeting_frequency", "daily"),
    ("mentees", "commitment", "forever"),
    ("mentors", "format", "hologram"),
    ("mentees", "languages", "english;x1"),
    ("mentors", "capacity", "-2"),
    ("mentors", "capacity", "2.5"),
    ("mentors", "min_load", "9"),
    ("mentees", "demand", "0"),
    ("mentees", "demand", "lots"),
    ("mentees", "wait", "-1"),
    ("mentees", "priority", "salary"),
    ("mentors", "graduation_year", "1800"),
    ("mentees", "importance", "goals=2; industry"),
    ("mentees", "importance", "goals=-1"),
    ("mentees", "preferred_mentors", "a-00000;a-00000"),
    ("mentees", "preferred_mentors", "a-99999"),
    ("mentors", "preferred_mentees", "m-99999; m-00001"),
    ("mentees", "id", ""),
    ("mentees", "id", "m-00002"),
    ("mentors", "id", " a-00003 "),
]

# (side, column, odd but valid text): normalised the same way on both paths
ODD_CELLS: list[tuple[str, str, str]] = [
    ("mentees", "industry", "  Software "),
    ("mentees", "goals", "Networking ; CV-review;"),
    ("mentees", "goals", "networking;;cv-review;\u00a0"),
    ("mentors", "timezone", "Europe/Berlin "),
    ("mentors", "availability", "tue 9:30-11:00;  Fri 22:00-24:00"),
    ("mentees", "meeting_frequency", " WEEKLY"),
    ("mentors", "capacity", "3.0"),
    ("mentors", "min_load", "1"),
    ("mentees", "languages", "pt_BR; EN"),
    ("mentees", "about", 'two\nlines, "quoted"'),
    ("mentees", "about", "   "),
    ("mentees", "first_generation", " maybe "),
    ("mentees", "importance", "goals=2; industry=0.5"),
    ("mentees", "priority", " Goals"),
    ("mentors", "location", "\u00a0Lisbon\u2003"),
]


def _files(folder: Path, n: int = 40, m: int = 16, seed: int = 0) -> dict[str, Path]:
    tors, tees = synthetic_cohort(n, m, seed=seed).to_frames()
    paths = {"mentors": folder / "mentors.csv", "mentees": folder / "mentees.csv"}
    tors.to_csv(paths["mentors"], index=False)
    tees.to_csv(paths["mentees"], index=False)
    return paths


def _edit(path: Path, cells: list[tuple[int, str, str]]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for row, column, text in cells:
        frame.loc[row % len(frame), column] = text
    frame.to_csv(path, index=False)


def _per_cell(paths: dict[str, Path]) -> Cohort:
    """The reference: row-by-row reading, record-by-record validation."""
    frames, names, problems = [], [], []
    for side in ("mentors", "mentees"):
        table, found = _read_exact(paths[side], REQUIRED_COLUMNS)
        frames.append(table.frame())
        names.append(paths[side].name)
        problems.extend(found)
    return Cohort._from_tables(
        frames[0],
        frames[1],
        (names[0], names[1]),
        lambda name: lambda key: f"{name} row {key[1]}",
        REFERENCE_WEEK,
        problems,
    )


def _outcome(load: Any) -> tuple[str, Any]:
    try:
        return "ok", load()
    except InvalidInputError as exc:
        return "error", list(exc.problems)


def _same(paths: dict[str, Path]) -> tuple[str, Any]:
    """Both paths agree exactly; returns the outcome."""
    fast = _outcome(lambda: Cohort.from_csv(paths["mentors"], paths["mentees"]))
    slow = _outcome(lambda: _per_cell(paths))
    assert fast[0] == slow[0], (fast, slow)
    if fast[0] == "error":
        assert fast[1] == slow[1]
        return fast
    assert fast[1] == slow[1]
    for a, b in zip(
        (*fast[1].mentors, *fast[1].mentees),
        (*slow[1].mentors, *slow[1].mentees),
        strict=True,
    ):
        assert type(a) is type(b)
        assert list(a.__dict__.items()) == list(b.__dict__.items())
        assert a.model_fields_set == b.model_fields_set
        assert a.__pydantic_extra__ == b.__pydantic_extra__
        assert a.__pydantic_private__ == b.__pydantic_private__
        assert a.attributes is not b.attributes
        assert a.importance is not b.importance
    return fast


def test_valid_generated_files_give_the_same_cohort(tmp_path: Path) -> None:
    """A valid synthetic cohort loads identically on both paths and round-trips."""
    paths = _files(tmp_path, 120, 50, seed=3)
    kind, cohort = _same(paths)
    assert kind == "ok"
    assert cohort == synthetic_cohort(120, 50, seed=3)


@pytest.mark.parametrize(("side", "column", "text"), BAD_CELLS)
def test_each_bad_cell_kind_is_reported_alike(
    tmp_path: Path, side: str, column: str, text: str
) -> None:
    """Every kind of bad cell gives the same problems on both paths."""
    paths = _files(tmp_path)
    _edit(paths[side], [(5, column, text)])
    kind, problems = _same(paths)
    assert kind == "error"
    assert problems


@pytest.mark.parametrize(("side", "column", "text"), ODD_CELLS)
def test_odd_but_valid_cells_are_normalised_alike(
    tmp_path: Path, side: str, column: str, text: str
) -> None:
    """Case, spaces, float-written integers and new columns load identically."""
    paths = _files(tmp_path)
    _edit(paths[side], [(7, column, text), (8, column, text)])
    assert _same(paths)[0] == "ok"


_injection = st.tuples(
    st.integers(0, 200), st.sampled_from(BAD_CELLS + ODD_CELLS + ODD_CELLS)
)


@settings(max_examples=30, deadline=None)
@given(cells=st.lists(_injection, max_size=8), seed=st.integers(0, 3))
def test_random_injections_agree(
    cells: list[tuple[int, tuple[str, str, str]]], seed: int
) -> None:
    """Any mix of bad and odd cells: same cohort or same problems, in order."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = _files(Path(tmp), seed=seed)
        for side in ("mentors", "mentees"):
            mine = [(r, c, t) for r, (s, c, t) in cells if s == side]
            if mine:
                _edit(paths[side], mine)
        _same(paths)


# file-level faults: (mentors file content, expected fragment of the first problem)
FILE_FAULTS: list[tuple[bytes, str]] = [
    (b"id,industry,timezone\na-1,software,UTC\na-2,software,UTC,,,x\n", "cells"),
    (b"id,industry,,timezone\na-1,software,x,UTC\n", "no header name"),
    (b"id,industry,timezone\na-1,soft\xffware,UTC\n", "not UTF-8"),
    ("id,industry\na-1,software\n".encode("utf-16"), "not UTF-8"),
    (b'id,industry,timezone\na-1,"software,UTC\n', "not a valid CSV"),
    (b'id,industry,timezone\na-1,"soft"ware,UTC\n', "not a valid CSV"),
    (b"", "the file is empty"),
    (b"\n,,\n\n", "the file is empty"),
    (b"industry,timezone\nsoftware,UTC\n", "required column is missing"),
    (b"id,industry,id\na-1,software,a-2\n", "more than once"),
    (b"id,Capacity\na-1,2\n", "did you mean 'capacity'"),
    (b"id\n", "no mentors"),
    (b"id,attributes\na-1,x\n", ""),
    (b"id,industry,timezone,,\na-1,software,UTC,,\n\n,,,,\na-2,software,UTC\n", ""),
    (b'\xef\xbb\xbfid,about,capacity\na-1,"x\r\ny",1\r\n\r\na-2,"p\rq\nr",-1\n', ""),
    (b"id,capacity\na-1,2,,\na-2,3\n", ""),
]


@pytest.mark.parametrize(("content", "fragment"), FILE_FAULTS)
def test_file_faults_are_reported_alike(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    """Ragged rows, nameless columns, encodings, quoting, empty files, headers,
    blank and multi-line rows: same outcome, same problems on both paths."""
    paths = {"mentors": tmp_path / "mentors.csv", "mentees": tmp_path / "mentees.csv"}
    paths["mentors"].write_bytes(content)
    paths["mentees"].write_text("id,industry\nm-1,software\n")
    kind, got = _same(paths)
    if fragment:
        assert kind == "error"
        assert fragment in str(got[0])


@pytest.mark.parametrize(("content", "fragment"), FILE_FAULTS)
def test_chunked_and_row_by_row_readers_agree(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    """The chunked reader gives the row-by-row reader's table and problems."""
    path = tmp_path / "mentors.csv"
    path.write_bytes(content)
    fast, p1 = read_csv_columns(path)
    slow, p2 = _read_exact(path, REQUIRED_COLUMNS)
    assert p1 == p2
    pd.testing.assert_frame_equal(fast.frame(), slow.frame())


def test_text_fields_are_plain_strings() -> None:
    """The fields taken as their stripped text validate to exactly that text."""
    for model in (Mentor, Mentee):
        for field in TEXT_FIELDS:
            for text in ("x", "a b", "\u00a0y\u2003".strip(), "é;,\"'", "1.0"):
                got = model.model_validate({"id": "i", field: text})
                assert getattr(got, field) == text


def test_only_known_validators_read_other_fields() -> None:
    """The column-wise path knows every validator that looks at another field
    (min_load against capacity); a new one must be taught to it."""
    for model in (Mentor, Mentee):
        decorators = model.__pydantic_decorators__
        assert not decorators.model_validators
        names = set(decorators.field_validators)
        assert names == ({"_min_load_within_capacity"} if model is Mentor else set())


def test_reading_logs_progress_milestones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With INFO enabled, reading logs row counts with byte progress."""
    paths = _files(tmp_path)
    with caplog.at_level(logging.INFO, logger="alummatch"):
        Cohort.from_csv(paths["mentors"], paths["mentees"])
    progress = [r.progress for r in caplog.records if hasattr(r, "progress")]
    assert [p[0] for p in progress] == ["mentors.csv", "mentees.csv"]
    assert all(p[1] == p[2] > 0 for p in progress)


def test_problems_name_rows_by_line_after_multiline_cells(tmp_path: Path) -> None:
    """Rows after cells spanning lines keep their own line number."""
    tors = 'id,about,capacity\na-1,"x\ny\nz",1\na-2,,-1\n'
    paths = {"mentors": tmp_path / "t.csv", "mentees": tmp_path / "e.csv"}
    paths["mentors"].write_text(tors)
    paths["mentees"].write_text("id\nm-1\n")
    kind, got = _same(paths)
    assert kind == "error"
    assert got == [InputProblem("t.csv row 5 (id 'a-2')", "capacity", got[0].message)]


@pytest.mark.parametrize("model", [Mentor, Mentee])
def test_field_probes_agree_with_the_whole_model(model: type[Mentor | Mentee]) -> None:
    """Validating one field alone accepts, rejects and normalises each text as
    validating a whole record with that field does."""
    from alummatch.profiles.columnar import _probe

    texts = [text for _, _, text in BAD_CELLS + ODD_CELLS] + [
        "2",
        "0",
        "1.5",
        "UTC",
        "software",
        "en",
        "Mon 18:00-20:00",
        "goals=1",
        "a;b;a",
        "x",
    ]
    for field in set(model.model_fields) - {"attributes", "id"} - TEXT_FIELDS:
        for text in texts:
            record: dict[str, Any] = {"id": "x", field: text}
            if field == "min_load":
                record["capacity"] = "1000000000"
            try:
                expected: tuple[bool, Any] = (
                    True,
                    getattr(model.model_validate(record), field),
                )
            except ValueError:
                expected = (False, None)
            assert _probe(model, field, text) == expected, (field, text)


def _readers_agree(path: Path) -> None:
    fast, p1 = read_csv_columns(path)
    slow, p2 = _read_exact(path, REQUIRED_COLUMNS)
    assert p1 == p2
    pd.testing.assert_frame_equal(fast.frame(), slow.frame())


@settings(max_examples=300, deadline=None)
@given(content=csv_bytes())
def test_any_bytes_read_alike(content: bytes) -> None:
    """Whatever the bytes (broken quoting, lone carriage returns, NUL, invalid
    UTF-8, byte-order marks, ragged rows), the pyarrow reader, the chunked
    reader and the row-by-row reader give one table and the same problems."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(content)
        _readers_agree(path)


@settings(max_examples=300, deadline=None)
@given(content=csv_tables())
def test_written_csv_reads_alike(content: bytes) -> None:
    """Files written by :mod:`csv` (quoted commas, quotes and line breaks in
    cells, blank rows, CRLF, a byte-order mark) read alike on every path."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(content)
        _readers_agree(path)


@pytest.mark.parametrize(
    "content",
    [
        b"id,about\na-1,x\n",
        b'\xef\xbb\xbfid,about\r\na-1,"x\r\ny, ""z"""\r\n\r\n,\r\na-2,\r\n',
        b'\n,\nid,about\n\na-1,"two\nlines"\na-2,\xc3\xa9\n',
        b"id\n\na-1\n  \n",
        b"id,about\n",
        b"id,about\na-1,x",
    ],
)
def test_regular_files_take_the_pyarrow_reader(tmp_path: Path, content: bytes) -> None:
    """Regular files, quoted line breaks and blank rows included, are read by
    pyarrow (the other readers are the reference, not the usual path)."""
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert _read_arrow(path) is not None
    _readers_agree(path)


@pytest.mark.parametrize(
    "content",
    [
        b'id,about\na-1,x"y\n',  # a quote inside an unquoted cell
        b'id,about\na-1,"x"y\n',  # text after a closing quote
        b'id,about\na-1,"x\n',  # an unclosed quote
        b"id,about\ra-1,x\r",  # lone carriage returns end lines for csv
        b"id,about\na-1,x,y\n",  # a row wider than the header
        b"id,about\na-1\n",  # a short row
        b"id,about\na-1,\xff\n",  # not UTF-8
        b"id,about\n\xef\xbb\xbfa-1,x\n",  # a byte-order mark inside
    ],
)
def test_irregular_files_are_left_to_the_csv_readers(
    tmp_path: Path, content: bytes
) -> None:
    """Whatever pyarrow might read differently goes to the :mod:`csv` readers."""
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert _read_arrow(path) is None
    _readers_agree(path)


def test_huge_cells_are_left_to_the_csv_readers(tmp_path: Path) -> None:
    """A row longer than the csv field size limit is the csv module's to report."""
    path = tmp_path / "f.csv"
    path.write_bytes(b"id,about\na-1," + b"x" * (csv.field_size_limit() + 1) + b"\n")
    assert _read_arrow(path) is None
    _readers_agree(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_read_once(tmp_path: Path) -> None:
    """A pipe (``<(...)`` in a shell) cannot be read twice: it is streamed."""
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)

    def write() -> None:
        with path.open("w") as fh:
            fh.write("id,about\na-1,x\n")

    writer = threading.Thread(target=write)
    writer.start()
    table, problems = read_csv_columns(path)
    writer.join()
    assert problems == []
    assert table.frame().to_dict("records") == [{"id": "a-1", "about": "x"}]
