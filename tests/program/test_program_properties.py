"""Property: any program file the loader accepts gives sound scores and explanations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from tests.strategies import form_programs

from alummatch import InvalidInputError, MatchingProblem, Program


def _accepted(data: dict[str, Any], folder: Path) -> MatchingProblem | None:
    """The problem of a program the loader accepts; None when it refuses it."""
    try:
        return Program.from_dict(data, base=folder, source="program.toml").problem()
    except InvalidInputError as exc:
        if not all(p.message for p in exc.problems):
            raise
        return None


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(case=form_programs())
def test_accepted_programs_score_in_unit_interval_and_explain_soundly(
    case: tuple[list[dict[str, str]], dict[str, Any]], tmp_path_factory: Any
) -> None:
    """Scores in [0, 1]; explanations name only criteria with data and weight."""
    rows, data = case
    folder: Path = tmp_path_factory.mktemp("form")
    pd.DataFrame(rows).to_csv(folder / "form.csv", index=False)
    problem = _accepted(data, folder)
    assume(problem is not None)
    assert problem is not None
    scores = problem.scores
    assert np.all(np.isfinite(scores))
    assert np.all((scores >= 0.0) & (scores <= 1.0))
    context = problem.context
    assert context is not None
    scorer = context.scorer  # type: ignore[attr-defined]
    n, m = scores.shape
    i, j = np.indices((n, m)).reshape(2, -1)
    comps = context.pair_components(i, j)
    rw = scorer.row_weights_
    for k in range(i.size):
        for sentence in context.explain_pair(int(i[k]), int(j[k])):
            name = sentence.split(" ")[0]
            c = scorer.names_.index(name)
            assert not np.isnan(comps[name][k]), sentence
            assert rw[i[k], c] > 0, sentence
