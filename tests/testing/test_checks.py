"""The public conformance kit: every built-in passes, broken components are caught."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pytest
from numpy.typing import NDArray

from alummatch.result import Status
from alummatch.scoring import (
    AvailabilityCriterion,
    ExpectationsCriterion,
    GoalsCriterion,
    IndustryCriterion,
)
from alummatch.solvers import Greedy, SolverOutput, Task
from alummatch.solvers.base import Encoders, unencoded
from alummatch.testing import check_criterion, check_solver


@pytest.mark.parametrize(
    "solver", ["greedy", "stable", "flow", "hungarian", "cpsat", "milp"]
)
def test_every_built_in_solver_passes(solver: str) -> None:
    """Built-in solvers conform, and every kind of check actually ran."""
    counts = check_solver(solver, n_cases=25)
    assert counts["feasible (total)"] > 10
    assert counts["deterministic for a seed (coverage)"] > 5
    assert counts["pair filters honoured (total)"] > 0
    assert counts["unmatched reason names the filters"] == 1


@dataclass(frozen=True)
class _Wrapped:
    """A solver built on greedy, broken in one way."""

    name: str = "broken"
    exact: bool = True
    encoders: ClassVar[Encoders] = {}

    def unsupported(self, task: Task) -> str | None:
        if task.objective == "maxmin" or task.min_load.any():
            return "do that"
        return unencoded(task, self.encoders)

    def solve(self, task: Task) -> SolverOutput:
        return Greedy().solve(task)


@dataclass(frozen=True)
class LiesOptimal(_Wrapped):
    """Claims OPTIMAL for greedy's answer."""

    def solve(self, task: Task) -> SolverOutput:
        out = Greedy().solve(task)
        return SolverOutput(pairs=out.pairs, status=Status.OPTIMAL)


@dataclass(frozen=True)
class Nondeterministic(_Wrapped):
    """Drops a random pair every time (no seed)."""

    exact: bool = False

    def solve(self, task: Task) -> SolverOutput:
        pairs = Greedy().solve(task).pairs
        if pairs.shape[0] > 1:
            drop = np.random.default_rng().integers(pairs.shape[0])
            pairs = np.delete(pairs, drop, axis=0)
        return SolverOutput(pairs=pairs, status=Status.FEASIBLE)


@pytest.mark.parametrize(
    ("solver", "check"),
    [
        (LiesOptimal(), "OPTIMAL only when optimal"),
        (Nondeterministic(), "deterministic for a seed"),
    ],
)
def test_broken_solvers_are_caught(solver: Any, check: str) -> None:
    """check_solver fails, naming the broken check."""
    with pytest.raises(AssertionError, match=check):
        check_solver(solver, n_cases=25)


@pytest.mark.parametrize(
    "criterion",
    [
        IndustryCriterion(),
        GoalsCriterion(),
        AvailabilityCriterion(),
        ExpectationsCriterion(),
    ],
    ids=lambda c: c.name,
)
def test_every_built_in_criterion_passes(criterion: Any) -> None:
    """Built-in criteria conform to the criterion protocol."""
    counts = check_criterion(criterion)
    assert counts["blockwise equals whole"] == 1


class OutOfRange:
    """Scores up to 2."""

    name = "out of range"

    def fit(self, cohort: Any) -> OutOfRange:
        self.m_ = cohort.n_mentors
        return self

    def score(self, mentee_idx: NDArray[np.intp]) -> NDArray[np.float64]:
        return np.full((mentee_idx.size, self.m_), 2.0)

    def explain(self, mentee: int, mentor: int) -> str:
        return "always two"


class BlockDependent(OutOfRange):
    """Scores that depend on the block a mentee is scored in."""

    name = "block dependent"

    def score(self, mentee_idx: NDArray[np.intp]) -> NDArray[np.float64]:
        return np.full((mentee_idx.size, self.m_), 1.0 / (1 + mentee_idx.size))


@pytest.mark.parametrize(
    ("criterion", "check"),
    [(OutOfRange(), "in \\[0, 1\\]"), (BlockDependent(), "blockwise equals whole")],
)
def test_broken_criteria_are_caught(criterion: Any, check: str) -> None:
    """check_criterion fails, naming the broken check."""
    with pytest.raises(AssertionError, match=check):
        check_criterion(criterion)
