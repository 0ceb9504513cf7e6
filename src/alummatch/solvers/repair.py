"""A quick matching that honours ``ScoreParity``, repaired from one that does not.

Exact solvers start from ``flow``'s optimum of the request without its
parity constraints; dropping a few pairs usually brings the group means
within the gap. The repaired matching is a feasible answer in hand (never
worse is returned under a time limit) and a complete hint for the search.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.fairness import GroupQuota, ScoreParity
from alummatch.solvers.base import Task
from alummatch.solvers.terms import group_index, group_needs

__all__ = ["repair_parity"]


def repair_parity(
    task: Task, tee: NDArray[np.intp], tor: NDArray[np.intp], chosen: NDArray[np.bool_]
) -> NDArray[np.bool_] | None:
    """Drop pairs from a matching until every ``ScoreParity`` holds.

    Each step removes, from the group with the lowest mean, its lowest free
    pair when that pair is below the mean (which raises the mean), else from
    the group with the highest mean its highest free pair. The matching that
    results is returned when it still meets the minimum loads and every
    quota, else ``None``. A quick feasible start for requests with parity;
    a matching returned unchanged honours every group and load requirement
    of the task.
    """
    chosen = chosen.copy()
    # Only the chosen pairs can be dropped: work on them alone, so that each
    # step costs the matching's size, not the number of usable pairs.
    idx = np.nonzero(chosen)[0]
    scores = task.scores[tee[idx], tor[idx]]
    alive = np.ones(idx.size, dtype=np.bool_)
    fixed = task.fixed
    pin_scores = task.scores[fixed[:, 0], fixed[:, 1]] if fixed.size else np.empty(0)
    groups = []
    for c in task.constraints:
        if isinstance(c, ScoreParity):
            _, index = group_index(task.problem, c)
            pin_g = index[fixed[:, 0]] if fixed.size else np.empty(0, dtype=np.intp)
            k = int(index.max(initial=-1)) + 1
            pmask = pin_g >= 0
            pin_cnt = np.bincount(pin_g[pmask], minlength=k).astype(np.float64)
            pin_tot = np.bincount(pin_g[pmask], weights=pin_scores[pmask], minlength=k)
            groups.append((float(c.max_gap), index[tee[idx]], k, pin_cnt, pin_tot))
    for _ in range(idx.size + 1):
        moved = False
        for max_gap, arc_g, k, pin_cnt, pin_tot in groups:
            sel = alive & (arc_g >= 0)
            cnt = np.bincount(arc_g[sel], minlength=k) + pin_cnt
            tot = np.bincount(arc_g[sel], weights=scores[sel], minlength=k) + pin_tot
            live = np.nonzero(cnt > 0)[0]
            if live.size < 2:
                continue
            mean = tot[live] / cnt[live]
            if float(mean.max() - mean.min()) <= max_gap:
                continue
            low, high = int(live[np.argmin(mean)]), int(live[np.argmax(mean)])
            cand = np.nonzero(alive & (arc_g == low))[0]
            if cand.size and scores[cand].min() < mean.min():
                drop = cand[np.argmin(scores[cand])]
            else:
                cand = np.nonzero(alive & (arc_g == high))[0]
                if cand.size == 0:
                    return None  # only pinned pairs left: cannot repair
                drop = cand[np.argmax(scores[cand])]
            alive[drop] = False
            moved = True
        if not moved:
            break
    else:
        return None
    chosen[idx[~alive]] = False
    load = np.bincount(tor[chosen], minlength=task.allowed.shape[1])
    if (load < task.min_load).any():
        return None
    for q in task.constraints:
        if isinstance(q, GroupQuota):
            needs = group_needs(task, q)
            sel = chosen & (needs.index[tee] >= 0)
            got = np.bincount(needs.index[tee][sel], minlength=needs.need.size)
            if (got < needs.residual_need).any():
                return None
    return chosen
