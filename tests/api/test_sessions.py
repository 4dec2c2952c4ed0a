"""Sessions in the database: none for anonymous visitors, shared by every app over the same database,
ended everywhere by signing out, bounded per user, and every signed-in response marked no-store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support import holding_the_write_lock

from jointfund.api.security import SESSION_COOKIE, LoginLimiter, Sessions
from jointfund.app import create_app
from jointfund.store import db
from jointfund.store import tables as t

from .conftest import bearer, csrf_of, sign_in

pytestmark = pytest.mark.storage


def stored_sessions(site) -> int:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return conn.execute(select(func.count()).select_from(t.web_session)).scalar_one()


def test_anonymous_visitors_create_no_session_and_cannot_end_one(app, site) -> None:  # noqa: ANN001
    auditor = TestClient(app)
    sign_in(auditor, site, "auditor")
    assert stored_sessions(site) == 1
    # Before: each cookieless GET /login or /api/docs made a session, and 20,512 of them evicted an auditor's.
    for n in range(300):
        r = TestClient(app).get("/login" if n % 2 else "/api/docs")
        assert r.status_code == 200 and SESSION_COOKIE not in r.cookies
    assert stored_sessions(site) == 1
    assert auditor.get("/api/me").json()["name"] == site.name("auditor")


def test_a_user_s_sessions_are_bounded_without_touching_anyone_else_s(site) -> None:  # noqa: ANN001
    app = create_app(site.engine, sessions=Sessions(per_user=3), limiter=LoginLimiter())
    auditor = TestClient(app)
    sign_in(auditor, site, "auditor")
    boards = [TestClient(app) for _ in range(5)]
    for c in boards:
        sign_in(c, site, "board_manager")
    assert stored_sessions(site) == 4
    assert [c.get("/api/me").json()["role"] for c in boards] == ["public"] * 2 + ["board_manager"] * 3
    assert auditor.get("/api/me").json()["role"] == "auditor"


def test_sessions_expire(site) -> None:  # noqa: ANN001
    now = [1_000_000.0]
    app = create_app(
        site.engine, sessions=Sessions(ttl_seconds=60, clock=lambda: now[0]), limiter=LoginLimiter()
    )
    c = TestClient(app)
    sign_in(c, site, "auditor")
    now[0] += 59
    assert c.get("/api/me").json()["role"] == "auditor"
    now[0] += 2
    assert c.get("/api/me").json()["role"] == "public"


def test_two_apps_over_one_database_share_sessions_and_sign_out(site) -> None:  # noqa: ANN001
    one, two = (create_app(site.engine, limiter=LoginLimiter()) for _ in range(2))
    browser = TestClient(one)
    sign_in(browser, site, "board_manager")
    sid = browser.cookies.get(SESSION_COOKIE)
    other = TestClient(two)
    other.cookies.set(SESSION_COOKIE, sid, domain="testserver.local")
    for _ in range(3):  # served (and cached) by the other app
        assert other.get("/dashboard", follow_redirects=False).status_code == 200
    csrf = csrf_of(
        browser.get("/dashboard").text
    )  # the CSRF secret is shared too: signed out through the other
    assert other.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    browser.cookies.set(SESSION_COOKIE, sid, domain="testserver.local")
    r = browser.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert browser.get("/api/me").json()["role"] == "public"


def test_every_signed_in_response_is_marked_no_store(client, site) -> None:  # noqa: ANN001
    public = client.get("/")
    assert "no-store" not in public.headers.get("cache-control", "")
    for path in ("/api/me", "/api/ledger/balances", "/api/public/summary"):
        r = client.get(path, headers=bearer(site, "auditor"))
        assert r.headers["cache-control"] == "no-store", path
    login = client.get("/login")  # sets the sign-in form's cookie
    assert login.headers["cache-control"] == "no-store"
    sign_in(client, site, "auditor")
    for path in ("/", "/dashboard", "/ledger", "/api/me", "/api/nothing-here"):
        for _ in range(3):  # also when served again from the response cache
            assert client.get(path).headers["cache-control"] == "no-store", path


def test_a_write_that_finds_the_database_busy_gets_503_in_one_sentence(client, site, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(db, "BUSY_WAIT_SECONDS", 1.5)
    monkeypatch.setattr(db, "BUSY_POLL_SECONDS", 0.25)
    with holding_the_write_lock(site.engine):
        r = client.post("/api/proposals/expiry", headers=bearer(site, "administrator"))
    assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
    message = r.json()["error"]["message"]
    assert message.startswith("the database is busy") and "locked" not in message and "\n" not in message
    assert client.post("/api/proposals/expiry", headers=bearer(site, "administrator")).status_code == 200
