"""An auditor's journey in Chromium on the demo fund, in English and in Ukrainian (issue 12): the ledger, one
entry with its inclusion proof, the audit log (the dashboard's recent events) and the revenue reports; an
auditor is offered nothing that changes the book. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from web.test_browser import ARTIFACTS
from web.test_journey_treasury import no_english
from web.test_keyboard import browser, signed_in  # noqa: F401 - fixture
from web.test_ukrainian_pages import demo  # noqa: F401 - fixture: the demo fund served on a loopback port


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_auditor_reads_the_ledger_an_entry_the_audit_log_and_the_reports(browser, demo, lang) -> None:  # noqa: ANN001, F811
    context, page = signed_in(browser, demo, "demo-auditor", lang)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for step, path in enumerate(
            ["/ledger", "/ledger/entries", "entry", "/dashboard", "/revenue/reports"]
        ):
            if path == "entry":
                path = page.locator("main a[href^='/ledger/entries/']").first.get_attribute("href")
            assert page.goto(path).status == 200, path
            main = page.locator("main")
            if path.startswith("/ledger/entries/"):
                assert page.locator("#bundle").count() == 1  # the inclusion proof, to check elsewhere
            if path == "/dashboard":
                assert page.locator("#events").count() == 1 and main.locator("table").count() >= 1
            # Nothing that changes the book: no form is sent by POST from these pages but signing out.
            assert main.locator("form[method=post]").count() == 0, path
            if lang == "uk":
                no_english(page)
            page.screenshot(path=str(ARTIFACTS / f"journey-auditor-{lang}-{step + 1}.png"), full_page=True)
    finally:
        context.close()
