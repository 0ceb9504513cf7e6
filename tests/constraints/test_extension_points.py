"""Pair filters and pinnings written outside the package, honoured by every solver."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

from alummatch import InvalidInputError, MatchingProblem, Status, solve
from alummatch.constraints import Forbidden, MinScore, PairFilter, Pinning
from alummatch.engine import constraint_labels
from alummatch.errors import InputProblem
from alummatch.testing import objective_key, same_key

SOLVERS = ["greedy", "hungarian", "flow", "cpsat", "stable"]


@dataclass(frozen=True, eq=False)
class NoSameInitial:
    """A programme's own rule: never pair people whose ids share a first letter."""

    name: str = "no same initial"

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        return []

    def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
        tee = np.array([i[0] for i in problem.mentee_ids])
        tor = np.array([j[0] for j in problem.mentor_ids])
        out: NDArray[np.bool_] = tee[:, None] == tor[None, :]
        return out


@dataclass(frozen=True, eq=False)
class KeepFirst:
    """A programme's own pinning: the first mentee keeps the first mentor."""

    name: str = "keep first"

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        return []

    def pinned(self, problem: MatchingProblem) -> NDArray[np.intp]:
        return np.array([[0, 0]], dtype=np.intp)

    def info(self, problem: MatchingProblem) -> dict[str, int]:
        return {"kept": 1}


def _problem(seed: int = 0) -> MatchingProblem:
    rng = np.random.default_rng(seed)
    tee = [f"{c}{k}" for k, c in enumerate("abcabcabca")]
    tor = [f"{c}{k}" for k, c in enumerate("abcab")]
    return MatchingProblem.from_scores(
        rng.random((10, 5)), mentor_capacity=2, mentee_ids=tee, mentor_ids=tor
    )


def test_user_filters_satisfy_the_protocols() -> None:
    """The user's classes are recognised by the public protocols."""
    assert isinstance(NoSameInitial(), PairFilter)
    assert isinstance(KeepFirst(), Pinning)
    assert isinstance(Forbidden([]), PairFilter)
    assert isinstance(MinScore(0.1), PairFilter)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("objective", ["total", "coverage"])
def test_user_filter_equals_the_allowed_mask(solver: str, objective: str) -> None:
    """Every solver gives the same answer for the filter and the equivalent mask."""
    problem = _problem()
    mask = NoSameInitial().removed(problem)
    masked = problem.replace(allowed=problem.allowed & ~mask)
    a = solve(problem, solver, objective=objective, constraints=[NoSameInitial()])
    b = solve(masked, solver, objective=objective)
    assert a.status is b.status
    assert not mask[a.pair_indices[:, 0], a.pair_indices[:, 1]].any()
    assert same_key(
        objective_key(problem.scores, a.pair_indices, objective),
        objective_key(problem.scores, b.pair_indices, objective),
    )
    if solver in ("greedy", "stable"):  # deterministic heuristics: same pairs
        assert np.array_equal(a.pair_indices, b.pair_indices)


@pytest.mark.parametrize("solver", SOLVERS)
def test_unmatched_mentee_is_told_the_filter_name(solver: str) -> None:
    """A mentee whose every mentor the user's filter removed is told its name."""
    problem = MatchingProblem.from_scores(
        [[0.9, 0.8], [0.5, 0.4]], mentee_ids=["ann", "bo"], mentor_ids=["al", "ax"]
    )
    r = solve(problem, solver, objective="total", constraints=[NoSameInitial()])
    assert "no same initial" in r.unmatched["ann"]
    assert "removed 2 by no same initial" in r.unmatched["ann"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_forbiddens_removing_every_mentor_name_forbidden(solver: str) -> None:
    """Two Forbidden constraints of equal size no longer collide in the reason."""
    problem = MatchingProblem.from_scores([[0.9, 0.8], [0.7, 0.6]])
    r = solve(
        problem,
        solver,
        objective="total",
        constraints=[Forbidden([("m-0", "a-0")]), Forbidden([("m-0", "a-1")])],
    )
    reason = r.unmatched["m-0"]
    assert "Forbidden (constraint 1)" in reason
    assert "Forbidden (constraint 2)" in reason
    assert "although" not in reason


@pytest.mark.parametrize("solver", SOLVERS)
def test_user_pinning_is_kept_and_reports_info(solver: str) -> None:
    """A user's pinning holds its seat for every solver; its info reaches the result."""
    problem = MatchingProblem.from_scores([[0.1, 0.9], [0.2, 0.95]])
    r = solve(problem, solver, objective="total", constraints=[KeepFirst()])
    assert r.status is not Status.INFEASIBLE
    assert [0, 0] in r.pair_indices.tolist()
    assert r.info["kept"] == 1


def test_pinned_pair_removed_by_a_user_filter_is_infeasible_in_words() -> None:
    """The diagnosis names the filter that removes a pinned pair."""
    problem = MatchingProblem.from_scores(
        [[0.9, 0.8]], mentee_ids=["ann"], mentor_ids=["al", "bo"]
    )
    r = solve(problem, "flow", constraints=[NoSameInitial(), KeepFirst()])
    assert r.status is Status.INFEASIBLE
    assert r.diagnosis == ("pinned pair (ann, al) is removed by no same initial.",)


def test_filter_returning_a_bad_mask_is_invalid_input() -> None:
    """A filter whose mask has the wrong shape is named in an InvalidInputError."""

    @dataclass(frozen=True)
    class Bad:
        name: str = "bad filter"

        def validate(self, problem: MatchingProblem) -> list[InputProblem]:
            return []

        def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
            return np.zeros((1, 1), dtype=np.bool_)

    with pytest.raises(InvalidInputError, match="bad filter"):
        solve(_problem(), "flow", constraints=[Bad()])


def test_labels_add_positions_only_when_names_repeat() -> None:
    """Labels are names, with the position when two constraints share one."""
    assert constraint_labels([MinScore(0.2), NoSameInitial()]) == (
        "MinScore(0.2)",
        "no same initial",
    )
    assert constraint_labels([NoSameInitial(), NoSameInitial()]) == (
        "no same initial (constraint 1)",
        "no same initial (constraint 2)",
    )


def test_unknown_constraint_kind_is_unsupported_by_every_solver() -> None:
    """A constraint no solver's table encodes is refused, named, by every solver."""
    from alummatch import UnsupportedError

    @dataclass(frozen=True)
    class Mystery:
        name: str = "mystery"

        def validate(self, problem: MatchingProblem) -> list[InputProblem]:
            return []

    for solver in SOLVERS:
        with pytest.raises(UnsupportedError, match="honour mystery"):
            solve(_problem(), solver, constraints=[Mystery()])
