"""Tests of the goals criterion against a per-pair reference."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    TfidfVectorizer,
)

from alummatch.datasets import synthetic_cohort
from alummatch.profiles import Cohort
from alummatch.scoring import GoalsCriterion
from alummatch.scoring.goals import term_counts


def _cohort() -> Cohort:
    base = synthetic_cohort(30, 12, seed=4)
    tees = [m.model_dump() for m in base.mentees]
    tees[0]["goals"] = []  # no goals: text only
    tees[1]["about"] = ""  # no text: coverage only
    tees[2]["goals"], tees[2]["about"] = [], ""  # neither: 0
    tors = [m.model_dump() for m in base.mentors]
    tors[0]["about"] = ""
    return Cohort(mentors=tors, mentees=tees)


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """A synthetic cohort with some empty goals and texts."""
    return _cohort()


def _reference(cohort: Cohort, tw: float) -> np.ndarray:
    texts = [m.about for m in cohort.mentees] + [m.about for m in cohort.mentors]
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    x = x.toarray()
    n = cohort.n_mentees
    out = np.zeros((n, cohort.n_mentors))
    for i, a in enumerate(cohort.mentees):
        for j, b in enumerate(cohort.mentors):
            wc = (1 - tw) if a.goals else 0.0
            cov = len(a.goals & b.goals) / len(a.goals) if a.goals else 0.0
            both = bool(a.about.strip()) and bool(b.about.strip())
            wt = tw if both else 0.0
            cos = float(x[i] @ x[n + j]) if both else 0.0
            no_data = not (a.goals or a.about.strip()) or not (
                b.goals or b.about.strip()
            )
            out[i, j] = (
                np.nan if no_data or wc + wt <= 0 else (wc * cov + wt * cos) / (wc + wt)
            )
    return out


@pytest.mark.parametrize("tw", [0.3, 0.0, 1.0])
def test_scores_equal_reference(cohort: Cohort, tw: float) -> None:
    """Block and pair scores equal the reference blend of coverage and cosine."""
    crit = GoalsCriterion(text_weight=tw).fit(cohort)
    ref = _reference(cohort, tw)
    got = crit.score(np.arange(cohort.n_mentees))
    np.testing.assert_allclose(got, ref, atol=1e-5)
    i, j = np.indices(ref.shape).reshape(2, -1)
    np.testing.assert_allclose(crit.score_pairs(i, j), ref[i, j], atol=1e-5)
    assert np.nanmin(got) >= 0.0
    assert np.nanmax(got) <= 1.0 + 1e-6
    assert np.all(np.isnan(got[2]))


def test_mentee_without_goals_or_text_abstains() -> None:
    """Empty goals and texts everywhere: no data, the criterion abstains (NaN)."""
    c = Cohort(
        mentors=[{"id": "a", "industry": "software", "timezone": "UTC"}],
        mentees=[{"id": "m", "industry": "software", "timezone": "UTC"}],
    )
    crit = GoalsCriterion().fit(c)
    assert np.isnan(crit.score(np.array([0]))).all()
    assert np.isnan(crit.score_pairs(np.array([0]), np.array([0]))).all()


def test_explain_lists_shared_and_missing_goals() -> None:
    """The sentence lists the covered goals, the uncovered ones and the counts."""
    c = Cohort(
        mentors=[
            {
                "id": "a",
                "industry": "software",
                "timezone": "UTC",
                "goals": "networking;cv-review;leadership",
                "about": "Engineer who loves mentoring",
            }
        ],
        mentees=[
            {
                "id": "m",
                "industry": "software",
                "timezone": "UTC",
                "goals": "networking;cv-review;startups",
                "about": "Student who wants an engineer as mentor",
            }
        ],
    )
    crit = GoalsCriterion().fit(c)
    text = crit.explain(0, 0)
    assert "2 of the mentee's 3 goals" in text
    assert "cv-review, networking" in text
    assert "not covered: startups" in text
    assert "similarity" in text


_WORDS = st.sampled_from(
    [
        "the",
        "and",
        "Data",
        "data",
        "ΣΑΣ",
        "straße",
        "İstanbul",
        "naïve",
        "a",
        "x_y",
        "12",
        "٣٤",
        "café",
        "ǅemal",
        "日本語",
        "you'll",
        "co-op",
        "AND",
    ]
)
_GAPS = st.sampled_from(
    [" ", "  ", ", ", ".", "\n", "\t", "-", "'", "\u00a0", "\u2028"]
)


@st.composite
def _texts(draw: st.DrawFn) -> list[str]:
    """Texts of words, stop words, other scripts and odd separators, or any."""
    n = draw(st.integers(1, 12))
    out = []
    for _ in range(n):
        if draw(st.booleans()):
            out.append(draw(st.text(max_size=30)))
        else:
            parts = draw(st.lists(st.tuples(_WORDS, _GAPS), max_size=12))
            out.append("".join(w + g for w, g in parts))
    return out


@settings(max_examples=300, deadline=None)
@given(_texts())
def test_term_counts_equal_scikit_learn(texts: list[str]) -> None:
    """Counts, stored order and vocabulary equal ``CountVectorizer``'s."""
    if any("\x00" in t for t in texts):
        assert term_counts(texts, ENGLISH_STOP_WORDS) is None
        return
    vec = CountVectorizer(stop_words="english", dtype=np.float32)
    try:
        want = sp.csr_array(vec.fit_transform(texts))
    except ValueError:
        with pytest.raises(ValueError, match="empty vocabulary"):
            term_counts(texts, ENGLISH_STOP_WORDS)
        return
    got = term_counts(texts, ENGLISH_STOP_WORDS)
    assert got is not None
    matrix, terms = got
    assert terms == list(vec.get_feature_names_out())
    assert matrix.shape == want.shape
    assert matrix.dtype == want.dtype
    for part in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(matrix, part), getattr(want, part))


def test_term_counts_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts counted a few at a time give the counts of all at once."""
    import alummatch.scoring.goals as goals

    cohort = synthetic_cohort(40, 15, seed=2)
    texts = [m.about for m in cohort.mentees] + ["Ünïcode only here", "", "the"]
    whole = term_counts(texts, ENGLISH_STOP_WORDS)
    monkeypatch.setattr(goals, "_TEXTS_AT_ONCE", 3)
    parts = term_counts(texts, ENGLISH_STOP_WORDS)
    assert whole is not None
    assert parts is not None
    assert whole[1] == parts[1]
    assert (whole[0] != parts[0]).nnz == 0
    want = CountVectorizer(stop_words="english").fit_transform(texts)
    np.testing.assert_array_equal(parts[0].toarray(), want.toarray())


def test_text_separator_falls_back_to_scikit_learn() -> None:
    """A text holding the separator character scores as the reference."""
    cohort = _cohort()
    tees = [m.model_dump() for m in cohort.mentees]
    tees[3]["about"] = "zyxwv\x00qponm " + tees[3]["about"]
    tors = [m.model_dump() for m in cohort.mentors]
    tors[1]["about"] = "qponm mentor"
    odd = Cohort(mentors=tors, mentees=tees)
    assert "\x00" in odd.mentees[3].about
    crit = GoalsCriterion().fit(odd)
    assert {"zyxwv", "qponm"} <= set(crit.terms_)
    got = crit.score(np.arange(odd.n_mentees))
    np.testing.assert_allclose(got, _reference(odd, 0.3), atol=1e-5)


def test_vocabulary_cap_ranks_terms_as_scikit_learn(cohort: Cohort) -> None:
    """``max_features`` keeps scikit-learn's most frequent terms over all texts."""
    texts = [m.about for m in cohort.mentees] + [m.about for m in cohort.mentors]
    want = CountVectorizer(stop_words="english", max_features=4).fit(texts)
    crit = GoalsCriterion(max_features=4).fit(cohort)
    assert crit.terms_ == list(want.get_feature_names_out())
    assert crit.text_
    assert crit.text_tee_.shape[1] <= 4
