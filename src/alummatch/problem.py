"""The matching problem: immutable arrays that every solver reads.

A :class:`MatchingProblem` holds the mentee x mentor score matrix, the mask of
allowed pairs, mentor capacities and minimum loads, and mentee demands. It is
built from a cohort by :func:`build_problem` or straight from a score matrix by
:meth:`MatchingProblem.from_scores`.

Candidate problems (``build_problem(cohort, candidates=k)``) never hold the
dense matrix. They carry a :class:`CandidateSet` instead: each mentee's best
allowed mentors with their scores (CSR rows), an upper bound on every other
allowed score of the mentee, and the fitted scorer's row callback that
re-scores a mentee against every mentor. Their ``scores`` and ``allowed``
fields are read-only views of the right shape that take no memory (all NaN,
all False) and must not be read: :meth:`MatchingProblem.pair_scores`,
:meth:`MatchingProblem.pair_allowed` and :meth:`MatchingProblem.row` work on
both kinds, and solvers that need the dense arrays refuse candidate problems
with an ``UnsupportedError``. Pair filters and pinned pairs are applied to a
candidate problem by :meth:`CandidateSet.without`: the removed pairs leave
the candidates and the reserve, and re-scored rows have them disallowed,
with the bounds kept (still upper bounds, if looser); no array of the
matrix's shape is made.

Memory: a dense problem holds ``n_mentees * n_mentors`` float64 scores and
as many allowed flags, 9 bytes a pair. Before allocating them, both builders
compare that figure with a memory budget (:func:`memory_budget`: by default
:data:`MEMORY_SHARE` of the physical memory, or the ``memory_budget=`` bytes
given) and refuse a problem above it with an :class:`InvalidInputError` that
states the size, instead of failing part-way with a ``MemoryError``.
"""

from __future__ import annotations

import dataclasses
import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alummatch.errors import InputProblem, InvalidInputError

__all__ = [
    "DENSE_BYTES_PER_PAIR",
    "MEMORY_SHARE",
    "RESCORE_BLOCK",
    "UPPER_LEVELS",
    "CandidateSet",
    "MatchingProblem",
    "PairTest",
    "ProblemContext",
    "RowScorer",
    "check_dense_fits",
    "memory_budget",
    "physical_memory",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@runtime_checkable
class ProblemContext(Protocol):
    """What a problem built from profiles knows beyond its arrays.

    Solvers never need it; results use it to explain pairs and unmatched
    mentees, and group constraints use it to read profile attributes.
    """

    def pair_components(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> dict[str, FloatArray]:
        """Per-criterion scores of the given pairs, one array per criterion."""
        ...

    def pair_contributions(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> dict[str, FloatArray]:
        """Each criterion's share of the given pairs' scores (they add up to the
        score; NaN where the criterion has no data for the pair)."""
        ...

    def explain_pair(self, mentee: int, mentor: int) -> list[str]:
        """Sentences with the facts behind the pair's score, one per criterion."""
        ...

    def explain_no_allowed(self, mentee: int) -> str:
        """Why a mentee has no allowed mentor at all (which rule, which facts)."""
        ...

    def mentee_attribute(self, name: str) -> NDArray[np.object_] | None:
        """Values of a profile attribute (or field) per mentee, ``None`` if absent."""
        ...

    def mentor_attribute(self, name: str) -> NDArray[np.object_] | None:
        """Values of a profile attribute (or field) per mentor, ``None`` if absent."""
        ...


MEMORY_SHARE = 0.5
"""Share of physical memory a dense problem may take unless a budget is given."""

DENSE_BYTES_PER_PAIR = 9
"""Bytes a dense problem holds per pair: a float64 score and a bool flag."""


def physical_memory() -> int | None:
    """Bytes of physical memory, ``None`` where the platform does not say."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None
    if pages <= 0 or size <= 0:  # pragma: no cover - unknown
        return None
    return int(pages) * int(size)


def memory_budget(budget: float | None = None) -> float:
    """Bytes a dense problem may take.

    Parameters
    ----------
    budget : float, optional
        An explicit budget in bytes (returned as is); by default
        :data:`MEMORY_SHARE` of the physical memory (no limit where the
        platform does not report it).

    Examples
    --------
    >>> memory_budget(2**30)
    1073741824.0
    """
    if budget is not None:
        return float(budget)
    phys = physical_memory()
    return float("inf") if phys is None else MEMORY_SHARE * phys


def _gib(nbytes: float) -> str:
    if nbytes >= 2**30:
        return f"{nbytes / 2**30:.3g} GiB"
    return f"{nbytes / 2**20:.3g} MiB"


def check_dense_fits(
    n_mentees: int,
    n_mentors: int,
    budget: float | None = None,
    *,
    argument: str = "memory_budget",
    way_out: str = "",
) -> None:
    """Refuse a dense ``n_mentees x n_mentors`` problem above the memory budget.

    Runs before anything is allocated.

    Parameters
    ----------
    n_mentees, n_mentors : int
        The shape.
    budget : float, optional
        Bytes allowed (see :func:`memory_budget`).
    argument : str
        The argument named in the error.
    way_out : str
        What the caller can do instead, appended to the message.

    Raises
    ------
    InvalidInputError
        When ``n_mentees * n_mentors * DENSE_BYTES_PER_PAIR`` exceeds the budget.
    """
    if budget is not None and not (
        isinstance(budget, int | float) and not isinstance(budget, bool) and budget > 0
    ):
        raise InvalidInputError(
            [
                InputProblem(
                    argument, "", f"expected a positive number of bytes, got {budget!r}"
                )
            ]
        )
    need = float(n_mentees) * float(n_mentors) * DENSE_BYTES_PER_PAIR
    limit = memory_budget(budget)
    if need <= limit:
        return
    phys = physical_memory()
    where = (
        f"the budget of {_gib(limit)} given"
        if budget is not None or phys is None
        else f"the budget of {_gib(limit)} ({MEMORY_SHARE:g} of the "
        f"{_gib(phys)} of physical memory)"
    )
    raise InvalidInputError(
        [
            InputProblem(
                argument,
                "",
                f"a dense {n_mentees} x {n_mentors} problem needs about "
                f"{_gib(need)} (float64 scores and the allowed mask, "
                f"{DENSE_BYTES_PER_PAIR} bytes a pair), above {where}"
                + (f"; {way_out}" if way_out else ""),
            )
        ]
    )


RESCORE_BLOCK = 1 << 21
"""Pairs re-scored at once when reading pairs of a candidate problem."""

UPPER_LEVELS = 253
"""Levels of :attr:`CandidateSet.upper` (bytes 1..254; 255: unbounded)."""

RowScorer = Callable[[NDArray[np.intp]], tuple[NDArray[Any], NDArray[np.bool_]]]
"""Re-scores mentees: row indices -> scores and allowed mask, ``(rows, n_mentors)``."""

PairTest = Callable[
    [NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]], NDArray[np.bool_]
]
"""Tests pairs: ``(mentee_idx, mentor_idx, scores) -> bool array``, one shape.

The three arrays share one shape, 1-D (listed pairs) or 2-D (whole rows of
mentees: ``mentee_idx`` and ``mentor_idx`` are then read-only broadcast
views); ``scores`` are the pairs' float64 scores. The result has that shape.
"""


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """Each mentee's candidate mentors, and a bound on every other allowed score.

    Rows are in CSR form: the candidates of mentee ``i`` are
    ``mentors[indptr[i]:indptr[i + 1]]`` (ascending mentor index) with
    ``scores`` alongside. Every allowed pair outside the candidates scores at
    most ``bound[i]`` (``-inf`` when the mentee has no other allowed pair).

    Attributes
    ----------
    indptr : ndarray of int64, shape (n_mentees + 1,)
    mentors : ndarray of intp, shape (nnz,)
    scores : ndarray of float64, shape (nnz,)
    bound : ndarray of float64, shape (n_mentees,)
    n_mentors : int
    rescore : callable
        Row indices -> ``(scores, allowed)`` of those mentees against every
        mentor (the values the candidates were taken from).
    k : int
        Candidates kept per mentee (more where mentors' own best were added).
    upper : ndarray of uint8, shape (n_mentees, n_mentors), optional
        An upper bound on every pair's score, one byte a pair:
        ``0`` not allowed, ``255`` unbounded, otherwise at most
        ``upper_low[i] + (upper[i, j] - 1) / UPPER_LEVELS * upper_span[i]``
        (up to float32 rounding, ``1e-6`` of ``|low| + |span| + 1``).
        Certificates price pruned pairs one by one with it instead of
        re-scoring whole rows.
    upper_low, upper_span : ndarray of float64, shape (n_mentees,), optional
        The scale of ``upper`` per mentee.
    reserve_mentors, reserve_scores : ndarray, shape (n_mentees, r), optional
        Each mentee's next ``r`` best allowed mentors after the candidates
        (``-1`` / ``-inf`` where fewer), with their scores: certificates
        price them exactly.
    reserve_bound : ndarray of float64, shape (n_mentees,), optional
        An upper bound on every allowed score outside the candidates and the
        reserve (``-inf`` when none).
    """

    indptr: NDArray[np.int64]
    mentors: NDArray[np.intp]
    scores: FloatArray
    bound: FloatArray
    n_mentors: int
    rescore: RowScorer = field(repr=False)
    k: int = 0
    upper: NDArray[np.uint8] | None = field(default=None, repr=False)
    upper_low: FloatArray | None = field(default=None, repr=False)
    upper_span: FloatArray | None = field(default=None, repr=False)
    reserve_mentors: NDArray[np.intp] | None = field(default=None, repr=False)
    reserve_scores: FloatArray | None = field(default=None, repr=False)
    reserve_bound: FloatArray | None = field(default=None, repr=False)

    @property
    def n_mentees(self) -> int:
        """Rows."""
        return int(self.indptr.size - 1)

    @property
    def nnz(self) -> int:
        """Candidate pairs."""
        return int(self.mentors.size)

    def mentees(self) -> NDArray[np.intp]:
        """Mentee of each candidate pair."""
        return np.repeat(np.arange(self.n_mentees, dtype=np.intp), np.diff(self.indptr))

    def keys(self) -> NDArray[np.int64]:
        """``mentee * n_mentors + mentor`` of each candidate pair (ascending)."""
        return self.mentees().astype(np.int64) * self.n_mentors + self.mentors

    def find(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> NDArray[np.intp]:
        """Position of each pair among the candidates, -1 when not a candidate."""
        keys = self.keys()
        want = np.asarray(mentee_idx, np.int64) * self.n_mentors + np.asarray(
            mentor_idx, np.int64
        )
        pos = np.searchsorted(keys, want)
        ok = pos < keys.size
        ok[ok] = keys[pos[ok]] == want[ok]
        return np.where(ok, pos, -1).astype(np.intp)

    def pair_values(
        self,
        mentee_idx: NDArray[np.intp],
        mentor_idx: NDArray[np.intp],
        rescore: RowScorer | None = None,
    ) -> tuple[FloatArray, BoolArray]:
        """Scores and allowed flags of pairs; the rows of non-candidates are
        re-scored in blocks (with ``rescore``, ``self.rescore`` by default)."""
        return _candidate_pairs(self, mentee_idx, mentor_idx, rescore)

    def without(self, removed: PairTest) -> CandidateSet:
        """The same set without the pairs ``removed`` says are removed.

        Candidates and reserve pairs it removes are dropped (tested once,
        with their scores); ``rescore`` is wrapped so that re-scored rows
        have the pairs it removes disallowed (tested on each block of rows).
        ``bound``, ``reserve_bound`` and the bytes ``upper`` are kept as they
        are: removing pairs can only lower a mentee's best other score, so
        they stay upper bounds (looser ones). Nothing of shape
        ``(n_mentees, n_mentors)`` is allocated.

        Parameters
        ----------
        removed : PairTest
            Whether each given pair is removed (see :data:`PairTest`).

        Returns
        -------
        CandidateSet
        """
        tee = self.mentees()
        cut = np.asarray(removed(tee, self.mentors, self.scores), dtype=np.bool_)
        keep = ~cut
        counts = np.bincount(tee[keep], minlength=self.n_mentees)
        indptr = np.zeros(self.n_mentees + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        r_tor, r_sc = self.reserve_mentors, self.reserve_scores
        if r_tor is not None and r_sc is not None:
            has = r_tor >= 0
            rows = np.broadcast_to(
                np.arange(self.n_mentees, dtype=np.intp)[:, None], r_tor.shape
            )
            gone = np.zeros(r_tor.shape, dtype=np.bool_)
            gone[has] = removed(rows[has], r_tor[has], r_sc[has])
            # the pairs kept first, in their order (-1 / -inf after them)
            order = np.argsort(gone | ~has, axis=1, kind="stable")
            lost = np.take_along_axis(gone | ~has, order, axis=1)
            r_tor = np.where(lost, -1, np.take_along_axis(r_tor, order, axis=1))
            r_sc = np.where(lost, -np.inf, np.take_along_axis(r_sc, order, axis=1))
        inner, m = self.rescore, self.n_mentors

        def rescore(rows: NDArray[np.intp]) -> tuple[FloatArray, BoolArray]:
            s_rows, a_rows = inner(rows)
            s = np.asarray(s_rows, dtype=np.float64)
            r = np.asarray(rows, dtype=np.intp).reshape(-1, 1)
            tee_b = np.broadcast_to(r, s.shape)
            tor_b = np.broadcast_to(np.arange(m, dtype=np.intp), s.shape)
            gone = np.asarray(removed(tee_b, tor_b, s), dtype=np.bool_)
            return s, np.asarray(a_rows, dtype=np.bool_) & ~gone

        return dataclasses.replace(
            self,
            indptr=indptr,
            mentors=self.mentors[keep],
            scores=self.scores[keep],
            rescore=rescore,
            reserve_mentors=r_tor,
            reserve_scores=r_sc,
        )


def _candidate_pairs(
    c: CandidateSet,
    mentee_idx: NDArray[np.intp],
    mentor_idx: NDArray[np.intp],
    rescore: RowScorer | None = None,
) -> tuple[FloatArray, BoolArray]:
    """Scores and allowed flags of pairs of a candidate problem.

    The rows of the pairs that are not candidates are re-scored in blocks,
    with ``rescore`` (``c.rescore`` by default).
    """
    tee = np.asarray(mentee_idx, dtype=np.intp).ravel()
    tor = np.asarray(mentor_idx, dtype=np.intp).ravel()
    pos = c.find(tee, tor)
    sc = np.full(tee.size, np.nan)
    ok = pos >= 0
    sc[ok] = c.scores[pos[ok]]
    hit = ok.copy()
    miss = np.nonzero(~ok)[0]
    if miss.size:
        rows, inv = np.unique(tee[miss], return_inverse=True)
        step = max(1, RESCORE_BLOCK // max(c.n_mentors, 1))
        for r0 in range(0, rows.size, step):
            part = rows[r0 : r0 + step]
            s_rows, a_rows = (c.rescore if rescore is None else rescore)(part)
            sel = np.nonzero((inv >= r0) & (inv < r0 + part.size))[0]
            k = miss[sel]
            sc[k] = np.asarray(s_rows, dtype=np.float64)[inv[sel] - r0, tor[k]]
            hit[k] = a_rows[inv[sel] - r0, tor[k]]
    return sc, hit


_CONTEXT_BOUND = frozenset({"scores", "allowed", "mentee_ids", "mentor_ids"})
"""Fields whose change makes a problem's context stale (it is dropped)."""


def is_real(value: object) -> bool:
    """Whether ``value`` is a real number (numpy scalars included), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _readonly(a: NDArray[Any]) -> NDArray[Any]:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class MatchingProblem:
    """An immutable mentee x mentor matching problem.

    Attributes
    ----------
    scores : ndarray of float, shape (n_mentees, n_mentors)
        Score of each pair; row = mentee, column = mentor. Any finite float.
    allowed : ndarray of bool, same shape
        Pairs that may be chosen.
    mentor_capacity : ndarray of int, shape (n_mentors,)
        Maximum mentees per mentor (0 allowed).
    mentor_min_load : ndarray of int, shape (n_mentors,)
        Minimum mentees per mentor (hard lower bound).
    mentee_demand : ndarray of int, shape (n_mentees,)
        Mentors wanted by each mentee (>= 1). A mentee is never paired with the
        same mentor twice.
    mentee_ids, mentor_ids : tuple of str
        Identifiers, in row and column order.
    mentee_preferences, mentor_preferences : tuple of int arrays or None
        Optional stated rankings: for each mentee (mentor), the indices of the
        mentors (mentees) it ranked, best first.
    context : ProblemContext or None
        What a problem built from profiles knows (explanations, attributes).
    mentee_wait : ndarray of int, shape (n_mentees,), or None
        Terms each mentee already spent on the waitlist (``None``: all 0).
        Under ``coverage`` and ``maxmin``, among the matchings of maximum
        coverage, those who waited longer are left out last; see
        :attr:`waits`.
    candidates : CandidateSet or None
        For a candidate problem (``build_problem(..., candidates=k)``), the
        candidate pairs, bounds and re-scoring callback; ``scores`` and
        ``allowed`` are then empty views (see the module docstring).
    """

    scores: FloatArray
    allowed: BoolArray
    mentor_capacity: IntArray
    mentor_min_load: IntArray
    mentee_demand: IntArray
    mentee_ids: tuple[str, ...]
    mentor_ids: tuple[str, ...]
    mentee_preferences: tuple[NDArray[np.intp], ...] | None = None
    mentor_preferences: tuple[NDArray[np.intp], ...] | None = None
    context: ProblemContext | None = field(default=None, repr=False)
    mentee_wait: IntArray | None = None
    candidates: CandidateSet | None = field(default=None, repr=False)
    """Candidate pairs of a problem that never held the dense matrix."""

    @property
    def waits(self) -> IntArray:
        """Terms each mentee waited, as an array (zeros when none was given)."""
        if self.mentee_wait is None:
            return np.zeros(self.n_mentees, dtype=np.int64)
        return self.mentee_wait

    @property
    def n_mentees(self) -> int:
        """Number of mentees (rows)."""
        return int(self.scores.shape[0])

    @property
    def n_mentors(self) -> int:
        """Number of mentors (columns)."""
        return int(self.scores.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_mentees, n_mentors)``."""
        return (self.n_mentees, self.n_mentors)

    @property
    def is_dense(self) -> bool:
        """Whether ``scores`` and ``allowed`` hold the whole matrix."""
        return self.candidates is None

    def pair_scores(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> FloatArray:
        """Scores of the pairs ``(mentee_idx[k], mentor_idx[k])``, any problem."""
        if self.candidates is None:
            out: FloatArray = np.asarray(
                self.scores[mentee_idx, mentor_idx], dtype=np.float64
            )
            return out
        return _candidate_pairs(self.candidates, mentee_idx, mentor_idx)[0]

    def pair_allowed(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> BoolArray:
        """Whether the rules allow the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        if self.candidates is None:
            out: BoolArray = np.asarray(self.allowed[mentee_idx, mentor_idx])
            return out
        return _candidate_pairs(self.candidates, mentee_idx, mentor_idx)[1]

    def rows(self, mentee_idx: NDArray[np.intp]) -> tuple[FloatArray, BoolArray]:
        """Scores and allowed mask of the given mentees against every mentor."""
        idx = np.asarray(mentee_idx, dtype=np.intp)
        if self.candidates is None:
            return np.asarray(self.scores[idx]), np.asarray(self.allowed[idx])
        s_rows, a_rows = self.candidates.rescore(idx)
        return np.asarray(s_rows, dtype=np.float64), np.asarray(a_rows)

    def mentee_index(self) -> dict[str, int]:
        """Map of mentee id to row index."""
        return {m: i for i, m in enumerate(self.mentee_ids)}

    def mentor_index(self) -> dict[str, int]:
        """Map of mentor id to column index."""
        return {m: j for j, m in enumerate(self.mentor_ids)}

    def replace(self, **changes: Any) -> MatchingProblem:
        """Return a copy with some fields changed, validated like the original.

        Changing ``scores``, ``allowed`` or the ids drops the context (pair
        components and explanations would describe the old problem) unless a
        new ``context`` is given; capacities, loads and demands keep it.

        Examples
        --------
        >>> p = MatchingProblem.from_scores([[1.0, 0.5]])
        >>> p.replace(mentor_capacity=[2, 2]).mentor_capacity.tolist()
        [2, 2]
        """
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown MatchingProblem field(s): {sorted(unknown)}")
        if self.candidates is not None:
            return self._replace_candidates(changes)
        kw: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self)
        }
        kw.update(changes)
        if "context" not in changes and changes.keys() & _CONTEXT_BOUND:
            # The context explains the scores, allowed pairs and ids it was
            # built with: new ones would be explained with the old facts.
            kw["context"] = None
        scores = kw.pop("scores")
        kw.pop("candidates")
        return MatchingProblem.from_scores(scores, **kw)

    def _replace_candidates(self, changes: dict[str, Any]) -> MatchingProblem:
        """``replace`` for a candidate problem: capacities, loads, demands."""
        kept = {
            "mentor_capacity",
            "mentor_min_load",
            "mentee_demand",
            "mentee_wait",
            "context",
        }
        other = sorted(set(changes) - kept)
        if other:
            raise TypeError(
                f"a candidate problem cannot change {other}; build it again with "
                "build_problem(..., candidates=k)"
            )
        n, m = self.shape
        problems: list[InputProblem] = []
        vec = {
            "mentor_capacity": (m, 0),
            "mentor_min_load": (m, 0),
            "mentee_demand": (n, 1),
        }
        new: dict[str, Any] = {}
        for name, (size, low) in vec.items():
            if name in changes:
                out = _int_vector(changes[name], size, name, problems, minimum=low)
                if out is not None:
                    new[name] = _readonly(out)
        if changes.get("mentee_wait") is not None:
            wait = _int_vector(
                changes["mentee_wait"], n, "mentee_wait", problems, minimum=0
            )
            new["mentee_wait"] = (
                None if wait is None or not wait.any() else _readonly(wait)
            )
        elif "mentee_wait" in changes:
            new["mentee_wait"] = None
        if "context" in changes:
            new["context"] = changes["context"]
        if problems:
            raise InvalidInputError(problems)
        return dataclasses.replace(self, **new)

    @classmethod
    def from_candidates(
        cls,
        candidates: CandidateSet,
        *,
        mentor_capacity: ArrayLike = 1,
        mentor_min_load: ArrayLike = 0,
        mentee_demand: ArrayLike = 1,
        mentee_ids: Sequence[str] | None = None,
        mentor_ids: Sequence[str] | None = None,
        mentee_preferences: Sequence[ArrayLike] | None = None,
        mentor_preferences: Sequence[ArrayLike] | None = None,
        context: ProblemContext | None = None,
        mentee_wait: ArrayLike | None = None,
    ) -> MatchingProblem:
        """A candidate problem (see the module docstring); scalars broadcast.

        Raises
        ------
        InvalidInputError
            Listing every problem with the arguments.
        """
        n, m = candidates.n_mentees, candidates.n_mentors
        problems: list[InputProblem] = []
        if n == 0 or m == 0:
            problems.append(
                InputProblem(
                    "candidates",
                    "",
                    f"needs at least one mentee and one mentor, got {n} x {m}",
                )
            )
        cap = _int_vector(mentor_capacity, m, "mentor_capacity", problems, minimum=0)
        low = _int_vector(mentor_min_load, m, "mentor_min_load", problems, minimum=0)
        dem = _int_vector(mentee_demand, n, "mentee_demand", problems, minimum=1)
        tee_ids = _ids(mentee_ids, n, "mentee_ids", "m", problems)
        tor_ids = _ids(mentor_ids, m, "mentor_ids", "a", problems)
        tee_prefs = _prefs(mentee_preferences, n, m, "mentee_preferences", problems)
        tor_prefs = _prefs(mentor_preferences, m, n, "mentor_preferences", problems)
        wait = (
            None
            if mentee_wait is None
            else _int_vector(mentee_wait, n, "mentee_wait", problems, minimum=0)
        )
        if problems:
            raise InvalidInputError(problems)
        assert cap is not None
        assert low is not None
        assert dem is not None
        return cls(
            mentee_wait=None if wait is None or not wait.any() else _readonly(wait),
            scores=np.broadcast_to(np.float64(np.nan), (n, m)),
            allowed=np.broadcast_to(np.False_, (n, m)),
            mentor_capacity=_readonly(cap),
            mentor_min_load=_readonly(low),
            mentee_demand=_readonly(dem),
            mentee_ids=tee_ids,
            mentor_ids=tor_ids,
            mentee_preferences=tee_prefs,
            mentor_preferences=tor_prefs,
            context=context,
            candidates=candidates,
        )

    @classmethod
    def from_scores(
        cls,
        scores: ArrayLike,
        *,
        mentor_capacity: ArrayLike = 1,
        mentor_min_load: ArrayLike = 0,
        mentee_demand: ArrayLike = 1,
        allowed: ArrayLike | None = None,
        mentee_ids: Sequence[str] | None = None,
        mentor_ids: Sequence[str] | None = None,
        mentee_preferences: Sequence[ArrayLike] | None = None,
        mentor_preferences: Sequence[ArrayLike] | None = None,
        context: ProblemContext | None = None,
        mentee_wait: ArrayLike | None = None,
        memory_budget: float | None = None,
    ) -> MatchingProblem:
        """Build a problem from a score matrix; scalars broadcast.

        Parameters
        ----------
        scores : array_like, shape (n_mentees, n_mentors)
            Finite float scores; row = mentee, column = mentor.
        mentor_capacity, mentor_min_load : int or array_like of int
            Per-mentor maximum and minimum number of mentees.
        mentee_demand : int or array_like of int
            Mentors wanted per mentee (>= 1).
        allowed : array_like of bool, optional
            Pairs that may be chosen; all pairs by default.
        mentee_ids, mentor_ids : sequence of str, optional
            Identifiers; ``"m-0", "m-1", ...`` and ``"a-0", ...`` by default.
        mentee_wait : int or array_like of int, optional
            Terms each mentee already waited (>= 0); all 0 by default.
        memory_budget : float, optional
            Bytes the problem may take (see :func:`memory_budget`); a shape
            above it is refused before the scores are copied.

        Raises
        ------
        InvalidInputError
            Listing every problem with the arguments; or, alone, a shape
            whose dense arrays would exceed the memory budget.

        Examples
        --------
        >>> p = MatchingProblem.from_scores([[0.9, 0.1], [0.4, 0.8]])
        >>> p.shape
        (2, 2)
        """
        problems: list[InputProblem] = []
        shape = np.shape(scores) if hasattr(scores, "shape") else None
        if shape is not None and len(shape) == 2:
            check_dense_fits(
                int(shape[0]),
                int(shape[1]),
                memory_budget,
                way_out="build it from the cohort with build_problem(cohort, "
                "candidates=k), which never holds the matrix, or pass "
                "memory_budget= (bytes) if the machine has the memory",
            )
        s = _score_matrix(scores)
        if s.ndim != 2:
            raise InvalidInputError(
                [
                    InputProblem(
                        "scores", "", f"expected a 2-D array, got shape {s.shape}"
                    )
                ]
            )
        n, m = s.shape
        if n == 0 or m == 0:
            problems.append(
                InputProblem(
                    "scores",
                    "",
                    f"needs at least one mentee and one mentor, got shape {s.shape}",
                )
            )
        bad = ~np.isfinite(s)
        if bad.any():
            rows, cols = np.nonzero(bad)
            problems.append(
                InputProblem(
                    "scores",
                    "",
                    f"{int(bad.sum())} non-finite value(s) (NaN or inf), first at "
                    f"row {int(rows[0])}, column {int(cols[0])}",
                )
            )
        cap = _int_vector(mentor_capacity, m, "mentor_capacity", problems, minimum=0)
        low = _int_vector(mentor_min_load, m, "mentor_min_load", problems, minimum=0)
        dem = _int_vector(mentee_demand, n, "mentee_demand", problems, minimum=1)
        wait = (
            None
            if mentee_wait is None
            else _int_vector(mentee_wait, n, "mentee_wait", problems, minimum=0)
        )
        if cap is not None and low is not None:
            over = np.nonzero(low > cap)[0]
            if over.size:
                problems.append(
                    InputProblem(
                        "mentor_min_load",
                        "",
                        f"exceeds mentor_capacity for {over.size} mentor(s), first at "
                        f"index {int(over[0])} "
                        f"({int(low[over[0]])} > {int(cap[over[0]])})",
                    )
                )
        if allowed is None:
            al = np.ones((n, m), dtype=np.bool_)
        else:
            al_raw = np.asarray(allowed)
            if al_raw.shape != (n, m):
                problems.append(
                    InputProblem(
                        "allowed", "", f"expected shape {(n, m)}, got {al_raw.shape}"
                    )
                )
                al = np.ones((n, m), dtype=np.bool_)
            elif al_raw.dtype != np.bool_:
                problems.append(
                    InputProblem(
                        "allowed",
                        "",
                        f"expected a boolean array, got dtype {al_raw.dtype}",
                    )
                )
                al = np.ones((n, m), dtype=np.bool_)
            else:
                al = np.array(al_raw, dtype=np.bool_, copy=True)
        tee_ids = _ids(mentee_ids, n, "mentee_ids", "m", problems)
        tor_ids = _ids(mentor_ids, m, "mentor_ids", "a", problems)
        tee_prefs = _prefs(mentee_preferences, n, m, "mentee_preferences", problems)
        tor_prefs = _prefs(mentor_preferences, m, n, "mentor_preferences", problems)
        if problems:
            raise InvalidInputError(problems)
        assert cap is not None
        assert low is not None
        assert dem is not None
        return cls(
            scores=_readonly(s),
            allowed=_readonly(al),
            mentor_capacity=_readonly(cap),
            mentor_min_load=_readonly(low),
            mentee_demand=_readonly(dem),
            mentee_ids=tee_ids,
            mentor_ids=tor_ids,
            mentee_preferences=tee_prefs,
            mentor_preferences=tor_prefs,
            context=context,
            mentee_wait=None if wait is None or not wait.any() else _readonly(wait),
        )


MAX_COUNT = 2**62
"""Largest capacity, minimum load or demand accepted (a programme's "unlimited").

Solvers never use more than the pairs can take: capacities and demands are
clamped to the allowed pairs and the total demand before any solving.
"""


def _score_matrix(scores: ArrayLike) -> FloatArray:
    """``scores`` as a fresh float64 array, or one ``InvalidInputError``.

    Ragged nesting, strings, complex numbers and other non-real values are
    refused with a message naming ``scores``, never a raw numpy error.
    """
    try:
        raw = np.asarray(scores)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            [InputProblem("scores", "", f"not a rectangular numeric array ({exc})")]
        ) from None
    if raw.dtype.kind == "O":
        try:
            raw = raw.astype(np.float64)
        except (ValueError, TypeError):
            raise InvalidInputError(
                [InputProblem("scores", "", "expected real numbers, got objects")]
            ) from None
    if raw.dtype.kind not in "biuf":
        raise InvalidInputError(
            [
                InputProblem(
                    "scores", "", f"expected real numbers, got dtype {raw.dtype}"
                )
            ]
        )
    return np.array(raw, dtype=np.float64, copy=True)


def _int_vector(
    value: ArrayLike,
    size: int,
    name: str,
    problems: list[InputProblem],
    *,
    minimum: int,
) -> IntArray | None:
    try:
        raw = np.asarray(value)
    except (ValueError, TypeError):
        problems.append(InputProblem(name, "", "expected integers (a ragged array)"))
        return None
    if raw.ndim == 0:
        raw = np.full(size, raw)
    if raw.shape != (size,):
        problems.append(
            InputProblem(
                name, "", f"expected a scalar or shape ({size},), got {raw.shape}"
            )
        )
        return None
    if raw.dtype.kind == "b":
        problems.append(
            InputProblem(name, "", "expected integers, got booleans (True/False)")
        )
        return None
    if raw.dtype.kind == "O" and raw.size:
        kinds = {type(v) for v in raw.tolist()}
        if all(issubclass(k, int) and not issubclass(k, bool) for k in kinds):
            # Python ints beyond int64: compared below without overflow.
            huge = [v for v in raw.tolist() if v > MAX_COUNT]
            if huge:
                problems.append(_too_large(name, len(huge), huge[0]))
                return None
            raw = raw.astype(np.int64)
    if raw.dtype.kind == "f":
        if not np.all(np.isfinite(raw)) or not np.all(raw == np.round(raw)):
            problems.append(InputProblem(name, "", "expected whole numbers"))
            return None
        big_f = np.nonzero(raw > MAX_COUNT)[0]
        if big_f.size:
            problems.append(_too_large(name, big_f.size, raw[big_f[0]]))
            return None
    elif raw.dtype.kind not in "iu":
        problems.append(
            InputProblem(name, "", f"expected integers, got dtype {raw.dtype}")
        )
        return None
    elif raw.dtype.kind == "u" and (raw > MAX_COUNT).any():
        big_u = np.nonzero(raw > MAX_COUNT)[0]
        problems.append(_too_large(name, big_u.size, raw[big_u[0]]))
        return None
    out = raw.astype(np.int64, copy=True)
    big = np.nonzero(out > MAX_COUNT)[0]
    if big.size:
        problems.append(_too_large(name, big.size, out[big[0]]))
        return None
    low = np.nonzero(out < minimum)[0]
    if low.size:
        problems.append(
            InputProblem(
                name,
                "",
                f"must be >= {minimum}; {low.size} value(s) below, first at index "
                f"{int(low[0])} ({int(out[low[0]])})",
            )
        )
        return None
    return out


def _too_large(name: str, count: int, first: object) -> InputProblem:
    return InputProblem(
        name,
        "",
        f"must be <= 2**62 (use a large number such as 10**9 for 'unlimited'); "
        f"{count} value(s) above, first {first}",
    )


def _ids(
    ids: Sequence[str] | None,
    size: int,
    name: str,
    prefix: str,
    problems: list[InputProblem],
) -> tuple[str, ...]:
    if ids is None:
        return tuple(f"{prefix}-{k}" for k in range(size))
    if isinstance(ids, str | bytes):
        problems.append(
            InputProblem(
                name, "", f"expected a sequence of ids, got a single string {ids!r}"
            )
        )
        return tuple(f"{prefix}-{k}" for k in range(size))
    out = tuple(str(x) for x in ids)
    if len(out) != size:
        problems.append(InputProblem(name, "", f"expected {size} ids, got {len(out)}"))
        return out
    if any(not x for x in out):
        problems.append(InputProblem(name, "", "ids must be non-empty strings"))
    if len(set(out)) != len(out):
        seen: set[str] = set()
        dups = sorted({x for x in out if x in seen or seen.add(x)})  # type: ignore[func-returns-value]
        problems.append(InputProblem(name, "", f"duplicate ids: {dups[:5]}"))
    return out


def _prefs(
    prefs: Sequence[ArrayLike] | None,
    size: int,
    other: int,
    name: str,
    problems: list[InputProblem],
) -> tuple[NDArray[np.intp], ...] | None:
    if prefs is None:
        return None
    out_list: list[NDArray[np.intp]] = []
    for k, p in enumerate(prefs):
        try:
            raw = np.asarray(p).reshape(-1)
        except (ValueError, TypeError):
            raw = np.asarray([None])
        if raw.size and raw.dtype.kind not in "iu":
            problems.append(
                InputProblem(
                    name, "", f"ranking {k} must list integer indices, got {p!r}"
                )
            )
            return None
        out_list.append(raw.astype(np.intp, copy=True))
    out = tuple(out_list)
    if len(out) != size:
        problems.append(
            InputProblem(name, "", f"expected {size} rankings, got {len(out)}")
        )
        return None
    for k, p in enumerate(out):
        if p.size and (p.min() < 0 or p.max() >= other or np.unique(p).size != p.size):
            problems.append(
                InputProblem(
                    name, "", f"ranking {k} must list distinct indices in [0, {other})"
                )
            )
        _readonly(p)
    return out
