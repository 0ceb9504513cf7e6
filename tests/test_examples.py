"""The notebook-style examples run end to end (small sizes, Agg backend)."""

from __future__ import annotations

import runpy
from pathlib import Path

import matplotlib
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_compare_solvers_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """examples/compare_solvers.py builds its tables and writes its three plots."""
    matplotlib.use("Agg")
    monkeypatch.setenv("ALUMMATCH_EXAMPLE_MENTEES", "60")
    monkeypatch.setenv("ALUMMATCH_EXAMPLE_OUT", str(tmp_path))
    ns = runpy.run_path(str(EXAMPLES / "compare_solvers.py"), run_name="__main__")
    table = ns["table"]
    assert list(table["solver"]) == [
        "greedy",
        "hungarian",
        "flow",
        "stable (mentees)",
        "stable (mentors)",
    ]
    assert (table["status"].isin(["optimal", "feasible"])).all()
    everything = ns["everything"]
    assert set(everything["request"]) == {"coverage", "maxmin", "quota + balance"}
    assert "cpsat quota + balance" in set(everything["solver"])
    by = everything.set_index("solver")
    assert by.at["greedy maxmin", "status"] == "unsupported"
    assert by.at["flow quota + balance", "status"] == "optimal"
    for name in ("runtime.png", "price_of_fairness.png", "mentor_loads.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
    assert "plots written to" in capsys.readouterr().out


def test_your_own_form_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """examples/your_own_form.py matches the example form and writes its files."""
    monkeypatch.setenv("ALUMMATCH_EXAMPLE_OUT", str(tmp_path))
    ns = runpy.run_path(str(EXAMPLES / "your_own_form.py"), run_name="__main__")
    assert ns["labmates"] == []
    assert len(ns["result"].pairs) == 19
    assert (tmp_path / "starter.toml").exists()
    table = ns["table"]
    assert "degree_fit" in table.columns
    assert "industry" not in table.columns
    assert "pairs sharing an advisor: 0" in capsys.readouterr().out


def test_staff_outputs_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """examples/staff_outputs.py prints the summary, writes the CSV and report."""
    monkeypatch.setenv("ALUMMATCH_EXAMPLE_OUT", str(tmp_path))
    ns = runpy.run_path(str(EXAMPLES / "staff_outputs.py"), run_name="__main__")
    assert set(ns["pairs"]["status"]) == {"paired", "waiting"}
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "By first_generation" in page
    out = capsys.readouterr().out
    assert "students have a mentor" in out
    assert "report written to" in out
