"""Every page of the demo fund, in English and Ukrainian, passes axe-core and reads at 360 px width.

axe-core is the copy bundled by the axe-playwright-python package (axe.min.js), injected into each
page from that local file, so nothing is fetched from the network. A serious or critical violation
fails, named by rule, target and page. At a 360 px viewport the body may not scroll sideways: wide
tables scroll inside their own labelled, focusable region instead. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from importlib import resources
from urllib.parse import urlparse

import pytest
from support import CHROMIUM, CHROMIUM_ARGS

from web.browsing import sign_in
from web.test_browser import ARTIFACTS
from web.test_ukrainian_pages import demo  # noqa: F401 - fixture: the demo fund served on a loopback port

AXE = resources.files("axe_playwright_python").joinpath("axe.min.js")
BLOCKING = {"serious", "critical"}
NARROW = 360
TOLERANCE = 2  # px: sub-pixel rounding of borders, not a scroll a reader would notice
PUBLIC_PAGES = ["/", "/login", "/commitments", "/records", "/records/1", "/api/docs"]
BOARD_PAGES = [
    "/dashboard",
    "/forecast",
    "/budget",
    "/ledger",
    "/ledger/entries",
    "first /ledger/entries/",
    "/revenue",
    "/revenue/reports",
    "/proposals",
    "/proposals?state=open&q=a",
    "/proposals/new",
    "/proposals/1",
    "/pipeline",
    "/pipeline/1",
    "/capital",
    "/portfolio",
    "/commitments",
    "/members",  # the member's own pages; with a linked seat and its forms: test_member_journey.py
]
USERS = {
    None: PUBLIC_PAGES,
    "demo-board-manager": BOARD_PAGES,
    # "import" and "apply" are steps (ACTIONS) that end on the page they make: an upload job's, an
    # application's.
    "demo-treasury-officer": ["/revenue", "/revenue/imports", "/revenue/uploads", "import"],
    "demo-applicant": ["/portal", "apply"],
    "demo-administrator": [
        "/admin/users",
        "/members/1/key",  # a lost key's replacement with the partner's authority
    ],  # users, seats and links (the signing step: test_admin_journey.py)
}  # the demo applicant has no application until "apply"; /pipeline/1 shows one
# Pages (GET routes that answer HTML) checked by another test, with what they need that the demo lacks.
ELSEWHERE = {
    "/members/{member_id}/interest": "test_member_journey.py (a seat linked to the user)",
    "/proposals/{proposal_id}/recusal": "test_member_journey.py (a seat linked to the user)",
    "/pipeline/{application_id}/confirmation": (
        "test_clearance_journey.py (a clearance waiting for a second administrator linked to a seat)"
    ),
}


@pytest.fixture(scope="module")
def browser(demo):  # noqa: ANN001, ANN201, F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def session(browser, demo, user: str | None, lang: str, width: int):  # noqa: ANN001, ANN201, F811
    base, passwords = demo
    # bypass_csp: the site's CSP rightly forbids inline scripts; axe is injected by the test, not the site.
    context = browser.new_context(base_url=base, viewport={"width": width, "height": 800}, bypass_csp=True)
    offline: list[str] = []
    context.on(
        "request",
        lambda r: None if r.url.startswith(base) or r.url.startswith("data:") else offline.append(r.url),
    )
    page = context.new_page()
    if user is None:
        page.goto(f"/login?lang={lang}")
    else:
        sign_in(page, user, passwords[user], lang, home=None)
    return context, page, offline


def _import(page) -> str:  # noqa: ANN001
    """Import the licences template (the demo's own first licence, unchanged) from the web's form; the
    upload job's page."""
    page.goto("/revenue/imports")
    template = page.request.get("/revenue/templates/licences.csv").body()
    page.set_input_files(
        "#file-licences", {"name": "licences.csv", "mimeType": "text/csv", "buffer": template}
    )
    page.locator("form[action='/revenue/upload/licences'] button[type=submit]").click()
    page.locator("form[action='/revenue/upload/licences/confirm'] button[type=submit]").click()
    page.wait_for_url("**/revenue/uploads/*")
    return urlparse(page.url).path


def _apply(page) -> str:  # noqa: ANN001
    """Submit an application from the portal's form; the application's page."""
    page.goto("/portal")
    page.fill("#applicant", "Acme Lithium")
    page.fill("#applicant_code", "12345678")
    page.fill("#title", "Lithium concentrator")
    page.select_option("#region", index=1)
    page.fill("#amount", "2500000")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/portal/[0-9]+$"))
    return urlparse(page.url).path


ACTIONS = {"import": _import, "apply": _apply}


def paths_of(page, paths: list[str]) -> list[str]:  # noqa: ANN001
    """The paths, with 'first /x/' resolved to the first link on the current page that starts with /x/, and
    a step of ACTIONS to the page it ends on."""
    out = []
    for p in paths:
        if p in ACTIONS:
            out.append(ACTIONS[p](page))
        elif p.startswith("first "):
            page.goto(out[-1])
            href = page.locator(f"main a[href^='{p.split()[1]}']").first.get_attribute("href")
            assert href, f"no link starting {p.split()[1]} on {out[-1]}"
            out.append(href)
        else:
            out.append(p)
    return out


def violations(page) -> list[str]:  # noqa: ANN001
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}) at {n['target']}: {v['help']}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
        for n in v["nodes"]
    ]


# What a phone shows wrongly though axe passes: a chart's text scaled below 11 px (a fan drawn 560 px wide
# showed 6 px), and a filter form's label left at the end of the line before its field ("Пошук [ ] Стан"
# over "[усі] Вид": each label read as the next field's). A label goes above its field.
PHONE_LAYOUT = """() => {
  const found = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    if ([...svg.querySelectorAll('text')].some(t => parseFloat(t.getAttribute('font-size')) * scale < 10.9))
      found.push(`chart text below 11 px: ${svg.getAttribute('aria-label')}`);
  }
  for (const label of document.querySelectorAll('form.inline > label[for]')) {
    const field = document.getElementById(label.htmlFor);
    const box = field && field.getBoundingClientRect();  // a visually hidden file input has no box to place
    if (box && box.width > 2 && box.top < label.getBoundingClientRect().bottom - 2)
      found.push(`label beside, not above, its field: ${label.htmlFor}`);
  }
  return found;
}"""


def overflow(page) -> int:  # noqa: ANN001
    return page.evaluate("() => document.scrollingElement.scrollWidth")


@pytest.mark.parametrize("lang", ["en", "uk"])
@pytest.mark.parametrize("user", list(USERS), ids=lambda u: u or "public")
def test_every_page_passes_axe_and_reads_at_360_px(browser, demo, user, lang) -> None:  # noqa: ANN001, F811
    found: dict[str, list[str]] = {}
    context, page, offline = session(browser, demo, user, lang, NARROW)
    try:
        for path in paths_of(page, USERS[user]):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            assert page.locator("html").get_attribute("lang") == lang, path
            problems = violations(page)
            problems += page.evaluate(PHONE_LAYOUT)
            width = overflow(page)
            if width > NARROW + TOLERANCE:
                wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 2 && !e.closest('table, \
.board'))
                    .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)""")
                problems.append(f"the body scrolls sideways at {NARROW} px: {width} px wide ({wide})")
            if problems:
                found[f"{lang} {user or 'public'} {path}"] = problems
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"\W+", "-", path).strip("-") or "public"
            page.screenshot(path=str(ARTIFACTS / f"a11y-{NARROW}-{lang}-{name}.png"), full_page=True)
    finally:
        context.close()
    assert not offline, f"requests left the site: {offline}"
    assert not found, "accessibility problems:\n" + "\n".join(
        f"{p}: {v}" for p, vs in found.items() for v in vs
    )


def test_the_axe_check_finds_a_violation_it_should(browser, demo) -> None:  # noqa: ANN001, F811
    """The check can fail: an input stripped of its label and text without contrast are reported."""
    context, page, _ = session(browser, demo, None, "en", NARROW)
    try:
        page.goto("/login")
        page.evaluate("""() => { document.querySelectorAll('label').forEach(l => l.remove());
                                 document.querySelector('h1').style.color = '#fefefe'; }""")
        ids = {v.split()[0] for v in violations(page)}
        assert {"label", "color-contrast"} <= ids, ids
        page.evaluate(
            "() => { const d = document.createElement('div'); d.style.width = '900px';"
            " d.textContent = 'x'; document.body.append(d); }"
        )
        assert overflow(page) > NARROW + TOLERANCE
    finally:
        context.close()


def html_routes() -> set[str]:
    """The path of every GET route that answers a page (HTML), through included routers."""
    from fastapi.responses import HTMLResponse

    from jointfund.app import create_app

    def walk(routes, prefix: str = "") -> set[str]:  # noqa: ANN001
        found = set()
        for r in routes:
            if hasattr(r, "original_router"):
                found |= walk(r.original_router.routes, prefix + r.include_context.prefix)
            elif (
                "GET" in (getattr(r, "methods", None) or ())
                and getattr(r, "response_class", None) is HTMLResponse
            ):
                found.add(prefix + r.path)
        return found

    return walk(create_app("sqlite://").routes)


ACTION_PAGES = {
    "import": "/revenue/uploads/1",
    "apply": "/portal/1",
}  # the shape of the page each step ends on


def test_every_page_of_the_app_is_read_at_360_px() -> None:
    """Every page route (a new one included) is among the pages checked above, or named in ELSEWHERE."""
    routes = html_routes()
    assert {"/", "/portal/{application_id}", "/revenue/uploads/{job_id}"} <= routes
    visited = {
        ACTION_PAGES.get(p, p.split()[-1] + "1" if p.startswith("first ") else p).split("?")[0]
        for paths in USERS.values()
        for p in paths
    }
    unchecked = sorted(
        route
        for route in routes - set(ELSEWHERE)
        if not any(re.fullmatch(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(route)), v) for v in visited)
    )
    assert not unchecked, f"add these pages to USERS (or ELSEWHERE, naming the test): {unchecked}"
