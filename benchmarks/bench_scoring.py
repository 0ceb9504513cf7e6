"""Scoring benchmark: synthetic cohort generation and build_problem.

Each case runs in a fresh subprocess so that peak memory
(``ru_maxrss``, which includes numpy buffers) belongs to that case alone.
Prints a table (build wall and CPU seconds, the CPU time of all threads, less
sensitive to a shared machine) and writes ``benchmarks/results/scoring.csv``.

Run: ``python benchmarks/bench_scoring.py [--sizes 10000x4000 2000x800] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "scoring.csv"

_CHILD = r"""
import json, resource, sys, time
import numpy as np
from alummatch.datasets import synthetic_cohort
from alummatch import build_problem
import sklearn.feature_extraction.text  # import cost is not scoring cost

n, m = int(sys.argv[1]), int(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
cohort = synthetic_cohort(n, m, seed=0)
t1 = time.perf_counter()
c1 = time.process_time()
problem = build_problem(cohort)
t2 = time.perf_counter()
c2 = time.process_time()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "generate_s": t1 - t0,
    "build_s": t2 - t1,
    "build_cpu_s": c2 - c1,
    "peak_mb": peak / 1024,
    "import_mb": base / 1024,
    "scores_mb": problem.scores.nbytes / 2**20,
    "allowed_share": float(problem.allowed.mean()),
}))
"""


def run_case(n: int, m: int) -> dict[str, float]:
    """One fresh-process measurement."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n), str(m)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    """Run every size ``repeat`` times; print a table and write the CSV."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", nargs="+", default=["1000x400", "10000x4000"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rows = []
    for size in args.sizes:
        n, m = (int(x) for x in size.lower().split("x"))
        for rep in range(args.repeat):
            r = run_case(n, m)
            rows.append({"n_mentees": n, "n_mentors": m, "repeat": rep, **r})
    cols = list(rows[0])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    head = (
        f"{'mentees':>8} {'mentors':>8} {'gen s':>7} {'build s':>8} "
        f"{'cpu s':>7} {'peak MB':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['n_mentees']:>8} {r['n_mentors']:>8} {r['generate_s']:>7.3f} "
            f"{r['build_s']:>8.3f} {r['build_cpu_s']:>7.3f} {r['peak_mb']:>8.0f}"
        )
    big = [r for r in rows if (r["n_mentees"], r["n_mentors"]) == (10_000, 4_000)]
    if big:
        worst = max(r["generate_s"] for r in big)
        verdict = "met" if worst < 2.0 else "missed"
        print(
            f"goal: synthetic_cohort(10000, 4000) under 2 s: {verdict} ({worst:.2f} s)"
        )
        builds = sorted(r["build_s"] for r in big)
        best, median = builds[0], builds[len(builds) // 2]
        verdict = "met" if best <= 0.4 else "missed"
        print(
            f"goal: dense build_problem at 10000 x 4000 in 0.4 s: {verdict} "
            f"(best {best:.2f} s, median {median:.2f} s, worst {builds[-1]:.2f} s "
            f"of {len(big)})"
        )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
