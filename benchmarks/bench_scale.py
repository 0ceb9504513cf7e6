"""Scale benchmark: candidate problems, fairness on the sparse graph, refusal.

Four experiments, each case in a fresh interpreter (so ``peak_mb`` is its own
peak resident memory), printed as tables and written to
``benchmarks/results/scale.csv`` with a log-log plot
``benchmarks/results/scale_growth.png``:

1. ``growth``: ``synthetic_cohort(n, m)``, ``build_problem(candidates=30)``
   and ``flow`` ``coverage``, for 10,000 x 4,000 up to 100,000 x 40,000
   (``--sizes``): cohort, build and solve seconds, peak memory, whether the
   result is certified and how many rows the certificate re-scored.
2. ``exact``: at 10,000 x 4,000 (``--quick``: 3,000 x 1,200) the dense
   problem beside the candidate problem: build seconds of each, and the
   candidate optimum against the dense one (same matched slots, total to
   1e-9).
3. ``fairness``: dense random scores, 10,000 x 4,000, capacity 3, ``flow``
   ``coverage`` plain, with a binding ``GroupQuota``, with minimum loads of
   one, with ``BalancedLoad``, and all three (the large-network path).
4. ``refuse``: ``MatchingProblem.from_scores`` on a 200,000 x 200,000 view
   (no memory) is refused before anything is allocated.

The scale cases show a progress bar on stderr (scored mentees) and the
library's INFO milestones (pricing rounds).

Run: ``python -m benchmarks.bench_scale [--quick] [--sizes 10000x4000,...]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmarks._measure import RESULTS, print_table, run_case, write_csv

GROWTH = """
import logging, sys, time
from tqdm import tqdm
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="  %(message)s")
from alummatch import build_problem, solve
from alummatch.datasets import synthetic_cohort
t0 = time.perf_counter()
cohort = synthetic_cohort({n}, {m}, seed=0)
t1 = time.perf_counter()
with tqdm(total={n}, desc="scoring {n}x{m}", unit="mentee", file=sys.stderr) as bar:
    p = build_problem(cohort, candidates={k}, progress=bar.update)
t2 = time.perf_counter()
r = solve(p, "flow", objective="coverage")
t3 = time.perf_counter()
out = {{
    'cohort_s': t1 - t0, 'build_s': t2 - t1, 'solve_s': t3 - t2,
    'status': str(r.status), 'certified': r.info.get('certified', 0),
    'rounds': r.info.get('pricing_rounds'),
    'rescored_rows': r.info.get('rescored_rows'),
    'matched': r.metrics.matched_slots, 'total': r.objective,
}}
"""

EXACT = """
import time
import numpy as np
from alummatch import build_problem, solve
from alummatch.datasets import synthetic_cohort
cohort = synthetic_cohort({n}, {m}, seed=0)
t = time.perf_counter(); d = build_problem(cohort); dense_s = time.perf_counter() - t
t = time.perf_counter(); c = build_problem(cohort, candidates={k})
cand_s = time.perf_counter() - t
a = solve(d, "flow", objective="coverage")
b = solve(c, "flow", objective="coverage")
out = {{
    'dense_build_s': dense_s, 'cand_build_s': cand_s,
    'dense_solve_s': a.runtime_s, 'cand_solve_s': b.runtime_s,
    'matched_dense': a.metrics.matched_slots, 'matched_cand': b.metrics.matched_slots,
    'total_dense': a.objective, 'total_cand': b.objective,
    'rel_diff': abs(a.objective - b.objective) / max(abs(a.objective), 1e-12),
    'same_pairs': bool(np.array_equal(a.pair_indices, b.pair_indices)),
    'status': str(b.status),
}}
"""

FAIR = """
import time
import numpy as np
from alummatch import MatchingProblem, solve
from alummatch.constraints import BalancedLoad, GroupQuota
rng = np.random.default_rng(0)
scores = rng.random(({n}, {m}))
first_gen = rng.random({n}) < 0.3
scores[first_gen] *= 0.5  # the group a plain optimum under-serves
low = 1 if {case!r} in ("min_load", "all") else 0
p = MatchingProblem.from_scores(scores, mentor_capacity=3, mentor_min_load=low)
del scores
labels = np.where(first_gen, "first", "other").tolist()
groups = dict(zip(p.mentee_ids, labels))
cons = []
if {case!r} in ("quota", "all"):
    cons.append(GroupQuota(0.95, groups=groups))
if {case!r} in ("balanced", "all"):
    cons.append(BalancedLoad(0.01))
t = time.perf_counter()
r = solve(p, "flow", objective="coverage", constraints=cons)
cov = r.metrics.by_group(groups=groups)["coverage"]
out = {{
    'solve_s': time.perf_counter() - t, 'status': str(r.status),
    'matched': r.metrics.matched_slots, 'total': r.objective,
    'first_gen_coverage': float(cov["first"]),
}}
"""

REFUSE = """
import time
import numpy as np
from alummatch import MatchingProblem
from alummatch.errors import InvalidInputError
huge = np.broadcast_to(np.float64(0.5), (200_000, 200_000))
t = time.perf_counter()
try:
    MatchingProblem.from_scores(huge)
    msg = "accepted"
except InvalidInputError as exc:
    msg = str(exc).splitlines()[-1].strip()
out = {'refuse_s': time.perf_counter() - t, 'message': msg}
"""


def _sizes(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (s.split("x") for s in text.split(","))]


def growth(sizes: list[tuple[int, int]], k: int) -> list[dict[str, Any]]:
    """Experiment 1, one subprocess per size."""
    rows = []
    for n, m in sizes:
        res = run_case(GROWTH.format(n=n, m=m, k=k), timeout=3600, stream=True)
        rows.append({"experiment": "growth", "size": f"{n}x{m}", "pairs": n * m, **res})
    return rows


def exact(n: int, m: int, k: int) -> list[dict[str, Any]]:
    """Experiment 2."""
    res = run_case(EXACT.format(n=n, m=m, k=k))
    return [{"experiment": "exact", "size": f"{n}x{m}", "pairs": n * m, **res}]


def fairness(n: int, m: int) -> list[dict[str, Any]]:
    """Experiment 3, one subprocess per case."""
    rows = []
    for case in ("plain", "quota", "min_load", "balanced", "all"):
        res = run_case(FAIR.format(n=n, m=m, case=case))
        rows.append({"experiment": "fairness", "size": f"{n}x{m}", "case": case, **res})
    return rows


def growth_plot(rows: list[dict[str, Any]], path: Path) -> Path | None:
    """Log-log build and solve seconds and peak memory against pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r.get("experiment") == "growth" and "build_s" in r]
    if len(ok) < 2:
        return None
    pairs = [r["pairs"] for r in ok]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    for key, label in (("build_s", "build (candidates=30)"), ("solve_s", "flow")):
        ax1.loglog(pairs, [r[key] for r in ok], "o-", label=label)
    ax1.set_xlabel("mentee x mentor pairs")
    ax1.set_ylabel("seconds")
    ax1.legend()
    ax2.loglog(pairs, [r["peak_mb"] / 1024 for r in ok], "o-", color="C2")
    ax2.set_xlabel("mentee x mentor pairs")
    ax2.set_ylabel("peak resident memory (GB)")
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> None:
    """Run the experiments, print the tables, write the CSV and the plot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--sizes", help="growth sizes, e.g. 10000x4000,20000x8000")
    ap.add_argument("--only", help="experiments to run, e.g. growth,fairness")
    ap.add_argument("-k", type=int, default=30, help="candidates per mentee")
    args = ap.parse_args()
    if args.sizes:
        sizes = _sizes(args.sizes)
    elif args.quick:
        sizes = [(3000, 1200), (6000, 2400)]
    else:
        sizes = [(10000, 4000), (20000, 8000), (40000, 16000), (100000, 40000)]
    n, m = (3000, 1200) if args.quick else (10000, 4000)
    only = set(args.only.split(",")) if args.only else None
    rows: list[dict[str, Any]] = []
    if only is None or "refuse" in only:
        rows += [{"experiment": "refuse", "size": "200000x200000", **run_case(REFUSE)}]
    if only is None or "exact" in only:
        rows += exact(n, m, args.k)
    if only is None or "fairness" in only:
        rows += fairness(n, m)
    if only is None or "growth" in only:
        rows += growth(sizes, args.k)
    cols = [
        "experiment",
        "size",
        "case",
        "status",
        "certified",
        "cohort_s",
        "build_s",
        "dense_build_s",
        "cand_build_s",
        "solve_s",
        "dense_solve_s",
        "cand_solve_s",
        "refuse_s",
        "peak_mb",
        "rounds",
        "rescored_rows",
        "matched",
        "total",
        "rel_diff",
        "same_pairs",
        "first_gen_coverage",
        "error",
    ]
    print_table(rows, cols)
    write_csv("scale", rows)
    plot = growth_plot(rows, RESULTS / "scale_growth.png")
    if plot is not None:
        print(f"plot: {plot}")


if __name__ == "__main__":
    main()
