"""Replay past terms with another scorer, graded by cross-fitted outcome models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alummatch.engine import solve
from alummatch.history import History
from alummatch.learn._pairs import components, fitted_scorer, past_pairs
from alummatch.learn.weights import MIN_PAIRS, outcome_model
from alummatch.problem import MatchingProblem
from alummatch.profiles import Cohort
from alummatch.scoring import Rule, Scorer, build_problem
from alummatch.solvers.base import Solver

__all__ = ["REPLAY_COLUMNS", "replay"]

REPLAY_COLUMNS: tuple[str, ...] = (
    "term",
    "mentees",
    "mentors",
    "status",
    "actual_pairs",
    "new_pairs",
    "coverage",
    "overlap",
    "observed_mean",
    "n_observed",
    "predicted_actual",
    "predicted_new",
    "n_train",
    "skipped_rows",
)
"""Columns of the table :func:`replay` returns, in order."""


def _pair_keys(
    tee: NDArray[np.intp], tor: NDArray[np.intp], m: int
) -> NDArray[np.int64]:
    """One integer a pair (mentee index * n_mentors + mentor index)."""
    return np.asarray(tee, np.int64) * m + np.asarray(tor, np.int64)


def replay(
    cohort: Cohort,
    history: History,
    scorer: Scorer,
    outcome: str,
    *,
    solver: str | Solver = "auto",
    objective: str = "coverage",
    rules: Sequence[Rule] = (),
    grader: Scorer | None = None,
    time_limit: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Re-match each past term with ``scorer`` and grade the new pairs.

    For every term of the history, the term's mentees and mentors (those
    named in its rows and present in the cohort) are matched again with
    ``scorer``; the new pairs are compared with the pairs actually made, and
    graded by an outcome model fitted on the *other* terms' surveyed pairs
    only (cross-fitting: a term never grades itself). The model is the one
    :func:`fit_weights` uses (non-negative linear regression on criterion
    components). A term is matched on its scores, rules, capacities and
    demands; the cohort's mentor minimum loads and mentees' waiting terms
    describe the coming term, not the past ones, and are not applied.

    Parameters
    ----------
    cohort : Cohort
        The people of the past terms (rows naming anyone else are skipped).
    history : History
    scorer : Scorer
        The scorer to replay with (e.g. ``fit.scorer()``); not modified.
    outcome : str
        The outcome column used to grade.
    solver, objective, time_limit, seed
        As for :func:`alummatch.solve`.
    rules : sequence of Rule
        As for :func:`alummatch.build_problem`.
    grader : Scorer, optional
        Whose criterion components the outcome model reads; ``scorer`` by
        default. Give the same grader to compare several scorers fairly.

    Returns
    -------
    pandas.DataFrame
        One row a term, columns :data:`REPLAY_COLUMNS`: the term's
        ``mentees`` and ``mentors``, the solve ``status``, ``actual_pairs``
        and ``new_pairs``, ``coverage`` of the new matching, ``overlap`` (share
        of the actual pairs made again), ``observed_mean`` of the outcome over
        the actual pairs that have it (``n_observed``), and the means the
        cross-fitted model predicts for the actual and for the new pairs
        (``predicted_actual``, ``predicted_new``; NaN when the other terms
        hold fewer than 30 surveyed pairs, with ``n_train`` saying how many),
        and ``skipped_rows``, the term's rows naming a mentee or mentor absent
        from the cohort (not replayed; a term with only such rows has no other
        figures).

    Raises
    ------
    InvalidInputError
        For an unknown outcome column.
    """
    pairs = past_pairs(cohort, history, outcome)
    grade = fitted_scorer(cohort, grader if grader is not None else scorer)
    x_all = components(grade, pairs.mentee_idx, pairs.mentor_idx)
    surveyed = ~np.isnan(pairs.y)
    problem = build_problem(cohort, scorer=scorer, rules=rules)
    m = cohort.n_mentors
    rows: list[dict[str, object]] = []
    for term in history.terms:
        here = pairs.term == term
        skipped = int((pairs.skipped_terms == term).sum())
        if not here.any():
            rows.append({"term": term, "skipped_rows": skipped})
            continue
        tee = np.unique(pairs.mentee_idx[here])
        tor = np.unique(pairs.mentor_idx[here])
        sub = MatchingProblem.from_scores(
            problem.scores[np.ix_(tee, tor)],
            allowed=problem.allowed[np.ix_(tee, tor)],
            mentor_capacity=problem.mentor_capacity[tor],
            mentee_demand=problem.mentee_demand[tee],
            mentee_ids=[problem.mentee_ids[i] for i in tee],
            mentor_ids=[problem.mentor_ids[j] for j in tor],
        )
        res = solve(sub, solver, objective=objective, time_limit=time_limit, seed=seed)
        new_tee = tee[res.pair_indices[:, 0]]
        new_tor = tor[res.pair_indices[:, 1]]
        actual = np.unique(
            _pair_keys(pairs.mentee_idx[here], pairs.mentor_idx[here], m)
        )
        overlap = (
            float(np.isin(actual, _pair_keys(new_tee, new_tor, m)).mean())
            if actual.size
            else float("nan")
        )
        train = surveyed & ~here
        observed = surveyed & here
        y_train = pairs.y[train]
        predicted_actual = predicted_new = float("nan")
        if int(train.sum()) >= MIN_PAIRS and np.ptp(y_train) > 0:
            model = outcome_model().fit(x_all[train], y_train)
            predicted_actual = float(model.predict(x_all[here]).mean())
            if new_tee.size:
                x_new = components(grade, new_tee, new_tor)
                predicted_new = float(model.predict(x_new).mean())
        rows.append(
            {
                "term": term,
                "mentees": int(tee.size),
                "mentors": int(tor.size),
                "status": str(res.status),
                "actual_pairs": int(actual.size),
                "new_pairs": int(new_tee.size),
                "coverage": float(res.metrics.coverage),
                "overlap": overlap,
                "observed_mean": (
                    float(pairs.y[observed].mean()) if observed.any() else float("nan")
                ),
                "n_observed": int(observed.sum()),
                "predicted_actual": predicted_actual,
                "predicted_new": predicted_new,
                "n_train": int(train.sum()),
                "skipped_rows": skipped,
            }
        )
    return pd.DataFrame(rows, columns=list(REPLAY_COLUMNS))
