"""Exceptions raised by alummatch.

Every error raised on purpose by the library derives from :class:`AlummatchError`,
so that program software can catch the whole family in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "AlummatchError",
    "InfeasibleError",
    "InputProblem",
    "InvalidInputError",
    "UnsupportedError",
]


class AlummatchError(Exception):
    """Base class of every error raised on purpose by alummatch."""


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with the input.

    Attributes
    ----------
    where : str
        Where the problem is: a row (``"mentors.csv row 4 (id 'a-9')"``), an
        argument name (``"scores"``) or a pair.
    field : str
        The field, column or argument at fault; empty when the whole record is.
    message : str
        What is wrong, in words.
    """

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        loc = f"{self.where}, {self.field}" if self.field else self.where
        return f"{loc}: {self.message}"


class InvalidInputError(AlummatchError, ValueError):
    """The input is invalid; ``.problems`` lists every problem found.

    Parameters
    ----------
    problems : iterable of InputProblem or str
        Every problem found. Plain strings are wrapped as problems with an
        empty location.
    """

    def __init__(self, problems: Iterable[InputProblem | str]) -> None:
        items = tuple(
            p if isinstance(p, InputProblem) else InputProblem("input", "", str(p))
            for p in problems
        )
        if not items:
            raise ValueError("InvalidInputError needs at least one problem")
        self.problems: tuple[InputProblem, ...] = items
        n = len(items)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in items)]))


class InfeasibleError(AlummatchError):
    """The matching problem has no solution; ``.diagnosis`` says why."""

    def __init__(self, diagnosis: Sequence[str]) -> None:
        self.diagnosis: tuple[str, ...] = tuple(diagnosis)
        text = " ".join(self.diagnosis) or "the problem is infeasible"
        super().__init__(text)


class UnsupportedError(AlummatchError):
    """A solver was asked for something it cannot honour."""
