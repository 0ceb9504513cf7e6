"""A cohort read from CSV keeps its records as columns until they are asked for.

Its columnar views, its problem and its serialised forms are those of the same
cohort built from records; reading them builds no record.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from alummatch import Cohort, build_problem
from alummatch.datasets import synthetic_cohort
from alummatch.profiles.models import Mentee, Mentor, Side

SIDES: tuple[Side, Side] = ("mentees", "mentors")


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Cohort, Cohort]:
    """(read from CSV, built from records) of one synthetic cohort."""
    eager = synthetic_cohort(60, 25, seed=4)
    tors, tees = eager.to_frames()
    tors.to_csv(tmp_path / "mentors.csv", index=False)
    tees.to_csv(tmp_path / "mentees.csv", index=False)
    read = Cohort.from_csv(tmp_path / "mentors.csv", tmp_path / "mentees.csv")
    return read, eager


def _built(cohort: Cohort) -> set[str]:
    return {"mentors", "mentees"} & set(cohort.__dict__)


def test_views_are_read_from_columns_without_building_records(
    pair: tuple[Cohort, Cohort],
) -> None:
    """Every columnar view equals the eager cohort's and builds no record."""
    read, eager = pair
    assert (read.n_mentees, read.n_mentors) == (eager.n_mentees, eager.n_mentors)
    assert read.mentee_ids == eager.mentee_ids
    assert read.mentor_ids == eager.mentor_ids
    assert read.mentor_index() == eager.mentor_index()
    for side, model in zip(SIDES, (Mentee, Mentor), strict=True):
        for field in model.model_fields:
            assert list(read.values(side, field)) == list(eager.values(side, field))
        for name in ("first_generation", "industry", "nothing-like-it"):
            got, want = read.attribute(side, name), eager.attribute(side, name)
            assert (got is None) == (want is None)
            if got is not None and want is not None:
                assert list(got) == list(want)
        np.testing.assert_array_equal(
            read.availability_mask(side), eager.availability_mask(side)
        )
        np.testing.assert_array_equal(read.utc_offsets(side), eager.utc_offsets(side))
    np.testing.assert_array_equal(
        read.int_values("mentors", "capacity"), eager.int_values("mentors", "capacity")
    )
    for got, want in zip(read.codes("industry"), eager.codes("industry"), strict=True):
        np.testing.assert_array_equal(got, want)
    got_hot, want_hot = read.multi_hot("goals"), eager.multi_hot("goals")
    assert got_hot[2] == want_hot[2]
    for got, want in zip(got_hot[:2], want_hot[:2], strict=True):
        assert (got != want).nnz == 0
    assert not _built(read)


def test_problem_is_built_from_columns(pair: tuple[Cohort, Cohort]) -> None:
    """``build_problem`` gives the eager cohort's problem and builds no record."""
    read, eager = pair
    got, want = build_problem(read), build_problem(eager)
    np.testing.assert_array_equal(got.scores, want.scores)
    np.testing.assert_array_equal(got.allowed, want.allowed)
    assert got.mentee_preferences is not None
    assert want.mentee_preferences is not None
    for a, b in zip(got.mentee_preferences, want.mentee_preferences, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not _built(read)


def test_records_are_built_once_when_asked_for(pair: tuple[Cohort, Cohort]) -> None:
    """Reading ``mentees`` builds that side only, once, equal to the eager one."""
    read, eager = pair
    tees = read.mentees
    assert _built(read) == {"mentees"}
    assert read.mentees is tees
    assert tees == eager.mentees
    assert read.mentors == eager.mentors
    assert read.model_fields_set == eager.model_fields_set


def test_dumps_copies_and_pickles_match_the_eager_cohort(
    pair: tuple[Cohort, Cohort],
) -> None:
    """Serialised, iterated, copied or pickled, a read cohort is the eager one."""
    read, eager = pair
    again = pickle.loads(pickle.dumps(read))
    assert again == eager
    assert read.model_copy(deep=True) == eager
    assert read.model_dump() == eager.model_dump()
    # sets list their items in the order they were built: compare with the
    # same cohort validated record by record
    per_record = Cohort.from_frames(*eager.to_frames())
    assert read.model_dump_json() == per_record.model_dump_json()
    assert dict(read) == dict(eager)
