"""The command line with a program file: init, validate --program, match --program."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alummatch.cli import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "form"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the example programme."""
    for name in ("responses.csv", "program.toml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path


def test_validate_program_ok(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """The example validates: counts of both sides, exit code 0."""
    code, out, _ = _run(capsys, "validate", "--program", str(folder / "program.toml"))
    assert code == 0
    assert "ok: 19 mentees and 14 mentors" in out
    assert "criteria: goals 1, expectations 0.3, degree_fit 0.5, campus 0.3" in out
    assert "off (weight 0 or not asked): industry, availability" in out


def test_match_program_writes_pairs(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    """match --program solves with the file's settings and honours --out."""
    out_csv = folder / "pairs.csv"
    code, out, err = _run(
        capsys,
        "match",
        "--program",
        str(folder / "program.toml"),
        "--out",
        str(out_csv),
    )
    assert code == 0, err
    assert "matched 19 of 19" in out
    assert out_csv.exists()


def test_match_program_errors_are_readable(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    """A misspelt field in the program file: exit 1, a did-you-mean, no traceback."""
    path = folder / "program.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("capacity =", "Capacity ="),
        encoding="utf-8",
    )
    code, _, err = _run(capsys, "match", "--program", str(path))
    assert code == 1
    assert "did you mean 'capacity'" in err
    assert "Traceback" not in err


def test_program_and_csv_options_are_exclusive(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    """--program with --mentors is a usage error (exit 2); neither is too."""
    code, _, err = _run(
        capsys,
        "validate",
        "--program",
        str(folder / "program.toml"),
        "--mentors",
        "x.csv",
    )
    assert code == 2
    assert "either --program or --mentors" in err
    code, _, err = _run(capsys, "validate")
    assert code == 2


def test_init_writes_a_program_that_validates(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    """init lists every header with a guess; the file it writes loads as is."""
    target = folder / "starter.toml"
    code, _, err = _run(
        capsys, "init", str(folder / "responses.csv"), "-o", str(target)
    )
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    for header in (folder / "responses.csv").read_text().splitlines()[0].split(","):
        assert header in text
    assert 'id = "Your Name"' in text
    assert "capacity = " in text
    assert "# industry: off" in text
    code, _, err = _run(capsys, "validate", "--program", str(target))
    assert code == 0, err
    code, _, err = _run(
        capsys, "init", str(folder / "responses.csv"), "-o", str(target)
    )
    assert code == 1
    assert "--force" in err


def test_match_program_csv_has_no_zero_weight_criteria(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    """The pairs CSV of the example has no column for criteria the form lacks."""
    import pandas as pd

    out_csv = folder / "pairs.csv"
    code, _, err = _run(
        capsys,
        "match",
        "--program",
        str(folder / "program.toml"),
        "--out",
        str(out_csv),
    )
    assert code == 0, err
    columns = " ".join(pd.read_csv(out_csv).columns)
    assert "degree_fit" in columns
    assert "industry" not in columns
    assert "availability" not in columns
