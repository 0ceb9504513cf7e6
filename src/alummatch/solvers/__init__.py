"""Solvers and their registry.

Registry names: ``greedy``, ``hungarian``, ``flow``, ``cpsat``, ``milp``,
``stable``;
``auto`` picks the fastest exact solver that supports the request. The
registry is a plain dict; programs may add their own solver instances.
"""

from __future__ import annotations

from alummatch.solvers.base import OBJECTIVES, Solver, SolverOutput, Task
from alummatch.solvers.cpsat import CpSat
from alummatch.solvers.flow import Flow
from alummatch.solvers.greedy import Greedy
from alummatch.solvers.hungarian import Hungarian
from alummatch.solvers.milp import Milp
from alummatch.solvers.stable import Stable

__all__ = [
    "AUTO_ORDER",
    "OBJECTIVES",
    "REGISTRY",
    "CpSat",
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

REGISTRY: dict[str, Solver] = {
    "greedy": Greedy(),
    "hungarian": Hungarian(),
    "flow": Flow(),
    "cpsat": CpSat(),
    "milp": Milp(),
    "stable": Stable(),
}
"""Solver instances by registry name."""

AUTO_ORDER: list[str] = ["flow", "hungarian", "cpsat"]
"""Exact solvers tried by ``auto``, fastest first."""


def get_solver(solver: str | Solver) -> Solver:
    """Resolve a registry name (not ``auto``) or pass a solver instance through."""
    if isinstance(solver, str):
        try:
            return REGISTRY[solver]
        except KeyError:
            names = ", ".join(sorted([*REGISTRY, "auto"]))
            raise ValueError(
                f"unknown solver {solver!r}; choose one of: {names}"
            ) from None
    if not isinstance(solver, Solver):
        raise TypeError(f"solver must be a name or a Solver instance, got {solver!r}")
    return solver


def supporting_solvers(task: Task) -> list[str]:
    """Registry names of the solvers that can honour ``task``."""
    return [name for name, s in REGISTRY.items() if s.unsupported(task) is None]
