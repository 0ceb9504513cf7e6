"""Declarative rules: which mentee-mentor pairs may never be matched.

Rules are frozen dataclasses that only describe what they require; they are
applied when a problem is built from a cohort (:func:`alummatch.build_problem`)
by :mod:`alummatch.scoring.masks`, which turns each into an allowed mask.

The shared-language rule is on by default; passing a rule of the same type
replaces the default, so ``SharedLanguage(enabled=False)`` turns it off.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from alummatch.errors import InputProblem, InvalidInputError

__all__ = [
    "AttributeRule",
    "FormatCompatible",
    "MaxTimezoneGap",
    "MinAvailabilityOverlap",
    "SharedLanguage",
]


def _hours(value: float, cls: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidInputError(
            [InputProblem(cls, "hours", f"must be a finite number >= 0, got {value!r}")]
        )


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class SharedLanguage:
    """Mentee and mentor share at least one language (on by default).

    Parameters
    ----------
    enabled : bool
        ``False`` turns the default rule off.

    Examples
    --------
    >>> str(SharedLanguage(enabled=False))
    'SharedLanguage(enabled=False)'
    """

    enabled: bool = True

    @property
    def name(self) -> str:
        """``"shared language"``."""
        return "shared language"

    def __str__(self) -> str:
        return "SharedLanguage()" if self.enabled else "SharedLanguage(enabled=False)"


@dataclass(frozen=True)
class MaxTimezoneGap:
    """UTC offsets (at the cohort's reference week) at most ``hours`` apart.

    The gap is circular: UTC+12 and UTC-11 are 1 hour apart.

    Examples
    --------
    >>> str(MaxTimezoneGap(6))
    'MaxTimezoneGap(6)'
    """

    hours: float

    def __post_init__(self) -> None:
        _hours(self.hours, "MaxTimezoneGap")

    @property
    def name(self) -> str:
        """``"maximum time-zone gap"``."""
        return "maximum time-zone gap"

    def __str__(self) -> str:
        return f"MaxTimezoneGap({_num(self.hours)})"


@dataclass(frozen=True)
class MinAvailabilityOverlap:
    """At least ``hours`` of shared weekly availability (in UTC).

    Examples
    --------
    >>> str(MinAvailabilityOverlap(1.5))
    'MinAvailabilityOverlap(1.5)'
    """

    hours: float

    def __post_init__(self) -> None:
        _hours(self.hours, "MinAvailabilityOverlap")

    @property
    def name(self) -> str:
        """``"minimum availability overlap"``."""
        return "minimum availability overlap"

    def __str__(self) -> str:
        return f"MinAvailabilityOverlap({_num(self.hours)})"


@dataclass(frozen=True)
class FormatCompatible:
    """Meeting formats agree: no virtual-only with in-person-only, and in-person
    (on either side) needs both to share a known location.

    Examples
    --------
    >>> str(FormatCompatible())
    'FormatCompatible()'
    """

    @property
    def name(self) -> str:
        """``"format compatibility"``."""
        return "format compatibility"

    def __str__(self) -> str:
        return "FormatCompatible()"


Relation = Literal["equal", "different"] | Callable[[Any, Any], bool]


@dataclass(frozen=True)
class AttributeRule:
    """A mentee attribute must relate to a mentor attribute.

    Attributes are read from the profiles' ``attributes`` or, failing that,
    from the profile field of that name.

    Parameters
    ----------
    mentee_attribute : str
    mentor_attribute : str, optional
        The same name as ``mentee_attribute`` by default.
    relation : "equal", "different" or callable
        A callable ``(mentee_value, mentor_value) -> bool`` is evaluated once
        per distinct pair of values, never once per pair of people.
    missing : "allow" or "reject"
        What happens when either side has no value.

    Examples
    --------
    >>> str(AttributeRule("first_generation", relation="equal"))
    "AttributeRule('first_generation', 'first_generation', 'equal')"
    """

    mentee_attribute: str
    mentor_attribute: str | None = None
    relation: Relation = "equal"
    missing: Literal["allow", "reject"] = "allow"

    def __post_init__(self) -> None:
        problems = []
        if not callable(self.relation) and self.relation not in ("equal", "different"):
            problems.append(
                InputProblem(
                    "AttributeRule",
                    "relation",
                    f"unknown relation {self.relation!r}; allowed: equal, different, "
                    "or a callable",
                )
            )
        if self.missing not in ("allow", "reject"):
            problems.append(
                InputProblem(
                    "AttributeRule",
                    "missing",
                    f"unknown value {self.missing!r}; allowed: allow, reject",
                )
            )
        if problems:
            raise InvalidInputError(problems)

    @property
    def name(self) -> str:
        """E.g. ``"attribute first_generation equal"``."""
        rel = self.relation if isinstance(self.relation, str) else "predicate"
        return f"attribute {self.mentee_attribute} {rel}"

    @property
    def mentor_name(self) -> str:
        """The mentor attribute actually compared."""
        return self.mentor_attribute or self.mentee_attribute

    def __str__(self) -> str:
        rel = (
            repr(self.relation)
            if isinstance(self.relation, str)
            else getattr(self.relation, "__name__", "predicate")
        )
        extra = ", missing='reject'" if self.missing == "reject" else ""
        return (
            f"AttributeRule({self.mentee_attribute!r}, {self.mentor_name!r}, "
            f"{rel}{extra})"
        )
