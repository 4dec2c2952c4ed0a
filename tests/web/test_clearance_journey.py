"""The clearance's confirmation in Chromium, in English and Ukrainian: a second administrator linked to a
seat chooses the member, the page says what the member countersigns, sign.js signs it with the chosen key
file (another member's key refused first, in the reader's language, nothing recorded), and the clearance is
confirmed. The confirmation page, its form shown, passes axe-core, reads at 360 px and is reached by Tab
alone.
"""

from __future__ import annotations

import pytest
from api.conftest import bearer
from api.site import DAY
from playwright.sync_api import expect
from support import authorize

from jointfund.governance import user
from jointfund.portfolio import sanctions
from jointfund.store import db
from jointfund.verify import verify
from web.browsing import sign_in
from web.test_browser import browser, server, shot  # noqa: F401 - fixtures
from web.test_clearance_confirmation import OTHER, OWNED, PASSWORD, REFUSED, SECOND, SIGNER, outcome_of
from web.test_member_journey import checked

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # test_clearance_confirmation: both backends


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_linked_member_confirms_the_clearance_in_chromium(browser, server, site, tmp_path, lang) -> None:  # noqa: ANN001, F811
    context = browser.new_context(base_url=server, bypass_csp=True)
    try:
        api = context.request
        admin = bearer(site, "administrator")
        aid = api.post("/api/applications", headers=admin, data=OWNED).json()["application"]["id"]
        with db.write(site.engine) as conn:
            listed = sanctions.Target(
                "T-9", sanctions.PERSON, "SHEVCHENKO, Taras", (), ("1961-03-09",), (), (), "test"
            )
            sanctions.record(
                conn, "test", "test_list", sanctions.OPENSANCTIONS, [listed], "1" * 64, "test", DAY
            )
            user.add(conn, "test", SECOND, "administrator", PASSWORD)
            st = authorize(site.fund.id, "UA", "user.member", user=SECOND, member=site.members[SIGNER])
            user.link_member(conn, site.fund.id, "test", SECOND, site.members[SIGNER], st)
        assert api.post(f"/api/applications/{aid}/screenings", headers=admin).ok
        first = api.post(
            f"/api/applications/{aid}/screening-outcome",
            headers=admin,
            data={"outcome": "cleared", "reason": "born 1984, not 1961"},
        )
        assert first.ok, first.text()

        page = context.new_page()
        sign_in(page, SECOND, PASSWORD, lang, home=None)
        page.goto(f"/pipeline/{aid}")
        page.fill("#confirm-reason", "passport checked")
        page.click("#confirm-form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#statement-words")).to_contain_text("born 1984, not 1961")
        found: dict = {}
        checked(page, "/pipeline/A/confirmation", found)
        assert not found, found
        shot(page, f"clearance-{lang}-to-sign")

        page.locator("#signing-key").set_input_files(str(site.key_file(tmp_path, OTHER)))
        page.click("#sign-form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#error")).to_contain_text(REFUSED[lang])
        assert outcome_of(site, aid) is None
        page.locator("#signing-key").set_input_files(str(site.key_file(tmp_path, SIGNER)))
        page.click("#sign-form button[type=submit]")
        page.wait_for_url(f"**/pipeline/{aid}#screening")
        o = outcome_of(site, aid)
        assert o is not None and (o.outcome, o.actor) == ("cleared", SECOND)
        expect(page.locator("#confirm-form")).to_have_count(0)
        shot(page, f"clearance-{lang}-confirmed")
        assert verify(site.engine).ok
    finally:
        context.close()
