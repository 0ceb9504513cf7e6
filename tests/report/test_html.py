"""The HTML report and the notebook view: content, escaping, no network."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import alummatch as am
from alummatch.report import render_report
from alummatch.report.facts import reason_category
from tests.report.conftest import DANGEROUS_IDS, HOSTILE_MENTOR, HTML_ID


class _Tags(HTMLParser):
    """Collects tags with their attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    return p


@pytest.fixture(scope="module")
def sample_page(
    sample_result: am.MatchResult, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The sample's report, written to a file and read back."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    sample_result.report(path)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_page(hostile_result: am.MatchResult) -> str:
    """The report of the cohort with formula, HTML and accented ids."""
    return render_report(hostile_result)


def test_report_lists_every_mentee_and_every_reason(
    sample_result: am.MatchResult, sample_page: str
) -> None:
    """Every mentee id and every unmatched reason (and its category) is there."""
    text = html.unescape(sample_page)
    for mentee_id in sample_result.problem.mentee_ids:  # type: ignore[union-attr]
        assert mentee_id in text
    for reason in sample_result.unmatched.values():
        assert reason in text
        assert reason_category(reason) in text
    for p in sample_result.pairs:
        assert f">{p.score:.3f}<" in sample_page


def test_report_has_the_plots_inline(sample_page: str) -> None:
    """Scores, contributions, loads and group coverage as PNG data URIs."""
    images = [a for tag, a in _parse(sample_page).tags if tag == "img"]
    assert len(images) == 4
    for attrs in images:
        assert (attrs["src"] or "").startswith("data:image/png;base64,")
        assert attrs["alt"]


def test_report_makes_no_network_reference(sample_page: str) -> None:
    """No http anywhere, no external script, stylesheet, font or image."""
    assert "http" not in sample_page.lower()
    assert "//" not in re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", sample_page)
    tags = _parse(sample_page).tags
    assert not [t for t, _ in tags if t in ("link", "iframe", "object", "embed")]
    assert all("src" not in a for t, a in tags if t == "script")
    assert "@import" not in sample_page
    assert "url(" not in sample_page


def test_report_has_summary_warnings_and_settings(sample_page: str) -> None:
    """Plain-words summary, warnings, group coverage and the settings used."""
    text = html.unescape(sample_page)
    assert re.search(r"\d+ of 80 students have a mentor; \d+ are waiting: ", text)
    assert "because every suitable mentor is full" in text
    assert "pairs with no shared availability" in text
    assert "By first_generation" in text
    assert "GroupQuota(0.7, first_generation)" in text
    for word in ("Solver", "Goal", "Constraints", "Criterion weights", "Status"):
        assert f"<dt>{word}</dt>" in sample_page
    assert "Best mentor they could have had" in text
    assert "full: " in text


def test_hostile_strings_are_escaped(hostile_page: str) -> None:
    """Ids and names with formula characters and HTML come out escaped."""
    assert HTML_ID not in hostile_page
    assert html.escape(HTML_ID) in hostile_page
    assert "<img src=x" not in hostile_page
    assert "Ana &lt;Ø&gt;" in hostile_page
    assert html.escape(HOSTILE_MENTOR, quote=True) in hostile_page
    for dangerous in DANGEROUS_IDS:
        assert html.escape(dangerous, quote=True) in hostile_page
    tags = _parse(hostile_page).tags
    assert [t for t, _ in tags].count("script") == 1  # the sorting script only
    images = [a["src"] for t, a in tags if t == "img"]
    assert all((s or "").startswith("data:image/png;base64,") for s in images)


def test_report_without_a_cohort_still_works() -> None:
    """A problem from a score matrix: no names, no contributions, still a report."""
    problem = am.MatchingProblem.from_scores(
        np.random.default_rng(0).random((6, 2)), mentor_capacity=2
    )
    page = render_report(am.solve(problem))
    assert "4 of 6 students have a mentor" in page
    assert page.count("<img ") == 2  # scores and loads; no criteria to show


def test_infeasible_report_shows_the_diagnosis() -> None:
    """An infeasible request: everyone waiting, the diagnosis as a warning."""
    problem = am.MatchingProblem.from_scores(
        [[0.5, 0.4], [0.3, 0.2]], mentor_capacity=2, mentor_min_load=[2, 2]
    )
    result = am.solve(problem, "flow")
    assert result.status is am.Status.INFEASIBLE
    page = html.unescape(render_report(result))
    assert "No matching could be made" in page
    assert result.diagnosis[0] in page


def test_report_leaves_matplotlib_global_state_alone(
    sample_result: am.MatchResult,
) -> None:
    """No backend switch, no rcParams change, no pyplot figure left open."""
    import matplotlib

    backend = matplotlib.get_backend()
    params = dict(matplotlib.rcParams)
    render_report(sample_result)
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == params


def test_repr_html_is_the_summary_warnings_and_first_pairs(
    sample_result: am.MatchResult,
) -> None:
    """In a notebook a result shows its summary and first pairs, not a repr."""
    page = sample_result._repr_html_()
    text = html.unescape(page)
    assert "MatchResult(" not in page
    assert re.search(r"\d+ of 80 students have a mentor", text)
    assert "no shared availability" in text
    first = sample_result.pairs[0]
    assert first.mentee_id in text
    assert first.mentor_id in text
    assert page.count("<tr>") == 1 + 10  # the header and the first ten pairs
    assert f"and {len(sample_result.pairs) - 10} more pairs" in text


def test_repr_html_escapes(hostile_result: am.MatchResult) -> None:
    """The notebook view escapes ids and names too."""
    page = hostile_result._repr_html_()
    assert "<script>alert" not in page
    assert "<img src=x" not in page


def test_cli_writes_report_and_safe_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`alummatch demo --out --report` writes both files and says so."""
    from alummatch.cli import main

    out, report = tmp_path / "pairs.csv", tmp_path / "report.html"
    code = main(["demo", "--out", str(out), "--report", str(report)])
    printed = capsys.readouterr().out
    assert code == 0
    assert f"wrote the report to {report}" in printed
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "<!DOCTYPE html>" in report.read_text(encoding="utf-8")


def test_cli_refuses_a_report_path_in_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --report path that cannot be written fails before solving, exit 1."""
    from alummatch.cli import main

    code = main(["demo", "--report", str(tmp_path / "nope" / "r.html")])
    err = capsys.readouterr().err
    assert code == 1
    assert "--report" in err
    assert "does not exist" in err


def test_report_shows_groups_asked_for(tmp_path: Path) -> None:
    """groups= adds a coverage table and plot for an attribute without a quota."""
    from alummatch.datasets import load_sample

    result = am.solve(am.build_problem(load_sample()))
    path = tmp_path / "report.html"
    result.report(path, groups=["first_generation"])
    page = path.read_text(encoding="utf-8")
    assert "<h3>By first_generation</h3>" in page
    assert page.count("<img ") == 4
    assert "By first_generation" not in render_report(result)


def test_a_long_alert_lists_its_first_items_and_counts_the_rest() -> None:
    """A national cohort's "few shared goals" alert names the first pairs and
    says how many more there are (all of them are in the pairs table), instead
    of a wall of ids."""
    from alummatch.report.facts import Alert
    from alummatch.report.html import _ALERT_ITEMS, _alerts_html

    items = tuple(f"m-{k:05d} & a-{k:05d}" for k in range(_ALERT_ITEMS + 25))
    out = _alerts_html(
        [Alert("many pairs with few shared goals.", items)], limit=_ALERT_ITEMS
    )
    assert out.count('class="nw"') == _ALERT_ITEMS
    assert "and 25 more" in out
    short = _alerts_html([Alert("two pairs.", items[:2])], limit=_ALERT_ITEMS)
    assert "more" not in short
    assert short.count('class="nw"') == 2
