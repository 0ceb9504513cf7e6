"""Exact optimum of tiny tasks by enumeration: the reference of last resort."""

from __future__ import annotations

import itertools

import numpy as np

from alummatch.solvers.base import Task
from alummatch.testing.keys import Key, better_key, objective_key

__all__ = ["MAX_BRUTE_PAIRS", "brute_force_key"]

MAX_BRUTE_PAIRS = 14
"""Most free pairs :func:`brute_force_key` enumerates (2**14 subsets)."""


def brute_force_key(task: Task) -> Key | None:
    """Best objective key over every matching of the task; ``None`` if none.

    Honours what the task's arrays say (allowed pairs, residual capacities,
    demands and minimum loads, pinned pairs, which count in the key); the
    task must carry no other constraint.

    Raises
    ------
    ValueError
        The task has other constraints, or more than :data:`MAX_BRUTE_PAIRS`
        usable pairs.
    """
    if task.constraints:
        raise ValueError("brute_force_key references plain tasks only")
    usable = task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]
    tee, tor = np.nonzero(usable)
    k = tee.size
    if k > MAX_BRUTE_PAIRS:
        raise ValueError(f"{k} usable pairs: too many to enumerate")
    n, m = task.allowed.shape
    best: Key | None = None
    for bits in itertools.product((False, True), repeat=k):
        sel = np.array(bits, dtype=np.bool_)
        load = np.bincount(tor[sel], minlength=m)
        if (load > task.capacity).any() or (load < task.min_load).any():
            continue
        if (np.bincount(tee[sel], minlength=n) > task.demand).any():
            continue
        pairs = np.concatenate(
            [task.fixed, np.stack([tee[sel], tor[sel]], axis=1)]
        ).astype(np.intp)
        key = objective_key(task.scores, pairs, task.objective)
        if best is None or better_key(key, best, rel=1e-12, abs_=1e-12):
            best = key
    return best
