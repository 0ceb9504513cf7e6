"""Solver benchmark: which solver should a programme use, and at what cost?

Usage::

    python -m benchmarks [--quick] [--scenario NAME ...] [--out DIR]
                         [--cpsat-time-limit S] [--no-plots]

Every scenario of :mod:`benchmarks.scenarios` is run, in this one process,
with each alummatch solver through :func:`alummatch.compare` and with peers:

- alummatch, objective ``coverage``: ``greedy``, ``hungarian``, ``flow``,
  ``cpsat`` and ``milp`` (only up to ``CPSAT_MAX_PAIRS`` pairs, with a time
  limit),
  ``stable`` and ``stable-mentors`` (mentor-proposing);
- the price of fairness: ``flow`` with objective ``maxmin``, and ``flow`` /
  ``cpsat`` with ``GroupQuota`` on the scenario's group attribute plus
  ``BalancedLoad(0.05)``, and ``milp`` likewise (quota share: 98 % of the
  coverage ``flow`` reaches, rounded down to a percent, so that it is always
  feasible);
- peers: scipy ``linear_sum_assignment`` on the matrix expanded by capacity
  and demand (a bonus on every allowed pair makes it maximise coverage
  first), the ``matching`` package's ``HospitalResident`` (mentee-optimal
  stable matching; only up to ``MATCHING_MAX_PREFS`` preference entries, its
  pure-Python game takes minutes beyond), and a plain first-come-first-served
  greedy (each mentee in turn takes its best mentor with a free seat).

A solver that cannot honour a request gives an ``unsupported`` row with the
reason; a case that is skipped (too big) says why; a case that fails gives an
``error`` row and the run goes on. ``runtime_s`` is the time in the solver
(for peers: from the score matrix to pairs), ``peak_rss_mb`` the rise of the
process's peak resident memory during the case (Linux; native solver memory
included), ``gap_to_best`` the relative shortfall from the best total of the
scenario among rows that honour every hard requirement.

Writes ``compare.csv`` (``compare_quick.csv`` with ``--quick``,
``compare_<names>.csv`` with ``--scenario``) to ``benchmarks/results`` or
``--out``, and, unless ``--quick`` or ``--no-plots``, PNG plots: runtime vs
cohort size, total vs minimum score (the price of fairness) and mentor load
histograms.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import gc
import math
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alummatch import compare
from alummatch.constraints import BalancedLoad, GroupQuota
from alummatch.problem import MatchingProblem
from alummatch.result import MatchResult, compute_metrics
from alummatch.solvers import CpSat, Milp, Stable
from benchmarks._measure import print_table
from benchmarks.scenarios import SCENARIOS, Scenario

RESULTS = Path(__file__).parent / "results"
CPSAT_MAX_PAIRS = 50_000
"""Largest ``n_mentees * n_mentors`` given to CP-SAT (one Boolean per pair)."""
MATCHING_MAX_PREFS = 100_000
"""Largest number of preference entries (both sides) given to ``matching``."""
CPSAT_TIME_LIMIT = 60.0
QUICK_CPSAT_TIME_LIMIT = 5.0
BALANCE_WEIGHT = 0.05
QUOTA_FRACTION = 0.98
OK = ("optimal", "feasible", "time_limit")

COLUMNS = (
    "scenario",
    "mentees",
    "mentors",
    "solver",
    "kind",
    "objective",
    "constraints",
    "status",
    "runtime_s",
    "wall_s",
    "peak_rss_mb",
    "coverage",
    "total",
    "mean",
    "min",
    "p10",
    "max_load",
    "load_gini",
    "blocking_pairs",
    "min_load_short",
    "optimality_gap",
    "gap_to_best",
    "known_total",
    "note",
)
"""CSV columns first (per-group columns and the remaining figures follow)."""

TABLE = (
    "scenario",
    "solver",
    "status",
    "runtime_s",
    "peak_rss_mb",
    "coverage",
    "total",
    "min",
    "p10",
    "max_load",
    "load_gini",
    "blocking_pairs",
    "gap_to_best",
)
"""Columns of the printed table."""


# --------------------------------------------------------------------------
# peak resident memory of one case (Linux: reset the high-water mark)


def _proc_kb(key: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def _release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc).

    Without this, memory freed by an earlier case stays resident and the next
    case reuses it without raising the peak.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _reset_peak() -> float | None:
    """Reset the peak RSS; return the current RSS in kB (None if unsupported)."""
    _release_free_memory()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _proc_kb("VmRSS")


def _peak_rise_mb(start_kb: float | None) -> float:
    peak = _proc_kb("VmHWM")
    if start_kb is None or peak is None:
        return math.nan
    return max(peak - start_kb, 0.0) / 1024


# --------------------------------------------------------------------------
# peers


def _metrics_row(
    problem: MatchingProblem, pairs: NDArray[np.intp], group: str | None
) -> dict[str, Any]:
    """Figures of a peer's pairs, with the columns ``compare`` gives."""
    metrics = compute_metrics(problem, pairs)
    row: dict[str, Any] = dict(metrics.as_dict())
    if group is not None:
        table = metrics.by_group(group)
        for lab in table.index:
            row[f"coverage[{group}={lab}]"] = table.at[lab, "coverage"]
            row[f"mean[{group}={lab}]"] = table.at[lab, "mean_score"]
    return row


def scipy_expanded(problem: MatchingProblem) -> tuple[NDArray[np.intp], str]:
    """``linear_sum_assignment`` on the capacity- and demand-expanded matrix.

    Allowed pairs get a bonus larger than any total score difference, so
    that the assignment maximises coverage first; disallowed slots are left
    at zero profit and dropped from the answer.
    """
    from scipy.optimize import linear_sum_assignment

    rows = np.repeat(np.arange(problem.n_mentees), problem.mentee_demand)
    cols = np.repeat(np.arange(problem.n_mentors), problem.mentor_capacity)
    sc = problem.scores
    span = float(sc.max() - sc.min()) if sc.size else 0.0
    bonus = span * min(rows.size, cols.size) + 1.0
    profit = np.where(problem.allowed, sc - sc.min() + bonus, 0.0)
    expanded = profit[np.ix_(rows, cols)]
    r, c = linear_sum_assignment(expanded, maximize=True)
    pairs = np.stack([rows[r], cols[c]], axis=1).astype(np.intp)
    pairs = pairs[problem.allowed[pairs[:, 0], pairs[:, 1]]]
    return pairs, f"expanded {rows.size} x {cols.size}"


def fcfs_greedy(problem: MatchingProblem) -> tuple[NDArray[np.intp], str]:
    """First come, first served: each mentee in turn takes its best free mentors.

    Mentor minimum loads are not honoured (the usual spreadsheet practice).
    """
    seats = problem.mentor_capacity.astype(np.int64).copy()
    chosen: list[NDArray[np.intp]] = []
    for i in range(problem.n_mentees):
        row = np.where(problem.allowed[i] & (seats > 0), problem.scores[i], -np.inf)
        want = int(problem.mentee_demand[i])
        if want == 1:
            top = np.array([int(np.argmax(row))])
        else:
            k = min(want, row.size)
            top = np.argpartition(-row, k - 1)[:k]
        top = top[np.isfinite(row[top])]
        seats[top] -= 1
        chosen.append(np.stack([np.full(top.size, i), top], axis=1))
    if not chosen:
        return np.empty((0, 2), dtype=np.intp), ""
    return np.concatenate(chosen).astype(np.intp), ""


def _preference_lists(
    problem: MatchingProblem,
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, int]]:
    """Allowed partners by score (ties by index), as ``matching`` wants them."""
    tee, tor = problem.mentee_ids, problem.mentor_ids
    sc, al = problem.scores, problem.allowed
    order_t = np.lexsort((np.broadcast_to(np.arange(sc.shape[1]), sc.shape), -sc))
    order_r = np.lexsort((np.broadcast_to(np.arange(sc.shape[0]), sc.T.shape), -sc.T))
    res = {tee[i]: [tor[j] for j in order_t[i] if al[i, j]] for i in range(len(tee))}
    hos = {tor[j]: [tee[i] for i in order_r[j] if al[i, j]] for j in range(len(tor))}
    caps = {tor[j]: int(c) for j, c in enumerate(problem.mentor_capacity)}
    return res, hos, caps


def _deep_call(fn: Callable[[], Any]) -> Any:
    """Call ``fn`` in a thread with a big stack and a high recursion limit.

    ``matching`` deep-copies its players, whose preference lists refer to
    each other: the copy recurses about as deep as there are players, beyond
    Python's default limit at a hundred a side.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the caller
            box["error"] = exc

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, 200_000))
    threading.stack_size(1 << 29)
    try:
        worker = threading.Thread(target=target)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]


def matching_hr(problem: MatchingProblem) -> tuple[NDArray[np.intp], str]:
    """The ``matching`` package's ``HospitalResident``, mentee-optimal."""
    from matching.games import HospitalResident

    t0 = time.perf_counter()
    res, hos, caps = _preference_lists(problem)
    t1 = time.perf_counter()

    def build_and_solve() -> tuple[Any, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            game = HospitalResident.create_from_dictionaries(res, hos, caps)
            t = time.perf_counter()
            return game.solve(optimal="resident"), t

    out, t2 = _deep_call(build_and_solve)
    t3 = time.perf_counter()
    tee, tor = problem.mentee_index(), problem.mentor_index()
    pairs = np.array(
        [(tee[r.name], tor[h.name]) for h, rs in out.items() for r in rs],
        dtype=np.intp,
    ).reshape(-1, 2)
    note = f"lists {t1 - t0:.2f} s, game {t2 - t1:.2f} s, solve {t3 - t2:.2f} s"
    return pairs, note


# --------------------------------------------------------------------------
# cases


@dataclass
class Case:
    """One row of the benchmark: an alummatch request or a peer."""

    label: str
    kind: str  # "alummatch" or "peer"
    objective: str = "coverage"
    solver: Any = None
    constraints_name: str = ""
    peer: Callable[[MatchingProblem], tuple[NDArray[np.intp], str]] | None = None
    skip: str = ""
    same_as: str = ""


def _cases(scenario: Scenario, problem: MatchingProblem) -> list[Case]:
    n, m = problem.shape
    big_cp = n * m > CPSAT_MAX_PAIRS
    cp_skip = (
        f"skipped: {n} x {m} = {n * m} pairs is too big for CP-SAT and milp "
        f"(limit {CPSAT_MAX_PAIRS})"
        if big_cp
        else ""
    )
    n_prefs = 2 * int(problem.allowed.sum())
    hr_skip = ""
    if (problem.mentee_demand > 1).any():
        hr_skip = "skipped: HospitalResident needs demand 1"
    elif problem.mentor_min_load.any():
        hr_skip = "skipped: HospitalResident has no minimum loads"
    elif n_prefs > MATCHING_MAX_PREFS:
        hr_skip = (
            f"skipped: {n_prefs} preference entries (limit {MATCHING_MAX_PREFS}); "
            "its game takes minutes beyond"
        )
    lsa_skip = ""
    if problem.mentor_min_load.any():
        lsa_skip = "skipped: an assignment has no minimum loads"
    elif (problem.mentee_demand > 1).any() and (problem.mentor_capacity > 1).any():
        lsa_skip = "skipped: the expanded matrix would repeat pairs (demand > 1)"
    cpsat = CpSat()
    milp = Milp()
    cases = [
        Case("greedy", "alummatch", solver="greedy"),
        Case("hungarian", "alummatch", solver="hungarian"),
        Case("flow", "alummatch", solver="flow"),
        Case("cpsat", "alummatch", solver=cpsat, skip=cp_skip),
        Case("milp", "alummatch", solver=milp, skip=cp_skip),
        Case("stable", "alummatch", solver="stable"),
        Case("stable-mentors", "alummatch", solver=Stable(proposer="mentors")),
        Case("flow maxmin", "alummatch", objective="maxmin", solver="flow"),
    ]
    if scenario.group is not None:
        name = f"GroupQuota({scenario.group}) + BalancedLoad({BALANCE_WEIGHT})"
        cases += [
            Case("flow quota+balance", "alummatch", solver="flow"),
            Case("cpsat quota+balance", "alummatch", solver=cpsat, skip=cp_skip),
            Case("milp quota+balance", "alummatch", solver=milp, skip=cp_skip),
        ]
        for c in cases[-3:]:
            c.constraints_name = name
    cases += [
        Case("scipy-lsa (peer)", "peer", peer=scipy_expanded, skip=lsa_skip),
        Case(
            "matching-HR (peer)",
            "peer",
            peer=matching_hr,
            skip=hr_skip,
            same_as="stable",
        ),
        Case("fcfs-greedy (peer)", "peer", peer=fcfs_greedy),
    ]
    return cases


def _quota_constraints(
    group: str, rows: list[dict[str, Any]]
) -> tuple[Sequence[object], str]:
    """``GroupQuota`` at 98 % of the coverage ``flow`` reached, plus balance."""
    cov = next(
        (r["coverage"] for r in rows if r["solver"] == "flow" and r["status"] in OK),
        0.5,
    )
    share = math.floor(QUOTA_FRACTION * float(cov) * 100) / 100
    return (
        [GroupQuota(share, attribute=group), BalancedLoad(BALANCE_WEIGHT)],
        f"GroupQuota({share:.2f}, {group}) + BalancedLoad({BALANCE_WEIGHT})",
    )


def run_case(
    case: Case,
    scenario: Scenario,
    problem: MatchingProblem,
    rows: list[dict[str, Any]],
    chosen: dict[str, NDArray[np.intp]],
    cpsat_limit: float,
) -> dict[str, Any]:
    """Run one case and return its row (never raises).

    The pairs of every case that made a matching are kept in ``chosen``.
    """
    n, m = problem.shape
    row: dict[str, Any] = {
        "scenario": scenario.name,
        "mentees": n,
        "mentors": m,
        "solver": case.label,
        "kind": case.kind,
        "objective": case.objective,
        "constraints": case.constraints_name,
        "known_total": scenario.known_total,
    }
    if case.skip:
        row.update(status="skipped", note=case.skip)
        return row
    start = _reset_peak()
    try:
        if case.peer is not None:
            t0 = time.perf_counter()
            pairs, note = case.peer(problem)
            runtime = time.perf_counter() - t0
            row.update(status="feasible", runtime_s=runtime, note=note)
            row.update(_metrics_row(problem, pairs, scenario.group))
            row["wall_s"] = time.perf_counter() - t0
            chosen[case.label] = pairs
        else:
            cons: Sequence[object] = ()
            if case.constraints_name:
                assert scenario.group is not None
                cons, row["constraints"] = _quota_constraints(scenario.group, rows)

            def keep(label: str, res: MatchResult) -> None:
                if res.is_feasible():
                    chosen[label] = res.pair_indices

            frame = compare(
                problem,
                {case.label: case.solver},
                objective=case.objective,
                constraints=cons,
                time_limit=(
                    cpsat_limit if isinstance(case.solver, CpSat | Milp) else None
                ),
                group=scenario.group,
                measure_memory=False,
                on_result=keep,
            )
            got = frame.iloc[0].to_dict()
            for key in ("solver", "peak_mb", "gap_to_best"):
                got.pop(key, None)
            row.update(got)
    except Exception as exc:  # one failing case must not end the run
        traceback.print_exc(file=sys.stderr)
        row.update(status="error", note=f"{type(exc).__name__}: {exc}")
        return row
    if row["status"] != "unsupported":
        row["peak_rss_mb"] = _peak_rise_mb(start)
    if case.label in chosen:
        load = np.bincount(chosen[case.label][:, 1], minlength=m)
        short = int(np.count_nonzero(load < problem.mentor_min_load))
        row["min_load_short"] = short
        notes = [str(row.get("note") or "")]
        if short:
            row["status"] = "invalid"
            notes.append(f"{short} mentors below their minimum load")
        if case.same_as in chosen:
            same = _same_pairs(chosen[case.label], chosen[case.same_as])
            notes.append(
                f"{'same pairs as' if same else 'other pairs than'} {case.same_as}"
            )
        row["note"] = "; ".join(x for x in notes if x)
    return row


def _same_pairs(a: NDArray[np.intp], b: NDArray[np.intp]) -> bool:
    """Whether two pair arrays hold the same pairs, in any order."""
    if a.shape != b.shape:
        return False
    sa = a[np.lexsort((a[:, 1], a[:, 0]))]
    sb = b[np.lexsort((b[:, 1], b[:, 0]))]
    return bool(np.array_equal(sa, sb))


def _gap_to_best(rows: list[dict[str, Any]]) -> None:
    """Relative shortfall from the best total among rows honouring everything."""
    ok = [
        float(r["total"])
        for r in rows
        if r.get("status") in OK and not _nan(r.get("total"))
    ]
    if not ok:
        return
    best = max(ok)
    for r in rows:
        if r.get("status") in OK and not _nan(r.get("total")):
            r["gap_to_best"] = (best - float(r["total"])) / max(abs(best), 1e-12)


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def run_scenario(
    scenario: Scenario, cpsat_limit: float
) -> tuple[list[dict[str, Any]], dict[str, NDArray[np.int64]], MatchingProblem]:
    """Every case of one scenario; rows, mentor loads by case, the problem."""
    print(f"== {scenario.name}: {scenario.description}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    problem = scenario.build()
    print(f"   built in {time.perf_counter() - t0:.2f} s", file=sys.stderr, flush=True)
    rows: list[dict[str, Any]] = []
    chosen: dict[str, NDArray[np.intp]] = {}
    for case in _cases(scenario, problem):
        print(f"   {case.label} ...", file=sys.stderr, flush=True)
        rows.append(run_case(case, scenario, problem, rows, chosen, cpsat_limit))
    _gap_to_best(rows)
    loads = {
        k: np.bincount(v[:, 1], minlength=problem.n_mentors) for k, v in chosen.items()
    }
    return rows, loads, problem


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write rows with the ``COLUMNS`` first, then every other key seen."""
    keys = list(COLUMNS)
    for r in rows:
        keys += [k for k in r if k not in keys]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, restval="")
        w.writeheader()
        w.writerows({k: ("" if _nan(v) else v) for k, v in r.items()} for r in rows)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m benchmarks``)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="small scenarios only (CI smoke run)"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        metavar="NAME",
        help=f"run this scenario (repeatable): {', '.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="folder for CSV and plots"
    )
    parser.add_argument(
        "--cpsat-time-limit",
        type=float,
        default=None,
        help=f"seconds per CP-SAT run (default {CPSAT_TIME_LIMIT:g}, "
        f"{QUICK_CPSAT_TIME_LIMIT:g} with --quick)",
    )
    parser.add_argument("--no-plots", action="store_true", help="write no PNG")
    args = parser.parse_args(argv)
    if args.scenario:
        chosen = [SCENARIOS[s] for s in dict.fromkeys(args.scenario)]
        stem = "compare_" + "-".join(s.name for s in chosen)
    elif args.quick:
        chosen = [s for s in SCENARIOS.values() if s.quick]
        stem = "compare_quick"
    else:
        chosen = list(SCENARIOS.values())
        stem = "compare"
    limit = args.cpsat_time_limit or (
        QUICK_CPSAT_TIME_LIMIT if args.quick else CPSAT_TIME_LIMIT
    )
    all_rows: list[dict[str, Any]] = []
    all_loads: dict[str, dict[str, NDArray[np.int64]]] = {}
    capacity: dict[str, NDArray[np.int64]] = {}
    t0 = time.perf_counter()
    for scenario in chosen:
        rows, loads, problem = run_scenario(scenario, limit)
        all_rows += rows
        all_loads[scenario.name] = loads
        capacity[scenario.name] = np.asarray(problem.mentor_capacity)
        print_table(rows, TABLE)
        print(flush=True)
    out: Path = args.out
    csv_path = out / f"{stem}.csv"
    write_csv(csv_path, all_rows)
    print(
        f"wrote {csv_path} ({len(all_rows)} rows) in {time.perf_counter() - t0:.0f} s"
    )
    if not (args.quick or args.no_plots):
        from benchmarks.plots import write_plots

        for path in write_plots(all_rows, all_loads, capacity, out):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
