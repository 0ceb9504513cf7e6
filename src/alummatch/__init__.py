"""alummatch: pair university students with alumni mentors by optimisation.

Score every mentee-mentor pair, remove the pairs that must never happen, and
let a pluggable solver produce optimal, explained, reproducible pairings.

The subpackages ``scoring``, ``constraints``, ``solvers``, ``datasets``,
``learn`` and ``testing`` are reachable as attributes after ``import
alummatch``; the ones not needed by the names below are imported on first use.
"""

import importlib
import logging
from types import ModuleType

import alummatch.report  # noqa: F401  (registers to_csv, report, summary on MatchResult)
from alummatch import constraints, solvers
from alummatch.constraints import (
    AttributeRule,
    FormatCompatible,
    MaxTimezoneGap,
    MinAvailabilityOverlap,
    SharedLanguage,
)
from alummatch.engine import compare, solve
from alummatch.errors import (
    AlummatchError,
    InfeasibleError,
    InputProblem,
    InvalidInputError,
    UnsupportedError,
)
from alummatch.history import History
from alummatch.problem import MatchingProblem
from alummatch.profiles import Cohort, Mentee, Mentor
from alummatch.program import Program
from alummatch.rematching import Rematch, rematch
from alummatch.result import MatchResult, Metrics, Pair, Status
from alummatch.scoring import build_problem

logging.getLogger("alummatch").addHandler(logging.NullHandler())

__version__ = "0.1.0"

_LAZY = ("datasets", "learn", "scoring", "testing")


def __getattr__(name: str) -> ModuleType:
    """Import the subpackages not imported eagerly on first use."""
    if name in _LAZY:
        return importlib.import_module(f"alummatch.{name}")
    raise AttributeError(f"module 'alummatch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AlummatchError",
    "AttributeRule",
    "Cohort",
    "FormatCompatible",
    "History",
    "InfeasibleError",
    "InputProblem",
    "InvalidInputError",
    "MatchResult",
    "MatchingProblem",
    "MaxTimezoneGap",
    "Mentee",
    "Mentor",
    "Metrics",
    "MinAvailabilityOverlap",
    "Pair",
    "Program",
    "Rematch",
    "SharedLanguage",
    "Status",
    "UnsupportedError",
    "__version__",
    "build_problem",
    "compare",
    "constraints",
    "rematch",
    "solve",
    "solvers",
]
