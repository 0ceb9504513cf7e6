"""Reading and validating profile records: CSV files, DataFrames, dicts.

Every record is validated and the two sides are checked together (duplicate
ids, empty sides, preferred ids that do not exist); every problem found is
collected into one :class:`~alummatch.errors.InvalidInputError`, never the
first one only. Columns are the field names; columns that are not fields
become ``attributes``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import itertools
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, ValidationError

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.profiles.models import (
    LIST_FIELDS,
    REQUIRED_COLUMNS,
    Mentee,
    Mentor,
    Profile,
    _split,
)

__all__ = ["normalise_name", "suggest_field"]

_T = TypeVar("_T")


# --------------------------------------------------------------------------- #
# error conversion
# --------------------------------------------------------------------------- #
def _message(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a profile field"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {value!r}"
    if kind == "greater_than_equal":
        return f"must be >= {ctx.get('ge')}, got {value!r}"
    if kind == "less_than_equal":
        return f"must be <= {ctx.get('le')}, got {value!r}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind in ("string_type", "str_type"):
        return f"expected text, got {type(value).__name__}"
    msg = str(err.get("msg", "invalid value"))
    return msg[0].lower() + msg[1:] if msg else "invalid value"


def _convert(
    exc: ValidationError, where: str, skip_missing: frozenset[str]
) -> list[InputProblem]:
    out: list[InputProblem] = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        field = str(loc[0]) if loc else ""
        if err["type"] == "missing" and field in skip_missing:
            continue
        msg = _message(err)
        if len(loc) > 1 and isinstance(loc[1], int):
            msg = f"item {loc[1] + 1}: {msg}"
        elif len(loc) > 1:
            field = ".".join(str(x) for x in loc)
        out.append(InputProblem(where, field, msg))
    return out


# --------------------------------------------------------------------------- #
# record validation
# --------------------------------------------------------------------------- #
_Row = tuple[str, Any]  # (location label, record: dict or model)


def _raw_id(record: Any) -> str | None:
    rid = (
        record.get("id") if isinstance(record, Mapping) else getattr(record, "id", None)
    )
    if rid is None or (isinstance(rid, float) and math.isnan(rid)):
        return None
    text = str(rid).strip()
    return text or None


def _with_id(where: str, record: Any) -> str:
    rid = _raw_id(record)
    return f"{where} (id {rid!r})" if rid is not None else where


def _validate_side(
    model: type[_T],
    rows: Sequence[_Row],
    skip_missing: frozenset[str],
    problems: list[InputProblem],
) -> list[_T]:
    out: list[_T] = []
    for where, record in rows:
        if isinstance(record, model):
            out.append(record)
            continue
        label = _with_id(where, record)
        if isinstance(record, BaseModel):
            record = record.model_dump()
        if not isinstance(record, Mapping):
            problems.append(
                InputProblem(label, "", f"expected a {model.__name__} or a dict")
            )
            continue
        try:
            out.append(model.model_validate(dict(record)))  # type: ignore[attr-defined]
        except ValidationError as exc:
            problems.extend(_convert(exc, label, skip_missing))
    return out


def _cross_checks(
    side: str,
    side_label: str,
    rows: Sequence[_Row],
    pref_field: str,
    other_ids: set[str],
    other_side: str,
    problems: list[InputProblem],
) -> None:
    if not rows:
        problems.append(
            InputProblem(
                side_label, "", f"no {side}: a cohort needs at least one {side[:-1]}"
            )
        )
    first: dict[str, str] = {}
    for where, record in rows:
        rid = _raw_id(record)
        if rid is None:
            continue
        if rid in first:
            problems.append(
                InputProblem(
                    _with_id(where, record),
                    "id",
                    f"duplicate id {rid!r} (first at {first[rid]})",
                )
            )
        else:
            first[rid] = where
        prefs = (
            record.get(pref_field)
            if isinstance(record, Mapping)
            else getattr(record, pref_field, None)
        )
        prefs = _split(prefs)
        if isinstance(prefs, Iterable) and not isinstance(prefs, str | bytes):
            unknown = [str(p).strip() for p in prefs if str(p).strip() not in other_ids]
            if unknown:
                problems.append(
                    InputProblem(
                        _with_id(where, record),
                        pref_field,
                        f"unknown {other_side[:-1]} id(s): "
                        f"{', '.join(repr(u) for u in unknown)}",
                    )
                )


def _build(
    mentor_rows: Sequence[_Row],
    mentee_rows: Sequence[_Row],
    *,
    labels: tuple[str, str],
    reference_week: dt.date,
    missing: Mapping[str, frozenset[str]] | None = None,
    problems: list[InputProblem] | None = None,
) -> tuple[tuple[Mentor, ...], tuple[Mentee, ...]]:
    problems = list(problems or [])
    missing = missing or {}
    tors = _validate_side(
        Mentor, mentor_rows, missing.get("mentors", frozenset()), problems
    )
    tees = _validate_side(
        Mentee, mentee_rows, missing.get("mentees", frozenset()), problems
    )
    tor_ids = {r for _, rec in mentor_rows if (r := _raw_id(rec)) is not None}
    tee_ids = {r for _, rec in mentee_rows if (r := _raw_id(rec)) is not None}
    _cross_checks(
        "mentors",
        labels[0],
        mentor_rows,
        "preferred_mentees",
        tee_ids,
        "mentees",
        problems,
    )
    _cross_checks(
        "mentees",
        labels[1],
        mentee_rows,
        "preferred_mentors",
        tor_ids,
        "mentors",
        problems,
    )
    _check_reference_week(reference_week, problems)
    if problems:
        raise InvalidInputError(problems)
    return tuple(tors), tuple(tees)


def _check_reference_week(reference_week: Any, problems: list[InputProblem]) -> None:
    if not isinstance(reference_week, dt.date) or reference_week.weekday() != 0:
        problems.append(
            InputProblem(
                "reference_week", "", f"expected a Monday date, got {reference_week!r}"
            )
        )


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return value is pd.NA or value is pd.NaT


def normalise_name(name: str) -> str:
    """A column name compared loosely: lower case, spaces and dashes as ``_``."""
    text = "_".join(str(name).strip().lower().replace("-", " ").split())
    return text.replace("__", "_")


def suggest_field(name: str, fields: Iterable[str]) -> str | None:
    """The field a column name most likely meant, or ``None``.

    A name that equals a field once case, spaces, dashes and underscores are
    normalised (``"Capacity"``, ``"meeting frequency"``), or is a close edit of
    one (``"language"`` for ``languages``, by :func:`difflib.get_close_matches`),
    suggests that field; an exact field name suggests nothing.

    Examples
    --------
    >>> suggest_field("Capacity", ["capacity", "languages"])
    'capacity'
    >>> suggest_field("language", ["capacity", "languages"])
    'languages'
    >>> suggest_field("first_generation", ["capacity", "languages"]) is None
    True
    """
    known = list(fields)
    if name in known:
        return None
    norm = normalise_name(name)
    by_norm = {normalise_name(f): f for f in known}
    if norm in by_norm:
        return by_norm[norm]
    squashed = {k.replace("_", ""): f for k, f in by_norm.items()}
    if norm.replace("_", "") in squashed:
        return squashed[norm.replace("_", "")]
    close = difflib.get_close_matches(norm, list(by_norm), n=1, cutoff=0.85)
    return by_norm[close[0]] if close else None


def _column_problems(
    cols: list[str], model: type[Profile], name: str
) -> tuple[list[InputProblem], frozenset[str]]:
    """Columns named twice, required columns missing, misspelt field names."""
    problems: list[InputProblem] = []
    dup_cols = sorted({c for c in cols if cols.count(c) > 1})
    for c in dup_cols:
        problems.append(InputProblem(name, c, "column appears more than once"))
    missing = frozenset(c for c in REQUIRED_COLUMNS if c not in cols)
    for c in REQUIRED_COLUMNS:
        if c in missing:
            problems.append(InputProblem(name, c, "required column is missing"))
    fields = set(model.model_fields) - {"attributes"}
    for c in dict.fromkeys(cols):
        if c in fields or c == "attributes":
            continue
        meant = suggest_field(c, fields)
        if meant is not None and meant not in cols:
            problems.append(
                InputProblem(
                    name,
                    c,
                    f"unknown column; did you mean {meant!r}? (columns that are "
                    "not fields become attributes, but this one looks misspelt: "
                    "rename it)",
                )
            )
    return problems, missing


def _frame_rows(
    df: pd.DataFrame, model: type[Profile], name: str, label: Callable[[Any], str]
) -> tuple[list[_Row], frozenset[str], list[InputProblem]]:
    problems: list[InputProblem] = []
    if not isinstance(df, pd.DataFrame):
        problems.append(
            InputProblem(
                name, "", f"expected a pandas DataFrame, got {type(df).__name__}"
            )
        )
        return [], frozenset(), problems
    cols = [str(c).strip() for c in df.columns]
    problems, missing = _column_problems(cols, model, name)
    fields = set(model.model_fields) - {"attributes"}
    rows: list[_Row] = []
    values = df.astype(object).to_numpy(dtype=object)
    for pos, index_label in enumerate(df.index):
        record: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for col, value in zip(cols, values[pos], strict=True):
            if col == "attributes" and isinstance(value, Mapping):
                attributes.update(value)
                continue
            if _is_missing(value):
                continue
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, str):
                value = value.strip()
            if col in fields:
                if col in LIST_FIELDS and isinstance(value, np.ndarray):
                    value = value.tolist()
                record[col] = value
            else:
                attributes[col] = value
        if attributes:
            record["attributes"] = attributes
        rows.append((label((pos, index_label)), record))
    return rows, missing, problems


_CHUNK = 8192  # rows turned into column codes at a time
_LOG_EVERY = 1 << 16  # rows between two progress milestones
log = logging.getLogger("alummatch")


@dataclass(frozen=True)
class CsvColumns:
    """One CSV file read as coded text columns (see :func:`read_csv_columns`).

    Attributes
    ----------
    header : tuple of str
        Column names, stripped; blank-named columns without values are dropped.
    codes : tuple of ndarray of unsigned int
        Per column, the index of each kept row's cell text in ``uniques``
        (the smallest integer type that holds them).
    uniques : tuple of list of str
        Per column, its distinct raw cell texts (every cell, in order, for a
        column of nearly all-distinct texts such as ids).
    lines : ndarray of int64
        The line each kept row starts on (header = row 1).
    """

    header: tuple[str, ...]
    codes: tuple[NDArray[np.unsignedinteger[Any]], ...]
    uniques: tuple[list[str], ...]
    lines: NDArray[np.int64]

    def cells(self, k: int) -> NDArray[np.object_]:
        """The raw cells of column ``k``, one per kept row."""
        table = np.empty(len(self.uniques[k]), dtype=object)
        table[:] = self.uniques[k]
        out: NDArray[np.object_] = table[self.codes[k]]
        return out

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame of text cells indexed by line."""
        data = np.empty((len(self.lines), len(self.header)), dtype=object)
        for k in range(len(self.header)):
            data[:, k] = self.cells(k)
        return pd.DataFrame(data, columns=list(self.header), index=self.lines.tolist())


class _Columns:
    """Rows turned into per-column codes, a chunk at a time.

    Each chunk's distinct texts are merged into the column's at once, so that
    only distinct texts outlive their chunk. A column whose first chunk is
    (nearly) all distinct, such as ids, keeps its cells as they are: coding it
    would only cost time.
    """

    def __init__(self, width: int) -> None:
        self.raw: list[bool] | None = None
        self.seen: list[dict[str, int]] = [{} for _ in range(width)]
        self.next = [0] * width
        self.parts: list[list[NDArray[np.object_] | NDArray[np.intp]]] = [
            [] for _ in range(width)
        ]

    def add(self, rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            return
        first = self.raw is None
        raw = self.raw or []
        for k, values in enumerate(zip(*rows, strict=True)):
            cells = np.empty(len(values), dtype=object)
            cells[:] = values
            if first:
                raw.append(len(set(values)) > 0.95 * len(values) >= 1000)
            if raw[k]:
                self.parts[k].append(cells)
                continue
            codes, uniq = pd.factorize(cells)
            # a new text takes the next free number; numbers are made dense later
            top = self.next[k]
            numbers = np.fromiter(
                map(
                    self.seen[k].setdefault, uniq.tolist(), range(top, top + len(uniq))
                ),
                dtype=np.intp,
                count=len(uniq),
            )
            self.next[k] = top + len(uniq)
            self.parts[k].append(numbers[codes])
        self.raw = raw

    def table(self, header: list[str], lines: NDArray[np.int64]) -> CsvColumns:
        codes: list[NDArray[np.unsignedinteger[Any]]] = []
        uniques: list[list[str]] = []
        for k, parts in enumerate(self.parts):
            if self.raw and self.raw[k]:
                cells = np.concatenate(parts)
                codes.append(np.arange(len(cells), dtype=np.uint32))
                uniques.append(cells.tolist())
            else:
                seen = self.seen[k]
                numbers = np.fromiter(seen.values(), dtype=np.intp, count=len(seen))
                small = np.min_scalar_type(max(len(seen) - 1, 0))
                dense = np.zeros(int(numbers.max(initial=-1)) + 1, dtype=small)
                dense[numbers] = np.arange(len(seen), dtype=small)
                got = np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)
                codes.append(dense[got])
                uniques.append(list(seen))
            parts.clear()
        return CsvColumns(tuple(header), tuple(codes), tuple(uniques), lines)


class _Irregular(Exception):
    """The file needs the row-by-row reader (odd rows or an error to locate)."""


def _breaks(cells: Sequence[str]) -> int:
    """Line breaks inside a row's cells (as a file iterator splits lines)."""
    return sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in cells)


def _progress(name: str, rows: int, done: int, size: int) -> None:
    log.info("read %d rows of %s", rows, name, extra={"progress": (name, done, size)})


def _read_fast(path: Path) -> tuple[CsvColumns, list[InputProblem]] | None:
    """Chunks of rows at C speed; ``_Irregular`` when a row needs a closer look.

    Handles short rows, blank rows and quoted cells over several lines;
    raises on a row wider than the header and on any read error, so that the
    row-by-row reader reports them.
    """
    name = path.name
    size = path.stat().st_size
    chatty = log.isEnabledFor(logging.INFO)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        raw: Any = fh.buffer
        reader = csv.reader(fh, strict=True)
        try:
            header: list[str] | None = None
            for cells in reader:
                if any(c.strip() for c in cells):
                    header = [h.strip() for h in cells]
                    break
            if header is None:
                return None
            width = len(header)
            cols = _Columns(width)
            lines: list[NDArray[np.int64]] = []
            done = reader.line_num
            n_rows = 0
            while chunk := list(itertools.islice(reader, _CHUNK)):
                spans = np.ones(len(chunk), dtype=np.int64)
                if reader.line_num - done != len(chunk):
                    spans += [_breaks(r) for r in chunk]
                    if int(spans.sum()) != reader.line_num - done:
                        raise _Irregular
                lines.append(done + 1 + np.cumsum(spans) - spans)
                done = reader.line_num
                for k, row in enumerate(chunk):
                    if len(row) != width:
                        if len(row) > width:
                            raise _Irregular
                        chunk[k] = row + [""] * (width - len(row))
                cols.add(chunk)
                n_rows += len(chunk)
                if chatty and n_rows % _LOG_EVERY < len(chunk) < n_rows:
                    _progress(name, n_rows, raw.tell(), size)
        except (UnicodeDecodeError, csv.Error):
            raise _Irregular from None
    at = np.concatenate(lines) if lines else np.zeros(0, dtype=np.int64)
    table = _drop_blank(cols.table(header, at))
    if chatty:
        _progress(name, len(table.lines), size, size)
    return _drop_nameless(name, table)


_QUOTE, _COMMA, _LF, _CR = b'"'[0], b","[0], b"\n"[0], b"\r"[0]
_UTF8_SLICE = 1 << 20  # bytes decoded at a time when checking non-ASCII text
_SCAN = 1 << 22  # bytes searched at a time (keeps temporary masks small)


@dataclass(frozen=True)
class _Rows:
    """Where the rows of a CSV file lie, found from its bytes alone.

    A row ends at a line feed outside quotes. ``start`` and ``stop`` are byte
    offsets (``stop`` before the line break), ``line`` the line each starts on.
    """

    start: NDArray[np.intp]
    stop: NDArray[np.intp]
    line: NDArray[np.int64]
    multiline: bool


def _utf8(data: bytes, skip: int) -> bool:
    """Whether ``data[skip:]`` is UTF-8 text (decoded a slice at a time)."""
    if data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    view = memoryview(data)
    try:
        for lo in range(skip, len(data), _UTF8_SLICE):
            decoder.decode(view[lo : lo + _UTF8_SLICE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _find(buf: NDArray[np.uint8], byte: int) -> NDArray[np.intp]:
    """Offsets of ``byte`` in ``buf``, searched a slice at a time."""
    parts = [
        np.flatnonzero(buf[lo : lo + _SCAN] == byte) + lo
        for lo in range(0, buf.size, _SCAN)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)


def _rows(buf: NDArray[np.uint8]) -> _Rows | None:
    """The rows of ``buf`` when :mod:`csv` and pyarrow must read it alike.

    That is when every quote opens a cell (at its start) or closes one (before
    a comma, a line break or the end), the two halves of a doubled quote
    aside; when every carriage return begins a ``\r\n``; and when no row is
    longer than :func:`csv.field_size_limit`. Otherwise (a quote inside an
    unquoted cell, text after a closing quote, an unclosed quote, a lone
    ``\r``, a huge cell) ``None``: the :mod:`csv` readers decide.
    """
    n = buf.size
    quotes = _find(buf, _QUOTE)
    if quotes.size % 2:
        return None
    if quotes.size:
        opens, closes = quotes[0::2], quotes[1::2]
        before = buf[np.maximum(opens - 1, 0)]
        ok = (opens == 0) | (before == _COMMA) | (before == _LF)
        ok[1:] |= opens[1:] - 1 == closes[:-1]
        after = buf[np.minimum(closes + 1, n - 1)]
        shut = (closes == n - 1) | (after == _COMMA) | (after == _LF) | (after == _CR)
        shut[:-1] |= closes[:-1] + 1 == opens[1:]
        if not (ok.all() and shut.all()):
            return None
    crs = _find(buf, _CR)
    if crs.size and (crs[-1] == n - 1 or (buf[crs + 1] != _LF).any()):
        return None
    feeds = _find(buf, _LF)
    quoted = np.searchsorted(quotes, feeds) % 2 == 1
    ends = feeds[~quoted]
    start = np.concatenate(([0], ends + 1)).astype(np.intp)
    stop = np.concatenate((ends, [n])).astype(np.intp)
    filled = stop > start
    stop[filled] -= buf[stop[filled] - 1] == _CR
    keep = stop > start
    start, stop = start[keep], stop[keep]
    if start.size and int((stop - start).max()) > csv.field_size_limit():
        return None
    line = 1 + np.searchsorted(feeds, start).astype(np.int64)
    return _Rows(start, stop, line, bool(quoted.any()))


def _read_arrow(path: Path) -> tuple[CsvColumns, list[InputProblem]] | None:
    """The whole file at C++ speed, with pyarrow's multi-threaded CSV reader.

    Used when the file's bytes show that :mod:`csv` would read it alike
    (:func:`_rows`): valid UTF-8, well-formed quoting, every row as wide as
    the header. Each column comes back dictionary-encoded, so that only its
    distinct texts become Python strings. ``None`` when the file needs the
    :mod:`csv` readers (they report whatever is wrong with it).
    """
    import pyarrow as pa
    import pyarrow.compute as pacompute
    import pyarrow.csv as pacsv

    if not path.is_file():  # a pipe can be read once only: csv streams it
        return None
    name = path.name
    data = path.read_bytes()
    size = len(data)
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if not _utf8(data, skip):
        return None
    view = memoryview(data)[skip:]
    rows = _rows(np.frombuffer(view, dtype=np.uint8))
    if rows is None:
        return None
    header: list[str] | None = None
    first = 0  # rows up to and including the header
    while header is None:
        if first == rows.start.size:
            return None
        lo, hi = int(rows.start[first]), int(rows.stop[first])
        first += 1
        try:
            cells = next(csv.reader([bytes(view[lo:hi]).decode()], strict=True), [])
        except csv.Error:  # pragma: no cover - _rows rules it out
            return None
        if any(c.strip() for c in cells):
            header = [h.strip() for h in cells]
    width = len(header)
    lines = rows.line[first:]
    names = [f"c{k}" for k in range(width)]
    codes: list[NDArray[np.unsignedinteger[Any]]] = []
    uniques: list[list[str]] = []
    if lines.size:
        at = int(rows.start[first])
        if bytes(view[at : at + 3]) == codecs.BOM_UTF8:  # pyarrow would skip it
            return None
        del view, data  # pyarrow reads the rows from the file itself
        pool = pa.default_memory_pool()
        try:
            with pa.OSFile(str(path)) as fh:
                if fh.size() != size:  # pragma: no cover - changed meanwhile
                    return None
                fh.seek(skip + at)
                table = pacsv.read_csv(
                    fh,
                    read_options=pacsv.ReadOptions(column_names=names),
                    parse_options=pacsv.ParseOptions(newlines_in_values=rows.multiline),
                    convert_options=pacsv.ConvertOptions(
                        column_types=dict.fromkeys(names, pa.string()),
                        null_values=[],
                        strings_can_be_null=False,
                        quoted_strings_can_be_null=False,
                    ),
                    memory_pool=pool,
                )
        except pa.ArrowInvalid:  # a row of another width
            return None
        if table.num_rows != lines.size:  # pragma: no cover - _rows rules it out
            return None
        columns = table.columns
        del table
        for k in range(width):  # each column's memory goes back as it is done
            column = pa.concat_arrays(columns[k].chunks, memory_pool=pool)
            columns[k] = None
            encoded = pacompute.dictionary_encode(column, memory_pool=pool)
            del column
            uniques.append(encoded.dictionary.to_pylist())
            small = np.min_scalar_type(max(len(uniques[-1]) - 1, 0))
            codes.append(encoded.indices.to_numpy().astype(small))
            del encoded
            pool.release_unused()
    else:
        codes = [np.zeros(0, dtype=np.uint8) for _ in names]
        uniques = [[] for _ in names]
    out = _drop_blank(CsvColumns(tuple(header), tuple(codes), tuple(uniques), lines))
    if log.isEnabledFor(logging.INFO):
        _progress(name, len(out.lines), size, size)
    return _drop_nameless(name, out)


def _drop_blank(table: CsvColumns) -> CsvColumns:
    """Drop rows whose cells are all blank."""
    blank = np.ones(len(table.lines), dtype=np.bool_)
    for k in range(len(table.header)):
        empty = np.array([not u.strip() for u in table.uniques[k]], dtype=np.bool_)
        blank &= empty[table.codes[k]]
    if not blank.any():
        return table
    keep = ~blank
    return CsvColumns(
        table.header,
        tuple(c[keep] for c in table.codes),
        table.uniques,
        table.lines[keep],
    )


def _drop_nameless(
    name: str, table: CsvColumns
) -> tuple[CsvColumns, list[InputProblem]]:
    """Drop blank-named columns; those with values are problems."""
    problems: list[InputProblem] = []
    keep = []
    for k, col in enumerate(table.header):
        if col:
            keep.append(k)
            continue
        used = np.unique(table.codes[k])
        if any(table.uniques[k][u].strip() for u in used.tolist()):
            problems.append(
                InputProblem(name, f"column {k + 1}", "has values but no header name")
            )
    out = CsvColumns(
        tuple(table.header[k] for k in keep),
        tuple(table.codes[k] for k in keep),
        tuple(table.uniques[k] for k in keep),
        table.lines,
    )
    return out, problems


def _read_exact(
    path: Path, required: Sequence[str]
) -> tuple[CsvColumns, list[InputProblem]]:
    """Row by row, locating every odd row and read error by its line."""
    name = path.name
    empty = CsvColumns(
        tuple(required),
        tuple(np.zeros(0, dtype=np.uint8) for _ in required),
        tuple([] for _ in required),
        np.zeros(0, dtype=np.int64),
    )
    size = path.stat().st_size
    chatty = log.isEnabledFor(logging.INFO)
    header: list[str] | None = None
    width = 0
    cols = _Columns(0)
    chunk: list[list[str]] = []
    lines: list[int] = []
    problems: list[InputProblem] = []
    line = 1
    with path.open(newline="", encoding="utf-8-sig") as fh:
        raw: Any = fh.buffer
        reader = csv.reader(fh, strict=True)
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    if header is None:
                        header = [h.strip() for h in cells]
                        width = len(header)
                        cols = _Columns(width)
                    elif len(cells) <= width:
                        chunk.append(cells + [""] * (width - len(cells)))
                        lines.append(line)
                    elif any(c.strip() for c in cells[width:]):
                        problems.append(
                            InputProblem(
                                f"{name} row {line}",
                                "",
                                f"has {len(cells)} cells but the header has "
                                f"{width} columns",
                            )
                        )
                    else:
                        chunk.append(cells[:width])
                        lines.append(line)
                    if len(chunk) >= _CHUNK:
                        cols.add(chunk)
                        chunk.clear()
                        if chatty and len(lines) % _LOG_EVERY < _CHUNK:
                            _progress(name, len(lines), raw.tell(), size)
                line = reader.line_num + 1
        except UnicodeDecodeError as exc:
            return empty, [
                InputProblem(
                    name,
                    "",
                    f"not UTF-8 text (undecodable byte 0x{exc.object[exc.start]:02x} "
                    f"near line {line}); save the file as 'CSV UTF-8'",
                )
            ]
        except csv.Error as exc:
            return empty, [
                InputProblem(f"{name} row {line}", "", f"not a valid CSV: {exc}")
            ]
    if header is None:
        return empty, [InputProblem(name, "", "the file is empty")]
    cols.add(chunk)
    if chatty:
        _progress(name, len(lines), size, size)
    table, nameless = _drop_nameless(
        name, cols.table(header, np.asarray(lines, dtype=np.int64))
    )
    return table, problems + nameless


def read_csv_columns(
    path: Path, required: Sequence[str] = REQUIRED_COLUMNS
) -> tuple[CsvColumns, list[InputProblem]]:
    """Read one CSV file strictly, column by column, as coded text cells.

    The rules and problems are those of :func:`read_csv_cells`; each column is
    kept as codes into its distinct texts rather than as one string a cell,
    so that a large file costs little more memory than its distinct values.
    Regular files are read in chunks; a file with a row wider than the header
    or a read error is read again row by row to locate them. Every ``2**16``
    rows an INFO milestone is logged on the ``"alummatch"`` logger, with
    ``extra={"progress": (file name, bytes read, file size)}`` for a
    progress bar.
    """
    fast = _read_arrow(path)
    if fast is not None:
        return fast
    try:
        fast = _read_fast(path)
    except _Irregular:
        fast = None
    return fast if fast is not None else _read_exact(path, required)


def read_csv_cells(
    path: Path, required: Sequence[str] = REQUIRED_COLUMNS
) -> tuple[pd.DataFrame, list[InputProblem]]:
    """Read one CSV file strictly, as text cells indexed by the line each row
    starts on (header = row 1; blank lines skipped).

    Returns the table (empty, with the ``required`` columns, when the file
    cannot be read as a table) and every problem found: not UTF-8, not valid
    CSV, empty, a row wider than the header, values under a blank header.
    Missing files raise ``OSError`` as usual. Profiles, program forms and
    histories are all read this way.
    """
    table, problems = read_csv_columns(path, required)
    return table.frame(), problems


def _cell(name: str, value: Any) -> Any:
    if name in LIST_FIELDS:
        items = sorted(value) if isinstance(value, frozenset) else list(value)
        return ";".join(items) if items else None
    if name == "importance":
        return "; ".join(f"{k}={v:g}" for k, v in sorted(value.items())) or None
    if isinstance(value, frozenset):
        return ";".join(sorted(value)) or None
    return value


def _frame(records: Sequence[Profile], model: type[Profile]) -> pd.DataFrame:
    fields = [f for f in model.model_fields if f != "attributes"]
    data: dict[str, list[Any]] = {
        f: [_cell(f, getattr(r, f)) for r in records] for f in fields
    }
    attr_names = sorted({k for r in records for k in r.attributes})
    clash = [a for a in attr_names if a in data]
    if clash:  # pragma: no cover - extra="forbid" keeps names apart
        raise ValueError(f"attribute names clash with fields: {clash}")
    frame = pd.DataFrame(data, columns=fields)
    for name in attr_names:
        col = np.empty(len(records), dtype=object)
        col[:] = [_cell(name, r.attributes.get(name)) for r in records]
        frame[name] = pd.Series(col, dtype=object)
    if "graduation_year" in frame:
        frame["graduation_year"] = frame["graduation_year"].astype("Int64")
    return frame
