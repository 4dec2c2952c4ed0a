"""The read cache: a write refreshes what it shows, and one role's output is never served to another."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db

from .conftest import bearer
from .site import DAY


def test_cached_balances_refresh_after_a_post(client, site) -> None:  # noqa: ANN001
    role = next(iter(site.tokens))
    first = client.get("/api/ledger/balances", params={"limit": 500}, headers=bearer(site, role))
    assert first.status_code == 200, first.text
    assert (
        client.get("/api/ledger/balances", params={"limit": 500}, headers=bearer(site, role)).json()
        == first.json()
    )
    base = site.fund.terms(DAY).fund.base_currency
    with db.transaction(site.engine) as conn:
        opened = sorted(
            a.name
            for a in journal.load_accounts(conn).values()
            if a.closed is None and (not a.currencies or base in a.currencies)
        )
    a, b = opened[0], opened[1]
    with db.write(site.engine) as conn:
        journal.post(
            conn,
            [
                Entry(
                    DAY,
                    "cache test",
                    (Posting(a, Decimal("1.23"), base), Posting(b, Decimal("-1.23"), base)),
                    key="cache-test",
                )
            ],
            site.fund.start_date,
        )
    after = client.get("/api/ledger/balances", params={"limit": 500}, headers=bearer(site, role)).json()
    assert after != first.json()
    assert any(r["account"] == a for r in after["items"]) and any(r["account"] == b for r in after["items"])


def test_a_cached_read_is_never_served_past_the_policy(client, site) -> None:  # noqa: ANN001
    allowed = [
        r
        for r in site.tokens
        if client.get("/api/ledger/balances", headers=bearer(site, r)).status_code == 200
    ]
    refused = [r for r in site.tokens if r not in allowed]
    assert allowed, "some role reads the books"
    for role in refused:
        assert client.get("/api/ledger/balances", headers=bearer(site, role)).status_code in (401, 403)
    assert client.get("/api/ledger/balances").status_code == 401
    # /api/me depends on who asks: each role sees itself, never a cached other role.
    for role in site.tokens:
        assert client.get("/api/me", headers=bearer(site, role)).json()["role"] == role


def test_the_capital_shown_follows_a_write_in_any_period(client, site) -> None:  # noqa: ANN001
    """The public summary's capital is carried from its last computation (only the pieces a write falls in are
    read again, issue 13): a write in the current period, then one dated in the fund's first months, each
    changes the figure served, to what a fresh computation gives."""
    from support import Book

    from jointfund.capital.accounts import capital_accounts

    book = Book(site.engine)
    partner = book.partners[0]

    def shown() -> Decimal:
        rows = client.get("/api/public/summary").json()["capital"]
        return sum((Decimal(r["capital"]) for r in rows if r["partner"] == partner), Decimal(0))

    before = shown()
    late = (DAY - book.start).days
    for key, offset, amount in (("now", late, "100.00"), ("early", 1, "7.00")):
        book.post(book.contribution(f"carried-{key}", amount, offset, partner=partner))
        after = shown()
        with db.transaction(site.engine) as conn:
            fresh = capital_accounts(conn, site.fund, DAY).account(partner).closing
        assert after == fresh and after != before, key
        before = after


def test_two_workers_show_every_upload_in_the_summary_s_contributions(site) -> None:  # noqa: ANN001
    """Each worker carries the year it last tallied, and judges only the receipts uploaded since (issue 13):
    whichever worker an upload went through, and however many uploads the other missed, both show what
    judging every receipt gives, from the first request after the write."""
    from jointfund.api.security import LoginLimiter
    from jointfund.app import create_app
    from jointfund.reports import summary

    from .test_workspace import LICENCES, RATES, RECEIPTS

    workers = [TestClient(create_app(site.engine, limiter=LoginLimiter())) for _ in range(2)]
    one, two = workers

    def upload(worker: TestClient, what: str, text: str) -> None:
        r = worker.post(
            f"/api/revenue/{what}",
            headers=bearer(site, "treasury_officer"),
            files={"file": (f"{what}.csv", text.encode())},
        )
        assert r.status_code == 201, r.text

    def fresh() -> dict:
        base = site.fund.base_terms().fund.base_currency
        with db.transaction(site.engine) as conn:
            return summary.contributions(conn, site.fund, base)

    for what, text in (("licences", LICENCES), ("fx", RATES), ("receipts", RECEIPTS)):
        upload(one, what, text)
    for worker in workers:
        assert worker.get("/api/public/summary").json()["contributions"] == _json(fresh())
    head = "receipt_id,date,licence_id,stream,amount,currency\n"
    # (who uploads, who reads after): the second worker misses the second upload, so extends by two.
    rounds = ((one, workers), (one, [one]), (two, [two, one]), (one, workers))
    for n, (through, readers) in enumerate(rounds):
        upload(through, "receipts", head + f"W-{n},2025-11-0{4 + n},SP-1,rent,{100 + n}.00,UAH\n")
        expected = _json(fresh())
        for worker in readers:
            shown = worker.get("/api/public/summary").json()["contributions"]
            assert shown == expected, (n, worker is one)
            carried = worker.app.state.server.carried.get(summary.CARRIED_YEAR)
            assert carried.receipts == 3 + n  # the worker's carried tallies count the year's receipts
        assert sum(r["receipts"] for r in expected["year"]) == 3 + n
    for worker in workers:
        worker.close()


def test_a_page_reads_the_fund_the_book_version_and_the_session_once_per_request(
    client, site, monkeypatch
) -> None:  # noqa: ANN001
    """A page asks for the fund some eight times, for the book's version at each cached part and for the
    session wherever a template shows it; each asking opened a transaction (issue 13). A GET asks the server
    once for each: the response cache's middleware reads the version and the session for its key, and the
    route takes them from it. The next request asks again (a write or a sign-out may have moved either)."""
    from jointfund.api import cache, deps, response_cache
    from jointfund.api.security import SESSION_COOKIE, Sessions

    from .conftest import sign_in

    asked: list[str] = []
    fund, version_of, live = deps.Server.fund, cache.version_of, Sessions.live

    def counted_fund(self):  # noqa: ANN001, ANN202
        asked.append("fund")
        return fund(self)

    def counted_version(parts):  # noqa: ANN001, ANN202
        asked.append("version")
        return version_of(parts)

    def counted_session(self, sid):  # noqa: ANN001, ANN202
        if sid:  # no cookie: nothing is read
            asked.append("session")
        return live(self, sid)

    monkeypatch.setattr(deps.Server, "fund", counted_fund)
    monkeypatch.setattr(cache, "version_of", counted_version)
    monkeypatch.setattr(response_cache, "version_of", counted_version)
    monkeypatch.setattr(Sessions, "live", counted_session)
    for n, path in enumerate(("/", "/api/public/summary", "/")):
        client.get("/api/me")  # another request between: its reads are its own
        asked.clear()
        assert client.get(path, params={"n": n}).status_code == 200  # a URL not served before: computed
        assert sorted(asked) == ["fund", "version"], (path, asked)
    sign_in(client, site, "auditor")
    for n in range(2):
        asked.clear()
        page = client.get("/dashboard", params={"n": n})
        assert page.status_code == 200 and 'name="csrf"' in page.text  # the session's token is on the page
        assert sorted(asked) == ["fund", "session", "version"], asked
    ended = client.cookies[SESSION_COOKIE]
    client.post("/logout", data={"csrf": _csrf(page.text)})
    client.cookies.set(SESSION_COOKIE, ended)  # the ended session's cookie, offered again
    asked.clear()
    assert client.get("/dashboard", params={"n": 9}, follow_redirects=False).status_code == 303
    assert asked.count("session") == 1  # read afresh for the request, found ended, and refused


def _csrf(html: str) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field"
    return found.group(1)


def _json(rows: dict) -> dict:
    """Contributions as the API serves them (JSON: no Decimal)."""
    import json

    return json.loads(json.dumps(rows, default=str))


def test_the_summary_s_signed_heads_are_reused_until_a_checkpoint_or_cosignature_is_added(
    client, site, monkeypatch
) -> None:  # noqa: ANN001
    """A write that signs nothing (an entry) leaves the summary's checkpoints and witnessing as they were, so
    the page after it does not read them again (issue 13); a new checkpoint or witness cosignature shows at
    once."""
    from jointfund.ledger import checkpoint_note
    from jointfund.ledger.note import Signature
    from jointfund.reports import summary

    read: list[int] = []
    real = summary.signed_heads
    monkeypatch.setattr(summary, "signed_heads", lambda *a: read.append(1) or real(*a))
    site.sign_checkpoints()
    first = client.get("/api/public/summary").json()
    assert read == [1] and first["witnessing"]["witnesses"] == []
    with db.write(site.engine) as conn:
        journal.open_account(conn, "Assets:Cache:Signed", site.fund.start_date, None, "test", "test")
    after_entry = client.get("/api/public/summary").json()
    assert read == [1], "an entry signed nothing: the signed heads are reused"
    for part in ("checkpoints", "both_signed", "witnessing"):
        assert after_entry[part] == first[part]

    site.sign_checkpoints()  # both partners sign the bigger log
    signed = client.get("/api/public/summary").json()
    every = client.get("/api/checkpoints", params={"limit": 500}).json()["items"]
    assert read == [1, 1]
    assert signed["checkpoints"] == summary.latest_by_partner(every)
    assert signed["both_signed"]["tree_size"] > first["both_signed"]["tree_size"]

    with db.write(site.engine) as conn:
        head = checkpoint_note.latest(conn, site.fund.id, site.fund.base_terms().partner_codes)
        assert head is not None
        cosig = Signature("witness.example/w1", b"\x01\x02\x03\x04", bytes(8) + bytes(64))
        assert checkpoint_note.add_cosignatures(conn, head.body, [cosig]) == 1
    witnessed = client.get("/api/public/summary").json()
    assert read == [1, 1, 1] and witnessed["witnessing"]["witnesses"] == ["witness.example/w1"]
