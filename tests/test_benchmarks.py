"""The solver benchmark runner (``python -m benchmarks``) and its plots."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_COLUMNS = {
    "scenario",
    "mentees",
    "mentors",
    "solver",
    "kind",
    "objective",
    "constraints",
    "status",
    "runtime_s",
    "peak_rss_mb",
    "coverage",
    "total",
    "mean",
    "min",
    "p10",
    "max_load",
    "load_gini",
    "blocking_pairs",
    "gap_to_best",
    "note",
}
ALUMMATCH = {"greedy", "hungarian", "flow", "cpsat", "stable", "flow maxmin"}
PEERS = {"scipy-lsa (peer)", "matching-HR (peer)", "fcfs-greedy (peer)"}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_quick_run_writes_its_csv(tmp_path: Path) -> None:
    """--quick runs the small scenarios, every solver and peer, and writes CSV."""
    proc = _run("--quick", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = _read(tmp_path / "compare_quick.csv")
    assert set(rows[0]) >= EXPECTED_COLUMNS
    scenarios = {r["scenario"] for r in rows}
    assert scenarios == {"synthetic-200x80", "midl", "assign100"}
    for name in scenarios:
        labels = {r["solver"] for r in rows if r["scenario"] == name}
        assert labels >= ALUMMATCH | PEERS, name
    assert all(r["status"] != "error" for r in rows), [
        (r["solver"], r["note"]) for r in rows if r["status"] == "error"
    ]
    synth = {r["solver"]: r for r in rows if r["scenario"] == "synthetic-200x80"}
    assert "coverage[first_generation=yes]" in synth["flow"]
    assert "GroupQuota" in synth["flow quota+balance"]["constraints"]
    assert float(synth["flow"]["gap_to_best"]) == 0.0
    assert float(synth["matching-HR (peer)"]["blocking_pairs"]) == 0
    assert "same pairs as stable" in synth["matching-HR (peer)"]["note"]
    midl = {r["solver"]: r for r in rows if r["scenario"] == "midl"}
    assert midl["greedy"]["status"] == "unsupported"
    assert midl["flow"]["status"] == "optimal"
    assert float(midl["flow"]["coverage"]) == 1.0
    assert "scenario" in proc.stdout
    assert not list(tmp_path.glob("*.png"))  # --quick writes no plots


def test_assign100_reaches_the_known_optimum(tmp_path: Path) -> None:
    """On OR-Library assign100 the exact solvers and scipy find cost 305."""
    proc = _run(
        "--scenario", "assign100", "--cpsat-time-limit", "1", "--out", str(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {r["solver"]: r for r in _read(tmp_path / "compare_assign100.csv")}
    for name in ("hungarian", "flow", "scipy-lsa (peer)"):
        assert float(rows[name]["total"]) == pytest.approx(-305.0), name
        assert float(rows[name]["known_total"]) == -305.0
    assert rows["cpsat"]["status"] in ("optimal", "feasible", "time_limit")
    assert float(rows["stable"]["blocking_pairs"]) == 0
    assert float(rows["greedy"]["gap_to_best"]) > 0
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "loads_assign100.png",
        "price_of_fairness.png",
    ]


def test_plots_are_written_from_rows(tmp_path: Path) -> None:
    """write_plots draws runtime, price-of-fairness and load plots from rows."""
    from benchmarks.plots import write_plots

    rows = [
        {
            "scenario": f"synthetic-{n}x{m}",
            "mentees": n,
            "mentors": m,
            "solver": solver,
            "kind": "alummatch",
            "status": "optimal",
            "runtime_s": 0.001 * n * k,
            "total": float(n - k),
            "min": 0.1 * k,
        }
        for n, m in ((20, 8), (200, 80))
        for k, solver in enumerate(("flow", "greedy"), start=1)
    ]
    loads = {"synthetic-20x8": {"flow": np.array([3, 2, 0, 1]), "greedy": np.ones(4)}}
    capacity = {"synthetic-20x8": np.array([3, 3, 1, 1])}
    paths = write_plots(rows, loads, capacity, tmp_path)
    assert sorted(p.name for p in paths) == [
        "loads_synthetic-20x8.png",
        "price_of_fairness.png",
        "runtime_vs_size.png",
    ]
    assert all(p.stat().st_size > 1000 for p in paths)
