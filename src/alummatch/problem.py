"""The matching problem: immutable arrays that every solver reads.

A :class:`MatchingProblem` holds the mentee x mentor score matrix, the mask of
allowed pairs, mentor capacities and minimum loads, and mentee demands. It is
built from a cohort by :func:`build_problem` or straight from a score matrix by
:meth:`MatchingProblem.from_scores`.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alummatch.errors import InputProblem, InvalidInputError

__all__ = ["MatchingProblem", "ProblemContext"]

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
        kw: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self)
        }
        kw.update(changes)
        if "context" not in changes and changes.keys() & _CONTEXT_BOUND:
            # The context explains the scores, allowed pairs and ids it was
            # built with: new ones would be explained with the old facts.
            kw["context"] = None
        scores = kw.pop("scores")
        return MatchingProblem.from_scores(scores, **kw)

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

        Raises
        ------
        InvalidInputError
            Listing every problem with the arguments.

        Examples
        --------
        >>> p = MatchingProblem.from_scores([[0.9, 0.1], [0.4, 0.8]])
        >>> p.shape
        (2, 2)
        """
        problems: list[InputProblem] = []
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
