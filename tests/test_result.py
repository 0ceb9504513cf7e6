"""Tests of MatchResult and Metrics."""

from __future__ import annotations

import numpy as np
import pytest

from alummatch import MatchingProblem, Status, compare, solve


@pytest.fixture
def problem() -> MatchingProblem:
    """A random 20 x 6 problem with capacity 2."""
    rng = np.random.default_rng(2)
    return MatchingProblem.from_scores(
        rng.random((20, 6)), mentor_capacity=[2, 2, 2, 2, 1, 0]
    )


def test_metrics_recomputed_from_pairs(problem: MatchingProblem) -> None:
    """Every metric equals an independent computation from pair_indices."""
    r = solve(problem, "flow", objective="total")
    pi = r.pair_indices
    sc = problem.scores[pi[:, 0], pi[:, 1]]
    load = np.bincount(pi[:, 1], minlength=6)
    m = r.metrics
    assert m.matched_slots == len(pi) == 9
    assert m.total == pytest.approx(sc.sum())
    assert m.min == pytest.approx(sc.min())
    assert m.p10 == pytest.approx(np.percentile(sc, 10))
    assert m.max_load == load.max()
    assert m.mentors_used == np.count_nonzero(load)
    assert m.coverage == pytest.approx(9 / 20)
    assert m.mentees_unmatched == 11 == len(r.unmatched)


def test_to_frame_has_pairs_then_unmatched(problem: MatchingProblem) -> None:
    """to_frame lists pairs with scores, then unmatched mentees with reasons."""
    r = solve(problem, "flow")
    f = r.to_frame()
    assert len(f) == len(r.pairs) + len(r.unmatched)
    assert (f["reason"].iloc[: len(r.pairs)] == "").all()
    assert f["score"].iloc[: len(r.pairs)].sum() == pytest.approx(r.objective)
    assert (f["reason"].iloc[len(r.pairs) :] != "").all()


def test_summary_and_explain(problem: MatchingProblem) -> None:
    """summary() states coverage; explain() names the mentor or the reason."""
    r = solve(problem, "flow")
    assert "matched 9 of 20 mentee slots" in r.summary()
    first = r.pairs[0]
    assert f"paired with {first.mentor_id}" in r.explain(first.mentee_id)
    lonely = next(iter(r.unmatched))
    assert "unmatched: capacity exhausted" in r.explain(lonely)
    with pytest.raises(KeyError):
        r.explain("nobody")


def test_by_group_with_explicit_groups(problem: MatchingProblem) -> None:
    """by_group(groups=...) counts matched slots per group."""
    r = solve(problem, "flow")
    groups = {
        mid: ("even" if k % 2 == 0 else "odd")
        for k, mid in enumerate(problem.mentee_ids)
    }
    table = r.metrics.by_group(groups=groups)
    assert table["matched"].sum() == r.metrics.matched_slots
    assert table.loc["even", "demand"] == 10


def test_raise_for_status_passes_when_feasible(problem: MatchingProblem) -> None:
    """raise_for_status returns the result itself when feasible."""
    r = solve(problem, "flow")
    assert r.raise_for_status() is r
    assert r.status is Status.OPTIMAL


def test_compare_rows(problem: MatchingProblem) -> None:
    """compare() gives one row per solver; the exact ones share the best total."""
    f = compare(problem, ["greedy", "hungarian", "flow"], objective="total")
    assert list(f["solver"]) == ["greedy", "hungarian", "flow"]
    exact = f.set_index("solver").loc[["hungarian", "flow"], "total"]
    assert exact.iloc[0] == pytest.approx(exact.iloc[1])
    assert f["gap_to_best"].min() == pytest.approx(0.0)
    assert (f["gap_to_best"] >= -1e-12).all()


def test_load_distribution_counts_mentors_with_capacity() -> None:
    """Loads per mentor and the load histogram leave out capacity-0 mentors."""
    p = MatchingProblem.from_scores(
        [[0.9, 0.1, 0.5], [0.8, 0.2, 0.4], [0.1, 0.9, 0.3]],
        mentor_capacity=[2, 1, 0],
    )
    r = solve(p, "flow", objective="total")
    assert r.metrics.loads().tolist() == [2, 1, 0]
    dist = r.metrics.load_distribution()
    assert dist.to_dict() == {0: 0, 1: 1, 2: 1}
    assert int(dist.sum()) == 2
