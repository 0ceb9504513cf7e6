"""Tests of History: loading, validation (every bad row at once), updates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alummatch import History, InvalidInputError


def _frame(**extra: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        "mentee_id": ["m-1", "m-2", "m-1", "m-3"],
        "mentor_id": ["a-1", "a-1", "a-2", "a-2"],
        "term": ["2025-fall", "2025-fall", "2026-spring", "2026-spring"],
        "status": ["completed", "ended", "active", "active"],
    }
    return pd.DataFrame({**base, **extra})


def test_from_frame_keeps_rows_and_outcomes() -> None:
    """Key columns as text, outcomes as floats with NaN for blank cells."""
    h = History.from_frame(
        _frame(satisfaction=[5, None, "4", ""], meetings=[8, 2, 3, 1])
    )
    f = h.to_frame()
    assert list(f.columns) == [
        "mentee_id",
        "mentor_id",
        "term",
        "status",
        "satisfaction",
        "meetings",
    ]
    assert h.outcomes == ("satisfaction", "meetings")
    assert f["satisfaction"].dtype == np.float64
    assert f["satisfaction"].isna().tolist() == [False, True, False, True]
    assert h.terms == ("2025-fall", "2026-spring")
    assert len(h) == 4


def test_statuses_are_case_insensitive_and_ids_are_text() -> None:
    """'Active ' reads as 'active'; numeric ids become text without '.0'."""
    h = History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": [7, 8],
                "mentor_id": ["a", "a"],
                "term": ["t", "t"],
                "status": [" Active ", "ENDED"],
            }
        )
    )
    f = h.to_frame()
    assert f["status"].tolist() == ["active", "ended"]
    assert f["mentee_id"].tolist() == ["7", "8"]


def test_csv_round_trip(tmp_path: Path) -> None:
    """to_csv then from_csv gives the same history (blank outcomes stay blank)."""
    h = History.from_frame(_frame(satisfaction=[5, None, 4, None]))
    h.to_csv(tmp_path / "history.csv")
    assert History.from_csv(tmp_path / "history.csv") == h


def test_bad_file_reports_every_bad_row_at_once(data_dir: Path) -> None:
    """One error names each bad row of the file, by line, in file order."""
    with pytest.raises(InvalidInputError) as info:
        History.from_csv(data_dir / "bad_history.csv")
    found = [(p.where, p.field) for p in info.value.problems]
    assert found == [
        ("bad_history.csv row 3", "status"),
        ("bad_history.csv row 4", "satisfaction"),
        ("bad_history.csv row 5", ""),
        ("bad_history.csv row 6", "mentee_id"),
        ("bad_history.csv row 7", "meetings"),
        ("bad_history.csv row 8", "status"),
    ]
    text = str(info.value)
    assert "did you mean 'active'" in text
    assert "duplicate of bad_history.csv row 2" in text
    assert "'great' is not a number" in text
    assert "'paused'" in text


def test_missing_columns_suggest_lookalikes() -> None:
    """A missing key column is named, with the header it probably is."""
    df = pd.DataFrame(
        {"Mentee ID": ["m"], "mentor_id": ["a"], "term": ["t"], "Status": ["active"]}
    )
    with pytest.raises(InvalidInputError) as info:
        History.from_frame(df)
    text = str(info.value)
    assert "mentee_id: required column is missing (did you mean 'Mentee ID'?)" in text
    assert "(did you mean 'Status'?)" in text


def test_not_a_frame_and_empty_file(tmp_path: Path) -> None:
    """A non-DataFrame and an empty file are input errors, not crashes."""
    with pytest.raises(InvalidInputError, match="expected a pandas DataFrame"):
        History.from_frame([("m", "a")])  # type: ignore[arg-type]
    (tmp_path / "h.csv").write_text("")
    with pytest.raises(InvalidInputError, match="empty"):
        History.from_csv(tmp_path / "h.csv")


def test_infinite_and_boolean_outcomes_are_rejected() -> None:
    """Outcomes must be finite numbers."""
    with pytest.raises(InvalidInputError) as info:
        History.from_frame(_frame(score=[np.inf, 1.0, True, 2.0]))
    assert [p.where for p in info.value.problems] == ["history row 0", "history row 2"]


def test_empty_history() -> None:
    """History() holds no rows and no terms."""
    h = History()
    assert len(h) == 0
    assert h.terms == ()
    assert h.active_pairs() == []


def test_current_status_is_the_latest_term() -> None:
    """A pair ended in one term and made again later is active now."""
    h = History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": ["m", "m", "n"],
                "mentor_id": ["a", "a", "a"],
                "term": ["2025-fall", "2026-spring", "2026-spring"],
                "status": ["ended", "active", "completed"],
            }
        )
    )
    cur = h.current()
    assert cur[["mentee_id", "status"]].values.tolist() == [
        ["m", "active"],
        ["n", "completed"],
    ]
    assert h.active_pairs() == [("m", "a")]


def test_terms_keep_file_order_not_alphabetical() -> None:
    """'2026-spring' before '2025-fall' alphabetically, but later in the file."""
    h = History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": ["m", "m"],
                "mentor_id": ["a", "a"],
                "term": ["2026-spring", "2025-fall"],
                "status": ["ended", "active"],
            }
        )
    )
    assert h.terms == ("2026-spring", "2025-fall")
    assert h.active_pairs() == [("m", "a")]


def test_append_adds_new_term_rows_and_skips_recorded_ones() -> None:
    """Appending a result that holds continuing pairs adds only the new ones."""
    h = History.from_frame(_frame())
    h2 = h.append([("m-1", "a-2"), ("m-4", "a-1")], term="2026-spring")
    new = h2.to_frame().iloc[len(h) :]
    assert new[["mentee_id", "mentor_id", "term", "status"]].values.tolist() == [
        ["m-4", "a-1", "2026-spring", "active"]
    ]
    assert len(h) == 4  # the original is unchanged


def test_append_accepts_pairs_objects() -> None:
    """Objects with mentee_id and mentor_id (result pairs) are accepted."""
    from alummatch import Pair

    h = History().append([Pair("m", "a", 0.5)], term="t")
    assert h.active_pairs() == [("m", "a")]


def test_append_rejects_blank_term_and_status_clash() -> None:
    """A blank term, an unknown status and a clashing row are errors."""
    h = History.from_frame(_frame())
    with pytest.raises(InvalidInputError) as info:
        h.append([("m-1", "a-2")], term=" ", status="paused")
    assert len(info.value.problems) == 2
    with pytest.raises(InvalidInputError, match="already 'ended'"):
        h.append([("m-2", "a-1")], term="2025-fall")


def test_with_status_updates_the_latest_row_only() -> None:
    """Ending a pair changes its latest row; earlier terms keep their status."""
    h = History.from_frame(
        pd.DataFrame(
            {
                "mentee_id": ["m", "m"],
                "mentor_id": ["a", "a"],
                "term": ["t1", "t2"],
                "status": ["active", "active"],
            }
        )
    )
    f = h.with_status([("m", "a")], "ended").to_frame()
    assert f["status"].tolist() == ["active", "ended"]
    assert h.to_frame()["status"].tolist() == ["active", "active"]


def test_with_status_names_unknown_pairs() -> None:
    """Every pair the history does not hold is named."""
    h = History.from_frame(_frame())
    with pytest.raises(InvalidInputError) as info:
        h.with_status([("m-9", "a-1"), ("m-1", "a-9"), ("m-1", "a-1")])
    assert len(info.value.problems) == 2


def test_to_frame_is_a_copy() -> None:
    """Changing the returned frame does not change the history."""
    h = History.from_frame(_frame())
    f = h.to_frame()
    f.loc[0, "status"] = "declined"
    assert h.to_frame().loc[0, "status"] == "completed"


def test_a_table_sorted_by_person_is_refused_not_misread() -> None:
    """Terms are ordered as they first appear: in a table sorted by mentee a
    pair that ended could read as still active, so such a table is refused,
    naming the row and the way out (once silently misread)."""
    frame = pd.DataFrame(
        {
            "mentee_id": ["m-1", "m-1", "m-0"],
            "mentor_id": ["a-0", "a-0", "a-1"],
            "term": ["2025-fall", "2024-fall", "2025-fall"],
            "status": ["completed", "active", "active"],
        }
    )
    with pytest.raises(
        InvalidInputError, match="history row 2, term: term '2025-fall'"
    ):
        History.from_frame(frame)
    ordered = History.from_frame(frame.iloc[[1, 0, 2]])
    assert ordered.terms == ("2024-fall", "2025-fall")
    assert sorted(ordered.active_pairs()) == [("m-0", "a-1")]
