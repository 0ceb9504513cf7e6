"""A learned criterion: a scikit-learn regressor over a pair's criterion components."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import NDArray
from sklearn.base import clone as sk_clone
from sklearn.ensemble import HistGradientBoostingRegressor

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.history import History
from alummatch.learn._pairs import components, fitted_scorer, past_pairs
from alummatch.learn.weights import MIN_PAIRS
from alummatch.profiles import Cohort
from alummatch.scoring import Scorer

__all__ = ["PairModel"]

_BLOCK_PAIRS = 1 << 18


class PairModel:
    """A criterion learned from past outcomes by any scikit-learn regressor.

    The features of a pair are the criterion components of ``features`` (the
    default scorer's by default); the regressor is trained on the surveyed
    pairs of ``history`` in the ``past`` cohort and predicts the outcome of
    any pair of the cohort it is fitted on, rescaled to [0, 1] over the
    range of the outcomes seen. It can then be weighed with the built-in
    criteria, e.g. ``default_scorer({...}, extra=[PairModel(...)])``.

    Where the regressor supports monotone constraints (scikit-learn's
    ``monotonic_cst``, e.g. ``HistGradientBoostingRegressor``), every
    feature is constrained to be non-decreasing when ``monotone`` is true: a
    better fit on a criterion never lowers the prediction.

    Parameters
    ----------
    estimator : scikit-learn regressor, optional
        ``HistGradientBoostingRegressor(max_iter=100, random_state=0)`` by
        default; it is cloned, never fitted in place.
    past : Cohort
        The people of the history.
    history : History
    outcome : str
        The outcome column to learn.
    features : Scorer, optional
        Whose components are the features; the default scorer by default.
    name : str, default "learned"
    monotone : bool, default True

    Attributes
    ----------
    estimator_ : fitted regressor
    feature_names_ : tuple of str
    n_pairs_ : int
        Surveyed pairs trained on.
    low_, high_ : float
        Outcome range mapped to scores 0 and 1.
    baseline_ : ndarray
        Mean features of the training pairs (the reference of contributions).

    Examples
    --------
    >>> from alummatch.datasets import synthetic_cohort, synthetic_history
    >>> from alummatch.scoring import default_scorer
    >>> past = synthetic_cohort(300, 150, seed=1)
    >>> history = synthetic_history(past, {"goals": 1.0}, seed=1)
    >>> model = PairModel(past=past, history=history, outcome="satisfaction")
    >>> scorer = default_scorer({"goals": 0.0}, extra=[model])
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        past: Cohort | None = None,
        history: History | None = None,
        outcome: str = "satisfaction",
        features: Scorer | None = None,
        name: str = "learned",
        monotone: bool = True,
    ) -> None:
        self.estimator = estimator
        self.past = past
        self.history = history
        self.outcome = outcome
        self.features = features
        self.name = name
        self.monotone = monotone

    # --------------------------------------------------------------- fitting
    def _train(self) -> None:
        if not isinstance(self.past, Cohort) or not isinstance(self.history, History):
            raise InvalidInputError(
                [
                    InputProblem(
                        "PairModel",
                        "past, history",
                        "needs the past cohort and its history to learn from",
                    )
                ]
            )
        pairs = past_pairs(self.past, self.history, self.outcome)
        keep = ~np.isnan(pairs.y)
        if int(keep.sum()) < MIN_PAIRS or np.ptp(pairs.y[keep]) == 0:
            raise InvalidInputError(
                [
                    InputProblem(
                        "PairModel",
                        self.outcome,
                        f"needs at least {MIN_PAIRS} surveyed pairs with varying "
                        f"outcomes; the history has {int(keep.sum())}",
                    )
                ]
            )
        train = fitted_scorer(self.past, self.features)
        x = components(train, pairs.mentee_idx[keep], pairs.mentor_idx[keep])
        y = pairs.y[keep]
        est = (
            sk_clone(self.estimator)
            if self.estimator is not None
            else HistGradientBoostingRegressor(max_iter=100, random_state=0)
        )
        if self.monotone and "monotonic_cst" in est.get_params():
            est.set_params(monotonic_cst=[1] * x.shape[1])
        self.estimator_ = est.fit(x, y)
        self.feature_names_ = train.names_
        self.n_pairs_ = int(y.size)
        self.low_, self.high_ = float(y.min()), float(y.max())
        self.baseline_ = x.mean(axis=0)

    def fit(self, cohort: Cohort) -> Self:
        """Train on the past outcomes, then fit the features on ``cohort``."""
        self._train()
        self.scorer_ = fitted_scorer(cohort, self.features)
        self.n_mentors_ = cohort.n_mentors
        return self

    # --------------------------------------------------------------- scoring
    def _predict(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.estimator_.predict(x), dtype=np.float64)

    def _scale(self, pred: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = np.clip(
            (pred - self.low_) / (self.high_ - self.low_), 0.0, 1.0
        )
        return out

    def score_pairs(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """Scores of the pairs ``(mentee_idx[k], mentor_idx[k])`` in [0, 1]."""
        i = np.asarray(mentee_idx, dtype=np.intp)
        j = np.asarray(mentor_idx, dtype=np.intp)
        out = np.empty(i.size, dtype=np.float64)
        for start in range(0, i.size, _BLOCK_PAIRS):
            sl = slice(start, start + _BLOCK_PAIRS)
            x = components(self.scorer_, i[sl], j[sl])
            out[sl] = self._scale(self._predict(x))
        return out

    def score(self, mentee_idx: NDArray[np.intp]) -> NDArray[np.float32]:
        """Scores of the given mentees against every mentor, in [0, 1]."""
        rows = np.asarray(mentee_idx, dtype=np.intp)
        m = self.n_mentors_
        i = np.repeat(rows, m)
        j = np.tile(np.arange(m, dtype=np.intp), rows.size)
        return self.score_pairs(i, j).reshape(rows.size, m).astype(np.float32)

    def contributions(self, mentee: int, mentor: int) -> dict[str, float]:
        """Each feature's contribution to the pair's predicted outcome.

        The drop in the prediction when that feature alone is set to its
        mean over the training pairs (for a linear model: coefficient times
        the distance from the mean).
        """
        x = components(
            self.scorer_,
            np.array([mentee], dtype=np.intp),
            np.array([mentor], dtype=np.intp),
        )
        probes = np.repeat(x, len(self.feature_names_) + 1, axis=0)
        for k in range(len(self.feature_names_)):
            probes[k + 1, k] = self.baseline_[k]
        pred = self._predict(probes)
        return {
            n: float(pred[0] - pred[k + 1]) for k, n in enumerate(self.feature_names_)
        }

    def explain(self, mentee: int, mentor: int) -> str:
        """The predicted outcome and the features that moved it most."""
        x = components(
            self.scorer_,
            np.array([mentee], dtype=np.intp),
            np.array([mentor], dtype=np.intp),
        )
        pred = float(self._predict(x)[0])
        parts = sorted(
            self.contributions(mentee, mentor).items(), key=lambda kv: -abs(kv[1])
        )
        said = ", ".join(f"{n} {v:+.2f}" for n, v in parts)
        return f"predicted {self.outcome} {pred:.2f} ({said} against the average pair)"

    def __repr__(self) -> str:
        est = type(self.estimator).__name__ if self.estimator is not None else "default"
        return f"PairModel({est}, outcome={self.outcome!r}, name={self.name!r})"
