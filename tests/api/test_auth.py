"""Sign-in and its defences: tokens, CSRF, session fixation, the failed-login limit, upload size, headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from jointfund.api.security import SESSION_COOKIE, LoginLimiter, Sessions
from jointfund.app import create_app
from jointfund.governance import token
from jointfund.store import db

from .conftest import bearer, csrf_of, sign_in

pytestmark = pytest.mark.storage


def test_a_token_acts_as_its_user_until_revoked(client, site) -> None:  # noqa: ANN001
    assert client.get("/api/me", headers=bearer(site, "auditor")).json()["role"] == "auditor"
    with db.write(site.engine) as conn:
        number = next(t.id for t in token.tokens(conn) if t.user == site.name("auditor"))
        token.revoke(conn, "test", number)
        stored = {t.sha256 for t in token.tokens(conn)}
    assert site.tokens["auditor"] not in str(stored)  # only hashes are kept
    r = client.get("/api/me", headers=bearer(site, "auditor"))
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]
    assert client.get("/api/me", headers={"Authorization": "Bearer jft_guess"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_state_changing_forms_need_the_sessions_csrf_token(client, site) -> None:  # noqa: ANN001
    r = client.post("/login", data={"name": site.name("auditor"), "password": site.passwords["auditor"]})
    assert r.status_code == 403 and "CSRF" in r.text
    sign_in(client, site, "board_manager")
    vote = {"member": 1, "choice": "approve", "round": 1, "signature": "00"}
    no_token = client.post(f"/api/proposals/{site.proposal.id}/votes", json=vote)
    assert no_token.status_code == 403 and "CSRF" in no_token.json()["error"]["message"]
    wrong = client.post(
        f"/api/proposals/{site.proposal.id}/votes", json=vote, headers={"X-CSRF-Token": "x" * 43}
    )
    assert wrong.status_code == 403 and "CSRF" in wrong.json()["error"]["message"]
    assert client.post("/logout").status_code == 403  # even signing out needs it: no forced sign-out


def test_signing_in_issues_a_new_session_id(app, site) -> None:  # noqa: ANN001
    attacker, victim = TestClient(app), TestClient(app)
    sign_in(attacker, site, "committee_member")
    planted = attacker.cookies.get(SESSION_COOKIE)
    victim.cookies.set(
        SESSION_COOKIE, planted, domain="testserver.local"
    )  # an id the attacker knows, planted in the victim's browser
    page = victim.get("/login")
    r = victim.post(
        "/login",
        data={
            "name": site.name("auditor"),
            "password": site.passwords["auditor"],
            "csrf": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    fresh = victim.cookies.get(SESSION_COOKIE)
    assert fresh and fresh != planted
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie  # plain http here
    # The planted id signs no one in: not the victim, and (ended at the victim's sign-in) not the attacker
    # either.
    assert attacker.get("/api/me").json()["role"] == "public"
    assert victim.get("/api/me").json()["name"] == site.name("auditor")


def attempt(client: TestClient, site, password: str, role: str = "auditor") -> int:  # noqa: ANN001
    page = client.get("/login")
    return client.post(
        "/login",
        data={"name": site.name(role), "password": password, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    ).status_code


def test_failed_sign_ins_back_off_exponentially_from_one_address(client, site, clock) -> None:  # noqa: ANN001
    assert [attempt(client, site, "wrong-password") for _ in range(3)] == [401] * 3  # free tries
    waits = []
    for _ in range(4):
        assert attempt(client, site, "wrong-password") == 401
        refused = client.post(
            "/login",
            data={
                "name": site.name("auditor"),
                "password": site.passwords["auditor"],
                "csrf": csrf_of(client.get("/login").text),
            },
            follow_redirects=False,
        )
        assert refused.status_code == 429  # even the right password waits, from this address
        waits.append(int(refused.headers["retry-after"]))
        clock.now += waits[-1]
    assert waits == [2, 4, 8, 16]  # doubling
    assert attempt(client, site, site.passwords["auditor"]) == 303


def test_someone_elses_failures_do_not_lock_the_right_password_out(app, site, clock) -> None:  # noqa: ANN001
    guesser = TestClient(app, client=("203.0.113.7", 5000))
    owner = TestClient(app, client=("198.51.100.20", 5000))
    assert [attempt(guesser, site, f"guess-{n}") for n in range(8)] == [401] * 4 + [429] * 4
    assert attempt(owner, site, site.passwords["auditor"]) == 303  # from a new address: straight in
    # Many addresses guessing one name are still held back, by a short wait per name (at most a minute).
    for n in range(12):
        clock.now += 3600
        assert attempt(TestClient(app, client=(f"192.0.2.{n}", 5000)), site, "wrong") == 401
    held = TestClient(app, client=("192.0.2.200", 5000))
    page = held.get("/login")
    r = held.post(
        "/login",
        data={"name": site.name("auditor"), "password": "wrong", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 61
    clock.now += 61
    assert attempt(held, site, site.passwords["auditor"]) == 303


def test_the_sign_in_form_needs_its_own_signed_token(app, site) -> None:  # noqa: ANN001
    c, other = TestClient(app), TestClient(app)
    token_c, token_other = csrf_of(c.get("/login").text), csrf_of(other.get("/login").text)
    assert token_c != token_other
    data = {"name": site.name("auditor"), "password": site.passwords["auditor"]}
    for offered in (token_other, token_c[:-2] + "AA", ""):  # another browser's token, a forged one, none
        r = c.post("/login", data={**data, "csrf": offered}, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
    cookieless = TestClient(app)  # the token without its cookie: a cross-site form cannot send the cookie
    assert (
        cookieless.post("/login", data={**data, "csrf": token_c}, follow_redirects=False).status_code == 403
    )
    assert c.post("/login", data={**data, "csrf": token_c}, follow_redirects=False).status_code == 303


def test_bodies_over_the_limit_are_refused_before_the_app_reads_them(site) -> None:  # noqa: ANN001
    app = create_app(site.engine, max_upload_bytes=1000, sessions=Sessions(), limiter=LoginLimiter())
    with TestClient(app) as c:
        big = b"x" * 2000
        r = c.post(
            "/api/revenue/receipts", headers=bearer(site, "treasury_officer"), files={"file": ("r.csv", big)}
        )
        assert r.status_code == 413 and r.json()["error"]["field"] == "body"

        def chunks():  # noqa: ANN202 - no Content-Length: the limit still holds
            for _ in range(5):
                yield b"y" * 500

        r = c.post(
            "/api/revenue/receipts",
            headers={**bearer(site, "treasury_officer"), "Content-Type": "text/csv"},
            content=chunks(),
        )
        assert r.status_code == 413


@pytest.mark.parametrize(
    "path", ["/", "/login", "/api/public/summary", "/static/app.css", "/api/nothing-here"]
)
def test_every_response_carries_the_security_headers(client, path) -> None:  # noqa: ANN001
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in r.headers  # only behind TLS


def test_pages_load_nothing_from_the_network(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "administrator")
    for path in (
        "/",
        "/forecast",
        "/login",
        "/dashboard",
        "/ledger",
        "/proposals",
        f"/proposals/{site.proposal.id}",
        "/revenue",
        "/api/docs",
    ):
        # SVG's namespace name is an identifier that is never fetched; any other URL would be a load
        html = client.get(path).text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "http://" not in html and "https://" not in html, path
        assert "<script>" not in html and " style=" not in html and "onclick" not in html, path
