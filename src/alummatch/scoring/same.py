"""Equal values of an attribute on both sides (degree, campus, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

import numpy as np
from numpy.typing import NDArray

from alummatch.scoring.tables import PairTable, TableScores

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = ["Same"]


def _key(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return value.strip().casefold() or None
    if isinstance(value, frozenset):
        return frozenset(str(v).strip().casefold() for v in value) or None
    return value


class Same(TableScores):
    """1 when mentee and mentor have the same value of an attribute, else 0.

    Text is compared case-blind. A pair where either value is missing has no
    score (the criterion abstains).

    Parameters
    ----------
    attribute : str
        Mentee attribute (or field).
    mentor_attribute : str, optional
        Mentor attribute; the same name by default.
    name : str, optional
        Criterion name for weights and explanations; ``attribute`` by default.

    Examples
    --------
    >>> from alummatch import Cohort
    >>> c = Cohort(
    ...     mentors=[{"id": "a", "attributes": {"campus": "North"}},
    ...              {"id": "b", "attributes": {"campus": "South"}}],
    ...     mentees=[{"id": "m", "attributes": {"campus": "north"}}],
    ... )
    >>> Same("campus").fit(c).score(np.array([0])).tolist()
    [[1.0, 0.0]]
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
        """Code both sides' values and build the equality table."""
        raw_tee = cohort.attribute("mentees", self.attribute)
        raw_tor = cohort.attribute("mentors", self.mentor_attribute or self.attribute)
        tee = [None] * cohort.n_mentees if raw_tee is None else list(raw_tee)
        tor = [None] * cohort.n_mentors if raw_tor is None else list(raw_tor)
        lookup: dict[Any, int] = {}

        def codes(values: list[Any]) -> NDArray[np.intp]:
            keys = [_key(v) for v in values]
            return np.array(
                [-1 if k is None else lookup.setdefault(k, len(lookup)) for k in keys],
                dtype=np.intp,
            )

        c_tee, c_tor = codes(tee), codes(tor)
        k = len(lookup)
        table = np.full((k + 1, k + 1), np.nan, dtype=np.float32)
        table[:k, :k] = np.eye(k, dtype=np.float32)
        self.values_tee_, self.values_tor_ = tee, tor
        self.table_ = PairTable.build(table, c_tee, c_tor)
        # only a missing value (code -1) abstains
        self.abstains_ = bool((c_tee < 0).any() or (c_tor < 0).any())
        return self

    def explain(self, mentee: int, mentor: int) -> str:
        """The two values."""
        a, b = self.values_tee_[mentee], self.values_tor_[mentor]
        what = self.name.replace("_", " ")
        if _key(a) == _key(b):
            return f"same {what}: both {_text(a)}"
        return f"different {what}: mentee {_text(a)}, mentor {_text(b)}"

    def __repr__(self) -> str:
        return f"Same({self.attribute!r}, name={self.name!r})"


def _text(value: Any) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(map(str, value)))
    return str(value)
