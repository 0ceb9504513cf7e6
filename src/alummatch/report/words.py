"""The result in plain words, for coordinators; technical figures apart.

Sentences say "students" and "mentors", count people rather than slots, and
group the reasons of waiting students into categories a coordinator can act
on (:func:`~alummatch.report.facts.reason_category`).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from alummatch.report.facts import Facts, facts, reason_category
from alummatch.result import MatchResult, Status

__all__ = [
    "goal_sentence",
    "plain_lines",
    "status_sentence",
    "summary_text",
    "technical_lines",
]

_GOALS = {
    "coverage": "as many students matched as possible, then the best total score",
    "total": "the highest total score",
    "maxmin": (
        "as many students matched as possible, then the weakest pair as strong "
        "as possible, then the best total score"
    ),
}


def _n(k: int, one: str, many: str | None = None) -> str:
    """``"1 student"``, ``"3 students"``."""
    return f"{k} {one if k == 1 else (many or one + 's')}"


def goal_sentence(objective: str) -> str:
    """What the objective asks for, in words."""
    return _GOALS.get(objective, f"the '{objective}' objective")


def status_sentence(result: MatchResult) -> str:
    """How good the matching is, in words."""
    goal = goal_sentence(result.objective_name)
    if result.status is Status.OPTIMAL:
        return f"This is the best possible matching for its goal: {goal}."
    if result.status is Status.FEASIBLE:
        return (
            f"This matching is valid, but may not be the best possible for its "
            f"goal: {goal}."
        )
    if result.status is Status.TIME_LIMIT:
        if result.is_feasible():
            return (
                "The solver stopped at its time limit: this matching is valid, "
                "but a better one may exist."
            )
        return "The solver stopped at its time limit before finding a matching."
    return "No matching could be made: " + " ".join(result.diagnosis)


def waiting_sentence(f: Facts) -> list[str]:
    """Who has a mentor, who is waiting and why, in one or two sentences."""
    res = f.result
    n = len(f.mentee_ids)
    if res.status is Status.INFEASIBLE:
        return [f"Nobody is matched yet: {n} students are waiting."]
    got = f.mentee_counts
    counts = dict(zip(f.mentee_ids, got.tolist(), strict=True))
    waiting = [m for m in res.unmatched if counts.get(m, 0) == 0]
    partial = [m for m in res.unmatched if counts.get(m, 0) > 0]
    has = n - len(waiting)
    if not waiting:
        head = f"All {_n(n, 'student')} have a mentor" if n else "There are no students"
        if n == 1:
            head = "The 1 student has a mentor"
        out = [head + "."]
    else:
        why = Counter(reason_category(res.unmatched[m]) for m in waiting)
        parts = [f"{k} because {c}" for c, k in why.most_common()]
        verb = "is" if len(waiting) == 1 else "are"
        tail = f": {', '.join(parts)}" if parts else ""
        out = [
            f"{has} of {_n(n, 'student')} {'has' if has == 1 else 'have'} a "
            f"mentor; {len(waiting)} {verb} waiting{tail}."
        ]
    if partial:
        why = Counter(reason_category(res.unmatched[m]) for m in partial)
        parts = [f"{k} because {c}" for c, k in why.most_common()]
        out.append(
            f"{_n(len(partial), 'student')} "
            f"{'has' if len(partial) == 1 else 'have'} fewer mentors than they "
            f"asked for: {', '.join(parts)}."
        )
    return out


def waitlist_sentence(result: MatchResult) -> str:
    """How many students who had already waited a term or more were placed."""
    waited = int(result.info.get("waiting", 0))
    if not waited:
        return ""
    placed = int(result.info.get("waiting_placed", 0))
    who = _n(waited, "student")
    verb = "was" if placed == 1 else "were"
    if placed == waited:
        return f"Every one of the {who} who had waited a term or more was placed."
    return (
        f"{placed} of the {who} who had waited a term or more {verb} placed; "
        "the longest waits were placed first."
    )


def mentors_sentence(f: Facts) -> str:
    """How full the mentors are."""
    prob = f.problem
    if prob is None or not f.result.is_feasible():
        return ""
    cap = prob.mentor_capacity
    load = f.loads
    m = len(f.mentor_ids)
    offering = cap > 0
    n_offer = int(np.count_nonzero(offering))
    if n_offer == 0:
        return f"{_n(m, 'mentor')}, none of whom offered a seat."
    full = int(np.count_nonzero(offering & (load >= cap)))
    room = offering & (load < cap)
    free = int(np.sum(np.maximum(cap - load, 0)))
    idle = int(np.count_nonzero(offering & (load == 0)))
    if not room.any():
        parts = ["every seat is taken"]
    else:
        k = int(np.count_nonzero(room))
        parts = [
            f"{full} {'is' if full == 1 else 'are'} full, {k} "
            f"{'has' if k == 1 else 'have'} {_n(free, 'free seat')}"
            + (" between them" if k > 1 else "")
        ]
    if idle:
        parts.append(f"{idle} {'has' if idle == 1 else 'have'} no student yet")
    if m > n_offer:
        parts.append(f"{m - n_offer} offered no seat")
    return f"{_n(m, 'mentor')}: " + "; ".join(parts) + "."


def quality_sentence(f: Facts) -> str:
    """The spread of pair scores, in words."""
    scores = np.array([p.score for p in f.result.pairs], dtype=np.float64)
    if not scores.size:
        return ""
    lo, mid, hi = np.min(scores), np.median(scores), np.max(scores)
    if scores.size == 1:
        return f"The pair scores {lo:.2f} out of 1."
    if f"{lo:.2f}" == f"{hi:.2f}":
        return f"Every pair scores {lo:.2f} out of 1."
    return (
        f"Pair scores run from {lo:.2f} to {hi:.2f} out of 1; half of the pairs "
        f"score {mid:.2f} or more."
    )


def plain_lines(f: Facts) -> list[str]:
    """The plain-words block: people, mentors, quality, what to look at."""
    lines = waiting_sentence(f)
    for s in (waitlist_sentence(f.result), mentors_sentence(f), quality_sentence(f)):
        if s:
            lines.append(s)
    if f.result.status is not Status.INFEASIBLE:
        lines.append(status_sentence(f.result))
    alerts = f.warnings()
    if alerts:
        lines.append("To look at:")
        for a in alerts:
            shown = ", ".join(a.items[:6])
            more = f", and {len(a.items) - 6} more" if len(a.items) > 6 else ""
            text = f"{a.text.rstrip('.')}: {shown}{more}." if shown else a.text
            lines.append(f"  - {text}")
    return lines


def technical_lines(result: MatchResult) -> list[str]:
    """Solver, status and the analysts' figures (p10, Gini, blocking pairs)."""
    m = result.metrics
    lines = [
        f"solver {result.solver}, objective '{result.objective_name}': "
        f"{result.status} in {result.runtime_s:.3f} s",
        f"matched {m.matched_slots} of {m.total_demand} mentee slots"
        f" ({100 * m.coverage:.1f}%), {m.mentees_unmatched} mentee(s) short",
        f"total score {m.total:.4f}; mean {m.mean:.3f}, min {m.min:.3f},"
        f" p10 {m.p10:.3f}",
        f"mentor load: max {m.max_load:g}, mean {m.mean_load:.2f},"
        f" Gini {m.load_gini:.3f}; {m.mentors_used} mentors used",
        "blocking pairs: "
        + ("not computed" if m.blocking_pairs is None else f"{m.blocking_pairs}"),
    ]
    if result.gap is not None and result.status is not Status.OPTIMAL:
        lines.append(f"best bound {result.bound}, relative gap {100 * result.gap:.2f}%")
    lines.extend(f"diagnosis: {d}" for d in result.diagnosis)
    return lines


def summary_text(result: MatchResult) -> str:
    """:meth:`MatchResult.summary`: plain words, then the technical figures."""
    f = facts(result)
    return "\n".join([*plain_lines(f), "", "For analysts:", *technical_lines(result)])
