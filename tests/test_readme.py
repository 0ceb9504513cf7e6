"""The README's Python examples, pinned as tests.

Every ```python block of README.md is run as written, in a fresh namespace, in
a folder holding the bundled sample as ``mentors.csv`` and ``mentees.csv`` (the
files the first example opens). Blocks are named by their section heading.
Where a comment in an example states a value, the test checks it too.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import alummatch as am
from alummatch.datasets import load_sample

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[tuple[str, str]]:
    """``(section heading, code)`` of every python block, in order."""
    text = README.read_text(encoding="utf-8")
    out: list[tuple[str, str]] = []
    heading = "top"
    seen: dict[str, int] = {}
    pattern = re.compile(
        r"^#{1,6} ([^\n]+)$|^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S
    )
    for m in pattern.finditer(text):
        if m.group(1):
            heading = m.group(1).strip()
            continue
        if m.group(2) != "python":
            continue
        seen[heading] = seen.get(heading, 0) + 1
        name = heading if seen[heading] == 1 else f"{heading} #{seen[heading]}"
        out.append((name, m.group(3)))
    return out


BLOCKS = _blocks()


def _check_five_lines(ns: dict[str, Any], folder: Path) -> None:
    """pairs.csv lists every mentee, paired or unmatched with a reason."""
    frame = pd.read_csv(folder / "pairs.csv", dtype={"mentor_id": str})
    assert set(frame["mentee_id"]) == set(ns["cohort"].mentee_ids)
    assert frame.loc[frame["mentor_id"].isna(), "reason"].notna().all()


def _check_stable(ns: dict[str, Any], folder: Path) -> None:
    """The pairs, blocking pairs and unmatched mentee stated in the comments."""
    result = ns["result"]
    assert [(p.mentee_id, p.mentor_id) for p in result.pairs] == [
        ("ana", "x"),
        ("cy", "y"),
    ]
    assert result.metrics.blocking_pairs == 0
    assert list(result.unmatched) == ["ben"]
    assert result.unmatched["ben"].startswith("capacity")


def _check_fairness(ns: dict[str, Any], folder: Path) -> None:
    """The maximum loads stated in the comment: 4.0 plain, 3.0 balanced."""
    assert (ns["plain"].metrics.max_load, ns["fair"].metrics.max_load) == (4.0, 3.0)
    assert ns["strict"].status is am.Status.INFEASIBLE


def _check_history(ns: dict[str, Any], folder: Path) -> None:
    """Only the two mentees who asked changed mentor; the history was written."""
    before = {(p.mentee_id, p.mentor_id) for p in ns["fall"].pairs}
    after = {(p.mentee_id, p.mentor_id) for p in ns["result"].pairs}
    assert {a for a, _ in before ^ after} <= set(ns["asking"])
    assert not {p for p in before if p[0] in ns["asking"]} & after
    assert am.History.from_csv(folder / "history.csv") == ns["history"]


def _check_waitlist(ns: dict[str, Any], folder: Path) -> None:
    """The student who waited longest takes the one seat."""
    assert [p.mentee_id for p in ns["result"].pairs] == ["ben"]
    assert ns["result"].info["waiting_placed"] == 1


def _check_staff_outputs(ns: dict[str, Any], folder: Path) -> None:
    """The summary's first words, a CSV with a BOM, a report with no address."""
    assert ns["result"].summary().startswith("62 of 80 students have a mentor; 18 ")
    assert (folder / "pairs.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "http" not in (folder / "report.html").read_text(encoding="utf-8")


def _check_constraint(ns: dict[str, Any], folder: Path) -> None:
    """Every solver honours the user's filter; ana is told why she waits."""
    assert [(p.mentee_id, p.mentor_id) for p in ns["result"].pairs] == [("ben", "yan")]
    assert ns["result"].unmatched["ana"].startswith("capacity exhausted")


def _check_solver(ns: dict[str, Any], folder: Path) -> None:
    """The user's solver passes the conformance suite and solves exactly."""
    assert sum(ns["counts"].values()) > 50
    assert [(p.mentee_id, p.mentor_id) for p in ns["result"].pairs] == [
        ("m-0", "a-1"),
        ("m-1", "a-0"),
    ]


def _check_national(ns: dict[str, Any], folder: Path) -> None:
    """The candidate problem is certified and reaches the dense optimum."""
    assert ns["result"].status is am.Status.OPTIMAL
    assert ns["result"].info["certified"] == 1.0
    assert ns["problem"].candidates is not None
    assert abs(ns["dense"].objective - ns["result"].objective) < 1e-9


def _check_national_filters(ns: dict[str, Any], folder: Path) -> None:
    """Filters and a pin on the candidate problem: the dense optimum, the pin
    kept, no forbidden pair, no pair below the minimum score."""
    result = ns["result"]
    assert result.status is am.Status.OPTIMAL
    assert abs(ns["dense"].objective - result.objective) < 1e-9
    got = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    assert ("m-00003", "a-00011") in got
    assert not got & {("m-00001", "a-00007"), ("m-00002", "a-00007")}
    assert min(p.score for p in result.pairs) >= 0.3


def _check_own_form(ns: dict[str, Any], folder: Path) -> None:
    """The counts stated in the comments: 14 mentors, 19 mentees, all matched."""
    assert (ns["cohort"].n_mentors, ns["cohort"].n_mentees) == (14, 19)
    assert len(ns["result"].pairs) == 19


CHECKS: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "Matching a national network": _check_national,
    "Matching a national network #3": _check_national_filters,
    "Adding a constraint": _check_constraint,
    "Adding a solver": _check_solver,
    "In five lines": _check_five_lines,
    "Outputs for program staff": _check_staff_outputs,
    "Stable matching": _check_stable,
    "Fairness": _check_fairness,
    "Your own form": _check_own_form,
    "Across terms: history and rematching": _check_history,
    "Across terms: history and rematching #2": _check_waitlist,
}


def _params() -> list[Any]:
    return [pytest.param(name, code, id=name) for name, code in BLOCKS]


def test_readme_has_python_examples() -> None:
    """The README keeps its examples (guards the extraction itself)."""
    names = [name for name, _ in BLOCKS]
    assert len(BLOCKS) >= 4
    assert names[0] == "In five lines"
    assert {"Fairness", "Stable matching"} <= set(names)


@pytest.mark.parametrize(("name", "code"), _params())
def test_readme_example_runs(
    name: str,
    code: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The block runs as written and its stated values hold."""
    mentors, mentees = load_sample().to_frames()
    mentors.to_csv(tmp_path / "mentors.csv", index=False)
    mentees.to_csv(tmp_path / "mentees.csv", index=False)
    shutil.copytree(README.parent / "examples" / "form", tmp_path / "form")
    monkeypatch.chdir(tmp_path)
    ns: dict[str, Any] = {"__name__": "__readme__"}
    exec(compile(code, f"README.md [{name}]", "exec", dont_inherit=True), ns)
    capsys.readouterr()
    check = CHECKS.get(name)
    if check is not None:
        check(ns, tmp_path)
