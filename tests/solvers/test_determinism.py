"""Same request, same seed: the same pairs, in any process, whatever the workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
import numpy as np
from alummatch import MatchingProblem, solve
from alummatch.constraints import GroupQuota, ScoreParity
from alummatch.solvers import CpSat, Milp, Stable

rng = np.random.default_rng(11)
scores = rng.integers(0, 3, size=(24, 8)).astype(float) / 2  # many ties
p = MatchingProblem.from_scores(scores, mentor_capacity=3)
groups = {t: ("x", "y", "z")[k % 3] for k, t in enumerate(p.mentee_ids)}
workers = int(sys.argv[1])
runs = {
    "greedy": ("greedy", "total", []),
    "hungarian": ("hungarian", "coverage", []),
    "flow": ("flow", "maxmin", [GroupQuota(0.5, groups=groups)]),
    "cpsat": (CpSat(workers=workers), "coverage", []),
    "cpsat-parity": (
        CpSat(workers=workers), "total", [ScoreParity(0.2, groups=groups)]
    ),
    "cpsat-cold": (
        CpSat(workers=workers, warm_start=False),
        "coverage",
        [ScoreParity(0.05, groups=groups)],
    ),
    "milp": (Milp(), "maxmin", [ScoreParity(0.2, groups=groups)]),
    "milp-cold": (Milp(warm_start=False), "total", [ScoreParity(0.05, groups=groups)]),
    "stable": (Stable(tie_break="random"), "coverage", []),
}
out = {}
for name, (solver, objective, cons) in runs.items():
    r = solve(p, solver, objective=objective, constraints=cons, seed=5)
    out[name] = [str(r.status), r.pair_indices.tolist()]
print(json.dumps(out))
"""


def _run(hash_seed: str, workers: int) -> dict[str, object]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(workers)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(("seeds", "workers"), [(("1", "2"), (8, 2))])
def test_same_seed_same_pairs_across_processes(
    seeds: tuple[str, str], workers: tuple[int, int]
) -> None:
    """Two processes with different PYTHONHASHSEED (and cpsat worker counts)
    give identical pairs for every solver."""
    a = _run(seeds[0], workers[0])
    b = _run(seeds[1], workers[1])
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
