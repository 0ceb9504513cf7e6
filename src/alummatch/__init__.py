"""alummatch: pair university students with alumni mentors by optimisation.

Score every mentee-mentor pair, remove the pairs that must never happen, and
let a pluggable solver produce optimal, explained, reproducible pairings.
"""

import logging

import alummatch.report  # noqa: F401  (registers to_csv, report, summary on MatchResult)
from alummatch.engine import compare, solve
from alummatch.errors import (
    AlummatchError,
    InfeasibleError,
    InvalidInputError,
    UnsupportedError,
)
from alummatch.problem import MatchingProblem, build_problem
from alummatch.profiles import Cohort, Mentee, Mentor
from alummatch.result import MatchResult, Metrics, Pair, Status

logging.getLogger("alummatch").addHandler(logging.NullHandler())

__version__ = "0.1.0"

__all__ = [
    "AlummatchError",
    "Cohort",
    "InfeasibleError",
    "InvalidInputError",
    "MatchResult",
    "MatchingProblem",
    "Mentee",
    "Mentor",
    "Metrics",
    "Pair",
    "Status",
    "UnsupportedError",
    "__version__",
    "build_problem",
    "compare",
    "solve",
]
