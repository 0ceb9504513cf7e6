# %% [markdown]
# # Which solver should my programme use?
#
# `alummatch.compare` runs several solvers on one cohort and tabulates, one
# row a solver: status, runtime, memory, coverage, total / mean / min / p10
# score, mentor loads, blocking pairs, per-group coverage and the gap to the
# best total. This notebook builds a synthetic cohort, compares the solvers on
# the plain request, then on fairer requests (a score floor, a quota for
# first-generation students with balanced loads), and plots the trade-offs.
#
# Run it as a script (`python examples/compare_solvers.py`) or open it as a
# notebook (the `# %%` cells); `ALUMMATCH_EXAMPLE_MENTEES` sets the cohort
# size and `ALUMMATCH_EXAMPLE_OUT` the folder of the PNG files.

# %%
import os
import sys
from pathlib import Path

import matplotlib

INTERACTIVE = "ipykernel" in sys.modules
if not INTERACTIVE:
    matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import alummatch as am
from alummatch.constraints import BalancedLoad, GroupQuota
from alummatch.datasets import synthetic_cohort
from alummatch.solvers import CpSat, Stable

N_MENTEES = int(os.environ.get("ALUMMATCH_EXAMPLE_MENTEES", "500"))
N_MENTORS = max(1, N_MENTEES * 2 // 5)
OUT = Path(os.environ.get("ALUMMATCH_EXAMPLE_OUT", "compare_solvers_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## A cohort
#
# Skewed like real programmes: popular industries, most people in Europe,
# mentors with 1-4 seats and fewer seats than mentees. Every mentee here wants
# one mentor, so the Hungarian method and stable matching apply too.

# %%
cohort = synthetic_cohort(N_MENTEES, N_MENTORS, seed=7)
problem = am.build_problem(cohort).replace(mentee_demand=1)
print(
    f"{problem.n_mentees} mentees, {problem.n_mentors} mentors, "
    f"{int(problem.mentor_capacity.sum())} seats"
)

# %% [markdown]
# ## Every solver on the same request
#
# Objective `coverage`: as many matched mentees as possible, then the highest
# total score. `on_result` keeps each solver's `MatchResult` for the plots.

# %%
results: dict[str, am.MatchResult] = {}


def keep(label: str, result: am.MatchResult) -> None:
    """Keep each solver's result beside the table."""
    results[label] = result


solvers = {
    "greedy": "greedy",
    "hungarian": "hungarian",
    "flow": "flow",
    "stable (mentees)": Stable(proposer="mentees"),
    "stable (mentors)": Stable(proposer="mentors"),
}
table = am.compare(problem, solvers, group="first_generation", on_result=keep)
columns = [
    "solver",
    "status",
    "runtime_s",
    "coverage",
    "total",
    "min",
    "p10",
    "max_load",
    "load_gini",
    "blocking_pairs",
    "coverage[first_generation=yes]",
    "gap_to_best",
]
print(table[columns].to_string(index=False, float_format="{:.4g}".format))

# %% [markdown]
# ## The price of fairness
#
# `flow` with objective `maxmin` raises the smallest pair score first; a
# `GroupQuota` asks that first-generation mentees are matched at least as
# often as the cohort overall, and `BalancedLoad` spreads mentees over
# mentors. A solver that cannot honour a request says so in an `unsupported`
# row. CP-SAT (one Boolean per pair) is only tried on the quota of small
# cohorts. `gap_to_best` is then recomputed over every request: the price.

# %%
coverage = float(table.set_index("solver").at["flow", "coverage"])
share = np.floor(0.98 * coverage * 100) / 100
small = problem.n_mentees * problem.n_mentors <= 5000
quota = [GroupQuota(share, attribute="first_generation"), BalancedLoad(0.05)]
requests = {
    "maxmin": ({"flow": "flow", "greedy": "greedy"}, {"objective": "maxmin"}),
    "quota + balance": (
        {"flow": "flow", "greedy": "greedy"} | ({"cpsat": CpSat()} if small else {}),
        {"constraints": quota},
    ),
}
frames = [table.assign(request="coverage")]
for name, (fair_solvers, request) in requests.items():
    fair = am.compare(
        problem,
        {f"{label} {name}": s for label, s in fair_solvers.items()},
        group="first_generation",
        time_limit=20,
        on_result=keep,
        **request,
    )
    frames.append(fair.assign(request=name))
everything = pd.concat(frames, ignore_index=True)
best = everything["total"].max()
everything["gap_to_best"] = (best - everything["total"]) / abs(best)
print(
    everything[["solver", "status", *columns[2:]]].to_string(
        index=False, float_format="{:.4g}".format
    )
)

# %% [markdown]
# ## Plots: runtime, total vs minimum score, mentor loads

# %%
done = everything[everything["status"].isin(["optimal", "feasible", "time_limit"])]

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.barh(done["solver"], done["runtime_s"].clip(lower=1e-4))
ax.set_xscale("log")
ax.set_xlabel("runtime (s)")
ax.set_title(f"Runtime, {problem.n_mentees} x {problem.n_mentors}")
fig.tight_layout()
fig.savefig(OUT / "runtime.png", dpi=100)

fig, ax = plt.subplots(figsize=(6, 4.5))
for k, (_, row) in enumerate(done.iterrows()):
    ax.scatter(row["min"], row["total"], color=f"C{k % 10}")
    ax.annotate(row["solver"], (row["min"], row["total"]), fontsize=7)
ax.set_xlabel("smallest pair score")
ax.set_ylabel("total score")
ax.set_title("The price of fairness")
ax.grid(True, alpha=0.3)
fig.tight_layout()
fig.savefig(OUT / "price_of_fairness.png", dpi=100)

shown = [
    s for s in ("greedy", "flow", "stable (mentees)", "flow maxmin") if s in results
]
fig, axes = plt.subplots(1, len(shown), figsize=(3 * len(shown), 2.8), sharey=True)
bins = np.arange(-0.5, int(problem.mentor_capacity.max()) + 1.5)
for ax, label in zip(np.atleast_1d(axes), shown, strict=True):
    load = np.bincount(results[label].pair_indices[:, 1], minlength=problem.n_mentors)
    ax.hist(load, bins=bins, rwidth=0.85)
    ax.set_title(label, fontsize=9)
    ax.set_xlabel("mentees per mentor")
fig.tight_layout()
fig.savefig(OUT / "mentor_loads.png", dpi=100)

if INTERACTIVE:
    plt.show()
else:
    plt.close("all")
    print(f"plots written to {OUT}/")
