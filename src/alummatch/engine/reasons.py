"""Why a mentee has fewer mentors than wanted, in words."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from alummatch.result import Status
from alummatch.solvers.base import Task

__all__ = ["unmatched_reasons"]


def unmatched_reasons(
    task: Task,
    pairs: NDArray[np.intp],
    removed: Sequence[tuple[str, NDArray[np.bool_]]],
    status: Status,
) -> dict[str, str]:
    """Reason, per mentee with fewer mentors than wanted, in words.

    Parameters
    ----------
    task : Task
    pairs : ndarray of int, shape (k, 2)
        Every chosen pair, pinned included.
    removed : sequence of (label, mask)
        The pairs each pair filter removed, by the filter's label.
    status : Status
    """
    prob = task.problem
    n, m = prob.shape
    count = (
        np.bincount(pairs[:, 0], minlength=n) if pairs.size else np.zeros(n, np.int64)
    )
    short = np.nonzero(count < prob.mentee_demand)[0]
    if short.size == 0:
        return {}
    load = (
        np.bincount(pairs[:, 1], minlength=m) if pairs.size else np.zeros(m, np.int64)
    )
    out: dict[str, str] = {}
    # blocks of short mentees: a candidate problem re-scores their rows
    step = max(1, (1 << 21) // max(m, 1))
    for c0 in range(0, short.size, step):
        out.update(
            _block_reasons(
                task, short[c0 : c0 + step], count, load, pairs, removed, status
            )
        )
    return out


def _block_reasons(
    task: Task,
    short: NDArray[np.intp],
    count: NDArray[np.int64],
    load: NDArray[np.int64],
    pairs: NDArray[np.intp],
    removed: Sequence[tuple[str, NDArray[np.bool_]]],
    status: Status,
) -> dict[str, str]:
    """Reasons of one block of short mentees (see :func:`unmatched_reasons`)."""
    prob = task.problem
    m = prob.shape[1]
    free_seat = load < prob.mentor_capacity
    chosen = np.zeros((short.size, m), dtype=np.bool_)
    if pairs.size:
        sel = np.isin(pairs[:, 0], short)
        pos = np.searchsorted(short, pairs[sel, 0])
        chosen[pos, pairs[sel, 1]] = True
    cs = prob.candidates
    row_scores = None
    if cs is None:
        rule_ok = prob.allowed[short]
    elif cs.upper is not None and task.objective != "total":
        rule_ok = cs.upper[short] > 0  # the build's bytes: 0 where not allowed
    else:
        row_scores, rule_ok = prob.rows(short)
    eff_ok = rule_ok.copy()
    for _, mask in removed:
        eff_ok &= ~mask[short]
    with_cap = eff_ok & (prob.mentor_capacity > 0)[None, :]
    open_ = with_cap & free_seat[None, :] & ~chosen
    out: dict[str, str] = {}
    for k, i in enumerate(short):
        got, want = int(count[i]), int(prob.mentee_demand[i])
        prefix = f"matched {got} of {want} mentors wanted; " if got else ""
        if status is Status.INFEASIBLE:
            reason = (
                "no matching was made: the requirements cannot all hold "
                "(see the diagnosis)"
            )
        elif not rule_ok[k].any():
            reason = (
                "no allowed mentor: " + prob.context.explain_no_allowed(int(i))
                if prob.context is not None
                else "no allowed mentor (every pair is disallowed)"
            )
        elif not eff_ok[k].any():
            parts = [
                f"{int(mask[i].sum())} by {label}"
                for label, mask in removed
                if mask[i].any()
            ]
            reason = "no allowed mentor left: removed " + ", ".join(parts)
        elif not with_cap[k].any():
            reason = "every allowed mentor has capacity 0"
        elif not open_[k].any():
            n_ok = int(with_cap[k].sum())
            if got == 0:
                reason = f"capacity exhausted: all {n_ok} allowed mentor(s) are full"
            elif n_ok == got:
                reason = (
                    f"no other allowed mentor: all {n_ok} are already paired with "
                    "this mentee (never the same mentor twice)"
                )
            else:
                reason = (
                    f"capacity exhausted: the other {n_ok - got} allowed mentor(s) "
                    "are full"
                )
        elif (
            task.objective == "total"
            and (
                (prob.scores[i] if row_scores is None else row_scores[k])[open_[k]] <= 0
            ).all()
        ):
            reason = (
                "the allowed mentors with free seats all score <= 0, which would "
                "lower the total (objective 'total')"
            )
        elif status is Status.TIME_LIMIT:
            reason = "left unmatched when the time limit was reached"
        else:
            reason = (
                f"left unmatched by the solver although {int(open_[k].sum())} allowed "
                "mentor(s) had free seats (objective trade-off)"
            )
        out[prob.mentee_ids[i]] = prefix + reason
    return out
