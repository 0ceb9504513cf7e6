"""Rule masks: turn declarative rules into allowed masks, block by block.

Each built-in rule of :mod:`alummatch.constraints.rules` has a mask class here,
registered in :data:`RULE_MASKS`. A mask is fitted on a cohort, returns the
allowed mask of a block of mentees against every mentor, and states the facts
behind what it rejects for one mentee (used to explain unmatched mentees).
Masks are built from small lookup tables gathered by category code, never by
looping over pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Self

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.rules import (
    AttributeRule,
    FormatCompatible,
    MaxTimezoneGap,
    MinAvailabilityOverlap,
    SharedLanguage,
)
from alummatch.errors import InputProblem, InvalidInputError
from alummatch.profiles import FORMATS
from alummatch.scoring.availability import OverlapIndex
from alummatch.scoring.base import BoolArray, IndexArray, Rule, RuleMask
from alummatch.scoring.expectations import (
    FORMAT_OK_DIFFERENT_LOCATION,
    FORMAT_OK_SAME_LOCATION,
    location_codes,
)
from alummatch.scoring.tables import PairTable

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = [
    "RULE_MASKS",
    "AttributeMask",
    "FormatMask",
    "OverlapMask",
    "SharedLanguageMask",
    "TimezoneGapMask",
    "default_rules",
    "resolve_rules",
    "rule_mask",
]


def default_rules() -> tuple[Rule, ...]:
    """Rules applied unless replaced: ``(SharedLanguage(),)``."""
    return (SharedLanguage(),)


def _quote(values: Sequence[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def _rejected(allowed_row: BoolArray) -> str:
    n, k = allowed_row.size, int(np.count_nonzero(~allowed_row))
    return "every mentor" if k == n else f"{k} of {n} mentors"


class SharedLanguageMask:
    """Mask of :class:`~alummatch.constraints.SharedLanguage`."""

    def __init__(self, rule: SharedLanguage | None = None) -> None:
        self.rule = rule

    @property
    def name(self) -> str:
        """``"shared language"``."""
        return "shared language"

    def fit(self, cohort: Cohort) -> Self:
        """Tabulate which distinct language sets intersect."""
        tee, tor, sets = cohort.codes("languages")
        table = np.array([[bool(a & b) for b in sets] for a in sets], dtype=np.bool_)
        self.table_ = PairTable.build(table.reshape(len(sets), len(sets)), tee, tor)
        self.sets_ = sets
        return self

    def allowed(self, mentee_idx: IndexArray) -> BoolArray:
        """Allowed mask of the given mentees against every mentor."""
        out: BoolArray = self.table_.rows(mentee_idx)
        return out

    def explain_rejection(self, mentee: int) -> str:
        """The mentee's languages and how many mentors share none."""
        langs = sorted(self.sets_[self.table_.mentee_codes[mentee]])
        row = self.allowed(np.array([mentee], dtype=np.intp))[0]
        who = _rejected(row)
        speaks = (
            f"speaks only {langs[0]!r}"
            if len(langs) == 1
            else f"speaks {_quote(langs)}"
        )
        if row.any():
            return f"{speaks}; {who} speak none of them"
        if len(langs) == 1:
            return f"{speaks}, no mentor speaks it"
        return f"{speaks}, no mentor speaks any of them"


def _circular_gap(
    a: NDArray[np.float64], b: NDArray[np.float64]
) -> NDArray[np.float64]:
    d = np.abs(a - b) % 24.0
    return np.minimum(d, 24.0 - d)


def _utc(hours: float) -> str:
    sign = "+" if hours >= 0 else "-"
    h, m = divmod(round(abs(hours) * 60), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


class TimezoneGapMask:
    """Mask of :class:`~alummatch.constraints.MaxTimezoneGap`."""

    def __init__(self, rule: MaxTimezoneGap) -> None:
        self.rule = rule

    @property
    def name(self) -> str:
        """``"maximum time-zone gap"``."""
        return "maximum time-zone gap"

    def fit(self, cohort: Cohort) -> Self:
        """Tabulate the circular gap between distinct UTC offsets."""
        off_tee = cohort.utc_offsets("mentees")
        off_tor = cohort.utc_offsets("mentors")
        offsets, inv = np.unique(
            np.concatenate([off_tee, off_tor]), return_inverse=True
        )
        inv = inv.ravel()
        gap = _circular_gap(offsets[:, None], offsets[None, :])
        # a time zone not given (NaN) never rejects: the rule needs both
        table = (gap <= float(self.rule.hours) + 1e-9) | np.isnan(gap)
        n = cohort.n_mentees
        self.table_ = PairTable.build(table, inv[:n], inv[n:])
        self.off_tee_, self.off_tor_ = off_tee, off_tor
        return self

    def allowed(self, mentee_idx: IndexArray) -> BoolArray:
        """Allowed mask of the given mentees against every mentor."""
        out: BoolArray = self.table_.rows(mentee_idx)
        return out

    def explain_rejection(self, mentee: int) -> str:
        """The mentee's offset and the nearest mentor's gap."""
        row = self.allowed(np.array([mentee], dtype=np.intp))[0]
        gaps = _circular_gap(self.off_tee_[mentee], self.off_tor_)
        off = _utc(float(self.off_tee_[mentee]))
        limit = f"{float(self.rule.hours):g} h"
        if row.any():
            return f"mentee is at {off}; {_rejected(row)} are more than {limit} away"
        return (
            f"mentee is at {off}; no mentor within {limit} "
            f"(nearest is {float(np.nanmin(gaps)):g} h away)"
        )


class OverlapMask:
    """Mask of :class:`~alummatch.constraints.MinAvailabilityOverlap`."""

    def __init__(self, rule: MinAvailabilityOverlap) -> None:
        self.rule = rule

    @property
    def name(self) -> str:
        """``"minimum availability overlap"``."""
        return "minimum availability overlap"

    def fit(self, cohort: Cohort) -> Self:
        """Dedupe the availability masks."""
        self.index_ = OverlapIndex(cohort)
        self.none_tee_: NDArray[np.bool_] = (
            np.count_nonzero(self.index_.mask_tee, axis=1) == 0
        )
        self.none_tor_: NDArray[np.bool_] = (
            np.count_nonzero(self.index_.mask_tor, axis=1) == 0
        )
        return self

    def allowed(self, mentee_idx: IndexArray) -> BoolArray:
        """Allowed mask of the given mentees against every mentor.

        A person who gave no availability is not rejected (no data, the rule
        does not fire).
        """
        idx = np.asarray(mentee_idx, dtype=np.intp)
        hours = self.index_.rows(idx)
        out: BoolArray = hours >= np.float32(self.rule.hours) - np.float32(1e-6)
        out[self.none_tee_[idx]] = True
        if self.none_tor_.any():
            out[:, self.none_tor_] = True
        return out

    def explain_rejection(self, mentee: int) -> str:
        """The mentee's available hours and the best overlap any mentor offers."""
        row = self.allowed(np.array([mentee], dtype=np.intp))[0]
        hours = self.index_.rows(np.array([mentee], dtype=np.intp))[0]
        own = float(self.index_.mask_tee[mentee].sum()) * 0.5
        need = f"{float(self.rule.hours):g} h"
        if row.any():
            return f"{_rejected(row)} share less than {need}/week with the mentee"
        return (
            f"mentee is available {own:g} h/week; at most {float(hours.max()):g} h "
            f"overlaps with any mentor, {need} needed"
        )


class FormatMask:
    """Mask of :class:`~alummatch.constraints.FormatCompatible`."""

    def __init__(self, rule: FormatCompatible | None = None) -> None:
        self.rule = rule

    @property
    def name(self) -> str:
        """``"format compatibility"``."""
        return "format compatibility"

    def fit(self, cohort: Cohort) -> Self:
        """Code formats and locations."""
        lookup = {f: k for k, f in enumerate(FORMATS)}
        tee = np.array([lookup[v] for v in cohort.values("mentees", "format")])
        tor = np.array([lookup[v] for v in cohort.values("mentors", "format")])
        self.diff_ = PairTable.build(FORMAT_OK_DIFFERENT_LOCATION, tee, tor)
        self.same_ = PairTable.build(
            FORMAT_OK_SAME_LOCATION & ~FORMAT_OK_DIFFERENT_LOCATION, tee, tor
        )
        self.needs_loc_: BoolArray = np.asarray(self.same_.by_mentor.any(axis=1))
        self.loc_tee_, self.loc_tor_ = location_codes(cohort)
        self.locations_ = cohort.values("mentees", "location")
        return self

    def allowed(self, mentee_idx: IndexArray) -> BoolArray:
        """Allowed mask of the given mentees against every mentor."""
        idx = np.asarray(mentee_idx, dtype=np.intp)
        out: BoolArray = self.diff_.rows(idx)
        need = np.nonzero(self.needs_loc_[self.same_.mentee_codes[idx]])[0]
        if need.size:
            rows = idx[need]
            same: BoolArray = self.loc_tee_[rows][:, None] == self.loc_tor_[None, :]
            out[need] |= same & self.same_.rows(rows)
        return out

    def explain_rejection(self, mentee: int) -> str:
        """The mentee's format and location and how many mentors conflict."""
        row = self.allowed(np.array([mentee], dtype=np.intp))[0]
        fmt = FORMATS[self.diff_.mentee_codes[mentee]]
        loc = self.locations_[mentee]
        if fmt == "in-person":
            where = f"in {loc}" if loc else "with no location given"
            if not row.any():
                return (
                    f"wants in-person meetings {where}; no mentor meets in person there"
                )
            return f"wants in-person meetings {where}; {_rejected(row)} cannot"
        if not row.any():
            return f"wants {fmt} meetings; every mentor is in-person elsewhere"
        return f"wants {fmt} meetings; {_rejected(row)} only meet in person elsewhere"


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class AttributeMask:
    """Mask of :class:`~alummatch.constraints.AttributeRule`."""

    def __init__(self, rule: AttributeRule) -> None:
        self.rule = rule

    @property
    def name(self) -> str:
        """E.g. ``"attribute first_generation equal"``."""
        return self.rule.name

    def fit(self, cohort: Cohort) -> Self:
        """Evaluate the relation once per distinct pair of values.

        A side on which nobody has the attribute (a column left blank, a
        question only the other side was asked) has no data: the rule does
        not fire for its pairs (or rejects them all with ``missing="reject"``).

        Raises
        ------
        InvalidInputError
            When neither side has the attribute (a misspelt name, most
            likely).
        """
        rule = self.rule
        a = cohort.attribute("mentees", rule.mentee_attribute)
        b = cohort.attribute("mentors", rule.mentor_name)
        if a is None and b is None:
            raise InvalidInputError(
                [
                    InputProblem(
                        str(rule),
                        "mentee_attribute",
                        f"neither mentees nor mentors have attribute "
                        f"{rule.mentee_attribute!r}"
                        + (
                            f" / {rule.mentor_name!r}"
                            if rule.mentor_name != rule.mentee_attribute
                            else ""
                        ),
                    )
                ]
            )
        if a is None:
            a = np.full(cohort.n_mentees, None, dtype=object)
        if b is None:
            b = np.full(cohort.n_mentors, None, dtype=object)
        va, ca = self._codes(a)
        vb, cb = self._codes(b)
        relation: Callable[[Any, Any], bool]
        if rule.relation == "equal":
            relation = _equal
        elif rule.relation == "different":
            relation = _different
        else:
            relation = rule.relation
        ok_missing = rule.missing == "allow"
        table = np.full((len(va) + 1, len(vb) + 1), ok_missing, dtype=np.bool_)
        for p, x in enumerate(va):
            for q, y in enumerate(vb):
                table[p, q] = bool(relation(x, y))
        # code -1 (missing) indexes the last row / column
        self.table_ = PairTable.build(table, ca, cb)
        self.values_tee_, self.values_tor_ = a, b
        return self

    @staticmethod
    def _codes(values: NDArray[np.object_]) -> tuple[list[Any], NDArray[np.intp]]:
        lookup: dict[Any, int] = {}
        codes = np.array(
            [
                -1
                if v is None or v == ""
                else lookup.setdefault(_hashable(v), len(lookup))
                for v in values
            ],
            dtype=np.intp,
        )
        return list(lookup), codes

    def allowed(self, mentee_idx: IndexArray) -> BoolArray:
        """Allowed mask of the given mentees against every mentor."""
        out: BoolArray = self.table_.rows(mentee_idx)
        return out

    def explain_rejection(self, mentee: int) -> str:
        """The mentee's value and how many mentors fail the relation."""
        rule = self.rule
        row = self.allowed(np.array([mentee], dtype=np.intp))[0]
        value = self.values_tee_[mentee]
        rel = rule.relation if isinstance(rule.relation, str) else "satisfy the rule"
        need = (
            f"mentor {rule.mentor_name} must be {rel} to it"
            if isinstance(rule.relation, str)
            else f"mentor {rule.mentor_name} must {rel}"
        )
        head = f"mentee {rule.mentee_attribute} is {value!r}; {need}"
        if not row.any():
            return f"{head}, and no mentor qualifies"
        return f"{head}; {_rejected(row)} do not"


def _equal(x: Any, y: Any) -> bool:
    return bool(x == y)


def _different(x: Any, y: Any) -> bool:
    return bool(x != y)


RULE_MASKS: dict[type, Callable[[Any], RuleMask]] = {
    SharedLanguage: SharedLanguageMask,
    MaxTimezoneGap: TimezoneGapMask,
    MinAvailabilityOverlap: OverlapMask,
    FormatCompatible: FormatMask,
    AttributeRule: AttributeMask,
}
"""Mask class of each built-in declarative rule type."""


def rule_mask(rule: Rule | RuleMask) -> RuleMask:
    """The (unfitted) mask of a rule.

    A rule that already implements :class:`RuleMask` (has ``fit``, ``allowed``
    and ``explain_rejection``) is returned as is.

    Raises
    ------
    InvalidInputError
        For an object that is neither a known rule nor a rule mask.
    """
    make = RULE_MASKS.get(type(rule))
    if make is not None:
        return make(rule)
    if isinstance(rule, RuleMask):
        return rule
    raise InvalidInputError(
        [
            InputProblem(
                "rules",
                "",
                f"{rule!r} is not a rule; use the types of alummatch.constraints "
                "(SharedLanguage, MaxTimezoneGap, ...) or implement RuleMask",
            )
        ]
    )


def resolve_rules(rules: Sequence[Rule | RuleMask]) -> tuple[Rule | RuleMask, ...]:
    """Default rules plus the given ones; a given rule replaces a default of its type.

    Disabled rules (``SharedLanguage(enabled=False)``) are dropped.

    Examples
    --------
    >>> resolve_rules([MaxTimezoneGap(6)])
    (SharedLanguage(enabled=True), MaxTimezoneGap(hours=6))
    >>> resolve_rules([SharedLanguage(enabled=False)])
    ()
    """
    if isinstance(rules, str) or not isinstance(rules, Sequence):
        raise InvalidInputError(
            [InputProblem("rules", "", f"expected a sequence of rules, got {rules!r}")]
        )
    given = list(rules)
    types = {type(r) for r in given}
    out = [r for r in default_rules() if type(r) not in types]
    out += given
    return tuple(r for r in out if getattr(r, "enabled", True) is not False)
