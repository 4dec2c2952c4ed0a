"""The read cache: a write refreshes what it shows, and one role's output is never served to another."""

from __future__ import annotations

from decimal import Decimal

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


def test_a_page_reads_the_fund_once_per_request(client, site, monkeypatch) -> None:  # noqa: ANN001
    """A page asks for the fund some eight times; each `Server.fund` opens a transaction (issue 13): a GET
    asks the server once, and the next request asks again (an amendment may have been adopted since)."""
    from jointfund.api.deps import Server

    asked: list[int] = []
    real = Server.fund

    def counted(self):  # noqa: ANN001, ANN202
        asked.append(1)
        return real(self)

    monkeypatch.setattr(Server, "fund", counted)
    for path in ("/", "/api/public/summary"):
        asked.clear()
        assert client.get(path).status_code == 200
        assert len(asked) == 1, (path, len(asked))
