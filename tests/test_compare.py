"""``compare``: one row per solver, figures that agree with the pairs."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from alummatch import (
    InvalidInputError,
    MatchingProblem,
    MatchResult,
    build_problem,
    compare,
)
from alummatch.constraints import GroupQuota, ScoreParity
from alummatch.datasets import synthetic_cohort
from alummatch.preferences import blocking_pairs
from alummatch.solvers import CpSat, Stable

SOLVERS = ["greedy", "hungarian", "flow", "cpsat", "stable"]


@pytest.fixture(scope="module")
def cohort_frames() -> pd.DataFrame:
    """The mentee table of a small synthetic cohort (60 mentees, 24 mentors)."""
    return synthetic_cohort(60, 24, seed=5).to_frames()[1]


@pytest.fixture(scope="module")
def problem() -> MatchingProblem:
    """A scored 60 x 24 synthetic cohort; every mentee wants one mentor."""
    return build_problem(synthetic_cohort(60, 24, seed=5)).replace(mentee_demand=1)


@pytest.fixture(scope="module")
def table(problem: MatchingProblem) -> tuple[pd.DataFrame, dict[str, MatchResult]]:
    """compare() over every solver, with the results it reported."""
    results: dict[str, MatchResult] = {}
    frame = compare(
        problem,
        ["greedy", "hungarian", "flow", CpSat(workers=2), "stable"],
        time_limit=60,
        group="first_generation",
        on_result=lambda label, res: results.__setitem__(label, res),
    )
    return frame, results


def _gini(x: np.ndarray) -> float:
    """Gini coefficient as the mean absolute difference over twice the mean."""
    x = np.asarray(x, dtype=float)
    if x.sum() == 0:
        return 0.0
    return float(np.abs(x[:, None] - x[None, :]).mean() / (2 * x.mean()))


def test_one_row_per_solver_in_order(
    table: tuple[pd.DataFrame, dict[str, MatchResult]],
) -> None:
    """Every solver gets exactly one row, labelled and ordered as asked."""
    frame, results = table
    assert list(frame["solver"]) == SOLVERS
    assert set(results) == set(SOLVERS)
    assert frame["status"].isin(["optimal", "feasible"]).all()
    assert (frame["objective"] == "coverage").all()
    for col in ("runtime_s", "wall_s", "peak_mb"):
        assert (frame[col] >= 0).all(), col
    assert (frame["wall_s"] >= frame["runtime_s"]).all()


def test_metrics_agree_with_pairs_recomputed(
    problem: MatchingProblem, table: tuple[pd.DataFrame, dict[str, MatchResult]]
) -> None:
    """Coverage, scores, loads, Gini and blocking pairs match the pair indices."""
    frame, results = table
    m = problem.n_mentors
    for _, row in frame.iterrows():
        pairs = results[row["solver"]].pair_indices
        assert problem.allowed[pairs[:, 0], pairs[:, 1]].all()
        sc = problem.scores[pairs[:, 0], pairs[:, 1]]
        load = np.bincount(pairs[:, 1], minlength=m)
        assert (load <= problem.mentor_capacity).all()
        has_cap = problem.mentor_capacity > 0
        assert row["matched_slots"] == len(pairs)
        assert row["coverage"] == pytest.approx(
            len(pairs) / problem.mentee_demand.sum()
        )
        assert row["total"] == pytest.approx(sc.sum())
        assert row["mean"] == pytest.approx(sc.mean())
        assert row["min"] == pytest.approx(sc.min())
        assert row["p10"] == pytest.approx(np.percentile(sc, 10))
        assert row["max_load"] == load.max()
        assert row["mean_load"] == pytest.approx(load[has_cap].mean())
        assert row["load_gini"] == pytest.approx(_gini(load[has_cap]))
        assert row["mentors_used"] == np.count_nonzero(load)
        assert row["blocking_pairs"] == blocking_pairs(problem, pairs).shape[0]


def test_exact_solvers_share_the_best_and_the_gap_is_relative(
    table: tuple[pd.DataFrame, dict[str, MatchResult]],
) -> None:
    """Exact solvers reach the best coverage and total; gap_to_best is relative."""
    frame, _ = table
    by = frame.set_index("solver")
    best = frame["total"].max()
    for name in ("hungarian", "flow", "cpsat"):
        assert by.at[name, "total"] == pytest.approx(best)
        assert by.at[name, "coverage"] == frame["coverage"].max()
        assert by.at[name, "gap_to_best"] == pytest.approx(0.0, abs=1e-9)
    expected = (best - frame["total"]) / abs(best)
    np.testing.assert_allclose(frame["gap_to_best"], expected)
    assert by.at["stable", "blocking_pairs"] == 0
    assert by.at["cpsat", "optimality_gap"] == pytest.approx(0.0, abs=1e-9)
    assert math.isnan(by.at["flow", "optimality_gap"])


def test_group_columns_agree_with_the_attribute(
    problem: MatchingProblem,
    cohort_frames: pd.DataFrame,
    table: tuple[pd.DataFrame, dict[str, MatchResult]],
) -> None:
    """coverage[first_generation=...] and mean[...] recomputed from the profiles."""
    frame, results = table
    label = cohort_frames["first_generation"].to_numpy()
    assert set(label) == {"yes", "no"}
    for _, row in frame.iterrows():
        pairs = results[row["solver"]].pair_indices
        sc = problem.scores[pairs[:, 0], pairs[:, 1]]
        for g in ("yes", "no"):
            members = label == g
            mine = members[pairs[:, 0]]
            want = problem.mentee_demand[members].sum()
            assert row[f"coverage[first_generation={g}]"] == pytest.approx(
                mine.sum() / want
            )
            assert row[f"mean[first_generation={g}]"] == pytest.approx(sc[mine].mean())


def test_groups_mapping_names_columns_by_label() -> None:
    """groups= on a score-matrix problem gives coverage[group=<label>] columns."""
    rng = np.random.default_rng(2)
    p = MatchingProblem.from_scores(rng.random((8, 3)), mentor_capacity=2)
    groups = {mid: ("a" if k < 3 else "b") for k, mid in enumerate(p.mentee_ids)}
    frame = compare(p, ["flow"], groups=groups)
    assert {"coverage[group=a]", "coverage[group=b]", "mean[group=a]"} <= set(
        frame.columns
    )
    row = frame.iloc[0]
    got = row["coverage[group=a]"] * 3 + row["coverage[group=b]"] * 5
    assert got == pytest.approx(row["matched_slots"])


def test_unsupported_rows_give_the_reason_and_no_figures(
    problem: MatchingProblem,
) -> None:
    """A solver that cannot honour the request gives an 'unsupported' row."""
    frame = compare(
        problem, ["greedy", "hungarian", "flow", "stable"], objective="maxmin"
    )
    by = frame.set_index("solver")
    for name in ("greedy", "hungarian", "stable"):
        assert by.at[name, "status"] == "unsupported"
        assert "maxmin" in by.at[name, "note"]
        assert name in by.at[name, "note"]
        assert math.isnan(by.at[name, "total"])
        assert math.isnan(by.at[name, "gap_to_best"])
    assert by.at["flow", "status"] == "optimal"
    assert by.at["flow", "gap_to_best"] == 0.0


def test_constraint_a_solver_cannot_honour_is_unsupported(
    problem: MatchingProblem,
) -> None:
    """ScoreParity is CP-SAT only: flow reports it, greedy too, CP-SAT runs."""
    frame = compare(
        problem,
        ["greedy", "flow", CpSat(workers=2)],
        constraints=[ScoreParity(0.5, attribute="first_generation")],
        time_limit=30,
    )
    by = frame.set_index("solver")
    assert by.at["flow", "status"] == "unsupported"
    assert "ScoreParity" in by.at["flow", "note"]
    assert by.at["greedy", "status"] == "unsupported"
    assert by.at["cpsat", "status"] in ("optimal", "feasible", "time_limit")


def test_quota_rows_honour_the_quota(problem: MatchingProblem) -> None:
    """Under GroupQuota each group's coverage column reaches the share."""
    frame = compare(
        problem,
        ["flow"],
        constraints=[GroupQuota(0.7, attribute="first_generation")],
        group="first_generation",
    )
    row = frame.iloc[0]
    assert row["status"] == "optimal"
    assert row["coverage[first_generation=yes]"] >= 0.7
    assert row["coverage[first_generation=no]"] >= 0.7


def test_infeasible_row_has_a_note_and_no_figures() -> None:
    """Impossible minimum loads: an infeasible row with the diagnosis."""
    p = MatchingProblem.from_scores(np.ones((2, 3)), mentor_min_load=1)
    frame = compare(p, ["flow"])
    row = frame.iloc[0]
    assert row["status"] == "infeasible"
    assert row["note"]
    assert math.isnan(row["total"])
    assert math.isnan(row["gap_to_best"])


def test_labels_from_a_mapping_and_repeated_instances() -> None:
    """A mapping labels rows; a repeated solver name falls back to its repr."""
    p = MatchingProblem.from_scores(
        np.random.default_rng(4).random((10, 4)), mentor_capacity=3
    )
    frame = compare(p, {"by mentees": Stable(), "by mentors": Stable("mentors")})
    assert list(frame["solver"]) == ["by mentees", "by mentors"]
    assert (frame["blocking_pairs"] == 0).all()
    frame = compare(p, [Stable(), Stable(proposer="mentors")])
    assert frame["solver"].iloc[0] == "stable"
    assert "mentors" in frame["solver"].iloc[1]
    with pytest.raises(ValueError, match="twice"):
        compare(p, ["flow", "flow"])


def test_bad_requests_raise_before_any_solver_runs(problem: MatchingProblem) -> None:
    """Unknown solvers, objectives and groups raise before anything is solved."""
    seen: list[str] = []

    def record(label: str, res: MatchResult) -> None:
        seen.append(label)

    with pytest.raises(ValueError, match="unknown solver"):
        compare(problem, ["flow", "nope"], on_result=record)
    with pytest.raises(InvalidInputError, match="objective"):
        compare(problem, ["flow"], objective="best", on_result=record)
    with pytest.raises(InvalidInputError, match="no_such_attribute"):
        compare(problem, ["flow"], group="no_such_attribute", on_result=record)
    with pytest.raises(TypeError):
        compare(problem, "flow", on_result=record)
    assert seen == []


def test_memory_measure_is_optional_and_leaves_outer_tracing_alone() -> None:
    """peak_mb is NaN unless measured; an outer tracemalloc session survives."""
    p = MatchingProblem.from_scores(
        np.random.default_rng(1).random((20, 5)), mentor_capacity=4
    )
    frame = compare(p, ["flow"], measure_memory=False)
    assert math.isnan(frame.at[0, "peak_mb"])
    tracemalloc.start()
    try:
        frame = compare(p, ["flow"])
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()
    assert frame.at[0, "peak_mb"] >= 0
