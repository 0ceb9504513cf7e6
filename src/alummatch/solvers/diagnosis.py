"""Infeasibility diagnosis in words and numbers.

Scarce mentors are not infeasible: mentees left without a seat are reported as
unmatched with their reason. Infeasible means a hard requirement (minimum
loads, pinned pairs, group quotas) cannot hold; the functions here say which,
with the numbers that prove it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_flow

from alummatch.constraints.fairness import GroupQuota
from alummatch.problem import MatchingProblem
from alummatch.result import Status
from alummatch.solvers.base import Encoders, SolverOutput, Task, empty_pairs, kind_of
from alummatch.solvers.network import FlowNetwork
from alummatch.solvers.terms import group_index, group_needs, required_slots

__all__ = [
    "DIAGNOSERS",
    "diagnose",
    "diagnose_min_loads",
    "diagnose_quota",
    "explain_conflict",
    "infeasible_output",
    "max_flow_into",
    "min_loads_feasible",
    "quota_table",
]


MIN_LOADS = "mentor minimum loads"
"""How conflicts name the mentors' minimum loads (not a constraint object)."""


def _plural(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def max_flow_into(
    allowed: NDArray[np.bool_],
    demand: NDArray[np.int64],
    cols: NDArray[np.intp],
    col_cap: NDArray[np.int64],
) -> int:
    """Most mentee slots that can be sent to mentors ``cols`` within ``col_cap``.

    Each mentee sends at most its demand, at most one unit per allowed mentor.
    Solved exactly with scipy's maximum flow.
    """
    n = allowed.shape[0]
    k = cols.size
    sub = allowed[:, cols]
    tee, tor = np.nonzero(sub)
    src, snk = n + k, n + k + 1
    rows = np.concatenate([np.full(n, src), tee, n + np.arange(k)])
    heads = np.concatenate([np.arange(n), n + tor, np.full(k, snk)])
    caps = np.concatenate([demand, np.ones(tee.size, dtype=np.int64), col_cap])
    g = csr_array(
        (caps.astype(np.int32), (rows.astype(np.int32), heads.astype(np.int32))),
        shape=(n + k + 2, n + k + 2),
    )
    return int(maximum_flow(g, src, snk).flow_value)


def diagnose_min_loads(task: Task) -> list[str]:
    """Sentences explaining why mentor minimum loads cannot all be met.

    Minimum loads are feasible exactly when a maximum flow from mentees to the
    mentors with a minimum load, each capped at its minimum, saturates every
    minimum; the sentences give the first violated count found.
    """
    prob = task.problem
    low = task.min_load
    need = np.nonzero(low > 0)[0]
    out: list[str] = []
    if need.size == 0:
        return out
    allowed = task.allowed & (task.demand > 0)[:, None]
    reach = allowed[:, need].sum(axis=0)
    short = need[reach < low[need]]
    for j in short[:5]:
        out.append(
            f"mentor {prob.mentor_ids[j]} needs at least {int(low[j])} mentee(s) but "
            f"only {int(reach[need == j][0])} mentee(s) may be paired with them "
            "(allowed pairs)."
        )
    if short.size > 5:
        out.append(f"... and {short.size - 5} more mentors like these.")
    required = int(low[need].sum())
    reachable = max_flow_into(allowed, task.demand, need, low[need])
    if reachable < required:
        tees = int(np.count_nonzero(allowed[:, need].any(axis=1)))
        out.append(
            f"minimum loads need {required} mentee slots but only {reachable} can be "
            f"sent to the {_plural(int(need.size), 'mentor')} with a minimum load "
            f"({_plural(tees, 'mentee')} have an allowed pair with them)."
        )
    if not out:
        out.append("mentor minimum loads cannot all be met together.")
    return out


def min_loads_feasible(task: Task) -> bool:
    """Whether mentor minimum loads alone can be met (one maximum flow)."""
    low = task.min_load
    need = np.nonzero(low > 0)[0]
    if need.size == 0:
        return True
    allowed = task.allowed & (task.demand > 0)[:, None]
    return max_flow_into(allowed, task.demand, need, low[need]) >= int(low[need].sum())


def _slots(k: int) -> str:
    return _plural(k, "matched slot")


def diagnose_quota(task: Task, quota: GroupQuota) -> list[str]:
    """Sentences explaining why a ``GroupQuota`` cannot hold on its own.

    For each group short of its quota, the first bound that fails: the
    group's mentees with any allowed mentor (each can take at most its demand,
    one per mentor), then a maximum flow from the group's mentees into the
    mentors' free seats. Empty when every group can reach its quota alone.
    """
    needs = group_needs(task, quota)
    prob = task.problem
    out: list[str] = []
    usable = task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]
    seats = np.nonzero(task.capacity > 0)[0]
    for g, label in enumerate(needs.labels):
        if needs.residual_need[g] == 0:
            continue
        need, pinned = int(needs.need[g]), int(needs.pinned[g])
        members = needs.index == g
        head = (
            f"{quota} group '{label}' needs {_slots(need)} "
            f"({quota.min_share:g} of {int(needs.wanted[g])} wanted, rounded up)"
        )
        pin = f" besides its {pinned} pinned" if pinned else ""
        deg = usable[members].sum(axis=1)
        reach = int(np.minimum(task.demand[members], deg).sum())
        if pinned + reach < need:
            with_any = int(np.count_nonzero(deg))
            size = int(members.sum())
            if (prob.mentee_demand[members] == 1).all():
                out.append(
                    f"{head} but only {with_any} of its {size} mentees have any "
                    f"allowed mentor{pin}."
                )
            else:
                out.append(
                    f"{head} but only {reach} of its slots can reach an allowed "
                    f"mentor{pin} ({with_any} of its {size} mentees have any)."
                )
            continue
        sub = np.where(members[:, None], usable, False)
        flow = max_flow_into(sub, task.demand, seats, task.capacity[seats])
        if pinned + flow < need:
            tors = np.nonzero(sub.any(axis=0))[0]
            free = int(task.capacity[tors].sum())
            out.append(
                f"{head} but mentor capacity lets at most {pinned + flow} of its "
                f"slots be matched (its mentees' allowed mentors have {free} free "
                "seats in all)."
            )
    if out:
        return out
    # Each group alone is fine: try every group of this quota together.
    alone = dataclasses.replace(task, constraints=(quota,), labels=())
    net = dataclasses.replace(
        FlowNetwork.from_task(alone), min_load=np.zeros_like(task.min_load)
    )
    if net.max_coverage() < 0:
        total = int(needs.residual_need.sum())
        out.append(
            f"{quota}: the groups together need {_slots(total)} beyond pinned "
            "pairs, which mentor capacity cannot give all at once (each group "
            "alone could reach its quota)."
        )
    return out


DIAGNOSERS: Encoders = {GroupQuota: diagnose_quota}
"""Constraint kinds whose infeasibility can be explained alone, in numbers.

Each maps to ``f(task, constraint) -> list[str]`` (empty when the
constraint can hold on its own). Kinds not listed are named, not explained.
"""


def _own_sentences(task: Task, k: int) -> list[str]:
    c = task.constraints[k]
    kind = kind_of(DIAGNOSERS, c)
    if kind is None:
        return []
    out: list[str] = DIAGNOSERS[kind](task, c)
    return out


def diagnose(task: Task) -> list[str]:
    """Sentences explaining why a task is infeasible.

    Minimum loads and each explainable constraint are checked alone first;
    when each holds alone, the sentence names the combination that does not.
    """
    out: list[str] = []
    names: list[str] = []
    if task.min_load.any():
        names.append(MIN_LOADS)
        if not min_loads_feasible(task):
            out.extend(diagnose_min_loads(task))
    for k in range(len(task.constraints)):
        names.append(task.label(k))
        out.extend(_own_sentences(task, k))
    if not out:
        out.append(_together(names))
    return out


def infeasible_output(task: Task) -> SolverOutput:
    """An ``INFEASIBLE`` solver output with :func:`diagnose`'s sentences."""
    return SolverOutput(
        pairs=empty_pairs(),
        status=Status.INFEASIBLE,
        diagnosis=tuple(diagnose(task)),
    )


def _together(names: list[str]) -> str:
    if not names:
        return "the requirements cannot all hold (no single cause found)."
    if len(names) == 1:
        return f"{names[0]} cannot be met."
    return (
        f"{', '.join(names[:-1])} and {names[-1]} cannot all hold together "
        "(each can hold alone)."
    )


def explain_conflict(
    task: Task, members: list[int | str], *, hints: Mapping[int, str] | None = None
) -> list[str]:
    """Sentences for a conflict whose members are known (e.g. a solver's core).

    ``members`` are positions in ``task.constraints`` or :data:`MIN_LOADS`.
    Each member that fails alone is explained with its numbers; otherwise the
    sentence names the combination, followed by the ``hints`` a solver gives
    for some members (what makes that kind of constraint bind).
    """
    out: list[str] = []
    if MIN_LOADS in members and not min_loads_feasible(task):
        out.extend(diagnose_min_loads(task))
    ks = [m for m in members if isinstance(m, int)]
    for k in ks:
        out.extend(_own_sentences(task, k))
    if out:
        return out
    names = [MIN_LOADS if m == MIN_LOADS else task.label(int(m)) for m in members]
    text = _together(names)
    extra = [hints[k] for k in ks if hints and k in hints]
    if extra:
        text = text[:-1] + ": " + "; ".join(dict.fromkeys(extra)) + "."
    return [text]


def quota_table(
    problem: MatchingProblem, pairs: NDArray[np.intp], quota: GroupQuota
) -> pd.DataFrame:
    """Per-group quota check of a matching: wanted, needed, matched, met.

    Parameters
    ----------
    problem : MatchingProblem
    pairs : ndarray of int, shape (k, 2)
        All chosen pairs (pinned included), e.g. ``result.pair_indices``.
    quota : GroupQuota

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``wanted``, ``needed`` (``ceil(min_share *
        wanted)``, see :mod:`alummatch.solvers.terms`), ``matched``, ``met``.
    """
    labels, index = group_index(problem, quota)
    k = len(labels)
    member = index >= 0
    wanted = np.bincount(
        index[member], weights=problem.mentee_demand[member], minlength=k
    )
    pairs = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
    pg = index[pairs[:, 0]]
    matched = np.bincount(pg[pg >= 0], minlength=k)
    needed = np.array([required_slots(quota.min_share, int(w)) for w in wanted])
    return pd.DataFrame(
        {
            "wanted": wanted.astype(np.int64),
            "needed": needed.astype(np.int64),
            "matched": matched.astype(np.int64),
            "met": matched >= needed,
        },
        index=pd.Index(labels, name="group"),
    )
