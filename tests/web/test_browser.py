"""Browser journeys with Playwright driving Debian's chromium against the app served on a loopback port.

Never downloads a browser. Without /usr/bin/chromium these tests skip with a message, except
under CI=true, where that is a failure. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect
from support import CHROMIUM, CHROMIUM_ARGS

from jointfund.app import create_app

ARGS = CHROMIUM_ARGS  # the name the browser tests written before support.CHROMIUM_ARGS import
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"]
)  # the browser is the subject; the API tests cover both


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); browser journeys skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def server(site) -> Iterator[str]:  # noqa: ANN001
    """The app on a free loopback port, served by uvicorn in a thread for the duration of one test."""
    with serving(site) as url:
        yield url


@contextlib.contextmanager
def serving(site, **options) -> Iterator[str]:  # noqa: ANN001, ANN003
    """The app (create_app's `options`, such as max_upload_rows) served on a free loopback port meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_app(site.engine, **options), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        thread.join(0.02)  # waits for the server's start, bounded by the thread's own progress
        assert thread.is_alive(), "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture
def page(browser, server):  # noqa: ANN001, ANN201
    context = browser.new_context(base_url=server)
    offline = []
    # No page may load anything from the network: every request must go to our own server.
    context.on(
        "request",
        lambda r: None if r.url.startswith(server) or r.url.startswith("data:") else offline.append(r.url),
    )
    pg = context.new_page()
    yield pg
    context.close()
    assert not offline, f"requests left the site: {offline}"


def shot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, site, role: str) -> None:  # noqa: ANN001
    page.goto("/login")
    page.get_by_label("User name").fill(site.name(role))
    page.get_by_label("Password").fill(site.passwords[role])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def test_the_public_page_draws_its_charts_and_the_verify_tool_accepts_a_real_proof_and_rejects_a_forged_one(
    page, site, client
) -> None:  # noqa: ANN001
    from api.conftest import bearer

    bundle = client.get(
        f"/api/ledger/records/{site.proposal.seq}/proof", headers=bearer(site, "auditor")
    ).json()
    page.goto("/")
    assert page.locator("svg.chart").count() >= 4
    page.get_by_label("or paste it here").fill(json.dumps(bundle))
    page.get_by_role("button", name="Verify in this browser").click()
    expect(page.locator("#verify-result")).to_have_attribute("data-verdict", "ok")
    shot(page, "public-verify-ok")
    record = json.loads(bundle["record"])
    record["data"]["title"] = "Something else"
    import base64

    forged = dict(bundle, record_base64=base64.b64encode(json.dumps(record).encode()).decode())
    page.get_by_label("or paste it here").fill(json.dumps(forged))
    page.get_by_role("button", name="Verify in this browser").click()
    expect(page.locator("#verify-result")).to_have_attribute("data-verdict", "rejected")
    assert "audit path" in page.locator("#verify-result").inner_text()
    shot(page, "public-verify-forged")


def test_the_browser_verifier_rejects_every_listed_forgery_and_trusts_only_the_keys_given(
    page, site, client
) -> None:  # noqa: ANN001
    """Issue 19, finding 2, in the browser: fresh keys (under the real key id or their own), a renamed
    partner, a
    readable record that lies; and with keys typed in, only those keys, for the partner typed."""
    from api.conftest import bearer
    from support import forgeries_of

    bundle = client.get(
        f"/api/ledger/records/{site.proposal.seq}/proof", headers=bearer(site, "auditor")
    ).json()
    signer, kid = bundle["checkpoint"]["partner"], bundle["checkpoint"]["key_id"]
    other = next(p for p in site.fund.base_terms().partner_codes if p != signer)
    page.goto("/")

    def verdict(b: dict, keys: str = "") -> str:
        page.get_by_label("or paste it here").fill(json.dumps(b))
        page.locator("#trusted-keys").fill(keys)
        page.get_by_role("button", name="Verify in this browser").click()
        expect(page.locator("#verify-result")).to_have_attribute("data-verdict", re.compile("ok|rejected"))
        return (
            page.locator("#verify-result").get_attribute("data-verdict")
            + ": "
            + page.locator("#verify-result").inner_text()
        )

    assert verdict(bundle).startswith(f"ok: Verified: the record is in the log signed by {signer}")
    assert verdict(bundle, f"{signer}={kid}").startswith("ok:")
    for what, forged in forgeries_of(bundle, other).items():
        assert verdict(forged).startswith("rejected:"), what
        assert verdict(forged, f"{signer}={kid}").startswith("rejected:"), what
    assert "is not a key you trust" in verdict(bundle, f"{signer}=0123456789abcdef")
    assert f"the bundle names {signer} as signer, but key {kid} is {other}'s" in verdict(
        bundle, f"{other}={kid}"
    )
    renamed = verdict(forgeries_of(bundle, other)["partner renamed"])
    assert f"the bundle names {other} as signer, but key {kid} is {signer}'s" in renamed
    claimed = verdict(forgeries_of(bundle, other)["fresh key claiming the real key id"])
    assert f"key_id {kid} is not the hash of the enclosed public key" in claimed
    assert "readable record differs" in verdict(forgeries_of(bundle, other)["readable record differs"])
    shot(page, "public-verify-renamed-partner")


def test_a_board_manager_signs_a_vote_in_the_browser_and_the_seat_grid_updates(page, site, tmp_path) -> None:  # noqa: ANN001
    from support import authority_key

    from jointfund.governance import book, user
    from jointfund.ledger import authority
    from jointfund.store import db

    name, other = list(site.keys)[:2]
    manager = site.name("board_manager")
    with db.write(site.engine) as conn:  # the partner links the board manager to this one seat only
        m = book.members(conn, [site.members[name]])[0]
        st = authority.statement(site.fund.id, m.partner, "user.member", user=manager, member=m.id)
        user.link_member(conn, site.fund.id, "admin", manager, m.id, st.signed(authority_key(m.partner)))
    sign_in(page, site, "board_manager")
    page.goto(f"/proposals/{site.proposal.id}")
    options = page.locator("#member option")
    assert options.count() == 1 and options.first.get_attribute("value") == str(site.members[name])
    assert (
        page.locator(f"#member option[value='{site.members[other]}']").count() == 0
    )  # not linked: not offered
    row = page.locator(f"#seats tr[data-member='{site.members[name]}'] td.vote")
    assert row.inner_text() == "missing"
    asked: list[str] = []

    def vote(choice: str, accept: bool = True) -> None:
        page.once("dialog", lambda d: (asked.append(d.message), d.accept() if accept else d.dismiss()))
        page.get_by_label(choice, exact=True).check()
        key = site.key_file(tmp_path, name)
        page.get_by_label("Your signing key file (the .key file you were given)").set_input_files(str(key))
        page.get_by_role("button", name="Sign and cast the vote").click()

    vote("reject", accept=False)  # declined: nothing is signed or sent
    assert (
        asked
        and f"Proposal {site.proposal.id}" in asked[-1]
        and "reject" in asked[-1]
        and "seat" in asked[-1]
    )
    page.reload()
    assert row.inner_text() == "missing"
    vote("reject")
    expect(row).to_have_text("reject")  # waits; the CSP forbids the eval that wait_for_function needs
    vote("approve")  # the board manager changes the vote, and confirms again
    expect(row).to_have_text("approve")
    assert "Vote recorded." in page.locator("#vote-result").inner_text()
    shot(page, "vote-changed")
    page.reload()
    assert row.inner_text() == "approve"  # the server counted it, not only the page


def test_an_auditor_reads_everything_and_can_change_nothing(page, site) -> None:  # noqa: ANN001
    sign_in(page, site, "auditor")
    for path in ("/dashboard", "/ledger", "/proposals", "/revenue"):
        assert page.goto(path).status == 200
    page.goto(f"/proposals/{site.proposal.id}")
    assert page.locator("#vote-form").count() == 0
    page.goto("/revenue")
    assert page.locator("form[enctype='multipart/form-data']").count() == 0
    shot(page, "auditor-proposal")
    # Even a hand-made request is refused by the policy, not only hidden.
    status = page.evaluate("""async () => (await fetch('/api/proposals/1/votes', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: '{"member":1,"choice":"approve","round":1,"signature":"00"}'})).status""")  # noqa: E501 - data kept on one line, as the file holds it
    assert status == 403
