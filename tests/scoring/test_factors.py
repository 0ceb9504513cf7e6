"""Factored criteria: sparse rows times a table, and the scorer's folded weights.

Differential tests: each built-in criterion's ``factors`` against its own
``score``, and the scorer's weighted products against the same fitted scorer
with the products switched off (one gather, multiply and add per criterion),
over one shared table of cohorts, edge cases included.
"""

from __future__ import annotations

import numpy as np
import pytest

from alummatch import build_problem
from alummatch.datasets import load_sample, synthetic_cohort
from alummatch.profiles import Cohort
from alummatch.scoring import (
    AvailabilityCriterion,
    ExpectationsCriterion,
    GoalsCriterion,
    IndustryCriterion,
    Overlap,
    Same,
    Scorer,
    Wants,
    default_scorer,
    tables,
)
from alummatch.testing import check_criterion

# float32 rounding of a weighted sum of four terms in [0, 1], in another order
TOLERANCE = 3e-7


def _frames_cohort(seed: int, edit: str) -> Cohort:
    """A synthetic cohort with one kind of edge case written into its frames."""
    mentors, mentees = synthetic_cohort(90, 40, seed=seed).to_frames()
    rng = np.random.default_rng(seed)
    if edit == "no-text":
        mentors["about"] = ""
        mentees["about"] = ""
    elif edit == "some-mentors-without-text":
        mentors.loc[rng.random(len(mentors)) < 0.3, "about"] = ""
    elif edit == "missing-industry":
        mentees.loc[rng.random(len(mentees)) < 0.2, "industry"] = None
    elif edit == "priorities":
        mentees["priority"] = rng.choice(
            ["goals", "industry", "availability", None], size=len(mentees)
        )
        mentees["importance"] = rng.choice(
            ["goals=0", "industry=2", "expectations=0.5", None], size=len(mentees)
        )
    elif edit == "mentor-importance":
        mentors["importance"] = rng.choice(["goals=0", "industry=3", None], 40)
    elif edit == "in-person":
        mentors["format"] = rng.choice(["in-person", "either"], size=len(mentors))
        mentees["format"] = rng.choice(["in-person", "either"], size=len(mentees))
        mentors["location"] = rng.choice(["Oslo", "Lima", None], size=len(mentors))
        mentees["location"] = rng.choice(["oslo", "LIMA", None], size=len(mentees))
    elif edit == "attributes":
        mentors["campus"] = rng.choice(["North", "South"], size=len(mentors))
        mentees["campus"] = rng.choice(["north", "south"], size=len(mentees))
        mentors["area"] = rng.choice(["robotics;vision", "control", ""], 40)
        mentees["area"] = rng.choice(["control;robotics", "vision", ""], 90)
        mentors["wants_degree"] = rng.choice(["PhD", None], size=len(mentors))
        mentees["degree"] = rng.choice(["PhD", "MS"], size=len(mentees))
    return Cohort.from_frames(mentors, mentees)


EDITS = [
    "none",
    "no-text",
    "some-mentors-without-text",
    "missing-industry",
    "priorities",
    "mentor-importance",
    "in-person",
    "attributes",
]
CASES = [
    ("sample", load_sample),
    ("1x1", lambda: synthetic_cohort(1, 1, seed=0)),
    ("3x17", lambda: synthetic_cohort(3, 17, seed=1)),
    ("400x150", lambda: synthetic_cohort(400, 150, seed=2)),
    *((e, lambda e=e, s=s: _frames_cohort(s, e)) for s, e in enumerate(EDITS)),
]


def _scorer(name: str) -> Scorer:
    if name == "attributes":
        extra = [Same("campus"), Overlap("area"), Wants("wants_degree", of="degree")]
        return default_scorer(extra=extra)
    if name == "priorities":
        return default_scorer({"expectations": 0})
    return default_scorer()


@pytest.mark.parametrize(("name", "make"), CASES, ids=[c[0] for c in CASES])
def test_criterion_factors_multiply_out_to_score(name: str, make: object) -> None:
    """``rows[idx] @ table`` equals ``score(idx)`` for every built-in criterion."""
    cohort = make()  # type: ignore[operator]
    idx = np.random.default_rng(0).permutation(cohort.n_mentees).astype(np.intp)
    criteria = [
        IndustryCriterion(),
        GoalsCriterion(),
        AvailabilityCriterion(),
        ExpectationsCriterion(weights={"format": 2}),
    ]
    if name == "attributes":
        criteria.append(Same("campus"))
    for crit in criteria:
        crit.fit(cohort)
        got = crit.factors()
        if got is None:
            continue
        rows, table = got
        assert table.dtype == np.float32
        assert rows.shape == (cohort.n_mentees, table.shape[0])
        product = rows[idx] @ table
        np.testing.assert_allclose(
            product, crit.score(idx), rtol=0, atol=1e-6, equal_nan=True
        )


@pytest.mark.parametrize(("name", "make"), CASES, ids=[c[0] for c in CASES])
def test_folded_weights_equal_the_per_criterion_combine(
    name: str, make: object
) -> None:
    """The scorer's weighted products equal its gather-multiply-add path."""
    cohort = make()  # type: ignore[operator]
    fused = _scorer(name).fit(cohort)
    plain = _scorer(name).fit(cohort)
    plain.fused_, plain.fused_factors_ = (), ()
    idx = np.arange(cohort.n_mentees, dtype=np.intp)
    shuffled = np.random.default_rng(1).permutation(idx).astype(np.intp)
    for rows in (idx, shuffled, idx[::2], idx[:0], idx[-2:] - idx.size):
        got = fused.score(rows)
        want = plain.score(rows)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE)
        assert (got >= 0).all()
        assert (got <= 1).all()


def test_which_criteria_are_folded() -> None:
    """Criteria that abstain, or pairs weighed by mentors, keep the plain path."""
    assert default_scorer().fit(synthetic_cohort(60, 20, seed=0)).fused_ == (
        0,
        1,
        2,
        3,
    )
    small = default_scorer().fit(synthetic_cohort(60, 20, seed=0))
    ((rows, table),) = small.fused_factors_  # one stacked product
    widths = [c.factors()[1].shape[0] for c in small.criteria_]  # type: ignore[attr-defined]
    assert rows.shape == (60, sum(widths))
    assert table.shape == (sum(widths), 20)
    missing = default_scorer().fit(_frames_cohort(3, "missing-industry"))
    assert 0 not in missing.fused_
    assert missing.abstains_[0]
    assert default_scorer().fit(_frames_cohort(5, "mentor-importance")).fused_ == ()
    attrs = _scorer("attributes").fit(_frames_cohort(7, "attributes"))
    names = [attrs.names_[k] for k in attrs.fused_]
    assert "campus" in names
    assert "area" not in names
    zero = default_scorer({"expectations": 0}).fit(synthetic_cohort(60, 20, seed=0))
    assert 3 not in zero.fused_


def test_built_problem_unchanged_by_folded_weights() -> None:
    """Dense scores move by float32 rounding only; the mask not at all."""
    cohort = _frames_cohort(4, "priorities")
    problem = build_problem(cohort, block_size=13)
    plain = default_scorer().fit(cohort)
    plain.fused_, plain.fused_factors_ = (), ()
    idx = np.arange(cohort.n_mentees, dtype=np.intp)
    ref = plain.score(idx).astype(np.float64)
    np.testing.assert_allclose(problem.scores, ref, rtol=0, atol=TOLERANCE)


def test_conformance_checks_factors() -> None:
    """``check_criterion`` multiplies out ``factors`` and flags a wrong table."""
    cohort = load_sample()
    ran = check_criterion(ExpectationsCriterion(), cohort)
    assert ran["factors multiply out to score"] == 1

    class Wrong(IndustryCriterion):
        def factors(self):  # type: ignore[no-untyped-def]
            rows, table = super().factors()
            return rows, table * 0.5

    with pytest.raises(AssertionError, match="factors multiply out"):
        check_criterion(Wrong(), cohort)


def test_fresh_array_is_mapped_zeroed_and_writable() -> None:
    """Large fresh arrays are zero-filled, writable and sized; small ones too."""
    big = tables.fresh_array((700, 1000), np.float64)
    assert big.shape == (700, 1000)
    assert big.dtype == np.float64
    assert big.flags.writeable
    assert big.flags.c_contiguous
    assert not big.any()
    big[-1, -1] = 2.5
    assert big.sum() == 2.5
    small = tables.fresh_array((3, 4), np.bool_)
    assert small.shape == (3, 4)
    assert small.dtype == np.bool_


def test_dense_build_on_one_thread_equals_two() -> None:
    """Outputs mapped on the calling thread or on a worker hold the same scores.

    5 MB of scores: a mapping of their own (see ``tables.fresh_array``).
    """
    cohort = synthetic_cohort(1000, 650, seed=4)
    one = build_problem(cohort, n_jobs=1)
    two = build_problem(cohort, n_jobs=2, block_size=37)
    np.testing.assert_array_equal(one.scores, two.scores)
    np.testing.assert_array_equal(one.allowed, two.allowed)
    assert not one.scores.flags.writeable
