"""Declarative constraints and rules: what must hold, never how it is solved."""

from alummatch.constraints.base import (
    Constraint,
    PairFilter,
    PairwiseFilter,
    Pinning,
    listed_pairs,
    resolve_pairs,
)
from alummatch.constraints.fairness import (
    BalancedLoad,
    GroupQuota,
    ScoreParity,
    mentee_groups,
)
from alummatch.constraints.history import FromHistory
from alummatch.constraints.pairs import Forbidden, MinScore, Pinned

__all__ = [
    "BalancedLoad",
    "Constraint",
    "Forbidden",
    "FromHistory",
    "GroupQuota",
    "MinScore",
    "PairFilter",
    "PairwiseFilter",
    "Pinned",
    "Pinning",
    "ScoreParity",
    "listed_pairs",
    "mentee_groups",
    "resolve_pairs",
]
from alummatch.constraints.rules import *  # noqa: F403  (declarative rules for build_problem)
