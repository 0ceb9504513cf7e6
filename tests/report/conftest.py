"""Results shared by the staff-output tests: the bundled sample and a hostile cohort."""

from __future__ import annotations

import pytest

import alummatch as am
from alummatch import Cohort, Mentee, Mentor
from alummatch.constraints import GroupQuota
from alummatch.datasets import load_sample

DANGEROUS_IDS = ("=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)")
"""Mentee ids a spreadsheet would run as formulas (ids are stripped: no tab/CR)."""

DANGEROUS_NAMES = ("=1+1", "+x", "-y", "@z")
HOSTILE_MENTOR = '=HYPERLINK("http://x","click")'
HTML_ID = "<script>alert(1)</script>"
ACCENTED = "José Ñúñez"


@pytest.fixture(scope="session")
def sample_result() -> am.MatchResult:
    """The bundled sample (80 mentees, 30 mentors) matched with a group quota."""
    problem = am.build_problem(load_sample())
    return am.solve(problem, constraints=[GroupQuota(0.7, "first_generation")])


@pytest.fixture(scope="session")
def hostile_cohort() -> Cohort:
    """Ids and names starting with every formula character, HTML and accents.

    Two mentors with one seat each for seven mentees, so that some wait.
    """
    ids = [*DANGEROUS_IDS, HTML_ID, ACCENTED, "plain"]
    names = [*DANGEROUS_NAMES, "<img src=x onerror=alert(1)>", "Zoë Ærø", ""]
    tees = [
        Mentee(
            id=i,
            industry="software",
            timezone="UTC",
            goals={"networking"},
            availability=("Mon 18:00-20:00",),
            attributes={"name": n} if n else {},
        )
        for i, n in zip(ids, names, strict=True)
    ]
    tors = [
        Mentor(
            id=HOSTILE_MENTOR,
            industry="software",
            timezone="UTC",
            goals={"networking"},
            availability=("Mon 18:00-20:00",),
            attributes={"name": "-Bob"},
        ),
        Mentor(
            id="@mentor",
            industry="legal",
            timezone="UTC",
            attributes={"name": "Ana <Ø>"},
        ),
    ]
    return Cohort(mentors=tors, mentees=tees)


@pytest.fixture(scope="session")
def hostile_result(hostile_cohort: Cohort) -> am.MatchResult:
    """The hostile cohort matched: 2 pairs, 5 mentees waiting."""
    return am.solve(am.build_problem(hostile_cohort))
