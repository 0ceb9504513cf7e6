# %% [markdown]
# # Learning what made past matches work
#
# The default scorer weighs industry, goals, availability and expectations
# by hand (0.3 / 0.3 / 0.2 / 0.2). After a few terms a programme has
# outcomes: mentees rated their pairs 1-5, or not (unsurveyed pairs are not
# bad pairs). `alummatch.learn.fit_weights` fits the weights that best
# predict those ratings, with bootstrap intervals; `replay` re-matches each
# past term with the new weights and grades the new pairs with a model fitted
# on the *other* terms; and the next intake is matched with the learned
# weights.
#
# The past here is synthetic, so the truth is known: ratings come from hidden
# weights (goals and expectations matter most) plus half a point of noise,
# with 60 % of the pairs surveyed. Run it as a script (`python
# examples/learn_from_past_cohorts.py`) or as a notebook (the `# %%` cells);
# `ALUMMATCH_EXAMPLE_MENTEES` sets the size of the past cohort and
# `ALUMMATCH_EXAMPLE_OUT` the folder of the PNG file.

# %%
import os
from pathlib import Path

import numpy as np
import pandas as pd

import alummatch as am
from alummatch.datasets import synthetic_cohort, synthetic_history, true_rating
from alummatch.learn import fit_weights, replay
from alummatch.scoring import DEFAULT_WEIGHTS, default_scorer

N_PAST = int(os.environ.get("ALUMMATCH_EXAMPLE_MENTEES", "1500"))
OUT = Path(os.environ.get("ALUMMATCH_EXAMPLE_OUT", "learn_output"))
OUT.mkdir(parents=True, exist_ok=True)
TRUTH = {"industry": 0.1, "goals": 0.5, "availability": 0.05, "expectations": 0.35}
pd.set_option("display.width", 120)

# %% [markdown]
# ## Two past terms
#
# `synthetic_history` matches the past cohort the way a programme with hand
# weights would have, then rates the pairs from the hidden truth. A real
# programme loads its own: `am.History.from_csv("history.csv")`.

# %%
past = synthetic_cohort(N_PAST, N_PAST * 3 // 5, seed=1)
history = synthetic_history(past, TRUTH, noise=0.5, response_rate=0.6, seed=1)
frame = history.to_frame()
print(history)
print(frame.groupby("term")["satisfaction"].agg(["size", "count", "mean"]))

# %% [markdown]
# ## Fit the weights
#
# A linear model with an intercept and non-negative coefficients (see the
# docstring of `fit_weights` for why), on the surveyed pairs only. The
# intervals come from 200 seeded bootstrap resamples; the score is R^2 on
# held-out terms.

# %%
fit = fit_weights(past, history, "satisfaction", seed=0)
table = fit.to_frame().assign(truth=[TRUTH[k] for k in fit.weights])
print(table.round(3).to_string(index=False))
print(
    f"{fit.n_pairs} surveyed pairs used, {fit.n_unsurveyed} unsurveyed left out; "
    f"cross-validated R^2 {fit.score:.2f} ({fit.cv})"
)
ax = fit.plot(reference=DEFAULT_WEIGHTS, reference_label="hand weights")
ax.plot([TRUTH[k] for k in fit.weights], ax.get_yticks(), "r*", label="truth")
ax.legend(loc="upper right", fontsize=8)
ax.figure.tight_layout()
ax.figure.savefig(OUT / "learned_weights.png", dpi=100)

# %% [markdown]
# ## Replay the past terms
#
# Each term's people matched again, with the hand and with the learned
# weights. The same grader (the default criteria) reads both, and each term
# is graded by a model of the other term, so a term never grades itself.

# %%
grader = default_scorer()
replays = pd.concat(
    [
        replay(past, history, default_scorer(), "satisfaction", grader=grader).assign(
            weights="hand"
        ),
        replay(past, history, fit.scorer(), "satisfaction", grader=grader).assign(
            weights="learned"
        ),
    ],
    ignore_index=True,
)
cols = ["weights", "term", "coverage", "overlap", "observed_mean"]
cols += ["predicted_actual", "predicted_new"]
print(replays[cols].round(3).to_string(index=False))

# %% [markdown]
# ## The next intake: learned against hand weights
#
# The new cohort is matched three times (hand, learned and, since this past
# is synthetic, the true weights) and each matching is graded by the true
# expected rating of its pairs.

# %%
nxt = synthetic_cohort(max(60, N_PAST // 4), max(24, N_PAST // 10), seed=2)
scorers = {
    "hand": default_scorer(),
    "learned": fit.scorer(),
    "true": default_scorer(TRUTH),
}
rows = []
for name, scorer in scorers.items():
    result = am.solve(am.build_problem(nxt, scorer=scorer), "flow")
    tee, tor = result.pair_indices[:, 0], result.pair_indices[:, 1]
    rows.append(
        {
            "weights": name,
            "pairs": len(result.pairs),
            "coverage": result.metrics.coverage,
            "true mean rating": float(true_rating(nxt, TRUTH, tee, tor).mean()),
        }
    )
outcome = pd.DataFrame(rows).set_index("weights")
print(outcome.round(3))
gain = outcome["true mean rating"]
recovered = (gain["learned"] - gain["hand"]) / (gain["true"] - gain["hand"])
print(f"the learned weights recover {recovered:.0%} of the possible gain")
w = np.array([fit.weights[k] for k in TRUTH])
t = np.array(list(TRUTH.values()))
cosine = float(w @ t / np.linalg.norm(w) / np.linalg.norm(t))
print(f"cosine similarity of the learned weights to the truth: {cosine:.3f}")
print(f"plot written to {OUT}/")
