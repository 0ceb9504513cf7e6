"""Expectations criterion: meeting frequency, commitment and format alignment.

Three categorical parts, each a small lookup table gathered by category code
(no pair loops):

- frequency: ``1 - |rank difference| / 3`` over weekly, biweekly, monthly,
  ad-hoc (weekly vs ad-hoc scores 0);
- commitment: ``1 - |rank difference| / 2`` over flash, short-term, long-term;
- format: 1 when the two formats are compatible, else 0. ``virtual`` and
  ``either`` are compatible with each other; ``in-person`` needs the other side
  to be ``in-person`` or ``either`` *and* both to share a known location
  (compared case-insensitively).

The score is the weighted mean of the three parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from alummatch.profiles import COMMITMENTS, FORMATS, FREQUENCIES
from alummatch.scoring.base import IndexArray
from alummatch.scoring.tables import PairTable

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = [
    "FORMAT_OK_DIFFERENT_LOCATION",
    "FORMAT_OK_SAME_LOCATION",
    "ExpectationsCriterion",
    "location_codes",
]

# rows / columns in FORMATS order: virtual, in-person, either
FORMAT_OK_SAME_LOCATION = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 1]], dtype=np.bool_)
"""Format compatibility when both share a known location."""
FORMAT_OK_DIFFERENT_LOCATION = np.array(
    [[1, 0, 1], [0, 0, 0], [1, 0, 1]], dtype=np.bool_
)
"""Format compatibility otherwise (in-person is impossible)."""

_PARTS = ("frequency", "commitment", "format")


def _casefold(value: str) -> str:
    return " ".join(value.split()).casefold()


def location_codes(cohort: Cohort) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Location codes of mentees and mentors; missing locations never match.

    Missing is ``-1`` for mentees and ``-2`` for mentors, so that comparing
    codes for equality tells whether a pair shares a known location.
    """
    tee, tor, _ = cohort.codes("location", normalise=_casefold)
    return tee, np.where(tor < 0, -2, tor).astype(np.intp)


def _codes(
    cohort: Cohort, field: str, allowed: tuple[str, ...]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    lookup = {v: k for k, v in enumerate(allowed)}
    tee = np.array([lookup[v] for v in cohort.values("mentees", field)], dtype=np.intp)
    tor = np.array([lookup[v] for v in cohort.values("mentors", field)], dtype=np.intp)
    return tee, tor


class ExpectationsCriterion:
    """Alignment of meeting frequency, commitment and format.

    Parameters
    ----------
    weights : mapping of str to float, optional
        Weights of ``"frequency"``, ``"commitment"`` and ``"format"`` (equal by
        default); normalised to sum to 1. A part of weight 0 is left out of the
        score and of the explanation.

    Examples
    --------
    >>> ExpectationsCriterion(weights={"format": 2}).name
    'expectations'
    """

    name: str = "expectations"

    def __init__(self, *, weights: Mapping[str, float] | None = None) -> None:
        self.weights = weights

    def fit(self, cohort: Cohort) -> Self:
        """Code the three fields and build the lookup tables."""
        w = {p: 1.0 for p in _PARTS}
        if self.weights is not None:
            unknown = set(self.weights) - set(_PARTS)
            if unknown:
                raise ValueError(
                    f"weights: unknown parts {sorted(unknown)}; use {_PARTS}"
                )
            w.update({k: float(v) for k, v in self.weights.items()})
        total = sum(w.values())
        if any(v < 0 for v in w.values()) or total <= 0:
            raise ValueError("weights must be >= 0 and not all 0")
        wf, wc, wo = (w[p] / total for p in _PARTS)
        f_tee, f_tor = _codes(cohort, "meeting_frequency", FREQUENCIES)
        c_tee, c_tor = _codes(cohort, "commitment", COMMITMENTS)
        o_tee, o_tor = _codes(cohort, "format", FORMATS)
        nf, nc, no = len(FREQUENCIES), len(COMMITMENTS), len(FORMATS)
        rf, rc = np.arange(nf), np.arange(nc)
        freq = 1.0 - np.abs(rf[:, None] - rf[None, :]) / (nf - 1)
        commit = 1.0 - np.abs(rc[:, None] - rc[None, :]) / (nc - 1)
        ok_diff = FORMAT_OK_DIFFERENT_LOCATION.astype(np.float64)
        ok_same = FORMAT_OK_SAME_LOCATION.astype(np.float64)
        # combined code: frequency, commitment, format
        grid = np.indices((nf, nc, no)).reshape(3, -1)
        fa, ca, oa = grid
        base = (
            wf * freq[fa[:, None], fa[None, :]]
            + wc * commit[ca[:, None], ca[None, :]]
            + wo * ok_diff[oa[:, None], oa[None, :]]
        )
        delta = wo * (ok_same - ok_diff)[oa[:, None], oa[None, :]]
        combo_tee = (f_tee * nc + c_tee) * no + o_tee
        combo_tor = (f_tor * nc + c_tor) * no + o_tor
        self.parts_ = {
            "frequency": (freq, f_tee, f_tor),
            "commitment": (commit, c_tee, c_tor),
            "format": (ok_diff, o_tee, o_tor),
        }
        self.part_weights_ = {"frequency": wf, "commitment": wc, "format": wo}
        self.base_ = PairTable.build(base.astype(np.float32), combo_tee, combo_tor)
        self.delta_ = PairTable.build(delta.astype(np.float32), combo_tee, combo_tor)
        self.delta_rows_ = np.abs(self.delta_.by_mentor).max(axis=1) > 0
        self.loc_tee_, self.loc_tor_ = location_codes(cohort)
        self.locations_tee_ = cohort.values("mentees", "location")
        self.locations_tor_ = cohort.values("mentors", "location")
        self.abstains_ = False  # every field is required
        self.combo_tee_ = combo_tee
        return self

    def factors(self) -> tuple[sp.csr_array, NDArray[np.float32]]:
        """Base rows by codes, plus in-person credit rows by (format, location).

        A mentee's row has a one at its codes' base row and, when its format
        gains from a shared location, a one at the row of its format and
        location: that row holds the credit towards the mentors of the same
        location, 0 elsewhere. The product adds exactly what :meth:`score`
        adds.
        """
        combo = self.combo_tee_
        n, k = combo.size, self.base_.by_mentor.shape[0]
        no = len(FORMATS)
        loc = self.loc_tee_
        has = self.delta_rows_[combo] & (loc >= 0)
        width = int(loc.max(initial=-1)) + 1
        keys, first, inverse = np.unique(
            (combo % no * width + loc)[has], return_index=True, return_inverse=True
        )
        rep = combo[has][first]  # a mentee's codes with that format
        same = (keys % max(width, 1))[:, None] == self.loc_tor_[None, :]
        credit = same * self.delta_.by_mentor[rep]
        table = np.concatenate([self.base_.by_mentor, credit]).astype(np.float32)
        counts = 1 + has.astype(np.intp)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        cols = np.empty(int(indptr[-1]), dtype=np.int64)
        cols[indptr[:-1]] = combo
        cols[indptr[:-1][has] + 1] = k + inverse.ravel()
        rows = sp.csr_array(
            (np.ones(cols.size, dtype=np.float32), cols, indptr),
            shape=(n, table.shape[0]),
        )
        return rows, table

    def score(self, mentee_idx: IndexArray) -> NDArray[np.float32]:
        """Scores of the given mentees against every mentor."""
        idx = np.asarray(mentee_idx, dtype=np.intp)
        out: NDArray[np.float32] = self.base_.rows(idx)
        need = np.nonzero(self.delta_rows_[self.delta_.mentee_codes[idx]])[0]
        if need.size:
            rows = idx[need]
            same = self.loc_tee_[rows][:, None] == self.loc_tor_[None, :]
            out[need] += same * self.delta_.rows(rows)
        return out

    def score_pairs(
        self, mentee_idx: IndexArray, mentor_idx: IndexArray
    ) -> NDArray[np.float64]:
        """Scores of the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        i = np.asarray(mentee_idx, dtype=np.intp)
        j = np.asarray(mentor_idx, dtype=np.intp)
        same = self.loc_tee_[i] == self.loc_tor_[j]
        out = self.base_.pairs(i, j).astype(np.float64)
        out += same * self.delta_.pairs(i, j)
        return np.clip(out, 0.0, 1.0)

    def explain(self, mentee: int, mentor: int) -> str:
        """Both frequencies, commitments and formats, and location if it matters."""
        _, f_tee, f_tor = self.parts_["frequency"]
        _, c_tee, c_tor = self.parts_["commitment"]
        _, o_tee, o_tor = self.parts_["format"]

        def pair(a: str, b: str) -> str:
            return f"both {a}" if a == b else f"mentee {a}, mentor {b}"

        fa, fb = FREQUENCIES[f_tee[mentee]], FREQUENCIES[f_tor[mentor]]
        ca, cb = COMMITMENTS[c_tee[mentee]], COMMITMENTS[c_tor[mentor]]
        oa, ob = FORMATS[o_tee[mentee]], FORMATS[o_tor[mentor]]
        same = bool(self.loc_tee_[mentee] == self.loc_tor_[mentor])
        ok = (FORMAT_OK_SAME_LOCATION if same else FORMAT_OK_DIFFERENT_LOCATION)[
            o_tee[mentee], o_tor[mentor]
        ]
        fmt = f"format {pair(oa, ob)} ({'compatible' if ok else 'incompatible'}"
        if "in-person" in (oa, ob):
            la, lb = self.locations_tee_[mentee], self.locations_tor_[mentor]
            fmt += (
                f", both in {la}"
                if same
                else f", locations {la or 'unknown'} / {lb or 'unknown'}"
            )
        fmt += ")"
        said = {
            "frequency": f"frequency {pair(fa, fb)}",
            "commitment": f"commitment {pair(ca, cb)}",
            "format": fmt,
        }
        return "; ".join(t for p, t in said.items() if self.part_weights_[p] > 0)

    def __repr__(self) -> str:
        return f"ExpectationsCriterion(weights={self.weights!r})"
