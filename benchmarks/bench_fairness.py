"""Fairness benchmark: the price of fairness, exact against a greedy peer.

Two experiments, printed as a table and written to
``benchmarks/results/fairness.csv``:

1. ``maxmin``: ``flow`` maximin (coverage, then the smallest pair score,
   then total) on dense random problems (10000 mentees x 4000 mentors,
   capacity 3; ``--quick``: 3000 x 1200) with uniform scores, and with
   ``0.6 * mentor popularity + 0.4 * noise`` (everyone wants the same
   mentors, so the floor has a price), beside the plain ``coverage``
   optimum of ``flow`` (the total given up for the floor) and a FairFlow-like
   peer in the style of reviewer-assignment solvers: raise the floor by
   bisection and keep the highest floor at which a greedy assignment
   restricted to pairs above it still matches every slot. The peer is
   implemented here only, on the library's ``greedy`` solver with a
   ``MinScore``.
2. ``quota``: ``cpsat`` with ``GroupQuota(0.75, first_generation)`` and
   ``BalancedLoad(0.05)`` on 2000 x 800 (``--quick``: 600 x 240), capacity 2
   (seats short of demand, so the quota binds), with a rules mask keeping 30
   allowed mentors per mentee (10 for first-generation mentees, who are
   therefore under-served by a plain optimum). ``flow`` solves the same
   request exactly, which measures CP-SAT's gap; the plain ``coverage``
   optimum shows the price of the quota.

Run: ``python -m benchmarks.bench_fairness [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Any

import numpy as np

from alummatch.constraints import BalancedLoad, GroupQuota, MinScore
from alummatch.engine import solve
from alummatch.problem import MatchingProblem
from alummatch.result import MatchResult
from alummatch.solvers import CpSat

RESULTS = Path(__file__).parent / "results"


def fairflow_peer(
    problem: MatchingProblem, iters: int = 12
) -> tuple[MatchResult, float]:
    """Greedy floor raising: the highest floor at which greedy covers everyone.

    Returns the greedy result at the best floor found and the wall time.
    """
    t0 = time.perf_counter()
    target = solve(problem, "greedy", objective="coverage").metrics.matched_slots
    best = solve(problem, "greedy", objective="coverage")
    lo, hi = float(problem.scores.min()), float(problem.scores.max())
    for _ in range(iters):
        mid = (lo + hi) / 2
        r = solve(problem, "greedy", objective="coverage", constraints=[MinScore(mid)])
        if r.metrics.matched_slots >= target:
            lo, best = mid, r
        else:
            hi = mid
    return best, time.perf_counter() - t0


def _row(
    experiment: str, label: str, r: MatchResult, wall: float, **extra: Any
) -> dict[str, Any]:
    m = r.metrics
    row: dict[str, Any] = {
        "experiment": experiment,
        "run": label,
        "solver": r.solver,
        "status": str(r.status),
        "runtime_s": round(wall, 3),
        "matched": m.matched_slots,
        "coverage": round(m.coverage, 4),
        "total": round(m.total, 4),
        "min": round(m.min, 4),
        "p10": round(m.p10, 4),
        "max_load": m.max_load,
        "load_gini": round(m.load_gini, 4),
        "gap": "" if r.gap is None else f"{r.gap:.2e}",
    }
    row.update(extra)
    return row


def _timed(
    problem: MatchingProblem, solver: Any, **kw: Any
) -> tuple[MatchResult, float]:
    t0 = time.perf_counter()
    r = solve(problem, solver, **kw)
    return r, time.perf_counter() - t0


def bench_maxmin(n: int, m: int, seed: int = 0) -> list[dict[str, Any]]:
    """Experiment 1 (module docstring), on two score models."""
    rng = np.random.default_rng(seed)
    uniform = rng.random((n, m))
    rows = _maxmin_rows(
        MatchingProblem.from_scores(uniform, mentor_capacity=3), "uniform"
    )
    del uniform
    popular = 0.6 * rng.random(m)[None, :] + 0.4 * rng.random((n, m))
    rows += _maxmin_rows(
        MatchingProblem.from_scores(popular, mentor_capacity=3), "popular"
    )
    return rows


def _maxmin_rows(p: MatchingProblem, model: str) -> list[dict[str, Any]]:
    n, m = p.shape
    size = f"{n}x{m} {model}"
    rows = []
    r, w = _timed(p, "flow", objective="maxmin")
    rows.append(_row("maxmin", f"flow maxmin {size}", r, w))
    c, w = _timed(p, "flow", objective="coverage")
    rows.append(_row("maxmin", f"flow coverage (plain) {size}", c, w))
    g, w = fairflow_peer(p)
    rows.append(_row("maxmin", f"fairflow-like greedy peer {size}", g, w))
    return rows


def quota_problem(
    n: int, m: int, seed: int = 1
) -> tuple[MatchingProblem, dict[str, str]]:
    """Sparse-rules problem with an under-served first-generation group."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n, m))
    first_gen = rng.random(n) < 0.3
    keep = np.where(first_gen, 10, 30)
    order = np.argsort(rng.random((n, m)), axis=1)
    allowed = np.zeros((n, m), dtype=bool)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(m)[None, :].repeat(n, 0), axis=1)
    allowed = rank < keep[:, None]
    scores = np.where(first_gen[:, None], scores * 0.7, scores)
    p = MatchingProblem.from_scores(scores, allowed=allowed, mentor_capacity=2)
    groups = {
        mid: ("yes" if f else "no")
        for mid, f in zip(p.mentee_ids, first_gen, strict=True)
    }
    return p, groups


def bench_quota(n: int, m: int, time_limit: float) -> list[dict[str, Any]]:
    """Experiment 2 (module docstring)."""
    p, groups = quota_problem(n, m)
    cons = [GroupQuota(0.75, groups=groups), BalancedLoad(0.05)]
    size = f"{n}x{m}"

    def grp(r: MatchResult) -> dict[str, Any]:
        cov = r.metrics.by_group(groups=groups)["coverage"]
        return {
            "cov_first_gen": round(float(cov["yes"]), 4),
            "cov_other": round(float(cov["no"]), 4),
        }

    rows = []
    c, w = _timed(p, "flow", objective="coverage")
    rows.append(_row("quota", f"flow coverage (plain) {size}", c, w, **grp(c)))
    f, w = _timed(p, "flow", objective="coverage", constraints=cons)
    rows.append(_row("quota", f"flow quota+load {size}", f, w, **grp(f)))
    s, w = _timed(
        p, CpSat(), objective="coverage", constraints=cons, time_limit=time_limit
    )
    exact = f.objective - 0.05 * _pen(f)
    found = s.objective - 0.05 * _pen(s)
    rows.append(
        _row(
            "quota",
            f"cpsat quota+load {size}",
            s,
            w,
            **grp(s),
            gap_to_flow=f"{(exact - found) / max(abs(exact), 1e-12):.2e}",
        )
    )
    return rows


def _pen(r: MatchResult) -> float:
    load = np.bincount(r.pair_indices[:, 1]).astype(float)
    return float((load * (load - 1)).sum() / 2)


def main() -> None:
    """Run both experiments, print the table, write the CSV."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    n1, m1 = (3000, 1200) if args.quick else (10000, 4000)
    n2, m2 = (600, 240) if args.quick else (2000, 800)
    rows = bench_maxmin(n1, m1) + bench_quota(n2, m2, args.time_limit)
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / "fairness.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(pd.DataFrame(rows, columns=keys).to_string(index=False))


if __name__ == "__main__":
    main()
