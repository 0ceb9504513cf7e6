"""Industry criterion: distance in the two-level taxonomy (sector > industry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

import numpy as np

from alummatch.profiles.taxonomy import Taxonomy, default_taxonomy
from alummatch.scoring.tables import PairTable, TableScores

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = ["IndustryCriterion"]


class IndustryCriterion(TableScores):
    """Same industry scores 1, same sector ``sector_credit``, otherwise 0.

    A pair where either industry is not given has no score (NaN: the
    criterion abstains).

    The mentee's industry is the one they aim for, the mentor's the one they
    work in.

    Parameters
    ----------
    sector_credit : float in [0, 1]
        Partial credit for different industries of the same sector.
    taxonomy : Taxonomy, optional
        Sector of each industry; the bundled one by default.

    Examples
    --------
    >>> IndustryCriterion(sector_credit=0.3).sector_credit
    0.3
    """

    name: str = "industry"

    def __init__(
        self, *, sector_credit: float = 0.5, taxonomy: Taxonomy | None = None
    ) -> None:
        self.sector_credit = sector_credit
        self.taxonomy = taxonomy

    def fit(self, cohort: Cohort) -> Self:
        """Code industries and sectors and build the lookup table."""
        if not 0.0 <= float(self.sector_credit) <= 1.0:
            raise ValueError(
                f"sector_credit must be in [0, 1], got {self.sector_credit!r}"
            )
        tax = self.taxonomy or default_taxonomy()
        tee, tor, cats = cohort.codes("industry")
        sectors = np.array([tax.sector_of.get(c, f"?{c}") for c in cats], dtype=object)
        same_sector = sectors[:, None] == sectors[None, :]
        k = len(cats)
        # code -1 (industry not given) indexes the last row / column: abstain
        table = np.full((k + 1, k + 1), np.nan, dtype=np.float32)
        table[:k, :k] = np.where(same_sector, np.float32(self.sector_credit), 0)
        table[np.arange(k), np.arange(k)] = 1.0
        self.taxonomy_ = tax
        self.categories_ = cats
        self.table_ = PairTable.build(table.astype(np.float32), tee, tor)
        # only a missing industry (code -1) abstains
        self.abstains_ = bool((tee < 0).any() or (tor < 0).any())
        return self

    def explain(self, mentee: int, mentor: int) -> str:
        """The two industries and their sectors."""
        tax = self.taxonomy_
        a = self.categories_[self.table_.mentee_codes[mentee]]
        b = self.categories_[self.table_.mentor_codes[mentor]]
        sa, sb = tax.sector_of.get(a, "?"), tax.sector_of.get(b, "?")
        if a == b:
            return f"same industry: both {tax.label(a)} ({tax.label(sa)} sector)"
        if sa == sb:
            return (
                f"same sector ({tax.label(sa)}): mentee aims for {tax.label(a)}, "
                f"mentor works in {tax.label(b)}"
            )
        return (
            f"different sectors: mentee aims for {tax.label(a)} ({tax.label(sa)}), "
            f"mentor works in {tax.label(b)} ({tax.label(sb)})"
        )

    def __repr__(self) -> str:
        return f"IndustryCriterion(sector_credit={self.sector_credit!r})"
