"""Mentor and mentee profiles: frozen pydantic models and their field validators.

List fields (``goals``, ``languages``, ``availability``, ``preferred_mentors``,
``preferred_mentees``) accept ``;``-separated text; enumerations are
case-insensitive; industry codes come from the taxonomy
(:func:`alummatch.profiles.taxonomy.default_taxonomy`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from alummatch.profiles.availability import (
    format_window,
    parse_window,
    validate_timezone,
)
from alummatch.profiles.taxonomy import default_taxonomy

__all__ = [
    "COMMITMENTS",
    "CRITERIA",
    "FORMATS",
    "FREQUENCIES",
    "LIST_FIELDS",
    "REQUIRED_COLUMNS",
    "AttributeValue",
    "Mentee",
    "Mentor",
    "Profile",
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
REQUIRED_COLUMNS: tuple[str, ...] = ("id",)
"""Columns a mentors or mentees table must have: every other field is optional."""

Frequency: TypeAlias = Literal["weekly", "biweekly", "monthly", "ad-hoc"]
Commitment: TypeAlias = Literal["flash", "short-term", "long-term"]
Format: TypeAlias = Literal["virtual", "in-person", "either"]
CriterionName: TypeAlias = Literal["industry", "goals", "availability", "expectations"]
Side: TypeAlias = Literal["mentees", "mentors"]
AttributeValue: TypeAlias = str | int | float | bool | frozenset[str]
"""An attribute value; a frozenset holds the answers of a multi-select question."""


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


def _timezone(value: str | None) -> str | None:
    if value is not None:
        validate_timezone(value)
    return value


def _whole(value: Any) -> Any:
    """Accept whole numbers written as ``"2.0"`` or ``2.0`` (spreadsheet exports)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _industry(value: str | None) -> str | None:
    if value is None:
        return None
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


def _factors(value: Any) -> Any:
    """Accept ``"goals=2; industry=0.5"`` for ``importance``."""
    if isinstance(value, str):
        out: dict[str, Any] = {}
        for part in value.split(";"):
            if not part.strip():
                continue
            key, sep, number = part.partition("=")
            if not sep:
                raise ValueError(f"expected 'criterion=factor', got {part.strip()!r}")
            out[key.strip()] = number.strip()
        return out
    return value


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


class Profile(BaseModel):
    """Fields shared by mentors and mentees."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1)]
    industry: Annotated[
        str | None, BeforeValidator(_blank_to_none), AfterValidator(_industry)
    ] = None
    timezone: Annotated[
        str | None, BeforeValidator(_blank_to_none), AfterValidator(_timezone)
    ] = None
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
    graduation_year: Annotated[
        Annotated[int, Field(ge=1900, le=2100)] | None, BeforeValidator(_whole)
    ] = None
    field_of_study: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    importance: Annotated[
        dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]],
        BeforeValidator(_factors),
    ] = {}  # pydantic copies it per model; a factory would cost a signature call


class Mentor(Profile):
    """An alumna or alumnus offering mentoring.

    Parameters
    ----------
    id : str
        Non-empty, unique among mentors.
    industry : str, optional
        Industry code of the taxonomy (``alummatch.scoring.default_taxonomy()``).
    timezone : str, optional
        IANA name, e.g. ``"Europe/Berlin"``; without it, availability windows
        cannot be placed in UTC and count as not given.
    goals : set of str
        Topic tags the mentor can help with (lower-cased).
    about : str
        Free text, used by text similarity.
    availability : sequence of str
        Weekly windows in local time, ``"Mon 18:00-20:00"`` (see
        :mod:`alummatch.profiles.availability`).
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
    importance : dict of str to float
        Factor on the weight of each named criterion for this person (from
        an importance rating such as "very important"; 1 by default, 0
        ignores the criterion). A pair's weights are the base weights times
        the mentee's and the mentor's factors (and the mentee's
        ``priority``), renormalised over the criteria with data.
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

    capacity: Annotated[int, BeforeValidator(_whole), Field(ge=0)] = 1
    min_load: Annotated[int, BeforeValidator(_whole), Field(ge=0)] = 0
    preferred_mentees: Ranking = ()

    @field_validator("min_load")
    @classmethod
    def _min_load_within_capacity(cls, value: int, info: ValidationInfo) -> int:
        cap = info.data.get("capacity")
        if cap is not None and value > cap:
            raise ValueError(f"min_load {value} exceeds capacity {cap}")
        return value


class Mentee(Profile):
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
    wait : int
        Terms already spent on the waitlist, ``>= 0`` (default 0).

    Examples
    --------
    >>> m = Mentee(id="m-1", industry="fintech", timezone="America/New_York",
    ...            goals=["Networking", "interviews"], priority="goals")
    >>> sorted(m.goals)
    ['interviews', 'networking']
    """

    demand: Annotated[int, BeforeValidator(_whole), Field(ge=1)] = 1
    priority: Annotated[
        CriterionName | None, BeforeValidator(_optional_enum(CRITERIA))
    ] = None
    preferred_mentors: Ranking = ()
    wait: Annotated[int, BeforeValidator(_whole), Field(ge=0)] = 0
