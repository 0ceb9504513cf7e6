"""Brute force with fairness constraints, and checks of each constraint.

Independent of the solvers: reads the constraints as documented in
:mod:`alummatch.solvers.terms` and enumerates every subset of allowed pairs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np

from alummatch.problem import MatchingProblem

__all__ = ["fair_brute_force", "key_of", "parity_gap", "quota_ok"]

TOL = 1e-9


def _group_index(
    problem: MatchingProblem, groups: Mapping[str, str]
) -> tuple[list[str], np.ndarray]:
    labels = sorted(set(groups.values()))
    idx = np.array(
        [labels.index(groups[m]) if m in groups else -1 for m in problem.mentee_ids]
    )
    return labels, idx


def quota_ok(
    problem: MatchingProblem, pairs: np.ndarray, share: float, groups: Mapping[str, str]
) -> bool:
    """Every group has ``ceil(share * wanted)`` matched slots (9-decimal rounding)."""
    labels, idx = _group_index(problem, groups)
    pg = idx[pairs[:, 0]] if pairs.size else np.empty(0, dtype=int)
    for g in range(len(labels)):
        wanted = int(problem.mentee_demand[idx == g].sum())
        need = math.ceil(round(share * wanted, 9))
        if int((pg == g).sum()) < need:
            return False
    return True


def parity_gap(
    problem: MatchingProblem, pairs: np.ndarray, groups: Mapping[str, str]
) -> float:
    """Largest difference between group mean matched scores (0 if < 2 means)."""
    labels, idx = _group_index(problem, groups)
    if not pairs.size:
        return 0.0
    pg = idx[pairs[:, 0]]
    sc = problem.scores[pairs[:, 0], pairs[:, 1]]
    means = [float(sc[pg == g].mean()) for g in range(len(labels)) if (pg == g).any()]
    return max(means) - min(means) if len(means) > 1 else 0.0


def key_of(
    problem: MatchingProblem, pairs: np.ndarray, objective: str, weight: float = 0.0
) -> tuple[float, ...]:
    """Objective key: total (less load penalty), coverage and min as in DESIGN.md."""
    pairs = np.asarray(pairs, dtype=int).reshape(-1, 2)
    sc = problem.scores[pairs[:, 0], pairs[:, 1]]
    load = np.bincount(pairs[:, 1], minlength=problem.n_mentors).astype(float)
    value = float(sc.sum()) - weight * float((load * (load - 1)).sum()) / 2
    if objective == "total":
        return (value,)
    if objective == "coverage":
        return (float(len(sc)), value)
    return (float(len(sc)), float(sc.min()) if sc.size else math.inf, value)


def fair_brute_force(
    problem: MatchingProblem,
    objective: str,
    *,
    pinned: Sequence[tuple[int, int]] = (),
    quota: tuple[float, Mapping[str, str]] | None = None,
    parity: tuple[float, Mapping[str, str]] | None = None,
    weight: float = 0.0,
) -> tuple[float, ...] | None:
    """Best key over every feasible subset of allowed pairs (None if none)."""
    tee, tor = np.nonzero(problem.allowed)
    k = tee.size
    assert k <= 14, "too many pairs for brute force"
    pin = {(int(a), int(b)) for a, b in pinned}
    n, m = problem.shape
    best: tuple[float, ...] | None = None
    for bits in itertools.product((False, True), repeat=k):
        sel = np.array(bits, dtype=bool)
        pairs = np.stack([tee[sel], tor[sel]], axis=1)
        if not pin <= set(map(tuple, pairs.tolist())):
            continue
        load = np.bincount(tor[sel], minlength=m)
        if (load > problem.mentor_capacity).any() or (
            load < problem.mentor_min_load
        ).any():
            continue
        if (np.bincount(tee[sel], minlength=n) > problem.mentee_demand).any():
            continue
        if quota is not None and not quota_ok(problem, pairs, *quota):
            continue
        if (
            parity is not None
            and parity_gap(problem, pairs, parity[1]) > parity[0] + TOL
        ):
            continue
        key = key_of(problem, pairs, objective, weight)
        if best is None or _better(key, best):
            best = key
    return best


def _better(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    for x, y in zip(a, b, strict=True):
        if abs(x - y) > TOL:
            return x > y
    return False
