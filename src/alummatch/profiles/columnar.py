"""Validating CSV columns once per distinct value, and building records from them.

A cohort file has few distinct values per column (a handful of industries,
time zones, availability patterns), so each distinct cell text of a field
column is validated once, by the model itself (a record holding only that
field), and rows are then checked with numpy over category codes. Rows whose
cells all passed are built without re-validation; every other row is
validated record by record exactly as :func:`~alummatch.profiles.reading._build`
would, so the problems reported (and their order) are the same.

Two kinds of field are not probed one value at a time: plain text fields
(:data:`TEXT_FIELDS`, whose value is the stripped, non-blank cell) and
``min_load``, whose bound depends on ``capacity`` and is checked per row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
from collections.abc import Iterator
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.profiles.models import Mentee, Mentor, Profile, _split
from alummatch.profiles.reading import (
    CsvColumns,
    _check_reference_week,
    _column_problems,
    _validate_side,
)

__all__ = ["TEXT_FIELDS", "ColumnRecords", "build_from_columns", "no_gc"]

TEXT_FIELDS: frozenset[str] = frozenset({"id", "about", "location", "field_of_study"})
"""Fields whose valid value is the stripped cell text itself (any non-blank
text; ``id`` must not be blank)."""
_CAPACITY_PROBE = "1000000000"  # lets min_load be probed alone
_MUTABLE_DEFAULTS = (dict, list, set)
_SLICE = 16384  # rows built at a time

_P = TypeVar("_P", bound=Profile)


class _Side:
    """One file's columns, coded and checked."""

    def __init__(self, table: CsvColumns, model: type[Profile], name: str) -> None:
        self.model = model
        self.name = name
        self.lines = table.lines
        self.n = len(table.lines)
        self.header = table.header
        self.raw = {
            col: (table.codes[k], table.uniques[k])
            for k, col in enumerate(table.header)
        }
        fields = set(model.model_fields) - {"attributes"}
        self.bad = np.zeros(self.n, dtype=np.bool_)
        # field -> (codes, present per row, validated value per unique)
        self.coded: dict[
            str, tuple[NDArray[np.unsignedinteger[Any]], NDArray[np.bool_], list[Any]]
        ]
        self.coded = {}
        self.attrs: dict[
            str, tuple[NDArray[np.unsignedinteger[Any]], NDArray[np.bool_], list[str]]
        ]
        self.attrs = {}
        for col, (codes, uniques) in self.raw.items():
            texts = [u.strip() for u in uniques]
            blank = np.fromiter(
                (not t for t in texts), dtype=np.bool_, count=len(texts)
            )
            present = ~blank[codes] if len(texts) else np.zeros(self.n, np.bool_)
            if col not in fields:
                self.attrs[col] = (codes, present, texts)
                continue
            values: list[Any] = [t or None for t in texts]
            if col not in TEXT_FIELDS:
                wrong = np.zeros(len(texts), dtype=np.bool_)
                for k, text in enumerate(texts):
                    if text:
                        ok, values[k] = _probe(model, col, text)
                        wrong[k] = not ok
                self.bad |= wrong[codes]
            if col == "id":
                self.bad |= ~present
            self.coded[col] = (codes, present, values)
        if "min_load" in self.coded:
            load = self._ints("min_load", 0)
            cap = self._ints("capacity", int(model.model_fields["capacity"].default))
            self.bad |= self.coded["min_load"][1] & (load > cap)

    def _ints(self, field: str, default: int) -> NDArray[np.int64]:
        if field not in self.coded:
            return np.full(self.n, default, dtype=np.int64)
        codes, present, values = self.coded[field]
        table = np.array([v if isinstance(v, int) else default for v in values])
        out = table[codes] if len(values) else np.full(self.n, default)
        return np.where(present, out, default).astype(np.int64)

    def text(self, col: str, pos: int) -> str:
        """The raw cell of column ``col`` in row ``pos``."""
        codes, uniques = self.raw[col]
        return uniques[int(codes[pos])]

    def where(self, pos: int) -> str:
        return f"{self.name} row {int(self.lines[pos])}"

    def raw_id(self, pos: int) -> str | None:
        if "id" not in self.raw:
            return None
        return self.text("id", pos).strip() or None

    def record(self, pos: int) -> dict[str, Any]:
        """The row as :func:`~alummatch.profiles.reading._frame_rows` gives it."""
        record: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for col in self.raw:
            text = self.text(col, pos).strip()
            if not text:
                continue
            if col in self.coded:
                record[col] = text
            else:
                attributes[col] = text
        if attributes:
            record["attributes"] = attributes
        return record

    def ids(self) -> list[str | None]:
        if "id" not in self.raw:
            return [None] * self.n
        codes, present, values = self.coded["id"]
        table = np.array([*values, None], dtype=object)
        return list(table[_index(codes, present, len(values))])

    def columns(self) -> ColumnRecords:
        """The side's valid records, kept as columns."""
        return ColumnRecords(self.model, self.n, self.coded, self.attrs)


class ColumnRecords:
    """The valid records of one side, kept as columns until asked for.

    Per field, each distinct value and which one each row takes (or the
    field's default). A field's values for every row (:meth:`column`) need no
    record; :meth:`records` builds the models themselves, without
    re-validation, exactly as validating each row would have.

    Parameters
    ----------
    model : type
        :class:`~alummatch.profiles.models.Mentor` or ``Mentee``.
    n : int
        Number of rows.
    coded : dict
        Field -> (codes per row, whether each row gives it, value per code).
    attrs : dict
        Attribute -> (codes per row, whether each row gives it, text per code).
    """

    def __init__(
        self,
        model: type[Profile],
        n: int,
        coded: dict[
            str, tuple[NDArray[np.unsignedinteger[Any]], NDArray[np.bool_], list[Any]]
        ],
        attrs: dict[
            str, tuple[NDArray[np.unsignedinteger[Any]], NDArray[np.bool_], list[str]]
        ],
    ) -> None:
        self.model = model
        self.n = n
        self.coded = coded
        self.attrs = attrs

    def column(self, name: str) -> list[Any]:
        """The value of field ``name`` in every row, as its record holds it."""
        if name not in self.model.model_fields:
            raise AttributeError(
                f"{self.model.__name__!r} object has no attribute {name!r}"
            )
        return self._field(name, 0, self.n)

    def attribute(self, name: str) -> list[Any] | None:
        """Attribute ``name`` of every row (``None`` where not given), or
        ``None`` when no row gives it."""
        if name not in self.attrs or not self.attrs[name][1].any():
            return None
        codes, present, texts = self.attrs[name]
        table = np.array([*texts, None], dtype=object)
        out: list[Any] = table[_index(codes, present, len(texts))].tolist()
        return out

    def records(self) -> tuple[Profile, ...]:
        """Every row as a model, without re-validation (all rows are valid).

        Records are built a slice of rows at a time, so that the per-field
        value lists stay small beside the records.
        """
        model = self.model
        fields = list(model.model_fields)
        pattern = np.zeros(self.n, dtype=np.int64)
        for bit, name in enumerate(fields):
            if name == "attributes":
                for _, present, _ in self.attrs.values():
                    pattern |= present.astype(np.int64) << bit
            elif name in self.coded:
                pattern |= self.coded[name][1].astype(np.int64) << bit
        # records of one pattern of given cells share one (never mutated) set
        sets = {
            int(p): {f for b, f in enumerate(fields) if int(p) >> b & 1}
            for p in np.unique(pattern)
        }
        new = model.__new__
        setattr_ = object.__setattr__
        out: list[Profile] = []
        with no_gc():
            for lo in range(0, self.n, _SLICE):
                hi = min(lo + _SLICE, self.n)
                columns = [self._field(name, lo, hi) for name in fields]
                for values_row, p in zip(
                    zip(*columns, strict=True), pattern[lo:hi].tolist(), strict=True
                ):
                    m = new(model)
                    setattr_(m, "__dict__", dict(zip(fields, values_row, strict=True)))
                    setattr_(m, "__pydantic_fields_set__", sets[p])
                    setattr_(m, "__pydantic_extra__", None)
                    setattr_(m, "__pydantic_private__", None)
                    out.append(m)
        return tuple(out)

    def _field(self, name: str, lo: int, hi: int) -> list[Any]:
        """Values of one field for rows ``lo:hi``, defaults where not given."""
        if name == "attributes":
            return self._attributes(lo, hi)
        default = self.model.model_fields[name].get_default(call_default_factory=True)
        fresh = isinstance(default, _MUTABLE_DEFAULTS)
        if name not in self.coded:
            if fresh:
                return [type(default)(default) for _ in range(hi - lo)]
            return [default] * (hi - lo)
        codes, present, values = self.coded[name]
        table = np.empty(len(values) + 1, dtype=object)
        table[:-1] = values
        table[-1] = default
        col: list[Any] = table[
            _index(codes[lo:hi], present[lo:hi], len(values))
        ].tolist()
        if fresh:
            col = [type(v)(v) for v in col]
        return col

    def _attributes(self, lo: int, hi: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{} for _ in range(hi - lo)]
        for col, (codes, present, texts) in self.attrs.items():
            table = np.array([*texts, None], dtype=object)
            values = table[_index(codes[lo:hi], present[lo:hi], len(texts))].tolist()
            for d, v in zip(out, values, strict=True):
                if v is not None:
                    d[col] = v
        return out


def _index(
    codes: NDArray[np.unsignedinteger[Any]], present: NDArray[np.bool_], missing: int
) -> NDArray[np.intp]:
    """Codes as indices, ``missing`` where the cell is blank."""
    out = codes.astype(np.intp)
    out[~present] = missing
    return out


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Each collection walks every live object; building hundreds of thousands
    of records would trigger many of them for nothing to free.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _probe(model: type[Profile], field: str, text: str) -> tuple[bool, Any]:
    """Whether ``text`` is a valid ``field`` of ``model``, and its value."""
    record: dict[str, Any] = {field: text}
    if field == "min_load":  # its validator reads capacity: use the whole model
        record.update(id="x", capacity=_CAPACITY_PROBE)
        probe: type[BaseModel] = model
    else:
        probe = _field_model(model, field)
    try:
        return True, getattr(probe.model_validate(record), field)
    except ValidationError:
        return False, None


@functools.cache
def _field_model(model: type[Profile], field: str) -> type[BaseModel]:
    """A model with only ``field`` of ``model`` (same type, validators and
    config): validating one value costs no other field's defaults."""
    info = model.model_fields[field]
    fields: dict[str, Any] = {field: (info.annotation, info)}
    probe: type[BaseModel] = create_model(
        f"{model.__name__}_{field}",
        __config__=ConfigDict(**model.model_config),
        **fields,
    )
    return probe


def _cross(
    side: _Side,
    kind: str,
    label: str,
    pref_field: str,
    other_ids: set[str],
    other_kind: str,
    problems: list[InputProblem],
) -> None:
    """:func:`~alummatch.profiles.reading._cross_checks`, column-wise."""
    if side.n == 0:
        problems.append(
            InputProblem(
                label, "", f"no {kind}: a cohort needs at least one {kind[:-1]}"
            )
        )
    found: list[tuple[int, int, InputProblem]] = []
    ids = side.ids()
    if "id" in side.raw:
        present = side.coded["id"][1]
        repeat = pd.Series(ids, dtype=object).duplicated().to_numpy()
        dup = np.flatnonzero(present & repeat)
        if dup.size:
            first: dict[str, str] = {}
            for pos in np.flatnonzero(present).tolist():
                rid = ids[pos]
                assert rid is not None
                first.setdefault(rid, side.where(pos))
            for pos in dup.tolist():
                rid = ids[pos]
                found.append(
                    (
                        pos,
                        0,
                        InputProblem(
                            f"{side.where(pos)} (id {rid!r})",
                            "id",
                            f"duplicate id {rid!r} (first at {first[str(rid)]})",
                        ),
                    )
                )
    if pref_field in side.raw:
        codes, present, _ = side.coded[pref_field]
        uniq, where_u = np.unique(codes, return_index=True)
        unknown_of: dict[int, list[str]] = {}
        for code, pos in zip(uniq.tolist(), where_u.tolist(), strict=True):
            prefs = _split(side.text(pref_field, pos).strip())
            unknown = [p for p in prefs if p not in other_ids]
            if unknown:
                unknown_of[code] = unknown
        if unknown_of:
            hit = np.isin(codes, list(unknown_of)) & present
            for pos in np.flatnonzero(hit).tolist():
                if ids[pos] is None:
                    continue
                unknown = unknown_of[int(codes[pos])]
                found.append(
                    (
                        pos,
                        1,
                        InputProblem(
                            f"{side.where(pos)} (id {ids[pos]!r})",
                            pref_field,
                            f"unknown {other_kind[:-1]} id(s): "
                            f"{', '.join(repr(u) for u in unknown)}",
                        ),
                    )
                )
    found.sort(key=lambda t: (t[0], t[1]))
    problems.extend(p for _, _, p in found)


def build_from_columns(
    tables: tuple[CsvColumns, CsvColumns],
    names: tuple[str, str],
    reference_week: dt.date,
    problems: list[InputProblem],
) -> tuple[ColumnRecords, ColumnRecords] | None:
    """Validate two CSV tables column-wise; their records, as columns.

    Returns ``None`` when a table's header needs the record-by-record path
    (a column named twice, or one named ``attributes``). Raises
    :class:`~alummatch.errors.InvalidInputError` with exactly the problems,
    in the order, that the record-by-record path reports.
    """
    for table in tables:
        if len(set(table.header)) != len(table.header) or "attributes" in table.header:
            return None
    problems = list(problems)
    tor = _Side(tables[0], Mentor, names[0])
    tee = _Side(tables[1], Mentee, names[1])
    missing: list[frozenset[str]] = []
    for side in (tor, tee):
        found, absent = _column_problems(list(side.header), side.model, side.name)
        problems.extend(found)
        missing.append(absent)
    for side, skip in zip((tor, tee), missing, strict=True):
        rows = [
            (side.where(pos), side.record(pos))
            for pos in np.flatnonzero(side.bad).tolist()
        ]
        _validate_side(side.model, rows, skip, problems)
    tor_ids = {r for r in tor.ids() if r is not None}
    tee_ids = {r for r in tee.ids() if r is not None}
    _cross(tor, "mentors", names[0], "preferred_mentees", tee_ids, "mentees", problems)
    _cross(tee, "mentees", names[1], "preferred_mentors", tor_ids, "mentors", problems)
    del tor_ids, tee_ids  # not needed while records are built
    _check_reference_week(reference_week, problems)
    if problems:
        raise InvalidInputError(problems)
    return tor.columns(), tee.columns()
