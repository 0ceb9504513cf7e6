"""Hypothesis strategies shared by the test suite."""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import numpy as np
from hypothesis import strategies as st

from alummatch import MatchingProblem, build_problem
from alummatch.datasets import synthetic_cohort
from alummatch.problem import CandidateSet
from alummatch.profiles import Cohort

__all__ = [
    "cohort_of",
    "csv_bytes",
    "csv_tables",
    "dense_and_candidate_problems",
    "dense_and_candidates",
    "form_programs",
    "problems",
    "problems_with_history",
    "tiny_problems",
    "without_bytes",
]


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
def dense_and_candidate_problems(
    draw: st.DrawFn,
    *,
    max_mentees: int = 30,
    max_mentors: int = 10,
    max_k: int = 3,
    stated: bool = True,
) -> tuple[MatchingProblem, MatchingProblem]:
    """One float32 score matrix as a dense problem and as a candidate problem.

    Scores are drawn from a few levels (ties, negative values) or a normal;
    some pairs are disallowed; the candidate problem keeps ``1..max_k``
    mentors per mentee, a reserve of 0 to 3 more, and the build's bytes or
    not. Capacities are 0..3, demands 1; with ``stated``, rankings on both
    sides may be stated (partial, disallowed pairs included).
    """
    from alummatch.scoring.candidates import select_candidates

    n = draw(st.integers(2, max_mentees))
    m = draw(st.integers(2, max_mentors))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    levels = np.array([-2.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 3.0])
    if draw(st.booleans()):
        s = levels[rng.integers(0, levels.size, (n, m))].astype(np.float32)
    else:
        s = rng.normal(0.0, 1.0, (n, m)).astype(np.float32)
    ok = rng.random((n, m)) < draw(st.sampled_from([0.5, 0.9, 1.0]))

    def rows(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return s[idx], ok[idx]

    k = draw(st.integers(1, max_k))
    cs = select_candidates(
        rows, n, m, k, block_size=4, n_jobs=1, reserve=draw(st.integers(0, 3))
    )
    if draw(st.booleans()):
        cs = without_bytes(cs)
    extra: dict[str, Any] = {"mentor_capacity": rng.integers(0, 4, m)}
    if stated and draw(st.booleans()):
        extra["mentee_preferences"] = [
            rng.permutation(m)[: rng.integers(0, m + 1)] for _ in range(n)
        ]
    if stated and draw(st.booleans()):
        extra["mentor_preferences"] = [
            rng.permutation(n)[: rng.integers(0, n + 1)] for _ in range(m)
        ]
    dense = MatchingProblem.from_scores(s.astype(np.float64), allowed=ok, **extra)
    return dense, MatchingProblem.from_candidates(cs, **extra)


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


_FORM_HEADERS = {
    "id": "Your name",
    "goals": "Which topics interest you? (select all)",
    "degree": "Current degree",
    "campus": "Which campus?",
    "wants_degree": "Degree you would like your mentee to have",
    "capacity": "How many students can you mentor?",
    "industry": "Industry",
    "format": "How would you like to meet?",
}
_IMPORTANCE_HEADER = "How important is each to you? [Topics]"


@st.composite
def form_programs(draw: st.DrawFn) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """A small form export (rows of header -> cell) and program settings for it.

    The settings map a random subset of the form's columns (the rest are
    ignored), draw weights (0 included), extra criteria, rules and an
    importance rating; some combinations are invalid on purpose, and the
    loader must say so.
    """
    n_tor = draw(st.integers(1, 4))
    n_tee = draw(st.integers(1, 5))
    topics = ["control", "vision", "planning", "learning"]
    blank = st.just("")
    rows: list[dict[str, str]] = []
    for k in range(n_tor + n_tee):
        mentor = k < n_tor
        row = {
            _FORM_HEADERS["id"]: f"p{k}",
            "Role": "Mentor" if mentor else "Mentee",
            _FORM_HEADERS["goals"]: ", ".join(
                draw(st.lists(st.sampled_from(topics), unique=True, max_size=3))
            ),
            _FORM_HEADERS["degree"]: draw(st.sampled_from(["PhD", "MS", ""])),
            _FORM_HEADERS["campus"]: draw(st.sampled_from(["North", "South", ""])),
            _FORM_HEADERS["wants_degree"]: draw(
                st.sampled_from(["PhD", "MS, PhD", ""]) if mentor else blank
            ),
            _FORM_HEADERS["capacity"]: draw(
                st.sampled_from(["1.0", "2", "3.0"]) if mentor else blank
            ),
            _FORM_HEADERS["industry"]: draw(
                st.sampled_from(["software", "fintech", ""])
            ),
            _FORM_HEADERS["format"]: draw(
                st.sampled_from(["Online", "In person", "Either", ""])
            ),
            _IMPORTANCE_HEADER: draw(
                blank
                if mentor
                else st.sampled_from(["Very important", "Not important", ""])
            ),
        }
        rows.append(row)
    mapped = draw(
        st.lists(st.sampled_from([n for n in _FORM_HEADERS if n != "id"]), unique=True)
    )
    columns: dict[str, Any] = {"id": _FORM_HEADERS["id"]}
    columns.update({n: _FORM_HEADERS[n] for n in mapped})
    columns["ignore"] = [h for n, h in _FORM_HEADERS.items() if n not in columns]
    settings: dict[str, Any] = {
        "input": {"form": "form.csv", "role": {"column": "Role"}},
        "columns": columns,
        "values": {"format": {"Online": "virtual", "In person": "in-person"}}
        if "format" in mapped
        else {},
    }
    weight = st.sampled_from([0.0, 0.5, 1.0])
    # weights for built-ins whose fields are mapped (mostly) and, now and
    # then, for one that has no data (which the loader must reject)
    builtin = [
        c
        for c, needs in (
            ("goals", "goals"),
            ("expectations", "format"),
            ("industry", "industry"),
        )
        if needs in mapped
    ]
    if draw(st.integers(0, 9)) == 0:
        builtin.append("availability")
    named = st.lists(st.sampled_from(builtin), unique=True) if builtin else st.just([])
    settings["weights"] = {c: draw(weight) for c in draw(named)}
    criteria = []
    kinds = [
        ("same", {"column": "campus"}),
        ("same", {"column": "degree", "name": "same_degree"}),
        ("overlap", {"column": "goals", "name": "topics"}),
        ("wants", {"column": "wants_degree", "of": "degree"}),
    ]
    usable = [
        (k, spec)
        for k, spec in kinds
        if spec["column"] in mapped and spec.get("of", "degree") in mapped
    ]
    chosen = (
        st.lists(
            st.sampled_from(usable),
            unique_by=lambda x: x[1].get("name", x[1]["column"]),
            max_size=3,
        )
        if usable
        else st.just([])
    )
    for kind, spec in draw(chosen):
        criteria.append({"kind": kind, **spec, "weight": draw(weight)})
    settings["criteria"] = criteria
    if "campus" in mapped and draw(st.booleans()):
        settings["rules"] = [{"attribute": "campus", "relation": "different"}]
    if draw(st.booleans()):
        settings["importance"] = {"goals": _IMPORTANCE_HEADER}
        columns["ignore"] = [*columns["ignore"]]
    else:
        columns["ignore"] = [*columns["ignore"], _IMPORTANCE_HEADER]
    return rows, settings


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
    # a history lists each term's rows together, oldest term first
    frame = frame.sort_values("term", kind="stable").reset_index(drop=True)
    sat = rng.integers(1, 6, size=len(frame)).astype(float)
    sat[rng.random(len(frame)) < 0.35] = np.nan
    frame["satisfaction"] = sat
    return problem, History.from_frame(frame)


# pieces of CSV text: cell text, separators, quoting (well-formed or not),
# line breaks of every kind, non-ASCII, invalid UTF-8, NUL and byte-order marks
_CSV_PIECES = [
    b"a",
    b"b1",
    b" ",
    b"x y",
    b",",
    b",,",
    b'"',
    b'""',
    b'"q"',
    b'"q,r"',
    b'"two\nlines"',
    b'"cr\r\nlf"',
    b'"say ""hi"""',
    b"\n",
    b"\r\n",
    b"\r",
    b"\n\n",
    "\u00e9".encode(),
    "\u00a0".encode(),
    b"\xff",
    b"\x00",
    b"\xef\xbb\xbf",
]


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """Arbitrary bytes built from CSV pieces: mostly odd or broken files."""
    head = draw(st.sampled_from([b"id,about,capacity\n", b"\xef\xbb\xbfid,x\r\n", b""]))
    body = draw(st.lists(st.sampled_from(_CSV_PIECES), max_size=40))
    return head + b"".join(body)


_CELL = st.text(
    alphabet=st.sampled_from(list('ab \t,;"\n\r\u00e9\u00a0\u2003=1')), max_size=6
)


@st.composite
def csv_tables(draw: st.DrawFn) -> bytes:
    """Files written by :mod:`csv` (well-formed quoting): a header, rows of
    any width (mostly the header's), blank rows, LF or CRLF line ends and an
    optional byte-order mark."""
    import csv
    import io

    width = draw(st.integers(1, 4))
    header = draw(
        st.lists(
            st.sampled_from(["id", "about", "", " x "]), min_size=width, max_size=width
        )
    )
    rows = draw(
        st.lists(
            st.one_of(
                st.lists(_CELL, min_size=width, max_size=width),
                st.lists(_CELL, max_size=width + 2),
                st.just([]),
            ),
            max_size=12,
        )
    )
    out = io.StringIO(newline="")
    end = draw(st.sampled_from(["\n", "\r\n"]))
    writer = csv.writer(out, lineterminator=end)
    writer.writerow(header)
    writer.writerows(rows)
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return (bom + out.getvalue()).encode()


def without_bytes(cs: CandidateSet) -> CandidateSet:
    """The candidate set without the build's bytes and reserve."""
    return dataclasses.replace(
        cs,
        upper=None,
        upper_low=None,
        upper_span=None,
        reserve_mentors=None,
        reserve_scores=None,
        reserve_bound=None,
    )


@cache
def cohort_of(n: int, m: int, seed: int) -> Cohort:
    """``synthetic_cohort(n, m, seed=seed)``, built once per test session."""
    return synthetic_cohort(n, m, seed=seed)


@cache
def dense_and_candidates(
    n: int, m: int, seed: int, k: int
) -> tuple[MatchingProblem, MatchingProblem]:
    """The dense and the candidate problem of one synthetic cohort."""
    c = cohort_of(n, m, seed)
    return build_problem(c), build_problem(c, candidates=k)
