"""Criterion weights learned from the outcomes of past pairs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GroupKFold, KFold

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.history import History
from alummatch.learn._pairs import components, fitted_scorer, past_pairs
from alummatch.profiles import Cohort
from alummatch.scoring import Scorer
from alummatch.solvers.base import seeded_rng

__all__ = ["MIN_PAIRS", "WeightFit", "fit_weights", "outcome_model"]

MIN_PAIRS = 30
"""Fewest surveyed pairs :func:`fit_weights` accepts."""


def outcome_model() -> LinearRegression:
    """The model of an outcome from criterion components (see :func:`fit_weights`)."""
    return LinearRegression(fit_intercept=True, positive=True)


def _weights_of(model: LinearRegression) -> NDArray[np.float64]:
    coef = np.maximum(np.asarray(model.coef_, dtype=np.float64), 0.0)
    total = coef.sum()
    return coef / total if total > 0 else np.full(coef.size, np.nan)


@dataclass(frozen=True)
class WeightFit:
    """Criterion weights fitted on the outcomes of past pairs.

    Attributes
    ----------
    weights : dict of str to float
        Criterion -> weight, non-negative, summing to 1.
    intervals : dict of str to (float, float)
        Criterion -> bootstrap percentile interval of its weight at ``level``.
    level : float
        Coverage of the intervals, e.g. 0.95.
    score : float
        Cross-validated R^2 of the outcome model on held-out pairs (folds are
        whole terms when there are several; ``cv`` says which).
    cv : str
        How ``score`` was cross-validated, in words.
    n_pairs : int
        Surveyed pairs used.
    n_unsurveyed : int
        Pairs without the outcome (not used; never treated as failures).
    n_skipped : int
        History rows naming a mentee or mentor absent from the cohort.
    outcome : str
    coef : dict of str to float
        Outcome points per unit of each component (the unnormalised weights).
    intercept : float
        The outcome predicted for a pair whose components are all 0.
    """

    weights: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    level: float
    score: float
    cv: str
    n_pairs: int
    n_unsurveyed: int
    n_skipped: int
    outcome: str
    coef: dict[str, float]
    intercept: float
    base: Scorer = field(repr=False, compare=False)

    def scorer(self) -> Scorer:
        """The scorer with the learned weights (unfitted), for ``build_problem``.

        Its criteria are those of the scorer the weights were fitted with; a
        criterion that got weight 0 is kept (it still explains pairs).
        """
        return Scorer(
            list(self.base.criteria),
            dict(self.weights),
            priority_factor=self.base.priority_factor,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row a criterion: ``weight``, ``low``, ``high``, ``coef``."""
        names = list(self.weights)
        return pd.DataFrame(
            {
                "criterion": names,
                "weight": [self.weights[n] for n in names],
                "low": [self.intervals[n][0] for n in names],
                "high": [self.intervals[n][1] for n in names],
                "coef": [self.coef[n] for n in names],
            }
        )

    def plot(
        self,
        ax: Any = None,
        *,
        reference: Mapping[str, float] | None = None,
        reference_label: str = "reference",
    ) -> Any:
        """Horizontal bars of the weights with their intervals.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Drawn into; a new figure (no pyplot state) by default.
        reference : mapping of str to float, optional
            Other weights to mark beside each bar (e.g. the hand weights),
            normalised to sum 1.
        reference_label : str, default "reference"
            Its legend label.

        Returns
        -------
        matplotlib Axes
        """
        try:
            from matplotlib.figure import Figure
        except ImportError as exc:  # pragma: no cover - matplotlib is optional
            raise ImportError("WeightFit.plot needs matplotlib") from exc
        if ax is None:
            ax = Figure(figsize=(6, 1.2 + 0.5 * len(self.weights))).add_subplot()
        f = self.to_frame()
        y = np.arange(len(f))[::-1]
        err = np.vstack([f["weight"] - f["low"], f["high"] - f["weight"]])
        ax.barh(y, f["weight"], xerr=np.maximum(err, 0), color="#4c72b0", capsize=3)
        if reference is not None:
            ref = np.array([float(reference.get(n, 0.0)) for n in f["criterion"]])
            if ref.sum() > 0:
                ref = ref / ref.sum()
            ax.plot(ref, y, "k|", markersize=14, label=reference_label)
            ax.legend(loc="upper right", fontsize=8)
        ax.set_yticks(y, f["criterion"])
        ax.set_xlabel(f"weight ({self.level:.0%} bootstrap interval)")
        ax.set_title(
            f"weights learned from {self.outcome} ({self.n_pairs} pairs, "
            f"CV R\u00b2 {self.score:.2f})",
            fontsize=9,
        )
        return ax


def _cross_validate(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    terms: NDArray[np.object_],
    seed: int,
) -> tuple[float, str]:
    """Out-of-fold R^2: folds are whole terms when there are several."""
    codes, uniq = pd.factorize(pd.Series(terms), sort=False)
    if len(uniq) >= 2:
        k = min(5, len(uniq))
        splits = list(GroupKFold(n_splits=k).split(x, y, groups=codes))
        how = f"grouped by term ({k} folds over {len(uniq)} terms)"
    else:
        state = int(seed) % 2**32  # any integer seed, as solve() takes
        splits = list(KFold(n_splits=5, shuffle=True, random_state=state).split(x))
        how = "5-fold over pairs (one term)"
    pred = np.empty_like(y)
    for train, test in splits:
        pred[test] = outcome_model().fit(x[train], y[train]).predict(x[test])
    ss_res = float(((y - pred) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return 1.0 - ss_res / ss_tot, how


def fit_weights(
    cohort: Cohort,
    history: History,
    outcome: str,
    *,
    scorer: Scorer | None = None,
    seed: int = 0,
    n_bootstrap: int = 200,
    level: float = 0.95,
) -> WeightFit:
    """Fit criterion weights that best predict an outcome of past pairs.

    For each past pair with the outcome, the scorer's criterion components
    (built-in and extra criteria alike) are the features. The model is a
    linear regression with an intercept and non-negative coefficients
    (scikit-learn ``LinearRegression(positive=True)``, i.e. non-negative
    least squares). Why this model: a scorer is exactly a non-negative
    weighted sum of components, so the fitted coefficients normalised to sum
    1 are directly usable weights; the intercept absorbs where the rating
    scale starts (a 1-5 rating is not 0 for a score of 0); non-negativity
    keeps a criterion from counting against a pair, which a scorer cannot
    express and a noisy fit would otherwise do; and with several rating
    levels and noise of about half a point, least squares is robust where an
    ordinal model would add little but variance.

    Parameters
    ----------
    cohort : Cohort
        The people of the past terms (rows naming anyone else are skipped
        and counted in ``n_skipped``).
    history : History
        Past pairs with the outcome column.
    outcome : str
        The outcome column, e.g. ``"satisfaction"``. Pairs without it are
        not used (an unsurveyed pair is not a bad pair).
    scorer : Scorer, optional
        Whose criteria are weighted; the default scorer by default. It is
        not modified.
    seed : int
        Seed of the bootstrap and of the folds.
    n_bootstrap : int, default 200
        Bootstrap resamples of the pairs for ``intervals``.
    level : float, default 0.95
        Coverage of the intervals.

    Returns
    -------
    WeightFit

    Raises
    ------
    InvalidInputError
        For an unknown outcome column, fewer than 30 surveyed pairs, a
        constant outcome, or an outcome that no criterion predicts.

    Examples
    --------
    >>> from alummatch.datasets import synthetic_cohort, synthetic_history
    >>> cohort = synthetic_cohort(400, 200, seed=1)
    >>> truth = {"industry": 0.6, "availability": 0.4}
    >>> past = synthetic_history(cohort, truth, noise=0.3, response_rate=1, seed=1)
    >>> fit = fit_weights(cohort, past, "satisfaction")
    >>> max(fit.weights, key=fit.weights.get)
    'industry'
    """
    problems: list[InputProblem] = []
    if not (isinstance(n_bootstrap, int) and n_bootstrap >= 1):
        problems.append(
            InputProblem("n_bootstrap", "", f"must be an int >= 1, got {n_bootstrap!r}")
        )
    if not (isinstance(level, float | int) and 0 < level < 1):
        problems.append(InputProblem("level", "", f"must be in (0, 1), got {level!r}"))
    if problems:
        raise InvalidInputError(problems)
    pairs = past_pairs(cohort, history, outcome)
    surveyed = ~np.isnan(pairs.y)
    used = pairs.take(surveyed)
    n = int(surveyed.sum())
    if n < MIN_PAIRS:
        raise InvalidInputError(
            [
                InputProblem(
                    "history",
                    outcome,
                    f"too few pairs to fit weights: {n} surveyed pairs of people in "
                    f"the cohort have {outcome!r} (need at least {MIN_PAIRS}; "
                    f"{pairs.skipped} rows name people absent from the cohort)",
                )
            ]
        )
    y = used.y
    if np.ptp(y) == 0:
        raise InvalidInputError(
            [
                InputProblem(
                    "history",
                    outcome,
                    f"{outcome!r} is {y[0]:g} for every surveyed pair: a constant "
                    "outcome says nothing about what makes a pair work",
                )
            ]
        )
    base = fitted_scorer(cohort, scorer)
    names = base.names_
    x = components(base, used.mentee_idx, used.mentor_idx)
    model = outcome_model().fit(x, y)
    w = _weights_of(model)
    if not np.isfinite(w).all():
        raise InvalidInputError(
            [
                InputProblem(
                    "history",
                    outcome,
                    "no criterion predicts the outcome (every fitted coefficient "
                    "is 0): the weights cannot be learned from these pairs",
                )
            ]
        )
    rng = seeded_rng(seed)
    boot = np.empty((n_bootstrap, len(names)))
    for b in range(n_bootstrap):
        idx = rng.integers(0, n, size=n)
        boot[b] = _weights_of(outcome_model().fit(x[idx], y[idx]))
    boot = boot[np.isfinite(boot).all(axis=1)]
    alpha = (1.0 - float(level)) / 2
    low, high = (
        np.quantile(boot, [alpha, 1 - alpha], axis=0)
        if len(boot)
        else (np.full(len(names), np.nan),) * 2
    )
    score, how = _cross_validate(x, y, used.term, seed)
    return WeightFit(
        weights={k: float(v) for k, v in zip(names, w, strict=True)},
        intervals={
            k: (float(a), float(b)) for k, a, b in zip(names, low, high, strict=True)
        },
        level=float(level),
        score=float(score) if math.isfinite(score) else float("nan"),
        cv=how,
        n_pairs=n,
        n_unsurveyed=int((~surveyed).sum()),
        n_skipped=pairs.skipped,
        outcome=outcome,
        coef={k: float(v) for k, v in zip(names, model.coef_, strict=True)},
        intercept=float(model.intercept_),
        base=base,
    )
