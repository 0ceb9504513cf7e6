# %% [markdown]
# # Outputs for program staff
#
# Coordinators, not programmers, act on a matching: they email introductions,
# chase the students still waiting and report to the programme's board. This
# notebook matches the bundled sample cohort with a quota for first-generation
# students and writes what they need: the summary in plain words, a CSV that
# opens safely in a spreadsheet, and a self-contained HTML report.
#
# Run it as a script (`python examples/staff_outputs.py`) or open it as a
# notebook (the `# %%` cells: there the "Match" cell shows the result as its
# summary, warnings and first pairs); `ALUMMATCH_EXAMPLE_OUT` sets the folder
# of the files written.

# %%
import os
from pathlib import Path

import pandas as pd

import alummatch as am
from alummatch.constraints import GroupQuota
from alummatch.datasets import load_sample

OUT = Path(os.environ.get("ALUMMATCH_EXAMPLE_OUT", "staff_outputs"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## Match
#
# At least 70% of each first-generation group's requests are matched.

# %%
problem = am.build_problem(load_sample())
result = am.solve(problem, constraints=[GroupQuota(0.7, "first_generation")])
result  # noqa: B018  (a notebook shows the summary, warnings and first pairs)

# %% [markdown]
# ## The summary
#
# Plain words first (who has a mentor, who waits and why, what to look at),
# then the technical figures for analysts.

# %%
print(result.summary())

# %% [markdown]
# ## The spreadsheet
#
# One row a pair with a reason in words, one row per waiting student slot.
# Cells that a spreadsheet would run as a formula are escaped.

# %%
result.to_csv(OUT / "pairs.csv")
pairs = pd.read_csv(OUT / "pairs.csv")
print(pairs["status"].value_counts().to_string())
print(pairs.head(3).to_string(index=False))

# %% [markdown]
# ## The report
#
# One HTML file to open offline, send or print: every pair with its
# explanation, every waiting student with the best mentor they could have
# had, plots, the coverage of each group and the settings used.

# %%
result.report(OUT / "report.html")
print(f"report written to {OUT / 'report.html'}")
