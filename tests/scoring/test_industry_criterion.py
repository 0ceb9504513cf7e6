"""Tests of the industry criterion against a per-pair reference."""

from __future__ import annotations

import numpy as np
import pytest

from alummatch.datasets import synthetic_cohort
from alummatch.profiles import Cohort
from alummatch.scoring import IndustryCriterion, default_taxonomy


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """A small synthetic cohort with many industries."""
    return synthetic_cohort(40, 25, seed=11)


def _reference(cohort: Cohort, credit: float) -> np.ndarray:
    sector = default_taxonomy().sector_of
    out = np.zeros((cohort.n_mentees, cohort.n_mentors))
    for i, a in enumerate(cohort.mentees):
        for j, b in enumerate(cohort.mentors):
            if a.industry == b.industry:
                out[i, j] = 1.0
            elif sector[a.industry] == sector[b.industry]:
                out[i, j] = credit
    return out


@pytest.mark.parametrize("credit", [0.5, 0.2, 0.0])
def test_scores_equal_reference(cohort: Cohort, credit: float) -> None:
    """Block scores and pair scores equal the per-pair reference."""
    crit = IndustryCriterion(sector_credit=credit).fit(cohort)
    ref = _reference(cohort, credit)
    got = crit.score(np.arange(cohort.n_mentees))
    np.testing.assert_allclose(got, ref, atol=1e-7)
    i, j = np.nonzero(np.ones_like(ref, dtype=bool))
    np.testing.assert_allclose(crit.score_pairs(i, j), ref[i, j], atol=1e-7)
    assert set(np.unique(got).tolist()) <= {0.0, float(np.float32(credit)), 1.0}


def test_blocks_are_independent_of_order(cohort: Cohort) -> None:
    """Scoring any subset of mentees gives those rows of the full matrix."""
    crit = IndustryCriterion().fit(cohort)
    full = crit.score(np.arange(cohort.n_mentees))
    idx = np.array([5, 0, 5, 39])
    np.testing.assert_array_equal(crit.score(idx), full[idx])


def test_explain_names_industries_and_sector() -> None:
    """The sentence names both industries and the shared sector."""
    c = Cohort(
        mentors=[{"id": "a", "industry": "asset-management", "timezone": "UTC"}],
        mentees=[{"id": "m", "industry": "investment-banking", "timezone": "UTC"}],
    )
    crit = IndustryCriterion().fit(c)
    text = crit.explain(0, 0)
    assert "Investment banking" in text
    assert "Asset management" in text
    assert "Finance" in text
    assert float(crit.score_pairs(np.array([0]), np.array([0]))[0]) == 0.5


def test_bad_sector_credit_is_rejected(cohort: Cohort) -> None:
    """A sector credit outside [0, 1] is refused at fit."""
    with pytest.raises(ValueError, match="sector_credit"):
        IndustryCriterion(sector_credit=1.5).fit(cohort)


def test_taxonomy_is_two_level_and_sized() -> None:
    """The bundled taxonomy has about 10 sectors and 40 industries, codes unique."""
    tax = default_taxonomy()
    assert 8 <= len(tax.sectors) <= 12
    assert 35 <= len(tax.industries) <= 50
    assert tax.sector_of["investment-banking"] == "finance"
