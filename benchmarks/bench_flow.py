"""Flow at scale: sparse candidates priced by the flow's duals, beside Hungarian.

Dense random problems (10000 mentees x 4000 mentors, capacity 3, demand 1;
``--quick``: 3000 x 1200), scores either uniform or popularity-skewed
(``0.6 * mentor popularity + 0.4 * noise``: every mentee wants the same
mentors, so each mentee's best pairs say little about the optimum). ``flow``
solves ``total``, ``coverage`` and ``maxmin`` on its large-problem path
(candidate pairs, minimum-cut and reduced-cost certificates over every pair);
``hungarian`` (scipy's ``linear_sum_assignment`` on the capacity-expanded
matrix) solves ``total`` beside it as the peer. Hungarian runs on uniform
scores only unless ``--all-peers``: on skewed scores it takes minutes.

Each case runs in a fresh interpreter, so ``peak_mb`` is its own peak resident
memory, and ``peak_before_mb`` the peak before solving (score generation:
about 0.7 GB at full size). Prints a table
and writes ``benchmarks/results/flow.csv``.

Run: ``python -m benchmarks.bench_flow [--quick] [--all-peers]``.
"""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks._measure import print_table, run_case, write_csv

CASE = """
import time
import numpy as np
from alummatch.engine import solve
from alummatch.problem import MatchingProblem
rng = np.random.default_rng({seed})
scores = rng.random(({n}, {m}))
if {popular}:
    scores = 0.6 * rng.random({m})[None, :] + 0.4 * scores
p = MatchingProblem.from_scores(scores, mentor_capacity=3)
del scores
import resource
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
r = solve(p, {solver!r}, objective={objective!r})
out = {{
    'runtime_s': time.perf_counter() - t0,
    'status': str(r.status),
    'matched': r.metrics.matched_slots,
    'min': r.metrics.min,
    'total': r.objective,
    'peak_before_mb': before,
}}
"""


def bench(n: int, m: int, all_peers: bool, seed: int = 0) -> list[dict[str, Any]]:
    """Every case of the module docstring, one subprocess each."""
    rows: list[dict[str, Any]] = []
    for popular in (False, True):
        model = "popular" if popular else "uniform"
        runs = [("flow", obj) for obj in ("total", "coverage", "maxmin")]
        if all_peers or not popular:
            runs.append(("hungarian", "total"))
        for solver, objective in runs:
            code = CASE.format(
                n=n, m=m, seed=seed, popular=popular, solver=solver, objective=objective
            )
            res = run_case(code)
            rows.append(
                {
                    "size": f"{n}x{m}",
                    "scores": model,
                    "solver": solver,
                    "objective": objective,
                    **res,
                }
            )
    # Relative gap of flow's total to Hungarian's, where both ran.
    for r in rows:
        peer = [
            q
            for q in rows
            if q["solver"] == "hungarian"
            and q["scores"] == r["scores"]
            and "total" in q
            and r["objective"] == "total"
        ]
        if peer and "total" in r:
            ref = float(peer[0]["total"])
            r["rel_gap"] = (ref - float(r["total"])) / max(abs(ref), 1e-12)
    return rows


def main() -> None:
    """Run the cases, print the table, write the CSV."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3000 x 1200")
    ap.add_argument(
        "--all-peers", action="store_true", help="Hungarian on skewed scores too"
    )
    args = ap.parse_args()
    n, m = (3000, 1200) if args.quick else (10000, 4000)
    rows = bench(n, m, args.all_peers)
    cols = [
        "size",
        "scores",
        "solver",
        "objective",
        "status",
        "runtime_s",
        "peak_mb",
        "peak_before_mb",
        "matched",
        "min",
        "total",
        "rel_gap",
        "error",
    ]
    print_table(rows, cols)
    write_csv("flow", rows)


if __name__ == "__main__":
    main()
