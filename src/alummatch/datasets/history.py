"""Synthetic past cohorts whose outcomes follow a known truth.

:func:`synthetic_history` matches a cohort the way a programme might have
(hand weights, with some staff judgement on top), then rates every pair 1-5
from hidden *true* weights of the criterion components plus noise, and leaves
a share of the pairs unsurveyed. :func:`true_rating` gives the noiseless
expected rating of any pair, so that a matching can be graded against the
truth (see ``benchmarks/bench_learn.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alummatch.engine import solve
from alummatch.errors import InputProblem, InvalidInputError
from alummatch.history import History
from alummatch.problem import MatchingProblem
from alummatch.profiles import Cohort
from alummatch.scoring import Scorer, build_problem, clone, default_scorer

__all__ = ["synthetic_history", "true_rating"]

_JUDGEMENT = 0.1
"""Spread of the staff judgement added to the hand-weighted scores."""


def _weights(scorer: Scorer, true_weights: Mapping[str, float]) -> NDArray[np.float64]:
    names = [str(c.name) for c in scorer.criteria]
    problems = [
        InputProblem("true_weights", k, f"unknown criterion; known: {names}")
        for k in true_weights
        if k not in names
    ]
    w = np.array([float(true_weights.get(n, 0.0)) for n in names], dtype=np.float64)
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        problems.append(
            InputProblem("true_weights", "", "weights must be >= 0, not all 0")
        )
    if problems:
        raise InvalidInputError(problems)
    out: NDArray[np.float64] = w / w.sum()
    return out


def true_rating(
    cohort: Cohort,
    true_weights: Mapping[str, float],
    mentee_idx: NDArray[np.intp],
    mentor_idx: NDArray[np.intp],
    *,
    scorer: Scorer | None = None,
) -> NDArray[np.float64]:
    """Expected 1-5 rating of pairs under the true weights: ``1 + 4 * score``.

    Parameters
    ----------
    cohort : Cohort
    true_weights : mapping of criterion name to weight
        Normalised to sum 1; criteria not named weigh 0.
    mentee_idx, mentor_idx : int arrays of the same length
        The pairs, as indices into the cohort.
    scorer : Scorer, optional
        Whose components the weights apply to; the default scorer by default.

    Returns
    -------
    ndarray of float64
    """
    base = clone(scorer if scorer is not None else default_scorer())
    w = _weights(base, true_weights)
    base.fit(cohort)
    comps = base.pair_components(
        np.asarray(mentee_idx, np.intp), np.asarray(mentor_idx, np.intp)
    )
    score = np.column_stack([comps[n] for n in base.names_]) @ w
    return 1.0 + 4.0 * score


def synthetic_history(
    cohort: Cohort,
    true_weights: Mapping[str, float],
    *,
    noise: float = 0.5,
    response_rate: float = 0.6,
    seed: int = 0,
    n_terms: int = 2,
    scorer: Scorer | None = None,
    outcome: str = "satisfaction",
) -> History:
    """A past matching of ``cohort`` rated 1-5 from known true weights.

    Mentees are split at random into ``n_terms`` terms (``term-1``, ...).
    The pairs are what a programme with hand weights would have made: the
    default scorer's scores plus a little staff judgement (normal, sd 0.1),
    matched by maximum coverage with every mentee wanting one mentor. Each
    pair is rated ``round(1 + 4 * s + noise * e)`` clipped to 1-5, where
    ``s`` is the pair's score under ``true_weights`` (the weighted mean of
    its criterion components) and ``e`` is standard normal; a pair is
    surveyed with probability ``response_rate`` (blank otherwise). Every
    pair is ``completed``.

    Parameters
    ----------
    cohort : Cohort
        The past cohort.
    true_weights : mapping of criterion name to weight
        The hidden truth, e.g. ``{"industry": 0.5, "availability": 0.5}``;
        normalised; criteria not named weigh 0.
    noise : float, default 0.5
        Rating noise, in rating points.
    response_rate : float, default 0.6
        Share of pairs surveyed.
    seed : int
        Seed of every random choice.
    n_terms : int, default 2
    scorer : Scorer, optional
        Whose components define the truth; the default scorer by default.
    outcome : str, default "satisfaction"
        Name of the outcome column.

    Returns
    -------
    History
        Columns ``mentee_id``, ``mentor_id``, ``term``, ``status`` and
        ``outcome``.

    Examples
    --------
    >>> from alummatch.datasets import synthetic_cohort
    >>> h = synthetic_history(
    ...     synthetic_cohort(60, 30, seed=1), {"industry": 1.0}, seed=1
    ... )
    >>> h.outcomes, h.terms
    (('satisfaction',), ('term-1', 'term-2'))
    """
    problems: list[InputProblem] = []
    if not (isinstance(noise, int | float) and noise >= 0):
        problems.append(InputProblem("noise", "", f"must be >= 0, got {noise!r}"))
    if not (isinstance(response_rate, int | float) and 0 <= response_rate <= 1):
        problems.append(
            InputProblem(
                "response_rate", "", f"must be in [0, 1], got {response_rate!r}"
            )
        )
    if not (isinstance(n_terms, int) and n_terms >= 1):
        problems.append(InputProblem("n_terms", "", f"must be >= 1, got {n_terms!r}"))
    if problems:
        raise InvalidInputError(problems)
    base = clone(scorer if scorer is not None else default_scorer())
    w = _weights(base, true_weights)
    rng = np.random.default_rng(seed)
    hand = build_problem(cohort)
    judged = hand.scores + rng.normal(0.0, _JUDGEMENT, size=hand.shape)
    staff = MatchingProblem.from_scores(
        judged,
        allowed=hand.allowed,
        mentor_capacity=hand.mentor_capacity,
        mentee_demand=1,
        mentee_ids=hand.mentee_ids,
        mentor_ids=hand.mentor_ids,
    )
    pairs = solve(staff, "flow", objective="coverage", seed=seed).pair_indices
    tee, tor = pairs[:, 0], pairs[:, 1]
    base.fit(cohort)
    comps = base.pair_components(tee, tor)
    score = np.column_stack([comps[n] for n in base.names_]) @ w
    rating = np.clip(
        np.rint(1.0 + 4.0 * score + noise * rng.standard_normal(tee.size)), 1, 5
    )
    rating[rng.random(tee.size) >= response_rate] = np.nan
    term_of = rng.integers(0, n_terms, size=cohort.n_mentees)
    order = np.argsort(term_of[tee], kind="stable")
    tee, tor, rating = tee[order], tor[order], rating[order]
    frame = pd.DataFrame(
        {
            "mentee_id": np.asarray(cohort.mentee_ids, dtype=object)[tee],
            "mentor_id": np.asarray(cohort.mentor_ids, dtype=object)[tor],
            "term": [f"term-{k + 1}" for k in term_of[tee]],
            "status": "completed",
            outcome: rating,
        }
    )
    return History.from_frame(frame)
