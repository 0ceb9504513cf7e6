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

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def pair_contributions(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> dict[str, NDArray[np.float64]]:
        comps = self.inner.pair_components(mentee_idx, mentor_idx)
        return {
            "industry": 0.5 * comps["industry"],
            "goals": np.full(len(mentee_idx), np.nan),
            "expectations": 0.5 * comps["expectations"],
        }


def _result() -> am.MatchResult:
    problem = am.build_problem(load_sample())
    problem = problem.replace(context=_Abstaining(problem.context))
    return am.solve(problem)


def test_pair_contributions_decide_the_criteria_shown() -> None:
    """Zero-weight criteria are left out; abstaining ones are blank."""
    result = _result()
    f = facts(result)
    assert f.criteria == ("industry", "goals", "expectations")
    frame = staff_frame(result, f)
    assert "availability_contribution" not in frame.columns
    assert frame.loc[frame["status"] == "paired", "goals_contribution"].isna().all()
    first = result.pairs[0]
    assert math.isclose(
        frame.loc[0, "industry_contribution"],
        round(0.5 * first.components["industry"], 3),
    )


def test_explain_and_warnings_skip_silent_criteria() -> None:
    """explain() mentions neither the abstaining nor the zero-weight criterion."""
    result = _result()
    text = result.explain(result.pairs[0].mentee_id)
    assert "  - industry " in text
    assert "  - goals " not in text
    assert "  - availability " not in text
    assert "no shared availability" not in result.summary()
