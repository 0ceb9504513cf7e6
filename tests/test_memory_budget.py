"""A problem too large for memory is refused up front, before any allocation."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from alummatch import MatchingProblem, build_problem
from alummatch.errors import InvalidInputError
from alummatch.problem import (
    DENSE_BYTES_PER_PAIR,
    MEMORY_SHARE,
    check_dense_fits,
    memory_budget,
    physical_memory,
)
from alummatch.profiles import Cohort

DATA = Path(__file__).parent / "data"


def _peak_bytes(call: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """Run ``call``; return the exception it raised and the traced peak bytes."""
    tracemalloc.start()
    err: BaseException | None = None
    try:
        call()
    except Exception as exc:
        err = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return err, peak


def test_default_budget_is_a_share_of_physical_memory() -> None:
    """By default a dense problem may take MEMORY_SHARE of physical memory."""
    phys = physical_memory()
    assert phys is not None
    assert phys > 0
    assert memory_budget() == pytest.approx(MEMORY_SHARE * phys)
    assert memory_budget(123.0) == 123.0


def test_national_shape_refused_before_allocation() -> None:
    """200,000 x 200,000 scores (a zero-copy view) are refused, nothing copied."""
    huge = np.broadcast_to(np.float64(0.5), (200_000, 200_000))
    err, peak = _peak_bytes(lambda: MatchingProblem.from_scores(huge))
    assert isinstance(err, InvalidInputError)
    text = str(err)
    assert "200000 x 200000" in text
    assert "GiB" in text
    assert "memory_budget" in text
    assert peak < 1 << 20


def test_from_scores_with_a_tiny_budget() -> None:
    """An explicit budget below the 9 bytes a pair refuses a small matrix too."""
    scores = np.zeros((10, 10))
    with pytest.raises(InvalidInputError, match="10 x 10 problem needs"):
        MatchingProblem.from_scores(scores, memory_budget=10 * 10 * 8)
    p = MatchingProblem.from_scores(
        scores, memory_budget=10 * 10 * DENSE_BYTES_PER_PAIR
    )
    assert p.shape == (10, 10)


@pytest.mark.parametrize("bad", [0, -1, "1GB", True])
def test_budget_must_be_a_positive_number(bad: object) -> None:
    """A budget that is not a positive number of bytes is bad input."""
    with pytest.raises(InvalidInputError, match="memory_budget"):
        check_dense_fits(2, 2, bad)  # type: ignore[arg-type]


def test_build_problem_refuses_before_fitting() -> None:
    """With a tiny budget, build_problem fits and scores nothing: a tiny peak."""
    cohort = Cohort.from_csv(DATA / "small_mentors.csv", DATA / "small_mentees.csv")
    err, peak = _peak_bytes(lambda: build_problem(cohort, memory_budget=64))
    assert isinstance(err, InvalidInputError)
    assert "4 x 3 problem needs" in str(err)
    assert peak < 64 * 1024
    assert build_problem(cohort, memory_budget=1 << 20).shape == (4, 3)
