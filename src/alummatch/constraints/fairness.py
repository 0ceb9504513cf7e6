"""Fairness constraints over groups of mentees and over mentor loads."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from alummatch.errors import InputProblem
from alummatch.problem import MatchingProblem, is_real

__all__ = ["BalancedLoad", "GroupQuota", "ScoreParity", "mentee_groups"]


def mentee_groups(
    problem: MatchingProblem,
    attribute: str | None,
    groups: Mapping[str, str] | None,
    where: str,
) -> tuple[tuple[str, ...], NDArray[np.intp]] | list[InputProblem]:
    """Group labels and each mentee's group index (-1 for no group).

    Groups come from an explicit ``groups`` mapping of mentee id to label, or
    from a profile attribute read through the problem's context.

    Returns
    -------
    (labels, index) or list of InputProblem
        The problems found, when the groups cannot be resolved.
    """
    if (attribute is None) == (groups is None):
        return [InputProblem(where, "", "give exactly one of attribute= or groups=")]
    if groups is not None:
        tee = problem.mentee_index()
        unknown = [k for k in groups if k not in tee]
        if unknown:
            return [
                InputProblem(where, "groups", f"unknown mentee id(s): {unknown[:5]}")
            ]
        values = np.full(problem.n_mentees, None, dtype=object)
        for k, v in groups.items():
            values[tee[k]] = None if v is None else str(v)
    else:
        assert attribute is not None
        raw = problem.context.mentee_attribute(attribute) if problem.context else None
        if raw is None:
            return [
                InputProblem(
                    where,
                    "attribute",
                    f"no mentee attribute {attribute!r} (a problem built from scores "
                    "needs groups= instead)",
                )
            ]
        values = np.array([None if _missing(v) else str(v) for v in raw], dtype=object)
    present = values != None  # noqa: E711  (element-wise comparison on an object array)
    labels = tuple(sorted({str(v) for v in values[present]}))
    lookup = {lab: k for k, lab in enumerate(labels)}
    index = np.array(
        [lookup[v] if v is not None else -1 for v in values], dtype=np.intp
    )
    return labels, index


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v == ""


@dataclass(frozen=True)
class GroupQuota:
    """At least ``min_share`` of each mentee group's demand is matched.

    Parameters
    ----------
    min_share : float in [0, 1]
    attribute : str, optional
        Profile attribute that defines the groups.
    groups : mapping of mentee id to label, optional
        Explicit groups (works on problems built with ``from_scores``).
    """

    min_share: float
    attribute: str | None = None
    groups: Mapping[str, str] | None = field(default=None, hash=False)

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """Share out of range, or groups that cannot be resolved."""
        out: list[InputProblem] = []
        if not (is_real(self.min_share) and 0 <= self.min_share <= 1):
            out.append(
                InputProblem(
                    "GroupQuota",
                    "min_share",
                    f"must be in [0, 1], got {self.min_share!r}",
                )
            )
        g = mentee_groups(problem, self.attribute, self.groups, "GroupQuota")
        if isinstance(g, list):
            out.extend(g)
        return out

    @property
    def name(self) -> str:
        """E.g. ``"GroupQuota(0.8, first_generation)"``."""
        return str(self)

    def __str__(self) -> str:
        by = self.attribute if self.attribute is not None else "groups"
        return f"GroupQuota({self.min_share:g}, {by})"


@dataclass(frozen=True)
class ScoreParity:
    """Group mean matched scores lie within ``max_gap`` of each other.

    Parameters
    ----------
    max_gap : float >= 0
    attribute : str, optional
    groups : mapping of mentee id to label, optional
    """

    max_gap: float
    attribute: str | None = None
    groups: Mapping[str, str] | None = field(default=None, hash=False)

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """Negative gap, or groups that cannot be resolved."""
        out: list[InputProblem] = []
        if not (
            is_real(self.max_gap) and math.isfinite(self.max_gap) and self.max_gap >= 0
        ):
            out.append(
                InputProblem(
                    "ScoreParity",
                    "max_gap",
                    f"must be a finite number >= 0, got {self.max_gap!r}",
                )
            )
        g = mentee_groups(problem, self.attribute, self.groups, "ScoreParity")
        if isinstance(g, list):
            out.extend(g)
        return out

    @property
    def name(self) -> str:
        """E.g. ``"ScoreParity(0.05, first_generation)"``."""
        return str(self)

    def __str__(self) -> str:
        by = self.attribute if self.attribute is not None else "groups"
        return f"ScoreParity({self.max_gap:g}, {by})"


@dataclass(frozen=True)
class BalancedLoad:
    """Spread mentees over mentors: penalise load concentration by ``weight``.

    Parameters
    ----------
    weight : float >= 0
        Score units given up per unit of load imbalance.
    """

    weight: float = 1.0

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """Negative or non-finite weight."""
        if not (
            is_real(self.weight) and math.isfinite(self.weight) and self.weight >= 0
        ):
            return [
                InputProblem(
                    "BalancedLoad",
                    "weight",
                    f"must be a finite number >= 0, got {self.weight!r}",
                )
            ]
        return []

    @property
    def name(self) -> str:
        """E.g. ``"BalancedLoad(0.05)"``."""
        return str(self)

    def __str__(self) -> str:
        return f"BalancedLoad({self.weight:g})"
