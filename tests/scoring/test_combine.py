"""The scorer's float32 combine against a plain float64 weighted mean."""

from __future__ import annotations

from typing import Self

import numpy as np
import pytest

from alummatch import MatchingProblem, build_problem, solve
from alummatch.datasets import load_sample, synthetic_cohort
from alummatch.profiles import Cohort
from alummatch.scoring import Overlap, Same, Scorer, Wants, default_scorer
from alummatch.testing import check_criterion


def _reference(scorer: Scorer, n: int) -> np.ndarray:
    """Weighted mean over the criteria with data, pair by pair, in float64."""
    idx = np.arange(n, dtype=np.intp)
    parts = [np.asarray(c.score(idx), dtype=np.float64) for c in scorer.criteria_]
    m = parts[0].shape[1]
    num = np.zeros((n, m))
    den = np.zeros((n, m))
    cf = scorer.col_factors_
    for k, part in enumerate(parts):
        w = scorer.row_weights_[:, k : k + 1].astype(np.float64)
        w = w * (1.0 if cf is None else cf[k][None, :].astype(np.float64))
        has = ~np.isnan(part)
        num += np.where(has, w * np.nan_to_num(part), 0.0)
        den += np.where(has, w, 0.0)
    out = np.divide(num, den, out=np.zeros_like(num), where=den > 1e-6)
    return np.clip(out, 0.0, 1.0)


def _attribute_cohort() -> Cohort:
    """A cohort where attribute criteria abstain and mentors weigh criteria."""
    mentors, mentees = synthetic_cohort(300, 120, seed=5).to_frames()
    rng = np.random.default_rng(5)
    mentors["campus"] = rng.choice(["North", "South", None], size=len(mentors))
    mentees["campus"] = rng.choice(["north", "south", None], size=len(mentees))
    mentors["area"] = rng.choice(["robotics;vision", "control", ""], len(mentors))
    mentees["area"] = rng.choice(["control;robotics", "vision", ""], len(mentees))
    mentors["wants_degree"] = rng.choice(["PhD", None], size=len(mentors))
    mentees["degree"] = rng.choice(["PhD", "MS"], size=len(mentees))
    return Cohort.from_frames(mentors, mentees)


def _case(name: str) -> tuple[Cohort, Scorer]:
    extra = [Same("campus"), Overlap("area"), Wants("wants_degree", of="degree")]
    if name == "sample":
        return load_sample(), default_scorer()
    if name == "synthetic":
        return synthetic_cohort(600, 250, seed=3), default_scorer()
    return _attribute_cohort(), default_scorer(extra=extra)


@pytest.mark.parametrize("name", ["sample", "synthetic", "attributes"])
def test_combine_matches_float64_reference(name: str) -> None:
    """Blockwise float32 scores equal the float64 weighted mean within 1e-6."""
    cohort, scorer = _case(name)
    problem = build_problem(cohort, scorer, block_size=7)
    ref = _reference(problem.context.scorer, cohort.n_mentees)  # type: ignore[union-attr]
    assert problem.scores.dtype == np.float64
    np.testing.assert_allclose(problem.scores, ref, rtol=0, atol=1e-6)


def test_score_into_float64_equals_float32_result() -> None:
    """``score(idx, out=...)`` writes the same values ``score(idx)`` returns."""
    cohort = load_sample()
    scorer = default_scorer().fit(cohort)
    idx = np.arange(cohort.n_mentees, dtype=np.intp)
    out = np.full((idx.size, cohort.n_mentors), -1.0)
    got = scorer.score(idx, out=out)
    assert got is out
    np.testing.assert_array_equal(out, scorer.score(idx).astype(np.float64))
    with pytest.raises(ValueError, match="shape"):
        scorer.score(idx, out=np.empty((1, 1)))


def test_built_in_criteria_say_when_they_cannot_abstain() -> None:
    """A complete synthetic cohort leaves no built-in criterion anything to skip."""
    scorer = default_scorer().fit(synthetic_cohort(200, 80, seed=1))
    assert scorer.abstains_ == (False, False, False, False)
    extra = [Same("campus"), Overlap("area"), Wants("wants_degree", of="degree")]
    scorer = default_scorer(extra=extra).fit(_attribute_cohort())
    assert scorer.abstains_[-3:] == (True, True, True)


class _Liar:
    """Declares it never abstains; the scorer trusts that and skips the search."""

    name = "liar"

    def fit(self, cohort: Cohort) -> Self:
        self.n_ = cohort.n_mentors
        self.abstains_ = False
        return self

    def score(self, mentee_idx: np.ndarray) -> np.ndarray:
        return np.full((len(mentee_idx), self.n_), 0.5, dtype=np.float32)

    def explain(self, mentee: int, mentor: int) -> str:
        return "half"


def test_criterion_that_never_abstains_is_trusted() -> None:
    """``abstains_ = False`` is honoured and passes the conformance check."""
    cohort = load_sample()
    check_criterion(_Liar(), cohort)
    scorer = Scorer([_Liar()]).fit(cohort)
    assert scorer.abstains_ == (False,)
    idx = np.arange(cohort.n_mentees, dtype=np.intp)
    np.testing.assert_array_equal(scorer.score(idx), 0.5)


def test_flow_optimum_unchanged_by_float32_combine() -> None:
    """``flow`` finds the same optimum on built scores and on the reference."""
    cohort = synthetic_cohort(120, 50, seed=7)
    problem = build_problem(cohort)
    ref = _reference(problem.context.scorer, cohort.n_mentees)  # type: ignore[union-attr]
    twin = MatchingProblem.from_scores(
        ref,
        mentor_capacity=problem.mentor_capacity,
        mentee_demand=problem.mentee_demand,
        allowed=problem.allowed,
    )
    a = solve(problem, "flow", objective="total")
    b = solve(twin, "flow", objective="total")
    assert a.objective == pytest.approx(b.objective, abs=1e-5)
    assert len(a.pairs) == len(b.pairs)
