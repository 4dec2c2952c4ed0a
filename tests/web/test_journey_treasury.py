"""A treasury officer's journey in Chromium, in English and in Ukrainian (issue 12): a semicolon CSV with a
decimal comma and a bad row is refused beside the form in the page's language; the fixed file is previewed
(nothing written), imported, and listed in the upload history. Screenshots go to test-artifacts/."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from jointfund.store import db
from jointfund.store import tables as t
from web.browsing import sign_in
from web.test_browser import browser, page, server, shot  # noqa: F401 - fixtures
from web.test_ukrainian_pages import english_phrases

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"]
)  # the browser is the subject; test_imports has both

LICENCES = (
    b"licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n"
    b"SP-1,Dobra Lithium Holdings,45120011,lithium,Dobra,Kirovohrad,2025-09-15,new,yes\n"
)
# Excel's default in Ukraine: semicolons, a decimal comma, spaces between thousands; the third row is bad.
BAD = (
    "receipt_id;date;licence_id;stream;amount;currency\n"
    "R-1;20.10.2025;SP-1;rent;1 250 000,50;UAH\n"
    "R-2;21.10.2025;SP-1;rent;сімсот;UAH\n"
)
GOOD = BAD.replace("сімсот", "7 500,25")
PICKER = {"en": "Choose a file", "uk": "Вибрати файл"}
SAYS = {
    "en": ("amount is not a number", "Check the file", "Import this file", "accepted"),
    "uk": ("сума — не число", "Перевірити файл", "Імпортувати цей файл", "прийнято"),
}


def receipts(site) -> int:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return conn.execute(select(func.count()).select_from(t.receipt)).scalar_one()


def no_english(page) -> None:  # noqa: ANN001, F811
    text = page.locator("main").inner_text()
    escaped = sorted(p for p in english_phrases() if p in text)
    assert not escaped, f"English on a Ukrainian page: {escaped}"


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_treasury_officer_fixes_a_semicolon_csv_previews_imports_and_finds_it_in_the_history(  # noqa: F811
    page,  # noqa: F811 - the fixture
    site,
    client,
    tmp_path,
    lang,
) -> None:  # noqa: ANN001
    from api.conftest import bearer

    wrong, button, confirm, accepted = SAYS[lang]
    assert (
        client.post(
            "/api/revenue/licences",
            headers=bearer(site, "treasury_officer"),
            files={"file": ("licences.csv", LICENCES)},
        ).status_code
        == 201
    )
    sign_in(page, site.name("treasury_officer"), site.passwords["treasury_officer"], lang)

    page.goto("/revenue")
    page.locator("main a[href='/revenue/imports']").first.click()
    form = page.locator("form[action='/revenue/upload/receipts']")
    bad = tmp_path / "receipts.csv"
    bad.write_text(BAD, encoding="utf-8")
    # Our own picker, in the page's language: its button, then the chosen file's name (not Chromium's words).
    expect(form.locator("label.file-button")).to_have_text(PICKER[lang])
    form.locator("input[type=file]").set_input_files(str(bad))
    expect(form.locator(".file-name")).to_have_text("receipts.csv")
    with page.expect_response("**/revenue/upload/receipts") as answer:
        form.get_by_role("button", name=button).click()
    assert answer.value.status == 400
    problems = page.locator("#problems-receipts")
    expect(problems).to_be_visible()
    # Beside its own form: the problems follow the receipts form, and the file input points at them.
    assert page.locator("form[action='/revenue/upload/receipts'] + #problems-receipts").count() == 1
    expect(form.locator("input[type=file]")).to_have_attribute("aria-describedby", "problems-receipts")
    row = problems.locator("tbody tr")
    expect(row).to_have_count(1)
    cells = row.locator("td").all_inner_texts()
    column = {"en": "amount", "uk": "amount — сума"}[lang]  # as typed, and in words when they differ
    assert cells[0] == "3" and cells[1] == column and wrong in cells[2] and cells[3] == "сімсот", cells
    assert "receipts.csv" in problems.inner_text()
    if lang == "uk":
        no_english(page)
    shot(page, f"journey-treasury-{lang}-1-errors")
    assert receipts(site) == 0

    good = tmp_path / "receipts-fixed.csv"
    good.write_text(GOOD, encoding="utf-8")
    form = page.locator("form[action='/revenue/upload/receipts']")
    form.locator("input[type=file]").set_input_files(str(good))
    form.get_by_role("button", name=button).click()
    digest = hashlib.sha256(GOOD.encode()).hexdigest()
    expect(page.locator("#preview-sha256")).to_have_text(digest)
    expect(page.locator("#preview-new")).to_have_text("2")
    assert ("1 250 000,50" if lang == "en" else "1\u00a0250\u00a0000,50") in page.locator(
        "main table"
    ).inner_text().replace("1,250,000.50", "1 250 000,50")
    if lang == "uk":
        no_english(page)
    shot(page, f"journey-treasury-{lang}-2-preview")
    assert receipts(site) == 0, "a preview writes nothing"

    page.get_by_role("button", name=confirm).click()
    page.wait_for_url("**/revenue/uploads/*")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "done", timeout=30_000)
    shot(page, f"journey-treasury-{lang}-3-imported")
    assert receipts(site) == 2

    page.goto("/revenue/uploads")
    latest = page.locator("#upload-history tbody tr").first
    text = latest.inner_text()
    assert "receipts-fixed.csv" in text and digest in text and accepted in text
    assert site.name("treasury_officer") in text
    if lang == "uk":
        no_english(page)
    shot(page, f"journey-treasury-{lang}-4-history")
