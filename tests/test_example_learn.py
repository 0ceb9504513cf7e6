"""examples/learn_from_past_cohorts.py runs end to end (small cohort, Agg)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_learn_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fit, intervals plot, replay table, next term: learned beats hand weights."""
    monkeypatch.setenv("ALUMMATCH_EXAMPLE_MENTEES", "300")
    monkeypatch.setenv("ALUMMATCH_EXAMPLE_OUT", str(tmp_path))
    ns = runpy.run_path(
        str(EXAMPLES / "learn_from_past_cohorts.py"), run_name="__main__"
    )
    assert ns["fit"].n_pairs == ns["frame"]["satisfaction"].notna().sum()
    assert set(ns["replays"]["weights"]) == {"hand", "learned"}
    gain = ns["outcome"]["true mean rating"]
    assert gain["learned"] > gain["hand"]
    assert ns["cosine"] > 0.9
    assert (tmp_path / "learned_weights.png").stat().st_size > 1000
    assert "plot written to" in capsys.readouterr().out
