"""What the CLI takes as an option, the web asks for in plain words (issue 12), in English and Ukrainian.

A rate file whose only problems are jumps beyond the terms' daily limit (the CLI's --accept-jump) is refused
beside its form with a confirmation: the page says what the jump is, that the person importing confirms it,
and after the box is ticked shows the preview, then imports. An upload over the server's row limit (the
operator's --max-upload-rows) is refused with the limit and what to do: split the file. No page names an
option."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from jointfund.store import db
from jointfund.store import tables as t
from web import browsing
from web.test_browser import browser, page, server, serving, shot  # noqa: F401 - fixtures
from web.test_journey_treasury import no_english

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # the browser is the subject

# USD at 41.50, then 55.00 the next day: 32.5%, beyond the shipped terms' fx.max_daily_change of 20%.
JUMPY = b"currency,date,rate\nUSD,2025-11-03,41.50\nUSD,2025-11-04,55.00\n"
SAYS = {
    "en": {
        "check": "Check the file",
        "jump": "changes 32.5% from the rate of 2025-11-03 (41.50); the terms allow 20%",
        "confirm": "Confirm the rates and check the file again",
        "who": "you, the person importing this file, confirm them",
        "confirmed": "You confirmed rates that change by more than the fund's terms allow in a day",
        "import": "Import this file",
        "rows": "has more than 2 rows, the most an upload may have: split the file into parts of at most 2 "
        "rows",
    },
    "uk": {
        "check": "Перевірити файл",
        "jump": "відрізняється на 32,5% від курсу на 03.11.2025 (41,50); умови фонду допускають не більше "
        "ніж 20%",
        "confirm": "Підтвердити курси й перевірити файл знову",
        "who": "підтверджує особа, яка імпортує цей файл, тобто ви",
        "confirmed": "Ви підтвердили курси, які за день змінюються більше",
        "import": "Імпортувати цей файл",
        "rows": "кількість рядків у файлі перевищує 2 — найбільшу допустиму для одного завантаження: "
        "розділіть файл на частини, у кожній з яких кількість рядків не перевищує 2",
    },
}
OPTION = re.compile(r"(?<![\w-])--[a-z]")


def rates(site) -> int:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return conn.execute(select(func.count()).select_from(t.fx_rate)).scalar_one()


def sign_in(pg, site, lang: str) -> None:  # noqa: ANN001
    browsing.sign_in(pg, site.name("treasury_officer"), site.passwords["treasury_officer"], lang)


def no_option(pg) -> None:  # noqa: ANN001
    text = pg.locator("main").inner_text()
    assert not OPTION.search(text), f"a page names a command's option: {text}"


def upload(pg, what: str, path, button: str, status: int) -> None:  # noqa: ANN001
    pg.goto("/revenue/imports")
    form = pg.locator(f"form[action='/revenue/upload/{what}']")
    form.locator("input[type=file]").set_input_files(str(path))
    with pg.expect_response(f"**/revenue/upload/{what}") as answer:
        form.get_by_role("button", name=button).click()
    assert answer.value.status == status


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_rate_jump_is_confirmed_in_the_preview_by_the_importer_in_plain_words(  # noqa: F811
    page,  # noqa: F811 - the fixture
    site,
    tmp_path,
    lang,
) -> None:  # noqa: ANN001
    says = SAYS[lang]
    sign_in(page, site, lang)
    path = tmp_path / "rates.csv"
    path.write_bytes(JUMPY)
    upload(page, "fx", path, says["check"], 400)
    problems = page.locator("#problems-fx")
    expect(problems).to_contain_text(says["jump"])
    jump = page.locator("#jump-form")
    expect(jump).to_contain_text(says["who"])
    box = jump.locator("#jump-confirm")
    expect(box).to_have_attribute("required", "")
    no_option(page)
    if lang == "uk":
        no_english(page)
    shot(page, f"import-jump-{lang}-1-asked")
    # Not ticked: the browser does not send it, and nothing is written.
    jump.get_by_role("button", name=says["confirm"]).click()
    expect(page.locator("#jump-form")).to_be_visible()
    assert rates(site) == 0

    box.check()
    jump.get_by_role("button", name=says["confirm"]).click()
    expect(page.locator("#jump-confirmed")).to_contain_text(says["confirmed"])
    expect(page.locator("#preview-new")).to_have_text("2")
    no_option(page)
    if lang == "uk":
        no_english(page)
    shot(page, f"import-jump-{lang}-2-preview")
    assert rates(site) == 0, "a preview writes nothing"

    page.get_by_role("button", name=says["import"]).click()
    page.wait_for_url("**/revenue/uploads/*")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "done", timeout=30_000)
    assert rates(site) == 2


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_confirmation_is_not_taken_from_a_form_that_did_not_ask_for_it(page, site, tmp_path, lang) -> None:  # noqa: ANN001, F811
    """A preview without jumps cannot be imported with jumps accepted, nor can the confirmation step take a
    file it did not ask about: each is kept under its own kind."""
    sign_in(page, site, lang)
    path = tmp_path / "rates.csv"
    path.write_bytes(b"currency,date,rate\nUSD,2025-11-03,41.50\n")
    upload(page, "fx", path, SAYS[lang]["check"], 200)
    csrf = page.locator("form[action='/revenue/upload/fx/confirm'] input[name=csrf]").get_attribute("value")
    digest = page.locator("#preview-sha256").inner_text()
    for url, extra in (
        ("/revenue/upload/fx/confirm", {"accept_jump": "yes"}),
        ("/revenue/upload/fx/accept-jump", {"confirm": "yes"}),
        ("/revenue/upload/fx/accept-jump", {}),
    ):
        r = page.request.post(url, form={"csrf": csrf, "sha256": digest, **extra}, max_redirects=0)
        assert r.status in (400, 404, 422), (url, extra, r.status)  # refused, whichever the reason
    assert rates(site) == 0


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_over_large_upload_is_refused_with_the_limit_and_how_to_split_it(  # noqa: F811
    browser,  # noqa: F811 - the fixture
    site,
    tmp_path,
    lang,
) -> None:  # noqa: ANN001
    with serving(site, max_upload_rows=2) as url:
        context = browser.new_context(base_url=url)
        try:
            pg = context.new_page()
            sign_in(pg, site, lang)
            path = tmp_path / "rates.csv"
            path.write_bytes(
                b"currency,date,rate\nUSD,2025-11-03,41.50\nUSD,2025-11-04,41.60\nUSD,2025-11-05,41.70\n"
            )
            upload(pg, "fx", path, SAYS[lang]["check"], 400)
            expect(pg.locator("#problems-fx")).to_contain_text(SAYS[lang]["rows"])
            assert pg.locator("#jump-form").count() == 0
            no_option(pg)
            if lang == "uk":
                no_english(pg)
            shot(pg, f"import-too-many-rows-{lang}")
        finally:
            context.close()
    assert rates(site) == 0
