"""A board manager's journey in Chromium, in English and in Ukrainian (issue 12): propose with a
supporting document (declining the first confirmation, then confirming what the page says will be signed),
see the document listed and download it with the same SHA-256, vote, change the vote and confirm it. An
over-large document is refused in the page, before anything is sent.
The new pages pass axe-core. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import expect
from support import authority_key

from jointfund.governance import book, user
from jointfund.ledger import authority
from jointfund.store import db
from web.browsing import sign_in
from web.test_accessibility import violations
from web.test_browser import browser, server, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"]
)  # the browser is the subject; the API tests cover both
MEMBER = "us-board-2"
WORDS = {  # what the pages say, in each language (from the catalogue)
    "en": {"signing": "You are about to sign", "not sent": "it was not sent", "vote": "Vote recorded."},
    "uk": {"signing": "Ви підписуєте", "not sent": "його не надіслано", "vote": "Голос записано."},
}


def link_seat(site) -> None:  # noqa: ANN001
    """The partner links the board manager to one seat (an administrator's page does this in the web)."""
    manager = site.name("board_manager")
    with db.write(site.engine) as conn:
        m = book.members(conn, [site.members[MEMBER]])[0]
        st = authority.statement(site.fund.id, m.partner, "user.member", user=manager, member=m.id)
        user.link_member(conn, site.fund.id, "admin", manager, m.id, st.signed(authority_key(m.partner)))


def signed_in(browser, server, site, lang: str, **options):  # noqa: ANN001, ANN201, F811
    context = browser.new_context(base_url=server, **options)
    offline: list[str] = []
    context.on(
        "request",
        lambda r: None if r.url.startswith(server) or r.url.startswith("data:") else offline.append(r.url),
    )
    page = context.new_page()
    sign_in(page, site.name("board_manager"), site.passwords["board_manager"], lang)
    return context, page, offline


def answered(page, button: str, accept: bool) -> str:  # noqa: ANN001
    """Click `button`, and accept or decline the confirmation it raises (at once, or after the page's
    fetches); what it said."""
    said: list[str] = []
    page.once("dialog", lambda d: (said.append(d.message), d.accept() if accept else d.dismiss()))
    with page.expect_event("dialog"):
        page.click(button)
    assert said, "no confirmation was asked"
    return said[0]


def proposals(site) -> int:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return len(book.proposals(conn))


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_board_manager_proposes_with_a_document_votes_and_changes_the_vote(  # noqa: F811
    browser,  # noqa: F811
    server,  # noqa: F811
    site,
    tmp_path,
    lang,
) -> None:  # noqa: ANN001
    words = WORDS[lang]
    link_seat(site)
    memo = tmp_path / ("меморандум.txt" if lang == "uk" else "memo.txt")
    memo.write_bytes(f"Memorandum on the office lease ({lang})\n".encode() * 50)
    digest = hashlib.sha256(memo.read_bytes()).hexdigest()
    key = site.key_file(tmp_path, MEMBER)
    context, page, offline = signed_in(browser, server, site, lang)
    try:
        page.goto("/proposals")
        page.click("#new-proposal")
        page.wait_for_url("**/proposals/new")
        assert page.locator("html").get_attribute("lang") == lang
        page.locator("#kind").select_option("budget")
        page.fill("#title", f"Office lease ({lang})")
        page.fill("#amount", "12000.00")
        page.locator("#currency").select_option("USD")
        page.locator("#key").set_input_files(str(key))

        # An over-large document is refused in the page, before anything is drafted or sent.
        big = tmp_path / "big.bin"
        big.write_bytes(b"\0" * (int(page.locator("#propose-form").get_attribute("data-max-bytes")) + 1))
        page.locator("#documents").set_input_files(str(big))
        page.click("#propose-form button[type=submit]")
        expect(page.locator("#propose-result")).to_contain_text(words["not sent"])
        assert "big.bin" in page.locator("#propose-result").inner_text()
        shot(page, f"board-{lang}-document-too-large")

        # The page says in words what will be signed; declined, nothing is signed or sent.
        page.locator("#documents").set_input_files(str(memo))
        before = proposals(site)
        said = answered(page, "#propose-form button[type=submit]", accept=False)
        assert said.startswith(words["signing"]) and f"Office lease ({lang})" in said
        assert memo.name in said and digest[:16] in said and MEMBER in said, said
        assert page.url.endswith("/proposals/new") and proposals(site) == before

        # Confirmed: signed in the browser, sent with the document, and shown.
        answered(page, "#propose-form button[type=submit]", accept=True)
        page.wait_for_url(re.compile(r".*/proposals/\d+$"))
        assert proposals(site) == before + 1
        row = page.locator("#document-list tbody tr")
        expect(row).to_have_count(1)
        assert memo.name in row.inner_text() and digest in row.inner_text()
        shot(page, f"board-{lang}-proposed")
        with page.expect_download() as done:
            page.locator("#document-list a").click()
        download = done.value
        assert download.suggested_filename == memo.name
        assert hashlib.sha256(open(download.path(), "rb").read()).hexdigest() == digest

        # Vote, then change the vote; each time the page asks first.
        cell = page.locator(f"#seats tr[data-member='{site.members[MEMBER]}'] td.vote")
        for choice in ("reject", "approve"):
            page.locator(f"input[name=choice][value={choice}]").check()
            page.locator("#key").set_input_files(str(key))
            assert answered(page, "#vote-form button[type=submit]", accept=True).startswith(words["signing"])
            expect(cell).to_have_class(re.compile(f"vote-{choice}"))
            expect(page.locator("#vote-result")).to_contain_text(words["vote"])
        shot(page, f"board-{lang}-vote-changed")
        shown = (page.locator("#state").inner_text(), page.locator("#reason").inner_text())
        page.reload()
        expect(cell).to_have_class(re.compile("vote-approve"))  # the server counted it, not only the page
        # What the page showed after the vote is what it renders in its own language, not the API's codes.
        assert (page.locator("#state").inner_text(), page.locator("#reason").inner_text()) == shown
    finally:
        context.close()
    assert not offline, f"requests left the site: {offline}"

    # The new pages pass axe-core with the form shown (the site's CSP bypassed only to inject axe).
    context, page, _ = signed_in(browser, server, site, lang, bypass_csp=True)
    try:
        found = {}
        for path in ("/proposals/new", "/proposals?state=open&q=lease", page_of_latest(site)):
            page.goto(path)
            found[path] = violations(page)
        assert not any(found.values()), found
    finally:
        context.close()


def page_of_latest(site) -> str:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return f"/proposals/{book.proposals(conn)[-1].id}"
