"""Objective keys compared within a tolerance: one helper for every solver test."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alummatch import MatchingProblem
from alummatch.testing import objective_key, same_key

__all__ = ["assert_same_key", "key_of_pairs"]


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
