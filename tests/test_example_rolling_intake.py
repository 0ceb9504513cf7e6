"""examples/rolling_intake.py runs end to end (small intake, Agg backend)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_rolling_intake_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three terms, continuing pairs kept, a rematch that moves only the named."""
    monkeypatch.setenv("ALUMMATCH_EXAMPLE_MENTEES", "40")
    monkeypatch.setenv("ALUMMATCH_EXAMPLE_OUT", str(tmp_path))
    ns = runpy.run_path(str(EXAMPLES / "rolling_intake.py"), run_name="__main__")
    table = ns["table"]
    assert list(table["term"]) == ["2025-fall", "2026-spring", "2026-fall"]
    assert table.loc[0, "continuing"] == 0
    assert (table.loc[1:, "continuing"] > 0).all()
    assert (table.loc[1:, "history rows ignored"] > 0).all()
    assert set(ns["changed"]) <= set(ns["movers"])
    # the waitlist of each term comes back first, and most of it is placed
    assert table.loc[0, "had waited"] == 0
    assert table["had waited"].sum() > 0
    assert (table["of them placed"] <= table["had waited"]).all()
    history = ns["history"]
    assert history.terms == ("2025-fall", "2026-spring", "2026-fall")
    assert (tmp_path / "coverage_per_term.png").stat().st_size > 1000
    assert "plot written to" in capsys.readouterr().out
