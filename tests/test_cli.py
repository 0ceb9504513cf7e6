"""Tests of the ``alummatch`` command: demo, match, validate and its errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import alummatch
from alummatch.cli import main
from alummatch.datasets import synthetic_cohort
from alummatch.profiles import Cohort

DATA = Path(__file__).parent / "data"
SMALL = ["--mentors", str(DATA / "small_mentors.csv")]
SMALL += ["--mentees", str(DATA / "small_mentees.csv")]
PAIR_COLUMNS = [
    "mentee_id",
    "mentor_id",
    "status",
    "score",
    "industry_contribution",
    "goals_contribution",
    "availability_contribution",
    "expectations_contribution",
    "reason",
]


@pytest.fixture(scope="module")
def plain_csv(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A synthetic cohort with demand 1 and no minimum loads, as two CSV files.

    Every solver supports it, so ``--solver`` can be varied freely.
    """
    folder = tmp_path_factory.mktemp("plain")
    tors, tees = synthetic_cohort(40, 15, seed=5).to_frames()
    tors["min_load"] = 0
    tees["demand"] = 1
    tors.to_csv(folder / "mentors.csv", index=False)
    tees.to_csv(folder / "mentees.csv", index=False)
    return [
        "--mentors",
        str(folder / "mentors.csv"),
        "--mentees",
        str(folder / "mentees.csv"),
    ]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _without_runtime(text: str) -> str:
    return re.sub(r"in \d+\.\d+ s", "in <t> s", text)


# ----------------------------------------------------------------------- demo
def test_demo_matches_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    """`demo` solves the sample cohort, lists pairs and unmatched, explains pairs."""
    code, out, err = _run(capsys, "demo")
    assert code == 0, err
    assert out.startswith("sample cohort: 80 mentees, 30 mentors")
    assert "solver flow, objective 'coverage': optimal" in out
    assert re.search(r"matched \d+ of 82 mentee slots", out)
    assert "unmatched (" in out
    assert "no allowed mentor: shared language" in out
    assert out.count(" is paired with ") == 2
    assert "industry " in out
    assert err == ""


def test_installed_console_script_runs_demo() -> None:
    """The installed `alummatch demo` script exits 0 with a real matching."""
    script = Path(sys.executable).parent / "alummatch"
    assert script.exists(), "install the package: pip install -e '.[dev]'"
    proc = subprocess.run(
        [str(script), "demo"], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "sample cohort: 80 mentees, 30 mentors" in proc.stdout
    assert " is paired with " in proc.stdout
    assert "Traceback" not in proc.stderr


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """`--help` prints the usage and returns 0 rather than raising SystemExit."""
    code, out, _ = _run(capsys, "match", "--help")
    assert code == 0
    assert "--objective" in out
    assert "--out" in out


# ---------------------------------------------------------------------- match
def test_match_writes_every_pair_and_every_unmatched_mentee(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The CSV has the documented columns; each mentee is paired or has a reason."""
    out_csv = tmp_path / "pairs.csv"
    code, out, err = _run(capsys, "match", *SMALL, "--out", str(out_csv))
    assert code == 0, err
    frame = pd.read_csv(out_csv, dtype={"mentor_id": str, "reason": str})
    assert frame.columns.tolist() == PAIR_COLUMNS
    cohort = Cohort.from_csv(DATA / "small_mentors.csv", DATA / "small_mentees.csv")
    assert set(frame["mentee_id"]) == set(cohort.mentee_ids)
    paired = frame[frame["mentor_id"].notna()]
    unmatched = frame[frame["mentor_id"].isna()]
    assert paired["reason"].str.len().gt(0).all()
    assert (paired["status"] == "paired").all()
    assert (unmatched["status"] == "waiting").all()
    assert paired["mentor_id"].isin(cohort.mentor_ids).all()
    assert paired["score"].between(0, 1).all()
    assert unmatched["reason"].str.len().gt(0).all()
    assert unmatched["score"].isna().all()
    # m-3 speaks only Japanese: unmatched, with the rule that excludes them
    reason = unmatched.set_index("mentee_id").loc["m-3", "reason"]
    assert "shared language" in reason
    assert "m-3: no allowed mentor" in out
    # capacities and demands hold; nobody is paired with the same mentor twice
    cap = dict(
        zip(cohort.mentor_ids, cohort.int_values("mentors", "capacity"), strict=True)
    )
    dem = dict(
        zip(cohort.mentee_ids, cohort.int_values("mentees", "demand"), strict=True)
    )
    assert not paired.duplicated(["mentee_id", "mentor_id"]).any()
    for mentor, load in paired["mentor_id"].value_counts().items():
        assert load <= cap[str(mentor)]
    for mentee, got in paired["mentee_id"].value_counts().items():
        assert got <= dem[str(mentee)]
    assert f"wrote {len(paired)} pairs and {len(unmatched)} unmatched mentee" in out


def test_match_csv_equals_the_library_result(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The CLI writes exactly `solve(build_problem(cohort)).to_csv(...)`."""
    out_csv = tmp_path / "pairs.csv"
    code, _, err = _run(
        capsys, "match", *SMALL, "--objective", "total", "--out", str(out_csv)
    )
    assert code == 0, err
    cohort = Cohort.from_csv(DATA / "small_mentors.csv", DATA / "small_mentees.csv")
    result = alummatch.solve(alummatch.build_problem(cohort), objective="total")
    expected = tmp_path / "expected.csv"
    result.to_csv(expected)
    assert out_csv.read_bytes() == expected.read_bytes()


@pytest.mark.parametrize("solver", ["auto", "flow", "hungarian", "greedy", "stable"])
@pytest.mark.parametrize("objective", ["coverage", "total"])
def test_match_takes_solver_and_objective(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    plain_csv: list[str],
    solver: str,
    objective: str,
) -> None:
    """Every registered solver runs from the command line, named in the summary."""
    out_csv = tmp_path / "pairs.csv"
    argv = ["match", *plain_csv, "--solver", solver, "--objective", objective]
    code, out, err = _run(capsys, *argv, "--out", str(out_csv))
    assert code == 0, err
    assert f"objective '{objective}'" in out
    if solver != "auto":
        assert f"\nsolver {solver}, objective" in out
    frame = pd.read_csv(out_csv, dtype={"mentor_id": str})
    assert frame["mentee_id"].nunique() == 40
    assert len(frame) == 40  # demand 1: one row per mentee


def test_match_with_cpsat_and_maxmin(
    capsys: pytest.CaptureFixture[str], plain_csv: list[str]
) -> None:
    """CP-SAT and the maxmin objective are reachable with a time limit and seed."""
    argv = ["match", *plain_csv, "--solver", "cpsat", "--objective", "maxmin"]
    code, out, err = _run(capsys, *argv, "--time-limit", "20", "--seed", "3")
    assert code == 0, err
    assert "\nsolver cpsat, objective 'maxmin'" in out


def test_match_output_is_deterministic(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The same files and seed give byte-identical CSV and the same printout."""
    runs = []
    for k in range(2):
        out_csv = tmp_path / f"pairs{k}.csv"
        code, out, err = _run(capsys, "demo", "--seed", "7")
        assert code == 0, err
        code, out2, err = _run(capsys, "match", *SMALL, "--out", str(out_csv))
        assert code == 0, err
        runs.append(
            (_without_runtime(out), _without_runtime(out2), out_csv.read_bytes())
        )
    assert runs[0][0] == runs[1][0]
    assert runs[0][1].replace("pairs0", "pairs1") == runs[1][1]
    assert runs[0][2] == runs[1][2]


def test_infeasible_request_exits_1_with_the_diagnosis(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Minimum loads that cannot all hold give status infeasible, reasons, exit 1."""
    pd.DataFrame(
        {
            "id": ["a-1", "a-2"],
            "industry": "software",
            "timezone": "UTC",
            "capacity": 2,
            "min_load": 2,
        }
    ).to_csv(tmp_path / "mentors.csv", index=False)
    pd.DataFrame(
        {"id": ["m-1", "m-2"], "industry": "software", "timezone": "UTC"}
    ).to_csv(tmp_path / "mentees.csv", index=False)
    code, out, _ = _run(
        capsys,
        "match",
        "--mentors",
        str(tmp_path / "mentors.csv"),
        "--mentees",
        str(tmp_path / "mentees.csv"),
    )
    assert code == 1
    assert "infeasible" in out
    assert "diagnosis: " in out
    assert "minimum" in out


# ------------------------------------------------------------------- validate
def test_validate_good_files_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """Valid files give one 'ok' line with the counts and exit code 0."""
    code, out, err = _run(capsys, "validate", *SMALL)
    assert code == 0
    assert out == "ok: 4 mentees and 3 mentors, no problems found\n"
    assert err == ""


def test_validate_prints_every_problem_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every problem of both bad files is printed, one line each, by row and field."""
    code, out, err = _run(
        capsys,
        "validate",
        "--mentors",
        str(DATA / "bad_mentors.csv"),
        "--mentees",
        str(DATA / "bad_mentees.csv"),
    )
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "error: 11 problems in the input:"
    assert len(lines) == 12
    for fragment in [
        "bad_mentors.csv row 3 (id 'a-2'), timezone: unknown time zone 'Mars/Olympus'",
        "bad_mentors.csv row 4 (id 'a-3'), availability: item 1: impossible hour 25",
        "bad_mentors.csv row 5 (id 'a-4'), availability: item 1: window "
        "'Mon 20:00-18:00' ends before it starts",
        "bad_mentors.csv row 6 (id 'a-5'), availability: item 1: unknown day 'Xyz'",
        "bad_mentors.csv row 7 (id 'a-6'), capacity: must be >= 0",
        "bad_mentors.csv row 8 (id 'a-7'), meeting_frequency: unknown value 'daily'; "
        "allowed: weekly, biweekly, monthly, ad-hoc",
        "bad_mentors.csv row 9 (id 'a-1'), id: duplicate id 'a-1'",
        "bad_mentors.csv row 10 (id 'a-8'), industry: unknown industry code",
        "bad_mentees.csv row 2 (id 'm-1'), demand: must be >= 1",
        "bad_mentees.csv row 3 (id 'm-2'), format: unknown value 'zoom'; "
        "allowed: virtual, in-person, either",
        "bad_mentees.csv row 4 (id 'm-3'), preferred_mentors: unknown mentor id(s): "
        "'a-99'",
    ]:
        assert sum(fragment in line for line in lines[1:]) == 1, fragment


def test_validate_missing_column_and_empty_side(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A missing required column and a header-only file are both reported."""
    code, _, err = _run(
        capsys,
        "validate",
        "--mentors",
        str(DATA / "empty_mentors.csv"),
        "--mentees",
        str(DATA / "missing_column_mentees.csv"),
    )
    assert code == 1
    assert "error: 2 problems in the input:" in err
    assert "missing_column_mentees.csv, id: required column is missing" in err
    assert "empty_mentors.csv: no mentors" in err


# --------------------------------------------------------------------- errors
def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xff\xfe\x00garbage\x81\n", "mentors.csv: not UTF-8 text"),
        (
            b'id,industry,timezone\n"a-1,software,UTC\n',
            "mentors.csv row 2: not a valid CSV",
        ),
        (
            b"id,industry,timezone\na-1,software,UTC,x,y\n",
            "mentors.csv row 2: has 5 cells but the header has 3 columns",
        ),
        (b"", "mentors.csv: the file is empty"),
    ],
    ids=["binary", "open-quote", "ragged", "empty"],
)
@pytest.mark.parametrize("command", ["validate", "match"])
def test_bad_csv_prints_readable_lines(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: bytes,
    fragment: str,
    command: str,
) -> None:
    """A file that is not a proper CSV gives readable error lines and exit 1."""
    bad = _write(tmp_path / "mentors.csv", content)
    argv = [command, "--mentors", bad, "--mentees", str(DATA / "small_mentees.csv")]
    code, out, err = _run(capsys, *argv)
    assert code == 1
    assert out == ""
    assert err.startswith("error: ")
    assert fragment in err


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        (
            ["validate", "--mentors", "nope.csv", "--mentees", "nope2.csv"],
            1,
            "error: No such file or directory: nope.csv",
        ),
        (["match", *SMALL, "--solver", "simplex"], 2, "invalid choice: 'simplex'"),
        (["match", *SMALL, "--objective", "fastest"], 2, "invalid choice: 'fastest'"),
        (["match", "--mentors", "x.csv"], 2, "required: --mentees"),
        ([], 2, "required: command"),
        (
            ["match", *SMALL, "--solver", "hungarian"],
            1,
            "error: solver 'hungarian' cannot guarantee mentor minimum loads; "
            "solvers that can: flow, cpsat",
        ),
        (
            ["match", *SMALL, "--out", "no/such/folder/pairs.csv"],
            1,
            "error: --out no/such/folder/pairs.csv: folder no/such/folder does not "
            "exist",
        ),
    ],
    ids=[
        "missing-file",
        "unknown-solver",
        "unknown-objective",
        "missing-option",
        "no-command",
        "unsupported",
        "out-folder",
    ],
)
def test_errors_are_readable_lines_with_nonzero_exit(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    code: int,
    fragment: str,
) -> None:
    """Bad usage exits 2; missing files and unsupported requests exit 1; no solve."""
    monkeypatch.chdir(tmp_path)
    got, out, err = _run(capsys, *argv)
    assert got == code
    assert fragment in err
    assert "solver " not in out  # nothing was solved
    assert not any(tmp_path.iterdir())  # and nothing written


def test_unexpected_failure_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a bug inside the library is reported as a readable line, exit 1."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(alummatch, "build_problem", broken)
    code, _, err = _run(capsys, "match", *SMALL)
    assert code == 1
    assert err.startswith("error: unexpected RuntimeError: boom")
    assert "please report it" in err


def test_closed_pipe_loses_no_output_file(plain_csv: list[str], tmp_path: Path) -> None:
    """``alummatch match ... --out F --report R | head -1``: both files written."""
    import subprocess
    import sys

    out, report = tmp_path / "pairs.csv", tmp_path / "report.html"
    cmd = [sys.executable, "-m", "alummatch.cli", "match", *plain_csv]
    cmd += ["--out", str(out), "--report", str(report)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away after one line, like `head -1`
    proc.wait(timeout=120)
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read().decode()
    assert out.exists()
    assert report.exists()
