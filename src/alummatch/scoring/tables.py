"""Lookup tables of pair values gathered by category codes (no pair loop), the
set and multi-hot views of attributes that attribute criteria share, and
fresh arrays for large outputs."""

from __future__ import annotations

import mmap
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from alummatch.scoring.base import IndexArray

__all__ = [
    "FRESH_RELEASES_GIL",
    "PairTable",
    "TableScores",
    "display_names",
    "fresh_array",
    "multi_hot",
    "one_hot",
    "set_values",
]

_FRESH_MIN_BYTES = 1 << 22
# anonymous private mappings, and numpy's strided fill releasing the GIL
_MAPS = sys.platform.startswith("linux") and hasattr(mmap, "MAP_ANONYMOUS")

FRESH_RELEASES_GIL = _MAPS
"""Whether :func:`fresh_array` maps its pages with the GIL released (Linux).

A worker thread can then prepare the output of a long computation while the
calling thread goes on.
"""


def fresh_array(shape: tuple[int, ...], dtype: type[np.generic]) -> NDArray[Any]:
    """An uninitialised array whose pages are all mapped, zero-filled, now.

    ``np.empty`` leaves each page to be faulted in by the computation's first
    write, and asks for huge pages on large arrays (on some kernels and
    virtual machines zeroing or compacting 2 MiB pages on first touch costs
    several times the 4 KiB path). On Linux the array gets a private
    anonymous mapping (of 4 KiB pages unless transparent huge pages are
    set to ``always``), each page faulted in by one byte written
    through numpy, which releases the GIL for the fill: a worker thread maps
    the output while the calling thread goes on. A fault locks one mapping
    for a moment, where ``MAP_POPULATE`` or ``madvise(MADV_POPULATE_WRITE)``
    would hold the process's memory map while it maps many pages, and every
    allocation of the calling thread that needs a new mapping would wait.
    Arrays under 4 MiB, and other platforms, come from ``np.empty``.

    The array owns its mapping (unmapped when the array is freed).
    """
    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if not _MAPS or nbytes < _FRESH_MIN_BYTES:
        return np.empty(shape, dtype=dtype)
    try:
        buf = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except OSError:  # pragma: no cover - mapping refused: let numpy allocate
        return np.empty(shape, dtype=dtype)
    np.frombuffer(buf, dtype=np.uint8)[:: mmap.PAGESIZE] = 0
    return np.frombuffer(buf, dtype=dtype).reshape(shape)


def one_hot(
    codes: IndexArray, n_codes: int, values: NDArray[np.floating[Any]] | None = None
) -> sp.csr_array:
    """Sparse ``(len(codes), n_codes)`` float32 rows with ``values`` (1) at ``codes``.

    Negative codes count from the end, as in a numpy index. Zero values are
    left out, so a row may be empty.
    """
    n = np.size(codes)
    itype = np.int32 if max(n, n_codes) < 2**31 else np.int64
    c = (np.asarray(codes) % max(n_codes, 1)).astype(itype)
    if values is None:
        indptr = np.arange(n + 1, dtype=itype)
        return sp.csr_array(
            (np.ones(n, dtype=np.float32), c, indptr), shape=(n, n_codes), copy=False
        )
    v = np.asarray(values, dtype=np.float32)
    keep = v != 0
    indptr = np.zeros(n + 1, dtype=itype)
    np.cumsum(keep, out=indptr[1:])
    return sp.csr_array((v[keep], c[keep], indptr), shape=(n, n_codes), copy=False)


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
        by = np.take(t, np.asarray(mentor_codes, dtype=np.intp), axis=1)
        for a in (t, by):
            a.setflags(write=False)
        return cls(t, np.asarray(mentee_codes), np.asarray(mentor_codes), by)

    def rows(self, mentee_idx: IndexArray) -> NDArray[Any]:
        """Values of the given mentees against every mentor (a new array)."""
        return self.by_mentor[self.mentee_codes[mentee_idx]]

    def pairs(self, mentee_idx: IndexArray, mentor_idx: IndexArray) -> NDArray[Any]:
        """Values of the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        return self.table[self.mentee_codes[mentee_idx], self.mentor_codes[mentor_idx]]

    def factors(self) -> tuple[sp.csr_array, NDArray[Any]]:
        """``(one_hot(mentee_codes), by_mentor)``: ``rows(idx)`` is their product."""
        k = self.by_mentor.shape[0]
        return one_hot(self.mentee_codes, k), self.by_mentor


class TableScores:
    """``score``, ``score_pairs`` and ``factors`` of a criterion whose scores
    are a :class:`PairTable` (``table_``, set by its ``fit``)."""

    table_: PairTable

    def score(self, mentee_idx: IndexArray) -> NDArray[np.float32]:
        """Scores of the given mentees against every mentor."""
        out: NDArray[np.float32] = self.table_.rows(mentee_idx)
        return out

    def score_pairs(
        self, mentee_idx: IndexArray, mentor_idx: IndexArray
    ) -> NDArray[np.float32]:
        """Scores of the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        out: NDArray[np.float32] = self.table_.pairs(mentee_idx, mentor_idx)
        return out

    def factors(self) -> tuple[sp.csr_array, NDArray[np.float32]]:
        """One-hot rows of the mentees' values and the table against every mentor."""
        return self.table_.factors()


def set_values(values: Iterable[Any] | None, n: int) -> list[frozenset[str] | None]:
    """Attribute values as sets of normalised text, ``None`` where not given.

    A frozenset (a multi-select answer) or list is taken item by item; text is
    split on ``;``; numbers and booleans become their text. Items are stripped
    and case-folded; an empty answer is ``None``. ``values=None`` (nobody has
    the attribute) gives ``n`` times ``None``.
    """
    if values is None:
        return [None] * n
    out: list[frozenset[str] | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            out.append(None)
            continue
        items = v.split(";") if isinstance(v, str) else v
        if not isinstance(items, list | tuple | set | frozenset):
            items = [items]
        got = frozenset(str(x).strip().casefold() for x in items if str(x).strip())
        out.append(got or None)
    return out


def display_names(values: Iterable[Any] | None) -> dict[str, str]:
    """The first spelling seen of each normalised item of :func:`set_values`."""
    out: dict[str, str] = {}
    for v in values if values is not None else ():
        if v is None or (isinstance(v, float) and v != v):
            continue
        items = v.split(";") if isinstance(v, str) else v
        if not isinstance(items, list | tuple | set | frozenset):
            items = [items]
        for x in items:
            text = str(x).strip()
            if text:
                out.setdefault(text.casefold(), text)
    return out


def multi_hot(
    sets: Sequence[frozenset[str] | None], lookup: Mapping[str, int]
) -> sp.csr_array:
    """Sparse ``(len(sets), len(lookup))`` float32 matrix, 1 where a set has the item.

    Items missing from ``lookup`` are left out.
    """
    rows = [sorted(lookup[x] for x in s if x in lookup) if s else [] for s in sets]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter(
        (k for r in rows for k in r), dtype=np.int64, count=int(indptr[-1])
    )
    data = np.ones(indices.size, dtype=np.float32)
    return sp.csr_array((data, indices, indptr), shape=(len(rows), len(lookup)))
