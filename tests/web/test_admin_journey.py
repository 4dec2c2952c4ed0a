"""The administrator's journey in Chromium, in English and in Ukrainian (issue 12).

The administrator opens "Users and seats", links the board manager to a seat, and the seat's partner's
authority key signs the statement in the browser (the key file is read by the page, never uploaded); the link
is listed, the page passes axe-core, and the board manager, signing in, is offered exactly that seat for
voting. Same fixtures and rules as test_browser.py (Debian's chromium, never downloaded; screenshots go to
test-artifacts/).
"""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import expect

from web.browsing import signed_in
from web.test_accessibility import violations
from web.test_browser import browser, server, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"]
)  # the browser is the subject; the rest runs on both
HEADINGS = {"en": "Users and seats", "uk": "Користувачі та місця"}


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_administrator_links_a_user_to_a_seat_and_the_user_is_offered_that_seat(
    browser,  # noqa: F811
    server,  # noqa: F811
    site,
    tmp_path,
    lang,
) -> None:  # noqa: ANN001
    from support import authority_key

    name = next(iter(site.members))
    member = site.members[name]
    manager = site.name("board_manager")
    partner = name.split("-")[0].upper()
    key_file = tmp_path / f"{partner.lower()}-authority.key"
    key_file.write_bytes(
        authority_key(partner).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context, page = signed_in(browser, server, site, "administrator", lang)
    try:
        page.click("nav a[href='/admin/users']")
        page.wait_for_url("**/admin/users")
        assert page.locator("html").get_attribute("lang") == lang
        expect(page.locator("h1")).to_have_text(HEADINGS[lang])
        assert page.locator(f"#seat-list tr[data-member='{member}'] td.holder").inner_text() == "—"
        assert page.locator("#safeguard").is_visible()  # the page says in words that a link is not a vote
        page.select_option("#link-user", manager)
        page.select_option("#link-member", str(member))
        page.locator("#link-member").locator("xpath=ancestor::form").locator("button").click()
        page.wait_for_url(re.compile(r".*/admin/users\?do=link.*"))
        assert manager in page.locator("#statement-words").inner_text()
        assert violations(page) == []  # the signing step passes axe-core too
        shot(page, f"admin-{lang}-statement")
        page.set_input_files("#authority-key", str(key_file))
        page.locator("#authority-form button[type=submit]").click()
        page.wait_for_url("**/admin/users?done=link")
        expect(page.locator("#done")).to_be_visible()
        expect(page.locator(f"#seat-list tr[data-member='{member}'] td.holder")).to_have_text(manager)
        assert name in page.locator(f"#users tr[data-user='{manager}'] td.linked").inner_text()
        assert violations(page) == []
        shot(page, f"admin-{lang}-linked")
    finally:
        context.close()

    context, page = signed_in(browser, server, site, "board_manager", lang)
    try:
        page.goto(f"/proposals/{site.proposal.id}")
        options = page.locator("#member option")
        expect(options).to_have_count(1)
        assert options.first.get_attribute("value") == str(member)
        assert page.goto("/admin/users").status == 403  # the page is the administrator's only
        page.goto(f"/proposals/{site.proposal.id}")
        shot(page, f"admin-{lang}-user-offered-the-seat")
    finally:
        context.close()
