"""The validated, columnar :class:`Cohort` of mentors and mentees.

A :class:`Cohort` is built from records, from two pandas DataFrames or from
two CSV files; every way validates every record and the cohort as a whole and
raises one :class:`~alummatch.errors.InvalidInputError` listing every problem
found. Nothing is half-loaded.

The cohort also offers cached, columnar views used by scoring: ids, category
codes, multi-hot matrices and UTC availability masks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Generator, Mapping, Sequence
from operator import attrgetter
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from alummatch.errors import InputProblem
from alummatch.profiles.availability import (
    REFERENCE_WEEK,
    SLOTS_PER_WEEK,
    mask_from_windows,
    utc_offset_hours,
)
from alummatch.profiles.columnar import ColumnRecords, build_from_columns, no_gc
from alummatch.profiles.models import Mentee, Mentor, Side
from alummatch.profiles.reading import (
    CsvColumns,
    _build,
    _frame,
    _frame_rows,
    read_csv_columns,
)

__all__ = ["Cohort"]

_T = TypeVar("_T")


class Cohort(BaseModel):
    """Validated mentors and mentees, with cached columnar views for scoring.

    Parameters
    ----------
    mentors : sequence of Mentor or dict
    mentees : sequence of Mentee or dict
    reference_week : datetime.date
        Monday of the week whose UTC offsets turn local availability into UTC
        (:data:`alummatch.profiles.availability.REFERENCE_WEEK` by default).

    Raises
    ------
    InvalidInputError
        Listing every problem: invalid records, duplicate ids, an empty side,
        preferred ids that do not exist.

    Examples
    --------
    >>> c = Cohort(
    ...     mentors=[{"id": "a-1", "industry": "software", "timezone": "UTC"}],
    ...     mentees=[{"id": "m-1", "industry": "data-ai", "timezone": "UTC"}],
    ... )
    >>> c.mentor_ids, c.mentee_ids
    (('a-1',), ('m-1',))
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    mentors: tuple[Mentor, ...]
    mentees: tuple[Mentee, ...]
    reference_week: dt.date = REFERENCE_WEEK
    _cache: dict[str, Any] = PrivateAttr(default_factory=dict)
    # (mentors, mentees) read column-wise: records are built when first asked for
    _columns: tuple[ColumnRecords, ColumnRecords] | None = PrivateAttr(default=None)

    def __init__(
        self,
        *,
        mentors: Sequence[Mentor | Mapping[str, Any]],
        mentees: Sequence[Mentee | Mapping[str, Any]],
        reference_week: dt.date = REFERENCE_WEEK,
    ) -> None:
        tors, tees = _build(
            [(f"mentors[{k}]", r) for k, r in enumerate(mentors)],
            [(f"mentees[{k}]", r) for k, r in enumerate(mentees)],
            labels=("mentors", "mentees"),
            reference_week=reference_week,
        )
        super().__init__(mentors=tors, mentees=tees, reference_week=reference_week)

    @classmethod
    def _trusted(
        cls,
        mentors: tuple[Mentor, ...],
        mentees: tuple[Mentee, ...],
        reference_week: dt.date = REFERENCE_WEEK,
    ) -> Cohort:
        """Build without validation, from records known to be valid."""
        return cls.model_construct(
            mentors=mentors, mentees=mentees, reference_week=reference_week
        )

    @classmethod
    def _from_columns(
        cls,
        mentors: ColumnRecords,
        mentees: ColumnRecords,
        reference_week: dt.date = REFERENCE_WEEK,
    ) -> Cohort:
        """Build without validation from valid columns; ``mentors`` and
        ``mentees`` become records when first read."""
        out = cls.model_construct(
            _fields_set={"mentors", "mentees", "reference_week"},
            reference_week=reference_week,
        )
        out._columns = (mentors, mentees)
        return out

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if name in ("mentors", "mentees"):
                private = object.__getattribute__(self, "__pydantic_private__")
                columns = (private or {}).get("_columns")
                if columns is not None:
                    records = columns[name == "mentees"].records()
                    given = self.__dict__
                    given[name] = records
                    order = [f for f in type(self).model_fields if f in given]
                    for f in order:  # fields in declared order, as when eager
                        given[f] = given.pop(f)
                    return records
            return super().__getattr__(name)

    def _records(self) -> None:
        """Build the records of both sides if they are still columns."""
        self.mentors  # noqa: B018 - read for its side effect
        self.mentees  # noqa: B018

    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler) -> Any:
        self._records()
        return handler(self)

    def __iter__(self) -> Generator[tuple[str, Any], None, None]:
        self._records()
        yield from super().__iter__()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cohort):
            return NotImplemented
        return (
            self.mentors == other.mentors
            and self.mentees == other.mentees
            and self.reference_week == other.reference_week
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Cohort({self.n_mentees} mentees, {self.n_mentors} mentors)"

    __str__ = __repr__

    # ---------------------------------------------------------------- loading
    @classmethod
    def from_frames(
        cls,
        mentors: pd.DataFrame,
        mentees: pd.DataFrame,
        *,
        reference_week: dt.date = REFERENCE_WEEK,
    ) -> Cohort:
        """Build a cohort from two DataFrames, one row a person.

        Columns are field names; list fields may be lists or ``;``-separated
        text; other columns become ``attributes``; missing cells (None, NaN,
        empty text) take the field's default. Problems name the row by its
        index label, e.g. ``"mentees row 4 (id 'm-3')"``.

        Raises
        ------
        InvalidInputError
            Listing every problem found, including missing required columns.
        """
        return cls._from_tables(
            mentors,
            mentees,
            ("mentors", "mentees"),
            lambda name: lambda key: f"{name} row {key[1]}",
            reference_week,
        )

    @classmethod
    def from_csv(
        cls,
        mentors_path: str | PathLike[str],
        mentees_path: str | PathLike[str],
        *,
        reference_week: dt.date = REFERENCE_WEEK,
    ) -> Cohort:
        """Load a cohort from two CSV files with a header row.

        Every cell is read as UTF-8 text (a byte-order mark, as Excel writes,
        is fine). Problems name the file and the line where the row starts,
        header being row 1, e.g. ``"mentees.csv row 4 (id 'm-3')"``. Rows whose
        cells are all blank are skipped; short rows are padded with blank
        cells; a row with more non-blank cells than the header has columns, a
        named-less column with values, text that is not UTF-8 and broken
        quoting are problems.

        The cohort keeps the records as columns: its columnar views (and so
        scoring) read them as they are, and :attr:`mentors` and
        :attr:`mentees` are built the first time they are read.

        Raises
        ------
        InvalidInputError
            Listing every problem found in both files.
        FileNotFoundError
            When a file does not exist.
        """
        tables: list[CsvColumns] = []
        names: list[str] = []
        problems: list[InputProblem] = []
        with no_gc():
            for path in (Path(mentors_path), Path(mentees_path)):
                names.append(path.name)
                table, found = read_csv_columns(path)
                tables.append(table)
                problems.extend(found)
            built = build_from_columns(
                (tables[0], tables[1]), (names[0], names[1]), reference_week, problems
            )
        if built is not None:
            return cls._from_columns(*built, reference_week)
        return cls._from_tables(
            tables[0].frame(),
            tables[1].frame(),
            (names[0], names[1]),
            lambda name: lambda key: f"{name} row {key[1]}",
            reference_week,
            problems,
        )

    @classmethod
    def _from_tables(
        cls,
        mentors: pd.DataFrame,
        mentees: pd.DataFrame,
        names: tuple[str, str],
        labeller: Callable[[str], Callable[[Any], str]],
        reference_week: dt.date,
        problems: list[InputProblem] | None = None,
    ) -> Cohort:
        problems = list(problems or [])
        tor_rows, tor_missing, p1 = _frame_rows(
            mentors, Mentor, names[0], labeller(names[0])
        )
        tee_rows, tee_missing, p2 = _frame_rows(
            mentees, Mentee, names[1], labeller(names[1])
        )
        tors, tees = _build(
            tor_rows,
            tee_rows,
            labels=names,
            reference_week=reference_week,
            missing={"mentors": tor_missing, "mentees": tee_missing},
            problems=[*problems, *p1, *p2],
        )
        return cls._trusted(tors, tees, reference_week)

    def to_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The cohort as ``(mentors, mentees)`` DataFrames.

        List fields are ``;``-joined (sets sorted, rankings in order), missing
        values are ``None`` and every attribute is a column, so that
        :meth:`from_frames` (and ``to_csv`` followed by :meth:`from_csv`) give
        the cohort back.
        """
        return _frame(self.mentors, Mentor), _frame(self.mentees, Mentee)

    # ------------------------------------------------------- columnar views
    def _cached(self, key: str, make: Callable[[], _T]) -> _T:
        cache = self._cache
        if key not in cache:
            cache[key] = make()
        return cache[key]  # type: ignore[no-any-return]

    def side(self, side: Side) -> tuple[Mentor, ...] | tuple[Mentee, ...]:
        """The records of one side, ``"mentees"`` or ``"mentors"``."""
        if side == "mentees":
            return self.mentees
        if side == "mentors":
            return self.mentors
        raise ValueError(f"side must be 'mentees' or 'mentors', got {side!r}")

    def _side_columns(self, side: Side) -> ColumnRecords | None:
        """The side's records as columns, when the cohort was read that way."""
        if self._columns is None:
            return None
        if side not in ("mentees", "mentors"):
            raise ValueError(f"side must be 'mentees' or 'mentors', got {side!r}")
        return self._columns[side == "mentees"]

    def _column(self, side: Side, field: str) -> list[Any]:
        """One field of every record of a side (records need not exist)."""
        columns = self._side_columns(side)
        if columns is not None:
            return columns.column(field)
        return list(map(attrgetter(field), self.side(side)))

    @property
    def n_mentees(self) -> int:
        """Number of mentees (rows of every score matrix)."""
        columns = self._side_columns("mentees")
        return len(self.mentees) if columns is None else columns.n

    @property
    def n_mentors(self) -> int:
        """Number of mentors (columns of every score matrix)."""
        columns = self._side_columns("mentors")
        return len(self.mentors) if columns is None else columns.n

    @property
    def mentee_ids(self) -> tuple[str, ...]:
        """Mentee ids, in row order."""
        return self._cached("mentee_ids", lambda: tuple(self.values("mentees", "id")))

    @property
    def mentor_ids(self) -> tuple[str, ...]:
        """Mentor ids, in column order."""
        return self._cached("mentor_ids", lambda: tuple(self.values("mentors", "id")))

    def mentee_index(self) -> dict[str, int]:
        """Map of mentee id to row index."""
        return self._cached(
            "mentee_index", lambda: {k: i for i, k in enumerate(self.mentee_ids)}
        )

    def mentor_index(self) -> dict[str, int]:
        """Map of mentor id to column index."""
        return self._cached(
            "mentor_index", lambda: {k: i for i, k in enumerate(self.mentor_ids)}
        )

    def values(self, side: Side, field: str) -> NDArray[np.object_]:
        """One field of every record of a side, as a read-only object array."""

        def make() -> NDArray[np.object_]:
            column = self._column(side, field)
            out = np.empty(len(column), dtype=object)
            out[:] = column
            out.setflags(write=False)
            return out

        return self._cached(f"values:{side}:{field}", make)

    def attribute(self, side: Side, name: str) -> NDArray[np.object_] | None:
        """Values of an attribute (or, failing that, a field) on one side.

        Returns
        -------
        ndarray of object or None
            One value per record, ``None`` where missing; ``None`` altogether
            when no record of that side has the attribute and it is not a
            profile field.
        """

        def make() -> NDArray[np.object_] | None:
            columns = self._side_columns(side)
            given: list[Any] | None
            if columns is not None:
                given = columns.attribute(name)
            else:
                records = self.side(side)
                given = None
                if any(name in r.attributes for r in records):
                    given = [r.attributes.get(name) for r in records]
            if given is not None:
                out = np.empty(len(given), dtype=object)
                out[:] = given
                out.setflags(write=False)
                return out
            model = Mentee if side == "mentees" else Mentor
            if name in model.model_fields and name != "attributes":
                return self.values(side, name)
            return None

        return self._cached(f"attribute:{side}:{name}", make)

    def int_values(self, side: Side, field: str) -> NDArray[np.int64]:
        """An integer field (``capacity``, ``demand``, ...) as an int64 array."""

        def make() -> NDArray[np.int64]:
            column = self._column(side, field)
            out = np.fromiter(column, dtype=np.int64, count=len(column))
            out.setflags(write=False)
            return out

        return self._cached(f"int:{side}:{field}", make)

    def codes(
        self, field: str, *, normalise: Callable[[Any], Any] | None = None
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], tuple[Any, ...]]:
        """Shared category codes of a single-valued field on both sides.

        Parameters
        ----------
        field : str
            A hashable field such as ``"industry"`` or ``"location"``.
        normalise : callable, optional
            Applied to each non-missing value first (e.g. ``str.casefold``).

        Returns
        -------
        mentee_codes, mentor_codes : ndarray of intp
            Index into ``categories``; ``-1`` where the value is missing.
        categories : tuple
            Distinct values, in order of first appearance (mentees first).
        """

        def make() -> tuple[NDArray[np.intp], NDArray[np.intp], tuple[Any, ...]]:
            both = [*self.values("mentees", field), *self.values("mentors", field)]
            if normalise is not None:
                both = [None if v is None else normalise(v) for v in both]
            lookup: dict[Any, int] = {}
            codes = np.fromiter(
                (-1 if v is None else lookup.setdefault(v, len(lookup)) for v in both),
                dtype=np.intp,
                count=len(both),
            )
            tee, tor = codes[: self.n_mentees], codes[self.n_mentees :]
            tee.setflags(write=False)
            tor.setflags(write=False)
            return tee, tor, tuple(lookup)

        key = f"codes:{field}:{getattr(normalise, '__qualname__', None)}"
        return self._cached(key, make)

    def multi_hot(
        self, field: str
    ) -> tuple[sp.csr_array, sp.csr_array, tuple[str, ...]]:
        """Multi-hot sparse matrices of a set-valued field on both sides.

        Returns
        -------
        mentees, mentors : scipy.sparse.csr_array of float32
            ``(n, n_vocab)`` with a 1 where the person has the item.
        vocab : tuple of str
            The items, sorted.
        """

        def make() -> tuple[sp.csr_array, sp.csr_array, tuple[str, ...]]:
            tee = self.values("mentees", field)
            tor = self.values("mentors", field)
            vocab = tuple(sorted(set().union(*tee, *tor)))
            lookup = {v: k for k, v in enumerate(vocab)}
            return (
                _csr(tee, lookup, len(vocab)),
                _csr(tor, lookup, len(vocab)),
                vocab,
            )

        return self._cached(f"multi_hot:{field}", make)

    def availability_mask(self, side: Side) -> NDArray[np.bool_]:
        """Weekly availability in UTC half-hour slots.

        Returns
        -------
        ndarray of bool, shape (n, SLOTS_PER_WEEK)
            Read-only; slot 0 is Monday 00:00-00:30 UTC of the reference week.
            A person without a time zone has no slot (availability not given).
        """

        def make() -> NDArray[np.bool_]:
            zones = self._column(side, "timezone")
            windows = self._column(side, "availability")
            # a mask a distinct (windows, zone); windows without a zone cannot
            # be placed in UTC: the last, empty, mask
            keys: dict[tuple[tuple[str, ...], str], int] = {}
            which = np.fromiter(
                (
                    -1 if tz is None else keys.setdefault((tuple(w), tz), len(keys))
                    for w, tz in zip(windows, zones, strict=True)
                ),
                dtype=np.intp,
                count=len(zones),
            )
            masks = np.zeros((len(keys) + 1, SLOTS_PER_WEEK), dtype=np.bool_)
            for k, key in enumerate(keys):
                masks[k] = mask_from_windows(*key, self.reference_week)
            out = masks[which]
            out.setflags(write=False)
            return out

        return self._cached(f"availability:{side}", make)

    def utc_offsets(self, side: Side) -> NDArray[np.float64]:
        """UTC offset of each person's zone at the reference week, in hours.

        NaN where the time zone is not given.
        """

        def make() -> NDArray[np.float64]:
            zones = self._column(side, "timezone")
            out = np.fromiter(
                (
                    math.nan
                    if tz is None
                    else utc_offset_hours(tz, self.reference_week)
                    for tz in zones
                ),
                dtype=np.float64,
                count=len(zones),
            )
            out.setflags(write=False)
            return out

        return self._cached(f"offsets:{side}", make)


def _csr(
    sets: NDArray[np.object_], lookup: Mapping[str, int], width: int
) -> sp.csr_array:
    indptr = np.zeros(len(sets) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(s) for s in sets])
    indices = np.fromiter(
        (lookup[v] for s in sets for v in sorted(s)),
        dtype=np.int64,
        count=int(indptr[-1]),
    )
    data = np.ones(indices.size, dtype=np.float32)
    return sp.csr_array((data, indices, indptr), shape=(len(sets), width))
