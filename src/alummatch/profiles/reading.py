"""Reading and validating profile records: CSV files, DataFrames, dicts.

Every record is validated and the two sides are checked together (duplicate
ids, empty sides, preferred ids that do not exist); every problem found is
collected into one :class:`~alummatch.errors.InvalidInputError`, never the
first one only. Columns are the field names; columns that are not fields
become ``attributes``.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
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
    if not isinstance(reference_week, dt.date) or reference_week.weekday() != 0:
        problems.append(
            InputProblem(
                "reference_week", "", f"expected a Monday date, got {reference_week!r}"
            )
        )
    if problems:
        raise InvalidInputError(problems)
    return tuple(tors), tuple(tees)


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


_CHUNK = 8192  # rows transposed into columns at a time
_LOG_EVERY = 1 << 16  # rows between two progress milestones
log = logging.getLogger("alummatch")


@dataclass(frozen=True)
class CsvColumns:
    """One CSV file read as text columns (see :func:`read_csv_columns`).

    Attributes
    ----------
    header : tuple of str
        Column names, stripped; blank-named columns without values are dropped.
    columns : tuple of list of str
        The raw cells of each column, one per kept row; equal texts of a column
        share one string object.
    lines : list of int
        The line each kept row starts on (header = row 1).
    """

    header: tuple[str, ...]
    columns: tuple[list[str], ...]
    lines: list[int]

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame of text cells indexed by line."""
        data = np.empty((len(self.lines), len(self.header)), dtype=object)
        for k, col in enumerate(self.columns):
            data[:, k] = col
        return pd.DataFrame(data, columns=list(self.header), index=self.lines)


def read_csv_columns(
    path: Path, required: Sequence[str] = REQUIRED_COLUMNS
) -> tuple[CsvColumns, list[InputProblem]]:
    """Read one CSV file strictly, column by column, as text cells.

    The rules and problems are those of :func:`read_csv_cells`; cells are kept
    per column (a list of strings each, equal texts shared) rather than as a
    frame, so that a large file costs little more memory than its distinct
    values. Every ``2**16`` rows an INFO milestone is logged on the
    ``"alummatch"`` logger, with ``extra={"progress": (file name, bytes read,
    file size)}`` for a progress bar.
    """
    name = path.name
    empty = CsvColumns(tuple(required), tuple([] for _ in required), [])
    size = path.stat().st_size
    chatty = log.isEnabledFor(logging.INFO)
    header: list[str] | None = None
    width = 0
    cols: list[list[str]] = []
    shared: list[dict[str, str]] = []
    chunk: list[list[str]] = []
    lines: list[int] = []
    problems: list[InputProblem] = []

    def flush() -> None:
        for k, values in enumerate(zip(*chunk, strict=True)):
            cols[k].extend(map(shared[k].setdefault, values, values))
        chunk.clear()

    line = 1
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            for cells in reader:
                if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                    if header is None:
                        header = [h.strip() for h in cells]
                        width = len(header)
                        cols = [[] for _ in header]
                        shared = [{} for _ in header]
                    elif len(cells) == width:
                        chunk.append(cells)
                        lines.append(line)
                    elif len(cells) < width:
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
                        flush()
                        if chatty and len(lines) % _LOG_EVERY < _CHUNK:
                            log.info(
                                "read %d rows of %s",
                                len(lines),
                                name,
                                extra={"progress": (name, fh.buffer.tell(), size)},
                            )
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
    flush()
    if chatty:
        done = {"progress": (name, size, size)}
        log.info("read %d rows of %s", len(lines), name, extra=done)
    keep = []
    for k, col in enumerate(header):
        if col:
            keep.append(k)
        elif any(v.strip() for v in shared[k]):
            problems.append(
                InputProblem(name, f"column {k + 1}", "has values but no header name")
            )
    table = CsvColumns(
        tuple(header[k] for k in keep), tuple(cols[k] for k in keep), lines
    )
    return table, problems


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
