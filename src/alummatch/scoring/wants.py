"""Stated wants: a person lists the values they want of the other side's attribute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

import numpy as np
from numpy.typing import NDArray

from alummatch.scoring.base import IndexArray
from alummatch.scoring.tables import display_names, multi_hot, set_values

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = ["Wants"]


class Wants:
    """How far each side gets what it asked for of the other side's attribute.

    A mentor whose ``wants_degree`` is ``"PhD"`` wants mentees whose
    ``degree`` is PhD; a mentee may state wants of mentors the same way.
    For a pair, each side that stated wants (and whose counterpart gave the
    attribute) scores 1 when the other's value is among the wanted ones, else
    0; the pair's score is the mean over those sides. Where nobody stated a
    want the criterion abstains, so it never penalises people who left the
    question blank. Values are sets or ``;``-separated text, compared
    case-blind; a multi-valued attribute matches when any value is wanted.

    Parameters
    ----------
    column : str
        Attribute holding the wanted values, on either side.
    of : str
        Attribute of the other side the wants refer to.
    name : str, optional
        Criterion name for weights and explanations; ``column`` by default.

    Examples
    --------
    >>> from alummatch import Cohort
    >>> c = Cohort(
    ...     mentors=[{"id": "a", "attributes": {"wants_degree": "PhD"}},
    ...              {"id": "b"}],
    ...     mentees=[{"id": "m", "attributes": {"degree": "MS"}},
    ...              {"id": "n", "attributes": {"degree": "PhD"}}],
    ... )
    >>> Wants("wants_degree", of="degree").fit(c).score(np.array([0, 1])).tolist()
    [[0.0, nan], [1.0, nan]]
    """

    def __init__(self, column: str, *, of: str, name: str | None = None) -> None:
        self.column = column
        self.of = of
        self.name = name or column

    def fit(self, cohort: Cohort) -> Self:
        """Multi-hot matrices of wants and values on both sides."""
        n, m = cohort.n_mentees, cohort.n_mentors
        raw = [
            cohort.attribute("mentees", self.column),
            cohort.attribute("mentors", self.column),
            cohort.attribute("mentees", self.of),
            cohort.attribute("mentors", self.of),
        ]
        w_tee, w_tor = set_values(raw[0], n), set_values(raw[1], m)
        v_tee, v_tor = set_values(raw[2], n), set_values(raw[3], m)
        self.display_: dict[str, str] = {}
        for values in raw:
            for k, v in display_names(values).items():
                self.display_.setdefault(k, v)
        items = [s for s in [*w_tee, *w_tor, *v_tee, *v_tor] if s]
        vocab = sorted(set().union(*items))
        lookup = {v: k for k, v in enumerate(vocab)}
        self.wants_tee_, self.wants_tor_ = w_tee, w_tor
        self.values_tee_, self.values_tor_ = v_tee, v_tor
        self.w_tee_ = multi_hot(w_tee, lookup)
        self.v_tee_ = multi_hot(v_tee, lookup)
        self.v_tor_t_ = np.ascontiguousarray(multi_hot(v_tor, lookup).toarray().T)
        self.w_tor_t_ = np.ascontiguousarray(multi_hot(w_tor, lookup).toarray().T)
        self.states_tee_ = np.array([bool(s) for s in w_tee])
        self.states_tor_ = np.array([bool(s) for s in w_tor], dtype=np.float32)
        self.has_tee_ = np.array([bool(s) for s in v_tee])
        self.has_tor_ = np.array([bool(s) for s in v_tor], dtype=np.float32)
        return self

    def score(self, mentee_idx: IndexArray) -> NDArray[np.float32]:
        """Scores of the given mentees against every mentor (NaN: nobody asked)."""
        idx = np.asarray(mentee_idx, dtype=np.intp)
        # mentee's wants against mentors' values
        tee_ok = (self.w_tee_[idx].toarray() @ self.v_tor_t_) > 0
        tee_on = self.states_tee_[idx][:, None] * self.has_tor_[None, :]
        # mentors' wants against the mentee's values
        tor_ok = (self.v_tee_[idx].toarray() @ self.w_tor_t_) > 0
        tor_on = self.has_tee_[idx][:, None] * self.states_tor_[None, :]
        num = tee_on * tee_ok + tor_on * tor_ok
        den = tee_on + tor_on
        out = np.full(num.shape, np.nan, dtype=np.float32)
        np.divide(num, den, out=out, where=den > 0)
        return out

    def explain(self, mentee: int, mentor: int) -> str:
        """Who asked for what, and whether they get it."""
        what = self.of.replace("_", " ")
        parts = []
        for who, wants, other, value in (
            ("mentee", self.wants_tee_[mentee], "mentor", self.values_tor_[mentor]),
            ("mentor", self.wants_tor_[mentor], "mentee", self.values_tee_[mentee]),
        ):
            if not wants or not value:
                continue
            got = "and" if wants & value else "but"
            wanted = " or ".join(sorted(self.display_.get(w, w) for w in wants))
            has = ", ".join(sorted(self.display_.get(v, v) for v in value))
            parts.append(
                f"{who} wants a {other} with {what} {wanted}, "
                f"{got} the {other}'s is {has}"
            )
        return "; ".join(parts) if parts else f"no stated wants on {what}"

    def __repr__(self) -> str:
        return f"Wants({self.column!r}, of={self.of!r}, name={self.name!r})"
