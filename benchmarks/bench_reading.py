"""Reading benchmark: ``Cohort.from_csv`` on large generated files.

Files are written once from :func:`alummatch.datasets.synthetic_cohort`
(``Cohort.to_frames`` then ``DataFrame.to_csv``) into a cache folder; each
case then runs in a fresh subprocess so that its peak resident memory
(``ru_maxrss``) belongs to reading alone. The time covers both files: reading,
validating every cell and building the cohort (whose records stay columns
until ``cohort.mentors`` or ``cohort.mentees`` is read); ``cpu_s`` is the process's
CPU time over the same span (less sensitive than wall time to other work on a
shared machine). Prints a table and writes
``benchmarks/results/reading.csv``.

Run: ``python benchmarks/bench_reading.py [--sizes 200000x80000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._measure import print_table, run_case, write_csv

CACHE = Path(os.environ.get("ALUMMATCH_BENCH_CACHE", tempfile.gettempdir()))

_CHILD = """
import time
from alummatch import Cohort
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
t0, c0 = time.perf_counter(), cpu()
cohort = Cohort.from_csv({mentors!r}, {mentees!r})
out = {{"read_s": time.perf_counter() - t0, "cpu_s": cpu() - c0,
        "n_mentees": cohort.n_mentees, "n_mentors": cohort.n_mentors}}
"""


def files(n: int, m: int) -> tuple[Path, Path]:
    """The two CSV files of a synthetic cohort, written once and cached."""
    tors = CACHE / f"alummatch-bench-mentors-{n}x{m}.csv"
    tees = CACHE / f"alummatch-bench-mentees-{n}x{m}.csv"
    if not (tors.exists() and tees.exists()):
        from alummatch.datasets import synthetic_cohort

        frames = synthetic_cohort(n, m, seed=0).to_frames()
        frames[0].to_csv(tors, index=False)
        frames[1].to_csv(tees, index=False)
    return tors, tees


def main(argv: list[str] | None = None) -> None:
    """Time every size ``repeat`` times; print a table and write the CSV."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", nargs="+", default=["20000x8000", "200000x80000"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rows = []
    summary = []
    for size in args.sizes:
        n, m = (int(x) for x in size.lower().split("x"))
        tors, tees = files(n, m)
        mb = (tors.stat().st_size + tees.stat().st_size) / 2**20
        runs = []
        for rep in range(args.repeat):
            r = run_case(_CHILD.format(mentors=str(tors), mentees=str(tees)))
            row = {"mentees": n, "mentors": m, "file_mb": round(mb, 1), "repeat": rep}
            runs.append({**row, **r})
        rows += runs
        ok = [r for r in runs if "error" not in r]
        if ok:
            times = [float(r["read_s"]) for r in ok]
            cpus = [float(r["cpu_s"]) for r in ok]
            peaks = [float(r["peak_mb"]) for r in ok]
            summary.append(
                {
                    "mentees": n,
                    "mentors": m,
                    "file_mb": round(mb, 1),
                    "best_s": min(times),
                    "spread_s": max(times) - min(times),
                    "median_s": statistics.median(times),
                    "best_cpu_s": min(cpus),
                    "peak_mb": min(peaks),
                    "peak_max_mb": max(peaks),
                }
            )
    cols = ["mentees", "mentors", "file_mb", "repeat", "read_s", "cpu_s", "peak_mb"]
    print_table(rows, cols)
    print()
    cols = ["mentees", "mentors", "file_mb", "best_s", "spread_s", "median_s"]
    cols.append("best_cpu_s")
    print_table(summary, [*cols, "peak_mb", "peak_max_mb"])
    print(f"wrote {write_csv('reading', rows)}")


if __name__ == "__main__":
    main()
