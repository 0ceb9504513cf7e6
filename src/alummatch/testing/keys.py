"""Objective keys of matchings, and comparing them within a tolerance.

A key is ``(total,)`` for ``total``, ``(matched slots, total)`` for
``coverage`` and ``(matched slots, smallest score, total)`` for ``maxmin``:
lexicographic, larger is better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["better_key", "objective_key", "same_key"]

Key = tuple[float, ...]


def objective_key(
    scores: NDArray[np.float64], pairs: NDArray[np.intp], objective: str
) -> Key:
    """The key of the matching ``pairs`` (``(k, 2)`` indices) under ``objective``."""
    pairs = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
    sc = scores[pairs[:, 0], pairs[:, 1]]
    total = float(sc.sum())
    if objective == "total":
        return (total,)
    if objective == "coverage":
        return (float(sc.size), total)
    return (float(sc.size), float(sc.min()) if sc.size else math.inf, total)


def _close(x: float, y: float, rel: float, abs_: float) -> bool:
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= max(abs_, rel * max(abs(x), abs(y)))


def same_key(
    a: Sequence[float], b: Sequence[float], *, rel: float = 1e-6, abs_: float = 1e-9
) -> bool:
    """Whether two keys are equal entry by entry within the tolerance."""
    return len(a) == len(b) and all(
        _close(x, y, rel, abs_) for x, y in zip(a, b, strict=True)
    )


def better_key(
    a: Sequence[float], b: Sequence[float], *, rel: float = 1e-6, abs_: float = 1e-9
) -> bool:
    """Whether key ``a`` is strictly better than ``b`` beyond the tolerance."""
    for x, y in zip(a, b, strict=True):
        if not _close(x, y, rel, abs_):
            return x > y
    return False
