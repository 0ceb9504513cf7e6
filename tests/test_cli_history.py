"""The history options of ``alummatch match``: --history, --append-history, --term."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alummatch import History
from alummatch.cli import main

DATA = Path(__file__).parent / "data"
SMALL = ["--mentors", str(DATA / "small_mentors.csv")]
SMALL += ["--mentees", str(DATA / "small_mentees.csv")]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--append-history", "--term", "t"], "--append-history needs --history"),
        (["--append-history", "--history", "h.csv"], "needs --term"),
        (["--term", "t"], "--term is used with --append-history only"),
    ],
)
def test_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing companions of the history options are usage errors (exit 2)."""
    code, _, err = _run(capsys, "match", *SMALL, *argv)
    assert code == 2
    assert message in err


def test_bad_history_file_lists_every_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bad history file: exit 1, every bad row on stderr, no traceback."""
    code, _, err = _run(
        capsys, "match", *SMALL, "--history", str(DATA / "bad_history.csv")
    )
    assert code == 1
    assert "6 problems" in err
    assert "bad_history.csv row 8" in err


def test_append_history_records_two_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """First term creates the file; the second keeps every active pair."""
    path = tmp_path / "history.csv"
    code, out, _ = _run(
        capsys,
        "match",
        *SMALL,
        "--history",
        str(path),
        "--append-history",
        "--term",
        "2025-fall",
    )
    assert code == 0
    first = History.from_csv(path)
    assert first.terms == ("2025-fall",)
    assert f"active pairs of term 2025-fall to {path}" in out
    pairs = set(first.active_pairs())
    # one pair ends; the next term keeps the others and never restores it
    ended = sorted(pairs)[0]
    first.with_status([ended], "ended").to_csv(path)
    code, _, _ = _run(
        capsys,
        "match",
        *SMALL,
        "--history",
        str(path),
        "--append-history",
        "--term",
        "2026-spring",
        "--out",
        str(tmp_path / "pairs.csv"),
    )
    assert code == 0
    second = History.from_csv(path)
    assert second.terms == ("2025-fall", "2026-spring")
    made = pd.read_csv(tmp_path / "pairs.csv", dtype=str).dropna(subset=["mentor_id"])
    now = set(zip(made["mentee_id"], made["mentor_id"], strict=True))
    assert pairs - {ended} <= now
    assert ended not in now
    assert set(second.active_pairs()) == now
