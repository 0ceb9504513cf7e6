"""Open the sample's report in headless Chromium, as a coordinator would.

Skipped when Chromium is not installed (Debian: ``apt-get install chromium``).
Set ``ALUMMATCH_SCREENSHOT=shot.png`` to keep the screenshot for a look.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import alummatch as am
from tests.report.browser import Browser, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    assert CHROMIUM is not None
    b = Browser(CHROMIUM)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def opened(
    browser: Browser,
    sample_result: am.MatchResult,
    tmp_path_factory: pytest.TempPathFactory,
) -> Browser:
    """The sample's report, written to a file and opened from its path."""
    path = tmp_path_factory.mktemp("browser") / "report.html"
    sample_result.report(path)
    browser.open(path)
    return browser


def test_report_opens_with_no_errors_and_no_network(opened: Browser) -> None:
    """No console error, no exception, no request beyond the file itself."""
    assert opened.problems() == []
    requests = [
        e["params"]["request"]["url"]
        for e in opened.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert all(u.startswith(("file:", "data:")) for u in requests), requests


def test_report_images_all_render(opened: Browser) -> None:
    """Every plot is decoded with a real size: no broken image."""
    images = opened.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth])"
    )
    assert len(images) == 4
    assert all(done and width > 0 for done, width in images), images


def test_report_screenshot_and_print(opened: Browser, tmp_path: Path) -> None:
    """A screenshot of the first screen, and a PDF print of several pages."""
    shot = tmp_path / "report.png"
    opened.screenshot(shot)
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep = os.environ.get("ALUMMATCH_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)
    pdf = opened.pdf()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page") > 2
    heading = opened.evaluate("document.querySelector('h1').textContent")
    assert heading == "Mentoring matches"


def test_pairs_sort_by_clicking_a_heading(
    opened: Browser, sample_result: am.MatchResult
) -> None:
    """Clicking 'Score' sorts the pairs by score, again for the other way."""
    js_first = (
        "document.querySelector('#pairs tbody tr td:nth-child(3)')"
        ".getAttribute('data-sort')"
    )
    click = (
        "Array.from(document.querySelectorAll('#pairs th button'))"
        ".find(b => b.textContent === 'Score').click()"
    )
    scores = [p.score for p in sample_result.pairs]
    opened.evaluate(click)
    assert float(opened.evaluate(js_first)) == pytest.approx(min(scores), abs=1e-6)
    opened.evaluate(click)
    assert float(opened.evaluate(js_first)) == pytest.approx(max(scores), abs=1e-6)
    assert opened.problems() == []
