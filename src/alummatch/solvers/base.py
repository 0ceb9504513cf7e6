"""The solver protocol and the task every solver receives.

:func:`alummatch.solve` validates the request once and turns it into a
:class:`Task`: the effective allowed mask (rules and every pair filter
applied), pinned pairs fixed up front with capacities and demands reduced, and
the constraints that remain for the solver to honour. A solver only decides
whether it supports a task and, if so, which further pairs to choose.

Which of the remaining constraints a solver honours is a table it owns: a
plain mapping from constraint kind (a class) to the function that encodes it
(:data:`Encoders`). :func:`unencoded` names the constraints of a task that a
table lacks, so ``unsupported`` reads the table instead of testing types, and
a new constraint kind needs only an entry in the tables of the solvers that
can honour it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from alummatch.problem import MatchingProblem
from alummatch.result import Status

__all__ = [
    "OBJECTIVES",
    "Encoders",
    "Solver",
    "SolverOutput",
    "Task",
    "empty_pairs",
    "encoder_for",
    "seeded_rng",
    "unencoded",
    "usable_capacity",
]

Encoders = Mapping[type, Callable[..., Any]]
"""A solver's table: constraint kind (a class) -> the function encoding it."""

OBJECTIVES: tuple[str, ...] = ("total", "coverage", "maxmin")
"""Objective names understood by :func:`alummatch.solve` (all maximise)."""


@dataclass(frozen=True, eq=False)
class Task:
    """A validated request, reduced to what a solver must decide.

    Attributes
    ----------
    problem : MatchingProblem
        The original problem (scores, ids, context).
    objective : str
        One of :data:`OBJECTIVES`.
    allowed : ndarray of bool, shape (n_mentees, n_mentors), or None
        ``None`` for a problem without the mask (a candidate problem): no
        mentor is then clamped to its allowed mentees, only to the demand.
        Pairs the solver may choose (pinned pairs excluded: they are fixed).
    capacity, min_load : ndarray of int, shape (n_mentors,)
        Residual seats and minimum loads after pinned pairs.
    demand : ndarray of int, shape (n_mentees,)
        Residual mentors wanted after pinned pairs (may be 0).
    fixed : ndarray of int, shape (k, 2)
        Pinned pairs, already chosen.
    constraints : tuple
        Constraints the solver itself must honour (group and load
        constraints): everything but pair filters and pinnings.
    time_limit : float or None
        Seconds the solver may spend.
    seed : int
        Seed for every random choice.
    labels : tuple of str
        Name of each of ``constraints`` in messages, with its position in the
        request when two share a name.
    """

    problem: MatchingProblem
    objective: str
    allowed: NDArray[np.bool_]
    capacity: NDArray[np.int64]
    min_load: NDArray[np.int64]
    demand: NDArray[np.int64]
    fixed: NDArray[np.intp]
    constraints: tuple[object, ...] = ()
    time_limit: float | None = None
    seed: int = 0
    labels: tuple[str, ...] = ()

    def label(self, k: int) -> str:
        """How ``constraints[k]`` is named in messages (its name and position)."""
        return (
            self.labels[k]
            if k < len(self.labels)
            else constraint_name(self.constraints[k])
        )

    @property
    def scores(self) -> NDArray[np.float64]:
        """The problem's score matrix."""
        return self.problem.scores

    def of_kind(self, table: Encoders, kind: type) -> list[object]:
        """The task's constraints that ``table`` encodes as ``kind``."""
        return [c for c in self.constraints if kind_of(table, c) is kind]

    @property
    def fixed_min_score(self) -> float:
        """Smallest score among pinned pairs (``inf`` when none)."""
        if self.fixed.shape[0] == 0:
            return float("inf")
        return float(self.scores[self.fixed[:, 0], self.fixed[:, 1]].min())


@dataclass(frozen=True, eq=False)
class SolverOutput:
    """What a solver returns: the pairs it chose beyond the pinned ones.

    Attributes
    ----------
    pairs : ndarray of int, shape (k, 2)
        Mentee index, mentor index of each chosen pair.
    status : Status
    diagnosis : tuple of str
        Why the task is infeasible, when it is.
    bound : float or None
        Proven bound on the optimised quantity, if any.
    gap : float or None
        Relative optimality gap, if known.
    """

    pairs: NDArray[np.intp]
    status: Status
    diagnosis: tuple[str, ...] = ()
    bound: float | None = None
    gap: float | None = None
    info: dict[str, float] = field(default_factory=dict)
    """Solver figures worth reporting (rounds, nodes, ...): ``result.info``."""


@runtime_checkable
class Solver(Protocol):
    """A matching solver.

    Attributes
    ----------
    name : str
        Registry name.
    exact : bool
        Whether the solver proves optimality for the objectives it supports.
    """

    @property
    def name(self) -> str:
        """Registry name."""

    @property
    def exact(self) -> bool:
        """Whether the solver proves optimality."""

    def unsupported(self, task: Task) -> str | None:
        """Why this solver cannot honour the task, or ``None`` if it can."""
        ...

    def solve(self, task: Task) -> SolverOutput:
        """Choose pairs for a supported task."""
        ...


def constraint_name(c: object) -> str:
    """A constraint's ``name``, or its class name when it has none."""
    name = getattr(c, "name", None)
    return name if isinstance(name, str) and name else type(c).__name__


def kind_of(table: Encoders, c: object) -> type | None:
    """The kind under which ``table`` encodes ``c`` (its class or a base)."""
    for klass in type(c).__mro__:
        if klass in table:
            return klass
    return None


def encoder_for(table: Encoders, c: object) -> Callable[..., Any] | None:
    """The encoder ``table`` has for ``c``, or ``None``."""
    kind = kind_of(table, c)
    return None if kind is None else table[kind]


def unencoded(task: Task, table: Encoders) -> str | None:
    """``"honour X, Y"`` for the task's constraints ``table`` lacks, else ``None``."""
    missing = [
        task.label(k)
        for k, c in enumerate(task.constraints)
        if kind_of(table, c) is None
    ]
    return f"honour {', '.join(missing)}" if missing else None


def empty_pairs() -> NDArray[np.intp]:
    """An empty ``(0, 2)`` pair array."""
    return np.empty((0, 2), dtype=np.intp)


def seeded_rng(seed: int) -> np.random.Generator:
    """numpy's generator for any integer ``seed`` (negative ones included).

    A negative seed is taken modulo ``2**64``, which numpy accepts.
    """
    seed = int(seed)
    return np.random.default_rng(seed if seed >= 0 else seed % 2**64)


def usable_capacity(
    allowed: NDArray[np.bool_] | None,
    capacity: NDArray[np.int64],
    min_load: NDArray[np.int64],
    demand: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Capacities and demands clamped to what a matching can use.

    A mentor never takes more mentees than it has allowed mentees wanting a
    mentor, nor more than the total demand; a mentee never takes more mentors
    than there are mentors (its unmet demand still counts as unmatched slots,
    which group quotas read). Clamping changes no feasible matching, but
    keeps every sum small: a capacity of ``10**15`` (a programme's
    "unlimited") neither overflows integer arithmetic, nor shrinks a solver's
    integer scaling, nor expands a matrix. A capacity is never clamped below
    the mentor's minimum load (the load then cannot be reached, which the
    solvers report as infeasible).

    Parameters
    ----------
    allowed : ndarray of bool, shape (n_mentees, n_mentors), or None
        ``None`` for a problem without the mask (a candidate problem): no
        mentor is then clamped to its allowed mentees, only to the demand.
    capacity, min_load : ndarray of int, shape (n_mentors,)
    demand : ndarray of int, shape (n_mentees,)

    Returns
    -------
    capacity, demand : ndarray of int64
    """
    cap = np.asarray(capacity, dtype=np.int64)
    dem = np.minimum(np.asarray(demand, dtype=np.int64), cap.size)
    total = int(dem.sum())  # at most n_mentees * n_mentors
    cap_out = np.minimum(cap, total)
    if allowed is not None:
        col = (allowed & (dem > 0)[:, None]).sum(axis=0).astype(np.int64)
        cap_out = np.minimum(cap_out, col)
    cap_out = np.maximum(cap_out, np.asarray(min_load, dtype=np.int64))
    return cap_out.astype(np.int64), dem.astype(np.int64)
