"""Stable matching: alummatch's vectorised deferred acceptance vs ``matching``.

Usage::

    python benchmarks/bench_stable.py [--quick]

Part 1 puts alummatch and the ``matching`` package (``HospitalResident``) side
by side on random hospital/residents instances with complete random
preferences (400 x 20, 1600 x 40, 3600 x 60 residents x hospitals, seats =
residents). Both are timed building the game from the same dicts and solving
it (resident-optimal); the two matchings are checked to be identical.

Part 2 runs alummatch alone on 10 000 mentees x 4 000 mentors with random
scores and capacity 3, both proposer sides, timing the solver and the whole
``solve`` call (which also computes metrics, blocking pairs included).

A table is printed and ``benchmarks/results/stable.csv`` written. ``--quick``
skips ``matching`` at 3600 x 60 (about a minute) and the mentor-proposing run
at full size.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from alummatch.engine import solve
from alummatch.problem import MatchingProblem
from alummatch.solvers.stable import Stable, from_preferences

RESULTS = Path(__file__).parent / "results" / "stable.csv"
HR_SIZES = [(400, 20), (1600, 40), (3600, 60)]
GOAL_SPEEDUP = 100.0
GOAL_LARGE_S = 2.0


def hr_instance(
    n: int, m: int, seed: int
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, int]]:
    """Complete random preferences; capacities so that seats = residents."""
    rng = np.random.default_rng(seed)
    res = [f"r{i}" for i in range(n)]
    hos = [f"h{j}" for j in range(m)]
    res_prefs = {r: [hos[j] for j in rng.permutation(m)] for r in res}
    hos_prefs = {h: [res[i] for i in rng.permutation(n)] for h in hos}
    base, extra = divmod(n, m)
    caps = {h: base + (j < extra) for j, h in enumerate(hos)}
    return res_prefs, hos_prefs, caps


def run_matching(
    res_prefs: dict[str, list[str]],
    hos_prefs: dict[str, list[str]],
    caps: dict[str, int],
) -> tuple[float, float, set[tuple[str, str]]]:
    """Build and solve with ``matching``; return build s, solve s, pairs."""
    from matching.games import HospitalResident

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        game = HospitalResident.create_from_dictionaries(res_prefs, hos_prefs, caps)
        t1 = time.perf_counter()
        out = game.solve(optimal="resident")
        t2 = time.perf_counter()
    pairs = {(r.name, h.name) for h, rs in out.items() for r in rs}
    return t1 - t0, t2 - t1, pairs


def run_alummatch(
    res_prefs: dict[str, list[str]],
    hos_prefs: dict[str, list[str]],
    caps: dict[str, int],
) -> tuple[float, float, float, set[tuple[str, str]]]:
    """Build and solve with alummatch; build s, solver s, solve() s, pairs."""
    t0 = time.perf_counter()
    problem = from_preferences(res_prefs, hos_prefs, caps)
    t1 = time.perf_counter()
    result = solve(problem, Stable())
    t2 = time.perf_counter()
    assert result.metrics.blocking_pairs == 0
    pairs = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    return t1 - t0, result.runtime_s, t2 - t1, pairs


def side_by_side(quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n, m in HR_SIZES:
        prefs = hr_instance(n, m, seed=n + m)
        a_build, a_solver, a_solve, a_pairs = run_alummatch(*prefs)
        row: dict[str, Any] = {
            "case": f"HR {n}x{m}",
            "mentees": n,
            "mentors": m,
            "proposer": "mentees",
            "alummatch_build_s": a_build,
            "alummatch_solver_s": a_solver,
            "alummatch_total_s": a_build + a_solve,
        }
        if quick and n >= 3600:
            row["note"] = "matching skipped (--quick)"
        else:
            print(f"  matching {n}x{m} ...", file=sys.stderr, flush=True)
            m_build, m_solve, m_pairs = run_matching(*prefs)
            same = m_pairs == a_pairs
            row.update(
                matching_build_s=m_build,
                matching_solve_s=m_solve,
                matching_total_s=m_build + m_solve,
                speedup_total=(m_build + m_solve) / (a_build + a_solve),
                speedup_solve=m_solve / a_solver,
                identical=same,
            )
            if not same:
                row["note"] = "MATCHINGS DIFFER"
        rows.append(row)
    return rows


def large(quick: bool) -> list[dict[str, Any]]:
    n, m = 10_000, 4_000
    rng = np.random.default_rng(0)
    problem = MatchingProblem.from_scores(rng.random((n, m)), mentor_capacity=3)
    rows: list[dict[str, Any]] = []
    for proposer in ("mentees", "mentors"):
        if quick and proposer == "mentors":
            continue
        print(f"  alummatch {n}x{m} ({proposer}) ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        result = solve(problem, Stable(proposer=proposer))
        wall = time.perf_counter() - t0
        rows.append(
            {
                "case": f"scores {n}x{m} cap 3",
                "mentees": n,
                "mentors": m,
                "proposer": proposer,
                "alummatch_solver_s": result.runtime_s,
                "alummatch_total_s": wall,
                "matched": result.metrics.matched_slots,
                "blocking_pairs": result.metrics.blocking_pairs,
                "note": "solve() incl. metrics and blocking pairs",
            }
        )
    return rows


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 100 else f"{value:.0f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow runs")
    args = parser.parse_args(argv)
    rows = side_by_side(args.quick) + large(args.quick)
    cols = [
        "case",
        "proposer",
        "matching_build_s",
        "matching_solve_s",
        "alummatch_build_s",
        "alummatch_solver_s",
        "alummatch_total_s",
        "speedup_total",
        "speedup_solve",
        "identical",
        "note",
    ]
    table = [[_fmt(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(t[k]) for t in table)) for k, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for t in table:
        print("  ".join(v.ljust(w) for v, w in zip(t, widths, strict=True)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    fields = sorted({k for r in rows for k in r}, key=lambda k: (k not in cols, k))
    with RESULTS.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"\nwrote {RESULTS}")
    hr = [r for r in rows if r["mentees"] == 3600 and "speedup_total" in r]
    big = [r for r in rows if r["mentees"] == 10_000 and r["proposer"] == "mentees"]
    if hr:
        ok = hr[0]["speedup_total"] >= GOAL_SPEEDUP
        print(
            f"goal >= {GOAL_SPEEDUP:.0f}x vs matching at 3600x60: "
            f"{hr[0]['speedup_total']:.0f}x {'met' if ok else 'NOT met'}"
        )
    if big:
        wall = big[0]["alummatch_total_s"]
        print(
            f"goal < {GOAL_LARGE_S} s at 10000x4000: solver "
            f"{big[0]['alummatch_solver_s']:.2f} s, solve() {wall:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
