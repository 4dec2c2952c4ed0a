"""Whole-response cache: a repeat is served from it, a write or a change of who asks is not, and no
response ever crosses from one token, session, user or role to another."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from anyio import to_thread
from fastapi.testclient import TestClient

from jointfund.api.cache import ReadCache
from jointfund.api.response_cache import Stored
from jointfund.api.security import SESSION_COOKIE
from jointfund.app import ROUTE_THREADS
from jointfund.governance import token, user
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db

from .conftest import bearer, csrf_of, sign_in
from .site import DAY

pytestmark = pytest.mark.storage

BALANCES = "/api/ledger/balances?limit=500"


def hits(client: TestClient) -> int:
    return client.app.state.server.responses.hits


def served_twice(client: TestClient, path: str, **kw) -> tuple:  # noqa: ANN003
    """Two requests after the one that teaches the cache the route: (first, second, whether the second was a
    hit)."""
    client.get(path, **kw)
    first = client.get(path, **kw)
    before = hits(client)
    second = client.get(path, **kw)
    return first, second, hits(client) == before + 1


def post_entry(site) -> None:  # noqa: ANN001
    base = site.fund.terms(DAY).fund.base_currency
    with db.transaction(site.engine) as conn:
        a, b = sorted(
            x.name
            for x in journal.load_accounts(conn).values()
            if x.closed is None and (not x.currencies or base in x.currencies)
        )[:2]
    with db.write(site.engine) as conn:
        journal.post(
            conn,
            [
                Entry(
                    DAY,
                    "response cache test",
                    (Posting(a, Decimal("2.50"), base), Posting(b, Decimal("-2.50"), base)),
                    key="rc-test",
                )
            ],
            site.fund.start_date,
        )


def test_a_repeat_is_served_from_the_cache_with_the_security_headers(client, site) -> None:  # noqa: ANN001
    for path, kw in ((BALANCES, {"headers": bearer(site, "auditor")}), ("/", {})):
        first, second, hit = served_twice(client, path, **kw)
        assert first.status_code == 200 and hit, path
        assert (
            second.content == first.content
            and second.headers["content-type"] == first.headers["content-type"]
        )
        assert "content-security-policy" in second.headers and second.headers["x-frame-options"] == "DENY"


def test_a_write_changes_what_is_served(client, site) -> None:  # noqa: ANN001
    first, _, hit = served_twice(client, BALANCES, headers=bearer(site, "auditor"))
    assert hit
    post_entry(site)
    before = hits(client)
    after = client.get(BALANCES, headers=bearer(site, "auditor"))
    assert hits(client) == before, "the book changed: the old response must not be served"
    assert after.status_code == 200 and after.json() != first.json()


def test_a_revoked_token_is_refused_though_its_response_was_cached(client, site) -> None:  # noqa: ANN001
    assert served_twice(client, BALANCES, headers=bearer(site, "auditor"))[2]
    with db.write(site.engine) as conn:
        token.revoke(conn, "test", next(t.id for t in token.tokens(conn) if t.user == site.name("auditor")))
    assert client.get(BALANCES, headers=bearer(site, "auditor")).status_code == 401


def test_no_response_crosses_tokens_or_roles(client, site) -> None:  # noqa: ANN001
    readers = [r for r in site.tokens if client.get(BALANCES, headers=bearer(site, r)).status_code == 200]
    refused = [r for r in site.tokens if r not in readers]
    assert readers and refused, "the policy lets some roles read the books and not others"
    assert served_twice(client, BALANCES, headers=bearer(site, readers[0]))[2]
    for role in refused:  # a cached copy exists, yet each refused role is still refused
        assert client.get(BALANCES, headers=bearer(site, role)).status_code in (401, 403)
    assert client.get(BALANCES).status_code == 401
    assert client.get(BALANCES, headers={"Authorization": "Bearer jft_guess"}).status_code == 401


def test_each_session_sees_its_own_user_and_csrf_token(app, site) -> None:  # noqa: ANN001
    board, auditor = TestClient(app), TestClient(app)
    sign_in(board, site, "board_manager")
    sign_in(auditor, site, "auditor")
    page = f"/proposals/{site.proposal.id}"
    mine, _, hit = served_twice(board, page)
    assert hit and site.name("board_manager") in mine.text
    theirs = auditor.get(page)
    assert theirs.status_code == 200 and site.name("auditor") in theirs.text
    assert site.name("board_manager") not in theirs.text
    assert csrf_of(theirs.text) != csrf_of(mine.text)
    # The public page too: the public's cached copy is never a signed-in user's, nor the other way round.
    served_twice(TestClient(app), "/")
    assert site.name("auditor") in auditor.get("/").text
    assert site.name("auditor") not in TestClient(app).get("/").text


def test_signing_out_or_being_disabled_ends_the_cached_pages(app, site) -> None:  # noqa: ANN001
    c = TestClient(app)
    sign_in(c, site, "board_manager")
    assert served_twice(c, "/dashboard")[2]
    sid, csrf = c.cookies.get(SESSION_COOKIE), csrf_of(c.get("/dashboard").text)
    assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    replay = TestClient(app)
    replay.cookies.set(SESSION_COOKIE, sid)
    r = replay.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")

    sign_in(c, site, "auditor")
    assert served_twice(c, "/dashboard")[2]
    with db.write(site.engine) as conn:
        user.disable(conn, "test", site.name("auditor"))
    r = c.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_the_language_is_part_of_the_key(client, site) -> None:  # noqa: ANN001
    english, _, hit = served_twice(client, "/")
    assert hit
    ukrainian = client.get("/", headers={"Accept-Language": "uk"})
    assert ukrainian.status_code == 200 and ukrainian.text != english.text
    assert client.get("/", headers={"Accept-Language": "en"}).text == english.text


def test_a_response_that_sets_a_cookie_is_never_stored(client, site) -> None:  # noqa: ANN001
    client.get("/?lang=uk")
    for _ in range(2):
        r = client.get("/?lang=uk")
        assert "set-cookie" in r.headers
    assert len(client.app.state.server.responses) == 0


def test_a_burst_of_the_same_request_is_computed_once(app, site, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    real = token.authenticate
    monkeypatch.setattr(
        token, "authenticate", lambda conn, secret: calls.append(secret) or real(conn, secret)
    )

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            await c.get(BALANCES, headers=bearer(site, "auditor"))  # teaches the cache the route
            calls.clear()
            return await asyncio.gather(
                *(
                    c.get(BALANCES, headers=bearer(site, h))
                    for h in ["auditor"] * 8 + ["treasury_officer"] * 2
                )
            )

    answers = asyncio.run(burst())
    assert [r.status_code for r in answers] == [200] * 10
    assert len({r.content for r in answers[:8]}) == 1
    # One computation per credential: the other seven auditor requests waited for the first.
    assert sorted(calls) == sorted([site.tokens["auditor"], site.tokens["treasury_officer"]])


def test_the_cache_is_bounded() -> None:
    cache = ReadCache(max_entries=3, max_bytes=10_000)
    for n in range(5):
        cache.put(n, Stored(200, (), b"x" * 100))
    assert len(cache) == 3 and cache.peek(0) is None and cache.peek(4) is not None
    cache.put("big", Stored(200, (), b"x" * 20_000))
    assert cache.peek("big") is None and len(cache) == 3


def test_a_hit_never_waits_for_the_connections_the_routes_hold(client, site) -> None:  # noqa: ANN001
    """Every connection of the routes' pool taken (as a burst of slow first reads after a write does on a big
    book): a cached page is still served, since the cache reads the version and the session on a connection of
    the event loop's own. Before, that read waited on the event loop for the pool's 30 s timeout, stalling
    every request of the worker, hits included, then failed."""
    sign_in(client, site, "board_manager")
    assert (
        served_twice(client, "/dashboard")[2]
        and served_twice(client, BALANCES, headers=bearer(site, "auditor"))[2]
    )
    pool = site.engine.pool
    held = [site.engine.connect() for _ in range(pool.size() + pool._max_overflow)]  # noqa: SLF001
    try:
        before = hits(client)
        assert client.get("/dashboard").status_code == 200
        assert client.get(BALANCES, headers=bearer(site, "auditor")).status_code == 200
        assert hits(client) == before + 2
    finally:
        for conn in held:
            conn.close()


def test_sync_routes_run_in_fewer_threads_than_the_pool_has_connections(client, site) -> None:  # noqa: ANN001
    """A burst then waits for a thread (no timeout) rather than for a connection (30 s, then an error)."""
    limit = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
    assert limit == ROUTE_THREADS < site.engine.pool.size() + site.engine.pool._max_overflow  # noqa: SLF001


def test_concurrent_misses_of_a_read_compute_it_once() -> None:
    """Eight threads miss one key while it is computed: one computation, every thread gets its result; a
    failed computation is not shared (the waiters compute it themselves) and leaves nothing behind."""
    import threading

    cache, calls, gate = ReadCache(), [], threading.Event()

    def slow() -> str:
        calls.append(1)
        gate.wait(5)
        return "the figure"

    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("k", slow))) for _ in range(8)]
    for th in threads:
        th.start()
    while not calls:  # the first has started computing; let the others queue behind it
        threading.Event().wait(0.01)
    threading.Event().wait(0.2)
    gate.set()
    for th in threads:
        th.join(5)
    assert got == ["the figure"] * 8 and len(calls) == 1

    def fails() -> str:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get("bad", fails)
    assert cache.get("bad", lambda: "then fine") == "then fine" and cache.peek("bad") == "then fine"


def test_a_request_a_cached_page_may_answer_reads_the_database_once_on_the_loop(client, site) -> None:  # noqa: ANN001
    """Who asks and the book's version are read in one statement on the event loop's own connection (issue
    13: the loop waited on five round trips per request, ping, BEGIN, two reads and COMMIT, and so did every
    other request of the worker). On PostgreSQL that connection is in autocommit: nothing else is sent."""
    from sqlalchemy import event

    sent: list[str] = []
    engine = client.app.state.server.loop_engine()

    def record(conn, cursor, statement, *_):  # noqa: ANN001, ANN202
        sent.append(statement)

    sign_in(client, site, "auditor")
    for path in ("/", "/dashboard"):
        assert client.get(path).status_code == 200  # computed and stored
        event.listen(engine, "before_cursor_execute", record)
        try:
            sent.clear()
            assert client.get(path).status_code == 200  # served from the cache
        finally:
            event.remove(engine, "before_cursor_execute", record)
        # SQLite begins its transaction in a statement of its own (no round trip: the database is in-process).
        reads = [s for s in sent if s != "BEGIN" or not db.is_sqlite(engine)]
        assert len(reads) == 1 and "web_session" in reads[0] and "leaf" in reads[0], (path, sent)
    if not db.is_sqlite(engine):
        with engine.connect() as conn:
            assert conn.connection.dbapi_connection.autocommit  # psycopg sends no BEGIN nor COMMIT


def test_a_dropped_loop_connection_is_replaced_without_an_error(client, site) -> None:  # noqa: ANN001
    """The loop's connection is not pinged before each read (that was a round trip per request): when it has
    been dropped (PostgreSQL: the server ended it, a restart or an idle timeout; SQLite: the file's connection
    closed under the pool), the read finds out, and is made again on a new connection; the asker sees
    nothing of it."""
    from sqlalchemy import text

    engine = client.app.state.server.loop_engine()
    for _ in range(2):  # the first learns that the route is cacheable, the second reads on the loop
        assert client.get("/").status_code == 200
    (record,) = list(engine.pool._pool.queue)  # the loop's one connection, idle in its pool
    dropped = record.dbapi_connection
    if db.is_sqlite(engine):
        dropped.close()  # the pool still holds it as though it were open
    else:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.transaction(site.engine) as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    assert client.get("/?after=drop").status_code == 200  # a URL not served before: it reads the database
    (record,) = list(engine.pool._pool.queue)
    assert record.dbapi_connection is not dropped  # a new connection took its place


def test_a_page_asked_with_a_token_and_a_cookie_still_reads_the_cookie_s_session(client, site) -> None:  # noqa: ANN001
    """A bearer token is judged before the cookie, so the middleware reads no session for such a request; the
    page still reads the cookie's session for what it shows of it (its CSRF token), as without a token,
    rather than taking the middleware's "no session" for the cookie's."""
    sign_in(client, site, "auditor")
    page = f"/proposals/{site.proposal.id}"
    for _ in range(2):  # the route learnt as cacheable, then asked through the middleware
        plain = client.get(page, params={"t": 0})
    both = client.get(page, params={"t": 1}, headers=bearer(site, "auditor"))
    assert plain.status_code == both.status_code == 200
    assert csrf_of(both.text) == csrf_of(plain.text)
