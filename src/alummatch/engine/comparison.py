"""``compare``: one request, several solvers, one table."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from alummatch.constraints.fairness import mentee_groups
from alummatch.engine.run import solve, validate_request
from alummatch.errors import InvalidInputError, UnsupportedError
from alummatch.problem import MatchingProblem
from alummatch.result import MatchResult
from alummatch.solvers.base import Solver
from alummatch.solvers.registry import get_solver

__all__ = ["compare"]


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
    items = validate_request(problem, objective, constraints, time_limit, seed)
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
