"""``solve`` and ``compare``: validate once, reduce to a task, run, explain."""

from __future__ import annotations

import logging
import math
import time
import tracemalloc
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alummatch.constraints import Forbidden, MinScore, Pinned, resolve_pairs
from alummatch.errors import InputProblem, InvalidInputError, UnsupportedError
from alummatch.problem import MatchingProblem, is_real
from alummatch.result import MatchResult, Pair, Status, compute_metrics
from alummatch.solvers import AUTO_ORDER, REGISTRY, get_solver
from alummatch.solvers.base import (
    OBJECTIVES,
    Solver,
    Task,
    ensure_supported,
    usable_capacity,
)

__all__ = ["compare", "solve"]

log = logging.getLogger("alummatch")


def _validate(
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


def _disallowed_reason(problem: MatchingProblem, i: int, j: int) -> str:
    ctx = problem.context
    explain = getattr(ctx, "explain_disallowed", None)
    if explain is not None:
        return str(explain(i, j))
    return "the problem's allowed mask"


def make_task(
    problem: MatchingProblem,
    objective: str,
    constraints: Sequence[object],
    time_limit: float | None,
    seed: int,
) -> tuple[Task, list[str], dict[str, NDArray[np.bool_]]]:
    """Reduce a validated request to a :class:`Task`.

    Returns the task, the infeasibility sentences found on the way (pinned
    pairs that cannot hold), and the pairs each pair constraint removed.
    """
    allowed = np.array(problem.allowed, copy=True)
    removed: dict[str, NDArray[np.bool_]] = {}
    fixed_parts: list[NDArray[np.intp]] = []
    rest: list[object] = []
    pinned_cons: list[Pinned] = []
    for c in constraints:
        if isinstance(c, Forbidden):
            idx = resolve_pairs(c.pairs, problem, "Forbidden")
            mask = np.zeros(problem.shape, dtype=np.bool_)
            mask[idx[:, 0], idx[:, 1]] = True
            removed[str(c)] = mask & allowed
            allowed &= ~mask
        elif isinstance(c, MinScore):
            low = problem.scores < c.threshold
            removed[str(c)] = low & allowed
            allowed &= ~low
        elif isinstance(c, Pinned):
            pinned_cons.append(c)
            fixed_parts.append(resolve_pairs(c.pairs, problem, "Pinned"))
        else:
            rest.append(c)
    diagnosis: list[str] = []
    fixed = (
        np.unique(np.concatenate(fixed_parts), axis=0)
        if fixed_parts
        else np.empty((0, 2), dtype=np.intp)
    ).astype(np.intp)
    tee_ids, tor_ids = problem.mentee_ids, problem.mentor_ids
    for a, b in fixed:
        if not problem.allowed[a, b]:
            diagnosis.append(
                f"pinned pair ({tee_ids[a]}, {tor_ids[b]}) is forbidden by "
                f"{_disallowed_reason(problem, int(a), int(b))}."
            )
            continue
        for name, mask in removed.items():
            if mask[a, b]:
                diagnosis.append(
                    f"pinned pair ({tee_ids[a]}, {tor_ids[b]}) is removed by {name}."
                )
    n, m = problem.shape
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
    if fixed.size:
        allowed[fixed[:, 0], fixed[:, 1]] = False
    min_load = np.maximum(problem.mentor_min_load - pin_r, 0)
    capacity, demand = usable_capacity(
        allowed,
        np.maximum(problem.mentor_capacity - pin_r, 0),
        min_load,
        np.maximum(problem.mentee_demand - pin_t, 0),
    )
    task = Task(
        problem=problem,
        objective=objective,
        allowed=allowed,
        capacity=capacity,
        min_load=min_load,
        demand=demand,
        fixed=fixed,
        constraints=tuple(rest),
        time_limit=time_limit,
        seed=int(seed),
    )
    return task, diagnosis, removed


def _pick(solver: str | Solver, task: Task) -> Solver:
    if solver == "auto":
        for name in AUTO_ORDER:
            cand = REGISTRY.get(name)
            if cand is not None and cand.unsupported(task) is None:
                return cand
        reasons = "; ".join(
            f"{name}: cannot {REGISTRY[name].unsupported(task)}"
            for name in AUTO_ORDER
            if name in REGISTRY
        )
        raise UnsupportedError(f"no exact solver supports this request ({reasons})")
    chosen = get_solver(solver)
    ensure_supported(chosen, task)
    return chosen


def _check_output(task: Task, pairs: NDArray[np.intp], solver: str) -> None:
    """Guard against a solver that breaks a hard requirement (a bug, not input)."""
    if pairs.size == 0:
        return
    bad: list[str] = []
    if not task.allowed[pairs[:, 0], pairs[:, 1]].all():
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


def unmatched_reasons(
    task: Task,
    pairs: NDArray[np.intp],
    removed: dict[str, NDArray[np.bool_]],
    status: Status,
) -> dict[str, str]:
    """Reason, per mentee with fewer mentors than wanted, in words."""
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
    free_seat = load < prob.mentor_capacity
    chosen = np.zeros((short.size, m), dtype=np.bool_)
    if pairs.size:
        sel = np.isin(pairs[:, 0], short)
        pos = np.searchsorted(short, pairs[sel, 0])
        chosen[pos, pairs[sel, 1]] = True
    rule_ok = prob.allowed[short]
    eff_ok = rule_ok.copy()
    for mask in removed.values():
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
                f"{int(mask[i].sum())} by {name}"
                for name, mask in removed.items()
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
        elif task.objective == "total" and (prob.scores[i][open_[k]] <= 0).all():
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
    items = _validate(problem, objective, constraints, time_limit, seed)
    task, pin_diagnosis, removed = make_task(
        problem,
        str(objective),
        items,
        None if time_limit is None else float(time_limit),
        int(seed),
    )
    chosen = _pick(solver, task)
    if pin_diagnosis:
        return _build_result(
            task,
            np.empty((0, 2), dtype=np.intp),
            Status.INFEASIBLE,
            tuple(pin_diagnosis),
            chosen.name,
            0.0,
            removed,
            None,
            None,
        )
    log.debug("solving %s x %s with %s", *problem.shape, chosen.name)
    t0 = time.perf_counter()
    out = chosen.solve(task)
    runtime = time.perf_counter() - t0
    free = np.asarray(out.pairs, dtype=np.intp).reshape(-1, 2)
    _check_output(task, free, chosen.name)
    pairs = np.concatenate([task.fixed, free]) if task.fixed.size else free
    if out.status is Status.INFEASIBLE:
        pairs = np.empty((0, 2), dtype=np.intp)
    return _build_result(
        task,
        pairs,
        out.status,
        out.diagnosis,
        chosen.name,
        runtime,
        removed,
        out.bound,
        out.gap,
    )


def _build_result(
    task: Task,
    pairs: NDArray[np.intp],
    status: Status,
    diagnosis: tuple[str, ...],
    solver: str,
    runtime: float,
    removed: dict[str, NDArray[np.bool_]],
    bound: float | None,
    gap: float | None,
) -> MatchResult:
    prob = task.problem
    if pairs.size:
        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        pairs = pairs[order]
    pairs.setflags(write=False)
    tee, tor = pairs[:, 0], pairs[:, 1]
    sc = prob.scores[tee, tor]
    comps: dict[str, NDArray[np.float64]] = (
        prob.context.pair_components(tee, tor)
        if prob.context is not None and pairs.size
        else {}
    )
    acceptable: NDArray[np.bool_] | None = None
    if not np.array_equal(task.allowed, prob.allowed):
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
        unmatched=unmatched_reasons(task, pairs, removed, status),
        metrics=compute_metrics(prob, pairs, acceptable=acceptable),
        runtime_s=runtime,
        objective_name=task.objective,
        bound=bound,
        gap=gap,
        problem=prob,
        acceptable=acceptable,
    )


CompareSolvers = Sequence[str | Solver] | Mapping[str, str | Solver]
"""What :func:`compare` runs: solvers, or a mapping of row label to solver."""

_METRIC_COLUMNS: tuple[str, ...] = (
    "matched_slots",
    "total_demand",
    "coverage",
    "mentees_matched",
    "mentees_unmatched",
    "total",
    "mean",
    "min",
    "p10",
    "max_load",
    "mean_load",
    "load_gini",
    "mentors_used",
    "blocking_pairs",
)
"""Figures of :class:`~alummatch.result.Metrics` that :func:`compare` reports."""


def _compare_entries(solvers: object) -> list[tuple[str, str | Solver]]:
    """Resolve ``compare``'s solvers to ``(row label, solver)`` before any run.

    Unknown names raise here, so that nothing is solved on a bad request; a
    solver instance whose name is already taken is labelled by its ``repr``.
    """
    if isinstance(solvers, str | bytes) or not isinstance(solvers, Iterable):
        raise TypeError(
            "solvers must be a sequence of solver names or instances, or a "
            f"mapping of row label to solver, got {solvers!r}"
        )
    if isinstance(solvers, Mapping):
        items = [(str(k), v) for k, v in solvers.items()]
    else:
        items = [(s if isinstance(s, str) else "", s) for s in solvers]
    out: list[tuple[str, str | Solver]] = []
    seen: set[str] = set()
    for label, spec in items:
        chosen: str | Solver = spec if spec == "auto" else get_solver(spec)
        if not label:
            assert not isinstance(chosen, str)
            label = chosen.name if chosen.name not in seen else repr(chosen)
        if label in seen:
            raise ValueError(f"compare: solver label {label!r} appears twice")
        seen.add(label)
        out.append((label, chosen))
    return out


def _compare_groups(
    problem: MatchingProblem,
    group: str | None,
    groups: Mapping[str, str] | None,
) -> tuple[str, tuple[str, ...]] | None:
    """Column key and labels of ``compare``'s per-group columns, validated."""
    from alummatch.constraints.fairness import mentee_groups

    if group is None and groups is None:
        return None
    resolved = mentee_groups(problem, group, groups, "compare")
    if isinstance(resolved, list):
        raise InvalidInputError(resolved)
    return (group if group is not None else "group"), resolved[0]


def _traced_run(
    problem: MatchingProblem,
    solver: str | Solver,
    kwargs: dict[str, Any],
    measure_memory: bool,
) -> tuple[MatchResult, float, float | None]:
    """One ``solve``: the result, wall seconds and peak MiB allocated (traced).

    An outer ``tracemalloc`` session is left running; the peak is then the
    rise over what was traced when the solve started.
    """
    own = measure_memory and not tracemalloc.is_tracing()
    if own:
        tracemalloc.start()
    base = 0
    if measure_memory:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
    try:
        t0 = time.perf_counter()
        res = solve(problem, solver, **kwargs)
        wall = time.perf_counter() - t0
        peak = (
            (tracemalloc.get_traced_memory()[1] - base) / 2**20
            if measure_memory
            else None
        )
    finally:
        if own:
            tracemalloc.stop()
    return res, wall, peak


def compare(
    problem: MatchingProblem,
    solvers: CompareSolvers = ("greedy", "hungarian", "flow", "stable"),
    *,
    objective: str = "coverage",
    constraints: Sequence[object] = (),
    time_limit: float | None = None,
    seed: int = 0,
    group: str | None = None,
    groups: Mapping[str, str] | None = None,
    measure_memory: bool = True,
    on_result: Callable[[str, MatchResult], object] | None = None,
) -> pd.DataFrame:
    """Run several solvers on one request and tabulate their results.

    Parameters
    ----------
    problem : MatchingProblem
        From :func:`alummatch.build_problem` or ``MatchingProblem.from_scores``.
    solvers : sequence of str or Solver, or mapping of str to str or Solver
        Registry names (``auto`` included) or instances with their own
        options; a mapping gives each row its label (for instance two
        ``Stable`` proposers side by side). ``cpsat`` and ``milp`` (one
        binary per pair) are not in the default list: add them, with a
        ``time_limit`` on cohorts of more than a few dozen.
    objective : {"coverage", "total", "maxmin"}
        Optimised by every solver (see :func:`alummatch.solve`).
    constraints : sequence of constraints
        Asked of every solver; one that cannot honour them all gives an
        ``unsupported`` row.
    time_limit : float, optional
        Seconds each solver may spend (solvers that can stop early).
    seed : int
        Seed of every random choice.
    group : str, optional
        Mentee attribute whose groups get their own columns, e.g.
        ``group="first_generation"`` adds ``coverage[first_generation=yes]``
        and ``mean[first_generation=yes]`` for each value.
    groups : mapping of mentee id to label, optional
        Explicit groups instead (problems built from a score matrix); the
        columns are then named ``coverage[group=<label>]``.
    measure_memory : bool, default True
        Report ``peak_mb``, the peak of Python-side allocations (numpy
        included, native solver memory not) traced with :mod:`tracemalloc`
        while each solve runs. Tracing slows allocation-heavy code down: pass
        ``False`` for the cleanest runtimes.
    on_result : callable, optional
        Called as ``on_result(label, result)`` with each solve's
        :class:`~alummatch.result.MatchResult` (to keep pairs, loads or
        explanations beside the table).

    Returns
    -------
    pandas.DataFrame
        One row a solver, in the order given, with columns ``solver`` (the
        label), ``status`` (a :class:`~alummatch.result.Status` value or
        ``"unsupported"``), ``objective``, ``runtime_s`` (in the solver),
        ``wall_s`` (the whole ``solve`` call, metrics included), ``peak_mb``,
        the figures of :class:`~alummatch.result.Metrics` (``coverage``,
        ``total``, ``mean``, ``min``, ``p10``, ``max_load``, ``load_gini``,
        ``blocking_pairs``, ...), the per-group columns, ``bound`` and
        ``optimality_gap`` (from solvers that prove bounds), ``gap_to_best``
        (relative shortfall from the best total among the rows that hold a
        matching) and ``note`` (why a solver could not run, or the
        diagnosis). Rows without a matching (unsupported, infeasible) have
        ``NaN`` figures.

    Raises
    ------
    InvalidInputError
        Bad arguments, before any solver runs (every problem listed).
    ValueError
        An unknown solver name or a repeated row label.

    Examples
    --------
    >>> import numpy as np
    >>> from alummatch import MatchingProblem, compare
    >>> p = MatchingProblem.from_scores(
    ...     np.random.default_rng(0).random((6, 3)), mentor_capacity=2
    ... )
    >>> f = compare(p, ["greedy", "flow"], objective="total")
    >>> f[["solver", "status", "coverage"]].values.tolist()
    [['greedy', 'feasible', 1.0], ['flow', 'optimal', 1.0]]
    >>> bool(f.loc[1, "gap_to_best"] == 0.0)
    True
    """
    items = _validate(problem, objective, constraints, time_limit, seed)
    entries = _compare_entries(solvers)
    grouping = _compare_groups(problem, group, groups)
    group_cols: list[str] = []
    if grouping is not None:
        key, labels = grouping
        for stat in ("coverage", "mean"):
            group_cols += [f"{stat}[{key}={lab}]" for lab in labels]
    kwargs: dict[str, Any] = {
        "objective": objective,
        "constraints": items,
        "time_limit": time_limit,
        "seed": seed,
    }
    nan = float("nan")
    rows: list[dict[str, Any]] = []
    for label, spec in entries:
        row: dict[str, Any] = {"solver": label, "objective": objective}
        try:
            res, wall, peak = _traced_run(problem, spec, kwargs, measure_memory)
        except UnsupportedError as exc:
            row.update(status="unsupported", note=str(exc))
            rows.append(row)
            continue
        if on_result is not None:
            on_result(label, res)
        row.update(
            status=str(res.status),
            runtime_s=res.runtime_s,
            wall_s=wall,
            peak_mb=nan if peak is None else peak,
            bound=nan if res.bound is None else res.bound,
            optimality_gap=nan if res.gap is None else res.gap,
            note="; ".join(res.diagnosis),
        )
        if res.is_feasible():
            row.update({k: res.metrics.as_dict()[k] for k in _METRIC_COLUMNS})
            if grouping is not None:
                table = res.metrics.by_group(group, groups=groups)
                for lab in grouping[1]:
                    row[f"coverage[{grouping[0]}={lab}]"] = table.at[lab, "coverage"]
                    row[f"mean[{grouping[0]}={lab}]"] = table.at[lab, "mean_score"]
        rows.append(row)
    columns = [
        "solver",
        "status",
        "objective",
        "runtime_s",
        "wall_s",
        "peak_mb",
        *_METRIC_COLUMNS,
        *group_cols,
        "bound",
        "optimality_gap",
        "gap_to_best",
        "note",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["note"] = frame["note"].fillna("")
    numeric = [c for c in columns if c not in ("solver", "status", "objective", "note")]
    frame[numeric] = frame[numeric].astype(np.float64)
    best = frame["total"].max()
    frame["gap_to_best"] = (best - frame["total"]) / max(abs(best), 1e-12)
    return frame
