"""Every page works by keyboard alone (issue 12, Accessibility), in Chromium on the demo fund.

- On each main page, Tab alone reaches every link, button, field and scrollable region (a radio group
  counts once: arrows move within it), and each shows a visible focus ring when it has focus.
- The forms that matter are sent from the keyboard: sign-in with Enter, an import's check and
  confirmation with Enter and Space.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from web.test_accessibility import USERS, paths_of
from web.test_browser import ARGS, ARTIFACTS, CHROMIUM
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
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
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
