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
from alummatch.problem import MatchingProblem
from alummatch.profiles import Cohort, Mentee, Mentor
from alummatch.program import Program
from alummatch.result import MatchResult, Metrics, Pair, Status
from alummatch.scoring import build_problem

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
    "Program",
    "Status",
    "UnsupportedError",
    "__version__",
    "build_problem",
    "compare",
    "solve",
]
