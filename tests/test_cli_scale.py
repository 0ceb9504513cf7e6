"""The command line on large cohorts: candidates and progress on stderr."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from alummatch import build_problem, cli
from alummatch.datasets import synthetic_cohort

DATA = Path(__file__).parent / "data"


def _files(tmp_path: Path) -> list[str]:
    mentors, mentees = synthetic_cohort(60, 20, seed=3).to_frames()
    mentors.to_csv(tmp_path / "mentors.csv", index=False)
    mentees.to_csv(tmp_path / "mentees.csv", index=False)
    return [
        "--mentors",
        str(tmp_path / "mentors.csv"),
        "--mentees",
        str(tmp_path / "mentees.csv"),
    ]


def test_match_with_candidates_shows_progress_on_large_cohorts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Scoring progress and pricing milestones go to stderr, results to stdout."""
    with mock.patch.object(cli, "_LARGE_PAIRS", 0):
        code = cli.main(["match", *_files(tmp_path), "--candidates", "2"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "solver flow" in out
    assert "scoring" in err
    assert "candidates: scored 60 x 20 pairs" in err


def test_small_cohorts_and_the_library_print_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No bar below the threshold; build_problem never prints by default."""
    assert cli.main(["match", *_files(tmp_path), "--candidates", "2"]) == 0
    assert capsys.readouterr().err == ""
    build_problem(synthetic_cohort(30, 10), candidates=2)
    assert capsys.readouterr() == ("", "")


def test_large_files_show_a_reading_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Above the size threshold, reading the CSV files shows a bar on stderr
    that reaches the total size; results still go to stdout."""
    args = _files(tmp_path)
    with mock.patch.object(cli, "_LARGE_FILES", 0):
        code = cli.main(["validate", *args])
    out, err = capsys.readouterr()
    assert code == 0
    assert "ok: 60 mentees and 20 mentors" in out
    assert "reading" in err
    assert "100%" in err


def test_reading_bar_is_off_for_small_files_and_in_the_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Small files show no bar; Cohort.from_csv never prints by default."""
    from alummatch import Cohort

    args = _files(tmp_path)
    assert cli.main(["validate", *args]) == 0
    assert capsys.readouterr().err == ""
    Cohort.from_csv(args[1], args[3])
    assert capsys.readouterr() == ("", "")


def test_candidates_with_a_program_file_is_refused_not_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A program file builds its own problem: --candidates says so, exit 1."""
    import shutil

    example = Path(__file__).parent.parent / "examples" / "form"
    for name in ("responses.csv", "program.toml"):
        shutil.copy(example / name, tmp_path / name)
    code = cli.main(
        ["match", "--program", str(tmp_path / "program.toml"), "--candidates", "3"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "--candidates" in err
