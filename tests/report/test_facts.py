"""Contributions read from the context's pair_contributions when it has one."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

import alummatch as am
from alummatch.datasets import load_sample
from alummatch.report import facts, staff_frame


class _Abstaining:
    """A cohort context whose scorer abstains on goals and weighs availability 0.

    Mimics ``pair_contributions``: zero-weight criteria absent, abstaining ones
    NaN; everything else is delegated.
    """

    def __init__(self, inner: Any, *, everywhere: bool = False) -> None:
        self.inner = inner
        self.everywhere = everywhere

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def pair_contributions(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> dict[str, NDArray[np.float64]]:
        comps = self.inner.pair_components(mentee_idx, mentor_idx)
        goals = 0.2 * comps["goals"]
        # goals abstains for mentees of even index (or everywhere)
        goals[(np.asarray(mentee_idx) % 2 == 0) | self.everywhere] = np.nan
        return {
            "industry": 0.5 * comps["industry"],
            "goals": goals,
            "expectations": 0.3 * comps["expectations"],
        }


def _result(*, everywhere: bool = False) -> am.MatchResult:
    problem = am.build_problem(load_sample())
    context = _Abstaining(problem.context, everywhere=everywhere)
    return am.solve(problem.replace(context=context))


def test_pair_contributions_decide_the_criteria_shown() -> None:
    """Zero-weight criteria are left out; abstaining ones are blank."""
    result = _result()
    f = facts(result)
    assert f.criteria == ("industry", "goals", "expectations")
    frame = staff_frame(result, f)
    assert "availability_contribution" not in frame.columns
    paired = frame[frame["status"] == "paired"]
    even = [int(m[2:]) % 2 == 1 for m in paired["mentee_id"]]  # m-01 is index 0
    assert paired.loc[even, "goals_contribution"].isna().all()
    assert paired.loc[[not e for e in even], "goals_contribution"].notna().all()
    first = result.pairs[0]
    assert math.isclose(
        frame.loc[0, "industry_contribution"],
        round(0.5 * first.components["industry"], 3),
    )


def test_explain_and_warnings_skip_silent_criteria() -> None:
    """explain() mentions neither the abstaining nor the zero-weight criterion."""
    result = _result()
    text = result.explain(result.pairs[0].mentee_id)  # m-01: index 0, abstains
    assert "  - industry " in text
    assert "  - goals " not in text
    assert "  - availability " not in text
    assert "no shared availability" not in result.summary()


def test_a_criterion_without_data_for_any_pair_gets_no_column() -> None:
    """A criterion that abstains on every chosen pair is not a column."""
    f = facts(_result(everywhere=True))
    assert f.criteria == ("industry", "expectations")
    assert "goals_contribution" not in staff_frame(f.result, f).columns


def test_ranks_of_chosen_pairs_read_in_blocks_equal_row_by_row(
    monkeypatch: Any,
) -> None:
    """Each chosen pair's rank among the mentee's allowed mentors is the same
    when all pairs are ranked at once in blocks of rows (dense and candidate
    problems) as when each mentee's row is read alone."""
    import importlib

    from alummatch.datasets import synthetic_cohort

    facts_module = importlib.import_module("alummatch.report.facts")

    monkeypatch.setattr(facts_module, "_RANK_BLOCK", 64)
    cohort = synthetic_cohort(120, 40, seed=5)
    for problem in (am.build_problem(cohort), am.build_problem(cohort, candidates=3)):
        result = am.solve(problem, "flow", objective="coverage")
        f = facts(result)
        assert result.pair_indices.shape[0] > 0
        for i, j in result.pair_indices.tolist():
            scores, row = problem.rows(np.array([i]))
            better = int(np.count_nonzero(row[0] & (scores[0] > scores[0, j])))
            n_allowed = int(np.count_nonzero(row[0]))
            want = (
                "their best-scoring allowed mentor"
                if better == 0
                else f"best of {n_allowed} allowed mentors"
            )
            assert f.rank(i, j).endswith(want)
            if better:
                assert f.rank(i, j).startswith(facts_module._ordinal(better + 1))
