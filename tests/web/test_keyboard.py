"""Every page works by keyboard alone (issue 12, Accessibility), in Chromium on the demo fund.

- On each main page, Tab alone reaches every link, button, field and scrollable region (a radio group
  counts once: arrows move within it), and each shows a visible focus ring when it has focus.
- The forms that matter are sent from the keyboard: sign-in with Enter, an import's check and
  confirmation with Enter and Space, and a vote (Tab to it, the arrows choose, Enter sends, the confirmation
  of what will be signed is accepted), which the server then holds.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect
from support import CHROMIUM, CHROMIUM_ARGS

from web.test_accessibility import USERS, paths_of
from web.test_browser import ARTIFACTS, server  # noqa: F401 - fixture: the site served
from web.test_ukrainian_pages import demo  # noqa: F401 - fixture: the demo fund served on a loopback port

FOCUSABLE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])"
)
# Number every focusable element that is shown, and log each focus with its ring (outline or box shadow).
WATCH = """(selector) => {
  const shown = [...document.querySelectorAll(selector)].filter(e => !e.disabled && e.getClientRects().length
      && getComputedStyle(e).visibility !== 'hidden');
  const name = (e) => e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || e.name || '').slice(0, 40);
  const groups = new Set();
  const wanted = [];
  shown.forEach((e, i) => {
    e.dataset.kb = i;
    if (e.type === 'radio') {
      if (groups.has(e.name)) return;
      groups.add(e.name);
    }
    wanted.push({i, group: e.type === 'radio' ? e.name : null, what: name(e)});
  });
  window.__kb = [];
  document.addEventListener('focusin', (ev) => {
    const e = ev.target, s = getComputedStyle(e);
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    const i = e.dataset.kb === undefined ? null : Number(e.dataset.kb);
    window.__kb.push({i, group: e.type === 'radio' ? e.name : null, ring, what: name(e)});
  });
  return wanted;
}"""


@pytest.fixture(scope="module")
def browser(demo):  # noqa: ANN001, ANN201, F811
    if (
        not CHROMIUM.exists()
    ):  # `demo` already fails under CI=true (.ci/run installs chromium); a laptop skips
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); the keyboard test is not run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def signed_in(browser, demo, user: str | None, lang: str = "en"):  # noqa: ANN001, ANN201, F811
    """A context and page signed in as `user` by keyboard alone: the sign-in form is sent with Enter."""
    base, passwords = demo
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"/login?lang={lang}")
    if user is not None:
        page.focus("input[name=name]")
        page.keyboard.type(user)
        page.keyboard.press("Tab")
        page.keyboard.type(passwords[user])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/login" not in page.url, f"Enter did not sign {user} in"
    return context, page


def tab_through(page) -> tuple[list[str], list[str]]:  # noqa: ANN001
    """(what Tab never reached, what had focus without a visible ring) on the current page."""
    wanted = page.evaluate(WATCH, FOCUSABLE)
    for _ in range(len(wanted) * 2 + 10):  # links inside a scrolled region, skip links: some slack
        page.keyboard.press("Tab")
    seen = page.evaluate("() => window.__kb")
    reached = {f["i"] for f in seen} | {("group", f["group"]) for f in seen if f["group"]}
    missed = [w["what"] for w in wanted if w["i"] not in reached and ("group", w["group"]) not in reached]
    ringless = sorted({f["what"] for f in seen if not f["ring"]})
    return missed, ringless


PAGES = {
    **USERS,
    "demo-treasury-officer": list(
        dict.fromkeys([*USERS["demo-treasury-officer"], "/revenue/imports", "/revenue/uploads"])
    ),
    "demo-auditor": [
        "/dashboard",
        "/ledger",
        "/ledger/entries",
        "first /ledger/entries/",
        "/revenue/reports",
    ],
}


@pytest.mark.parametrize("user", list(PAGES), ids=lambda u: u or "public")
def test_tab_alone_reaches_everything_on_every_page_with_a_visible_focus_ring(browser, demo, user) -> None:  # noqa: ANN001, F811
    found: dict[str, list[str]] = {}
    context, page = signed_in(browser, demo, user)
    try:
        for path in paths_of(page, PAGES[user]):
            assert page.goto(path).status == 200, path
            missed, ringless = tab_through(page)
            if missed:
                found[f"{path}: not reached by Tab"] = missed
            if ringless:
                found[f"{path}: no visible focus"] = ringless
    finally:
        context.close()
    assert not found, "keyboard problems:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_an_import_is_checked_and_confirmed_by_keyboard(browser, demo, tmp_path) -> None:  # noqa: ANN001, F811
    """The file is chosen in the system's dialog (set here); the check and the import are sent by keys."""
    context, page = signed_in(browser, demo, "demo-treasury-officer")
    try:
        page.goto("/revenue/imports")
        # The template's example row is the demo's own first licence: checked, and imported unchanged.
        licences = tmp_path / "licences.csv"
        licences.write_bytes(page.request.get("/revenue/templates/licences.csv").body())
        page.set_input_files("#file-licences", str(licences))
        page.focus("#file-licences")
        page.keyboard.press("Tab")  # to the form's button
        assert page.evaluate("() => document.activeElement.textContent") == "Check the file"
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page.locator("#preview-result")).to_be_visible()
        for _ in range(60):
            if page.evaluate("() => document.activeElement.textContent") == "Import this file":
                break
            page.keyboard.press("Tab")
        else:
            raise AssertionError("Tab never reached the import button")
        page.keyboard.press(" ")
        page.wait_for_url("**/revenue/uploads/*")
        expect(page.locator("#upload-state")).to_have_attribute("data-state", "done", timeout=30_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "keyboard-import-done.png"), full_page=True)
    finally:
        context.close()


def test_the_keyboard_check_finds_what_it_should(browser, demo) -> None:  # noqa: ANN001, F811
    """The check can fail: a button taken out of the Tab order, and a link whose focus ring is removed."""
    context, page = signed_in(browser, demo, None)
    try:
        page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('afterbegin',
            '<button id="untabbable" tabindex="-1">x</button>'
            + '<a id="ringless" href="#ringless" style="outline: none; box-shadow: none">y</a>')""")
        missed, ringless = tab_through(page)
        assert any("#untabbable" in m for m in missed), missed
        assert any("#ringless" in r for r in ringless), ringless
    finally:
        context.close()


def focused(page) -> str:  # noqa: ANN001
    return page.evaluate(
        "() => (document.activeElement.id || '') + ' ' + (document.activeElement.value || '')"
    )


def tab_to(page, selector: str, limit: int = 80) -> None:  # noqa: ANN001
    """Press Tab until the element `selector` has focus (it must be reachable by Tab alone)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("backend", ["sqlite"])  # the browser is the subject; the API tests cover both
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_vote_is_chosen_confirmed_and_recorded_by_keyboard(browser, server, site, tmp_path, lang) -> None:  # noqa: ANN001, F811
    """Tab to the vote, choose with the arrow keys, send with Enter, confirm what will be signed with Enter:
    the server records exactly that vote. The key file is chosen in the system's dialog (set here)."""
    from jointfund.governance import book
    from jointfund.store import db

    member = "us-board-2"
    site.link("board_manager", member)
    key = site.key_file(tmp_path, member)
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"/login?lang={lang}")
        page.focus("input[name=name]")
        page.keyboard.type(site.name("board_manager"))
        page.keyboard.press("Tab")
        page.keyboard.type(site.passwords["board_manager"])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.goto(f"/proposals/{site.proposal.id}?lang={lang}")
        page.locator("body").focus()
        tab_to(page, "#member")
        assert page.evaluate("() => document.activeElement.value") == str(site.members[member])
        page.keyboard.press("Tab")  # into the choices: the first radio, then arrows move and choose
        assert focused(page) == " approve", focused(page)
        page.keyboard.press("ArrowDown")
        assert focused(page) == " reject" and page.locator("input[value=reject]").is_checked()
        page.keyboard.press("ArrowUp")
        assert page.locator("input[value=approve]").is_checked()
        page.set_input_files("#key", str(key))
        tab_to(page, "#vote-form button[type=submit]")
        asked: list[str] = []
        page.once("dialog", lambda d: (asked.append(d.message), d.accept()))  # Enter in the dialog
        page.keyboard.press("Enter")
        expect(page.locator("#vote-result")).to_have_class("ok", timeout=15_000)
        assert asked and f"«{site.proposal.title}»" in asked[0], asked
        assert ("— approve," if lang == "en" else "— за,") in asked[0], asked  # the choice made by arrows
        cell = page.locator(f"#seats tr[data-member='{site.members[member]}'] td.vote")
        expect(cell).to_have_class(re.compile("vote-approve"))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"keyboard-vote-{lang}.png"), full_page=True)
    finally:
        context.close()
    with db.transaction(site.engine) as conn:
        votes = [(v.member, v.choice) for v in book.votes(conn, site.proposal.id)]
    assert votes == [(site.members[member], "approve")]
