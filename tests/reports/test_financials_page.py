"""The printable financial statements in Chromium: every section renders, in Ukrainian, within an A4 page's
width,
and the page prints to PDF. Debian's chromium through Playwright (never a downloaded browser); without it the
test skips, except under CI=true, where that is a failure. The screenshot goes to test-artifacts/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from support import CHROMIUM, CHROMIUM_ARGS

from jointfund.reports.financials import TITLES
from reports import scenario

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
A4_WIDTH_PX = 794  # 210 mm at 96 px per inch
pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"]
)  # the page is the subject; the report tests cover both


def test_the_ukrainian_page_renders_every_section_within_a4_and_prints(folio, cli, tmp_path: Path) -> None:  # noqa: ANN001
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    scenario.build(folio)
    page_file = tmp_path / "financials-uk.html"
    cli("report", "financials", "--period", "2026", "--format", "html", "--lang", "uk", "-o", str(page_file))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": A4_WIDTH_PX, "height": 1123})
            page.goto(page_file.as_uri())
            page.emulate_media(media="print")
            assert page.get_attribute("html", "lang") == "uk"
            headings = page.locator("h2").all_inner_texts()
            assert len(headings) == len(TITLES) + 1  # every statement and note, then the ties
            assert headings[0].startswith("Звіт про активи та зобовʼязання")
            assert page.locator("td.bad").count() == 0  # every tie holds
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"the page is {overflow}px wider than A4"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "financials-uk.png"), full_page=True)
            pdf = page.pdf(format="A4")
            pages = re.search(rb"/Type\s*/Pages\b.*?/Count\s+(\d+)", pdf, flags=re.S)
            assert pdf.startswith(b"%PDF") and pages and int(pages[1]) >= 2, (
                "the statements print on several pages"
            )
        finally:
            browser.close()
