"""The default scorer: the four built-in criteria, weighted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.scoring.availability import AvailabilityCriterion
from alummatch.scoring.base import Criterion
from alummatch.scoring.expectations import ExpectationsCriterion
from alummatch.scoring.goals import GoalsCriterion
from alummatch.scoring.industry import IndustryCriterion
from alummatch.scoring.scorer import Scorer

__all__ = ["DEFAULT_WEIGHTS", "default_scorer"]

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "industry": 0.3,
    "goals": 0.3,
    "availability": 0.2,
    "expectations": 0.2,
}
"""Weights of the default scorer by criterion name (they sum to 1)."""

_EXTRA_WEIGHT = 0.25


def default_scorer(
    weights: Mapping[str, float] | None = None,
    *,
    extra: Sequence[Criterion] = (),
    priority_factor: float = 2.0,
) -> Scorer:
    """The four built-in criteria combined by weight, plus any of your own.

    Parameters
    ----------
    weights : mapping of str to float, optional
        Weights by criterion name (``industry``, ``goals``, ``availability``,
        ``expectations`` and the names of ``extra`` criteria); built-in names
        not given keep their :data:`DEFAULT_WEIGHTS`, extra criteria not given
        weigh 0.25 (the mean built-in weight). Weights are normalised, so the
        combined score stays in [0, 1].
    extra : sequence of Criterion
        A program's own criteria (see :class:`~alummatch.scoring.Criterion`),
        scored and explained alongside the built-in ones.
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
        For unknown criterion names, names that clash, or negative weights.

    Examples
    --------
    >>> default_scorer({"industry": 0}).weights["industry"]
    0.0
    """
    given = dict(weights or {})
    extra = list(extra)
    extra_names = [str(getattr(c, "name", "")) for c in extra]
    known = [*DEFAULT_WEIGHTS, *extra_names]
    problems = [
        InputProblem("weights", name, f"unknown criterion; known: {known}")
        for name in given
        if name not in known
    ]
    for name, c in zip(extra_names, extra, strict=True):
        if not name:
            problems.append(
                InputProblem("extra", "", f"{c!r} has no name; set a `name` attribute")
            )
        elif name in DEFAULT_WEIGHTS or extra_names.count(name) > 1:
            problems.append(
                InputProblem("extra", name, "criterion name is already taken")
            )
    base = {**DEFAULT_WEIGHTS, **dict.fromkeys(extra_names, _EXTRA_WEIGHT)}
    merged = {**base, **{k: float(v) for k, v in given.items() if k in base}}
    if any(not v >= 0 for v in merged.values()) or sum(merged.values()) <= 0:
        problems.append(InputProblem("weights", "", "weights must be >= 0, not all 0"))
    if problems:
        raise InvalidInputError(problems)
    criteria: list[Criterion] = [
        IndustryCriterion(),
        GoalsCriterion(),
        AvailabilityCriterion(),
        ExpectationsCriterion(),
        *extra,
    ]
    return Scorer(criteria, merged, priority_factor=priority_factor)
