"""alummatch: pair university students with alumni mentors by optimisation.

Score every mentee-mentor pair, remove the pairs that must never happen, and
let a pluggable solver produce optimal, explained, reproducible pairings.
"""

import logging

from alummatch.engine import compare, solve
from alummatch.errors import (
    AlummatchError,
    InfeasibleError,
    InvalidInputError,
    UnsupportedError,
)
from alummatch.history import History
from alummatch.problem import MatchingProblem, build_problem
from alummatch.profiles import Cohort, Mentee, Mentor
from alummatch.rematching import Rematch, rematch
from alummatch.result import MatchResult, Metrics, Pair, Status

logging.getLogger("alummatch").addHandler(logging.NullHandler())

__version__ = "0.1.0"

__all__ = [
    "AlummatchError",
    "Cohort",
    "History",
    "InfeasibleError",
    "InvalidInputError",
    "MatchResult",
    "MatchingProblem",
    "Mentee",
    "Mentor",
    "Metrics",
    "Pair",
    "Rematch",
    "Status",
    "UnsupportedError",
    "__version__",
    "build_problem",
    "compare",
    "rematch",
    "solve",
]
