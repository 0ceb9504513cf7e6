"""Scoring: criteria fitted on a cohort, weighted into one score, and rule masks.

Every score is a float in [0, 1], shape ``(n_mentees, n_mentors)``, row =
mentee. See :func:`default_scorer` and :func:`default_rules`.
"""

from alummatch.profiles.taxonomy import Taxonomy, default_taxonomy
from alummatch.scoring.availability import (
    DEFAULT_NEEDED_HOURS,
    AvailabilityCriterion,
    OverlapIndex,
)
from alummatch.scoring.base import (
    Criterion,
    PairCriterion,
    Rule,
    RuleMask,
    clone,
)
from alummatch.scoring.build import CohortContext, build_problem
from alummatch.scoring.defaults import DEFAULT_WEIGHTS, default_scorer
from alummatch.scoring.expectations import ExpectationsCriterion
from alummatch.scoring.goals import GoalsCriterion
from alummatch.scoring.industry import IndustryCriterion
from alummatch.scoring.masks import (
    RULE_MASKS,
    AttributeMask,
    FormatMask,
    OverlapMask,
    SharedLanguageMask,
    TimezoneGapMask,
    default_rules,
    resolve_rules,
    rule_mask,
)
from alummatch.scoring.overlap import Overlap
from alummatch.scoring.same import Same
from alummatch.scoring.scorer import Scorer
from alummatch.scoring.tables import PairTable
from alummatch.scoring.wants import Wants

__all__ = [
    "DEFAULT_NEEDED_HOURS",
    "DEFAULT_WEIGHTS",
    "RULE_MASKS",
    "AttributeMask",
    "AvailabilityCriterion",
    "CohortContext",
    "Criterion",
    "ExpectationsCriterion",
    "FormatMask",
    "GoalsCriterion",
    "IndustryCriterion",
    "Overlap",
    "OverlapIndex",
    "OverlapMask",
    "PairCriterion",
    "PairTable",
    "Rule",
    "RuleMask",
    "Same",
    "Scorer",
    "SharedLanguageMask",
    "Taxonomy",
    "TimezoneGapMask",
    "Wants",
    "build_problem",
    "clone",
    "default_rules",
    "default_scorer",
    "default_taxonomy",
    "resolve_rules",
    "rule_mask",
]
