"""Outputs for program staff: a safe CSV, an HTML report, plain words.

Coordinators act on a matching: they email introductions, chase the students
still waiting and report to the programme's board. This package turns a
:class:`~alummatch.result.MatchResult` into what they need:

- :func:`write_csv` (``MatchResult.to_csv``): one row a pair and one per
  waiting student slot, names, rounded scores, each criterion's contribution,
  a reason in words, with formula-like cells escaped;
- :func:`write_report` (``MatchResult.report``): one self-contained HTML file;
- :func:`summary_text` (``MatchResult.summary``): plain words, then the
  technical figures.

Data flows one way, result -> report: importing this package (which
``import alummatch`` does) registers these functions in
:data:`alummatch.result.OUTPUTS`, where the ``MatchResult`` methods find them;
``alummatch.result`` never imports this package. The modules with heavy
imports (matplotlib) load on first use.
"""

from __future__ import annotations

import os
from typing import Any

from alummatch.report.facts import Facts, facts, reason_category
from alummatch.report.table import safe_cell, staff_frame, write_csv
from alummatch.report.words import summary_text
from alummatch.result import OUTPUTS, MatchResult

__all__ = [
    "Facts",
    "facts",
    "reason_category",
    "render_report",
    "repr_html",
    "safe_cell",
    "staff_frame",
    "summary_text",
    "write_csv",
    "write_report",
]


def render_report(result: MatchResult, *, groups: tuple[Any, ...] = ()) -> str:
    """The HTML report of ``result`` as a string (see :func:`write_report`)."""
    from alummatch.report.html import render_report as render

    return render(result, groups=groups)


def write_report(
    result: MatchResult, path: str | os.PathLike[str], *, groups: tuple[Any, ...] = ()
) -> None:
    """Write the self-contained HTML report of ``result`` to ``path``.

    Parameters
    ----------
    result : MatchResult
    path : str or path-like
    groups : tuple of str or mapping, optional
        Mentee attributes (or mappings of mentee id to label) whose coverage
        the report shows, besides the groups of the request's ``GroupQuota``
        and ``ScoreParity`` constraints.
    """
    text = render_report(result, groups=groups)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def repr_html(result: MatchResult) -> str:
    """Summary, warnings and the first pairs as an HTML fragment (notebooks)."""
    from alummatch.report.html import render_fragment

    return render_fragment(result)


OUTPUTS.update(
    to_csv=write_csv,
    report=write_report,
    summary=summary_text,
    repr_html=repr_html,
)
