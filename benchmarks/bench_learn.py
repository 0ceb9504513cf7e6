"""Learning weights from outcomes: is the truth recovered, and does it pay?

Usage::

    python -m benchmarks.bench_learn [--quick] [--seeds K] [--out DIR]

Hidden true weights (goals and expectations matter most, unlike the hand
weights 0.3 / 0.3 / 0.2 / 0.2 of the default scorer) rate the pairs of a
synthetic past cohort 1-5 (:func:`alummatch.datasets.synthetic_history`:
two terms, 60 % response, rating noise in points). For each number of
surveyed pairs (about 100, 300, 1 000) and noise level (0.25, 0.5, 1.0):

- ``cosine``: cosine similarity of the weights learned by
  :func:`alummatch.learn.fit_weights` to the truth;
- ``gain_recovered``: on a held-out cohort (400 mentees, 160 mentors, fewer
  seats than mentees), each of three scorers (hand, learned, true weights)
  is matched by ``flow`` (coverage) and graded by the true expected rating
  of its pairs; the share of the true-weights gain over the hand weights
  that the learned weights recover, ``(learned - hand) / (true - hand)``;
- ``cv_r2``: the fit's cross-validated R^2 (folds are terms), ``covered``:
  how many of the four 95 % bootstrap intervals hold the true weight.

Each case is repeated over ``--seeds`` seeds (3 by default); a table of every
run and one of the means per case are printed, ``learn.csv`` is written to
``benchmarks/results`` (or ``--out``), and the targets (at 1 000 pairs and
noise 0.5: cosine >= 0.97, gain recovered >= 0.8) are checked.
``--quick`` runs 100 and 300 pairs at noise 0.5 with one seed.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from alummatch import Cohort, build_problem, solve
from alummatch.datasets import synthetic_cohort, synthetic_history, true_rating
from alummatch.learn import fit_weights
from alummatch.scoring import Scorer, default_scorer
from benchmarks._measure import print_table

RESULTS = Path(__file__).parent / "results"
TRUTH = {"industry": 0.1, "goals": 0.5, "availability": 0.05, "expectations": 0.35}
RESPONSE = 0.6
PAIRS = (100, 300, 1000)
NOISES = (0.25, 0.5, 1.0)
HELD_OUT = (400, 160)
GOAL_COSINE = 0.97
GOAL_GAIN = 0.8


def past_cohort(n_surveyed: int, seed: int) -> Cohort:
    """A cohort whose matching yields about ``n_surveyed`` surveyed pairs."""
    n_mentees = math.ceil(n_surveyed / RESPONSE * 1.12)
    return synthetic_cohort(n_mentees, max(2, n_mentees * 3 // 5), seed=seed)


def true_mean(cohort: Cohort, scorer: Scorer) -> tuple[float, int]:
    """Mean true expected rating of the pairs ``scorer`` leads to, and how many."""
    result = solve(build_problem(cohort, scorer=scorer), "flow")
    tee, tor = result.pair_indices[:, 0], result.pair_indices[:, 1]
    return float(true_rating(cohort, TRUTH, tee, tor).mean()), int(tee.size)


def run(n_surveyed: int, noise: float, seed: int) -> dict[str, Any]:
    """One case: fit on a past cohort, grade on a held-out one."""
    t0 = time.perf_counter()
    past = past_cohort(n_surveyed, seed)
    history = synthetic_history(
        past, TRUTH, noise=noise, response_rate=RESPONSE, seed=seed
    )
    fit = fit_weights(past, history, "satisfaction", seed=seed, n_bootstrap=100)
    names = list(TRUTH)
    w = np.array([fit.weights[k] for k in names])
    t = np.array([TRUTH[k] for k in names])
    held = synthetic_cohort(*HELD_OUT, seed=10_000 + seed)
    hand, n_pairs = true_mean(held, default_scorer())
    learned, _ = true_mean(held, fit.scorer())
    best, _ = true_mean(held, default_scorer(TRUTH))
    covered = sum(fit.intervals[k][0] <= TRUTH[k] <= fit.intervals[k][1] for k in names)
    return {
        "pairs_target": n_surveyed,
        "noise": noise,
        "seed": seed,
        "n_pairs": fit.n_pairs,
        "cosine": float(w @ t / np.linalg.norm(w) / np.linalg.norm(t)),
        "cv_r2": fit.score,
        "covered": covered,
        "hand": hand,
        "learned": learned,
        "true": best,
        "gain_recovered": (learned - hand) / (best - hand),
        "held_out_pairs": n_pairs,
        **{f"w_{k}": fit.weights[k] for k in names},
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the grid, print the tables, write the CSV, check the targets."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="two small cases, one seed")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per case")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder of learn.csv")
    args = ap.parse_args(argv)
    cases = (
        [(100, 0.5), (300, 0.5)]
        if args.quick
        else [(n, s) for s in NOISES for n in PAIRS]
    )
    seeds = range(1 if args.quick else args.seeds)
    rows = [run(n, s, seed) for n, s in cases for seed in seeds]
    cols = ["pairs_target", "noise", "seed", "n_pairs", "cosine", "cv_r2"]
    cols += ["covered", "hand", "learned", "true", "gain_recovered", "seconds"]
    print_table(rows, cols)
    means = []
    for n, s in cases:
        mine = [r for r in rows if r["pairs_target"] == n and r["noise"] == s]
        means.append(
            {
                "pairs_target": n,
                "noise": s,
                "runs": len(mine),
                **{
                    k: float(np.mean([r[k] for r in mine]))
                    for k in ("n_pairs", "cosine", "gain_recovered", "cv_r2", "covered")
                },
                "min_cosine": min(r["cosine"] for r in mine),
                "min_gain": min(r["gain_recovered"] for r in mine),
            }
        )
    print("\nmeans over seeds")
    print_table(
        means,
        [
            "pairs_target",
            "noise",
            "runs",
            "n_pairs",
            "cosine",
            "min_cosine",
            "gain_recovered",
            "min_gain",
            "cv_r2",
            "covered",
        ],
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / ("learn_quick.csv" if args.quick else "learn.csv")
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"\nwrote {path}")
    target = [m for m in means if m["pairs_target"] == 1000 and m["noise"] == 0.5]
    if target:
        m = target[0]
        ok = m["cosine"] >= GOAL_COSINE and m["gain_recovered"] >= GOAL_GAIN
        print(
            f"targets at 1000 pairs, noise 0.5: cosine {m['cosine']:.4f} "
            f"(goal >= {GOAL_COSINE}), gain recovered {m['gain_recovered']:.3f} "
            f"(goal >= {GOAL_GAIN}): {'met' if ok else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
