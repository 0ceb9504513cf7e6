"""Measuring helpers shared by the benchmark scripts.

Each case runs in a fresh subprocess so that its peak resident memory
(``ru_maxrss``) is its own, and a crash or a time-out of one case does not end
the run.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def run_case(
    code: str, timeout: float = 900.0, *, stream: bool = False
) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; it must print one JSON line last.

    The peak resident memory of the child is added as ``peak_mb``. With
    ``stream``, the child's stderr (progress bars, log lines) goes straight to
    this process's stderr instead of being kept for the error message.
    """
    wrapper = (
        "import json, resource, sys\n"
        f"{code}\n"
        "out['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(out))\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", wrapper],
            stdout=subprocess.PIPE,
            stderr=None if stream else subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-1:] or ["failed"]
        return {"error": tail[0]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _fmt(v: Any) -> str:
    """A table cell: ``-`` for missing or NaN, whole floats as integers."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e6:
            return str(int(v))
        return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.0f}"
    return str(v)


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Print rows as an aligned text table."""
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [
        max(len(c), *(len(row[k]) for row in cells)) for k, c in enumerate(columns)
    ]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def write_csv(name: str, rows: Sequence[dict[str, Any]]) -> Path:
    """Write rows to ``benchmarks/results/<name>.csv``; return the path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.csv"
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    return path
