"""Power-of-two scaling and the parity repair of a warm start."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alummatch import MatchingProblem
from alummatch.constraints import GroupQuota, ScoreParity
from alummatch.engine import make_task
from alummatch.solvers.repair import repair_parity
from alummatch.solvers.scaling import scale_factor


@pytest.mark.parametrize("top", [5e-324, 1e-300, 1.0, 1e300, 1.7e308])
def test_scale_is_a_power_of_two_that_fits_the_budget(top: float) -> None:
    """The largest score lands in [budget / 2, budget], exactly, at any magnitude."""
    scale = scale_factor(top, 2.0**40)
    scaled = scale.ints(np.array([top, -top, top / 3]))
    assert 2**39 <= scaled[0] <= 2**40
    assert scaled[1] == -scaled[0]
    assert math.isfinite(scale.down(float(scaled[0])))
    assert scale.down(float(scaled[0])) == pytest.approx(top, rel=2**-39)


def test_scale_up_overflow_is_infinite_not_an_error() -> None:
    """Scaling a value far above the scores gives inf, never OverflowError."""
    scale = scale_factor(1e-300, 2.0**53)
    assert scale.up(1e300) == math.inf
    assert scale.up(-1e300) == -math.inf


def _task(cons: list[object]) -> object:
    p = MatchingProblem.from_scores(
        [[0.9, 0.1], [0.8, 0.2], [0.3, 0.1], [0.2, 0.1]], mentor_capacity=2
    )
    return make_task(p, "coverage", cons, None, 0).task


def test_repair_brings_group_means_within_the_gap() -> None:
    """Dropping pairs from the lower group's tail restores parity."""
    groups = {"m-0": "a", "m-1": "a", "m-2": "b", "m-3": "b"}
    task = _task([ScoreParity(0.55, groups=groups)])
    tee = np.array([0, 1, 2, 3])
    tor = np.array([0, 0, 1, 1])
    chosen = np.ones(4, dtype=bool)  # means 0.85 and 0.1: gap 0.75
    out = repair_parity(task, tee, tor, chosen)  # type: ignore[arg-type]
    assert out is not None
    s = np.array([0.9, 0.8, 0.1, 0.1])
    a, b = s[:2][out[:2]], s[2:][out[2:]]
    if a.size and b.size:
        assert abs(a.mean() - b.mean()) <= 0.55


def test_repair_refuses_when_a_quota_breaks() -> None:
    """A repair that would break a quota gives None (no false feasible start)."""
    groups = {"m-0": "a", "m-1": "a", "m-2": "b", "m-3": "b"}
    task = _task([ScoreParity(0.0, groups=groups), GroupQuota(1.0, groups=groups)])
    tee = np.array([0, 1, 2, 3])
    tor = np.array([0, 0, 1, 1])
    out = repair_parity(task, tee, tor, np.ones(4, dtype=bool))  # type: ignore[arg-type]
    assert out is None


def test_repair_keeps_a_matching_that_already_honours_everything() -> None:
    """Nothing is dropped when parity already holds: the start stays optimal."""
    groups = {"m-0": "a", "m-1": "b"}
    task = _task([ScoreParity(1.0, groups=groups)])
    chosen = np.array([True, True, False, False])
    out = repair_parity(  # type: ignore[arg-type]
        task, np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1]), chosen
    )
    assert out is not None
    assert np.array_equal(out, chosen)
