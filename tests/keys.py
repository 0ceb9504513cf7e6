"""Objective keys compared within a tolerance: one helper for every solver test."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alummatch import MatchingProblem
from alummatch.testing import objective_key, same_key

__all__ = ["assert_same_key", "key_of_pairs", "wait_key"]


def assert_same_key(
    a: Sequence[float], b: Sequence[float], rel: float = 1e-6, abs_: float = 1e-6
) -> None:
    """Two objective keys agree entry by entry (``rel`` and ``abs_`` tolerances)."""
    assert same_key(a, b, rel=rel, abs_=abs_), f"{tuple(a)} != {tuple(b)}"


def key_of_pairs(
    pairs: np.ndarray, problem: MatchingProblem, objective: str
) -> tuple[float, ...]:
    """The objective key of ``pairs`` on ``problem``."""
    return objective_key(problem.scores, pairs, objective)


def wait_key(
    problem: MatchingProblem, pairs: np.ndarray, objective: str
) -> tuple[float, ...]:
    """Matched slots, slots left out per wait (longest first), then the rest
    of the objective key (smallest score for ``maxmin``, total)."""
    pairs = np.asarray(pairs, dtype=int).reshape(-1, 2)
    got = np.bincount(pairs[:, 0], minlength=problem.n_mentees)
    left = problem.mentee_demand - got
    waits = problem.waits
    tiers = [-float(left[waits == w].sum()) for w in np.unique(waits)[::-1]]
    sc = problem.scores[pairs[:, 0], pairs[:, 1]]
    rest = (
        [float(sc.min()) if sc.size else float("inf")] if objective == "maxmin" else []
    )
    return (float(got.sum()), *tiers, *rest, float(sc.sum()))
