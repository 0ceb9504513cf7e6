"""``solve``: validate once, reduce to a task, run the solver, explain."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from alummatch.engine.candidates import floor_task
from alummatch.engine.reasons import unmatched_reasons
from alummatch.engine.task import Request, make_task
from alummatch.errors import InputProblem, InvalidInputError
from alummatch.problem import MatchingProblem, is_real
from alummatch.result import MatchResult, Pair, Status, compute_metrics
from alummatch.solvers.base import OBJECTIVES, Solver, SolverOutput, Task
from alummatch.solvers.registry import pick_solver

__all__ = ["solve", "validate_request"]

log = logging.getLogger("alummatch")


def validate_request(
    problem: object,
    objective: object,
    constraints: object,
    time_limit: object,
    seed: object,
) -> tuple[object, ...]:
    problems: list[InputProblem] = []
    if not isinstance(problem, MatchingProblem):
        raise TypeError(
            f"problem must be a MatchingProblem, got {type(problem).__name__}; "
            "use build_problem(cohort) or MatchingProblem.from_scores(scores)"
        )
    if objective not in OBJECTIVES:
        problems.append(
            InputProblem(
                "objective",
                "",
                f"unknown objective {objective!r}; choose one of {list(OBJECTIVES)}",
            )
        )
    if isinstance(constraints, str | bytes) or not isinstance(constraints, Iterable):
        raise TypeError("constraints must be a sequence of constraint objects")
    items = tuple(constraints)
    for k, c in enumerate(items):
        check = getattr(c, "validate", None)
        if check is None:
            problems.append(
                InputProblem("constraints", f"item {k}", f"not a constraint: {c!r}")
            )
            continue
        problems.extend(check(problem))
    if time_limit is not None and not (
        is_real(time_limit)
        and math.isfinite(time_limit)  # type: ignore[arg-type]
        and time_limit > 0  # type: ignore[operator]
    ):
        problems.append(
            InputProblem(
                "time_limit",
                "",
                f"must be a positive number of seconds, got {time_limit!r}",
            )
        )
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        problems.append(InputProblem("seed", "", f"must be an integer, got {seed!r}"))
    if problems:
        raise InvalidInputError(problems)
    return items


def _check_output(task: Task, pairs: NDArray[np.intp], solver: str) -> None:
    """Guard against a solver that breaks a hard requirement (a bug, not input)."""
    if pairs.size == 0:
        return
    bad: list[str] = []
    ok = (
        task.problem.pair_allowed(pairs[:, 0], pairs[:, 1])
        if task.problem.candidates is not None
        else task.allowed[pairs[:, 0], pairs[:, 1]]
    )
    if not ok.all():
        bad.append("chose a pair that is not allowed")
    n, m = task.allowed.shape
    if (np.bincount(pairs[:, 1], minlength=m) > task.capacity).any():
        bad.append("exceeded a mentor capacity")
    if (np.bincount(pairs[:, 0], minlength=n) > task.demand).any():
        bad.append("exceeded a mentee demand")
    if np.unique(pairs, axis=0).shape[0] != pairs.shape[0]:
        bad.append("chose a pair twice")
    if bad:
        raise RuntimeError(f"solver '{solver}' {', '.join(bad)}: this is a bug")


def solve(
    problem: MatchingProblem,
    solver: str | Solver = "auto",
    *,
    objective: str = "coverage",
    constraints: Sequence[object] = (),
    time_limit: float | None = None,
    seed: int = 0,
) -> MatchResult:
    """Match mentees to mentors.

    Parameters
    ----------
    problem : MatchingProblem
        From :func:`alummatch.build_problem` or ``MatchingProblem.from_scores``.
    solver : str or Solver, default "auto"
        Registry name (``greedy``, ``hungarian``, ``flow``, ``cpsat``,
        ``milp``, ``stable``) or an instance carrying its own options;
        ``auto`` picks the fastest exact solver that supports the request.
    objective : {"coverage", "total", "maxmin"}
        What to maximise (see DESIGN.md).
    constraints : sequence of constraints
        From :mod:`alummatch.constraints`.
    time_limit : float, optional
        Seconds the solver may spend (solvers that can stop early).
    seed : int
        Seed for every random choice.

    Returns
    -------
    MatchResult
        Infeasibility is a status with a diagnosis, not an exception.

    Raises
    ------
    InvalidInputError
        Bad arguments, before any solving starts (every problem listed).
    UnsupportedError
        The solver cannot honour the request.

    Examples
    --------
    >>> from alummatch import MatchingProblem, solve
    >>> r = solve(MatchingProblem.from_scores([[0.9, 0.2], [0.8, 0.1]]))
    >>> [(p.mentee_id, p.mentor_id) for p in r.pairs]
    [('m-0', 'a-1'), ('m-1', 'a-0')]
    """
    items = validate_request(problem, objective, constraints, time_limit, seed)
    limit = None if time_limit is None else float(time_limit)
    request = make_task(problem, str(objective), items, limit, int(seed))
    task = request.task
    chosen = pick_solver(solver, task)
    if request.diagnosis:
        return _build_result(
            request,
            np.empty((0, 2), dtype=np.intp),
            Status.INFEASIBLE,
            request.diagnosis,
            chosen.name,
            0.0,
            constraints=items,
        )
    log.debug("solving %s x %s with %s", *problem.shape, chosen.name)
    t0 = time.perf_counter()
    out = chosen.solve(task)
    runtime = time.perf_counter() - t0
    free = np.asarray(out.pairs, dtype=np.intp).reshape(-1, 2)
    _check_output(task, free, chosen.name)
    floor = _pinned_floor(request, free, out, chosen)
    if floor is not None:
        # the pinned pairs hold the smallest score: the free pairs need only
        # reach it, and the total decides among those (as on a dense problem)
        lower = floor_task(task, floor)
        again = chosen.solve(lower)
        runtime = time.perf_counter() - t0
        free = np.asarray(again.pairs, dtype=np.intp).reshape(-1, 2)
        _check_output(lower, free, chosen.name)
        info = {k: v for k, v in out.info.items() if k != "threshold"}
        info.update(again.info)
        for k in ("pricing_rounds", "rescored_rows"):  # the work of both solves
            if k in out.info and k in again.info:
                info[k] = out.info[k] + again.info[k]
        out = dataclasses.replace(again, info={**info, "threshold": floor})
    pairs = np.concatenate([task.fixed, free]) if task.fixed.size else free
    if out.status is Status.INFEASIBLE:
        pairs = np.empty((0, 2), dtype=np.intp)
    return _build_result(
        request,
        pairs,
        out.status,
        out.diagnosis,
        chosen.name,
        runtime,
        bound=out.bound,
        gap=out.gap,
        info=out.info,
        constraints=items,
    )


def _pinned_floor(
    request: Request, free: NDArray[np.intp], out: SolverOutput, solver: Solver
) -> float | None:
    """The pinned pairs' smallest score when a candidate ``maxmin`` rose above it.

    Under ``maxmin`` the smallest score counts the pinned pairs: a dense
    solver stops raising the threshold at their smallest score and lets the
    total decide above it. A solver of a candidate problem sees only the free
    pairs; when the smallest it chose is above the pinned pairs' smallest,
    the free pairs are solved again for the best coverage scoring at least
    that (``None``: nothing to redo).
    """
    task = request.task
    if (
        task.objective != "maxmin"
        or request.problem is None
        or not np.isfinite(request.fixed_min)
        or out.status is not Status.OPTIMAL
        or not solver.exact
        or free.shape[0] == 0
    ):
        return None
    least = out.info.get("threshold")
    if least is None:
        least = float(request.source.pair_scores(free[:, 0], free[:, 1]).min())
    return request.fixed_min if least > request.fixed_min else None


def _wait_figures(problem: MatchingProblem, pairs: NDArray[np.intp]) -> dict[str, int]:
    """How many mentees had waited, and how many of them got every mentor wanted."""
    if problem.mentee_wait is None:
        return {}
    waited = problem.waits > 0
    got = np.bincount(pairs[:, 0], minlength=problem.n_mentees)
    placed = waited & (got >= problem.mentee_demand)
    return {"waiting": int(waited.sum()), "waiting_placed": int(placed.sum())}


def _build_result(
    request: Request,
    pairs: NDArray[np.intp],
    status: Status,
    diagnosis: tuple[str, ...],
    solver: str,
    runtime: float,
    *,
    bound: float | None = None,
    gap: float | None = None,
    info: dict[str, float] | None = None,
    constraints: tuple[object, ...] = (),
) -> MatchResult:
    task = request.task
    prob = request.source
    if pairs.size:
        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        pairs = pairs[order]
    pairs.setflags(write=False)
    tee, tor = pairs[:, 0], pairs[:, 1]
    sc = prob.pair_scores(tee, tor)
    comps: dict[str, NDArray[np.float64]] = (
        prob.context.pair_components(tee, tor)
        if prob.context is not None and pairs.size
        else {}
    )
    acceptable: NDArray[np.bool_] | None = None
    if prob.candidates is None and not np.array_equal(task.allowed, prob.allowed):
        acceptable = task.allowed.copy()
        acceptable[task.fixed[:, 0], task.fixed[:, 1]] = True
        if np.array_equal(acceptable, prob.allowed):
            acceptable = None
        else:
            acceptable.setflags(write=False)
    names = list(comps)
    values = np.stack([comps[c] for c in names], axis=1).tolist() if names else None
    tee_ids, tor_ids = prob.mentee_ids, prob.mentor_ids
    pair_objs = tuple(
        Pair(
            tee_ids[a],
            tor_ids[b],
            s,
            dict(zip(names, values[k], strict=True)) if values is not None else {},
        )
        for k, (a, b, s) in enumerate(
            zip(tee.tolist(), tor.tolist(), sc.tolist(), strict=True)
        )
    )
    return MatchResult(
        status=status,
        diagnosis=tuple(diagnosis),
        solver=solver,
        objective=float(sc.sum()),
        pairs=pair_objs,
        pair_indices=pairs,
        unmatched=unmatched_reasons(
            task,
            pairs,
            request.removed,
            status,
            problem=request.problem,
            tests=request.tests,
        ),
        metrics=compute_metrics(prob, pairs, acceptable=acceptable, scores=sc),
        runtime_s=runtime,
        objective_name=task.objective,
        bound=bound,
        gap=gap,
        info={**request.info, **(info or {}), **_wait_figures(prob, pairs)},
        problem=prob,
        acceptable=acceptable,
        constraints=constraints,
    )
