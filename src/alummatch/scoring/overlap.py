"""Overlap of multi-select answers: the share of the mentee's set the mentor has."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

import numpy as np
from numpy.typing import NDArray

from alummatch.scoring.base import IndexArray
from alummatch.scoring.tables import display_names, multi_hot, set_values

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = ["Overlap"]


def _listing(items: set[str] | frozenset[str], display: dict[str, str]) -> str:
    return ", ".join(sorted(display.get(x, x) for x in items))


class Overlap:
    """Share of a mentee's answers to a multi-select question found in the mentor's.

    For a sub-discipline question, a mentee who ticked *control* and *robotics*
    and a mentor who ticked *robotics* and *vision* score 0.5. Values are sets
    (a multi-select answer) or ``;``-separated text, compared case-blind. A pair
    where either side did not answer has no score (the criterion abstains).

    Parameters
    ----------
    attribute : str
        Mentee attribute (or field) holding the answers.
    mentor_attribute : str, optional
        Mentor attribute; the same name by default.
    name : str, optional
        Criterion name for weights and explanations; ``attribute`` by default.

    Examples
    --------
    >>> from alummatch import Cohort
    >>> c = Cohort(
    ...     mentors=[{"id": "a", "attributes": {"area": "robotics;vision"}}],
    ...     mentees=[{"id": "m", "attributes": {"area": "control;robotics"}}],
    ... )
    >>> Overlap("area").fit(c).score(np.array([0])).tolist()
    [[0.5]]
    """

    def __init__(
        self,
        attribute: str,
        *,
        mentor_attribute: str | None = None,
        name: str | None = None,
    ) -> None:
        self.attribute = attribute
        self.mentor_attribute = mentor_attribute
        self.name = name or attribute

    def fit(self, cohort: Cohort) -> Self:
        """Multi-hot matrices of both sides' answers."""
        raw_tee = cohort.attribute("mentees", self.attribute)
        raw_tor = cohort.attribute("mentors", self.mentor_attribute or self.attribute)
        tee = set_values(raw_tee, cohort.n_mentees)
        tor = set_values(raw_tor, cohort.n_mentors)
        self.display_ = {**display_names(raw_tor), **display_names(raw_tee)}
        vocab = sorted(set().union(*(s for s in [*tee, *tor] if s)))
        lookup = {v: k for k, v in enumerate(vocab)}
        self.sets_tee_, self.sets_tor_ = tee, tor
        self.tee_ = multi_hot(tee, lookup)
        self.tor_t_ = np.ascontiguousarray(multi_hot(tor, lookup).toarray().T)
        count = np.array([len(s) if s else 0 for s in tee], dtype=np.float32)
        self.inv_count_ = np.divide(
            1.0, count, out=np.zeros_like(count), where=count > 0
        )
        self.none_tee_ = count == 0
        self.abstain_tor_ = np.array(
            [k for k, s in enumerate(tor) if not s], dtype=np.intp
        )
        self.abstains_ = bool(self.none_tee_.any() or self.abstain_tor_.size)
        return self

    def score(self, mentee_idx: IndexArray) -> NDArray[np.float32]:
        """Scores of the given mentees against every mentor (NaN: no answer)."""
        idx = np.asarray(mentee_idx, dtype=np.intp)
        a = self.tee_[idx].toarray()
        a *= self.inv_count_[idx][:, None]
        out: NDArray[np.float32] = np.asarray(a @ self.tor_t_, dtype=np.float32)
        np.minimum(out, 1.0, out=out)
        out[self.none_tee_[idx]] = np.nan
        if self.abstain_tor_.size:
            out[:, self.abstain_tor_] = np.nan
        return out

    def explain(self, mentee: int, mentor: int) -> str:
        """The answers the two share and the mentee's answers the mentor lacks."""
        a = self.sets_tee_[mentee] or frozenset()
        b = self.sets_tor_[mentor] or frozenset()
        shared, missing = a & b, a - b
        what = self.name.replace("_", " ")
        d = self.display_
        if not shared:
            return (
                f"no {what} in common "
                f"(mentee: {_listing(a, d)}; mentor: {_listing(b, d)})"
            )
        text = f"mentor shares {len(shared)} of the mentee's {len(a)} {what} answers"
        text += f" ({_listing(shared, d)})"
        return text + (f"; not shared: {_listing(missing, d)}" if missing else "")

    def __repr__(self) -> str:
        return f"Overlap({self.attribute!r}, name={self.name!r})"
