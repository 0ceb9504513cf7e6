"""Lookup tables of pair values gathered by category codes (no pair loop)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alummatch.scoring.base import IndexArray

__all__ = ["PairTable"]


@dataclass(frozen=True)
class PairTable:
    """Pair values gathered from a small table by category codes.

    The table is indexed ``[mentee_code, mentor_code]``; at construction it is
    expanded to one row per mentee category and one column per mentor, so a
    block of mentees is a single row gather (no pair loop, no 2-D fancy index).

    Attributes
    ----------
    table : ndarray, shape (k_mentee, k_mentor)
    mentee_codes : ndarray of intp, shape (n_mentees,)
    mentor_codes : ndarray of intp, shape (n_mentors,)
    by_mentor : ndarray, shape (k_mentee, n_mentors)
        ``table[:, mentor_codes]``.
    """

    table: NDArray[Any]
    mentee_codes: IndexArray
    mentor_codes: IndexArray
    by_mentor: NDArray[Any]

    @classmethod
    def build(
        cls, table: NDArray[Any], mentee_codes: IndexArray, mentor_codes: IndexArray
    ) -> PairTable:
        """Expand ``table`` against the mentors' codes."""
        t = np.ascontiguousarray(table)
        by = np.ascontiguousarray(t[:, mentor_codes])
        for a in (t, by):
            a.setflags(write=False)
        return cls(t, np.asarray(mentee_codes), np.asarray(mentor_codes), by)

    def rows(self, mentee_idx: IndexArray) -> NDArray[Any]:
        """Values of the given mentees against every mentor (a new array)."""
        return self.by_mentor[self.mentee_codes[mentee_idx]]

    def pairs(self, mentee_idx: IndexArray, mentor_idx: IndexArray) -> NDArray[Any]:
        """Values of the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        return self.table[self.mentee_codes[mentee_idx], self.mentor_codes[mentor_idx]]
