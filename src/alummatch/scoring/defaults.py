"""The default scorer: the four built-in criteria, weighted."""

from __future__ import annotations

from collections.abc import Mapping

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.scoring.availability import AvailabilityCriterion
from alummatch.scoring.base import Criterion, Scorer
from alummatch.scoring.expectations import ExpectationsCriterion
from alummatch.scoring.goals import GoalsCriterion
from alummatch.scoring.industry import IndustryCriterion

__all__ = ["DEFAULT_WEIGHTS", "default_scorer"]

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "industry": 0.3,
    "goals": 0.3,
    "availability": 0.2,
    "expectations": 0.2,
}
"""Weights of the default scorer by criterion name (they sum to 1)."""


def default_scorer(
    weights: Mapping[str, float] | None = None, *, priority_factor: float = 2.0
) -> Scorer:
    """The four built-in criteria combined by weight.

    Parameters
    ----------
    weights : mapping of str to float, optional
        Weights by criterion name (``industry``, ``goals``, ``availability``,
        ``expectations``); names not given keep their :data:`DEFAULT_WEIGHTS`.
        Weights are normalised, so the combined score stays in [0, 1].
    priority_factor : float
        A mentee's ``priority`` criterion weighs this many times more for that
        mentee (2 = counts double), then the mentee's weights are renormalised.

    Returns
    -------
    Scorer
        Unfitted.

    Raises
    ------
    InvalidInputError
        For unknown criterion names or negative weights.

    Examples
    --------
    >>> default_scorer({"industry": 0}).weights["industry"]
    0.0
    """
    given = dict(weights or {})
    problems = [
        InputProblem(
            "weights", name, f"unknown criterion; known: {list(DEFAULT_WEIGHTS)}"
        )
        for name in given
        if name not in DEFAULT_WEIGHTS
    ]
    merged = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in given.items()}}
    if any(not v >= 0 for v in merged.values()) or sum(merged.values()) <= 0:
        problems.append(InputProblem("weights", "", "weights must be >= 0, not all 0"))
    if problems:
        raise InvalidInputError(problems)
    criteria: list[Criterion] = [
        IndustryCriterion(),
        GoalsCriterion(),
        AvailabilityCriterion(),
        ExpectationsCriterion(),
    ]
    return Scorer(criteria, merged, priority_factor=priority_factor)
