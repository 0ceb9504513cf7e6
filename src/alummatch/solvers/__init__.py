"""Solvers and their registry.

Registry names: ``greedy``, ``hungarian``, ``flow``, ``cpsat``, ``milp``,
``stable``;
``auto`` picks the fastest exact solver that supports the request. The
registry is a plain dict; programs may add their own solver instances.
"""

from __future__ import annotations

from alummatch.solvers.base import OBJECTIVES, Encoders, Solver, SolverOutput, Task
from alummatch.solvers.cpsat import CpSat
from alummatch.solvers.flow import Flow
from alummatch.solvers.greedy import Greedy
from alummatch.solvers.hungarian import Hungarian
from alummatch.solvers.milp import Milp
from alummatch.solvers.registry import (
    AUTO_ORDER,
    REGISTRY,
    get_solver,
    supporting_solvers,
)
from alummatch.solvers.stable import Stable

__all__ = [
    "AUTO_ORDER",
    "OBJECTIVES",
    "REGISTRY",
    "CpSat",
    "Encoders",
    "Flow",
    "Greedy",
    "Hungarian",
    "Milp",
    "Solver",
    "SolverOutput",
    "Stable",
    "Task",
    "get_solver",
    "supporting_solvers",
]
