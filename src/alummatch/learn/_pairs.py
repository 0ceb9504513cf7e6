"""Past pairs located in a cohort, with their criterion components."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.history import History
from alummatch.profiles import Cohort
from alummatch.scoring import Scorer, clone, default_scorer

__all__ = ["PastPairs", "check_outcome", "fitted_scorer", "past_pairs"]


@dataclass(frozen=True)
class PastPairs:
    """History rows whose two people are in the cohort.

    Attributes
    ----------
    mentee_idx, mentor_idx : ndarray of intp
        Cohort indices of each pair.
    term : ndarray of object
        Each pair's term.
    y : ndarray of float64
        The outcome (NaN when not surveyed).
    skipped : int
        Rows naming a mentee or mentor who is not in the cohort.
    skipped_terms : ndarray of object
        The term of each skipped row.
    """

    mentee_idx: NDArray[np.intp]
    mentor_idx: NDArray[np.intp]
    term: NDArray[np.object_]
    y: NDArray[np.float64]
    skipped: int
    skipped_terms: NDArray[np.object_]

    def take(self, keep: NDArray[np.bool_]) -> PastPairs:
        """The pairs where ``keep`` holds."""
        return PastPairs(
            self.mentee_idx[keep],
            self.mentor_idx[keep],
            self.term[keep],
            self.y[keep],
            self.skipped,
            self.skipped_terms,
        )


def check_outcome(history: History, outcome: str) -> None:
    """An :class:`InvalidInputError` naming the outcome columns, if unknown."""
    if not isinstance(history, History):
        raise TypeError(f"history must be an alummatch.History, got {history!r}")
    if outcome not in history.outcomes:
        have = list(history.outcomes) or "none"
        raise InvalidInputError(
            [
                InputProblem(
                    "outcome",
                    "",
                    f"unknown outcome column {outcome!r}; the history's outcome "
                    f"columns: {have}",
                )
            ]
        )


def past_pairs(cohort: Cohort, history: History, outcome: str) -> PastPairs:
    """Every history row located in ``cohort``, with its outcome."""
    check_outcome(history, outcome)
    f = history.to_frame()
    tee = pd.Index(cohort.mentee_ids).get_indexer(pd.Index(f["mentee_id"]))
    tor = pd.Index(cohort.mentor_ids).get_indexer(pd.Index(f["mentor_id"]))
    inside = (tee >= 0) & (tor >= 0)
    terms = f["term"].to_numpy(dtype=object)
    return PastPairs(
        np.asarray(tee[inside], dtype=np.intp),
        np.asarray(tor[inside], dtype=np.intp),
        terms[inside],
        f[outcome].to_numpy(dtype=np.float64)[inside],
        int((~inside).sum()),
        terms[~inside],
    )


def fitted_scorer(cohort: Cohort, scorer: Scorer | None) -> Scorer:
    """An unshared copy of ``scorer`` (default scorer if None), fitted."""
    base = clone(scorer) if scorer is not None else default_scorer()
    return base.fit(cohort)


def components(
    scorer: Scorer, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
) -> NDArray[np.float64]:
    """Criterion components of the pairs, ``(n_pairs, n_criteria)``.

    A component a criterion leaves undefined (NaN: it abstains for lack of
    data) is set to the criterion's mean over the pairs, i.e. neutral.
    """
    comps = scorer.pair_components(mentee_idx, mentor_idx)
    x = np.column_stack([np.asarray(comps[n], np.float64) for n in scorer.names_])
    x = x.reshape(len(mentee_idx), len(scorer.names_))
    missing = np.isnan(x)
    if missing.any():
        means = np.nanmean(np.where(missing.all(axis=0), 0.0, x), axis=0)
        x = np.where(missing, means[None, :], x)
    return x
