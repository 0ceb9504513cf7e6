"""The solver registry: names to instances, and ``auto``'s order.

A plain dict: programs may add their own solver instances under a new name,
and ``solve(problem, "name")`` then finds them.
"""

from __future__ import annotations

from alummatch.errors import InputProblem, InvalidInputError, UnsupportedError
from alummatch.solvers.base import Solver, Task
from alummatch.solvers.cpsat import CpSat
from alummatch.solvers.flow import Flow
from alummatch.solvers.greedy import Greedy
from alummatch.solvers.hungarian import Hungarian
from alummatch.solvers.milp import Milp
from alummatch.solvers.stable import Stable
from alummatch.solvers.terms import WAIT_REASON, wait_tiers

__all__ = [
    "AUTO_ORDER",
    "REGISTRY",
    "ensure_supported",
    "get_solver",
    "pick_solver",
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

AUTO_ORDER: list[str] = ["flow", "hungarian", "milp", "cpsat"]
"""Exact solvers tried by ``auto``, fastest first.

``milp`` before ``cpsat``: on the requests ``flow`` cannot serve (parity,
several quotas) it was as fast or faster on most cases of
``benchmarks.bench_exact`` and alone proved the two-quota 200 x 80 cohort
optimal within 10 s (0.9 s).
"""


def get_solver(solver: str | Solver) -> Solver:
    """Resolve a registry name (not ``auto``) or pass a solver instance through."""
    if isinstance(solver, str):
        try:
            return REGISTRY[solver]
        except KeyError:
            names = ", ".join(sorted([*REGISTRY, "auto"]))
            raise InvalidInputError(
                [
                    InputProblem(
                        "solver",
                        "",
                        f"unknown solver {solver!r}; choose one of: {names}",
                    )
                ]
            ) from None
    if not isinstance(solver, Solver):
        raise TypeError(f"solver must be a name or a Solver instance, got {solver!r}")
    return solver


def _why_not(solver: Solver, task: Task) -> str | None:
    """``solver.unsupported(task)``, and what the problem itself asks for.

    Two things live in the problem rather than in a constraint, so a solver
    declares them instead of finding them in its table:

    - waitlist priority (``MatchingProblem.mentee_wait``): honoured only by
      solvers that declare ``handles_waits = True`` (``flow``, ``cpsat``,
      ``milp``); any other solver, a user's own included, is refused rather
      than left to ignore the waits;
    - a candidate problem holds no dense matrix: only solvers that declare
      ``handles_candidates = True`` (``flow``, ``greedy``, ``stable``) read
      its candidates; every other solver is refused before it could allocate
      the matrix.
    """
    if wait_tiers(task) is not None and not getattr(solver, "handles_waits", False):
        return WAIT_REASON
    if task.problem.candidates is not None and not getattr(
        solver, "handles_candidates", False
    ):
        n, m = task.problem.shape
        return (
            f"solve a candidate problem ({n} x {m}, built with "
            "build_problem(..., candidates=k)) without allocating the dense "
            "matrix; use 'flow' (exact, certified over every pair), 'stable' "
            "(mentees proposing, stable over every pair) or 'greedy'"
        )
    return solver.unsupported(task)


def supporting_solvers(task: Task) -> list[str]:
    """Registry names of the solvers that can honour ``task``."""
    return [name for name, s in REGISTRY.items() if _why_not(s, task) is None]


def ensure_supported(solver: Solver, task: Task) -> None:
    """Raise :class:`UnsupportedError` when ``solver`` cannot honour ``task``."""
    reason = _why_not(solver, task)
    if reason is not None:
        others = [n for n in supporting_solvers(task) if n != solver.name]
        hint = f"; solvers that can: {', '.join(others)}" if others else ""
        raise UnsupportedError(f"solver '{solver.name}' cannot {reason}{hint}")


def pick_solver(solver: str | Solver, task: Task) -> Solver:
    """The solver for ``task``: ``auto``'s choice, or the one named, if it can."""
    if solver == "auto":
        for name in AUTO_ORDER:
            cand = REGISTRY.get(name)
            if cand is not None and _why_not(cand, task) is None:
                return cand
        reasons = "; ".join(
            f"{name}: cannot {_why_not(REGISTRY[name], task)}"
            for name in AUTO_ORDER
            if name in REGISTRY
        )
        raise UnsupportedError(f"no exact solver supports this request ({reasons})")
    chosen = get_solver(solver)
    ensure_supported(chosen, task)
    return chosen
