# %% [markdown]
# # Your own form: from a survey export to a matching
#
# Programmes collect sign-ups with Google Forms, Microsoft Forms or Qualtrics
# and export one CSV or XLSX file: long questions as headers, a role column,
# multi-select answers joined by ", ", numbers such as "2.0", blank cells, and
# none of the fields the form never asked (industry, time zone). This notebook
# takes such an export, `examples/form/responses.csv` (synthetic: 14 mentors
# and 19 mentees of a robotics programme), and matches it with a program file.
#
# Run it as a script (`python examples/your_own_form.py`) or open it as a
# notebook (the `# %%` cells). `ALUMMATCH_EXAMPLE_OUT` sets the folder that
# the starter program file and the pairs are written to.

# %%
import os
from pathlib import Path

import pandas as pd

import alummatch as am
from alummatch.program import starter_program

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
FORM = HERE / "form"
OUT = Path(os.environ.get("ALUMMATCH_EXAMPLE_OUT", "your_own_form_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The export as it comes
#
# One row a person, the role in its own column, multi-select answers joined
# by ", " and capacities written "2.0".

# %%
export = pd.read_csv(FORM / "responses.csv", dtype=str, keep_default_na=False)
print(f"{len(export)} responses, {len(export.columns)} questions")
print(export.iloc[:3, 2:7].to_string(index=False))

# %% [markdown]
# ## 2. A starter program file
#
# `alummatch init responses.csv` writes the same text: every header with a
# best guess (a profile field where the wording suggests one, an attribute
# otherwise, or ignore), answers mapped to allowed values, and comments on
# what to check. Nothing is silent: a header left out of the file is an error.

# %%
starter = starter_program(FORM / "responses.csv", relative_to=OUT)
(OUT / "starter.toml").write_text(starter, encoding="utf-8")
print("\n".join(starter.splitlines()[:24]))

# %% [markdown]
# ## 3. The programme's own file
#
# `form/program.toml` is the starter after a look: names chosen for the
# attributes, a `wants` criterion (mentors list the degree levels they want to
# mentor), a `same` criterion on campus, the rule "never pair labmates" (same
# research advisor) and the importance grid of the mentees. Loading checks
# every setting against the others and reports all problems at once.

# %%
print((FORM / "program.toml").read_text(encoding="utf-8"))
program = am.Program.from_toml(FORM / "program.toml")

# %%
cohort = program.cohort()
print(cohort)
first = cohort.mentors[0]
print(first.id, "capacity", first.capacity, "goals", sorted(first.goals))
print("attributes:", {k: v for k, v in first.attributes.items()})

# %% [markdown]
# ## 4. Solve and read the explanations
#
# The form asks about neither industry nor time zones, so those criteria are
# off and no explanation mentions them; a criterion with no data for a pair
# (a mentor who stated no wanted degree) abstains and the pair is scored on
# the others.

# %%
result = program.solve()
print(result.summary())
shown = list(dict.fromkeys(p.mentee_id for p in result.pairs))[:3]
for mentee in shown:
    print()
    print(result.explain(mentee))

# %% [markdown]
# The rule holds for every pair: nobody is matched with someone who shares
# their research advisor.

# %%
advisor_tee = {m.id: m.attributes.get("advisor") for m in cohort.mentees}
advisor_tor = {m.id: m.attributes.get("advisor") for m in cohort.mentors}
labmates = [
    p for p in result.pairs if advisor_tee[p.mentee_id] == advisor_tor[p.mentor_id]
]
print(f"pairs sharing an advisor: {len(labmates)}")

# %% [markdown]
# ## 5. What each criterion contributed
#
# `pair_contributions` splits each pair's score by criterion (NaN where a
# criterion abstained): the table staff read next to the pairs.

# %%
problem = program.problem(cohort)
assert problem.context is not None
idx = result.pair_indices
parts = problem.context.pair_contributions(idx[:, 0], idx[:, 1])
table = pd.DataFrame(
    {
        "mentee": [problem.mentee_ids[i] for i in idx[:, 0]],
        "mentor": [problem.mentor_ids[j] for j in idx[:, 1]],
        "score": problem.scores[idx[:, 0], idx[:, 1]],
        **parts,
    }
)
print(table.round(3).head(8).to_string(index=False))
table.to_csv(OUT / "pairs.csv", index=False)
print(f"\nwrote {OUT / 'pairs.csv'}")
