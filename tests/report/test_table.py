"""The staff CSV: formula injection, columns, rounding, names, waiting slots."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alummatch as am
from alummatch.report import reason_category, safe_cell, staff_frame
from alummatch.report.table import DANGEROUS
from tests.report.conftest import (
    ACCENTED,
    DANGEROUS_IDS,
    DANGEROUS_NAMES,
    HOSTILE_MENTOR,
)

CRITERIA = ["industry", "goals", "availability", "expectations"]
COLUMNS = [
    "mentee_id",
    "mentor_id",
    "status",
    "score",
    *(f"{c}_contribution" for c in CRITERIA),
    "reason",
]
NAMED_COLUMNS = [
    "mentee_id",
    "mentee_name",
    "mentor_id",
    "mentor_name",
    *COLUMNS[2:],
]


def _cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("char", DANGEROUS)
def test_safe_cell_prefixes_every_dangerous_first_character(char: str) -> None:
    """Text starting with =, +, -, @, tab or CR gets a leading quote."""
    assert safe_cell(f"{char}1+1") == f"'{char}1+1"


def test_safe_cell_leaves_numbers_and_plain_text() -> None:
    """Numbers stay numbers, even negative; other text is unchanged."""
    assert safe_cell(-0.5) == -0.5
    assert safe_cell(3) == 3
    assert safe_cell("m-01") == "m-01"
    assert safe_cell("") == ""


def test_formula_injection_ids_and_names_come_out_prefixed(
    hostile_result: am.MatchResult, tmp_path: Path
) -> None:
    """Every id and name that starts with a formula character is prefixed."""
    path = tmp_path / "pairs.csv"
    hostile_result.to_csv(path)
    rows = _cells(path)
    header, body = rows[0], rows[1:]
    assert header == NAMED_COLUMNS
    text = [cell for row in body for cell in row]
    for dangerous in (*DANGEROUS_IDS, *DANGEROUS_NAMES, HOSTILE_MENTOR, "-Bob"):
        assert "'" + dangerous in text, dangerous
        assert dangerous not in text, dangerous
    for cell in text:
        assert not cell.startswith(DANGEROUS), cell
    # numbers are written as numbers, never quoted or prefixed
    col = header.index("score")
    paired = [r for r in body if r[header.index("status")] == "paired"]
    assert paired
    for r in paired:
        float(r[col])


def test_tab_and_carriage_return_ids_are_prefixed(tmp_path: Path) -> None:
    """Ids from a score matrix can start with tab or CR: they are prefixed too."""
    problem = am.MatchingProblem.from_scores(
        [[0.5], [0.4]], mentee_ids=["\tx", "\ry"], mentor_ids=["\t=a"]
    )
    path = tmp_path / "pairs.csv"
    am.solve(problem).to_csv(path)
    text = [cell for row in _cells(path)[1:] for cell in row]
    assert {"'\tx", "'\ry", "'\t=a"} <= set(text)


def test_csv_round_trips_through_pandas(
    hostile_result: am.MatchResult, tmp_path: Path
) -> None:
    """pandas reads the documented columns, rounded numbers and the names."""
    path = tmp_path / "pairs.csv"
    hostile_result.to_csv(path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    assert frame.columns.tolist() == NAMED_COLUMNS
    assert frame["score"].dtype == np.float64
    paired = frame[frame["status"] == "paired"]
    waiting = frame[frame["status"] == "waiting"]
    assert len(paired) == len(hostile_result.pairs)
    assert len(waiting) == len(hostile_result.unmatched)
    assert ACCENTED in set(frame["mentee_id"])
    assert "Zoë Ærø" in set(frame["mentee_name"])
    assert "Ana <Ø>" in set(frame["mentor_name"])
    assert waiting["reason"].str.len().gt(0).all()
    assert paired["reason"].str.len().gt(0).all()
    assert waiting["score"].isna().all()


def test_scores_and_contributions_are_rounded(
    sample_result: am.MatchResult, tmp_path: Path
) -> None:
    """Score and contributions to 3 decimals; the contributions add to the score."""
    path = tmp_path / "pairs.csv"
    sample_result.to_csv(path)
    raw = path.read_text(encoding="utf-8-sig")
    assert "0.525632381439209" not in raw
    frame = pd.read_csv(path)
    assert frame.columns.tolist() == COLUMNS  # the sample has no names
    numbers = frame[["score", *(f"{c}_contribution" for c in CRITERIA)]]
    values = numbers.to_numpy(dtype=np.float64)
    ok = np.isfinite(values)
    assert np.allclose(values[ok], np.round(values[ok], 3))
    paired = frame[frame["status"] == "paired"]
    parts = paired[[f"{c}_contribution" for c in CRITERIA]].sum(axis=1)
    assert np.allclose(parts, paired["score"], atol=0.003)
    exact = [p.score for p in sample_result.pairs]
    assert np.allclose(paired["score"], exact, atol=5e-4)


def test_one_row_per_unmatched_mentee_slot() -> None:
    """A mentee who wanted two mentors and got none has two waiting rows."""
    problem = am.MatchingProblem.from_scores(
        [[0.9, 0.8], [0.7, 0.6]], mentee_demand=[2, 1], mentor_capacity=0
    )
    frame = staff_frame(am.solve(problem))
    assert frame["mentee_id"].tolist() == ["m-0", "m-0", "m-1"]
    assert (frame["status"] == "waiting").all()
    assert frame.columns.tolist() == [
        "mentee_id",
        "mentor_id",
        "status",
        "score",
        "reason",
    ]


def test_from_scores_result_has_no_names_or_contributions(tmp_path: Path) -> None:
    """Without a cohort: ids, score and reason only; the CSV still works."""
    rng = np.random.default_rng(3)
    problem = am.MatchingProblem.from_scores(rng.random((5, 2)))
    path = tmp_path / "pairs.csv"
    result = am.solve(problem)
    result.to_csv(path)
    frame = pd.read_csv(path)
    assert frame.columns.tolist() == [
        "mentee_id",
        "mentor_id",
        "status",
        "score",
        "reason",
    ]
    assert len(frame) == 5
    assert frame.loc[frame["status"] == "paired", "reason"].str.contains("mentor").all()


def test_to_frame_stays_lossless(sample_result: am.MatchResult) -> None:
    """to_frame keeps full-precision scores and raw components for analysts."""
    frame = sample_result.to_frame()
    paired = frame[frame["mentor_id"] != ""]
    assert paired["score"].tolist() == [p.score for p in sample_result.pairs]
    assert "industry" in frame.columns


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        (
            "capacity exhausted: all 30 allowed mentor(s) are full",
            "every suitable mentor is full",
        ),
        (
            "no allowed mentor: shared language: speaks only 'es', no mentor speaks it",
            "nobody shares their language",
        ),
        (
            "no allowed mentor left: removed 3 by MinScore(0.4)",
            "every suitable pair was removed by MinScore(0.4)",
        ),
        (
            "no allowed mentor left: removed 1 by Forbidden(1 pairs), "
            "2 by MinScore(0.4)",
            "every suitable pair was removed by Forbidden(1 pairs) and MinScore(0.4)",
        ),
        ("every allowed mentor has capacity 0", "every suitable mentor has no seats"),
        (
            "matched 1 of 2 mentors wanted; capacity exhausted: the other 3 allowed "
            "mentor(s) are full",
            "every suitable mentor is full",
        ),
        (
            "no allowed mentor: advisor: same advisor as every mentor",
            "no mentor passes the rule 'advisor'",
        ),
        ("something new", "something new"),
    ],
)
def test_reason_categories(reason: str, category: str) -> None:
    """Engine reasons group into categories a coordinator can act on."""
    assert reason_category(reason) == category


def test_abstaining_criteria_are_blank(
    tmp_path: Path, sample_result: am.MatchResult
) -> None:
    """A NaN contribution (criterion without data) is an empty cell, not 'nan'."""
    from alummatch.report.facts import facts

    f = facts(sample_result)
    f.shares["goals"] = f.shares["goals"].copy()
    f.shares["goals"][0] = math.nan
    frame = staff_frame(sample_result, f)
    assert math.isnan(frame.loc[0, "goals_contribution"])


def test_candidate_problem_writes_the_same_csv_as_the_dense_one(tmp_path: Path) -> None:
    """Ranks and the best mentor a waiting student could have had are read by
    re-scoring rows: a candidate problem (no dense matrix) says the same."""
    import alummatch as am
    from alummatch.datasets import synthetic_cohort

    cohort = synthetic_cohort(60, 20, seed=1)
    dense = am.solve(am.build_problem(cohort), "flow")
    cand = am.solve(am.build_problem(cohort, candidates=3), "flow")
    dense.to_csv(tmp_path / "d.csv")
    cand.to_csv(tmp_path / "c.csv")
    assert (tmp_path / "d.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()
