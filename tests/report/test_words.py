"""summary() in plain words, the technical figures apart; explain() trimmed."""

from __future__ import annotations

import re

import numpy as np

import alummatch as am
from alummatch.datasets import load_sample
from alummatch.scoring import default_scorer

JARGON = ("p10", "gini", "blocking", "objective", "weight 0.", "slots")


def test_summary_speaks_plain_words_first(sample_result: am.MatchResult) -> None:
    """People, reasons grouped by category, mentors, quality; no jargon."""
    plain, _, technical = sample_result.summary().partition("\nFor analysts:\n")
    assert re.match(
        r"\d+ of 80 students have a mentor; \d+ are waiting: \d+ because every "
        r"suitable mentor is full, \d+ because nobody shares their language\.",
        plain,
    )
    assert "30 mentors: " in plain
    assert "out of 1" in plain
    assert "pairs with no shared availability" in plain
    for word in JARGON:
        assert word not in plain.lower(), word
    assert "p10" in technical
    assert "Gini" in technical
    assert "blocking pairs" in technical
    assert technical.startswith("solver flow, objective 'coverage': optimal")


def test_summary_counts_students_not_slots() -> None:
    """A mentee who asked for two mentors and got one is 'fewer than asked'."""
    problem = am.MatchingProblem.from_scores(
        [[0.9, 0.8], [0.7, 0.6]], mentee_demand=[2, 1], mentor_capacity=[1, 0]
    )
    plain = am.solve(problem).summary().split("\n")
    assert plain[0].startswith("1 of 2 students has a mentor; 1 is waiting: ")
    assert plain[1].startswith("1 student has fewer mentors than they asked for")


def test_summary_when_everyone_is_matched() -> None:
    """No waiting list: one short sentence, and nothing to look at."""
    problem = am.MatchingProblem.from_scores(np.eye(3) + 0.5, mentor_capacity=1)
    text = am.solve(problem).summary()
    assert text.startswith("All 3 students have a mentor.")
    assert "To look at" not in text


def test_summary_flags_idle_mentors() -> None:
    """Mentors with seats and no student are listed as something to look at."""
    problem = am.MatchingProblem.from_scores([[0.9, 0.1]], mentor_capacity=1)
    text = am.solve(problem).summary()
    assert "1 mentor with free seats has no student: a-1 (1 seat)." in text


def test_explain_leaves_out_zero_weight_criteria() -> None:
    """A criterion weighted 0 is not mentioned; the others are, with weights."""
    scorer = default_scorer(weights={"industry": 0.0})
    problem = am.build_problem(load_sample(), scorer=scorer)
    result = am.solve(problem)
    text = result.explain(result.pairs[0].mentee_id)
    assert "  - industry " not in text
    assert "  - goals " in text
    assert "(weight " in text


def test_groups_below_a_quota_are_flagged() -> None:
    """A quota the matching misses (here: a time limit hit) is a warning."""
    from dataclasses import replace

    from alummatch.constraints import GroupQuota, ScoreParity

    problem = am.MatchingProblem.from_scores(
        [[0.9, 0.8], [0.7, 0.6], [0.5, 0.4]], mentor_capacity=[1, 0]
    )
    groups = {"m-0": "a", "m-1": "b", "m-2": "b"}
    result = am.solve(problem)
    asked = replace(
        result,
        constraints=(GroupQuota(0.5, groups=groups), ScoreParity(0.1, groups=groups)),
    )
    text = asked.summary()
    assert "1 group below GroupQuota(0.5, groups): fewer than 50% of their" in text
    assert "b: 0%" in text
    assert "By group" in am.report.render_report(asked)
