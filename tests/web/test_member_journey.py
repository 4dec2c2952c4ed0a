"""A board member's governance journeys in Chromium, in English and in Ukrainian (issue 16).

- Declare an interest (a forged signature first: refused in the reader's language, nothing recorded), see the
  proposal about the company ask to recuse, recuse after the page says what will be signed, and watch the
  proposal count by the terms: unanimity of the seats not recused, with a seat of each partner.
- Replace one's key with the old key, then vote: the old key is refused, the new one counts.
- An administrator replaces a lost key with the partner's authority key (another partner's key refused first).
- A user not linked to the member is refused.
The new pages, with their forms shown, pass axe-core, read at 360 px and are reached by Tab alone.
verify passes after each journey. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
from api.site import pem, private_pem
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import expect
from support import authority_key

from jointfund.governance import book, interest, recusal, vote
from jointfund.ledger.checkpoint import key_id, load_public
from jointfund.store import db
from jointfund.verify import verify
from web import browsing
from web.test_accessibility import NARROW, TOLERANCE, overflow, violations
from web.test_board_journey import answered, signed_in
from web.test_browser import browser, server, shot  # noqa: F401 - fixtures
from web.test_keyboard import tab_through
from web.test_member_pages import MEMBER, about_the_company

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"]
)  # the browser is the subject; test_member_pages covers both backends
WORDS = {  # what the pages say, in each language (from the catalogue)
    "en": {
        "refused": "signature refused",
        "not linked": "is not linked to member",
        "authority": "is not signed by UA's authority key",
        "bad key": "is not a signing key",
        "approved": "approved",
        "recused": "recused",
    },
    "uk": {
        "refused": "підпис відхилено",
        "not linked": "не повʼязано з членом",
        "authority": "не підписано ключем повноважень UA",
        "bad key": "не є ключем для підпису",
        "approved": "схвалена",
        "recused": "самовідвід",
    },
}
DAY = "2026-02-02"


def write_key(folder, name: str, key: Ed25519PrivateKey) -> tuple[str, str]:  # noqa: ANN001
    """The key's private file and public file, as `jointfund keys new` writes them."""
    private, public = folder / f"{name}.key", folder / f"{name}.pub"
    private.write_bytes(private_pem(key))
    public.write_bytes(pem(key))
    return str(private), str(public)


def checked(page, path: str, found: dict) -> None:  # noqa: ANN001
    """axe-core, the 360 px width and Tab alone, on the page as it is now (forms shown)."""
    problems = violations(page)
    page.set_viewport_size({"width": NARROW, "height": 800})
    if overflow(page) > NARROW + TOLERANCE:
        problems.append(f"the body scrolls sideways at {NARROW} px")
    missed, ringless = tab_through(page)
    problems += [f"not reached by Tab: {m}" for m in missed] + [f"no visible focus: {r}" for r in ringless]
    page.set_viewport_size({"width": 1280, "height": 900})
    if problems:
        found[path] = problems


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_member_declares_an_interest_recuses_and_the_rest_decide(
    browser,  # noqa: F811
    server,  # noqa: F811
    site,
    tmp_path,
    lang,
) -> None:  # noqa: ANN001, F811
    words = WORDS[lang]
    site.link("board_manager", MEMBER)
    mid = site.members[MEMBER]
    pid = about_the_company(site)
    key = site.key_file(tmp_path, MEMBER)
    other = site.key_file(tmp_path, "ua-board-2")
    context, page, offline = signed_in(browser, server, site, lang, bypass_csp=True)
    found: dict[str, list[str]] = {}
    try:
        page.goto("/members")
        checked(page, "/members", found)
        page.fill(f"#party-{mid}", "45123456")
        page.fill(f"#nature-{mid}", "holds shares")
        page.click(f"section[data-member='{mid}'] form button[type=submit]")
        page.wait_for_url(re.compile(rf".*/members/{mid}/interest\?.*"))
        expect(page.locator("#statement-words")).to_contain_text("45123456")
        expect(page.locator("#statement-words")).to_contain_text(MEMBER)
        checked(page, "/members/M/interest", found)
        shot(page, f"member-{lang}-interest-to-sign")

        # Not a key file: said in the page, nothing sent.
        _, public = write_key(tmp_path, "stranger", Ed25519PrivateKey.generate())
        page.locator("#signing-key").set_input_files(public)
        page.click("#sign-form button[type=submit]")
        expect(page.locator("#sign-result")).to_contain_text(words["bad key"])
        # Another member's key: the server refuses it, in the reader's language; nothing is recorded.
        page.locator("#signing-key").set_input_files(str(other))
        page.click("#sign-form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#error")).to_contain_text(words["refused"])
        shot(page, f"member-{lang}-interest-forged")
        with db.transaction(site.engine) as conn:
            assert interest.interests(conn) == []
        # The page offers the same declaration again; signed with the member's key, it is recorded.
        page.locator("#signing-key").set_input_files(str(key))
        page.click("#sign-form button[type=submit]")
        page.wait_for_url("**/members?done=interest")
        expect(page.locator("#done")).to_be_visible()
        expect(page.locator(f"section[data-member='{mid}'] table.interests")).to_contain_text("45123456")
        shot(page, f"member-{lang}-interest-declared")

        # The proposal about the company asks, in plain words, to recuse.
        page.goto(f"/proposals/{pid}")
        expect(page.locator("#recusal-prompt")).to_contain_text("45123456")
        expect(page.locator("#recusal-prompt")).to_contain_text("Добра Літій")
        checked(page, "/proposals/P (the prompt)", found)
        shot(page, f"member-{lang}-recusal-prompt")
        page.click(f"#recuse-{mid}")
        page.wait_for_url(re.compile(rf".*/proposals/{pid}/recusal\?member={mid}"))
        expect(page.locator("#statement-words")).to_contain_text("Value the Dobra stake")
        expect(page.locator("#statement-words")).to_contain_text(MEMBER)
        checked(page, "/proposals/P/recusal", found)
        shot(page, f"member-{lang}-recusal-to-sign")
        page.locator("#signing-key").set_input_files(str(other))  # the wrong key first
        page.click("#sign-form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#error")).to_contain_text(words["refused"])
        page.locator("#signing-key").set_input_files(str(key))
        page.click("#sign-form button[type=submit]")
        page.wait_for_url(f"**/proposals/{pid}?done=recused")
        cell = page.locator(f"#seats tr[data-member='{mid}'] td.vote")
        expect(cell).to_have_class(re.compile("vote-recused"))
        expect(cell).to_have_text(words["recused"])
        expect(page.locator("#recusal-prompt")).to_have_count(0)
        shot(page, f"member-{lang}-recused")

        # The five others approve: unanimity of the seats not recused, with a seat of each partner.
        with db.write(site.engine) as conn:
            for name in ("us-board-1", "us-board-2", "us-board-3", "ua-board-2"):
                s = vote.sign_and_cast(
                    conn, site.fund, "test", pid, name, "approve", site.keys[name], site_day()
                )
        assert s.state == "open"
        page.reload()
        expect(page.locator("#state")).to_have_class(re.compile("state-open"))
        with db.write(site.engine) as conn:
            vote.sign_and_cast(
                conn, site.fund, "test", pid, "ua-board-3", "approve", site.keys["ua-board-3"], site_day()
            )
        page.goto(f"/proposals/{pid}")
        expect(page.locator("#state")).to_have_class(re.compile("state-approved"))
        expect(page.locator("#state")).to_have_text(words["approved"])
        expect(page.locator("#reason")).to_contain_text(words["recused"])
        shot(page, f"member-{lang}-approved-without-the-recused-seat")
    finally:
        context.close()
    assert not offline, f"requests left the site: {offline}"
    assert not found, "accessibility problems:\n" + "\n".join(
        f"{p}: {v}" for p, vs in found.items() for v in vs
    )
    with db.transaction(site.engine) as conn:
        assert [r.member for r in recusal.recusals(conn, pid)] == [mid]
    assert verify(site.engine).ok


def site_day():  # noqa: ANN201
    import datetime as dt

    return dt.date.fromisoformat(DAY)


def key_of(site, mid: int) -> str:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return book.members(conn, [mid])[0].key_id


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_member_replaces_their_key_and_then_votes_with_the_new_one(
    browser,  # noqa: F811
    server,  # noqa: F811
    site,
    tmp_path,
    lang,
) -> None:  # noqa: ANN001, F811
    site.link("board_manager", MEMBER)
    mid = site.members[MEMBER]
    old = site.key_file(tmp_path, MEMBER)
    new = Ed25519PrivateKey.generate()
    new_private, new_public = write_key(tmp_path, "new", new)
    kid = key_id(load_public(pem(new), "test"))
    context, page, offline = signed_in(browser, server, site, lang, bypass_csp=True)
    found: dict[str, list[str]] = {}
    try:
        page.goto("/members")
        page.click(f"#rotate-{mid}")
        page.wait_for_url(f"**/members/{mid}/key")
        checked(page, "/members/M/key", found)
        page.locator("#public-key").set_input_files(new_public)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#statement-words")).to_contain_text(kid)
        expect(page.locator("#statement-words")).to_contain_text(key_of(site, mid))
        checked(page, "/members/M/key (to sign)", found)
        shot(page, f"member-{lang}-key-to-sign")
        page.locator("#signing-key").set_input_files(new_private)  # the new key cannot sign for itself
        page.click("#sign-form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#error")).to_contain_text(WORDS[lang]["refused"])
        assert key_of(site, mid) != kid
        page.locator("#public-key").set_input_files(new_public)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        page.locator("#signing-key").set_input_files(old)
        page.click("#sign-form button[type=submit]")
        page.wait_for_url("**/members?done=key")
        expect(page.locator(f"section[data-member='{mid}'] .key-id")).to_have_text(kid)
        shot(page, f"member-{lang}-key-replaced")

        # The old key no longer votes; the new one does.
        page.goto(f"/proposals/{site.proposal.id}")
        cell = page.locator(f"#seats tr[data-member='{mid}'] td.vote")
        page.locator("input[name=choice][value=approve]").check()
        page.locator("#key").set_input_files(old)
        answered(page, "#vote-form button[type=submit]", accept=True)
        expect(page.locator("#vote-result")).to_have_class("error")
        expect(page.locator("#vote-result")).to_contain_text(WORDS[lang]["refused"])  # in the page's language
        if lang == "uk":
            expect(page.locator("#vote-result")).not_to_contain_text("does not verify")
        expect(cell).to_have_class(re.compile("vote-missing"))
        shot(page, f"member-{lang}-old-key-refused")
        page.locator("#key").set_input_files(new_private)
        answered(page, "#vote-form button[type=submit]", accept=True)
        expect(cell).to_have_class(re.compile("vote-approve"))
        page.reload()
        expect(cell).to_have_class(re.compile("vote-approve"))
        shot(page, f"member-{lang}-voted-with-the-new-key")
    finally:
        context.close()
    assert not offline, f"requests left the site: {offline}"
    assert not found, "accessibility problems:\n" + "\n".join(
        f"{p}: {v}" for p, vs in found.items() for v in vs
    )
    assert verify(site.engine).ok


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_administrator_replaces_a_lost_key_with_the_partners_authority(
    browser,  # noqa: F811
    server,  # noqa: F811
    site,
    tmp_path,
    lang,
) -> None:  # noqa: ANN001, F811
    mid = site.members[MEMBER]
    new = Ed25519PrivateKey.generate()
    _, new_public = write_key(tmp_path, "new", new)
    kid = key_id(load_public(pem(new), "test"))
    us = tmp_path / "us-authority.key"
    us.write_bytes(private_pem(authority_key("US")))
    ua = tmp_path / "ua-authority.key"
    ua.write_bytes(private_pem(authority_key("UA")))
    context, page = browsing.signed_in(browser, server, site, "administrator", lang, home=None)
    found: dict[str, list[str]] = {}
    try:
        page.goto("/admin/users")
        page.click(f"#seat-list tr[data-member='{mid}'] a[href='/members/{mid}/key']")
        page.wait_for_url(f"**/members/{mid}/key")
        page.locator("#public-key").set_input_files(new_public)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#statement-words")).to_contain_text(kid)
        checked(page, "/members/M/key (authority)", found)
        shot(page, f"admin-{lang}-key-to-sign")
        page.locator("#signing-key").set_input_files(str(us))  # another partner's authority
        page.click("#sign-form button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("#error")).to_contain_text(WORDS[lang]["authority"])
        shot(page, f"admin-{lang}-key-wrong-authority")
        assert key_of(site, mid) != kid
        page.locator("#public-key").set_input_files(new_public)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        page.locator("#signing-key").set_input_files(str(ua))
        page.click("#sign-form button[type=submit]")
        page.wait_for_url("**/admin/users?done=key")
        expect(page.locator("#done")).to_be_visible()
        expect(page.locator(f"#seat-list tr[data-member='{mid}'] code.hash")).to_have_text(kid)
        shot(page, f"admin-{lang}-key-replaced")
    finally:
        context.close()
    assert not found, "accessibility problems:\n" + "\n".join(
        f"{p}: {v}" for p, vs in found.items() for v in vs
    )
    assert key_of(site, mid) == kid
    assert verify(site.engine).ok


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_user_not_linked_to_the_member_is_refused(browser, server, site, lang) -> None:  # noqa: ANN001, F811
    site.link("board_manager", "us-board-2")
    mid = site.members[MEMBER]
    pid = about_the_company(site)
    context, page, _ = signed_in(browser, server, site, lang)
    try:
        for path in (f"/members/{mid}/interest?party=X&nature=Y", f"/proposals/{pid}/recusal?member={mid}"):
            response = page.goto(path)
            assert response is not None and response.status == 403, path
            expect(page.locator("main")).to_contain_text(WORDS[lang]["not linked"])
        shot(page, f"member-{lang}-not-linked")
        page.goto(f"/proposals/{pid}")
        expect(page.locator(f"#recuse-{mid}")).to_have_count(0)
        expect(page.locator(f"#recuse-{site.members['us-board-2']}")).to_have_count(1)
    finally:
        context.close()
