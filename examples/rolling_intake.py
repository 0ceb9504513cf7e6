# %% [markdown]
# # A programme across terms: intake, ends, a rematch
#
# A mentorship programme does not match once. Students join every term,
# alumni take new mentees while earlier pairs continue, some pairs end early,
# and some mentees ask for a different mentor mid-term. `alummatch.History`
# keeps every pair ever made; `FromHistory` makes each new solve continue the
# active pairs (they hold their mentors' seats) and never repeat a past pair;
# `alummatch.rematch` gives new mentors to the mentees who ask, and moves
# nobody else; `Mentee.wait` (terms already spent on the waitlist) makes the
# solver leave out those who waited longest last, without giving up coverage.
#
# This notebook runs three terms of a synthetic programme and plots coverage
# and the waitlist per term. Run it as a script
# (`python examples/rolling_intake.py`) or as a notebook (the `# %%`
# cells); `ALUMMATCH_EXAMPLE_MENTEES` sets the intake per term and
# `ALUMMATCH_EXAMPLE_OUT` the folder of the PNG file.

# %%
import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import alummatch as am
from alummatch.constraints import FromHistory
from alummatch.datasets import synthetic_cohort

INTAKE = int(os.environ.get("ALUMMATCH_EXAMPLE_MENTEES", "120"))
OUT = Path(os.environ.get("ALUMMATCH_EXAMPLE_OUT", "rolling_intake_output"))
OUT.mkdir(parents=True, exist_ok=True)
TERMS = ("2025-fall", "2026-spring", "2026-fall")
rng = np.random.default_rng(11)

# %% [markdown]
# ## The people
#
# One pool of alumni (the same mentors every term) and three intakes of
# students. Each student wants one mentor; mentors have 1-4 seats, fewer
# seats in all than students over the three terms, so each term's waitlist
# matters.

# %%
pool = synthetic_cohort(3 * INTAKE, max(2, INTAKE * 3 // 5), seed=3)
# rankings name people of other terms: each term's cohort is matched on scores
mentors = tuple(m.model_copy(update={"preferred_mentees": ()}) for m in pool.mentors)
mentees = tuple(
    m.model_copy(update={"demand": 1, "preferred_mentors": ()}) for m in pool.mentees
)
intakes = [mentees[k * INTAKE : (k + 1) * INTAKE] for k in range(3)]
print(f"{len(mentors)} mentors with {sum(m.capacity for m in mentors)} seats")

# %% [markdown]
# ## Term 1: the first intake
#
# An empty history: a plain solve. The pairs made become the term's `active`
# rows (`alummatch match ... --history history.csv --append-history --term
# 2025-fall` does the same from the command line).

# %%
history = am.History()
rows = []
waited: dict[str, int] = {}  # terms each student has spent on the waitlist


def run_term(term: str, students: tuple[am.Mentee, ...]) -> am.MatchResult:
    """Match a term's students, continuing every active pair; the waitlist of
    earlier terms comes first."""
    global history
    students = tuple(
        m.model_copy(update={"wait": waited.get(m.id, 0)}) for m in students
    )
    cohort = am.Cohort(mentors=mentors, mentees=students)
    problem = am.build_problem(cohort)
    result = am.solve(problem, "flow", constraints=[FromHistory(history)])
    result.raise_for_status()
    kept = result.info.get("history_pinned", 0)
    rows.append(
        {
            "term": term,
            "mentees": problem.n_mentees,
            "continuing": kept,
            "new pairs": len(result.pairs) - kept,
            "waitlist": len(result.unmatched),
            "coverage": result.metrics.coverage,
            "had waited": result.info.get("waiting", 0),
            "of them placed": result.info.get("waiting_placed", 0),
            "history rows ignored": result.info.get("history_rows_ignored", 0),
        }
    )
    for m in students:
        if m.id in result.unmatched:
            waited[m.id] = waited.get(m.id, 0) + 1
        else:
            waited.pop(m.id, None)
    history = history.append(result.pairs, term=term)
    return result


first = run_term(TERMS[0], intakes[0])
print(first.summary())

# %% [markdown]
# ## Between terms: some pairs complete, some end early
#
# A third of the pairs complete (their students graduate and leave the
# programme); one in ten ends early. Everyone else continues into term 2.

# %%
active = history.active_pairs()
fate = rng.random(len(active))
completed = [p for p, f in zip(active, fate, strict=True) if f < 1 / 3]
ended = [p for p, f in zip(active, fate, strict=True) if 1 / 3 <= f < 1 / 3 + 0.1]
history = history.with_status(completed, "completed").with_status(ended, "ended")
graduated = {a for a, _ in completed}
print(f"{len(completed)} pairs completed, {len(ended)} ended early")

# %% [markdown]
# ## Term 2: continuing pairs, the waitlist, the second intake
#
# Continuing pairs are pinned (a mentor with 3 seats and 2 continuing mentees
# has 1 seat left); students whose pair ended are matched again, never with
# the same mentor; those left out in term 1 come back with the new intake,
# with `wait=1`: among the matchings that place as many students as
# possible, they are left out last.
# History rows of graduated students name people not in this term's cohort:
# they are ignored and counted in `result.info`.

# %%
returning = tuple(m for m in intakes[0] if m.id not in graduated)
second = run_term(TERMS[1], returning + intakes[1])
again = {(p.mentee_id, p.mentor_id) for p in second.pairs} & set(ended)
assert not again, "an ended pair came back"
# Waiting first never costs coverage: the same number placed without waits.
plain = am.solve(
    am.build_problem(am.Cohort(mentors=mentors, mentees=returning + intakes[1])),
    "flow",
    constraints=[FromHistory(history.with_status([], "ended"))],
)
assert plain.metrics.matched_slots == second.metrics.matched_slots
print(second.summary())

# %% [markdown]
# ## Mid-term 2: three students ask for a different mentor
#
# `rematch` ends their pairs, pins every other active pair and matches only
# the three again. It returns the result and the updated history.

# %%
cohort2 = am.Cohort(mentors=mentors, mentees=returning + intakes[1])
problem2 = am.build_problem(cohort2)
movers = sorted(p.mentee_id for p in second.pairs)[:3]
before = {(p.mentee_id, p.mentor_id) for p in second.pairs}
moved, history = am.rematch(problem2, history, movers, solver="flow")
after = {(p.mentee_id, p.mentor_id) for p in moved.pairs}
changed = sorted({a for a, _ in before ^ after})
assert set(changed) <= set(movers), changed
print(f"rematched {movers}: changed mentees {changed}")
for mentee_id in movers:
    old = [b for a, b in before if a == mentee_id]
    new = [b for a, b in after if a == mentee_id]
    print(f"  {mentee_id}: {old} -> {new or 'unmatched'}")

# %% [markdown]
# ## Term 3: the cycle again
#
# Half of the running pairs complete; the third intake joins.

# %%
active = history.active_pairs()
done = [p for p, f in zip(active, rng.random(len(active)), strict=True) if f < 0.5]
history = history.with_status(done, "completed")
graduated |= {a for a, _ in done}
staying = tuple(m for m in returning + intakes[1] if m.id not in graduated)
third = run_term(TERMS[2], staying + intakes[2])
print(third.summary())

# %% [markdown]
# ## Coverage and the waitlist per term
#
# The table has one row a term; the left plot shows the pairs that
# continued, the new pairs and the waitlist, with coverage on the right axis;
# the right one, the students who had waited and how many of them were
# placed.

# %%
table = pd.DataFrame(rows)
print(table.to_string(index=False, float_format="%.3f"))
print(history.to_frame().groupby(["term", "status"]).size().unstack(fill_value=0))

fig = Figure(figsize=(10, 3.8))
ax, wait_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
x = np.arange(len(table))
ax.bar(x, table["continuing"], label="continuing pairs", color="#4c72b0")
ax.bar(
    x,
    table["new pairs"],
    bottom=table["continuing"],
    label="new pairs",
    color="#55a868",
)
ax.bar(
    x,
    table["waitlist"],
    bottom=table["continuing"] + table["new pairs"],
    label="waitlist",
    color="#c44e52",
)
ax.set_xticks(x, table["term"])
ax.set_ylabel("mentees")
cov = ax.twinx()
cov.plot(x, table["coverage"], "ko-", label="coverage (right axis)")
cov.set_ylim(0, 1.05)
cov.set_ylabel("coverage")
handles = ax.get_legend_handles_labels()[0] + cov.get_legend_handles_labels()[0]
ax.legend(
    handles=handles,
    loc="lower center",
    bbox_to_anchor=(0.5, 1.0),
    ncol=4,
    fontsize=8,
    frameon=False,
)
wait_ax.bar(
    x - 0.2, table["had waited"], width=0.4, label="had waited", color="#dd8452"
)
wait_ax.bar(
    x + 0.2, table["of them placed"], width=0.4, label="of them placed", color="#55a868"
)
wait_ax.set_xticks(x, table["term"])
wait_ax.set_ylabel("students")
wait_ax.legend(fontsize=8, frameon=False)
fig.tight_layout()
fig.savefig(OUT / "coverage_per_term.png", dpi=100)
print(f"plot written to {OUT}/")
