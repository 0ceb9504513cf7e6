"""Hypothesis strategies shared by the test suite."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from alummatch import MatchingProblem

__all__ = ["problems", "problems_with_history", "tiny_problems"]


@st.composite
def problems(
    draw: st.DrawFn,
    *,
    max_mentees: int = 8,
    max_mentors: int = 6,
    max_capacity: int = 3,
    max_demand: int = 1,
    min_loads: bool = False,
    allowed_p: float = 0.75,
    negative: bool = False,
    integer_scores: bool = False,
) -> MatchingProblem:
    """Random small matching problems.

    Scores are random floats (or small integers, to create ties), some pairs
    disallowed, capacities 0..``max_capacity``, demands 1..``max_demand``, and
    optionally minimum loads.
    """
    n = draw(st.integers(1, max_mentees))
    m = draw(st.integers(1, max_mentors))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    low = -1.0 if negative else 0.0
    if integer_scores:
        scores: Any = rng.integers(int(low) * 3, 4, size=(n, m)).astype(float)
    else:
        scores = rng.uniform(low, 1.0, size=(n, m))
    allowed = rng.random((n, m)) < allowed_p
    cap = rng.integers(0, max_capacity + 1, size=m)
    demand = rng.integers(1, max_demand + 1, size=n)
    min_load = np.zeros(m, dtype=int)
    if min_loads:
        min_load = np.minimum(rng.integers(0, 2, size=m), cap)
    return MatchingProblem.from_scores(
        scores,
        allowed=allowed,
        mentor_capacity=cap,
        mentee_demand=demand,
        mentor_min_load=min_load,
    )


def tiny_problems(**kwargs: Any) -> st.SearchStrategy[MatchingProblem]:
    """Problems small enough for brute force (at most about 12 allowed pairs)."""
    kwargs.setdefault("max_mentees", 4)
    kwargs.setdefault("max_mentors", 3)
    return problems(**kwargs).filter(lambda p: int(p.allowed.sum()) <= 12)


@st.composite
def preference_problems(
    draw: st.DrawFn,
    *,
    max_mentees: int = 7,
    max_mentors: int = 5,
    max_capacity: int = 3,
    stated_p: float = 0.6,
    integer_scores: bool = True,
) -> MatchingProblem:
    """Demand-1 problems where some people state (possibly partial) rankings.

    Each mentee and mentor states a ranking with probability ``stated_p``: a
    random subset of the other side in random order, which may include
    disallowed pairs. Integer scores create ties for the unstated rest.
    """
    base = draw(
        problems(
            max_mentees=max_mentees,
            max_mentors=max_mentors,
            max_capacity=max_capacity,
            integer_scores=integer_scores,
        )
    )
    n, m = base.shape
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def rankings(count: int, other: int) -> list[np.ndarray]:
        return [
            rng.permutation(other)[: rng.integers(0, other + 1)]
            if rng.random() < stated_p
            else np.empty(0, dtype=np.intp)
            for _ in range(count)
        ]

    return base.replace(
        mentee_preferences=rankings(n, m), mentor_preferences=rankings(m, n)
    )


@st.composite
def grouped_problems(
    draw: st.DrawFn, *, n_groups: int = 2, **kwargs: Any
) -> tuple[MatchingProblem, dict[str, str]]:
    """A problem from :func:`problems` and a mentee id -> group label mapping.

    Labels are ``"g0"``, ``"g1"``, ...; some mentees may have no group when
    ``n_groups`` > 1 (they are left out of the mapping one time in five).
    """
    problem = draw(problems(**kwargs))
    labels = draw(
        st.lists(
            st.one_of(st.integers(0, n_groups - 1), st.none()).filter(
                lambda v: v is not None or n_groups > 1
            ),
            min_size=problem.n_mentees,
            max_size=problem.n_mentees,
        )
    )
    groups = {
        mid: f"g{lab}"
        for mid, lab in zip(problem.mentee_ids, labels, strict=True)
        if lab is not None
    }
    return problem, groups


@st.composite
def problems_with_history(
    draw: st.DrawFn, *, absent_p: float = 0.15, **kwargs: Any
) -> tuple[MatchingProblem, Any]:
    """A problem from :func:`problems` and a random history of its people.

    The history spans three terms: past pairs (``completed``, ``ended``,
    ``declined``; allowed or not), active pairs that fit the problem (allowed,
    within capacities and demands; some continuing from an earlier term, some
    made again after an earlier end), and rows naming people who are not in
    the problem (share ``absent_p``). A ``satisfaction`` outcome (1-5) is
    blank for about a third of the rows.
    """
    import pandas as pd

    from alummatch import History

    kwargs.setdefault("max_demand", 2)
    problem = draw(problems(**kwargs))
    n, m = problem.shape
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    tee, tor = problem.mentee_ids, problem.mentor_ids
    rows: list[tuple[str, str, str, str]] = []
    cap = problem.mentor_capacity.copy()
    dem = problem.mentee_demand.copy()
    active: set[tuple[int, int]] = set()
    for flat in rng.permutation(n * m):
        i, j = divmod(int(flat), m)
        if problem.allowed[i, j] and cap[j] > 0 and dem[i] > 0 and rng.random() < 0.4:
            active.add((i, j))
            cap[j] -= 1
            dem[i] -= 1
    past: dict[tuple[int, int], str] = {}
    for flat in rng.permutation(n * m)[: rng.integers(0, n * m + 1)]:
        i, j = divmod(int(flat), m)
        past[(i, j)] = str(rng.choice(["completed", "ended", "declined"]))
    for (i, j), status in past.items():
        rows.append((tee[i], tor[j], "t1", status))
    for i, j in sorted(active):
        if (i, j) not in past and rng.random() < 0.3:
            rows.append((tee[i], tor[j], "t1", "active"))  # continuing
        rows.append((tee[i], tor[j], "t2", "active"))
    for (i, j), status in past.items():  # a later row of some past pairs
        if (i, j) not in active and rng.random() < 0.2:
            rows.append((tee[i], tor[j], "t3", status))
    for k in range(int(rng.binomial(len(rows) + 2, absent_p))):
        status = str(rng.choice(["active", "completed", "ended", "declined"]))
        if rng.random() < 0.5:
            rows.append((f"gone-{k}", tor[rng.integers(m)], "t2", status))
        else:
            rows.append((tee[rng.integers(n)], f"gone-{k}", "t2", status))
    frame = pd.DataFrame(rows, columns=["mentee_id", "mentor_id", "term", "status"])
    sat = rng.integers(1, 6, size=len(frame)).astype(float)
    sat[rng.random(len(frame)) < 0.35] = np.nan
    frame["satisfaction"] = sat
    return problem, History.from_frame(frame)
