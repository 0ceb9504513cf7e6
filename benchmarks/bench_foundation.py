"""Foundation benchmark: scoring a large cohort, and the exact assignment solvers.

Prints, side by side in one run:

* ``build_problem`` with the default scorer on ``synthetic_cohort(10000, 4000)``
  (goal: under 1 s on 2 cores, peak memory under 2 GB);
* ``flow`` vs ``hungarian`` vs scipy's ``linear_sum_assignment`` on the matrix
  expanded by capacity, for 10000 mentees x 4000 mentors x capacity 3 with
  uniform random scores (objective ``total``), and the two alummatch solvers
  on the scored synthetic cohort with capacity 3 and demand 1 (its rules
  mask included).

Each case runs in a fresh interpreter, so ``peak_mb`` (``ru_maxrss``) is that
case's alone. ``solve_s`` is the solver's own time (``MatchResult.runtime_s``;
for scipy, the call on the expanded matrix); ``wall_s`` is the whole
``solve()`` call, metrics and explanations' inputs included.

Run: ``python -m benchmarks.bench_foundation [--size 10000x4000] [--capacity 3]``
Writes ``benchmarks/results/foundation.csv``.
"""

from __future__ import annotations

import argparse

from benchmarks._measure import print_table, run_case, write_csv

_BUILD = """
import time
from alummatch.datasets import synthetic_cohort
from alummatch import build_problem
import sklearn.feature_extraction.text  # import cost is not scoring cost
t0 = time.perf_counter()
cohort = synthetic_cohort({n}, {m}, seed=0)
t1 = time.perf_counter()
problem = build_problem(cohort)
t2 = time.perf_counter()
out = {{"case": "build_problem (default scorer)", "generate_s": t1 - t0,
        "solve_s": t2 - t1, "allowed_share": float(problem.allowed.mean())}}
"""

_RANDOM = """
import numpy as np
rng = np.random.default_rng(0)
scores = rng.random(({n}, {m}))
from alummatch import MatchingProblem
problem = MatchingProblem.from_scores(scores, mentor_capacity={cap})
"""

_COHORT = """
from alummatch.datasets import synthetic_cohort
from alummatch import build_problem
problem = build_problem(synthetic_cohort({n}, {m}, seed=0)).replace(
    mentor_capacity={cap}, mentee_demand=1)
"""

_ALUMMATCH = """
import time
from alummatch import solve
{setup}
t0 = time.perf_counter()
res = solve(problem, "{solver}", objective="total")
wall = time.perf_counter() - t0
out = {{"case": "{label}", "solve_s": res.runtime_s, "wall_s": wall,
        "objective": res.objective, "pairs": len(res.pairs),
        "status": str(res.status)}}
"""

_SCIPY = """
import time
import numpy as np
from scipy.optimize import linear_sum_assignment
{setup}
t0 = time.perf_counter()
big = np.repeat(scores, {cap}, axis=1)
rows, cols = linear_sum_assignment(big, maximize=True)
t1 = time.perf_counter()
out = {{"case": "{label}", "solve_s": t1 - t0, "wall_s": t1 - t0,
        "objective": float(big[rows, cols].sum()), "pairs": int(rows.size),
        "status": "optimal"}}
"""

COLUMNS = ["case", "solver", "generate_s", "solve_s", "wall_s", "peak_mb", "objective"]


def main(argv: list[str] | None = None) -> None:
    """Run every case in its own process; print the table and write the CSV."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", default="10000x4000")
    ap.add_argument("--capacity", type=int, default=3)
    args = ap.parse_args(argv)
    n, m = (int(x) for x in args.size.lower().split("x"))
    cap = args.capacity
    random_setup = _RANDOM.format(n=n, m=m, cap=cap)
    cohort_setup = _COHORT.format(n=n, m=m, cap=cap)
    cases: list[tuple[str, str]] = [
        ("alummatch", _BUILD.format(n=n, m=m)),
    ]
    rand = f"random {n}x{m} cap {cap}"
    coh = f"cohort {n}x{m} cap {cap}"
    for solver in ("flow", "hungarian"):
        cases.append(
            (
                solver,
                _ALUMMATCH.format(setup=random_setup, solver=solver, label=rand),
            )
        )
    cases.append(
        ("scipy LSA (expanded)", _SCIPY.format(setup=random_setup, cap=cap, label=rand))
    )
    for solver in ("flow", "hungarian"):
        cases.append(
            (
                solver,
                _ALUMMATCH.format(setup=cohort_setup, solver=solver, label=coh),
            )
        )
    rows = []
    for solver, code in cases:
        row = {"solver": solver, **run_case(code, timeout=1800)}
        print_table([row], COLUMNS)
        rows.append(row)
    print()
    print_table(rows, COLUMNS)
    path = write_csv("foundation", rows)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
