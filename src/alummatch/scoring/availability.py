"""Availability criterion: weekly overlap in UTC against what the pair needs.

Each person's windows become a UTC mask of half-hour slots
(:meth:`alummatch.profiles.Cohort.availability_mask`). The overlap of a pair
is the number of shared slots times half an hour. Identical masks are common
(people tick the same boxes), so the overlap is computed once per distinct
mentee pattern and distinct mentor pattern, a matrix product of the deduped
masks, and gathered for each pair.

A pair needs ``needed_hours[f]`` hours of weekly overlap for the more frequent
of the two meeting frequencies ``f``; the score is
``min(overlap / needed, 1)``. The default needs are one 1-hour meeting plus
room to reschedule, less room the rarer the meetings: weekly 2 h, biweekly
1.5 h, monthly 1 h, ad-hoc 0.5 h.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from alummatch.profiles import FREQUENCIES
from alummatch.profiles.availability import DAYS, SLOT_HOURS, SLOTS_PER_DAY
from alummatch.scoring.base import IndexArray
from alummatch.scoring.tables import fresh_array, one_hot

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = ["DEFAULT_NEEDED_HOURS", "AvailabilityCriterion", "OverlapIndex"]

DEFAULT_NEEDED_HOURS: Mapping[str, float] = {
    "weekly": 2.0,
    "biweekly": 1.5,
    "monthly": 1.0,
    "ad-hoc": 0.5,
}
"""Weekly overlap (hours) a pair needs, by meeting frequency."""

_TABLE_BYTES = 128 * 2**20


def _dedupe(mask: NDArray[np.bool_]) -> tuple[NDArray[np.bool_], NDArray[np.intp]]:
    """Distinct rows of a bool mask and each row's index among them."""
    packed = np.ascontiguousarray(np.packbits(mask, axis=1))
    view = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(view, return_index=True, return_inverse=True)
    return mask[first], inverse.astype(np.intp).ravel()


class OverlapIndex:
    """Weekly overlap hours of mentee x mentor pairs, from deduped UTC masks.

    Parameters
    ----------
    cohort : Cohort
    """

    def __init__(self, cohort: Cohort) -> None:
        self.mask_tee = cohort.availability_mask("mentees")
        self.mask_tor = cohort.availability_mask("mentors")
        self.patterns_tee, self.pattern_of_tee = _dedupe(self.mask_tee)
        patterns_tor, self.pattern_of_tor = _dedupe(self.mask_tor)
        self.patterns_tor_t = np.ascontiguousarray(patterns_tor.T, dtype=np.float32)
        self.n_mentors = cohort.n_mentors

    def pattern_hours(self, patterns: IndexArray) -> NDArray[np.float32]:
        """Overlap hours of distinct mentee patterns against distinct mentor ones."""
        p = self.patterns_tee[patterns].astype(np.float32) @ self.patterns_tor_t
        p *= np.float32(SLOT_HOURS)
        return p

    def pattern_rows(self, patterns: IndexArray) -> NDArray[np.float32]:
        """Overlap hours of distinct mentee patterns against every mentor."""
        p = self.pattern_hours(patterns)
        # take along columns: several times faster than a fancy column index
        out: NDArray[np.float32] = np.take(p, self.pattern_of_tor, axis=1)
        return out

    def rows(self, mentee_idx: IndexArray) -> NDArray[np.float32]:
        """Overlap hours of the given mentees against every mentor."""
        uniq, inv = np.unique(self.pattern_of_tee[mentee_idx], return_inverse=True)
        return self.pattern_rows(uniq)[inv.ravel()]

    def pairs(
        self, mentee_idx: IndexArray, mentor_idx: IndexArray
    ) -> NDArray[np.float64]:
        """Overlap hours of the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        both = self.mask_tee[mentee_idx] & self.mask_tor[mentor_idx]
        out: NDArray[np.float64] = both.sum(axis=1) * SLOT_HOURS
        return out


def _slot_text(start: int, end: int) -> str:
    d, s = divmod(start, SLOTS_PER_DAY)
    e = end - d * SLOTS_PER_DAY
    return f"{DAYS[d]} {s // 2:02d}:{30 * (s % 2):02d}-{e // 2:02d}:{30 * (e % 2):02d}"


def overlap_windows(mask: NDArray[np.bool_], limit: int = 2) -> list[str]:
    """The first ``limit`` runs of a UTC slot mask as text (split at midnight)."""
    day_break = np.zeros(mask.size + 1, dtype=np.bool_)
    day_break[::SLOTS_PER_DAY] = True
    m = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.diff(m)
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    out: list[str] = []
    for s, e in zip(starts, ends, strict=True):
        cuts = [int(c) for c in np.nonzero(day_break[s + 1 : e])[0] + s + 1]
        for a, b in zip([int(s), *cuts], [*cuts, int(e)], strict=True):
            out.append(_slot_text(a, b))
            if len(out) == limit:
                return out
    return out


class AvailabilityCriterion:
    """Weekly UTC overlap hours over the hours the pair's frequency needs.

    Parameters
    ----------
    needed_hours : mapping of str to float, optional
        Hours of weekly overlap needed by meeting frequency (all four
        frequencies, each > 0); :data:`DEFAULT_NEEDED_HOURS` by default.

    Examples
    --------
    >>> AvailabilityCriterion(needed_hours={"weekly": 1, "biweekly": 1,
    ...     "monthly": 1, "ad-hoc": 1}).name
    'availability'
    """

    name: str = "availability"

    def __init__(self, *, needed_hours: Mapping[str, float] | None = None) -> None:
        self.needed_hours = needed_hours

    def fit(self, cohort: Cohort) -> Self:
        """Dedupe masks and precompute overlap rows per distinct mentee pattern."""
        need = dict(DEFAULT_NEEDED_HOURS)
        if self.needed_hours is not None:
            unknown = set(self.needed_hours) - set(FREQUENCIES)
            if unknown:
                raise ValueError(f"needed_hours: unknown frequencies {sorted(unknown)}")
            need.update({k: float(v) for k, v in self.needed_hours.items()})
        if any(not np.isfinite(v) or v <= 0 for v in need.values()):
            raise ValueError("needed_hours must all be positive")
        hours = np.array([need[f] for f in FREQUENCIES], dtype=np.float64)
        lookup = {f: k for k, f in enumerate(FREQUENCIES)}
        f_tee = np.array(
            [lookup[v] for v in cohort.values("mentees", "meeting_frequency")],
            dtype=np.intp,
        )
        f_tor = np.array(
            [lookup[v] for v in cohort.values("mentors", "meeting_frequency")],
            dtype=np.intp,
        )
        self.needed_ = need
        self.index_ = OverlapIndex(cohort)
        self.freq_tee_, self.freq_tor_ = f_tee, f_tor
        # need of each pair: the more frequent side's, as an inverse table
        pair_need = np.maximum(hours[:, None], hours[None, :])
        self.inv_need_ = (1.0 / pair_need).astype(np.float32)
        self.inv_need_tor_ = np.ascontiguousarray(self.inv_need_[:, f_tor])
        # one precomputed row per distinct (availability pattern, frequency)
        key = self.index_.pattern_of_tee * len(FREQUENCIES) + f_tee
        ukeys, self.key_of_tee_ = np.unique(key, return_inverse=True)
        self.key_of_tee_ = self.key_of_tee_.ravel()
        self.table_: NDArray[np.float32] | None = None
        # no availability given (or no time zone to place it): abstain
        self.none_tee_: NDArray[np.bool_] = (
            np.count_nonzero(self.index_.mask_tee, axis=1) == 0
        )
        self.none_tor_: NDArray[np.bool_] = (
            np.count_nonzero(self.index_.mask_tor, axis=1) == 0
        )
        self.abstain_tor_ = np.nonzero(self.none_tor_)[0]
        self.abstains_ = bool(self.none_tee_.any() or self.none_tor_.any())
        if ukeys.size * cohort.n_mentors * 4 <= _TABLE_BYTES:
            pats, freqs = np.divmod(ukeys, len(FREQUENCIES))
            upats, pat_row = np.unique(pats, return_inverse=True)
            overlap = self.index_.pattern_hours(upats.astype(np.intp))
            cols = self.index_.pattern_of_tor
            table = fresh_array((ukeys.size, cohort.n_mentors), np.float32)
            # by chunks of rows, each expanded, scaled and capped while in cache
            for s in range(0, table.shape[0], 64):
                chunk = table[s : s + 64]
                rows = overlap[pat_row.ravel()[s : s + 64]]
                np.take(rows, cols, axis=1, out=chunk, mode="clip")
                chunk *= self.inv_need_tor_[freqs[s : s + 64]]
                np.minimum(chunk, 1.0, out=chunk)
            table[~self.index_.patterns_tee[pats].any(axis=1)] = np.nan
            table[:, self.abstain_tor_] = np.nan
            table.setflags(write=False)
            self.table_ = table
        return self

    def overlap_hours(self, mentee_idx: IndexArray) -> NDArray[np.float32]:
        """Weekly UTC overlap hours of the given mentees with every mentor."""
        return self.index_.rows(np.asarray(mentee_idx, dtype=np.intp))

    def score(self, mentee_idx: IndexArray) -> NDArray[np.float32]:
        """Scores of the given mentees against every mentor."""
        idx = np.asarray(mentee_idx, dtype=np.intp)
        if self.table_ is not None:
            out: NDArray[np.float32] = self.table_[self.key_of_tee_[idx]]
            return out
        out = self.index_.rows(idx)
        out *= self.inv_need_tor_[self.freq_tee_[idx]]
        np.minimum(out, 1.0, out=out)
        out[self.none_tee_[idx]] = np.nan
        if self.abstain_tor_.size:
            out[:, self.abstain_tor_] = np.nan
        return out

    def factors(self) -> tuple[sp.csr_array, NDArray[np.float32]] | None:
        """One-hot (pattern, frequency) rows and their precomputed table.

        ``None`` when the table was too large to keep.
        """
        if self.table_ is None:
            return None
        return one_hot(self.key_of_tee_, self.table_.shape[0]), self.table_

    def score_pairs(
        self, mentee_idx: IndexArray, mentor_idx: IndexArray
    ) -> NDArray[np.float64]:
        """Scores of the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        i = np.asarray(mentee_idx, dtype=np.intp)
        j = np.asarray(mentor_idx, dtype=np.intp)
        hours = self.index_.pairs(i, j)
        inv = self.inv_need_[self.freq_tee_[i], self.freq_tor_[j]].astype(np.float64)
        out = np.minimum(hours * inv, 1.0)
        out[self.none_tee_[i] | self.none_tor_[j]] = np.nan
        return out

    def explain(self, mentee: int, mentor: int) -> str:
        """Overlap hours, the first shared windows and what the pair needs."""
        i = np.array([mentee], dtype=np.intp)
        j = np.array([mentor], dtype=np.intp)
        hours = float(self.index_.pairs(i, j)[0])
        need = 1.0 / float(
            self.inv_need_[self.freq_tee_[mentee], self.freq_tor_[mentor]]
        )
        f_a = FREQUENCIES[self.freq_tee_[mentee]]
        f_b = FREQUENCIES[self.freq_tor_[mentor]]
        freq = f_a if f_a == f_b else f"{f_a} / {f_b}"
        text = f"{hours:g} h/week of shared availability"
        if hours > 0:
            both = self.index_.mask_tee[mentee] & self.index_.mask_tor[mentor]
            text += f" (e.g. {', '.join(overlap_windows(both))} UTC)"
        return text + f"; meeting {freq} needs {need:g} h"

    def __repr__(self) -> str:
        return f"AvailabilityCriterion(needed_hours={self.needed_hours!r})"
