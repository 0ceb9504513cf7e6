"""Constraints on individual pairs: forbidden, pinned, minimum score.

``Forbidden`` and ``MinScore`` are pair filters in both forms (see
:mod:`alummatch.constraints.base`): a dense mask for dense problems, and a
pair test for candidate problems (the listed pairs found by sorted keys; the
given scores compared with the threshold).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.base import listed_pairs, resolve_pairs
from alummatch.errors import InputProblem, InvalidInputError
from alummatch.problem import MatchingProblem, PairTest, is_real

__all__ = ["Forbidden", "MinScore", "Pinned"]


def _freeze(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    out = []
    for p in pairs:
        try:
            a, b = p
        except (TypeError, ValueError):
            raise InvalidInputError(
                [
                    InputProblem(
                        "pairs", "", f"expected (mentee_id, mentor_id), got {p!r}"
                    )
                ]
            ) from None
        out.append((str(a), str(b)))
    return tuple(out)


@dataclass(frozen=True, init=False)
class Forbidden:
    """Pairs that must never be chosen.

    Parameters
    ----------
    pairs : iterable of (mentee_id, mentor_id)
    """

    pairs: tuple[tuple[str, str], ...]

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        object.__setattr__(self, "pairs", _freeze(pairs))

    @property
    def name(self) -> str:
        """``"Forbidden"``."""
        return "Forbidden"

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """Unknown ids, as problems."""
        try:
            resolve_pairs(self.pairs, problem, "Forbidden")
        except InvalidInputError as exc:
            return list(exc.problems)
        return []

    def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
        """The listed pairs, as a mask."""
        idx = resolve_pairs(self.pairs, problem, "Forbidden")
        mask = np.zeros(problem.shape, dtype=np.bool_)
        mask[idx[:, 0], idx[:, 1]] = True
        return mask

    def removal_test(self, problem: MatchingProblem) -> PairTest:
        """The listed pairs, found among given pairs by sorted keys."""
        idx = resolve_pairs(self.pairs, problem, "Forbidden")
        return listed_pairs(idx, problem.n_mentors)

    def __str__(self) -> str:
        return f"Forbidden({len(self.pairs)} pairs)"


@dataclass(frozen=True, init=False)
class Pinned:
    """Pairs that must be chosen (e.g. continuing mentorships).

    Parameters
    ----------
    pairs : iterable of (mentee_id, mentor_id)
    """

    pairs: tuple[tuple[str, str], ...]

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        object.__setattr__(self, "pairs", _freeze(pairs))

    @property
    def name(self) -> str:
        """``"Pinned"``."""
        return "Pinned"

    def pinned(self, problem: MatchingProblem) -> NDArray[np.intp]:
        """The listed pairs as ``(k, 2)`` indices."""
        return resolve_pairs(self.pairs, problem, "Pinned")

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """Unknown ids and repeated pairs, as problems."""
        try:
            resolve_pairs(self.pairs, problem, "Pinned")
        except InvalidInputError as exc:
            return list(exc.problems)
        if len(set(self.pairs)) != len(self.pairs):
            return [InputProblem("Pinned", "pairs", "a pair is pinned more than once")]
        return []

    def __str__(self) -> str:
        return f"Pinned({len(self.pairs)} pairs)"


@dataclass(frozen=True)
class MinScore:
    """Pairs scoring below ``threshold`` are never chosen.

    Parameters
    ----------
    threshold : float
    """

    threshold: float

    @property
    def name(self) -> str:
        """E.g. ``"MinScore(0.2)"``."""
        return str(self)

    def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
        """Pairs scoring below the threshold."""
        out: NDArray[np.bool_] = problem.scores < float(self.threshold)
        return out

    def removal_test(self, problem: MatchingProblem) -> PairTest:
        """Given pairs scoring below the threshold (their scores are given)."""
        threshold = float(self.threshold)

        def test(
            mentee_idx: NDArray[np.intp],
            mentor_idx: NDArray[np.intp],
            scores: NDArray[np.float64],
        ) -> NDArray[np.bool_]:
            out: NDArray[np.bool_] = np.asarray(scores, dtype=np.float64) < threshold
            return out

        return test

    def validate(self, problem: MatchingProblem) -> list[InputProblem]:
        """A non-finite threshold, as a problem."""
        if not is_real(self.threshold) or not math.isfinite(self.threshold):
            return [
                InputProblem(
                    "MinScore",
                    "threshold",
                    f"must be a finite number, got {self.threshold!r}",
                )
            ]
        return []

    def __str__(self) -> str:
        return f"MinScore({self.threshold:g})"
