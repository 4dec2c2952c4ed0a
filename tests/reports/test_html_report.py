"""The HTML fund report opens in headless Chromium with no network, draws its charts and shows the headline
figures. Chromium is Debian's; no browser is ever downloaded. Without it the test fails under CI=true and is
skipped otherwise, saying why."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support import CHROMIUM, CHROMIUM_ARGS, register_key

from jointfund.capital.accounts import capital_accounts
from jointfund.ledger import log
from jointfund.reports import html
from jointfund.store import db
from reports import scenario

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {CHROMIUM} is missing: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); set CI=true to make this a failure")


def _signed_report(folio, path: Path) -> dict:  # noqa: ANN001
    """Build the fund, have US sign a checkpoint, write the report; returns the figures it must show."""
    scenario.build(folio)
    key = Ed25519PrivateKey.generate()
    register_key(folio.engine, "US", key)
    with db.write(folio.engine) as conn:
        cp = log.make_checkpoint(conn, folio.fund.id, "US", key)
    with db.transaction(folio.engine) as conn:
        page = html.report(conn, folio.fund, scenario.AS_OF)
        fc = capital_accounts(conn, folio.fund, scenario.AS_OF)
    path.write_text(page, encoding="utf-8")
    return {
        "nav": f"{fc.nav:,.2f}",
        **{f"capital-{a.partner}": f"{a.closing:,.2f}" for a in fc.accounts},
        "root": cp.root_hex,
        "committed": "25,000,000.00",
        "disbursed": "13,000,000.00",
    }


def test_the_page_is_self_contained(folio, tmp_path: Path) -> None:  # noqa: ANN001
    expected = _signed_report(folio, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page), "the page must fetch nothing"
    assert "<script" not in page and "@import" not in page and "url(" not in page
    assert expected["root"] in page and expected["nav"] in page


def test_the_report_opens_in_headless_chromium_without_network(folio, tmp_path: Path, backend: str) -> None:  # noqa: ANN001
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    expected = _signed_report(folio, path)
    attempted: list[str] = []

    def guard(route) -> None:  # noqa: ANN001 - a Playwright Route
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            attempted.append(url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.route("**/*", guard)
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            figures = {k: page.locator(f'[data-figure="{k}"]').inner_text() for k in expected if k != "root"}
            charts = page.locator("svg.chart")
            drawn = [charts.nth(i).get_attribute("data-chart") for i in range(charts.count())]
            boxes = [charts.nth(i).bounding_box() for i in range(charts.count())]
            series = page.locator("svg.chart polyline.series").count()
            bars = page.locator("svg.chart rect.chart-bar").count()
            checkpoint = page.locator("#checkpoint").inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"fund-report-{backend}.png"), full_page=True)
        finally:
            browser.close()
    assert attempted == []
    assert figures == {k: v for k, v in expected.items() if k != "root"}
    assert {"capital", "resource", "region", "sector", "funnel", "cash-USD"} <= set(drawn)
    assert all(b and b["width"] > 100 and b["height"] > 50 for b in boxes)
    assert series >= 3 and bars >= 3  # two partners' capital and cash lines; sector and funnel bars
    assert expected["root"] in checkpoint
