"""``FromHistory``: continuing pairs keep their seats, past pairs do not repeat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alummatch.constraints.base import listed_pairs
from alummatch.errors import InputProblem
from alummatch.history import History
from alummatch.problem import MatchingProblem, PairTest

__all__ = ["REPEAT", "FromHistory"]

REPEAT: Final[dict[str, tuple[str, ...]]] = {
    "never": ("completed", "ended", "declined"),
    "completed": ("ended", "declined"),
}
"""``repeat`` option -> statuses whose pairs are never paired again."""


@dataclass(frozen=True)
class _Located:
    """History rows located in a problem (``-1`` = not in the problem)."""

    tee: NDArray[np.intp]
    tor: NDArray[np.intp]
    status: NDArray[np.object_]
    current: NDArray[np.bool_]

    @property
    def inside(self) -> NDArray[np.bool_]:
        return (self.tee >= 0) & (self.tor >= 0)


@dataclass(frozen=True)
class FromHistory:
    """Continue the active pairs of a history and never repeat the past ones.

    Both a :class:`~alummatch.constraints.base.Pinning` and a
    :class:`~alummatch.constraints.base.PairwiseFilter` (a dense mask, or a
    test of given pairs on candidate problems), so every solver honours it:

    - a pair whose current status (its row in the latest term it appears in)
      is ``active`` is pinned when both people are in the problem: it holds
      its seat (a mentor with capacity 3 and 2 active pairs has 1 seat left);
    - a pair with a ``completed``, ``ended`` or ``declined`` row is removed
      (never paired again), unless it is active now; ``repeat="completed"``
      allows completed pairs again;
    - rows naming a mentee or mentor who is not in the problem are ignored,
      and counted in ``result.info`` (``history_rows_ignored``).

    Parameters
    ----------
    history : History
    repeat : {"never", "completed"}, default "never"
        Which past pairs may be made again: none, or those that completed.

    Examples
    --------
    >>> import pandas as pd
    >>> from alummatch import History, MatchingProblem
    >>> h = History.from_frame(
    ...     pd.DataFrame(
    ...         {
    ...             "mentee_id": ["m-0", "m-1", "gone"],
    ...             "mentor_id": ["a-0", "a-1", "a-0"],
    ...             "term": ["2025-fall"] * 3,
    ...             "status": ["active", "ended", "completed"],
    ...         }
    ...     )
    ... )
    >>> p = MatchingProblem.from_scores([[0.9, 0.2], [0.8, 0.1]])
    >>> c = FromHistory(h)
    >>> c.pinned(p).tolist(), c.removed(p).tolist()
    ([[0, 0]], [[False, False], [False, True]])
    >>> c.info(p)["history_rows_ignored"]
    1
    """

    history: History
    repeat: str = "never"

    @property
    def name(self) -> str:
        """``"FromHistory"``, the label used in reasons and diagnoses."""
        return "FromHistory"

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """A history that is not a :class:`History` or an unknown ``repeat``."""
        out: list[InputProblem] = []
        if not isinstance(self.history, History):
            out.append(
                InputProblem(
                    "FromHistory",
                    "history",
                    "expected an alummatch.History (History.from_csv or "
                    f"History.from_frame), got {type(self.history).__name__}",
                )
            )
        if self.repeat not in REPEAT:
            out.append(
                InputProblem(
                    "FromHistory",
                    "repeat",
                    f"unknown option {self.repeat!r}; choose one of {list(REPEAT)}",
                )
            )
        return out

    def _locate(self, problem: MatchingProblem) -> _Located:
        frame = self.history.to_frame()
        tee = pd.Index(problem.mentee_ids).get_indexer(pd.Index(frame["mentee_id"]))
        tor = pd.Index(problem.mentor_ids).get_indexer(pd.Index(frame["mentor_id"]))
        order = self.history.term_order()
        # a row is current when no later term holds the same pair
        last = (
            pd.DataFrame({"a": frame["mentee_id"], "b": frame["mentor_id"], "o": order})
            .groupby(["a", "b"], sort=False)["o"]
            .transform("max")
            .to_numpy()
        )
        return _Located(
            tee=np.asarray(tee, dtype=np.intp),
            tor=np.asarray(tor, dtype=np.intp),
            status=frame["status"].to_numpy(dtype=object),
            current=np.asarray(order == last, dtype=np.bool_),
        )

    def pinned(self, problem: MatchingProblem) -> NDArray[np.intp]:
        """Active pairs with both people in the problem, ``(k, 2)``, sorted."""
        loc = self._locate(problem)
        keep = loc.inside & loc.current & (loc.status == "active")
        pairs = np.stack([loc.tee[keep], loc.tor[keep]], axis=1)
        return np.unique(pairs.reshape(-1, 2), axis=0).astype(np.intp)

    def _blocked(self, problem: MatchingProblem) -> NDArray[np.intp]:
        """Past pairs that must not be made again, ``(k, 2)``, sorted, unique."""
        loc = self._locate(problem)
        blocked = REPEAT.get(self.repeat, REPEAT["never"])
        m = problem.n_mentors
        hit = loc.inside & np.isin(loc.status, blocked)
        keys = np.unique(loc.tee[hit].astype(np.int64) * m + loc.tor[hit])
        act = loc.inside & loc.current & (loc.status == "active")
        keys = np.setdiff1d(keys, loc.tee[act].astype(np.int64) * m + loc.tor[act])
        return np.stack([keys // m, keys % m], axis=1).astype(np.intp)

    def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
        """Past pairs that must not be made again, ``(n_mentees, n_mentors)``."""
        idx = self._blocked(problem)
        mask = np.zeros(problem.shape, dtype=np.bool_)
        mask[idx[:, 0], idx[:, 1]] = True
        return mask

    def removal_test(self, problem: MatchingProblem) -> PairTest:
        """Past pairs that must not be made again, found by sorted keys."""
        return listed_pairs(self._blocked(problem), problem.n_mentors)

    def info(self, problem: MatchingProblem) -> dict[str, int | float]:
        """Counts for ``result.info``: rows used and ignored, pairs pinned, removed.

        ``history_rows_ignored`` counts rows naming a mentee or a mentor who is
        not in the problem (people who left, or are not in this intake).
        """
        loc = self._locate(problem)
        inside = loc.inside
        return {
            "history_rows": int(inside.size),
            "history_rows_ignored": int((~inside).sum()),
            "history_pinned": int(self.pinned(problem).shape[0]),
            "history_removed": int(self._blocked(problem).shape[0]),
        }

    def __str__(self) -> str:
        return f"FromHistory({len(self.history)} rows, repeat={self.repeat!r})"
