"""Mentor and mentee profiles, and the validated, columnar :class:`Cohort`.

Profiles are frozen pydantic models. A :class:`Cohort` is built from records,
from two pandas DataFrames or from two CSV files; every way validates every
record and the cohort as a whole (duplicate ids, empty sides, preferred ids
that do not exist) and raises one :class:`~alummatch.errors.InvalidInputError`
listing every problem found, never the first one only. Nothing is half-loaded.

CSV and DataFrame columns are the field names. List fields (``goals``,
``languages``, ``availability``, ``preferred_mentors``, ``preferred_mentees``)
are ``;``-separated in a cell. Columns that are not fields become
``attributes`` (kept as strings when read from CSV); an empty cell is a missing
value, so the field's default applies.

The cohort also offers cached, columnar views used by scoring: ids, category
codes, multi-hot matrices and UTC availability masks.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from alummatch.availability import (
    REFERENCE_WEEK,
    SLOTS_PER_WEEK,
    format_window,
    mask_from_windows,
    parse_window,
    utc_offset_hours,
    validate_timezone,
)
from alummatch.errors import InputProblem, InvalidInputError

__all__ = [
    "COMMITMENTS",
    "CRITERIA",
    "FORMATS",
    "FREQUENCIES",
    "LIST_FIELDS",
    "REQUIRED_COLUMNS",
    "Cohort",
    "Mentee",
    "Mentor",
    "Side",
]

FREQUENCIES: tuple[str, ...] = ("weekly", "biweekly", "monthly", "ad-hoc")
"""Allowed ``meeting_frequency`` values, most frequent first."""
COMMITMENTS: tuple[str, ...] = ("flash", "short-term", "long-term")
"""Allowed ``commitment`` values, shortest first."""
FORMATS: tuple[str, ...] = ("virtual", "in-person", "either")
"""Allowed ``format`` values."""
CRITERIA: tuple[str, ...] = ("industry", "goals", "availability", "expectations")
"""Built-in criterion names, allowed as ``Mentee.priority``."""
LIST_FIELDS: frozenset[str] = frozenset(
    {"goals", "languages", "availability", "preferred_mentors", "preferred_mentees"}
)
"""Fields written as ``;``-separated lists in a CSV cell."""
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "industry", "timezone")
"""Columns a mentors or mentees table must have."""

Frequency: TypeAlias = Literal["weekly", "biweekly", "monthly", "ad-hoc"]
Commitment: TypeAlias = Literal["flash", "short-term", "long-term"]
Format: TypeAlias = Literal["virtual", "in-person", "either"]
CriterionName: TypeAlias = Literal["industry", "goals", "availability", "expectations"]
Side: TypeAlias = Literal["mentees", "mentors"]
AttributeValue: TypeAlias = str | int | float | bool

_T = TypeVar("_T")


# --------------------------------------------------------------------------- #
# field validators
# --------------------------------------------------------------------------- #
def _split(value: Any) -> Any:
    """Accept ``"a; b"`` for list fields; drop blank items."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _enum(allowed: tuple[str, ...]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, str):
            norm = value.strip().lower()
            if norm in allowed:
                return norm
        raise ValueError(f"unknown value {value!r}; allowed: {', '.join(allowed)}")

    return check


def _optional_enum(allowed: tuple[str, ...]) -> Callable[[Any], Any]:
    check = _enum(allowed)

    def optional(value: Any) -> Any:
        return None if _blank_to_none(value) is None else check(value)

    return optional


def _tag(value: str) -> str:
    norm = value.strip().lower()
    if not norm or ";" in norm:
        raise ValueError(f"invalid tag {value!r}: tags are non-empty and have no ';'")
    return norm


def _language(value: str) -> str:
    norm = value.strip().lower().replace("_", "-")
    parts = norm.split("-")
    if not (2 <= len(parts[0]) <= 3 and parts[0].isalpha()) or not all(
        p.isalnum() and 1 <= len(p) <= 8 for p in parts[1:]
    ):
        raise ValueError(
            f"invalid language code {value!r}; use ISO 639 codes such as 'en', 'pt-br'"
        )
    return norm


def _window(value: str) -> str:
    return format_window(parse_window(value))


def _timezone(value: str) -> str:
    validate_timezone(value)
    return value


def _industry(value: str) -> str:
    from alummatch.scoring.taxonomy import default_taxonomy

    norm = value.strip().lower()
    tax = default_taxonomy()
    if norm not in tax.sector_of:
        hint = ""
        close = [c for c in tax.industries if norm and (norm in c or c in norm)]
        if close:
            hint = f" (did you mean {', '.join(repr(c) for c in close[:3])}?)"
        raise ValueError(
            f"unknown industry code {value!r}{hint}; see "
            "alummatch.scoring.default_taxonomy().industries"
        )
    return norm


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _distinct(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    dups = [v for v in values if v in seen or seen.add(v)]  # type: ignore[func-returns-value]
    if dups:
        raise ValueError(f"ranked list repeats {', '.join(repr(d) for d in dups)}")
    return values


Tag = Annotated[str, AfterValidator(_tag)]
Language = Annotated[str, AfterValidator(_language)]
WindowText = Annotated[str, AfterValidator(_window)]
Ranking = Annotated[
    tuple[Annotated[str, Field(min_length=1)], ...],
    BeforeValidator(_split),
    AfterValidator(_distinct),
]


class _Profile(BaseModel):
    """Fields shared by mentors and mentees."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1)]
    industry: Annotated[str, AfterValidator(_industry)]
    timezone: Annotated[str, AfterValidator(_timezone)]
    goals: Annotated[frozenset[Tag], BeforeValidator(_split)] = frozenset()
    about: str = ""
    availability: Annotated[tuple[WindowText, ...], BeforeValidator(_split)] = ()
    meeting_frequency: Annotated[Frequency, BeforeValidator(_enum(FREQUENCIES))] = (
        "biweekly"
    )
    commitment: Annotated[Commitment, BeforeValidator(_enum(COMMITMENTS))] = (
        "short-term"
    )
    format: Annotated[Format, BeforeValidator(_enum(FORMATS))] = "either"
    languages: Annotated[
        frozenset[Language], BeforeValidator(_split), Field(min_length=1)
    ] = frozenset({"en"})
    location: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    graduation_year: Annotated[int | None, Field(ge=1900, le=2100)] = None
    field_of_study: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)


class Mentor(_Profile):
    """An alumna or alumnus offering mentoring.

    Parameters
    ----------
    id : str
        Non-empty, unique among mentors.
    industry : str
        Industry code of the taxonomy (``alummatch.scoring.default_taxonomy()``).
    timezone : str
        IANA name, e.g. ``"Europe/Berlin"``.
    goals : set of str
        Topic tags the mentor can help with (lower-cased).
    about : str
        Free text, used by text similarity.
    availability : sequence of str
        Weekly windows in local time, ``"Mon 18:00-20:00"`` (see
        :mod:`alummatch.availability`).
    meeting_frequency : {"weekly", "biweekly", "monthly", "ad-hoc"}
    commitment : {"flash", "short-term", "long-term"}
    format : {"virtual", "in-person", "either"}
    languages : set of str
        Language codes, ``{"en"}`` by default.
    location : str, optional
        City or region; matters for in-person meetings.
    graduation_year : int, optional
    field_of_study : str, optional
    attributes : dict
        Program-defined fields, used by rules and group constraints.
    capacity : int
        Maximum number of mentees, ``>= 0`` (default 1).
    min_load : int
        Minimum number of mentees, ``0 <= min_load <= capacity`` (default 0).
    preferred_mentees : sequence of str
        Optional ranked mentee ids, best first.

    Examples
    --------
    >>> a = Mentor(id="a-1", industry="software", timezone="Europe/Berlin",
    ...            availability="Mon 18:00-20:00; Thu 12:00-13:00", capacity=2)
    >>> a.availability
    ('Mon 18:00-20:00', 'Thu 12:00-13:00')
    """

    capacity: Annotated[int, Field(ge=0)] = 1
    min_load: Annotated[int, Field(ge=0)] = 0
    preferred_mentees: Ranking = ()

    @field_validator("min_load")
    @classmethod
    def _min_load_within_capacity(cls, value: int, info: ValidationInfo) -> int:
        cap = info.data.get("capacity")
        if cap is not None and value > cap:
            raise ValueError(f"min_load {value} exceeds capacity {cap}")
        return value


class Mentee(_Profile):
    """A student looking for mentoring.

    Takes every field of :class:`Mentor` except ``capacity``, ``min_load`` and
    ``preferred_mentees`` (``industry`` is the industry the mentee aims for,
    ``goals`` what they want help with), plus:

    Parameters
    ----------
    demand : int
        Number of mentors wanted, ``>= 1`` (default 1).
    priority : {"industry", "goals", "availability", "expectations"}, optional
        The criterion that matters most to this mentee; it counts double in
        their scores.
    preferred_mentors : sequence of str
        Optional ranked mentor ids, best first.

    Examples
    --------
    >>> m = Mentee(id="m-1", industry="fintech", timezone="America/New_York",
    ...            goals=["Networking", "interviews"], priority="goals")
    >>> sorted(m.goals)
    ['interviews', 'networking']
    """

    demand: Annotated[int, Field(ge=1)] = 1
    priority: Annotated[
        CriterionName | None, BeforeValidator(_optional_enum(CRITERIA))
    ] = None
    preferred_mentors: Ranking = ()


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
) -> Cohort:
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
    return Cohort._trusted(tuple(tors), tuple(tees), reference_week)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return value is pd.NA or value is pd.NaT


def _frame_rows(
    df: pd.DataFrame, model: type[_Profile], name: str, label: Callable[[Any], str]
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


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[InputProblem]]:
    """Read one CSV file as text cells, indexed by the line each row starts on.

    Returns the table (empty, with the required columns, when the file cannot
    be read as a table) and the problems found. Missing files raise
    ``OSError`` as usual.
    """
    name = path.name
    empty = pd.DataFrame(columns=list(REQUIRED_COLUMNS))
    rows: list[list[str]] = []
    lines: list[int] = []
    line = 1
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    rows.append(cells)
                    lines.append(line)
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
    if not rows:
        return empty, [InputProblem(name, "", "the file is empty")]
    header = [h.strip() for h in rows[0]]
    width = len(header)
    problems: list[InputProblem] = []
    body: list[list[str]] = []
    index: list[int] = []
    for cells, at in zip(rows[1:], lines[1:], strict=True):
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            problems.append(
                InputProblem(
                    f"{name} row {at}",
                    "",
                    f"has {len(cells)} cells but the header has {width} columns",
                )
            )
            continue
        body.append(cells[:width] + [""] * (width - len(cells)))
        index.append(at)
    keep = []
    for k, col in enumerate(header):
        if col:
            keep.append(k)
        elif any(r[k].strip() for r in body):
            problems.append(
                InputProblem(name, f"column {k + 1}", "has values but no header name")
            )
    frame = pd.DataFrame(
        [[r[k] for k in keep] for r in body],
        columns=[header[k] for k in keep],
        index=index,
        dtype=object,
    )
    return frame, problems


# --------------------------------------------------------------------------- #
# the cohort
# --------------------------------------------------------------------------- #
class Cohort(BaseModel):
    """Validated mentors and mentees, with cached columnar views for scoring.

    Parameters
    ----------
    mentors : sequence of Mentor or dict
    mentees : sequence of Mentee or dict
    reference_week : datetime.date
        Monday of the week whose UTC offsets turn local availability into UTC
        (:data:`alummatch.availability.REFERENCE_WEEK` by default).

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

    def __init__(
        self,
        *,
        mentors: Sequence[Mentor | Mapping[str, Any]],
        mentees: Sequence[Mentee | Mapping[str, Any]],
        reference_week: dt.date = REFERENCE_WEEK,
    ) -> None:
        built = _build(
            [(f"mentors[{k}]", r) for k, r in enumerate(mentors)],
            [(f"mentees[{k}]", r) for k, r in enumerate(mentees)],
            labels=("mentors", "mentees"),
            reference_week=reference_week,
        )
        super().__init__(
            mentors=built.mentors, mentees=built.mentees, reference_week=reference_week
        )

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

        Raises
        ------
        InvalidInputError
            Listing every problem found in both files.
        FileNotFoundError
            When a file does not exist.
        """
        frames: list[pd.DataFrame] = []
        names: list[str] = []
        problems: list[InputProblem] = []
        for path in (Path(mentors_path), Path(mentees_path)):
            names.append(path.name)
            frame, found = _read_csv(path)
            frames.append(frame)
            problems.extend(found)
        return cls._from_tables(
            frames[0],
            frames[1],
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
        return _build(
            tor_rows,
            tee_rows,
            labels=names,
            reference_week=reference_week,
            missing={"mentors": tor_missing, "mentees": tee_missing},
            problems=[*problems, *p1, *p2],
        )

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

    @property
    def n_mentees(self) -> int:
        """Number of mentees (rows of every score matrix)."""
        return len(self.mentees)

    @property
    def n_mentors(self) -> int:
        """Number of mentors (columns of every score matrix)."""
        return len(self.mentors)

    @property
    def mentee_ids(self) -> tuple[str, ...]:
        """Mentee ids, in row order."""
        return self._cached("mentee_ids", lambda: tuple(m.id for m in self.mentees))

    @property
    def mentor_ids(self) -> tuple[str, ...]:
        """Mentor ids, in column order."""
        return self._cached("mentor_ids", lambda: tuple(m.id for m in self.mentors))

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
            out = np.empty(len(self.side(side)), dtype=object)
            out[:] = [getattr(r, field) for r in self.side(side)]
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
            records = self.side(side)
            if any(name in r.attributes for r in records):
                out = np.empty(len(records), dtype=object)
                out[:] = [r.attributes.get(name) for r in records]
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
            out = np.fromiter(
                (getattr(r, field) for r in self.side(side)),
                dtype=np.int64,
                count=len(self.side(side)),
            )
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

    def set_codes(
        self, field: str
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], tuple[frozenset[str], ...]]:
        """Codes of distinct sets (e.g. language sets) on both sides.

        Returns
        -------
        mentee_codes, mentor_codes : ndarray of intp
        sets : tuple of frozenset
            The distinct sets, in order of first appearance.
        """
        return self.codes(field)

    def availability_mask(self, side: Side) -> NDArray[np.bool_]:
        """Weekly availability in UTC half-hour slots.

        Returns
        -------
        ndarray of bool, shape (n, SLOTS_PER_WEEK)
            Read-only; slot 0 is Monday 00:00-00:30 UTC of the reference week.
        """

        def make() -> NDArray[np.bool_]:
            records = self.side(side)
            out = np.zeros((len(records), SLOTS_PER_WEEK), dtype=np.bool_)
            for k, r in enumerate(records):
                out[k] = mask_from_windows(
                    r.availability, r.timezone, self.reference_week
                )
            out.setflags(write=False)
            return out

        return self._cached(f"availability:{side}", make)

    def utc_offsets(self, side: Side) -> NDArray[np.float64]:
        """UTC offset of each person's zone at the reference week, in hours."""

        def make() -> NDArray[np.float64]:
            out = np.fromiter(
                (
                    utc_offset_hours(r.timezone, self.reference_week)
                    for r in self.side(side)
                ),
                dtype=np.float64,
                count=len(self.side(side)),
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


def _cell(name: str, value: Any) -> Any:
    if name in LIST_FIELDS:
        items = sorted(value) if isinstance(value, frozenset) else list(value)
        return ";".join(items) if items else None
    return value


def _frame(records: Sequence[_Profile], model: type[_Profile]) -> pd.DataFrame:
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
        col[:] = [r.attributes.get(name) for r in records]
        frame[name] = pd.Series(col, dtype=object)
    if "graduation_year" in frame:
        frame["graduation_year"] = frame["graduation_year"].astype("Int64")
    return frame
