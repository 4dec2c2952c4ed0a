"""An applicant's journey in Chromium, in English and in Ukrainian (issue 12): submit an application (a wrong
EDRPOU code first, shown beside its field in the page's language), upload a document, and withdraw with a
confirmation. Moved here from test_browser.py (submit only, English) and extended. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from web.browsing import sign_in
from web.test_browser import browser, page, server, shot  # noqa: F401 - fixtures
from web.test_journey_treasury import no_english

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"]
)  # the browser is the subject; test_portal has both
SAYS = {
    "en": (
        "an EDRPOU code is 8 digits",
        "You have not submitted an application yet.",
        "Withdrawn by the applicant",
    ),
    "uk": ("код ЄДРПОУ складається з 8 цифр", "Ви ще не подали жодної заявки.", "Відкликано заявником"),
}


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_applicant_submits_uploads_a_document_and_withdraws(page, site, tmp_path, lang) -> None:  # noqa: ANN001, F811
    wrong_code, nothing_yet, withdrawn = SAYS[lang]
    # an applicant's home is the portal, not the books
    sign_in(page, site.name("applicant"), site.passwords["applicant"], lang, home="**/portal")
    assert nothing_yet in page.locator("main").inner_text()

    page.fill("#applicant", "Acme Lithium")
    page.fill("#applicant_code", "1234")  # wrong on purpose: the form comes back with the problem
    page.fill("#title", "Lithium concentrator")
    page.select_option("#app-sector", "mining")
    page.select_option("#region", "Kirovohrad")  # from the list of oblasts
    page.fill("#amount", "2500000")
    page.select_option("#currency", "USD")
    page.select_option("#instrument", "loan")
    submit = page.locator("main form button[type=submit]").first
    submit.click()
    expect(page.locator("#applicant_code-error")).to_contain_text(wrong_code)  # beside the field
    assert "portal:" not in page.locator("main").inner_text()  # no internal field names
    assert page.input_value("#title") == "Lithium concentrator"  # nothing typed is lost
    if lang == "uk":
        no_english(page)
    shot(page, f"journey-applicant-{lang}-1-errors")
    page.fill("#applicant_code", "12345678")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/portal/*")
    expect(page.locator("#stage")).to_have_attribute("data-stage", "submitted")
    assert "Lithium concentrator" in page.locator("h1").inner_text()
    shot(page, f"journey-applicant-{lang}-2-submitted")

    plan = tmp_path / "business-plan.pdf"
    plan.write_bytes(b"%PDF-1.4 a business plan")
    page.set_input_files("#document-file", str(plan))
    page.locator("#upload-form button[type=submit]").click()
    page.wait_for_url("**/portal/*#documents")
    row = page.locator("#uploaded tbody tr")
    expect(row).to_have_count(1)
    assert "business-plan.pdf" in row.inner_text()
    assert hashlib.sha256(plan.read_bytes()).hexdigest()[:16] in row.inner_text()
    if lang == "uk":
        no_english(page)
    shot(page, f"journey-applicant-{lang}-3-document")

    # Withdrawing needs the confirmation box: without it, the browser does not send the form.
    page.locator("#withdraw-form button[type=submit]").click()
    expect(page.locator("#stage")).to_have_attribute("data-stage", "submitted")
    page.check("#confirm")
    page.fill("#withdraw-reason", "Financed elsewhere")
    page.locator("#withdraw-form button[type=submit]").click()
    expect(page.locator("#stage")).to_have_attribute("data-stage", "withdrawn")
    assert withdrawn in page.locator("#stage").inner_text()
    assert page.locator("#withdraw-form").count() == 0 and page.locator("#upload-form").count() == 0
    if lang == "uk":
        no_english(page)
    shot(page, f"journey-applicant-{lang}-4-withdrawn")
    page.goto("/portal")
    assert page.goto("/pipeline").status == 403  # the portal shows their own; the board is not theirs
