"""A program's own criterion, written as README "Adding your own criterion" says.

The README asks for a small class with a ``name``, a ``fit(cohort)`` returning
``self`` (learned state ending in ``_``), a ``score(mentee_idx)`` returning a
float block in [0, 1] of shape ``(len(mentee_idx), n_mentors)`` and an
``explain(mentee, mentor)`` sentence -- nothing else (no ``score_pairs``).
"""

from __future__ import annotations

import doctest
from typing import Any, Self

import numpy as np
import pytest
from numpy.typing import NDArray

import alummatch as am
import alummatch.scoring.base
from alummatch.datasets import load_sample, synthetic_cohort
from alummatch.errors import InvalidInputError
from alummatch.profiles import Cohort
from alummatch.scoring import (
    DEFAULT_WEIGHTS,
    AvailabilityCriterion,
    Criterion,
    ExpectationsCriterion,
    GoalsCriterion,
    IndustryCriterion,
    Scorer,
    default_scorer,
)


class GraduationGap:
    """Mentors who graduated 5-15 years before the mentee's graduation score 1."""

    name = "graduation"

    def __init__(self, *, ideal: tuple[int, int] = (5, 15)) -> None:
        self.ideal = ideal

    def fit(self, cohort: Cohort) -> Self:
        """Read both sides' graduation years (NaN where missing)."""
        nan = float("nan")
        self.tee_ = np.array(
            [
                nan if m.graduation_year is None else m.graduation_year
                for m in cohort.mentees
            ]
        )
        self.tor_ = np.array(
            [
                nan if m.graduation_year is None else m.graduation_year
                for m in cohort.mentors
            ]
        )
        return self

    def score(self, mentee_idx: NDArray[np.intp]) -> NDArray[np.float32]:
        """1 inside the ideal gap, 0 outside or when a year is missing."""
        gap = self.tee_[mentee_idx][:, None] - self.tor_[None, :]
        lo, hi = self.ideal
        with np.errstate(invalid="ignore"):
            ok = (gap >= lo) & (gap <= hi)
        return ok.astype(np.float32)

    def explain(self, mentee: int, mentor: int) -> str:
        """The two graduation years."""
        return f"mentee graduates {self.tee_[mentee]:g}, mentor {self.tor_[mentor]:g}"


def _reference(cohort: Cohort) -> NDArray[np.float64]:
    out = np.zeros((cohort.n_mentees, cohort.n_mentors))
    for i, a in enumerate(cohort.mentees):
        for j, b in enumerate(cohort.mentors):
            if a.graduation_year is not None and b.graduation_year is not None:
                out[i, j] = float(5 <= a.graduation_year - b.graduation_year <= 15)
    return out


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """The bundled sample cohort (graduation years on both sides, some missing)."""
    return load_sample()


def test_readme_criterion_satisfies_the_protocol() -> None:
    """The four README members are all a Criterion needs."""
    assert isinstance(GraduationGap(), Criterion)


def test_readme_criterion_scores_explains_and_solves(cohort: Cohort) -> None:
    """Added to the built-ins, it scores, solves and explains every chosen pair."""
    scorer = default_scorer({"graduation": 0.2}, extra=[GraduationGap()])
    problem = am.build_problem(cohort, scorer=scorer)
    plain = am.build_problem(cohort)
    result = am.solve(problem, "flow")
    assert result.is_feasible()
    # scores are the weighted mean with the new criterion at weight 0.2
    ref = _reference(cohort)
    assert ref.min() == 0.0
    assert ref.max() == 1.0
    fitted = problem.context.scorer  # type: ignore[union-attr]
    k = fitted.names_.index("graduation")
    assert fitted.names_ == (*DEFAULT_WEIGHTS, "graduation")
    i, j = np.indices(ref.shape).reshape(2, -1)
    comps = fitted.pair_components(i, j)
    np.testing.assert_array_equal(comps["graduation"], ref[i, j])
    assert not np.allclose(problem.scores, plain.scores)
    # every chosen pair carries and explains the new component
    frame = result.to_frame()
    assert "graduation" in frame.columns
    pair = result.pairs[0]
    ii = problem.mentee_index()[pair.mentee_id]
    jj = problem.mentor_index()[pair.mentor_id]
    assert pair.components["graduation"] == ref[ii, jj]
    text = result.explain(pair.mentee_id)
    assert (
        f"graduation {ref[ii, jj]:.2f} (weight {fitted.row_weights_[ii, k]:.2f})"
        in text
    )
    assert "mentee graduates" in text


def test_readme_criterion_in_a_plain_scorer_matches_pairwise_reference() -> None:
    """In a Scorer of its own, block and pair scores equal the per-pair reference."""
    c = synthetic_cohort(25, 10, seed=6)
    tees = [m.model_dump() for m in c.mentees]
    for k, m in enumerate(tees):
        m["graduation_year"] = 2020 + k % 8
    tors = [m.model_dump() for m in c.mentors]
    for k, m in enumerate(tors):
        m["graduation_year"] = None if k == 0 else 2000 + 2 * k
    c = Cohort(mentors=tors, mentees=tees)
    crit = GraduationGap()
    scorer = Scorer([crit]).fit(c)
    ref = _reference(c)
    np.testing.assert_array_equal(scorer.score(np.arange(c.n_mentees)), ref)
    i, j = np.indices(ref.shape).reshape(2, -1)
    rng = np.random.default_rng(0)
    order = rng.permutation(i.size)
    np.testing.assert_array_equal(
        scorer.pair_scores(i[order], j[order]), ref[i[order], j[order]]
    )
    assert not hasattr(crit, "tee_")  # the scorer fitted a copy


def test_custom_criterion_with_wrong_shape_is_named() -> None:
    """A block of the wrong shape is refused with the criterion's name."""

    class Broken(GraduationGap):
        name = "broken"

        def score(self, mentee_idx: NDArray[np.intp]) -> NDArray[np.float32]:
            return np.zeros(len(mentee_idx), dtype=np.float32)

    c = synthetic_cohort(5, 3, seed=0)
    with pytest.raises(ValueError, match="criterion 'broken' returned scores of shape"):
        am.build_problem(c, scorer=default_scorer(extra=[Broken()]))


def test_extra_criteria_names_and_weights_are_checked() -> None:
    """Clashing names and unknown weights are all listed in one error."""

    class Nameless:
        def fit(self, cohort: Cohort) -> Any:
            return self

    with pytest.raises(InvalidInputError) as info:
        default_scorer(
            {"vibes": 1.0},
            extra=[IndustryCriterion(), Nameless()],  # type: ignore[list-item]
        )
    got = sorted((p.where, p.field) for p in info.value.problems)
    assert got == [("extra", ""), ("extra", "industry"), ("weights", "vibes")]


def test_extra_criterion_default_weight_is_the_mean_builtin_weight() -> None:
    """Without a weight, an extra criterion weighs 0.25 before normalising."""
    s = default_scorer(extra=[GraduationGap()])
    assert s.weights == {**DEFAULT_WEIGHTS, "graduation": 0.25}
    assert [c.name for c in s.criteria] == [
        IndustryCriterion.name,
        GoalsCriterion.name,
        AvailabilityCriterion.name,
        ExpectationsCriterion.name,
        "graduation",
    ]


def test_criterion_docstring_example_runs() -> None:
    """The example the README points to (alummatch.scoring.base) runs as written."""
    failures, tried = doctest.testmod(alummatch.scoring.base, verbose=False)
    assert tried > 0
    assert failures == 0
