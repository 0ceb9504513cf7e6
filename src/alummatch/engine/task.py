"""From a validated request to a :class:`~alummatch.solvers.base.Task`.

Every constraint is read through the extension points of
:mod:`alummatch.constraints.base`, never by its type:

- a *pair filter* (``removed(problem)``) removes pairs from the allowed mask,
  for every solver, and is remembered by its label so that a mentee it leaves
  without a mentor is told which filter did it;
- a *pinning* (``pinned(problem)``) fixes pairs up front: capacities,
  demands and minimum loads shrink by them, and a pinned pair that a rule or
  a filter forbids makes the request infeasible, in words;
- everything else is left for the solver, whose own table says whether it
  can encode it.

One object may be both a filter and a pinning (history: active pairs are
kept, past pairs never return). A constraint may also report figures with
``info(problem) -> dict``; they reach ``result.info``.

A candidate problem (``build_problem(cohort, candidates=k)``) holds no dense
mask: each pair filter is asked for its pair test (``removal_test``) instead,
and the solver receives the problem with the removed and pinned pairs taken
out of its candidates (:mod:`alummatch.engine.candidates`). A filter with
only the dense ``removed`` is refused there with an ``UnsupportedError``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alummatch.engine.candidates import PairTests, without_pairs
from alummatch.errors import InputProblem, InvalidInputError, UnsupportedError
from alummatch.problem import MatchingProblem, PairTest
from alummatch.solvers.base import Task, constraint_name, usable_capacity

__all__ = ["Request", "constraint_labels", "make_task"]


def constraint_labels(constraints: Sequence[object]) -> tuple[str, ...]:
    """Each constraint's name, with its position in the request when names repeat.

    Examples
    --------
    >>> from alummatch.constraints import Forbidden, MinScore
    >>> constraint_labels([Forbidden([]), MinScore(0.2), Forbidden([])])
    ('Forbidden (constraint 1)', 'MinScore(0.2)', 'Forbidden (constraint 3)')
    """
    names = [constraint_name(c) for c in constraints]
    seen = Counter(names)
    return tuple(
        f"{name} (constraint {k + 1})" if seen[name] > 1 else name
        for k, name in enumerate(names)
    )


@dataclass(frozen=True, eq=False)
class Request:
    """A request reduced for a solver, with what the engine needs to explain it.

    Attributes
    ----------
    task : Task
    removed : tuple of (label, mask)
        The pairs each pair filter removed (of those the problem allowed).
    diagnosis : tuple of str
        Why the pinned pairs cannot hold, when they cannot.
    info : dict
        Figures reported by the constraints (``info(problem)``).
    problem : MatchingProblem or None
        The problem asked about, when the task's differs from it (a candidate
        problem with filtered and pinned pairs taken out of its candidates);
        ``None`` when it is ``task.problem``.
    tests : PairTests
        The pair filters' tests, on a candidate problem (``removed`` is then
        empty).
    fixed_min : float
        Smallest score of the pinned pairs on a candidate problem (``inf``
        when none).
    """

    task: Task
    removed: tuple[tuple[str, NDArray[np.bool_]], ...] = ()
    diagnosis: tuple[str, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)
    problem: MatchingProblem | None = None
    tests: PairTests = field(default_factory=PairTests)
    fixed_min: float = float("inf")

    @property
    def source(self) -> MatchingProblem:
        """The problem asked about (results describe it)."""
        return self.task.problem if self.problem is None else self.problem


def _as_mask(value: object, problem: MatchingProblem, label: str) -> NDArray[np.bool_]:
    mask = np.asarray(value)
    if mask.shape != problem.shape or mask.dtype != np.bool_:
        raise InvalidInputError(
            [
                InputProblem(
                    label,
                    "removed",
                    f"expected a boolean array of shape {problem.shape}, got "
                    f"{mask.dtype} of shape {mask.shape}",
                )
            ]
        )
    return mask


def _as_pairs(value: object, problem: MatchingProblem, label: str) -> NDArray[np.intp]:
    raw = np.asarray(value)
    if raw.size == 0:
        return np.empty((0, 2), dtype=np.intp)
    n, m = problem.shape
    if (
        raw.ndim != 2
        or raw.shape[1] != 2
        or raw.dtype.kind not in "iu"
        or (raw < 0).any()
        or (raw[:, 0] >= n).any()
        or (raw[:, 1] >= m).any()
    ):
        raise InvalidInputError(
            [
                InputProblem(
                    label,
                    "pinned",
                    "expected an integer array of shape (k, 2) with mentee indices "
                    f"in [0, {n}) and mentor indices in [0, {m}), got {raw.dtype} "
                    f"of shape {raw.shape}",
                )
            ]
        )
    return raw.astype(np.intp)


def _pin_counts(
    problem: MatchingProblem, fixed: NDArray[np.intp], diagnosis: list[str]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Pinned pairs per mentee and per mentor; those above demand or capacity
    are added to ``diagnosis``."""
    n, m = problem.shape
    tee_ids, tor_ids = problem.mentee_ids, problem.mentor_ids
    pin_t = np.bincount(fixed[:, 0], minlength=n).astype(np.int64)
    pin_r = np.bincount(fixed[:, 1], minlength=m).astype(np.int64)
    for j in np.nonzero(pin_r > problem.mentor_capacity)[0]:
        diagnosis.append(
            f"mentor {tor_ids[j]} has {int(pin_r[j])} pinned mentees but capacity "
            f"{int(problem.mentor_capacity[j])}."
        )
    for i in np.nonzero(pin_t > problem.mentee_demand)[0]:
        diagnosis.append(
            f"mentee {tee_ids[i]} has {int(pin_t[i])} pinned mentors but wants only "
            f"{int(problem.mentee_demand[i])}."
        )
    return pin_t, pin_r


def _fixed(pins: list[tuple[str, NDArray[np.intp]]]) -> NDArray[np.intp]:
    """Every pinned pair once, sorted."""
    return (
        np.unique(np.concatenate([p for _, p in pins]), axis=0)
        if pins
        else np.empty((0, 2), dtype=np.intp)
    ).astype(np.intp)


def _seats_left(
    problem: MatchingProblem,
    allowed: NDArray[np.bool_] | None,
    pin_t: NDArray[np.int64],
    pin_r: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Capacities, minimum loads and demands once the pinned pairs took theirs,
    clamped to what a matching can use (:func:`usable_capacity`)."""
    min_load = np.maximum(problem.mentor_min_load - pin_r, 0)
    capacity, demand = usable_capacity(
        allowed,
        np.maximum(problem.mentor_capacity - pin_r, 0),
        min_load,
        np.maximum(problem.mentee_demand - pin_t, 0),
    )
    return capacity, min_load, demand


Pins = list[tuple[str, NDArray[np.intp]]]


def _sort_constraints(
    problem: MatchingProblem,
    constraints: Sequence[object],
    labels: tuple[str, ...],
    on_filter: Callable[[object, str], None],
) -> tuple[Pins, tuple[object, ...], tuple[str, ...], dict[str, Any]]:
    """Pair filters to ``on_filter``, pinned pairs, ``info``, and the rest.

    Returns the pins (label and pairs of each pinning), the constraints left
    for the solver and their labels, and the merged ``info`` of those that
    have one.
    """
    pins: Pins = []
    rest: list[object] = []
    rest_labels: list[str] = []
    info: dict[str, Any] = {}
    for c, label in zip(constraints, labels, strict=True):
        handled = False
        if callable(getattr(c, "removed", None)):
            on_filter(c, label)
            handled = True
        if callable(getattr(c, "pinned", None)):
            pins.append((label, _as_pairs(c.pinned(problem), problem, label)))  # type: ignore[attr-defined]
            handled = True
        if callable(getattr(c, "info", None)):
            info.update(c.info(problem))  # type: ignore[attr-defined]
        if not handled:
            rest.append(c)
            rest_labels.append(label)
    return pins, tuple(rest), tuple(rest_labels), info


def make_task(
    problem: MatchingProblem,
    objective: str,
    constraints: Sequence[object],
    time_limit: float | None,
    seed: int,
) -> Request:
    """Reduce a validated request to a task (see the module docstring)."""
    labels = constraint_labels(constraints)
    if problem.candidates is not None:
        return _candidate_request(
            problem, objective, constraints, labels, time_limit, seed
        )
    allowed = np.array(problem.allowed, copy=True)
    removed: list[tuple[str, NDArray[np.bool_]]] = []

    def remove(c: object, label: str) -> None:
        mask = _as_mask(c.removed(problem), problem, label)  # type: ignore[attr-defined]
        removed.append((label, mask & allowed))
        allowed[mask] = False

    pins, rest, rest_labels, info = _sort_constraints(
        problem, constraints, labels, remove
    )
    diagnosis: list[str] = []
    fixed = _fixed(pins)
    tee_ids, tor_ids = problem.mentee_ids, problem.mentor_ids
    for a, b in fixed:
        pair = f"pinned pair ({tee_ids[a]}, {tor_ids[b]})"
        if not problem.allowed[a, b]:
            diagnosis.append(f"{pair} is not allowed by the problem's rules.")
            continue
        for label, mask in removed:
            if mask[a, b]:
                diagnosis.append(f"{pair} is removed by {label}.")
    pin_t, pin_r = _pin_counts(problem, fixed, diagnosis)
    if fixed.size:
        allowed[fixed[:, 0], fixed[:, 1]] = False
    capacity, min_load, demand = _seats_left(problem, allowed, pin_t, pin_r)
    task = Task(
        problem=problem,
        objective=objective,
        allowed=allowed,
        capacity=capacity,
        min_load=min_load,
        demand=demand,
        fixed=fixed,
        constraints=rest,
        time_limit=time_limit,
        seed=int(seed),
        labels=rest_labels,
    )
    return Request(
        task=task, removed=tuple(removed), diagnosis=tuple(diagnosis), info=info
    )


def _candidate_request(
    problem: MatchingProblem,
    objective: str,
    constraints: Sequence[object],
    labels: tuple[str, ...],
    time_limit: float | None,
    seed: int,
) -> Request:
    """The task of a candidate problem: filters tested pair by pair, pins fixed.

    Each pair filter gives its pair test (``removal_test(problem)``); one
    with only the dense ``removed`` is refused. Pinned pairs are checked
    against the rules and the filters on their re-scored rows (few), fixed
    first as on a dense problem (capacities, minimum loads and demands
    reduced), and taken out of the candidates with the removed pairs
    (:func:`~alummatch.engine.candidates.without_pairs`). ``allowed`` is the
    problem's empty view: solvers of candidate problems read the candidates.
    """
    tests: list[PairTest] = []
    test_labels: list[str] = []

    def test(c: object, label: str) -> None:
        make = getattr(c, "removal_test", None)
        if not callable(make):
            raise UnsupportedError(
                f"{label} removes pairs only through a dense mask "
                "(removed(problem)), which a candidate problem "
                "(build_problem(..., candidates=k)) does not hold; add a "
                "removal_test(problem) method that tests given pairs "
                "(see alummatch.constraints.PairwiseFilter), or build a "
                "dense problem"
            )
        tests.append(make(problem))
        test_labels.append(label)

    pins, rest, rest_labels, info = _sort_constraints(
        problem, constraints, labels, test
    )
    pair_tests = PairTests(tuple(test_labels), tuple(tests))
    fixed = _fixed(pins)
    diagnosis: list[str] = []
    fixed_min = float("inf")
    if fixed.size:
        tee, tor = fixed[:, 0], fixed[:, 1]
        sc = problem.pair_scores(tee, tor)
        ok = problem.pair_allowed(tee, tor)
        first = pair_tests.first(tee, tor, sc)
        fixed_min = float(sc.min())
        tee_ids, tor_ids = problem.mentee_ids, problem.mentor_ids
        for a, b, good, k in zip(tee, tor, ok, first, strict=True):
            pair = f"pinned pair ({tee_ids[a]}, {tor_ids[b]})"
            if not good:
                diagnosis.append(f"{pair} is not allowed by the problem's rules.")
            elif k >= 0:
                diagnosis.append(f"{pair} is removed by {test_labels[k]}.")
    pin_t, pin_r = _pin_counts(problem, fixed, diagnosis)
    reduced = without_pairs(problem, pair_tests, fixed)
    # no allowed mask to clamp by: no mentor takes more than the whole demand
    capacity, min_load, demand = _seats_left(problem, None, pin_t, pin_r)
    task = Task(
        problem=reduced,
        objective=objective,
        allowed=reduced.allowed,
        capacity=capacity,
        min_load=min_load,
        demand=demand,
        fixed=fixed,
        constraints=rest,
        time_limit=time_limit,
        seed=int(seed),
        labels=rest_labels,
    )
    return Request(
        task=task,
        diagnosis=tuple(diagnosis),
        info=info,
        problem=None if reduced is problem else problem,
        tests=pair_tests,
        fixed_min=fixed_min,
    )
