"""Brute-force optimum of tiny matching problems, for checking exact solvers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from alummatch import MatchingProblem

__all__ = ["brute_force"]


def brute_force(
    problem: MatchingProblem,
    objective: str,
    *,
    forbidden: Sequence[tuple[int, int]] = (),
    pinned: Sequence[tuple[int, int]] = (),
    min_score: float | None = None,
) -> tuple[float, ...] | None:
    """Best objective key over every feasible subset of allowed pairs.

    The key is ``(total,)`` for ``total``, ``(matched, total)`` for
    ``coverage`` and ``(matched, min score, total)`` for ``maxmin``; ``None``
    when no subset is feasible. Enumerates all 2**k subsets of the k allowed
    pairs, so keep k small.
    """
    allowed = np.array(problem.allowed)
    for a, b in forbidden:
        allowed[a, b] = False
    if min_score is not None:
        allowed &= problem.scores >= min_score
    tee, tor = np.nonzero(allowed)
    k = tee.size
    assert k <= 16, "too many pairs for brute force"
    pin = {(int(a), int(b)) for a, b in pinned}
    n, m = problem.shape
    best: tuple[float, ...] | None = None
    for bits in itertools.product((False, True), repeat=k):
        sel = np.array(bits, dtype=bool)
        chosen = set(zip(tee[sel].tolist(), tor[sel].tolist(), strict=True))
        if not pin <= chosen:
            continue
        load = np.bincount(tor[sel], minlength=m)
        count = np.bincount(tee[sel], minlength=n)
        if (load > problem.mentor_capacity).any() or (
            load < problem.mentor_min_load
        ).any():
            continue
        if (count > problem.mentee_demand).any():
            continue
        sc = problem.scores[tee[sel], tor[sel]]
        total = float(sc.sum())
        matched = float(sel.sum())
        if objective == "total":
            key: tuple[float, ...] = (total,)
        elif objective == "coverage":
            key = (matched, total)
        else:
            key = (matched, float(sc.min()) if sc.size else float("inf"), total)
        if best is None or _better(key, best):
            best = key
    return best


def _better(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    for x, y in zip(a, b, strict=True):
        if abs(x - y) > 1e-9:
            return x > y
    return False
