"""The public API: reachable after ``import alummatch``, whatever the import order."""

from __future__ import annotations

import subprocess
import sys

import pytest

import alummatch


def test_subpackages_reachable_in_a_fresh_interpreter() -> None:
    """``alummatch.scoring`` & co. work with nothing else imported first."""
    code = (
        "import alummatch as am\n"
        "for name in ('scoring', 'constraints', 'solvers', 'datasets', 'testing',\n"
        "             'learn', 'report'):\n"
        "    assert getattr(am, name).__name__ == 'alummatch.' + name, name\n"
        "am.scoring.default_scorer(); am.testing.check_solver\n"
        "am.datasets.load_sample()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_all_lists_exactly_what_exists() -> None:
    """Every name in ``__all__`` exists, and public classes and rules are in it."""
    for name in alummatch.__all__:
        assert hasattr(alummatch, name), name
    for name in ("InputProblem", "AttributeRule", "SharedLanguage", "MatchResult"):
        assert name in alummatch.__all__


def test_unknown_attribute_is_an_attribute_error() -> None:
    """A typo is an AttributeError naming the attribute, not an import error."""
    with pytest.raises(AttributeError, match="scorign"):
        alummatch.scorign  # type: ignore[attr-defined]  # noqa: B018
