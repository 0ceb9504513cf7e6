"""Learning from outcomes: weights fitted on past pairs, replays of past terms.

- :func:`fit_weights` fits criterion weights that best predict an outcome of
  past pairs (:class:`WeightFit`, with bootstrap intervals and a
  cross-validated score);
- :func:`replay` re-matches each past term with a scorer and grades the new
  pairs with an outcome model fitted on the other terms;
- :class:`PairModel` wraps a scikit-learn regressor over pair components as a
  criterion.
"""

from alummatch.learn.pair_model import PairModel
from alummatch.learn.replay import REPLAY_COLUMNS, replay
from alummatch.learn.weights import MIN_PAIRS, WeightFit, fit_weights

__all__ = [
    "MIN_PAIRS",
    "REPLAY_COLUMNS",
    "PairModel",
    "WeightFit",
    "fit_weights",
    "replay",
]
