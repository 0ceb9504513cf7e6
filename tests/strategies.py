"""Hypothesis strategies shared by the test suite."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from alummatch import MatchingProblem

__all__ = ["problems", "tiny_problems"]


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
