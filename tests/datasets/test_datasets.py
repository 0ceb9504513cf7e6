"""Tests of the bundled sample cohort and the synthetic generator."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from alummatch.datasets import load_sample, synthetic_cohort
from alummatch.profiles import Cohort


def test_synthetic_is_deterministic_per_seed() -> None:
    """The same seed gives the same cohort; another seed a different one."""
    a = synthetic_cohort(60, 25, seed=3)
    assert a == synthetic_cohort(60, 25, seed=3)
    assert a != synthetic_cohort(60, 25, seed=4)


def test_synthetic_is_a_valid_cohort() -> None:
    """Re-validating every record of a synthetic cohort gives it back unchanged."""
    c = synthetic_cohort(300, 120, seed=1)
    again = Cohort(
        mentors=[m.model_dump() for m in c.mentors],
        mentees=[m.model_dump() for m in c.mentees],
    )
    assert again == c


def test_synthetic_distributions_are_skewed() -> None:
    """Industries are Zipf-like, zones clustered, capacities 1-4, ~30 % first-gen."""
    c = synthetic_cohort(4000, 1500, seed=0)
    industries = Counter(m.industry for m in c.mentees)
    top = industries.most_common(1)[0][1] / c.n_mentees
    assert top > 0.08
    assert len(industries) > 20
    europe = np.mean([m.timezone.startswith("Europe/") for m in c.mentees])
    assert 0.55 < europe < 0.65
    caps = {m.capacity for m in c.mentors}
    assert caps == {1, 2, 3, 4}
    first = np.mean([m.attributes["first_generation"] == "yes" for m in c.mentees])
    assert 0.25 < first < 0.35
    tags = set().union(*(m.goals for m in c.mentees))
    assert 20 <= len(tags) <= 30
    assert any(m.languages == {"pt"} or m.languages == {"de"} for m in c.mentees)


def test_synthetic_makes_large_cohorts() -> None:
    """10 000 x 4 000 is generated whole (its speed: benchmarks/bench_scoring.py)."""
    c = synthetic_cohort(10_000, 4_000)
    assert (c.n_mentees, c.n_mentors) == (10_000, 4_000)


def test_synthetic_rejects_bad_sizes() -> None:
    """Sizes below one are refused."""
    with pytest.raises(ValueError, match="n_mentors"):
        synthetic_cohort(3, 0)


def test_load_sample() -> None:
    """The sample has 30 mentors, 80 mentees, first-gen flags and some rankings."""
    c = load_sample()
    assert (c.n_mentors, c.n_mentees) == (30, 80)
    assert c.mentor_ids[0] == "a-01"
    assert c.mentee_ids[-1] == "m-80"
    assert all("first_generation" in m.attributes for m in c.mentees)
    assert sum(bool(m.preferred_mentors) for m in c.mentees) >= 5
    assert any(m.languages == {"es"} for m in c.mentees)


def test_synthetic_same_seed_gives_identical_files_and_scores(tmp_path: Path) -> None:
    """Same seed: byte-identical CSV files and identical score matrices."""
    import alummatch as am

    texts = []
    scores = []
    for k in range(2):
        c = synthetic_cohort(120, 45, seed=13)
        tors, tees = c.to_frames()
        tors.to_csv(tmp_path / f"t{k}.csv", index=False)
        tees.to_csv(tmp_path / f"e{k}.csv", index=False)
        texts.append(
            (
                (tmp_path / f"t{k}.csv").read_bytes(),
                (tmp_path / f"e{k}.csv").read_bytes(),
            )
        )
        scores.append(am.build_problem(c).scores)
    assert texts[0] == texts[1]
    np.testing.assert_array_equal(scores[0], scores[1])
    other = synthetic_cohort(120, 45, seed=14).to_frames()[1]
    assert not other.equals(synthetic_cohort(120, 45, seed=13).to_frames()[1])
