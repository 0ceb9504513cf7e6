"""Why a mentee has fewer mentors than wanted, in words.

On a dense problem the pairs each filter removed are read from its mask; on
a candidate problem with pair filters, the short mentees' rows are re-scored
(in blocks) and each filter's pair test says which of their pairs it
removed, so a reason names the filters exactly as on the dense problem.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from alummatch.engine.candidates import PairTests
from alummatch.problem import RESCORE_BLOCK, MatchingProblem
from alummatch.result import Status
from alummatch.solvers.base import Task

__all__ = ["unmatched_reasons"]

_NOTHING_MADE = (
    "no matching was made: the requirements cannot all hold (see the diagnosis)"
)


def unmatched_reasons(
    task: Task,
    pairs: NDArray[np.intp],
    removed: Sequence[tuple[str, NDArray[np.bool_]]],
    status: Status,
    *,
    problem: MatchingProblem | None = None,
    tests: PairTests | None = None,
) -> dict[str, str]:
    """Reason, per mentee with fewer mentors than wanted, in words.

    Parameters
    ----------
    task : Task
    pairs : ndarray of int, shape (k, 2)
        Every chosen pair, pinned included.
    removed : sequence of (label, mask)
        The pairs each pair filter removed, by the filter's label (dense
        problems).
    status : Status
    problem : MatchingProblem, optional
        The problem asked about, when the task's is a reduced one (a
        candidate problem with filtered pairs taken out); ``task.problem``
        by default.
    tests : PairTests, optional
        The pair filters' tests, on a candidate problem.
    """
    prob = task.problem if problem is None else problem
    n, m = prob.shape
    count = (
        np.bincount(pairs[:, 0], minlength=n) if pairs.size else np.zeros(n, np.int64)
    )
    short = np.nonzero(count < prob.mentee_demand)[0]
    if short.size == 0:
        return {}
    if status is Status.INFEASIBLE:
        # one reason for all: no row is read (a candidate problem would
        # re-score every short mentee for nothing)
        return {
            prob.mentee_ids[i]: (
                f"matched {int(count[i])} of {int(prob.mentee_demand[i])} mentors "
                "wanted; "
                if count[i]
                else ""
            )
            + _NOTHING_MADE
            for i in short.tolist()
        }
    load = (
        np.bincount(pairs[:, 1], minlength=m) if pairs.size else np.zeros(m, np.int64)
    )
    out: dict[str, str] = {}
    # blocks of short mentees: a candidate problem re-scores their rows
    step = max(1, RESCORE_BLOCK // max(m, 1))
    for c0 in range(0, short.size, step):
        out.update(
            _block_reasons(
                task,
                prob,
                short[c0 : c0 + step],
                count,
                load,
                pairs,
                removed,
                tests,
                status,
            )
        )
    return out


def _block_reasons(
    task: Task,
    prob: MatchingProblem,
    short: NDArray[np.intp],
    count: NDArray[np.int64],
    load: NDArray[np.int64],
    pairs: NDArray[np.intp],
    removed: Sequence[tuple[str, NDArray[np.bool_]]],
    tests: PairTests | None,
    status: Status,
) -> dict[str, str]:
    """Reasons of one block of short mentees (see :func:`unmatched_reasons`)."""
    m = prob.shape[1]
    free_seat = load < prob.mentor_capacity
    chosen = np.zeros((short.size, m), dtype=np.bool_)
    if pairs.size:
        sel = np.isin(pairs[:, 0], short)
        pos = np.searchsorted(short, pairs[sel, 0])
        chosen[pos, pairs[sel, 1]] = True
    cs = prob.candidates
    row_scores = None
    # the pairs of the block each filter removed (of those the rules allow)
    cut: list[tuple[str, NDArray[np.bool_]]] = []
    if cs is None:
        rule_ok = prob.allowed[short]
        cut = [(label, mask[short]) for label, mask in removed]
    elif tests is not None and tests.tests:
        row_scores, rule_ok = prob.rows(short)
        first = tests.first(
            np.broadcast_to(short[:, None], rule_ok.shape),
            np.broadcast_to(np.arange(m, dtype=np.intp), rule_ok.shape),
            row_scores,
        )
        cut = [(label, rule_ok & (first == k)) for k, label in enumerate(tests.labels)]
    elif cs.upper is not None and task.objective != "total":
        rule_ok = cs.upper[short] > 0  # the build's bytes: 0 where not allowed
    else:
        row_scores, rule_ok = prob.rows(short)
    eff_ok = rule_ok.copy()
    for _, mask in cut:
        eff_ok &= ~mask
    with_cap = eff_ok & (prob.mentor_capacity > 0)[None, :]
    open_ = with_cap & free_seat[None, :] & ~chosen
    # Row reductions for the whole block at once; the loop below only words
    # them (one string per short mentee).
    any_rule: NDArray[np.bool_] = np.asarray(rule_ok.any(axis=1))
    any_eff: NDArray[np.bool_] = np.asarray(eff_ok.any(axis=1))
    n_ok = with_cap.sum(axis=1)
    n_open = open_.sum(axis=1)
    if task.objective == "total":
        scores = prob.scores[short] if row_scores is None else row_scores
        nonpositive: NDArray[np.bool_] = ~np.asarray((open_ & (scores > 0)).any(axis=1))
    else:
        nonpositive = np.zeros(short.size, dtype=np.bool_)
    removed_counts = [(label, mask.sum(axis=1)) for label, mask in cut]
    out: dict[str, str] = {}
    for k, i in enumerate(short.tolist()):
        got, want = int(count[i]), int(prob.mentee_demand[i])
        prefix = f"matched {got} of {want} mentors wanted; " if got else ""
        if status is Status.INFEASIBLE:  # pragma: no cover - answered above
            reason = _NOTHING_MADE
        elif not any_rule[k]:
            reason = (
                "no allowed mentor: " + prob.context.explain_no_allowed(i)
                if prob.context is not None
                else "no allowed mentor (every pair is disallowed)"
            )
        elif not any_eff[k]:
            parts = [
                f"{int(counts[k])} by {label}"
                for label, counts in removed_counts
                if counts[k]
            ]
            reason = "no allowed mentor left: removed " + ", ".join(parts)
        elif not n_ok[k]:
            reason = "every allowed mentor has capacity 0"
        elif not n_open[k]:
            ok = int(n_ok[k])
            if got == 0:
                reason = f"capacity exhausted: all {ok} allowed mentor(s) are full"
            elif ok == got:
                reason = (
                    f"no other allowed mentor: all {ok} are already paired with "
                    "this mentee (never the same mentor twice)"
                )
            else:
                reason = (
                    f"capacity exhausted: the other {ok - got} allowed mentor(s) "
                    "are full"
                )
        elif nonpositive[k]:
            reason = (
                "the allowed mentors with free seats all score <= 0, which would "
                "lower the total (objective 'total')"
            )
        elif status is Status.TIME_LIMIT:
            reason = "left unmatched when the time limit was reached"
        else:
            reason = (
                f"left unmatched by the solver although {int(n_open[k])} allowed "
                "mentor(s) had free seats (objective trade-off)"
            )
        out[prob.mentee_ids[i]] = prefix + reason
    return out
